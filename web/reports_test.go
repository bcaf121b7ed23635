package web

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"markaz"
	"markaz/report"
	"markaz/worker"
)

// Definitions are refused outside the maker's governorate and for recipients outside the
// territory, with the field and the users named; a generated report reaches the
// governor's inbox (unread count in the menu) and opens for them, while a reader of
// another governorate gets 403 and an empty archive.
func TestReportsScope(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sup13", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		e.user("gov13", at(markaz.RoleHead, markaz.LevelGovernorate, "13"))
		e.user("gov01", at(markaz.RoleHead, markaz.LevelGovernorate, "01"))
		sup, gov, other := e.token("sup13"), e.token("gov13"), e.token("gov01")
		body := func(code string, users ...string) map[string]any {
			return map[string]any{"level": "governorate", "code": code, "frequency": "monthly", "lang": "ar",
				"formats": []string{"xlsx"}, "recipient_roles": []string{"governor"}, "recipient_users": users}
		}
		st, b := e.call("POST", "/api/v1/reports/definitions", sup, body("13", "gov01"))
		if st != 422 || !strings.Contains(b["_raw"].(string), `"field":"recipient_users","code":"recipient_outside_scope"`) ||
			!strings.Contains(b["_raw"].(string), "gov01") {
			t.Errorf("recipient outside: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/reports/definitions", sup, body("01")); st != 422 ||
			!strings.Contains(b["_raw"].(string), `"field":"code","code":"outside_scope"`) {
			t.Errorf("territory outside: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/reports/definitions", gov, body("13")); st != 403 {
			t.Errorf("a head defines: %d", st)
		}
		st, b = e.call("POST", "/api/v1/reports/definitions", sup, body("13"))
		if st != 201 {
			t.Fatalf("create: %d %v", st, b["_raw"])
		}
		id := b["id"].(string)
		if st, b := e.call("GET", "/api/v1/reports/definitions/"+id, other, nil); st != 403 {
			t.Errorf("definition read by a head: %d %v", st, b["_raw"])
		}
		// "Generate now" queues the last complete month: 202, then 202 again (already queued);
		// another governorate's head may not.
		for _, want := range []string{"queued", "already_queued"} {
			if st, b := e.call("POST", "/api/v1/reports/definitions/"+id+"/generate", sup, nil); st != 202 || b["outcome"] != want ||
				b["period"] == "" {
				t.Errorf("generate now: %d %v, want %s", st, b["_raw"], want)
			}
		}
		if st, _ := e.call("POST", "/api/v1/reports/definitions/"+id+"/generate", other, nil); st != 403 {
			t.Errorf("generate now by another governorate: %d", st)
		}
		rid, created, err := worker.Generate(context.Background(), e.db, &report.Renderer{}, id, "2026-02", "")
		if err != nil || !created {
			t.Fatalf("generate: %v %v", created, err)
		}
		st, b = e.call("GET", "/api/v1/reports/inbox", gov, nil)
		if st != 200 || b["unread"].(float64) != 1 || len(b["items"].([]any)) != 1 {
			t.Fatalf("inbox: %d %v", st, b["_raw"])
		}
		c := e.browser()
		e.uiLogin(c, "gov13")
		if st, html := e.page(c, "/reports/inbox"); st != 200 || !strings.Contains(html, `id="nav-reports"`) ||
			!strings.Contains(html, `<span class="badge">١`) || !strings.Contains(html, "/reports/"+rid+"/files/xlsx") {
			t.Errorf("inbox page: %d\n%s", st, html)
		}
		resp, err := c.Get(e.srv.URL + "/reports/" + rid + "/files/xlsx")
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/vnd.openxmlformats") ||
			len(data) < 1000 || string(data[:2]) != "PK" {
			t.Errorf("download: %d %s %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(data))
		}
		if _, b := e.call("GET", "/api/v1/reports/inbox", gov, nil); b["unread"].(float64) != 0 {
			t.Errorf("unread after download: %v", b["unread"])
		}
		// Another governorate's head: 403 on the file, nothing in archive or inbox.
		if st, _ := e.call("GET", "/api/v1/reports/"+rid+"/files/xlsx", other, nil); st != 403 {
			t.Errorf("file outside the territory: %d", st)
		}
		oc := e.browser()
		e.uiLogin(oc, "gov01")
		if st, _ := e.page(oc, "/reports/"+rid+"/files/xlsx"); st != 403 {
			t.Errorf("file page outside the territory: %d", st)
		}
		if st, b := e.call("GET", "/api/v1/reports/archive", other, nil); st != 200 || len(b["items"].([]any)) != 0 {
			t.Errorf("archive outside: %d %v", st, b["_raw"])
		}
		if st, html := e.page(oc, "/reports/archive"); st != 200 || strings.Contains(html, rid) {
			t.Errorf("archive page outside: %d", st)
		}
		if st, b := e.call("GET", "/api/v1/reports/archive", sup, nil); st != 200 || len(b["items"].([]any)) != 1 {
			t.Errorf("archive of the governorate: %d %v", st, b["_raw"])
		}
		// The form names the missing formats.
		sc := e.browser()
		e.uiLogin(sc, "sup13")
		req := url.Values{"level": {"governorate"}, "code": {"13"}, "frequency": {"weekly"}, "lang": {"en"},
			"recipient_roles": {"governor"}}
		if resp := e.form(sc, "/reports/definitions", req); resp.StatusCode != 422 {
			t.Errorf("form without formats: %d", resp.StatusCode)
		}
		req.Set("formats", "pdf")
		if resp := e.form(sc, "/reports/definitions", req); resp.StatusCode != 303 ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/reports/definitions/") {
			t.Errorf("form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The edit form: its errors show it again (422), a good edit goes back to it.
		edit := strings.TrimPrefix(e.form(sc, "/reports/definitions", req).Header.Get("Location"), "/reports/definitions/")
		req.Set("version", "1")
		req.Del("formats")
		if resp := e.form(sc, "/reports/definitions/"+edit, req); resp.StatusCode != 422 {
			t.Errorf("edit without formats: %d", resp.StatusCode)
		}
		req.Set("formats", "xlsx")
		if resp := e.form(sc, "/reports/definitions/"+edit, req); resp.StatusCode != 303 ||
			resp.Header.Get("Location") != "/reports/definitions/"+edit {
			t.Errorf("edit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if st, b := e.call("GET", "/api/v1/reports/definitions/"+edit, sup, nil); st != 200 || fmt.Sprint(b["formats"]) != "[xlsx]" {
			t.Errorf("after the edit: %d %v", st, b["formats"])
		}
		// The page's "generate now" button queues the report and says so.
		if _, html := e.page(sc, "/reports/definitions/"+edit); !strings.Contains(html, `id="generate-report"`) {
			t.Error("the definition page has no generate button")
		}
		if resp := e.form(sc, "/reports/definitions/"+edit+"/generate", url.Values{}); resp.StatusCode != 303 ||
			resp.Header.Get("Location") != "/reports/definitions/"+edit {
			t.Errorf("generate now: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, html := e.page(sc, "/reports/definitions/"+edit); !strings.Contains(html, "يُرسل إلى المستلمين") ||
			!strings.Contains(html, "جارٍ إنشاء تقرير آخر فترة مكتملة") {
			t.Error("no flash after generate now")
		}
	})
}
