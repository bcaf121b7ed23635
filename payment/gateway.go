package payment

import (
	"context"

	"markaz"
)

// Gateway is a payment gateway (the PaymentGateway): it starts a payment (a page to send the citizen to, or
// a reference code to pay at an outlet), sends back a refund, and gives its statement of
// a day's settled payments as CSV (see ParseStatement). When a payment settles it sends
// the signed Callback to Markaz's callback URL. Implementations live in package gateway.
type Gateway interface {
	Name() string
	Start(ctx context.Context, s StartRequest) (Started, error)
	Refund(ctx context.Context, r RefundRequest) (RefundResult, error)
	Statement(ctx context.Context, day markaz.Date) ([]byte, error)
}

// StartRequest is what a gateway needs to take a payment.
type StartRequest struct {
	PaymentID      string `json:"payment_id"`
	AmountPiasters int64  `json:"amount_piasters"`
	Method         string `json:"method"` // MethodGateway or MethodReference
	Description    string `json:"description"`
	ReturnURL      string `json:"return_url"`   // where the citizen comes back to
	CallbackURL    string `json:"callback_url"` // where the gateway posts the Callback
}

// Started is where the citizen goes next: a redirect URL, or a reference code to pay at
// an outlet. GatewayReference is the gateway's own id of the session, if it gives one.
type Started struct {
	RedirectURL      string `json:"redirect_url"`
	ReferenceCode    string `json:"reference_code"`
	GatewayReference string `json:"gateway_reference"`
}

// RefundRequest asks a gateway to send money back for one of its charges. RefundID is
// Markaz's id of the refund: a gateway seeing it twice refunds once.
type RefundRequest struct {
	RefundID         string `json:"refund_id"`
	PaymentID        string `json:"payment_id"`
	GatewayReference string `json:"gateway_reference"`
	AmountPiasters   int64  `json:"amount_piasters"`
}

// RefundResult is the gateway's reference of an executed refund.
type RefundResult struct {
	Reference string `json:"refund_reference"`
}
