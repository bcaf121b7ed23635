// Package storetest opens real, migrated databases for tests: a fresh SQLite file always,
// and a fresh PostgreSQL database when MARKAZ_TEST_POSTGRES holds a server URL
// (e.g. postgres://root@127.0.0.1:5432/test?sslmode=disable). Tests that need
// PostgreSQL skip with a message when it is unset; CI sets it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"markaz"
	"markaz/store"
)

// EnvPostgres names the variable holding the PostgreSQL server URL for tests.
const EnvPostgres = "MARKAZ_TEST_POSTGRES"

// Epoch is the instant test clocks start at: Sunday 15 March 2026, 10:00 in Cairo.
var Epoch = time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)

// Dialects lists the engines this run can test.
func Dialects() []store.Dialect {
	if os.Getenv(EnvPostgres) != "" {
		return []store.Dialect{store.SQLite, store.Postgres}
	}
	return []store.Dialect{store.SQLite}
}

// Each runs fn once per engine as a subtest, each with its own fresh migrated database
// and a fixed clock at Epoch. Without MARKAZ_TEST_POSTGRES it logs that PostgreSQL was skipped.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB, clock *markaz.FixedClock)) {
	t.Helper()
	if os.Getenv(EnvPostgres) == "" {
		t.Logf("PostgreSQL half skipped: set %s to a server URL to run it", EnvPostgres)
	}
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			clock := &markaz.FixedClock{T: Epoch}
			fn(t, Open(t, d, clock), clock)
		})
	}
}

// Open returns a fresh migrated database of the given engine, removed after the test.
func Open(t testing.TB, d store.Dialect, clock markaz.Clock) *store.DB {
	t.Helper()
	dsn := NewDSN(t, d)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.LoadReference(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.LoadCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// NewDSN returns the address of a new empty database: a file in a temp dir for SQLite, a
// new database on the test server for PostgreSQL (dropped when the test ends).
func NewDSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return filepath.Join(t.TempDir(), "markaz.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("PostgreSQL test skipped: set %s", EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "markaz_t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
