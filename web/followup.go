package web

// Small helpers the follow-up areas (problems, resources) share: a JSON answer for an
// admitted caller.

import (
	"net/http"
	"net/url"

	"markaz"
)

// answer admits the caller through gate, runs do and writes its result as JSON with status.
func answer[T any](w http.ResponseWriter, r *http.Request, gate func(*http.Request) (*markaz.Principal, error),
	status int, do func(p *markaz.Principal) (T, error)) error {
	p, err := gate(r)
	if err != nil {
		return err
	}
	out, err := do(p)
	if err != nil {
		return err
	}
	return writeJSON(w, status, out)
}

// holding is the gate of callers holding perm somewhere.
func holding(perm string) func(*http.Request) (*markaz.Principal, error) {
	return func(r *http.Request) (*markaz.Principal, error) { return need(r, perm) }
}

// postedForm admits the caller through gate and parses the posted form.
func postedForm(r *http.Request, gate func(*http.Request) (*markaz.Principal, error)) (*markaz.Principal, url.Values, error) {
	p, err := gate(r)
	if err != nil {
		return nil, nil, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	return p, r.PostForm, nil
}
