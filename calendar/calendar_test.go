package calendar

import (
	"testing"
	"time"

	"markaz"
)

func day(s string) markaz.Date {
	d, err := markaz.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func days(ss ...string) []markaz.Date {
	out := make([]markaz.Date, len(ss))
	for i, s := range ss {
		out[i] = day(s)
	}
	return out
}

// bruteBetween counts the working days in (a, b] one day at a time: the definition.
func bruteBetween(c *Calendar, a, b markaz.Date) int {
	n := 0
	for d := a.AddDays(1); !d.After(b); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

func TestAddWorkingDays(t *testing.T) {
	eid := days("2026-03-16", "2026-03-17") // a Monday and a Tuesday
	coptic := days("2025-01-07")
	cases := []struct {
		name     string
		rest     string
		holidays []markaz.Date
		from     string
		n        int
		want     string
	}{
		{"zero is from itself", "fri,sat", nil, "2026-03-15", 0, "2026-03-15"},
		{"zero on a rest day", "fri,sat", nil, "2026-03-20", 0, "2026-03-20"},
		{"next working day", "fri,sat", nil, "2026-03-15", 1, "2026-03-16"},
		{"over the weekend", "fri,sat", nil, "2026-03-15", 5, "2026-03-22"},
		{"thursday to sunday", "fri,sat", nil, "2026-03-19", 1, "2026-03-22"},
		{"from a friday", "fri,sat", nil, "2026-03-20", 1, "2026-03-22"},
		{"from a saturday", "fri,sat", nil, "2026-03-21", 2, "2026-03-23"},
		{"holidays in the middle", "fri,sat", eid, "2026-03-15", 3, "2026-03-22"},
		{"from a holiday", "fri,sat", eid[:1], "2026-03-16", 1, "2026-03-17"},
		{"holiday on a rest day counts once", "fri,sat", days("2026-03-20"), "2026-03-19", 1, "2026-03-22"},
		{"DST start 2024-04-26 is a friday rest", "fri,sat", nil, "2024-04-25", 1, "2024-04-28"},
		{"DST start 2024-04-26 as a working day", "sun", nil, "2024-04-25", 1, "2024-04-26"},
		{"DST start counted through", "sun", nil, "2024-04-25", 2, "2024-04-27"},
		{"DST end 2024-10-31", "fri,sat", nil, "2024-10-30", 1, "2024-10-31"},
		{"DST end, 25-hour day then weekend", "fri,sat", nil, "2024-10-30", 2, "2024-11-03"},
		{"across the year end", "fri,sat", coptic, "2024-12-25", 10, "2025-01-09"},
		{"no rest days", "", nil, "2024-12-30", 3, "2025-01-02"},
		{"a year of working days", "fri,sat", nil, "2024-01-01", 261, "2024-12-31"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.rest, tc.holidays)
			if err != nil {
				t.Fatal(err)
			}
			got := c.AddWorkingDays(day(tc.from), tc.n)
			if got != day(tc.want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			}
			if n := c.WorkingDaysBetween(day(tc.from), got); n != tc.n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.from, got, n, tc.n)
			}
			if tc.n > 0 && !c.IsWorkingDay(got) {
				t.Fatalf("%s is not a working day", got)
			}
		})
	}
}

func TestLongSpans(t *testing.T) {
	hol := days("2024-01-07", "2024-04-10", "2024-04-11", "2024-06-16", "2024-06-17", "2024-06-18",
		"2024-10-06", "2025-01-07", "2025-03-30", "2025-03-31", "2025-06-06", "2026-01-07", "2030-01-07")
	for _, rest := range []string{"fri,sat", "fri", "sun,mon,tue,wed,thu,fri", ""} {
		c, err := Parse(rest, hol)
		if err != nil {
			t.Fatal(err)
		}
		from := day("2023-12-28")
		for _, n := range []int{1, 7, 30, 250, 1000, MaxWorkingDays} {
			got := c.AddWorkingDays(from, n)
			if b := bruteBetween(c, from, got); b != n || !c.IsWorkingDay(got) {
				t.Fatalf("%q: %d working days from %s landed on %s (%d counted)", rest, n, from, got, b)
			}
			if w := c.WorkingDaysBetween(from, got); w != n {
				t.Fatalf("%q: between %s and %s: %d, want %d", rest, from, got, w, n)
			}
			if w := c.WorkingDaysBetween(got, from); w != -n {
				t.Fatalf("%q: reversed: %d, want %d", rest, w, -n)
			}
		}
	}
}

func TestBetweenAgreesWithCounting(t *testing.T) {
	c, _ := Parse("fri,sat", days("2024-04-25", "2024-04-26", "2024-05-01", "2024-10-31"))
	a := day("2024-04-01")
	for i := 0; i < 400; i++ {
		b := a.AddDays(i)
		if got, want := c.WorkingDaysBetween(a, b), bruteBetween(c, a, b); got != want {
			t.Fatalf("between %s and %s: %d, want %d", a, b, got, want)
		}
	}
	if n := c.WorkingDaysBetween(a, a); n != 0 {
		t.Fatalf("same day: %d", n)
	}
	// Before 1970 too (day numbers are negative there).
	old := day("1969-12-25")
	if got, want := c.WorkingDaysBetween(old, day("1970-01-10")), bruteBetween(c, old, day("1970-01-10")); got != want {
		t.Fatalf("around 1970: %d, want %d", got, want)
	}
}

func TestGuards(t *testing.T) {
	if _, err := Parse("sun,mon,tue,wed,thu,fri,sat", nil); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Fatalf("all week rest: %v", err)
	}
	if _, err := New([]time.Weekday{0, 1, 2, 3, 4, 5, 6}, nil); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Fatalf("New all week rest: %v", err)
	}
	if _, err := New([]time.Weekday{9}, nil); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Fatalf("bad weekday: %v", err)
	}
	if _, err := Parse("fri,funday", nil); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Fatalf("bad day name: %v", err)
	}
	var v markaz.Validator
	if _, norm := ParseRest("weekly_rest", " SAT, Fri,fri ", &v); norm != "fri,sat" || v.Err() != nil {
		t.Fatalf("normalise: %q %v", norm, v.Err())
	}
	c, _ := Parse(NationalRest, nil)
	if c.Rest() != "fri,sat" {
		t.Fatalf("rest: %q", c.Rest())
	}
	for _, n := range []int{-1, MaxWorkingDays + 1} {
		_, err := c.Due(day("2026-01-01"), n)
		var e *markaz.Error
		if markaz.ErrorCode(err) != markaz.EInvalid || !asErr(err, &e) || e.Fields[0].Field != "working_days" {
			t.Fatalf("Due n=%d: %v", n, err)
		}
	}
	if _, err := c.Due(markaz.Date{}, 1); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Fatalf("Due without from: %v", err)
	}
	if d, err := c.Due(day("2026-03-19"), 1); err != nil || d != day("2026-03-22") {
		t.Fatalf("Due: %s %v", d, err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("AddWorkingDays with n < 0 did not panic")
		}
	}()
	c.AddWorkingDays(day("2026-01-01"), -1)
}

func asErr(err error, e **markaz.Error) bool {
	x, ok := err.(*markaz.Error)
	*e = x
	return ok
}

// FuzzAddWorkingDays: whatever the rest days, holidays, start and count, the due date is
// a working day after from (from itself for n = 0), with exactly n working days in
// between, and WorkingDaysBetween agrees.
func FuzzAddWorkingDays(f *testing.F) {
	f.Add(uint8(0b1100000), uint16(0), uint16(30), uint16(5), uint64(0))
	f.Add(uint8(0), uint16(9000), uint16(365), uint16(0), uint64(1<<40|1<<3))
	f.Add(uint8(0b0111111), uint16(20000), uint16(1000), uint16(3650), uint64(0xfffffff))
	f.Fuzz(func(t *testing.T, restMask uint8, start uint16, span uint16, n uint16, holMask uint64) {
		var rest []time.Weekday
		for i := 0; i < 7; i++ {
			if restMask&(1<<i) != 0 {
				rest = append(rest, time.Weekday(i))
			}
		}
		from := day("1990-01-01").AddDays(int(start))
		var hol []markaz.Date
		for i := 0; i < 64; i++ {
			if holMask&(1<<i) != 0 {
				hol = append(hol, from.AddDays(i*int(span%97+1)/3))
			}
		}
		c, err := New(rest, hol)
		if len(rest) == 7 {
			if err == nil {
				t.Fatal("seven rest days accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		k := int(n) % (MaxWorkingDays + 1)
		got := c.AddWorkingDays(from, k)
		if k == 0 {
			if got != from {
				t.Fatalf("n=0 gave %s, not %s", got, from)
			}
			return
		}
		if !got.After(from) || !c.IsWorkingDay(got) {
			t.Fatalf("%d working days from %s gave %s", k, from, got)
		}
		if b := bruteBetween(c, from, got); b != k {
			t.Fatalf("%d working days from %s gave %s with %d in between", k, from, got, b)
		}
		if w := c.WorkingDaysBetween(from, got); w != k {
			t.Fatalf("WorkingDaysBetween = %d, want %d", w, k)
		}
	})
}
