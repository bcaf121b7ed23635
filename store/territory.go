package store

import (
	"context"
	"fmt"
	"strings"

	"markaz"
	"markaz/refdata"
)

// LoadReference inserts the embedded governorates and districts/cities that the database
// lacks. Rows already present are left as they are, so names an administrator changed and
// units they retired stay changed. Safe to run on every start and from several instances.
// When it adds anything, one system entry in the national audit chain says how much.
func (db *DB) LoadReference(ctx context.Context) error {
	govs, units, err := refdata.Territory()
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		var added struct {
			Governorates int64 `json:"governorates"`
			Units        int64 `json:"units"`
		}
		for _, g := range govs {
			res, err := tx.Exec(`INSERT INTO governorates (code, name_ar, name_en, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`, g.Code, g.NameAr, g.NameEn, tx.Now, tx.Now)
			if err != nil {
				return err
			}
			added.Governorates += rowsAffected(res)
		}
		for _, u := range units {
			res, err := tx.Exec(`INSERT INTO units (code, gov_code, name_ar, name_en, unit_type, search_key, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`,
				u.Code, u.GovCode, u.NameAr, u.NameEn, u.Type, searchKey(u.NameAr, u.NameEn), tx.Now, tx.Now)
			if err != nil {
				return err
			}
			added.Units += rowsAffected(res)
		}
		if added.Governorates+added.Units == 0 {
			return nil
		}
		return tx.Audit(Actor{}, "territory.load", "territory", "reference", markaz.Ref{}, nil, added)
	})
}

func rowsAffected(res interface{ RowsAffected() (int64, error) }) int64 {
	n, _ := res.RowsAffected()
	return n
}

func searchKey(parts ...string) string {
	s := ""
	for _, p := range parts {
		s += " " + p
	}
	return markaz.NormalizeSearch(s)
}

// Governorates lists all governorates in code order.
func (db *DB) Governorates(ctx context.Context) ([]markaz.Governorate, error) {
	var out []markaz.Governorate
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.Select(&out, `SELECT code, name_ar, name_en, retired_on FROM governorates ORDER BY code`)
	})
	return out, err
}

// GovSummary is a governorate with how many of its districts/cities are in use and retired.
type GovSummary struct {
	markaz.Governorate
	Active  int `json:"active_units" db:"active_units"`
	Retired int `json:"retired_units" db:"retired_units"`
}

// GovernorateSummaries lists the governorates inside scope with their unit counts.
func (db *DB) GovernorateSummaries(ctx context.Context, scope markaz.Scope) ([]GovSummary, error) {
	var out []GovSummary
	err := db.Read(ctx, func(tx *Tx) error {
		var w where
		w.scope(markaz.Scope{All: scope.All, Govs: scope.Govs}, "g.code", "", "")
		return tx.Select(&out, `SELECT g.code, g.name_ar, g.name_en, g.retired_on,
			COUNT(CASE WHEN u.code IS NOT NULL AND u.retired_on IS NULL THEN 1 END) AS active_units,
			COUNT(u.retired_on) AS retired_units
			FROM governorates g LEFT JOIN units u ON u.gov_code = g.code`+w.String()+`
			GROUP BY g.code, g.name_ar, g.name_en, g.retired_on ORDER BY g.code`, w.args...)
	})
	return out, err
}

// Governorate returns one governorate, or ErrNotFound.
func (db *DB) Governorate(ctx context.Context, code string) (*markaz.Governorate, error) {
	var g markaz.Governorate
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.Get(&g, `SELECT code, name_ar, name_en, retired_on FROM governorates WHERE code = ?`, code)
	})
	return &g, err
}

// UnitRecord is a district/city as administrators see it: with the reason it was retired.
type UnitRecord struct {
	markaz.Unit
	RetireReason string `json:"retire_reason" db:"retire_reason"`
}

// UnitFilter narrows a listing of districts/cities.
type UnitFilter struct {
	Gov         string // "" for all governorates
	WithRetired bool
	Search      string // matched against the normalised Arabic/English names
	After       string // keyset cursor: units with a greater code
	Limit       int    // 0 means no limit (internal callers filling a select)
}

const unitCols = `code, gov_code, name_ar, name_en, unit_type, retired_on, retire_reason`

// ListUnits returns districts/cities in code order.
func (db *DB) ListUnits(ctx context.Context, f UnitFilter) ([]UnitRecord, error) {
	var out []UnitRecord
	err := db.Read(ctx, func(tx *Tx) error {
		var w where
		if f.Gov != "" {
			w.add("gov_code = ?", f.Gov)
		}
		if !f.WithRetired {
			w.add("retired_on IS NULL")
		}
		if s := markaz.NormalizeSearch(f.Search); s != "" {
			w.add("(search_key LIKE ? OR code LIKE ?)", "%"+s+"%", strings.TrimSpace(markaz.LatinDigits(f.Search))+"%")
		}
		if f.After != "" {
			w.add("code > ?", f.After)
		}
		q := `SELECT ` + unitCols + ` FROM units` + w.String() + ` ORDER BY code`
		if f.Limit > 0 {
			q += fmt.Sprintf(" LIMIT %d", clampLimit(f.Limit))
		}
		return tx.Select(&out, q, w.args...)
	})
	return out, err
}

// Units lists the districts/cities of a governorate ("" for all), retired ones included
// only when asked.
func (db *DB) Units(ctx context.Context, gov string, withRetired bool) ([]markaz.Unit, error) {
	recs, err := db.ListUnits(ctx, UnitFilter{Gov: gov, WithRetired: withRetired})
	out := make([]markaz.Unit, len(recs))
	for i, r := range recs {
		out[i] = r.Unit
	}
	return out, err
}

// Unit returns one district/city.
func (db *DB) Unit(ctx context.Context, code string) (*markaz.Unit, error) {
	var u markaz.Unit
	err := db.Read(ctx, func(tx *Tx) error { return getUnit(tx, code, &u) })
	return &u, err
}

func getUnit(tx *Tx, code string, u *markaz.Unit) error {
	return tx.Get(u, `SELECT code, gov_code, name_ar, name_en, unit_type, retired_on FROM units WHERE code = ?`, code)
}

// GetUnitRecord loads one district/city with its retirement reason, or ErrNotFound.
func (tx *Tx) GetUnitRecord(code string) (*UnitRecord, error) {
	var u UnitRecord
	if err := tx.Get(&u, `SELECT `+unitCols+` FROM units WHERE code = ?`, code); err != nil {
		return nil, err
	}
	return &u, nil
}

// unitRef places a unit's audit entries in its governorate's chain.
func unitRef(u *UnitRecord) markaz.Ref { return markaz.Ref{Gov: u.GovCode, Unit: u.Code} }

// InsertUnit adds a district/city to a governorate inside scope. Its code is the next
// free GG-NNN of the governorate, taken in this transaction while the governorate row is
// locked, so two administrators adding units at once get consecutive codes.
func (tx *Tx) InsertUnit(actor Actor, scope markaz.Scope, u *markaz.Unit) (*UnitRecord, error) {
	u.Code, u.RetiredOn = "", markaz.Date{}
	u.NameAr, u.NameEn, u.Type = strings.TrimSpace(u.NameAr), strings.TrimSpace(u.NameEn), strings.TrimSpace(u.Type)
	invalid := u.Validate()
	lock := `SELECT code FROM governorates WHERE code = ? AND retired_on IS NULL`
	if tx.Dialect() == Postgres {
		lock += ` FOR UPDATE`
	}
	var gov string
	if err := tx.Get(&gov, lock, u.GovCode); err != nil && markaz.ErrorCode(err) != markaz.ENotFound {
		return nil, err
	}
	switch {
	case gov != "" && !scope.ContainsGov(gov):
		return nil, markaz.ErrForbidden // outside the caller's territory, whatever else is wrong
	case invalid != nil:
		return nil, invalid
	case gov == "":
		var v markaz.Validator
		v.Add("governorate", "unknown_governorate", nil)
		return nil, v.Err()
	}
	var last []string
	if err := tx.Select(&last, `SELECT code FROM units WHERE gov_code = ? ORDER BY code DESC LIMIT 1`, gov); err != nil {
		return nil, err
	}
	next := 1
	if len(last) == 1 {
		if _, err := fmt.Sscanf(last[0], gov+"-%d", &next); err != nil {
			return nil, fmt.Errorf("unit code %q: %w", last[0], err)
		}
		next++
	}
	if next > 999 {
		return nil, &markaz.Error{Code: markaz.EConflict, Key: "territory.codes_exhausted"}
	}
	if err := tx.checkUnitNames(u, ""); err != nil {
		return nil, err
	}
	u.Code = fmt.Sprintf("%s-%03d", gov, next)
	if _, err := tx.Exec(`INSERT INTO units (code, gov_code, name_ar, name_en, unit_type, search_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.Code, gov, u.NameAr, u.NameEn, u.Type, searchKey(u.NameAr, u.NameEn), tx.Now, tx.Now); err != nil {
		return nil, err
	}
	rec := &UnitRecord{Unit: *u}
	return rec, tx.Audit(actor, "unit.create", "unit", u.Code, unitRef(rec), nil, rec)
}

// checkUnitNames refuses a unit in use whose Arabic or English name, folded as search
// keys are, is already the name of another unit in use of the same type in its
// governorate (except, the unit itself when renaming). The type counts because a
// district and its capital city legitimately share a name (Damietta, Minya).
func (tx *Tx) checkUnitNames(u *markaz.Unit, except string) error {
	var others []markaz.Unit
	if err := tx.Select(&others, `SELECT code, gov_code, name_ar, name_en, unit_type, retired_on FROM units
		WHERE gov_code = ? AND unit_type = ? AND retired_on IS NULL AND code <> ?`, u.GovCode, u.Type, except); err != nil {
		return err
	}
	ar, en := markaz.NormalizeSearch(u.NameAr), markaz.NormalizeSearch(u.NameEn)
	var v markaz.Validator
	for _, o := range others {
		if ar != "" && !v.Has("name_ar") && markaz.NormalizeSearch(o.NameAr) == ar {
			v.Add("name_ar", "unit_name_taken", nil)
		}
		if en != "" && !v.Has("name_en") && markaz.NormalizeSearch(o.NameEn) == en {
			v.Add("name_en", "unit_name_taken", nil)
		}
	}
	return v.Err()
}

// UnitChange is a rename: nil fields stay as they are.
type UnitChange struct {
	NameAr *string `json:"name_ar"`
	NameEn *string `json:"name_en"`
	Type   *string `json:"unit_type"`
}

// changeUnit loads a unit inside scope (404, then 403), lets edit change it, validates
// the result and writes it back with an audit entry.
func (tx *Tx) changeUnit(actor Actor, scope markaz.Scope, code, action string, edit func(u *UnitRecord) error) (*UnitRecord, error) {
	// Lock the row (PostgreSQL) so two concurrent changes cannot overwrite each other.
	before := &UnitRecord{}
	if err := tx.Get(before, `SELECT `+unitCols+` FROM units WHERE code = ?`+tx.ForUpdate(), code); err != nil {
		return nil, err
	}
	if !scope.ContainsGov(before.GovCode) {
		return nil, markaz.ErrForbidden
	}
	after := *before
	if err := edit(&after); err != nil {
		return nil, err
	}
	if err := after.Validate(); err != nil {
		return nil, err
	}
	if after.RetiredOn.IsZero() {
		// Lock the governorate as InsertUnit does, so two renames cannot both take a name.
		var gov string
		if err := tx.Get(&gov, `SELECT code FROM governorates WHERE code = ?`+tx.ForUpdate(), after.GovCode); err != nil {
			return nil, err
		}
		if err := tx.checkUnitNames(&after.Unit, code); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(`UPDATE units SET name_ar = ?, name_en = ?, unit_type = ?, search_key = ?, retired_on = ?,
		retire_reason = ?, updated_at = ? WHERE code = ?`, after.NameAr, after.NameEn, after.Type,
		searchKey(after.NameAr, after.NameEn), after.RetiredOn, after.RetireReason, tx.Now, code); err != nil {
		return nil, err
	}
	return &after, tx.Audit(actor, action, "unit", code, unitRef(&after), before, after)
}

// UpdateUnit renames a district/city (and may change its type); the search key follows.
func (tx *Tx) UpdateUnit(actor Actor, scope markaz.Scope, code string, ch UnitChange) (*UnitRecord, error) {
	return tx.changeUnit(actor, scope, code, "unit.update", func(u *UnitRecord) error {
		if ch.NameAr != nil {
			u.NameAr = strings.TrimSpace(*ch.NameAr)
		}
		if ch.NameEn != nil {
			u.NameEn = strings.TrimSpace(*ch.NameEn)
		}
		if ch.Type != nil {
			u.Type = strings.TrimSpace(*ch.Type)
		}
		return nil
	})
}

// RetireUnit retires a district/city from the date on (today when zero) for a reason.
// It stays in the database and on the centers that use it, but is offered for no new
// record.
func (tx *Tx) RetireUnit(actor Actor, scope markaz.Scope, code string, on markaz.Date, reason string) (*UnitRecord, error) {
	return tx.changeUnit(actor, scope, code, "unit.retire", func(u *UnitRecord) error {
		if !u.RetiredOn.IsZero() {
			return &markaz.Error{Code: markaz.EConflict, Key: "territory.already_retired"}
		}
		reason = strings.TrimSpace(reason)
		var v markaz.Validator
		if on.IsZero() {
			on = tx.Today()
		} else if on.After(tx.Today()) {
			v.Add("retired_on", "date_in_future", nil)
		}
		v.Text("reason", reason, 300, true)
		u.RetiredOn, u.RetireReason = on, reason
		return v.Err()
	})
}

// UnretireUnit puts a retired district/city back in use.
func (tx *Tx) UnretireUnit(actor Actor, scope markaz.Scope, code string) (*UnitRecord, error) {
	return tx.changeUnit(actor, scope, code, "unit.unretire", func(u *UnitRecord) error {
		if u.RetiredOn.IsZero() {
			return &markaz.Error{Code: markaz.EConflict, Key: "territory.not_retired"}
		}
		u.RetiredOn, u.RetireReason = markaz.Date{}, ""
		return nil
	})
}
