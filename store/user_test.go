package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

var ctx = context.Background()

// problems returns "field:code" of each problem of a validation error.
func problems(err error) string {
	var e *markaz.Error
	if !errors.As(err, &e) {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return strings.Join(out, " ")
}

// mkCenter stores a fixed center in a district/city.
func mkCenter(t *testing.T, db *store.DB, code, unit string) *markaz.Center {
	t.Helper()
	c := &markaz.Center{Code: code, Kind: markaz.KindFixed, NameAr: "مركز " + code, NameEn: "Center " + code,
		UnitCode: unit, DevStatus: markaz.DevDeveloped}
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.InsertCenter(store.Actor{}, c) }); err != nil {
		t.Fatal(err)
	}
	return c
}

// mkUser creates a user as the system would (the command line), with one assignment.
func mkUser(t *testing.T, db *store.DB, name string, in markaz.AssignmentInput) *markaz.User {
	t.Helper()
	u := &markaz.User{Username: name, FullName: "Test " + name, PasswordHash: "x"}
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.CreateUser(nil, u, []markaz.AssignmentInput{in}) }); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return u
}

// principalOf loads a user's principal as of now.
func principalOf(t *testing.T, db *store.DB, id string) *markaz.Principal {
	t.Helper()
	var p *markaz.Principal
	if err := db.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.GetUser(id)
		p = tx.Principal(u)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func gov(role, code string) markaz.AssignmentInput {
	return markaz.AssignmentInput{Role: role, Level: markaz.LevelGovernorate, Governorate: code}
}

func TestCreateUserChecksGrantsAndTerritory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-ZAG-01", "13-001")
		sup := mkUser(t, db, "sup13", gov(markaz.RoleSupervisor, "13"))
		if !sup.MustChangePassword || sup.Assignments[0].GovCode != "13" {
			t.Fatalf("created: %+v", sup)
		}
		p := principalOf(t, db, sup.ID)
		create := func(name string, ins ...markaz.AssignmentInput) (*markaz.User, error) {
			u := &markaz.User{Username: name, FullName: "محمود " + name, PasswordHash: "x"}
			return u, db.Write(ctx, func(tx *store.Tx) error { return tx.CreateUser(p, u, ins) })
		}
		// A clerk at a Sharqia center named by its code: the center's unit and governorate are filled.
		clerk, err := create("clerk", markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: "sh-zag-01"})
		if err != nil {
			t.Fatal(err)
		}
		if a := clerk.Assignments[0]; a.CenterID != c.ID || a.UnitCode != "13-001" || a.GovCode != "13" {
			t.Fatalf("center assignment: %+v", a)
		}
		// Over-grants are field errors: on the role when the supervisor may grant it
		// nowhere, on the territory when it lies outside the supervisor's.
		for _, tc := range []struct {
			in   markaz.AssignmentInput
			want string
		}{
			{markaz.AssignmentInput{Role: markaz.RoleAdmin, Level: markaz.LevelNation}, "assignments[0].role:cannot_grant"},
			{gov(markaz.RoleAdmin, "13"), "assignments[0].role:cannot_grant"},
			{gov(markaz.RoleSupervisor, "01"), "assignments[0].governorate:outside_scope"},
			{markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "01-001"}, "assignments[0].unit:outside_scope"},
			{markaz.AssignmentInput{Role: markaz.RoleInspector, Level: markaz.LevelNation}, "assignments[0].level:outside_scope"},
			{gov(markaz.RoleSupervisor, "99"), "assignments[0].governorate:unknown_territory"},
			{markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "13-999"}, "assignments[0].unit:unknown_territory"},
			{markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: "NOPE"}, "assignments[0].center_id:unknown_territory"},
		} {
			if _, err := create("someone", tc.in); problems(err) != tc.want {
				t.Errorf("%+v: got %q (%v), want %q", tc.in, problems(err), err, tc.want)
			}
		}
		if _, err := create("clerk", gov(markaz.RoleInspector, "13")); problems(err) != "username:username_taken" {
			t.Errorf("duplicate username: %v", err)
		}
		if _, err := create("nobody"); problems(err) != "assignments:required" {
			t.Errorf("no assignment: %v", err)
		}
		// Nothing of the refused users was stored.
		var n int
		db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM users`) })
		if n != 2 {
			t.Fatalf("users stored: %d", n)
		}
	})
}

func TestManageUsersWithinScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		sup := mkUser(t, db, "sup13", gov(markaz.RoleSupervisor, "13"))
		cairo := mkUser(t, db, "cairo", gov(markaz.RoleInspector, "01"))
		local := mkUser(t, db, "local", gov(markaz.RoleInspector, "13"))
		admin := mkUser(t, db, "admin", markaz.AssignmentInput{Role: markaz.RoleAdmin, Level: markaz.LevelNation})
		p := principalOf(t, db, sup.ID)
		write := func(fn func(tx *store.Tx) error) error { return db.Write(ctx, fn) }

		for _, id := range []string{cairo.ID, admin.ID, sup.ID} {
			err := write(func(tx *store.Tx) error { _, err := tx.SetUserDisabled(p, id, true); return err })
			if markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("disable %s: %v", id, err)
			}
			err = write(func(tx *store.Tx) error {
				_, err := tx.GrantAssignment(p, id, gov(markaz.RoleFinance, "13"))
				return err
			})
			if markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("grant to %s: %v", id, err)
			}
		}
		if err := write(func(tx *store.Tx) error { _, err := tx.SetUserDisabled(p, "no-such-user", true); return err }); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("missing user: %v", err)
		}
		// Grant within scope, refuse over-grants and duplicates, revoke.
		var a *markaz.Assignment
		if err := write(func(tx *store.Tx) error {
			var err error
			a, err = tx.GrantAssignment(p, local.ID, markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "13-002"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for in, want := range map[markaz.AssignmentInput]string{
			gov(markaz.RoleInspector, "13"):                        "role:already_held",
			gov(markaz.RoleInspector, "01"):                        "governorate:outside_scope",
			{Role: markaz.RoleMinistry, Level: markaz.LevelNation}: "role:cannot_grant",
		} {
			err := write(func(tx *store.Tx) error { _, err := tx.GrantAssignment(p, local.ID, in); return err })
			if problems(err) != want {
				t.Errorf("grant %+v: %v, want %s", in, err, want)
			}
		}
		if err := write(func(tx *store.Tx) error { _, err := tx.RevokeAssignment(p, local.ID, a.ID); return err }); err != nil {
			t.Fatal(err)
		}
		u := principalOf(t, db, local.ID)
		if len(u.Assignments) != 1 || u.Assignments[0].Role != markaz.RoleInspector {
			t.Fatalf("after revoke: %+v", u.Assignments)
		}
		// Disable ends sessions at once; enable brings the user back.
		write(func(tx *store.Tx) error { return tx.CreateSession(local.ID, "tok", "api") })
		if err := write(func(tx *store.Tx) error { _, err := tx.SetUserDisabled(p, local.ID, true); return err }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionPrincipal(ctx, "tok", "api"); markaz.ErrorCode(err) != markaz.EUnauthorized {
			t.Fatalf("session of a disabled user: %v", err)
		}
		if err := write(func(tx *store.Tx) error { _, err := tx.SetUserDisabled(p, local.ID, false); return err }); err != nil {
			t.Fatal(err)
		}
		// Every change is in the audit log, by the supervisor.
		entries, err := db.ListAudit(ctx, store.AuditFilter{Scope: markaz.Scope{All: true}, UserID: sup.ID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Action)
		}
		if strings.Join(got, " ") != "user.enable user.disable assignment.revoke assignment.grant" {
			t.Fatalf("audit: %v", got)
		}
		if !strings.Contains(entries[0].Before, `"disabled_at":"`) || !strings.Contains(entries[0].After, `"disabled_at":null`) {
			t.Fatalf("enable before/after: %s → %s", entries[0].Before, entries[0].After)
		}
	})
}

func TestListUsersByScopeFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-ZAG-01", "13-001")
		mkUser(t, db, "admin", markaz.AssignmentInput{Role: markaz.RoleAdmin, Level: markaz.LevelNation})
		mkUser(t, db, "cairo", gov(markaz.RoleSupervisor, "01"))
		mkUser(t, db, "sharqia", gov(markaz.RoleSupervisor, "13"))
		clerk := &markaz.User{Username: "clerk", FullName: "أحمد إبراهيم", PasswordHash: "x"}
		db.Write(ctx, func(tx *store.Tx) error {
			return tx.CreateUser(nil, clerk, []markaz.AssignmentInput{{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: c.ID}})
		})
		mkUser(t, db, "head", markaz.AssignmentInput{Role: markaz.RoleHead, Level: markaz.LevelUnit, Unit: "13-002"})
		old := mkUser(t, db, "old_clerk", markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: c.ID, EndsOn: "2026-03-20"})
		gone := mkUser(t, db, "gone", gov(markaz.RoleFinance, "13"))
		db.Write(ctx, func(tx *store.Tx) error { _, err := tx.SetUserDisabled(nil, gone.ID, true); return err })

		names := func(f store.UserFilter) string {
			t.Helper()
			us, next, err := db.ListUsers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range us {
				out = append(out, u.Username)
			}
			if next != "" {
				out = append(out, "next:"+next)
			}
			return strings.Join(out, " ")
		}
		sharqia := markaz.Scope{Govs: []string{"13"}}
		cases := []struct {
			name string
			f    store.UserFilter
			want string
		}{
			{"nation", store.UserFilter{Scope: markaz.Scope{All: true}}, "admin cairo clerk head old_clerk sharqia"},
			{"Sharqia", store.UserFilter{Scope: sharqia}, "clerk head old_clerk sharqia"},
			{"Sharqia with disabled", store.UserFilter{Scope: sharqia, IncludeDisabled: true}, "clerk gone head old_clerk sharqia"},
			{"Cairo", store.UserFilter{Scope: markaz.Scope{Govs: []string{"01"}}}, "cairo"},
			{"a district", store.UserFilter{Scope: markaz.Scope{Units: []string{"13-002"}}}, "head"},
			{"a center", store.UserFilter{Scope: markaz.Scope{Centers: []string{c.ID}}}, "clerk old_clerk"},
			{"no scope", store.UserFilter{}, ""},
			{"role", store.UserFilter{Scope: sharqia, Role: markaz.RoleClerk}, "clerk old_clerk"},
			{"governorate", store.UserFilter{Scope: markaz.Scope{All: true}, Gov: "01"}, "cairo"},
			{"Arabic-folded name", store.UserFilter{Scope: sharqia, Q: "ابراهيم"}, "clerk"},
			{"username", store.UserFilter{Scope: sharqia, Q: "OLD_"}, "old_clerk"},
			{"first page", store.UserFilter{Scope: sharqia, Limit: 2}, "clerk head next:head"},
			{"next page", store.UserFilter{Scope: sharqia, After: "head", Limit: 2}, "old_clerk sharqia"},
		}
		for _, tc := range cases {
			if got := names(tc.f); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			}
		}
		// Once the old clerk's assignment has ended they still show where they last worked,
		// and only there.
		clock.Advance(10 * 24 * time.Hour)
		if got := names(store.UserFilter{Scope: markaz.Scope{Centers: []string{c.ID}}}); got != "clerk old_clerk" {
			t.Errorf("ended assignment: %q", got)
		}
		if got := names(store.UserFilter{Scope: sharqia, Role: markaz.RoleClerk}); got != "clerk" {
			t.Errorf("role filter counts only assignments in force: %q", got)
		}
		us, _, _ := db.ListUsers(ctx, store.UserFilter{Scope: markaz.Scope{All: true}, Q: "old"})
		if len(us) != 1 || us[0].ID != old.ID || len(us[0].Assignments) != 1 {
			t.Fatalf("assignments loaded: %+v", us)
		}
	})
}

func TestResetPasswordEndsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		sup := mkUser(t, db, "sup13", gov(markaz.RoleSupervisor, "13"))
		u := mkUser(t, db, "inspector", gov(markaz.RoleInspector, "13"))
		db.Write(ctx, func(tx *store.Tx) error {
			tx.Exec(`UPDATE users SET must_change_password = ?, failed_logins = 3 WHERE id = ?`, false, u.ID)
			return tx.CreateSession(u.ID, "web-tok", "web")
		})
		p := principalOf(t, db, sup.ID)
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.ResetPassword(p, u.ID, "new-hash"); return err }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionPrincipal(ctx, "web-tok", "web"); markaz.ErrorCode(err) != markaz.EUnauthorized {
			t.Fatalf("session survived the reset: %v", err)
		}
		db.Read(ctx, func(tx *store.Tx) error {
			got, _ := tx.GetUser(u.ID)
			if got.PasswordHash != "new-hash" || !got.MustChangePassword || got.FailedLogins != 0 {
				t.Errorf("after reset: %+v", got)
			}
			return nil
		})
		entries, _ := db.ListAudit(ctx, store.AuditFilter{Scope: markaz.Scope{All: true}, UserID: sup.ID})
		if len(entries) != 1 || entries[0].Action != "user.password_reset" || entries[0].EntityID != u.ID ||
			entries[0].After != `{"must_change_password":true}` {
			t.Fatalf("audit: %+v", entries)
		}
	})
}

func TestPlanImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		mkCenter(t, db, "SH-ZAG-01", "13-001")
		sup := mkUser(t, db, "sup13", gov(markaz.RoleSupervisor, "13"))
		p := principalOf(t, db, sup.ID)
		good := []store.ImportRow{
			{Row: 2, Username: "Mona", FullName: "منى", Mobile: "٠١٠٠١٢٣٤٥٦٧", Role: "clerk", Level: "center", Territory: "sh-zag-01"},
			{Row: 3, Username: "mona", Role: "backoffice", Level: "unit", Territory: "١٣-٠٠١", StartsOn: "٢٠٢٦-٠٣-١٥"},
			{Row: 4, Username: "hany", FullName: "هاني", Role: "inspector", Level: "governorate", Territory: "13"},
		}
		var users []*markaz.User
		err := db.Read(ctx, func(tx *store.Tx) error {
			var rowErrs []store.RowError
			var err error
			users, rowErrs, err = tx.PlanImport(p, good)
			if rowErrs != nil {
				t.Fatalf("row errors: %+v", rowErrs)
			}
			return err
		})
		if err != nil || len(users) != 2 || users[0].Mobile != "01001234567" || len(users[0].Assignments) != 2 || users[0].Assignments[1].UnitCode != "13-001" {
			t.Fatalf("plan: %v %+v", err, users)
		}
		bad := append(good[:3:3],
			store.ImportRow{Row: 5, Username: "sup13", FullName: "x", Role: "clerk", Level: "center", Territory: "SH-ZAG-01"},
			store.ImportRow{Row: 6, Username: "eve", FullName: "Eve", Role: "admin", Level: "nation"},
			store.ImportRow{Row: 7, Username: "cai", FullName: "Cai", Role: "clerk", Level: "unit", Territory: "01-001"},
			store.ImportRow{Row: 8, Username: "hany", FullName: "Other name", Role: "finance", Level: "governorate", Territory: "13"},
			store.ImportRow{Row: 9, Username: "x y", FullName: "", Role: "head", Level: "unit", Territory: "13-999"},
		)
		var rowErrs []store.RowError
		db.Read(ctx, func(tx *store.Tx) error {
			users, rowErrs, err = tx.PlanImport(p, bad)
			return err
		})
		var got []string
		for _, e := range rowErrs {
			got = append(got, strings.Join([]string{string(rune('0' + e.Row)), e.Field, e.Code}, ":"))
		}
		want := "5:username:username_taken 6:role:cannot_grant 7:level:level_for_role 8:full_name:user_fields_differ " +
			"9:username:username_format 9:full_name:required 9:territory:unknown_territory"
		if users != nil || strings.Join(got, " ") != want {
			t.Fatalf("row errors:\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		// ImportUsers stores all or nothing.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, rowErrs, err := tx.ImportUsers(p, bad, nil)
			if len(rowErrs) == 0 {
				t.Error("bad import accepted")
			}
			return err
		})
		var n int
		db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM users`) })
		if err != nil || n != 1 {
			t.Fatalf("after a refused import: %v, %d users", err, n)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, _, err := tx.ImportUsers(p, good, map[string]string{"mona": "h1", "hany": "h2"})
			return err
		})
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&n, `SELECT COUNT(*) FROM users WHERE must_change_password = ?`, true)
		})
		if err != nil || n != 3 {
			t.Fatalf("after import: %v, %d users must change their password", err, n)
		}
	})
}

func TestGrantProblemsPlacesAndGovFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		mine := mkCenter(t, db, "SH-ZAG-01", "13-001")
		cairo := mkCenter(t, db, "CA-ZEI-01", "01-001")
		until := gov(markaz.RoleSupervisor, "13")
		until.EndsOn = "2026-12-31"
		sup := mkUser(t, db, "sup13", until)
		p := principalOf(t, db, sup.ID)
		// A grant that would outlast the granter's own role is blamed on its end date.
		for in, want := range map[markaz.AssignmentInput]string{
			gov(markaz.RoleFinance, "13"): "assignments[0].ends_on:grant_outlasts",
			{Role: markaz.RoleFinance, Level: markaz.LevelGovernorate, Governorate: "13", EndsOn: "2026-12-31"}: "",
			{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: cairo.Code, EndsOn: "2026-06-30"}:     "assignments[0].center_id:outside_scope",
		} {
			err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.CheckNewUser(p, &markaz.User{Username: "someone", FullName: "x"}, []markaz.AssignmentInput{in})
			})
			if problems(err) != want {
				t.Errorf("%+v: %v, want %q", in, err, want)
			}
		}
		// The territories offered to the supervisor are Sharqia's only.
		places, err := db.GrantPlaces(ctx, p.Scope(markaz.PermUsersManage))
		if err != nil {
			t.Fatal(err)
		}
		if len(places.Govs) != 1 || places.Govs[0].Code != "13" || len(places.Centers) != 1 || places.Centers[0].ID != mine.ID ||
			places.Centers[0].UnitNameAr == "" || places.Centers[0].GovNameEn == "" || len(places.Units) == 0 {
			t.Fatalf("places: %+v", places)
		}
		for _, u := range places.Units {
			if u.GovCode != "13" {
				t.Errorf("unit outside Sharqia offered: %+v", u)
			}
		}
		all, err := db.GrantPlaces(ctx, markaz.Scope{All: true})
		if err != nil || len(all.Govs) != 27 || len(all.Centers) != 2 {
			t.Fatalf("national places: %v %d governorates, %d centers", err, len(all.Govs), len(all.Centers))
		}
		none, err := db.GrantPlaces(ctx, markaz.Scope{})
		if err != nil || len(none.Govs)+len(none.Units)+len(none.Centers) != 0 {
			t.Fatalf("empty scope places: %v %+v", err, none)
		}
		// The list's governorate filter: unknown is a field error, outside the scope forbidden.
		scope := p.Scope(markaz.PermUsersRead)
		if _, _, err := db.ListUsers(ctx, store.UserFilter{Scope: scope, Gov: "99"}); problems(err) != "governorate:unknown_governorate" {
			t.Errorf("unknown governorate: %v", err)
		}
		if _, _, err := db.ListUsers(ctx, store.UserFilter{Scope: scope, Gov: "01"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo from Sharqia: %v", err)
		}
		if us, _, err := db.ListUsers(ctx, store.UserFilter{Scope: scope, Gov: "13"}); err != nil || len(us) != 1 {
			t.Errorf("own governorate: %v %d", err, len(us))
		}
	})
}
