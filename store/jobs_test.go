package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

func enqueue(t *testing.T, db *store.DB, kind, key string, runAt time.Time, payload string) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx *store.Tx) error {
		return tx.EnqueueJob(kind, key, runAt, []byte(payload))
	}); err != nil {
		t.Fatal(err)
	}
}

func TestJobsClaimDueAndDedup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		now := clock.Now()
		enqueue(t, db, "report.daily", "report.daily:2026-03-15", now, "first")
		enqueue(t, db, "report.daily", "report.daily:2026-03-15", now, "second") // no-op
		enqueue(t, db, "report.daily", "", now.Add(time.Hour), "later")
		enqueue(t, db, "other", "", now, "x")

		jobs, err := db.ClaimJobs(ctx, "w1", []string{"report.daily"}, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != 1 || string(jobs[0].Payload) != "first" || jobs[0].Attempts != 1 || jobs[0].LockedBy != "w1" {
			t.Fatalf("claimed %+v, want only the due, first-enqueued report job", jobs)
		}
		if !jobs[0].LockedUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("lease until %v, want %v", jobs[0].LockedUntil, now.Add(time.Minute))
		}
		if again, _ := db.ClaimJobs(ctx, "w2", []string{"report.daily"}, 10, time.Minute); len(again) != 0 {
			t.Fatalf("a leased job was claimed again: %+v", again)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.CompleteJob(jobs[0]) }); err != nil {
			t.Fatal(err)
		}
		if st, n, _, err := db.JobStatus(ctx, jobs[0].ID); err != nil || st != "done" || n != 1 {
			t.Fatalf("status %s attempts %d err %v", st, n, err)
		}
		// Re-enqueueing a done job's key is still a no-op: a schedule runs once per period.
		enqueue(t, db, "report.daily", "report.daily:2026-03-15", now, "third")
		clock.Advance(time.Hour)
		jobs, _ = db.ClaimJobs(ctx, "w1", []string{"report.daily"}, 10, time.Minute)
		if len(jobs) != 1 || string(jobs[0].Payload) != "later" {
			t.Fatalf("after an hour claimed %+v, want only the later job", jobs)
		}
	})
}

func TestJobsExpiredLeaseIsReclaimed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		enqueue(t, db, "k", "", time.Time{}, "p")
		first, err := db.ClaimJobs(ctx, "crashed", []string{"k"}, 1, time.Minute)
		if err != nil || len(first) != 1 {
			t.Fatalf("%v %v", first, err)
		}
		clock.Advance(59 * time.Second)
		if got, _ := db.ClaimJobs(ctx, "w2", []string{"k"}, 1, time.Minute); len(got) != 0 {
			t.Fatal("claimed before the lease expired")
		}
		clock.Advance(time.Second)
		second, err := db.ClaimJobs(ctx, "w2", []string{"k"}, 1, time.Minute)
		if err != nil || len(second) != 1 || second[0].ID != first[0].ID || second[0].Attempts != 2 {
			t.Fatalf("re-claim: %+v %v", second, err)
		}
		// The crashed worker comes back: its stale claim can no longer settle the job.
		err = db.Write(ctx, func(tx *store.Tx) error { return tx.CompleteJob(first[0]) })
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("stale complete: %v, want ErrLeaseLost", err)
		}
		// The new holder retries it later, then gives up.
		retry := clock.Now().Add(10 * time.Minute)
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.FailJob(second[0], "boom", retry) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.ClaimJobs(ctx, "w2", []string{"k"}, 1, time.Minute); len(got) != 0 {
			t.Fatal("claimed before its retry time")
		}
		clock.Advance(10 * time.Minute)
		third, _ := db.ClaimJobs(ctx, "w3", []string{"k"}, 1, time.Minute)
		if len(third) != 1 || third[0].Attempts != 3 {
			t.Fatalf("retry claim: %+v", third)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.BuryJob(third[0], "gave up") }); err != nil {
			t.Fatal(err)
		}
		if st, n, msg, _ := db.JobStatus(ctx, third[0].ID); st != "failed" || n != 3 || msg != "gave up" {
			t.Fatalf("buried: %s %d %q", st, n, msg)
		}
		clock.Advance(24 * time.Hour)
		if got, _ := db.ClaimJobs(ctx, "w3", []string{"k"}, 1, time.Minute); len(got) != 0 {
			t.Fatal("a failed job was claimed")
		}
	})
}

func TestJobsConcurrentClaimsNeverShare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		const n = 60
		if err := db.Write(ctx, func(tx *store.Tx) error {
			for i := range n {
				if err := tx.EnqueueJob("k", fmt.Sprint("job-", i), time.Time{}, nil); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprint("worker-", w)
				for {
					jobs, err := db.ClaimJobs(ctx, id, []string{"k"}, 3, time.Minute)
					if err != nil {
						errs <- err
						return
					}
					if len(jobs) == 0 {
						return
					}
					mu.Lock()
					for _, j := range jobs {
						if other, dup := seen[j.ID]; dup {
							errs <- fmt.Errorf("job %s claimed by %s and %s", j.ID, other, id)
						}
						seen[j.ID] = id
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(seen) != n {
			t.Errorf("claimed %d distinct jobs, want %d", len(seen), n)
		}
	})
}
