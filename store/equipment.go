package store

// The equipment inventory of the centers: items with a unique serial, read with
// equipment.read and changed with equipment.write over the item's center; nothing is
// deleted (an item leaves service as retired, and then stays as it is).

import (
	"context"

	"markaz"
	"markaz/resource"
)

const equipmentCols = `e.id, e.center_id, c.code AS center_code, c.name_ar AS center_name_ar,
	c.name_en AS center_name_en, e.gov_code, e.unit_code, e.device_type, e.serial, e.status, e.notes, e.version,
	e.created_at, e.updated_at`

const equipmentFrom = ` FROM equipment e JOIN centers c ON c.id = e.center_id`

// EquipmentCounts counts a center's items in service by status (retired ones apart).
type EquipmentCounts struct {
	Working     int `json:"working"`
	Faulty      int `json:"faulty"`
	UnderRepair int `json:"under_repair"`
	Retired     int `json:"retired"`
}

// InService is how many items the center still has (all but retired).
func (c EquipmentCounts) InService() int { return c.Working + c.Faulty + c.UnderRepair }

func (tx *Tx) getEquipment(id string) (*resource.Equipment, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	var e resource.Equipment
	if err := tx.Get(&e, `SELECT `+equipmentCols+equipmentFrom+` WHERE e.id = ?`, id); err != nil {
		return nil, err
	}
	return &e, nil
}

// Equipment returns item id if it lies inside scope s (ErrForbidden otherwise).
func (tx *Tx) Equipment(s markaz.Scope, id string) (*resource.Equipment, error) {
	e, err := tx.getEquipment(id)
	if err == nil && !s.Contains(e.Ref()) {
		err = markaz.ErrForbidden
	}
	return e, err
}

// CenterEquipment lists the items of center id (by type, then serial) with their counts,
// if the center lies inside scope s.
func (db *DB) CenterEquipment(ctx context.Context, s markaz.Scope, centerID string) ([]resource.Equipment, EquipmentCounts, error) {
	out := []resource.Equipment{}
	var n EquipmentCounts
	err := db.Read(ctx, func(tx *Tx) error {
		c, err := tx.GetCenter(centerID)
		if err != nil {
			return err
		}
		if !s.Contains(c.Ref()) {
			return markaz.ErrForbidden
		}
		if err := tx.Select(&out, `SELECT `+equipmentCols+equipmentFrom+` WHERE e.center_id = ?
			ORDER BY e.device_type, e.serial`, c.ID); err != nil {
			return err
		}
		n, err = tx.EquipmentCounts(c.ID)
		return err
	})
	return out, n, err
}

// EquipmentCounts counts center id's items by status.
func (tx *Tx) EquipmentCounts(centerID string) (EquipmentCounts, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	var n EquipmentCounts
	if err := tx.Select(&rows, `SELECT status, COUNT(*) AS n FROM equipment WHERE center_id = ? GROUP BY status`, centerID); err != nil {
		return n, err
	}
	for _, r := range rows {
		switch r.Status {
		case resource.EquipWorking:
			n.Working = r.N
		case resource.EquipFaulty:
			n.Faulty = r.N
		case resource.EquipUnderRepair:
			n.UnderRepair = r.N
		case resource.EquipRetired:
			n.Retired = r.N
		}
	}
	return n, nil
}

// placeEquipment checks e (validated) may be written by p at its center, and that its
// serial is free: the center must exist, be in service and lie in p's equipment.write scope.
func (tx *Tx) placeEquipment(p *markaz.Principal, e *resource.Equipment) error {
	c, err := tx.GetCenter(e.CenterID)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return fieldErr("center_id", "unknown_center")
	}
	if err != nil {
		return err
	}
	if !p.Allowed(markaz.PermEquipmentWrite, c.Ref()) {
		return markaz.ErrForbidden
	}
	if !c.RetiredOn.IsZero() {
		return fieldErr("center_id", "retired_center")
	}
	e.GovCode, e.UnitCode = c.GovCode, c.UnitCode
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM equipment WHERE serial = ? AND id <> ?`, e.Serial, e.ID); err != nil {
		return err
	}
	if n > 0 {
		return fieldErr("serial", "taken")
	}
	return nil
}

// AddEquipment validates and stores a new item for p, and audits it.
func (tx *Tx) AddEquipment(p *markaz.Principal, e *resource.Equipment) (*resource.Equipment, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	e.ID = markaz.NewID()
	if err := tx.placeEquipment(p, e); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`INSERT INTO equipment (id, center_id, gov_code, unit_code, device_type, serial, status, notes,
		version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, e.ID, e.CenterID, e.GovCode,
		e.UnitCode, e.DeviceType, e.Serial, e.Status, e.Notes, tx.Now, tx.Now); err != nil {
		return nil, err
	}
	out, err := tx.getEquipment(e.ID)
	if err != nil {
		return nil, err
	}
	return out, tx.Audit(ActorOf(p), "equipment.create", "equipment", e.ID, e.Ref(), nil, out)
}

// UpdateEquipment replaces item id's type, serial, status and notes with e's (validated
// here; e.Version must be the stored one) for p, and audits it. An item stays at its center; a
// retired item is not changed again.
func (tx *Tx) UpdateEquipment(p *markaz.Principal, id string, e *resource.Equipment) (*resource.Equipment, error) {
	old, err := tx.Equipment(p.Scope(markaz.PermEquipmentRead), id)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermEquipmentWrite, old.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if old.Status == resource.EquipRetired {
		return nil, markaz.Errorf(markaz.EConflict, "equipment.error.retired")
	}
	if e.Version < 1 {
		return nil, fieldErr("version", "required")
	}
	if e.Version != old.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	e.ID, e.CenterID = old.ID, old.CenterID
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if err := tx.placeEquipment(p, e); err != nil {
		return nil, err
	}
	res, err := tx.Exec(`UPDATE equipment SET device_type = ?, serial = ?, status = ?, notes = ?, version = version + 1,
		updated_at = ? WHERE id = ? AND version = ?`, e.DeviceType, e.Serial, e.Status, e.Notes, tx.Now, id, old.Version)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	out, err := tx.getEquipment(id)
	if err != nil {
		return nil, err
	}
	return out, tx.Audit(ActorOf(p), "equipment.update", "equipment", id, out.Ref(), old, out)
}
