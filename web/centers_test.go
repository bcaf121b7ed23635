package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/store"
)

// centerBodyFor is a valid developed fixed center in unit.
func centerBodyFor(code, unit, nameAr string) map[string]any {
	return map[string]any{"code": code, "kind": "fixed", "name_ar": nameAr, "name_en": "Center " + code,
		"unit": unit, "development_status": "developed", "completed_on": "2023-02-01",
		"opens_at": "08:00", "closes_at": "15:00"}
}

// centerUsers creates the usual cast: a national admin, the ministry, and supervisors of
// governorates 13 and 01.
func centerUsers(e *env) {
	e.user("admin", at(markaz.RoleAdmin, markaz.LevelNation, ""))
	e.user("ministry", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	e.user("sharqia", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	e.user("cairo", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "01"))
}

// mustCenter creates a center through the API and returns its JSON.
func mustCenter(e *env, tok string, body map[string]any) map[string]any {
	e.t.Helper()
	st, c := e.call("POST", "/api/v1/centers", tok, body)
	if st != http.StatusCreated {
		e.t.Fatalf("create %v: %d %s", body["code"], st, c["_raw"])
	}
	return c
}

// problemFields maps field → code of a problem answer.
func problemFields(b map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := b["errors"].([]any)
	for _, x := range list {
		f := x.(map[string]any)
		out[f["field"].(string)] = f["code"].(string)
	}
	return out
}

func centerAuditCount(e *env) int {
	e.t.Helper()
	var n int
	if err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE entity = 'center'`)
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func itemCodes(b map[string]any) []string {
	var out []string
	items, _ := b["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["code"].(string))
	}
	return out
}

func TestCentersAPILifecycleAndScope(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		admin, ministry, sharqia := e.token("admin"), e.token("ministry"), e.token("sharqia")

		zag := mustCenter(e, sharqia, centerBodyFor("SH-ZAG-01", "13-001", "مركز الزقازيق"))
		if zag["governorate"] != "13" || zag["version"] != 1.0 || zag["completed_fiscal_year"] != 2022.0 || zag["unit_name_en"] != "Zagazig" {
			t.Fatalf("created: %s", zag["_raw"])
		}
		alex := mustCenter(e, admin, centerBodyFor("CA-001", "01-001", "مركز الإسكندرية"))

		// Writing outside one's territory, or without the right, is forbidden.
		if st, b := e.call("POST", "/api/v1/centers", sharqia, centerBodyFor("CA-002", "01-002", "مركز")); st != 403 {
			t.Errorf("sharqia creates in Cairo: %d %s", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/centers", ministry, centerBodyFor("SH-X", "13-002", "مركز")); st != 403 {
			t.Errorf("ministry creates: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/centers", "", nil); st != 401 {
			t.Errorf("anonymous list: %d", st)
		}

		// Reading: by id or code, in scope only.
		for _, ref := range []string{zag["id"].(string), "SH-ZAG-01", "sh-zag-01"} {
			if st, b := e.call("GET", "/api/v1/centers/"+ref, sharqia, nil); st != 200 || b["id"] != zag["id"] {
				t.Errorf("get %s: %d", ref, st)
			}
		}
		if st, b := e.call("GET", "/api/v1/centers/"+alex["id"].(string), sharqia, nil); st != 403 || strings.Contains(b["_raw"].(string), "CA-001") {
			t.Errorf("sharqia reads Cairo: %d %s", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/centers/NO-SUCH", admin, nil); st != 404 {
			t.Errorf("missing center: %d", st)
		}
		if st, b := e.call("GET", "/api/v1/centers", sharqia, nil); st != 200 || fmt.Sprint(itemCodes(b)) != "[SH-ZAG-01]" || b["next_cursor"] != "" {
			t.Errorf("sharqia list: %d %s", st, b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/centers", ministry, nil); st != 200 || fmt.Sprint(itemCodes(b)) != "[CA-001 SH-ZAG-01]" {
			t.Errorf("ministry list: %d %s", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/centers?governorate=01", sharqia, nil); st != 403 {
			t.Errorf("sharqia filters on Cairo: %d", st)
		}

		// Search folds alef forms and ta marbuta; digits may be Arabic-Indic.
		for _, q := range []string{"الاسكندريه", "إسكندرية", "ca-٠٠١"} {
			if st, b := e.call("GET", "/api/v1/centers?q="+url.QueryEscape(q), ministry, nil); st != 200 || fmt.Sprint(itemCodes(b)) != "[CA-001]" {
				t.Errorf("search %q: %d %s", q, st, b["_raw"])
			}
		}

		// Editing with the version read; a stale version is a conflict.
		id := zag["id"].(string)
		edit := centerBodyFor("SH-ZAG-01", "13-002", "مركز بلبيس")
		edit["version"] = 1
		st, b := e.call("PUT", "/api/v1/centers/"+id, sharqia, edit)
		if st != 200 || b["version"] != 2.0 || b["unit"] != "13-002" || b["name_ar"] != "مركز بلبيس" {
			t.Fatalf("edit: %d %s", st, b["_raw"])
		}
		st, b = e.call("PUT", "/api/v1/centers/"+id, sharqia, edit)
		if st != 409 || !strings.Contains(b["detail"].(string), "changed this record") {
			t.Errorf("stale edit: %d %s", st, b["_raw"])
		}
		// Moving a center needs the new territory too; the ministry edits nothing.
		move := centerBodyFor("SH-ZAG-01", "01-003", "مركز")
		move["version"] = 2
		if st, _ := e.call("PUT", "/api/v1/centers/"+id, sharqia, move); st != 403 {
			t.Errorf("move to Cairo: %d", st)
		}
		if st, _ := e.call("PUT", "/api/v1/centers/"+id, ministry, move); st != 403 {
			t.Errorf("ministry edits: %d", st)
		}
		if st, _ := e.call("PUT", "/api/v1/centers/"+alex["id"].(string), sharqia, move); st != 403 {
			t.Errorf("sharqia edits Cairo: %d", st)
		}

		// Retiring: a reason is required; then the center is frozen.
		if st, b := e.call("POST", "/api/v1/centers/"+id+"/retire", sharqia, map[string]any{"reason": ""}); st != 422 || problemFields(b)["reason"] != "required" {
			t.Errorf("retire without reason: %d %s", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/centers/"+id+"/retire", sharqia, map[string]any{"reason": "Merged", "retired_on": "2099-01-01"}); st != 422 || problemFields(b)["retired_on"] != "date_in_future" {
			t.Errorf("retire in the future: %d %s", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/centers/"+alex["id"].(string)+"/retire", sharqia, map[string]any{"reason": "x"}); st != 403 {
			t.Errorf("sharqia retires Cairo: %d", st)
		}
		st, b = e.call("POST", "/api/v1/centers/"+id+"/retire", sharqia, map[string]any{"reason": "Merged into Belbeis"})
		if st != 200 || b["retired_on"] != "2026-03-15" || b["retire_reason"] != "Merged into Belbeis" {
			t.Fatalf("retire: %d %s", st, b["_raw"])
		}
		move["unit"], move["version"] = "13-003", 3
		if st, b := e.call("PUT", "/api/v1/centers/"+id, sharqia, move); st != 409 || !strings.Contains(b["detail"].(string), "retired") {
			t.Errorf("edit retired: %d %s", st, b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/centers", sharqia, nil); st != 200 || len(itemCodes(b)) != 0 {
			t.Errorf("retired center still listed: %s", b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/centers?include_retired=true", sharqia, nil); st != 200 || len(itemCodes(b)) != 1 {
			t.Errorf("retired center not listed on request: %s", b["_raw"])
		}

		// A mobile unit's status follows its retirement.
		mob := mustCenter(e, sharqia, map[string]any{"code": "SH-MOB-01", "kind": "mobile", "name_ar": "وحدة متنقلة",
			"name_en": "Mobile unit 1", "unit": "13-004", "mobile_status": "operating", "delivered_on": "2024-01-10",
			"vehicle_plate": "ش ر ق ١٢٣"})
		// Not before it was delivered; a closure before the day it was recorded is fine.
		if st, b := e.call("POST", "/api/v1/centers/SH-MOB-01/retire", sharqia, map[string]any{"reason": "Accident", "retired_on": "2024-01-01"}); st != 422 || problemFields(b)["retired_on"] != "retired_before_delivered" {
			t.Errorf("retire before delivered: %d %s", st, b["_raw"])
		}
		e.clock.Advance(10 * 24 * time.Hour)
		sharqia = e.token("sharqia") // tokens last a day
		if st, b := e.call("POST", "/api/v1/centers/SH-MOB-01/retire", sharqia, map[string]any{"reason": "Accident", "retired_on": "2026-03-20"}); st != 200 || b["mobile_status"] != "retired" || b["retired_on"] != "2026-03-20" {
			t.Errorf("retire mobile: %d %s", st, b["_raw"])
		}
		_ = mob

		// Three creates, one edit, two retirements — each audited, refused attempts not.
		if n := centerAuditCount(e); n != 6 {
			t.Errorf("audit entries for centers: %d, want 6", n)
		}
	})
}

func TestCentersAPIValidation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		tok := e.token("sharqia")
		mustCenter(e, tok, centerBodyFor("SH-001", "13-001", "مركز"))
		// with is a valid body with some fields changed (nil removes one).
		with := func(kv ...any) map[string]any {
			b := centerBodyFor("SH-002", "13-001", "مركز")
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(b, kv[i].(string))
				} else {
					b[kv[i].(string)] = kv[i+1]
				}
			}
			return b
		}
		cases := []struct {
			name  string
			body  any
			field string
			code  string
		}{
			{"missing name", with("name_ar", nil), "name_ar", "required"},
			{"unknown unit", with("unit", "13-999"), "unit", "unknown_unit"},
			{"duplicate code", with("code", "sh-001"), "code", "taken"},
			{"long name", with("name_en", strings.Repeat("x", 161)), "name_en", "too_long"},
			{"long address", with("address", strings.Repeat("ش", 301)), "address", "too_long"},
			{"bad code", with("code", "SH 002!"), "code", "code_format"},
			{"wrong type", `{"code":"SH-002","latitude":"north"}`, "latitude", "wrong_type"},
			{"unknown field", `{"code":"SH-002","governorate":"13"}`, "governorate", "unknown_field"},
			{"bad date", with("completed_on", "2023-02-30"), "completed_on", "date_format"},
			{"developed without date", with("completed_on", nil), "completed_on", "required"},
			{"closes before opens", with("closes_at", "07:00"), "closes_at", "closes_before_opens"},
			{"bad rest days", with("weekly_rest", "friday"), "weekly_rest", "weekday_list"},
			{"mobile retired by status", with("kind", "mobile", "mobile_status", "retired", "delivered_on", "2024-01-01"), "mobile_status", "retire_instead"},
			{"outside egypt", with("latitude", 48.8, "longitude", 2.3), "latitude", "outside_egypt"},
		}
		for _, c := range cases {
			st, b := e.call("POST", "/api/v1/centers", tok, c.body)
			if st != 422 || problemFields(b)[c.field] != c.code {
				t.Errorf("%s: %d %s", c.name, st, b["_raw"])
			}
		}
		for _, body := range []string{`{`, `[]`, `{"code": 5}`} {
			if st, b := e.call("POST", "/api/v1/centers", tok, body); st != 422 {
				t.Errorf("%s: %d %s", body, st, b["_raw"])
			}
		}
		// An edit without a version is refused with the field named.
		if st, b := e.call("PUT", "/api/v1/centers/SH-001", tok, centerBodyFor("SH-001", "13-001", "مركز")); st != 422 || problemFields(b)["version"] != "required" {
			t.Errorf("edit without version: %d %s", st, b["_raw"])
		}
		for q, field := range map[string]string{"limit=0": "limit", "limit=abc": "limit", "cursor=%21%21": "cursor",
			"kind=boat": "kind", "status=closed": "status", "include_retired=maybe": "include_retired",
			"governorate=99": "governorate", "unit=13-999": "unit", "q=" + strings.Repeat("a", 101): "q",
			"cursor=" + encodeCursor("13"): "cursor", "cursor=" + encodeCursor("13", "SH-001", "x"): "cursor"} {
			if st, b := e.call("GET", "/api/v1/centers?"+q, tok, nil); st != 422 || problemFields(b)[field] == "" {
				t.Errorf("list ?%.30s: %d %s", q, st, b["_raw"])
			}
		}
		if n := centerAuditCount(e); n != 1 {
			t.Errorf("refused writes were audited or half-saved: %d entries", n)
		}
	})
}

func TestCentersAPIPaging(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		tok := e.token("sharqia")
		var want []string
		for i := 7; i >= 1; i-- { // created out of order: the list is in code order
			code := fmt.Sprintf("SH-%03d", i)
			mustCenter(e, tok, centerBodyFor(code, fmt.Sprintf("13-%03d", i), "مركز"))
			want = append([]string{code}, want...)
		}
		mustCenter(e, e.token("cairo"), centerBodyFor("CA-001", "01-001", "مركز"))
		var got []string
		path := "/api/v1/centers?limit=2"
		for pages := 1; ; pages++ {
			st, b := e.call("GET", path, tok, nil)
			if st != 200 {
				t.Fatalf("page %d: %d %s", pages, st, b["_raw"])
			}
			got = append(got, itemCodes(b)...)
			next, _ := b["next_cursor"].(string)
			if next == "" {
				if pages != 4 {
					t.Errorf("%d pages, want 4", pages)
				}
				break
			}
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			path = "/api/v1/centers?limit=2&cursor=" + next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("paged %v, want %v", got, want)
		}
	})
}

// postPage posts a same-origin form and returns status, body and redirect target.
func postPage(e *env, c *http.Client, path string, v url.Values) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func goodCenterForm(code, unit, nameAr string) url.Values {
	return url.Values{"code": {code}, "kind": {"fixed"}, "name_ar": {nameAr}, "name_en": {"Center " + code},
		"unit": {unit}, "development_status": {"developed"}, "completed_on": {"2023-02-01"},
		"opens_at": {"08:00"}, "closes_at": {"15:00"}, "weekly_rest": {"fri", "sat"}}
}

func TestCentersUI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		cairo := mustCenter(e, e.token("cairo"), centerBodyFor("CA-001", "01-001", "مركز الزيتون"))
		c := e.browser()
		e.uiLogin(c, "sharqia")

		// A form with errors comes back (422) in Arabic, values kept, each message by its field.
		bad := goodCenterForm("SH-ZAG-01", "13-001", "")
		bad.Set("latitude", "abc")
		st, html, _ := postPage(e, c, "/centers/new", bad)
		if st != 422 || !strings.Contains(html, `id="e-latitude"`) || !strings.Contains(html, "يجب أن يكون رقمًا") ||
			!strings.Contains(html, `value="SH-ZAG-01"`) || !strings.Contains(html, `lang="ar"`) {
			t.Fatalf("arabic form errors: %d\n%s", st, html)
		}
		bad.Set("latitude", "NaN")
		bad.Set("longitude", "٣١٫٥")
		if st, html, _ := postPage(e, c, "/centers/new", bad); st != 422 || !strings.Contains(html, `id="e-latitude"`) {
			t.Fatalf("NaN latitude: %d", st)
		}
		bad.Set("latitude", "")
		bad.Set("longitude", "")
		st, html, _ = postPage(e, c, "/centers/new", bad)
		if st != 422 || !strings.Contains(html, `id="e-name_ar"`) || !strings.Contains(html, "هذا الحقل مطلوب") ||
			!strings.Contains(html, `value="fri" checked`) {
			t.Fatalf("arabic validation errors: %d\n%s", st, html)
		}
		// Creating in another governorate is refused with the error page.
		if st, _, _ := postPage(e, c, "/centers/new", goodCenterForm("CA-002", "01-002", "مركز")); st != 403 {
			t.Errorf("ui create in Cairo: %d", st)
		}
		// A good form saves and leads to the center's page with a flash.
		st, _, loc := postPage(e, c, "/centers/new", goodCenterForm("SH-ZAG-01", "13-001", "مركز الزقازيق"))
		if st != 303 || !strings.HasPrefix(loc, "/centers/") {
			t.Fatalf("ui create: %d %s", st, loc)
		}
		st, html = e.page(c, loc)
		if st != 200 || !strings.Contains(html, "تمت إضافة المركز") || !strings.Contains(html, "مركز الزقازيق") ||
			!strings.Contains(html, "العام المالي ٢٠٢٢–٢٠٢٣") || !strings.Contains(html, `id="edit-center"`) ||
			!strings.Contains(html, `action="`+loc+`/retire"`) || !strings.Contains(html, "الجمعة، السبت") {
			t.Fatalf("view page: %d\n%s", st, html)
		}

		// The list shows only what the user may see, and the filters offer only that too.
		st, html = e.page(c, "/centers")
		if st != 200 || !strings.Contains(html, "SH-ZAG-01") || strings.Contains(html, "CA-001") ||
			strings.Contains(html, `value="01-001"`) || !strings.Contains(html, `value="13-001"`) || !strings.Contains(html, `id="new-center"`) {
			t.Fatalf("list: %d\n%s", st, html)
		}
		if st, html := e.page(c, "/centers?q="+url.QueryEscape("الزقازيق")+"&kind=fixed&status=developed"); st != 200 || !strings.Contains(html, "SH-ZAG-01") {
			t.Errorf("filtered list: %d", st)
		}
		if st, _ := e.page(c, "/centers/"+cairo["id"].(string)); st != 403 {
			t.Errorf("view Cairo center: %d", st)
		}
		if st, _ := e.page(c, "/centers/"+cairo["id"].(string)+"/edit"); st != 403 {
			t.Errorf("edit Cairo center: %d", st)
		}

		// Edit in English: errors in English, then a good save.
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		st, html = e.page(c, loc+"/edit")
		if st != 200 || !strings.Contains(html, `name="version" value="1"`) || !strings.Contains(html, `value="13-001" selected`) {
			t.Fatalf("edit form: %d\n%s", st, html)
		}
		edit := goodCenterForm("SH-ZAG-01", "13-001", "مركز الزقازيق")
		edit.Set("version", "1")
		edit.Set("closes_at", "07:00")
		st, html, _ = postPage(e, c, loc+"/edit", edit)
		if st != 422 || !strings.Contains(html, "Closing time must be after opening time") || !strings.Contains(html, `lang="en"`) {
			t.Fatalf("english form errors: %d\n%s", st, html)
		}
		edit.Set("closes_at", "16:00")
		edit.Set("address", "Gamal Abdel Nasser St.")
		if st, _, to := postPage(e, c, loc+"/edit", edit); st != 303 || to != loc {
			t.Fatalf("ui edit: %d %s", st, to)
		}
		if st, _, _ := postPage(e, c, loc+"/edit", edit); st != 409 {
			t.Errorf("stale ui edit: %d", st)
		}

		// Retire: the reason is required, then the page shows it and no controls.
		st, html, _ = postPage(e, c, loc+"/retire", url.Values{"reason": {""}})
		if st != 422 || !strings.Contains(html, `id="e-reason"`) {
			t.Fatalf("retire without reason: %d", st)
		}
		if st, _, to := postPage(e, c, loc+"/retire", url.Values{"reason": {"Moved"}, "confirm": {"yes"}}); st != 303 || to != loc {
			t.Fatalf("ui retire: %d", st)
		}
		st, html = e.page(c, loc)
		if st != 200 || !strings.Contains(html, "The center was retired.") || !strings.Contains(html, "Moved") || strings.Contains(html, `id="edit-center"`) {
			t.Errorf("retired view: %d", st)
		}
		// Its edit page leads back to it, saying why.
		resp, err := c.Get(e.srv.URL + loc + "/edit")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 || resp.Header.Get("Location") != loc {
			t.Errorf("edit form of a retired center: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, html := e.page(c, loc); !strings.Contains(html, "This center is retired and can no longer be changed.") {
			t.Errorf("no message after the retired center's edit page:\n%s", html)
		}

		// The ministry reads everything but sees no controls and no forms.
		m := e.browser()
		e.uiLogin(m, "ministry")
		if _, html := e.page(m, "/centers?include_retired=true"); !strings.Contains(html, "CA-001") || !strings.Contains(html, "SH-ZAG-01") || strings.Contains(html, `id="new-center"`) {
			t.Errorf("ministry list")
		}
		if _, html := e.page(m, "/centers/CA-001"); strings.Contains(html, `id="edit-center"`) || strings.Contains(html, "/retire") {
			t.Errorf("ministry sees write controls")
		}
		if st, _ := e.page(m, "/centers/new"); st != 403 {
			t.Errorf("ministry new form: %d", st)
		}
		if n := centerAuditCount(e); n != 4 {
			t.Errorf("audit entries: %d, want 4", n)
		}
	})
}

func TestCentersUIPagingLink(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		tok := e.token("sharqia")
		for i := 1; i <= 3; i++ {
			mustCenter(e, tok, centerBodyFor(fmt.Sprintf("SH-%03d", i), "13-001", "مركز"))
		}
		c := e.browser()
		e.uiLogin(c, "sharqia")
		_, html := e.page(c, "/centers?limit=2&governorate=13")
		i := strings.Index(html, `id="next-page"`)
		if i < 0 || !strings.Contains(html, "SH-002") || strings.Contains(html, "SH-003") {
			t.Fatalf("first page:\n%s", html)
		}
		href := html[strings.LastIndex(html[:i], `href="`)+6:]
		href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
		_, html = e.page(c, href)
		if !strings.Contains(html, "SH-003") || strings.Contains(html, "SH-001") || strings.Contains(html, `id="next-page"`) {
			t.Errorf("second page (%s):\n%s", href, html)
		}
	})
}

// centerFieldIDs lists which of the fields have an error message on the page.
func centerFieldIDs(html string, fields ...string) []string {
	var out []string
	for _, f := range fields {
		if strings.Contains(html, `id="e-`+f+`"`) {
			out = append(out, f)
		}
	}
	return out
}

// A form with many problems reports all of them at once, parse errors included, keeping
// what was typed; values given where they do not apply are refused, not dropped.
func TestCentersUIFormReportsEveryError(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		c := e.browser()
		e.uiLogin(c, "sharqia")
		bad := url.Values{"code": {"tc 13/zag"}, "kind": {"fixed"}, "name_ar": {"Test center"}, "name_en": {"مركز"},
			"unit": {"13-001"}, "latitude": {"30.5"}, "longitude": {"abc"}, "opens_at": {"08:00"}, "closes_at": {"07:00"},
			"weekly_rest": markaz.Weekdays, "development_status": {"planned"}, "completed_on": {"2023-01-01"},
			"vehicle_plate": {"ABC 123"}, "delivery_due_fiscal_year": {"x"}}
		want := []string{"code", "name_ar", "name_en", "longitude", "closes_at", "weekly_rest", "completed_on",
			"vehicle_plate", "delivery_due_fiscal_year"}
		st, html, _ := postPage(e, c, "/centers/new", bad)
		if got := centerFieldIDs(html, append(want, "latitude", "unit", "kind")...); st != 422 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("errors: %d %v, want %v\n%s", st, got, want, html)
		}
		for _, s := range []string{"لا يمكن اختيار أيام الأسبوع السبعة كلها", "للوحدات المتنقلة فقط", "اكتب الاسم العربي بالحروف العربية",
			"بالحروف اللاتينية", "لا يُسجَّل إلا لمركز تم تطويره", `value="tc 13/zag"`, `value="abc"`, `value="ABC 123"`,
			`value="sun" checked`, `value="sat" checked`} {
			if !strings.Contains(html, s) {
				t.Errorf("arabic form lacks %q", s)
			}
		}
		if strings.Contains(html, "sun, mon") {
			t.Error("the checkbox form asks to type day codes")
		}
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		st, html, _ = postPage(e, c, "/centers/new", bad)
		if st != 422 || !strings.Contains(html, "You cannot choose all seven days as rest days.") ||
			!strings.Contains(html, "This applies to mobile units only") || !strings.Contains(html, "Must be a number.") {
			t.Errorf("english form: %d\n%s", st, html)
		}
		// A mobile unit refuses the development fields the same way.
		mob := url.Values{"code": {"SH-M-01"}, "kind": {"mobile"}, "name_ar": {"وحدة"}, "name_en": {"Unit"}, "unit": {"13-001"},
			"mobile_status": {"pending_delivery"}, "development_status": {"developed"}, "completed_on": {"2023-01-01"}}
		if st, html, _ := postPage(e, c, "/centers/new", mob); st != 422 || fmt.Sprint(centerFieldIDs(html, "development_status", "completed_on")) != "[development_status completed_on]" ||
			!strings.Contains(html, "This applies to fixed centers only") {
			t.Errorf("fixed fields on a mobile unit: %d", st)
		}

		// The API says the same with distinct codes; a bad date no longer hides the other problems.
		tok := e.token("sharqia")
		body := centerBodyFor("SH-001", "13-001", "")
		body["weekly_rest"] = "sun,mon,tue,wed,thu,fri,sat"
		body["completed_on"] = "2023-02-30"
		body["vehicle_plate"] = "ABC 123"
		st, b := e.call("POST", "/api/v1/centers", tok, body)
		if f := problemFields(b); st != 422 || f["weekly_rest"] != "rest_all_week" || f["completed_on"] != "date_format" ||
			f["name_ar"] != "required" || f["vehicle_plate"] != "only_mobile" {
			t.Errorf("api errors: %d %s", st, b["_raw"])
		}
		body = centerBodyFor("SH-001", "13-001", "مركز")
		body["weekly_rest"] = "fri,funday"
		if st, b := e.call("POST", "/api/v1/centers", tok, body); st != 422 || problemFields(b)["weekly_rest"] != "weekday_list" {
			t.Errorf("api bad day code: %d %s", st, b["_raw"])
		}
		if n := centerAuditCount(e); n != 0 {
			t.Errorf("refused forms saved something: %d audit entries", n)
		}
	})
}

// Retiring asks for a confirmation and a day no earlier than the center's record; a
// retired center's edit page and forms lead back to its page with a message.
func TestCentersUIRetireRules(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		ctr := mustCenter(e, e.token("sharqia"), centerBodyFor("SH-001", "13-001", "مركز"))
		loc := "/centers/" + ctr["id"].(string)
		c := e.browser()
		e.uiLogin(c, "sharqia")
		if _, html := e.page(c, loc); !strings.Contains(html, `name="confirm"`) || !strings.Contains(html, "أدرك أن هذا الإجراء يُخرج المركز من الخدمة") {
			t.Fatalf("retire form without confirmation:\n%s", html)
		}
		st, html, _ := postPage(e, c, loc+"/retire", url.Values{"reason": {""}, "retired_on": {"1990-03-01"}})
		if got := centerFieldIDs(html, "reason", "retired_on", "confirm"); st != 422 || len(got) != 3 ||
			!strings.Contains(html, "لا يمكن إيقاف المركز قبل") || !strings.Contains(html, `value="1990-03-01"`) {
			t.Fatalf("retire problems: %d %v\n%s", st, got, html)
		}
		st, html, _ = postPage(e, c, loc+"/retire", url.Values{"reason": {"Merged"}, "retired_on": {"2026-03-15"}})
		if st != 422 || fmt.Sprint(centerFieldIDs(html, "reason", "retired_on", "confirm")) != "[confirm]" || !strings.Contains(html, `value="Merged"`) {
			t.Fatalf("retire unconfirmed: %d", st)
		}
		if st, _, to := postPage(e, c, loc+"/retire", url.Values{"reason": {"Merged"}, "retired_on": {"2026-03-15"}, "confirm": {"yes"}}); st != 303 || to != loc {
			t.Fatalf("retire: %d %s", st, to)
		}
		// Every way of changing it again leads back to its page, which says why.
		edit := goodCenterForm("SH-001", "13-001", "مركز")
		edit.Set("version", "2")
		for _, try := range []func() (int, string){
			func() (int, string) {
				resp, err := c.Get(e.srv.URL + loc + "/edit")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode, resp.Header.Get("Location")
			},
			func() (int, string) { st, _, to := postPage(e, c, loc+"/edit", edit); return st, to },
			func() (int, string) {
				st, _, to := postPage(e, c, loc+"/retire", url.Values{"reason": {"again"}, "confirm": {"yes"}})
				return st, to
			},
		} {
			st, to := try()
			if st != 303 || to != loc {
				t.Errorf("change of a retired center: %d %s", st, to)
				continue
			}
			if _, html := e.page(c, to); !strings.Contains(html, "هذا المركز موقوف ولا يمكن تعديله") || !strings.Contains(html, "Merged") {
				t.Errorf("retired center's page lacks the message")
			}
		}
		if n := centerAuditCount(e); n != 2 {
			t.Errorf("audit entries: %d, want 2", n)
		}
	})
}

// The search matches the names of the governorate and the district/city too.
func TestCentersSearchTerritoryNames(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		sharqia := e.token("sharqia")
		mustCenter(e, sharqia, centerBodyFor("SH-ZAG-01", "13-001", "مركز التكنولوجيا"))
		mustCenter(e, sharqia, centerBodyFor("SH-BEL-01", "13-002", "مركز التكنولوجيا"))
		mustCenter(e, e.token("admin"), centerBodyFor("CA-001", "01-001", "مركز التكنولوجيا"))
		ministry := e.token("ministry")
		for q, want := range map[string]string{"الشرقية": "[SH-BEL-01 SH-ZAG-01]", "الشرقيه": "[SH-BEL-01 SH-ZAG-01]",
			"sharqia": "[SH-BEL-01 SH-ZAG-01]", "بلبيس": "[SH-BEL-01]", "Belbeis": "[SH-BEL-01]", "الزقازيق التكنولوجيا": "[SH-ZAG-01]",
			"القاهرة": "[CA-001]", "الزيتون": "[CA-001]", "zeitoun": "[CA-001]", "القاهرة بلبيس": "[]"} {
			st, b := e.call("GET", "/api/v1/centers?q="+url.QueryEscape(q), ministry, nil)
			if got := fmt.Sprint(itemCodes(b)); st != 200 || got != want && !(want == "[]" && got == "[]") {
				t.Errorf("q=%q: %d %s, want %s", q, st, got, want)
			}
		}
		if st, b := e.call("GET", "/api/v1/centers?q="+url.QueryEscape("القاهرة"), sharqia, nil); st != 200 || len(itemCodes(b)) != 0 {
			t.Errorf("search reaches outside the scope: %s", b["_raw"])
		}
		c := e.browser()
		e.uiLogin(c, "ministry")
		st, html := e.page(c, "/centers?q="+url.QueryEscape("الشرقية"))
		if st != 200 || !strings.Contains(html, "SH-ZAG-01") || !strings.Contains(html, "SH-BEL-01") || strings.Contains(html, "CA-001") ||
			!strings.Contains(html, "عدد المراكز المطابقة: ٢") {
			t.Errorf("ui search: %d\n%s", st, html)
		}
	})
}

// The list counts its matches, runs by governorate then code, and pages on both, with a
// way back to the first page.
func TestCentersListCountOrderPaging(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		centerUsers(e)
		sharqia, admin := e.token("sharqia"), e.token("admin")
		mustCenter(e, sharqia, centerBodyFor("AA-13-1", "13-001", "مركز"))
		mustCenter(e, sharqia, centerBodyFor("AA-13-2", "13-002", "مركز"))
		mustCenter(e, admin, centerBodyFor("ZZ-01-1", "01-001", "مركز"))
		mustCenter(e, admin, centerBodyFor("ZZ-01-2", "01-002", "مركز"))
		mustCenter(e, admin, centerBodyFor("MM-01", "01-003", "مركز"))
		want := "[MM-01 ZZ-01-1 ZZ-01-2 AA-13-1 AA-13-2]"

		var got []string
		path := "/api/v1/centers?limit=2"
		for pages := 1; pages < 10; pages++ {
			st, b := e.call("GET", path, e.token("ministry"), nil)
			if st != 200 || b["total"] != 5.0 {
				t.Fatalf("page %d: %d %s", pages, st, b["_raw"])
			}
			got = append(got, itemCodes(b)...)
			next, _ := b["next_cursor"].(string)
			if next == "" {
				break
			}
			path = "/api/v1/centers?limit=2&cursor=" + next
		}
		if fmt.Sprint(got) != want {
			t.Errorf("api order %v, want %s", got, want)
		}

		c := e.browser()
		e.uiLogin(c, "ministry")
		href := func(html, id string) string {
			i := strings.Index(html, `id="`+id+`"`)
			if i < 0 {
				return ""
			}
			h := html[strings.LastIndex(html[:i], `href="`)+6:]
			return strings.ReplaceAll(h[:strings.Index(h, `"`)], "&amp;", "&")
		}
		got = nil
		path = "/centers?limit=2&kind=fixed"
		for pages := 1; path != "" && pages < 10; pages++ {
			st, html := e.page(c, path)
			if st != 200 || !strings.Contains(html, "عدد المراكز المطابقة: ٥") {
				t.Fatalf("ui page %d: %d\n%s", pages, st, html)
			}
			rest := html // the codes in the order the page shows them
			for {
				i := strings.Index(rest, `<bdi dir="ltr">`)
				if i < 0 {
					break
				}
				rest = rest[i+len(`<bdi dir="ltr">`):]
				got = append(got, rest[:strings.Index(rest, "<")])
			}
			first := href(html, "first-page")
			if pages == 1 && first != "" || pages > 1 && first != "/centers?kind=fixed&limit=2" {
				t.Errorf("page %d: first-page link %q", pages, first)
			}
			path = href(html, "next-page")
		}
		if fmt.Sprint(got) != want {
			t.Errorf("ui order %v, want %s", got, want)
		}
		if st, html := e.page(c, "/centers?cursor="+encodeCursor("13")); st != 422 || !strings.Contains(html, "start from the first page") && !strings.Contains(html, "ابدأ من الصفحة الأولى") {
			t.Errorf("bad cursor: %d", st)
		}
	})
}
