package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"markaz"
	"markaz/kpi"
	"markaz/report"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/worker"
)

func day(s string) markaz.Date {
	d, err := markaz.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// seedReportData makes three centers (two in Sharqia's 13-001, one in Cairo's 01-001)
// and seven requests: in February 2026 one overdue and one returned at A, one current
// at A and one at B, two at C; one in January at A. It returns the requests' tracking
// numbers by name.
func seedReportData(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	centers := map[string]*markaz.Center{}
	for _, c := range []struct{ code, unit string }{{"SH-RPT-01", "13-001"}, {"SH-RPT-02", "13-001"}, {"CA-RPT-01", "01-001"}} {
		ce := &markaz.Center{Code: c.code, Kind: markaz.KindFixed, NameAr: "مركز " + c.code, NameEn: "Center " + c.code,
			UnitCode: c.unit, DevStatus: markaz.DevDeveloped}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.InsertCenter(store.Actor{}, ce) }); err != nil {
			t.Fatal(err)
		}
		centers[c.code] = ce
	}
	type seed struct {
		name, center, status string
		on, due              string
	}
	seeds := []seed{
		{"overdue", "SH-RPT-01", request.StatusInReview, "2026-02-02", "2026-02-10"},
		{"returned", "SH-RPT-01", request.StatusReturned, "2026-02-03", "2026-03-20"},
		{"a", "SH-RPT-01", request.StatusInReview, "2026-02-16", "2026-03-30"},
		{"b", "SH-RPT-02", request.StatusInReview, "2026-02-20", "2026-03-25"},
		{"c1", "CA-RPT-01", request.StatusInReview, "2026-02-04", "2026-04-01"},
		{"c2", "CA-RPT-01", request.StatusInReview, "2026-02-05", "2026-04-01"},
		{"jan", "SH-RPT-01", request.StatusInReview, "2026-01-10", "2026-04-01"},
	}
	var rs []store.BulkRequest
	if err := db.Read(ctx, func(tx *store.Tx) error {
		dur, err := tx.DurationOn("SHOP-LIC", day("2026-01-01"))
		if err != nil {
			return err
		}
		for _, s := range seeds {
			c := centers[s.center]
			at := day(s.on).Start().Add(10 * time.Hour)
			r := store.BulkRequest{Request: request.Request{ServiceCode: "SHOP-LIC", DurationVersionID: dur.ID,
				WorkingDays: dur.WorkingDays, CenterID: c.ID, GovCode: c.GovCode, UnitCode: c.UnitCode,
				Channel: request.ChannelCounter, Status: s.status, StepKey: "review", NationalID: "29001011301234",
				Name: "منى أحمد", Mobile: "01001234567", SubmittedAt: at, SubmittedOn: day(s.on), DueDate: day(s.due),
				Version: 2, CreatedBy: "clerk", UpdatedAt: at.Add(time.Minute)}}
			r.Events = []request.Event{
				{Seq: 1, At: at, Username: "clerk", Action: request.ActionRegister, To: request.StatusSubmitted, ToStep: "intake"},
				{Seq: 2, At: at.Add(time.Minute), Username: "clerk", Action: request.ActionForward,
					From: request.StatusSubmitted, To: request.StatusInReview, FromStep: "intake", ToStep: "review"}}
			if s.status == request.StatusReturned {
				on := day(s.on).AddDays(1)
				r.PausedSince = &on
				r.Events = append(r.Events, request.Event{Seq: 3, At: on.Start().Add(10 * time.Hour), Username: "officer",
					Action: request.ActionReturn, From: request.StatusInReview, To: request.StatusReturned,
					FromStep: "review", ToStep: "review"})
			}
			rs = append(rs, r)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.InsertRequestsBulk(rs) }); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, s := range seeds {
		out[s.name] = rs[i].TrackingNumber
	}
	return out
}

// mkReportUser creates a user with one assignment (and an e-mail address when given).
func mkReportUser(t *testing.T, db *store.DB, name, email string, in markaz.AssignmentInput) *markaz.User {
	t.Helper()
	in.StartsOn = "2020-01-01"
	u := &markaz.User{Username: name, FullName: "Test " + name, Email: email, PasswordHash: "x"}
	if err := db.Write(context.Background(), func(tx *store.Tx) error {
		return tx.CreateUser(nil, u, []markaz.AssignmentInput{in})
	}); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return u
}

func principal(t *testing.T, db *store.DB, id string) *markaz.Principal {
	t.Helper()
	var p *markaz.Principal
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		u, err := tx.GetUser(id)
		p = tx.Principal(u)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// The model of a governorate's month: its figures, the previous month's and the
// nation's are db.KPI's; the trend covers the month's weeks; the ranking lists its
// centers; the lists hold the overdue and the returned request.
func TestReportModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		nums := seedReportData(t, db)
		sys := store.ReportReader()
		from, to, step, err := kpi.ParsePeriod("2026-02")
		if err != nil {
			t.Fatal(err)
		}
		in, err := db.ReportInput(ctx, sys, "", "13", from, to, step, "ar")
		if err != nil {
			t.Fatal(err)
		}
		m := report.Build(*in)
		kpiOf := func(level, code string, from, to markaz.Date) *kpi.Figures {
			f, err := db.KPI(ctx, sys, kpi.Query{Level: level, Code: code, From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		cur := kpiOf(kpi.LevelGovernorate, "13", from, to)
		prev := kpiOf(kpi.LevelGovernorate, "13", day("2026-01-01"), day("2026-01-31"))
		nation := kpiOf(kpi.LevelNation, "", from, to)
		if in.Level != kpi.LevelGovernorate || in.Period != "2026-02" || m.PrevFrom != day("2026-01-01") {
			t.Fatalf("model of %s %s, previous from %v", in.Level, in.Period, m.PrevFrom)
		}
		if cur.Received != 4 || prev.Received != 1 || nation.Received != 6 {
			t.Fatalf("seed: received %d / %d / %d", cur.Received, prev.Received, nation.Received)
		}
		for _, h := range m.Headline {
			for _, c := range []struct {
				got  *float64
				want *kpi.Figures
			}{{h.Value, cur}, {h.Previous, prev}, {h.Nation, nation}} {
				w := report.Value(c.want, h.Key)
				if (w == nil) != (c.got == nil) || w != nil && *w != *c.got {
					t.Errorf("%s: %v, want %v", h.Key, c.got, w)
				}
			}
		}
		var byKey = map[string]report.Headline{}
		for _, h := range m.Headline {
			byKey[h.Key] = h
		}
		if h := byKey["received"]; h.Trend != report.Up || *h.Value != 4 || *h.Nation != 6 {
			t.Errorf("received %+v", h)
		}
		if cur.OverdueOpen != 1 || *byKey["overdue_open"].Value != 1 {
			t.Errorf("overdue_open %d", cur.OverdueOpen)
		}
		sum := 0
		for _, f := range m.Series {
			sum += f.Received
		}
		if len(m.Series) != len(kpi.Buckets(kpi.StepWeek, from, to)) || sum != 4 {
			t.Errorf("series of %d weeks receiving %d", len(m.Series), sum)
		}
		if m.RankingLevel != kpi.LevelCenter || len(m.Ranking) != 2 || m.Ranking[0].Level != kpi.LevelCenter {
			t.Errorf("ranking %s %d", m.RankingLevel, len(m.Ranking))
		}
		if m.Overdue.Total != 1 || len(m.Overdue.Rows) != 1 || m.Overdue.Rows[0].Tracking != nums["overdue"] ||
			m.Overdue.Rows[0].DaysLate != 18 {
			t.Errorf("overdue %+v", m.Overdue)
		}
		if m.Returned.Total != 1 || m.Returned.Rows[0].Tracking != nums["returned"] {
			t.Errorf("returned %+v", m.Returned)
		}
		if m.Training.FiscalYear != 2025 || m.Training.Total.NameEn == "" {
			t.Errorf("training %+v", m.Training)
		}
		// A district's report ranks its centers; a center's has no ranking; the nation's
		// ranks governorates.
		for _, c := range []struct{ code, level, ranking string }{{"13-001", kpi.LevelDistrict, kpi.LevelCenter},
			{"SH-RPT-01", kpi.LevelCenter, ""}, {"EG", kpi.LevelNation, kpi.LevelGovernorate}} {
			in, err := db.ReportInput(ctx, sys, "", c.code, from, to, step, "en")
			if err != nil || in.Level != c.level || in.RankingLevel != c.ranking {
				t.Errorf("%s: %v %+v", c.code, err, in)
			}
		}
		if _, err := db.ReportInput(ctx, sys, "", "99", from, to, step, "en"); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("unknown territory: %v", err)
		}
	})
}

// The schedule queues a definition's report once per period; generating it twice, and
// by two workers at once, archives one report and delivers it once to each recipient:
// the governor (inbox and e-mail), the committee member and the ministry, not the head
// of a district inside it nor anyone of another governorate. Its workbook's figures are
// db.KPI's; only readers of the governorate open it; opening marks it read.
func TestReportJobOncePerPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		seedReportData(t, db)
		governor := mkReportUser(t, db, "governor13", "gov13@example.eg", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelGovernorate, Governorate: "13"})
		dhead := mkReportUser(t, db, "head13001", "", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "13-001"})
		insp := mkReportUser(t, db, "insp13", "", markaz.AssignmentInput{Role: markaz.RoleInspector, Level: markaz.LevelGovernorate, Governorate: "13"})
		ministry := mkReportUser(t, db, "ministry1", "", markaz.AssignmentInput{Role: markaz.RoleMinistry, Level: markaz.LevelNation})
		cairo := mkReportUser(t, db, "governor01", "gov01@example.eg", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelGovernorate, Governorate: "01"})
		sup := mkReportUser(t, db, "sup13", "", markaz.AssignmentInput{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, Governorate: "13"})

		// Defined on 10 February: February's report is the first.
		now := clock.T
		clock.T = day("2026-02-10").Start().Add(9 * time.Hour)
		d := &report.Definition{Level: kpi.LevelGovernorate, Code: "13", Frequency: report.Monthly, Lang: "ar",
			Formats: []string{report.XLSX}, Roles: report.Recipients}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.CreateReportDefinition(principal(t, db, sup.ID), d) }); err != nil {
			t.Fatal(err)
		}
		clock.T = now
		for i, want := range []int{1, 0} {
			var n int
			if err := db.Write(ctx, func(tx *store.Tx) (err error) { n, err = tx.EnqueueDueReports(); return err }); err != nil || n != want {
				t.Fatalf("enqueue run %d: %d %v, want %d", i, n, err, want)
			}
		}
		// A second job for the same period (as if queued by an older schedule) and two
		// workers at once.
		payload, _ := json.Marshal(store.ReportJob{DefinitionID: d.ID, Period: "2026-02"})
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.EnqueueJob(store.JobReport, "", time.Time{}, payload) }); err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		h := map[string]worker.Handler{store.JobReport: worker.Reports(db, &report.Renderer{}, "https://markaz.example.eg", log)}
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := worker.New(db, h, worker.Options{ID: "w" + strconv.Itoa(i), Batch: 1, Log: log})
				if _, err := w.RunOnce(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if _, created, err := worker.Generate(ctx, db, &report.Renderer{}, d.ID, "2026-02", ""); err != nil || created {
			t.Fatalf("third generation: created %v, %v", created, err)
		}
		var n, deliveries int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			if err := tx.Get(&n, `SELECT COUNT(*) FROM reports`); err != nil {
				return err
			}
			return tx.Get(&deliveries, `SELECT COUNT(*) FROM report_deliveries`)
		}); err != nil {
			t.Fatal(err)
		}
		if n != 1 || deliveries != 4 { // governor inbox + e-mail, inspector, ministry
			t.Fatalf("%d reports, %d deliveries", n, deliveries)
		}
		archive, _, err := db.ReportArchive(ctx, principal(t, db, sup.ID), "", 10)
		if err != nil || len(archive) != 1 || archive[0].Period != "2026-02" || len(archive[0].Formats) != 1 {
			t.Fatalf("archive %+v %v", archive, err)
		}
		got := map[string]string{}
		for _, r := range archive[0].Recipients {
			got[r.Username+"/"+r.Channel] = r.Address
		}
		if len(got) != 4 || got["governor13/email"] != "gov13@example.eg" || got["insp13/inbox"] != "" ||
			got["ministry1/inbox"] != "" || got["governor13/inbox"] != "" {
			t.Errorf("recipients %v", got)
		}
		msgs, err := db.Messages(ctx, store.ReportKind, archive[0].ID)
		if err != nil || len(msgs) != 1 || msgs[0].To != "gov13@example.eg" || msgs[0].Data()["link"] != "https://markaz.example.eg/reports/inbox" {
			t.Errorf("e-mail %+v %v", msgs, err)
		}

		gp := principal(t, db, governor.ID)
		if n, _ := db.UnreadReports(ctx, governor.ID); n != 1 {
			t.Errorf("governor unread %d", n)
		}
		inbox, err := db.ReportInbox(ctx, gp)
		if err != nil || len(inbox) != 1 || inbox[0].ReadAt != nil {
			t.Fatalf("inbox %+v %v", inbox, err)
		}
		fi, data, err := db.OpenReportFile(ctx, gp, inbox[0].ID, report.XLSX)
		if err != nil || fi.Name != "report-13-2026-02-ar.xlsx" {
			t.Fatalf("open: %v %+v", err, fi)
		}
		if n, _ := db.UnreadReports(ctx, governor.ID); n != 0 {
			t.Errorf("unread after opening: %d", n)
		}
		// The workbook: Arabic sheets right to left, figures as db.KPI.
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sheets := x.GetSheetList()
		if len(sheets) != len(report.SheetKeys) || sheets[1] != "المؤشرات" {
			t.Fatalf("sheets %v", sheets)
		}
		if v, err := x.GetSheetView(sheets[1], 0); err != nil || v.RightToLeft == nil || !*v.RightToLeft {
			t.Errorf("headline sheet not right to left: %v", err)
		}
		cur, err := db.KPI(ctx, store.ReportReader(), kpi.Query{Level: kpi.LevelGovernorate, Code: "13",
			From: day("2026-02-01"), To: day("2026-02-28")})
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(sheets[1], excelize.Options{RawCellValue: true})
		checked := 0
		for _, row := range rows[1:] {
			want := report.Value(cur, row[1])
			if want == nil {
				if len(row) > 2 && row[2] != "" {
					t.Errorf("%s: %q, want empty", row[1], row[2])
				}
				continue
			}
			v, err := strconv.ParseFloat(row[2], 64)
			if err != nil || math.Abs(v-*want) > 1e-9 {
				t.Errorf("%s: %q, want %v", row[1], row[2], *want)
			}
			checked++
		}
		if checked < 4 {
			t.Errorf("only %d figures checked", checked)
		}
		// Outside the territory: the district head and Cairo's governor neither see it in
		// the archive nor open it.
		for _, u := range []*markaz.User{dhead, cairo} {
			p := principal(t, db, u.ID)
			if _, _, err := db.OpenReportFile(ctx, p, inbox[0].ID, report.XLSX); markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("%s opens it: %v", u.Username, err)
			}
			if a, _, err := db.ReportArchive(ctx, p, "", 10); err != nil || len(a) != 0 {
				t.Errorf("%s archive: %d %v", u.Username, len(a), err)
			}
			if in, err := db.ReportInbox(ctx, p); err != nil || len(in) != 0 {
				t.Errorf("%s inbox: %d %v", u.Username, len(in), err)
			}
		}
		_ = insp
		_ = ministry
	})
}

// "Generate now" makes the last complete period's report of a definition created after
// that period ended, restarts a failed job, and says when it is queued or archived; it
// keeps to the maker's scope and refuses a stopped definition.
func TestGenerateReportNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		seedReportData(t, db)
		mkReportUser(t, db, "governor13", "", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelGovernorate, Governorate: "13"})
		sup := mkReportUser(t, db, "sup13", "", markaz.AssignmentInput{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, Governorate: "13"})
		other := mkReportUser(t, db, "sup01", "", markaz.AssignmentInput{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, Governorate: "01"})
		p := principal(t, db, sup.ID)
		clock.T = day("2026-03-10").Start().Add(9 * time.Hour)
		d := &report.Definition{Level: kpi.LevelGovernorate, Code: "13", Frequency: report.Monthly, Lang: "en",
			Formats: []string{report.XLSX}, Roles: []string{report.RecipientGovernor}}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.CreateReportDefinition(p, d) }); err != nil {
			t.Fatal(err)
		}
		now := func(p *markaz.Principal) (period, outcome string, err error) {
			err = db.Write(ctx, func(tx *store.Tx) (err error) {
				period, outcome, err = tx.GenerateReportNow(p, d.ID)
				return err
			})
			return period, outcome, err
		}
		// The schedule has nothing for it before April; generating now queues February.
		var n int
		if err := db.Write(ctx, func(tx *store.Tx) (err error) { n, err = tx.EnqueueDueReports(); return err }); err != nil || n != 0 {
			t.Fatalf("scheduled: %d %v", n, err)
		}
		if period, outcome, err := now(p); err != nil || period != "2026-02" || outcome != store.ReportQueued {
			t.Fatalf("first: %s %s %v", period, outcome, err)
		}
		if _, outcome, err := now(p); err != nil || outcome != store.ReportAlreadyQueued {
			t.Fatalf("second: %s %v", outcome, err)
		}
		if _, _, err := now(principal(t, db, other.ID)); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("another governorate's supervisor: %v", err)
		}
		// The job fails for good (as when the renderer is missing): generating now again
		// starts it over.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE jobs SET status = 'failed', attempts = 8, last_error = 'chromium missing' WHERE kind = ?`, store.JobReport)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, outcome, err := now(p); err != nil || outcome != store.ReportQueued {
			t.Fatalf("after the failure: %s %v", outcome, err)
		}
		var job struct {
			Status   string `db:"status"`
			Attempts int    `db:"attempts"`
		}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&job, `SELECT status, attempts FROM jobs WHERE kind = ?`, store.JobReport)
		}); err != nil || job.Status != "pending" || job.Attempts != 0 {
			t.Fatalf("job after generate now: %+v %v", job, err)
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		w := worker.New(db, map[string]worker.Handler{store.JobReport: worker.Reports(db, &report.Renderer{}, "", log)},
			worker.Options{ID: "w", Batch: 1, Log: log})
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("worker: %d %v", n, err)
		}
		if period, outcome, err := now(p); err != nil || period != "2026-02" || outcome != store.ReportArchived {
			t.Fatalf("after the worker: %s %s %v", period, outcome, err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.RetireReportDefinition(p, d.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := now(p); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("a stopped definition: %v", err)
		}
	})
}
