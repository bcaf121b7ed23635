package worker

import (
	"context"
	"log/slog"
	"time"

	"markaz/store"
)

// Deadlines returns the handler of store.JobDeadlines jobs: it goes through the open
// requests in batches of store.DeadlineBatchSize, one transaction each (see
// store.DB.DeadlineBatch). When half of the job's time is spent before the last batch it
// enqueues a continuation (same kind, payload the id to resume after) and completes, so a
// large run never outlives its lease; the batches are idempotent, so a retried or
// repeated run changes nothing already done.
func Deadlines(db *store.DB, log *slog.Logger) Handler {
	if log == nil {
		log = slog.Default()
	}
	return deadlines{db: db, log: log}
}

type deadlines struct {
	db  *store.DB
	log *slog.Logger
}

func (h deadlines) Handle(ctx context.Context, j store.Job) error {
	start := time.Now()
	budget := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		budget = time.Until(d) / 2
	}
	after := string(j.Payload)
	var total store.DeadlineRun
	for {
		run, err := h.db.DeadlineBatch(ctx, after, store.DeadlineBatchSize)
		if err != nil {
			return err
		}
		total.Scanned += run.Scanned
		total.Deemed += run.Deemed
		total.StatutoryEscalated += run.StatutoryEscalated
		total.StepEscalated += run.StepEscalated
		after = run.Next
		if after == "" || time.Since(start) > budget {
			break
		}
	}
	h.log.Info("deadlines", "job", j.ID, "scanned", total.Scanned, "deemed_approved", total.Deemed,
		"statutory_escalated", total.StatutoryEscalated, "step_escalated", total.StepEscalated, "resume_after", after)
	if after == "" {
		return nil
	}
	return h.db.Write(ctx, func(tx *store.Tx) error {
		return tx.EnqueueJob(store.JobDeadlines, j.DedupKey+">"+after, time.Time{}, []byte(after))
	})
}

// ScheduleDeadlines enqueues the day's deadlines job (dedup key "deadlines:YYYY-MM-DD",
// Cairo date) at once and then every interval until ctx ends; with several instances
// doing the same, each day still gets one job. Errors are logged and retried at the next
// tick.
func ScheduleDeadlines(ctx context.Context, db *store.DB, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	for {
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.EnqueueDeadlines() }); err != nil && ctx.Err() == nil {
			log.Error("enqueue deadlines job", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
