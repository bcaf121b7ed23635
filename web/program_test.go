package web

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"markaz/demo"
	"markaz/store"
)

var demoUsers = []string{"admin", "ministry", "cairo", "sharqia", "clerk", "manager", "backoffice",
	"head", "inspector", "finance", "trainer", "support", "citizen"}

// loadDemo loads the demo dataset with the harness's password and logs every demo user
// in through the API.
func loadDemo(t *testing.T, e *env) map[string]string {
	t.Helper()
	if _, err := demo.Ensure(context.Background(), e.db, testPassword); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, u := range demoUsers {
		tokens[u] = e.token(u)
	}
	return tokens
}

// summary GETs the programme summary and decodes it.
func summary(t *testing.T, e *env, token, query string) (int, store.ProgramSummary, map[string]any) {
	t.Helper()
	st, body := e.call("GET", "/api/v1/program/summary"+query, token, nil)
	var s store.ProgramSummary
	if st == 200 {
		if err := json.Unmarshal([]byte(body["_raw"].(string)), &s); err != nil {
			t.Fatal(err)
		}
	}
	return st, s, body
}

func govCodes(s store.ProgramSummary) []string {
	var out []string
	for _, g := range s.ByGovernorate {
		out = append(out, g.Code)
	}
	return out
}

func TestProgramSummaryAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tok := loadDemo(t, e)
		seedFixed := store.FixedCounts{Total: 341, Developed: 318, UnderDevelopment: 23}
		seedMobile := store.MobileCounts{Total: 50, Operating: 37, PendingDelivery: 13}
		var nation store.ProgramSummary
		for _, u := range []string{"admin", "ministry", "trainer"} {
			st, s, body := summary(t, e, tok[u], "")
			if st != 200 || s.Fixed != seedFixed || s.Mobile != seedMobile {
				t.Fatalf("%s: %d %+v %+v", u, st, s.Fixed, s.Mobile)
			}
			// The JSON names every status, zeros included.
			fixed := body["fixed"].(map[string]any)
			mobile := body["mobile"].(map[string]any)
			if fixed["planned"] != 0.0 || mobile["maintenance"] != 0.0 || mobile["retired"] != 0.0 {
				t.Fatalf("%s: zero counts missing: %v", u, body["_raw"])
			}
			nation = s
		}
		if len(nation.ByGovernorate) != 27 {
			t.Fatalf("%d governorates", len(nation.ByGovernorate))
		}
		var sumFixed, sumMobile int
		var sharqia store.GovernorateProgram
		for _, g := range nation.ByGovernorate {
			if g.Fixed.Total == 0 || g.NameAr == "" || g.NameEn == "" {
				t.Errorf("governorate %+v", g)
			}
			sumFixed, sumMobile = sumFixed+g.Fixed.Total, sumMobile+g.Mobile.Total
			if g.Code == "13" {
				sharqia = g
			}
		}
		if sumFixed != 341 || sumMobile != 50 {
			t.Errorf("governorate lines add up to %d fixed, %d mobile", sumFixed, sumMobile)
		}
		developed := 0
		for _, y := range nation.ByFiscalYear {
			developed += y.Developed
			if y.FiscalYear == 2022 && (y.Developed != 13 || y.Label != "2022–2023") {
				t.Errorf("FY 2022: %+v", y)
			}
		}
		if developed != 318 {
			t.Errorf("developed per fiscal year adds up to %d", developed)
		}
		if want := []store.MobileDue{{FiscalYear: 2023, Label: "2023–2024", PendingDelivery: 13}}; !reflect.DeepEqual(nation.MobileDueByFiscalYear, want) {
			t.Errorf("due: %+v", nation.MobileDueByFiscalYear)
		}

		// A governorate user sees their governorate only; ?governorate= narrows a national one.
		st, s, _ := summary(t, e, tok["sharqia"], "")
		if st != 200 || !reflect.DeepEqual(govCodes(s), []string{"13"}) || s.Fixed != sharqia.Fixed || s.Mobile != sharqia.Mobile {
			t.Fatalf("sharqia: %d %v %+v, want %+v", st, govCodes(s), s.Fixed, sharqia.Fixed)
		}
		for _, q := range []string{"?governorate=13", "?governorate=%D9%A1%D9%A3"} { // Latin and Arabic-Indic digits
			st, s, _ = summary(t, e, tok["admin"], q)
			if st != 200 || !reflect.DeepEqual(govCodes(s), []string{"13"}) || s.Fixed != sharqia.Fixed || s.Mobile != sharqia.Mobile {
				t.Fatalf("admin %s: %d %v %+v", q, st, govCodes(s), s.Fixed)
			}
		}
		if st, s, _ = summary(t, e, tok["sharqia"], "?governorate=13"); st != 200 || s.Fixed != sharqia.Fixed {
			t.Fatalf("sharqia ?governorate=13: %d %+v", st, s.Fixed)
		}

		// The clerk and the district head see their own part only.
		if st, s, _ = summary(t, e, tok["clerk"], ""); st != 200 || s.Fixed.Total != 1 || s.Fixed.Developed != 1 || !reflect.DeepEqual(govCodes(s), []string{"13"}) {
			t.Fatalf("clerk: %d %+v %v", st, s.Fixed, govCodes(s))
		}
		if st, s, _ = summary(t, e, tok["head"], "?governorate=13"); st != 200 || s.Fixed.Total == 0 || s.Fixed.Total >= sharqia.Fixed.Total {
			t.Fatalf("head: %d %+v", st, s.Fixed)
		}

		// Bad and forbidden filters.
		for _, q := range []string{"?governorate=99", "?governorate=abc", "?governorate=" + strings.Repeat("1", 300)} {
			st, _, body := summary(t, e, tok["admin"], q)
			errs, _ := body["errors"].([]any)
			if st != 422 || len(errs) != 1 || errs[0].(map[string]any)["field"] != "governorate" {
				t.Errorf("admin %s: %d %v", q[:min(len(q), 20)], st, body["_raw"])
			}
		}
		for _, c := range []struct{ user, query string }{{"sharqia", "?governorate=01"}, {"cairo", "?governorate=13"},
			{"head", "?governorate=01"}, {"clerk", "?governorate=12"}, {"citizen", ""}} {
			if st, _, body := summary(t, e, tok[c.user], c.query); st != 403 || body["code"] != "forbidden" {
				t.Errorf("%s %s: %d %v", c.user, c.query, st, body["_raw"])
			}
		}
		if st, _, _ := summary(t, e, "", ""); st != 401 {
			t.Errorf("anonymous: %d", st)
		}
	})
}

func TestProgramPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		loadDemo(t, e)
		c := e.browser()
		e.uiLogin(c, "admin")
		st, html := e.page(c, "/program")
		if st != 200 {
			t.Fatalf("program page: %d %s", st, html)
		}
		for _, want := range []string{`lang="ar" dir="rtl"`, "المراكز الثابتة حسب حالة التطوير والمحافظة", "٣٤١", "٣١٨", "٢٣", "٥٠", "٣٧", "١٣",
			"الشرقية", "القاهرة", `<svg class="chart" role="img"`, `direction="rtl"`, "<caption>", `<th scope="row">`, `<th scope="col"`,
			"العام المالي ٢٠٢٢–٢٠٢٣", `<select id="f-governorate" name="governorate"`} {
			if !strings.Contains(html, want) {
				t.Errorf("Arabic page lacks %q", want)
			}
		}
		// English with Latin digits.
		if resp := e.form(c, "/settings", url.Values{"locale": {"en"}, "digits": {"latn"}}); resp.StatusCode != 303 {
			t.Fatalf("settings: %d", resp.StatusCode)
		}
		_, html = e.page(c, "/program")
		for _, want := range []string{`lang="en" dir="ltr"`, "Fixed centers by development status and governorate", `direction="ltr"`,
			`<td class="num">341</td>`, `<td class="num">318</td>`, `<td class="num">23</td>`, `<td class="num">50</td>`,
			`<td class="num">37</td>`, "Sharqia", "FY 2022–2023</th><td class=\"num\">13</td>", "FY 2023–2024</th><td class=\"num\">13</td>"} {
			if !strings.Contains(html, want) {
				t.Errorf("English page lacks %q", want)
			}
		}
		// The filter narrows the page.
		_, html = e.page(c, "/program?governorate=13")
		if !strings.Contains(html, "Sharqia") || strings.Contains(html, "<th scope=\"row\">Cairo</th>") {
			t.Error("?governorate=13 does not narrow the page")
		}
		if st, _ := e.page(c, "/program?governorate=99"); st != 422 {
			t.Errorf("unknown governorate page: %d", st)
		}

		// A governorate user: own governorate only, no filter, 403 outside.
		s := e.browser()
		e.uiLogin(s, "sharqia")
		st, html = e.page(s, "/program")
		if st != 200 || !strings.Contains(html, "الشرقية") || strings.Contains(html, "القاهرة") || strings.Contains(html, `name="governorate"`) {
			t.Errorf("sharqia page: %d", st)
		}
		if st, _ := e.page(s, "/program?governorate=01"); st != 403 {
			t.Errorf("sharqia on Cairo: %d", st)
		}
		// Citizens have no programme view; anonymous users are sent to log in.
		cz := e.browser()
		e.uiLogin(cz, "citizen")
		if st, _ := e.page(cz, "/program"); st != 403 {
			t.Errorf("citizen: %d", st)
		}
		if st, _ := e.page(e.browser(), "/program"); st != 303 {
			t.Errorf("anonymous: %d", st)
		}
	})
}
