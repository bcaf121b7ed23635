package store_test

import (
	"context"
	"fmt"
	"testing"

	"markaz"
	"markaz/calendar"
	"markaz/store"
	"markaz/store/storetest"
)

func cday(s string) markaz.Date {
	d, err := markaz.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func due(t *testing.T, db *store.DB, gov, center, from string, n int) (markaz.Date, error) {
	t.Helper()
	var d markaz.Date
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		d, err = tx.DueDate(gov, center, cday(from), n)
		return err
	})
	return d, err
}

func addHoliday(db *store.DB, s markaz.Scope, date, gov string) (*calendar.Holiday, error) {
	h := &calendar.Holiday{Date: cday(date), NameAr: "عيد الفطر", NameEn: "Eid al-Fitr", GovCode: gov}
	err := db.Write(context.Background(), func(tx *store.Tx) error { return tx.InsertHoliday(admin, s, h) })
	return h, err
}

func TestDueDateFollowsTheAuthority(t *testing.T) {
	var seen []store.CalendarChange
	store.OnCalendarChange(func(tx *store.Tx, ch store.CalendarChange) error {
		seen = append(seen, ch)
		return nil
	})
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		seen = nil
		// Sunday 15 March 2026; Friday+Saturday rest nationally.
		if d, err := due(t, db, "", "", "2026-03-19", 1); err != nil || d != cday("2026-03-22") {
			t.Fatalf("national: %s %v", d, err)
		}
		if d, err := due(t, db, "13", "", "2026-03-15", 0); err != nil || d != cday("2026-03-15") {
			t.Fatalf("n=0: %s %v", d, err)
		}
		// Eid added late moves the due date; a governorate holiday moves only its own.
		before, _ := due(t, db, "13", "", "2026-03-15", 5)
		eid, err := addHoliday(db, nation, "2026-03-19", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := addHoliday(db, nation, "2026-03-22", "13"); err != nil {
			t.Fatal(err)
		}
		after, _ := due(t, db, "13", "", "2026-03-15", 5)
		other, _ := due(t, db, "01", "", "2026-03-15", 5)
		if before != cday("2026-03-22") || after != cday("2026-03-24") || other != cday("2026-03-23") {
			t.Fatalf("before %s, after %s (13), %s (01)", before, after, other)
		}
		if len(seen) != 2 || seen[0] != (store.CalendarChange{Gov: "", From: cday("2026-03-19")}) || seen[1].Gov != "13" {
			t.Fatalf("hook told %v", seen)
		}
		// Retiring the holiday restores the date; the row stays.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.RetireHoliday(admin, nation, eid.ID, "moved by the moon sighting")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := due(t, db, "01", "", "2026-03-15", 5); d != cday("2026-03-22") {
			t.Fatalf("after retiring: %s", d)
		}
		var n int
		db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM holidays`) })
		if n != 2 {
			t.Fatalf("holidays rows: %d", n)
		}
		// A governorate's weekly rest and a center's own.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.SetWeeklyRest(admin, nation, "01", " Fri ")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := due(t, db, "01", "", "2026-03-19", 1); d != cday("2026-03-21") {
			t.Fatalf("Cairo resting only on Friday: %s", d)
		}
		c := fixedCenter("CAL-1", "13-001", "مركز التقويم")
		c.WeeklyRest = "sun"
		row := mustCreate(t, db, c)
		if d, err := due(t, db, "", row.ID, "2026-03-21", 1); err != nil || d != cday("2026-03-23") {
			t.Fatalf("center resting on Sunday (22 March is governorate 13's holiday): %s %v", d, err)
		}
		plain := mustCreate(t, db, fixedCenter("CAL-2", "13-001", "مركز التقويم الثاني"))
		if d, err := due(t, db, "13", plain.ID, "2026-03-19", 1); err != nil || d != cday("2026-03-23") {
			t.Fatalf("center with the governorate's rest: %s %v", d, err)
		}
		// Bad input: every field at once.
		_, err = due(t, db, "99", "", "2026-03-19", calendar.MaxWorkingDays+1)
		if f := fieldCodes(err); f["governorate"] != "unknown_governorate" || f["working_days"] != "out_of_range" {
			t.Fatalf("bad input: %v", err)
		}
		_, err = due(t, db, "01", plain.ID, "2026-03-19", 1)
		if fieldCodes(err)["center"] != "center_not_in_governorate" {
			t.Fatalf("center of another governorate: %v", err)
		}
		_, err = due(t, db, "", markaz.NewID(), "2026-03-19", 1)
		if fieldCodes(err)["center"] != "unknown_center" {
			t.Fatalf("unknown center: %v", err)
		}
		es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "holiday"})
		gs, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "governorate"})
		if len(es) != 3 || len(gs) != 1 {
			t.Fatalf("audit: %d holiday entries, %d governorate entries", len(es), len(gs))
		}
		if problem, _, err := db.VerifyAudit(ctx); problem != "" || err != nil {
			t.Fatalf("audit chain: %q %v", problem, err)
		}
	})
}

func TestHolidayWriteRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := addHoliday(db, sharq, "2026-04-01", ""); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Fatalf("governorate admin adds a national holiday: %v", err)
		}
		if _, err := addHoliday(db, sharq, "2026-04-01", "01"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Fatalf("governorate 13 adds to 01: %v", err)
		}
		if _, err := addHoliday(db, nation, "2026-04-01", "99"); fieldCodes(err)["governorate"] != "unknown_governorate" {
			t.Fatalf("unknown governorate: %v", err)
		}
		h, err := addHoliday(db, sharq, "2026-04-01", "13")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := addHoliday(db, nation, "2026-04-01", "13"); fieldCodes(err)["date"] != "holiday_taken" {
			t.Fatalf("same day twice: %v", err)
		}
		bad := &calendar.Holiday{Date: cday("2040-01-01"), NameAr: "Eid", NameEn: "عيد"}
		err = db.Write(ctx, func(tx *store.Tx) error { return tx.InsertHoliday(admin, nation, bad) })
		if f := fieldCodes(err); f["date"] != "date_too_late" || f["name_ar"] != "needs_arabic" || f["name_en"] != "no_arabic" {
			t.Fatalf("bad holiday: %v", err)
		}
		retire := func(s markaz.Scope, id string) error {
			return db.Write(ctx, func(tx *store.Tx) error { _, err := tx.RetireHoliday(admin, s, id, ""); return err })
		}
		if err := retire(markaz.Scope{Govs: []string{"01"}}, h.ID); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Fatalf("retire from another governorate: %v", err)
		}
		if err := retire(nation, markaz.NewID()); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Fatalf("retire unknown: %v", err)
		}
		if err := retire(sharq, h.ID); err != nil {
			t.Fatal(err)
		}
		if err := retire(sharq, h.ID); markaz.ErrorCode(err) != markaz.EConflict {
			t.Fatalf("retire twice: %v", err)
		}
		// The date is free again once the holiday is retired.
		if _, err := addHoliday(db, sharq, "2026-04-01", "13"); err != nil {
			t.Fatalf("re-add after retiring: %v", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.SetWeeklyRest(admin, sharq, "01", "fri")
			return err
		})
		if markaz.ErrorCode(err) != markaz.EForbidden {
			t.Fatalf("weekly rest of another governorate: %v", err)
		}
		for rest, code := range map[string]string{"": "required", "fri,funday": "weekday_list", "sun,mon,tue,wed,thu,fri,sat": "rest_all_week"} {
			err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.SetWeeklyRest(admin, sharq, "13", rest); return err })
			if fieldCodes(err)["weekly_rest"] != code {
				t.Fatalf("rest %q: %v", rest, err)
			}
		}
	})
}

func TestHolidayImportAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := addHoliday(db, nation, "2026-07-23", ""); err != nil {
			t.Fatal(err)
		}
		imp := func(s markaz.Scope, rows ...store.HolidayRow) ([]calendar.Holiday, int, []store.RowError) {
			var created []calendar.Holiday
			var skipped int
			var problems []store.RowError
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				created, skipped, problems, err = tx.ImportHolidays(admin, s, rows)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return created, skipped, problems
		}
		good := []store.HolidayRow{
			{Row: 2, Date: "2026-01-07", NameAr: "عيد الميلاد المجيد", NameEn: "Coptic Christmas"},
			{Row: 3, Date: "2026-07-23", NameAr: "عيد الثورة", NameEn: "Revolution Day"}, // already there
			{Row: 4, Date: "٢٠٢٦-٠٤-١٣", NameAr: "شم النسيم", NameEn: "Sham El-Nessim", Gov: "13"},
			{Row: 5, Date: "2026-01-07", NameAr: "عيد الميلاد", NameEn: "Christmas"}, // repeats row 2
		}
		bad := append([]store.HolidayRow{}, good...)
		bad = append(bad, store.HolidayRow{Row: 6, Date: "2026-02-30", NameAr: "", NameEn: "x", Gov: "99"},
			store.HolidayRow{Row: 7, Date: "2026-02-01", NameAr: "يوم", NameEn: "Day", Gov: "01"})
		_, _, problems := imp(sharq, bad...)
		got := map[string]bool{}
		for _, p := range problems {
			got[string(rune('0'+p.Row))+p.Field+":"+p.Code] = true
		}
		for _, want := range []string{"2governorate:outside_scope", "6date:date_format", "6name_ar:required",
			"6governorate:unknown_governorate", "7governorate:outside_scope"} {
			if !got[want] {
				t.Errorf("missing problem %s in %v", want, problems)
			}
		}
		var n int
		db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM holidays`) })
		if n != 1 {
			t.Fatalf("a refused import wrote %d rows", n-1)
		}
		created, skipped, problems := imp(nation, good...)
		if len(problems) != 0 || len(created) != 2 || skipped != 2 {
			t.Fatalf("import: %d created, %d skipped, %v", len(created), skipped, problems)
		}
		var all, cairo, page2 []calendar.Holiday
		err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			if all, err = tx.ListHolidays(store.HolidayFilter{Year: 2026, Limit: 50}); err != nil || len(all) == 0 {
				return fmt.Errorf("list: %d %w", len(all), err)
			}
			if cairo, err = tx.ListHolidays(store.HolidayFilter{Year: 2026, Gov: "01", Limit: 50}); err != nil {
				return err
			}
			page2, err = tx.ListHolidays(store.HolidayFilter{Year: 2026, AfterDate: all[0].Date, AfterID: all[0].ID, Limit: 50})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[0].Date != cday("2026-01-07") || all[1].GovCode != "13" || len(cairo) != 2 || len(page2) != 2 {
			t.Fatalf("list: %v / %v / %v", all, cairo, page2)
		}
	})
}
