package store

// Bulk loads (demo generation, backlog imports) add thousands of requests a second; adding
// each batch's contributions to the rollups in its own transaction would cost more than
// writing the requests. A load inside DB.Bulk therefore records its requests in
// kpi_pending in their own transactions and keeps their contributions in memory, adding
// them to the rollups and clearing kpi_pending together, in one transaction, at most
// every bulkKPIInterval or bulkKPIMax requests and when the load ends. A load that stops
// before that leaves its requests in kpi_pending, and SweepKPIPending adds them once they
// are older than a loader would hold them. Either way each request is added exactly once:
// whoever deletes its kpi_pending row adds it.

import (
	"context"
	"time"

	"markaz/kpi"
)

const (
	bulkKPIInterval = 30 * time.Second
	bulkKPIMax      = 20000
	// KPIPendingAge is how old a pending request is before the sweep adds it: well past
	// a running loader's interval.
	KPIPendingAge = 2 * time.Minute
)

// bulkKPI is the contributions of requests a load wrote and not yet added.
type bulkKPI struct {
	roll  *kpi.Rollup
	ids   []string
	since time.Time // when the first of them was written
}

func newBulkKPI() *bulkKPI { return &bulkKPI{roll: kpi.NewRollup()} }

// add records rs, just written in tx, as pending and keeps their contributions.
func (b *bulkKPI) add(tx *Tx, rs []BulkRequest) error {
	if len(rs) == 0 {
		return nil
	}
	if b.since.IsZero() {
		b.since = tx.Now
	}
	w := tx.rowWriter("kpi_pending", []string{"request_id", "since"})
	defer w.close()
	for i := range rs {
		f := rs[i].facts()
		kpi.Contribute(b.roll, &f, 1)
		b.ids = append(b.ids, rs[i].ID)
		w.add(rs[i].ID, tx.Now)
		if err := w.flushFull(); err != nil {
			return err
		}
	}
	return w.flush()
}

func (b *bulkKPI) merge(o *bulkKPI) {
	if b.since.IsZero() {
		b.since = o.since
	}
	b.roll.Merge(o.roll, 1)
	b.ids = append(b.ids, o.ids...)
}

// due reports whether the held contributions, with stage's, should be added now.
func (b *bulkKPI) due(stage *bulkKPI, now time.Time) bool {
	since := b.since
	if since.IsZero() {
		since = stage.since
	}
	return len(b.ids)+len(stage.ids) >= bulkKPIMax || !since.IsZero() && now.Sub(since) >= bulkKPIInterval
}

// flushBulkKPI adds the contributions of acc and stage to the rollups and clears their
// kpi_pending rows. Requests the sweep already added (their rows gone) are not added
// again: then the contributions of those still pending are read afresh.
func (tx *Tx) flushBulkKPI(acc, stage *bulkKPI) error {
	ids := append(append([]string{}, acc.ids...), stage.ids...)
	taken, err := tx.takePending(ids)
	if err != nil {
		return err
	}
	if len(taken) == len(ids) {
		roll := kpi.NewRollup()
		roll.Merge(acc.roll, 1)
		roll.Merge(stage.roll, 1)
		return tx.kpiWrite(roll)
	}
	return tx.kpiAdd(taken...)
}

// takePending deletes the kpi_pending rows of ids and returns those it deleted.
func (tx *Tx) takePending(ids []string) ([]string, error) {
	var out []string
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		var got []string
		if err := tx.Select(&got, `DELETE FROM kpi_pending WHERE request_id`+in+` RETURNING request_id`, args...); err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// SweepKPIPending adds to the rollups the requests left pending for longer than age (a
// load that stopped before adding them) and returns how many it added. Safe on several
// instances at once.
func (db *DB) SweepKPIPending(ctx context.Context, age time.Duration) (int, error) {
	total := 0
	for {
		n := 0
		err := db.Write(ctx, func(tx *Tx) error {
			var ids []string
			if err := tx.Select(&ids, `SELECT request_id FROM kpi_pending WHERE since <= ? ORDER BY since LIMIT 2000`,
				tx.Now.Add(-age)); err != nil {
				return err
			}
			taken, err := tx.takePending(ids)
			if err != nil {
				return err
			}
			n = len(taken)
			return tx.kpiAdd(taken...)
		})
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// kpiPendingCount is how many requests wait to be added to the rollups.
func (tx *Tx) kpiPendingCount() (int, error) {
	var n int
	return n, tx.Get(&n, `SELECT COUNT(*) FROM kpi_pending`)
}
