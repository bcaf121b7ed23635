package demo

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"markaz"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
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
	t.Logf("%d requests, %d actions in %v", st.Requests, st.Actions, st.Took)
	return st
}

type reqRow struct {
	ID          string      `db:"id"`
	Number      string      `db:"tracking_number"`
	Service     string      `db:"service_code"`
	Status      string      `db:"status"`
	Gov         string      `db:"gov_code"`
	Center      string      `db:"center_id"`
	SubmittedOn markaz.Date `db:"submitted_on"`
	Due         markaz.Date `db:"due_date"`
	Days        int         `db:"working_days"`
	Paused      int         `db:"paused_days"`
	First       string      `db:"first_action"`
}

func requestRows(t *testing.T, db *store.DB) []reqRow {
	t.Helper()
	var rows []reqRow
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Select(&rows, `SELECT r.id, r.tracking_number, r.service_code, r.status, r.gov_code, r.center_id,
			r.submitted_on, r.due_date, r.working_days, r.paused_days,
			COALESCE((SELECT e.action FROM request_events e WHERE e.request_id = r.id ORDER BY e.seq LIMIT 1), '')
			AS first_action FROM requests r WHERE r.channel <> 'backlog' ORDER BY r.tracking_number`) // not the demo backlog's
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAddRequestsFollowsTheDomainRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		const n = 300
		st := demoRequests(t, db, clock, n, 7)
		rows := requestRows(t, db)
		if len(rows) != n || st.Requests != n {
			t.Fatalf("%d requests stored, %d reported, want %d", len(rows), st.Requests, n)
		}
		today := markaz.Today(clock)
		count := map[string]int{}
		overdue := 0
		if err := db.Read(ctx, func(tx *store.Tx) error {
			for _, r := range rows {
				count[r.Status]++
				if r.First != request.ActionRegister {
					t.Errorf("%s: history starts with %q", r.Number, r.First)
				}
				due, err := tx.DueDate(r.Gov, r.Center, r.SubmittedOn, r.Days+r.Paused)
				if err != nil {
					return err
				}
				if due != r.Due {
					t.Errorf("%s: due %s, calendar says %s (%s + %d + %d paused)", r.Number, r.Due, due,
						r.SubmittedOn, r.Days, r.Paused)
				}
				if r.SubmittedOn.Before(today.AddDays(-366)) || r.SubmittedOn.After(today) {
					t.Errorf("%s: submitted on %s, outside the past year", r.Number, r.SubmittedOn)
				}
				rq := request.Request{Status: r.Status, DueDate: r.Due}
				if rq.Overdue(today) {
					overdue++
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{request.StatusDelivered, request.StatusRejected, request.StatusCancelled,
			request.StatusReturned, request.StatusAwaitingPayment, request.StatusInReview} {
			if count[s] == 0 {
				t.Errorf("no %s request in the mix: %v", s, count)
			}
		}
		if count[request.StatusDelivered] < n/2 {
			t.Errorf("most requests should be delivered: %v", count)
		}
		if overdue == 0 {
			t.Errorf("no overdue open request: %v", count)
		}
		for s, k := range st.ByStatus {
			if count[s] != k {
				t.Errorf("stats say %d %s, database %d", k, s, count[s])
			}
		}
		var pending int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&pending, `SELECT COUNT(*) FROM outbox WHERE status = 'pending'`)
		}); err != nil || pending != 0 {
			t.Errorf("%d demo SMS left to send (%v)", pending, err)
		}
		if problem, _, err := db.VerifyAudit(ctx); err != nil || problem != "" {
			t.Errorf("audit chain: %q %v", problem, err)
		}
	})
}

func TestAddRequestsIsDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		demoRequests(t, db, clock, 120, 11)
		other := storetest.Open(t, db.Dialect, clock)
		demoRequests(t, other, clock, 120, 11)
		key := func(rows []reqRow) []string {
			var out []string
			for _, r := range rows {
				out = append(out, r.Number+" "+r.Service+" "+r.Status+" "+r.Due.String())
			}
			return out
		}
		a, b := key(requestRows(t, db)), key(requestRows(t, other))
		if len(a) != 120 || !reflect.DeepEqual(a, b) {
			t.Errorf("same seed, different requests:\n%v\n%v", a, b)
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
