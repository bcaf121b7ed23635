// Package store is the one SQL layer of Markaz. The same queries run on SQLite (embedded,
// pure Go) and PostgreSQL; the few real differences live in Dialect. Every public method
// opens its own transaction (Write or Read) and hands it to small private helpers.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"markaz"
	"markaz/calendar"
)

func init() { sqlx.BindDriver("sqlite", sqlx.QUESTION) }

// Dialect names the database engine.
type Dialect string

// The two engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database with the clock every write stamps its rows with.
type DB struct {
	x       *sqlx.DB
	Dialect Dialect
	Clock   markaz.Clock
	dsn     string
	tracks  trackGuard // citizen tracking checks of one number take turns (track.go)
	// writers is SQLite's one write turn in this process (nil on PostgreSQL): write
	// transactions wait for it here, in order and without holding a connection, instead
	// of in SQLite's busy handler, which polls the lock with 1–100 ms sleeps that leave it
	// idle between writers (and each sleeper holds one of the pool's connections).
	writers chan struct{}
	stmts   *stmtCache // SQLite's prepared statements (stmts.go); nil on PostgreSQL
}

// busyTimeout is how long a SQLite statement waits for the write lock (busy_timeout).
const busyTimeout = 10 * time.Second

// IsPostgres reports whether s names a PostgreSQL database.
func IsPostgres(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens a SQLite file (created if missing) or a postgres:// URL. It does not migrate.
func Open(ctx context.Context, dsn string, clock markaz.Clock) (*DB, error) {
	if clock == nil {
		clock = markaz.SystemClock{}
	}
	if IsPostgres(dsn) {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("postgres url: %w", err)
		}
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, err
		}
		db := &DB{x: sqlx.NewDb(stdlib.OpenDBFromPool(pool), "pgx"), Dialect: Postgres, Clock: clock, dsn: dsn}
		if err := db.x.PingContext(ctx); err != nil {
			db.x.Close()
			return nil, fmt.Errorf("postgres: %w", err)
		}
		return db, nil
	}
	if dir := filepath.Dir(dsn); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	q := url.Values{}
	for _, p := range []string{fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()), "journal_mode(WAL)",
		"synchronous(NORMAL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	x, err := sqlx.Open("sqlite", "file:"+dsn+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// All eight connections stay open when idle. database/sql keeps two by default and
	// closes the rest as they come back, so under concurrent load every request past the
	// second opened a new connection: its pragmas ran again and its prepared statements
	// (stmtCache) were lost; a third of a tracking lookup's CPU went to that.
	x.SetMaxOpenConns(8)
	x.SetMaxIdleConns(8)
	db := &DB{x: x, Dialect: SQLite, Clock: clock, dsn: dsn, writers: make(chan struct{}, 1), stmts: newStmtCache(x)}
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("sqlite %s: %w", dsn, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.x.Close() }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.x.PingContext(ctx) }

// Tx is a transaction with a fixed Now, so every row a change writes carries one instant.
type Tx struct {
	tx      *sqlx.Tx
	Now     time.Time
	dialect Dialect
	cals    map[[2]string]*calendar.Calendar // CalendarFor's answers in this transaction
	bulk    *bulkKPI                         // set in a bulk load's transactions (kpi_pending.go)
	stmts   *stmtCache                       // nil on PostgreSQL
	prep    map[string]*sqlx.Stmt            // stmts' statements as this transaction's
}

// Write runs fn in a write transaction (BEGIN IMMEDIATE on SQLite), committing when fn
// returns nil. Database errors are mapped to markaz errors (unique violation → conflict).
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, nil, fn)
}

// Read runs fn in a read-only transaction: on SQLite a plain BEGIN that never waits for
// the writer.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

// run retries a transaction that PostgreSQL aborted as a deadlock or serialization
// failure: fn must only touch the database through tx.
func (db *DB) run(ctx context.Context, opts *sql.TxOptions, fn func(*Tx) error) error {
	return db.runOn(ctx, db.x, opts, fn)
}

// beginner is the pool or one connection of it.
type beginner interface {
	BeginTxx(ctx context.Context, opts *sql.TxOptions) (*sqlx.Tx, error)
}

// runOn is run on a given pool or connection.
func (db *DB) runOn(ctx context.Context, on beginner, opts *sql.TxOptions, fn func(*Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.runOnce(ctx, on, opts, fn)
		var pg *pgconn.PgError
		if attempt < 4 && errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01") {
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
			continue
		}
		return err
	}
}

func (db *DB) runOnce(ctx context.Context, on beginner, opts *sql.TxOptions, fn func(*Tx) error) error {
	if opts == nil && db.writers != nil {
		leave, err := db.writeTurn(ctx)
		if err != nil {
			return err
		}
		defer leave()
	}
	x, err := on.BeginTxx(ctx, opts)
	if err != nil {
		return mapErr(err)
	}
	tx := &Tx{tx: x, Now: db.Clock.Now().UTC().Truncate(time.Microsecond), dialect: db.Dialect, stmts: db.stmts}
	if err := fn(tx); err != nil {
		x.Rollback()
		return mapErr(err)
	}
	return mapErr(x.Commit())
}

// writeTurn waits for this process's SQLite write turn and returns the function that ends
// it. A turn held past busyTimeout (a write transaction that waits on another, which would
// otherwise wait forever here) is not waited for longer: BEGIN IMMEDIATE then waits in
// SQLite's busy handler and fails as it would without the turn.
func (db *DB) writeTurn(ctx context.Context) (func(), error) {
	select {
	case db.writers <- struct{}{}:
		return func() { <-db.writers }, nil
	default:
	}
	t := time.NewTimer(busyTimeout)
	defer t.Stop()
	select {
	case db.writers <- struct{}{}:
		return func() { <-db.writers }, nil
	case <-t.C:
		return func() {}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Exec runs a statement written with ? placeholders.
func (tx *Tx) Exec(q string, args ...any) (sql.Result, error) {
	q = tx.tx.Rebind(q)
	if s := tx.prepared(q, args); s != nil {
		return s.Exec(args...)
	}
	return tx.tx.Exec(q, args...)
}

// Get scans one row into dest; sql.ErrNoRows becomes markaz.ErrNotFound.
func (tx *Tx) Get(dest any, q string, args ...any) error {
	q = tx.tx.Rebind(q)
	var err error
	if s := tx.prepared(q, args); s != nil {
		err = s.Get(dest, args...)
	} else {
		err = tx.tx.Get(dest, q, args...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return markaz.ErrNotFound
	}
	return err
}

// Select scans rows into a slice.
func (tx *Tx) Select(dest any, q string, args ...any) error {
	q = tx.tx.Rebind(q)
	if s := tx.prepared(q, args); s != nil {
		return s.Select(dest, args...)
	}
	return tx.tx.Select(dest, q, args...)
}

// Query returns rows for hand scanning.
func (tx *Tx) Query(q string, args ...any) (*sqlx.Rows, error) {
	return tx.tx.Queryx(tx.tx.Rebind(q), args...)
}

// ForUpdate is appended to a SELECT that reads a row the transaction will change: a row
// lock on PostgreSQL; nothing on SQLite, whose write transactions are already serialised.
func (tx *Tx) ForUpdate() string {
	if tx.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Snapshot runs fn in a read-only transaction that sees one consistent state of the whole
// database (REPEATABLE READ on PostgreSQL; every SQLite read transaction already does).
func (db *DB) Snapshot(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return db.run(ctx, opts, fn)
}

// Dialect returns the engine the transaction runs on.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// Today is the Cairo date of the transaction's instant.
func (tx *Tx) Today() markaz.Date { return markaz.DateOf(tx.Now) }

// mapErr turns driver errors that users can cause into markaz errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var me *markaz.Error
	if errors.As(err, &me) {
		return err
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return &markaz.Error{Code: markaz.EConflict, Key: "error.duplicate", Err: err}
	}
	if errors.As(err, &pg) && (pg.Code == "22021" || pg.Code == "22P05") {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_encoding", Err: err}
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return &markaz.Error{Code: markaz.EConflict, Key: "error.duplicate", Err: err}
	}
	return err
}

// where builds a WHERE clause from conditions joined by AND.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// scope adds the territorial condition for s on the given columns. An empty scope
// matches nothing.
func (w *where) scope(s markaz.Scope, govCol, unitCol, centerCol string) {
	if s.All {
		return
	}
	var ors []string
	in := func(col string, vals []string) {
		if col == "" || len(vals) == 0 {
			return
		}
		ors = append(ors, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		for _, v := range vals {
			w.args = append(w.args, v)
		}
	}
	in(govCol, s.Govs)
	in(unitCol, s.Units)
	in(centerCol, s.Centers)
	if len(ors) == 0 {
		w.conds = append(w.conds, "1 = 0")
		return
	}
	w.conds = append(w.conds, "("+strings.Join(ors, " OR ")+")")
}

// placeholders returns n comma-separated "?" for an IN (…) list.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// Optimize gathers planner statistics where they are missing or stale: SQLite's
// PRAGMA optimize over every table (0x10002: analyze what needs it, all tables, not just
// those this connection used), which its planner needs to choose partial indexes; on
// PostgreSQL a plain ANALYZE of the requests tables and the KPI rollups, cheap when
// autovacuum keeps up and necessary where it is off (without statistics on the rollups,
// national rankings took twice as long). Run by serve once it answers, and by migrate.
func (db *DB) Optimize(ctx context.Context) error {
	q := `PRAGMA optimize=0x10002`
	if db.Dialect == Postgres {
		q = `ANALYZE requests, request_events, kpi_counts, kpi_days, kpi_payments`
	}
	_, err := db.x.ExecContext(ctx, q)
	return err
}
