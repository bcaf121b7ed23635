package store

// Background jobs: a table of due work with leases, safe with several markaz instances.
// A worker claims due jobs (ClaimJobs) by stamping its id and a lease expiry on them in
// one UPDATE … RETURNING; while the lease runs nobody else can claim them, and when it
// expires (the instance crashed) they are claimable again. Every claim counts an attempt
// and is the lease's identity: CompleteJob and FailJob only touch a job whose claim is
// still the one the caller holds.

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"markaz"
)

// Job is a claimed unit of background work.
type Job struct {
	ID          string    `db:"id"`
	Kind        string    `db:"kind"`
	DedupKey    string    `db:"dedup_key"`
	Payload     []byte    `db:"payload"`
	RunAt       time.Time `db:"run_at"`
	Attempts    int       `db:"attempts"` // claims so far, this one included
	LockedBy    string    `db:"locked_by"`
	LockedUntil time.Time `db:"locked_until"`
}

// ErrLeaseLost is returned when a job's lease was taken over by another claim (it expired
// and another worker claimed the job) or the job is no longer pending.
var ErrLeaseLost = errors.New("store: job lease lost")

// maxJobError bounds the error text kept on a job or message.
const maxJobError = 1000

// EnqueueJob adds a job of kind to run at runAt (or at once, if runAt is zero or past).
// dedupKey is unique across all jobs: enqueueing a key that exists is a no-op, so a
// schedule can enqueue "kind:period" from every instance and get one job. An empty key
// makes the job unique by its own id.
func (tx *Tx) EnqueueJob(kind, dedupKey string, runAt time.Time, payload []byte) error {
	_, err := tx.enqueueJob(markaz.NewID(), kind, dedupKey, runAt, payload)
	return err
}

// enqueueJob inserts the job unless dedupKey exists and reports whether it did.
func (tx *Tx) enqueueJob(id, kind, dedupKey string, runAt time.Time, payload []byte) (bool, error) {
	if kind == "" {
		return false, errors.New("store: job kind is empty")
	}
	if dedupKey == "" {
		dedupKey = id
	}
	if runAt.IsZero() {
		runAt = tx.Now
	}
	if payload == nil {
		payload = []byte{}
	}
	res, err := tx.Exec(`INSERT INTO jobs (id, kind, dedup_key, payload, status, run_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`,
		id, kind, dedupKey, payload, runAt.UTC().Truncate(time.Microsecond), tx.Now, tx.Now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClaimJobs claims up to limit due, pending jobs of the given kinds for workerID, holding
// them for lease. Jobs whose lease expired are due again. The lease condition is checked
// both in the subquery that picks the jobs and in the UPDATE itself, so two claims racing
// can never both take one job; on PostgreSQL the subquery also skips rows another claim
// has locked (FOR UPDATE SKIP LOCKED) instead of waiting for them.
func (db *DB) ClaimJobs(ctx context.Context, workerID string, kinds []string, limit int, lease time.Duration) ([]Job, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	if workerID == "" || lease <= 0 {
		return nil, errors.New("store: ClaimJobs needs a worker id and a positive lease")
	}
	var jobs []Job
	err := db.Write(ctx, func(tx *Tx) error {
		until := tx.Now.Add(lease)
		in := strings.TrimSuffix(strings.Repeat("?,", len(kinds)), ",")
		skip := ""
		if tx.dialect == Postgres {
			skip = " FOR UPDATE SKIP LOCKED"
		}
		const due = `status = 'pending' AND run_at <= ? AND (locked_until IS NULL OR locked_until <= ?)`
		args := []any{workerID, until, tx.Now, tx.Now, tx.Now}
		for _, k := range kinds {
			args = append(args, k)
		}
		args = append(args, limit, tx.Now, tx.Now)
		jobs = nil
		return tx.Select(&jobs, `UPDATE jobs SET locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE id IN (SELECT id FROM jobs WHERE `+due+` AND kind IN (`+in+`)
				ORDER BY run_at, id LIMIT ?`+skip+`)
			AND `+due+`
			RETURNING id, kind, dedup_key, payload, run_at, attempts, locked_by, locked_until`, args...)
	})
	return jobs, err
}

// CompleteJob marks a claimed job done.
func (tx *Tx) CompleteJob(j Job) error {
	return tx.settleJob(j, `status = 'done', last_error = ''`)
}

// FailJob records a failed attempt of a claimed job and makes it due again at retryAt.
func (tx *Tx) FailJob(j Job, msg string, retryAt time.Time) error {
	return tx.settleJob(j, `run_at = ?, last_error = ?`, retryAt.UTC().Truncate(time.Microsecond), clip(msg, maxJobError))
}

// BuryJob marks a claimed job failed for good (no attempts left, or a permanent error).
func (tx *Tx) BuryJob(j Job, msg string) error {
	return tx.settleJob(j, `status = 'failed', last_error = ?`, clip(msg, maxJobError))
}

// settleJob applies set to the job and releases its lease, if the caller's claim still holds.
func (tx *Tx) settleJob(j Job, set string, args ...any) error {
	args = append(args, tx.Now, j.ID, j.LockedBy, j.Attempts)
	return leaseHeld(tx.Exec(`UPDATE jobs SET `+set+`, locked_by = '', locked_until = NULL, updated_at = ?
		WHERE id = ? AND status = 'pending' AND locked_by = ? AND attempts = ?`, args...))
}

// leaseHeld turns the result of an UPDATE conditional on a job's claim into ErrLeaseLost
// when it touched no row.
func leaseHeld(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = ErrLeaseLost
		}
		return err
	}
	return nil
}

// JobStatus returns the status, attempts and last error of a job (for tests and operators).
func (db *DB) JobStatus(ctx context.Context, id string) (status string, attempts int, lastError string, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		var r struct {
			Status   string `db:"status"`
			Attempts int    `db:"attempts"`
			Err      string `db:"last_error"`
		}
		if err := tx.Get(&r, `SELECT status, attempts, last_error FROM jobs WHERE id = ?`, id); err != nil {
			return err
		}
		status, attempts, lastError = r.Status, r.Attempts, r.Err
		return nil
	})
	return
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ExtendJobLease moves the lease of a claimed job on to until, if the caller's claim still
// holds (ErrLeaseLost otherwise): a long job extends it as it makes progress, so a crashed
// holder's job is claimable again soon while a live one keeps it.
func (tx *Tx) ExtendJobLease(j Job, until time.Time) error {
	return leaseHeld(tx.Exec(`UPDATE jobs SET locked_until = ?, updated_at = ? WHERE id = ? AND status = 'pending'
		AND locked_by = ? AND attempts = ?`, until.UTC().Truncate(time.Microsecond), tx.Now, j.ID, j.LockedBy, j.Attempts))
}
