package store

// The transactional outbox: a message to a citizen is a row written in the same
// transaction as the business change it announces, together with the job that delivers
// it, so a message exists if and only if the change committed. The worker (package
// worker) renders and sends it and records the outcome here.

import (
	"context"
	"encoding/json"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"markaz"
	"markaz/i18n"
)

// JobDeliver is the kind of the job that delivers one outbox message; its payload is the
// message id.
const JobDeliver = "notify.deliver"

// Message channels.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
)

// Outbox message statuses: pending until sent or given up.
const (
	MessagePending = "pending"
	MessageSent    = "sent"
	MessageFailed  = "failed"
)

// Notification is a message to queue: the template is an i18n key (e.g.
// "notify.request.submitted") filled from Data in Locale ("ar" when empty) when it is
// sent; Entity and EntityID name the record it is about (e.g. "request", its id).
type Notification struct {
	Channel  string
	To       string
	Template string
	Data     map[string]string
	Locale   string
	Entity   string
	EntityID string
}

// OutboxMessage is a queued message and its delivery state.
type OutboxMessage struct {
	ID        string     `db:"id"`
	Channel   string     `db:"channel"`
	To        string     `db:"recipient"`
	Template  string     `db:"template"`
	DataJSON  string     `db:"data_json"`
	Locale    string     `db:"locale"`
	Entity    string     `db:"entity"`
	EntityID  string     `db:"entity_id"`
	Status    string     `db:"status"`
	Attempts  int        `db:"attempts"`
	LastError string     `db:"last_error"`
	JobID     string     `db:"job_id"`
	CreatedAt time.Time  `db:"created_at"`
	SentAt    *time.Time `db:"sent_at"`
}

// Data decodes the message's template values.
func (m OutboxMessage) Data() map[string]string {
	d := map[string]string{}
	json.Unmarshal([]byte(m.DataJSON), &d)
	return d
}

var phoneRE = regexp.MustCompile(`^\+?[0-9]{8,15}$`)

// Notify queues n and the job that delivers it, in this transaction. Invalid input (an
// unknown channel or template, a malformed recipient) is an EInvalid error.
func (tx *Tx) Notify(n Notification) error {
	_, err := tx.NotifyID(n)
	return err
}

// NotifyID is Notify returning the queued message's id.
func (tx *Tx) NotifyID(n Notification) (string, error) {
	if n.Locale == "" {
		n.Locale = "ar"
	}
	n.To = strings.TrimSpace(n.To)
	var v markaz.Validator
	v.OneOf("channel", n.Channel, ChannelSMS, ChannelEmail)
	v.OneOf("locale", n.Locale, i18n.Langs...)
	if !i18n.Has(n.Template) {
		v.Add("template", "notify_template", nil)
	}
	if v.Required("to", n.To) {
		switch n.Channel {
		case ChannelSMS:
			n.To = markaz.LatinDigits(strings.NewReplacer(" ", "", "-", "").Replace(n.To))
			if !phoneRE.MatchString(n.To) {
				v.Add("to", "sms_recipient", nil)
			}
		case ChannelEmail:
			if a, err := mail.ParseAddress(n.To); err != nil || a.Address != n.To {
				v.Add("to", "email_format", nil)
			}
		}
	}
	for k, val := range n.Data {
		v.MaxLen("data."+k, val, 500)
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	if n.Data == nil {
		n.Data = map[string]string{}
	}
	data, err := json.Marshal(n.Data)
	if err != nil {
		return "", err
	}
	id, jobID := markaz.NewID(), markaz.NewID()
	if _, err := tx.enqueueJob(jobID, JobDeliver, "", tx.Now, []byte(id)); err != nil {
		return "", err
	}
	_, err = tx.Exec(`INSERT INTO outbox (id, channel, recipient, template, data_json, locale, entity, entity_id,
		status, job_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
		id, n.Channel, n.To, n.Template, string(data), n.Locale, n.Entity, n.EntityID, jobID, tx.Now, tx.Now)
	return id, err
}

const outboxCols = `id, channel, recipient, template, data_json, locale, entity, entity_id, status, attempts,
	last_error, job_id, created_at, sent_at`

// OutboxMessage returns one message (ENotFound if there is none).
func (tx *Tx) OutboxMessage(id string) (OutboxMessage, error) {
	var m OutboxMessage
	err := tx.Get(&m, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id)
	return m, err
}

// Messages lists the messages about one record, oldest first (a request's history).
func (db *DB) Messages(ctx context.Context, entity, entityID string) ([]OutboxMessage, error) {
	var ms []OutboxMessage
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.Select(&ms, `SELECT `+outboxCols+` FROM outbox WHERE entity = ? AND entity_id = ?
			ORDER BY created_at, id`, entity, entityID)
	})
	return ms, err
}

// RecordDelivery stores the outcome of one delivery attempt of a pending message: status
// MessageSent, MessageFailed (given up), or MessagePending (will be retried), with the
// attempt count and error text. It returns ErrLeaseLost if the message is no longer
// pending, so a stale worker cannot overwrite another's outcome.
func (tx *Tx) RecordDelivery(id, status string, attempts int, errText string) error {
	var sentAt any
	if status == MessageSent {
		sentAt = tx.Now
	}
	res, err := tx.Exec(`UPDATE outbox SET status = ?, attempts = ?, last_error = ?, sent_at = ?, updated_at = ?
		WHERE id = ? AND status = 'pending'`, status, attempts, clip(errText, maxJobError), sentAt, tx.Now, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = ErrLeaseLost
		}
		return err
	}
	return nil
}
