package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/auth"
	"markaz/gateway"
	"markaz/i18n"
	"markaz/nationalid"
	"markaz/payment"
	"markaz/pdf"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/worker"
)

const paySecret = "test-gateway-secret-0123456789"

// payEnvT is a test server with the simulated gateway, receipts in PDF when a browser is
// configured, and its log kept for inspection.
type payEnvT struct {
	*env
	gws  *gateway.Set
	logs *syncBuffer
	w    payStaff
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// payStaff is a Sharqia center with its staff, a Cairo clerk, a finance officer and a
// citizen with an account, as API tokens.
type payStaff struct {
	center                                   *markaz.Center
	clerk, back, mgr, fin, cairo, cit, other string
	citizenMobile                            string
}

func payEach(t *testing.T, fn func(t *testing.T, e *payEnvT)) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		logs := &syncBuffer{}
		gws, err := gateway.Open(context.Background(), db, gateway.Config{Simulated: true, Secret: paySecret})
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{LoginRatePerMinute: 100000, Gateways: gws}
		if path := os.Getenv("MARKAZ_TEST_BROWSER"); path != "" {
			cfg.PDF = pdf.New(path)
			t.Cleanup(cfg.PDF.Close)
		}
		s, err := NewServer(db, slog.New(slog.NewJSONHandler(logs, nil)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.SetReady()
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		gws.Sim.Base = srv.URL
		e := &payEnvT{env: &env{t: t, db: db, clock: clock, srv: srv}, gws: gws, logs: logs}
		e.w = e.staff()
		fn(t, e)
	})
}

func (e *payEnvT) staff() payStaff {
	w := payStaff{center: usersCenter(e.env, "SH-PAY-01", "13-001"), citizenMobile: "01001234567"}
	cairo := usersCenter(e.env, "CA-PAY-01", "01-001")
	e.user("pclerk", at(markaz.RoleClerk, markaz.LevelCenter, w.center.ID))
	e.user("pback", at(markaz.RoleBackOffice, markaz.LevelUnit, "13-001"))
	e.user("pmgr", at(markaz.RoleCenterManager, markaz.LevelCenter, w.center.ID))
	e.user("pfin", at(markaz.RoleFinance, markaz.LevelNation, ""))
	e.user("pcairo", at(markaz.RoleClerk, markaz.LevelCenter, cairo.ID))
	e.citizen("pcit", w.citizenMobile)
	e.citizen("pother", "01111111111")
	w.clerk, w.back, w.mgr, w.fin, w.cairo = e.token("pclerk"), e.token("pback"), e.token("pmgr"), e.token("pfin"), e.token("pcairo")
	w.cit, w.other = e.token("pcit"), e.token("pother")
	return w
}

// citizen makes a verified citizen account holding a mobile number (and payNID's national ID).
func (e *payEnvT) citizen(username, mobile string) {
	e.t.Helper()
	u := &markaz.User{Username: username, FullName: "Citizen " + username, Mobile: mobile, PasswordHash: auth.Hash(testPassword, cheap)}
	if err := u.Validate(); err != nil {
		e.t.Fatal(err)
	}
	u.Assignments = []markaz.Assignment{{Role: markaz.RoleCitizen, Level: markaz.LevelNation, StartsOn: markaz.Date{Y: 2020, M: 1, D: 1}}}
	if err := e.db.Write(context.Background(), func(tx *store.Tx) error {
		if err := tx.InsertUser(store.Actor{}, u); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE users SET national_id = ? WHERE id = ?`, payNID(mobile), u.ID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
}

// payNID is the national ID of the test citizen holding mobile: a citizen owns the
// requests with their national ID and mobile, so requests made for a mobile carry it.
func payNID(mobile string) string {
	first := "2900101130" + mobile[len(mobile)-3:]
	c, _ := nationalid.CheckDigit(first)
	return first + string(c)
}

// awaiting registers a request for mobile and takes it to awaiting payment.
func (e *payEnvT) awaiting(mobile string) (number string, due int64) {
	e.t.Helper()
	st, b := e.call("POST", "/api/v1/requests", e.w.clerk, map[string]any{"service_code": "SHOP-LIC", "channel": "counter",
		"applicant": map[string]any{"national_id": payNID(mobile), "name": "مواطن", "mobile": mobile}})
	if st != 201 {
		e.t.Fatalf("register: %d %v", st, b["_raw"])
	}
	number = b["tracking_number"].(string)
	for _, a := range []struct{ tok, action string }{{e.w.clerk, "forward"}, {e.w.back, "request_payment"}} {
		if st, b := e.call("POST", "/api/v1/requests/"+number+"/actions", a.tok, map[string]any{"action": a.action}); st != 200 {
			e.t.Fatalf("%s: %d %v", a.action, st, b["_raw"])
		}
	}
	_, b = e.call("GET", "/api/v1/requests/"+number, e.w.clerk, nil)
	if b["status"] != "awaiting_payment" || b["fees_due_piasters"].(float64) <= 0 || b["fees_paid_piasters"].(float64) != 0 {
		e.t.Fatalf("request JSON: %v", b["_raw"])
	}
	return number, int64(b["fees_due_piasters"].(float64))
}

// pay starts a payment through the API with an Idempotency-Key.
func (e *payEnvT) pay(token, number, method, key string) (int, map[string]any) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"method": method})
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/requests/"+number+"/payments", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return e.send(req)
}

// callback posts a signed (with secret) callback body to the simulated gateway's URL.
func (e *payEnvT) callback(body []byte, secret string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/payments/callback/simulated", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature", payment.Sign([]byte(secret), body))
	return e.send(req)
}

// simCharge makes the simulated gateway charge amount on the checkout of token (whatever
// it asked for) and deliver the callback; it returns the delivery error, "" when delivered.
func (e *payEnvT) simCharge(token string, amount int64) string {
	e.t.Helper()
	charge := store.SimCharge{ID: markaz.NewID(), Token: token, GatewayReference: "SIM-X" + token[:8],
		EventID: "evt-x" + token[:8], Status: "paid", AmountPiasters: amount, CallbackDueAt: e.clock.Now()}
	if err := e.db.Write(context.Background(), func(tx *store.Tx) error { return tx.SimCharge(charge) }); err != nil {
		e.t.Fatal(err)
	}
	if err := e.gws.Sim.Deliver(context.Background(), charge.ID, false, ""); err != nil {
		return err.Error()
	}
	return ""
}

func (e *payEnvT) request(number string) map[string]any {
	e.t.Helper()
	st, b := e.call("GET", "/api/v1/requests/"+number, e.w.clerk, nil)
	if st != 200 {
		e.t.Fatalf("request: %d", st)
	}
	return b
}

// pdfText reads a PDF back with pdftotext.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(path, b, 0o600)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// The whole path a citizen takes: start → the simulated gateway's page → pay → the
// signed callback → booked once → the request moves on → a receipt anyone can check,
// printable to PDF.
func TestPaymentThroughTheSimulatedGateway(t *testing.T) {
	payEach(t, func(t *testing.T, e *payEnvT) {
		number, due := e.awaiting(e.w.citizenMobile)
		// Another citizen cannot see or pay it; a Cairo clerk may not either.
		if st, _ := e.pay(e.w.other, number, "gateway", "k0"); st != 404 {
			t.Errorf("a stranger starts a payment: %d", st)
		}
		if st, _ := e.pay(e.w.cairo, number, "gateway", "k0"); st != 403 {
			t.Errorf("a Cairo clerk starts a payment: %d", st)
		}
		if st, b := e.pay(e.w.cit, number, "cash", "k0"); st != 422 || !strings.Contains(b["_raw"].(string), "cash_at_counter") {
			t.Errorf("a citizen pays cash online: %d %v", st, b["_raw"])
		}
		mine := e.browser()
		e.uiLogin(mine, "pcit")
		if st, html := e.page(mine, "/payments"); st != 200 || !strings.Contains(html, "/requests/"+number+"/payments") {
			t.Fatalf("the citizen's fees to pay: %d", st)
		}
		if st, html := e.page(e.browser(), "/payments"); st != 303 && !strings.Contains(html, "login") {
			t.Errorf("anonymous fees page: %d", st)
		}
		st, b := e.pay(e.w.cit, number, "gateway", "first-click")
		if st != 201 || b["payment_id"] == "" || int64(b["amount_piasters"].(float64)) != due || b["status"] != "pending" {
			t.Fatalf("start: %d %v", st, b["_raw"])
		}
		id, redirect := b["payment_id"].(string), b["redirect_url"].(string)
		if !strings.HasPrefix(redirect, e.srv.URL+"/simgw/pay/") {
			t.Fatalf("redirect: %q", redirect)
		}
		// The second click with the same key is the same payment.
		st, again := e.pay(e.w.cit, number, "gateway", "first-click")
		if st != 200 || again["payment_id"] != id || again["redirect_url"] != redirect {
			t.Fatalf("second click: %d %v", st, again["_raw"])
		}
		// The citizen's browser: the gateway's page, "Pay", back to Markaz.
		c := e.browser()
		if st, html := e.page(c, strings.TrimPrefix(redirect, e.srv.URL)); st != 200 || !strings.Contains(html, `id="sim-pay"`) {
			t.Fatalf("checkout page: %d", st)
		}
		token := strings.TrimPrefix(redirect, e.srv.URL+"/simgw/pay/")
		resp := e.form(c, "/simgw/pay/"+token, url.Values{"choice": {"pay"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != e.srv.URL+"/payments/"+id {
			t.Fatalf("after paying: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		r := e.request(number)
		if r["status"] != "in_review" || int64(r["fees_paid_piasters"].(float64)) != due || r["payment_method"] != "gateway" {
			t.Fatalf("request after paying: %v", r["_raw"])
		}
		_, p := e.call("GET", "/api/v1/payments/"+id, e.w.cit, nil)
		receipt, _ := p["receipt_number"].(string)
		if p["status"] != "paid" || receipt == "" {
			t.Fatalf("payment: %v", p["_raw"])
		}
		// The citizen's page shows the receipt; its QR code carries the public check.
		cc := e.browser()
		e.uiLogin(cc, "pcit")
		if st, html := e.page(cc, "/payments"); st != 200 || !strings.Contains(html, `id="no-fees"`) {
			t.Errorf("the citizen's fees once paid: %d", st)
		}
		if st, html := e.page(cc, "/payments/"+id); st != 200 || !strings.Contains(html, `id="receipt-link"`) {
			t.Fatalf("the citizen's payment page: %d", st)
		}
		st, html := e.page(cc, "/receipts/"+receipt)
		if st != 200 || !strings.Contains(html, "/verify?n="+receipt) || !strings.Contains(html, "<svg") {
			t.Fatalf("receipt page: %d", st)
		}
		// The public check shows number, amount, date, center and void status, nothing more.
		st, v := e.call("GET", "/api/v1/receipts/"+receipt+"/verify", "", nil)
		if st != 200 || keysOf(v) != "amount_piasters,center_name_ar,center_name_en,issued_on,number,void" ||
			v["number"] != receipt || int64(v["amount_piasters"].(float64)) != due || v["void"] != false {
			t.Fatalf("verify: %d %v", st, v["_raw"])
		}
		anon := e.browser()
		st, html = e.page(anon, "/verify?n="+url.QueryEscape(receipt))
		if st != 200 || !strings.Contains(html, `id="verify-result"`) || strings.Contains(html, "مواطن") ||
			strings.Contains(html, number) {
			t.Fatalf("public verify page: %d (shows a name or the request: %v)", st, strings.Contains(html, number))
		}
		if st, html := e.page(anon, "/verify?n=1301-2025-999999-0"); st != 200 || strings.Contains(html, `id="verify-result"`) {
			t.Errorf("verify of an unknown number: %d", st)
		}
		// Anonymous users and strangers cannot open the receipt itself.
		if st, _ := e.call("GET", "/api/v1/receipts/"+receipt, e.w.other, nil); st != 404 {
			t.Errorf("a stranger reads the receipt: %d", st)
		}
		if e.env.db == nil || os.Getenv("MARKAZ_TEST_BROWSER") == "" {
			t.Log("receipt PDF not checked: set MARKAZ_TEST_BROWSER")
			return
		}
		resp, err := cc.Get(e.srv.URL + "/receipts/" + receipt + "/pdf")
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("PDF: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), b2)
		}
		// pdftotext writes a left-to-right number inside Arabic text with its groups in
		// visual order; either order is the number.
		text := strings.ReplaceAll(markaz.LatinDigits(pdfText(t, b2)), "٫", ".")
		groups := strings.Split(receipt, "-")
		slices.Reverse(groups)
		if !strings.Contains(text, "إيصال سداد") || !strings.Contains(text, receipt) && !strings.Contains(text, strings.Join(groups, "-")) ||
			!strings.Contains(text, payment.Pounds(due)) {
			t.Fatalf("Arabic PDF text lacks the number %s or the amount %s: %q", receipt, payment.Pounds(due), text)
		}
		e.form(cc, "/settings", url.Values{"locale": {"en"}, "digits": {"latn"}})
		resp, _ = cc.Get(e.srv.URL + "/receipts/" + receipt + "/pdf")
		b3, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if text := pdfText(t, b3); !strings.Contains(text, receipt) || !strings.Contains(text, payment.Pounds(due)+" EGP") ||
			!strings.Contains(text, "Payment receipt") {
			t.Fatalf("English PDF: %q", text)
		}
	})
}

func TestPaymentCallbacksAreVerified(t *testing.T) {
	payEach(t, func(t *testing.T, e *payEnvT) {
		number, due := e.awaiting("01001234567")
		_, b := e.pay(e.w.clerk, number, "gateway", "")
		id := b["payment_id"].(string)
		cb := func(event string, ts time.Time, amount int64) []byte {
			c := payment.Callback{EventID: event, PaymentID: id, AmountPiasters: amount, Status: "paid",
				GatewayReference: "GW-" + event, Timestamp: ts}
			return c.Encode()
		}
		now := e.clock.Now()
		if st, _ := e.callback(cb("e1", now, due), "wrong-secret"); st != 401 {
			t.Errorf("bad signature: %d", st)
		}
		if st, _ := e.callback(cb("e1", now.Add(-11*time.Minute), due), paySecret); st != 401 {
			t.Errorf("stale timestamp: %d", st)
		}
		if st, _ := e.callback([]byte(`{"event_id":"e1"}`), paySecret); st != 422 {
			t.Errorf("malformed: %d", st)
		}
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/payments/callback/generic", bytes.NewReader(cb("e1", now, due)))
		if st, _ := e.send(req); st != 404 {
			t.Errorf("a gateway not configured: %d", st)
		}
		if r := e.request(number); r["status"] != "awaiting_payment" || r["fees_paid_piasters"].(float64) != 0 {
			t.Fatalf("refused callbacks booked something: %v", r["_raw"])
		}
		logs := e.logs.String()
		if strings.Count(logs, "payment callback refused") != 3 || strings.Contains(logs, paySecret) ||
			strings.Contains(logs, payment.Sign([]byte("wrong-secret"), cb("e1", now, due))) {
			t.Errorf("refusals are not logged as they should be:\n%s", logs)
		}
		// A good one books; the same event again answers 200 and books nothing.
		st, out := e.callback(cb("e1", now.Add(-9*time.Minute), due), paySecret)
		if st != 200 || out["outcome"] != "booked" {
			t.Fatalf("good callback: %d %v", st, out["_raw"])
		}
		if st, out := e.callback(cb("e1", now, due), paySecret); st != 200 || out["outcome"] != "duplicate" {
			t.Errorf("the same event again: %d %v", st, out["_raw"])
		}
		if r := e.request(number); int64(r["fees_paid_piasters"].(float64)) != due || r["status"] != "in_review" {
			t.Errorf("after callbacks: %v", r["_raw"])
		}
		// An amount that is not what is due is held, not booked.
		number2, due2 := e.awaiting("01001234568")
		_, b = e.pay(e.w.clerk, number2, "gateway", "")
		id = b["payment_id"].(string)
		if out := e.simCharge(strings.TrimPrefix(b["redirect_url"].(string), e.srv.URL+"/simgw/pay/"), due2+500); out != "" {
			t.Fatalf("over-payment: %s", out)
		}
		_, held := e.call("GET", "/api/v1/payments/"+id, e.w.clerk, nil)
		if held["status"] != "held_for_review" || held["hold_reason"] != "amount_mismatch" {
			t.Fatalf("over-payment: %v", held["_raw"])
		}
		if r := e.request(number2); r["fees_paid_piasters"].(float64) != 0 || r["status"] != "awaiting_payment" {
			t.Errorf("a held payment was booked: %v", r["_raw"])
		}
		_, list := e.call("GET", "/api/v1/payments?status=held_for_review", e.w.fin, nil)
		if items, _ := list["items"].([]any); len(items) != 1 {
			t.Fatalf("held list: %v", list["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/payments/"+id+"/resolve", e.w.clerk, map[string]any{"action": "book", "note": "x"}); st != 403 {
			t.Errorf("a clerk resolves: %d", st)
		}
		st, res := e.call("POST", "/api/v1/payments/"+id+"/resolve", e.w.fin, map[string]any{"action": "book", "note": "overpaid by the citizen; refund the rest"})
		if st != 200 || res["status"] != "paid" {
			t.Fatalf("resolve: %d %v", st, res["_raw"])
		}
		if r := e.request(number2); int64(r["fees_paid_piasters"].(float64)) != due2+500 || r["status"] != "in_review" {
			t.Errorf("after booking an over-payment: %v", r["_raw"])
		}
		// The 5 pounds too many go back: asked by the clerk, approved by finance, sent
		// through the gateway by the worker.
		st, ref := e.call("POST", "/api/v1/payments/"+id+"/refunds", e.w.clerk, map[string]any{"amount_piasters": 500, "method": "gateway", "reason": "overpaid"})
		if st != 201 || ref["status"] != "requested" {
			t.Fatalf("refund: %d %v", st, ref["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/payments/"+id+"/refunds", e.w.clerk, map[string]any{"amount_piasters": due2 + 1, "method": "gateway", "reason": "too much"}); st != 422 {
			t.Errorf("a refund beyond what is left: %d", st)
		}
		refID := ref["id"].(string)
		if st, _ := e.call("POST", "/api/v1/refunds/"+refID+"/approve", e.w.fin, map[string]any{"note": "ok"}); st != 200 {
			t.Fatalf("approve: %d", st)
		}
		if err := worker.SendRefund(context.Background(), e.db, e.gws, refID); err != nil {
			t.Fatal(err)
		}
		_, p := e.call("GET", "/api/v1/payments/"+id, e.w.fin, nil)
		refs := p["refunds"].([]any)
		if p["status"] != "partly_refunded" || refs[0].(map[string]any)["status"] != "executed" ||
			refs[0].(map[string]any)["gateway_reference"] == "" {
			t.Errorf("after the refund: %v", p["_raw"])
		}
		if r := e.request(number2); int64(r["fees_paid_piasters"].(float64)) != due2 {
			t.Errorf("fees paid after refunding the excess: %v", r["fees_paid_piasters"])
		}
	})
}

// Every choice of the simulated gateway's page, the outlet, and the nightly reconciliation
// with its statement.
func TestSimulatedGatewayChoicesAndReconciliation(t *testing.T) {
	payEach(t, func(t *testing.T, e *payEnvT) {
		c := e.browser()
		start := func(method string) (string, int64, map[string]any) {
			number, due := e.awaiting("01001234567")
			st, b := e.pay(e.w.clerk, number, method, "")
			if st != 201 {
				t.Fatalf("start %s: %d %v", method, st, b["_raw"])
			}
			return number, due, b
		}
		choose := func(b map[string]any, choice string) {
			token := strings.TrimPrefix(b["redirect_url"].(string), e.srv.URL+"/simgw/pay/")
			if resp := e.form(c, "/simgw/pay/"+token, url.Values{"choice": {choice}}); resp.StatusCode != 303 {
				t.Fatalf("%s: %d", choice, resp.StatusCode)
			}
		}
		status := func(b map[string]any) string {
			_, p := e.call("GET", "/api/v1/payments/"+b["payment_id"].(string), e.w.clerk, nil)
			return p["status"].(string)
		}
		// Decline: failed, the request still awaits payment; a new payment may follow.
		nDecl, _, bDecl := start("gateway")
		choose(bDecl, "decline")
		if status(bDecl) != "failed" || e.request(nDecl)["status"] != "awaiting_payment" {
			t.Errorf("declined: %s %v", status(bDecl), e.request(nDecl)["status"])
		}
		// Pay late: taken by the gateway, pending in Markaz until the callback comes.
		nLate, _, bLate := start("gateway")
		choose(bLate, "pay_late")
		if status(bLate) != "pending" {
			t.Errorf("pay late before the callback: %s", status(bLate))
		}
		st, html := e.page(c, "/simgw")
		if st != 200 || !strings.Contains(html, "/deliver") {
			t.Fatalf("console: %d", st)
		}
		id := regexp.MustCompile(`/simgw/callbacks/([^/]+)/deliver`).FindStringSubmatch(html)[1]
		if resp := e.form(c, "/simgw/callbacks/"+id+"/deliver", nil); resp.StatusCode != 303 {
			t.Fatalf("deliver: %d", resp.StatusCode)
		}
		if status(bLate) != "paid" || e.request(nLate)["status"] != "in_review" {
			t.Errorf("pay late after the callback: %s", status(bLate))
		}
		// Pay twice: two charges, one booking.
		nTwice, dueTwice, bTwice := start("gateway")
		choose(bTwice, "pay_twice")
		if status(bTwice) != "paid" || int64(e.request(nTwice)["fees_paid_piasters"].(float64)) != dueTwice {
			t.Errorf("pay twice: %s", status(bTwice))
		}
		// A reference code paid at the outlet.
		nRef, _, bRef := start("reference")
		code := bRef["reference_code"].(string)
		if len(code) != 9 || bRef["expires_at"] == nil {
			t.Fatalf("reference: %v", bRef["_raw"])
		}
		if resp := e.form(c, "/simgw/outlet", url.Values{"code": {"000000000"}}); resp.StatusCode != 404 {
			t.Errorf("an unknown code: %d", resp.StatusCode)
		}
		if resp := e.form(c, "/simgw/outlet", url.Values{"code": {code}}); resp.StatusCode != 303 {
			t.Fatalf("outlet: %d", resp.StatusCode)
		}
		if status(bRef) != "paid" || e.request(nRef)["status"] != "in_review" {
			t.Errorf("reference paid: %s", status(bRef))
		}
		// The statement of today has the paid charges: late, twice (two) and the outlet.
		resp, _ := c.Get(e.srv.URL + "/simgw/statements/" + markaz.DateOf(e.clock.Now()).String())
		csv, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rows, err := payment.ParseStatement(bytes.NewReader(csv))
		if err != nil || len(rows) != 4 {
			t.Fatalf("statement: %v, %d rows\n%s", err, len(rows), csv)
		}
		// Reconciliation runs for days that are over: tomorrow, today's day finds the
		// second charge of "pay twice" missing in Markaz.
		today := markaz.DateOf(e.clock.Now())
		if st, _ := e.call("POST", "/api/v1/reconciliations", e.w.fin, map[string]any{"date": today.String()}); st != 422 {
			t.Errorf("reconciling a day not over: %d", st)
		}
		e.clock.Advance(24 * time.Hour)
		fin := e.token("pfin")
		if st, _ := e.call("POST", "/api/v1/reconciliations", e.token("pclerk"), map[string]any{"date": today.String()}); st != 403 {
			t.Errorf("a clerk reconciles: %d", st)
		}
		st, rec := e.call("POST", "/api/v1/reconciliations", fin, map[string]any{"date": today.String()})
		if st != 201 || rec["matched"].(float64) != 3 || rec["mismatches"].(float64) != 1 {
			t.Fatalf("reconcile: %d %v", st, rec["_raw"])
		}
		_, detail := e.call("GET", "/api/v1/reconciliations/"+rec["id"].(string), fin, nil)
		items := detail["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["kind"] != "missing_in_markaz" ||
			items[0].(map[string]any)["payment_id"] != bTwice["payment_id"] {
			t.Fatalf("items: %v", detail["_raw"])
		}
		// The nightly job of the same day finds it done and changes nothing.
		if err := e.db.Write(context.Background(), func(tx *store.Tx) error { return tx.EnqueueReconcile(payment.GatewaySimulated) }); err != nil {
			t.Fatal(err)
		}
		h := worker.PaymentHandlers(e.db, e.gws, nil)[store.JobReconcile]
		if err := h.Handle(context.Background(), store.Job{Payload: []byte("simulated " + today.String())}); err != nil {
			t.Errorf("the job on a reconciled day: %v", err)
		}
		itemID := items[0].(map[string]any)["id"].(string)
		if st, _ := e.call("POST", "/api/v1/reconciliation-items/"+itemID+"/resolve", fin, map[string]any{"note": "double charge; refunded by the gateway"}); st != 200 {
			t.Errorf("resolve the mismatch: %d", st)
		}
		// The collection report: cash none, electronic the three booked requests.
		_, rep := e.call("GET", "/api/v1/reports/collections?from="+today.String()+"&to="+today.String(), fin, nil)
		total := rep["total"].(map[string]any)
		if total["electronic_count"].(float64) != 3 || total["cash_count"].(float64) != 0 || total["electronic_share_permille"].(float64) != 1000 {
			t.Errorf("collections: %v", rep["_raw"])
		}
	})
}

// Cash at the counter, the receipt voided, the till closed and signed off — through the pages.
func TestCashTillAndVoidPages(t *testing.T) {
	payEach(t, func(t *testing.T, e *payEnvT) {
		clerk, mgr := e.browser(), e.browser()
		e.uiLogin(clerk, "pclerk")
		e.uiLogin(mgr, "pmgr")
		number, due := e.awaiting("01001234567")
		st, html := e.page(clerk, "/requests/"+number+"/payments")
		if st != 200 || !strings.Contains(html, `id="pay-cash"`) {
			t.Fatalf("payments page: %d", st)
		}
		key := regexp.MustCompile(`name="idem_key" value="([^"]+)"`).FindStringSubmatch(html)[1]
		resp := e.form(clerk, "/requests/"+number+"/payments", url.Values{"method": {"cash"}, "idem_key": {key}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/receipts/") {
			t.Fatalf("cash: %d %q", resp.StatusCode, loc)
		}
		// A double click (same key) does not take the money twice.
		resp = e.form(clerk, "/requests/"+number+"/payments", url.Values{"method": {"cash"}, "idem_key": {key}})
		if resp.Header.Get("Location") != loc {
			t.Errorf("double click: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		receipt := strings.TrimPrefix(loc, "/receipts/")
		if st, html := e.page(mgr, loc); st != 200 || !strings.Contains(html, `id="void-form"`) {
			t.Fatalf("manager's receipt page: %d", st)
		}
		if st, html := e.page(clerk, loc); st != 200 || strings.Contains(html, `id="void-form"`) {
			t.Errorf("the clerk may void: %d", st)
		}
		if resp := e.form(mgr, loc+"/void", url.Values{"reason": {""}}); resp.StatusCode != 422 {
			t.Errorf("void without a reason: %d", resp.StatusCode)
		}
		if resp := e.form(mgr, loc+"/void", url.Values{"reason": {"recorded on the wrong request"}}); resp.StatusCode != 303 {
			t.Fatalf("void: %d", resp.StatusCode)
		}
		_, v := e.call("GET", "/api/v1/receipts/"+receipt+"/verify", "", nil)
		if v["void"] != true {
			t.Errorf("verify after void: %v", v["_raw"])
		}
		if r := e.request(number); r["fees_paid_piasters"].(float64) != 0 {
			t.Errorf("fees paid after void: %v", r["fees_paid_piasters"])
		}
		// The request moved on when it was paid; the back office asks for payment again
		// and it is paid again, correctly. Then the till: recorded = that one payment.
		if st, b := e.call("POST", "/api/v1/requests/"+number+"/actions", e.w.back, map[string]any{"action": "request_payment"}); st != 200 {
			t.Fatalf("payment asked again: %d %v", st, b["_raw"])
		}
		_, html = e.page(clerk, "/requests/"+number+"/payments")
		key = regexp.MustCompile(`name="idem_key" value="([^"]+)"`).FindStringSubmatch(html)[1]
		e.form(clerk, "/requests/"+number+"/payments", url.Values{"method": {"cash"}, "idem_key": {key}})
		st, html = e.page(clerk, "/tills")
		if st != 200 || !strings.Contains(html, `id="my-tills"`) {
			t.Fatalf("tills page: %d", st)
		}
		till := regexp.MustCompile(`href="/tills/([^"]+)"`).FindStringSubmatch(html)[1]
		st, html = e.page(clerk, "/tills/"+till)
		if st != 200 || !strings.Contains(html, `id="close-form"`) || !strings.Contains(html, i18n.Digits(payment.Pounds(due), "arab")) {
			t.Fatalf("till page: %d", st)
		}
		short := payment.Pounds(due - 100)
		if resp := e.form(clerk, "/tills/"+till+"/close", url.Values{"counted": {short}}); resp.StatusCode != 422 {
			t.Errorf("short count without explanation: %d", resp.StatusCode)
		}
		if resp := e.form(clerk, "/tills/"+till+"/close", url.Values{"counted": {short}, "explanation": {"a pound short in change"}}); resp.StatusCode != 303 {
			t.Fatalf("close: %d", resp.StatusCode)
		}
		if resp := e.form(clerk, "/tills/"+till+"/sign-off", url.Values{"note": {"mine"}}); resp.StatusCode != 403 {
			t.Errorf("the clerk signs off: %d", resp.StatusCode)
		}
		if resp := e.form(mgr, "/tills/"+till+"/sign-off", url.Values{"note": {"agreed"}}); resp.StatusCode != 303 {
			t.Fatalf("sign off: %d", resp.StatusCode)
		}
		_, list := e.call("GET", "/api/v1/tills?status=signed_off", e.w.mgr, nil)
		items := list["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["difference_piasters"].(float64) != -100 {
			t.Errorf("tills: %v", list["_raw"])
		}
	})
}

// No log line carries a full national ID.
func TestNationalIDsStayOutOfLogs(t *testing.T) {
	payEach(t, func(t *testing.T, e *payEnvT) {
		first := "2900101130123"
		c, _ := nationalid.CheckDigit(first)
		nid := first + string(c)
		e.call("GET", "/api/v1/applicants/"+nid, e.w.clerk, nil)
		logs := e.logs.String()
		if strings.Contains(logs, nid) || !strings.Contains(logs, "**********"+nid[10:]) {
			t.Errorf("the log line of an applicant lookup:\n%s", logs)
		}
	})
}

// Without a gateway configured only cash is taken, callbacks find nothing, and receipts
// without a browser to print them are HTML only.
func TestPaymentsWithoutAGateway(t *testing.T) {
	eachEnv(t, func(t *testing.T, base *env) {
		e := &payEnvT{env: base}
		e.w = e.staff()
		number, _ := e.awaiting("01001234567")
		if st, b := e.pay(e.w.clerk, number, "gateway", ""); st != 409 || !strings.Contains(b["_raw"].(string), "cash") {
			t.Errorf("a card payment without a gateway: %d %v", st, b["_raw"])
		}
		st, b := e.pay(e.w.clerk, number, "cash", "")
		if st != 201 || b["receipt_number"] == nil {
			t.Fatalf("cash: %d %v", st, b["_raw"])
		}
		receipt := b["receipt_number"].(string)
		c := e.browser()
		e.uiLogin(c, "pclerk")
		if st, html := e.page(c, "/receipts/"+receipt); st != 200 || strings.Contains(html, `id="pdf-link"`) {
			t.Errorf("receipt page without PDF: %d", st)
		}
		if st, _ := e.page(c, "/receipts/"+receipt+"/pdf"); st != 503 {
			t.Errorf("PDF without a browser: %d", st)
		}
		cb := payment.Callback{EventID: "e", PaymentID: b["payment_id"].(string), AmountPiasters: 1, Status: "paid",
			GatewayReference: "g", Timestamp: e.clock.Now()}
		if st, _ := e.callback(cb.Encode(), paySecret); st != 404 {
			t.Errorf("a callback with no gateway configured: %d", st)
		}
		if st, _ := e.page(c, "/simgw"); st != 404 {
			t.Errorf("the simulated gateway's pages when it is off: %d", st)
		}
	})
}
