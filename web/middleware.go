package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"markaz"
	"markaz/i18n"
)

type ctxKey int

const (
	keyReq ctxKey = iota
)

// reqInfo travels in the request context: who asks, in which language, under which ID.
type reqInfo struct {
	id         string
	lang       string
	digits     string
	p          *markaz.Principal // nil when anonymous
	mustChange bool
	token      string // the session cookie or bearer token that authenticated
	log        *slog.Logger
}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(keyReq).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{lang: "ar", digits: "arab", log: slog.Default()}
}

// principal returns the logged-in principal or nil.
func principal(r *http.Request) *markaz.Principal { return info(r).p }

const sessionCookie = "markaz_session"

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// middleware wraps every request: request ID, structured log line, metrics, recovery,
// secure headers, cross-origin protection for state changes, and authentication.
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	protected := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: requestID(r)}
		ri.log = s.log.With("request_id", ri.id)
		r = r.WithContext(context.WithValue(r.Context(), keyReq, ri))
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		h := rec.Header()
		h.Set("X-Request-ID", ri.id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		defer func() {
			if v := recover(); v != nil {
				ri.log.Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.writeError(rec, r, fmt.Errorf("panic: %v", v))
			}
			d := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.requests.WithLabelValues(route, fmt.Sprint(rec.status)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
			if r.URL.Path != "/healthz" && r.URL.Path != "/metrics" {
				ri.log.Info("http", "method", r.Method, "path", logPath(r.URL.Path), "status", rec.status,
					"ms", d.Milliseconds(), "user", username(ri.p))
			}
		}()
		if !cleanText(r.URL.Path) || !cleanQuery(r.URL.RawQuery) {
			s.writeError(rec, r, &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_encoding"})
			return
		}
		if err := s.authenticate(r, ri); err != nil {
			s.writeError(rec, r, err)
			return
		}
		if isAPI(r) && r.Header.Get("Authorization") != "" {
			// Bearer-token calls carry no ambient credentials: cross-origin checks do not apply.
			next.ServeHTTP(rec, r)
			return
		}
		protected.ServeHTTP(rec, r)
	})
}

// cleanText reports whether s is valid UTF-8 without NUL bytes (PostgreSQL refuses both).
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// cleanQuery checks every decoded query key and value.
func cleanQuery(raw string) bool {
	if raw == "" {
		return true
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return true // a malformed query is left to the handler's own parsing
	}
	for k, vs := range q {
		if !cleanText(k) {
			return false
		}
		for _, v := range vs {
			if !cleanText(v) {
				return false
			}
		}
	}
	return true
}

// username names the principal in a log line; a citizen's username is their mobile
// number, which keeps only its last four digits there (as the SMS log does).
func username(p *markaz.Principal) string {
	if p == nil {
		return ""
	}
	if markaz.ValidMobile(p.Username) {
		return strings.Repeat("*", len(p.Username)-4) + p.Username[len(p.Username)-4:]
	}
	return p.Username
}

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 64 && !strings.ContainsAny(id, " \r\n\t\"") {
		return id
	}
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// authenticate resolves the session cookie or bearer token and the language.
func (s *Server) authenticate(r *http.Request, ri *reqInfo) error {
	ri.lang, ri.digits = "ar", "arab"
	if c, err := r.Cookie("lang"); err == nil {
		ri.lang = i18n.Lang(c.Value)
	}
	// Until someone chooses, digits follow the language: Arabic-Indic in Arabic, Latin in English.
	if ri.lang == "en" {
		ri.digits = "latn"
	}
	if c, err := r.Cookie("digits"); err == nil && (c.Value == "latn" || c.Value == "arab") {
		ri.digits = c.Value
	}
	if isAPI(r) {
		if l := i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
			ri.lang = l
		}
	}
	kind, token := "", ""
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || t == "" {
			return markaz.ErrUnauthorized
		}
		kind, token = "api", t
	} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		kind, token = "web", c.Value
	}
	if token == "" {
		return nil
	}
	p, mustChange, err := s.db.SessionPrincipal(r.Context(), token, kind)
	if err != nil {
		if markaz.ErrorCode(err) == markaz.EUnauthorized {
			if kind == "api" {
				return err
			}
			return nil // an expired cookie: carry on as anonymous
		}
		return err
	}
	ri.p, ri.mustChange, ri.token = p, mustChange, token
	if !isAPI(r) || r.Header.Get("Accept-Language") == "" {
		ri.lang = i18n.Lang(p.Locale)
	}
	ri.digits = p.Digits
	return nil
}

type statusRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.written {
		r.status, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.written = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "markaz_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "markaz_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// ipLimiter bounds login attempts on one instance, per client address and username
// (behind a load balancer every client shares one address, and one script must not block
// everybody's login there) and, ten times more generously, per address alone (so trying
// a new username each time does not escape it). It only blunts floods; the per-account
// lockout that must hold across instances is in the database.
type ipLimiter struct {
	mu     sync.Mutex
	perMin int
	m      map[string]*rate.Limiter
}

func newIPLimiter(perMin int) *ipLimiter {
	return &ipLimiter{perMin: perMin, m: map[string]*rate.Limiter{}}
}

// allow takes a token from both buckets of the request.
func (l *ipLimiter) allow(r *http.Request, username string) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	// Usernames are at most 40 characters; a longer one must not grow the map.
	username = strings.ToLower(strings.TrimSpace(username))
	if len(username) > 64 {
		username = username[:64]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) > 20000 {
		l.m = map[string]*rate.Limiter{} // crude, bounded; counts restart
	}
	return l.bucket(host, 10).Allow() && l.bucket(host+"|"+username, 1).Allow()
}

func (l *ipLimiter) bucket(key string, scale int) *rate.Limiter {
	lim, ok := l.m[key]
	if !ok {
		n := l.perMin * scale
		lim = rate.NewLimiter(rate.Limit(float64(n)/60), n/3+1)
		l.m[key] = lim
	}
	return lim
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		h.ServeHTTP(w, r)
	})
}
