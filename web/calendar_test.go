package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"markaz"
	"markaz/store"
)

// calendarUsers creates a ministry official, a national and a governorate-13
// administrator, a supervisor of 13 (staff without policy.write) and a citizen.
func calendarUsers(e *env) {
	e.user("ministry", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	e.user("admin", at(markaz.RoleAdmin, markaz.LevelNation, ""))
	e.user("admin13", at(markaz.RoleAdmin, markaz.LevelGovernorate, "13"))
	e.user("sup13", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	e.user("citizen", at(markaz.RoleCitizen, markaz.LevelNation, ""))
}

// sendRaw sends body with a content type and returns the status and decoded answer.
func (e *env) sendRaw(method, path, token, contentType, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	json.Unmarshal(raw, &out)
	out["_raw"] = string(raw)
	return resp.StatusCode, out
}

func (e *env) auditCount(entity string) int {
	e.t.Helper()
	var n int
	if err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE entity = ?`, entity)
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestCalendarDueAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		calendarUsers(e)
		sup := e.token("sup13")
		for q, want := range map[string]string{
			"from=2026-03-19&working_days=1":                                              "2026-03-22",
			"from=2026-03-19&working_days=0":                                              "2026-03-19",
			"from=2026-03-15&working_days=5&governorate=13":                               "2026-03-22",
			"from=%D9%A2%D9%A0%D9%A2%D9%A6-%D9%A0%D9%A3-%D9%A1%D9%A9&working_days=%D9%A1": "2026-03-22", // Arabic-Indic digits
			"from=2024-04-25&working_days=1":                                              "2024-04-28", // DST began on Friday 26 April 2024
			"from=2024-10-30&working_days=2":                                              "2024-11-03", // 31 October 2024 had 25 hours
		} {
			st, b := e.call("GET", "/api/v1/calendar/due?"+q, sup, nil)
			if st != 200 || b["due"] != want {
				t.Errorf("%s: %d %v, want %s", q, st, b["_raw"], want)
			}
		}
		if st, _ := e.call("GET", "/api/v1/calendar/due?from=2026-03-19&working_days=1", e.token("citizen"), nil); st != 403 {
			t.Fatalf("citizen: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/calendar/due?from=2026-03-19&working_days=1", "", nil); st != 401 {
			t.Fatalf("anonymous: %d", st)
		}
		for q, want := range map[string]map[string]string{
			"":                                              {"from": "required", "working_days": "required"},
			"from=2026-02-30&working_days=abc":              {"from": "date_format", "working_days": "number_format"},
			"from=2026-03-19&working_days=-1":               {"working_days": "out_of_range"},
			"from=2026-03-19&working_days=3651":             {"working_days": "out_of_range"},
			"from=x&working_days=1&governorate=99":          {"from": "date_format", "governorate": "unknown_governorate"},
			"from=2026-03-19&working_days=1&governorate=99": {"governorate": "unknown_governorate"},
			"from=2026-03-19&working_days=1&center=nope":    {"center": "unknown_center"},
		} {
			st, b := e.call("GET", "/api/v1/calendar/due?"+q, sup, nil)
			got := problemFields(b)
			if st != 422 || len(got) != len(want) {
				t.Errorf("%q: %d %v", q, st, b["_raw"])
				continue
			}
			for f, code := range want {
				if got[f] != code {
					t.Errorf("%q: %s = %q, want %q", q, f, got[f], code)
				}
			}
		}
	})
}

func TestCalendarHolidayAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		calendarUsers(e)
		min, a13, sup := e.token("ministry"), e.token("admin13"), e.token("sup13")
		eid := map[string]any{"date": "2026-03-19", "name_ar": "عيد الفطر", "name_en": "Eid al-Fitr", "governorate": ""}
		st, b := e.call("POST", "/api/v1/calendar/holidays", min, eid)
		if st != 201 || b["date"] != "2026-03-19" || b["governorate"] != "" || b["id"] == "" {
			t.Fatalf("create: %d %v", st, b["_raw"])
		}
		id := b["id"].(string)
		if _, b := e.call("GET", "/api/v1/calendar/due?from=2026-03-18&working_days=1", sup, nil); b["due"] != "2026-03-22" {
			t.Fatalf("due after Eid added: %v", b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/calendar/holidays", min, eid); st != 422 || problemFields(b)["date"] != "holiday_taken" {
			t.Fatalf("twice: %d %v", st, b["_raw"])
		}
		// Territory: a governorate's administrator edits only its own governorate.
		for gov, want := range map[string]int{"": 403, "01": 403, "13": 201} {
			body := map[string]any{"date": "2026-04-13", "name_ar": "شم النسيم", "name_en": "Sham El-Nessim", "governorate": gov}
			if st, b := e.call("POST", "/api/v1/calendar/holidays", a13, body); st != want {
				t.Errorf("admin13 adds for %q: %d %v", gov, st, b["_raw"])
			}
		}
		if st, _ := e.call("POST", "/api/v1/calendar/holidays", sup, eid); st != 403 {
			t.Fatalf("supervisor adds: %d", st)
		}
		for name, tc := range map[string]struct {
			body  any
			field string
		}{
			"bad date":    {map[string]any{"date": "2026-13-01", "name_ar": "عيد", "name_en": "Eid"}, "date"},
			"no names":    {map[string]any{"date": "2026-05-01"}, "name_ar"},
			"unknown gov": {map[string]any{"date": "2026-05-01", "name_ar": "عيد", "name_en": "Eid", "governorate": "99"}, "governorate"},
			"wrong type":  {`{"date": 20260501}`, "date"},
			"unknown key": {`{"date": "2026-05-01", "colour": "red"}`, "colour"},
			"too late":    {map[string]any{"date": "2099-05-01", "name_ar": "عيد", "name_en": "Eid"}, "date"},
			"long name":   {map[string]any{"date": "2026-05-01", "name_ar": strings.Repeat("ع", 121), "name_en": "Eid"}, "name_ar"},
		} {
			if st, b := e.call("POST", "/api/v1/calendar/holidays", min, tc.body); st != 422 || problemFields(b)[tc.field] == "" {
				t.Errorf("%s: %d %v", name, st, b["_raw"])
			}
		}
		if st, b := e.call("POST", "/api/v1/calendar/holidays", min, "{bad"); st != 422 {
			t.Errorf("malformed JSON: %d %v", st, b["_raw"])
		}
		// Lists.
		st, b = e.call("GET", "/api/v1/calendar/holidays?year=2026", sup, nil)
		if items := listItems(b); st != 200 || len(items) != 2 || items[0]["id"] != id {
			t.Fatalf("list: %d %v", st, b["_raw"])
		}
		if _, b := e.call("GET", "/api/v1/calendar/holidays?year=2026&governorate=01", sup, nil); len(listItems(b)) != 1 {
			t.Fatalf("Cairo's: %v", b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/calendar/holidays?year=2026&limit=1", sup, nil)
		next, _ := b["next_cursor"].(string)
		if st != 200 || next == "" {
			t.Fatalf("page 1: %d %v", st, b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/calendar/holidays?year=2026&limit=1&cursor="+next, sup, nil); st != 200 || listItems(b)[0]["governorate"] != "13" {
			t.Fatalf("page 2: %d %v", st, b["_raw"])
		}
		for q, field := range map[string]string{"year=abc": "year", "year=1800": "year", "governorate=99": "governorate",
			"cursor=WyJ4Il0": "cursor", "include_retired=maybe": "include_retired", "limit=201": "limit"} {
			if st, b := e.call("GET", "/api/v1/calendar/holidays?"+q, sup, nil); st != 422 || problemFields(b)[field] == "" {
				t.Errorf("%s: %d %v", q, st, b["_raw"])
			}
		}
		if st, _ := e.call("GET", "/api/v1/calendar/holidays", e.token("citizen"), nil); st != 403 {
			t.Fatalf("citizen lists: %d", st)
		}
		// Retire: never deleted.
		if st, _ := e.call("POST", "/api/v1/calendar/holidays/"+id+"/retire", a13, nil); st != 403 {
			t.Fatalf("admin13 retires a national holiday: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/calendar/holidays/"+markaz.NewID()+"/retire", min, nil); st != 404 {
			t.Fatalf("unknown: %d", st)
		}
		if st, b := e.call("POST", "/api/v1/calendar/holidays/"+id+"/retire", min, map[string]any{"reason": "moon sighting"}); st != 200 || b["retired_at"] == nil {
			t.Fatalf("retire: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/calendar/holidays/"+id+"/retire", min, nil); st != 409 {
			t.Fatalf("retire twice: %d", st)
		}
		if _, b := e.call("GET", "/api/v1/calendar/due?from=2026-03-18&working_days=1", sup, nil); b["due"] != "2026-03-19" {
			t.Fatalf("due after Eid retired: %v", b["_raw"])
		}
		if _, b := e.call("GET", "/api/v1/calendar/holidays?year=2026&include_retired=true", sup, nil); len(listItems(b)) != 2 {
			t.Fatalf("retired holiday kept: %v", b["_raw"])
		}
		if n := e.auditCount("holiday"); n != 3 {
			t.Fatalf("audit entries: %d", n)
		}
	})
}

func TestCalendarImportAndRestAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		calendarUsers(e)
		min, a13, sup := e.token("ministry"), e.token("admin13"), e.token("sup13")
		good := "\ufeffdate,name_ar,name_en,governorate\n" +
			"2026-01-07,عيد الميلاد المجيد,Coptic Christmas,\n" +
			"2026-04-13,شم النسيم,Sham El-Nessim,13\n" +
			"2026-01-07,عيد الميلاد,Christmas,\n"
		st, b := e.sendRaw("POST", "/api/v1/calendar/holidays/import", min, "text/csv; charset=utf-8", good)
		if st != 201 || b["skipped"] != 1.0 || len(b["created"].([]any)) != 2 {
			t.Fatalf("import: %d %v", st, b["_raw"])
		}
		// Importing it again adds nothing.
		if st, b := e.sendRaw("POST", "/api/v1/calendar/holidays/import", min, "text/csv", good); st != 201 || b["skipped"] != 3.0 {
			t.Fatalf("import again: %d %v", st, b["_raw"])
		}
		bad := "date,name_ar,name_en,governorate\n2026-05-01,عيد العمال,Labour Day,\n2026-02-30,,Day,99\n"
		st, b = e.sendRaw("POST", "/api/v1/calendar/holidays/import", min, "text/csv", bad)
		if st != 422 || !strings.Contains(b["_raw"].(string), `"row":3`) || !strings.Contains(b["_raw"].(string), "No such governorate") {
			t.Fatalf("bad import: %d %v", st, b["_raw"])
		}
		if _, b := e.call("GET", "/api/v1/calendar/holidays?year=2026", sup, nil); len(listItems(b)) != 2 {
			t.Fatalf("a refused import wrote rows: %v", b["_raw"])
		}
		// A governorate's administrator: its rows only, reported per row.
		st, b = e.sendRaw("POST", "/api/v1/calendar/holidays/import", a13, "text/csv", "date,name_ar,name_en,governorate\n2026-05-01,عيد العمال,Labour Day,\n")
		if st != 422 || !strings.Contains(b["_raw"].(string), "outside_scope") {
			t.Fatalf("national row by admin13: %d %v", st, b["_raw"])
		}
		for name, body := range map[string]string{"header": "when,what\n2026-01-01,x\n", "empty": "", "columns": "date,name_ar,name_en,governorate\n2026-01-01,x\n"} {
			if st, b := e.sendRaw("POST", "/api/v1/calendar/holidays/import", min, "text/csv", body); st != 422 || !strings.Contains(b["_raw"].(string), `"column":"file"`) {
				t.Errorf("%s: %d %v", name, st, b["_raw"])
			}
		}
		if st, _ := e.sendRaw("POST", "/api/v1/calendar/holidays/import", min, "application/json", good); st != 422 {
			t.Fatalf("not CSV: %d", st)
		}
		if st, _ := e.sendRaw("POST", "/api/v1/calendar/holidays/import", sup, "text/csv", good); st != 403 {
			t.Fatalf("supervisor imports: %d", st)
		}
		// Weekly rest per governorate.
		if st, b := e.call("PUT", "/api/v1/calendar/governorates/13/weekly-rest", a13, map[string]any{"weekly_rest": "Fri"}); st != 200 || b["weekly_rest"] != "fri" {
			t.Fatalf("set rest: %d %v", st, b["_raw"])
		}
		if _, b := e.call("GET", "/api/v1/calendar/due?from=2026-03-19&working_days=1&governorate=13", sup, nil); b["due"] != "2026-03-21" {
			t.Fatalf("due with Friday rest: %v", b["_raw"])
		}
		if st, _ := e.call("PUT", "/api/v1/calendar/governorates/01/weekly-rest", a13, map[string]any{"weekly_rest": "fri"}); st != 403 {
			t.Fatalf("admin13 sets Cairo's rest: %d", st)
		}
		if st, _ := e.call("PUT", "/api/v1/calendar/governorates/99/weekly-rest", min, map[string]any{"weekly_rest": "fri"}); st != 404 {
			t.Fatalf("unknown governorate: %d", st)
		}
		for _, rest := range []string{"", "fri,funday", "sun,mon,tue,wed,thu,fri,sat"} {
			if st, b := e.call("PUT", "/api/v1/calendar/governorates/13/weekly-rest", min, map[string]any{"weekly_rest": rest}); st != 422 || problemFields(b)["weekly_rest"] == "" {
				t.Errorf("rest %q: %d %v", rest, st, b["_raw"])
			}
		}
		if st, _ := e.call("PUT", "/api/v1/calendar/governorates/13/weekly-rest", sup, map[string]any{"weekly_rest": "fri"}); st != 403 {
			t.Fatalf("supervisor sets rest: %d", st)
		}
		st, b = e.call("GET", "/api/v1/calendar/governorates", sup, nil)
		if items := listItems(b); st != 200 || len(items) != 27 || items[0]["weekly_rest"] != "fri,sat" {
			t.Fatalf("governorates: %d %v", st, b["_raw"])
		}
		if e.auditCount("holiday") != 2 || e.auditCount("governorate") != 1 {
			t.Fatalf("audit: %d holiday, %d governorate", e.auditCount("holiday"), e.auditCount("governorate"))
		}
	})
}

// uploadCSV posts a multipart form with one file field as a browser would.
func (e *env) uploadCSV(c *http.Client, path, content string) (int, string) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "holidays.csv")
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCalendarUI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		calendarUsers(e)
		c := e.browser()
		e.uiLogin(c, "ministry")
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		st, html := e.page(c, "/calendar")
		if st != 200 || !strings.Contains(html, `action="/calendar/holidays"`) || !strings.Contains(html, `href="/calendar"`) {
			t.Fatalf("page: %d", st)
		}
		ids := map[string]bool{}
		for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(html, -1) {
			if ids[m[1]] {
				t.Errorf("id %q twice on the page", m[1])
			}
			ids[m[1]] = true
		}
		for _, m := range regexp.MustCompile(`<label for="([^"]+)"`).FindAllStringSubmatch(html, -1) {
			if !ids[m[1]] {
				t.Errorf("label for %q has no control", m[1])
			}
		}
		resp := e.form(c, "/calendar/holidays", url.Values{"date": {"2026-03-19"}, "name_ar": {"عيد الفطر"}, "name_en": {"Eid al-Fitr"}, "governorate": {""}})
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "year=2026") {
			t.Fatalf("add: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		st, html = e.page(c, resp.Header.Get("Location"))
		if st != 200 || !strings.Contains(html, "Eid al-Fitr") || !strings.Contains(html, "Holiday added") {
			t.Fatalf("after add: %d", st)
		}
		// A bad form comes back with its messages.
		req := url.Values{"date": {"2026-02-30"}, "name_ar": {"Eid"}, "name_en": {"Eid"}, "filter_year": {"2026"}}
		if st, html, _ := postPage(e, c, "/calendar/holidays", req); st != 422 || !strings.Contains(html, "YYYY-MM-DD") || !strings.Contains(html, "Arabic letters") {
			t.Fatalf("bad add: %d", st)
		}
		// The calculator.
		if st, html := e.page(c, "/calendar?from=2026-03-18&working_days=1"); st != 200 || !strings.Contains(html, `id="due-result"`) || !strings.Contains(html, "2026") || !strings.Contains(html, "22") {
			t.Fatalf("calculator: %d", st)
		}
		if st, html := e.page(c, "/calendar?from=x&working_days=1&due_governorate=99"); st != 200 || !strings.Contains(html, "No such governorate") || strings.Contains(html, `id="due-result"`) {
			t.Fatalf("calculator errors: %d", st)
		}
		// Retire through the form.
		var id string
		e.db.Read(context.Background(), func(tx *store.Tx) error { return tx.Get(&id, `SELECT id FROM holidays`) })
		if resp := e.form(c, "/calendar/holidays/"+id+"/retire", url.Values{"reason": {"moved"}}); resp.StatusCode != 303 {
			t.Fatalf("retire: %d", resp.StatusCode)
		}
		// Weekly rest.
		if resp := e.form(c, "/calendar/governorates/13/weekly-rest", url.Values{"weekly_rest": {"fri"}}); resp.StatusCode != 303 {
			t.Fatalf("rest: %d", resp.StatusCode)
		}
		if st, html, _ := postPage(e, c, "/calendar/governorates/13/weekly-rest", url.Values{"weekly_rest": {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}); st != 422 || !strings.Contains(html, "seven days") {
			t.Fatalf("rest all week: %d", st)
		}
		// Import.
		st, html = e.uploadCSV(c, "/calendar/holidays/import", "date,name_ar,name_en,governorate\n2026-01-07,عيد الميلاد المجيد,Coptic Christmas,\n")
		if st != 200 || !strings.Contains(html, "holidays added") {
			t.Fatalf("import: %d %s", st, html)
		}
		if st, html := e.uploadCSV(c, "/calendar/holidays/import", "date,name_ar,name_en,governorate\nsoon,x,y,\n"); st != 422 || !strings.Contains(html, "YYYY-MM-DD") {
			t.Fatalf("bad import: %d", st)
		}
		// Territory and roles.
		a13 := e.browser()
		e.uiLogin(a13, "admin13")
		if resp := e.form(a13, "/calendar/holidays", url.Values{"date": {"2026-05-01"}, "name_ar": {"عيد العمال"}, "name_en": {"Labour Day"}, "governorate": {""}}); resp.StatusCode != 403 {
			t.Fatalf("admin13 adds national: %d", resp.StatusCode)
		}
		if resp := e.form(a13, "/calendar/governorates/01/weekly-rest", url.Values{"weekly_rest": {"fri"}}); resp.StatusCode != 403 {
			t.Fatalf("admin13 sets Cairo's rest: %d", resp.StatusCode)
		}
		sup := e.browser()
		e.uiLogin(sup, "sup13")
		if st, html := e.page(sup, "/calendar"); st != 200 || strings.Contains(html, `action="/calendar/holidays"`) || !strings.Contains(html, "due-submit") {
			t.Fatalf("supervisor sees the page read-only: %d", st)
		}
		if resp := e.form(sup, "/calendar/holidays", url.Values{"date": {"2026-05-01"}}); resp.StatusCode != 403 {
			t.Fatalf("supervisor posts: %d", resp.StatusCode)
		}
		cit := e.browser()
		e.uiLogin(cit, "citizen")
		if st, _ := e.page(cit, "/calendar"); st != 403 {
			t.Fatalf("citizen: %d", st)
		}
	})
}
