package kpi

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"markaz"
)

// Periods as people name them (reports, the command line):
//
//   - "2024-05": a calendar month;
//   - "2024-W18": a week, Saturday to Friday. Week 1 of a year is the week holding the
//     year's first Friday, so every week belongs to the year it ends in and weeks are
//     numbered on from there (52 or 53 in a year). 2024-W01 is 30 Dec 2023 – 5 Jan 2024,
//     2024-W18 is 27 April – 3 May 2024;
//   - "2024-Q1": a fiscal quarter of fiscal year 2024–2025 (Q1 July–September 2024,
//     Q2 October–December 2024, Q3 January–March 2025, Q4 April–June 2025);
//   - "FY2024": fiscal year 2024–2025 (1 July 2024 – 30 June 2025).
//
// Arabic-Indic digits are read as Latin ones; letters in either case.
var (
	monthRE   = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)
	weekRE    = regexp.MustCompile(`^([0-9]{4})-W([0-9]{1,2})$`)
	quarterRE = regexp.MustCompile(`^([0-9]{4})-Q([1-4])$`)
	fyRE      = regexp.MustCompile(`^FY ?([0-9]{4})$`)
)

// ParsePeriod reads a period name (see above) into its first and last day and its step.
// A malformed name is a field error on "period".
func ParsePeriod(s string) (from, to markaz.Date, step Step, err error) {
	s = strings.ToUpper(strings.TrimSpace(markaz.LatinDigits(s)))
	bad := func(code string) (markaz.Date, markaz.Date, Step, error) {
		var v markaz.Validator
		v.Add("period", code, nil)
		return markaz.Date{}, markaz.Date{}, "", v.Err()
	}
	year := func(y string) (int, bool) {
		n, _ := strconv.Atoi(y)
		return n, n >= 1900 && n <= 9998
	}
	if m := monthRE.FindStringSubmatch(s); m != nil {
		y, ok := year(m[1])
		mo, _ := strconv.Atoi(m[2])
		if !ok || mo < 1 || mo > 12 {
			return bad("period_format")
		}
		d := markaz.Date{Y: y, M: time.Month(mo), D: 1}
		return d, PeriodEnd(StepMonth, d), StepMonth, nil
	}
	if m := weekRE.FindStringSubmatch(s); m != nil {
		y, ok := year(m[1])
		w, _ := strconv.Atoi(m[2])
		if !ok || w < 1 || w > WeeksIn(y) {
			return bad("period_week")
		}
		end := firstFriday(y).AddDays(7 * (w - 1))
		return end.AddDays(-6), end, StepWeek, nil
	}
	if m := quarterRE.FindStringSubmatch(s); m != nil {
		y, ok := year(m[1])
		if !ok {
			return bad("period_format")
		}
		q, _ := strconv.Atoi(m[2])
		d := addMonths(markaz.Date{Y: y, M: time.July, D: 1}, 3*(q-1))
		return d, PeriodEnd(StepQuarter, d), StepQuarter, nil
	}
	if m := fyRE.FindStringSubmatch(s); m != nil {
		y, ok := year(m[1])
		if !ok {
			return bad("period_format")
		}
		from, to := markaz.FiscalYearBounds(y)
		return from, to, StepYear, nil
	}
	return bad("period_format")
}

// firstFriday is the first Friday of calendar year y.
func firstFriday(y int) markaz.Date {
	d := markaz.Date{Y: y, M: time.January, D: 1}
	return d.AddDays((int(time.Friday) - int(d.Start().Weekday()) + 7) % 7)
}

// WeeksIn is the number of Saturday–Friday weeks ending in year y (52 or 53).
func WeeksIn(y int) int {
	return int((firstFriday(y+1).Start().Sub(firstFriday(y).Start()).Hours()+12)/24) / 7
}

// PeriodName is the name ParsePeriod reads for the period of step s holding d: the
// inverse of ParsePeriod for days and months, weeks, quarters and fiscal years.
func PeriodName(s Step, d markaz.Date) string {
	switch s {
	case StepWeek:
		end := PeriodEnd(StepWeek, d)
		days := int((end.Start().Sub(firstFriday(end.Y).Start()).Hours() + 12) / 24)
		return fmt.Sprintf("%04d-W%02d", end.Y, days/7+1)
	case StepQuarter:
		return fmt.Sprintf("%04d-Q%d", d.FiscalYear(), d.FiscalQuarter())
	case StepYear:
		return fmt.Sprintf("FY%04d", d.FiscalYear())
	case StepMonth:
		return fmt.Sprintf("%04d-%02d", d.Y, d.M)
	}
	return d.String()
}
