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
// says how many have been taken out of service.
type MobileCounts struct {
	Total           int `json:"total"`
	Operating       int `json:"operating"`
	PendingDelivery int `json:"pending_delivery"`
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

// FiscalYearProgram counts what was completed in one fiscal year: fixed centers whose
// development was completed and mobile units delivered.
type FiscalYearProgram struct {
	FiscalYear int    `json:"fiscal_year"`
	Label      string `json:"label"`
	Developed  int    `json:"developed"`
	Delivered  int    `json:"delivered"`
}

// MobileDue counts mobile units still pending delivery by the fiscal year they are due.
type MobileDue struct {
	FiscalYear      int    `json:"fiscal_year"`
	Label           string `json:"label"`
	PendingDelivery int    `json:"pending_delivery"`
}

// ProgramSummary answers the seed's questions for a territory: how many centers are
// developed and under way, how many mobile units operate or await delivery, by
// governorate and by fiscal year. Retired centers are not counted, except in
// MobileCounts.Retired.
type ProgramSummary struct {
	Governorate           string               `json:"governorate,omitempty"` // the ?governorate filter
	Fixed                 FixedCounts          `json:"fixed"`
	Mobile                MobileCounts         `json:"mobile"`
	ByGovernorate         []GovernorateProgram `json:"by_governorate"`
	ByFiscalYear          []FiscalYearProgram  `json:"by_fiscal_year"`
	MobileDueByFiscalYear []MobileDue          `json:"mobile_due_by_fiscal_year"`
	// Reach lists every governorate the scope reaches, wholly or in part (for a filter).
	Reach []markaz.Governorate `json:"-"`
}

// ProgramSummary computes the programme view inside scope, narrowed to governorate gov
// when it is not "". An unknown governorate is a field error; one the scope does not
// reach is forbidden. Counting is done by the database (GROUP BY), never row by row.
func (db *DB) ProgramSummary(ctx context.Context, scope markaz.Scope, gov string) (*ProgramSummary, error) {
	s := &ProgramSummary{Governorate: gov, ByGovernorate: []GovernorateProgram{},
		ByFiscalYear: []FiscalYearProgram{}, MobileDueByFiscalYear: []MobileDue{}}
	err := db.Read(ctx, func(tx *Tx) error {
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
		filter := func() where {
			var w where
			w.scope(scope, "gov_code", "unit_code", "id")
			if gov != "" {
				w.add("gov_code = ?", gov)
			}
			return w
		}
		if err := s.countByGovernorate(tx, filter(), govs); err != nil {
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
	in := func(cond string, vals []string) {
		if len(vals) == 0 {
			return
		}
		ors = append(ors, strings.Replace(cond, "?", strings.TrimSuffix(strings.Repeat("?,", len(vals)), ","), 1))
		for _, v := range vals {
			args = append(args, v)
		}
	}
	q := `SELECT code, name_ar, name_en, retired_on FROM governorates`
	if !scope.All {
		in(`code IN (?)`, scope.Govs)
		in(`code IN (SELECT gov_code FROM units WHERE code IN (?))`, scope.Units)
		in(`code IN (SELECT gov_code FROM centers WHERE id IN (?))`, scope.Centers)
		if len(ors) == 0 {
			return nil, nil
		}
		q += ` WHERE ` + strings.Join(ors, " OR ")
	}
	var out []markaz.Governorate
	return out, tx.Select(&out, q+` ORDER BY code`, args...)
}

// countByGovernorate fills the per-governorate lines (every governorate of govs, with
// zeros where it has no center) and the totals; retired centers count only as retired
// mobile units.
func (s *ProgramSummary) countByGovernorate(tx *Tx, w where, govs []markaz.Governorate) error {
	var rows []struct {
		Gov    string `db:"gov_code"`
		Kind   string `db:"kind"`
		Dev    string `db:"dev_status"`
		Mobile string `db:"mobile_status"`
		Gone   bool   `db:"gone"`
		N      int    `db:"n"`
	}
	const gone = `CASE WHEN retired_on IS NULL THEN 0 ELSE 1 END`
	if err := tx.Select(&rows, `SELECT gov_code, kind, dev_status, mobile_status, `+gone+` AS gone, COUNT(*) AS n
		FROM centers`+w.String()+` GROUP BY gov_code, kind, dev_status, mobile_status, `+gone, w.args...); err != nil {
		return err
	}
	line := map[string]*GovernorateProgram{}
	for _, g := range govs {
		s.ByGovernorate = append(s.ByGovernorate, GovernorateProgram{Code: g.Code, NameAr: g.NameAr, NameEn: g.NameEn})
	}
	for i := range s.ByGovernorate {
		line[s.ByGovernorate[i].Code] = &s.ByGovernorate[i]
	}
	for _, r := range rows {
		l := line[r.Gov]
		if l == nil { // not expected (the scope reaches its centers' governorates), but keep the totals whole
			l = &GovernorateProgram{}
		}
		switch {
		case r.Gone && r.Kind == markaz.KindMobile:
			l.Mobile.Retired += r.N
			s.Mobile.Retired += r.N
		case r.Gone: // a retired fixed center is not counted
		case r.Kind == markaz.KindFixed:
			l.Fixed.add(r.Dev, r.N)
			s.Fixed.add(r.Dev, r.N)
		default:
			l.Mobile.add(r.Mobile, r.N)
			s.Mobile.add(r.Mobile, r.N)
		}
	}
	return nil
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

func (c *MobileCounts) add(status string, n int) {
	c.Total += n
	switch status {
	case markaz.MobileOperating:
		c.Operating += n
	case markaz.MobilePendingDelivery:
		c.PendingDelivery += n
	case markaz.MobileMaintenance:
		c.Maintenance += n
	}
}

// countByFiscalYear fills developed and delivered per fiscal year (every year from the
// first to the last that has any, so a chart shows the gaps) and the mobile units due.
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
				MobileDue{FiscalYear: r.FY, Label: markaz.FiscalYearLabel(r.FY), PendingDelivery: r.N})
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
