package store

// Prepared statements kept across transactions on SQLite. The driver compiles every
// statement it is given afresh (parse, plan, code generation): at 200,000 requests that was
// about 40% of the CPU of a submission's transaction, all of it spent under the write lock.
// PostgreSQL needs none of this: pgx keeps its own per-connection statement cache.

import (
	"sync"

	"github.com/jmoiron/sqlx"
)

const (
	// maxStmts bounds the statements kept; once reached, new texts run unprepared.
	maxStmts = 512
	// maxStmtArgs: statements with more arguments (multi-row INSERTs, long IN lists) come
	// in many lengths, each used rarely; they are not kept.
	maxStmtArgs = 64
)

// stmtCache holds a database-wide prepared statement per query text. database/sql
// prepares each on a connection the first time a transaction on that connection uses it
// (Tx.Stmt) and reuses it there after.
type stmtCache struct {
	db      *sqlx.DB
	mu      sync.Mutex
	ready   map[string]*sqlx.Stmt
	pending map[string]bool
}

func newStmtCache(db *sqlx.DB) *stmtCache {
	return &stmtCache{db: db, ready: map[string]*sqlx.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement of q, or nil the first time q is seen: it is then
// prepared in the background, outside any transaction, because preparing it on the
// database takes a connection of the pool and a transaction waiting for one while
// holding its own could wait forever when all are held that way.
func (c *stmtCache) get(q string) *sqlx.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.ready[q]; ok {
		return s
	}
	if c.pending[q] || len(c.ready)+len(c.pending) >= maxStmts {
		return nil
	}
	c.pending[q] = true
	go func() {
		s, err := c.db.Preparex(q)
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.pending, q)
		if err == nil {
			c.ready[q] = s
		}
	}()
	return nil
}

// prepared returns q as a statement of this transaction when it is kept prepared, or nil
// (run it as a plain query). q is already rebound.
func (tx *Tx) prepared(q string, args []any) *sqlx.Stmt {
	if tx.stmts == nil || len(args) > maxStmtArgs {
		return nil
	}
	if s, ok := tx.prep[q]; ok {
		return s
	}
	s := tx.stmts.get(q)
	if s == nil {
		return nil
	}
	if tx.prep == nil {
		tx.prep = map[string]*sqlx.Stmt{}
	}
	tx.prep[q] = tx.tx.Stmtx(s)
	return tx.prep[q]
}
