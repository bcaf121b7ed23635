package web

import (
	"bytes"
	"context"
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

// probWorld is a Sharqia center with a clerk and a manager, a second Sharqia center, a Cairo
// center, both governorates' supervisors, the ministry, a national admin and two support
// agents placed by the admin in the vendor and the planning teams.
type probWorld struct {
	sh, sh2, ca                                        *markaz.Center
	clerk, manager, sup13, sup01, min, admin, ven, pla string
	venID, plaID                                       string
}

func newProbWorld(e *env) probWorld {
	w := probWorld{sh: usersCenter(e, "SH-PRB-01", "13-001"), sh2: usersCenter(e, "SH-PRB-02", "13-002"),
		ca: usersCenter(e, "CA-PRB-01", "01-001")}
	e.user("wclerk", at(markaz.RoleClerk, markaz.LevelCenter, w.sh.ID))
	e.user("wmanager", at(markaz.RoleCenterManager, markaz.LevelCenter, w.sh.ID))
	e.user("wsup13", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	e.user("wsup01", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "01"))
	e.user("wmin", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	e.user("wadmin", at(markaz.RoleAdmin, markaz.LevelNation, ""))
	w.venID = e.user("wvendor", at(markaz.RoleSupport, markaz.LevelNation, "")).ID
	w.plaID = e.user("wplanning", at(markaz.RoleSupport, markaz.LevelNation, "")).ID
	w.clerk, w.manager, w.sup13, w.sup01 = e.token("wclerk"), e.token("wmanager"), e.token("wsup13"), e.token("wsup01")
	w.min, w.admin, w.ven, w.pla = e.token("wmin"), e.token("wadmin"), e.token("wvendor"), e.token("wplanning")
	for id, team := range map[string]string{w.venID: "vendor", w.plaID: "planning"} {
		if st, b := e.call("PUT", "/api/v1/users/"+id+"/support-teams", w.admin, map[string]any{"teams": []string{team}}); st != 200 {
			e.t.Fatalf("teams: %d %v", st, b["_raw"])
		}
	}
	return w
}

// multipartBody encodes fields and files (name → bytes, under "files") as multipart/form-data.
func multipartBody(fields url.Values, files map[string][]byte) (contentType, body string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, _ := mw.CreateFormFile("files", name)
		fw.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.String()
}

// multipartCall posts a multipart form as a bearer-token client.
func (e *env) multipartCall(path, token string, fields url.Values, files map[string][]byte) (int, map[string]any) {
	e.t.Helper()
	ct, body := multipartBody(fields, files)
	return e.sendRaw("POST", path, token, ct, body)
}

func (e *env) countRows(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&n, `SELECT COUNT(*) FROM `+table)
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func items(b map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := b["items"].([]any)
	for _, x := range list {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestProblemsAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newProbWorld(e)
		// Bad input: every field at once, in the caller's language, nothing saved.
		st, b := e.call("POST", "/api/v1/problems", w.clerk, map[string]any{"category": "weather",
			"title": strings.Repeat("x", 121), "severity": "urgent"})
		if st != 422 || usersFields(b) != "category:one_of severity:one_of title:too_long description:required" {
			t.Errorf("bad report: %d %s", st, usersFields(b))
		}
		if st, b := e.call("POST", "/api/v1/problems", w.clerk, `{"category":"network","colour":"red"}`); st != 422 || usersFields(b) != "colour:unknown_field" {
			t.Errorf("unknown field: %d %v", st, b["_raw"])
		}
		// A file whose content is not an accepted type is refused, and the ticket with it.
		st, b = e.multipartCall("/api/v1/problems", w.clerk, url.Values{"category": {"network"}, "title": {"No network"},
			"description": {"Since 9am"}}, map[string][]byte{"shot.png": []byte("<svg onload=alert(1)>")})
		if st != 422 || usersFields(b) != "files:file_type" || e.countRows("problems") != 0 || e.countRows("files") != 0 {
			t.Errorf("svg as png: %d %s, %d problems", st, usersFields(b), e.countRows("problems"))
		}
		st, b = e.multipartCall("/api/v1/problems", w.clerk, url.Values{"category": {"network"}, "title": {"No network"},
			"description": {"Since 9am"}, "severity": {"high"}}, map[string][]byte{"shot.png": testPNG})
		if st != 201 || b["number"] != 1.0 || b["status"] != "reported" || len(b["files"].([]any)) != 1 || b["severity"] != "high" {
			t.Fatalf("multipart report: %d %v", st, b["_raw"])
		}
		p1 := b["id"].(string)
		fileID := b["files"].([]any)[0].(map[string]any)["id"].(string)
		st, b = e.call("POST", "/api/v1/problems", w.clerk, map[string]any{"category": "software", "title": "Slow search",
			"description": "Search takes a minute"})
		if st != 201 || b["severity"] != "medium" || b["center_id"] != w.sh.ID {
			t.Fatalf("json report: %d %v", st, b["_raw"])
		}
		p2 := b["id"].(string)
		if st, _ := e.call("POST", "/api/v1/problems", w.ven, map[string]any{"category": "software", "title": "x", "description": "x"}); st != 403 {
			t.Errorf("agent reports: %d", st)
		}
		if st, b := e.call("POST", "/api/v1/problems", w.sup13, map[string]any{"category": "other", "title": "x", "description": "x"}); st != 422 || usersFields(b) != "center_id:required" {
			t.Errorf("supervisor without a center: %d %s", st, usersFields(b))
		}

		// Who sees what.
		list := func(tok, q string) []map[string]any {
			t.Helper()
			st, b := e.call("GET", "/api/v1/problems"+q, tok, nil)
			if st != 200 {
				t.Fatalf("list %s: %d %v", q, st, b["_raw"])
			}
			return items(b)
		}
		if got := list(w.clerk, ""); len(got) != 2 || got[0]["number"] != 2.0 {
			t.Errorf("clerk's list: %v", got)
		}
		if got := list(w.sup01, ""); len(got) != 0 {
			t.Errorf("Cairo sees %d", len(got))
		}
		if got := list(w.ven, ""); len(got) != 0 {
			t.Errorf("vendor sees %d before escalation", len(got))
		}
		if st, _ := e.call("GET", "/api/v1/problems?governorate=13", w.sup01, nil); st != 403 {
			t.Errorf("Cairo filters Sharqia: %d", st)
		}
		if st, b := e.call("GET", "/api/v1/problems?status=lost&category=x", w.sup13, nil); st != 422 || usersFields(b) != "status:one_of category:one_of" {
			t.Errorf("bad filter: %d %s", st, usersFields(b))
		}

		// Triage and escalation; the vendor's agent then sees it, the planning agent never.
		act := func(tok, id string, body map[string]any) (int, map[string]any) {
			t.Helper()
			return e.call("POST", "/api/v1/problems/"+id+"/actions", tok, body)
		}
		if st, b := act(w.sup13, p1, map[string]any{"action": "escalate"}); st != 422 || usersFields(b) != "target:required" {
			t.Errorf("escalate without team: %d %s", st, usersFields(b))
		}
		if st, _ := act(w.clerk, p1, map[string]any{"action": "escalate", "target": "vendor"}); st != 403 {
			t.Errorf("clerk escalates: %d", st)
		}
		if st, b := act(w.sup13, p1, map[string]any{"action": "escalate", "target": "vendor", "severity": "critical"}); st != 200 ||
			b["status"] != "escalated" || b["target"] != "vendor" || b["severity"] != "critical" {
			t.Fatalf("escalate: %d %v", st, b["_raw"])
		}
		if got := list(w.ven, ""); len(got) != 1 || got[0]["id"] != p1 {
			t.Errorf("vendor's queue: %v", got)
		}
		if got := list(w.ven, "?center="+w.ca.ID); len(got) != 0 {
			t.Errorf("vendor filtering by center: %v", got)
		}
		if got := list(w.pla, ""); len(got) != 0 {
			t.Errorf("planning sees %d", len(got))
		}
		for _, c := range []struct {
			tok, path string
			want      int
		}{{w.pla, "/api/v1/problems/" + p1, 403}, {w.ven, "/api/v1/problems/" + p2, 403},
			{w.sup01, "/api/v1/problems/" + p1, 403}, {w.ven, "/api/v1/problems/" + p1, 200},
			{w.ven, "/api/v1/files/" + fileID, 200}, {w.pla, "/api/v1/files/" + fileID, 403},
			{w.sup01, "/api/v1/files/" + fileID, 403}, {w.clerk, "/api/v1/problems/nope", 404}} {
			if st, _ := e.call("GET", c.path, c.tok, nil); st != c.want {
				t.Errorf("GET %s: %d, want %d", c.path, st, c.want)
			}
		}
		if st, _ := act(w.pla, p1, map[string]any{"action": "start"}); st != 403 {
			t.Errorf("planning starts: %d", st)
		}
		if st, _ := act(w.ven, p1, map[string]any{"action": "confirm"}); st != 403 {
			t.Errorf("agent confirms its own work: %d", st)
		}
		if st, b := act(w.ven, p1, map[string]any{"action": "start"}); st != 200 || b["status"] != "in_progress" {
			t.Fatalf("start: %d %v", st, b["_raw"])
		}
		if st, _ := act(w.ven, p1, map[string]any{"action": "start"}); st != 409 {
			t.Errorf("start twice: %d", st)
		}
		if st, b := act(w.ven, p1, map[string]any{"action": "resolve"}); st != 422 || usersFields(b) != "note:required" {
			t.Errorf("resolve without resolution: %d %s", st, usersFields(b))
		}
		// The agent adds a file to what it works on.
		if st, b := e.multipartCall("/api/v1/problems/"+p1+"/files", w.ven, nil, map[string][]byte{"fix.pdf": []byte("%PDF-1.4\n%\xe2\xe3\n1 0 obj")}); st != 201 || len(b["files"].([]any)) != 2 {
			t.Errorf("agent adds a file: %d %v", st, b["_raw"])
		}
		e.clock.Advance(5 * 60 * 60 * 1e9)
		st, b = act(w.ven, p1, map[string]any{"action": "resolve", "note": "Router replaced"})
		if st != 200 || b["status"] != "resolved" || b["hours_to_resolve"] != 5.0 {
			t.Fatalf("resolve: %d %v", st, b["_raw"])
		}
		if st, b := act(w.clerk, p1, map[string]any{"action": "reopen"}); st != 422 || usersFields(b) != "note:required" {
			t.Errorf("reopen without a reason: %d %s", st, usersFields(b))
		}
		if st, b := act(w.clerk, p1, map[string]any{"action": "confirm", "version": 1}); st != 409 || !strings.Contains(b["_raw"].(string), "changed this record") {
			t.Errorf("stale version: %d %v", st, b["_raw"])
		}
		if st, b := act(w.clerk, p1, map[string]any{"action": "confirm"}); st != 200 || b["status"] != "closed" {
			t.Errorf("confirm: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/problems/"+p1, w.clerk, nil)
		if ev := b["events"].([]any); st != 200 || len(ev) != 6 || ev[1].(map[string]any)["target"] != "vendor" {
			t.Errorf("history: %d %v", st, b["_raw"])
		}
		// Merge a duplicate; the summary counts the original only.
		_, b = e.call("POST", "/api/v1/problems", w.manager, map[string]any{"category": "network", "title": "Network down",
			"description": "again"})
		dup := b["id"].(string)
		if st, b := act(w.sup13, dup, map[string]any{"action": "merge", "into": p1}); st != 200 || b["status"] != "merged" || b["merged_into"] != p1 {
			t.Errorf("merge: %d %v", st, b["_raw"])
		}
		// Paging: one per page, the cursor carries on.
		st, b = e.call("GET", "/api/v1/problems?limit=1", w.sup13, nil)
		if st != 200 || len(items(b)) != 1 || b["next_cursor"] == "" {
			t.Fatalf("page 1: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/problems?limit=1&cursor="+b["next_cursor"].(string), w.sup13, nil)
		if st != 200 || len(items(b)) != 1 || items(b)[0]["number"] != 2.0 {
			t.Errorf("page 2: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/problems?cursor=bad!", w.sup13, nil); st != 422 {
			t.Errorf("bad cursor: %d", st)
		}

		// Summary: scoped, validated, merged duplicates excluded.
		today := markaz.Today(e.clock).String()
		st, b = e.call("GET", "/api/v1/problems/summary?governorate=13&from="+today+"&to="+today, w.sup13, nil)
		if st != 200 || b["total"] != 2.0 || b["resolved"] != 1.0 || b["open"] != 1.0 || b["median_hours_to_resolve"] != 5.0 ||
			len(b["by_category"].([]any)) != 6 || len(b["by_target"].([]any)) != 4 {
			t.Errorf("summary: %d %v", st, b["_raw"])
		}
		for _, c := range []struct {
			tok, q string
			want   int
			fields string
		}{{w.sup13, "?governorate=01", 403, ""}, {w.clerk, "?governorate=01", 403, ""}, {w.ven, "", 403, ""},
			{w.sup13, "?governorate=99", 422, "governorate:unknown_governorate"},
			{w.sup13, "?from=2026-03-10&to=2026-03-01", 422, "from:from_after_to"},
			{w.sup13, "?from=yesterday", 422, "from:date_format"}, {w.min, "?governorate=01", 200, ""}} {
			st, b := e.call("GET", "/api/v1/problems/summary"+c.q, c.tok, nil)
			if st != c.want || c.fields != "" && usersFields(b) != c.fields {
				t.Errorf("summary %s: %d %s, want %d %s", c.q, st, usersFields(b), c.want, c.fields)
			}
		}

		// Every change is audited: two reports, the escalation, start, a file, the
		// resolution, the confirmation, the duplicate and its merge.
		if n := e.auditCount("problem"); n != 9 {
			t.Errorf("%d problem audit entries", n)
		}
		if got := list(w.clerk, "?status=closed"); len(got) != 1 || got[0]["hours_to_resolve"] != 5.0 {
			t.Errorf("closed, with its hours: %v", got)
		}

		// Support teams: only a national user manager sets them; the list says who is where.
		if st, _ := e.call("PUT", "/api/v1/users/"+w.plaID+"/support-teams", w.sup13, map[string]any{"teams": []string{"vendor"}}); st != 403 {
			t.Errorf("supervisor sets teams: %d", st)
		}
		st, b = e.call("GET", "/api/v1/support-teams", w.admin, nil)
		if got := items(b); st != 200 || len(got) != 2 || got[0]["username"] != "wplanning" {
			t.Errorf("agents: %d %v", st, b["_raw"])
		}
	})
}

func TestNeedsAndEquipmentAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newProbWorld(e)
		st, b := e.call("POST", "/api/v1/equipment", w.manager, map[string]any{"center_id": w.sh.ID, "device_type": "printer",
			"serial": "hp 400-1"})
		if st != 201 || b["serial"] != "HP400-1" || b["status"] != "working" {
			t.Fatalf("add: %d %v", st, b["_raw"])
		}
		item := b["id"].(string)
		if st, b := e.call("POST", "/api/v1/equipment", w.sup13, map[string]any{"center_id": w.sh2.ID, "device_type": "printer",
			"serial": "HP400-1"}); st != 422 || usersFields(b) != "serial:taken" {
			t.Errorf("serial twice: %d %s", st, usersFields(b))
		}
		if st, b := e.call("POST", "/api/v1/equipment", w.sup13, map[string]any{"center_id": w.sh2.ID, "device_type": "fax",
			"serial": "x"}); st != 422 || usersFields(b) != "device_type:one_of serial:serial_format" {
			t.Errorf("bad item: %d %s", st, usersFields(b))
		}
		if st, _ := e.call("POST", "/api/v1/equipment", w.clerk, map[string]any{"center_id": w.sh.ID, "device_type": "ups", "serial": "UPS-9"}); st != 403 {
			t.Errorf("clerk adds: %d", st)
		}
		if st, _ := e.call("PUT", "/api/v1/equipment/"+item, w.sup01, map[string]any{"device_type": "printer", "serial": "HP400-1",
			"status": "faulty", "version": 1}); st != 403 {
			t.Errorf("Cairo edits: %d", st)
		}
		st, b = e.call("PUT", "/api/v1/equipment/"+item, w.manager, map[string]any{"device_type": "printer", "serial": "HP400-1",
			"status": "faulty", "notes": "toner smears", "version": 1})
		if st != 200 || b["status"] != "faulty" || b["version"] != 2.0 {
			t.Fatalf("faulty: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/centers/"+w.sh.ID+"/equipment", w.clerk, nil)
		if st != 200 || len(items(b)) != 1 || b["counts"].(map[string]any)["faulty"] != 1.0 {
			t.Errorf("inventory: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/centers/"+w.ca.ID+"/equipment", w.clerk, nil); st != 403 {
			t.Errorf("clerk reads Cairo's inventory: %d", st)
		}
		st, b = e.call("POST", "/api/v1/problems", w.clerk, map[string]any{"category": "hardware", "title": "Printer smears",
			"description": "x", "equipment_id": item})
		if st != 201 || b["equipment"].(map[string]any)["serial"] != "HP400-1" {
			t.Errorf("linked report: %d %v", st, b["_raw"])
		}

		// Needs: raised by the governorate, decided by the ministry, delivered in parts.
		st, b = e.call("POST", "/api/v1/needs", w.sup13, map[string]any{"governorate": "13", "kind": "scanners", "quantity": 8,
			"justification": "Backlog scanning"})
		if st != 201 || b["status"] != "raised" || !sameSet(b["actions"], "cancel") {
			t.Fatalf("raise: %d %v", st, b["_raw"])
		}
		nd := b["id"].(string)
		if st, b := e.call("POST", "/api/v1/needs", w.sup13, map[string]any{"governorate": "13", "kind": "robots", "quantity": 0}); st != 422 ||
			usersFields(b) != "kind:one_of quantity:quantity_range justification:required" {
			t.Errorf("bad need: %d %s", st, usersFields(b))
		}
		if st, _ := e.call("POST", "/api/v1/needs", w.sup01, map[string]any{"governorate": "13", "kind": "scanners", "quantity": 1,
			"justification": "x"}); st != 403 {
			t.Errorf("Cairo raises for Sharqia: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/needs/"+nd, w.sup01, nil); st != 403 {
			t.Errorf("Cairo reads Sharqia's need: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/needs/"+nd+"/actions", w.sup13, map[string]any{"action": "approve"}); st != 403 {
			t.Errorf("governorate approves: %d", st)
		}
		if st, b := e.call("POST", "/api/v1/needs/"+nd+"/actions", w.min, map[string]any{"action": "approve", "quantity": 5}); st != 422 || usersFields(b) != "note:required" {
			t.Errorf("reduced without reason: %d %s", st, usersFields(b))
		}
		if st, b := e.call("POST", "/api/v1/needs/"+nd+"/actions", w.min, map[string]any{"action": "approve", "quantity": 5, "note": "Budget"}); st != 200 || b["approved_quantity"] != 5.0 {
			t.Fatalf("approve: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/needs/"+nd+"/actions", w.sup13, map[string]any{"action": "deliver", "quantity": 3, "delivered_on": "2030-01-01"}); st != 422 || usersFields(b) != "delivered_on:date_in_future" {
			t.Errorf("future delivery: %d %s", st, usersFields(b))
		}
		if st, b := e.call("POST", "/api/v1/needs/"+nd+"/actions", w.sup13, map[string]any{"action": "deliver", "quantity": 3}); st != 200 || b["status"] != "partly_fulfilled" {
			t.Fatalf("deliver: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/needs/"+nd+"/actions", w.min, map[string]any{"action": "deliver", "quantity": 2}); st != 200 || b["status"] != "fulfilled" || len(b["deliveries"].([]any)) != 2 {
			t.Fatalf("fulfil: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/needs/"+nd+"/actions", w.sup13, map[string]any{"action": "cancel", "note": "x"}); st != 409 {
			t.Errorf("cancel a fulfilled need: %d", st)
		}
		st, b = e.call("GET", "/api/v1/needs", w.min, nil)
		if tt := b["totals_by_kind"].([]any); st != 200 || len(items(b)) != 1 || len(tt) != 1 || tt[0].(map[string]any)["delivered"] != 5.0 {
			t.Errorf("national needs: %d %v", st, b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/needs", w.sup01, nil); st != 200 || len(items(b)) != 0 {
			t.Errorf("Cairo's needs: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/needs?governorate=13", w.sup01, nil); st != 403 {
			t.Errorf("Cairo filters Sharqia's needs: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/needs", w.ven, nil); st != 403 {
			t.Errorf("agent reads needs: %d", st)
		}
		if e.auditCount("need") != 4 || e.auditCount("equipment") != 2 {
			t.Errorf("audit: %d need, %d equipment entries", e.auditCount("need"), e.auditCount("equipment"))
		}
	})
}

func sameSet(v any, want ...string) bool {
	list, _ := v.([]any)
	if len(list) != len(want) {
		return false
	}
	for i := range list {
		if list[i] != want[i] {
			return false
		}
	}
	return true
}

// uiMultipart posts a same-origin multipart form from a browser client.
func (e *env) uiMultipart(c *http.Client, path string, fields url.Values, files map[string][]byte) *http.Response {
	e.t.Helper()
	ct, body := multipartBody(fields, files)
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

var problemLocRE = regexp.MustCompile(`^/problems/([0-9a-f-]{36})$`)

func TestProblemPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newProbWorld(e)
		clerk := e.browser()
		e.uiLogin(clerk, "wclerk")
		st, html := e.page(clerk, "/problems/new")
		if st != 200 || !strings.Contains(html, `enctype="multipart/form-data"`) || !strings.Contains(html, `name="center_id" value="`+w.sh.ID+`"`) {
			t.Fatalf("report form: %d", st)
		}
		// A refused form comes back with the messages and the values typed.
		resp := e.uiMultipart(clerk, "/problems/new", url.Values{"center_id": {w.sh.ID}, "category": {"network"},
			"title": {"الشبكة مقطوعة"}}, map[string][]byte{"a.png": []byte("GIF89a not allowed")})
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(body), `id="e-description"`) || !strings.Contains(string(body), `id="e-files"`) ||
			!strings.Contains(string(body), "الشبكة مقطوعة") || e.countRows("problems") != 0 {
			t.Errorf("refused report: %d", resp.StatusCode)
		}
		resp = e.uiMultipart(clerk, "/problems/new", url.Values{"center_id": {w.sh.ID}, "category": {"network"},
			"severity": {"high"}, "title": {"الشبكة مقطوعة"}, "description": {"منذ الصباح"}}, map[string][]byte{"a.png": testPNG})
		resp.Body.Close()
		m := problemLocRE.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || m == nil {
			t.Fatalf("report: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		id := m[1]
		st, html = e.page(clerk, "/problems/"+id)
		if st != 200 || !strings.Contains(html, "#١") || !strings.Contains(html, "a.png") || !strings.Contains(html, `id="act-comment"`) ||
			strings.Contains(html, `id="act-escalate"`) {
			t.Errorf("ticket page for the clerk: %d", st)
		}
		sup := e.browser()
		e.uiLogin(sup, "wsup13")
		st, html = e.page(sup, "/problems?status=triage&order=oldest")
		if st != 200 || !strings.Contains(html, "/problems/"+id) || !strings.Contains(html, `aria-current="page"`) {
			t.Errorf("triage queue: %d", st)
		}
		st, html = e.page(sup, "/problems/"+id)
		if st != 200 || !strings.Contains(html, `id="act-escalate"`) || !strings.Contains(html, `id="act-merge"`) {
			t.Errorf("ticket page for the supervisor: %d", st)
		}
		// Escalating without a team re-renders with the message; with one, it is done.
		resp = e.form(sup, "/problems/"+id+"/actions", url.Values{"action": {"escalate"}, "version": {"1"}})
		if resp.StatusCode != 422 {
			t.Errorf("escalate without team: %d", resp.StatusCode)
		}
		resp = e.form(sup, "/problems/"+id+"/actions", url.Values{"action": {"escalate"}, "target": {"vendor"}, "version": {"1"}})
		if resp.StatusCode != 303 {
			t.Fatalf("escalate: %d", resp.StatusCode)
		}
		resp = e.form(sup, "/problems/"+id+"/actions", url.Values{"action": {"escalate"}, "target": {"planning"}, "version": {"1"}})
		if resp.StatusCode != 409 {
			t.Errorf("stale form: %d", resp.StatusCode)
		}
		// Merging takes the original's number as people quote it.
		_, b := e.call("POST", "/api/v1/problems", w.clerk, map[string]any{"category": "network", "title": "dup", "description": "x"})
		resp = e.form(sup, "/problems/"+b["id"].(string)+"/actions", url.Values{"action": {"merge"}, "into_number": {"#٩٩"}})
		if resp.StatusCode != 422 {
			t.Errorf("merge into an unknown number: %d", resp.StatusCode)
		}
		resp = e.form(sup, "/problems/"+b["id"].(string)+"/actions", url.Values{"action": {"merge"}, "into_number": {"#١"}})
		if resp.StatusCode != 303 {
			t.Errorf("merge by number: %d", resp.StatusCode)
		}
		agent := e.browser()
		e.uiLogin(agent, "wvendor")
		st, html = e.page(agent, "/problems?status=team&order=oldest")
		if st != 200 || !strings.Contains(html, "/problems/"+id) || strings.Contains(html, "/problems/"+b["id"].(string)) {
			t.Errorf("agent's queue: %d", st)
		}
		if st, _ := e.page(agent, "/problems/summary"); st != 403 {
			t.Errorf("agent's summary page: %d", st)
		}
		planning := e.browser()
		e.uiLogin(planning, "wplanning")
		if st, _ := e.page(planning, "/problems/"+id); st != 403 {
			t.Errorf("planning agent opens the vendor's ticket: %d", st)
		}
		st, html = e.page(sup, "/problems/summary?from=2026-01-01")
		if st != 200 || !strings.Contains(html, `id="resolved"`) || !strings.Contains(html, `id="by-target"`) {
			t.Errorf("summary page: %d", st)
		}
		if st, html := e.page(sup, "/problems/summary?from=2026-04-01&to=2026-03-01"); st != 422 || !strings.Contains(html, `id="e-from"`) {
			t.Errorf("bad period: %d", st)
		}
		admin := e.browser()
		e.uiLogin(admin, "wadmin")
		st, html = e.page(admin, "/problems/teams")
		if st != 200 || !strings.Contains(html, "wplanning") {
			t.Errorf("teams page: %d", st)
		}
		resp = e.form(admin, "/problems/teams", url.Values{"user_id": {w.plaID}, "teams": {"planning", "vendor"}})
		if resp.StatusCode != 303 || len(items(mustGet(e, "/api/v1/problems", w.pla))) != 1 {
			t.Errorf("planning joins the vendor: %d", resp.StatusCode)
		}
		if st, _ := e.page(sup, "/problems/teams"); st != 403 {
			t.Errorf("supervisor's teams page: %d", st)
		}

		// Equipment and needs pages.
		mgr := e.browser()
		e.uiLogin(mgr, "wmanager")
		resp = e.form(mgr, "/centers/"+w.sh.ID+"/equipment", url.Values{"device_type": {"pc"}, "serial": {"x"}, "status": {"working"}})
		if resp.StatusCode != 422 {
			t.Errorf("bad item form: %d", resp.StatusCode)
		}
		resp = e.form(mgr, "/centers/"+w.sh.ID+"/equipment", url.Values{"device_type": {"pc"}, "serial": {"PC-100"}, "status": {"working"}})
		if resp.StatusCode != 303 {
			t.Fatalf("add item: %d", resp.StatusCode)
		}
		_, b = e.call("GET", "/api/v1/centers/"+w.sh.ID+"/equipment", w.manager, nil)
		item := items(b)[0]["id"].(string)
		resp = e.form(mgr, "/equipment/"+item, url.Values{"device_type": {"pc"}, "serial": {"PC-100"}, "status": {"faulty"}, "version": {"1"}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.Contains(loc, "/problems/new?") || !strings.Contains(loc, item) {
			t.Errorf("marked faulty: %d %q", resp.StatusCode, loc)
		}
		st, html = e.page(mgr, "/problems/new?equipment_id="+item+"&category=hardware")
		if st != 200 || !strings.Contains(html, `value="`+item+`" selected`) {
			t.Errorf("report prefilled with the item: %d", st)
		}
		for _, p := range []string{"/equipment/" + item, "/centers/" + w.sh.ID + "/equipment", "/centers/" + w.sh.ID} {
			if st, html := e.page(mgr, p); st != 200 || !strings.Contains(html, "PC-100") && !strings.Contains(html, `id="center-equipment"`) {
				t.Errorf("%s: %d", p, st)
			}
		}
		resp = e.form(sup, "/needs/new", url.Values{"governorate": {"13"}, "kind": {"uniforms"}, "quantity": {"٢٠"}, "justification": {"زي الموظفين الجدد"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/needs/") {
			t.Fatalf("raise need: %d", resp.StatusCode)
		}
		if resp := e.form(sup, "/needs/new", url.Values{"governorate": {"13"}, "kind": {"uniforms"}, "quantity": {"many"}, "justification": {"x"}}); resp.StatusCode != 422 {
			t.Errorf("bad quantity: %d", resp.StatusCode)
		}
		ministry := e.browser()
		e.uiLogin(ministry, "wmin")
		if resp := e.form(ministry, loc+"/actions", url.Values{"action": {"refuse"}}); resp.StatusCode != 422 {
			t.Errorf("refuse without reason: %d", resp.StatusCode)
		}
		if resp := e.form(ministry, loc+"/actions", url.Values{"action": {"approve"}, "quantity": {"20"}}); resp.StatusCode != 303 {
			t.Errorf("approve: %d", resp.StatusCode)
		}
		for _, p := range []string{"/needs", loc, "/needs/new"} {
			if st, _ := e.page(sup, p); st != 200 {
				t.Errorf("%s: %d", p, st)
			}
		}
		if st, html := e.page(ministry, loc); st != 200 || !strings.Contains(html, `id="act-deliver"`) {
			t.Errorf("need page for the ministry: %d", st)
		}
	})
}

func mustGet(e *env, path, tok string) map[string]any {
	e.t.Helper()
	st, b := e.call("GET", path, tok, nil)
	if st != 200 {
		e.t.Fatalf("GET %s: %d %v", path, st, b["_raw"])
	}
	return b
}
