package store

import (
	"markaz"
)

const centerCols = `id, code, kind, name_ar, name_en, gov_code, unit_code, address, latitude, longitude,
	opens_at, closes_at, weekly_rest, dev_status, completed_on, completed_fy, mobile_status, vehicle_plate,
	delivered_on, delivery_due_fy, retired_on, retire_reason, version, created_at, updated_at`

// InsertCenter stores a validated center after checking its district/city exists and
// is not retired (which also fixes its governorate), and audits it.
func (tx *Tx) InsertCenter(actor Actor, c *markaz.Center) error {
	if err := tx.placeCenter(c); err != nil {
		return err
	}
	if c.ID == "" {
		c.ID = markaz.NewID()
	}
	c.Version, c.CreatedAt, c.UpdatedAt = 1, tx.Now, tx.Now
	if _, err := tx.Exec(`INSERT INTO centers (`+centerCols+`, search_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Code, c.Kind, c.NameAr, c.NameEn, c.GovCode, c.UnitCode, c.Address, c.Lat, c.Lng,
		c.Opens, c.Closes, c.WeeklyRest, c.DevStatus, c.CompletedOn, c.CompletedFY, c.MobileStatus, c.VehiclePlate,
		c.DeliveredOn, c.DeliveryDueFY, c.RetiredOn, c.RetireReason, c.Version, c.CreatedAt, c.UpdatedAt,
		searchKey(c.Code, c.NameAr, c.NameEn)); err != nil {
		return err
	}
	return tx.Audit(actor, "center.create", "center", c.ID, c.Ref(), nil, c)
}

// placeCenter sets the center's governorate from its district/city, refusing unknown or
// retired units with a field error.
func (tx *Tx) placeCenter(c *markaz.Center) error {
	var u markaz.Unit
	if err := getUnit(tx, c.UnitCode, &u); err != nil || !u.RetiredOn.IsZero() {
		var v markaz.Validator
		v.Add("unit", "unknown_unit", nil)
		return v.Err()
	}
	c.GovCode = u.GovCode
	return nil
}

// GetCenter loads one center by id.
func (tx *Tx) GetCenter(id string) (*markaz.Center, error) {
	var c markaz.Center
	if err := tx.Get(&c, `SELECT `+centerCols+` FROM centers WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &c, nil
}

// GetCenterByCode loads one center by its code.
func (tx *Tx) GetCenterByCode(code string) (*markaz.Center, error) {
	var c markaz.Center
	if err := tx.Get(&c, `SELECT `+centerCols+` FROM centers WHERE code = ?`, code); err != nil {
		return nil, err
	}
	return &c, nil
}
