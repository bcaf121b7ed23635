package store_test

import (
	"testing"

	"markaz"
	"markaz/kpi"
	rpt "markaz/report"
	"markaz/store"
	"markaz/store/storetest"
)

// Definitions are made within the maker's reports.manage scope only; named recipients
// must read reports of the territory; an update needs the version read; retiring keeps
// the definition listed, stopped.
func TestReportDefinitionsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		sup := mkUser(t, db, "sup13", markaz.AssignmentInput{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, Governorate: "13", StartsOn: "2020-01-01"})
		mkUser(t, db, "head13001", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "13-001", StartsOn: "2020-01-01"})
		mkUser(t, db, "gov13", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelGovernorate, Governorate: "13", StartsOn: "2020-01-01"})
		mkUser(t, db, "gov01", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelGovernorate, Governorate: "01", StartsOn: "2020-01-01"})
		clerk := mkUser(t, db, "clerk1", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "01-001", StartsOn: "2020-01-01"})
		p := principalOf(t, db, sup.ID)
		def := func(level, code string, users ...string) *rpt.Definition {
			return &rpt.Definition{Level: level, Code: code, Frequency: rpt.Monthly, Lang: "ar",
				Formats: []string{rpt.PDF}, Roles: []string{rpt.RecipientGovernor}, Users: users}
		}
		create := func(p *markaz.Principal, d *rpt.Definition) error {
			return db.Write(ctx, func(tx *store.Tx) error { return tx.CreateReportDefinition(p, d) })
		}
		for _, c := range []struct {
			d           *rpt.Definition
			field, code string
		}{
			{def(kpi.LevelGovernorate, "01"), "code", "outside_scope"},
			{def(kpi.LevelNation, ""), "code", "outside_scope"},
			{def(kpi.LevelDistrict, "01-001"), "code", "outside_scope"},
			{def(kpi.LevelGovernorate, "99"), "code", "unknown_territory"},
			{def(kpi.LevelGovernorate, "13", "gov01"), "recipient_users", "recipient_outside_scope"},
			{def(kpi.LevelGovernorate, "13", "head13001"), "recipient_users", "recipient_outside_scope"}, // a district head: not the governorate
			{def(kpi.LevelGovernorate, "13", "nobody"), "recipient_users", "unknown_user"},
		} {
			if err := create(p, c.d); store.FieldCode(err, c.field) != c.code {
				t.Errorf("%s %s %v: %v, want %s on %s", c.d.Level, c.d.Code, c.d.Users, err, c.code, c.field)
			}
		}
		// A head's district inside the supervisor's governorate, with the head named.
		d := def(kpi.LevelDistrict, "13-001", "head13001")
		if err := create(p, d); err != nil {
			t.Fatal(err)
		}
		if d.StartsOn != markaz.DateOf(clock.T) || d.NameEn == "" || d.Version != 1 {
			t.Errorf("created %+v", d)
		}
		g := def(kpi.LevelGovernorate, "13", "gov13")
		if err := create(p, g); err != nil {
			t.Fatal(err)
		}
		// Nobody without reports.manage; another governorate's reader sees nothing.
		if err := create(principalOf(t, db, clerk.ID), def(kpi.LevelDistrict, "01-001")); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("head defines: %v", err)
		}
		list, err := db.ReportDefinitions(ctx, p)
		if err != nil || len(list) != 2 || list[0].Users[0] != "head13001" && list[1].Users[0] != "head13001" {
			t.Fatalf("list %+v %v", list, err)
		}
		// Update with a stale version is a conflict; with the right one it applies.
		g.Frequency = rpt.Weekly
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.UpdateReportDefinition(p, g.ID, 7, g) }); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("stale update: %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.UpdateReportDefinition(p, g.ID, 1, g) }); err != nil || g.Version != 2 {
			t.Fatalf("update: %v %d", err, g.Version)
		}
		// Moving it out of scope is refused.
		out := def(kpi.LevelGovernorate, "01")
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.UpdateReportDefinition(p, g.ID, 2, out) }); store.FieldCode(err, "code") != "outside_scope" {
			t.Errorf("moved outside: %v", err)
		}
		var r *rpt.Definition
		if err := db.Write(ctx, func(tx *store.Tx) (err error) { r, err = tx.RetireReportDefinition(p, g.ID); return err }); err != nil || r.RetiredOn == nil {
			t.Fatalf("retire: %v", err)
		}
		// A retired definition queues nothing, ever.
		clock.Advance(60 * 24 * 3600e9)
		var n int
		if err := db.Write(ctx, func(tx *store.Tx) (err error) { n, err = tx.EnqueueDueReports(); return err }); err != nil || n != 1 {
			t.Errorf("due after two months: %d %v, want only the district's", n, err)
		}
	})
}
