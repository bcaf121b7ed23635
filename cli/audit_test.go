package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"markaz"
	"markaz/cli"
	"markaz/store"
	"markaz/store/storetest"
)

// auditDB is a database file or server database with a few chains of audit entries.
type auditDB struct {
	t   *testing.T
	dsn string
	db  *store.DB
}

// newAuditDB migrates a fresh database of engine d through the CLI and writes three
// entries to the chain of governorate 13, two to a center's chain and two nationally.
func newAuditDB(t *testing.T, d store.Dialect) *auditDB {
	t.Helper()
	a := &auditDB{t: t, dsn: storetest.NewDSN(t, d)}
	if out, err := a.run("migrate"); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, a.dsn, &markaz.FixedClock{T: storetest.Epoch})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a.db = db
	actor := store.Actor{UserID: "u1", Username: "admin"}
	refs := []markaz.Ref{{Gov: "13"}, {Gov: "13", Unit: "13-001", Center: "c1"}, {}, {Gov: "13"}, {Gov: "13"}, {Center: "c1", Gov: "13"}, {}}
	for i, ref := range refs {
		err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.Audit(actor, "center.update", "center", fmt.Sprint("c", i), ref,
				map[string]any{"name_en": "Before"}, map[string]any{"name_en": fmt.Sprint("After ", i)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// run executes the markaz command line against the database.
func (a *auditDB) run(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	env := func(k string) string {
		if k == "MARKAZ_DB" {
			return a.dsn
		}
		return ""
	}
	err := cli.Run(context.Background(), args, env, &out, &errOut)
	return out.String(), err
}

// tamper runs statements after dropping the append-only triggers, as an attacker with
// access to the database could.
func (a *auditDB) tamper(qs ...string) {
	a.t.Helper()
	drop := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if a.db.Dialect == store.Postgres {
		drop = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	err := a.db.Write(context.Background(), func(tx *store.Tx) error {
		for _, q := range append(drop, qs...) {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		a.t.Fatal(err)
	}
}

func (a *auditDB) id(chain string, seq int) int64 {
	a.t.Helper()
	var id int64
	err := a.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&id, `SELECT id FROM audit_log WHERE chain = ? AND seq = ?`, chain, seq)
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return id
}

func TestAuditVerifyCommand(t *testing.T) {
	if len(storetest.Dialects()) == 1 {
		t.Logf("PostgreSQL half skipped: set %s to a server URL to run it", storetest.EnvPostgres)
	}
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			cases := []struct {
				name  string
				spoil func(a *auditDB) string // tampers and returns what the report must name
			}{
				{"intact", func(a *auditDB) string { return "" }},
				{"altered", func(a *auditDB) string {
					id := a.id("gov:13", 2)
					a.tamper(fmt.Sprintf(`UPDATE audit_log SET after_json = '{"name_en":"Forged"}' WHERE id = %d`, id))
					return fmt.Sprintf("chain gov:13: entry 2 (id %d) was altered", id)
				}},
				{"middle removed", func(a *auditDB) string {
					next := a.id("gov:13", 3)
					a.tamper(fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, a.id("gov:13", 2)))
					return fmt.Sprintf("chain gov:13: entry 2 is missing (found 3, id %d)", next)
				}},
				{"last removed", func(a *auditDB) string {
					a.tamper(fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, a.id("center:c1", 2)))
					return "chain center:c1: entries after 1 are missing (head is at 2)"
				}},
				{"hash replaced", func(a *auditDB) string {
					// A hash that does not match its row is caught even when the row is untouched.
					id := a.id("nation", 1)
					a.tamper(fmt.Sprintf(`UPDATE audit_log SET hash = 'f00d' WHERE id = %d`, id))
					return "chain nation: entry 1"
				}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					a := newAuditDB(t, d)
					want := c.spoil(a)
					out, err := a.run("audit", "verify")
					if want == "" {
						if err != nil || !strings.Contains(out, "audit log intact: 8 entries checked") {
							t.Fatalf("intact log: %v %q", err, out)
						}
						return
					}
					if err == nil || !strings.Contains(out, want) || !strings.Contains(err.Error(), want) {
						t.Fatalf("want a failure naming %q, got %v, output %q", want, err, out)
					}
				})
			}
		})
	}
}

func TestAuditVerifyUsage(t *testing.T) {
	a := &auditDB{t: t, dsn: storetest.NewDSN(t, store.SQLite)}
	if _, err := a.run("audit"); err == nil {
		t.Fatal("audit without a subcommand succeeded")
	}
	if _, err := a.run("audit", "verify", "--no-such-flag"); err == nil {
		t.Fatal("unknown flag accepted")
	}
}
