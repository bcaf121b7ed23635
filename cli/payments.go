package cli

// Payments for serve: which payment gateways to use, where Chromium is for receipt PDFs,
// and this server's public address for the gateways' return and callback URLs.

import (
	"context"
	"flag"
	"fmt"
	"net/url"

	"markaz/gateway"
	"markaz/store"
)

// paymentFlags are serve's payment settings. The gateway secret is read from the
// environment only, so it never shows in a process listing.
type paymentFlags struct {
	simulated                    *bool
	gatewayURL, chromium, public *string
	secret                       string
}

func addPaymentFlags(fs *flag.FlagSet, getenv Env) paymentFlags {
	return paymentFlags{
		simulated: fs.Bool("simulated-gateway", getenv("MARKAZ_SIMULATED_GATEWAY") == "1",
			"enable the built-in simulated payment gateway and its pages under /simgw (demos and tests; env MARKAZ_SIMULATED_GATEWAY=1)"),
		gatewayURL: fs.String("gateway-url", getenv("MARKAZ_GATEWAY_URL"), "payment gateway base URL (env MARKAZ_GATEWAY_URL; its secret in MARKAZ_GATEWAY_SECRET)"),
		chromium:   fs.String("chromium", getenv("MARKAZ_CHROMIUM"), "Chromium binary for receipt PDFs (env MARKAZ_CHROMIUM; default: chromium on the PATH)"),
		public:     fs.String("public-url", getenv("MARKAZ_PUBLIC_URL"), "public base URL of this server, e.g. https://markaz.example.eg (env MARKAZ_PUBLIC_URL; default: the address each request came to)"),
		secret:     getenv("MARKAZ_GATEWAY_SECRET"),
	}
}

// gateways opens the configured payment gateways.
func (f paymentFlags) gateways(ctx context.Context, db *store.DB) (*gateway.Set, error) {
	if *f.public != "" {
		u, err := url.Parse(*f.public)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("--public-url %q: want an http(s) URL", *f.public)
		}
	}
	return gateway.Open(ctx, db, gateway.Config{Simulated: *f.simulated, URL: *f.gatewayURL, Secret: f.secret})
}
