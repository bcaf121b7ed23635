// Package gateway holds the two implementations of payment.Gateway: Generic, any payment
// gateway that speaks Markaz's redirect-and-callback protocol over HTTP (configured by a
// URL and a shared secret), and Simulated, a gateway built into Markaz for demos and
// tests, with its own pages (served by the web package under /simgw/) and its own ledger
// (store/simgw.go). Both send Markaz the same signed callback (payment.Callback).
//
// The generic protocol, every request signed like a callback (header X-Signature: hex
// HMAC-SHA256 of the raw body with the shared secret; for the GET, of the day itself):
//
//	POST {url}/payments              payment.StartRequest  → 2xx payment.Started
//	POST {url}/refunds               payment.RefundRequest → 2xx payment.RefundResult
//	GET  {url}/statements/YYYY-MM-DD                       → 2xx text/csv (payment.ParseStatement)
//
// Errors never carry the secret, the signature or the gateway URL's credentials.
package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"markaz"
	"markaz/payment"
)

// maxAnswer bounds what Markaz reads from a gateway (a statement of a busy day included).
const maxAnswer = 64 << 20

// Generic is a gateway reached over HTTP with a shared secret.
type Generic struct {
	URL    string // base URL, e.g. https://pay.example.eg/markaz
	Secret []byte
	Client *http.Client // default: 30-second timeout
}

// Name is "generic", as in its callback URL.
func (g *Generic) Name() string { return payment.GatewayGeneric }

func (g *Generic) client() *http.Client {
	if g.Client != nil {
		return g.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// host names the gateway in errors without credentials or paths.
func (g *Generic) host() string {
	u, err := url.Parse(g.URL)
	if err != nil {
		return "gateway"
	}
	return u.Host
}

// call sends a signed request and returns the body of a 2xx answer.
func (g *Generic) call(ctx context.Context, method, path string, body, signed []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(g.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("gateway %s: %w", g.host(), err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(payment.SignatureHeader, payment.Sign(g.Secret, signed))
	resp, err := g.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("gateway %s unreachable: %w", g.host(), unwrapURL(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("gateway %s: reading the answer: %w", g.host(), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("gateway %s answered %d", g.host(), resp.StatusCode)
	}
	return b, nil
}

// unwrapURL drops the URL (which may hold credentials) from a client error.
func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func (g *Generic) post(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	b, err := g.call(ctx, http.MethodPost, path, body, body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("gateway %s: answer is not the expected JSON", g.host())
	}
	return nil
}

// Start asks the gateway for a checkout page (MethodGateway) or a reference code
// (MethodReference).
func (g *Generic) Start(ctx context.Context, s payment.StartRequest) (payment.Started, error) {
	var out payment.Started
	if err := g.post(ctx, "/payments", s, &out); err != nil {
		return out, err
	}
	switch {
	case s.Method == payment.MethodGateway && !absoluteURL(out.RedirectURL):
		return out, fmt.Errorf("gateway %s: no valid redirect_url in its answer", g.host())
	case s.Method == payment.MethodReference && strings.TrimSpace(out.ReferenceCode) == "":
		return out, fmt.Errorf("gateway %s: no reference_code in its answer", g.host())
	}
	return out, nil
}

// absoluteURL reports whether s is an http(s) URL with a host.
func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Refund asks the gateway to send money back.
func (g *Generic) Refund(ctx context.Context, r payment.RefundRequest) (payment.RefundResult, error) {
	var out payment.RefundResult
	if err := g.post(ctx, "/refunds", r, &out); err != nil {
		return out, err
	}
	if strings.TrimSpace(out.Reference) == "" {
		return out, fmt.Errorf("gateway %s: no refund_reference in its answer", g.host())
	}
	return out, nil
}

// Statement fetches the gateway's statement of day.
func (g *Generic) Statement(ctx context.Context, day markaz.Date) ([]byte, error) {
	return g.call(ctx, http.MethodGet, "/statements/"+day.String(), nil, []byte(day.String()))
}
