package store

// The KPI rollups (tables kpi_counts and kpi_days, see package kpi): every change to a
// request applies, in its own transaction, the difference between the request's
// contributions after and before it. A request's rollup rows are therefore committed or
// rolled back with the change itself, whatever order concurrent transactions commit in.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"markaz"
	"markaz/kpi"
	"markaz/request"
)

// Grains of the rollup rows: per day, and per month (period = the first of the month).
const (
	grainDay   = "D"
	grainMonth = "M"
)

// Scopes of the rollup rows: per center, per governorate, for the nation.
const (
	scopeCenter = "C"
	scopeGov    = "G"
	scopeNation = "N"
)

// rollKey is one row of kpi_counts (Days < 0) or kpi_days.
type rollKey struct {
	Grain, Scope, Service, Gov string
	Period                     markaz.Date
	Unit, Center, Chan         string
	Days                       int
}

// rollRow is a rollup row's key as read back: the columns rollKeyCols names.
type rollRow struct {
	Grain   string      `db:"grain"`
	Scope   string      `db:"scope"`
	Service string      `db:"service_code"`
	Gov     string      `db:"gov_code"`
	Period  markaz.Date `db:"period"`
	Unit    string      `db:"unit_code"`
	Center  string      `db:"center_id"`
	Chan    string      `db:"channel"`
}

// key is the row's rollKey (days -1 for the tables without a days column).
func (r rollRow) key(days int) rollKey {
	return rollKey{r.Grain, r.Scope, r.Service, r.Gov, r.Period, r.Unit, r.Center, r.Chan, days}
}

// centerDayKey is the center-scope day row of k (days -1 outside kpi_days).
func centerDayKey(k kpi.Key, days int) rollKey {
	return rollKey{grainDay, scopeCenter, k.Service, k.Gov, k.Day, k.Unit, k.Center, k.Channel, days}
}

func (a rollKey) compare(b rollKey) int {
	return cmp.Or(cmp.Compare(a.Grain, b.Grain), cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Service, b.Service),
		cmp.Compare(a.Gov, b.Gov),
		cmp.Compare(a.Period.Y, b.Period.Y), cmp.Compare(a.Period.M, b.Period.M), cmp.Compare(a.Period.D, b.Period.D),
		cmp.Compare(a.Unit, b.Unit),
		cmp.Compare(a.Center, b.Center), cmp.Compare(a.Chan, b.Chan), cmp.Compare(a.Days, b.Days))
}

// expand lists the rollup rows a day's contribution at k lands in: both grains, the
// three scopes, with the service and for every service (the empty code).
func expand(k kpi.Key, days int) []rollKey {
	month := markaz.Date{Y: k.Day.Y, M: k.Day.M, D: 1}
	out := make([]rollKey, 0, 12)
	for _, g := range []struct {
		grain  string
		period markaz.Date
	}{{grainDay, k.Day}, {grainMonth, month}} {
		for _, p := range [][4]string{{scopeCenter, k.Gov, k.Unit, k.Center}, {scopeGov, k.Gov, "", ""}, {scopeNation, "", "", ""}} {
			for _, svc := range []string{k.Service, ""} {
				out = append(out, rollKey{g.grain, p[0], svc, p[1], g.period, p[2], p[3], k.Channel, days})
			}
		}
	}
	return out
}

// rollRows expands a rollup into table rows, in key order (concurrent writers on
// PostgreSQL then lock shared rows in the same order and cannot deadlock).
func rollRows(r *kpi.Rollup) (counts []rollKey, cv map[rollKey]kpi.Delta, days []rollKey, dv map[rollKey]int) {
	cv, dv = map[rollKey]kpi.Delta{}, map[rollKey]int{}
	for k, d := range r.Counts {
		for _, rk := range expand(k, -1) {
			v := cv[rk]
			v.Add(d, 1)
			cv[rk] = v
		}
	}
	for k, n := range r.Days {
		for _, rk := range expand(k.Key, k.Days) {
			dv[rk] += n
		}
	}
	for k := range cv {
		counts = append(counts, k)
	}
	for k := range dv {
		days = append(days, k)
	}
	slices.SortFunc(counts, rollKey.compare)
	slices.SortFunc(days, rollKey.compare)
	return counts, cv, days, dv
}

var kpiCountCols = []string{"received", "online", "completed", "timed", "on_time", "required_sum", "overdue",
	"rating_n", "rating_sum"}

// kpiWrite adds r to the rollup tables.
func (tx *Tx) kpiWrite(r *kpi.Rollup) error {
	if r.Empty() {
		return nil
	}
	counts, cv, days, dv := rollRows(r)
	if err := tx.rollupUpsert("kpi_counts", append(slices.Clone(rollKeyCols), kpiCountCols...), len(rollKeyCols), len(counts),
		func(i int, args []any) []any {
			k, d := counts[i], cv[counts[i]]
			return append(k.args(args), d.Received, d.Online, d.Completed, d.Timed, d.OnTime, d.RequiredSum, d.Overdue,
				d.RatingN, d.RatingSum)
		}); err != nil {
		return err
	}
	return tx.rollupUpsert("kpi_days", append(slices.Clone(rollKeyCols), "days", "n"), len(rollKeyCols)+1, len(days),
		func(i int, args []any) []any { return append(days[i].args(args), days[i].Days, dv[days[i]]) })
}

// rollKeyCols are the key columns of the rollup tables, in rollKey.args order (kpi_days
// adds days).
var rollKeyCols = []string{"grain", "scope", "service_code", "gov_code", "period", "unit_code", "center_id", "channel"}

// args appends k's key columns, in rollKeyCols order.
func (k rollKey) args(to []any) []any {
	return append(to, k.Grain, k.Scope, k.Service, k.Gov, k.Period, k.Unit, k.Center, k.Chan)
}

// rollupUpsert adds n rows to a rollup table: cols are its columns, the first keyN of them
// its key, and each other column is added to what the row already holds; args appends row
// i's values in cols order. Rows go in the order given (callers sort them by key, so that
// concurrent writers on PostgreSQL lock shared rows in one order and cannot deadlock).
//
// One change (a registration, a decision, a payment) writes a few dozen rows. On SQLite
// they go one row per statement, because a single-row upsert is the same text every time
// and stays prepared (stmts.go), where a multi-row one is compiled anew for each size; on
// PostgreSQL every statement is a round trip to the server, so they go together. Bulk loads
// write thousands, 200 to a statement.
func (tx *Tx) rollupUpsert(table string, cols []string, keyN, n int, args func(i int, to []any) []any) error {
	per := 200
	if tx.stmts != nil && n <= 64 {
		per = 1
	}
	set := make([]string, 0, len(cols)-keyN)
	for _, c := range cols[keyN:] {
		set = append(set, fmt.Sprintf("%s = %s.%s + excluded.%s", c, table, c, c))
	}
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	tail := ` ON CONFLICT (` + strings.Join(cols[:keyN], ", ") + `) DO UPDATE SET ` + strings.Join(set, ", ")
	for i := 0; i < n; i += per {
		m := min(per, n-i)
		vals := make([]any, 0, m*len(cols))
		for j := i; j < i+m; j++ {
			vals = args(j, vals)
		}
		if _, err := tx.Exec(head+rowsOf(m, len(cols))+tail, vals...); err != nil {
			return err
		}
	}
	return nil
}

// rowsOf is "(?, …), (?, …)": n rows of cols placeholders.
func rowsOf(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// kpiFacts reads the facts of the requests ids from their rows, histories and ratings.
// Unknown ids are left out.
func (tx *Tx) kpiFacts(ids []string) ([]kpi.Facts, error) {
	var out []kpi.Facts
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		in := `(` + placeholders(len(chunk)) + `)`
		var rows []struct {
			request.Request
			Rating  *int         `db:"rating"`
			RatedOn *markaz.Date `db:"rated_on"`
		}
		if err := tx.Select(&rows, `SELECT `+requestCols+`, rt.rating, rt.rated_on`+requestFrom+`
			LEFT JOIN request_ratings rt ON rt.request_id = r.id WHERE r.id IN `+in, args...); err != nil {
			return nil, err
		}
		var evs []struct {
			RequestID string `db:"request_id"`
			request.Event
		}
		if err := tx.Select(&evs, `SELECT request_id, seq, at, action, from_status, to_status, due_date
			FROM request_events WHERE request_id IN `+in+` ORDER BY request_id, seq`, args...); err != nil {
			return nil, err
		}
		hist := map[string][]request.Event{}
		for _, e := range evs {
			hist[e.RequestID] = append(hist[e.RequestID], e.Event)
		}
		for i := range rows {
			r := &rows[i]
			rating, on := 0, markaz.Date{}
			if r.Rating != nil && r.RatedOn != nil {
				rating, on = *r.Rating, *r.RatedOn
			}
			out = append(out, kpi.FactsOf(&r.Request, hist[r.ID], rating, on))
		}
	}
	return out, nil
}

// kpiTrack reads the contributions of the requests ids before a change and returns the
// function that, called once the change is made in the same transaction, applies the
// difference to the rollups. Requests that do not exist yet contribute nothing before.
func (tx *Tx) kpiTrack(ids ...string) (func() error, error) {
	before, err := tx.kpiFacts(ids)
	if err != nil {
		return nil, err
	}
	roll := kpi.NewRollup()
	for i := range before {
		kpi.Contribute(roll, &before[i], -1)
	}
	return func() error {
		after, err := tx.kpiFacts(ids)
		if err != nil {
			return err
		}
		for i := range after {
			kpi.Contribute(roll, &after[i], 1)
		}
		return tx.kpiWrite(roll)
	}, nil
}

// kpiAdd adds the contributions of requests just written in the transaction.
func (tx *Tx) kpiAdd(ids ...string) error {
	facts, err := tx.kpiFacts(ids)
	if err != nil {
		return err
	}
	return tx.kpiAddFacts(facts...)
}

// kpiAddFacts adds the contributions of requests whose facts the caller already holds.
func (tx *Tx) kpiAddFacts(facts ...kpi.Facts) error {
	roll := kpi.NewRollup()
	for i := range facts {
		kpi.Contribute(roll, &facts[i], 1)
	}
	return tx.kpiWrite(roll)
}

// kpiAddBulk adds the contributions of requests written by InsertRequestsBulk, from the
// rows and histories in memory (they carry no rating).
func (tx *Tx) kpiAddBulk(rs []BulkRequest) error {
	facts := make([]kpi.Facts, len(rs))
	for i := range rs {
		facts[i] = rs[i].facts()
	}
	return tx.kpiAddFacts(facts...)
}
