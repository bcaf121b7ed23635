package importer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"markaz"
	"markaz/store"
)

// JobOptions tune the runner of uploaded imports; zero values take the defaults.
type JobOptions struct {
	ID string // runner id stamped on claims; default host:pid:random
	// Lease is how long a claim holds without progress: every committed batch extends it,
	// so a live runner keeps its import while a crashed one's is claimed again this soon.
	Lease       time.Duration // default 2 minutes
	Poll        time.Duration // pause between polls when idle; default 2 s
	MaxAttempts int           // runs that fail on an error before the import is failed; default 8
	Batch       int           // rows per transaction; default DefaultBatch
	Log         *slog.Logger
	// AfterBatch is passed on to Run (tests).
	AfterBatch func(im *store.Import) error
}

func (o JobOptions) withDefaults() JobOptions {
	if o.ID == "" {
		host, _ := os.Hostname()
		o.ID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), markaz.NewID()[24:])
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// Jobs runs uploaded imports until ctx ends: it claims one import job at a time (with a
// lease, FOR UPDATE SKIP LOCKED on PostgreSQL, so each import runs on one instance) and
// runs it with RunJob.
func Jobs(ctx context.Context, db *store.DB, o JobOptions) {
	o = o.withDefaults()
	for {
		n, err := RunOnce(ctx, db, o)
		if err != nil && ctx.Err() == nil {
			o.Log.Error("backlog import runner", "runner", o.ID, "err", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(o.Poll):
			}
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// RunOnce claims at most one due import job and runs it; it returns how many it claimed.
func RunOnce(ctx context.Context, db *store.DB, o JobOptions) (int, error) {
	o = o.withDefaults()
	jobs, err := db.ClaimJobs(ctx, o.ID, []string{store.JobBacklogImport}, 1, o.Lease)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	return 1, RunJob(ctx, db, jobs[0], o)
}

// RunJob runs one claimed import job: the stored file is copied to a temporary file (one
// chunk in memory at a time) and imported from its last committed row. When another
// runner took the job over (its lease had expired) this one stops without a word; when
// ctx ends the import stays resumable and the lease runs out for another runner to pick
// it up; other errors are retried later, and fail the import after MaxAttempts runs.
func RunJob(ctx context.Context, db *store.DB, j store.Job, o JobOptions) error {
	o = o.withDefaults()
	id := string(j.Payload)
	log := o.Log.With("runner", o.ID, "job", j.ID, "import", id, "attempt", j.Attempts)
	path, err := materialise(ctx, db, id, j, o.Lease)
	if err == nil {
		defer os.Remove(path)
		var im *store.Import
		im, err = Run(ctx, db, id, path, Options{Batch: o.Batch, AfterBatch: o.AfterBatch, job: &j, lease: o.Lease})
		if err == nil {
			log.Info("backlog import finished", "status", im.Status, "rows_read", im.Read, "imported", im.Imported,
				"skipped", im.Skipped, "rejected", im.Rejected)
			return nil
		}
	}
	if errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrImportMoved) || ctx.Err() != nil {
		log.Warn("backlog import left to another run", "err", err)
		return nil
	}
	log.Error("backlog import failed, will retry", "err", err)
	final := j.Attempts >= o.MaxAttempts
	return db.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		if !final {
			return tx.FailJob(j, err.Error(), tx.Now.Add(time.Duration(j.Attempts)*30*time.Second))
		}
		if err := tx.FinishImport(id, []markaz.FieldError{{Field: "file", Code: "import_gave_up"}}, nil); err != nil {
			return err
		}
		return tx.BuryJob(j, err.Error())
	})
}

// materialise copies an uploaded file from the database to a temporary file and extends
// the job's lease once it is there.
func materialise(ctx context.Context, db *store.DB, id string, j store.Job, lease time.Duration) (string, error) {
	f, err := os.CreateTemp("", "markaz-backlog-*")
	if err != nil {
		return "", err
	}
	path := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(path)
		return "", err
	}
	for seq := 0; ; seq++ {
		var chunk []byte
		err := db.Read(ctx, func(tx *store.Tx) (err error) {
			chunk, err = tx.ImportChunk(id, seq)
			return err
		})
		if markaz.ErrorCode(err) == markaz.ENotFound {
			break
		}
		if err != nil {
			return fail(err)
		}
		if _, err := f.Write(chunk); err != nil {
			return fail(err)
		}
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExtendJobLease(j, tx.Now.Add(lease)) }); err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}
