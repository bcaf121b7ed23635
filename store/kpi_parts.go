package store

import (
	"markaz"
	"markaz/kpi"
	"markaz/problem"
	"markaz/training"
)

// kpiParts reads the indicators that come from other records than requests for f over
// [from, to] (Cairo dates, inclusive), per group of f: one key "" without a group, else
// the governorate code, unit code, center id or service code. Groups with nothing to
// count are left out. Each part has one definition, shared with the page that reports it
// on its own:
//
//   - PaidCash, PaidElectronic (e_payment_share): the fees collected in the period as the
//     collections report counts them (Collections) — booked payments (paid, partly
//     refunded, refunded; never voided) by the Cairo day they were booked, the amount
//     received, refunds not netted; cash is method cash, every other method electronic.
//     Placed by the payment's own center (as Collections), narrowed by the request's
//     service and channel when f asks. Read from the rollup kpi_payments (monthly rows for
//     whole months, daily rows for the ends), never from the payments themselves.
//   - Visits, VisitScoreSum (inspection_score): inspection visits made on a day of the
//     period (visited_on) at a center of the territory, and the sum of their scores
//     (0–100 each).
//   - Problems, ProblemsSolved (problem_resolution_rate): as ProblemSummary counts them —
//     tickets reported from the start of from to the end of to at a center of the
//     territory, merged duplicates left out; solved are those whose state at the end of
//     to, replayed from their history, was resolved or closed, so a ticket resolved or
//     reopened later does not move a past period.
//   - Staff, StaffTrained (training_coverage): as the training coverage report counts them
//     (training.Compute) over the fiscal year of to, from its 1 July to the end of to (cut
//     at today): staff are the users holding a training audience role in an assignment
//     placed in the territory on a day of that stretch (for a district: assignments of the
//     district and of its centers; for a center: assignments at the center), trained those
//     of them with a course completed in it. Nationally every assignment counts; grouped
//     by governorate, district or center, only those placed in one.
//
// Only payments have a service and a channel: grouped by service, the other parts are
// left zero; narrowed to one service or channel, they stay the territory's.
func (tx *Tx) kpiParts(f kpiFilter, from, to markaz.Date) (map[string]kpi.Parts, error) {
	acc := map[string]*kpi.Parts{}
	get := func(g string) *kpi.Parts {
		p := acc[g]
		if p == nil {
			p = &kpi.Parts{}
			acc[g] = p
		}
		return p
	}
	if err := tx.kpiPaid(f, from, to, get); err != nil {
		return nil, err
	}
	if f.group != "service_code" {
		if err := tx.kpiVisits(f, from, to, get); err != nil {
			return nil, err
		}
		if err := tx.kpiProblems(f, from, to, get); err != nil {
			return nil, err
		}
		if err := tx.kpiTraining(f, to, get); err != nil {
			return nil, err
		}
	}
	out := make(map[string]kpi.Parts, len(acc))
	for g, p := range acc {
		out[g] = *p
	}
	return out, nil
}

// placeWhere narrows records carrying gov_code, unit_code and center_id columns (of
// alias) to f's territory.
func (f kpiFilter) placeWhere(alias string) *where {
	w := &where{}
	switch f.place.Level {
	case kpi.LevelGovernorate:
		w.add(alias+`.gov_code = ?`, f.place.Ref.Gov)
	case kpi.LevelDistrict:
		w.add(alias+`.gov_code = ?`, f.place.Ref.Gov)
		w.add(alias+`.unit_code = ?`, f.place.Ref.Unit)
	case kpi.LevelCenter:
		w.add(alias+`.center_id = ?`, f.place.CenterID)
	}
	return w
}

// groupOf is f's group column on alias (” without a group).
func (f kpiFilter) groupOf(alias string) string {
	if f.group == "" {
		return "''"
	}
	return alias + "." + f.group
}

// groupByExpr groups by expr when f has a group (PostgreSQL refuses to group by a constant).
func (f kpiFilter) groupByExpr(expr string) string {
	if f.group == "" {
		return ""
	}
	return " GROUP BY " + expr
}

func (tx *Tx) kpiVisits(f kpiFilter, from, to markaz.Date, get func(string) *kpi.Parts) error {
	w := f.placeWhere("v")
	w.add(`v.visited_on >= ? AND v.visited_on <= ?`, from, to)
	g := f.groupOf("v")
	var rows []struct {
		Group string `db:"g"`
		N     int    `db:"n"`
		Sum   int64  `db:"score_sum"`
	}
	if err := tx.Select(&rows, `SELECT `+g+` AS g, COUNT(*) AS n, COALESCE(SUM(v.score), 0) AS score_sum FROM visits v`+
		w.String()+f.groupByExpr(g), w.args...); err != nil {
		return err
	}
	for _, r := range rows {
		if r.N == 0 {
			continue
		}
		p := get(r.Group)
		p.Visits += r.N
		p.VisitScoreSum += float64(r.Sum)
	}
	return nil
}

func (tx *Tx) kpiProblems(f kpiFilter, from, to markaz.Date, get func(string) *kpi.Parts) error {
	evs, err := tx.problemEvents(f.placeWhere("p"), f.group, from, to)
	if err != nil {
		return err
	}
	replayProblems(evs, func(st problemState) {
		p := get(st.Group)
		p.Problems++
		if problem.Solved(st.Status) {
			p.ProblemsSolved++
		}
	})
	return nil
}

func (tx *Tx) kpiTraining(f kpiFilter, to markaz.Date, get func(string) *kpi.Parts) error {
	from, _ := markaz.FiscalYearBounds(to.FiscalYear())
	if today := tx.Today(); today.Before(to) {
		to = today
	}
	if to.Before(from) { // a year that has not begun has no coverage
		return nil
	}
	var terr where
	switch f.place.Level {
	case kpi.LevelGovernorate:
		terr.add("a.gov_code = ?", f.place.Ref.Gov)
	case kpi.LevelDistrict:
		terr.add("a.gov_code = ? AND a.unit_code = ?", f.place.Ref.Gov, f.place.Ref.Unit)
	case kpi.LevelCenter:
		terr.add("a.level = ? AND a.center_id = ?", markaz.LevelCenter, f.place.CenterID)
	}
	rows, done, err := tx.placedCoverageFacts(terr, from, to)
	if err != nil {
		return err
	}
	held := map[string][]training.Held{}
	for _, h := range rows {
		g := ""
		switch f.group {
		case "gov_code":
			g = h.GovCode
		case "unit_code":
			g = h.UnitCode
		case "center_id":
			g = h.CenterID
		}
		if f.group != "" && g == "" {
			continue // placed above the grouping's level: counted nationally only
		}
		held[g] = append(held[g], h.Held)
	}
	byUser := map[string][]training.Completion{}
	for _, c := range done {
		byUser[c.UserID] = append(byUser[c.UserID], c)
	}
	for g, hs := range held {
		var mine []training.Completion
		seen := map[string]bool{}
		for _, h := range hs {
			if !seen[h.UserID] {
				seen[h.UserID] = true
				mine = append(mine, byUser[h.UserID]...)
			}
		}
		c := training.Compute(from, to, hs, mine)
		if c.Total.Staff > 0 {
			p := get(g)
			p.Staff += c.Total.Staff
			p.StaffTrained += c.Total.Trained
		}
	}
	return nil
}
