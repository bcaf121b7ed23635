package store_test

import (
	"testing"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// dlRegister registers a request for service at center c by a clerk there.
func dlRegister(t *testing.T, db *store.DB, clock *markaz.FixedClock, c *markaz.Center, service string) *store.RequestDetail {
	t.Helper()
	clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
	reg := &request.Registration{ServiceCode: service, Applicant: request.Applicant{
		NationalID: "29001011301234", Name: "محمد أحمد", Mobile: "01001234567"}}
	ws, err := reg.Validate(markaz.DateOf(clock.T))
	if err != nil {
		t.Fatal(err)
	}
	var got *store.Registered
	if err := db.Write(ctx, func(tx *store.Tx) error {
		got, err = tx.RegisterRequest(clerk, reg, "", ws)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return got.Detail
}

// dlDetail reloads a request with its history.
func dlDetail(t *testing.T, db *store.DB, number string) *store.RequestDetail {
	t.Helper()
	var d *store.RequestDetail
	if err := db.Read(ctx, func(tx *store.Tx) (err error) {
		d, err = tx.Request(markaz.Scope{All: true}, number)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

// dlEvents counts the request's events of an action.
func dlEvents(d *store.RequestDetail, action string) (n int, last request.Event) {
	for _, e := range d.Events {
		if e.Action == action {
			n++
			last = e
		}
	}
	return n, last
}

// dlRun runs the deadlines job over every open request, batch by batch.
func dlRun(t *testing.T, db *store.DB) store.DeadlineRun {
	t.Helper()
	var total store.DeadlineRun
	after := ""
	for {
		run, err := db.DeadlineBatch(ctx, after, 2) // tiny batches exercise the keyset
		if err != nil {
			t.Fatal(err)
		}
		total.Scanned += run.Scanned
		total.Deemed += run.Deemed
		total.StatutoryEscalated += run.StatutoryEscalated
		total.StepEscalated += run.StepEscalated
		if after = run.Next; after == "" {
			return total
		}
	}
}

func dlAudits(t *testing.T, db *store.DB, id, action string) int {
	t.Helper()
	var n int
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE entity = 'request' AND entity_id = ? AND action = ?`, id, action)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A shop licence past its statutory deadline (60 calendar days, Law 154/2019) is deemed
// approved by the system: one event, one audit entry, one SMS; a second run changes nothing.
func TestDeadlinesDeemApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-DL-01", "13-001")
		d := dlRegister(t, db, clock, c, "SHOP-LIC")
		other := dlRegister(t, db, clock, c, "SHOP-LIC")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ActOnRequest(clerk, other.TrackingNumber, request.ActionCancel, "withdrawn", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.T = clock.T.Add(60 * 24 * time.Hour) // the deadline's last day: not yet
		if run := dlRun(t, db); run.Deemed != 0 {
			t.Fatalf("deemed on the last day: %+v", run)
		}
		clock.T = clock.T.Add(24 * time.Hour)
		run := dlRun(t, db)
		if run.Deemed != 1 {
			t.Fatalf("run: %+v", run)
		}
		got := dlDetail(t, db, d.TrackingNumber)
		n, ev := dlEvents(got, request.ActionDeemApprove)
		if got.Status != request.StatusDeemedApproved || got.StepKey != "ready" || got.DecidedAt == nil || n != 1 ||
			ev.Username != "system" || ev.From != request.StatusSubmitted || ev.To != request.StatusDeemedApproved {
			t.Fatalf("after deadline: %+v events %+v", got.Request, got.Events)
		}
		if a := dlAudits(t, db, d.ID, "request.deemed_approved"); a != 1 {
			t.Errorf("audit entries: %d", a)
		}
		ms, err := db.Messages(ctx, "request", d.ID)
		if err != nil || len(ms) != 2 || ms[1].Template != "notify.request.decided" {
			t.Fatalf("messages: %+v %v", ms, err)
		}
		if st := dlDetail(t, db, other.TrackingNumber); st.Status != request.StatusCancelled {
			t.Errorf("a cancelled request changed: %s", st.Status)
		}
		// Idempotent: a second run the same day (and the next day) changes nothing.
		for i := 0; i < 2; i++ {
			if run := dlRun(t, db); run.Deemed+run.StepEscalated+run.StatutoryEscalated != 0 {
				t.Errorf("run %d changed things: %+v", i+2, run)
			}
			clock.T = clock.T.Add(24 * time.Hour)
		}
		again := dlDetail(t, db, d.TrackingNumber)
		if len(again.Events) != len(got.Events) || again.Version != got.Version {
			t.Errorf("second run: %d events v%d, want %d v%d", len(again.Events), again.Version, len(got.Events), got.Version)
		}
		if ms, _ := db.Messages(ctx, "request", d.ID); len(ms) != 2 {
			t.Errorf("messages after second run: %d", len(ms))
		}
		// The result is handed over through the workflow as an approval would be.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ActOnRequest(clerk, d.TrackingNumber, request.ActionForward, "", nil)
			return err
		}); err != nil {
			t.Errorf("ready a deemed approval: %v", err)
		}
	})
}

// A paused wait on the citizen extends the statutory deadline by its calendar days; a
// service whose rule is escalate gets one escalation event, the flag, and keeps its status.
func TestDeadlinesStatutoryPauseAndEscalate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-DL-02", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		back := reqPrincipal(markaz.RoleBackOffice, c.ID, c.GovCode, c.UnitCode)
		d := dlRegister(t, db, clock, c, "BLD-PERMIT") // 30 calendar days, escalate
		act := func(p *markaz.Principal, action, note string) {
			t.Helper()
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ActOnRequest(p, d.TrackingNumber, action, note, nil)
				return err
			}); err != nil {
				t.Fatalf("%s: %v", action, err)
			}
		}
		act(clerk, request.ActionForward, "")
		act(back, request.ActionReturn, "صورة البطاقة")
		clock.T = clock.T.Add(10 * 24 * time.Hour) // waited 10 calendar days
		act(back, request.ActionComplete, "")
		clock.T = clock.T.Add(30 * 24 * time.Hour) // day 40: within 30 + 10
		dlRun(t, db)
		if n, _ := dlEvents(dlDetail(t, db, d.TrackingNumber), store.EventStatutoryEscalated); n != 0 {
			t.Fatalf("escalated before the extended deadline")
		}
		clock.T = clock.T.Add(24 * time.Hour)
		if run := dlRun(t, db); run.StatutoryEscalated != 1 {
			t.Fatalf("run: %+v", run)
		}
		clock.T = clock.T.Add(24 * time.Hour)
		if run := dlRun(t, db); run.StatutoryEscalated != 0 {
			t.Fatalf("escalated twice: %+v", run)
		}
		got := dlDetail(t, db, d.TrackingNumber)
		if n, ev := dlEvents(got, store.EventStatutoryEscalated); n != 1 || got.Status != request.StatusInReview ||
			ev.Note != markaz.DateOf(storetest.Epoch).AddDays(40).String() {
			t.Errorf("escalation: %d %+v status %s", n, ev, got.Status)
		}
		if a := dlAudits(t, db, d.ID, "request.statutory_escalated"); a != 1 {
			t.Errorf("audit entries: %d", a)
		}
	})
}

// A step overstaying its time limit (working days in the request's calendar) is escalated
// once per stay; the next step's stay has its own escalation.
func TestDeadlinesStepEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-DL-03", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		d := dlRegister(t, db, clock, c, "SHOP-LIC") // intake: 1 working day
		var limit markaz.Date
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			limit, err = tx.DueDate(c.GovCode, c.ID, markaz.DateOf(clock.T), 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.T = limit.Start().Add(10 * time.Hour) // the limit's last day: not yet
		if run := dlRun(t, db); run.StepEscalated != 0 {
			t.Fatalf("escalated within the limit: %+v", run)
		}
		clock.T = clock.T.Add(24 * time.Hour)
		if run := dlRun(t, db); run.StepEscalated != 1 {
			t.Fatalf("run: %+v", run)
		}
		for i := 0; i < 2; i++ {
			if run := dlRun(t, db); run.StepEscalated != 0 {
				t.Fatalf("escalated again: %+v", run)
			}
			clock.T = clock.T.Add(24 * time.Hour)
		}
		got := dlDetail(t, db, d.TrackingNumber)
		n, ev := dlEvents(got, store.EventEscalated)
		if n != 1 || ev.ToStep != "intake" || ev.Note != limit.String() || ev.Username != "system" {
			t.Fatalf("escalations: %d %+v", n, ev)
		}
		if a := dlAudits(t, db, d.ID, "request.escalated"); a != 1 {
			t.Errorf("audit entries: %d", a)
		}
		if ms, _ := db.Messages(ctx, "request", d.ID); len(ms) != 1 {
			t.Errorf("an escalation messaged the citizen: %d messages", len(ms))
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ActOnRequest(clerk, d.TrackingNumber, request.ActionForward, "", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.T = clock.T.Add(20 * 24 * time.Hour) // review: 5 working days
		if run := dlRun(t, db); run.StepEscalated != 1 {
			t.Fatalf("review overstay: %+v", run)
		}
		if n, ev := dlEvents(dlDetail(t, db, d.TrackingNumber), store.EventEscalated); n != 2 || ev.ToStep != "review" {
			t.Errorf("review escalation: %d %+v", n, ev)
		}
	})
}

// A national holiday added inside an open request's span moves its due date by one
// working day, with an event, in the holiday's transaction; one after the due date
// changes nothing.
func TestDeadlinesHolidayMovesDueDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-DL-04", "13-001")
		d := dlRegister(t, db, clock, c, "SHOP-LIC")
		var inside, after, want markaz.Date
		if err := db.Read(ctx, func(tx *store.Tx) error {
			cal, err := tx.CalendarFor("", c.ID)
			if err != nil {
				return err
			}
			for inside = d.SubmittedOn.AddDays(3); !cal.IsWorkingDay(inside); inside = inside.AddDays(1) {
			}
			want = cal.AddWorkingDays(d.DueDate, 1)
			for after = want.AddDays(7); !cal.IsWorkingDay(after); after = after.AddDays(1) {
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !inside.Before(d.DueDate) {
			t.Fatalf("no working day inside %s..%s", d.SubmittedOn, d.DueDate)
		}
		holiday := func(day markaz.Date, gov string) {
			t.Helper()
			h := &calendar.Holiday{Date: day, NameAr: "عيد الأضحى", NameEn: "Eid al-Adha", GovCode: gov}
			if err := db.Write(ctx, func(tx *store.Tx) error {
				return tx.InsertHoliday(store.Actor{Username: "admin"}, markaz.Scope{All: true}, h)
			}); err != nil {
				t.Fatal(err)
			}
		}
		holiday(inside, "")
		got := dlDetail(t, db, d.TrackingNumber)
		n, ev := dlEvents(got, store.EventDueDateMoved)
		if got.DueDate != want || n != 1 || ev.Note != d.DueDate.String()+" → "+want.String() || ev.Username != "system" {
			t.Fatalf("due %s (want %s), %d events %+v", got.DueDate, want, n, ev)
		}
		if a := dlAudits(t, db, d.ID, "request.due_date_moved"); a != 1 {
			t.Errorf("audit entries: %d", a)
		}
		holiday(after, "")               // after the due date
		holiday(inside.AddDays(1), "01") // another governorate's holiday
		again := dlDetail(t, db, d.TrackingNumber)
		if again.DueDate != want || len(again.Events) != len(got.Events) {
			t.Errorf("a holiday outside the span moved it: %s, %d events", again.DueDate, len(again.Events))
		}
		if ms, _ := db.Messages(ctx, "request", d.ID); len(ms) != 1 {
			t.Errorf("a due date move messaged the citizen: %d messages", len(ms))
		}
	})
}
