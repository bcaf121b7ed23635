package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

var national = markaz.Scope{All: true}

func ptr(s string) *string { return &s }

func TestReferenceLoadedAndChangesSurviveReload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		govs, err := db.Governorates(ctx)
		if err != nil || len(govs) != 27 {
			t.Fatalf("governorates: %d %v", len(govs), err)
		}
		all, err := db.Units(ctx, "", true)
		if err != nil || len(all) != 337 {
			t.Fatalf("units: %d %v", len(all), err)
		}
		admin := store.Actor{UserID: "u1", Username: "admin"}
		err = db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.UpdateUnit(admin, national, "01-001", store.UnitChange{NameAr: ptr("حي الزيتون الجديد"), NameEn: ptr("New Zeitoun")}); err != nil {
				return err
			}
			_, err := tx.RetireUnit(admin, national, "13-002", markaz.Date{}, "merged")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.LoadReference(ctx); err != nil {
			t.Fatal(err)
		}
		u, err := db.Unit(ctx, "01-001")
		if err != nil || u.NameEn != "New Zeitoun" || u.NameAr != "حي الزيتون الجديد" {
			t.Fatalf("rename lost after reload: %+v %v", u, err)
		}
		r, _ := db.Unit(ctx, "13-002")
		if r.RetiredOn != markaz.DateOf(storetest.Epoch) {
			t.Fatalf("retirement lost after reload: %+v", r)
		}
		if all, _ := db.Units(ctx, "", true); len(all) != 337 {
			t.Fatalf("reload changed the unit count: %d", len(all))
		}
		// Only the first load is audited; a reload that adds nothing writes nothing.
		es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "territory"})
		if len(es) != 1 || !strings.Contains(es[0].After, `"units":337`) {
			t.Fatalf("reference load audit: %+v", es)
		}
	})
}

func TestInsertUnitTakesNextCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		admin := store.Actor{UserID: "u1", Username: "admin"}
		add := func(scope markaz.Scope, u markaz.Unit) (*store.UnitRecord, error) {
			var rec *store.UnitRecord
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				rec, err = tx.InsertUnit(admin, scope, &u)
				return err
			})
			return rec, err
		}
		rec, err := add(national, markaz.Unit{GovCode: "01", NameAr: " حي جديد ", NameEn: "New District", Type: "hayy"})
		if err != nil || rec.Code != "01-043" || rec.NameAr != "حي جديد" {
			t.Fatalf("insert: %+v %v", rec, err)
		}
		// A governorate-level scope may add only in its governorate.
		if _, err := add(markaz.Scope{Govs: []string{"13"}}, markaz.Unit{GovCode: "01", NameAr: "س", NameEn: "S", Type: "city"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Fatalf("outside scope: %v", err)
		}
		if rec, err := add(markaz.Scope{Govs: []string{"13"}}, markaz.Unit{GovCode: "13", NameAr: "س", NameEn: "S", Type: "city"}); err != nil || !strings.HasPrefix(rec.Code, "13-") {
			t.Fatalf("inside scope: %+v %v", rec, err)
		}
		for _, c := range []struct {
			u     markaz.Unit
			field string
		}{
			{markaz.Unit{GovCode: "99", NameAr: "س", NameEn: "S", Type: "city"}, "governorate"},
			{markaz.Unit{GovCode: "", NameAr: "س", NameEn: "S", Type: "city"}, "governorate"},
			{markaz.Unit{GovCode: "01", NameAr: strings.Repeat("س", 121), NameEn: "S", Type: "city"}, "name_ar"},
			{markaz.Unit{GovCode: "01", NameAr: "س", NameEn: "", Type: "city"}, "name_en"},
			{markaz.Unit{GovCode: "01", NameAr: "س", NameEn: "S", Type: "village"}, "unit_type"},
		} {
			_, err := add(national, c.u)
			if !hasField(err, c.field) {
				t.Errorf("%+v: want field error on %s, got %v", c.u, c.field, err)
			}
		}
		es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "unit", EntityID: "01-043"})
		if len(es) != 1 || es[0].Action != "unit.create" || es[0].Chain != "gov:01" || es[0].Username != "admin" || es[0].Before != "" {
			t.Fatalf("audit of create: %+v", es)
		}
	})
}

func TestConcurrentInsertsGetDistinctCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		var wg sync.WaitGroup
		codes := make([]string, 6)
		errs := make([]error, 6)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Write(ctx, func(tx *store.Tx) error {
					u := markaz.Unit{GovCode: "35", NameAr: fmt.Sprintf("مدينة %d", i), NameEn: fmt.Sprintf("Town %d", i), Type: "city"}
					rec, err := tx.InsertUnit(store.Actor{}, national, &u)
					if err == nil {
						codes[i] = rec.Code
					}
					return err
				})
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, c := range codes {
			if errs[i] != nil || seen[c] {
				t.Fatalf("insert %d: %q %v (codes %v)", i, c, errs[i], codes)
			}
			seen[c] = true
		}
		units, _ := db.Units(ctx, "35", false)
		if last := units[len(units)-1].Code; last != fmt.Sprintf("35-%03d", len(units)) {
			t.Fatalf("codes are not consecutive: last %s of %d", last, len(units))
		}
	})
}

func TestRenameRetireUnretire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		admin := store.Actor{UserID: "u1", Username: "admin"}
		write := func(fn func(tx *store.Tx) (*store.UnitRecord, error)) (*store.UnitRecord, error) {
			var rec *store.UnitRecord
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				rec, err = fn(tx)
				return err
			})
			return rec, err
		}
		// The search key follows a rename: the new name is found, the old one no longer.
		rec, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UpdateUnit(admin, national, "01-001", store.UnitChange{NameAr: ptr("إمبابة الشرقية"), Type: ptr("city")})
		})
		if err != nil || rec.Type != "city" || rec.NameEn != "El Zeitoun" {
			t.Fatalf("rename: %+v %v", rec, err)
		}
		found, _ := db.ListUnits(ctx, store.UnitFilter{Search: "امبابه الشرقيه"})
		if len(found) != 1 || found[0].Code != "01-001" {
			t.Fatalf("search after rename: %+v", found)
		}
		if found, _ := db.ListUnits(ctx, store.UnitFilter{Gov: "01", Search: "الزيتون"}); len(found) != 0 {
			t.Fatalf("old name still found: %+v", found)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UpdateUnit(admin, national, "01-001", store.UnitChange{NameEn: ptr(strings.Repeat("x", 121))})
		}); !hasField(err, "name_en") {
			t.Fatalf("over-long rename: %v", err)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UpdateUnit(admin, national, "01-999", store.UnitChange{NameEn: ptr("x")})
		}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Fatalf("unknown unit: %v", err)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UpdateUnit(admin, markaz.Scope{Govs: []string{"13"}}, "01-001", store.UnitChange{NameEn: ptr("x")})
		}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Fatalf("rename outside scope: %v", err)
		}

		// Retire: hidden from selects, kept in the database, with its reason.
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.RetireUnit(admin, national, "01-002", markaz.Date{Y: 2030, M: 1, D: 1}, "x")
		}); !hasField(err, "retired_on") {
			t.Fatalf("future retirement: %v", err)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.RetireUnit(admin, national, "01-002", markaz.Date{}, " ")
		}); !hasField(err, "reason") {
			t.Fatalf("retirement without reason: %v", err)
		}
		rec, err = write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.RetireUnit(admin, national, "01-002", markaz.Date{Y: 2026, M: 1, D: 31}, "merged into 01-001")
		})
		if err != nil || rec.RetiredOn.String() != "2026-01-31" {
			t.Fatalf("retire: %+v %v", rec, err)
		}
		active, _ := db.Units(ctx, "01", false)
		withRetired, _ := db.ListUnits(ctx, store.UnitFilter{Gov: "01", WithRetired: true})
		if len(active) != 41 || len(withRetired) != 42 || withRetired[1].RetireReason != "merged into 01-001" {
			t.Fatalf("after retire: %d active, %d in all, %+v", len(active), len(withRetired), withRetired[1])
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.RetireUnit(admin, national, "01-002", markaz.Date{}, "again")
		}); markaz.ErrorCode(err) != markaz.EConflict {
			t.Fatalf("retire twice: %v", err)
		}
		rec, err = write(func(tx *store.Tx) (*store.UnitRecord, error) { return tx.UnretireUnit(admin, national, "01-002") })
		if err != nil || !rec.RetiredOn.IsZero() || rec.RetireReason != "" {
			t.Fatalf("unretire: %+v %v", rec, err)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) { return tx.UnretireUnit(admin, national, "01-002") }); markaz.ErrorCode(err) != markaz.EConflict {
			t.Fatalf("unretire an active unit: %v", err)
		}
		es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "unit"})
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action+" "+e.EntityID)
		}
		if got := strings.Join(actions, ", "); got != "unit.unretire 01-002, unit.retire 01-002, unit.update 01-001" {
			t.Fatalf("audit: %s", got)
		}
		if !strings.Contains(es[1].Before, `"retired_on":null`) || !strings.Contains(es[1].After, `"retire_reason":"merged into 01-001"`) {
			t.Fatalf("retire before/after: %s → %s", es[1].Before, es[1].After)
		}
		if problem, _, err := db.VerifyAudit(ctx); problem != "" || err != nil {
			t.Fatalf("verify: %s %v", problem, err)
		}
	})
}

func TestGovernorateSummaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.RetireUnit(store.Actor{}, national, "13-001", markaz.Date{}, "test")
			return err
		})
		all, err := db.GovernorateSummaries(ctx, national)
		if err != nil || len(all) != 27 {
			t.Fatalf("%d %v", len(all), err)
		}
		one, _ := db.GovernorateSummaries(ctx, markaz.Scope{Govs: []string{"13"}})
		units, _ := db.Units(ctx, "13", true)
		if len(one) != 1 || one[0].Code != "13" || one[0].Retired != 1 || one[0].Active != len(units)-1 {
			t.Fatalf("sharqia: %+v", one)
		}
		if none, _ := db.GovernorateSummaries(ctx, markaz.Scope{}); len(none) != 0 {
			t.Fatalf("empty scope sees %d", len(none))
		}
	})
}

func hasField(err error, field string) bool {
	var e *markaz.Error
	if !errors.As(err, &e) || e.Code != markaz.EInvalid {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// A unit in use may not share its Arabic or English name (folded as search keys are)
// with another unit in use of the same type in its governorate: neither when added, nor
// renamed, nor put back in use.
func TestUnitNamesUniqueInGovernorate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		admin := store.Actor{UserID: "u1", Username: "admin"}
		write := func(fn func(tx *store.Tx) (*store.UnitRecord, error)) (*store.UnitRecord, error) {
			var rec *store.UnitRecord
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				rec, err = fn(tx)
				return err
			})
			return rec, err
		}
		add := func(u markaz.Unit) (*store.UnitRecord, error) {
			return write(func(tx *store.Tx) (*store.UnitRecord, error) { return tx.InsertUnit(admin, national, &u) })
		}
		// 13-002 is the markaz بلبيس / Belbeis.
		for _, c := range []struct {
			u      markaz.Unit
			fields []string
		}{
			{markaz.Unit{GovCode: "13", NameAr: "بلبيس", NameEn: "Other", Type: "markaz"}, []string{"name_ar"}},
			{markaz.Unit{GovCode: "13", NameAr: "بِلْبيس", NameEn: "Other", Type: "markaz"}, []string{"name_ar"}},
			{markaz.Unit{GovCode: "13", NameAr: "أخرى", NameEn: "  BELBEIS ", Type: "markaz"}, []string{"name_en"}},
			{markaz.Unit{GovCode: "13", NameAr: "بلبيس", NameEn: "belbeis", Type: "markaz"}, []string{"name_ar", "name_en"}},
			{markaz.Unit{GovCode: "13", NameAr: "ابو حماد", NameEn: "Other", Type: "markaz"}, []string{"name_ar"}}, // أبو حماد
		} {
			_, err := add(c.u)
			for _, f := range c.fields {
				if !hasField(err, f) {
					t.Errorf("%+v: want a field error on %s, got %v", c.u, f, err)
				}
			}
		}
		// Another governorate, or another type in the same one, may use the name.
		if _, err := add(markaz.Unit{GovCode: "01", NameAr: "بلبيس", NameEn: "Belbeis", Type: "markaz"}); err != nil {
			t.Fatalf("same name in another governorate: %v", err)
		}
		city, err := add(markaz.Unit{GovCode: "13", NameAr: "بلبيس", NameEn: "Belbeis", Type: "city"})
		if err != nil {
			t.Fatalf("same name as a city: %v", err)
		}
		// Renaming to another unit's name is refused; keeping one's own name is not.
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UpdateUnit(admin, national, "13-001", store.UnitChange{NameEn: ptr("Belbeis")})
		}); !hasField(err, "name_en") || hasField(err, "name_ar") {
			t.Fatalf("rename to a taken name: %v", err)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UpdateUnit(admin, national, "13-002", store.UnitChange{NameAr: ptr("بلبيس"), NameEn: ptr("Belbeis")})
		}); err != nil {
			t.Fatalf("rename keeping its own name: %v", err)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UpdateUnit(admin, national, city.Code, store.UnitChange{Type: ptr("markaz")})
		}); !hasField(err, "name_ar") {
			t.Fatalf("change of type onto a taken name: %v", err)
		}
		// A retired unit's name is free again; putting it back in use then is refused.
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.RetireUnit(admin, national, "13-002", markaz.Date{}, "merged")
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := add(markaz.Unit{GovCode: "13", NameAr: "بلبيس", NameEn: "Belbeis", Type: "markaz"}); err != nil {
			t.Fatalf("name of a retired unit: %v", err)
		}
		if _, err := write(func(tx *store.Tx) (*store.UnitRecord, error) {
			return tx.UnretireUnit(admin, national, "13-002")
		}); !hasField(err, "name_ar") || !hasField(err, "name_en") {
			t.Fatalf("unretire onto a taken name: %v", err)
		}
	})
}
