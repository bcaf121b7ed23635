package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz/store"
	"markaz/store/storetest"
)

// SQLite keeps statements prepared across transactions: a statement seen once is kept
// and then answers the same, in read and write transactions alike; statements with many
// arguments are not kept, and the number kept is bounded.
func TestSQLiteKeepsStatements(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	const q = `SELECT ? + 1`
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		var got int
		run := db.Read
		if i%2 == 1 {
			run = db.Write
		}
		if err := run(ctx, func(tx *store.Tx) error {
			if err := tx.Get(&got, q, i); err != nil {
				return err
			}
			var twice []int
			if err := tx.Select(&twice, q, i); err != nil || len(twice) != 1 || twice[0] != i+1 {
				return fmt.Errorf("select in the same transaction: %v %v", twice, err)
			}
			return nil
		}); err != nil || got != i+1 {
			t.Fatalf("run %d: %d %v", i, got, err)
		}
		if kept, _ := db.Kept(q); kept && i > 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the statement was never kept")
		}
		time.Sleep(time.Millisecond)
	}

	many := `SELECT 0` + strings.Repeat(" + ?", store.MaxStmtArgs+1)
	args := make([]any, store.MaxStmtArgs+1)
	for i := range args {
		args[i] = 1
	}
	for range 3 {
		var sum int
		if err := db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&sum, many, args...) }); err != nil || sum != len(args) {
			t.Fatalf("many arguments: %d %v", sum, err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if kept, _ := db.Kept(many); kept {
		t.Error("a statement with more than MaxStmtArgs arguments was kept")
	}

	for i := range store.MaxStmts + 50 {
		var got int
		if err := db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&got, fmt.Sprintf(`SELECT %d + ?`, i), 1) }); err != nil || got != i+1 {
			t.Fatalf("distinct statement %d: %d %v", i, got, err)
		}
	}
	if _, n := db.Kept(q); n > store.MaxStmts {
		t.Errorf("%d statements kept, the bound is %d", n, store.MaxStmts)
	}
}

// SQLite's connections stay open between bursts of concurrent work: a connection closed
// when it went idle would be reopened by the next request, running its pragmas again and
// losing the statements it kept.
func TestSQLiteKeepsConnectionsOpen(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	for range 5 {
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				if err := db.Read(ctx, func(tx *store.Tx) error {
					var n int
					return tx.Get(&n, `SELECT count(*) FROM centers`)
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	st := db.PoolStats()
	if st.MaxIdleClosed != 0 || st.OpenConnections < 2 || st.OpenConnections > 8 {
		t.Errorf("pool after bursts of 16 readers: %d open, %d closed as surplus idle; want 2–8 open, none closed",
			st.OpenConnections, st.MaxIdleClosed)
	}
}
