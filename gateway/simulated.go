package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"markaz"
	"markaz/payment"
	"markaz/store"
)

// LateDelay is how long the simulated gateway holds the callback of a payment made with
// "pay late" before delivering it (the console delivers it at once on demand).
const LateDelay = 15 * time.Minute

// Simulated is the built-in gateway for demos and tests. Its checkout page
// (/simgw/pay/{token}) offers pay, decline, pay late (the callback comes LateDelay later)
// and pay twice (the card is charged twice, and the first callback is delivered twice);
// its outlet page (/simgw/outlet) takes reference codes. Every charge sends Markaz the
// same signed callback a real gateway would, by HTTP to the callback URL given at start.
// No card details are ever asked for or kept.
type Simulated struct {
	DB     *store.DB
	Secret []byte
	Client *http.Client // default: 10-second timeout
	// Base is Markaz's own address, for callback URLs recorded as paths (the demo data's
	// checkouts, made before any server runs) when no page request gives one.
	Base string
}

// Name is "simulated", as in its callback URL.
func (g *Simulated) Name() string { return payment.GatewaySimulated }

func (g *Simulated) client() *http.Client {
	if g.Client != nil {
		return g.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// Start opens a checkout: the URL of its page (on the same server as ReturnURL) or a
// nine-digit reference code.
func (g *Simulated) Start(ctx context.Context, s payment.StartRequest) (payment.Started, error) {
	u, err := url.Parse(s.ReturnURL)
	if err != nil || u.Host == "" {
		return payment.Started{}, errors.New("simulated gateway: the return URL must be absolute")
	}
	for attempt := 0; ; attempt++ {
		sess := store.SimSession{Token: randomHex(16), PaymentID: s.PaymentID, Method: s.Method,
			AmountPiasters: s.AmountPiasters, CallbackURL: s.CallbackURL, ReturnURL: s.ReturnURL}
		if s.Method == payment.MethodReference {
			code := randomDigits(9)
			sess.ReferenceCode = &code
		}
		var got *store.SimSession
		err := g.DB.Write(ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.SimCreateSession(sess)
			return err
		})
		if markaz.ErrorCode(err) == markaz.EConflict && attempt < 3 {
			continue // a reference code drawn twice
		}
		if err != nil {
			return payment.Started{}, err
		}
		if got.ReferenceCode != nil {
			return payment.Started{ReferenceCode: *got.ReferenceCode, GatewayReference: got.Token}, nil
		}
		return payment.Started{RedirectURL: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/simgw/pay/" + got.Token}).String(),
			GatewayReference: got.Token}, nil
	}
}

// Choices on the simulated checkout page.
const (
	Pay      = "pay"
	Decline  = "decline"
	PayLate  = "pay_late"
	PayTwice = "pay_twice"
)

// Session returns a checkout and its charges so far.
func (g *Simulated) Session(ctx context.Context, key string, byCode bool) (*store.SimSession, []store.SimCharge, error) {
	var s *store.SimSession
	var cs []store.SimCharge
	err := g.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		if s, err = tx.SimSessionBy(key, byCode); err != nil {
			return err
		}
		cs, err = tx.SimCharges(s.Token)
		return err
	})
	return s, cs, err
}

// Checkout carries out a choice on the checkout of token and delivers the callbacks that
// are due now. A declined checkout may be tried again; a paid one may not. A delivery
// that fails is left to the job that retries it; the error says so.
//
// base is the address of the server the choice was made on (for callback URLs recorded
// as paths).
func (g *Simulated) Checkout(ctx context.Context, token, choice, base string) error {
	s, charges, err := g.Session(ctx, token, false)
	if err != nil {
		return err
	}
	for _, c := range charges {
		if c.Status == payment.CallbackPaid {
			return markaz.Errorf(markaz.EConflict, "simgw.already_paid")
		}
	}
	now := g.DB.Clock.Now()
	charge := func(status string, due time.Time) store.SimCharge {
		return store.SimCharge{ID: markaz.NewID(), Token: s.Token, GatewayReference: "SIM-" + randomHex(6),
			EventID: "evt-" + randomHex(8), Status: status, AmountPiasters: s.AmountPiasters, CallbackDueAt: due}
	}
	var now1 []store.SimCharge
	switch choice {
	case Pay:
		now1 = []store.SimCharge{charge(payment.CallbackPaid, now)}
	case Decline:
		now1 = []store.SimCharge{charge(payment.CallbackFailed, now)}
	case PayLate:
		now1 = []store.SimCharge{charge(payment.CallbackPaid, now.Add(LateDelay))}
	case PayTwice:
		now1 = []store.SimCharge{charge(payment.CallbackPaid, now), charge(payment.CallbackPaid, now)}
	default:
		return markaz.Errorf(markaz.EInvalid, "error.invalid")
	}
	if err := g.DB.Write(ctx, func(tx *store.Tx) error {
		for _, c := range now1 {
			if err := tx.SimCharge(c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	var errs []error
	for _, c := range now1 {
		if !c.CallbackDueAt.After(now) {
			errs = append(errs, g.Deliver(ctx, c.ID, false, base))
		}
	}
	if choice == PayTwice { // the gateway's retry delivers the first event again
		errs = append(errs, g.Deliver(ctx, now1[0].ID, true, base))
	}
	return errors.Join(errs...)
}

// PayCode pays a reference code at the simulated outlet and returns its checkout.
func (g *Simulated) PayCode(ctx context.Context, code, base string) (*store.SimSession, error) {
	s, _, err := g.Session(ctx, code, true)
	if err != nil {
		return nil, err
	}
	return s, g.Checkout(ctx, s.Token, Pay, base)
}

// Deliver posts the callback of a charge to its callback URL, signed, with a fresh
// timestamp. A callback already delivered is sent again only when again is true. A
// callback URL recorded as a path is resolved against base (else g.Base).
func (g *Simulated) Deliver(ctx context.Context, chargeID string, again bool, base string) error {
	var c *store.SimCharge
	if err := g.DB.Read(ctx, func(tx *store.Tx) (err error) {
		c, err = tx.SimChargeByID(chargeID)
		return err
	}); err != nil {
		return err
	}
	if c.CallbackSentAt != nil && !again {
		return nil
	}
	cb := payment.Callback{EventID: c.EventID, PaymentID: c.PaymentID, AmountPiasters: c.AmountPiasters,
		Status: c.Status, GatewayReference: c.GatewayReference, Timestamp: g.DB.Clock.Now()}
	body := cb.Encode()
	to := c.CallbackURL
	if strings.HasPrefix(to, "/") {
		if base == "" {
			base = g.Base
		}
		to = strings.TrimSuffix(base, "/") + to
	}
	sendErr := g.post(ctx, to, body)
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
	}
	if err := g.DB.Write(ctx, func(tx *store.Tx) error { return tx.SimCallbackSent(c.ID, msg) }); err != nil {
		return err
	}
	return sendErr
}

func (g *Simulated) post(ctx context.Context, to string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("callback: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(payment.SignatureHeader, payment.Sign(g.Secret, body))
	resp, err := g.client().Do(req)
	if err != nil {
		return fmt.Errorf("callback not delivered: %w", unwrapURL(err))
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("callback answered %d", resp.StatusCode)
	}
	return nil
}

// Pending lists the charges whose callbacks are not delivered yet (the console).
func (g *Simulated) Pending(ctx context.Context) ([]store.SimCharge, error) {
	var out []store.SimCharge
	err := g.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.SimCharges("")
		return err
	})
	return out, err
}

// Refund sends back up to what was charged under the reference, once per refund id.
func (g *Simulated) Refund(ctx context.Context, r payment.RefundRequest) (payment.RefundResult, error) {
	var ref string
	err := g.DB.Write(ctx, func(tx *store.Tx) error {
		charged, err := tx.SimChargedFor(r.GatewayReference)
		if err != nil {
			return err
		}
		if charged < r.AmountPiasters {
			return fmt.Errorf("simulated gateway: no charge %s of %s to refund", r.GatewayReference, payment.Pounds(r.AmountPiasters))
		}
		ref, err = tx.SimRefund(r.RefundID, r.GatewayReference, r.AmountPiasters, "SIMR-"+randomHex(6))
		return err
	})
	return payment.RefundResult{Reference: ref}, err
}

// Statement is the CSV statement of the charges paid on day.
func (g *Simulated) Statement(ctx context.Context, day markaz.Date) ([]byte, error) {
	var rows []payment.StatementRow
	err := g.DB.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.SimStatement(day)
		return err
	})
	return payment.StatementBytes(rows), err
}

// Job returns the handler of store.JobSimCallback jobs: deliver a callback when due.
func (g *Simulated) Job() func(ctx context.Context, j store.Job) error {
	return func(ctx context.Context, j store.Job) error { return g.Deliver(ctx, string(j.Payload), false, "") }
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	if b[0] == '0' {
		b[0] = '7'
	}
	return string(b)
}
