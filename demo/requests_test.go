package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/catalog"
	"markaz/kpi"
	"markaz/payment"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/tracking"
)

// demoRequests loads the demo data into a fresh database and adds n requests.
func demoRequests(t *testing.T, db *store.DB, clock markaz.Clock, n int, seed uint64) Stats {
	t.Helper()
	ctx := context.Background()
	if _, err := Ensure(ctx, db, pw); err != nil {
		t.Fatal(err)
	}
	st, err := AddRequests(ctx, db, n, seed, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d requests, %d actions, %d by the deadlines job in %v", st.Requests, st.Actions, st.System, st.Took)
	return st
}

// generated is a stored request with its documents, history and fee lines.
type generated struct {
	request.Request
	Docs   string `db:"documents_json"`
	Events []request.Event
	Fees   []request.FeeLine
}

// loadRequests reads every request but the demo backlog's (demo/backlog.go) with its
// history and fee lines, in tracking-number order.
func loadRequests(t *testing.T, db *store.DB) []*generated {
	t.Helper()
	var rows []*generated
	byID := map[string]*generated{}
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		if err := tx.Select(&rows, `SELECT r.id, r.tracking_number, r.service_code, r.duration_version_id,
			r.working_days, r.center_id, c.code AS center_code, r.gov_code, r.unit_code, r.channel, r.status, r.step_key,
			r.national_id, r.applicant_name, r.mobile, r.notes, r.submitted_at, r.submitted_on, r.due_date, r.paused_days,
			r.paused_since, r.decided_at, r.delivered_at, r.fees_due_piasters, r.fees_paid_piasters, r.payment_method,
			r.version, r.created_by, r.updated_at, r.documents_json
			FROM requests r JOIN centers c ON c.id = r.center_id WHERE r.national_id <> ? AND r.channel <> 'backlog'
			ORDER BY r.tracking_number`, demoCitizenNationalID); err != nil { // generated requests only
			return err
		}
		for _, r := range rows {
			byID[r.ID] = r
		}
		var evs []struct {
			RequestID string `db:"request_id"`
			request.Event
		}
		if err := tx.Select(&evs, `SELECT request_id, seq, at, user_id, username, action, from_status, to_status,
			from_step, to_step, note FROM request_events WHERE request_id IN (SELECT id FROM requests WHERE national_id <> ?
			AND channel <> 'backlog') ORDER BY request_id, seq`, demoCitizenNationalID); err != nil {
			return err
		}
		for _, e := range evs {
			byID[e.RequestID].Events = append(byID[e.RequestID].Events, e.Event)
		}
		var fees []struct {
			RequestID string `db:"request_id"`
			request.FeeLine
		}
		if err := tx.Select(&fees, `SELECT request_id, fee_version_id, line_key, name_ar, name_en, amount_piasters
			FROM request_fee_lines WHERE request_id IN (SELECT id FROM requests WHERE national_id <> ? AND channel <> 'backlog')
			ORDER BY request_id, line_no`, demoCitizenNationalID); err != nil {
			return err
		}
		for _, f := range fees {
			byID[f.RequestID].Fees = append(byID[f.RequestID].Fees, f.FeeLine)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := json.Unmarshal([]byte(r.Docs), &r.Documents); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// staff is the principal the demo acts as at a center: the same shape as the
// generator's (user id demo-<code>, username demo.<code>).
func staff(id, code, gov, unit string) *markaz.Principal {
	p := &markaz.Principal{UserID: "demo-" + code, Username: "demo." + strings.ToLower(code)}
	for _, role := range []string{markaz.RoleClerk, markaz.RoleBackOffice, markaz.RoleCenterManager} {
		p.Assignments = append(p.Assignments, markaz.Assignment{Role: role, Level: markaz.LevelCenter,
			CenterID: id, GovCode: gov, UnitCode: unit})
	}
	return p
}

// catalogOf loads every service.
func catalogOf(t *testing.T, db *store.DB) map[string]*catalog.Service {
	t.Helper()
	out := map[string]*catalog.Service{}
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var codes []string
		if err := tx.Select(&codes, `SELECT code FROM services`); err != nil {
			return err
		}
		for _, c := range codes {
			s, err := tx.Service(c)
			if err != nil {
				return err
			}
			out[c] = s
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jobRunsAt reports whether t is the deadlines job's run of its day (00:10 in Cairo).
func jobRunsAt(t time.Time) bool { return t.Equal(markaz.DateOf(t).Start().Add(jobRun)) }

// Every generated request follows the domain's rules: its history is a sequence of
// transitions request.Decide allows to the demo staff (or, for the system, the changes
// the deadlines job makes on the day after their deadline); its columns are what those
// transitions leave (request.Apply), its due date what the store's calendar function
// gives for its submission day, duration and pauses, its duration and fees those in
// force on its submission day. The mix holds every kind of request the demo shows, and
// the deadlines job run now finds nothing left to do.
func TestAddRequestsFollowsTheDomainRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		const n = 3000
		st := demoRequests(t, db, clock, n, 7)
		rows := loadRequests(t, db)
		if len(rows) != n || st.Requests != n || st.Refused != 0 {
			t.Fatalf("%d requests stored, %d reported (%d refused), want %d", len(rows), st.Requests, st.Refused, n)
		}
		// The bulk writer keeps the KPI rollups as the counter does: verify finds nothing
		// over the whole simulated year, and the nation received every request.
		year := markaz.Today(clock).AddDays(-400)
		if diffs, err := db.VerifyKPI(ctx, year, markaz.Today(clock).AddDays(60), nil); err != nil || len(diffs) != 0 {
			t.Fatalf("kpi verify: %v (%d differences) %v", err, len(diffs), diffs[:min(len(diffs), 5)])
		}
		ministry := &markaz.Principal{Assignments: []markaz.Assignment{{Role: markaz.RoleMinistry, Level: markaz.LevelNation}}}
		if f, err := db.KPI(ctx, ministry, kpi.Query{Level: kpi.LevelNation, From: year, To: markaz.Today(clock)}); err != nil ||
			f.Received < n || f.Completed == 0 || f.OnTimeRate == nil || f.MedianProcessingDays == nil ||
			f.Satisfaction == nil || *f.Satisfaction < 3 || *f.Satisfaction > 5 {
			t.Fatalf("national figures: %+v %v", f, err)
		}
		services := catalogOf(t, db)
		now, today := clock.Now(), markaz.Today(clock)
		count := map[string]int{}
		overdue, late, deemed, escalated := 0, 0, 0, 0
		actions, system := 0, 0
		cals := map[string]*calendar.Calendar{}
		err := db.Read(ctx, func(tx *store.Tx) error {
			for _, g := range rows {
				svc := services[g.ServiceCode]
				cal, ok := cals[g.CenterID]
				if !ok {
					var err error
					if cal, err = tx.CalendarFor(g.GovCode, g.CenterID); err != nil {
						return err
					}
					cals[g.CenterID] = cal
				}
				count[g.Status]++
				if g.Overdue(today) {
					overdue++
				}
				if g.DeliveredAt != nil && markaz.DateOf(*g.DeliveredAt).After(g.DueDate) {
					late++
				}
				due, err := tx.DueDate(g.GovCode, g.CenterID, g.SubmittedOn, g.WorkingDays+g.PausedDays)
				if err != nil {
					return err
				}
				if due != g.DueDate {
					t.Errorf("%s: due %s, the calendar says %s (%s + %d + %d paused)", g.TrackingNumber, g.DueDate, due,
						g.SubmittedOn, g.WorkingDays, g.PausedDays)
				}
				dur, err := tx.DurationOn(g.ServiceCode, g.SubmittedOn)
				if err != nil {
					return err
				}
				fees, err := tx.FeesOn(g.ServiceCode, g.GovCode, g.SubmittedOn)
				if err != nil {
					return err
				}
				if dur.ID != g.DurationVersionID || dur.WorkingDays != g.WorkingDays || fees.TotalPiasters != g.FeesDue ||
					len(g.Fees) != len(fees.Lines) || g.Fees[0].FeeVersionID != fees.ID {
					t.Errorf("%s: duration %s/%d fees %d %+v, want those in force on %s: %s/%d %d %s", g.TrackingNumber,
						g.DurationVersionID, g.WorkingDays, g.FeesDue, g.Fees, g.SubmittedOn, dur.ID, dur.WorkingDays,
						fees.TotalPiasters, fees.ID)
				}
				if g.SubmittedOn.Before(today.AddDays(-365)) || !g.SubmittedAt.Before(now) ||
					g.SubmittedOn != markaz.DateOf(g.SubmittedAt) || !cal.IsWorkingDay(g.SubmittedOn) {
					t.Errorf("%s: submitted %s, not a working day of the past year", g.TrackingNumber, g.SubmittedAt)
				}
				var docs []string
				for _, d := range svc.Documents {
					docs = append(docs, d.NameAr)
				}
				if !slices.Equal(g.Documents, docs) {
					t.Errorf("%s: documents %v, want the service's %v", g.TrackingNumber, g.Documents, docs)
				}
				a, s, d, e := replay(t, g, svc, cal, now)
				actions, system, deemed, escalated = actions+a, system+s, deemed+d, escalated+e
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("statuses %v; %d overdue, %d delivered late, %d deemed approvals, %d escalations", count, overdue, late,
			deemed, escalated)
		for _, s := range []string{request.StatusDelivered, request.StatusRejected, request.StatusCancelled,
			request.StatusReturned, request.StatusAwaitingPayment, request.StatusInReview, request.StatusDeemedApproved} {
			if count[s] == 0 {
				t.Errorf("no %s request in the mix: %v", s, count)
			}
		}
		if count[request.StatusDelivered] < n/2 {
			t.Errorf("most requests should be delivered: %v", count)
		}
		if overdue == 0 || late == 0 || deemed == 0 || escalated == 0 {
			t.Errorf("%d overdue, %d delivered late, %d deemed approved, %d escalated: want some of each",
				overdue, late, deemed, escalated)
		}
		if actions != st.Actions || system != st.System {
			t.Errorf("stats say %d actions and %d system changes, histories hold %d and %d", st.Actions, st.System,
				actions, system)
		}
		for s, k := range st.ByStatus {
			if count[s] != k {
				t.Errorf("stats say %d %s, database %d", k, s, count[s])
			}
		}
		// Everything the job would have done by now, the simulation did.
		var run store.DeadlineRun
		for after := ""; ; {
			r, err := db.DeadlineBatch(ctx, after, store.DeadlineBatchSize)
			if err != nil {
				t.Fatal(err)
			}
			run.Deemed, run.StatutoryEscalated, run.StepEscalated = run.Deemed+r.Deemed,
				run.StatutoryEscalated+r.StatutoryEscalated, run.StepEscalated+r.StepEscalated
			if after = r.Next; after == "" {
				break
			}
		}
		if run.Deemed+run.StatutoryEscalated+run.StepEscalated != 0 {
			t.Errorf("the deadlines job found work left: %+v", run)
		}
		var outbox, audits int
		var afters []string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			// The demo citizen's two online requests are registered one by one (demo/citizen.go).
			if err := tx.Get(&outbox, `SELECT COUNT(*) FROM outbox WHERE entity = 'request' AND entity_id NOT IN
				(SELECT id FROM requests WHERE national_id = ?)`, demoCitizenNationalID); err != nil {
				return err
			}
			if err := tx.Select(&afters, `SELECT after_json FROM audit_log WHERE action = 'demo.requests'`); err != nil {
				return err
			}
			return tx.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE entity = 'request' AND entity_id NOT IN
				(SELECT id FROM requests WHERE national_id = ?)`, demoCitizenNationalID)
		}); err != nil {
			t.Fatal(err)
		}
		if outbox != 0 || audits != 0 {
			t.Errorf("%d SMS queued and %d per-request audit entries for demo requests", outbox, audits)
		}
		added := 0
		for _, a := range afters {
			var v struct{ Requests int }
			if err := json.Unmarshal([]byte(a), &v); err != nil {
				t.Fatal(err)
			}
			added += v.Requests
		}
		if len(afters) != (n+BatchSize-1)/BatchSize || added != n {
			t.Errorf("%d audit entries adding %d requests, want one per batch adding %d", len(afters), added, n)
		}
		if problem, _, err := db.VerifyAudit(ctx); err != nil || problem != "" {
			t.Errorf("audit chain: %q %v", problem, err)
		}
	})
}

// replay walks a generated history through the domain: each staff action must be one
// request.Decide allows the center's demo staff, each system change one the deadlines
// job makes (a deemed approval by the system's own transition, escalations that leave the
// request where it is) at its run on the day after the deadline its note names; the
// request's columns must be what request.Apply leaves after them all. It returns the
// staff actions, system changes, deemed approvals and escalations seen.
func replay(t *testing.T, g *generated, svc *catalog.Service, cal *calendar.Calendar, now time.Time) (actions, system, deemed, escalated int) {
	t.Helper()
	evs := g.Events
	p := staff(g.CenterID, g.CenterCode, g.GovCode, g.UnitCode)
	if len(evs) == 0 || evs[0].Action != request.ActionRegister || evs[0].Username != p.Username ||
		evs[0].UserID != p.UserID || evs[0].To != request.StatusSubmitted || evs[0].ToStep != svc.Steps[0].Key ||
		!evs[0].At.Equal(g.SubmittedAt) || g.CreatedBy != p.Username {
		t.Errorf("%s: history starts with %+v", g.TrackingNumber, evs[0])
		return
	}
	r := request.Request{Status: request.StatusSubmitted, StepKey: svc.Steps[0].Key, SubmittedOn: g.SubmittedOn,
		WorkingDays: g.WorkingDays, DueDate: cal.AddWorkingDays(g.SubmittedOn, g.WorkingDays), GovCode: g.GovCode,
		UnitCode: g.UnitCode, CenterID: g.CenterID}
	for i, e := range evs {
		if e.Seq != i+1 || i > 0 && e.At.Before(evs[i-1].At) || !e.At.Before(now) {
			t.Errorf("%s: event %d: seq %d at %s (previous %s, now %s)", g.TrackingNumber, i, e.Seq, e.At,
				evs[max(i-1, 0)].At, now)
		}
		if i == 0 {
			continue
		}
		var plan request.Plan
		var err error
		switch {
		case e.Username == "system" && e.UserID == "":
			system++
			due, derr := markaz.ParseDate(e.Note)
			if derr != nil || !jobRunsAt(e.At) || markaz.DateOf(e.At) != due.AddDays(1) {
				t.Errorf("%s: %s at %s noting %q: want the job's run on the day after the deadline", g.TrackingNumber,
					e.Action, e.At, e.Note)
			}
			switch e.Action {
			case request.ActionDeemApprove:
				deemed++
				rule := svc.Statutory
				if rule == nil || rule.OnExpiry != catalog.ExpiryDeemedApproved {
					t.Errorf("%s: deemed approved without the rule", g.TrackingNumber)
				} else if d := request.StatutoryDeadline(g.SubmittedOn, rule.Days, evs[:i], due); d != due {
					t.Errorf("%s: deemed approved after %s, the statutory deadline is %s", g.TrackingNumber, due, d)
				}
				plan, err = request.Decide(svc.Steps, r.Status, r.StepKey, e.Action, nil, r.Ref())
			case request.EventEscalated, request.EventStatutoryEscalated:
				escalated++
				plan = r.Stay()
			default:
				t.Errorf("%s: the system made %s", g.TrackingNumber, e.Action)
			}
		case e.Username == p.Username && e.UserID == p.UserID:
			actions++
			plan, err = request.Decide(svc.Steps, r.Status, r.StepKey, e.Action, p, r.Ref())
			if (e.Action == request.ActionReturn || e.Action == request.ActionCancel) && e.Note == "" {
				t.Errorf("%s: %s without a note", g.TrackingNumber, e.Action)
			}
		default:
			t.Errorf("%s: event %d by %s/%s", g.TrackingNumber, i, e.UserID, e.Username)
		}
		if err != nil || plan.From != e.From || plan.To != e.To || plan.FromStep != e.FromStep || plan.ToStep != e.ToStep {
			t.Errorf("%s: event %d %s %s→%s (%s→%s): the workflow says %+v %v", g.TrackingNumber, i, e.Action, e.From,
				e.To, e.FromStep, e.ToStep, plan, err)
			return
		}
		if err := r.Apply(plan, cal, e.At); err != nil {
			t.Fatal(err)
		}
	}
	r.Version, r.UpdatedAt = len(evs), evs[len(evs)-1].At
	if got, want := clocks(&g.Request), clocks(&r); got != want {
		t.Errorf("%s: stored %s, the history leads to %s", g.TrackingNumber, got, want)
	}
	return
}

// clocks shows where a request stands: status, step, due date, pauses, decision and
// delivery instants, version and last change.
func clocks(r *request.Request) string {
	at := func(t *time.Time) any {
		if t == nil {
			return "-"
		}
		return t.UnixMicro()
	}
	since := "-"
	if r.PausedSince != nil {
		since = r.PausedSince.String()
	}
	return fmt.Sprint(r.Status, " ", r.StepKey, " due ", r.DueDate, " paused ", r.PausedDays, " since ", since,
		" decided ", at(r.DecidedAt), " delivered ", at(r.DeliveredAt), " v", r.Version, " ", r.UpdatedAt.UnixMicro())
}

// history shows a request's events.
func history(evs []request.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%d %d %s/%s %s %s→%s %s→%s %q; ", e.Seq, e.At.UnixMicro(), e.UserID, e.Username, e.Action,
			e.From, e.To, e.FromStep, e.ToStep, e.Note)
	}
	return b.String()
}

// Requests replayed through the application's own path — tx.RegisterRequest,
// tx.ActOnRequest and the deadlines job at the instants of the generated history — end
// exactly as generated: same statuses, clocks and histories.
func TestAddRequestsMatchesTheWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		demoRequests(t, db, clock, 1500, 3)
		rows := loadRequests(t, db)
		// A sample holding every final status, with and without the job's changes.
		seen := map[string]int{}
		var sample []*generated
		for _, g := range rows {
			sys := slices.ContainsFunc(g.Events, func(e request.Event) bool { return e.Username == "system" })
			k := fmt.Sprint(g.Status, sys)
			if seen[k] < 4 {
				seen[k]++
				sample = append(sample, g)
			}
		}
		otherClock := &markaz.FixedClock{T: clock.T}
		other := storetest.Open(t, db.Dialect, otherClock)
		if _, err := Ensure(ctx, other, pw); err != nil {
			t.Fatal(err)
		}
		type place struct {
			ID   string `db:"id"`
			Code string `db:"code"`
			Gov  string `db:"gov_code"`
			Unit string `db:"unit_code"`
		}
		var places []place
		if err := other.Read(ctx, func(tx *store.Tx) error {
			return tx.Select(&places, `SELECT id, code, gov_code, unit_code FROM centers`)
		}); err != nil {
			t.Fatal(err)
		}
		byCode := map[string]place{}
		for _, c := range places {
			byCode[c.Code] = c
		}
		for _, g := range sample {
			c := byCode[g.CenterCode]
			p := staff(c.ID, c.Code, c.Gov, c.Unit)
			reg := &request.Registration{ServiceCode: g.ServiceCode, Channel: g.Channel, Documents: g.Documents,
				Applicant: request.Applicant{NationalID: g.NationalID, Name: g.Name, Mobile: g.Mobile}}
			if ws, err := reg.Validate(g.SubmittedOn); err != nil || len(ws) > 0 {
				t.Fatalf("%s: the registration does not validate: %v %v", g.TrackingNumber, err, ws)
			}
			otherClock.T = g.SubmittedAt
			var number string
			if err := other.Write(ctx, func(tx *store.Tx) error {
				res, err := tx.RegisterRequest(p, reg, "", nil)
				if err == nil {
					number = res.Detail.TrackingNumber
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var ran time.Time
			for _, e := range g.Events[1:] {
				otherClock.T = e.At
				if e.Username == "system" {
					if !e.At.Equal(ran) { // one run of the job makes all of a day's changes
						for after := ""; ; {
							r, err := other.DeadlineBatch(ctx, after, store.DeadlineBatchSize)
							if err != nil {
								t.Fatal(err)
							}
							if after = r.Next; after == "" {
								break
							}
						}
						ran = e.At
					}
					continue
				}
				if err := other.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.ActOnRequest(p, number, e.Action, e.Note, nil)
					return err
				}); err != nil {
					t.Fatalf("%s: %s at %s: %v", g.TrackingNumber, e.Action, e.At, err)
				}
			}
			var d *store.RequestDetail
			if err := other.Read(ctx, func(tx *store.Tx) (err error) {
				d, err = tx.Request(markaz.Scope{All: true}, number)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(clocks(&d.Request), d.WorkingDays, d.FeesDue, d.Channel, d.Documents, history(d.Events))
			want := fmt.Sprint(clocks(&g.Request), g.WorkingDays, g.FeesDue, g.Channel, g.Documents, history(g.Events))
			if got != want {
				t.Errorf("%s replayed through the workflow:\n got %v\nwant %v", g.TrackingNumber, got, want)
			}
		}
		t.Logf("%d requests replayed: %v", len(sample), seen)
	})
}

func TestAddRequestsIsDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		demoRequests(t, db, clock, 400, 11)
		other := storetest.Open(t, db.Dialect, clock)
		demoRequests(t, other, clock, 400, 11)
		key := func(rows []*generated) []string {
			var out []string
			for _, r := range rows {
				s := fmt.Sprint(r.TrackingNumber, r.ServiceCode, r.CenterCode, r.Status, r.DueDate, r.NationalID, r.Name,
					r.Mobile, r.SubmittedAt.UnixMicro())
				for _, e := range r.Events {
					s += fmt.Sprint(" ", e.Action, e.At.UnixMicro(), e.Note)
				}
				out = append(out, s)
			}
			return out
		}
		a, b := key(loadRequests(t, db)), key(loadRequests(t, other))
		if len(a) != 400 || !reflect.DeepEqual(a, b) {
			t.Errorf("same seed, different requests:\n%v\n%v", a[:3], b[:3])
		}
	})
}

// Tracking numbers come from the centers' series in submission order, gap-free and
// unique, also while the counter registers at the same time; the series continue after
// them, and generated requests are found by search and citizen tracking like any other.
func TestAddRequestsTrackingNumbers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		demoRequests(t, db, clock, 500, 1)
		// Within a run, a center's numbers follow submission order.
		last := map[string]*generated{}
		for _, r := range loadRequests(t, db) { // in tracking-number order
			if prev := last[r.CenterID]; prev != nil && r.SubmittedAt.Before(prev.SubmittedAt) {
				t.Errorf("%s submitted before %s", r.TrackingNumber, prev.TrackingNumber)
			}
			last[r.CenterID] = r
		}
		// A second run while a clerk registers at a demo center.
		var site struct {
			ID   string `db:"id"`
			Code string `db:"code"`
			Gov  string `db:"gov_code"`
			Unit string `db:"unit_code"`
		}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&site, `SELECT c.id, c.code, c.gov_code, c.unit_code FROM centers c
				JOIN tracking_series s ON s.center_id = c.id ORDER BY s.next_seq DESC, c.code LIMIT 1`)
		}); err != nil {
			t.Fatal(err)
		}
		clerk := staff(site.ID, site.Code, site.Gov, site.Unit)
		register := func() (string, error) {
			reg := &request.Registration{ServiceCode: "LOCAL-DUES", Applicant: request.Applicant{
				NationalID: "29001011301234", Name: "محمد أحمد علي", Mobile: "01001234567"}}
			ws, err := reg.Validate(markaz.Today(clock))
			if err != nil {
				return "", err
			}
			var number string
			err = db.Write(ctx, func(tx *store.Tx) error {
				res, err := tx.RegisterRequest(clerk, reg, "", ws)
				if err == nil {
					number = res.Detail.TrackingNumber
				}
				return err
			})
			return number, err
		}
		stop := make(chan struct{})
		counted := make(chan int)
		go func() {
			k := 0
			defer func() { counted <- k }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := register(); err != nil {
					t.Error(err)
					return
				}
				k++
				time.Sleep(5 * time.Millisecond)
			}
		}()
		_, err := AddRequests(ctx, db, 2*BatchSize+100, 2, clock)
		close(stop)
		registered := <-counted
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d registered at the counter during the run", registered)
		rows := loadRequests(t, db)
		seqs := map[string][]int64{}
		seen := map[string]bool{}
		for _, r := range rows {
			prefix, seq, err := tracking.Parse(r.TrackingNumber)
			if err != nil || seen[r.TrackingNumber] {
				t.Fatalf("%s: %v (repeated: %v)", r.TrackingNumber, err, seen[r.TrackingNumber])
			}
			seen[r.TrackingNumber] = true
			seqs[r.CenterID] = append(seqs[r.CenterID], seq)
			if len(prefix) != 4 || prefix[:2] != r.GovCode {
				t.Errorf("%s: prefix %s at a center of governorate %s", r.TrackingNumber, prefix, r.GovCode)
			}
		}
		if want := 500 + 2*BatchSize + 100 + registered; len(rows) != want {
			t.Fatalf("%d requests, want %d", len(rows), want)
		}
		// The demo citizen's online requests and the demo backlog's (demo/backlog.go) take
		// numbers of the same series.
		var citizens []struct {
			Center string `db:"center_id"`
			Number string `db:"tracking_number"`
		}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Select(&citizens, `SELECT center_id, tracking_number FROM requests WHERE national_id = ? OR channel = 'backlog'`,
				demoCitizenNationalID)
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range citizens {
			_, seq, _ := tracking.Parse(c.Number)
			seqs[c.Center] = append(seqs[c.Center], seq)
		}
		var series []struct {
			Center string `db:"center_id"`
			Next   int64  `db:"next_seq"`
		}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Select(&series, `SELECT center_id, next_seq FROM tracking_series`)
		}); err != nil {
			t.Fatal(err)
		}
		for _, s := range series {
			got := seqs[s.Center]
			slices.Sort(got)
			for i, q := range got {
				if q != int64(i+1) {
					t.Fatalf("center %s: sequence %v has a gap", s.Center, got)
				}
			}
			if s.Next != int64(len(got)+1) {
				t.Errorf("center %s: next_seq %d after %d numbers", s.Center, s.Next, len(got))
			}
		}
		// The counter's next registration continues the series.
		next, err := register()
		if _, seq, _ := tracking.Parse(next); err != nil || int(seq) != len(seqs[site.ID])+1 {
			t.Errorf("next registration got %s %v, want seq %d", next, err, len(seqs[site.ID])+1)
		}
		// Generated requests are found like any other.
		g := rows[len(rows)/2]
		for _, q := range []string{g.NationalID, g.TrackingNumber, g.Mobile, g.Name} {
			found, _, err := db.Requests(ctx, store.RequestFilter{Scope: markaz.Scope{All: true}, Query: q, Limit: 500})
			if err != nil || !slices.ContainsFunc(found, func(r request.Request) bool { return r.ID == g.ID }) {
				t.Errorf("search %q: %d found, %v", q, len(found), err)
			}
		}
		tr, err := db.Track(ctx, g.TrackingNumber, g.NationalID[len(g.NationalID)-4:])
		if err != nil || tr.Status != g.Status || tr.SubmittedOn != g.SubmittedOn {
			t.Errorf("tracking %s: %+v %v", g.TrackingNumber, tr, err)
		}
	})
}

// When an administrator has shortened a workflow, the actions it no longer allows are not
// made (the requests stay where the workflow left them), and the run still succeeds.
func TestAddRequestsWithAChangedWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := Ensure(ctx, db, pw); err != nil {
			t.Fatal(err)
		}
		steps := []catalog.Step{
			{Key: "intake", Role: markaz.RoleClerk, Actions: []string{catalog.ActionForward, catalog.ActionCancel}},
			{Key: "ready", Role: markaz.RoleClerk, Actions: []string{catalog.ActionForward, catalog.ActionDeliver}}}
		services := catalogOf(t, db)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			for code, s := range services {
				var v markaz.Validator
				if _, err := tx.UpdateService(store.Actor{Username: "admin"}, markaz.Scope{All: true}, code,
					store.ServiceEdit{NameAr: s.NameAr, NameEn: s.NameEn, Online: s.Online, Documents: s.Documents,
						Steps: steps}, &v); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		st, err := AddRequests(ctx, db, 300, 5, clock)
		if err != nil || st.Requests != 300 || st.Refused == 0 {
			t.Fatalf("%+v %v: want every request added and some actions refused", st, err)
		}
		services = catalogOf(t, db)
		now := clock.Now()
		if err := db.Read(ctx, func(tx *store.Tx) error {
			for _, g := range loadRequests(t, db) {
				cal, err := tx.CalendarFor(g.GovCode, g.CenterID)
				if err != nil {
					return err
				}
				replay(t, g, services[g.ServiceCode], cal, now)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAddRequestsRefusesARealDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		_, err := AddRequests(context.Background(), db, 10, 1, clock)
		if !errors.Is(err, ErrNotDemo) {
			t.Fatalf("err = %v, want ErrNotDemo", err)
		}
	})
}

// TestAddRequestsPaysFees checks that a generated request paid its fees where its
// history says so: one booked payment of what it owed, with a receipt from its center's
// series, counted in the fees-collected rollup, cash at most counters and electronic
// online.
func TestAddRequestsPaysFees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		demoRequests(t, db, clock, 600, 3)
		ctx := context.Background()
		var rows []struct {
			Channel  string  `db:"channel"`
			Due      int64   `db:"fees_due_piasters"`
			Paid     int64   `db:"fees_paid_piasters"`
			Method   string  `db:"payment_method"`
			Payments int     `db:"payments"`
			Received int64   `db:"received"`
			PayMeth  *string `db:"pay_method"`
			Receipts int     `db:"receipts"`
			Passed   int     `db:"passed"` // left awaiting payment by completing
		}
		var series []struct {
			Count int   `db:"n"`
			Max   int64 `db:"max_seq"`
			Next  int64 `db:"next_seq"`
		}
		var rolled, paid [2]int64
		err := db.Read(ctx, func(tx *store.Tx) error {
			if err := tx.Select(&rows, `SELECT r.channel, r.fees_due_piasters, r.fees_paid_piasters, r.payment_method,
				(SELECT COUNT(*) FROM payments p WHERE p.request_id = r.id AND p.status = 'paid') AS payments,
				(SELECT COALESCE(SUM(p.received_piasters), 0) FROM payments p WHERE p.request_id = r.id) AS received,
				(SELECT MIN(p.method) FROM payments p WHERE p.request_id = r.id) AS pay_method,
				(SELECT COUNT(*) FROM receipts rc WHERE rc.request_id = r.id) AS receipts,
				(SELECT COUNT(*) FROM request_events e WHERE e.request_id = r.id AND e.action = 'complete'
					AND e.from_status = 'awaiting_payment') AS passed
				FROM requests r WHERE r.national_id <> ? AND r.channel <> 'backlog'`, demoCitizenNationalID); err != nil {
				return err
			}
			if err := tx.Select(&series, `SELECT COUNT(*) AS n, MAX(rc.seq) AS max_seq, MIN(s.next_seq) AS next_seq
				FROM receipts rc JOIN receipt_series s ON s.center_id = rc.center_id AND s.fiscal_year = rc.fiscal_year
				GROUP BY rc.center_id, rc.fiscal_year`); err != nil {
				return err
			}
			var sums struct {
				Cash       int64 `db:"cash"`
				Electronic int64 `db:"electronic"`
			}
			if err := tx.Get(&sums, `SELECT COALESCE(SUM(cash_piasters), 0) AS cash,
				COALESCE(SUM(electronic_piasters), 0) AS electronic FROM kpi_payments WHERE grain = 'M' AND scope = 'N' AND service_code = ''`); err != nil {
				return err
			}
			rolled = [2]int64{sums.Cash, sums.Electronic}
			if err := tx.Get(&sums, `SELECT COALESCE(SUM(CASE WHEN method = 'cash' THEN received_piasters ELSE 0 END), 0) AS cash,
				COALESCE(SUM(CASE WHEN method <> 'cash' THEN received_piasters ELSE 0 END), 0) AS electronic FROM payments`); err != nil {
				return err
			}
			paid = [2]int64{sums.Cash, sums.Electronic}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		var byChannel = map[string][2]int64{}
		for _, r := range rows {
			switch {
			case r.Passed > 0 && r.Due > 0:
				n++
				if r.Payments != 1 || r.Received != r.Due || r.Paid != r.Due || r.Receipts != 1 || r.PayMeth == nil ||
					*r.PayMeth != r.Method {
					t.Fatalf("a paid request: %+v", r)
				}
				v := byChannel[r.Channel]
				if payment.Electronic(r.Method) {
					v[1] += r.Paid
				} else {
					v[0] += r.Paid
				}
				byChannel[r.Channel] = v
			case r.Payments != 0 || r.Paid != 0 || r.Receipts != 0:
				t.Fatalf("an unpaid request with payments: %+v", r)
			}
		}
		if n < 50 {
			t.Fatalf("only %d of %d requests paid fees", n, len(rows))
		}
		if v := byChannel[request.ChannelOnline]; v[0] != 0 {
			t.Errorf("online requests paid cash: %v", v)
		}
		if v := byChannel[request.ChannelCounter]; v[0] == 0 || v[1] == 0 || v[1] > v[0] {
			t.Errorf("counter payments (cash, electronic): %v", v)
		}
		for _, s := range series {
			if int64(s.Count) != s.Max || s.Next != s.Max+1 {
				t.Errorf("a receipt series with a gap: %+v", s)
			}
		}
		if rolled != paid || paid[0] == 0 || paid[1] == 0 {
			t.Errorf("rollup (cash, electronic) %v, payments %v", rolled, paid)
		}
		t.Logf("%d paid; electronic share %d‰; by channel (cash, electronic) %v", n, payment.ElectronicShare(paid[0], paid[1]), byChannel)
	})
}
