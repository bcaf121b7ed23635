package store

import (
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
