package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"markaz"
	"markaz/payment"
	"markaz/store"
	"markaz/store/storetest"
)

const secret = "generic-secret-0123456789"

// fakeGateway answers the generic protocol, refusing requests whose signature is wrong.
func fakeGateway(t *testing.T, status int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		signed := body
		if r.Method == http.MethodGet {
			signed = []byte(strings.TrimPrefix(r.URL.Path, "/pay/statements/"))
		}
		if !payment.VerifySignature([]byte(secret), signed, r.Header.Get(payment.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if status != 200 {
			w.WriteHeader(status)
			return
		}
		switch r.URL.Path {
		case "/pay/payments":
			var s payment.StartRequest
			json.Unmarshal(body, &s)
			out := payment.Started{GatewayReference: "G-" + s.PaymentID}
			if s.Method == payment.MethodReference {
				out.ReferenceCode = "123456789"
			} else {
				out.RedirectURL = "https://gw.example/checkout/" + s.PaymentID
			}
			json.NewEncoder(w).Encode(out)
		case "/pay/refunds":
			var rr payment.RefundRequest
			json.Unmarshal(body, &rr)
			json.NewEncoder(w).Encode(payment.RefundResult{Reference: "R-" + rr.RefundID})
		case "/pay/statements/2026-03-14":
			w.Write([]byte("gateway_reference,payment_id,amount_piasters,status,settled_at\nG-1,p1,100,paid,2026-03-14T09:00:00Z\n"))
		default:
			http.NotFound(w, r)
		}
	}))
}

func TestGenericGatewaySpeaksTheProtocol(t *testing.T) {
	srv := fakeGateway(t, 200)
	defer srv.Close()
	g := &Generic{URL: srv.URL + "/pay", Secret: []byte(secret)}
	ctx := context.Background()
	st, err := g.Start(ctx, payment.StartRequest{PaymentID: "p1", AmountPiasters: 100, Method: payment.MethodGateway,
		ReturnURL: "https://markaz.example/payments/p1", CallbackURL: "https://markaz.example/api/v1/payments/callback/generic"})
	if err != nil || st.RedirectURL != "https://gw.example/checkout/p1" || st.GatewayReference != "G-p1" {
		t.Fatalf("start: %+v %v", st, err)
	}
	if st, err := g.Start(ctx, payment.StartRequest{PaymentID: "p2", Method: payment.MethodReference}); err != nil || st.ReferenceCode == "" {
		t.Fatalf("reference: %+v %v", st, err)
	}
	rr, err := g.Refund(ctx, payment.RefundRequest{RefundID: "r1", PaymentID: "p1", GatewayReference: "G-p1", AmountPiasters: 50})
	if err != nil || rr.Reference != "R-r1" {
		t.Fatalf("refund: %+v %v", rr, err)
	}
	csv, err := g.Statement(ctx, markaz.Date{Y: 2026, M: 3, D: 14})
	if err != nil {
		t.Fatal(err)
	}
	if rows, err := payment.ParseStatement(strings.NewReader(string(csv))); err != nil || len(rows) != 1 {
		t.Fatalf("statement: %v %v", rows, err)
	}
	// Signed with another secret: the gateway refuses, and the error names no secret.
	bad := &Generic{URL: srv.URL + "/pay", Secret: []byte("wrong")}
	if _, err := bad.Start(ctx, payment.StartRequest{PaymentID: "p3", Method: payment.MethodGateway}); err == nil ||
		!strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestGenericGatewayErrorsKeepSecretsOut(t *testing.T) {
	srv := fakeGateway(t, 500)
	defer srv.Close()
	withCreds := strings.Replace(srv.URL, "http://", "http://user:pa55word@", 1) + "/pay"
	g := &Generic{URL: withCreds, Secret: []byte(secret)}
	_, err := g.Start(context.Background(), payment.StartRequest{PaymentID: "p1", Method: payment.MethodGateway})
	if err == nil || strings.Contains(err.Error(), "pa55word") || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("gateway error: %v", err)
	}
	down := &Generic{URL: "http://user:pa55word@127.0.0.1:1/pay", Secret: []byte(secret)}
	if _, err := down.Refund(context.Background(), payment.RefundRequest{RefundID: "r"}); err == nil || strings.Contains(err.Error(), "pa55word") {
		t.Fatalf("unreachable gateway: %v", err)
	}
	// A gateway that answers 200 without where to send the citizen is an error too.
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	defer empty.Close()
	g = &Generic{URL: empty.URL, Secret: []byte(secret)}
	if _, err := g.Start(context.Background(), payment.StartRequest{PaymentID: "p", Method: payment.MethodGateway}); err == nil {
		t.Error("an answer without redirect_url")
	}
}

func TestOpenChecksTheConfiguration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := Open(ctx, db, Config{URL: "https://gw.example"}); err == nil {
			t.Error("a gateway URL without a secret")
		}
		if _, err := Open(ctx, db, Config{URL: "ftp://gw.example", Secret: secret}); err == nil {
			t.Error("a gateway URL that is not http(s)")
		}
		none, err := Open(ctx, db, Config{})
		if err != nil || none.Name() != "" || none.Secret("generic") != nil || len(none.Names()) != 0 {
			t.Errorf("no gateway: %+v %v", none, err)
		}
		both, err := Open(ctx, db, Config{URL: "https://gw.example", Secret: secret, Simulated: true})
		if err != nil || both.Name() != payment.GatewaySimulated || both.ByName(payment.GatewayGeneric) == nil || len(both.Names()) != 2 {
			t.Errorf("both gateways: %+v %v", both, err)
		}
		// Without a configured secret the simulated gateway makes one, the same for every instance.
		a, _ := Open(ctx, db, Config{Simulated: true})
		b, _ := Open(ctx, db, Config{Simulated: true})
		if len(a.Secret(payment.GatewaySimulated)) < 32 || string(a.Secret(payment.GatewaySimulated)) != string(b.Secret(payment.GatewaySimulated)) {
			t.Error("the simulated gateway's own secret")
		}
	})
}
