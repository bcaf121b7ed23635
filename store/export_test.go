package store

// FieldCode lets the external tests read a validation error's code for a field.
var FieldCode = fieldCode

// InsertRequestsStoppedLoad writes rs as a bulk load does and then forgets their held
// contributions, as a load that stopped before adding them would.
func (tx *Tx) InsertRequestsStoppedLoad(rs []BulkRequest) error {
	tx.bulk = newBulkKPI()
	defer func() { tx.bulk = nil }()
	return tx.InsertRequestsBulk(rs)
}
