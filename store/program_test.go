package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

// progCenters inserts a small programme: fixed centers of every status, mobile units of
// every status with deliveries either side of a fiscal-year boundary, and retired
// centers that must not be counted (but for the retired mobile units' own count). It
// returns the ids by code.
func progCenters(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	d := func(s string) markaz.Date { v, _ := markaz.ParseDate(s); return v }
	fy := func(y int) *int { return &y }
	cs := []markaz.Center{
		{Code: "TC-13-001", Kind: markaz.KindFixed, UnitCode: "13-001", DevStatus: markaz.DevDeveloped, CompletedOn: d("2017-03-01")},
		{Code: "TC-13-002", Kind: markaz.KindFixed, UnitCode: "13-002", DevStatus: markaz.DevDeveloped, CompletedOn: d("2022-06-30")},
		{Code: "TC-13-003", Kind: markaz.KindFixed, UnitCode: "13-002", DevStatus: markaz.DevDeveloped, CompletedOn: d("2022-07-01")},
		{Code: "TC-13-004", Kind: markaz.KindFixed, UnitCode: "13-003", DevStatus: markaz.DevUnderDevelopment},
		{Code: "TC-13-005", Kind: markaz.KindFixed, UnitCode: "13-003", DevStatus: markaz.DevPlanned},
		{Code: "TC-01-001", Kind: markaz.KindFixed, UnitCode: "01-001", DevStatus: markaz.DevDeveloped, CompletedOn: d("2020-01-15")},
		{Code: "TC-01-002", Kind: markaz.KindFixed, UnitCode: "01-002", DevStatus: markaz.DevDeveloped, CompletedOn: d("2019-09-09")}, // retired below
		{Code: "MU-13-01", Kind: markaz.KindMobile, UnitCode: "13-001", MobileStatus: markaz.MobileOperating, DeliveredOn: d("2021-06-30"), VehiclePlate: "ق ط ن ١٢٣٤"},
		{Code: "MU-13-02", Kind: markaz.KindMobile, UnitCode: "13-002", MobileStatus: markaz.MobileMaintenance, DeliveredOn: d("2021-07-01")},
		{Code: "MU-13-03", Kind: markaz.KindMobile, UnitCode: "13-003", MobileStatus: markaz.MobilePendingDelivery, DeliveryDueFY: fy(2023)},
		{Code: "MU-13-04", Kind: markaz.KindMobile, UnitCode: "13-003", MobileStatus: markaz.MobileOperating, DeliveredOn: d("2018-12-31")},  // retired below
		{Code: "MU-13-05", Kind: markaz.KindMobile, UnitCode: "13-001", MobileStatus: markaz.MobilePendingDelivery, DeliveryDueFY: fy(2025)}, // due this fiscal year: not overdue
		{Code: "MU-01-01", Kind: markaz.KindMobile, UnitCode: "01-001", MobileStatus: markaz.MobilePendingDelivery, DeliveryDueFY: fy(2024)},
		{Code: "MU-01-02", Kind: markaz.KindMobile, UnitCode: "01-001", MobileStatus: markaz.MobileOperating, DeliveredOn: d("2021-08-01")}, // retired below
	}
	ids := map[string]string{}
	err := db.Write(context.Background(), func(tx *store.Tx) error {
		for i := range cs {
			c := &cs[i]
			c.NameAr, c.NameEn = "مركز "+c.Code, "Center "+c.Code
			if err := c.Validate(tx.Today()); err != nil {
				return err
			}
			if err := tx.InsertCenter(store.Actor{}, c); err != nil {
				return err
			}
			ids[c.Code] = c.ID
		}
		if _, err := tx.Exec(`UPDATE centers SET retired_on = ?, retire_reason = 'closed' WHERE code IN ('TC-01-002', 'MU-01-02', 'MU-13-04')`, tx.Today()); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE centers SET mobile_status = 'retired' WHERE kind = 'mobile' AND retired_on IS NOT NULL`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestProgramSummaryCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		ids := progCenters(t, db)
		s, err := db.ProgramSummary(ctx, markaz.Scope{All: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.FixedCounts{Total: 6, Developed: 4, UnderDevelopment: 1, Planned: 1}); s.Fixed != want {
			t.Errorf("fixed %+v, want %+v", s.Fixed, want)
		}
		// The clock says 15 March 2026, in FY 2025–2026: units due in FY 2023 and 2024 are overdue.
		if s.CurrentFiscalYear != 2025 {
			t.Errorf("current fiscal year %d", s.CurrentFiscalYear)
		}
		if want := (store.MobileCounts{Total: 5, Operating: 1, PendingDelivery: 3, OverdueDelivery: 2, Maintenance: 1, Retired: 2}); s.Mobile != want {
			t.Errorf("mobile %+v, want %+v", s.Mobile, want)
		}
		// Every governorate has a line, zeros included.
		if len(s.ByGovernorate) != 27 || len(s.Reach) != 27 {
			t.Fatalf("%d lines, reach %d", len(s.ByGovernorate), len(s.Reach))
		}
		for _, g := range s.ByGovernorate {
			switch g.Code {
			case "01":
				if g.Fixed.Total != 1 || g.Mobile.Total != 1 || g.Mobile.Retired != 1 || g.Mobile.OverdueDelivery != 1 || g.NameEn != "Cairo" {
					t.Errorf("Cairo: %+v", g)
				}
			case "13":
				if g.Fixed.Total != 5 || g.Mobile.Total != 4 || g.Mobile.Retired != 1 || g.Mobile.OverdueDelivery != 1 {
					t.Errorf("Sharqia: %+v", g)
				}
			default:
				if g.Fixed.Total != 0 || g.Mobile.Total != 0 {
					t.Errorf("governorate %s: %+v", g.Code, g)
				}
			}
		}
		// Fiscal years run 1 July – 30 June; years between and since, up to the current
		// one, are listed with zeros.
		want := []store.FiscalYearProgram{
			{FiscalYear: 2016, Label: "2016–2017", Developed: 1},
			{FiscalYear: 2017, Label: "2017–2018"},
			{FiscalYear: 2018, Label: "2018–2019"}, // the unit delivered then is retired
			{FiscalYear: 2019, Label: "2019–2020", Developed: 1},
			{FiscalYear: 2020, Label: "2020–2021", Delivered: 1},
			{FiscalYear: 2021, Label: "2021–2022", Developed: 1, Delivered: 1},
			{FiscalYear: 2022, Label: "2022–2023", Developed: 1},
			{FiscalYear: 2023, Label: "2023–2024"},
			{FiscalYear: 2024, Label: "2024–2025"},
			{FiscalYear: 2025, Label: "2025–2026"},
		}
		if !reflect.DeepEqual(s.ByFiscalYear, want) {
			t.Errorf("by fiscal year:\n got %+v\nwant %+v", s.ByFiscalYear, want)
		}
		due := []store.MobileDue{{FiscalYear: 2023, Label: "2023–2024", PendingDelivery: 1, Overdue: true},
			{FiscalYear: 2024, Label: "2024–2025", PendingDelivery: 1, Overdue: true}, {FiscalYear: 2025, Label: "2025–2026", PendingDelivery: 1}}
		if !reflect.DeepEqual(s.MobileDueByFiscalYear, due) {
			t.Errorf("due: %+v", s.MobileDueByFiscalYear)
		}

		// Narrowed by governorate, by scope, by district and by center.
		for _, c := range []struct {
			name  string
			scope markaz.Scope
			gov   string
			fixed int
			govs  int
		}{
			{"nation ?13", markaz.Scope{All: true}, "13", 5, 1},
			{"governorate 13", markaz.Scope{Govs: []string{"13"}}, "", 5, 1},
			{"unit 13-003", markaz.Scope{Units: []string{"13-003"}}, "", 2, 1},
			{"unit 13-003 ?13", markaz.Scope{Units: []string{"13-003"}}, "13", 2, 1},
			{"center TC-13-001", markaz.Scope{Centers: []string{ids["TC-13-001"]}}, "", 1, 1},
			{"two governorates", markaz.Scope{Govs: []string{"01", "13"}}, "", 6, 2},
		} {
			s, err := db.ProgramSummary(ctx, c.scope, c.gov)
			if err != nil || s.Fixed.Total != c.fixed || len(s.ByGovernorate) != c.govs {
				t.Errorf("%s: %v fixed %d, %d governorates", c.name, err, s.Fixed.Total, len(s.ByGovernorate))
			}
		}
		if s.ByUnit != nil || s.Places != nil {
			t.Errorf("a national view has %d unit lines, places %+v", len(s.ByUnit), s.Places)
		}
		s, _ = db.ProgramSummary(ctx, markaz.Scope{Govs: []string{"01", "13"}}, "13")
		if len(s.Reach) != 2 || len(s.ByGovernorate) != 1 {
			t.Errorf("a filtered summary still reaches both governorates: %d, %d", len(s.Reach), len(s.ByGovernorate))
		}

		// Unknown governorate: field error; one outside the scope: forbidden.
		for _, gov := range []string{"99", "x", "013"} {
			if _, err := db.ProgramSummary(ctx, markaz.Scope{All: true}, gov); markaz.ErrorCode(err) != markaz.EInvalid {
				t.Errorf("?governorate=%s: %v", gov, err)
			}
		}
		for _, sc := range []markaz.Scope{{Govs: []string{"13"}}, {Units: []string{"13-003"}}, {Centers: []string{ids["TC-13-001"]}}, {}} {
			if _, err := db.ProgramSummary(ctx, sc, "01"); markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("scope %+v on 01: %v", sc, err)
			}
		}
		// An empty scope sees nothing at all.
		if s, err := db.ProgramSummary(ctx, markaz.Scope{}, ""); err != nil || s.Fixed.Total != 0 || len(s.ByGovernorate) != 0 {
			t.Errorf("empty scope: %v %+v", err, s)
		}
	})
}

// A view of one governorate (by scope or filter) breaks it down by district/city and
// names what it covers.
func TestProgramSummaryByUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		ids := progCenters(t, db)
		// A retired unit with nothing in it has no line.
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE units SET retired_on = ? WHERE code = '13-020'`, tx.Today())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		unit := func(s *store.ProgramSummary, code string) *store.UnitProgram {
			for i := range s.ByUnit {
				if s.ByUnit[i].Code == code {
					return &s.ByUnit[i]
				}
			}
			return nil
		}
		sharqia := store.ProgramPlace{Level: markaz.LevelGovernorate, Code: "13", NameAr: "الشرقية", NameEn: "Sharqia"}
		for _, c := range []struct {
			name   string
			scope  markaz.Scope
			gov    string
			units  []string // nil: every unit of Sharqia but the retired 13-020
			places []store.ProgramPlace
		}{
			{"nation ?13", markaz.Scope{All: true}, "13", nil, []store.ProgramPlace{sharqia}},
			{"governorate 13", markaz.Scope{Govs: []string{"13"}}, "", nil, []store.ProgramPlace{sharqia}},
			{"governorates 01 and 13 ?13", markaz.Scope{Govs: []string{"01", "13"}}, "13", nil, []store.ProgramPlace{sharqia}},
			{"unit 13-003", markaz.Scope{Units: []string{"13-003"}}, "", []string{"13-003"},
				[]store.ProgramPlace{{Level: markaz.LevelUnit, Code: "13-003", Type: "markaz", NameAr: "منيا القمح", NameEn: "Minya El Qamh"}}},
			{"units 13-003 and 01-001 ?13", markaz.Scope{Units: []string{"13-003", "01-001"}}, "13", []string{"13-003"},
				[]store.ProgramPlace{{Level: markaz.LevelUnit, Code: "13-003", Type: "markaz", NameAr: "منيا القمح", NameEn: "Minya El Qamh"}}},
			{"center TC-13-001", markaz.Scope{Centers: []string{ids["TC-13-001"]}}, "", []string{"13-001"},
				[]store.ProgramPlace{{Level: markaz.LevelCenter, Code: "TC-13-001", NameAr: "مركز TC-13-001", NameEn: "Center TC-13-001"}}},
		} {
			s, err := db.ProgramSummary(ctx, c.scope, c.gov)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !reflect.DeepEqual(s.Places, c.places) {
				t.Errorf("%s: places %+v", c.name, s.Places)
			}
			var got []string
			fixed := 0
			for _, u := range s.ByUnit {
				got = append(got, u.Code)
				fixed += u.Fixed.Total
			}
			if c.units == nil && (len(got) != 19 || got[0] != "13-001" || unit(s, "13-020") != nil) ||
				c.units != nil && !reflect.DeepEqual(got, c.units) {
				t.Errorf("%s: units %v", c.name, got)
			}
			if fixed != s.Fixed.Total {
				t.Errorf("%s: unit lines add up to %d fixed, total %d", c.name, fixed, s.Fixed.Total)
			}
		}
		s, _ := db.ProgramSummary(ctx, markaz.Scope{All: true}, "13")
		if u := unit(s, "13-003"); u == nil || u.NameEn != "Minya El Qamh" || u.Type != "markaz" ||
			u.Fixed != (store.FixedCounts{Total: 2, UnderDevelopment: 1, Planned: 1}) ||
			u.Mobile != (store.MobileCounts{Total: 1, PendingDelivery: 1, OverdueDelivery: 1, Retired: 1}) {
			t.Errorf("13-003: %+v", u)
		}
		if u := unit(s, "13-001"); u == nil || u.Mobile != (store.MobileCounts{Total: 2, Operating: 1, PendingDelivery: 1}) {
			t.Errorf("13-001: %+v", u)
		}
		if u := unit(s, "13-004"); u == nil || u.Fixed.Total != 0 || u.Mobile.Total != 0 {
			t.Errorf("13-004 (no center) is listed with zeros: %+v", u)
		}
		// Two governorates and no filter: no breakdown by unit.
		if s, _ := db.ProgramSummary(ctx, markaz.Scope{Govs: []string{"01", "13"}}, ""); s.ByUnit != nil || len(s.Places) != 2 {
			t.Errorf("two governorates: %d unit lines, places %+v", len(s.ByUnit), s.Places)
		}
	})
}

// Overdue and the fiscal years listed follow the clock.
func TestProgramSummaryFollowsTheClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		progCenters(t, db)
		clock.T = time.Date(2023, 10, 1, 8, 0, 0, 0, time.UTC) // FY 2023–2024
		s, err := db.ProgramSummary(ctx, markaz.Scope{All: true}, "")
		if err != nil {
			t.Fatal(err)
		}
		if s.CurrentFiscalYear != 2023 || s.Mobile.PendingDelivery != 3 || s.Mobile.OverdueDelivery != 0 {
			t.Errorf("FY %d: %+v", s.CurrentFiscalYear, s.Mobile)
		}
		if last := s.ByFiscalYear[len(s.ByFiscalYear)-1]; last.FiscalYear != 2023 {
			t.Errorf("fiscal years end with %+v", last)
		}
		for _, d := range s.MobileDueByFiscalYear {
			if d.Overdue {
				t.Errorf("overdue in FY 2023: %+v", d)
			}
		}
		clock.T = time.Date(2024, 7, 1, 8, 0, 0, 0, time.UTC) // FY 2024–2025: FY 2023 has ended
		s, _ = db.ProgramSummary(ctx, markaz.Scope{All: true}, "")
		if s.Mobile.OverdueDelivery != 1 || !s.MobileDueByFiscalYear[0].Overdue || s.MobileDueByFiscalYear[1].Overdue {
			t.Errorf("FY 2024: %+v %+v", s.Mobile, s.MobileDueByFiscalYear)
		}
		// Nothing developed or delivered: no fiscal year at all.
		if s, _ := db.ProgramSummary(ctx, markaz.Scope{Units: []string{"13-003"}}, ""); len(s.ByFiscalYear) != 0 {
			t.Errorf("unit 13-003: %+v", s.ByFiscalYear)
		}
	})
}
