package store

import (
	"database/sql"

	"markaz"
	"markaz/kpi"
)

// FieldCode lets the external tests read a validation error's code for a field.
var FieldCode = fieldCode

// InsertRequestsStoppedLoad writes rs as a bulk load does and then forgets their held
// contributions, as a load that stopped before adding them would.
func (tx *Tx) InsertRequestsStoppedLoad(rs []BulkRequest) error {
	tx.bulk = newBulkKPI()
	defer func() { tx.bulk = nil }()
	return tx.InsertRequestsBulk(rs)
}

// KPIPartsOf lets the external tests read kpiParts for a territory given by level and
// code, narrowed and grouped as a kpiFilter would be.
func (tx *Tx) KPIPartsOf(level, code, service, channel, group string, from, to markaz.Date) (map[string]kpi.Parts, error) {
	pl, err := tx.kpiPlace(level, code)
	if err != nil {
		return nil, err
	}
	return tx.kpiParts(kpiFilter{place: pl, service: service, channel: channel, group: group}, from, to)
}

// VerifyPaymentRollup lets the external tests check the fees-collected rollup.
func (tx *Tx) VerifyPaymentRollup(from, to markaz.Date) ([]string, error) {
	return tx.verifyPaymentRollup(from, to)
}

// Kept reports whether SQLite keeps q prepared and how many statements it keeps or is
// preparing.
func (db *DB) Kept(q string) (bool, int) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	_, ok := db.stmts.ready[q]
	return ok, len(db.stmts.ready) + len(db.stmts.pending)
}

// MaxStmts and MaxStmtArgs are the statement cache's bounds.
const MaxStmts, MaxStmtArgs = maxStmts, maxStmtArgs

// PoolStats lets the external tests read the connection pool's counters.
func (db *DB) PoolStats() sql.DBStats { return db.x.Stats() }
