package store

// Payments of bulk-written requests: a generated request whose history passed through
// awaiting payment was paid there, so it gets the booked payment and the receipt the
// counter would have written, and the fees-collected rollup counts them like any other.

import (
	"slices"
	"time"

	"markaz"
	"markaz/payment"
)

// BulkPayment is a booked payment of a bulk-written request: the method, the amount
// received (the whole fee), when it was booked and by whom. It is written paid, with a
// receipt from its center's series for the fiscal year of PaidAt. It names no gateway:
// it is in no gateway's statement, so the daily reconciliation leaves it alone.
type BulkPayment struct {
	Method         string
	AmountPiasters int64
	PaidAt         time.Time
	By             string
}

var (
	bulkPaymentCols = []string{"id", "request_id", "center_id", "gov_code", "unit_code", "method", "status",
		"amount_piasters", "received_piasters", "paid_at", "paid_on", "received_on", "created_by", "created_at",
		"updated_at", "version"}
	bulkReceiptCols = []string{"number", "digits", "payment_id", "request_id", "center_id", "gov_code", "unit_code",
		"fiscal_year", "seq", "amount_piasters", "method", "issued_at", "issued_on", "issued_by"}
)

// insertPaymentsBulk writes the payments of rs (already written, with their ids), their
// receipts, and their contribution to kpi_payments. Receipt numbers are reserved one
// block per center and fiscal year, in that order, with the same UPDATE … RETURNING as a
// booking, so a counter booking at the same time takes numbers after the block.
func (tx *Tx) insertPaymentsBulk(rs []BulkRequest) error {
	type series struct {
		center string
		fy     int
	}
	count := map[series]int64{}
	for i := range rs {
		for _, p := range rs[i].Payments {
			count[series{rs[i].CenterID, markaz.DateOf(p.PaidAt).FiscalYear()}]++
		}
	}
	if len(count) == 0 {
		return nil
	}
	keys := make([]series, 0, len(count))
	centers := map[string]bool{}
	for k := range count {
		keys = append(keys, k)
		centers[k.center] = true
	}
	slices.SortFunc(keys, func(a, b series) int {
		if a.center != b.center {
			if a.center < b.center {
				return -1
			}
			return 1
		}
		return a.fy - b.fy
	})
	prefix := map[string]string{}
	ids := make([]any, 0, len(centers))
	for c := range centers {
		ids = append(ids, c)
	}
	var ps []struct {
		Center string `db:"center_id"`
		Prefix string `db:"prefix"`
	}
	if err := tx.Select(&ps, `SELECT center_id, prefix FROM tracking_series WHERE center_id IN (`+placeholders(len(ids))+`)`,
		ids...); err != nil {
		return err
	}
	for _, p := range ps {
		prefix[p.Center] = p.Prefix
	}
	next := map[series]int64{}
	for _, k := range keys {
		if _, err := tx.Exec(`INSERT INTO receipt_series (center_id, fiscal_year, next_seq) VALUES (?, ?, 1)
			ON CONFLICT (center_id, fiscal_year) DO NOTHING`, k.center, k.fy); err != nil {
			return err
		}
		var after int64
		if err := tx.Get(&after, `UPDATE receipt_series SET next_seq = next_seq + ? WHERE center_id = ? AND fiscal_year = ?
			RETURNING next_seq`, count[k], k.center, k.fy); err != nil {
			return err
		}
		next[k] = after - count[k]
	}
	pays, recs := tx.rowWriter("payments", bulkPaymentCols), tx.rowWriter("receipts", bulkReceiptCols)
	defer pays.close()
	defer recs.close()
	roll := payRoll{}
	var paid []string // payment ids in order
	for i := range rs {
		r := &rs[i]
		for _, p := range r.Payments {
			id := markaz.NewID()
			paid = append(paid, id)
			on := markaz.DateOf(p.PaidAt)
			pays.add(id, r.ID, r.CenterID, r.GovCode, r.UnitCode, p.Method, payment.StatusPaid, p.AmountPiasters,
				p.AmountPiasters, p.PaidAt, on, on, p.By, p.PaidAt, p.PaidAt, 2)
			if err := pays.flushFull(); err != nil {
				return err
			}
			roll.add(paidFact{Day: on, Service: r.ServiceCode, Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID,
				Channel: r.Channel, Method: p.Method, Received: p.AmountPiasters}, 1)
		}
	}
	if err := pays.flush(); err != nil { // receipts refer to their payments
		return err
	}
	for i := range rs {
		r := &rs[i]
		for _, p := range r.Payments {
			on := markaz.DateOf(p.PaidAt)
			k := series{r.CenterID, on.FiscalYear()}
			number, err := payment.FormatReceipt(prefix[r.CenterID], k.fy, next[k])
			if err != nil {
				return err
			}
			recs.add(number, digitsOnly(number), paid[0], r.ID, r.CenterID, r.GovCode, r.UnitCode, k.fy, next[k],
				p.AmountPiasters, p.Method, p.PaidAt, on, p.By)
			if err := recs.flushFull(); err != nil {
				return err
			}
			paid = paid[1:]
			next[k]++
		}
	}
	if err := recs.flush(); err != nil {
		return err
	}
	return tx.kpiPaymentWrite(roll)
}
