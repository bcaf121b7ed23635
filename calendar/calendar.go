// Package calendar is the working-day calendar of an authority: its weekly rest days and
// official holidays, and the one due-date function every deadline in Markaz uses. It is
// pure domain: the store loads a Calendar for an authority (national, governorate or
// center) and asks it. All arithmetic is on civil dates (markaz.Date), never on 24-hour
// steps, so Egypt's daylight-saving days (26 April 2024 began at 01:00, 31 October 2024
// had 25 hours) count as one day like any other.
package calendar

import (
	"slices"
	"strings"
	"time"

	"markaz"
)

// NationalRest is the national default weekly rest: Friday and Saturday.
const NationalRest = "fri,sat"

// MaxWorkingDays bounds a due-date computation: ten years of working days is more than any
// procedure needs, and the bound keeps a typo from looping for ever.
const MaxWorkingDays = 3650

// dayCodes are the stored day names, indexed by time.Weekday (Sunday = 0).
var dayCodes = markaz.Weekdays

// Calendar says which days an authority works. The zero value is not usable: build one
// with New.
type Calendar struct {
	rest     [7]bool
	holidays map[markaz.Date]bool
	sorted   []markaz.Date // holidays that fall on a weekday that is not a rest day, in order
}

// ParseRest reads a stored or typed rest-day list ("fri,sat", "Fri, SAT") into week
// order without repeats. An unknown day adds "weekday_list" and resting all seven days
// "rest_all_week" to v under field; the normalised list ("fri,sat") is returned.
func ParseRest(field, s string, v *markaz.Validator) ([]time.Weekday, string) {
	s = strings.ToLower(strings.TrimSpace(markaz.LatinDigits(s)))
	if s == "" {
		return nil, ""
	}
	var seen [7]bool
	for _, d := range strings.Split(s, ",") {
		i := slices.Index(dayCodes, strings.TrimSpace(d))
		if i < 0 {
			v.Add(field, "weekday_list", nil)
			return nil, s
		}
		seen[i] = true
	}
	var days []time.Weekday
	var codes []string
	for i, on := range seen {
		if on {
			days = append(days, time.Weekday(i))
			codes = append(codes, dayCodes[i])
		}
	}
	if len(days) == 7 {
		v.Add(field, "rest_all_week", nil)
	}
	return days, strings.Join(codes, ",")
}

// New builds a calendar from weekly rest days and holiday dates (repeats and zero dates
// are ignored). A week of seven rest days has no working day and is refused.
func New(rest []time.Weekday, holidays []markaz.Date) (*Calendar, error) {
	c := &Calendar{holidays: make(map[markaz.Date]bool, len(holidays))}
	for _, d := range rest {
		if d < time.Sunday || d > time.Saturday {
			return nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid",
				Fields: []markaz.FieldError{{Field: "weekly_rest", Code: "weekday_list"}}}
		}
		c.rest[d] = true
	}
	if !slices.Contains(c.rest[:], false) {
		return nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid",
			Fields: []markaz.FieldError{{Field: "weekly_rest", Code: "rest_all_week"}}}
	}
	for _, h := range holidays {
		if h.IsZero() || c.holidays[h] {
			continue
		}
		c.holidays[h] = true
		if !c.rest[weekday(h)] {
			c.sorted = append(c.sorted, h)
		}
	}
	slices.SortFunc(c.sorted, compare)
	return c, nil
}

// Parse builds a calendar from a stored rest-day list ("fri,sat") and holidays.
func Parse(rest string, holidays []markaz.Date) (*Calendar, error) {
	var v markaz.Validator
	days, _ := ParseRest("weekly_rest", rest, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return New(days, holidays)
}

// Rest returns the weekly rest days as stored ("fri,sat").
func (c *Calendar) Rest() string {
	var codes []string
	for i, on := range c.rest {
		if on {
			codes = append(codes, dayCodes[i])
		}
	}
	return strings.Join(codes, ",")
}

// IsWorkingDay reports whether d is neither a weekly rest day nor a holiday.
func (c *Calendar) IsWorkingDay(d markaz.Date) bool {
	return !c.rest[weekday(d)] && !c.holidays[d]
}

// CheckWorkingDays reports an n outside 0..MaxWorkingDays as a problem of field.
func CheckWorkingDays(v *markaz.Validator, field string, n int) bool {
	if n < 0 || n > MaxWorkingDays {
		v.Add(field, "out_of_range", map[string]any{"min": 0, "max": MaxWorkingDays})
		return false
	}
	return true
}

// AddWorkingDays returns the n-th working day after from: counting starts on the first
// working day after from, so n = 1 is that day and n = 0 is from itself (whatever kind
// of day it is). n must be within 0..MaxWorkingDays (check it with CheckWorkingDays or
// use Due); AddWorkingDays panics otherwise, as an index out of range does.
func (c *Calendar) AddWorkingDays(from markaz.Date, n int) markaz.Date {
	if n < 0 || n > MaxWorkingDays {
		panic("calendar: working days out of range")
	}
	d := from
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// Due is AddWorkingDays for input from outside: a missing from or an n out of range
// comes back as a validation error naming the fields "from" and "working_days".
func (c *Calendar) Due(from markaz.Date, n int) (markaz.Date, error) {
	var v markaz.Validator
	if from.IsZero() {
		v.Add("from", "required", nil)
	}
	CheckWorkingDays(&v, "working_days", n)
	if err := v.Err(); err != nil {
		return markaz.Date{}, err
	}
	return c.AddWorkingDays(from, n), nil
}

// WorkingDaysBetween counts the working days d with a < d ≤ b, so that
// WorkingDaysBetween(from, AddWorkingDays(from, n)) == n. When b is before a the count is
// negative (-WorkingDaysBetween(b, a)): "overdue by" reads naturally. Whole weeks are
// counted by arithmetic, so the cost grows with the holidays in range, not the span.
func (c *Calendar) WorkingDaysBetween(a, b markaz.Date) int {
	if b.Before(a) {
		return -c.WorkingDaysBetween(b, a)
	}
	days := dayNumber(b) - dayNumber(a)
	weeks, extra := days/7, days%7
	perWeek := 0
	for _, r := range c.rest {
		if !r {
			perWeek++
		}
	}
	n := weeks * perWeek
	wd := weekday(a)
	for i := 1; i <= extra; i++ {
		if !c.rest[(int(wd)+i)%7] {
			n++
		}
	}
	// Holidays on weekdays that are not rest days, inside (a, b].
	lo, _ := slices.BinarySearchFunc(c.sorted, a, compare)
	for _, h := range c.sorted[lo:] {
		if h.After(b) {
			break
		}
		if h.After(a) {
			n--
		}
	}
	return n
}

// weekday is the day of the week of a civil date (noon UTC: no zone, no DST).
func weekday(d markaz.Date) time.Weekday {
	return time.Date(d.Y, d.M, d.D, 12, 0, 0, 0, time.UTC).Weekday()
}

// dayNumber counts days since 1970-01-01 (civil: midnight UTC is an exact multiple of
// 86400 seconds, so the division is exact on either side of 1970).
func dayNumber(d markaz.Date) int {
	return int(time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func compare(a, b markaz.Date) int {
	return dayNumber(a) - dayNumber(b)
}
