// Package web serves Markaz over HTTP: the server-rendered Arabic/English UI and the JSON
// API under /api/v1, from one route table (routes.go). Handlers return errors; one place
// (errors.go) turns a markaz.Error into a problem+json answer or an error page in the
// user's language.
package web

import (
	"embed"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"markaz/gateway"
	"markaz/pdf"
	"markaz/store"
)

//go:embed all:templates static
var assets embed.FS

// Config holds what the server needs beyond the database.
type Config struct {
	// SecureCookies marks cookies Secure; set when served over HTTPS.
	SecureCookies bool
	// LoginRatePerMinute bounds login attempts per client address on this instance
	// (the per-account lockout lives in the database). 0 means the default, 30.
	LoginRatePerMinute int
	// TrackRatePerMinute bounds citizen tracking checks per client address on this
	// instance (the per-number failure limit lives in the database). 0 means the
	// default, 600: many citizens share one carrier's address.
	TrackRatePerMinute int
	// DemoNotice is shown in the footer when the server runs demo data.
	DemoNotice bool
	// Payments: the payment gateways (nil: cash only), the PDF printer of receipts (nil:
	// receipts in HTML only) and the public base URL of this server for the gateways'
	// return and callback URLs ("": taken from each request).
	Gateways  *gateway.Set
	PDF       *pdf.Renderer
	PublicURL string
}

// Server is the HTTP side of Markaz.
type Server struct {
	db      *store.DB
	log     *slog.Logger
	cfg     Config
	pages   *pages
	metrics *metrics
	limiter *ipLimiter
	ready   atomic.Bool
	handler http.Handler
	// onRender, when set (tests), is told of every page rendered.
	onRender func(name, lang string)
}

// NewServer builds the handler tree. Call SetReady once start-up work is done.
func NewServer(db *store.DB, log *slog.Logger, cfg Config) (*Server, error) {
	if cfg.LoginRatePerMinute <= 0 {
		cfg.LoginRatePerMinute = 30
	}
	if cfg.TrackRatePerMinute <= 0 {
		cfg.TrackRatePerMinute = trackPerMinute
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{db: db, log: log, cfg: cfg, pages: p, metrics: newMetrics(prometheus.NewRegistry()),
		limiter: newIPLimiter(cfg.LoginRatePerMinute)}
	s.handler = s.middleware(s.routes())
	return s, nil
}

// SetReady makes /healthz answer 200.
func (s *Server) SetReady() { s.ready.Store(true) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
