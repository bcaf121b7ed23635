package demo

import (
	"context"
	"testing"

	"markaz"
	"markaz/inspection"
	"markaz/store"
	"markaz/store/storetest"
)

// The demo holds a year of follow-up: committees, about forty visits scored with the
// checklist version of their day, findings whose actions were mostly closed, a few left
// overdue (some at the demo center, owned by its manager), and visits planned ahead.
func TestDemoInspections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := Ensure(ctx, db, pw); err != nil {
			t.Fatal(err)
		}
		all := markaz.Scope{All: true}
		committees, _, err := db.Committees(ctx, store.CommitteeFilter{Scope: all})
		if err != nil || len(committees) != len(demoCommittees) {
			t.Fatalf("committees: %d %v", len(committees), err)
		}
		visits, _, err := db.Visits(ctx, store.VisitFilter{Scope: all, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		versions, low, high := map[int]int{}, 100, 0
		for _, v := range visits {
			versions[v.ChecklistVersion]++
			low, high = min(low, v.Score), max(high, v.Score)
		}
		if len(visits) != 40 || versions[1] == 0 || versions[2] == 0 || low > 60 || high < 85 {
			t.Errorf("%d visits, by checklist version %v, scores %d–%d", len(visits), versions, low, high)
		}
		actions, err := db.Actions(ctx, store.ActionFilter{Scope: all, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		closed := 0
		for _, a := range actions.Rows {
			if a.Status == inspection.ActionClosed {
				closed++
			}
		}
		overdue, _ := db.Actions(ctx, store.ActionFilter{Scope: all, Overdue: true})
		sharqia, _ := db.Actions(ctx, store.ActionFilter{Scope: all, Gov: "13", Overdue: true})
		if actions.Total < 30 || closed*2 < actions.Total || overdue.Total == 0 || sharqia.Total == 0 {
			t.Errorf("%d actions, %d closed, %d overdue (%d in Sharqia)", actions.Total, closed, overdue.Total, sharqia.Total)
		}
		var manager string
		db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&manager, `SELECT id FROM users WHERE username = 'manager'`) })
		mine, _ := db.Actions(ctx, store.ActionFilter{Scope: all, Owner: manager})
		plans, _, _ := db.Plans(ctx, store.PlanFilter{Scope: all, Open: true})
		if mine.Total == 0 || len(plans) < 4 {
			t.Errorf("the manager owns %d actions; %d open plans", mine.Total, len(plans))
		}
		t.Logf("%d visits %v, scores %d–%d; %d actions, %d closed, %d overdue (%d in Sharqia); manager owns %d; %d open plans",
			len(visits), versions, low, high, actions.Total, closed, overdue.Total, sharqia.Total, mine.Total, len(plans))
		if problem, _, err := db.VerifyAudit(ctx); err != nil || problem != "" {
			t.Errorf("audit chain: %q %v", problem, err)
		}
	})
}
