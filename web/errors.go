package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"markaz"
	"markaz/i18n"
)

// statusOf is the one table mapping error codes to HTTP statuses.
var statusOf = map[string]int{
	markaz.EInvalid:      http.StatusUnprocessableEntity,
	markaz.ENotFound:     http.StatusNotFound,
	markaz.EForbidden:    http.StatusForbidden,
	markaz.EUnauthorized: http.StatusUnauthorized,
	markaz.EConflict:     http.StatusConflict,
	markaz.ELocked:       http.StatusTooManyRequests,
	markaz.ERateLimited:  http.StatusTooManyRequests,
	markaz.EInternal:     http.StatusInternalServerError,
}

// problem is an RFC 9457 problem details body.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"request_id"`
	Code      string         `json:"code"`
	Errors    []problemField `json:"errors,omitempty"`
}

type problemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// asError turns any error into a markaz.Error; anything unknown is internal.
func asError(err error) *markaz.Error {
	var e *markaz.Error
	if errors.As(err, &e) {
		return e
	}
	return &markaz.Error{Code: markaz.EInternal, Key: "error.internal", Err: err}
}

// message is the localized top-level message of an error.
func message(lang, reqID string, e *markaz.Error) string {
	args := map[string]any{"request_id": reqID}
	for k, v := range e.Args {
		args[k] = v
	}
	key := e.Key
	if key == "" || !i18n.Has(key) {
		key = "error." + e.Code
	}
	return i18n.T(lang, key, args)
}

// fieldMessage localizes one field problem.
func fieldMessage(lang string, f markaz.FieldError) string {
	return i18n.T(lang, "field."+f.Code, f.Args)
}

// fieldMessages maps field → localized message, for re-rendering a form.
func fieldMessages(lang string, err error) map[string]string {
	e := asError(err)
	if e.Code != markaz.EInvalid {
		return nil
	}
	m := map[string]string{}
	for _, f := range e.Fields {
		if _, ok := m[f.Field]; !ok {
			m[f.Field] = fieldMessage(lang, f)
		}
	}
	return m
}

// writeError answers with problem+json on the API and an error page in the UI.
// Internal errors are logged with the request ID and never shown in detail.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ri := info(r)
	e := asError(err)
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		ri.log.Error("internal error", "err", err, "path", logPath(r.URL.Path))
	}
	if e.Code == markaz.ELocked || e.Code == markaz.ERateLimited {
		w.Header().Set("Retry-After", "60")
	}
	if isAPI(r) {
		p := problem{Type: "urn:markaz:problem:" + e.Code, Title: i18n.T(ri.lang, "error."+e.Code, map[string]any{"request_id": ri.id}),
			Status: status, Detail: message(ri.lang, ri.id, e), Instance: r.URL.Path, RequestID: ri.id, Code: e.Code}
		for _, f := range e.Fields {
			p.Errors = append(p.Errors, problemField{Field: f.Field, Code: f.Code, Message: fieldMessage(ri.lang, f)})
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Content-Language", ri.lang)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(p)
		return
	}
	if e.Code == markaz.EUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	title := "error.title." + e.Code
	if !i18n.Has(title) {
		title = "error.title"
	}
	s.render(w, r, status, "error", title, map[string]any{
		"Message": message(ri.lang, ri.id, e), "Status": status, "Fields": fieldList(ri.lang, e),
		"Back": backLink(r)})
}

// fieldList names each problem's field in the user's language where the catalog has
// a label for it ("fieldname.<field>"), as the error page shows them outside any form.
func fieldList(lang string, e *markaz.Error) []string {
	var out []string
	for _, f := range e.Fields {
		name := f.Field
		if k := "fieldname." + f.Field; i18n.Has(k) {
			name = i18n.T(lang, k, nil)
		}
		out = append(out, name+": "+fieldMessage(lang, f))
	}
	return out
}

// backLink offers the list page above a failed record page ("/centers/x/edit" → "/centers").
func backLink(r *http.Request) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || parts[0] == "" || strings.ContainsAny(parts[0], `<>"'\\`) {
		return ""
	}
	return "/" + parts[0]
}

// api adapts a handler returning error for the JSON API.
func (s *Server) api(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ri := info(r); ri.mustChange && r.URL.Path != "/api/v1/me" {
			s.writeError(w, r, &markaz.Error{Code: markaz.EForbidden, Key: "error.must_change_password"})
			return
		}
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// ui adapts a handler returning error for the HTML UI. A user who must change their
// password is sent to /password first.
func (s *Server) ui(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ri := info(r); ri.mustChange && !strings.HasPrefix(r.URL.Path, "/password") &&
			r.URL.Path != "/logout" && r.URL.Path != "/lang" {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// need returns the principal if it holds perm somewhere: 401 when anonymous, 403 otherwise.
func need(r *http.Request, perm string) (*markaz.Principal, error) {
	p := principal(r)
	if p == nil {
		return nil, markaz.ErrUnauthorized
	}
	if perm != "" && !p.Can(perm) {
		return nil, markaz.ErrForbidden
	}
	return p, nil
}

// writeJSON answers 2xx with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
