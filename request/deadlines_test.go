package request

import (
	"reflect"
	"testing"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/catalog"
)

func date(s string) markaz.Date {
	d, err := markaz.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at is 10:00 in Cairo on day s.
func at(s string) time.Time { return date(s).Start().Add(10 * time.Hour) }

// testCal rests Friday and Saturday and holds a holiday on Monday 16 March 2026.
func testCal(t *testing.T) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Parse(calendar.NationalRest, []markaz.Date{date("2026-03-16")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The clocks as Apply moves them: a pause counts the working days the request was
// waiting at the end of, and the due date is recomputed over the duration plus pauses.
func TestApplyClocks(t *testing.T) {
	cal := testCal(t)
	steps := catalog.DefaultSteps()
	r := &Request{Status: StatusInReview, StepKey: "review", SubmittedOn: date("2026-03-01"), WorkingDays: 5,
		DueDate: cal.AddWorkingDays(date("2026-03-01"), 5)}
	move := func(action, when string, c *calendar.Calendar) error {
		t.Helper()
		p := who(markaz.RoleBackOffice, markaz.LevelCenter, center)
		if action == ActionApprove {
			p = who(markaz.RoleCenterManager, markaz.LevelCenter, center)
		}
		plan, err := Decide(steps, r.Status, r.StepKey, action, p, ref)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		return r.Apply(plan, c, at(when))
	}
	if r.DueDate != date("2026-03-08") {
		t.Fatalf("due %s", r.DueDate)
	}
	if err := move(ActionReturn, "2026-03-03", cal); err != nil || r.PausedSince == nil || *r.PausedSince != date("2026-03-03") {
		t.Fatalf("return: %v %+v", err, r.PausedSince)
	}
	// Waiting at the end of Tue 3, Wed 4 and Thu 5 (Fri and Sat are rest days); not Sun 8.
	if got := r.PausedDaysOn(cal, date("2026-03-08")); got != 3 {
		t.Errorf("paused through Sunday 8: %d, want 3", got)
	}
	if err := move(ActionComplete, "2026-03-08", nil); err == nil {
		t.Fatal("a pause ended without the calendar")
	}
	if err := move(ActionComplete, "2026-03-08", cal); err != nil {
		t.Fatal(err)
	}
	if r.PausedDays != 3 || r.PausedSince != nil || r.DueDate != date("2026-03-11") || r.Status != StatusInReview {
		t.Errorf("after completion: paused %d since %v due %s status %s, want 3, nil, 2026-03-11", r.PausedDays,
			r.PausedSince, r.DueDate, r.Status)
	}
	// A second wait over the holiday of Monday 16: Sun 15 and Tue 17 count, Mon 16 does not.
	if err := move(ActionRequestPayment, "2026-03-15", cal); err != nil {
		t.Fatal(err)
	}
	if err := move(ActionComplete, "2026-03-18", cal); err != nil {
		t.Fatal(err)
	}
	if r.PausedDays != 5 || r.DueDate != cal.AddWorkingDays(date("2026-03-01"), 10) {
		t.Errorf("after payment: paused %d due %s", r.PausedDays, r.DueDate)
	}
	if err := move(ActionForward, "2026-03-19", nil); err != nil || r.StepKey != "decision" {
		t.Fatalf("forward: %v %s", err, r.StepKey)
	}
	if err := move(ActionApprove, "2026-03-22", nil); err == nil {
		t.Fatal("a decision without the calendar")
	}
	if err := move(ActionApprove, "2026-03-22", cal); err != nil || r.DecidedAt == nil || !r.DecidedAt.Equal(at("2026-03-22")) ||
		r.DeliveredAt != nil {
		t.Errorf("approve: %v decided %v delivered %v", err, r.DecidedAt, r.DeliveredAt)
	}
	// Working days after Sun 1 up to Sun 22: 2–5, 8–12, 15, 17–19, 22 (Mon 16 a holiday) = 14,
	// less the 5 paused.
	if r.ProcessingDays == nil || *r.ProcessingDays != 9 {
		t.Errorf("processing days %v, want 9", r.ProcessingDays)
	}
}

func TestDeadlines(t *testing.T) {
	cal := testCal(t)
	deemed := &catalog.Service{Code: "SHOP-LIC", Steps: catalog.DefaultSteps(),
		Statutory: &catalog.StatutoryRule{Days: 60, OnExpiry: catalog.ExpiryDeemedApproved}}
	escalate := &catalog.Service{Code: "BLD-PERMIT", Steps: catalog.DefaultSteps(),
		Statutory: &catalog.StatutoryRule{Days: 30, OnExpiry: catalog.ExpiryEscalate}}
	plain := &catalog.Service{Code: "PLAIN", Steps: catalog.DefaultSteps()}
	ev := func(seq int, action, day, from, to, fromStep, toStep string) Event {
		return Event{Seq: seq, At: at(day), Action: action, From: from, To: to, FromStep: fromStep, ToStep: toStep}
	}
	// Registered Sunday 1 March, in review from Monday 2.
	base := []Event{ev(1, ActionRegister, "2026-03-01", "", StatusSubmitted, "", "intake"),
		ev(2, ActionForward, "2026-03-02", StatusSubmitted, StatusInReview, "intake", "review")}
	reviewing := Request{Status: StatusInReview, StepKey: "review", SubmittedOn: date("2026-03-01"), WorkingDays: 20}
	stayReview := Plan{From: StatusInReview, To: StatusInReview, FromStep: "review", ToStep: "review"}
	// Five working days from Monday 2: Tue 3, Wed 4, Thu 5, Sun 8, Mon 9.
	stepDue := date("2026-03-09")
	cases := []struct {
		name  string
		r     Request
		svc   *catalog.Service
		hist  []Event
		today string
		want  []SystemChange
	}{
		{"within the step's limit", reviewing, plain, base, "2026-03-07", nil},
		{"the limit's last day", reviewing, plain, base, "2026-03-09", nil},
		{"step overstayed", reviewing, plain, base, "2026-03-10",
			[]SystemChange{{EventEscalated, stayReview, stepDue}}},
		{"escalated once per stay", reviewing, plain,
			append(base[:2:2], ev(3, EventEscalated, "2026-03-10", StatusInReview, StatusInReview, "review", "review")),
			"2026-04-20", nil},
		{"a new stay after a wait", reviewing, plain, append(base[:2:2],
			ev(3, EventEscalated, "2026-03-10", StatusInReview, StatusInReview, "review", "review"),
			ev(4, ActionReturn, "2026-03-11", StatusInReview, StatusReturned, "review", "review"),
			ev(5, ActionComplete, "2026-03-22", StatusReturned, StatusInReview, "review", "review")),
			"2026-03-30", []SystemChange{{EventEscalated, stayReview, cal.AddWorkingDays(date("2026-03-22"), 5)}}},
		{"waiting on the citizen", Request{Status: StatusReturned, StepKey: "review", SubmittedOn: date("2026-03-01")},
			deemed, base, "2026-09-01", nil},
		{"decided", Request{Status: StatusApproved, StepKey: "ready", SubmittedOn: date("2026-03-01")},
			deemed, base, "2026-09-01", nil},
		{"statutory silence approves, step listed after", reviewing, deemed, base, "2026-05-01", []SystemChange{
			{ActionDeemApprove, Plan{From: StatusInReview, To: StatusDeemedApproved, FromStep: "review", ToStep: "ready"},
				date("2026-04-30")},
			{EventEscalated, stayReview, stepDue}}},
		{"statutory deadline's last day", reviewing, deemed, base, "2026-04-30",
			[]SystemChange{{EventEscalated, stayReview, stepDue}}},
		{"statutory escalation", reviewing, escalate, base, "2026-04-01", []SystemChange{
			{EventStatutoryEscalated, stayReview, date("2026-03-31")}, {EventEscalated, stayReview, stepDue}}},
		{"statutory escalation once", reviewing, escalate, append(base[:2:2],
			ev(3, EventStatutoryEscalated, "2026-04-01", StatusInReview, StatusInReview, "review", "review"),
			ev(4, EventEscalated, "2026-04-01", StatusInReview, StatusInReview, "review", "review")), "2026-06-01", nil},
		// Waiting from Wed 4 to Tue 10 March: six calendar days added to the 30.
		{"a wait extends the statutory deadline", reviewing, escalate, append(base[:2:2],
			ev(3, ActionReturn, "2026-03-04", StatusInReview, StatusReturned, "review", "review"),
			ev(4, ActionComplete, "2026-03-10", StatusReturned, StatusInReview, "review", "review"),
			ev(5, EventEscalated, "2026-03-18", StatusInReview, StatusInReview, "review", "review")), "2026-04-07",
			[]SystemChange{{EventStatutoryEscalated, stayReview, date("2026-04-06")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			today := date(c.today)
			calls := 0
			got, err := Deadlines(&c.r, c.svc, c.hist, today, func() (*calendar.Calendar, error) { calls++; return cal, nil })
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
			// The calendar is read only for a stay longer than the limit in calendar days.
			if since, _ := stepStay(c.hist, c.r.StepKey); calls > 0 && !since.AddDays(5).Before(today) {
				t.Errorf("calendar read for a stay since %s on %s", since, today)
			}
		})
	}
}
