package payment

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// Callback statuses.
const (
	CallbackPaid   = "paid"
	CallbackFailed = "failed"
)

// CallbackWindow is how far a callback's timestamp may be from the receiver's clock,
// either way: an older one is a replay, a later one a forgery or a broken clock.
const CallbackWindow = 10 * time.Minute

// SignatureHeader carries the hex HMAC-SHA256 of the raw body with the shared secret.
const SignatureHeader = "X-Signature"

// MaxCallbackBody bounds a callback body.
const MaxCallbackBody = 16 << 10

// Callback is the one message both gateways send when a payment settles.
type Callback struct {
	EventID          string    `json:"event_id"`
	PaymentID        string    `json:"payment_id"`
	AmountPiasters   int64     `json:"amount_piasters"`
	Status           string    `json:"status"`
	GatewayReference string    `json:"gateway_reference"`
	Timestamp        time.Time `json:"timestamp"`
}

// Why a callback was refused. Each is logged with the gateway's name, never with the
// body's signature or the secret.
var (
	ErrBadSignature = errors.New("bad signature")
	ErrStale        = errors.New("timestamp outside the allowed window")
	ErrMalformed    = errors.New("malformed callback")
)

// Sign returns the hex HMAC-SHA256 of body with secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether sig (hex, any case, surrounding spaces ignored) is the
// HMAC-SHA256 of body with secret. The comparison takes the same time whatever the
// signature; an empty secret verifies nothing.
func VerifySignature(secret, body []byte, sig string) bool {
	if len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(sig)))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Verify checks a callback's signature first (nothing of an unsigned body is read), then
// parses it and checks its fields and its timestamp against now.
func Verify(secret, body []byte, sig string, now time.Time) (*Callback, error) {
	if !VerifySignature(secret, body, sig) {
		return nil, ErrBadSignature
	}
	cb, err := ParseCallback(body)
	if err != nil {
		return nil, err
	}
	if d := now.Sub(cb.Timestamp); d > CallbackWindow || d < -CallbackWindow {
		return nil, ErrStale
	}
	return cb, nil
}

// ParseCallback reads a callback body: JSON with every field present and sensible.
// Unknown fields are allowed (gateways add their own).
func ParseCallback(body []byte) (*Callback, error) {
	var raw struct {
		Callback
		Timestamp string `json:"timestamp"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return nil, ErrMalformed
	}
	cb := raw.Callback
	ts, err := time.Parse(time.RFC3339, raw.Timestamp)
	if err != nil {
		return nil, ErrMalformed
	}
	cb.Timestamp = ts
	ok := token(cb.EventID) && token(cb.PaymentID) && token(cb.GatewayReference) &&
		(cb.Status == CallbackPaid || cb.Status == CallbackFailed) &&
		cb.AmountPiasters > 0 && cb.AmountPiasters <= MaxAmount
	if !ok {
		return nil, ErrMalformed
	}
	return &cb, nil
}

// MaxAmount is the largest amount Markaz accepts anywhere (ten billion pounds).
const MaxAmount = 1_000_000_000_000

// token reports whether s is a plausible identifier from a gateway: 1–100 printable
// characters without spaces.
func token(s string) bool {
	if s == "" || len(s) > 100 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// Encode returns the callback's JSON body (timestamp in RFC 3339, UTC).
func (cb *Callback) Encode() []byte {
	b, _ := json.Marshal(struct {
		EventID          string `json:"event_id"`
		PaymentID        string `json:"payment_id"`
		AmountPiasters   int64  `json:"amount_piasters"`
		Status           string `json:"status"`
		GatewayReference string `json:"gateway_reference"`
		Timestamp        string `json:"timestamp"`
	}{cb.EventID, cb.PaymentID, cb.AmountPiasters, cb.Status, cb.GatewayReference,
		cb.Timestamp.UTC().Format(time.RFC3339)})
	return b
}
