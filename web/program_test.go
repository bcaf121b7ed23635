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
		// The harness's clock says 15 March 2026 (FY 2025–2026): the 13 units due in FY
		// 2023–2024 are overdue.
		seedMobile := store.MobileCounts{Total: 50, Operating: 37, PendingDelivery: 13, OverdueDelivery: 13}
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
			if mobile["overdue_delivery"] != 13.0 || body["current_fiscal_year"] != 2025.0 {
				t.Fatalf("%s: overdue %v in FY %v", u, mobile["overdue_delivery"], body["current_fiscal_year"])
			}
			if _, ok := body["by_unit"]; ok {
				t.Errorf("%s: a national view is broken down by unit", u)
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
		// Fiscal years run on, with zeros, up to the current one.
		if n := len(nation.ByFiscalYear); n == 0 || nation.ByFiscalYear[n-1] != (store.FiscalYearProgram{FiscalYear: 2025, Label: "2025–2026"}) {
			t.Errorf("fiscal years: %+v", nation.ByFiscalYear)
		}
		developed := 0
		for i, y := range nation.ByFiscalYear {
			if y.FiscalYear != nation.ByFiscalYear[0].FiscalYear+i {
				t.Errorf("fiscal year %d at %d", y.FiscalYear, i)
			}
			developed += y.Developed
			if y.FiscalYear == 2022 && (y.Developed != 13 || y.Label != "2022–2023") {
				t.Errorf("FY 2022: %+v", y)
			}
		}
		if developed != 318 {
			t.Errorf("developed per fiscal year adds up to %d", developed)
		}
		if want := []store.MobileDue{{FiscalYear: 2023, Label: "2023–2024", PendingDelivery: 13, Overdue: true}}; !reflect.DeepEqual(nation.MobileDueByFiscalYear, want) {
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

		// One governorate (by scope or filter) is broken down by district/city: every
		// unit of Sharqia, adding up to the governorate's line.
		for _, c := range []struct{ user, query string }{{"sharqia", ""}, {"admin", "?governorate=13"}} {
			st, s, _ := summary(t, e, tok[c.user], c.query)
			fixed, mobile := 0, 0
			for _, u := range s.ByUnit {
				if !strings.HasPrefix(u.Code, "13-") || u.NameAr == "" || u.NameEn == "" || u.Type == "" {
					t.Errorf("%s %s: unit %+v", c.user, c.query, u)
				}
				fixed, mobile = fixed+u.Fixed.Total, mobile+u.Mobile.Total
			}
			if st != 200 || len(s.ByUnit) != 20 || fixed != sharqia.Fixed.Total || mobile != sharqia.Mobile.Total {
				t.Errorf("%s %s: %d, %d units adding up to %d fixed, %d mobile", c.user, c.query, st, len(s.ByUnit), fixed, mobile)
			}
		}

		// The clerk and the district head see their own part only, by their district/city.
		if st, s, _ = summary(t, e, tok["clerk"], ""); st != 200 || s.Fixed.Total != 1 || s.Fixed.Developed != 1 || !reflect.DeepEqual(govCodes(s), []string{"13"}) ||
			len(s.ByUnit) != 1 || s.ByUnit[0].Fixed.Total != 1 {
			t.Fatalf("clerk: %d %+v %v %+v", st, s.Fixed, govCodes(s), s.ByUnit)
		}
		if st, s, _ = summary(t, e, tok["head"], "?governorate=13"); st != 200 || s.Fixed.Total == 0 || s.Fixed.Total >= sharqia.Fixed.Total ||
			len(s.ByUnit) != 1 || s.ByUnit[0].Fixed != s.Fixed {
			t.Fatalf("head: %d %+v %+v", st, s.Fixed, s.ByUnit)
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
		for _, want := range []string{`lang="ar" dir="rtl"`, "<h1>البرنامج</h1>", "المراكز الثابتة حسب حالة التطوير والمحافظة", "٣٤١", "٣١٨", "٢٣", "٥٠", "٣٧", "١٣",
			"الشرقية", "القاهرة", `<svg class="bars wide" role="img"`, `<svg class="bars narrow" role="img"`, `width="100%"`, `direction="rtl"`,
			"<caption>", `<th scope="row">`, `<th scope="col"`, "العام المالي ٢٠٢٢–٢٠٢٣", `<select id="f-governorate" name="governorate"`,
			// Overdue units, in the digits chosen; the registry's words for the statuses.
			`class="card overdue"`, "١٣ متأخرة: كان موعد تسليمها العام المالي ٢٠٢٣–٢٠٢٤", "(من ١ يوليو إلى ٣٠ يونيو)",
			`<th scope="row">تعمل</th>`, `<th scope="row">في الصيانة</th>`, "خارج الخدمة (لا تُحتسب في الإجمالي)",
			// The fiscal-year chart runs to the current year (FY 2025–2026 by the harness's clock).
			">٢٠٢٥–٢٠٢٦</text>", "العام المالي ٢٠٢٥–٢٠٢٦</th>"} {
			if !strings.Contains(html, want) {
				t.Errorf("Arabic page lacks %q", want)
			}
		}
		// Charts scale to the page without shrinking their text, and draw no zero.
		for _, bad := range []string{"viewBox", ">٠</text>", "في التشغيل"} {
			if strings.Contains(html, bad) {
				t.Errorf("Arabic page has %q", bad)
			}
		}
		// English with Latin digits.
		if resp := e.form(c, "/settings", url.Values{"locale": {"en"}, "digits": {"latn"}}); resp.StatusCode != 303 {
			t.Fatalf("settings: %d", resp.StatusCode)
		}
		_, html = e.page(c, "/program")
		for _, want := range []string{`lang="en" dir="ltr"`, "<h1>Programme</h1>", "Fixed centers by development status and governorate", `direction="ltr"`,
			"13 overdue: due in FY 2023–2024", "(1 July – 30 June)", `<th scope="row">Operating</th>`, "Retired (not counted in the total)",
			`<td class="num">341</td>`, `<td class="num">318</td>`, `<td class="num">23</td>`, `<td class="num">50</td>`,
			`<td class="num">37</td>`, "Sharqia", "FY 2022–2023</th><td class=\"num\">13</td>", "FY 2023–2024</th><td class=\"num\">13</td>"} {
			if !strings.Contains(html, want) {
				t.Errorf("English page lacks %q", want)
			}
		}
		if strings.Contains(html, ">0</text>") {
			t.Error("English page draws a zero")
		}
		// The filter narrows the page, names the governorate and shows its districts/cities.
		_, html = e.page(c, "/program?governorate=13")
		if strings.Contains(html, "<th scope=\"row\">Cairo</th>") {
			t.Error("?governorate=13 does not narrow the page")
		}
		for _, want := range []string{"<h1>Programme — <bdi>Sharqia</bdi></h1>", "Fixed centers by development status and district/city",
			`<th scope="col">District/city</th>`, `<th scope="row">Belbeis</th>`, ">Belbeis</text>"} {
			if !strings.Contains(html, want) {
				t.Errorf("?governorate=13 page lacks %q", want)
			}
		}
		// Arabic with Latin digits: the intro's dates follow the setting.
		e.form(c, "/settings", url.Values{"locale": {"ar"}, "digits": {"latn"}})
		if _, html = e.page(c, "/program"); !strings.Contains(html, "(من 1 يوليو إلى 30 يونيو)") || !strings.Contains(html, "13 متأخرة") {
			t.Error("Arabic page with Latin digits keeps Arabic-Indic ones")
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
		for _, want := range []string{"<h1>البرنامج — <bdi>محافظة الشرقية</bdi></h1>", "المراكز الثابتة حسب حالة التطوير والمركز/المدينة",
			`<th scope="row">بلبيس</th>`} {
			if !strings.Contains(html, want) {
				t.Errorf("sharqia page lacks %q", want)
			}
		}
		// The clerk's page names their center; with no mobile unit, no share of zero.
		var center string
		err := e.db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.Get(&center, `SELECT c.name_ar FROM centers c JOIN assignments a ON a.center_id = c.id
				JOIN users u ON u.id = a.user_id WHERE u.username = 'clerk'`)
		})
		if err != nil {
			t.Fatal(err)
		}
		ck := e.browser()
		e.uiLogin(ck, "clerk")
		st, html = e.page(ck, "/program")
		for _, want := range []string{"<h1>البرنامج — <bdi>مركزك: " + center + "</bdi></h1>", "تعمل (—)", "تم تطويرها (١٠٠٪)"} {
			if st != 200 || !strings.Contains(html, want) {
				t.Errorf("clerk page: %d lacks %q", st, want)
			}
		}
		if strings.Contains(html, "(٠٪)") {
			t.Error("clerk page shows a share of nothing")
		}
		hd := e.browser()
		e.uiLogin(hd, "head")
		if _, html = e.page(hd, "/program"); !strings.Contains(html, "<h1>البرنامج — <bdi>المركز/المدينة: ") {
			t.Error("head page does not name the district/city")
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
