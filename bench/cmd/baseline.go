package main

// Baselines measured beside each scenario: the database's own ceilings through the same
// store package (so the same connection settings and durability), the statements of a
// submission without HTTP, plain full-scan SQL for dashboard figures, and a bare
// net/http handler.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"markaz"
	"markaz/request"
	"markaz/store"
)

// loadResult is a closed-loop load measured in this process.
type loadResult struct {
	N       int64
	Seconds float64
	P99     time.Duration
}

func (l loadResult) Rate() float64 { return float64(l.N) / l.Seconds }

// hammer runs fn from workers goroutines for d and records each call's latency.
func hammer(ctx context.Context, workers int, d time.Duration, fn func(ctx context.Context, worker int) error) (loadResult, error) {
	var (
		mu   sync.Mutex
		lats []time.Duration
		n    atomic.Int64
		fail atomic.Pointer[error]
		wg   sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	end := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(end) && ctx.Err() == nil {
				t := time.Now()
				if err := fn(ctx, w); err != nil {
					fail.CompareAndSwap(nil, &err)
					cancel()
					break
				}
				mine = append(mine, time.Since(t))
				n.Add(1)
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if e := fail.Load(); e != nil {
		return loadResult{}, *e
	}
	return loadResult{N: n.Load(), Seconds: time.Since(start).Seconds(), P99: percentile(lats, 0.99)}, nil
}

func percentile(lats []time.Duration, p float64) time.Duration {
	if len(lats) == 0 {
		return 0
	}
	slices.Sort(lats)
	return lats[min(len(lats)-1, int(float64(len(lats))*p))]
}

// countRows is what generation wrote: requests, their history events and fee lines.
func countRows(ctx context.Context, t *target) (int64, error) {
	db, err := store.Open(ctx, t.dsn, nil)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var total int64
	err = db.Read(ctx, func(tx *store.Tx) error {
		for _, table := range []string{"requests", "request_events", "request_fee_lines"} {
			var n int64
			if err := tx.Get(&n, `SELECT COUNT(*) FROM `+table); err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	return total, err
}

// durability reads (never changes) the settings every commit pays for.
func durability(ctx context.Context, db *store.DB) (string, error) {
	var out string
	err := db.Read(ctx, func(tx *store.Tx) error {
		if tx.Dialect() == store.SQLite {
			var journal string
			var sync int
			if err := tx.Get(&journal, `PRAGMA journal_mode`); err != nil {
				return err
			}
			if err := tx.Get(&sync, `PRAGMA synchronous`); err != nil {
				return err
			}
			out = fmt.Sprintf("SQLite journal_mode=%s, synchronous=%s (the application's own settings, unchanged)",
				journal, []string{"OFF", "NORMAL", "FULL", "EXTRA"}[min(sync, 3)])
			return nil
		}
		var parts []string
		for _, name := range []string{"fsync", "synchronous_commit", "wal_sync_method", "full_page_writes", "server_version"} {
			var v string
			if err := tx.Get(&v, `SELECT current_setting('`+name+`')`); err != nil {
				return err
			}
			parts = append(parts, name+"="+v)
		}
		out = "PostgreSQL " + strings.Join(parts, ", ") + " (the server's settings, read, not changed)"
		return nil
	})
	return out, err
}

// insertCeiling is the database's single-row committed insert rate: one INSERT of one
// short row per transaction, from workers goroutines.
func insertCeiling(ctx context.Context, db *store.DB, workers int, d time.Duration) (loadResult, error) {
	if err := scratch(ctx, db, "bench_ceiling", `id TEXT PRIMARY KEY, at TEXT NOT NULL, v TEXT NOT NULL`); err != nil {
		return loadResult{}, err
	}
	defer drop(db, "bench_ceiling")
	return hammer(ctx, workers, d, func(ctx context.Context, _ int) error {
		return db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`INSERT INTO bench_ceiling (id, at, v) VALUES (?, ?, ?)`, markaz.NewID(), tx.Now.Format(time.RFC3339Nano), "x")
			return err
		})
	})
}

// submissions commits what POST /api/v1/requests commits (validation and
// store.RegisterRequest in one write transaction), as principal p, without HTTP.
func submissions(ctx context.Context, db *store.DB, p *markaz.Principal, body request.Registration, workers int, d time.Duration) (loadResult, error) {
	return hammer(ctx, workers, d, func(ctx context.Context, _ int) error {
		reg := body
		reg.Documents = slices.Clone(body.Documents)
		return db.Write(ctx, func(tx *store.Tx) error {
			warnings, err := reg.Validate(tx.Today())
			if err != nil {
				return err
			}
			_, err = tx.RegisterRequest(p, &reg, "", warnings)
			return err
		})
	})
}

// bulkCeiling is the database's bulk-insert rate through the same driver: transactions of
// 2,000 rows in multi-row INSERTs of 500, into a table with one time-ordered key, for d.
func bulkCeiling(ctx context.Context, db *store.DB, d time.Duration) (float64, error) {
	if err := scratch(ctx, db, "bench_bulk", `id TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, c INTEGER NOT NULL, e TEXT NOT NULL`); err != nil {
		return 0, err
	}
	defer drop(db, "bench_bulk")
	const perStmt, perTx = 500, 2000
	stmt := `INSERT INTO bench_bulk (id, a, b, c, e) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?),", perStmt), ",")
	filler := strings.Repeat("ب", 40) // rows about the width of a request's history event
	var n int64
	start := time.Now()
	for time.Since(start) < d {
		err := db.Write(ctx, func(tx *store.Tx) error {
			for range perTx / perStmt {
				args := make([]any, 0, perStmt*5)
				for i := range perStmt {
					args = append(args, markaz.NewID(), "submitted", filler, i, tx.Now.Format(time.RFC3339Nano))
				}
				if _, err := tx.Exec(stmt, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		n += perTx
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func scratch(ctx context.Context, db *store.DB, table, cols string) error {
	drop(db, table)
	return db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`CREATE TABLE ` + table + ` (` + cols + `)`)
		return err
	})
}

func drop(db *store.DB, table string) {
	db.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(`DROP TABLE IF EXISTS ` + table)
		return err
	})
}

// timedQuery runs a query times times and returns the median time (each in a fresh read
// transaction; on PostgreSQL with index scans switched off for that transaction, so the
// plan is the plain scan the figure is compared against).
func timedQuery(ctx context.Context, db *store.DB, times int, q string, args ...any) (time.Duration, error) {
	if db.Dialect == store.SQLite {
		q = strings.ReplaceAll(q, "FROM requests r", "FROM requests r NOT INDEXED")
	}
	var took []time.Duration
	for range times {
		start := time.Now()
		err := db.Read(ctx, func(tx *store.Tx) error {
			if tx.Dialect() == store.Postgres {
				for _, s := range []string{"enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"} {
					if _, err := tx.Exec(`SET LOCAL ` + s + ` = off`); err != nil {
						return err
					}
				}
			}
			rows, err := tx.Query(q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		})
		if err != nil {
			return 0, err
		}
		took = append(took, time.Since(start))
	}
	return percentile(took, 0.5), nil
}

// bareServer serves body with contentType for every path: the floor of an HTTP answer.
func bareServer(body []byte, contentType string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	})}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() { hs.Close() }, nil
}
