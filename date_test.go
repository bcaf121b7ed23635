package markaz

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFiscalYear(t *testing.T) {
	for _, c := range []struct {
		d      Date
		fy, fq int
	}{
		{Date{2023, time.June, 30}, 2022, 4},
		{Date{2023, time.July, 1}, 2023, 1},
		{Date{2023, time.September, 30}, 2023, 1},
		{Date{2023, time.October, 1}, 2023, 2},
		{Date{2023, time.December, 31}, 2023, 2},
		{Date{2024, time.January, 1}, 2023, 3},
		{Date{2024, time.March, 31}, 2023, 3},
		{Date{2024, time.April, 1}, 2023, 4},
	} {
		if got := c.d.FiscalYear(); got != c.fy {
			t.Errorf("%s: FY %d, want %d", c.d, got, c.fy)
		}
		if got := c.d.FiscalQuarter(); got != c.fq {
			t.Errorf("%s: quarter %d, want %d", c.d, got, c.fq)
		}
	}
	from, to := FiscalYearBounds(2022)
	if from.String() != "2022-07-01" || to.String() != "2023-06-30" || FiscalYearLabel(2023) != "2023–2024" {
		t.Errorf("bounds %s %s", from, to)
	}
}

// Egypt's DST: 26 April 2024 began at 01:00 (23-hour day), 31 October 2024 had 25 hours.
func TestCairoDaysAcrossDST(t *testing.T) {
	for _, c := range []struct {
		d     Date
		hours float64
	}{
		{Date{2024, time.April, 26}, 23},
		{Date{2024, time.October, 31}, 25},
		{Date{2024, time.May, 15}, 24},
	} {
		next := c.d.AddDays(1)
		if got := next.Start().Sub(c.d.Start()).Hours(); got != c.hours {
			t.Errorf("%s lasts %v hours, want %v", c.d, got, c.hours)
		}
		// The last instant of the day is still that day; the next day's first is not.
		end := next.Start().Add(-time.Nanosecond)
		if DateOf(end) != c.d || DateOf(next.Start()) != next {
			t.Errorf("%s: day boundary wrong", c.d)
		}
	}
	// 22:30 UTC on 30 April 2024 is already 1 May in Cairo (UTC+3 in summer).
	if got := DateOf(time.Date(2024, 4, 30, 22, 30, 0, 0, time.UTC)); got.String() != "2024-05-01" {
		t.Errorf("summer date %s", got)
	}
	// In winter (UTC+2) 22:30 UTC is 00:30 the next day.
	if got := DateOf(time.Date(2024, 1, 10, 22, 30, 0, 0, time.UTC)); got.String() != "2024-01-11" {
		t.Errorf("winter date %s", got)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2024-02-29": "2024-02-29",
		"٢٠٢٤-٠٣-٠١": "2024-03-01",
		"2023-02-29": "",
		"0000-01-01": "",
		"0001-07-01": "",
		"2024-13-01": "",
		"01/02/2024": "",
		"":           "",
	} {
		d, err := ParseDate(in)
		if (err == nil) != (want != "") || err == nil && d.String() != want {
			t.Errorf("ParseDate(%q) = %s, %v; want %q", in, d, err, want)
		}
	}
	var d Date
	if err := json.Unmarshal([]byte(`"2024-02-30"`), &d); err == nil {
		t.Error("impossible date accepted from JSON")
	}
	if err := json.Unmarshal([]byte(`null`), &d); err != nil || !d.IsZero() {
		t.Error("null date")
	}
	var scanned Date
	if err := scanned.Scan(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)); err != nil || scanned.String() != "2024-05-01" {
		t.Errorf("scan time: %v %s", err, scanned)
	}
	if err := scanned.Scan("2024-05-02"); err != nil || scanned.String() != "2024-05-02" {
		t.Errorf("scan text: %v %s", err, scanned)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-02-29", "٢٠٢٤-٠٣-٠١", "x", "9999-99-99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		// Whatever parses must round-trip.
		again, err := ParseDate(d.String())
		if err != nil || again != d {
			t.Fatalf("%q → %s → %v %v", s, d, again, err)
		}
	})
}

// Before and After order dates as their YYYY-MM-DD strings do (the zero date first).
func TestDateOrder(t *testing.T) {
	dates := []Date{{}, {1999, time.December, 31}, {2024, time.February, 29}, {2024, time.March, 1},
		{2024, time.October, 9}, {2024, time.October, 10}, {2025, time.January, 1}}
	for _, a := range dates {
		for _, b := range dates {
			if got, want := a.Before(b), a.String() < b.String(); got != want {
				t.Errorf("%q before %q = %v, want %v", a, b, got, want)
			}
			if got, want := a.After(b), a.String() > b.String(); got != want {
				t.Errorf("%q after %q = %v, want %v", a, b, got, want)
			}
		}
	}
}
