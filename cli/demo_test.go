package cli

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"markaz/demo"
	"markaz/store"
	"markaz/store/storetest"
)

func TestDemoCommand(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.NewDSN(t, d)
			env := func(string) string { return "" }
			run := func(args ...string) (string, error) {
				var out bytes.Buffer
				err := Run(ctx, append(args, "--db", dsn), env, &out, io.Discard)
				return out.String(), err
			}
			for _, bad := range [][]string{{"demo"}, {"demo", "--requests", "0"}, {"demo", "--requests", "x"},
				{"demo", "--requests", "-3"}} {
				if _, err := run(bad...); err == nil {
					t.Errorf("%v accepted", bad)
				}
			}
			// A database demo mode did not create (here: just migrated) is refused.
			if _, err := run("demo", "--requests", "5"); err == nil || !strings.Contains(err.Error(), "demo flag") {
				t.Fatalf("non-demo database: %v", err)
			}
			db, err := store.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			count := func() int {
				if err := db.Read(ctx, func(tx *store.Tx) error {
					return tx.Get(&n, `SELECT COUNT(*) FROM requests WHERE channel <> 'backlog'`)
				}); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if count() != 0 {
				t.Fatalf("the refused run added %d requests", n)
			}
			if _, err := demo.Ensure(ctx, db, "demo-password-for-tests"); err != nil {
				t.Fatal(err)
			}
			loaded := count() // the demo citizen's own online requests
			out, err := run("demo", "--requests", "40", "--seed", "9")
			if err != nil || !strings.Contains(out, "Added 40 demo requests") || !strings.Contains(out, "requests/s") ||
				!strings.Contains(out, "40 / 40 requests") {
				t.Fatalf("demo --requests 40: %v\n%s", err, out)
			}
			if count()-loaded != 40 {
				t.Errorf("%d requests added, want 40", n-loaded)
			}
			// markaz kpi verify agrees with the generated year; a tampered rollup row makes
			// it fail; rebuild repairs; a database without rollups gets them at start-up.
			verify := []string{"kpi", "verify", "--from", "2020-01-01", "--to", "2030-12-31"}
			if out, err := run(verify...); err != nil || !strings.Contains(out, "agree") {
				t.Fatalf("kpi verify: %v\n%s", err, out)
			}
			exec := func(q string) {
				if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(q); return err }); err != nil {
					t.Fatal(err)
				}
			}
			exec(`UPDATE kpi_counts SET received = received + 1 WHERE grain = 'D' AND service_code <> '' AND received > 0`)
			if out, err := run(verify...); err == nil || !strings.Contains(out, "received") {
				t.Fatalf("kpi verify after tampering: %v\n%s", err, out)
			}
			if out, err := run("kpi", "rebuild"); err != nil || !strings.Contains(out, "rebuilt") {
				t.Fatalf("kpi rebuild: %v\n%s", err, out)
			}
			if out, err := run(verify...); err != nil {
				t.Fatalf("kpi verify after rebuild: %v\n%s", err, out)
			}
			exec(`DELETE FROM kpi_counts`)
			exec(`DELETE FROM kpi_days`)
			if _, err := run("migrate"); err != nil {
				t.Fatal(err)
			}
			if out, err := run(verify...); err != nil {
				t.Fatalf("kpi verify after the backfill: %v\n%s", err, out)
			}
			for _, bad := range [][]string{{"kpi"}, {"kpi", "verify", "--from", "x", "--to", "2030-01-01"},
				{"kpi", "verify", "--from", "2030-01-02", "--to", "2030-01-01"}} {
				if _, err := run(bad...); err == nil {
					t.Errorf("%v accepted", bad)
				}
			}
		})
	}
}

func TestServeDemoAddsRequestsOnFirstLoad(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			env := map[string]string{"MARKAZ_DB": storetest.NewDSN(t, d)}
			_, out := startServe(t, env, "--demo", "--demo-requests", "25")
			if s := out.String(); !strings.Contains(s, "password:") || !strings.Contains(s, "Added 25 demo requests") {
				t.Fatalf("first load:\n%s", s)
			}
			// Started again on the same database: nothing is added.
			_, out = startServe(t, env, "--demo", "--demo-requests", "25")
			if s := out.String(); strings.Contains(s, "Added") || !strings.Contains(s, "already loaded") {
				t.Fatalf("second start:\n%s", s)
			}
		})
	}
}
