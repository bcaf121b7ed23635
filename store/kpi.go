package store

// Reading the performance indicators (package kpi) from the rollups: one territory, the
// ranking of a territory's parts, and a series. A period [from, to] is read as whole
// months from the monthly rows and the days at either end from the daily rows, so a
// query reads a number of rows that grows with the territory's centers and the months
// asked for, never with the requests.

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/kpi"
)

// KPIPlace is a territory a KPI is asked for, resolved: its names, its place in the
// tree (for the scope check) and what the rollups are filtered by.
type KPIPlace struct {
	Level, Code    string
	NameAr, NameEn string
	Ref            markaz.Ref
	CenterID       string
}

// kpiPlace resolves a level and code: ErrNotFound (on "code") for an unknown one.
func (tx *Tx) kpiPlace(level, code string) (*KPIPlace, error) {
	p := &KPIPlace{Level: level, Code: code}
	var err error
	switch level {
	case kpi.LevelNation:
		p.Code, p.NameAr, p.NameEn = "", "جمهورية مصر العربية", "Egypt"
		return p, nil
	case kpi.LevelGovernorate:
		var g markaz.Governorate
		err = tx.Get(&g, `SELECT code, name_ar, name_en, retired_on FROM governorates WHERE code = ?`, code)
		p.NameAr, p.NameEn, p.Ref = g.NameAr, g.NameEn, markaz.Ref{Gov: g.Code}
	case kpi.LevelDistrict:
		var u *UnitRecord
		if u, err = tx.GetUnitRecord(code); err == nil {
			p.NameAr, p.NameEn, p.Ref = u.NameAr, u.NameEn, markaz.Ref{Gov: u.GovCode, Unit: u.Code}
		}
	case kpi.LevelCenter:
		var c *markaz.Center
		if c, err = tx.GetCenterByCode(code); err == nil {
			p.NameAr, p.NameEn, p.CenterID = c.NameAr, c.NameEn, c.ID
			p.Ref = markaz.Ref{Gov: c.GovCode, Unit: c.UnitCode, Center: c.ID}
		}
	}
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil, fieldErr("code", "unknown_territory")
	}
	return p, err
}

// kpiService refuses a service filter that names no service of the catalog (it would
// otherwise answer zeros as if the service had no requests).
func (tx *Tx) kpiService(code string) error {
	if code == "" || code == anyService {
		return nil
	}
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM services WHERE code = ?`, code); err != nil {
		return err
	}
	if n == 0 {
		return fieldErr("service", "unknown_service")
	}
	return nil
}

// reach resolves q's territory and checks that p may read it (programme permission).
func (tx *Tx) kpiReach(p *markaz.Principal, level, code string) (*KPIPlace, error) {
	pl, err := tx.kpiPlace(level, code)
	if err != nil {
		return nil, err
	}
	s := p.Scope(markaz.PermProgramRead)
	if level == kpi.LevelNation && !s.All || level != kpi.LevelNation && !s.Contains(pl.Ref) {
		return nil, markaz.ErrForbidden
	}
	return pl, nil
}

// kpiFilter narrows rollup rows to a territory, service and channel, optionally grouped
// by a column (gov_code, unit_code, center_id).
type kpiFilter struct {
	place   *KPIPlace
	service string
	channel string
	group   string
	govs    []string // for a national read grouped by place: every governorate, so that
	// the read seeks each governorate's period range instead of walking all periods
}

// anyService, as a filter's service, reads the rows of every service one by one (to
// group by service) rather than the all-services rows.
const anyService = "*"

func (f kpiFilter) where(grain string, from, to markaz.Date) *where {
	w := &where{}
	w.add(`grain = ?`, grain)
	if f.service == anyService {
		w.add(`service_code <> ''`)
	} else {
		w.add(`service_code = ?`, f.service)
	}
	switch {
	case !from.IsZero():
		w.add(`period BETWEEN ? AND ?`, from, to)
	default:
		w.add(`period <= ?`, to)
	}
	// The scope read: the narrowest that has the place and the grouping.
	scope := scopeCenter
	switch {
	case f.group == "unit_code" || f.group == "center_id":
	case f.place.Level == kpi.LevelNation && f.group == "gov_code":
		scope = scopeGov
	case f.place.Level == kpi.LevelNation:
		scope = scopeNation
	case f.place.Level == kpi.LevelGovernorate:
		scope = scopeGov
	}
	w.add(`scope = ?`, scope)
	if scope == scopeNation {
		w.add(`gov_code = ''`) // the key's next column: the period range then bounds the index range
	}
	if f.place.Level == kpi.LevelNation && scope != scopeNation && len(f.govs) > 0 {
		in, args := inList(f.govs)
		w.add(`gov_code`+in, args...)
	}
	switch f.place.Level {
	case kpi.LevelGovernorate:
		w.add(`gov_code = ?`, f.place.Ref.Gov)
	case kpi.LevelDistrict:
		w.add(`gov_code = ?`, f.place.Ref.Gov)
		w.add(`unit_code = ?`, f.place.Ref.Unit)
	case kpi.LevelCenter:
		w.add(`center_id = ?`, f.place.CenterID)
	}
	if f.channel != "" {
		w.add(`channel = ?`, f.channel)
	}
	return w
}

func (f kpiFilter) groupExpr() string {
	if f.group == "" {
		return "''"
	}
	return f.group
}

// groupBy is the GROUP BY clause of f's grouping, then of more columns.
func (f kpiFilter) groupBy(more ...string) string {
	cols := more
	if f.group != "" {
		cols = append([]string{f.group}, more...)
	}
	if len(cols) == 0 {
		return ""
	}
	return " GROUP BY " + strings.Join(cols, ", ")
}

// segment is a run of rollup rows of one grain.
type segment struct {
	grain    string
	from, to markaz.Date
}

func monthStart(d markaz.Date) markaz.Date { return markaz.Date{Y: d.Y, M: d.M, D: 1} }

// segments splits [from, to] into the daily rows of partial months at either end and
// the monthly rows of the whole months between.
func segments(from, to markaz.Date) []segment {
	var out []segment
	for d := from; !to.Before(d); {
		end := kpi.PeriodEnd(kpi.StepMonth, d)
		grain := grainMonth
		if d.D != 1 || to.Before(end) {
			grain = grainDay
			end = minDate(end, to)
		}
		if n := len(out); n > 0 && grain == grainMonth && out[n-1].grain == grainMonth {
			out[n-1].to = d // months are read by their first day
		} else if grain == grainMonth {
			out = append(out, segment{grainMonth, d, d})
		} else {
			out = append(out, segment{grainDay, d, end})
		}
		d = end.AddDays(1)
	}
	return out
}

func minDate(a, b markaz.Date) markaz.Date {
	if b.Before(a) {
		return b
	}
	return a
}

type kpiSumRow struct {
	Group string `db:"g"`
	kpi.Delta
}

type kpiDaysRow struct {
	Group string `db:"g"`
	Days  int    `db:"days"`
	N     int    `db:"n"`
}

// kpiCounts sums the rollups for f over [from, to], per group: the counts of the period,
// overdue_open at the end of to, and the processing days histogram.
func (tx *Tx) kpiCounts(f kpiFilter, from, to markaz.Date) (map[string]*kpi.Counts, error) {
	out := map[string]*kpi.Counts{}
	get := func(g string) *kpi.Counts {
		c := out[g]
		if c == nil {
			c = &kpi.Counts{Days: map[int]int{}}
			out[g] = c
		}
		return c
	}
	sums := make([]string, len(kpiCountCols))
	for i, c := range kpiCountCols {
		sums[i] = "COALESCE(SUM(" + c + "), 0) AS " + c
	}
	g := f.groupExpr()
	for _, s := range segments(from, to) {
		w := f.where(s.grain, s.from, s.to)
		var rows []kpiSumRow
		if err := tx.Select(&rows, `SELECT `+g+` AS g, `+strings.Join(sums, ", ")+` FROM kpi_counts`+w.String()+
			f.groupBy(), w.args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			c := get(r.Group)
			overdue := c.Overdue
			c.Delta.Add(r.Delta, 1)
			c.Overdue = overdue // overdue is read below, up to the end of to
		}
		var days []kpiDaysRow
		if err := tx.Select(&days, `SELECT `+g+` AS g, days, SUM(n) AS n FROM kpi_days`+w.String()+
			f.groupBy("days"), w.args...); err != nil {
			return nil, err
		}
		for _, r := range days {
			if r.N != 0 {
				get(r.Group).Days[r.Days] += r.N
			}
		}
	}
	// overdue_open at the end of to: every delta up to to, from the months before to's
	// month and the days of its month.
	ms := monthStart(to)
	for _, s := range []segment{{grainMonth, markaz.Date{}, ms.AddDays(-1)}, {grainDay, ms, to}} {
		w := f.where(s.grain, s.from, s.to)
		var rows []struct {
			Group string `db:"g"`
			N     int    `db:"n"`
		}
		if err := tx.Select(&rows, `SELECT `+g+` AS g, COALESCE(SUM(overdue), 0) AS n FROM kpi_counts`+w.String()+
			f.groupBy(), w.args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			get(r.Group).Overdue += r.N
		}
	}
	return out, nil
}

// KPIWeightsOn returns the weights in force on day d: the latest version effective on
// or before it, else kpi.DefaultWeights.
func (tx *Tx) KPIWeightsOn(d markaz.Date) (kpi.Weights, error) {
	var row kpiWeightsRow
	err := tx.Get(&row, `SELECT id, effective_from, values_json, note, created_by, created_at FROM kpi_weights
		WHERE effective_from <= ? ORDER BY effective_from DESC LIMIT 1`, d)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return kpi.Weights{Values: kpi.DefaultWeights}, nil
	}
	if err != nil {
		return kpi.Weights{}, err
	}
	return row.weights()
}

type kpiWeightsRow struct {
	ID            string      `db:"id"`
	EffectiveFrom markaz.Date `db:"effective_from"`
	Values        string      `db:"values_json"`
	Note          string      `db:"note"`
	CreatedBy     string      `db:"created_by"`
	CreatedAt     time.Time   `db:"created_at"`
}

func (r kpiWeightsRow) weights() (kpi.Weights, error) {
	w := kpi.Weights{ID: r.ID, EffectiveFrom: r.EffectiveFrom, Note: r.Note, CreatedBy: r.CreatedBy,
		CreatedAt: &r.CreatedAt}
	return w, json.Unmarshal([]byte(r.Values), &w.Values)
}

// KPIWeights lists every weights version, the latest first.
func (tx *Tx) KPIWeights() ([]kpi.Weights, error) {
	var rows []kpiWeightsRow
	if err := tx.Select(&rows, `SELECT id, effective_from, values_json, note, created_by, created_at FROM kpi_weights
		ORDER BY effective_from DESC`); err != nil {
		return nil, err
	}
	out := make([]kpi.Weights, 0, len(rows))
	for _, r := range rows {
		w, err := r.weights()
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// AddKPIWeights records a weights version (policy permission, nationally). A version
// may not take effect before tomorrow, so a past period's index never changes; one per
// day (a second for the same day is a conflict on effective_from).
func (tx *Tx) AddKPIWeights(p *markaz.Principal, w *kpi.Weights) error {
	if !p.Scope(markaz.PermPolicyWrite).All {
		return markaz.ErrForbidden
	}
	if err := w.Validate(); err != nil {
		return err
	}
	if !tx.Today().Before(w.EffectiveFrom) {
		return fieldErr("effective_from", "not_in_future")
	}
	vals, err := json.Marshal(w.Values)
	if err != nil {
		return err
	}
	w.ID, w.CreatedBy, w.CreatedAt = markaz.NewID(), p.Username, &tx.Now
	if _, err := tx.Exec(`INSERT INTO kpi_weights (id, effective_from, values_json, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, w.ID, w.EffectiveFrom, string(vals), w.Note, w.CreatedBy, tx.Now); err != nil {
		return err
	}
	a := ActorOf(p)
	return tx.Audit(a, "kpi.weights", "kpi_weights", w.ID, markaz.Ref{}, nil, map[string]any{
		"effective_from": w.EffectiveFrom, "values": w.Values})
}

// kpiFigures computes the figures of each group of f over q's period.
func (tx *Tx) kpiFigures(f kpiFilter, q kpi.Query) (map[string]kpi.Figures, error) {
	counts, err := tx.kpiCounts(f, q.From, q.To)
	if err != nil {
		return nil, err
	}
	parts, err := tx.kpiParts(f, q.From, q.To)
	if err != nil {
		return nil, err
	}
	w, err := tx.KPIWeightsOn(q.To)
	if err != nil {
		return nil, err
	}
	out := map[string]kpi.Figures{}
	keys := map[string]bool{}
	if f.group == "" {
		keys[""] = true // a territory without data still has figures (zeros and nulls)
	}
	for k := range counts {
		keys[k] = true
	}
	for k := range parts {
		keys[k] = true
	}
	for k := range keys {
		c := kpi.Counts{Days: map[int]int{}}
		if counts[k] != nil {
			c = *counts[k]
		}
		out[k] = kpi.Compute(q, c, parts[k], w)
	}
	return out, nil
}

// KPI returns the figures of q's territory if p may read it.
func (tx *Tx) KPI(p *markaz.Principal, q kpi.Query) (*kpi.Figures, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := tx.kpiService(q.Service); err != nil {
		return nil, err
	}
	pl, err := tx.kpiReach(p, q.Level, q.Code)
	if err != nil {
		return nil, err
	}
	figs, err := tx.kpiFigures(kpiFilter{place: pl, service: q.Service, channel: q.Channel}, q)
	if err != nil {
		return nil, err
	}
	f := figs[""]
	f.Query, f.NameAr, f.NameEn = q, pl.NameAr, pl.NameEn
	if q.Level == kpi.LevelNation {
		f.Code = ""
	}
	return &f, nil
}

// KPI reads q's figures in a read transaction.
func (db *DB) KPI(ctx context.Context, p *markaz.Principal, q kpi.Query) (f *kpi.Figures, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		f, err = tx.KPI(p, q)
		return err
	})
	return f, err
}

// KPIRanking ranks the parts at level (center, district, governorate) of the territory
// within (a governorate or district code; "" for the nation) by index, the best first;
// parts without an index come last, by name. q.Level and q.Code give the level ranked
// and within.
func (tx *Tx) KPIRanking(p *markaz.Principal, level, within string, q kpi.Query) ([]kpi.Figures, error) {
	q.Level, q.Code = kpi.LevelNation, ""
	if within != "" {
		q.Code = within
		q.Level = kpi.LevelGovernorate
		if strings.Contains(within, "-") {
			q.Level = kpi.LevelDistrict
		}
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var v markaz.Validator
	if v.Required("level", level) && v.OneOf("level", level, kpi.LevelCenter, kpi.LevelDistrict, kpi.LevelGovernorate) &&
		slices.Index(kpi.Levels, level) <= slices.Index(kpi.Levels, q.Level) {
		v.Add("level", "not_below_within", nil)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := tx.kpiService(q.Service); err != nil {
		return nil, err
	}
	pl, err := tx.kpiReach(p, q.Level, q.Code)
	if err != nil {
		return nil, err
	}
	members, err := tx.kpiMembers(level, pl)
	if err != nil {
		return nil, err
	}
	group := map[string]string{kpi.LevelGovernorate: "gov_code", kpi.LevelDistrict: "unit_code", kpi.LevelCenter: "center_id"}[level]
	f := kpiFilter{place: pl, service: q.Service, channel: q.Channel, group: group}
	if pl.Level == kpi.LevelNation {
		if err := tx.Select(&f.govs, `SELECT code FROM governorates ORDER BY code`); err != nil {
			return nil, err
		}
	}
	figs, err := tx.kpiFigures(f, q)
	if err != nil {
		return nil, err
	}
	w, err := tx.KPIWeightsOn(q.To)
	if err != nil {
		return nil, err
	}
	out := make([]kpi.Figures, 0, len(members))
	for _, m := range members {
		f, ok := figs[m.key]
		if !ok {
			f = kpi.Compute(q, kpi.Counts{Days: map[int]int{}}, kpi.Parts{}, w)
		}
		f.Query = kpi.Query{Level: level, Code: m.Code, Service: q.Service, Channel: q.Channel, From: q.From, To: q.To}
		f.NameAr, f.NameEn = m.NameAr, m.NameEn
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b kpi.Figures) int {
		switch {
		case a.Index == nil && b.Index == nil:
			return strings.Compare(a.Code, b.Code)
		case a.Index == nil:
			return 1
		case b.Index == nil:
			return -1
		case *a.Index != *b.Index:
			if *a.Index > *b.Index {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Code, b.Code)
	})
	for i := range out {
		if out[i].Index != nil {
			out[i].Rank = i + 1
		}
	}
	return out, nil
}

// KPIRanking reads a ranking in a read transaction.
func (db *DB) KPIRanking(ctx context.Context, p *markaz.Principal, level, within string, q kpi.Query) (out []kpi.Figures, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		out, err = tx.KPIRanking(p, level, within, q)
		return err
	})
	return out, err
}

type kpiMember struct {
	key    string // the rollups' group value
	Code   string `db:"code"`
	ID     string `db:"id"`
	NameAr string `db:"name_ar"`
	NameEn string `db:"name_en"`
}

// kpiMembers lists the territories at level inside pl that are in service (not retired).
func (tx *Tx) kpiMembers(level string, pl *KPIPlace) ([]kpiMember, error) {
	w := &where{}
	var q string
	switch level {
	case kpi.LevelGovernorate:
		q = `SELECT code, code AS id, name_ar, name_en FROM governorates`
		w.add(`retired_on IS NULL`)
	case kpi.LevelDistrict:
		q = `SELECT code, code AS id, name_ar, name_en FROM units`
		w.add(`retired_on IS NULL`)
		if pl.Ref.Gov != "" {
			w.add(`gov_code = ?`, pl.Ref.Gov)
		}
	default:
		q = `SELECT code, id, name_ar, name_en FROM centers`
		w.add(`retired_on IS NULL`)
		if pl.Ref.Gov != "" {
			w.add(`gov_code = ?`, pl.Ref.Gov)
		}
		if pl.Ref.Unit != "" {
			w.add(`unit_code = ?`, pl.Ref.Unit)
		}
	}
	var out []kpiMember
	if err := tx.Select(&out, q+w.String()+` ORDER BY code`, w.args...); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].key = out[i].ID
	}
	return out, nil
}

// KPISeries returns q's figures for each step of its period (the first and last clipped
// to it), oldest first.
func (tx *Tx) KPISeries(p *markaz.Principal, q kpi.Query, step kpi.Step) ([]kpi.Figures, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var v markaz.Validator
	if v.Required("step", string(step)) && v.OneOf("step", string(step), kpi.Steps...) {
		if n := len(kpi.Buckets(step, q.From, q.To)); n > 400 {
			v.Add("step", "too_many_steps", map[string]any{"max": 400})
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := tx.kpiService(q.Service); err != nil {
		return nil, err
	}
	pl, err := tx.kpiReach(p, q.Level, q.Code)
	if err != nil {
		return nil, err
	}
	var out []kpi.Figures
	for _, b := range kpi.Buckets(step, q.From, q.To) {
		bq := q
		bq.From, bq.To = b[0], b[1]
		figs, err := tx.kpiFigures(kpiFilter{place: pl, service: q.Service, channel: q.Channel}, bq)
		if err != nil {
			return nil, err
		}
		f := figs[""]
		f.Query, f.NameAr, f.NameEn = bq, pl.NameAr, pl.NameEn
		out = append(out, f)
	}
	return out, nil
}

// KPISeries reads a series in a read transaction.
func (db *DB) KPISeries(ctx context.Context, p *markaz.Principal, q kpi.Query, step kpi.Step) (out []kpi.Figures, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		out, err = tx.KPISeries(p, q, step)
		return err
	})
	return out, err
}

// KPIServices returns q's figures per service (those with any request or completion in
// the period), the lowest on-time rate first; services without timed completions last.
func (tx *Tx) KPIServices(p *markaz.Principal, q kpi.Query) ([]kpi.Figures, error) {
	q.Service = ""
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := tx.kpiService(q.Service); err != nil {
		return nil, err
	}
	pl, err := tx.kpiReach(p, q.Level, q.Code)
	if err != nil {
		return nil, err
	}
	figs, err := tx.kpiFigures(kpiFilter{place: pl, service: anyService, channel: q.Channel, group: "service_code"}, q)
	if err != nil {
		return nil, err
	}
	var names []struct {
		Code   string `db:"code"`
		NameAr string `db:"name_ar"`
		NameEn string `db:"name_en"`
	}
	if err := tx.Select(&names, `SELECT code, name_ar, name_en FROM services`); err != nil {
		return nil, err
	}
	out := make([]kpi.Figures, 0, len(figs))
	for _, n := range names {
		f, ok := figs[n.Code]
		if !ok || f.Received == 0 && f.Completed == 0 {
			continue
		}
		f.Query, f.Service, f.NameAr, f.NameEn = q, n.Code, n.NameAr, n.NameEn
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b kpi.Figures) int {
		switch {
		case a.OnTimeRate == nil && b.OnTimeRate == nil:
			return strings.Compare(a.Service, b.Service)
		case a.OnTimeRate == nil:
			return 1
		case b.OnTimeRate == nil:
			return -1
		case *a.OnTimeRate != *b.OnTimeRate:
			if *a.OnTimeRate < *b.OnTimeRate {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Service, b.Service)
	})
	return out, nil
}

// KPIServices reads the per-service figures in a read transaction.
func (db *DB) KPIServices(ctx context.Context, p *markaz.Principal, q kpi.Query) (out []kpi.Figures, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		out, err = tx.KPIServices(p, q)
		return err
	})
	return out, err
}
