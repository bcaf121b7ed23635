package kpi

import (
	"testing"

	"markaz"
)

func TestParsePeriod(t *testing.T) {
	d := func(s string) markaz.Date {
		v, err := markaz.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		in       string
		from, to string
		step     Step
		name     string
	}{
		{"2024-05", "2024-05-01", "2024-05-31", StepMonth, "2024-05"},
		{"2024-02", "2024-02-01", "2024-02-29", StepMonth, "2024-02"},
		{"٢٠٢٤-٠٥", "2024-05-01", "2024-05-31", StepMonth, "2024-05"},
		{"2024-W01", "2023-12-30", "2024-01-05", StepWeek, "2024-W01"},
		{"2024-w18", "2024-04-27", "2024-05-03", StepWeek, "2024-W18"},
		{"2024-W52", "2024-12-21", "2024-12-27", StepWeek, "2024-W52"},
		{"2025-W01", "2024-12-28", "2025-01-03", StepWeek, "2025-W01"},
		{"2021-W53", "2021-12-25", "2021-12-31", StepWeek, "2021-W53"}, // 2021 has 53 Fridays
		{"2024-Q1", "2024-07-01", "2024-09-30", StepQuarter, "2024-Q1"},
		{"2024-Q2", "2024-10-01", "2024-12-31", StepQuarter, "2024-Q2"},
		{"2024-Q3", "2025-01-01", "2025-03-31", StepQuarter, "2024-Q3"},
		{"2024-Q4", "2025-04-01", "2025-06-30", StepQuarter, "2024-Q4"},
		{"FY2024", "2024-07-01", "2025-06-30", StepYear, "FY2024"},
		{" fy 2023 ", "2023-07-01", "2024-06-30", StepYear, "FY2023"},
	} {
		from, to, step, err := ParsePeriod(c.in)
		if err != nil || from != d(c.from) || to != d(c.to) || step != c.step {
			t.Errorf("%q: %v %v %v %v, want %s %s %s", c.in, from, to, step, err, c.from, c.to, c.step)
			continue
		}
		if n := PeriodName(step, from); n != c.name {
			t.Errorf("%q: name %q, want %q", c.in, n, c.name)
		}
		if n := PeriodName(step, to); n != c.name {
			t.Errorf("%q: name of last day %q, want %q", c.in, n, c.name)
		}
		// The period is the step's period holding its days.
		if PeriodStart(step, to) != from || PeriodEnd(step, from) != to {
			t.Errorf("%q: step bounds %v–%v", c.in, PeriodStart(step, to), PeriodEnd(step, from))
		}
	}
	for _, bad := range []string{"", "2024", "2024-13", "2024-00", "2024-W00", "2024-W53", "2024-Q5", "2024-Q0",
		"FY24", "24-05", "2024-5-1", "0001-01", "2024-W1x", "Q1-2024"} {
		if _, _, _, err := ParsePeriod(bad); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("%q: %v, want a field error", bad, err)
		}
	}
	if WeeksIn(2024) != 52 || WeeksIn(2021) != 53 {
		t.Errorf("weeks: 2024 %d, 2021 %d", WeeksIn(2024), WeeksIn(2021))
	}
}

// FuzzParsePeriod: whatever ParsePeriod accepts is a whole period of its step, at most a
// year long, whose name reads back to the same period.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2024-05", "2024-W18", "2024-Q1", "FY2024", "2021-W53", "x", "2024-W99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, to, step, err := ParsePeriod(s)
		if err != nil {
			if markaz.ErrorCode(err) != markaz.EInvalid {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if to.Before(from) || from.AddDays(366).Before(to) {
			t.Fatalf("%q: %v–%v", s, from, to)
		}
		if PeriodStart(step, from) != from || PeriodEnd(step, from) != to {
			t.Fatalf("%q: %v–%v is not a whole %s", s, from, to, step)
		}
		f2, t2, s2, err := ParsePeriod(PeriodName(step, from))
		if err != nil || f2 != from || t2 != to || s2 != step {
			t.Fatalf("%q: name %q reads back as %v–%v %s %v", s, PeriodName(step, from), f2, t2, s2, err)
		}
	})
}
