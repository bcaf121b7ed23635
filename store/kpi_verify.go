package store

// Checking and rebuilding the KPI rollups from the raw requests (`markaz kpi verify`,
// `markaz kpi rebuild`): both recompute each center's contributions with kpi.Contribute,
// the definition the rollups are kept by, one center at a time so memory stays small.

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

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
	return fmt.Sprintf("%s: rollup %d, raw %d", d.What, d.Rollup, d.Raw)
}

// VerifyKPI recomputes the rollups of [from, to] from the raw requests and returns every
// difference: the daily rows of each service (every column and histogram bucket), and,
// through the reads the API makes, each center's counts of the period and its
// overdue_open at the end of to. progress, if set, is told each center done.
func (db *DB) VerifyKPI(ctx context.Context, from, to markaz.Date, progress func(done, total int)) ([]KPIDifference, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every center
	}
	var out []KPIDifference
	err := db.run(ctx, opts, func(tx *Tx) error {
		out = nil
		centers, err := tx.kpiCenters()
		if err != nil {
			return err
		}
		for i, c := range centers {
			diffs, err := tx.verifyCenter(c, from, to)
			if err != nil {
				return err
			}
			out = append(out, diffs...)
			if progress != nil {
				progress(i+1, len(centers))
			}
		}
		return nil
	})
	return out, err
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
			want[rollKey{grainDay, k.Service, k.Gov, k.Day, k.Unit, k.Center, k.Channel, -1}] = d
		}
	}
	var have []struct {
		Service string      `db:"service_code"`
		Gov     string      `db:"gov_code"`
		Period  markaz.Date `db:"period"`
		Unit    string      `db:"unit_code"`
		Center  string      `db:"center_id"`
		Chan    string      `db:"channel"`
		kpi.Delta
	}
	if err := tx.Select(&have, `SELECT service_code, gov_code, period, unit_code, center_id, channel, `+
		strings.Join(kpiCountCols, ", ")+` FROM kpi_counts WHERE center_id = ? AND grain = 'D' AND service_code <> ''
		AND period BETWEEN ? AND ?`, center, from, to); err != nil {
		return nil, err
	}
	got := map[rollKey]kpi.Delta{}
	for _, h := range have {
		got[rollKey{grainDay, h.Service, h.Gov, h.Period, h.Unit, h.Center, h.Chan, -1}] = h.Delta
	}
	for _, k := range unionKeys(want, got) {
		out = append(out, deltaDiffs("kpi_counts "+k.label(), got[k], want[k])...)
	}
	wantDays := map[rollKey]int{}
	for k, n := range roll.Days {
		if in(k.Day) {
			wantDays[rollKey{grainDay, k.Service, k.Gov, k.Day, k.Unit, k.Center, k.Channel, k.Days}] = n
		}
	}
	var haveDays []struct {
		Service string      `db:"service_code"`
		Gov     string      `db:"gov_code"`
		Period  markaz.Date `db:"period"`
		Unit    string      `db:"unit_code"`
		Center  string      `db:"center_id"`
		Chan    string      `db:"channel"`
		Days    int         `db:"days"`
		N       int         `db:"n"`
	}
	if err := tx.Select(&haveDays, `SELECT service_code, gov_code, period, unit_code, center_id, channel, days, n
		FROM kpi_days WHERE center_id = ? AND grain = 'D' AND service_code <> '' AND period BETWEEN ? AND ?`,
		center, from, to); err != nil {
		return nil, err
	}
	gotDays := map[rollKey]int{}
	for _, h := range haveDays {
		gotDays[rollKey{grainDay, h.Service, h.Gov, h.Period, h.Unit, h.Center, h.Chan, h.Days}] = h.N
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
	return out, nil
}

func (k rollKey) label() string {
	s := fmt.Sprintf("%s %s center=%s gov=%s unit=%s service=%s channel=%s", k.Grain, k.Period, k.Center, k.Gov,
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
		if _, err := tx.Exec(`LOCK TABLE kpi_counts, kpi_days IN EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	for _, t := range []string{"kpi_counts", "kpi_days"} {
		if _, err := tx.Exec(`DELETE FROM ` + t); err != nil {
			return err
		}
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
