package web

import (
	"io/fs"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the one route table of Markaz: every URL it answers, top to bottom.
// ui(...) handlers answer with pages, api(...) handlers with JSON and problem details.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")

	// Operations.
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))

	// Session and preferences (UI).
	mux.HandleFunc("GET /{$}", s.ui(s.handleHome))
	mux.HandleFunc("GET /login", s.ui(s.handleLoginForm))
	mux.HandleFunc("POST /login", s.ui(s.handleLogin))
	mux.HandleFunc("POST /logout", s.ui(s.handleLogout))
	mux.HandleFunc("GET /password", s.ui(s.handlePasswordForm))
	mux.HandleFunc("POST /password", s.ui(s.handlePassword))
	mux.HandleFunc("POST /lang", s.ui(s.handleSwitchLang))
	mux.HandleFunc("GET /settings", s.ui(s.handleSettingsForm))
	mux.HandleFunc("POST /settings", s.ui(s.handleSettings))

	// API: authentication.
	mux.HandleFunc("POST /api/v1/auth/token", s.api(s.apiToken))
	mux.HandleFunc("GET /api/v1/me", s.api(s.apiMe))

	// Centers registry (UI and API).
	// -- centers routes --

	// Programme view (UI and API).
	// -- program routes --

	// Users, roles and territorial assignments (UI and API).
	// -- users routes --

	// Districts and cities, and the audit log (UI and API).
	// -- territory routes --
	// -- audit routes --

	// Anything else under /api/ is a JSON 404, not an HTML page.
	mux.HandleFunc("/api/", s.api(s.apiNotFound))
	return mux
}
