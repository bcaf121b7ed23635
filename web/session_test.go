package web

import (
	"net/url"
	"strings"
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
