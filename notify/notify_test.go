package notify_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"testing"
	"time"

	"markaz/notify"
)

func TestHTTPSMS(t *testing.T) {
	var got struct{ To, Text, Auth, Key string }
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || r.Method != http.MethodPost {
			t.Errorf("bad request: %v %s", err, r.Method)
		}
		got.To, got.Text, got.Auth, got.Key = body["to"], body["text"], r.Header.Get("Authorization"), r.Header.Get("Idempotency-Key")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":"detail"}`)
	}))
	defer srv.Close()
	p := notify.HTTPSMS{URL: srv.URL, Token: "s3cret"}
	m := notify.Message{ID: "m1", Channel: notify.SMS, To: "01012345678", Text: "طلبك 1301-0004-2175 جاهز."}
	if err := p.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got.To != m.To || got.Text != m.Text || got.Auth != "Bearer s3cret" || got.Key != "m1" {
		t.Errorf("gateway got %+v", got)
	}
	for code, permanent := range map[int]bool{400: true, 401: true, 422: true, 429: false, 500: false, 503: false} {
		status = code
		err := p.Send(context.Background(), m)
		if err == nil || notify.IsPermanent(err) != permanent {
			t.Errorf("HTTP %d: %v, want permanent=%v", code, err, permanent)
		}
	}
	// A gateway that does not answer in time is a temporary failure.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer slow.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := notify.HTTPSMS{URL: slow.URL}.Send(ctx, m)
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("timeout: %v, want a temporary error", err)
	}
	// Nobody listening: temporary.
	if err := (notify.HTTPSMS{URL: "http://127.0.0.1:1"}).Send(context.Background(), m); err == nil || notify.IsPermanent(err) {
		t.Errorf("refused: %v", err)
	}
}

// smtpServer is a minimal SMTP server for one test: it answers HELO/EHLO, MAIL, RCPT,
// DATA and QUIT, refuses recipients at refused.example with 550, and hands each message
// it accepted to got.
func smtpServer(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTP(c, ch)
		}
	}()
	return ln.Addr().String(), ch
}

func serveSMTP(c net.Conn, got chan<- string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { io.WriteString(c, s+"\r\n") }
	say("220 test ESMTP")
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-test greets you")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL FROM:"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			if strings.Contains(cmd, "REFUSED.EXAMPLE") {
				say("550 no such user")
			} else {
				say("250 ok")
			}
		case cmd == "DATA":
			say("354 end with .")
			data.Reset()
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			got <- data.String()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func TestSMTP(t *testing.T) {
	addr, got := smtpServer(t)
	p := notify.SMTP{Addr: addr, From: "noreply@markaz.example"}
	subject, text, err := notify.Render(notify.Email, "notify.request.ready", "ar",
		map[string]string{"tracking": "1301-0004-2175", "center": "المركز التكنولوجي - مدينة نصر أول"})
	if err != nil {
		t.Fatal(err)
	}
	m := notify.Message{ID: "m1", Channel: notify.Email, To: "citizen@example.com", Subject: subject, Text: text}
	if err := p.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	raw := <-got
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != subject || !strings.Contains(subj, "طلبك رقم 1301-0004-2175") {
		t.Errorf("subject %q (%v), want %q", subj, err, subject)
	}
	if msg.Header.Get("To") != m.To || !strings.Contains(msg.Header.Get("Content-Type"), "charset=UTF-8") {
		t.Errorf("headers %v", msg.Header)
	}
	b, _ := io.ReadAll(msg.Body)
	body, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
	if err != nil || string(body) != text || !strings.Contains(text, "جاهز للتسليم في المركز التكنولوجي - مدينة نصر أول") {
		t.Errorf("body %q (%v), want %q", body, err, text)
	}
	// A refused recipient is permanent; no server is temporary.
	m.To = "nobody@refused.example"
	if err := p.Send(context.Background(), m); !notify.IsPermanent(err) {
		t.Errorf("550: %v, want permanent", err)
	}
	if err := (notify.SMTP{Addr: "127.0.0.1:1", From: p.From}).Send(context.Background(), m); err == nil || notify.IsPermanent(err) {
		t.Errorf("refused connection: %v, want temporary", err)
	}
	m.To = "a@b.example\r\nBcc: x@y.example"
	if err := p.Send(context.Background(), m); !notify.IsPermanent(err) {
		t.Errorf("header injection: %v", err)
	}
}

// Every SMS template, rendered with realistic (and long) values, fits one segment: 70
// characters in Arabic, 160 in English.
func TestSMSTemplatesFitOneSegment(t *testing.T) {
	keys := []string{"notify.request.submitted", "notify.request.returned", "notify.request.decided", "notify.request.ready",
		"notify.escalated.step", "notify.escalated.statutory"}
	datas := []map[string]string{
		{"tracking": "1301-0004-2175", "due": "2026-04-02", "status": "approved", "center": "المركز التكنولوجي - مدينة نصر أول", "missing": "صورة البطاقة", "step": "review"},
		{"tracking": "2701-1234-5670", "due": "2026-12-31", "status": "approved", "center": "مركز", "step": "engineering_committee_inspection"},
		{"tracking": "2701-1234-5670", "due": "2026-12-31", "status": "deemed_approved",
			"center":  "المركز التكنولوجي المتنقل 12 - محافظة جنوب سيناء ومدينة شرم الشيخ",
			"missing": "صورة بطاقة الرقم القومي وعقد الإيجار المسجل وشهادة من الحي وإيصال المرافق", "step": "intake"},
		{"tracking": "2701-1234-5670", "due": "2026-12-31", "status": "rejected", "center": "Technology center of the Eastern district of Nasr City, Cairo", "missing": strings.Repeat("document ", 30), "step": "ready"},
		{"tracking": "1301-0004-2175", "due": "2026-04-02", "status": "approved", "center": "مركز قنا", "step": "decision"},
	}
	for _, lang := range []string{"ar", "en"} {
		for _, k := range keys {
			for _, d := range datas {
				_, text, err := notify.Render(notify.SMS, k, lang, d)
				if err != nil {
					t.Fatalf("%s %s: %v", lang, k, err)
				}
				limit := notify.SegmentGSM
				if lang == "ar" {
					limit = notify.SegmentUCS2
				}
				if n := notify.SMSLength(text); n > limit || n > notify.SegmentLimit(text) {
					t.Errorf("%s %s: %d characters > %d: %s", lang, k, n, limit, text)
				}
				if !strings.Contains(text, d["tracking"]) || strings.Contains(text, "{") {
					t.Errorf("%s %s: %q lost the tracking number or kept a placeholder", lang, k, text)
				}
				if k == "notify.request.submitted" && !strings.Contains(text, d["due"]) {
					t.Errorf("%s: no due date: %s", lang, text)
				}
			}
		}
	}
	_, text, _ := notify.Render(notify.SMS, "notify.request.decided", "ar", map[string]string{"tracking": "1", "status": "rejected"})
	if !strings.Contains(text, "مرفوض") {
		t.Errorf("status not in words: %s", text)
	}
	_, text, _ = notify.Render(notify.SMS, "notify.request.returned", "ar", map[string]string{"tracking": "1"})
	if !strings.Contains(text, "ينقصه: مستندات") {
		t.Errorf("no default for what is missing: %s", text)
	}
	if _, _, err := notify.Render(notify.SMS, "notify.request.decided", "ar", map[string]string{"tracking": "1"}); !notify.IsPermanent(err) {
		t.Errorf("a template without its value: %v, want a permanent error", err)
	}
	if _, _, err := notify.Render(notify.SMS, "notify.nope", "ar", nil); !notify.IsPermanent(err) {
		t.Errorf("unknown template: %v", err)
	}
}

func TestRouter(t *testing.T) {
	var sent []string
	rec := providerFunc(func(_ context.Context, m notify.Message) error { sent = append(sent, m.Channel); return nil })
	r := notify.Router{SMS: rec}
	if err := r.Send(context.Background(), notify.Message{Channel: notify.SMS}); err != nil || len(sent) != 1 {
		t.Fatal(err, sent)
	}
	err := r.Send(context.Background(), notify.Message{Channel: notify.Email})
	if !notify.IsPermanent(err) || errors.Unwrap(err) == nil {
		t.Errorf("no e-mail provider: %v", err)
	}
}

type providerFunc func(context.Context, notify.Message) error

func (f providerFunc) Send(ctx context.Context, m notify.Message) error { return f(ctx, m) }

// The delivery message carries the rating link whole, made on the sender's base URL:
// never shortened, whatever its length; without a token there is no link to make.
func TestDeliveredMessageCarriesTheRatingLink(t *testing.T) {
	tok := "AZLuNw4reLqBk1vXyJ0c3Q7wZ2Q9mQ1pVdEx"
	for _, lang := range []string{"ar", "en"} {
		for _, base := range []string{"https://markaz.example.eg", "https://markaz.example.eg/", "http://127.0.0.1:8080"} {
			data := notify.WithLinks(map[string]string{"tracking": "1301-0004-2175", "rate": tok}, base)
			_, text, err := notify.Render(notify.SMS, "notify.request.delivered", lang, data)
			want := strings.TrimSuffix(base, "/") + "/rate/" + tok
			if err != nil || !strings.Contains(text, want) || !strings.Contains(text, "1301-0004-2175") {
				t.Errorf("%s %s: %q %v, want the link %s", lang, base, text, err, want)
			}
		}
	}
	plain := map[string]string{"tracking": "1"}
	if got := notify.WithLinks(plain, "https://x.eg"); len(got) != 1 {
		t.Errorf("a message without a token got links: %v", got)
	}
	if _, _, err := notify.Render(notify.SMS, "notify.request.delivered", "ar", plain); !notify.IsPermanent(err) {
		t.Errorf("a delivery message without its link: %v", err)
	}
}
