package store_test

import (
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// workingDayIn returns the first working day on or after from in the center's calendar.
func workingDayIn(t *testing.T, db *store.DB, centerID string, from markaz.Date) markaz.Date {
	t.Helper()
	var d markaz.Date
	if err := db.Read(ctx, func(tx *store.Tx) error {
		cal, err := tx.CalendarFor("", centerID)
		for d = from; err == nil && !cal.IsWorkingDay(d); d = d.AddDays(1) {
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

// Every calendar change at any level moves the due dates of the open requests it
// affects — and only those — with an event on each: a center's holiday added and
// retired, a center's weekly rest set and cleared, an import carrying a center.
func TestCenterCalendarMovesDueDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		a := mkCenter(t, db, "SH-CAL-A", "13-001")
		b := mkCenter(t, db, "SH-CAL-B", "13-001")
		ra := dlRegister(t, db, clock, a, "SHOP-LIC")
		rb := dlRegister(t, db, clock, b, "SHOP-LIC")
		if ra.DueDate != rb.DueDate {
			t.Fatalf("same calendar, different due dates: %s %s", ra.DueDate, rb.DueDate)
		}
		inside := workingDayIn(t, db, a.ID, ra.SubmittedOn.AddDays(2))
		admin := store.Actor{Username: "admin"}
		moved := func(number string) (markaz.Date, int) {
			d := dlDetail(t, db, number)
			n, _ := dlEvents(d, store.EventDueDateMoved)
			return d.DueDate, n
		}

		// A center holiday: the center's calendar only.
		h := &calendar.Holiday{Date: inside, NameAr: "عيد محلي", NameEn: "Local feast", CenterID: a.Code}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertHoliday(admin, markaz.Scope{Govs: []string{"13"}}, h)
		}); err != nil {
			t.Fatal(err)
		}
		if h.CenterID != a.ID || h.GovCode != "13" {
			t.Errorf("center holiday stored as %q/%q", h.GovCode, h.CenterID)
		}
		dueA, nA := moved(ra.TrackingNumber)
		dueB, nB := moved(rb.TrackingNumber)
		if nA != 1 || !ra.DueDate.Before(dueA) || nB != 0 || dueB != rb.DueDate {
			t.Fatalf("center holiday: A %s (%d events), B %s (%d events)", dueA, nA, dueB, nB)
		}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			ca, _ := tx.CalendarFor("13", a.ID)
			cg, _ := tx.CalendarFor("13", "")
			if ca.IsWorkingDay(inside) || !cg.IsWorkingDay(inside) {
				t.Errorf("calendars: center works %v, governorate works %v", ca.IsWorkingDay(inside), cg.IsWorkingDay(inside))
			}
			hs, err := tx.ListHolidays(store.HolidayFilter{Year: inside.Y, Center: a.ID})
			if err != nil || len(hs) != 1 {
				t.Errorf("center's list: %v %v", hs, err)
			}
			hs, err = tx.ListHolidays(store.HolidayFilter{Year: inside.Y, Gov: "13"})
			if err != nil || len(hs) != 0 {
				t.Errorf("governorate's list shows a center holiday: %v %v", hs, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// Another governorate's writer cannot touch it; the same date is taken at A only.
		err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertHoliday(admin, markaz.Scope{Govs: []string{"01"}},
				&calendar.Holiday{Date: inside.AddDays(1), NameAr: "يوم", NameEn: "Day", CenterID: a.ID})
		})
		if markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("outside scope: %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertHoliday(admin, markaz.Scope{All: true},
				&calendar.Holiday{Date: inside, NameAr: "عيد محلي", NameEn: "Local feast", CenterID: b.ID})
		}); err != nil {
			t.Errorf("same date at another center: %v", err)
		}
		dueB, nB = moved(rb.TrackingNumber)
		if nB != 1 || dueB != dueA {
			t.Errorf("B after its own holiday: %s (%d events), want %s", dueB, nB, dueA)
		}

		// Retiring A's holiday moves A's request back.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.RetireHoliday(admin, markaz.Scope{All: true}, h.ID, "cancelled")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if due, n := moved(ra.TrackingNumber); due != ra.DueDate || n != 2 {
			t.Errorf("after retiring: %s (%d events), want %s", due, n, ra.DueDate)
		}

		// A center's own rest days: only its requests move; clearing them moves them back.
		setRest := func(s markaz.Scope, id, rest string) error {
			return db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.SetCenterWeeklyRest(admin, s, id, rest)
				return err
			})
		}
		if err := setRest(markaz.Scope{Govs: []string{"01"}}, a.ID, "thu,fri,sat"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("rest outside scope: %v", err)
		}
		if err := setRest(markaz.Scope{All: true}, a.ID, "sun,mon,tue,wed,thu,fri,sat"); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("rest all week: %v", err)
		}
		if err := setRest(markaz.Scope{All: true}, a.ID, "thu,fri,sat"); err != nil {
			t.Fatal(err)
		}
		dueA, nA = moved(ra.TrackingNumber)
		if nA != 3 || !ra.DueDate.Before(dueA) {
			t.Errorf("after a longer weekend: %s (%d events)", dueA, nA)
		}
		if _, n := moved(rb.TrackingNumber); n != 1 {
			t.Errorf("another center's request moved: %d events", n)
		}
		if err := setRest(markaz.Scope{All: true}, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		if due, n := moved(ra.TrackingNumber); due != ra.DueDate || n != 4 {
			t.Errorf("back to the governorate's rest: %s (%d events)", due, n)
		}

		// An import row naming a center is that center's holiday.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			created, _, problems, err := tx.ImportHolidays(admin, markaz.Scope{All: true}, []store.HolidayRow{
				{Row: 2, Date: inside.String(), NameAr: "عيد", NameEn: "Feast", Center: a.Code},
				{Row: 3, Date: inside.String(), NameAr: "عيد", NameEn: "Feast", Center: "NO-SUCH"}})
			if err != nil || len(created) != 0 || len(problems) != 1 || problems[0].Field != "center" {
				t.Errorf("import with an unknown center: %v %v %v", created, problems, err)
			}
			created, _, problems, err = tx.ImportHolidays(admin, markaz.Scope{All: true}, []store.HolidayRow{
				{Row: 2, Date: inside.String(), NameAr: "عيد", NameEn: "Feast", Center: a.Code}})
			if err != nil || len(created) != 1 || problems != nil || created[0].CenterID != a.ID {
				t.Errorf("import: %v %v %v", created, problems, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if due, n := moved(ra.TrackingNumber); n != 5 || due == ra.DueDate {
			t.Errorf("after the import: %s (%d events)", due, n)
		}
	})
}

// mkManager creates an enabled center manager of c with the given contacts.
func mkManager(t *testing.T, db *store.DB, name string, c *markaz.Center, mobile, email string) {
	t.Helper()
	u := &markaz.User{Username: name, FullName: "Manager " + name, PasswordHash: "x", Mobile: mobile, Email: email}
	if err := db.Write(ctx, func(tx *store.Tx) error {
		return tx.CreateUser(nil, u, []markaz.AssignmentInput{{Role: markaz.RoleCenterManager,
			Level: markaz.LevelCenter, CenterID: c.ID}})
	}); err != nil {
		t.Fatal(err)
	}
}

// managerMessages lists the outbox messages about a request that are escalations.
func managerMessages(t *testing.T, db *store.DB, id string) []store.OutboxMessage {
	t.Helper()
	ms, err := db.Messages(ctx, "request", id)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.OutboxMessage
	for _, m := range ms {
		if m.Template == "notify.escalated.step" || m.Template == "notify.escalated.statutory" {
			out = append(out, m)
		}
	}
	return out
}

func escalatedNumbers(t *testing.T, db *store.DB, s markaz.Scope) []string {
	t.Helper()
	rows, _, err := db.Requests(ctx, store.RequestFilter{Scope: s, Escalated: true, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.TrackingNumber)
	}
	return out
}

// A step escalation marks the request, messages each manager of its center (SMS to a
// mobile, else e-mail; none without either) in the job's transaction, shows in the
// escalated filter, and is cleared when the request moves on.
func TestEscalationReachesTheManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-ESC-01", "13-001")
		other := mkCenter(t, db, "SH-ESC-02", "13-001")
		mkManager(t, db, "mgr_sms", c, "01001234567", "mgr@example.org")
		mkManager(t, db, "mgr_mail", c, "", "mgr2@example.org")
		mkManager(t, db, "mgr_none", c, "", "")
		mkManager(t, db, "mgr_other", other, "01111111111", "")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		d := dlRegister(t, db, clock, c, "SHOP-LIC")
		calm := dlRegister(t, db, clock, c, "SHOP-LIC")
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ActOnRequest(clerk, calm.TrackingNumber, request.ActionCancel, "withdrawn", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.T = clock.T.Add(10 * 24 * time.Hour)
		if run := dlRun(t, db); run.StepEscalated != 1 {
			t.Fatalf("run: %+v", run)
		}
		got := dlDetail(t, db, d.TrackingNumber)
		if got.EscalatedAt == nil || got.EscalationReason != request.EscalationStep {
			t.Fatalf("marker: %v %q", got.EscalatedAt, got.EscalationReason)
		}
		ms := managerMessages(t, db, d.ID)
		if len(ms) != 2 || ms[0].Channel == ms[1].Channel {
			t.Fatalf("manager messages: %+v", ms)
		}
		for _, m := range ms {
			want := map[string]string{store.ChannelSMS: "01001234567", store.ChannelEmail: "mgr2@example.org"}[m.Channel]
			if m.To != want || m.Template != "notify.escalated.step" || m.Data()["tracking"] != d.TrackingNumber {
				t.Errorf("message: %+v", m)
			}
		}
		if n := escalatedNumbers(t, db, markaz.Scope{All: true}); len(n) != 1 || n[0] != d.TrackingNumber {
			t.Errorf("escalated filter: %v", n)
		}
		if n := escalatedNumbers(t, db, markaz.Scope{Centers: []string{other.ID}}); len(n) != 0 {
			t.Errorf("escalated filter outside scope: %v", n)
		}
		// A second run neither marks again nor messages again.
		dlRun(t, db)
		if again := managerMessages(t, db, d.ID); len(again) != 2 {
			t.Errorf("messages after a second run: %d", len(again))
		}
		// Forwarding starts a new stay: the step escalation is cleared.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ActOnRequest(clerk, d.TrackingNumber, request.ActionForward, "", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := dlDetail(t, db, d.TrackingNumber); got.EscalatedAt != nil || got.EscalationReason != "" {
			t.Errorf("after forward: %v %q", got.EscalatedAt, got.EscalationReason)
		}
		if n := escalatedNumbers(t, db, markaz.Scope{All: true}); len(n) != 0 {
			t.Errorf("escalated filter after forward: %v", n)
		}
	})
}

// A statutory escalation stands while the request is open, whatever step it reaches, and
// ends with the decision.
func TestStatutoryEscalationStandsUntilDecided(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-ESC-03", "13-001")
		mkManager(t, db, "mgr3", c, "01001234567", "")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		back := reqPrincipal(markaz.RoleBackOffice, c.ID, c.GovCode, c.UnitCode)
		mgr := reqPrincipal(markaz.RoleCenterManager, c.ID, c.GovCode, c.UnitCode)
		d := dlRegister(t, db, clock, c, "BLD-PERMIT") // 30 calendar days, escalate
		act := func(p *markaz.Principal, action, note string) *store.RequestDetail {
			t.Helper()
			var out *store.RequestDetail
			if err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.ActOnRequest(p, d.TrackingNumber, action, note, nil)
				return err
			}); err != nil {
				t.Fatalf("%s: %v", action, err)
			}
			return out
		}
		act(clerk, request.ActionForward, "")
		clock.T = clock.T.Add(31 * 24 * time.Hour)
		if run := dlRun(t, db); run.StatutoryEscalated != 1 {
			t.Fatalf("run: %+v", run)
		}
		got := dlDetail(t, db, d.TrackingNumber)
		if got.EscalationReason != request.EscalationStatutory {
			t.Fatalf("reason %q", got.EscalationReason)
		}
		if ms := managerMessages(t, db, d.ID); len(ms) == 0 || ms[0].Template != "notify.escalated.statutory" {
			t.Errorf("manager messages: %+v", ms)
		}
		if r := act(back, request.ActionForward, ""); r.EscalationReason != request.EscalationStatutory || r.EscalatedAt == nil {
			t.Errorf("after forward: %q", r.EscalationReason)
		}
		if r := act(mgr, request.ActionReject, ""); r.EscalatedAt != nil || r.EscalationReason != "" {
			t.Errorf("after the decision: %v %q", r.EscalatedAt, r.EscalationReason)
		}
	})
}

// The same Idempotency-Key with the same registration replays the first request; with a
// different registration it is refused and writes nothing; concurrent retries create one.
func TestIdempotencyKeyFingerprint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-IDEM-01", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		reg := func(name string) (*store.Registered, error) {
			r := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
				NationalID: "29001011301234", Name: name, Mobile: "01001234567"}}
			ws, err := r.Validate(markaz.DateOf(clock.T))
			if err != nil {
				return nil, err
			}
			var out *store.Registered
			err = db.Write(ctx, func(tx *store.Tx) error {
				out, err = tx.RegisterRequest(clerk, r, "key-1", ws)
				return err
			})
			return out, err
		}
		count := func() int {
			var n int
			db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM requests`) })
			return n
		}
		// Concurrent retries of one submission: one request, every answer names it.
		var wg sync.WaitGroup
		results := make([]*store.Registered, 6)
		errs := make([]error, 6)
		for i := range results {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				results[i], errs[i] = reg("محمد أحمد")
			}(i)
		}
		wg.Wait()
		created := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("retry %d: %v", i, errs[i])
			}
			if !r.Replay {
				created++
			}
			if r.Detail.TrackingNumber != results[0].Detail.TrackingNumber {
				t.Errorf("retry %d answered %s, want %s", i, r.Detail.TrackingNumber, results[0].Detail.TrackingNumber)
			}
		}
		if created != 1 || count() != 1 {
			t.Fatalf("created %d, stored %d", created, count())
		}
		// Spaces the validation folds away are the same request.
		if r, err := reg("  محمد   أحمد "); err != nil || !r.Replay {
			t.Errorf("same request, other spacing: %+v %v", r, err)
		}
		// Another request under the same key: refused, nothing written.
		_, err := reg("أحمد محمد")
		if markaz.ErrorCode(err) != markaz.EInvalid || fieldCodes(err)["Idempotency-Key"] != "idempotency_key_reused" {
			t.Errorf("other body: %v", err)
		}
		if count() != 1 {
			t.Errorf("stored %d after a refused reuse", count())
		}
		// Concurrent different bodies under one fresh key: exactly one wins.
		var mu sync.Mutex
		won, refused := 0, 0
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
					NationalID: "29001011301234", Name: []string{"منى", "سعاد", "هدى", "ليلى"}[i], Mobile: "01001234567"}}
				ws, _ := r.Validate(markaz.DateOf(clock.T))
				err := db.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.RegisterRequest(clerk, r, "key-2", ws)
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won++
				case fieldCodes(err)["Idempotency-Key"] == "idempotency_key_reused":
					refused++
				default:
					t.Errorf("concurrent reuse: %v", err)
				}
			}(i)
		}
		wg.Wait()
		if won != 1 || refused != 3 || count() != 2 {
			t.Errorf("concurrent reuse: won %d refused %d stored %d", won, refused, count())
		}
	})
}

func TestWeekStart(t *testing.T) {
	for in, want := range map[string]string{"2026-03-14": "2026-03-14", "2026-03-15": "2026-03-14",
		"2026-03-20": "2026-03-14", "2026-03-21": "2026-03-21"} { // Saturday, Sunday, Friday, Saturday
		if got := store.WeekStart(cday(in)); got.String() != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// A center's workload: staff holding step roles there (back office also at its district),
// open requests on their steps, what they last touched, what they acted on, and the
// overdue list; only for readers whose scope reaches the center.
func TestCenterWorkload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-WL-01", "13-001")
		other := mkCenter(t, db, "SH-WL-02", "13-001")
		clerkU := mkUser(t, db, "wl_clerk", markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: c.ID})
		backU := mkUser(t, db, "wl_back", markaz.AssignmentInput{Role: markaz.RoleBackOffice, Level: markaz.LevelUnit, Unit: "13-001"})
		mkUser(t, db, "wl_far", markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: other.ID})
		mkUser(t, db, "wl_head", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "13-001"})
		clerk := principalOf(t, db, clerkU.ID)
		back := principalOf(t, db, backU.ID)
		reg := func() *store.RequestDetail {
			r := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
				NationalID: "29001011301234", Name: "محمد أحمد", Mobile: "01001234567"}}
			ws, _ := r.Validate(markaz.DateOf(clock.T))
			var out *store.Registered
			if err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.RegisterRequest(clerk, r, "", ws)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out.Detail
		}
		act := func(p *markaz.Principal, number, action string) {
			t.Helper()
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ActOnRequest(p, number, action, "note", nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		r1, r2, r3 := reg(), reg(), reg()
		act(clerk, r2.TrackingNumber, request.ActionForward) // to review (back office)
		act(clerk, r3.TrackingNumber, request.ActionCancel)  // closed
		clock.T = clock.T.Add(30 * 24 * time.Hour)           // both open ones overdue
		act(back, r2.TrackingNumber, request.ActionReturn)   // back office touched it last

		if _, err := db.CenterWorkload(ctx, markaz.Scope{Centers: []string{other.ID}}, markaz.Scope{All: true}, c.ID); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("outside scope: %v", err)
		}
		w, err := db.CenterWorkload(ctx, markaz.Scope{Centers: []string{c.ID}}, markaz.Scope{Centers: []string{c.ID}}, c.Code)
		if err != nil {
			t.Fatal(err)
		}
		if w.OpenTotal != 2 || w.OverdueTotal != 2 || len(w.Overdue) != 2 || len(w.Staff) != 2 {
			t.Fatalf("workload: %+v", w)
		}
		by := map[string]store.WorkloadStaff{}
		for _, s := range w.Staff {
			by[s.Username] = s
		}
		// r1 waits at intake (clerk), r2 at review (back office), returned: it is overdue on
		// the due date it had, and the back office touched it last.
		if s := by["wl_clerk"]; s.Open != 1 || s.Overdue != 1 || s.LastTouched != 1 || s.ActedToday != 0 {
			t.Errorf("clerk: %+v", s)
		}
		if s := by["wl_back"]; s.Open != 1 || s.LastTouched != 1 || s.ActedToday != 1 || s.ActedWeek != 1 {
			t.Errorf("back office: %+v", s)
		}
		if w.Overdue[0].LastActor == "" || w.Overdue[0].StepRole == "" || w.Overdue[0].OverdueDays <= 0 {
			t.Errorf("overdue row: %+v", w.Overdue[0])
		}
		_ = r1
	})
}
