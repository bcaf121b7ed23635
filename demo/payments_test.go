package demo

import (
	"context"
	"errors"
	"testing"

	"markaz"
	"markaz/payment"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

func TestAddPayments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if err := AddPayments(ctx, db); !errors.Is(err, ErrNotDemo) {
			t.Fatalf("payments into a database demo mode did not create: %v", err)
		}
		if _, err := Ensure(ctx, db, pw); err != nil {
			t.Fatal(err)
		}
		if _, err := AddRequests(ctx, db, 50, 7, clock); err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, q, args...) }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		cases := []struct {
			what string
			q    string
			want int // added by AddPayments (generated requests come with their own payments)
		}{
			{"cash payments", `SELECT COUNT(*) FROM payments WHERE method = 'cash' AND status = 'paid'`, 3},
			{"electronic payments booked", `SELECT COUNT(*) FROM payments WHERE method <> 'cash' AND status = 'paid'`, 5},
			{"a payment held for review", `SELECT COUNT(*) FROM payments WHERE status = 'held_for_review'`, 1},
			{"a reference code to pay", `SELECT COUNT(*) FROM payments WHERE status = 'pending' AND reference_code <> ''`, 1},
			{"receipts", `SELECT COUNT(*) FROM receipts`, 8},
			{"a signed-off till", `SELECT COUNT(*) FROM tills WHERE status = 'signed_off' AND difference_piasters = -200`, 1},
			{"a refund to decide", `SELECT COUNT(*) FROM refunds WHERE status = 'requested'`, 1},
			{"one reconciliation", `SELECT COUNT(*) FROM reconciliations`, 1},
			{"with one mismatch", `SELECT COUNT(*) FROM reconciliation_items WHERE kind = 'missing_in_markaz'`, 1},
			{"and no other", `SELECT COUNT(*) FROM reconciliation_items`, 1},
		}
		before := make([]int, len(cases))
		for i, c := range cases {
			before[i] = count(c.q)
		}
		if err := AddPayments(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := AddPayments(ctx, db); err != nil { // once only
			t.Fatal(err)
		}
		for i, c := range cases {
			if got := count(c.q) - before[i]; got != c.want {
				t.Errorf("%s: %d added, want %d", c.what, got, c.want)
			}
		}
		// The demo citizen owns a request awaiting payment.
		err := db.Read(ctx, func(tx *store.Tx) error {
			u, err := tx.GetUserByName("citizen")
			if err != nil {
				return err
			}
			p := tx.Principal(u)
			var numbers []string
			if err := tx.Select(&numbers, `SELECT tracking_number FROM requests WHERE mobile = ? AND status = ?`,
				CitizenMobile, request.StatusAwaitingPayment); err != nil {
				return err
			}
			if len(numbers) == 0 {
				t.Fatal("the citizen has no request awaiting payment")
			}
			for _, n := range numbers {
				pr, err := tx.RequestForPayments(p, n)
				if err != nil || !pr.Owner {
					t.Fatalf("the citizen does not own their request %s: %v", n, err)
				}
			}
			rows, err := tx.Collections(store.CollectionFilter{Scope: markaz.Scope{All: true},
				From: markaz.DateOf(clock.Now()).AddDays(-7), To: markaz.DateOf(clock.Now())})
			if err != nil || len(rows) != 1 || rows[0].CashCount != 3 || rows[0].ElectronicCount != 5 {
				t.Errorf("collections of the demo: %+v %v", rows, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(`SELECT COUNT(*) FROM payments WHERE status NOT IN (?, ?, ?, ?)`, payment.StatusPaid,
			payment.StatusHeld, payment.StatusPending, payment.StatusPartlyRefunded); n != 0 {
			t.Errorf("%d demo payments in other states", n)
		}
	})
}
