package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/notify"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/worker"
)

// recorder is a provider that records what it sent and fails as told.
type recorder struct {
	mu   sync.Mutex
	sent map[string]int // message id → times sent
	msgs []notify.Message
	fail error
}

func (r *recorder) Send(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	if r.sent == nil {
		r.sent = map[string]int{}
	}
	r.sent[m.ID]++
	r.msgs = append(r.msgs, m)
	return nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func opts(id string) worker.Options {
	return worker.Options{ID: id, Batch: 5, MaxAttempts: 3, Backoff: 30 * time.Second, Log: quiet}
}

func notifyN(t *testing.T, db *store.DB, n int) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			if err := tx.Notify(store.Notification{Channel: store.ChannelSMS, To: "01012345678", Template: "notify.request.submitted",
				Data: map[string]string{"tracking": "1301-0004-2175", "due": "2026-03-29"}, Entity: "request", EntityID: fmt.Sprint("r", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func message(t *testing.T, db *store.DB, entityID string) store.OutboxMessage {
	t.Helper()
	ms, err := db.Messages(context.Background(), "request", entityID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("messages of %s: %+v %v", entityID, ms, err)
	}
	return ms[0]
}

func runOnce(t *testing.T, w *worker.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOutboxDelivers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		p := &recorder{}
		w := worker.New(db, map[string]worker.Handler{store.JobDeliver: worker.Outbox(db, p)}, opts("w1"))
		notifyN(t, db, 1)
		if n := runOnce(t, w); n != 1 {
			t.Fatalf("claimed %d", n)
		}
		m := message(t, db, "r0")
		if m.Status != store.MessageSent || m.Attempts != 1 || m.SentAt == nil || len(p.msgs) != 1 {
			t.Fatalf("message %+v, sent %+v", m, p.msgs)
		}
		if got := p.msgs[0]; got.Text != "استلمنا طلبك 1301-0004-2175. موعد الإنجاز 2026-03-29." || got.To != "01012345678" || got.ID != m.ID {
			t.Errorf("sent %+v", got)
		}
		if st, _, _, _ := db.JobStatus(context.Background(), m.JobID); st != "done" {
			t.Errorf("job %s", st)
		}
		clock.Advance(time.Hour)
		if n := runOnce(t, w); n != 0 || len(p.msgs) != 1 {
			t.Errorf("second run claimed %d, sent %d", n, len(p.msgs))
		}
	})
}

func TestOutboxRetriesWithBackoffThenFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		p := &recorder{fail: errors.New("gateway 503")}
		w := worker.New(db, map[string]worker.Handler{store.JobDeliver: worker.Outbox(db, p)}, opts("w1"))
		notifyN(t, db, 1)
		for attempt, wait := range []time.Duration{0, 30 * time.Second, 60 * time.Second} {
			if wait > 0 {
				clock.Advance(wait - time.Second)
				if n := runOnce(t, w); n != 0 {
					t.Fatalf("attempt %d ran a second early", attempt+1)
				}
				clock.Advance(time.Second)
			}
			if n := runOnce(t, w); n != 1 {
				t.Fatalf("attempt %d: claimed %d", attempt+1, n)
			}
			m := message(t, db, "r0")
			want := store.MessagePending
			if attempt == 2 {
				want = store.MessageFailed
			}
			if m.Status != want || m.Attempts != attempt+1 || m.LastError != "gateway 503" {
				t.Fatalf("after attempt %d: %+v", attempt+1, m)
			}
		}
		m := message(t, db, "r0")
		if st, n, _, _ := db.JobStatus(context.Background(), m.JobID); st != "failed" || n != 3 {
			t.Errorf("job %s after %d attempts", st, n)
		}
		p.fail = nil
		clock.Advance(24 * time.Hour)
		if n := runOnce(t, w); n != 0 || len(p.msgs) != 0 {
			t.Errorf("a failed message was retried")
		}
		if w.Backoff(1) != 30*time.Second || w.Backoff(4) != 240*time.Second || w.Backoff(30) != time.Hour {
			t.Errorf("backoff %v %v %v", w.Backoff(1), w.Backoff(4), w.Backoff(30))
		}
	})
}

func TestOutboxPermanentFailureIsNotRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		p := &recorder{fail: notify.Permanent(errors.New("HTTP 400: bad number"))}
		w := worker.New(db, map[string]worker.Handler{store.JobDeliver: worker.Outbox(db, p)}, opts("w1"))
		notifyN(t, db, 1)
		runOnce(t, w)
		if m := message(t, db, "r0"); m.Status != store.MessageFailed || m.Attempts != 1 {
			t.Errorf("%+v", m)
		}
	})
}

// Two workers running at once, and a worker whose lease expired, never send one message twice.
func TestOutboxNeverSendsTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		p := &recorder{}
		handlers := map[string]worker.Handler{store.JobDeliver: worker.Outbox(db, p)}
		const n = 30
		notifyN(t, db, n)
		var wg sync.WaitGroup
		for _, id := range []string{"a", "b"} {
			w := worker.New(db, handlers, opts(id))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k, err := w.RunOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		if len(p.sent) != n {
			t.Errorf("sent %d distinct messages, want %d", len(p.sent), n)
		}
		for id, k := range p.sent {
			if k != 1 {
				t.Errorf("message %s sent %d times", id, k)
			}
		}

		// A message already marked sent whose job is still pending (an operator re-queued
		// it, say) is not sent again; the job just completes.
		notifyN(t, db, 1)
		ms := mustMessages(t, db)
		m := ms[len(ms)-1]
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.RecordDelivery(m.ID, store.MessageSent, 0, "") }); err != nil {
			t.Fatal(err)
		}
		before := len(p.msgs)
		w := worker.New(db, handlers, opts("c"))
		if k := runOnce(t, w); k != 1 || len(p.msgs) != before {
			t.Errorf("claimed %d, sent %d more", k, len(p.msgs)-before)
		}
	})
}

func mustMessages(t *testing.T, db *store.DB) []store.OutboxMessage {
	t.Helper()
	ms, err := db.Messages(context.Background(), "request", "r0")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// A worker that crashed mid-job leaves a lease; once it expires another worker takes the
// job, and the crashed worker's late outcome is refused.
func TestCrashedWorkersJobIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		p := &recorder{}
		notifyN(t, db, 1)
		o := opts("b")
		w := worker.New(db, map[string]worker.Handler{store.JobDeliver: worker.Outbox(db, p)}, o)
		crashed, err := db.ClaimJobs(ctx, "a", []string{store.JobDeliver}, 1, time.Minute)
		if err != nil || len(crashed) != 1 {
			t.Fatal(crashed, err)
		}
		if n := runOnce(t, w); n != 0 {
			t.Fatal("took a leased job")
		}
		clock.Advance(time.Minute)
		if n := runOnce(t, w); n != 1 || len(p.msgs) != 1 {
			t.Fatalf("after the lease: claimed %d, sent %d", n, len(p.msgs))
		}
		if m := message(t, db, "r0"); m.Status != store.MessageSent || m.Attempts != 2 {
			t.Errorf("%+v", m)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { return tx.CompleteJob(crashed[0]) })
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("late outcome: %v", err)
		}
	})
}

func TestGenericHandlerPanicIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		calls := 0
		h := worker.HandlerFunc(func(_ context.Context, j store.Job) error {
			calls++
			if calls == 1 {
				panic("bug")
			}
			if string(j.Payload) != "p" {
				return fmt.Errorf("payload %q", j.Payload)
			}
			return nil
		})
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.EnqueueJob("escalate", "escalate:2026-03-15", time.Time{}, []byte("p"))
		}); err != nil {
			t.Fatal(err)
		}
		w := worker.New(db, map[string]worker.Handler{"escalate": h}, opts("w"))
		runOnce(t, w)
		clock.Advance(30 * time.Second)
		if n := runOnce(t, w); n != 1 || calls != 2 {
			t.Fatalf("retry: claimed %d, calls %d", n, calls)
		}
		clock.Advance(time.Hour)
		if n := runOnce(t, w); n != 0 {
			t.Errorf("done job ran again")
		}
	})
}

func TestRunStopsWithContext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		sent := make(chan notify.Message, 1)
		p := providerFunc(func(_ context.Context, m notify.Message) error { sent <- m; return nil })
		notifyN(t, db, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		o := opts("loop")
		o.Poll = 10 * time.Millisecond
		go func() {
			done <- worker.Run(ctx, db, map[string]worker.Handler{store.JobDeliver: worker.Outbox(db, p)}, o)
		}()
		select {
		case <-sent:
		case <-time.After(20 * time.Second):
			t.Fatal("Run delivered nothing")
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not stop with its context")
		}
	})
}

type providerFunc func(context.Context, notify.Message) error

func (f providerFunc) Send(ctx context.Context, m notify.Message) error { return f(ctx, m) }
