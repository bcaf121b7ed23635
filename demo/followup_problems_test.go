package demo

import (
	"context"
	"testing"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

// The demo's problems inventory: about sixty problems over the past year, most of them
// solved, some with the vendor, one merged duplicate, faulty equipment linked to open
// problems; support agents in their teams; needs in every state.
func TestDemoFollowUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := Ensure(ctx, db, pw); err != nil {
			t.Fatal(err)
		}
		today := markaz.Today(clock)
		sum, err := db.ProblemSummary(ctx, markaz.Scope{All: true}, "", today.AddDays(-365), today)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total < DemoProblems-3 || sum.Total > DemoProblems || sum.Resolved*100 < sum.Total*70 || sum.Resolved*100 > sum.Total*90 ||
			sum.MedianHours == nil {
			t.Errorf("summary: total %d resolved %d median %v", sum.Total, sum.Resolved, sum.MedianHours)
		}
		t.Logf("demo problems: %d reported, %d solved, median %.1f hours", sum.Total, sum.Resolved, *sum.MedianHours)
		byTarget := map[string]int{}
		for _, l := range sum.ByTarget {
			byTarget[l.Key] = l.Total
		}
		for _, k := range []string{"vendor", "planning", "ministry_it", "none"} {
			if byTarget[k] == 0 {
				t.Errorf("no problem escalated to %s: %v", k, byTarget)
			}
		}
		err = db.Read(ctx, func(tx *store.Tx) error {
			count := func(q string, args ...any) int {
				var n int
				if err := tx.Get(&n, q, args...); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := count(`SELECT COUNT(*) FROM problems WHERE status = 'merged' AND merged_into IS NOT NULL`); n != 1 {
				t.Errorf("%d merged duplicates", n)
			}
			if n := count(`SELECT COUNT(*) FROM problems`); n != DemoProblems+1 {
				t.Errorf("%d problems", n)
			}
			if n := count(`SELECT COUNT(DISTINCT p.equipment_id) FROM problems p JOIN equipment e ON e.id = p.equipment_id
				WHERE e.status = 'faulty' AND p.status IN ('reported', 'accepted', 'escalated', 'in_progress', 'reopened')`); n == 0 {
				t.Error("no faulty item linked to an open problem")
			}
			if n := count(`SELECT COUNT(*) FROM equipment e WHERE e.status = 'faulty' AND NOT EXISTS (SELECT 1 FROM problems p
				WHERE p.equipment_id = e.id AND p.status IN ('reported', 'accepted', 'escalated', 'in_progress', 'reopened'))`); n != 0 {
				t.Errorf("%d faulty items without an open problem", n)
			}
			if n := count(`SELECT COUNT(*) FROM files WHERE owner_kind = 'problem'`); n == 0 {
				t.Error("no attachment")
			}
			if n := count(`SELECT COUNT(*) FROM problem_events WHERE action = 'reopen'`); n == 0 {
				t.Error("no problem reopened")
			}
			if n := count(`SELECT COUNT(*) FROM needs`); n != len(needPlans) {
				t.Errorf("%d needs", n)
			}
			if n := count(`SELECT COUNT(DISTINCT status) FROM needs`); n != 6 {
				t.Errorf("needs in %d states", n)
			}
			for name, team := range map[string]string{"support": "vendor", "planning": "planning", "itsupport": "ministry_it"} {
				u, err := tx.GetUserByName(name)
				if err != nil {
					return err
				}
				if teams, _ := tx.SupportTeams(u.ID); len(teams) != 1 || teams[0] != team {
					t.Errorf("%s's teams: %v", name, teams)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The vendor's agent sees only the vendor's problems.
		var p *markaz.Principal
		db.Read(ctx, func(tx *store.Tx) error {
			u, err := tx.GetUserByName("support")
			p = tx.Principal(u)
			return err
		})
		rows, _, err := db.Problems(ctx, store.ProblemFilter{Viewer: p, Limit: 200})
		if err != nil || len(rows) != byTarget["vendor"] {
			t.Errorf("vendor agent sees %d, %d escalated to the vendor (%v)", len(rows), byTarget["vendor"], err)
		}
		for _, r := range rows {
			if r.Target != "vendor" {
				t.Errorf("vendor agent sees #%d of %s", r.Number, r.Target)
			}
		}
	})
}
