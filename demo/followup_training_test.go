package demo

import (
	"context"
	"testing"

	"markaz"
	"markaz/auth"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/training"
)

// The demo's training gives coverage figures worth looking at: sessions held and
// cancelled, results recorded, shares that differ by governorate, and the named demo
// users with trainings of their own; the synthetic staff cannot log in.
func TestDemoTraining(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := Ensure(ctx, db, "demo-password-123"); err != nil {
			t.Fatal(err)
		}
		var sessions, cancelled, passed, synthetic int
		db.Read(ctx, func(tx *store.Tx) error {
			tx.Get(&sessions, `SELECT COUNT(*) FROM training_sessions`)
			tx.Get(&cancelled, `SELECT COUNT(*) FROM training_sessions WHERE cancelled_on IS NOT NULL`)
			tx.Get(&passed, `SELECT COUNT(*) FROM training_enrolments WHERE result = 'passed'`)
			return tx.Get(&synthetic, `SELECT COUNT(*) FROM users WHERE username LIKE 'demo-%'`)
		})
		if sessions < 25 || sessions > 40 || cancelled != 1 || passed < 100 || synthetic < 50 {
			t.Errorf("%d sessions, %d cancelled, %d passed, %d synthetic staff", sessions, cancelled, passed, synthetic)
		}
		fy := markaz.DateOf(clock.Now()).FiscalYear()
		nat, err := db.TrainingCoverage(ctx, markaz.Scope{All: true}, store.CoverageNation, "", fy)
		if err != nil {
			t.Fatal(err)
		}
		shares := map[string]float64{}
		for _, r := range nat.Rows {
			if r.Total.Share != nil {
				shares[r.Code] = *r.Total.Share
			}
		}
		// Governorates the training demo covers have a share (other demo staff, such as the
		// inspection demo's inspectors, may add governorates with none trained).
		for _, g := range trainingGovs {
			if _, ok := shares[g]; !ok {
				t.Errorf("no coverage for governorate %s", g)
			}
		}
		if shares["13"] <= shares["24"] || shares["24"] < 0.2 || shares["13"] > 0.97 {
			t.Errorf("governorate shares %v", shares)
		}
		for _, role := range training.Roles {
			if f := nat.Role(role); f.Staff == 0 || f.Trained == 0 || f.Trained == f.Staff {
				t.Errorf("%s: %+v", role, f)
			}
		}
		for _, name := range []string{"clerk", "manager"} {
			var u *markaz.User
			db.Read(ctx, func(tx *store.Tx) error { u, err = tx.GetUserByName(name); return err })
			mine, err := db.MyTrainings(ctx, u.ID)
			if err != nil || len(mine) < 2 {
				t.Errorf("%s's trainings: %d %v", name, len(mine), err)
			}
		}
		var staff *markaz.User
		db.Read(ctx, func(tx *store.Tx) error { staff, err = tx.GetUserByName("demo-13-clerk-01"); return err })
		if err != nil || auth.Verify("demo-password-123", staff.PasswordHash) || auth.Verify("", staff.PasswordHash) {
			t.Errorf("synthetic staff can log in: %v", err)
		}
	})
}
