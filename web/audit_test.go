package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"markaz"
	"markaz/store"
)

// auditFixture creates administrators of the nation and of governorate 13, the ministry
// and a supervisor, then a unit in Cairo (renamed once) and one in Sharqia. It returns
// the admin's token.
func auditFixture(t *testing.T, e *env) string {
	t.Helper()
	territoryUsers(e)
	e.user("ministry", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	admin, admin13 := e.token("admin"), e.token("admin13")
	for _, c := range []struct {
		tok, method, path string
		body              map[string]any
	}{
		{admin, "POST", "/api/v1/units", map[string]any{"governorate": "01", "name_ar": "حي العاصمة", "name_en": "Capital", "unit_type": "hayy"}},
		{admin, "PUT", "/api/v1/units/01-043", map[string]any{"name_en": "Capital Heights"}},
		{admin13, "POST", "/api/v1/units", map[string]any{"governorate": "13", "name_ar": "مدينة جديدة", "name_en": "New Town", "unit_type": "new_city"}},
	} {
		if st, b := e.call(c.method, c.path, c.tok, c.body); st/100 != 2 {
			t.Fatalf("%s %s: %d %v", c.method, c.path, st, b["_raw"])
		}
	}
	return admin
}

// auditID finds the id of the newest entry about a record.
func auditID(t *testing.T, e *env, entity, id string) int64 {
	t.Helper()
	es, err := e.db.ListAudit(context.Background(), store.AuditFilter{Scope: markaz.Scope{All: true}, Entity: entity, EntityID: id, Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("audit of %s %s: %v %v", entity, id, es, err)
	}
	return es[0].ID
}

func TestAuditAPIAccessAndScope(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := auditFixture(t, e)
		admin13, ministry, sup := e.token("admin13"), e.token("ministry"), e.token("sup13")
		if st, _ := e.call("GET", "/api/v1/audit", sup, nil); st != 403 {
			t.Fatalf("supervisor reads the audit log: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/audit", "", nil); st != 401 {
			t.Fatalf("anonymous reads the audit log: %d", st)
		}
		st, b := e.call("GET", "/api/v1/audit", admin, nil)
		all := listItems(b)
		if st != 200 || len(all) < 4 || all[0]["action"] != "unit.create" || all[0]["governorate"] != "13" {
			t.Fatalf("national list: %d %.400s", st, b["_raw"])
		}
		// Before and after are JSON values, not JSON in strings.
		if after, ok := all[0]["after"].(map[string]any); !ok || after["name_en"] != "New Town" || all[0]["before"] != nil {
			t.Fatalf("before/after: %v / %v", all[0]["before"], all[0]["after"])
		}
		if st, b := e.call("GET", "/api/v1/audit", ministry, nil); st != 200 || len(listItems(b)) != len(all) {
			t.Fatalf("ministry: %d %d", st, len(listItems(b)))
		}
		// A governorate administrator sees only entries of their governorate.
		st, b = e.call("GET", "/api/v1/audit", admin13, nil)
		mine := listItems(b)
		if st != 200 || len(mine) == 0 || len(mine) >= len(all) {
			t.Fatalf("governorate list: %d %d of %d", st, len(mine), len(all))
		}
		for _, it := range mine {
			if it["governorate"] != "13" {
				t.Fatalf("leak to the admin of 13: %v", it)
			}
		}
		if st, _ := e.call("GET", "/api/v1/audit?governorate=01", admin13, nil); st != 403 {
			t.Fatalf("admin of 13 asks for 01: %d", st)
		}
		if st, b := e.call("GET", "/api/v1/audit?governorate=01", admin, nil); st != 200 || len(listItems(b)) != 2 {
			t.Fatalf("Cairo entries: %d %.300s", st, b["_raw"])
		}
		// Filters by user and by record.
		st, b = e.call("GET", "/api/v1/audit?user=admin13", admin, nil)
		if st != 200 || len(listItems(b)) != 1 || listItems(b)[0]["username"] != "admin13" {
			t.Fatalf("by user: %d %.300s", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/audit?entity=unit&entity_id=01-043", admin, nil)
		if st != 200 || len(listItems(b)) != 2 || listItems(b)[0]["action"] != "unit.update" {
			t.Fatalf("by record: %d %.300s", st, b["_raw"])
		}
		for q, field := range map[string]string{
			"governorate=99":                        "governorate",
			"user=nobody":                           "user",
			"entity=Bad%20Kind!":                    "entity",
			"cursor=!!!":                            "cursor",
			"cursor=WyJ4Il0":                        "cursor", // well-formed, but not an entry id
			"cursor=WyItNSJd":                       "cursor", // a negative id
			"limit=201":                             "limit",
			"entity_id=" + strings.Repeat("x", 101): "entity_id",
		} {
			st, b := e.call("GET", "/api/v1/audit?"+q, admin, nil)
			if st != 422 || problemFields(b)[field] == "" {
				t.Errorf("%.40s: %d %.300s", q, st, b["_raw"])
			}
		}
		// Keyset paging, newest first.
		st, b = e.call("GET", "/api/v1/audit?limit=2", admin, nil)
		next, _ := b["next_cursor"].(string)
		if st != 200 || len(listItems(b)) != 2 || next == "" {
			t.Fatalf("first page: %d %.300s", st, b["_raw"])
		}
		_, b2 := e.call("GET", "/api/v1/audit?limit=2&cursor="+next, admin, nil)
		if p2 := listItems(b2); len(p2) != 2 || p2[0]["id"].(float64) >= listItems(b)[1]["id"].(float64) {
			t.Fatalf("second page: %.300s", b2["_raw"])
		}

		// One entry, with its chain position and hash check; scoped like the list.
		cairo := auditID(t, e, "unit", "01-043")
		st, b = e.call("GET", fmt.Sprint("/api/v1/audit/", cairo), admin, nil)
		if st != 200 || b["chain"] != "gov:01" || b["seq"].(float64) != 2 || b["chain_length"].(float64) != 2 || b["hash_valid"] != true {
			t.Fatalf("entry: %d %.500s", st, b["_raw"])
		}
		if st, _ := e.call("GET", fmt.Sprint("/api/v1/audit/", cairo), admin13, nil); st != 403 {
			t.Fatalf("admin of 13 opens a Cairo entry: %d", st)
		}
		for _, id := range []string{"999999", "abc", "-1"} {
			if st, _ := e.call("GET", "/api/v1/audit/"+id, admin, nil); st != 404 {
				t.Errorf("entry %s: %d", id, st)
			}
		}
	})
}

func TestAuditPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		auditFixture(t, e)
		e.db.Write(context.Background(), func(tx *store.Tx) error {
			return tx.Audit(store.Actor{}, "widget.polish", "widget", "w1", markaz.Ref{Gov: "01"}, nil, []int{1, 2})
		})
		c := e.browser()
		e.uiLogin(c, "admin")
		st, html := e.page(c, "/audit")
		if st != 200 || !strings.Contains(html, "إضافة وحدة إدارية") || !strings.Contains(html, "widget.polish") ||
			!strings.Contains(html, "القاهرة / حي العاصمة") || !strings.Contains(html, `<option value="unit"`) {
			t.Fatalf("audit page: %d", st)
		}
		st, html = e.page(c, "/audit?user=admin13")
		if st != 200 || !strings.Contains(html, "مدينة جديدة") || strings.Contains(html, "حي العاصمة") {
			t.Fatalf("filtered by user: %d", st)
		}
		if st, html := e.page(c, "/audit?user=nobody"); st != 422 || !strings.Contains(html, "لا يوجد مستخدم بهذا الاسم") {
			t.Fatalf("unknown user: %d", st)
		}
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		st, html = e.page(c, "/audit?entity=unit&entity_id=01-043")
		if st != 200 || !strings.Contains(html, "District/city renamed") || !strings.Contains(html, "District/city added") || strings.Contains(html, "New Town") {
			t.Fatalf("English, by record: %d", st)
		}
		// The entry page: a field-by-field diff, the hash and the chain position (the
		// widget entry above is the third of the Cairo chain).
		id := auditID(t, e, "unit", "01-043")
		st, html = e.page(c, fmt.Sprint("/audit/", id))
		if st != 200 || !strings.Contains(html, "Capital Heights") || !strings.Contains(html, "<strong>changed</strong>") ||
			!strings.Contains(html, "gov:01") || !strings.Contains(html, "The hash matches") || !strings.Contains(html, "Entry ٢ of ٣") {
			t.Fatalf("entry page: %d", st)
		}
		// An entry whose record is not an object is shown as it is.
		if st, html := e.page(c, fmt.Sprint("/audit/", auditID(t, e, "widget", "w1"))); st != 200 || !strings.Contains(html, "widget.polish") {
			t.Fatalf("non-object entry: %d", st)
		}
		if st, _ := e.page(c, "/audit/999999"); st != 404 {
			t.Fatalf("missing entry: %d", st)
		}

		c13 := e.browser()
		e.uiLogin(c13, "admin13")
		if st, html := e.page(c13, "/audit"); st != 200 || strings.Contains(html, "حي العاصمة") || !strings.Contains(html, "مدينة جديدة") {
			t.Fatalf("admin of 13 sees: %d", st)
		}
		if st, _ := e.page(c13, fmt.Sprint("/audit/", id)); st != 403 {
			t.Fatalf("admin of 13 opens a Cairo entry: %d", st)
		}
		if st, _ := e.page(c13, "/audit?governorate=01"); st != 403 {
			t.Fatalf("admin of 13 filters on Cairo: %d", st)
		}
		cs := e.browser()
		e.uiLogin(cs, "sup13")
		if st, _ := e.page(cs, "/audit"); st != 403 {
			t.Fatalf("supervisor opens the audit log: %d", st)
		}
	})
}
