package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// The workload's figures, counted in SQL, against the same figures computed here the plain
// way from every request and event of the center: open and overdue per staff member by the
// role of each request's step, what each touched last, and the overdue list (due date, then
// id, cut at MaxWorkloadOverdue while OverdueTotal counts them all).
func TestCenterWorkloadMatchesRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-WL-11", "13-001")
		other := mkCenter(t, db, "SH-WL-12", "13-001")
		clerkU := mkUser(t, db, "wl2_clerk", markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: c.ID})
		backU := mkUser(t, db, "wl2_back", markaz.AssignmentInput{Role: markaz.RoleBackOffice, Level: markaz.LevelUnit, Unit: "13-001"})
		mgrU := mkUser(t, db, "wl2_mgr", markaz.AssignmentInput{Role: markaz.RoleCenterManager, Level: markaz.LevelCenter, CenterID: c.ID})
		farU := mkUser(t, db, "wl2_far", markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: other.ID})
		clerk, back, far := principalOf(t, db, clerkU.ID), principalOf(t, db, backU.ID), principalOf(t, db, farU.ID)
		_ = mgrU

		register := func(p *markaz.Principal, service string, n int) []string {
			t.Helper()
			var out []string
			if err := db.Write(ctx, func(tx *store.Tx) error {
				for range n {
					r := &request.Registration{ServiceCode: service, Applicant: request.Applicant{
						NationalID: "29001011301234", Name: "محمد أحمد", Mobile: "01001234567"}}
					ws, err := r.Validate(tx.Today())
					if err != nil {
						return err
					}
					got, err := tx.RegisterRequest(p, r, "", ws)
					if err != nil {
						return err
					}
					out = append(out, got.Detail.TrackingNumber)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		act := func(p *markaz.Principal, numbers []string, action string) {
			t.Helper()
			if err := db.Write(ctx, func(tx *store.Tx) error {
				for _, n := range numbers {
					if _, err := tx.ActOnRequest(p, n, action, "note", nil); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}

		// Three days of counter work — shop licences (20 working days) and permit copies (3),
		// due before licences registered earlier, so due-date order is not registration
		// order — then, once all of it is overdue (before the licences' statutory 60 days),
		// the deadlines job's escalations: events by no person, after which some requests
		// are acted on again. Some requests move to review or decision, are returned or
		// cancelled; a day's new requests are not overdue.
		var first []string
		for day, n := range [][2]int{{40, 30}, {30, 40}, {0, 70}} {
			first = append(first, register(clerk, "SHOP-LIC", n[0])...)
			first = append(first, register(clerk, "PERMIT-COPY", n[1])...)
			clock.Advance(time.Duration(day+1) * 24 * time.Hour)
		}
		register(far, "SHOP-LIC", 3) // another center's: never counted
		act(clerk, first[:40], request.ActionForward)
		act(back, first[:10], request.ActionReturn)
		act(clerk, first[200:205], request.ActionCancel)
		clock.Advance(40 * 24 * time.Hour)
		if run, err := db.DeadlineBatch(ctx, "", 1000); err != nil || run.StepEscalated == 0 || run.Deemed != 0 {
			t.Fatalf("deadlines: %+v %v", run, err)
		}
		act(back, first[10:12], request.ActionReturn)
		act(back, first[12:15], request.ActionForward)
		register(clerk, "SHOP-LIC", 6)
		// Two more whose due date is today when the workload is read: open, not overdue.
		due := register(clerk, "PERMIT-COPY", 2)
		var dueOn markaz.Date
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&dueOn, `SELECT due_date FROM requests WHERE tracking_number = ?`, due[0])
		}); err != nil {
			t.Fatal(err)
		}
		clock.T = dueOn.Start().Add(10 * time.Hour)

		w, err := db.CenterWorkload(ctx, markaz.Scope{Centers: []string{c.ID}}, markaz.Scope{Centers: []string{c.ID}}, c.ID)
		if err != nil {
			t.Fatal(err)
		}

		// The same figures, the plain way.
		today := markaz.DateOf(clock.Now())
		var reqs []request.Request
		var evs []struct {
			RequestID string `db:"request_id"`
			UserID    string `db:"user_id"`
			Username  string `db:"username"`
		}
		roles := map[string]string{}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			if err := tx.Select(&reqs, `SELECT id, service_code, step_key, status, due_date FROM requests
				WHERE center_id = ?`, c.ID); err != nil {
				return err
			}
			for _, code := range []string{"SHOP-LIC", "PERMIT-COPY"} {
				svc, err := tx.Service(code)
				if err != nil {
					return err
				}
				for _, s := range svc.Steps {
					roles[code+"/"+s.Key] = s.Role
				}
			}
			return tx.Select(&evs, `SELECT e.request_id, e.user_id, e.username FROM request_events e
				JOIN requests r ON r.id = e.request_id WHERE r.center_id = ? ORDER BY e.request_id, e.seq`, c.ID)
		}); err != nil {
			t.Fatal(err)
		}
		last := map[string][2]string{} // the latest event by a person
		lastBy := map[string]string{}  // who made the latest event ("" for the system)
		for _, e := range evs {
			if e.UserID != "" {
				last[e.RequestID] = [2]string{e.UserID, e.Username}
			}
			lastBy[e.RequestID] = e.UserID
		}
		want := map[string]store.WorkloadStaff{}
		var openTotal, overdueTotal, systemLast, dueToday int
		var overdue []request.Request
		for _, r := range reqs {
			if !slices.Contains(request.OpenStatuses, r.Status) {
				continue
			}
			openTotal++
			if lastBy[r.ID] == "" {
				systemLast++
			}
			late := r.DueDate.Before(today)
			if r.DueDate == today {
				dueToday++
			}
			if late {
				overdueTotal++
				overdue = append(overdue, r)
			}
			for _, u := range []*markaz.User{clerkU, backU, mgrU} {
				s := want[u.Username]
				held := map[string]string{clerkU.ID: markaz.RoleClerk, backU.ID: markaz.RoleBackOffice, mgrU.ID: markaz.RoleCenterManager}[u.ID]
				if roles[r.ServiceCode+"/"+r.StepKey] == held {
					s.Open++
					if late {
						s.Overdue++
					}
				}
				if last[r.ID][0] == u.ID {
					s.LastTouched++
				}
				want[u.Username] = s
			}
		}
		slices.SortFunc(overdue, func(a, b request.Request) int {
			if c := strings.Compare(a.DueDate.String(), b.DueDate.String()); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})

		if w.OpenTotal != openTotal || w.OverdueTotal != overdueTotal || openTotal != 213 || overdueTotal != 205 {
			t.Errorf("totals: open %d overdue %d, want %d and %d (213 and 205)", w.OpenTotal, w.OverdueTotal, openTotal, overdueTotal)
		}
		if len(w.Staff) != 3 {
			t.Fatalf("staff: %+v", w.Staff)
		}
		for _, s := range w.Staff {
			x := want[s.Username]
			if s.Open != x.Open || s.Overdue != x.Overdue || s.LastTouched != x.LastTouched {
				t.Errorf("%s: open %d overdue %d last touched %d, want %d %d %d", s.Username, s.Open, s.Overdue,
					s.LastTouched, x.Open, x.Overdue, x.LastTouched)
			}
		}
		if want["wl2_back"].Open == 0 || want["wl2_back"].LastTouched != 15 || want["wl2_mgr"].Open != 3 ||
			want["wl2_clerk"].Overdue == 0 || systemLast == 0 || dueToday != 2 {
			t.Errorf("the data do not exercise every figure: %+v, %d open requests last changed by the system, %d due today",
				want, systemLast, dueToday)
		}
		if slices.IsSortedFunc(overdue[:store.MaxWorkloadOverdue], func(a, b request.Request) int { return strings.Compare(a.ID, b.ID) }) {
			t.Errorf("the overdue list's due-date order is also id order: the data do not test the order")
		}
		if len(w.Overdue) != store.MaxWorkloadOverdue {
			t.Fatalf("overdue list: %d rows, want %d", len(w.Overdue), store.MaxWorkloadOverdue)
		}
		for i, o := range w.Overdue {
			x := overdue[i]
			if o.ID != x.ID || o.StepRole != roles[x.ServiceCode+"/"+x.StepKey] || o.LastActor != last[x.ID][1] ||
				o.OverdueDays != request.DaysBetween(x.DueDate, today) || o.TrackingNumber == "" {
				t.Fatalf("overdue row %d: %s %s %s %d, want %s %s %s %d", i, o.ID, o.StepRole, o.LastActor, o.OverdueDays,
					x.ID, roles[x.ServiceCode+"/"+x.StepKey], last[x.ID][1], request.DaysBetween(x.DueDate, today))
			}
		}
	})
}
