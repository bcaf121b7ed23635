package store

import (
	"context"
	"slices"
	"strings"

	"markaz"
)

// FixedCounts counts fixed centers by development status.
type FixedCounts struct {
	Total            int `json:"total"`
	Developed        int `json:"developed"`
	UnderDevelopment int `json:"under_development"`
	Planned          int `json:"planned"`
}

// MobileCounts counts mobile units by status. Retired units are not in Total; Retired
// says how many have been taken out of service. OverdueDelivery counts the units pending
// delivery whose due fiscal year has already ended (they are also in PendingDelivery).
type MobileCounts struct {
	Total           int `json:"total"`
	Operating       int `json:"operating"`
	PendingDelivery int `json:"pending_delivery"`
	OverdueDelivery int `json:"overdue_delivery"`
	Maintenance     int `json:"maintenance"`
	Retired         int `json:"retired"`
}

// GovernorateProgram is one governorate's line of the programme view.
type GovernorateProgram struct {
	Code   string       `json:"code"`
	NameAr string       `json:"name_ar"`
	NameEn string       `json:"name_en"`
	Fixed  FixedCounts  `json:"fixed"`
	Mobile MobileCounts `json:"mobile"`
}

// UnitProgram is one district/city's line of the programme view of one governorate.
type UnitProgram struct {
	Code   string       `json:"code"`
	Type   string       `json:"unit_type"`
	NameAr string       `json:"name_ar"`
	NameEn string       `json:"name_en"`
	Fixed  FixedCounts  `json:"fixed"`
	Mobile MobileCounts `json:"mobile"`
}

// ProgramPlace names one territory a programme view covers: a governorate, a
// district/city (Type is its unit type) or a center (Code is its code).
type ProgramPlace struct {
	Level  string
	Code   string `db:"code"`
	Type   string `db:"type"`
	NameAr string `db:"name_ar"`
	NameEn string `db:"name_en"`
}

// FiscalYearProgram counts what was completed in one fiscal year: fixed centers whose
// development was completed and mobile units delivered.
type FiscalYearProgram struct {
	FiscalYear int    `json:"fiscal_year"`
	Label      string `json:"label"`
	Developed  int    `json:"developed"`
	Delivered  int    `json:"delivered"`
}

// MobileDue counts mobile units still pending delivery by the fiscal year they are due;
// Overdue says that fiscal year has already ended.
type MobileDue struct {
	FiscalYear      int    `json:"fiscal_year"`
	Label           string `json:"label"`
	PendingDelivery int    `json:"pending_delivery"`
	Overdue         bool   `json:"overdue"`
}

// ProgramSummary answers the seed's questions for a territory: how many centers are
// developed and under way, how many mobile units operate or await delivery (and how many
// of those are overdue), by governorate, by district/city when it covers one governorate,
// and by fiscal year up to the current one. Retired centers are not counted, except in
// MobileCounts.Retired.
type ProgramSummary struct {
	Governorate       string               `json:"governorate,omitempty"` // the ?governorate filter
	CurrentFiscalYear int                  `json:"current_fiscal_year"`
	Fixed             FixedCounts          `json:"fixed"`
	Mobile            MobileCounts         `json:"mobile"`
	ByGovernorate     []GovernorateProgram `json:"by_governorate"`
	// ByUnit is there only when the view covers one governorate (by scope or filter).
	ByUnit                []UnitProgram       `json:"by_unit,omitempty"`
	ByFiscalYear          []FiscalYearProgram `json:"by_fiscal_year"`
	MobileDueByFiscalYear []MobileDue         `json:"mobile_due_by_fiscal_year"`
	// Reach lists every governorate the scope reaches, wholly or in part (for a filter).
	Reach []markaz.Governorate `json:"-"`
	// Places names what the view covers when that is less than the nation: the filtered
	// governorate, else the governorates, districts/cities and centers of the scope.
	Places []ProgramPlace `json:"-"`
}

// ProgramSummary computes the programme view inside scope, narrowed to governorate gov
// when it is not "". An unknown governorate is a field error; one the scope does not
// reach is forbidden. Counting is done by the database (GROUP BY), never row by row;
// "overdue" and "current fiscal year" follow the transaction's clock.
func (db *DB) ProgramSummary(ctx context.Context, scope markaz.Scope, gov string) (*ProgramSummary, error) {
	s := &ProgramSummary{Governorate: gov, ByGovernorate: []GovernorateProgram{},
		ByFiscalYear: []FiscalYearProgram{}, MobileDueByFiscalYear: []MobileDue{}}
	err := db.Read(ctx, func(tx *Tx) error {
		s.CurrentFiscalYear = tx.Today().FiscalYear()
		var err error
		if s.Reach, err = reachedGovernorates(tx, scope); err != nil {
			return err
		}
		govs := s.Reach
		if gov != "" {
			if err := checkGovernorate(tx, gov); err != nil {
				return err
			}
			i := slices.IndexFunc(govs, func(g markaz.Governorate) bool { return g.Code == gov })
			if i < 0 {
				return markaz.ErrForbidden
			}
			govs = govs[i : i+1]
		}
		if s.Places, err = programPlaces(tx, scope, gov, govs); err != nil {
			return err
		}
		var units []markaz.Unit
		if len(govs) == 1 {
			if units, err = programUnits(tx, scope, govs[0].Code); err != nil {
				return err
			}
		}
		filter := func() where {
			var w where
			w.scope(scope, "gov_code", "unit_code", "id")
			if gov != "" {
				w.add("gov_code = ?", gov)
			}
			return w
		}
		if err := s.count(tx, filter(), govs, units); err != nil {
			return err
		}
		w := filter()
		w.add("retired_on IS NULL")
		return s.countByFiscalYear(tx, w)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// programPlaces names what a view covers: nothing for the whole nation, the filtered
// governorate when the scope holds all of it, else the scope's governorates,
// districts/cities and centers (those in the filtered governorate only, if any).
func programPlaces(tx *Tx, scope markaz.Scope, gov string, govs []markaz.Governorate) ([]ProgramPlace, error) {
	var out []ProgramPlace
	for _, g := range govs {
		if gov != "" && scope.ContainsGov(g.Code) || slices.Contains(scope.Govs, g.Code) {
			out = append(out, ProgramPlace{Level: markaz.LevelGovernorate, Code: g.Code, NameAr: g.NameAr, NameEn: g.NameEn})
		}
	}
	if scope.All || gov != "" && scope.ContainsGov(gov) {
		return out, nil
	}
	for _, q := range []struct {
		level, sql string
		ids        []string
	}{
		{markaz.LevelUnit, `SELECT code, unit_type AS type, name_ar, name_en FROM units WHERE code`, scope.Units},
		{markaz.LevelCenter, `SELECT code, '' AS type, name_ar, name_en FROM centers WHERE id`, scope.Centers},
	} {
		if len(q.ids) == 0 {
			continue
		}
		cond, args := inList(q.ids)
		if gov != "" {
			cond += ` AND gov_code = ?`
			args = append(args, gov)
		}
		var rows []ProgramPlace
		if err := tx.Select(&rows, q.sql+cond+` ORDER BY code`, args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			r.Level = q.level
			out = append(out, r)
		}
	}
	return out, nil
}

// programUnits lists the districts/cities of governorate gov that scope reaches: all of
// them when it holds the governorate, else its own units and its centers' units.
func programUnits(tx *Tx, scope markaz.Scope, gov string) ([]markaz.Unit, error) {
	q := `SELECT code, gov_code, name_ar, name_en, unit_type, retired_on FROM units WHERE gov_code = ?`
	args := []any{gov}
	if !scope.ContainsGov(gov) { // "" names nothing and keeps both lists non-empty
		units, uargs := inList(append([]string{""}, scope.Units...))
		centers, cargs := inList(append([]string{""}, scope.Centers...))
		q += ` AND (code` + units + ` OR code IN (SELECT unit_code FROM centers WHERE id` + centers + `))`
		args = slices.Concat(args, uargs, cargs)
	}
	var out []markaz.Unit
	return out, tx.Select(&out, q+` ORDER BY code`, args...)
}

// inList is " IN (?, …)" for vals (which must not be empty) and its arguments.
func inList(vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return ` IN (` + strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",") + `)`, args
}

// checkGovernorate refuses a code that names no governorate.
func checkGovernorate(tx *Tx, code string) error {
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM governorates WHERE code = ?`, code); err != nil {
		return err
	}
	if n == 0 {
		var v markaz.Validator
		v.Add("governorate", "unknown_governorate", nil)
		return v.Err()
	}
	return nil
}

// reachedGovernorates lists the governorates a scope reaches: all of them nationally,
// else those it holds and those holding its districts/cities and centers.
func reachedGovernorates(tx *Tx, scope markaz.Scope) ([]markaz.Governorate, error) {
	var ors []string
	var args []any
	for _, c := range []struct {
		cond string
		vals []string
	}{
		{`code`, scope.Govs},
		{`code IN (SELECT gov_code FROM units WHERE code`, scope.Units},
		{`code IN (SELECT gov_code FROM centers WHERE id`, scope.Centers},
	} {
		if len(c.vals) == 0 {
			continue
		}
		in, a := inList(c.vals)
		cond := c.cond + in
		if strings.Contains(c.cond, "(") {
			cond += ")"
		}
		ors, args = append(ors, cond), append(args, a...)
	}
	q := `SELECT code, name_ar, name_en, retired_on FROM governorates`
	if !scope.All {
		if len(ors) == 0 {
			return nil, nil
		}
		q += ` WHERE ` + strings.Join(ors, " OR ")
	}
	var out []markaz.Governorate
	return out, tx.Select(&out, q+` ORDER BY code`, args...)
}

// count fills the per-governorate lines (every governorate of govs, with zeros where it
// has no center), the per-unit lines when units is not nil (dropping retired units that
// have nothing to count) and the totals; retired centers count only as retired mobile
// units.
func (s *ProgramSummary) count(tx *Tx, w where, govs []markaz.Governorate, units []markaz.Unit) error {
	var rows []struct {
		Gov    string `db:"gov_code"`
		Unit   string `db:"unit_code"`
		Kind   string `db:"kind"`
		Dev    string `db:"dev_status"`
		Mobile string `db:"mobile_status"`
		Due    *int   `db:"delivery_due_fy"`
		Gone   bool   `db:"gone"`
		N      int    `db:"n"`
	}
	const gone = `CASE WHEN retired_on IS NULL THEN 0 ELSE 1 END`
	const cols = `gov_code, unit_code, kind, dev_status, mobile_status, delivery_due_fy, `
	if err := tx.Select(&rows, `SELECT `+cols+gone+` AS gone, COUNT(*) AS n
		FROM centers`+w.String()+` GROUP BY `+cols+gone, w.args...); err != nil {
		return err
	}
	govLine := map[string]tally{}
	for _, g := range govs {
		s.ByGovernorate = append(s.ByGovernorate, GovernorateProgram{Code: g.Code, NameAr: g.NameAr, NameEn: g.NameEn})
	}
	for i := range s.ByGovernorate {
		l := &s.ByGovernorate[i]
		govLine[l.Code] = tally{&l.Fixed, &l.Mobile}
	}
	unitLine := map[string]tally{}
	if units != nil {
		s.ByUnit = make([]UnitProgram, len(units))
		for i, u := range units {
			s.ByUnit[i] = UnitProgram{Code: u.Code, Type: u.Type, NameAr: u.NameAr, NameEn: u.NameEn}
			unitLine[u.Code] = tally{&s.ByUnit[i].Fixed, &s.ByUnit[i].Mobile}
		}
	}
	for _, r := range rows {
		late := r.Mobile == markaz.MobilePendingDelivery && r.Due != nil && *r.Due < s.CurrentFiscalYear
		for _, t := range []tally{{&s.Fixed, &s.Mobile}, govLine[r.Gov], unitLine[r.Unit]} {
			switch {
			case t.fixed == nil: // no such line (a unit outside the one governorate)
			case r.Gone && r.Kind == markaz.KindMobile:
				t.mobile.Retired += r.N
			case r.Gone: // a retired fixed center is not counted
			case r.Kind == markaz.KindFixed:
				t.fixed.add(r.Dev, r.N)
			default:
				t.mobile.add(r.Mobile, late, r.N)
			}
		}
	}
	if units != nil {
		i := 0
		s.ByUnit = slices.DeleteFunc(s.ByUnit, func(u UnitProgram) bool {
			retired := !units[i].RetiredOn.IsZero()
			i++
			return retired && u.Fixed.Total == 0 && u.Mobile.Total == 0 && u.Mobile.Retired == 0
		})
	}
	return nil
}

// tally points at the counters of one line of the view.
type tally struct {
	fixed  *FixedCounts
	mobile *MobileCounts
}

func (c *FixedCounts) add(status string, n int) {
	c.Total += n
	switch status {
	case markaz.DevDeveloped:
		c.Developed += n
	case markaz.DevUnderDevelopment:
		c.UnderDevelopment += n
	case markaz.DevPlanned:
		c.Planned += n
	}
}

func (c *MobileCounts) add(status string, overdue bool, n int) {
	c.Total += n
	switch status {
	case markaz.MobileOperating:
		c.Operating += n
	case markaz.MobilePendingDelivery:
		c.PendingDelivery += n
		if overdue {
			c.OverdueDelivery += n
		}
	case markaz.MobileMaintenance:
		c.Maintenance += n
	}
}

// countByFiscalYear fills developed and delivered per fiscal year (every year from the
// first that has any up to the current one, so a chart shows the gaps and the years
// since) and the mobile units due, marking the years already ended as overdue.
func (s *ProgramSummary) countByFiscalYear(tx *Tx, w where) error {
	cond := w.String()
	fy := fiscalYearOf(tx.Dialect(), "delivered_on")
	var rows []struct {
		What string `db:"what"`
		FY   int    `db:"fy"`
		N    int    `db:"n"`
	}
	q := `SELECT 'developed' AS what, completed_fy AS fy, COUNT(*) AS n FROM centers` + cond +
		` AND kind = 'fixed' AND dev_status = 'developed' AND completed_fy IS NOT NULL GROUP BY completed_fy
		UNION ALL
		SELECT 'delivered', ` + fy + `, COUNT(*) FROM centers` + cond +
		` AND kind = 'mobile' AND delivered_on IS NOT NULL GROUP BY ` + fy + `
		UNION ALL
		SELECT 'due', delivery_due_fy, COUNT(*) FROM centers` + cond +
		` AND kind = 'mobile' AND mobile_status = 'pending_delivery' AND delivery_due_fy IS NOT NULL GROUP BY delivery_due_fy`
	args := slices.Concat(w.args, w.args, w.args)
	if err := tx.Select(&rows, q, args...); err != nil {
		return err
	}
	first, last := 0, -1
	for _, r := range rows {
		if r.What == "due" {
			continue
		}
		if last < first {
			first, last = r.FY, r.FY
		}
		first, last = min(first, r.FY), max(last, r.FY)
	}
	if last >= first {
		last = max(last, s.CurrentFiscalYear)
	}
	for y := first; y <= last; y++ {
		s.ByFiscalYear = append(s.ByFiscalYear, FiscalYearProgram{FiscalYear: y, Label: markaz.FiscalYearLabel(y)})
	}
	for _, r := range rows {
		switch r.What {
		case "developed":
			s.ByFiscalYear[r.FY-first].Developed += r.N
		case "delivered":
			s.ByFiscalYear[r.FY-first].Delivered += r.N
		case "due":
			s.MobileDueByFiscalYear = append(s.MobileDueByFiscalYear,
				MobileDue{FiscalYear: r.FY, Label: markaz.FiscalYearLabel(r.FY), PendingDelivery: r.N,
					Overdue: r.FY < s.CurrentFiscalYear})
		}
	}
	slices.SortFunc(s.MobileDueByFiscalYear, func(a, b MobileDue) int { return a.FiscalYear - b.FiscalYear })
	return nil
}

// fiscalYearOf is the SQL for the fiscal year (1 July – 30 June, named by its first
// calendar year) of a date column: a DATE on PostgreSQL, 'YYYY-MM-DD' text on SQLite.
func fiscalYearOf(d Dialect, col string) string {
	if d == Postgres {
		return `(CAST(EXTRACT(YEAR FROM ` + col + `) AS INTEGER) - CASE WHEN EXTRACT(MONTH FROM ` + col + `) < 7 THEN 1 ELSE 0 END)`
	}
	return `(CAST(substr(` + col + `, 1, 4) AS INTEGER) - CASE WHEN substr(` + col + `, 6, 2) < '07' THEN 1 ELSE 0 END)`
}
