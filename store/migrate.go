package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered forward-only schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
	Sum     string // sha256 of SQL: a landed migration must never be edited
}

// Migrations returns the embedded migrations of an engine, in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out = append(out, Migration{Version: v, Name: name, SQL: string(b), Sum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies pending migrations. All of it runs in one transaction holding the
// migration lock (an advisory lock on PostgreSQL, the write lock on SQLite), so when
// several instances start together one migrates and the others wait, then find nothing
// to do. It refuses to run when an applied migration's text has changed.
func (db *DB) Migrate(ctx context.Context) (applied []string, err error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	err = db.Write(ctx, func(tx *Tx) error {
		applied = nil
		if db.Dialect == Postgres {
			if _, err := tx.Exec(`SELECT pg_advisory_xact_lock(7274692)`); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, sum TEXT NOT NULL)`); err != nil {
			return err
		}
		var done []Migration
		if err := tx.Select(&done, `SELECT version, name, sum FROM schema_migrations ORDER BY version`); err != nil {
			return err
		}
		have := map[int]Migration{}
		for _, m := range done {
			have[m.Version] = m
		}
		for _, m := range ms {
			if h, ok := have[m.Version]; ok {
				if h.Sum != m.Sum {
					return fmt.Errorf("migration %s was edited after it was applied (migrations only move forward: add a new one)", m.Name)
				}
				continue
			}
			if _, err := tx.tx.Exec(m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(`INSERT INTO schema_migrations (version, name, sum) VALUES (?, ?, ?)`, m.Version, m.Name, m.Sum); err != nil {
				return err
			}
			applied = append(applied, m.Name)
		}
		return nil
	})
	return applied, err
}
