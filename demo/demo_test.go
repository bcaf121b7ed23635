package demo

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

const pw = "demo-password-for-tests"

func TestEnsureLoadsTheSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		start := time.Now()
		got, err := Ensure(ctx, db, pw)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("demo load took %v", time.Since(start)) // speed is measured by the benchmarks, not here
		if got != pw {
			t.Fatalf("Ensure returned %q, want the password", got)
		}
		sum, err := db.ProgramSummary(ctx, markaz.Scope{All: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.FixedCounts{Total: 341, Developed: 318, UnderDevelopment: 23}); sum.Fixed != want {
			t.Errorf("fixed = %+v, want %+v", sum.Fixed, want)
		}
		// The test clock says March 2026: the units due in FY 2023–2024 are overdue.
		if want := (store.MobileCounts{Total: 50, Operating: 37, PendingDelivery: 13, OverdueDelivery: 13}); sum.Mobile != want {
			t.Errorf("mobile = %+v, want %+v", sum.Mobile, want)
		}
		if len(sum.ByGovernorate) != 27 {
			t.Fatalf("%d governorates", len(sum.ByGovernorate))
		}
		for _, g := range sum.ByGovernorate {
			if g.Fixed.Total == 0 {
				t.Errorf("governorate %s has no fixed center", g.Code)
			}
		}
		// 305 developed from FY 2016–2017 to FY 2021–2022, then 13 during FY 2022–2023.
		before, during := 0, 0
		for _, y := range sum.ByFiscalYear {
			switch {
			case y.FiscalYear < 2016 || y.FiscalYear > 2022 && y.Developed+y.Delivered > 0:
				t.Errorf("developed or delivered in FY %d", y.FiscalYear)
			case y.FiscalYear > 2022: // the years since, up to the current one, are listed with zeros
			case y.FiscalYear == 2022:
				during = y.Developed
			default:
				before += y.Developed
			}
		}
		if before != 305 || during != 13 {
			t.Errorf("developed before FY 2022 = %d, during = %d", before, during)
		}
		if want := []store.MobileDue{{FiscalYear: 2023, Label: "2023–2024", PendingDelivery: 13, Overdue: true}}; !reflect.DeepEqual(sum.MobileDueByFiscalYear, want) {
			t.Errorf("due = %+v", sum.MobileDueByFiscalYear)
		}
		checkUsers(t, db)
		if problem, n, err := db.VerifyAudit(ctx); err != nil || problem != "" || n == 0 {
			t.Errorf("audit after demo load: %q over %d entries, %v", problem, n, err)
		}

		// A second run accepts the demo database and changes nothing.
		again, err := Ensure(ctx, db, pw)
		if err != nil || again != "" {
			t.Fatalf("second Ensure: %q, %v", again, err)
		}
		sum2, _ := db.ProgramSummary(ctx, markaz.Scope{All: true}, "")
		if sum2.Fixed != sum.Fixed || sum2.Mobile != sum.Mobile {
			t.Errorf("second Ensure changed the data: %+v %+v", sum2.Fixed, sum2.Mobile)
		}
	})
}

// checkUsers asserts the 15 demo users and where the center-level ones work.
func checkUsers(t *testing.T, db *store.DB) {
	t.Helper()
	sc, _ := parseScenario()
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var n int
		// Synthetic staff (demo-…, followup_training.go) come on top of the scenario's users.
		if err := tx.Get(&n, `SELECT COUNT(*) FROM users WHERE username NOT LIKE 'demo-%'`); err != nil {
			return err
		}
		if n != 15+len(demoInspectors)+len(backlogOperators) || len(sc.Users) != 15 { // the follow-up and backlog demos add their staff
			t.Errorf("%d users, %d in the scenario", n, len(sc.Users))
		}
		byName := map[string]*markaz.User{}
		for _, du := range sc.Users {
			u, err := tx.GetUserByName(du.Username)
			if err != nil {
				return err
			}
			byName[du.Username] = u
			if u.MustChangePassword || len(u.Assignments) != 1 || u.Assignments[0].Role != du.Role {
				t.Errorf("user %s: must change %v, assignments %+v", u.Username, u.MustChangePassword, u.Assignments)
			}
		}
		clerk, manager := byName["clerk"].Assignments[0], byName["manager"].Assignments[0]
		c, err := tx.GetCenter(clerk.CenterID)
		if err != nil {
			return err
		}
		if c.Kind != markaz.KindFixed || c.DevStatus != markaz.DevDeveloped || c.GovCode != "13" || manager.CenterID != c.ID {
			t.Errorf("clerk's center %s: %s %s in %s; manager's %s", c.Code, c.Kind, c.DevStatus, c.GovCode, manager.CenterID)
		}
		for _, name := range []string{"backoffice", "head"} {
			if a := byName[name].Assignments[0]; a.Level != markaz.LevelUnit || a.UnitCode != c.UnitCode {
				t.Errorf("%s works at %+v, want unit %s", name, a, c.UnitCode)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEnsureRefusesARealDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			a := markaz.Assignment{Role: markaz.RoleAdmin, Level: markaz.LevelNation, StartsOn: markaz.Date{Y: 2024, M: 1, D: 1}}
			if err := tx.ResolveAssignment(&a); err != nil {
				return err
			}
			u := &markaz.User{Username: "realadmin", FullName: "Real Admin", PasswordHash: "x", Assignments: []markaz.Assignment{a}}
			if err := u.Validate(); err != nil {
				return err
			}
			return tx.InsertUser(store.Actor{}, u)
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Ensure(ctx, db, pw)
		if !errors.Is(err, ErrNotDemo) || !strings.Contains(err.Error(), "not created by demo mode") {
			t.Fatalf("Ensure on a real database: %v", err)
		}
		var centers int
		db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&centers, `SELECT COUNT(*) FROM centers`) })
		if centers != 0 {
			t.Fatalf("refused load left %d centers", centers)
		}
	})
}

func TestGeneratorIsDeterministic(t *testing.T) {
	build := func() []markaz.Center {
		sc, err := parseScenario()
		if err != nil {
			t.Fatal(err)
		}
		g, err := newGenerator(sc)
		if err != nil {
			t.Fatal(err)
		}
		return append(g.fixed(), g.mobile()...)
	}
	a, b := build(), build()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs of the generator differ")
	}
	if len(a) != 391 {
		t.Fatalf("%d centers", len(a))
	}
	codes := map[string]bool{}
	for _, c := range a {
		if codes[c.Code] {
			t.Errorf("code %s twice", c.Code)
		}
		codes[c.Code] = true
		if c.Opens != "08:00" || c.Closes != "15:00" || c.NameAr == "" || c.NameEn == "" || c.Address == "" {
			t.Errorf("center %s incomplete: %+v", c.Code, c)
		}
		if c.Kind == markaz.KindMobile && c.MobileStatus == markaz.MobileOperating && (c.VehiclePlate == "" || c.DeliveredOn.IsZero()) {
			t.Errorf("operating unit %s without plate or delivery date", c.Code)
		}
	}
	if !codes["TC-13-005"] || !codes["MU-13-01"] {
		t.Error("codes do not follow TC-GG-NNN / MU-GG-NN")
	}
}
