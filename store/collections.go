package store

// Collections: the fees collected (booked payments, by the day they were booked) per
// center and per governorate, cash against electronic, in counts and sums — the daily
// collection report, and the electronic share of fees collected that the KPIs reuse
// (Collections with By "governorate" or "center"; CollectionRow.ElectronicShare). Voided
// payments are not collected; refunds are reported beside, not netted.

import (
	"context"

	"markaz"
	"markaz/payment"
)

// CollectionFilter selects collections: booked between From and To (Cairo dates,
// inclusive), in Scope, optionally one governorate, grouped By "center" or "governorate".
type CollectionFilter struct {
	Scope    markaz.Scope
	From, To markaz.Date
	Gov      string
	By       string
}

// CollectionRow is what one center or governorate collected.
type CollectionRow struct {
	CenterID           string `json:"center_id,omitempty" db:"center_id"`
	CenterCode         string `json:"center_code,omitempty" db:"center_code"`
	NameAr             string `json:"name_ar" db:"name_ar"`
	NameEn             string `json:"name_en" db:"name_en"`
	GovCode            string `json:"governorate" db:"gov_code"`
	CashCount          int    `json:"cash_count" db:"cash_count"`
	CashPiasters       int64  `json:"cash_piasters" db:"cash_piasters"`
	ElectronicCount    int    `json:"electronic_count" db:"electronic_count"`
	ElectronicPiasters int64  `json:"electronic_piasters" db:"electronic_piasters"`
	RefundedPiasters   int64  `json:"refunded_piasters" db:"refunded_piasters"`
}

// TotalPiasters is everything collected.
func (r CollectionRow) TotalPiasters() int64 { return r.CashPiasters + r.ElectronicPiasters }

// ElectronicShare is the electronic part of the fees collected, by amount, in tenths of
// a percent.
func (r CollectionRow) ElectronicShare() int {
	return payment.ElectronicShare(r.CashPiasters, r.ElectronicPiasters)
}

// Collections returns the collections f selects, one row per center (by governorate,
// then center code) or per governorate, and the total over all rows.
func (db *DB) Collections(ctx context.Context, f CollectionFilter) (rows []CollectionRow, total CollectionRow, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		rows, err = tx.Collections(f)
		return err
	})
	for _, r := range rows {
		total.CashCount += r.CashCount
		total.CashPiasters += r.CashPiasters
		total.ElectronicCount += r.ElectronicCount
		total.ElectronicPiasters += r.ElectronicPiasters
		total.RefundedPiasters += r.RefundedPiasters
	}
	return rows, total, err
}

// Collections is the query of db.Collections inside a transaction.
func (tx *Tx) Collections(f CollectionFilter) ([]CollectionRow, error) {
	if f.Gov != "" {
		if err := tx.checkCenterFilter(CenterFilter{Scope: f.Scope, Gov: f.Gov}); err != nil {
			return nil, err
		}
	}
	w := &where{}
	w.add(`p.paid_on >= ? AND p.paid_on <= ?`, f.From, f.To)
	w.add(`p.status IN (` + collectedStatuses + `)`)
	w.scope(f.Scope, "p.gov_code", "p.unit_code", "p.center_id")
	if f.Gov != "" {
		w.add(`p.gov_code = ?`, f.Gov)
	}
	sums := `SUM(CASE WHEN p.method = 'cash' THEN 1 ELSE 0 END) AS cash_count,
		COALESCE(SUM(CASE WHEN p.method = 'cash' THEN p.received_piasters ELSE 0 END), 0) AS cash_piasters,
		SUM(CASE WHEN p.method <> 'cash' THEN 1 ELSE 0 END) AS electronic_count,
		COALESCE(SUM(CASE WHEN p.method <> 'cash' THEN p.received_piasters ELSE 0 END), 0) AS electronic_piasters,
		COALESCE(SUM(p.refunded_piasters), 0) AS refunded_piasters`
	var q string
	if f.By == "governorate" {
		q = `SELECT p.gov_code, g.name_ar, g.name_en, ` + sums + ` FROM payments p JOIN governorates g ON g.code = p.gov_code` +
			w.String() + ` GROUP BY p.gov_code, g.name_ar, g.name_en ORDER BY p.gov_code`
	} else {
		q = `SELECT p.center_id, c.code AS center_code, c.name_ar, c.name_en, p.gov_code, ` + sums +
			` FROM payments p JOIN centers c ON c.id = p.center_id` + w.String() +
			` GROUP BY p.center_id, c.code, c.name_ar, c.name_en, p.gov_code ORDER BY p.gov_code, c.code`
	}
	out := []CollectionRow{}
	err := tx.Select(&out, q, w.args...)
	return out, err
}
