package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"markaz"
	"markaz/gateway"
	"markaz/notify"
	"markaz/payment"
	"markaz/store"
)

// PaymentHandlers returns the handlers of the payment jobs: expiring reference codes,
// sending approved refunds through their gateway, the daily reconciliation and, with the
// simulated gateway, delivering its callbacks when due.
func PaymentHandlers(db *store.DB, gws *gateway.Set, log *slog.Logger) map[string]Handler {
	if log == nil {
		log = slog.Default()
	}
	h := map[string]Handler{
		store.JobPaymentExpire: HandlerFunc(func(ctx context.Context, j store.Job) error {
			return db.Write(ctx, func(tx *store.Tx) error { return tx.ExpirePayment(string(j.Payload)) })
		}),
		store.JobRefund: HandlerFunc(func(ctx context.Context, j store.Job) error {
			return SendRefund(ctx, db, gws, string(j.Payload))
		}),
		store.JobReconcile: HandlerFunc(func(ctx context.Context, j store.Job) error {
			name, day, _ := strings.Cut(string(j.Payload), " ")
			d, err := markaz.ParseDate(day)
			if err != nil {
				return notify.Permanent(fmt.Errorf("reconcile job payload %q", j.Payload))
			}
			rec, err := ReconcileGateway(ctx, db, gws, name, d, store.Actor{})
			if markaz.ErrorCode(err) == markaz.EConflict {
				return nil // already reconciled by hand
			}
			if err == nil {
				log.Info("reconciliation", "gateway", name, "day", day, "matched", rec.Matched, "mismatches", rec.Mismatches)
			}
			return err
		}),
	}
	if gws != nil && gws.Sim != nil {
		h[store.JobSimCallback] = HandlerFunc(gws.Sim.Job())
	}
	return h
}

// SendRefund sends an approved gateway refund and records it; a refund no longer waiting
// is left alone. A gateway error is kept on the refund and the job retries.
func SendRefund(ctx context.Context, db *store.DB, gws *gateway.Set, id string) error {
	var r *store.Refund
	if err := db.Read(ctx, func(tx *store.Tx) (err error) {
		r, err = tx.RefundForGateway(id)
		return err
	}); err != nil || r == nil {
		return err
	}
	g := gws.ByName(r.PaymentGateway)
	if g == nil {
		return notify.Permanent(fmt.Errorf("refund %s: gateway %q is not configured", id, r.PaymentGateway))
	}
	res, err := g.Refund(ctx, payment.RefundRequest{RefundID: r.ID, PaymentID: r.PaymentID,
		GatewayReference: r.PaymentReference, AmountPiasters: r.AmountPiasters})
	if err != nil {
		if werr := db.Write(ctx, func(tx *store.Tx) error { return tx.RefundFailed(id, err.Error()) }); werr != nil {
			return errors.Join(err, werr)
		}
		return err
	}
	return db.Write(ctx, func(tx *store.Tx) error { return tx.RefundSent(id, res.Reference) })
}

// ReconcileGateway fetches the statement of day from the named gateway and reconciles
// it, by actor (the zero Actor is the system's daily job).
func ReconcileGateway(ctx context.Context, db *store.DB, gws *gateway.Set, name string, day markaz.Date,
	actor store.Actor) (*store.Reconciliation, error) {
	g := gws.ByName(name)
	if g == nil {
		return nil, notify.Permanent(fmt.Errorf("reconcile: gateway %q is not configured", name))
	}
	csv, err := g.Statement(ctx, day)
	if err != nil {
		return nil, err
	}
	rows, err := payment.ParseStatement(bytes.NewReader(csv))
	if err != nil {
		return nil, notify.Permanent(fmt.Errorf("statement of %s for %s: %w", name, day, err))
	}
	return db.ReconcileDay(ctx, actor, name, day, rows)
}

// ScheduleReconcile enqueues, for every configured gateway, the reconciliation of
// yesterday (to run from 02:00) at once and then every interval until ctx ends; with
// several instances each gateway and day still gets one job.
func ScheduleReconcile(ctx context.Context, db *store.DB, gws *gateway.Set, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	for {
		for _, name := range gws.Names() {
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.EnqueueReconcile(name) }); err != nil && ctx.Err() == nil {
				log.Error("enqueue reconciliation", "gateway", name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
