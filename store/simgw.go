package store

// The simulated gateway's own ledger (package gateway, Simulated): it plays a separate
// party, so its records are apart from Markaz's payments — a checkout session per started
// payment, the charges it took and the callbacks it owes Markaz for them, and refunds.
// Kept in the database so that every instance serves its pages and its statement.

import (
	"time"

	"markaz"
	"markaz/payment"
)

// JobSimCallback is the kind of the job that delivers a simulated gateway's callback
// when it is due (payload: the charge id).
const JobSimCallback = "simgw_callback"

// SimSession is one checkout at the simulated gateway.
type SimSession struct {
	Token          string    `db:"token"`
	PaymentID      string    `db:"payment_id"`
	Method         string    `db:"method"`
	AmountPiasters int64     `db:"amount_piasters"`
	ReferenceCode  *string   `db:"reference_code"`
	CallbackURL    string    `db:"callback_url"`
	ReturnURL      string    `db:"return_url"`
	CreatedAt      time.Time `db:"created_at"`
}

// SimCharge is one charge the simulated gateway took (or declined) and its callback.
type SimCharge struct {
	ID               string      `db:"id"`
	Token            string      `db:"token"`
	PaymentID        string      `db:"payment_id"`
	GatewayReference string      `db:"gateway_reference"`
	EventID          string      `db:"event_id"`
	Status           string      `db:"status"`
	AmountPiasters   int64       `db:"amount_piasters"`
	ChargedAt        time.Time   `db:"charged_at"`
	ChargedOn        markaz.Date `db:"charged_on"`
	CallbackDueAt    time.Time   `db:"callback_due_at"`
	CallbackSentAt   *time.Time  `db:"callback_sent_at"`
	CallbackURL      string      `db:"callback_url"`
	Attempts         int         `db:"attempts"`
	LastError        string      `db:"last_error"`
}

// SimCreateSession records a checkout (a payment may be started once: a second start of
// the same payment returns the first session).
func (tx *Tx) SimCreateSession(s SimSession) (*SimSession, error) {
	if _, err := tx.Exec(`INSERT INTO simgw_sessions (token, payment_id, method, amount_piasters, reference_code,
		callback_url, return_url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (payment_id) DO NOTHING`,
		s.Token, s.PaymentID, s.Method, s.AmountPiasters, s.ReferenceCode, s.CallbackURL, s.ReturnURL, tx.Now); err != nil {
		return nil, err
	}
	var out SimSession
	err := tx.Get(&out, `SELECT token, payment_id, method, amount_piasters, reference_code, callback_url, return_url,
		created_at FROM simgw_sessions WHERE payment_id = ?`, s.PaymentID)
	return &out, err
}

// SimSessionBy returns a checkout by its token, or by its reference code when byCode.
func (tx *Tx) SimSessionBy(key string, byCode bool) (*SimSession, error) {
	col := "token"
	if byCode {
		col = "reference_code"
	}
	var s SimSession
	err := tx.Get(&s, `SELECT token, payment_id, method, amount_piasters, reference_code, callback_url, return_url,
		created_at FROM simgw_sessions WHERE `+col+` = ?`, key)
	return &s, err
}

const simChargeCols = `ch.id, ch.token, s.payment_id, ch.gateway_reference, ch.event_id, ch.status, ch.amount_piasters,
	ch.charged_at, ch.charged_on, ch.callback_due_at, ch.callback_sent_at, s.callback_url, ch.attempts, ch.last_error`

const simChargeFrom = ` FROM simgw_charges ch JOIN simgw_sessions s ON s.token = ch.token`

// SimCharge records a charge of a session, its callback due at due, and enqueues the
// callback's delivery at that time.
func (tx *Tx) SimCharge(c SimCharge) error {
	if _, err := tx.Exec(`INSERT INTO simgw_charges (id, token, gateway_reference, event_id, status, amount_piasters,
		charged_at, charged_on, callback_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Token, c.GatewayReference,
		c.EventID, c.Status, c.AmountPiasters, tx.Now, tx.Today(), c.CallbackDueAt.UTC()); err != nil {
		return err
	}
	return tx.EnqueueJob(JobSimCallback, "simgw_callback:"+c.ID, c.CallbackDueAt, []byte(c.ID))
}

// SimChargeByID returns one charge with its session's callback URL.
func (tx *Tx) SimChargeByID(id string) (*SimCharge, error) {
	var c SimCharge
	err := tx.Get(&c, `SELECT `+simChargeCols+simChargeFrom+` WHERE ch.id = ?`, id)
	return &c, err
}

// SimCharges lists the charges of a session (token), or with undelivered callbacks when
// token is "", oldest first.
func (tx *Tx) SimCharges(token string) ([]SimCharge, error) {
	out := []SimCharge{}
	cond := `ch.callback_sent_at IS NULL`
	args := []any{}
	if token != "" {
		cond, args = `ch.token = ?`, []any{token}
	}
	err := tx.Select(&out, `SELECT `+simChargeCols+simChargeFrom+` WHERE `+cond+` ORDER BY ch.charged_at, ch.id LIMIT 200`, args...)
	return out, err
}

// SimCallbackSent records a delivery attempt of a charge's callback: sent when errMsg is
// "", else the error kept for the console.
func (tx *Tx) SimCallbackSent(id, errMsg string) error {
	if errMsg == "" {
		_, err := tx.Exec(`UPDATE simgw_charges SET callback_sent_at = ?, attempts = attempts + 1, last_error = ''
			WHERE id = ?`, tx.Now, id)
		return err
	}
	_, err := tx.Exec(`UPDATE simgw_charges SET attempts = attempts + 1, last_error = ? WHERE id = ?`,
		clip(errMsg, maxJobError), id)
	return err
}

// SimStatement is the simulated gateway's statement of day: every paid charge.
func (tx *Tx) SimStatement(day markaz.Date) ([]payment.StatementRow, error) {
	var rows []struct {
		Ref       string    `db:"gateway_reference"`
		PaymentID string    `db:"payment_id"`
		Amount    int64     `db:"amount_piasters"`
		At        time.Time `db:"charged_at"`
	}
	if err := tx.Select(&rows, `SELECT ch.gateway_reference, s.payment_id, ch.amount_piasters, ch.charged_at`+simChargeFrom+
		` WHERE ch.charged_on = ? AND ch.status = 'paid' ORDER BY ch.charged_at, ch.id`, day); err != nil {
		return nil, err
	}
	out := make([]payment.StatementRow, len(rows))
	for i, r := range rows {
		out[i] = payment.StatementRow{GatewayReference: r.Ref, PaymentID: r.PaymentID, AmountPiasters: r.Amount,
			Status: payment.CallbackPaid, SettledAt: r.At}
	}
	return out, nil
}

// SimRefund records a refund once per refund id and returns its reference.
func (tx *Tx) SimRefund(refundID, gatewayRef string, amount int64, reference string) (string, error) {
	if _, err := tx.Exec(`INSERT INTO simgw_refunds (refund_id, gateway_reference, amount_piasters, reference, refunded_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (refund_id) DO NOTHING`, refundID, gatewayRef, amount, reference, tx.Now); err != nil {
		return "", err
	}
	var ref string
	err := tx.Get(&ref, `SELECT reference FROM simgw_refunds WHERE refund_id = ?`, refundID)
	return ref, err
}

// SimChargedFor reports whether the charge's gateway reference exists with at least
// amount piasters paid (refunds of unknown charges are refused).
func (tx *Tx) SimChargedFor(gatewayRef string) (int64, error) {
	var n int64
	err := tx.Get(&n, `SELECT COALESCE(SUM(amount_piasters), 0) FROM simgw_charges WHERE gateway_reference = ?
		AND status = 'paid'`, gatewayRef)
	return n, err
}

// SimSecret returns the simulated gateway's callback secret, kept in the meta table so
// every instance signs and checks with the same one; it is made on first use.
func (tx *Tx) SimSecret(fresh string) (string, error) {
	if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('simgw_secret', ?) ON CONFLICT (key) DO NOTHING`, fresh); err != nil {
		return "", err
	}
	var s string
	err := tx.Get(&s, `SELECT value FROM meta WHERE key = 'simgw_secret'`)
	return s, err
}
