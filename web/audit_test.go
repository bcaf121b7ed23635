package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"markaz"
	"markaz/i18n"
	"markaz/store"
	"markaz/store/storetest"
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
		if st != 200 || !strings.Contains(html, "Capital Heights") || !strings.Contains(html, `<th scope="row">Name in English</th>`) ||
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

var (
	auditNextRE  = regexp.MustCompile(`<a href="([^"]*)" rel="next">`)
	auditEntryRE = regexp.MustCompile(`href="/audit/([0-9]+)"`)
)

// walkAuditPages follows the log's "next" links from path and returns the ids of the
// entries listed, in order, checking that each link keeps the filters of the first.
func walkAuditPages(t *testing.T, e *env, c *http.Client, path string, keep ...string) []string {
	t.Helper()
	var ids []string
	for pages := 0; path != ""; pages++ {
		if pages > 50 {
			t.Fatal("the next links never end")
		}
		st, body := e.page(c, path)
		if st != 200 {
			t.Fatalf("%s: %d", path, st)
		}
		for _, m := range auditEntryRE.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		path = ""
		if m := auditNextRE.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
			if !strings.HasPrefix(path, "/audit?") || !strings.Contains(path, "cursor=") {
				t.Fatalf("next link %q", path)
			}
			for _, k := range keep {
				if !strings.Contains(path, k) {
					t.Fatalf("next link %q lost %s", path, k)
				}
			}
		}
	}
	return ids
}

// apiAuditIDs lists the ids of the entries the API gives for query, newest first.
func apiAuditIDs(t *testing.T, e *env, tok, query string) []string {
	t.Helper()
	st, b := e.call("GET", "/api/v1/audit?limit=200&"+query, tok, nil)
	if st != 200 {
		t.Fatalf("%s: %d", query, st)
	}
	var ids []string
	for _, it := range listItems(b) {
		ids = append(ids, fmt.Sprint(int64(it["id"].(float64))))
	}
	return ids
}

// The log's "next" link leads to older entries, with the filters kept, until the end.
func TestAuditPagesFollowNext(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := auditFixture(t, e)
		c := e.browser()
		e.uiLogin(c, "admin")
		all := apiAuditIDs(t, e, admin, "")
		if got := walkAuditPages(t, e, c, "/audit?limit=3", "limit=3"); strings.Join(got, ",") != strings.Join(all, ",") {
			t.Fatalf("walked %v, want %v", got, all)
		}
		units := apiAuditIDs(t, e, admin, "entity=unit")
		if len(units) != 3 {
			t.Fatalf("unit entries: %v", units)
		}
		if got := walkAuditPages(t, e, c, "/audit?entity=unit&limit=1", "entity=unit", "limit=1"); strings.Join(got, ",") != strings.Join(units, ",") {
			t.Fatalf("walked %v, want %v", got, units)
		}
		// The filter's empty choice reads "All".
		if _, body := e.page(c, "/audit"); !strings.Contains(body, `<option value="">الكل</option>`) || strings.Contains(body, `<option value="">—</option>`) {
			t.Fatal("the filter's empty choice is not \"All\"")
		}
	})
}

// The log names records as people know them, links them to their pages and shows
// times in Cairo; the entry page lists the changed fields first, localized.
func TestAuditRecordLabelsAndCairoTime(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := auditFixture(t, e)
		center := map[string]any{"code": "SH-LBL-01", "kind": "fixed", "name_ar": "مركز بلبيس", "name_en": "Belbeis Center",
			"unit": "13-002", "development_status": "developed", "completed_on": "2023-02-01", "opens_at": "08:00", "closes_at": "15:00"}
		st, b := e.call("POST", "/api/v1/centers", admin, center)
		if st != 201 {
			t.Fatalf("center: %d %s", st, b["_raw"])
		}
		centerID := b["id"].(string)
		fy, _ := b["completed_fiscal_year"].(float64)
		u := e.user("labelled", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		_, b = e.call("GET", "/api/v1/audit?entity=unit&governorate=13", admin, nil)
		newTown := listItems(b)[0]["entity_id"].(string)

		c := e.browser()
		e.uiLogin(c, "admin")
		_, page := e.page(c, "/audit")
		cairo := i18n.Digits(storetest.Epoch.In(markaz.Cairo).Format("2006-01-02 15:04"), "arab")
		utc := i18n.Digits(storetest.Epoch.UTC().Format("2006-01-02 15:04"), "arab")
		for _, want := range []string{
			`<a href="/centers/` + centerID + `"><bdi>SH-LBL-01</bdi> مركز بلبيس</a>`,
			`<a href="/users/` + u.ID + `"><bdi>labelled</bdi></a>`,
			`<a href="/territory/13#unit-` + newTown + `"><bdi>` + newTown + `</bdi> مدينة جديدة</a>`,
			`">` + cairo + `</time>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the log lacks %s", want)
			}
		}
		if cairo == utc || strings.Contains(page, utc) || strings.Contains(page, `<bdi class="id">`+centerID) {
			t.Errorf("the log shows UTC times or raw ids")
		}

		// A creation: the record's filled-in fields, localized; its empty ones folded away.
		_, page = e.page(c, fmt.Sprint("/audit/", auditID(t, e, "center", centerID)))
		unchanged := strings.Index(page, `<details class="audit-unchanged">`)
		for _, want := range []string{
			`<th scope="row">الاسم بالعربية</th>`, "<bdi>مركز بلبيس</bdi>",
			"<bdi>" + i18n.T("ar", "centers.kind.fixed", nil) + "</bdi>",
			"<bdi>" + i18n.T("ar", "centers.dev.developed", nil) + "</bdi>",
			"<bdi>الشرقية (١٣)</bdi>", "<bdi>" + cairo + "</bdi>", "<bdi>٠٨:٠٠</bdi>",
			"<bdi>" + i18n.T("ar", "common.fiscal_year", map[string]any{"fy": i18n.Digits(markaz.FiscalYearLabel(int(fy)), "arab")}) + "</bdi>",
		} {
			if i := strings.Index(page, want); i < 0 || unchanged >= 0 && i > unchanged {
				t.Errorf("the center's creation lacks %s among the changed fields", want)
			}
		}
		if i := strings.Index(page, `<th scope="row">العنوان</th>`); unchanged < 0 || i < unchanged || fy == 0 {
			t.Errorf("the empty address is not among the empty fields (fiscal year %v)", fy)
		}
		if !strings.Contains(page, `<a href="/centers/`+centerID+`"><bdi>SH-LBL-01</bdi> مركز بلبيس</a>`) {
			t.Error("the entry page does not name and link its record")
		}

		// A rename: only the changed name first, before and after; the rest folded away.
		_, page = e.page(c, fmt.Sprint("/audit/", auditID(t, e, "unit", "01-043")))
		unchanged = strings.Index(page, `<details class="audit-unchanged">`)
		changed := strings.Index(page, `<th scope="row">الاسم بالإنجليزية</th>`)
		if changed < 0 || unchanged < changed || !strings.Contains(page[changed:unchanged], "<bdi>Capital</bdi>") ||
			!strings.Contains(page[changed:unchanged], "<bdi>Capital Heights</bdi>") {
			t.Fatalf("the rename's changed field: %d %d", changed, unchanged)
		}
		rest := page[unchanged:]
		if !strings.Contains(rest, `<th scope="row">الاسم بالعربية</th>`) || !strings.Contains(rest, "<bdi>"+i18n.T("ar", "unit_type.hayy", nil)+"</bdi>") {
			t.Fatal("the rename's unchanged fields")
		}
	})
}

// A center moved out of a governorate keeps its old entries in that governorate's log, but
// the log no longer shows its new name there.
func TestAuditLabelsRespectScopeAfterAMove(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := auditFixture(t, e)
		st, b := e.call("POST", "/api/v1/centers", admin, map[string]any{"code": "MV-13-01", "kind": "fixed",
			"name_ar": "مركز منقول", "name_en": "Moving center", "unit": "13-001", "development_status": "planned"})
		if st != 201 {
			t.Fatalf("create: %d %v", st, b["_raw"])
		}
		id, ver := b["id"].(string), b["version"]
		body := map[string]any{"code": "MV-13-01", "kind": "fixed", "name_ar": "مركز سري", "name_en": "Secret place",
			"unit": "01-001", "development_status": "planned", "version": ver}
		if st, b := e.call("PUT", "/api/v1/centers/"+id, admin, body); st != 200 {
			t.Fatalf("move: %d %v", st, b["_raw"])
		}
		c := e.browser()
		e.uiLogin(c, "admin13")
		_, html := e.page(c, "/audit?entity=center&entity_id="+id)
		if strings.Contains(html, "مركز سري") || strings.Contains(html, "Secret place") {
			t.Error("a governorate administrator sees the new name of a center now outside their governorate")
		}
		n := e.browser()
		e.uiLogin(n, "admin")
		if _, html := e.page(n, "/audit?entity=center&entity_id="+id); !strings.Contains(html, "مركز سري") {
			t.Error("the national administrator should see the center's current name")
		}
	})
}
