package store

// Tills: the cash a clerk takes at a center over a business day. The first cash payment
// (or cash refund paid out) of the day opens the clerk's till; at the end of the day the
// clerk counts the cash and closes it (a difference from what was recorded needs an
// explanation), and the center manager signs it off. Closing is final: cash taken later
// that day opens the clerk's next till of the day, closed and signed off on its own.
// What a till recorded is computed from its payments and refunds, never typed.

import (
	"markaz"
	"markaz/payment"
)

const tillCols = `id, center_id, gov_code, unit_code, clerk_id, clerk_username, business_date, seq, status, opened_at,
	closed_at, recorded_piasters, counted_piasters, difference_piasters, explanation, signed_off_by, signed_off_at,
	sign_off_note`

// openTill returns the id of p's open till at a center today, opening the next one of
// the day when there is none.
func (tx *Tx) openTill(p *markaz.Principal, centerID, gov, unit string) (string, error) {
	today := tx.Today()
	find := func() ([]string, error) {
		var ids []string
		err := tx.Select(&ids, `SELECT id FROM tills WHERE clerk_id = ? AND center_id = ? AND business_date = ?
			AND status = 'open'`+tx.ForUpdate(), p.UserID, centerID, today)
		return ids, err
	}
	ids, err := find()
	if err != nil || len(ids) == 1 {
		return first(ids), err
	}
	var seq int
	if err := tx.Get(&seq, `SELECT COALESCE(MAX(seq), 0) + 1 FROM tills WHERE clerk_id = ? AND center_id = ?
		AND business_date = ?`, p.UserID, centerID, today); err != nil {
		return "", err
	}
	id := markaz.NewID()
	res, err := tx.Exec(`INSERT INTO tills (id, center_id, gov_code, unit_code, clerk_id, clerk_username, business_date, seq,
		status, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?) ON CONFLICT DO NOTHING`,
		id, centerID, gov, unit, p.UserID, p.Username, today, seq, tx.Now)
	if err != nil {
		return "", err
	}
	if rowsAffected(res) == 1 {
		return id, tx.Audit(ActorOf(p), "till.open", "till", id, markaz.Ref{Gov: gov, Unit: unit, Center: centerID}, nil,
			map[string]any{"clerk": p.Username, "business_date": today, "seq": seq})
	}
	if ids, err = find(); err != nil || len(ids) == 1 { // opened by a concurrent payment of the same clerk
		return first(ids), err
	}
	return "", markaz.Errorf(markaz.EConflict, "error.stale")
}

func first(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// tillRecorded is the cash a till recorded: its payments' money (voided ones aside) less
// the cash refunds paid out from it.
func (tx *Tx) tillRecorded(id string) (int64, error) {
	var in, out int64
	if err := tx.Get(&in, `SELECT COALESCE(SUM(received_piasters), 0) FROM payments WHERE till_id = ?
		AND status <> 'voided'`, id); err != nil {
		return 0, err
	}
	if err := tx.Get(&out, `SELECT COALESCE(SUM(amount_piasters), 0) FROM refunds WHERE till_id = ?
		AND status = 'executed'`, id); err != nil {
		return 0, err
	}
	return in - out, nil
}

func (tx *Tx) tillByID(id string, lock bool) (*payment.Till, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	q := `SELECT ` + tillCols + ` FROM tills WHERE id = ?`
	if lock {
		q += tx.ForUpdate()
	}
	var t payment.Till
	if err := tx.Get(&t, q, id); err != nil {
		return nil, err
	}
	if t.Status == payment.TillOpen {
		var err error
		if t.RecordedPiasters, err = tx.tillRecorded(id); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// Till returns a till if p may read it: its clerk, or payments.read over its center.
func (tx *Tx) Till(p *markaz.Principal, id string) (*payment.Till, error) {
	t, err := tx.tillByID(id, false)
	if err != nil {
		return nil, err
	}
	if t.ClerkID != p.UserID && !p.Allowed(markaz.PermPaymentsRead, t.Ref()) {
		return nil, markaz.ErrForbidden
	}
	return t, nil
}

// TillCash is one cash movement of a till: a payment taken or a refund paid out.
type TillCash struct {
	Kind           string `json:"kind" db:"kind"` // payment or refund
	TrackingNumber string `json:"tracking_number" db:"tracking_number"`
	Receipt        string `json:"receipt_number" db:"receipt_number"`
	AmountPiasters int64  `json:"amount_piasters" db:"amount_piasters"`
	Status         string `json:"status" db:"status"`
}

// TillMovements lists a till's cash payments and refunds.
func (tx *Tx) TillMovements(id string) ([]TillCash, error) {
	out := []TillCash{}
	err := tx.Select(&out, `SELECT 'payment' AS kind, r.tracking_number, COALESCE(rc.number, '') AS receipt_number,
		p.received_piasters AS amount_piasters, p.status FROM payments p JOIN requests r ON r.id = p.request_id
		LEFT JOIN receipts rc ON rc.payment_id = p.id WHERE p.till_id = ?
		UNION ALL SELECT 'refund' AS kind, r.tracking_number, '' AS receipt_number, f.amount_piasters, f.status
		FROM refunds f JOIN requests r ON r.id = f.request_id WHERE f.till_id = ?
		ORDER BY kind, receipt_number`, id, id)
	return out, err
}

// CloseTill closes p's own open till with the cash counted (payment.CheckClosing).
func (tx *Tx) CloseTill(p *markaz.Principal, id string, c payment.Closing) (*payment.Till, error) {
	t, err := tx.tillByID(id, true)
	if err != nil {
		return nil, err
	}
	if t.ClerkID != p.UserID {
		return nil, markaz.Errorf(markaz.EForbidden, "error.till_not_yours")
	}
	if t.Status != payment.TillOpen {
		return nil, markaz.Errorf(markaz.EConflict, "error.till_closed")
	}
	if err := payment.CheckClosing(t.RecordedPiasters, &c); err != nil {
		return nil, err
	}
	diff := c.CountedPiasters - t.RecordedPiasters
	res, err := tx.Exec(`UPDATE tills SET status = 'closed', closed_at = ?, recorded_piasters = ?, counted_piasters = ?,
		difference_piasters = ?, explanation = ? WHERE id = ? AND status = 'open'`,
		tx.Now, t.RecordedPiasters, c.CountedPiasters, diff, c.Explanation, id)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.till_closed")
	}
	if err := tx.Audit(ActorOf(p), "till.close", "till", id, t.Ref(), map[string]any{"status": t.Status},
		map[string]any{"status": payment.TillClosed, "recorded_piasters": t.RecordedPiasters,
			"counted_piasters": c.CountedPiasters, "difference_piasters": diff, "explanation": c.Explanation}); err != nil {
		return nil, err
	}
	return tx.tillByID(id, false)
}

// SignOffTill signs off a closed till, by the center manager (payments.void over its
// center), never by the clerk whose till it is; a note is optional unless the count
// differed from the record.
func (tx *Tx) SignOffTill(p *markaz.Principal, id, note string) (*payment.Till, error) {
	t, err := tx.tillByID(id, true)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermPaymentsVoid, t.Ref()) || t.ClerkID == p.UserID {
		return nil, markaz.ErrForbidden
	}
	if t.Status != payment.TillClosed {
		return nil, markaz.Errorf(markaz.EConflict, "error.till_not_closed")
	}
	var v markaz.Validator
	v.Text("note", note, payment.MaxReasonLength, t.DifferencePiasters != 0)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`UPDATE tills SET status = 'signed_off', signed_off_by = ?, signed_off_at = ?, sign_off_note = ?
		WHERE id = ? AND status = 'closed'`, p.Username, tx.Now, note, id); err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "till.sign_off", "till", id, t.Ref(), map[string]any{"status": t.Status},
		map[string]any{"status": payment.TillSignedOff, "note": note}); err != nil {
		return nil, err
	}
	return tx.tillByID(id, false)
}

// TillFilter selects tills: in scope (or one clerk's own), by center, day and status.
type TillFilter struct {
	Scope   markaz.Scope
	ClerkID string // when set: only this clerk's tills, scope aside
	Center  string
	Date    markaz.Date
	Status  string
	Limit   int
}

// Tills lists tills, the latest day first (up to f.Limit, default 200), each open one
// with the cash it recorded so far.
func (tx *Tx) Tills(f TillFilter) ([]payment.Till, error) {
	if f.Limit < 1 {
		f.Limit = 200
	}
	w := &where{}
	if f.ClerkID != "" {
		w.add(`clerk_id = ?`, f.ClerkID)
	} else {
		w.scope(f.Scope, "gov_code", "unit_code", "center_id")
	}
	if f.Center != "" {
		w.add(`center_id = ?`, f.Center)
	}
	if !f.Date.IsZero() {
		w.add(`business_date = ?`, f.Date)
	}
	if f.Status != "" {
		w.add(`status = ?`, f.Status)
	}
	out := []payment.Till{}
	if err := tx.Select(&out, `SELECT `+tillCols+` FROM tills`+w.String()+
		` ORDER BY business_date DESC, clerk_username, seq LIMIT ?`, append(w.args, f.Limit)...); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Status == payment.TillOpen {
			var err error
			if out[i].RecordedPiasters, err = tx.tillRecorded(out[i].ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
