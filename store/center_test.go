package store_test

import (
	"context"
	"fmt"
	"testing"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

var (
	nation = markaz.Scope{All: true}
	sharq  = markaz.Scope{Govs: []string{"13"}}
	admin  = store.Actor{UserID: "u-admin", Username: "admin"}
)

// fixedCenter is a valid developed fixed center in unit.
func fixedCenter(code, unit, nameAr string) *markaz.Center {
	return &markaz.Center{Code: code, Kind: markaz.KindFixed, NameAr: nameAr, NameEn: "Center " + code,
		UnitCode: unit, DevStatus: markaz.DevDeveloped, CompletedOn: markaz.Date{Y: 2022, M: 9, D: 1}}
}

func createCenter(t *testing.T, db *store.DB, s markaz.Scope, c *markaz.Center) (*store.CenterRow, error) {
	t.Helper()
	var row *store.CenterRow
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		row, err = tx.CreateCenter(admin, s, c, nil)
		return err
	})
	return row, err
}

func mustCreate(t *testing.T, db *store.DB, c *markaz.Center) *store.CenterRow {
	t.Helper()
	row, err := createCenter(t, db, nation, c)
	if err != nil {
		t.Fatalf("create %s: %v", c.Code, err)
	}
	return row
}

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*markaz.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestCenterListPagingSearchAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *markaz.FixedClock) {
		ctx := context.Background()
		for i := 1; i <= 7; i++ {
			mustCreate(t, db, fixedCenter(fmt.Sprintf("SH-%03d", i), fmt.Sprintf("13-%03d", i), fmt.Sprintf("مركز الشرقية %d", i)))
		}
		alex := mustCreate(t, db, fixedCenter("CA-001", "01-001", "مركز الإسكندرية"))
		mustCreate(t, db, &markaz.Center{Code: "CA-M01", Kind: markaz.KindMobile, NameAr: "وحدة متنقلة", NameEn: "Mobile 1",
			UnitCode: "01-002", MobileStatus: markaz.MobilePendingDelivery})

		// Paging through the governorate's seven centers two at a time: in code order, no
		// duplicates, no gaps, and only governorate 13.
		var got []string
		var after *store.CenterKey
		for pages := 0; ; pages++ {
			list, err := db.Centers(ctx, store.CenterFilter{Scope: sharq, Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != 7 {
				t.Errorf("page %d: total %d, want 7", pages, list.Total)
			}
			for _, r := range list.Rows {
				got = append(got, r.Code)
				if r.GovCode != "13" || r.GovNameEn != "Sharqia" || r.UnitNameAr == "" {
					t.Fatalf("row outside scope or without names: %+v", r)
				}
			}
			if list.Next == nil {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			after = list.Next
		}
		if fmt.Sprint(got) != "[SH-001 SH-002 SH-003 SH-004 SH-005 SH-006 SH-007]" {
			t.Fatalf("pages: %v", got)
		}

		// Search folds alef forms, ta marbuta and Arabic-Indic digits.
		for q, want := range map[string]int{"الاسكندريه": 1, "إسكندرية": 1, "ca-٠٠١": 1, "الشرقيه ٣": 1, "sh": 7, "center ca": 1, "غير موجود": 0} {
			rows, err := centerRows(db, store.CenterFilter{Scope: nation, Query: q, Limit: 50})
			if err != nil || len(rows) != want {
				t.Errorf("q=%q: %d rows (want %d), %v", q, len(rows), want, err)
			}
		}
		if rows, _ := centerRows(db, store.CenterFilter{Scope: sharq, Query: "الاسكندريه", Limit: 50}); len(rows) != 0 {
			t.Error("search leaks a center outside the scope")
		}
		// The names of the governorate and of the district/city match too, folded or in
		// English, alone or with a word of the center's own.
		for q, want := range map[string]string{
			"الشرقية": "[SH-001 SH-002 SH-003 SH-004 SH-005 SH-006 SH-007]", "SHARQIA": "[SH-001 SH-002 SH-003 SH-004 SH-005 SH-006 SH-007]",
			"القاهره": "[CA-001 CA-M01]", "الزقازيق": "[SH-001]", "zagazig": "[SH-001]", "ابو": "[SH-004 SH-005]",
			"أبو كبير": "[SH-005]", "الزاويه الحمراء": "[CA-M01]", "cairo mobile": "[CA-M01]", "بلبيس الشرقيه": "[SH-002]",
			"zagazig cairo": "[]", "50%": "[]",
		} {
			rows, err := centerRows(db, store.CenterFilter{Scope: nation, Query: q, Limit: 50})
			var got []string
			for _, r := range rows {
				got = append(got, r.Code)
			}
			if err != nil || fmt.Sprint(got) != want && !(want == "[]" && got == nil) {
				t.Errorf("q=%q: %v (want %s), %v", q, got, want, err)
			}
		}
		if list, err := db.Centers(ctx, store.CenterFilter{Scope: nation, Query: "الشرقية", Limit: 3}); err != nil || list.Total != 7 || len(list.Rows) != 3 {
			t.Errorf("total of a search: %d rows of %d, %v", len(list.Rows), list.Total, err)
		}
		// The list runs by governorate, then code, and pages on both.
		mustCreate(t, db, fixedCenter("ZZ-001", "01-003", "مركز حدائق القبة"))
		var order []string
		after = nil
		for pages := 0; pages < 10; pages++ {
			list, err := db.Centers(ctx, store.CenterFilter{Scope: nation, Limit: 2, After: after})
			if err != nil || list.Total != 10 {
				t.Fatalf("nation page %d: %v total %d", pages, err, list.Total)
			}
			for _, r := range list.Rows {
				order = append(order, r.Code)
			}
			if after = list.Next; after == nil {
				break
			}
		}
		if fmt.Sprint(order) != "[CA-001 CA-M01 ZZ-001 SH-001 SH-002 SH-003 SH-004 SH-005 SH-006 SH-007]" {
			t.Errorf("order: %v", order)
		}
		// Filters.
		if rows, _ := centerRows(db, store.CenterFilter{Scope: nation, Kind: markaz.KindMobile, Limit: 50}); len(rows) != 1 || rows[0].Code != "CA-M01" {
			t.Errorf("kind filter: %v", rows)
		}
		if rows, _ := centerRows(db, store.CenterFilter{Scope: nation, Unit: "13-004", Limit: 50}); len(rows) != 1 {
			t.Errorf("unit filter: %v", rows)
		}
		// Territory filters: unknown is a field error, outside the scope forbidden, a
		// district user may filter on their governorate.
		if _, err := db.Centers(ctx, store.CenterFilter{Scope: nation, Gov: "99", Limit: 5}); fieldCodes(err)["governorate"] != "unknown_governorate" {
			t.Errorf("unknown governorate: %v", err)
		}
		if _, err := db.Centers(ctx, store.CenterFilter{Scope: sharq, Gov: "01", Limit: 5}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("foreign governorate: %v", err)
		}
		if _, err := db.Centers(ctx, store.CenterFilter{Scope: sharq, Unit: "01-001", Limit: 5}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("foreign unit: %v", err)
		}
		district := markaz.Scope{Units: []string{"13-002"}}
		if rows, err := centerRows(db, store.CenterFilter{Scope: district, Gov: "13", Limit: 50}); err != nil || len(rows) != 1 {
			t.Errorf("district user on own governorate: %v %v", rows, err)
		}
		// A center-level scope reaches the center, its unit and governorate, nothing else.
		own := markaz.Scope{Centers: []string{alex.ID}}
		if rows, err := centerRows(db, store.CenterFilter{Scope: own, Gov: "01", Limit: 50}); err != nil || len(rows) != 1 {
			t.Errorf("center user: %v %v", rows, err)
		}
		units, err := db.ScopeUnits(ctx, own)
		if err != nil || len(units) != 1 || units[0].Code != "01-001" {
			t.Errorf("scope units of a center user: %v %v", units, err)
		}
		if units, _ := db.ScopeUnits(ctx, sharq); len(units) < 10 || units[0].GovCode != "13" || units[len(units)-1].GovCode != "13" {
			t.Errorf("scope units of governorate 13: %d", len(units))
		}
		if _, err := db.Center(ctx, sharq, "CA-001"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("read outside scope: %v", err)
		}
		if c, err := db.Center(ctx, own, "ca-٠٠١"); err != nil || c.ID != alex.ID {
			t.Errorf("read by code: %v", err)
		}
		if _, err := db.Center(ctx, nation, "NOPE"); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("missing center: %v", err)
		}
	})
}

func TestCenterWriteRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *markaz.FixedClock) {
		ctx := context.Background()
		row := mustCreate(t, db, fixedCenter("SH-001", "13-001", "مركز الزقازيق"))
		if row.GovCode != "13" || row.Version != 1 || row.CompletedFY == nil || *row.CompletedFY != 2022 {
			t.Fatalf("created: %+v", row)
		}

		// Field errors come together: duplicate code, unknown unit, missing name.
		_, err := createCenter(t, db, nation, &markaz.Center{Code: "SH-001", Kind: markaz.KindFixed, UnitCode: "13-999", DevStatus: markaz.DevPlanned})
		if f := fieldCodes(err); f["code"] != "taken" || f["unit"] != "unknown_unit" || f["name_ar"] != "required" {
			t.Errorf("create errors: %v", err)
		}
		// A governorate-13 writer may not create in governorate 01.
		if _, err := createCenter(t, db, sharq, fixedCenter("CA-001", "01-001", "مركز")); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("create outside scope: %v", err)
		}

		update := func(s markaz.Scope, id string, c *markaz.Center) (*store.CenterRow, error) {
			var out *store.CenterRow
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.UpdateCenter(admin, s, id, c, nil)
				return err
			})
			return out, err
		}
		edit := row.Center
		edit.NameAr, edit.UnitCode = "مركز بلبيس", "13-002"
		got, err := update(sharq, row.ID, &edit)
		if err != nil || got.Version != 2 || got.UnitCode != "13-002" || got.NameAr != "مركز بلبيس" {
			t.Fatalf("update: %+v %v", got, err)
		}
		// The old version is stale now.
		edit.Version = 1
		if _, err := update(sharq, row.ID, &edit); err == nil || err.(*markaz.Error).Key != "error.stale" {
			t.Errorf("stale update: %v", err)
		}
		// Moving it to another governorate needs the new territory in scope too.
		move := got.Center
		move.UnitCode = "01-001"
		if _, err := update(sharq, "SH-001", &move); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("move outside scope: %v", err)
		}
		if _, err := update(nation, row.ID, &markaz.Center{}); fieldCodes(err)["version"] != "required" {
			t.Errorf("missing version: %v", err)
		}

		retire := func(id, reason string) (*store.CenterRow, error) {
			var out *store.CenterRow
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.RetireCenter(admin, sharq, id, markaz.Date{}, reason, nil)
				return err
			})
			return out, err
		}
		if _, err := retire(row.ID, " "); fieldCodes(err)["reason"] != "required" {
			t.Errorf("retire without reason: %v", err)
		}
		// Not before the programme began; problems found reading the request come along.
		err = db.Write(ctx, func(tx *store.Tx) error {
			var input markaz.Validator
			input.Add("confirm", "confirm_retire", nil)
			_, err := tx.RetireCenter(admin, sharq, row.ID, markaz.Date{Y: 1990, M: 3, D: 14}, "", &input)
			return err
		})
		if f := fieldCodes(err); f["retired_on"] == "" || f["reason"] != "required" || f["confirm"] != "confirm_retire" {
			t.Errorf("retire before creation: %v", err)
		}
		mob := mustCreate(t, db, &markaz.Center{Code: "SH-M01", Kind: markaz.KindMobile, NameAr: "وحدة", NameEn: "Unit",
			UnitCode: "13-003", MobileStatus: markaz.MobileOperating, DeliveredOn: markaz.Date{Y: 2023, M: 1, D: 5}})
		r, err := retire(mob.Code, "Vehicle written off")
		if err != nil || r.RetiredOn != storetestToday() || r.MobileStatus != markaz.MobileRetired || r.Version != 2 {
			t.Fatalf("retire mobile: %+v %v", r, err)
		}
		// A retired center changes no more.
		again := r.Center
		if _, err := update(nation, r.ID, &again); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("edit retired: %v", err)
		}
		if _, err := retire(r.ID, "again"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("retire twice: %v", err)
		}
		// Retired centers leave the list unless asked for.
		if rows, _ := centerRows(db, store.CenterFilter{Scope: nation, Limit: 10}); len(rows) != 1 {
			t.Errorf("list hides retired: %d", len(rows))
		}
		if rows, _ := centerRows(db, store.CenterFilter{Scope: nation, IncludeRetired: true, Limit: 10}); len(rows) != 2 {
			t.Errorf("list with retired: %d", len(rows))
		}

		// Every change is audited with its action; nothing of the refused attempts is.
		var actions []string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Select(&actions, `SELECT action FROM audit_log WHERE entity = 'center' ORDER BY id`)
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(actions) != "[center.create center.update center.create center.retire]" {
			t.Errorf("audit: %v", actions)
		}
		if problem, _, err := db.VerifyAudit(ctx); problem != "" || err != nil {
			t.Errorf("audit chain: %q %v", problem, err)
		}
	})
}

func storetestToday() markaz.Date { return markaz.DateOf(storetest.Epoch) }

// centerRows lists the rows of the first page f selects.
func centerRows(db *store.DB, f store.CenterFilter) ([]store.CenterRow, error) {
	list, err := db.Centers(context.Background(), f)
	return list.Rows, err
}
