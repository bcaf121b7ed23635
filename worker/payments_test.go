package worker_test

import (
	"context"
	"testing"
	"time"

	"markaz"
	"markaz/demo"
	"markaz/gateway"
	"markaz/payment"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/worker"
)

// The payment jobs over the demo data, run by the worker: a reference code nobody paid
// expires after 48 hours; an approved refund goes through the simulated gateway.
func TestPaymentJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := demo.Ensure(ctx, db, "demo-password-for-tests"); err != nil {
			t.Fatal(err)
		}
		if err := demo.AddPayments(ctx, db); err != nil {
			t.Fatal(err)
		}
		gws, err := gateway.Open(ctx, db, gateway.Config{Simulated: true})
		if err != nil {
			t.Fatal(err)
		}
		w := worker.New(db, worker.PaymentHandlers(db, gws, quiet), opts("pay-worker"))
		drain := func() {
			for {
				n, err := w.RunOnce(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					return
				}
			}
		}
		status := func(q string) string {
			var s string
			if err := db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&s, q) }); err != nil {
				t.Fatal(err)
			}
			return s
		}
		const pending = `SELECT status FROM payments WHERE reference_code <> '' AND created_at = (SELECT MAX(created_at) FROM payments)`
		// The finance officer approves the demo's refund (asked by the clerk).
		var refundID string
		err = db.Write(ctx, func(tx *store.Tx) error {
			if err := tx.Get(&refundID, `SELECT id FROM refunds WHERE status = 'requested'`); err != nil {
				return err
			}
			u, err := tx.GetUserByName("finance")
			if err != nil {
				return err
			}
			_, err = tx.DecideRefund(tx.Principal(u), refundID, true, "approved")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		drain()
		if got := status(`SELECT status FROM refunds WHERE id = '` + refundID + `'`); got != payment.RefundExecuted {
			t.Errorf("refund after the worker ran: %s", got)
		}
		if got := status(pending); got != payment.StatusPending {
			t.Fatalf("reference code before 48 hours: %s", got)
		}
		clock.Advance(48*time.Hour + time.Minute)
		drain()
		if got := status(pending); got != payment.StatusExpired {
			t.Errorf("reference code after 48 hours: %s", got)
		}
		// A refund whose gateway is not configured fails for good instead of retrying.
		if err := worker.SendRefund(ctx, db, &gateway.Set{}, refundID); err != nil {
			t.Errorf("a refund already executed: %v", err)
		}
	})
}
