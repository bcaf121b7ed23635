package store

import (
	"context"

	"markaz"
)

// DashboardPlace resolves the territory of a dashboard (a level and code as a kpi.Query
// takes them) and checks that p may read its figures: ErrForbidden outside p's
// programme scope, an "unknown_territory" field error for a code that does not exist.
func (db *DB) DashboardPlace(ctx context.Context, p *markaz.Principal, level, code string) (pl *KPIPlace, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		pl, err = tx.kpiReach(p, level, code)
		return err
	})
	return pl, err
}
