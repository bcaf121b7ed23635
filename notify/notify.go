// Package notify renders messages to citizens from their i18n templates and sends them
// through a Provider: Log (the default, writes them to the log), HTTPSMS (a generic SMS
// gateway speaking JSON over HTTPS) and SMTP (e-mail). A provider's error is temporary
// (the worker retries with backoff) unless it is wrapped by Permanent.
package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf16"

	"markaz"
	"markaz/i18n"
)

// Channels a message goes out on (the same words as store.ChannelSMS and ChannelEmail).
const (
	SMS   = "sms"
	Email = "email"
)

// One SMS segment: 70 UTF-16 units when the text needs UCS-2 (Arabic), 160 in GSM-7.
const (
	SegmentUCS2 = 70
	SegmentGSM  = 160
)

// Message is a rendered message ready to send.
type Message struct {
	ID      string // the outbox id, so a gateway can deduplicate
	Channel string // SMS or Email
	To      string // a mobile number or an e-mail address
	Subject string // e-mail only
	Text    string
}

// Provider sends messages.
type Provider interface {
	Send(ctx context.Context, m Message) error
}

// PermanentError is a failure retrying cannot fix (a rejected number, a refused address).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// WithLinks returns data with the links its message carries made absolute on base (the
// public URL of Markaz, no trailing slash): "rate" (a rating token) gives "rate_url",
// base/rate/{token}. Messages hold tokens rather than links so that the sender, which
// knows where Markaz is reached, makes the link.
func WithLinks(data map[string]string, base string) map[string]string {
	if tok := data["rate"]; tok != "" {
		out := make(map[string]string, len(data)+1)
		for k, v := range data {
			out[k] = v
		}
		out["rate_url"] = strings.TrimSuffix(base, "/") + "/rate/" + tok
		return out
	}
	return data
}

// shortenable are the free-text values Render may shorten so an SMS fits one segment.
var shortenable = []string{"center", "missing", "step"}

// Render fills the template key in lang from data. The "status" value is shown in words
// (key notify.status.<status>) and a missing "missing" value as a generic phrase. An SMS
// is fitted into one segment by shortening the free-text values (center, missing) with an
// ellipsis; the tracking number and dates are never cut. E-mail gets the subject
// notify.email.subject. A template with a placeholder left unfilled is a permanent error.
func Render(channel, key, lang string, data map[string]string) (subject, text string, err error) {
	if !i18n.Has(key) {
		return "", "", Permanent(fmt.Errorf("notify: unknown template %q", key))
	}
	args := map[string]any{}
	vals := map[string]string{}
	for k, v := range data {
		vals[k] = v
	}
	if s := vals["status"]; s != "" && i18n.Has("notify.status."+s) {
		vals["status"] = i18n.T(lang, "notify.status."+s, nil)
	}
	if vals["missing"] == "" {
		vals["missing"] = i18n.T(lang, "notify.missing.default", nil)
	}
	fill := func() string {
		for k, v := range vals {
			args[k] = v
		}
		return i18n.T(lang, key, args)
	}
	text = fill()
	if channel == SMS {
		ellipsis := "…" // keeps GSM-7 text in GSM-7, where "…" would force UCS-2
		if SegmentLimit(text) == SegmentGSM {
			ellipsis = "..."
		}
		for excess := SMSLength(text) - SegmentLimit(text); excess > 0; excess = SMSLength(text) - SegmentLimit(text) {
			k := longest(vals, text)
			if k == "" {
				break
			}
			r := []rune(vals[k])
			keep := len(r) - excess - len(ellipsis)
			if keep < 1 {
				keep = 1
			}
			vals[k] = strings.TrimSpace(string(r[:keep])) + ellipsis
			if len([]rune(vals[k])) >= len(r) {
				break
			}
			text = fill()
		}
	}
	if i := strings.IndexByte(text, '{'); i >= 0 && strings.IndexByte(text[i:], '}') > 0 {
		return "", "", Permanent(fmt.Errorf("notify: template %s lacks a value: %s", key, text))
	}
	if channel == Email {
		// A template may name its own subject (key + ".subject"); citizens' messages share one.
		subj := "notify.email.subject"
		if i18n.Has(key + ".subject") {
			subj = key + ".subject"
		}
		subject = i18n.T(lang, subj, args)
	}
	return subject, text, nil
}

// longest returns the longest shortenable value that appears in text and can lose a rune.
func longest(vals map[string]string, text string) string {
	best, n := "", 1
	for _, k := range shortenable {
		if l := len([]rune(vals[k])); l > n && strings.Contains(text, vals[k]) {
			best, n = k, l
		}
	}
	return best
}

// SMSLength is the length of s in the units an SMS segment is counted in (UTF-16 units).
func SMSLength(s string) int { return len(utf16.Encode([]rune(s))) }

// SegmentLimit is the one-segment limit for s: 160 for plain ASCII text, else 70.
func SegmentLimit(s string) int {
	for _, r := range s {
		if r > 0x7e || (r < 0x20 && r != '\n') {
			return SegmentUCS2
		}
	}
	return SegmentGSM
}

// Router sends each message through the provider of its channel.
type Router struct {
	SMS   Provider
	Email Provider
}

// Send routes m by its channel; a channel with no provider is a permanent error.
func (r Router) Send(ctx context.Context, m Message) error {
	var p Provider
	switch m.Channel {
	case SMS:
		p = r.SMS
	case Email:
		p = r.Email
	}
	if p == nil {
		return Permanent(fmt.Errorf("notify: no provider for channel %q", m.Channel))
	}
	return p.Send(ctx, m)
}

// Log is the default provider: it writes each message to the log and reports it sent.
// The recipient is masked but for its last four characters.
type Log struct{ Logger *slog.Logger }

// Send logs m.
func (l Log) Send(ctx context.Context, m Message) error {
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "notification (log provider)", "message_id", m.ID, "channel", m.Channel,
		"to", mask(m.To), "subject", m.Subject, "text", m.Text)
	return nil
}

func mask(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

// HTTPSMS posts {"to","text"} as JSON to URL with "Authorization: Bearer Token". A 2xx
// answer is sent; 408, 429, 5xx and network errors or timeouts are temporary; any other
// 4xx is permanent (the gateway refused this message).
type HTTPSMS struct {
	URL    string
	Token  string
	Client *http.Client // nil: a client with a 15-second timeout
}

var defaultClient = &http.Client{Timeout: 15 * time.Second}

// Send posts m to the gateway.
func (p HTTPSMS) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(map[string]string{"to": m.To, "text": m.Text})
	if err != nil {
		return Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	if m.ID != "" {
		req.Header.Set("Idempotency-Key", m.ID)
	}
	c := p.Client
	if c == nil {
		c = defaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		return Permanent(fmt.Errorf("sms gateway: %s: %s", resp.Status, strings.TrimSpace(string(snippet))))
	default:
		return fmt.Errorf("sms gateway: %s: %s", resp.Status, strings.TrimSpace(string(snippet)))
	}
}

// SMTP sends e-mail through the server at Addr (host:port) from From, upgrading to TLS
// with STARTTLS when the server offers it. Username/Password, when set, authenticate
// with PLAIN (only over TLS, or to localhost). A 5xx reply is permanent; 4xx replies,
// network errors and timeouts are temporary.
type SMTP struct {
	Addr     string
	From     string
	Username string
	Password string
	Timeout  time.Duration // per message; 0 means 30 seconds
	TLS      *tls.Config   // nil: verify the server's certificate against its host name
	Clock    markaz.Clock  // dates the Date header; nil: the system clock
}

// Send delivers m as a UTF-8 plain-text e-mail.
func (p SMTP) Send(ctx context.Context, m Message) error {
	if strings.ContainsAny(m.To+p.From, "\r\n") {
		return Permanent(errors.New("smtp: line break in an address"))
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(p.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return smtpErr(err)
	}
	defer c.Close()
	if err := c.Hello("markaz"); err != nil {
		return smtpErr(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := p.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return smtpErr(err)
		}
	}
	if p.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", p.Username, p.Password, host)); err != nil {
			return smtpErr(err)
		}
	}
	if err := c.Mail(p.From); err != nil {
		return smtpErr(err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return smtpErr(err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr(err)
	}
	if _, err := w.Write(p.compose(m)); err != nil {
		return smtpErr(err)
	}
	if err := w.Close(); err != nil {
		return smtpErr(err)
	}
	return smtpErr(c.Quit())
}

// compose builds the message: headers with an RFC 2047 encoded subject, and the UTF-8
// body in base64 lines of 76 characters.
func (p SMTP) compose(m Message) []byte {
	clock := p.Clock
	if clock == nil {
		clock = markaz.SystemClock{}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", p.From, m.To,
		mime.BEncoding.Encode("UTF-8", m.Subject), clock.Now().UTC().Format(time.RFC1123Z))
	if m.ID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s@markaz>\r\n", m.ID)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Text))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// smtpErr marks 5xx replies permanent.
func smtpErr(err error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	return fmt.Errorf("smtp: %w", err)
}
