package store

// Checking and rebuilding the KPI rollups from the raw requests (`markaz kpi verify`,
// `markaz kpi rebuild`): both recompute each center's contributions with kpi.Contribute,
// the definition the rollups are kept by, one center at a time so memory stays small.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/kpi"
)

// KPIDifference is one figure the rollups give differently from the raw requests.
type KPIDifference struct {
	What   string // the row or figure, e.g. "kpi_counts D 2024-05-03 center … received"
	Rollup int
	Raw    int
}

func (d KPIDifference) String() string {
	if d.Rollup == 0 && d.Raw == 0 {
		return d.What // a difference described in full (the fees-collected rollup's)
	}
	return fmt.Sprintf("%s: rollup %d, raw %d", d.What, d.Rollup, d.Raw)
}

// VerifyKPI recomputes the rollups of [from, to] from the raw requests and returns every
// difference: the daily rows of each service (every column and histogram bucket), and,
// through the reads the API makes, each center's counts of the period and its
// overdue_open at the end of to. progress, if set, is told each center done.
func (db *DB) VerifyKPI(ctx context.Context, from, to markaz.Date, progress func(done, total int)) ([]KPIDifference, error) {
	var out []KPIDifference
	err := db.Snapshot(ctx, func(tx *Tx) error {
		out = nil
		centers, err := tx.kpiCenters()
		if err != nil {
			return err
		}
		var govs []string
		if err := tx.Select(&govs, `SELECT code FROM governorates ORDER BY code`); err != nil {
			return err
		}
		if n, err := tx.kpiPendingCount(); err != nil {
			return err
		} else if n > 0 {
			out = append(out, KPIDifference{"requests written in bulk not yet added to the rollups (within a minute)", 0, n})
		}
		total := len(centers) + len(govs) + 1
		for i, c := range centers {
			diffs, err := tx.verifyCenter(c, from, to)
			if err != nil {
				return err
			}
			out = append(out, diffs...)
			if progress != nil {
				progress(i+1, total)
			}
		}
		// Governorate rows against the sum of their centers', the nation's against the
		// governorates'.
		for i, g := range govs {
			diffs, err := tx.verifySums("gov "+g, rollPeriod(from, to), rollCond{`scope = 'G' AND gov_code = ?`, []any{g}},
				rollCond{`scope = 'C' AND gov_code = ?`, []any{g}}, []string{"grain", "service_code", "period", "channel"}, false)
			if err != nil {
				return err
			}
			out = append(out, diffs...)
			if progress != nil {
				progress(len(centers)+i+1, total)
			}
		}
		diffs, err := tx.verifySums("nation", rollPeriod(from, to), rollCond{`scope = 'N'`, nil}, rollCond{`scope = 'G'`, nil},
			[]string{"grain", "service_code", "period", "channel"}, false)
		if err != nil {
			return err
		}
		out = append(out, diffs...)
		// The fees-collected rollup against the payments.
		pays, err := tx.verifyPaymentRollup(from, to)
		for _, d := range pays {
			out = append(out, KPIDifference{What: d})
		}
		if progress != nil {
			progress(total, total)
		}
		return err
	})
	return out, err
}

// rollCond is a condition on rollup rows with its arguments.
type rollCond struct {
	cond string
	args []any
}

func rollPeriod(from, to markaz.Date) rollCond {
	return rollCond{`period BETWEEN ? AND ?`, []any{from, to}}
}

// rollSums sums a rollup table's values over the rows matching conds, grouped by keys
// (the period folded to its month when fold is set), keyed by the key values printed.
func (tx *Tx) rollSums(table string, keys []string, fold bool, conds ...rollCond) (map[string][]int, error) {
	vals := kpiCountCols
	if table == "kpi_days" {
		keys, vals = append(append([]string{}, keys...), "days"), []string{"n"}
	}
	w := &where{}
	for _, c := range conds {
		w.add(c.cond, c.args...)
	}
	sums := make([]string, len(vals))
	for i, v := range vals {
		sums[i] = "SUM(" + v + ")"
	}
	rows, err := tx.Query(`SELECT `+strings.Join(keys, ", ")+`, `+strings.Join(sums, ", ")+` FROM `+table+w.String()+
		` GROUP BY `+strings.Join(keys, ", "), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]int{}
	for rows.Next() {
		cols, err := rows.SliceScan()
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(keys))
		for i, k := range keys {
			if k == "period" {
				var d markaz.Date
				if err := d.Scan(cols[i]); err != nil {
					return nil, err
				}
				if fold {
					d = monthStart(d)
				}
				parts[i] = d.String()
				continue
			}
			if b, ok := cols[i].([]byte); ok {
				cols[i] = string(b)
			}
			parts[i] = fmt.Sprint(cols[i])
		}
		key := strings.Join(parts, " ")
		acc := out[key]
		if acc == nil {
			acc = make([]int, len(vals))
		}
		for j := range vals {
			n, _ := cols[len(keys)+j].(int64)
			acc[j] += int(n)
		}
		out[key] = acc
	}
	return out, rows.Err()
}

// verifySums compares, in both tables, the rows matching derived with the sums of the
// rows matching base, grouped by keys: rows kept at a wider scope, or for every service,
// or per month, must equal what they sum.
func (tx *Tx) verifySums(label string, period, derived, base rollCond, keys []string, fold bool) ([]KPIDifference, error) {
	var out []KPIDifference
	for _, table := range []string{"kpi_counts", "kpi_days"} {
		want, err := tx.rollSums(table, keys, fold, period, base)
		if err != nil {
			return nil, err
		}
		got, err := tx.rollSums(table, keys, false, period, derived)
		if err != nil {
			return nil, err
		}
		names := kpiCountCols
		if table == "kpi_days" {
			names = []string{"n"}
		}
		for _, k := range unionKeys(want, got) {
			for j, name := range names {
				g, w := at(got[k], j), at(want[k], j)
				if g != w {
					out = append(out, KPIDifference{fmt.Sprintf("%s %s %s %s", table, label, k, name), g, w})
				}
			}
		}
	}
	return out, nil
}

func at(v []int, i int) int {
	if v == nil {
		return 0
	}
	return v[i]
}

// kpiCenters lists the ids of the centers that have requests.
func (tx *Tx) kpiCenters() ([]string, error) {
	var ids []string
	return ids, tx.Select(&ids, `SELECT id FROM centers c WHERE EXISTS (SELECT 1 FROM requests r WHERE r.center_id = c.id)
		ORDER BY id`)
}

// centerRollup recomputes the contributions of a center's requests submitted on or
// before to (later ones contribute nothing up to to).
func (tx *Tx) centerRollup(center string, to markaz.Date) (*kpi.Rollup, error) {
	w := &where{}
	w.add(`center_id = ?`, center)
	if !to.IsZero() {
		w.add(`submitted_on <= ?`, to)
	}
	var ids []string
	if err := tx.Select(&ids, `SELECT id FROM requests`+w.String()+` ORDER BY id`, w.args...); err != nil {
		return nil, err
	}
	facts, err := tx.kpiFacts(ids)
	if err != nil {
		return nil, err
	}
	roll := kpi.NewRollup()
	for i := range facts {
		kpi.Contribute(roll, &facts[i], 1)
	}
	return roll, nil
}

func (tx *Tx) verifyCenter(center string, from, to markaz.Date) ([]KPIDifference, error) {
	roll, err := tx.centerRollup(center, to)
	if err != nil {
		return nil, err
	}
	in := func(d markaz.Date) bool { return !d.Before(from) && !to.Before(d) }
	var out []KPIDifference
	// 1. Every daily row of a service, column by column.
	want := map[rollKey]kpi.Delta{}
	for k, d := range roll.Counts {
		if in(k.Day) {
			want[centerDayKey(k, -1)] = d
		}
	}
	var have []struct {
		rollRow
		kpi.Delta
	}
	if err := tx.Select(&have, `SELECT `+strings.Join(rollKeyCols, ", ")+`, `+
		strings.Join(kpiCountCols, ", ")+` FROM kpi_counts WHERE center_id = ? AND scope = 'C' AND grain = 'D' AND service_code <> ''
		AND period BETWEEN ? AND ?`, center, from, to); err != nil {
		return nil, err
	}
	got := map[rollKey]kpi.Delta{}
	for _, h := range have {
		got[h.key(-1)] = h.Delta
	}
	for _, k := range unionKeys(want, got) {
		out = append(out, deltaDiffs("kpi_counts "+k.label(), got[k], want[k])...)
	}
	wantDays := map[rollKey]int{}
	for k, n := range roll.Days {
		if in(k.Day) {
			wantDays[centerDayKey(k.Key, k.Days)] = n
		}
	}
	var haveDays []struct {
		rollRow
		Days int `db:"days"`
		N    int `db:"n"`
	}
	if err := tx.Select(&haveDays, `SELECT `+strings.Join(rollKeyCols, ", ")+`, days, n
		FROM kpi_days WHERE center_id = ? AND scope = 'C' AND grain = 'D' AND service_code <> '' AND period BETWEEN ? AND ?`,
		center, from, to); err != nil {
		return nil, err
	}
	gotDays := map[rollKey]int{}
	for _, h := range haveDays {
		gotDays[h.key(h.Days)] = h.N
	}
	for _, k := range unionKeys(wantDays, gotDays) {
		if gotDays[k] != wantDays[k] {
			out = append(out, KPIDifference{"kpi_days " + k.label(), gotDays[k], wantDays[k]})
		}
	}
	// 2. The center's counts of the period as the API reads them (monthly and all-service
	// rows included), and overdue_open at the end of to (every earlier delta included).
	var raw kpi.Counts
	raw.Days = map[int]int{}
	for k, d := range roll.Counts {
		if !to.Before(k.Day) {
			raw.Overdue += d.Overdue
		}
		if in(k.Day) {
			o := raw.Overdue
			raw.Add(d, 1)
			raw.Overdue = o
		}
	}
	for k, n := range roll.Days {
		if in(k.Day) {
			raw.Days[k.Days] += n
		}
	}
	counts, err := tx.kpiCounts(kpiFilter{place: &KPIPlace{Level: kpi.LevelCenter, CenterID: center}}, from, to)
	if err != nil {
		return nil, err
	}
	read := kpi.Counts{Days: map[int]int{}}
	if c := counts[""]; c != nil {
		read = *c
	}
	label := fmt.Sprintf("center %s %s…%s", center, from, to)
	out = append(out, deltaDiffs(label, read.Delta, raw.Delta)...)
	for _, d := range unionKeys(read.Days, raw.Days) {
		if read.Days[d] != raw.Days[d] {
			out = append(out, KPIDifference{fmt.Sprintf("%s processing_days=%d", label, d), read.Days[d], raw.Days[d]})
		}
	}
	// 3. The center's all-services daily rows against its services', and its monthly
	// rows of the whole months in the period against its daily rows.
	cc := rollCond{`scope = 'C' AND center_id = ?`, []any{center}}
	diffs, err := tx.verifySums("center "+center, rollPeriod(from, to), rollCond{`grain = 'D' AND service_code = '' AND ` + cc.cond, cc.args},
		rollCond{`grain = 'D' AND service_code <> '' AND ` + cc.cond, cc.args}, []string{"period", "channel"}, false)
	if err != nil {
		return nil, err
	}
	out = append(out, diffs...)
	first, last := monthStart(from), kpi.PeriodEnd(kpi.StepMonth, to)
	if first != from {
		first = kpi.PeriodEnd(kpi.StepMonth, from).AddDays(1)
	}
	if last != to {
		last = monthStart(to).AddDays(-1)
	}
	if first.Before(last) {
		diffs, err := tx.verifySums("center "+center, rollPeriod(first, last), rollCond{`grain = 'M' AND ` + cc.cond, cc.args},
			rollCond{`grain = 'D' AND ` + cc.cond, cc.args}, []string{"service_code", "period", "channel"}, true)
		if err != nil {
			return nil, err
		}
		out = append(out, diffs...)
	}
	return out, nil
}

func (k rollKey) label() string {
	s := fmt.Sprintf("%s%s %s center=%s gov=%s unit=%s service=%s channel=%s", k.Grain, k.Scope, k.Period, k.Center, k.Gov,
		k.Unit, k.Service, k.Chan)
	if k.Days >= 0 {
		s += fmt.Sprintf(" days=%d", k.Days)
	}
	return s
}

// deltaDiffs lists the columns in which got and want differ.
func deltaDiffs(what string, got, want kpi.Delta) []KPIDifference {
	g := []int{got.Received, got.Online, got.Completed, got.Timed, got.OnTime, got.RequiredSum, got.Overdue,
		got.RatingN, got.RatingSum}
	w := []int{want.Received, want.Online, want.Completed, want.Timed, want.OnTime, want.RequiredSum, want.Overdue,
		want.RatingN, want.RatingSum}
	var out []KPIDifference
	for i := range g {
		if g[i] != w[i] {
			out = append(out, KPIDifference{what + " " + kpiCountCols[i], g[i], w[i]})
		}
	}
	return out
}

// unionKeys returns the keys of a and b in a stable order.
func unionKeys[K comparable, V any](a, b map[K]V) []K {
	seen := map[K]bool{}
	var out []K
	for _, m := range []map[K]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slices.SortFunc(out, func(x, y K) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
	return out
}

// RebuildKPI recomputes every rollup row from the raw requests in one write transaction
// (other writers wait). Used by `markaz kpi rebuild` and, once, on a database whose
// requests predate the rollups (KPIBackfill).
func (db *DB) RebuildKPI(ctx context.Context, progress func(done, total int)) error {
	return db.Write(ctx, func(tx *Tx) error { return tx.rebuildKPI(progress) })
}

func (tx *Tx) rebuildKPI(progress func(done, total int)) error {
	if tx.dialect == Postgres {
		if _, err := tx.Exec(`LOCK TABLE kpi_counts, kpi_days, kpi_payments IN EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	// Pending requests are counted by the rebuild: a loader that adds them later finds
	// their rows gone and adds nothing.
	for _, t := range []string{"kpi_counts", "kpi_days", "kpi_pending"} {
		if _, err := tx.Exec(`DELETE FROM ` + t); err != nil {
			return err
		}
	}
	if err := tx.rebuildPaymentRollup(); err != nil {
		return err
	}
	if err := tx.fillProcessingDays(); err != nil {
		return err
	}
	centers, err := tx.kpiCenters()
	if err != nil {
		return err
	}
	for i, c := range centers {
		roll, err := tx.centerRollup(c, markaz.Date{})
		if err != nil {
			return err
		}
		if err := tx.kpiWrite(roll); err != nil {
			return err
		}
		if progress != nil {
			progress(i+1, len(centers))
		}
	}
	return nil
}

// fillProcessingDays sets the processing days of requests decided before they were
// recorded, as a decision records them: working days in the request's calendar from
// submission to decision, less those it waited on the citizen.
func (tx *Tx) fillProcessingDays() error {
	var rows []struct {
		ID        string      `db:"id"`
		Gov       string      `db:"gov_code"`
		Center    string      `db:"center_id"`
		Submitted markaz.Date `db:"submitted_on"`
		DecidedAt time.Time   `db:"decided_at"`
		Paused    int         `db:"paused_days"`
	}
	if err := tx.Select(&rows, `SELECT id, gov_code, center_id, submitted_on, decided_at, paused_days FROM requests
		WHERE decided_at IS NOT NULL AND processing_days IS NULL AND channel <> 'backlog'`); err != nil {
		return err
	}
	for _, r := range rows {
		cal, err := tx.CalendarFor(r.Gov, r.Center)
		if err != nil {
			return err
		}
		days := cal.WorkingDaysBetween(r.Submitted, markaz.DateOf(r.DecidedAt)) - r.Paused
		if _, err := tx.Exec(`UPDATE requests SET processing_days = ? WHERE id = ?`, days, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// KPIBackfill builds the rollups of a database that has requests but no rollup rows (one
// upgraded from before them), and reports whether it did. Safe when several instances
// start at once: the check is repeated under the write lock.
func (db *DB) KPIBackfill(ctx context.Context) (bool, error) {
	did := false
	err := db.Write(ctx, func(tx *Tx) error {
		did = false
		if tx.dialect == Postgres {
			if _, err := tx.Exec(`LOCK TABLE kpi_counts, kpi_days IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		var rollups, requests int
		if err := tx.Get(&rollups, `SELECT COUNT(*) FROM (SELECT 1 FROM kpi_counts LIMIT 1) x`); err != nil {
			return err
		}
		if err := tx.Get(&requests, `SELECT COUNT(*) FROM (SELECT 1 FROM requests LIMIT 1) x`); err != nil {
			return err
		}
		if rollups > 0 || requests == 0 {
			return nil
		}
		did = true
		return tx.rebuildKPI(nil)
	})
	return did, err
}
