package store

import (
	"context"
	"strings"
	"time"

	"markaz"
	"markaz/training"
)

// Coverage levels.
const (
	CoverageNation      = "nation"
	CoverageGovernorate = "governorate"
	CoverageCenter      = "center"
)

// CoverageReport is the training coverage of one territory in a fiscal year (the
// definition is training.Compute's), with one row per governorate (national report) or
// per center having staff (governorate report).
type CoverageReport struct {
	Level      string      `json:"level"`
	Code       string      `json:"code,omitempty"`
	ID         string      `json:"id,omitempty"` // a center's id
	NameAr     string      `json:"name_ar"`
	NameEn     string      `json:"name_en"`
	GovCode    string      `json:"governorate,omitempty"` // a center's governorate
	FiscalYear int         `json:"fiscal_year"`
	From       markaz.Date `json:"from"`
	To         markaz.Date `json:"to"`
	training.Coverage
	Rows []CoverageRow `json:"rows"`
}

// CoverageRow is the coverage of one governorate or center inside a report.
type CoverageRow struct {
	Level  string `json:"level"`
	Code   string `json:"code"`
	ID     string `json:"id,omitempty"`
	NameAr string `json:"name_ar"`
	NameEn string `json:"name_en"`
	training.Coverage
}

// heldRow is an assignment as coverage reads it, with what may end it early and the
// district it lies in (for grouping by district).
type heldRow struct {
	training.Held
	UnitCode   string     `db:"unit_code"`
	RevokedAt  *time.Time `db:"revoked_at"`
	DisabledAt *time.Time `db:"disabled_at"`
}

// TrainingCoverage reports the training coverage of the nation, a governorate (code) or a center
// (id or code) in fiscal year fy, for a reader whose training.read scope is s: the
// territory must lie inside it (else forbidden). An unknown territory or a year that has
// not begun is a field error on "code" or "fy".
func (db *DB) TrainingCoverage(ctx context.Context, s markaz.Scope, level, code string, fy int) (*CoverageReport, error) {
	var out *CoverageReport
	err := db.Read(ctx, func(tx *Tx) error {
		var v markaz.Validator
		from, to, ok := training.Period(fy, tx.Today())
		if !ok || fy < markaz.ProgrammeStart.Y {
			v.Add("fy", "out_of_range", nil)
		}
		r := &CoverageReport{Level: level, FiscalYear: fy, From: from, To: to, Rows: []CoverageRow{}}
		var terr error
		switch level {
		case CoverageNation:
			r.NameAr, r.NameEn = "مصر", "Egypt"
			if !s.All {
				terr = markaz.ErrForbidden
			}
		case CoverageGovernorate:
			var g markaz.Governorate
			if err := tx.Get(&g, `SELECT code, name_ar, name_en, retired_on FROM governorates WHERE code = ?`, code); err != nil {
				v.Add("code", "unknown_governorate", nil)
				break
			}
			r.Code, r.NameAr, r.NameEn = g.Code, g.NameAr, g.NameEn
			if !s.Contains(markaz.Ref{Gov: g.Code}) {
				terr = markaz.ErrForbidden
			}
		case CoverageCenter:
			if !markaz.ValidID(code) {
				v.Add("code", "unknown_center", nil)
				break
			}
			c, err := tx.findCenter(code)
			if markaz.ErrorCode(err) == markaz.ENotFound {
				v.Add("code", "unknown_center", nil)
				break
			} else if err != nil {
				return err
			}
			r.Code, r.ID, r.NameAr, r.NameEn, r.GovCode = c.Code, c.ID, c.NameAr, c.NameEn, c.GovCode
			if !s.Contains(c.Ref()) {
				terr = markaz.ErrForbidden
			}
		default:
			v.OneOf("level", level, CoverageNation, CoverageGovernorate, CoverageCenter)
		}
		if terr != nil {
			return terr
		}
		if err := v.Err(); err != nil {
			return err
		}
		held, done, err := tx.coverageFacts(r, from, to)
		if err != nil {
			return err
		}
		r.Coverage = training.Compute(from, to, held, done)
		if err := tx.coverageRows(r, held, done); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

// coverageFacts reads the staff stretches placed in the report's territory that may
// overlap [from, to], and the completions of those staff in the period.
func (tx *Tx) coverageFacts(r *CoverageReport, from, to markaz.Date) ([]training.Held, []training.Completion, error) {
	var terr where // the territory, on assignments alias a
	switch r.Level {
	case CoverageGovernorate:
		terr.add("a.gov_code = ?", r.Code)
	case CoverageCenter:
		terr.add("a.level = ? AND a.center_id = ?", markaz.LevelCenter, r.ID)
	}
	rows, done, err := tx.placedCoverageFacts(terr, from, to)
	held := make([]training.Held, len(rows))
	for i, h := range rows {
		held[i] = h.Held
	}
	return held, done, err
}

// placedCoverageFacts reads the staff stretches whose assignments meet terr (conditions on
// assignments alias a; none for the nation) and may overlap [from, to], each ending
// where its revocation or its user's disabling ends it, and the completions in [from, to]
// of users with an assignment meeting terr.
func (tx *Tx) placedCoverageFacts(terr where, from, to markaz.Date) ([]heldRow, []training.Completion, error) {
	roles := make([]any, len(training.Roles))
	for i, role := range training.Roles {
		roles[i] = role
	}
	w := where{conds: append([]string{}, terr.conds...), args: append([]any{}, terr.args...)}
	w.add("a.role IN ("+placeholders(len(roles))+")", roles...)
	w.add("a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)", to, from)
	var rows []heldRow
	if err := tx.Select(&rows, `SELECT a.user_id, a.role, a.gov_code, a.unit_code, a.center_id, a.starts_on, a.ends_on,
		a.revoked_at, u.disabled_at FROM assignments a JOIN users u ON u.id = a.user_id`+w.String(), w.args...); err != nil {
		return nil, nil, err
	}
	for i := range rows {
		h := &rows[i]
		for _, t := range []*time.Time{h.RevokedAt, h.DisabledAt} {
			if t == nil {
				continue
			}
			if end := markaz.DateOf(*t).AddDays(-1); h.To.IsZero() || end.Before(h.To) {
				h.To = end
			}
		}
	}
	var cw where
	cw.add(`e.withdrawn_at IS NULL AND e.attendance = ? AND e.result = ? AND s.cancelled_on IS NULL
		AND s.ends_on >= ? AND s.ends_on <= ?`, training.Attended, training.Passed, from, to)
	if len(terr.conds) > 0 {
		cw.add("e.user_id IN (SELECT a.user_id FROM assignments a WHERE "+strings.Join(terr.conds, " AND ")+")", terr.args...)
	}
	var done []training.Completion
	err := tx.Select(&done, `SELECT e.user_id, s.ends_on FROM training_enrolments e
		JOIN training_sessions s ON s.id = e.session_id`+cw.String(), cw.args...)
	return rows, done, err
}

// coverageRows fills the report's rows: every governorate for the nation, every center
// with staff in the period for a governorate.
func (tx *Tx) coverageRows(r *CoverageReport, held []training.Held, done []training.Completion) error {
	group := map[string][]training.Held{}
	switch r.Level {
	case CoverageNation:
		for _, h := range held {
			if h.GovCode != "" {
				group[h.GovCode] = append(group[h.GovCode], h)
			}
		}
		var govs []markaz.Governorate
		if err := tx.Select(&govs, `SELECT code, name_ar, name_en, retired_on FROM governorates ORDER BY code`); err != nil {
			return err
		}
		for _, g := range govs {
			r.Rows = append(r.Rows, CoverageRow{Level: CoverageGovernorate, Code: g.Code, NameAr: g.NameAr, NameEn: g.NameEn,
				Coverage: training.Compute(r.From, r.To, group[g.Code], done)})
		}
	case CoverageGovernorate:
		var ids []any
		for _, h := range held {
			if h.CenterID == "" || !h.Overlaps(r.From, r.To) {
				continue
			}
			if group[h.CenterID] == nil {
				ids = append(ids, h.CenterID)
			}
			group[h.CenterID] = append(group[h.CenterID], h)
		}
		if len(ids) == 0 {
			return nil
		}
		var cs []markaz.Center
		if err := tx.Select(&cs, `SELECT `+centerCols+` FROM centers WHERE id IN (`+placeholders(len(ids))+`) ORDER BY code`,
			ids...); err != nil {
			return err
		}
		for _, c := range cs {
			r.Rows = append(r.Rows, CoverageRow{Level: CoverageCenter, Code: c.Code, ID: c.ID, NameAr: c.NameAr, NameEn: c.NameEn,
				Coverage: training.Compute(r.From, r.To, group[c.ID], done)})
		}
	}
	return nil
}
