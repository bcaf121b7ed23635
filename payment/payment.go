// Package payment is the pure domain of fees paid for service requests (issue 5): payment
// states and methods, what a gateway's callback does to a payment, refunds and their
// limits, receipt numbers, a clerk's till, the gateway's daily statement and its
// reconciliation with what Markaz booked, and the PaymentGateway interface the gateways
// implement. It has no SQL and no HTTP: the store books, the web answers, the gateway
// package talks to gateways.
//
// Money is integer piasters. A payment is for one request, for the amount the request
// still owes when the payment starts. It is booked (money counted as paid) exactly once:
// by the clerk recording cash, by a verified callback saying paid for exactly what is
// due, or by a finance officer releasing a payment held for review.
package payment

import (
	"slices"
	"strings"
	"time"

	"markaz"
)

// Payment statuses.
const (
	StatusPending        = "pending"         // started; waiting for the gateway (or the outlet)
	StatusPaid           = "paid"            // booked: a receipt exists
	StatusFailed         = "failed"          // the gateway said the payment failed
	StatusExpired        = "expired"         // a reference code nobody paid within its lifetime
	StatusHeld           = "held_for_review" // money arrived but cannot be booked as is
	StatusRefunded       = "refunded"        // all the money went back
	StatusPartlyRefunded = "partly_refunded" // some of it went back
	StatusVoided         = "voided"          // a cash receipt voided by the center manager
)

// Statuses lists every status.
var Statuses = []string{StatusPending, StatusPaid, StatusFailed, StatusExpired, StatusHeld, StatusRefunded,
	StatusPartlyRefunded, StatusVoided}

// Methods: cash at the counter, a card payment through the gateway's pages, or a
// reference code paid at an outlet.
const (
	MethodCash      = "cash"
	MethodGateway   = "gateway"
	MethodReference = "reference"
)

// Methods lists every method.
var Methods = []string{MethodCash, MethodGateway, MethodReference}

// Electronic reports whether a method goes through a gateway.
func Electronic(method string) bool { return method == MethodGateway || method == MethodReference }

// Gateway names, as they appear in the callback URL /api/v1/payments/callback/{gateway}.
const (
	GatewayGeneric   = "generic"
	GatewaySimulated = "simulated"
)

// ReferenceLifetime is how long a reference code can be paid at an outlet.
const ReferenceLifetime = 48 * time.Hour

// Hold reasons: why money that arrived was not booked.
const (
	HoldAmount     = "amount_mismatch"      // not what the payment asked for, or not what is due now
	HoldNotAwaited = "request_not_awaiting" // the request no longer awaits payment (cancelled, or paid another way)
)

// Payment is one attempt to pay a request's fees.
type Payment struct {
	ID               string       `json:"payment_id" db:"id"`
	RequestID        string       `json:"-" db:"request_id"`
	TrackingNumber   string       `json:"tracking_number" db:"tracking_number"`
	CenterID         string       `json:"center_id" db:"center_id"`
	GovCode          string       `json:"governorate" db:"gov_code"`
	UnitCode         string       `json:"unit" db:"unit_code"`
	Method           string       `json:"method" db:"method"`
	Gateway          string       `json:"gateway,omitempty" db:"gateway"`
	Status           string       `json:"status" db:"status"`
	AmountPiasters   int64        `json:"amount_piasters" db:"amount_piasters"`
	ReceivedPiasters int64        `json:"received_piasters" db:"received_piasters"`
	RefundedPiasters int64        `json:"refunded_piasters" db:"refunded_piasters"`
	RedirectURL      string       `json:"redirect_url,omitempty" db:"redirect_url"`
	ReferenceCode    string       `json:"reference_code,omitempty" db:"reference_code"`
	GatewayReference string       `json:"gateway_reference,omitempty" db:"gateway_reference"`
	HoldReason       string       `json:"hold_reason,omitempty" db:"hold_reason"`
	ExpiresAt        *time.Time   `json:"expires_at,omitempty" db:"expires_at"`
	PaidAt           *time.Time   `json:"paid_at,omitempty" db:"paid_at"`
	PaidOn           *markaz.Date `json:"paid_on,omitempty" db:"paid_on"`
	ReceivedOn       *markaz.Date `json:"received_on,omitempty" db:"received_on"`
	TillID           *string      `json:"till_id,omitempty" db:"till_id"`
	ReceiptNumber    *string      `json:"receipt_number,omitempty" db:"receipt_number"`
	CreatedBy        string       `json:"created_by" db:"created_by"`
	CreatedAt        time.Time    `json:"created_at" db:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at" db:"updated_at"`
	Version          int          `json:"version" db:"version"`
}

// Ref is the payment's place in the territory (its request's center).
func (p *Payment) Ref() markaz.Ref {
	return markaz.Ref{Gov: p.GovCode, Unit: p.UnitCode, Center: p.CenterID}
}

// Booked reports whether the payment's money counts as paid for its request (it has a
// receipt): paid, or paid and since refunded in part or in full.
func (p *Payment) Booked() bool {
	return p.PaidAt != nil && slices.Contains([]string{StatusPaid, StatusPartlyRefunded, StatusRefunded}, p.Status)
}

// Received reports whether money arrived for the payment (booked or held).
func (p *Payment) Received() bool { return p.Booked() || p.Status == StatusHeld }

// Open reports whether a callback saying paid may still book the payment: it was never
// booked nor held (a failed or expired payment that the gateway says was paid after all
// is booked, since the money is there).
func Open(status string) bool {
	return status == StatusPending || status == StatusFailed || status == StatusExpired
}

// MaxIdempotencyKey bounds the Idempotency-Key of a payment start.
const MaxIdempotencyKey = 100

// Start is a request to start a payment as a clerk or a citizen makes it.
type Start struct {
	Method string `json:"method"`
}

// Validate checks the method; cash only from a clerk at the counter (staff true).
func (s *Start) Validate(staff bool) error {
	s.Method = strings.TrimSpace(s.Method)
	var v markaz.Validator
	if v.Required("method", s.Method) && v.OneOf("method", s.Method, Methods...) && s.Method == MethodCash && !staff {
		v.Add("method", "cash_at_counter", nil)
	}
	return v.Err()
}

// Outcome is what a verified callback did.
type Outcome string

// Callback outcomes.
const (
	OutcomeBooked    Outcome = "booked"          // the payment is paid, with a receipt
	OutcomeFailed    Outcome = "failed"          // the payment failed
	OutcomeHeld      Outcome = "held"            // money arrived and waits for a finance officer
	OutcomeIgnored   Outcome = "ignored"         // nothing to change (the payment is already settled)
	OutcomeDuplicate Outcome = "duplicate"       // this event_id was seen before: nothing booked
	OutcomeUnknown   Outcome = "unknown_payment" // no such payment at this gateway
)

// Decision is what a callback should do to a payment.
type Decision struct {
	Outcome Outcome
	Hold    string // the hold reason when Outcome is OutcomeHeld
}

// Decide says what a verified, first-seen callback cb does to payment p, given what the
// request still owes (due) and whether it awaits payment. A failure fails only a pending
// payment. A paid callback books an open payment when it brings exactly the payment's
// amount and that is what the request still owes while it awaits payment; any other
// arrival of money is held for review, never booked and never lost. A settled payment
// (paid, held, refunded, voided) is left alone: a second charge shows in reconciliation.
func Decide(p *Payment, cb *Callback, due int64, awaiting bool) Decision {
	switch {
	case cb.Status == CallbackFailed && p.Status == StatusPending:
		return Decision{Outcome: OutcomeFailed}
	case cb.Status == CallbackFailed, !Open(p.Status):
		return Decision{Outcome: OutcomeIgnored}
	case !awaiting:
		return Decision{Outcome: OutcomeHeld, Hold: HoldNotAwaited}
	case cb.AmountPiasters != p.AmountPiasters || cb.AmountPiasters != due:
		return Decision{Outcome: OutcomeHeld, Hold: HoldAmount}
	}
	return Decision{Outcome: OutcomeBooked}
}

// RefundStatus values.
const (
	RefundRequested = "requested"
	RefundApproved  = "approved"
	RefundRejected  = "rejected"
	RefundExecuted  = "executed"
)

// MaxReasonLength bounds reasons and notes (refunds, voids, till explanations, resolutions).
const MaxReasonLength = 500

// RefundInput is a refund as it is asked for.
type RefundInput struct {
	AmountPiasters int64  `json:"amount_piasters"`
	Method         string `json:"method"`
	Reason         string `json:"reason"`
}

// CheckRefund validates a refund of in.AmountPiasters from payment p of which committed
// piasters are already refunded or promised (refunds requested, approved or executed):
// at least one piaster, at most what the payment received less what is committed; back
// through the gateway only for an electronic payment; a reason.
func CheckRefund(p *Payment, committed int64, in *RefundInput) error {
	in.Method, in.Reason = strings.TrimSpace(in.Method), strings.TrimSpace(in.Reason)
	var v markaz.Validator
	if v.Required("method", in.Method) && v.OneOf("method", in.Method, "cash", "gateway") &&
		in.Method == "gateway" && !Electronic(p.Method) {
		v.Add("method", "refund_by_gateway", nil)
	}
	left := p.ReceivedPiasters - committed
	switch {
	case in.AmountPiasters <= 0:
		v.Add("amount_piasters", "positive", nil)
	case in.AmountPiasters > left:
		v.Add("amount_piasters", "refund_too_much", map[string]any{"max": Pounds(max(left, 0))})
	}
	v.Text("reason", in.Reason, MaxReasonLength, true)
	return v.Err()
}

// AfterRefund is the status of a payment once refunded piasters of what it received
// went back.
func AfterRefund(p *Payment, refunded int64) string {
	if refunded >= p.ReceivedPiasters {
		return StatusRefunded
	}
	if p.Booked() {
		return StatusPartlyRefunded
	}
	return p.Status
}

// Pounds formats piasters as pounds with two decimals, Latin digits: "150.00".
func Pounds(p int64) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return sign + itoa(p/100) + "." + string(rune('0'+p%100/10)) + string(rune('0'+p%10))
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// ElectronicShare is the electronic part of the fees collected, by amount, in tenths of
// a percent (rounded half up): 1000 when everything was paid electronically, 0 when
// nothing was collected.
func ElectronicShare(cash, electronic int64) int {
	total := cash + electronic
	if total <= 0 {
		return 0
	}
	return int((electronic*1000 + total/2) / total)
}

// Note validates a required reason or note of at most MaxReasonLength characters.
func Note(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	var v markaz.Validator
	v.Text(field, s, MaxReasonLength, true)
	return s, v.Err()
}
