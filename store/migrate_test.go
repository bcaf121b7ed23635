package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	a, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Version != b[i].Version || a[i].Name != b[i].Name {
			t.Errorf("migration %d: %s vs %s", i, a[i].Name, b[i].Name)
		}
	}
}

// Several instances starting together: one migrates, the others wait and find nothing to do.
func TestConcurrentMigrate(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.NewDSN(t, d)
			ctx := context.Background()
			const n = 4
			var wg sync.WaitGroup
			applied := make([]int, n)
			errs := make([]error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					db, err := store.Open(ctx, dsn, nil)
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					names, err := db.Migrate(ctx)
					applied[i], errs[i] = len(names), err
					if err == nil {
						errs[i] = db.LoadReference(ctx)
					}
				}(i)
			}
			wg.Wait()
			total := 0
			for i := 0; i < n; i++ {
				if errs[i] != nil {
					t.Fatalf("instance %d: %v", i, errs[i])
				}
				total += applied[i]
			}
			ms, _ := store.Migrations(d)
			if total != len(ms) {
				t.Fatalf("migrations applied %d times in all, want %d", total, len(ms))
			}
			db, err := store.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			govs, err := db.Governorates(ctx)
			if err != nil || len(govs) != 27 {
				t.Fatalf("governorates: %d %v", len(govs), err)
			}
		})
	}
}

func TestEditedMigrationRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *markaz.FixedClock) {
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE schema_migrations SET sum = 'edited' WHERE version = 1`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err := db.Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "edited") {
			t.Fatalf("want refusal, got %v", err)
		}
	})
}
