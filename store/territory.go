package store

import (
	"context"

	"markaz"
	"markaz/refdata"
)

// LoadReference inserts the embedded governorates and districts/cities that the database
// lacks. Rows already present are left as they are, so names an administrator changed and
// units they retired stay changed. Safe to run on every start and from several instances.
func (db *DB) LoadReference(ctx context.Context) error {
	govs, units, err := refdata.Territory()
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		for _, g := range govs {
			if _, err := tx.Exec(`INSERT INTO governorates (code, name_ar, name_en, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`, g.Code, g.NameAr, g.NameEn, tx.Now, tx.Now); err != nil {
				return err
			}
		}
		for _, u := range units {
			if _, err := tx.Exec(`INSERT INTO units (code, gov_code, name_ar, name_en, unit_type, search_key, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING`,
				u.Code, u.GovCode, u.NameAr, u.NameEn, u.Type, searchKey(u.NameAr, u.NameEn), tx.Now, tx.Now); err != nil {
				return err
			}
		}
		return nil
	})
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

// Units lists the districts/cities of a governorate ("" for all), retired ones included
// only when asked.
func (db *DB) Units(ctx context.Context, gov string, withRetired bool) ([]markaz.Unit, error) {
	var out []markaz.Unit
	err := db.Read(ctx, func(tx *Tx) error {
		var w where
		if gov != "" {
			w.add("gov_code = ?", gov)
		}
		if !withRetired {
			w.add("retired_on IS NULL")
		}
		return tx.Select(&out, `SELECT code, gov_code, name_ar, name_en, unit_type, retired_on FROM units`+w.String()+` ORDER BY code`, w.args...)
	})
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
