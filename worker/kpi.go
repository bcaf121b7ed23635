package worker

import (
	"context"
	"log/slog"
	"time"

	"markaz/store"
)

// SweepKPI adds to the KPI rollups, every interval until ctx ends, the requests a bulk
// load left pending when it stopped (store.SweepKPIPending). Every instance may run it.
func SweepKPI(ctx context.Context, db *store.DB, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := db.SweepKPIPending(ctx, store.KPIPendingAge); err != nil && ctx.Err() == nil {
			log.Error("kpi sweep", "err", err)
		} else if n > 0 {
			log.Info("kpi sweep: pending requests added to the rollups", "requests", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
