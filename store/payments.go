package store

// Payments (issue 5): starting a payment for a request awaiting payment (cash booked at
// once at the counter; electronic ones pending until the gateway's verified callback),
// booking — the one path by which money counts as paid: payment row moved by an UPDATE
// conditional on its status and version, the request's fees_paid raised, a receipt taken
// from the center's gap-free series, and the request moved on with the workflow's own
// complete action by the system — and who may see and start a request's payments.
//
// Locks are always taken in one order — the request row, then the payment row, then the
// receipt series row — so concurrent bookings of one request queue instead of deadlocking.

import (
	"strings"
	"time"

	"markaz"
	"markaz/payment"
	"markaz/request"
)

// JobPaymentExpire is the kind of the job that expires one reference-code payment when
// its lifetime ends (payload: the payment id).
const JobPaymentExpire = "payment_expire"

const paymentCols = `p.id, p.request_id, r.tracking_number, p.center_id, p.gov_code, p.unit_code, p.method, p.gateway,
	p.status, p.amount_piasters, p.received_piasters, p.refunded_piasters, p.redirect_url, p.reference_code,
	p.gateway_reference, p.hold_reason, p.expires_at, p.paid_at, p.paid_on, p.received_on, p.till_id,
	rc.number AS receipt_number, p.created_by, p.created_at, p.updated_at, p.version`

const paymentFrom = ` FROM payments p JOIN requests r ON r.id = p.request_id LEFT JOIN receipts rc ON rc.payment_id = p.id`

// actorScope is where an actor may read requests: everywhere for the system (nil).
func actorScope(p *markaz.Principal) markaz.Scope {
	if p == nil {
		return markaz.Scope{All: true}
	}
	return p.Scope(markaz.PermRequestsRead)
}

// SetCitizenMobile sets the mobile number of a citizen account (the link to the requests
// it owns, see CitizenOwns), audited. The citizen accounts' own sign-up verifies the
// number by a one-time code; the demo data uses this to link its demo citizen.
func (tx *Tx) SetCitizenMobile(actor Actor, userID, mobile string) error {
	mobile = markaz.NormaliseMobile(mobile)
	if !markaz.ValidMobile(mobile) {
		return fieldErr("mobile", "mobile_format")
	}
	u, err := tx.GetUser(userID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(`UPDATE users SET mobile = ?, updated_at = ? WHERE id = ?`, mobile, tx.Now, userID); err != nil {
		return err
	}
	return tx.Audit(actor, "user.update", "user", userID, UserRef(u.Assignments), map[string]any{"mobile": u.Mobile},
		map[string]any{"mobile": mobile})
}

// OwnedAwaitingPayment lists the requests citizen p owns (see CitizenOwns) that await
// payment, newest first (at most 50): the citizen's list of fees to pay.
func (tx *Tx) OwnedAwaitingPayment(p *markaz.Principal) ([]request.Request, error) {
	out := []request.Request{}
	a, err := tx.CitizenAccount(p)
	if markaz.ErrorCode(err) == markaz.EForbidden {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	err = tx.Select(&out, `SELECT `+requestCols+requestFrom+` WHERE r.national_id = ? AND r.mobile = ? AND r.status = ?
		ORDER BY r.submitted_at DESC, r.id DESC LIMIT 50`, a.NationalID, a.Mobile, request.StatusAwaitingPayment)
	return out, err
}

// PaymentRequest is a request as its payment pages show it, with who is looking.
type PaymentRequest struct {
	*RequestDetail
	Owner bool // the citizen who owns the request (not staff)
	Staff bool // holds payments.collect over the request's center
}

// RequestForPayments returns the request with tracking number number if p may read its
// payments (payments.read over its center, or the citizen owning it): 404 for a citizen
// who does not own it (they learn nothing), 403 for staff outside their territory.
func (tx *Tx) RequestForPayments(p *markaz.Principal, number string) (*PaymentRequest, error) {
	d, err := tx.Request(markaz.Scope{All: true}, number)
	if err != nil {
		return nil, err
	}
	out := &PaymentRequest{RequestDetail: d, Staff: p.Allowed(markaz.PermPaymentsCollect, d.Ref())}
	if out.Staff || p.Allowed(markaz.PermPaymentsRead, d.Ref()) {
		return out, nil
	}
	if out.Owner, err = tx.CitizenOwns(p, &d.Request); err != nil || out.Owner {
		return out, err
	}
	if p.Can(markaz.PermPaymentsRead) || p.Can(markaz.PermRequestsRead) {
		return nil, markaz.ErrForbidden
	}
	return nil, markaz.ErrNotFound
}

// RequestPayments lists a request's payments, newest first.
func (tx *Tx) RequestPayments(requestID string) ([]payment.Payment, error) {
	out := []payment.Payment{}
	err := tx.Select(&out, `SELECT `+paymentCols+paymentFrom+` WHERE p.request_id = ? ORDER BY p.created_at DESC, p.id DESC`,
		requestID)
	return out, err
}

// paymentByID loads one payment (lock: append tx.ForUpdate() semantics through forUpdate).
func (tx *Tx) paymentByID(id string, forUpdate bool) (*payment.Payment, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	lock := ""
	if forUpdate {
		lock = tx.ForUpdate()
		if lock != "" {
			lock = " FOR UPDATE OF p"
		}
	}
	var pm payment.Payment
	if err := tx.Get(&pm, `SELECT `+paymentCols+paymentFrom+` WHERE p.id = ?`+lock, id); err != nil {
		return nil, err
	}
	return &pm, nil
}

// Payment returns one payment if p may read it (payments.read over its center, or the
// citizen owning its request).
func (tx *Tx) Payment(p *markaz.Principal, id string) (*payment.Payment, error) {
	pm, err := tx.paymentByID(id, false)
	if err != nil {
		return nil, err
	}
	if _, err := tx.RequestForPayments(p, pm.TrackingNumber); err != nil {
		return nil, err
	}
	return pm, nil
}

// lockedRequest is what booking needs of a request, read under its row lock.
type lockedRequest struct {
	ID       string `db:"id"`
	Tracking string `db:"tracking_number"`
	Status   string `db:"status"`
	Due      int64  `db:"fees_due_piasters"`
	Paid     int64  `db:"fees_paid_piasters"`
}

// owed is what the request still owes.
func (r *lockedRequest) owed() int64 { return max(r.Due-r.Paid, 0) }

func (tx *Tx) lockRequest(id string) (*lockedRequest, error) {
	var r lockedRequest
	err := tx.Get(&r, `SELECT id, tracking_number, status, fees_due_piasters, fees_paid_piasters FROM requests
		WHERE id = ?`+tx.ForUpdate(), id)
	return &r, err
}

// Started is the outcome of StartPayment: the payment, and whether it is the one an
// earlier call with the same Idempotency-Key made (nothing new written).
type Started struct {
	Payment *payment.Payment
	Replay  bool
}

// StartPayment starts a payment of what request number still owes, by p: the citizen who
// owns it (electronic methods only) or staff with payments.collect over its center. Cash
// is booked at once into the clerk's till, with its receipt; an electronic payment is
// pending, and the caller takes it to the gateway (see SetStarted). gateway names the
// configured gateway ("" when none is). With a non-empty idemKey, a repeated call by the
// same user returns the first payment and writes nothing.
func (tx *Tx) StartPayment(p *markaz.Principal, number string, in payment.Start, idemKey, gateway string) (*Started, error) {
	pr, err := tx.RequestForPayments(p, number)
	if err != nil {
		return nil, err
	}
	if !pr.Staff && !pr.Owner {
		return nil, markaz.ErrForbidden
	}
	if idemKey != "" {
		if prior, err := tx.paymentByKey(p.UserID, idemKey, pr.ID); err != nil || prior != nil {
			return &Started{Payment: prior, Replay: true}, err
		}
	}
	if err := in.Validate(pr.Staff); err != nil {
		return nil, err
	}
	lr, err := tx.lockRequest(pr.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case lr.Status != request.StatusAwaitingPayment:
		return nil, markaz.Errorf(markaz.EConflict, "error.payment_not_awaiting")
	case lr.owed() <= 0:
		return nil, markaz.Errorf(markaz.EConflict, "error.payment_nothing_due")
	case payment.Electronic(in.Method) && gateway == "":
		return nil, markaz.Errorf(markaz.EConflict, "error.payment_no_gateway")
	}
	pm := payment.Payment{ID: markaz.NewID(), RequestID: pr.ID, TrackingNumber: pr.TrackingNumber,
		CenterID: pr.CenterID, GovCode: pr.GovCode, UnitCode: pr.UnitCode, Method: in.Method,
		Status: payment.StatusPending, AmountPiasters: lr.owed(), CreatedBy: ActorOf(p).Username,
		CreatedAt: tx.Now, UpdatedAt: tx.Now, Version: 1}
	if payment.Electronic(in.Method) {
		pm.Gateway = gateway
	}
	if in.Method == payment.MethodReference {
		exp := tx.Now.Add(payment.ReferenceLifetime)
		pm.ExpiresAt = &exp
	}
	res, err := tx.Exec(`INSERT INTO payments (id, request_id, center_id, gov_code, unit_code, method, gateway, status,
		amount_piasters, idem_user, idem_key, expires_at, created_by, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING`,
		pm.ID, pm.RequestID, pm.CenterID, pm.GovCode, pm.UnitCode, pm.Method, pm.Gateway, pm.Status,
		pm.AmountPiasters, idemUser(p, idemKey), idemKey, pm.ExpiresAt, pm.CreatedBy, tx.Now, tx.Now)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) == 0 { // a concurrent first click with the same key won
		prior, err := tx.paymentByKey(p.UserID, idemKey, pr.ID)
		if err == nil && prior == nil {
			err = markaz.Errorf(markaz.EConflict, "error.stale")
		}
		return &Started{Payment: prior, Replay: true}, err
	}
	actor := ActorOf(p)
	if err := tx.Audit(actor, "payment.start", "payment", pm.ID, pm.Ref(), nil, paymentView(&pm)); err != nil {
		return nil, err
	}
	if in.Method == payment.MethodReference {
		if err := tx.EnqueueJob(JobPaymentExpire, "payment_expire:"+pm.ID, *pm.ExpiresAt, []byte(pm.ID)); err != nil {
			return nil, err
		}
	}
	if in.Method == payment.MethodCash {
		till, err := tx.openTill(p, pm.CenterID, pm.GovCode, pm.UnitCode)
		if err != nil {
			return nil, err
		}
		if err := tx.book(actor, &pm, lr, pm.AmountPiasters, "", &till); err != nil {
			return nil, err
		}
	}
	out, err := tx.paymentByID(pm.ID, false)
	return &Started{Payment: out}, err
}

// idemUser is the owner of an idempotency key ("" without a key, so keyless payments
// never collide).
func idemUser(p *markaz.Principal, key string) string {
	if key == "" {
		return ""
	}
	return p.UserID
}

// paymentByKey returns the payment a user started with an idempotency key, nil when
// none; a key already used for another request is a field error.
func (tx *Tx) paymentByKey(userID, key, requestID string) (*payment.Payment, error) {
	var ids []struct {
		ID        string `db:"id"`
		RequestID string `db:"request_id"`
	}
	if err := tx.Select(&ids, `SELECT id, request_id FROM payments WHERE idem_user = ? AND idem_key = ?`, userID, key); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if ids[0].RequestID != requestID {
		return nil, fieldErr("Idempotency-Key", "payment_key_reused")
	}
	return tx.paymentByID(ids[0].ID, false)
}

// SetStarted records where the gateway sends the citizen for a pending payment.
func (tx *Tx) SetStarted(id string, s payment.Started) (*payment.Payment, error) {
	_, err := tx.Exec(`UPDATE payments SET redirect_url = ?, reference_code = ?, updated_at = ?
		WHERE id = ? AND status = 'pending'`, clip(s.RedirectURL, 2000), clip(s.ReferenceCode, 100), tx.Now, id)
	if err != nil {
		return nil, err
	}
	return tx.paymentByID(id, false)
}

// FailStart marks a pending payment failed when its gateway could not start it.
func (tx *Tx) FailStart(id string) error {
	pm, err := tx.paymentByID(id, true)
	if err != nil {
		return err
	}
	return tx.setPaymentStatus(ActorOf(nil), pm, payment.StatusFailed, "payment.start_failed")
}

// setPaymentStatus moves a pending payment to status (failed, expired), audited.
func (tx *Tx) setPaymentStatus(actor Actor, pm *payment.Payment, status, action string) error {
	before := paymentView(pm)
	res, err := tx.Exec(`UPDATE payments SET status = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND status = 'pending'`, status, tx.Now, pm.ID)
	if err != nil || rowsAffected(res) == 0 {
		return err
	}
	pm.Status = status
	return tx.Audit(actor, action, "payment", pm.ID, pm.Ref(), before, paymentView(pm))
}

// ExpirePayment expires a reference-code payment still pending at the end of its
// lifetime; anything else (paid meanwhile, not yet due) is left alone.
func (tx *Tx) ExpirePayment(id string) error {
	pm, err := tx.paymentByID(id, true)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil
	}
	if err != nil || pm.Status != payment.StatusPending || pm.ExpiresAt == nil || pm.ExpiresAt.After(tx.Now) {
		return err
	}
	return tx.setPaymentStatus(ActorOf(nil), pm, payment.StatusExpired, "payment.expire")
}

// book books received piasters on payment pm (pending, failed, expired or held) of
// request lr (locked): the payment becomes paid (UPDATE conditional on its status and
// version: a second booking finds nothing to change and fails), the request's fees_paid
// rises, a receipt is issued, and a request awaiting payment that is now fully paid moves
// on through the workflow's complete action by the system.
func (tx *Tx) book(actor Actor, pm *payment.Payment, lr *lockedRequest, received int64, gatewayRef string, till *string) error {
	before := paymentView(pm)
	today := tx.Today()
	if gatewayRef == "" {
		gatewayRef = pm.GatewayReference
	}
	res, err := tx.Exec(`UPDATE payments SET status = 'paid', received_piasters = ?, gateway_reference = ?, hold_reason = '',
		paid_at = ?, paid_on = ?, received_on = COALESCE(received_on, ?), till_id = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ? AND status IN ('pending', 'failed', 'expired', 'held_for_review')`,
		received, gatewayRef, tx.Now, today, today, till, tx.Now, pm.ID, pm.Version)
	if err != nil {
		return err
	}
	if rowsAffected(res) != 1 {
		return markaz.Errorf(markaz.EConflict, "error.stale")
	}
	pm.Status, pm.ReceivedPiasters, pm.GatewayReference, pm.PaidAt, pm.TillID = payment.StatusPaid, received, gatewayRef, &tx.Now, till
	pm.Version++
	if _, err := tx.Exec(`UPDATE requests SET fees_paid_piasters = fees_paid_piasters + ?, payment_method = ?, updated_at = ?
		WHERE id = ?`, received, pm.Method, tx.Now, lr.ID); err != nil {
		return err
	}
	lr.Paid += received
	number, err := tx.issueReceipt(actor, pm, received)
	if err != nil {
		return err
	}
	pm.ReceiptNumber = &number
	if err := tx.Audit(actor, "payment.book", "payment", pm.ID, pm.Ref(), before, paymentView(pm)); err != nil {
		return err
	}
	// The rollup rows last, after the receipt series and the territory's audit chain:
	// voiding takes the chain before them too, and the bulk path the series (and no
	// territory chain), so no two writers take these locks in opposite orders.
	if err := tx.kpiPaymentAdd(pm.ID, 1); err != nil {
		return err
	}
	if lr.Status == request.StatusAwaitingPayment && lr.Paid >= lr.Due {
		if _, err := tx.ActOnRequest(nil, lr.Tracking, request.ActionComplete, "receipt "+number, nil); err != nil {
			return err
		}
		lr.Status = request.StatusInReview
	}
	return nil
}

// paymentView is what the audit log keeps of a payment.
func paymentView(pm *payment.Payment) map[string]any {
	v := map[string]any{"request": pm.TrackingNumber, "method": pm.Method, "status": pm.Status,
		"amount_piasters": pm.AmountPiasters, "received_piasters": pm.ReceivedPiasters,
		"refunded_piasters": pm.RefundedPiasters}
	if pm.Gateway != "" {
		v["gateway"] = pm.Gateway
	}
	if pm.HoldReason != "" {
		v["hold_reason"] = pm.HoldReason
	}
	if pm.ReceiptNumber != nil {
		v["receipt"] = *pm.ReceiptNumber
	}
	return v
}

// CallbackResult is what BookCallback did.
type CallbackResult struct {
	Outcome payment.Outcome
	Payment *payment.Payment
}

// BookCallback applies a verified callback of gateway, exactly once per event: the event
// is recorded first (its id is the key: a second delivery changes nothing and says
// duplicate), then payment.Decide says whether it books, fails, holds or is ignored.
func (tx *Tx) BookCallback(gateway string, cb *payment.Callback) (*CallbackResult, error) {
	res, err := tx.Exec(`INSERT INTO gateway_events (gateway, event_id, payment_id, status, amount_piasters,
		gateway_reference, sent_at, outcome, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)
		ON CONFLICT (gateway, event_id) DO NOTHING`, gateway, cb.EventID, cb.PaymentID, cb.Status, cb.AmountPiasters,
		cb.GatewayReference, cb.Timestamp.UTC(), tx.Now)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) == 0 {
		return &CallbackResult{Outcome: payment.OutcomeDuplicate}, nil
	}
	out, err := tx.applyCallback(gateway, cb)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(`UPDATE gateway_events SET outcome = ? WHERE gateway = ? AND event_id = ?`,
		string(out.Outcome), gateway, cb.EventID)
	return out, err
}

func (tx *Tx) applyCallback(gateway string, cb *payment.Callback) (*CallbackResult, error) {
	pm, err := tx.paymentByID(cb.PaymentID, false)
	if markaz.ErrorCode(err) == markaz.ENotFound || err == nil && pm.Gateway != gateway {
		return &CallbackResult{Outcome: payment.OutcomeUnknown}, nil
	}
	if err != nil {
		return nil, err
	}
	lr, err := tx.lockRequest(pm.RequestID)
	if err != nil {
		return nil, err
	}
	if pm, err = tx.paymentByID(pm.ID, true); err != nil {
		return nil, err
	}
	d := payment.Decide(pm, cb, lr.owed(), lr.Status == request.StatusAwaitingPayment)
	out := &CallbackResult{Outcome: d.Outcome, Payment: pm}
	system := ActorOf(nil)
	switch d.Outcome {
	case payment.OutcomeBooked:
		err = tx.book(system, pm, lr, cb.AmountPiasters, cb.GatewayReference, nil)
	case payment.OutcomeFailed:
		err = tx.setPaymentStatus(system, pm, payment.StatusFailed, "payment.fail")
	case payment.OutcomeHeld:
		err = tx.hold(system, pm, cb, d.Hold)
	}
	return out, err
}

// hold records money that arrived for pm but cannot be booked, for a finance officer.
func (tx *Tx) hold(actor Actor, pm *payment.Payment, cb *payment.Callback, reason string) error {
	before := paymentView(pm)
	res, err := tx.Exec(`UPDATE payments SET status = 'held_for_review', hold_reason = ?, received_piasters = ?,
		gateway_reference = ?, received_on = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ? AND status IN ('pending', 'failed', 'expired')`,
		reason, cb.AmountPiasters, cb.GatewayReference, tx.Today(), tx.Now, pm.ID, pm.Version)
	if err != nil {
		return err
	}
	if rowsAffected(res) != 1 {
		return markaz.Errorf(markaz.EConflict, "error.stale")
	}
	pm.Status, pm.HoldReason, pm.ReceivedPiasters, pm.GatewayReference = payment.StatusHeld, reason, cb.AmountPiasters, cb.GatewayReference
	pm.Version++
	return tx.Audit(actor, "payment.hold", "payment", pm.ID, pm.Ref(), before, paymentView(pm))
}

// PaymentFilter selects payments for the finance officer's lists: by status, in scope,
// newest first after the key After.
type PaymentFilter struct {
	Scope  markaz.Scope
	Status string
	After  *PaymentKey
	Limit  int
}

// PaymentKey is a payment's place in list order (newest first).
type PaymentKey struct {
	At time.Time
	ID string
}

// Payments lists one page of payments; next is nil on the last page.
func (tx *Tx) Payments(f PaymentFilter) (rows []payment.Payment, next *PaymentKey, err error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	w := &where{}
	w.scope(f.Scope, "p.gov_code", "p.unit_code", "p.center_id")
	if f.Status != "" {
		w.add(`p.status = ?`, f.Status)
	}
	if f.After != nil {
		w.add(`(p.created_at < ? OR (p.created_at = ? AND p.id < ?))`, f.After.At, f.After.At, f.After.ID)
	}
	rows = []payment.Payment{}
	if err := tx.Select(&rows, `SELECT `+paymentCols+paymentFrom+w.String()+` ORDER BY p.created_at DESC, p.id DESC LIMIT ?`,
		append(w.args, f.Limit+1)...); err != nil {
		return nil, nil, err
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		next = &PaymentKey{At: last.CreatedAt, ID: last.ID}
	}
	return rows, next, nil
}

// ResolveHeld settles a payment held for review, by a finance officer over its center:
// "book" books what arrived (only while the request awaits payment; it moves on once
// fully paid), "refund" sends all of it back through the gateway (a refund approved by
// the same officer; see DecideRefund for refunds that need a second person).
func (tx *Tx) ResolveHeld(p *markaz.Principal, id, action, note string) (*payment.Payment, error) {
	note, err := payment.Note("note", note)
	var v markaz.Validator
	if action != "book" && action != "refund" {
		v.Add("action", "one_of", map[string]any{"allowed": "book, refund"})
	}
	if err := v.Merge(err, nil); err != nil {
		return nil, err
	}
	pm, err := tx.paymentByID(id, false)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermFinanceManage, pm.Ref()) {
		return nil, markaz.ErrForbidden
	}
	lr, err := tx.lockRequest(pm.RequestID)
	if err != nil {
		return nil, err
	}
	if pm, err = tx.paymentByID(id, true); err != nil {
		return nil, err
	}
	if pm.Status != payment.StatusHeld {
		return nil, markaz.Errorf(markaz.EConflict, "error.payment_not_held")
	}
	actor := ActorOf(p)
	if action == "book" {
		if lr.Status != request.StatusAwaitingPayment {
			return nil, markaz.Errorf(markaz.EConflict, "error.payment_book_not_awaiting")
		}
		if pm.RefundedPiasters > 0 { // part of the money already went back: it cannot count as paid
			return nil, markaz.Errorf(markaz.EConflict, "error.payment_refunded_in_part")
		}
		if err := tx.book(actor, pm, lr, pm.ReceivedPiasters, "", nil); err != nil {
			return nil, err
		}
	} else {
		method := "cash"
		if payment.Electronic(pm.Method) {
			method = "gateway"
		}
		in := payment.RefundInput{AmountPiasters: pm.ReceivedPiasters, Method: method, Reason: note}
		if _, err := tx.createRefund(actor, pm, in, payment.RefundApproved); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(actor, "payment.resolve_"+action, "payment", pm.ID, pm.Ref(), nil,
		map[string]any{"note": note}); err != nil {
		return nil, err
	}
	return tx.paymentByID(id, false)
}

// trimLower is the normalised form of a short code read from a form or a query.
func trimLower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
