package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

// dropAuditGuards removes the append-only triggers, as an attacker with database access
// could, so that tests can tamper with the log.
func dropAuditGuards(t *testing.T, db *store.DB) {
	t.Helper()
	q := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect == store.Postgres {
		q = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	exec(t, db, q...)
}

func exec(t *testing.T, db *store.DB, qs ...string) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		for _, q := range qs {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func audit(t *testing.T, db *store.DB, a store.Actor, action string, ref markaz.Ref, after any) {
	t.Helper()
	entity, _, _ := strings.Cut(action, ".")
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		return tx.Audit(a, action, entity, fmt.Sprint(after), ref, nil, after)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		audit(t, db, store.Actor{}, "center.create", markaz.Ref{Gov: "13"}, "x")
		for _, q := range []string{`UPDATE audit_log SET after_json = '"y"'`, `DELETE FROM audit_log`} {
			err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(q); return err })
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if problem, n, err := db.VerifyAudit(ctx); problem != "" || err != nil || n != 2 {
			t.Fatalf("verify: %q %d %v", problem, n, err)
		}
	})
}

func TestAuditChainsUnderConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		govs := []string{"01", "02", "03", "04", "11", "12", "13", "14"}
		var wg sync.WaitGroup
		errs := make(chan error, len(govs))
		for i, gov := range govs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := store.Actor{UserID: fmt.Sprint("u", i), Username: fmt.Sprint("user", i)}
				for j := 0; j < 20; j++ {
					err := db.Write(ctx, func(tx *store.Tx) error {
						// One shared chain, then one chain per writer: always in that order.
						if err := tx.Audit(a, "test.shared", "test", fmt.Sprint(i, "-", j), markaz.Ref{}, nil, j); err != nil {
							return err
						}
						return tx.Audit(a, "test.own", "test", fmt.Sprint(i, "-", j), markaz.Ref{Gov: gov}, nil, j)
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		problem, n, err := db.VerifyAudit(ctx)
		if problem != "" || err != nil || n != 1+8*20*2 {
			t.Fatalf("verify: %q %d %v", problem, n, err)
		}
		es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Gov: "13", Limit: 200})
		if len(es) != 20 || es[0].Seq != 20 || es[0].Chain != "gov:13" {
			t.Fatalf("gov 13 chain: %d entries, head %+v", len(es), es[0])
		}
	})
}

func TestVerifyCatchesARemovedHead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		audit(t, db, store.Actor{}, "center.create", markaz.Ref{Gov: "13"}, "a")
		audit(t, db, store.Actor{}, "center.create", markaz.Ref{Gov: "13"}, "b")
		dropAuditGuards(t, db)
		// Rewriting an entry and removing its chain's head hides it from a walk over heads.
		exec(t, db, `UPDATE audit_log SET after_json = '"z"' WHERE chain = 'gov:13' AND seq = 2`,
			`DELETE FROM audit_heads WHERE chain = 'gov:13'`)
		problem, _, err := db.VerifyAudit(ctx)
		if err != nil || !strings.Contains(problem, "gov:13") || !strings.Contains(problem, "head is missing") {
			t.Fatalf("verify: %q %v", problem, err)
		}
	})
}

func TestListAuditScopeFiltersAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		ali := store.Actor{UserID: "u-ali", Username: "ali"}
		for i := 0; i < 5; i++ {
			audit(t, db, ali, "center.update", markaz.Ref{Gov: "13", Unit: "13-001", Center: "c13"}, i)
		}
		audit(t, db, store.Actor{UserID: "u-sara", Username: "sara"}, "unit.update", markaz.Ref{Gov: "01", Unit: "01-001"}, "01-001")
		audit(t, db, ali, "user.create", markaz.Ref{}, "national")

		sharqia := markaz.Scope{Govs: []string{"13"}}
		es, err := db.ListAudit(ctx, store.AuditFilter{Scope: sharqia})
		if err != nil || len(es) != 5 {
			t.Fatalf("governorate scope sees %d: %v", len(es), err)
		}
		for _, e := range es {
			if e.GovCode != "13" {
				t.Fatalf("leak: %+v", e)
			}
		}
		if es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: sharqia, Gov: "01"}); len(es) != 0 {
			t.Fatalf("scope ignored by governorate filter: %d", len(es))
		}
		if es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: markaz.Scope{}}); len(es) != 0 {
			t.Fatalf("empty scope sees %d", len(es))
		}
		// Newest first, keyset paged by id.
		first, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, UserID: "u-ali", Limit: 4})
		if len(first) != 4 || first[0].Action != "user.create" || first[0].ID < first[1].ID {
			t.Fatalf("first page: %+v", first)
		}
		rest, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, UserID: "u-ali", Limit: 4, BeforeID: first[3].ID})
		if len(rest) != 2 || rest[0].ID >= first[3].ID {
			t.Fatalf("second page: %+v", rest)
		}
		if es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "unit", EntityID: "01-001"}); len(es) != 1 || es[0].Username != "sara" {
			t.Fatalf("by record: %+v", es)
		}
		e, head, err := db.GetAudit(ctx, first[1].ID)
		if err != nil || e.Chain != "center:c13" || e.Seq != 5 || head != 5 || e.Hash != e.ComputeHash() {
			t.Fatalf("get: %+v head %d %v", e, head, err)
		}
		if _, _, err := db.GetAudit(ctx, 999999); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Fatalf("missing entry: %v", err)
		}
		kinds, err := db.AuditEntities(ctx)
		if err != nil || !slices.Equal(kinds, []string{"center", "territory", "unit", "user"}) {
			t.Fatalf("entities: %v %v", kinds, err)
		}
	})
}

// AuditRecords labels centers, units and users in one query and skips what it cannot.
func TestAuditRecordsLabels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		u := &markaz.User{Username: "labelled", FullName: "Labelled User"}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.InsertUser(store.Actor{}, u) }); err != nil {
			t.Fatal(err)
		}
		got, err := db.AuditRecords(ctx, map[string][]string{
			"unit": {"13-002", "99-999"}, "user": {u.ID}, "center": {"no-such-center"}, "widget": {"w1"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["unit/13-002"].NameAr != "بلبيس" || got["unit/13-002"].Gov != "13" || got["unit/13-002"].Code != "13-002" ||
			got["user/"+u.ID].Code != "labelled" {
			t.Fatalf("labels: %+v", got)
		}
		if none, err := db.AuditRecords(ctx, nil); err != nil || len(none) != 0 {
			t.Fatalf("nothing asked: %v %v", none, err)
		}
	})
}
