package web

import (
	"context"
	stdhtml "html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"markaz"
	"markaz/store"
)

// territoryUsers creates a national administrator, an administrator of governorate 13,
// a supervisor of 13 and a citizen.
func territoryUsers(e *env) {
	e.user("admin", at(markaz.RoleAdmin, markaz.LevelNation, ""))
	e.user("admin13", at(markaz.RoleAdmin, markaz.LevelGovernorate, "13"))
	e.user("sup13", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	e.user("citizen", at(markaz.RoleCitizen, markaz.LevelNation, ""))
}

// listItems returns the items of a list answer.
func listItems(body map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := body["items"].([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		out = append(out, m)
	}
	return out
}

func TestTerritoryReadAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		territoryUsers(e)
		sup, cit := e.token("sup13"), e.token("citizen")
		if st, b := e.call("GET", "/api/v1/governorates", sup, nil); st != 200 || len(listItems(b)) != 27 || listItems(b)[0]["code"] != "01" {
			t.Fatalf("governorates: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/governorates", cit, nil); st != 403 {
			t.Fatalf("citizen reads governorates: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/governorates", "", nil); st != 401 {
			t.Fatalf("anonymous reads governorates: %d", st)
		}
		st, b := e.call("GET", "/api/v1/units?governorate=01", cit, nil)
		if st != 200 || len(listItems(b)) != 42 || b["next_cursor"] != "" {
			t.Fatalf("units of Cairo: %d %d %v", st, len(listItems(b)), b["next_cursor"])
		}
		// Keyset paging by code.
		st, b = e.call("GET", "/api/v1/units?governorate=01&limit=40", cit, nil)
		next, _ := b["next_cursor"].(string)
		if st != 200 || len(listItems(b)) != 40 || next == "" {
			t.Fatalf("first page: %d %d %q", st, len(listItems(b)), next)
		}
		st, b = e.call("GET", "/api/v1/units?governorate=01&limit=40&cursor="+next, cit, nil)
		if st != 200 || len(listItems(b)) != 2 || listItems(b)[0]["code"] != "01-041" {
			t.Fatalf("second page: %d %v", st, b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/units?q=%D8%A7%D9%84%D8%B2%D9%8A%D8%AA%D9%88%D9%86", cit, nil); st != 200 || len(listItems(b)) == 0 || listItems(b)[0]["code"] != "01-001" {
			t.Fatalf("search: %d %v", st, b["_raw"])
		}
		for q, field := range map[string]string{
			"governorate=99":        "governorate",
			"include_retired=maybe": "include_retired",
			"cursor=!!!":            "cursor",
			"cursor=WyJ4Il0":        "cursor", // a well-formed cursor that is not a unit code
			"limit=500":             "limit",
			"limit=abc":             "limit",
		} {
			st, b := e.call("GET", "/api/v1/units?"+q, cit, nil)
			if st != 422 || problemFields(b)[field] == "" {
				t.Errorf("%s: %d %.300s", q, st, b["_raw"])
			}
		}
		if st, b := e.call("GET", "/api/v1/units/13-001", cit, nil); st != 200 || b["governorate"] != "13" {
			t.Fatalf("one unit: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/units/13-999", cit, nil); st != 404 {
			t.Fatalf("unknown unit: %d", st)
		}
	})
}

func TestTerritoryWriteAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		territoryUsers(e)
		admin, admin13, sup := e.token("admin"), e.token("admin13"), e.token("sup13")
		newUnit := map[string]any{"governorate": "01", "name_ar": "حي العاصمة", "name_en": "Capital District", "unit_type": "hayy"}
		st, b := e.call("POST", "/api/v1/units", admin, newUnit)
		if st != 201 || b["code"] != "01-043" || b["name_en"] != "Capital District" {
			t.Fatalf("create: %d %v", st, b["_raw"])
		}
		// Territory scope: a governorate administrator only in their governorate; a supervisor never.
		if st, _ := e.call("POST", "/api/v1/units", admin13, newUnit); st != 403 {
			t.Fatalf("admin of 13 adds in 01: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/units", admin13, map[string]any{"governorate": "01", "name_ar": "", "name_en": "", "unit_type": "x"}); st != 403 {
			t.Fatalf("admin of 13 adds a bad unit in 01: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/units", sup, newUnit); st != 403 {
			t.Fatalf("supervisor adds: %d", st)
		}
		in13 := map[string]any{"governorate": "13", "name_ar": "مدينة جديدة", "name_en": "New Town", "unit_type": "new_city"}
		if st, b := e.call("POST", "/api/v1/units", admin13, in13); st != 201 || !strings.HasPrefix(b["code"].(string), "13-") {
			t.Fatalf("admin of 13 adds in 13: %d %v", st, b["_raw"])
		}
		for _, c := range []struct {
			body  any
			field string
		}{
			{map[string]any{"governorate": "99", "name_ar": "س", "name_en": "S", "unit_type": "city"}, "governorate"},
			{map[string]any{"governorate": "01", "name_ar": strings.Repeat("س", 121), "name_en": "S", "unit_type": "city"}, "name_ar"},
			{map[string]any{"governorate": "01", "name_ar": "س", "name_en": "S", "unit_type": "village"}, "unit_type"},
			{map[string]any{"governorate": "01", "name_ar": "س", "name_en": "S", "unit_type": "city", "code": "01-100"}, "code"},
			{`{"governorate": 1, "name_ar": "س", "name_en": "S", "unit_type": "city"}`, "governorate"},
		} {
			st, b := e.call("POST", "/api/v1/units", admin, c.body)
			if st != 422 || problemFields(b)[c.field] == "" {
				t.Errorf("%v: %d %v", c.body, st, b["_raw"])
			}
		}
		if st, _ := e.call("POST", "/api/v1/units", admin, `{`); st != 422 {
			t.Fatalf("malformed JSON: %d", st)
		}

		// Rename: the search key follows.
		st, b = e.call("PUT", "/api/v1/units/01-043", admin, map[string]any{"name_en": "Capital Heights"})
		if st != 200 || b["name_en"] != "Capital Heights" || b["name_ar"] != "حي العاصمة" {
			t.Fatalf("rename: %d %v", st, b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/units?q=capital+heights", admin, nil); st != 200 || len(listItems(b)) != 1 {
			t.Fatalf("search after rename: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("PUT", "/api/v1/units/01-999", admin, map[string]any{"name_en": "X"}); st != 404 {
			t.Fatalf("rename unknown unit: %d", st)
		}
		if st, _ := e.call("PUT", "/api/v1/units/01-001", admin13, map[string]any{"name_en": "X"}); st != 403 {
			t.Fatalf("admin of 13 renames in 01: %d", st)
		}
		if st, b := e.call("PUT", "/api/v1/units/01-001", admin, map[string]any{"name_en": strings.Repeat("x", 121)}); st != 422 || problemFields(b)["name_en"] != "too_long" {
			t.Fatalf("over-long rename: %d %v", st, b["_raw"])
		}

		// Retire: hidden from selects, kept with its reason, and back again.
		if st, b := e.call("POST", "/api/v1/units/01-043/retire", admin, map[string]any{"reason": "x", "retired_on": "2026-02-30"}); st != 422 || problemFields(b)["retired_on"] != "date_format" {
			t.Fatalf("bad date: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/units/01-043/retire", admin, map[string]any{}); st != 422 || problemFields(b)["reason"] != "required" {
			t.Fatalf("no reason: %d %v", st, b["_raw"])
		}
		st, b = e.call("POST", "/api/v1/units/01-043/retire", admin, map[string]any{"reason": "merged", "retired_on": "2026-03-01"})
		if st != 200 || b["retired_on"] != "2026-03-01" || b["retire_reason"] != "merged" {
			t.Fatalf("retire: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/units/01-043/retire", admin, map[string]any{"reason": "again"}); st != 409 {
			t.Fatalf("retire twice: %d", st)
		}
		if _, b := e.call("GET", "/api/v1/units?governorate=01", admin, nil); len(listItems(b)) != 42 {
			t.Fatalf("retired unit still offered: %d", len(listItems(b)))
		}
		if _, b := e.call("GET", "/api/v1/units?governorate=01&include_retired=true", admin, nil); len(listItems(b)) != 43 || listItems(b)[42]["retire_reason"] != "merged" {
			t.Fatalf("retired unit not kept: %v", b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/units/13-001/retire", admin13, map[string]any{"reason": "merged"}); st != 200 {
			t.Fatalf("admin of 13 retires in 13: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/units/01-001/retire", admin13, map[string]any{"reason": "merged"}); st != 403 {
			t.Fatalf("admin of 13 retires in 01: %d", st)
		}
		if st, b := e.call("POST", "/api/v1/units/01-043/unretire", admin, nil); st != 200 || b["retired_on"] != nil {
			t.Fatalf("unretire: %d %v", st, b["_raw"])
		}

		// Every change is in the audit log, with who and before/after.
		es, err := e.db.ListAudit(context.Background(), store.AuditFilter{Scope: markaz.Scope{All: true}, Entity: "unit", EntityID: "01-043"})
		if err != nil || len(es) != 4 {
			t.Fatalf("audit: %d %v", len(es), err)
		}
		var got []string
		for _, x := range es {
			got = append(got, x.Action+" by "+x.Username)
		}
		if strings.Join(got, ", ") != "unit.unretire by admin, unit.retire by admin, unit.update by admin, unit.create by admin" {
			t.Fatalf("audit: %v", got)
		}
		if !strings.Contains(es[2].Before, "Capital District") || !strings.Contains(es[2].After, "Capital Heights") {
			t.Fatalf("rename before/after: %s → %s", es[2].Before, es[2].After)
		}
	})
}

func TestTerritoryPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		territoryUsers(e)
		c := e.browser()
		e.uiLogin(c, "admin")
		st, html := e.page(c, "/territory")
		if st != 200 || !strings.Contains(html, "القاهرة") || !strings.Contains(html, `href="/territory/35"`) {
			t.Fatalf("governorates page: %d", st)
		}
		st, html = e.page(c, "/territory/01")
		if st != 200 || !strings.Contains(html, "الزيتون") || !strings.Contains(html, `action="/territory/units/01-001/retire"`) ||
			!strings.Contains(html, `for="name_ar-01-001"`) || !strings.Contains(html, `action="/territory/01"`) || strings.Contains(html, "no value") {
			t.Fatalf("Cairo page: %d", st)
		}

		// Add, with a field error first.
		st, html, _ = postPage(e, c, "/territory/01", url.Values{"name_ar": {""}, "name_en": {"Capital"}, "unit_type": {"hayy"}})
		if st != 422 || !strings.Contains(html, `id="e-name_ar-new"`) || !strings.Contains(html, `value="Capital"`) {
			t.Fatalf("add without Arabic name: %d", st)
		}
		resp := e.form(c, "/territory/01", url.Values{"name_ar": {"حي العاصمة"}, "name_en": {"Capital"}, "unit_type": {"hayy"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/territory/01?done=added&unit=01-043#unit-01-043" {
			t.Fatalf("add: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The message sits right under the new row the browser jumps to.
		_, html = e.page(c, resp.Header.Get("Location"))
		row := strings.Index(html, `<tr id="unit-01-043">`)
		msg := strings.Index(html, `<tr class="row-done"><td colspan="6"><p class="flash" role="status">حي العاصمة (<bdi>٠١-٠٤٣</bdi>): تمت إضافة الوحدة`)
		if row < 0 || msg < row || strings.Contains(html[row+3:msg], "<tr") || strings.Count(html, "تمت إضافة الوحدة") != 1 {
			t.Fatalf("added unit or its message not shown under it: %d %d", row, msg)
		}
		if _, html := e.page(c, "/territory/01?done=bogus&unit=01-043"); strings.Contains(html, "row-done") {
			t.Fatal("an unknown done shows a message")
		}
		// Rename, then retire and bring back.
		resp = e.form(c, "/territory/units/01-043", url.Values{"name_ar": {"حي العاصمة الجديد"}, "name_en": {"New Capital"}, "unit_type": {"city"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/territory/01?done=renamed&unit=01-043#unit-01-043" {
			t.Fatalf("rename: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		st, html, _ = postPage(e, c, "/territory/units/01-043/retire", url.Values{"retired_on": {"2026-03-01"}, "reason": {""}})
		if st != 422 || !strings.Contains(html, `<details class="unit-edit" open>`) || !strings.Contains(html, `id="e-reason-01-043"`) ||
			!strings.Contains(html, `value="2026-03-01"`) || !strings.Contains(html, `value="حي العاصمة الجديد"`) {
			t.Fatalf("retire without reason: %d", st)
		}
		resp = e.form(c, "/territory/units/01-043/retire", url.Values{"retired_on": {"2026-03-01"}, "reason": {"دمج"}})
		if resp.StatusCode != 303 {
			t.Fatalf("retire: %d", resp.StatusCode)
		}
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		_, html = e.page(c, "/territory/01")
		if !strings.Contains(html, "New Capital") || !strings.Contains(html, "Retired since ٢٠٢٦-٠٣-٠١") || !strings.Contains(html, `action="/territory/units/01-043/unretire"`) {
			t.Fatal("English page does not show the retired, renamed unit")
		}
		if resp := e.form(c, "/territory/units/01-043/unretire", nil); resp.StatusCode != 303 {
			t.Fatalf("unretire: %d", resp.StatusCode)
		}
		if st, html := e.page(c, "/territory/01"); st != 200 || strings.Contains(html, "Retired since") {
			t.Fatal("unit still retired")
		}
		if st, _ := e.page(c, "/territory/99"); st != 404 {
			t.Fatalf("unknown governorate: %d", st)
		}
		if resp := e.form(c, "/territory/units/01-999", url.Values{"name_ar": {"س"}}); resp.StatusCode != 404 {
			t.Fatalf("rename unknown unit: %d", resp.StatusCode)
		}

		// A governorate administrator sees and changes only their governorate.
		c13 := e.browser()
		e.uiLogin(c13, "admin13")
		st, html = e.page(c13, "/territory")
		if st != 200 || !strings.Contains(html, `href="/territory/13"`) || strings.Contains(html, `href="/territory/01"`) {
			t.Fatalf("admin of 13 governorates page: %d", st)
		}
		if st, _ := e.page(c13, "/territory/01"); st != 403 {
			t.Fatalf("admin of 13 opens Cairo: %d", st)
		}
		for _, post := range []struct {
			path string
			form url.Values
		}{
			{"/territory/01", url.Values{"name_ar": {"س"}, "name_en": {"S"}, "unit_type": {"city"}}},
			{"/territory/01", url.Values{"name_ar": {""}, "name_en": {"S"}, "unit_type": {"city"}}},
			{"/territory/units/01-001", url.Values{"name_ar": {"س"}, "name_en": {"S"}, "unit_type": {"city"}}},
			{"/territory/units/01-001/retire", url.Values{"reason": {"x"}}},
		} {
			if resp := e.form(c13, post.path, post.form); resp.StatusCode != 403 {
				t.Errorf("admin of 13 posts %s %v: %d", post.path, post.form, resp.StatusCode)
			}
		}
		if st, _ := e.page(c13, "/territory/13"); st != 200 {
			t.Fatalf("admin of 13 opens Sharqia: %d", st)
		}
		// The "next" link of a paged governorate leads on, at the same page size.
		_, html = e.page(c13, "/territory/13?limit=5")
		m := regexp.MustCompile(`<a href="([^"]*)" rel="next">`).FindStringSubmatch(html)
		if m == nil || !strings.Contains(html, `id="unit-13-005"`) || strings.Contains(html, `id="unit-13-006"`) {
			t.Fatal("first page of Sharqia")
		}
		next := stdhtml.UnescapeString(m[1])
		if !strings.HasPrefix(next, "/territory/13?cursor=") || !strings.Contains(next, "&limit=5") {
			t.Fatalf("next link %q", next)
		}
		if st, html := e.page(c13, next); st != 200 || !strings.Contains(html, `id="unit-13-006"`) || !strings.Contains(html, `id="unit-13-010"`) ||
			strings.Contains(html, `id="unit-13-005"`) || strings.Contains(html, `id="unit-13-011"`) {
			t.Fatalf("second page of Sharqia: %d", st)
		}
		cs := e.browser()
		e.uiLogin(cs, "sup13")
		if st, _ := e.page(cs, "/territory"); st != 403 {
			t.Fatalf("supervisor opens territory: %d", st)
		}
	})
}

// A district/city may not take the name of another in use of the same type in its
// governorate, in either language: the API says which field, the page shows it there.
func TestTerritoryDuplicateNames(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		territoryUsers(e)
		admin13 := e.token("admin13")
		// 13-002 is the markaz بلبيس / Belbeis.
		for _, c := range []struct {
			body   map[string]any
			fields []string
		}{
			{map[string]any{"governorate": "13", "name_ar": "بلبيس", "name_en": "Other", "unit_type": "markaz"}, []string{"name_ar"}},
			{map[string]any{"governorate": "13", "name_ar": "أخرى", "name_en": "BELBEIS", "unit_type": "markaz"}, []string{"name_en"}},
			{map[string]any{"governorate": "13", "name_ar": "بِلبيس", "name_en": "belbeis", "unit_type": "markaz"}, []string{"name_ar", "name_en"}},
		} {
			st, b := e.call("POST", "/api/v1/units", admin13, c.body)
			for _, f := range c.fields {
				if st != 422 || problemFields(b)[f] != "unit_name_taken" {
					t.Errorf("%v: %d %.300s", c.body, st, b["_raw"])
				}
			}
		}
		if st, b := e.call("PUT", "/api/v1/units/13-001", admin13, map[string]any{"name_en": "Belbeis"}); st != 422 || problemFields(b)["name_en"] != "unit_name_taken" {
			t.Fatalf("rename to a taken name: %d %.300s", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/units", admin13, map[string]any{"governorate": "13", "name_ar": "بلبيس", "name_en": "Belbeis", "unit_type": "city"}); st != 201 {
			t.Fatalf("the city of the same name: %d %.300s", st, b["_raw"])
		}

		c := e.browser()
		e.uiLogin(c, "admin13")
		st, html, _ := postPage(e, c, "/territory/13", url.Values{"name_ar": {"بلبيس"}, "name_en": {"Belbeis"}, "unit_type": {"markaz"}})
		if st != 422 || !strings.Contains(html, `<p class="error" id="e-name_ar-new">توجد في هذه المحافظة وحدة أخرى من النوع نفسه بهذا الاسم.</p>`) ||
			!strings.Contains(html, `id="e-name_en-new"`) || !strings.Contains(html, `value="Belbeis"`) {
			t.Fatalf("add a taken name: %d", st)
		}
		st, html, _ = postPage(e, c, "/territory/units/13-001", url.Values{"name_ar": {"الزقازيق"}, "name_en": {"Belbeis"}, "unit_type": {"markaz"}})
		if st != 422 || !strings.Contains(html, `id="e-name_en-13-001"`) || strings.Contains(html, `id="e-name_ar-13-001"`) {
			t.Fatalf("rename to a taken name: %d", st)
		}
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		st, html, _ = postPage(e, c, "/territory/13", url.Values{"name_ar": {"جديدة"}, "name_en": {" belbeis"}, "unit_type": {"markaz"}})
		if st != 422 || !strings.Contains(html, "Another district/city of the same type in this governorate already has this name.") {
			t.Fatalf("English, add a taken name: %d", st)
		}
	})
}
