package markaz

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Date is a civil date in Africa/Cairo (no time, no zone). The zero value is "no date".
// It is stored as DATE on PostgreSQL and as 'YYYY-MM-DD' text on SQLite.
type Date struct {
	Y int
	M time.Month
	D int
}

// DateOf returns the Cairo calendar date of an instant.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Cairo).Date()
	return Date{y, m, d}
}

// Today is the Cairo date now.
func Today(c Clock) Date { return DateOf(c.Now()) }

// ParseDate parses YYYY-MM-DD (Latin or Arabic-Indic digits) and rejects impossible dates.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, LatinDigits(s))
	if err != nil || t.Year() < 1900 {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD (1900 or later)", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.Y == 0 }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Y, d.M, d.D)
}

// Start is the first instant of the date in Cairo (not always 00:00 on DST days).
func (d Date) Start() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, Cairo) }

// AddDays moves by whole calendar days (DST-safe: civil arithmetic, not 24h steps).
func (d Date) AddDays(n int) Date {
	t := time.Date(d.Y, d.M, d.D+n, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Before reports whether d is strictly before o (the zero date is before every date).
// Fields are compared, not strings: due-date and deadline arithmetic calls this
// millions of times when requests are generated in bulk.
func (d Date) Before(o Date) bool { return d.compare(o) < 0 }

// After reports whether d is strictly after o.
func (d Date) After(o Date) bool { return d.compare(o) > 0 }

func (d Date) compare(o Date) int {
	switch {
	case d.Y != o.Y:
		return d.Y - o.Y
	case d.M != o.M:
		return int(d.M) - int(o.M)
	}
	return d.D - o.D
}

// FiscalYear returns the Egyptian fiscal year (1 July – 30 June) holding d, named by
// its starting calendar year: 2023 is "FY 2023–2024".
func (d Date) FiscalYear() int {
	if d.M >= time.July {
		return d.Y
	}
	return d.Y - 1
}

// FiscalQuarter returns 1–4, Q1 being July–September.
func (d Date) FiscalQuarter() int { return (int(d.M)+5)%12/3 + 1 }

// FiscalYearBounds returns the first and last date of fiscal year fy.
func FiscalYearBounds(fy int) (Date, Date) {
	return Date{fy, time.July, 1}, Date{fy + 1, time.June, 30}
}

// FiscalYearLabel is "2023–2024".
func FiscalYearLabel(fy int) string { return fmt.Sprintf("%d–%d", fy, fy+1) }

// Value stores the date as text; both databases accept it.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE (PostgreSQL gives time.Time) or text (SQLite).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = Date{v.Year(), v.Month(), v.Day()}
		return nil
	case string:
		return d.scanString(v)
	case []byte:
		return d.scanString(string(v))
	}
	return fmt.Errorf("cannot scan %T into Date", src)
}

func (d *Date) scanString(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	p, err := ParseDate(s)
	*d = p
	return err
}

// MarshalJSON writes "YYYY-MM-DD" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD", "" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a date YYYY-MM-DD")
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// LatinDigits maps Arabic-Indic (٠–٩) and Persian (۰–۹) digits to 0–9.
func LatinDigits(s string) string {
	b := []rune(s)
	changed := false
	for i, r := range b {
		switch {
		case r >= '٠' && r <= '٩':
			b[i] = '0' + (r - '٠')
			changed = true
		case r >= '۰' && r <= '۹':
			b[i] = '0' + (r - '۰')
			changed = true
		}
	}
	if !changed {
		return s
	}
	return string(b)
}
