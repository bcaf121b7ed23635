package store_test

import (
	"strings"
	"testing"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

// The overdue list can use the partial index over open requests, and gathering planner
// statistics works on both engines.
func TestOverdueListIndexAndStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		if err := db.Optimize(ctx); err != nil {
			t.Fatal(err)
		}
		if db.Dialect == store.Postgres {
			return // the plan depends on the table's size there; the index's existence is checked below
		}
		var plan []struct {
			ID      int    `db:"id"`
			Parent  int    `db:"parent"`
			NotUsed int    `db:"notused"`
			Detail  string `db:"detail"`
		}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Select(&plan, `EXPLAIN QUERY PLAN SELECT id FROM requests INDEXED BY requests_open_due
				WHERE status IN ('submitted', 'in_review', 'returned', 'awaiting_payment') AND due_date < '2026-01-01'
				ORDER BY due_date, id LIMIT 51`)
		}); err != nil {
			t.Fatalf("the overdue filter cannot use requests_open_due: %v", err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		if s := strings.Join(details, "; "); !strings.Contains(s, "requests_open_due") || strings.Contains(s, "TEMP B-TREE") {
			t.Errorf("plan: %s", s)
		}
	})
}
