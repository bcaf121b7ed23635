package store

// What a periodic report reads (package report builds and renders it): the territory's
// indicators for the period, the previous period and the nation, the trend, the ranking
// of its parts, and the lists of overdue and returned requests and open inspection
// findings, and the problems summary.

import (
	"context"

	"markaz"
	"markaz/inspection"
	"markaz/kpi"
	"markaz/report"
)

// ReportListRows is how many rows each list of a report shows (the total is counted).
const ReportListRows = 15

// ReportReader is the principal reports are generated as: it reads every territory's
// indicators. Who may see a generated report is decided when it is delivered and served.
func ReportReader() *markaz.Principal {
	return &markaz.Principal{Username: "system", Assignments: []markaz.Assignment{
		{Role: markaz.RoleMinistry, Level: markaz.LevelNation, StartsOn: markaz.Date{Y: 2000, M: 1, D: 1}}}}
}

// ScopeOf is the scope that is exactly a resolved territory (a dashboard's or a report's).
func ScopeOf(pl *KPIPlace) markaz.Scope {
	switch pl.Level {
	case kpi.LevelGovernorate:
		return markaz.Scope{Govs: []string{pl.Ref.Gov}}
	case kpi.LevelDistrict:
		return markaz.Scope{Units: []string{pl.Ref.Unit}}
	case kpi.LevelCenter:
		return markaz.Scope{Centers: []string{pl.CenterID}}
	}
	return markaz.Scope{All: true}
}

// ReportPlace resolves a report's territory: level nation (code "" or "EG"), a
// governorate code, a unit code GG-NNN or a center code; or, with level "", whichever
// of those the code's shape says.
func (tx *Tx) ReportPlace(level, code string) (*KPIPlace, error) {
	code = markaz.LatinDigits(code)
	if level == "" {
		level = territoryLevel(code)
	}
	if level == kpi.LevelNation {
		code = ""
	}
	return tx.kpiPlace(level, code)
}

// territoryLevel guesses a territory's level from its code: "", "EG" or "nation" the
// nation, two digits a governorate, GG-NNN a district/city, anything else a center.
func territoryLevel(code string) string {
	switch {
	case code == "" || code == "EG" || code == "eg" || code == kpi.LevelNation:
		return kpi.LevelNation
	case len(code) == 2 && code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9':
		return kpi.LevelGovernorate
	case len(code) == 6 && code[2] == '-':
		return kpi.LevelDistrict
	}
	return kpi.LevelCenter
}

// ReportInput reads what the report of a territory (level and code as ReportPlace) for
// the period [from, to] of step needs, as p (ReportReader for generated reports). The
// national figures are read whatever p's scope: every report compares with the nation.
func (db *DB) ReportInput(ctx context.Context, p *markaz.Principal, level, code string, from, to markaz.Date,
	step kpi.Step, lang string) (*report.Input, error) {
	in := &report.Input{Period: kpi.PeriodName(step, from), Step: step, From: from, To: to, Lang: lang,
		GeneratedAt: db.Clock.Now()}
	var pl *KPIPlace
	err := db.Read(ctx, func(tx *Tx) error {
		var err error
		if pl, err = tx.ReportPlace(level, code); err != nil {
			return err
		}
		in.Level, in.Code, in.NameAr, in.NameEn = pl.Level, pl.Code, pl.NameAr, pl.NameEn
		q := kpi.Query{Level: pl.Level, Code: pl.Code, From: from, To: to}
		cur, err := tx.KPI(p, q)
		if err != nil {
			return err
		}
		in.Current = *cur
		pq := q
		pq.From, pq.To = kpi.Previous(step, from)
		prev, err := tx.KPI(p, pq)
		if err != nil {
			return err
		}
		in.Previous = *prev
		nation, err := tx.kpiFigures(kpiFilter{place: &KPIPlace{Level: kpi.LevelNation}}, kpi.Query{Level: kpi.LevelNation,
			From: from, To: to})
		if err != nil {
			return err
		}
		in.Nation = nation[""]
		in.Nation.Level = kpi.LevelNation
		if in.Series, err = tx.KPISeries(p, q, report.SeriesStep(step)); err != nil {
			return err
		}
		switch pl.Level {
		case kpi.LevelNation:
			in.RankingLevel = kpi.LevelGovernorate
		case kpi.LevelGovernorate, kpi.LevelDistrict:
			in.RankingLevel = kpi.LevelCenter
		}
		if in.RankingLevel != "" {
			if in.Ranking, err = tx.KPIRanking(p, in.RankingLevel, pl.Code, q); err != nil {
				return err
			}
		}
		if err := tx.reportRequests(pl, to, &in.Overdue, true); err != nil {
			return err
		}
		if err := tx.reportRequests(pl, to, &in.Returned, false); err != nil {
			return err
		}
		return tx.reportFindings(pl, to, &in.Findings)
	})
	if err != nil {
		return nil, err
	}
	if in.Training, err = db.reportTraining(ctx, pl, to); err != nil {
		return nil, err
	}
	ps, err := db.ProblemSummary(ctx, ScopeOf(pl), "", from, to)
	if err != nil {
		return nil, err
	}
	in.Problems = report.Problems{Total: ps.Total, Resolved: ps.Resolved, Open: ps.Open, MedianHours: ps.MedianHours}
	for _, c := range ps.ByCategory {
		in.Problems.ByCategory = append(in.Problems.ByCategory, report.ProblemCount{Key: c.Key, Total: c.Total,
			Resolved: c.Resolved, Open: c.Open})
	}
	return in, nil
}

// reportTraining reads the training coverage of the territory in the fiscal year of to
// (TrainingCoverage): a district's is the sum over its centers of its governorate's rows.
// A fiscal year that has not begun (a report of a future period) has none.
func (db *DB) reportTraining(ctx context.Context, pl *KPIPlace, to markaz.Date) (report.Training, error) {
	fy := to.FiscalYear()
	out := report.Training{FiscalYear: fy, ByRole: []report.TrainingLine{}, Rows: []report.TrainingLine{}}
	level, code := CoverageNation, ""
	switch pl.Level {
	case kpi.LevelGovernorate, kpi.LevelDistrict:
		level, code = CoverageGovernorate, pl.Ref.Gov
	case kpi.LevelCenter:
		level, code = CoverageCenter, pl.CenterID
	}
	cr, err := db.TrainingCoverage(ctx, markaz.Scope{All: true}, level, code, fy)
	if markaz.ErrorCode(err) == markaz.EInvalid {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	in := map[string]bool{}
	if pl.Level == kpi.LevelDistrict {
		var ids []string
		if err := db.Read(ctx, func(tx *Tx) error {
			return tx.Select(&ids, `SELECT id FROM centers WHERE unit_code = ?`, pl.Ref.Unit)
		}); err != nil {
			return out, err
		}
		for _, id := range ids {
			in[id] = true
		}
	}
	line := func(key, ar, en string, staff, trained int, share *float64) report.TrainingLine {
		return report.TrainingLine{Key: key, NameAr: ar, NameEn: en, Staff: staff, Trained: trained, Share: share}
	}
	for _, r := range cr.Rows {
		if pl.Level == kpi.LevelDistrict && !in[r.ID] {
			continue
		}
		out.Rows = append(out.Rows, line(r.Code, r.NameAr, r.NameEn, r.Total.Staff, r.Total.Trained, r.Total.Share))
	}
	if pl.Level != kpi.LevelDistrict {
		out.Total = line("", pl.NameAr, pl.NameEn, cr.Total.Staff, cr.Total.Trained, cr.Total.Share)
		for _, r := range cr.ByRole {
			out.ByRole = append(out.ByRole, line(r.Role, "", "", r.Staff, r.Trained, r.Share))
		}
		return out, nil
	}
	out.Total = line("", pl.NameAr, pl.NameEn, 0, 0, nil)
	for _, r := range out.Rows {
		out.Total.Staff += r.Staff
		out.Total.Trained += r.Trained
	}
	if out.Total.Staff > 0 {
		v := float64(out.Total.Trained) / float64(out.Total.Staff)
		out.Total.Share = &v
	}
	return out, nil
}

// placeWhere narrows rows with gov_code, unit_code and center_id columns (alias a) to pl.
func placeWhere(a string, pl *KPIPlace) *where {
	w := &where{}
	switch pl.Level {
	case kpi.LevelGovernorate:
		w.add(a+".gov_code = ?", pl.Ref.Gov)
	case kpi.LevelDistrict:
		w.add(a+".gov_code = ?", pl.Ref.Gov)
		w.add(a+".unit_code = ?", pl.Ref.Unit)
	case kpi.LevelCenter:
		w.add(a+".center_id = ?", pl.CenterID)
	}
	return w
}

// reportRequests fills a list of the territory's requests submitted on or before to, as
// they stand now: overdue (undecided, not waiting on the citizen, due on or before to;
// the longest overdue first) or returned for completion (the oldest due first).
func (tx *Tx) reportRequests(pl *KPIPlace, to markaz.Date, out *report.RequestList, overdue bool) error {
	w := placeWhere("r", pl)
	w.add("r.submitted_on <= ?", to)
	if overdue {
		w.add("r.status IN ('submitted', 'in_review', 'awaiting_payment')")
		w.add("r.due_date <= ?", to)
	} else {
		w.add("r.status = 'returned'")
	}
	if err := tx.Get(&out.Total, `SELECT COUNT(*) FROM requests r`+w.String(), w.args...); err != nil {
		return err
	}
	out.Rows = []report.RequestLine{}
	if err := tx.Select(&out.Rows, `SELECT r.tracking_number, r.service_code, s.name_ar AS service_ar,
		s.name_en AS service_en, c.code AS center_code, c.name_ar AS center_ar, c.name_en AS center_en,
		r.submitted_on, r.due_date, r.status
		FROM requests r JOIN services s ON s.code = r.service_code JOIN centers c ON c.id = r.center_id`+w.String()+
		` ORDER BY r.due_date, r.id LIMIT ?`, append(w.args, ReportListRows)...); err != nil {
		return err
	}
	if overdue {
		for i := range out.Rows {
			out.Rows[i].DaysLate = int((to.Start().Sub(out.Rows[i].DueDate.Start()).Hours() + 12) / 24)
		}
	}
	return nil
}

// reportFindings fills the list of inspection findings of the territory recorded on or
// before to whose corrective action is not closed, the most severe and earliest due first.
func (tx *Tx) reportFindings(pl *KPIPlace, to markaz.Date, out *report.FindingList) error {
	w := placeWhere("a", pl)
	w.add("a.status <> ?", inspection.ActionClosed)
	w.add("f.created_at < ?", to.AddDays(1).Start().UTC())
	from := ` FROM corrective_actions a JOIN findings f ON f.id = a.finding_id JOIN centers c ON c.id = a.center_id
		LEFT JOIN users u ON u.id = a.owner_user_id`
	if err := tx.Get(&out.Total, `SELECT COUNT(*)`+from+w.String(), w.args...); err != nil {
		return err
	}
	out.Rows = []report.FindingLine{}
	return tx.Select(&out.Rows, `SELECT c.code AS center_code, c.name_ar AS center_ar, c.name_en AS center_en,
		f.category, f.severity, f.description AS finding, a.description AS action,
		CASE WHEN a.owner_user_id <> '' THEN COALESCE(u.full_name, '') ELSE a.owner_name END AS owner,
		a.due_date, a.status, CASE WHEN a.due_date < ? THEN 1 ELSE 0 END AS overdue`+from+w.String()+`
		ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
		a.due_date, a.id LIMIT ?`, append(append([]any{tx.Today()}, w.args...), ReportListRows)...)
}
