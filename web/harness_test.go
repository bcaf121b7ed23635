package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"markaz"
	"markaz/auth"
	"markaz/store"
	"markaz/store/storetest"
)

// cheap keeps test users fast; Verify reads the cost from the hash itself.
var cheap = auth.Params{Memory: 64, Time: 1, Threads: 1}

const testPassword = "correct-horse-battery"

// env is one test server over a real database.
type env struct {
	t     *testing.T
	db    *store.DB
	clock *markaz.FixedClock
	srv   *httptest.Server
}

// eachEnv runs fn on SQLite and (when configured) PostgreSQL, each with a running server.
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		s, err := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{LoginRatePerMinute: 100000})
		if err != nil {
			t.Fatal(err)
		}
		s.SetReady()
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		fn(t, &env{t: t, db: db, clock: clock, srv: srv})
	})
}

// user creates a user holding the given assignments (role, level, code) where code is a
// governorate code, unit code or center id as the level needs.
func (e *env) user(username string, as ...markaz.Assignment) *markaz.User {
	e.t.Helper()
	u := &markaz.User{Username: username, FullName: "Test " + username, PasswordHash: auth.Hash(testPassword, cheap)}
	if err := u.Validate(); err != nil {
		e.t.Fatal(err)
	}
	err := e.db.Write(context.Background(), func(tx *store.Tx) error {
		for i := range as {
			if as[i].StartsOn.IsZero() {
				as[i].StartsOn = markaz.Date{Y: 2020, M: 1, D: 1}
			}
			if err := tx.ResolveAssignment(&as[i]); err != nil {
				return err
			}
		}
		u.Assignments = as
		return tx.InsertUser(store.Actor{}, u)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// at builds an assignment.
func at(role, level, code string) markaz.Assignment {
	a := markaz.Assignment{Role: role, Level: level}
	switch level {
	case markaz.LevelGovernorate:
		a.GovCode = code
	case markaz.LevelUnit:
		a.UnitCode = code
	case markaz.LevelCenter:
		a.CenterID = code
	}
	return a
}

// token logs in through the API and returns a bearer token.
func (e *env) token(username string) string {
	e.t.Helper()
	st, body := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": username, "password": testPassword})
	if st != 200 {
		e.t.Fatalf("login %s: %d %v", username, st, body)
	}
	return body["token"].(string)
}

// call sends a JSON request (body nil, a string of raw JSON, or a value to encode) and
// decodes the JSON answer into a map (the raw text is under "_raw").
func (e *env) call(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Language", "en")
	return e.send(req)
}

// send sends a request and decodes the JSON answer as call does.
func (e *env) send(req *http.Request) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		var list any
		if json.Unmarshal(raw, &list) == nil {
			out["_list"] = list
		}
	}
	out["_raw"] = string(raw)
	return resp.StatusCode, out
}

// browser is a cookie-carrying client for UI tests (no redirects followed).
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// uiLogin logs a browser client in through the form.
func (e *env) uiLogin(c *http.Client, username string) {
	e.t.Helper()
	resp := e.form(c, "/login", url.Values{"username": {username}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("ui login %s: %d", username, resp.StatusCode)
	}
}

// form posts a same-origin form.
func (e *env) form(c *http.Client, path string, v url.Values) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// page GETs a UI page and returns status and HTML.
func (e *env) page(c *http.Client, path string) (int, string) {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
