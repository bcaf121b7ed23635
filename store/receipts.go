package store

// Receipts: one per booked payment, numbered from the issuing center's series for the
// fiscal year. The next number is taken from the series' counter row by an UPDATE …
// RETURNING inside the payment's own transaction: the row stays locked until that
// transaction ends, so concurrent payments of a center get consecutive numbers one after
// the other, and a payment that rolls back gives its number back (no gap, unlike a
// database sequence). A voided receipt keeps its number, marked void.

import (
	"markaz"
	"markaz/payment"
)

const receiptCols = `rc.number, rc.payment_id, r.tracking_number, r.service_code, r.applicant_name, rc.center_id,
	c.name_ar AS center_name_ar, c.name_en AS center_name_en, rc.gov_code, rc.unit_code, rc.fiscal_year, rc.seq,
	rc.amount_piasters, rc.method, rc.issued_at, rc.issued_on, rc.issued_by, rc.voided_at, rc.void_reason, rc.voided_by`

const receiptFrom = ` FROM receipts rc JOIN requests r ON r.id = rc.request_id JOIN centers c ON c.id = rc.center_id`

// issueReceipt takes the next number of pm's center for the current fiscal year and
// records the receipt of amount piasters.
func (tx *Tx) issueReceipt(actor Actor, pm *payment.Payment, amount int64) (string, error) {
	var prefix string
	if err := tx.Get(&prefix, `SELECT prefix FROM tracking_series WHERE center_id = ?`, pm.CenterID); err != nil {
		return "", err
	}
	today := tx.Today()
	fy := today.FiscalYear()
	seq, err := tx.nextReceiptSeq(pm.CenterID, fy)
	if err != nil {
		return "", err
	}
	number, err := payment.FormatReceipt(prefix, fy, seq)
	if err != nil {
		return "", err
	}
	if _, err := tx.Exec(`INSERT INTO receipts (number, digits, payment_id, request_id, center_id, gov_code, unit_code,
		fiscal_year, seq, amount_piasters, method, issued_at, issued_on, issued_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, number, digitsOnly(number), pm.ID, pm.RequestID, pm.CenterID,
		pm.GovCode, pm.UnitCode, fy, seq, amount, pm.Method, tx.Now, today, actor.Username); err != nil {
		return "", err
	}
	return number, tx.Audit(actor, "receipt.issue", "receipt", number, pm.Ref(), nil,
		map[string]any{"payment": pm.ID, "request": pm.TrackingNumber, "amount_piasters": amount, "method": pm.Method})
}

// nextReceiptSeq takes the next sequence of a center's series for fiscal year fy,
// creating the series at 1 on its first receipt.
func (tx *Tx) nextReceiptSeq(centerID string, fy int) (int64, error) {
	if _, err := tx.Exec(`INSERT INTO receipt_series (center_id, fiscal_year, next_seq) VALUES (?, ?, 1)
		ON CONFLICT (center_id, fiscal_year) DO NOTHING`, centerID, fy); err != nil {
		return 0, err
	}
	var next int64
	err := tx.Get(&next, `UPDATE receipt_series SET next_seq = next_seq + 1 WHERE center_id = ? AND fiscal_year = ?
		RETURNING next_seq`, centerID, fy)
	return next - 1, err
}

// receiptByNumber loads a receipt by its number in any grouping or digit script.
func (tx *Tx) receiptByNumber(number string) (*payment.Receipt, error) {
	_, digits, err := payment.ParseReceipt(number)
	if err != nil {
		return nil, markaz.ErrNotFound
	}
	var r payment.Receipt
	if err := tx.Get(&r, `SELECT `+receiptCols+receiptFrom+` WHERE rc.digits = ?`, digits); err != nil {
		return nil, err
	}
	return &r, nil
}

// Receipt returns a receipt if p may read its payment (payments.read over its center, or
// the citizen owning its request).
func (tx *Tx) Receipt(p *markaz.Principal, number string) (*payment.Receipt, error) {
	r, err := tx.receiptByNumber(number)
	if err != nil {
		return nil, err
	}
	if _, err := tx.RequestForPayments(p, r.TrackingNumber); err != nil {
		return nil, err
	}
	return r, nil
}

// VerifyReceipt is the public check of a receipt: number, amount, date, center and void
// status, nothing more.
func (tx *Tx) VerifyReceipt(number string) (*payment.Verification, error) {
	r, err := tx.receiptByNumber(number)
	if err != nil {
		return nil, err
	}
	v := r.Verify()
	return &v, nil
}

// RequestReceipts lists the receipts of a request, oldest first.
func (tx *Tx) RequestReceipts(requestID string) ([]payment.Receipt, error) {
	out := []payment.Receipt{}
	err := tx.Select(&out, `SELECT `+receiptCols+receiptFrom+` WHERE rc.request_id = ? ORDER BY rc.issued_at, rc.number`, requestID)
	return out, err
}

// VoidReceipt voids a receipt by a center manager (payments.void over its center), with a
// reason. The receipt keeps its number, marked void, and the cash payment it records is
// cancelled: it no longer counts in the request's fees paid nor in the clerk's till. Only
// cash receipts whose till is still open can be voided (a counted till is settled; money
// that reached a gateway goes back by a refund), and only before any refund.
func (tx *Tx) VoidReceipt(p *markaz.Principal, number, reason string) (*payment.Receipt, error) {
	reason, err := payment.Note("reason", reason)
	if err != nil {
		return nil, err
	}
	r, err := tx.receiptByNumber(number)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermPaymentsVoid, r.Ref()) {
		if p.Allowed(markaz.PermPaymentsRead, r.Ref()) {
			return nil, markaz.ErrForbidden
		}
		return nil, markaz.ErrNotFound
	}
	pm, err := tx.paymentByID(r.PaymentID, false)
	if err != nil {
		return nil, err
	}
	lr, err := tx.lockRequest(pm.RequestID)
	if err != nil {
		return nil, err
	}
	if pm, err = tx.paymentByID(r.PaymentID, true); err != nil {
		return nil, err
	}
	if r.VoidedAt != nil {
		return nil, markaz.Errorf(markaz.EConflict, "error.receipt_void_already")
	}
	if pm.Method != payment.MethodCash {
		return nil, markaz.Errorf(markaz.EConflict, "error.receipt_void_electronic")
	}
	var committed int64
	if err := tx.Get(&committed, `SELECT COALESCE(SUM(amount_piasters), 0) FROM refunds WHERE payment_id = ?
		AND status IN ('requested', 'approved', 'executed')`, pm.ID); err != nil {
		return nil, err
	}
	if committed > 0 || pm.Status != payment.StatusPaid {
		return nil, markaz.Errorf(markaz.EConflict, "error.receipt_void_refunded")
	}
	if pm.TillID != nil {
		var st string
		if err := tx.Get(&st, `SELECT status FROM tills WHERE id = ?`+tx.ForUpdate(), *pm.TillID); err != nil {
			return nil, err
		}
		if st != payment.TillOpen {
			return nil, markaz.Errorf(markaz.EConflict, "error.receipt_void_till_closed")
		}
	}
	actor := ActorOf(p)
	before := paymentView(pm)
	res, err := tx.Exec(`UPDATE receipts SET voided_at = ?, void_reason = ?, voided_by = ? WHERE number = ? AND voided_at IS NULL`,
		tx.Now, reason, actor.Username, r.Number)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.receipt_void_already")
	}
	uncount, err := tx.kpiPaymentRoll(pm.ID, -1) // it counted as collected until now
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`UPDATE payments SET status = 'voided', version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`, tx.Now, pm.ID, pm.Version); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`UPDATE requests SET fees_paid_piasters = fees_paid_piasters - ?, updated_at = ? WHERE id = ?`,
		pm.ReceivedPiasters, tx.Now, lr.ID); err != nil {
		return nil, err
	}
	pm.Status = payment.StatusVoided
	if err := tx.Audit(actor, "receipt.void", "receipt", r.Number, r.Ref(), map[string]any{"void": false},
		map[string]any{"void": true, "reason": reason}); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "payment.void", "payment", pm.ID, pm.Ref(), before, paymentView(pm)); err != nil {
		return nil, err
	}
	if err := tx.kpiPaymentWrite(uncount); err != nil {
		return nil, err
	}
	return tx.receiptByNumber(r.Number)
}
