package store

// Refunds: money sent back against a payment that received it (booked or held). Asked by
// center staff (payments.collect) or a finance officer; approved or rejected by a finance
// officer over the payment's center who did not ask for it; executed through the gateway
// (the job JobRefund, enqueued on approval) or paid out in cash at the counter, from the
// paying-out clerk's till. Refunds asked, approved and executed together never exceed
// what the payment received (checked under the payment's row lock). An executed refund
// of a booked payment lowers the request's fees paid.

import (
	"time"

	"markaz"
	"markaz/payment"
)

// JobRefund is the kind of the job that sends an approved refund through its gateway
// (payload: the refund id).
const JobRefund = "payment_refund"

// Refund is a refund as stored and listed.
type Refund struct {
	ID               string     `json:"id" db:"id"`
	PaymentID        string     `json:"payment_id" db:"payment_id"`
	TrackingNumber   string     `json:"tracking_number" db:"tracking_number"`
	CenterID         string     `json:"center_id" db:"center_id"`
	GovCode          string     `json:"governorate" db:"gov_code"`
	UnitCode         string     `json:"unit" db:"unit_code"`
	AmountPiasters   int64      `json:"amount_piasters" db:"amount_piasters"`
	Method           string     `json:"method" db:"method"`
	Status           string     `json:"status" db:"status"`
	Reason           string     `json:"reason" db:"reason"`
	RequestedBy      string     `json:"requested_by" db:"requested_by"`
	RequestedByID    string     `json:"-" db:"requested_by_id"`
	RequestedAt      time.Time  `json:"requested_at" db:"requested_at"`
	DecidedBy        string     `json:"decided_by,omitempty" db:"decided_by"`
	DecidedAt        *time.Time `json:"decided_at,omitempty" db:"decided_at"`
	DecisionNote     string     `json:"decision_note,omitempty" db:"decision_note"`
	ExecutedBy       string     `json:"executed_by,omitempty" db:"executed_by"`
	ExecutedAt       *time.Time `json:"executed_at,omitempty" db:"executed_at"`
	GatewayReference string     `json:"gateway_reference,omitempty" db:"gateway_reference"`
	LastError        string     `json:"last_error,omitempty" db:"last_error"`
	PaymentGateway   string     `json:"-" db:"payment_gateway"`
	PaymentReference string     `json:"-" db:"payment_reference"`
}

// Ref is the refund's place in the territory.
func (r *Refund) Ref() markaz.Ref {
	return markaz.Ref{Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID}
}

const refundCols = `f.id, f.payment_id, r.tracking_number, f.center_id, f.gov_code, f.unit_code, f.amount_piasters,
	f.method, f.status, f.reason, f.requested_by, f.requested_by_id, f.requested_at, f.decided_by, f.decided_at,
	f.decision_note, f.executed_by, f.executed_at, f.gateway_reference, f.last_error, p.gateway AS payment_gateway,
	p.gateway_reference AS payment_reference`

const refundFrom = ` FROM refunds f JOIN payments p ON p.id = f.payment_id JOIN requests r ON r.id = f.request_id`

// RefundByID returns one refund (no access check: callers check its payment's).
func (tx *Tx) RefundByID(id string) (*Refund, error) { return tx.refundByID(id) }

func (tx *Tx) refundByID(id string) (*Refund, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	var r Refund
	if err := tx.Get(&r, `SELECT `+refundCols+refundFrom+` WHERE f.id = ?`, id); err != nil {
		return nil, err
	}
	return &r, nil
}

// PaymentRefunds lists the refunds of a payment, oldest first.
func (tx *Tx) PaymentRefunds(paymentID string) ([]Refund, error) {
	out := []Refund{}
	err := tx.Select(&out, `SELECT `+refundCols+refundFrom+` WHERE f.payment_id = ? ORDER BY f.requested_at, f.id`, paymentID)
	return out, err
}

// RequestRefund asks for a refund of payment id, by staff with payments.collect or
// finance.manage over its center.
func (tx *Tx) RequestRefund(p *markaz.Principal, id string, in payment.RefundInput) (*Refund, error) {
	pm, err := tx.paymentByID(id, false)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermPaymentsCollect, pm.Ref()) && !p.Allowed(markaz.PermFinanceManage, pm.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if _, err := tx.lockRequest(pm.RequestID); err != nil {
		return nil, err
	}
	if pm, err = tx.paymentByID(id, true); err != nil {
		return nil, err
	}
	return tx.createRefund(ActorOf(p), pm, in, payment.RefundRequested)
}

// createRefund checks and records a refund of pm (locked) with the given status
// (requested, or approved when a finance officer decides it at once), enqueueing its
// execution when it is approved and goes through the gateway.
func (tx *Tx) createRefund(actor Actor, pm *payment.Payment, in payment.RefundInput, status string) (*Refund, error) {
	if !pm.Received() {
		return nil, markaz.Errorf(markaz.EConflict, "error.refund_nothing_received")
	}
	var committed int64
	if err := tx.Get(&committed, `SELECT COALESCE(SUM(amount_piasters), 0) FROM refunds WHERE payment_id = ?
		AND status IN ('requested', 'approved', 'executed')`, pm.ID); err != nil {
		return nil, err
	}
	if err := payment.CheckRefund(pm, committed, &in); err != nil {
		return nil, err
	}
	id := markaz.NewID()
	var decidedAt *time.Time
	decidedBy := ""
	if status == payment.RefundApproved {
		decidedAt, decidedBy = &tx.Now, actor.Username
	}
	if _, err := tx.Exec(`INSERT INTO refunds (id, payment_id, request_id, center_id, gov_code, unit_code, amount_piasters,
		method, status, reason, requested_by, requested_by_id, requested_at, decided_by, decided_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, pm.ID, pm.RequestID, pm.CenterID, pm.GovCode,
		pm.UnitCode, in.AmountPiasters, in.Method, status, in.Reason, actor.Username, actor.UserID, tx.Now, decidedBy,
		decidedAt, tx.Now, tx.Now); err != nil {
		return nil, err
	}
	r, err := tx.refundByID(id)
	if err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "refund."+status, "refund", id, r.Ref(), nil, refundView(r)); err != nil {
		return nil, err
	}
	return r, tx.enqueueRefund(r)
}

func (tx *Tx) enqueueRefund(r *Refund) error {
	if r.Status != payment.RefundApproved || r.Method != "gateway" {
		return nil
	}
	return tx.EnqueueJob(JobRefund, "refund:"+r.ID, time.Time{}, []byte(r.ID))
}

func refundView(r *Refund) map[string]any {
	return map[string]any{"payment": r.PaymentID, "amount_piasters": r.AmountPiasters, "method": r.Method,
		"status": r.Status, "reason": r.Reason}
}

// DecideRefund approves or rejects a requested refund, by a finance officer over its
// center who did not ask for it; a note is required. An approved gateway refund is queued
// for the gateway; an approved cash refund waits for a clerk to pay it out.
func (tx *Tx) DecideRefund(p *markaz.Principal, id string, approve bool, note string) (*Refund, error) {
	note, err := payment.Note("note", note)
	if err != nil {
		return nil, err
	}
	r, err := tx.refundByID(id)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermFinanceManage, r.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if r.RequestedByID == p.UserID {
		return nil, markaz.Errorf(markaz.EForbidden, "error.refund_own")
	}
	status := payment.RefundRejected
	if approve {
		status = payment.RefundApproved
	}
	res, err := tx.Exec(`UPDATE refunds SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?, updated_at = ?
		WHERE id = ? AND status = 'requested'`, status, p.Username, tx.Now, note, tx.Now, id)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.refund_not_requested")
	}
	before := refundView(r)
	if r, err = tx.refundByID(id); err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "refund."+status, "refund", id, r.Ref(), before, refundView(r)); err != nil {
		return nil, err
	}
	return r, tx.enqueueRefund(r)
}

// PayOutRefund records an approved cash refund handed over at the counter by a clerk
// (payments.collect over its center), from their till of the day.
func (tx *Tx) PayOutRefund(p *markaz.Principal, id string) (*Refund, error) {
	r, err := tx.refundByID(id)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermPaymentsCollect, r.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if r.Method != "cash" {
		return nil, markaz.Errorf(markaz.EConflict, "error.refund_not_cash")
	}
	till, err := tx.openTill(p, r.CenterID, r.GovCode, r.UnitCode)
	if err != nil {
		return nil, err
	}
	return r, tx.executeRefund(ActorOf(p), r, "", &till)
}

// RefundForGateway returns an approved gateway refund for the job to send, nil when it
// is no longer waiting (executed, or not a gateway refund).
func (tx *Tx) RefundForGateway(id string) (*Refund, error) {
	r, err := tx.refundByID(id)
	if err != nil || r.Status != payment.RefundApproved || r.Method != "gateway" {
		return nil, err
	}
	return r, nil
}

// RefundSent records that the gateway executed refund id under reference.
func (tx *Tx) RefundSent(id, reference string) error {
	r, err := tx.refundByID(id)
	if err != nil {
		return err
	}
	return tx.executeRefund(ActorOf(nil), r, reference, nil)
}

// RefundFailed keeps the gateway's last error on an approved refund (it is retried).
func (tx *Tx) RefundFailed(id, msg string) error {
	_, err := tx.Exec(`UPDATE refunds SET last_error = ?, updated_at = ? WHERE id = ? AND status = 'approved'`,
		clip(msg, maxJobError), tx.Now, id)
	return err
}

// executeRefund marks an approved refund executed and applies it to its payment (and,
// for a booked payment, to the request's fees paid).
func (tx *Tx) executeRefund(actor Actor, r *Refund, reference string, till *string) error {
	pm, err := tx.paymentByID(r.PaymentID, false)
	if err != nil {
		return err
	}
	if _, err := tx.lockRequest(pm.RequestID); err != nil {
		return err
	}
	if pm, err = tx.paymentByID(r.PaymentID, true); err != nil {
		return err
	}
	res, err := tx.Exec(`UPDATE refunds SET status = 'executed', executed_by = ?, executed_at = ?, executed_on = ?,
		gateway_reference = ?, last_error = '', till_id = ?, updated_at = ? WHERE id = ? AND status = 'approved'`,
		actor.Username, tx.Now, tx.Today(), reference, till, tx.Now, r.ID)
	if err != nil {
		return err
	}
	if rowsAffected(res) != 1 {
		return markaz.Errorf(markaz.EConflict, "error.refund_not_approved")
	}
	before := paymentView(pm)
	refunded := pm.RefundedPiasters + r.AmountPiasters
	status := payment.AfterRefund(pm, refunded)
	if _, err := tx.Exec(`UPDATE payments SET refunded_piasters = ?, status = ?, version = version + 1, updated_at = ?
		WHERE id = ?`, refunded, status, tx.Now, pm.ID); err != nil {
		return err
	}
	if pm.Booked() {
		if _, err := tx.Exec(`UPDATE requests SET fees_paid_piasters = fees_paid_piasters - ?, updated_at = ? WHERE id = ?`,
			r.AmountPiasters, tx.Now, pm.RequestID); err != nil {
			return err
		}
	}
	pm.RefundedPiasters, pm.Status = refunded, status
	if err := tx.Audit(actor, "refund.execute", "refund", r.ID, r.Ref(), refundView(r),
		map[string]any{"status": payment.RefundExecuted, "gateway_reference": reference}); err != nil {
		return err
	}
	return tx.Audit(actor, "payment.refund", "payment", pm.ID, pm.Ref(), before, paymentView(pm))
}

// RefundFilter selects refunds for the finance officer's list, by status, in scope,
// newest first.
type RefundFilter struct {
	Scope  markaz.Scope
	Status string
	Limit  int
}

// Refunds lists up to f.Limit refunds (default 100).
func (tx *Tx) Refunds(f RefundFilter) ([]Refund, error) {
	if f.Limit < 1 {
		f.Limit = 100
	}
	w := &where{}
	w.scope(f.Scope, "f.gov_code", "f.unit_code", "f.center_id")
	if f.Status != "" {
		w.add(`f.status = ?`, f.Status)
	}
	out := []Refund{}
	err := tx.Select(&out, `SELECT `+refundCols+refundFrom+w.String()+` ORDER BY f.requested_at DESC, f.id DESC LIMIT ?`,
		append(w.args, f.Limit)...)
	return out, err
}
