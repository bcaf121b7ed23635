// Package worker runs background jobs: a loop that claims due jobs from the store's job
// table (with a lease, so several markaz instances share the work and a crashed one's
// jobs are picked up again) and runs the handler of each job's kind. A failed job is
// retried with exponential backoff until MaxAttempts, then marked failed. Outbox returns
// the handler that delivers messages to citizens.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"markaz"
	"markaz/notify"
	"markaz/store"
)

// Handler runs one job. A nil error completes it; an error makes it retried later, unless
// it is notify.Permanent or the job has no attempts left, when the job is marked failed.
type Handler interface {
	Handle(ctx context.Context, job store.Job) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, job store.Job) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, job store.Job) error { return f(ctx, job) }

// Outcome is what became of one run of a job.
type Outcome struct {
	Err     error     // nil: done
	Final   bool      // the job is settled (done, or failed for good)
	RetryAt time.Time // when not final: the next attempt
}

// Finisher is implemented by handlers that record a job's outcome in their own tables:
// Finish runs in the same transaction that settles the job, so both change or neither.
type Finisher interface {
	Finish(tx *store.Tx, job store.Job, o Outcome) error
}

// Options tune a worker; zero values take the defaults.
type Options struct {
	ID          string        // worker id stamped on claims; default host:pid:random
	Poll        time.Duration // pause between polls when idle; default 1s
	Batch       int           // jobs claimed per poll; default 10
	JobTimeout  time.Duration // limit of one handler run; default 20s
	Lease       time.Duration // claim lease; default and minimum 2 × Batch × JobTimeout
	MaxAttempts int           // runs before a job is marked failed; default 8
	Backoff     time.Duration // wait after the first failure, doubling after each; default 30s
	MaxBackoff  time.Duration // cap of the wait; default 1h
	Log         *slog.Logger  // default slog.Default()
}

func (o Options) withDefaults() Options {
	if o.ID == "" {
		host, _ := os.Hostname()
		o.ID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), markaz.NewID()[24:])
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 10
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 20 * time.Second
	}
	// Handlers run one after another, each bounded by JobTimeout: a lease that outlives the
	// whole batch twice over means no job is claimed again while its first run may still act.
	if min := 2 * time.Duration(o.Batch) * o.JobTimeout; o.Lease < min {
		o.Lease = min
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// Worker claims and runs jobs of the kinds it has handlers for.
type Worker struct {
	db       *store.DB
	handlers map[string]Handler
	kinds    []string
	opts     Options
}

// New returns a worker for the given handlers (by job kind).
func New(db *store.DB, handlers map[string]Handler, opts Options) *Worker {
	w := &Worker{db: db, handlers: handlers, opts: opts.withDefaults()}
	for k := range handlers {
		w.kinds = append(w.kinds, k)
	}
	sort.Strings(w.kinds)
	return w
}

// Run polls for due jobs until ctx ends; it returns nil then. Database errors are logged
// and the loop goes on.
func Run(ctx context.Context, db *store.DB, handlers map[string]Handler, opts Options) error {
	return New(db, handlers, opts).Run(ctx)
}

// Run is the worker's loop: a full batch is followed at once by the next, else it waits
// Poll.
func (w *Worker) Run(ctx context.Context) error {
	w.opts.Log.Info("worker started", "worker", w.opts.ID, "kinds", w.kinds, "poll", w.opts.Poll.String())
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.opts.Log.Error("worker poll failed", "worker", w.opts.ID, "err", err)
		}
		if n < w.opts.Batch || err != nil {
			select {
			case <-ctx.Done():
				w.opts.Log.Info("worker stopped", "worker", w.opts.ID)
				return nil
			case <-time.After(w.opts.Poll):
			}
		} else if ctx.Err() != nil {
			return nil
		}
	}
}

// RunOnce claims one batch of due jobs, runs them one by one and settles each. It returns
// how many jobs it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := w.db.ClaimJobs(ctx, w.opts.ID, w.kinds, w.opts.Batch, w.opts.Lease)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, j := range jobs {
		if ctx.Err() != nil {
			break // unfinished claims expire and are picked up again
		}
		errs = append(errs, w.run(ctx, j))
	}
	return len(jobs), errors.Join(errs...)
}

// run runs one job and settles it.
func (w *Worker) run(ctx context.Context, j store.Job) error {
	h := w.handlers[j.Kind]
	jctx, cancel := context.WithTimeout(ctx, w.opts.JobTimeout)
	err := safeHandle(jctx, h, j)
	cancel()
	o := Outcome{Err: err, Final: err == nil || notify.IsPermanent(err) || j.Attempts >= w.opts.MaxAttempts}
	if !o.Final {
		o.RetryAt = w.db.Clock.Now().Add(w.Backoff(j.Attempts))
	}
	log := w.opts.Log.With("worker", w.opts.ID, "job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	serr := w.db.Write(ctx, func(tx *store.Tx) error {
		if f, ok := h.(Finisher); ok {
			if err := f.Finish(tx, j, o); err != nil {
				return err
			}
		}
		switch {
		case err == nil:
			return tx.CompleteJob(j)
		case o.Final:
			return tx.BuryJob(j, err.Error())
		default:
			return tx.FailJob(j, err.Error(), o.RetryAt)
		}
	})
	switch {
	case serr != nil:
		log.Error("job outcome not recorded", "err", serr, "job_err", err)
		return fmt.Errorf("job %s: %w", j.ID, serr)
	case err == nil:
		log.Info("job done")
	case o.Final:
		log.Error("job failed for good", "err", err)
	default:
		log.Warn("job failed, will retry", "err", err, "retry_at", o.RetryAt)
	}
	return nil
}

// safeHandle runs h, turning a panic into an error so one bad job cannot stop the worker.
func safeHandle(ctx context.Context, h Handler, j store.Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return h.Handle(ctx, j)
}

// Backoff is the wait after the given failed attempt: Backoff × 2^(attempt-1), at most
// MaxBackoff.
func (w *Worker) Backoff(attempt int) time.Duration {
	d := w.opts.Backoff
	for i := 1; i < attempt && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.opts.MaxBackoff)
}

// Outbox returns the handler of store.JobDeliver jobs: it renders the message from its
// i18n template and sends it through p, and records sent, retry or failed on the message
// in the transaction that settles the job. A message that is no longer pending is never
// sent again.
func Outbox(db *store.DB, p notify.Provider) Handler { return outbox{db: db, p: p} }

// OutboxAt is Outbox for a Markaz reached at base (its public URL): the links messages
// carry (notify.WithLinks) point there.
func OutboxAt(db *store.DB, p notify.Provider, base string) Handler {
	return outbox{db: db, p: p, base: base}
}

type outbox struct {
	db   *store.DB
	p    notify.Provider
	base string
}

func (h outbox) Handle(ctx context.Context, j store.Job) error {
	var m store.OutboxMessage
	err := h.db.Read(ctx, func(tx *store.Tx) (err error) {
		m, err = tx.OutboxMessage(string(j.Payload))
		return err
	})
	if err != nil {
		if markaz.ErrorCode(err) == markaz.ENotFound {
			return notify.Permanent(fmt.Errorf("outbox message %s not found", j.Payload))
		}
		return err
	}
	if m.Status != store.MessagePending {
		return nil
	}
	subject, text, err := notify.Render(m.Channel, m.Template, m.Locale, notify.WithLinks(m.Data(), h.base))
	if err != nil {
		return err
	}
	return h.p.Send(ctx, notify.Message{ID: m.ID, Channel: m.Channel, To: m.To, Subject: subject, Text: text})
}

func (h outbox) Finish(tx *store.Tx, j store.Job, o Outcome) error {
	id := string(j.Payload)
	m, err := tx.OutboxMessage(id)
	if err != nil {
		if markaz.ErrorCode(err) == markaz.ENotFound {
			return nil
		}
		return err
	}
	if m.Status != store.MessagePending {
		return nil
	}
	status, text := store.MessageSent, ""
	if o.Err != nil {
		status, text = store.MessagePending, o.Err.Error()
		if o.Final {
			status = store.MessageFailed
		}
	}
	return tx.RecordDelivery(id, status, j.Attempts, text)
}
