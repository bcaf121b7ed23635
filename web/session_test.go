package web

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz"
)

func TestTokenLoginAndLockout(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		tok := e.token("sup")
		st, me := e.call("GET", "/api/v1/me", tok, nil)
		if st != 200 || me["username"] != "sup" {
			t.Fatalf("me: %d %v", st, me)
		}
		// Anonymous and bad tokens get 401 problems.
		if st, b := e.call("GET", "/api/v1/me", "", nil); st != 401 || b["code"] != "unauthorized" {
			t.Fatalf("anon me: %d %v", st, b)
		}
		if st, _ := e.call("GET", "/api/v1/me", "nope", nil); st != 401 {
			t.Fatalf("bad token: %d", st)
		}
		// Five wrong passwords lock the account for 15 minutes, even with the right one.
		for i := 0; i < 5; i++ {
			if st, _ := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": "sup", "password": "wrong-password"}); st != 401 {
				t.Fatalf("wrong password %d: %d", i, st)
			}
		}
		st, b := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": "sup", "password": testPassword})
		if st != 429 || b["code"] != "locked" {
			t.Fatalf("locked: %d %v", st, b)
		}
		e.clock.Advance(16 * time.Minute)
		if st, _ := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": "sup", "password": testPassword}); st != 200 {
			t.Fatalf("after lock: %d", st)
		}
		// The token expires after 24 hours.
		e.clock.Advance(25 * time.Hour)
		if st, _ := e.call("GET", "/api/v1/me", tok, nil); st != 401 {
			t.Fatalf("expired token: %d", st)
		}
	})
}

func TestBadJSONIsA4xx(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		for _, body := range []string{`{`, `[]`, `{"username": 5, "password": "x"}`, `{"username":"a","password":"b","extra":1}`, `{} {}`} {
			st, b := e.call("POST", "/api/v1/auth/token", "", body)
			if st != 422 || b["code"] != "invalid" {
				t.Errorf("%s: %d %v", body, st, b["_raw"])
			}
		}
		if st, _ := e.call("GET", "/api/v1/nothing-here", "", nil); st != 404 {
			t.Errorf("unknown api path: %d", st)
		}
	})
}

func TestUISessionIdleTimeoutAndLanguage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		c := e.browser()
		st, html := e.page(c, "/")
		if st != 200 || !strings.Contains(html, `lang="ar" dir="rtl"`) {
			t.Fatalf("home: %d", st)
		}
		e.uiLogin(c, "sup")
		_, html = e.page(c, "/")
		if !strings.Contains(html, "مشرف النظام") {
			t.Fatal("home does not show the role in Arabic")
		}
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		_, html = e.page(c, "/")
		if !strings.Contains(html, `lang="en" dir="ltr"`) || !strings.Contains(html, "System supervisor") {
			t.Fatal("language switch did not take")
		}
		// The choice is remembered on the user, not only in the cookie.
		c2 := e.browser()
		e.uiLogin(c2, "sup")
		if _, html := e.page(c2, "/"); !strings.Contains(html, `lang="en"`) {
			t.Fatal("language not remembered per user")
		}
		e.clock.Advance(31 * time.Minute)
		if st, _ := e.page(c, "/settings"); st != 303 {
			t.Fatalf("idle session still valid: %d", st)
		}
	})
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/centers?q=1":        "/centers?q=1",
		"/":                   "/",
		"":                    "/",
		"https://evil.com":    "/",
		"//evil.com":          "/",
		"/\\evil.com":         "/",
		"/\t/evil.com":        "/",
		"/\n/evil.com":        "/",
		"/%09/evil.com":       "/%09/evil.com", // stays a path on this site
		"javascript:alert(1)": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// Guesses sent in parallel cannot get past the lockout: exactly five are judged wrong,
// every later one finds the account locked, and the right password then fails too.
func TestLockoutHoldsUnderParallelGuesses(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("target", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		const n = 12
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Post(e.srv.URL+"/api/v1/auth/token", "application/json",
					strings.NewReader(`{"username":"target","password":"wrong-password"}`))
				if err != nil {
					codes <- 0
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		count := map[int]int{}
		for c := range codes {
			count[c]++
		}
		if count[401] != 5 || count[429] != n-5 {
			t.Fatalf("parallel guesses: %v, want 5×401 and %d×429", count, n-5)
		}
		if st, _ := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": "target", "password": testPassword}); st != 429 {
			t.Fatalf("right password during lockout: %d", st)
		}
	})
}

// NUL bytes and invalid UTF-8 anywhere in a request are a 4xx on both engines (PostgreSQL
// refuses them in text, which would otherwise surface as a 500).
func TestBadEncodingIsA4xx(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		tok := e.token("sup")
		for _, p := range []string{"/api/v1/centers/%00", "/api/v1/centers/%FF", "/api/v1/units/%FF",
			"/api/v1/centers?governorate=%FF", "/api/v1/program/summary?governorate=%00", "/api/v1/users?q=%FF"} {
			if st, b := e.call("GET", p, tok, nil); st >= 500 || st < 400 {
				t.Errorf("%s: %d %v", p, st, b["_raw"])
			}
		}
		for _, body := range []string{`{"username":"a\u0000b","password":"x"}`, `{"username":"sup","password":"a\u0000b"}`} {
			if st, b := e.call("POST", "/api/v1/auth/token", "", body); st >= 500 {
				t.Errorf("%s: %d %v", body, st, b["_raw"])
			}
		}
		for _, p := range []string{"/centers/%FF", "/territory/%FF", "/centers?governorate=%FF"} {
			c := e.browser()
			e.uiLogin(c, "sup")
			if st, _ := e.page(c, p); st >= 500 {
				t.Errorf("%s: %d", p, st)
			}
		}
		c := e.browser()
		if r := e.form(c, "/login", url.Values{"username": {"a\x00b"}, "password": {"x"}}); r.StatusCode >= 500 {
			t.Errorf("form login with NUL: %d", r.StatusCode)
		}
	})
}

// A session used every 20 minutes still ends 12 hours after login.
func TestUISessionAbsoluteLifetime(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		c := e.browser()
		e.uiLogin(c, "sup")
		for i := 0; i < 35; i++ { // 35 × 20 min = 11 h 40 min
			e.clock.Advance(20 * time.Minute)
			if st, _ := e.page(c, "/settings"); st != 200 {
				t.Fatalf("after %d min: %d", (i+1)*20, st)
			}
		}
		e.clock.Advance(21 * time.Minute)
		if st, _ := e.page(c, "/settings"); st != 303 {
			t.Fatalf("session outlived 12 hours: %d", st)
		}
	})
}

// Guessing the current password on the change form counts towards the same lockout.
func TestPasswordFormGuessesLockTheAccount(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		c := e.browser()
		e.uiLogin(c, "sup")
		try := func(current string) int {
			return e.form(c, "/password", url.Values{"current": {current}, "new": {"another-long-password"},
				"confirm": {"another-long-password"}}).StatusCode
		}
		for i := 0; i < 5; i++ {
			if st := try("wrong-password"); st != 422 {
				t.Fatalf("guess %d: %d", i, st)
			}
		}
		if st := try(testPassword); st != 429 {
			t.Fatalf("right password during lockout: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": "sup", "password": testPassword}); st != 429 {
			t.Fatalf("login during lockout: %d", st)
		}
	})
}
