package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"markaz"
	"markaz/demo"
	"markaz/gateway"
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
		if err := demo.AddPayments(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		gws, err := gateway.Open(context.Background(), db, gateway.Config{Simulated: true})
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{LoginRatePerMinute: 100000, Gateways: gws})
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
		// A second one taken to delivery, for the hand-over screen and the receipt.
		st, d := e.call("POST", "/api/v1/requests", e.token("clerk"), map[string]any{"service_code": "SHOP-LIC",
			"channel": "counter", "applicant": map[string]any{"national_id": "29001011234567", "name": "مواطن تجريبي", "mobile": "01012345678"}})
		if st != 201 {
			t.Fatalf("register a request: %d %v", st, d["_raw"])
		}
		delivered := d["tracking_number"].(string)
		for _, a := range []struct{ user, action string }{{"clerk", "forward"}, {"backoffice", "forward"},
			{"manager", "approve"}, {"clerk", "forward"}} {
			if st, r := e.call("POST", "/api/v1/requests/"+delivered+"/actions", e.token(a.user), map[string]any{"action": a.action}); st != 200 {
				t.Fatalf("%s %s: %d %v", a.user, a.action, st, r["_raw"])
			}
		}
		// The hand-over screen is the front office's (the administrator holds no
		// requests.write): a clerk walks it, with a ready request chosen, in both languages.
		clerk := e.browser()
		e.uiLogin(clerk, "clerk")
		for _, lang := range []string{"ar", "en"} {
			e.form(clerk, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			for _, p := range []string{"/requests/handover", "/requests/handover?q=" + delivered, "/requests/handover?q=0000"} {
				if st, html := e.page(clerk, p); st != 200 || strings.Contains(html, "template error") {
					t.Errorf("clerk %s %s: %d", lang, p, st)
				}
			}
		}
		if st, r := e.call("POST", "/api/v1/requests/"+delivered+"/actions", e.token("clerk"),
			map[string]any{"action": "deliver", "note": "مواطن تجريبي", "verify": "4567"}); st != 200 {
			t.Fatalf("deliver: %d %v", st, r["_raw"])
		}
		var rateLink string // the delivery SMS's rating link
		if err := e.db.Write(context.Background(), func(tx *store.Tx) error {
			tok, err := tx.RatingToken(d["id"].(string))
			rateLink = "/rate/" + tok
			return err
		}); err != nil {
			t.Fatal(err)
		}
		extra := []string{"/requests/" + delivered + "/receipt", "/calendar/centers/" + d["center_id"].(string),
			"/centers/" + d["center_id"].(string) + "/workload", rateLink}

		// One record of each follow-up page (demo data), and the report forms a supervisor
		// fills, which the administrator does not.
		var follow []string
		e.db.Read(context.Background(), func(tx *store.Tx) error {
			for _, q := range []string{`SELECT '/problems/' || MIN(id) FROM problems WHERE equipment_id IS NOT NULL`,
				`SELECT '/needs/' || MIN(id) FROM needs`, `SELECT '/equipment/' || MIN(id) FROM equipment`,
				`SELECT '/centers/' || MIN(center_id) || '/equipment' FROM equipment`} {
				var p string
				if err := tx.Get(&p, q); err != nil {
					t.Fatal(err)
				}
				follow = append(follow, p)
			}
			return nil
		})
		sup := e.browser()
		e.uiLogin(sup, "sharqia")
		for _, lang := range []string{"ar", "en"} {
			e.form(sup, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			for _, p := range []string{"/problems/new", "/needs/new"} {
				if st, _ := e.page(sup, p); st != 200 {
					t.Errorf("%s %s as a supervisor: %d", lang, p, st)
				}
			}
		}

		// A card payment started, for the simulated gateway's checkout page.
		var awaiting string
		db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.Get(&awaiting, `SELECT r.tracking_number FROM requests r WHERE r.status = 'awaiting_payment' AND NOT EXISTS
				(SELECT 1 FROM payments p WHERE p.request_id = r.id) ORDER BY r.tracking_number LIMIT 1`)
		})
		st, b = e.call("POST", "/api/v1/requests/"+awaiting+"/payments", e.token("clerk"), map[string]any{"method": "gateway"})
		if st != 201 {
			t.Fatalf("start a card payment: %d %v", st, b["_raw"])
		}
		checkout := strings.TrimPrefix(b["redirect_url"].(string), srv.URL)

		anon := e.browser()
		e.page(anon, "/")
		e.page(anon, "/login")
		e.page(anon, "/signup")
		e.page(anon, "/signup/verify?m=01012345678")
		e.form(anon, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		e.page(anon, "/")
		e.page(anon, "/login")
		e.page(anon, "/signup")
		e.page(anon, "/signup/verify?m=01012345678")

		// The citizen's pages, as the demo citizen (whose online requests are one returned
		// for completion and one awaiting payment).
		var mine []string
		if err := db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.Select(&mine, `SELECT r.tracking_number FROM requests r JOIN users u ON u.national_id = r.national_id
				AND u.mobile = r.mobile WHERE u.username = 'citizen' ORDER BY r.tracking_number`)
		}); err != nil || len(mine) < 2 { // and the payments demo's request awaiting payment
			t.Fatalf("the demo citizen's requests: %v %v", mine, err)
		}
		cit := e.browser()
		e.uiLogin(cit, "citizen")
		for _, lang := range []string{"ar", "en"} {
			e.form(cit, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			for _, p := range []string{"/", "/me/requests", "/me/requests/" + mine[0], "/me/requests/" + mine[1], "/apply",
				"/apply/SITE-VALID", "/apply/SITE-VALID?governorate=13", "/apply/SITE-VALID?governorate=13&center_id=" + d["center_id"].(string)} {
				if st, html := e.page(cit, p); st != 200 || strings.Contains(html, "template error") || !strings.Contains(html, `lang="`+lang+`"`) {
					t.Errorf("citizen %s %s: %d", lang, p, st)
				}
			}
		}

		// A report definition, for its page.
		if st, b := e.call("POST", "/api/v1/reports/definitions", e.token("admin"), map[string]any{"level": "governorate",
			"code": "13", "frequency": "monthly", "lang": "ar", "formats": []string{"pdf"}, "recipient_roles": []string{"governor"}}); st != 201 {
			t.Fatalf("report definition: %d %v", st, b["_raw"])
		}
		c := e.browser()
		e.uiLogin(c, "admin")
		linkRE := regexp.MustCompile(`href="(/(?:centers|users|audit|territory|requests|training|problems|needs|equipment|payments|receipts|tills|finance|inspections|backlog|reports)/[^"?#.]+)"`) // not downloads (.csv, .xlsx)
		idRE := regexp.MustCompile(`/[0-9a-f]{8}-[0-9a-f-]{27}|/[0-9]{4}-[0-9]{4}-[0-9]{4}|/[0-9]+|/[A-Z]{2}-[0-9-]+`)
		walk := func(c *http.Client, lang string, paths []string) {
			visited, shapes := map[string]bool{}, map[string]bool{}
			for len(paths) > 0 {
				p := paths[0]
				paths = paths[1:]
				if visited[p] || len(visited) > 150 {
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
		for _, lang := range []string{"ar", "en"} {
			e.form(c, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			walk(c, lang, append(append([]string{"/", "/program", "/program?governorate=13", "/centers", "/centers/new", "/users", "/users/new",
				"/users/import", "/territory", "/territory/13", "/audit", "/calendar", "/settings", "/password", "/no-such-page",
				"/centers/00000000-0000-0000-0000-000000000000", "/services", "/services/SHOP-LIC", "/track", "/requests", "/requests/new",
				"/training", "/training/courses", "/training/sessions/new", "/training/coverage", "/training/coverage?code=13",
				"/manual", "/manual/follow-up", "/problems", "/problems/summary", "/problems/teams", "/needs",
				"/tills", "/collections", "/verify", "/simgw", "/payments", checkout,
				"/inspections", "/inspections/committees", "/inspections/committees/new", "/inspections/plans",
				"/inspections/plans/new", "/inspections/visits", "/inspections/visits/new", "/inspections/actions",
				"/inspections/checklists", "/inspections/checklists/new",
				"/backlog", "/backlog/progress", "/backlog/progress?governorate=13", "/backlog/campaigns/new",
				"/dashboard", "/dashboard/governorate/13", "/kpi/weights",
				"/reports", "/reports/inbox", "/reports/archive"}, extra...), follow...))
		}
		// The finance officer's desk (the administrator holds no finance.manage).
		fin := e.browser()
		e.uiLogin(fin, "finance")
		for _, lang := range []string{"ar", "en"} {
			e.form(fin, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			walk(fin, lang, []string{"/finance"})
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
