package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"markaz"
	"markaz/demo"
	"markaz/store"
	"markaz/store/storetest"
)

// TestEveryPageRendersInBothLanguages walks the UI as the national administrator over the
// demo data, in Arabic and English, and checks that every page template was rendered in
// both — a new page that this walk does not reach fails the test until it is added.
func TestEveryPageRendersInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		if _, err := demo.Ensure(context.Background(), db, testPassword); err != nil {
			t.Fatal(err)
		}
		s, err := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{LoginRatePerMinute: 100000})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]bool{}
		s.onRender = func(name, lang string) { mu.Lock(); seen[name+"/"+lang] = true; mu.Unlock() }
		s.SetReady()
		srv := httptest.NewServer(s)
		defer srv.Close()
		e := &env{t: t, db: db, clock: clock, srv: srv}

		// One request so the request pages have something to show.
		st, b := e.call("POST", "/api/v1/requests", e.token("clerk"), map[string]any{"service_code": "SHOP-LIC",
			"channel": "counter", "applicant": map[string]any{"national_id": "29001011234567", "name": "مواطن تجريبي", "mobile": "01012345678"}})
		if st != 201 {
			t.Fatalf("register a request: %d %v", st, b["_raw"])
		}

		anon := e.browser()
		e.page(anon, "/")
		e.page(anon, "/login")
		e.form(anon, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		e.page(anon, "/")
		e.page(anon, "/login")

		c := e.browser()
		e.uiLogin(c, "admin")
		linkRE := regexp.MustCompile(`href="(/(?:centers|users|audit|territory|requests|backlog)/[^"?#.]+)"`) // not downloads (.csv, .xlsx)
		idRE := regexp.MustCompile(`/[0-9a-f]{8}-[0-9a-f-]{27}|/[0-9]{4}-[0-9]{4}-[0-9]{4}|/[0-9]+|/[A-Z]{2}-[0-9-]+`)
		for _, lang := range []string{"ar", "en"} {
			e.form(c, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			paths := []string{"/", "/program", "/program?governorate=13", "/centers", "/centers/new", "/users", "/users/new",
				"/users/import", "/territory", "/territory/13", "/audit", "/calendar", "/settings", "/password", "/no-such-page",
				"/centers/00000000-0000-0000-0000-000000000000", "/services", "/services/SHOP-LIC", "/track", "/requests", "/requests/new",
				"/backlog", "/backlog/progress", "/backlog/progress?governorate=13", "/backlog/campaigns/new"}
			visited, shapes := map[string]bool{}, map[string]bool{}
			for len(paths) > 0 {
				p := paths[0]
				paths = paths[1:]
				if visited[p] || len(visited) > 80 {
					continue
				}
				visited[p] = true
				st, html := e.page(c, p)
				if st >= 500 || strings.Contains(html, "template error") {
					t.Errorf("%s %s: %d", lang, p, st)
				}
				if st == 200 && !strings.Contains(html, `lang="`+lang+`"`) {
					t.Errorf("%s %s: not in %s", lang, p, lang)
				}
				// Follow one link of each shape (ids folded) found on the page.
				for _, m := range linkRE.FindAllStringSubmatch(html, -1) {
					shape := idRE.ReplaceAllString(m[1], "/ID")
					if !shapes[shape] && !visited[m[1]] {
						shapes[shape] = true
						paths = append(paths, m[1])
					}
				}
			}
		}
		// The backlog's keying screens belong to its operators, not to the administrator.
		op := e.browser()
		e.uiLogin(op, "operator1")
		for _, lang := range []string{"ar", "en"} {
			e.form(op, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			_, html := e.page(op, "/backlog")
			m := regexp.MustCompile(`href="/backlog/campaigns/([0-9a-f-]{36})/enter"`).FindStringSubmatch(html)
			if m == nil {
				t.Fatalf("operator1 sees no campaign to key: %.400s", html)
			}
			for _, p := range []string{"/enter", "/verify", "/records?mine=true"} {
				if st, _ := e.page(op, "/backlog/campaigns/"+m[1]+p); st != 200 {
					t.Errorf("%s operator %s: %d", lang, p, st)
				}
			}
		}
		var missing []string
		for _, name := range s.PageNames() {
			for _, lang := range []string{"ar", "en"} {
				if !seen[name+"/"+lang] {
					missing = append(missing, name+"/"+lang)
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("pages never rendered: %v", missing)
		}
	})
}
