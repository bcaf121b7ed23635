package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/inspection"
	"markaz/store"
)

// inspWorld is a Sharqia and a Cairo center with the follow-up staff of each: a
// supervisor and an inspector per governorate, the ministry, and the Sharqia center's
// manager.
type inspWorld struct {
	sh, ca                                      *markaz.Center
	sup13, sup01, insp13, insp01, ministry, mgr string
}

func newInspWorld(e *env) *inspWorld {
	w := &inspWorld{sh: usersCenter(e, "SH-INS-01", "13-001"), ca: usersCenter(e, "CA-INS-01", "01-001")}
	e.user("isup13", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	e.user("isup01", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "01"))
	e.user("insp13", at(markaz.RoleInspector, markaz.LevelGovernorate, "13"))
	e.user("insp01", at(markaz.RoleInspector, markaz.LevelGovernorate, "01"))
	e.user("iministry", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	e.user("imgr", at(markaz.RoleCenterManager, markaz.LevelCenter, w.sh.ID))
	w.login(e)
	return w
}

// login (again, after the clock moved past the tokens' lifetime) gives every user a token.
func (w *inspWorld) login(e *env) {
	w.sup13, w.sup01, w.insp13, w.insp01 = e.token("isup13"), e.token("isup01"), e.token("insp13"), e.token("insp01")
	w.ministry, w.mgr = e.token("iministry"), e.token("imgr")
}

// committee creates a governorate committee through the API and returns its id.
func (w *inspWorld) committee(e *env, token, gov, member string) string {
	e.t.Helper()
	st, b := e.call("POST", "/api/v1/inspections/committees", token, map[string]any{"name_ar": "لجنة متابعة " + gov,
		"name_en": "Follow-up committee " + gov, "governorate": gov,
		"members": []map[string]any{{"username": member, "body": inspection.BodyInspection}}})
	if st != 201 {
		e.t.Fatalf("create committee %s: %d %s", gov, st, b["_raw"])
	}
	return b["id"].(string)
}

// standard returns the current version of the national checklist: its id and items.
func (w *inspWorld) standard(e *env, token string) (string, []inspection.Item) {
	e.t.Helper()
	st, b := e.call("GET", "/api/v1/inspections/checklists", token, nil)
	if st != 200 {
		e.t.Fatalf("checklists: %d %s", st, b["_raw"])
	}
	id := b["items"].([]any)[0].(map[string]any)["id"].(string)
	st, b = e.call("GET", "/api/v1/inspections/checklists/"+id, token, nil)
	if st != 200 {
		e.t.Fatalf("checklist: %d %s", st, b["_raw"])
	}
	var cur struct {
		ID    string            `json:"id"`
		Items []inspection.Item `json:"items"`
	}
	raw, _ := json.Marshal(b["current"])
	json.Unmarshal(raw, &cur)
	return cur.ID, cur.Items
}

func itemMarks(items []inspection.Item, score func(i int) int) ([]map[string]any, map[string]int) {
	var out []map[string]any
	scores := map[string]int{}
	for i, it := range items {
		out = append(out, map[string]any{"key": it.Key, "score": score(i), "note": ""})
		scores[it.Key] = score(i)
	}
	return out, scores
}

// formValues turns a field map into url.Values for the multipart helpers.
func formValues(m map[string]string) url.Values {
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return v
}

func TestInspectionCommitteesAcrossGovernorates(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newInspWorld(e)
		sh := w.committee(e, w.sup13, "13", "insp13")
		ca := w.committee(e, w.sup01, "01", "insp01")
		for _, c := range []struct {
			method, path, token string
			body                any
			want                int
		}{
			{"GET", "/api/v1/inspections/committees/" + sh, w.insp01, nil, 403},
			{"GET", "/api/v1/inspections/committees/" + ca, w.insp13, nil, 403},
			{"GET", "/api/v1/inspections/committees/" + sh, w.insp13, nil, 200},
			{"GET", "/api/v1/inspections/committees/" + sh, w.ministry, nil, 200},
			{"GET", "/api/v1/inspections/committees?governorate=13", w.insp01, nil, 403},
			{"GET", "/api/v1/inspections/committees/nope", w.insp13, nil, 404},
			{"PUT", "/api/v1/inspections/committees/" + ca, w.sup13, map[string]any{"name_ar": "x", "name_en": "x",
				"members": []map[string]any{{"username": "insp13", "body": "projects_unit"}}, "version": 1}, 404},
			{"POST", "/api/v1/inspections/committees", w.sup13, map[string]any{"name_ar": "قومية", "name_en": "National",
				"members": []map[string]any{{"username": "insp13", "body": "projects_unit"}}}, 403},
			{"POST", "/api/v1/inspections/committees", w.insp13, map[string]any{"name_ar": "x", "name_en": "x", "governorate": "13",
				"members": []map[string]any{{"username": "insp13", "body": "projects_unit"}}}, 403},
			{"POST", "/api/v1/inspections/committees", w.mgr, map[string]any{}, 403},
		} {
			if st, b := e.call(c.method, c.path, c.token, c.body); st != c.want {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, st, c.want, b["_raw"])
			}
		}
		st, b := e.call("POST", "/api/v1/inspections/committees", w.sup13, map[string]any{"name_ar": "", "name_en": "Sharqia 2",
			"governorate": "13", "members": []map[string]any{{"username": "insp01", "body": "projects_unit"}, {"username": "insp13"}}})
		if got := usersFields(b); st != 422 || !strings.Contains(got, "members.0.user:not_inspector") ||
			!strings.Contains(got, "members.1.body:required") || !strings.Contains(got, "name_ar:required") {
			t.Errorf("invalid committee: %d %s", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/inspections/committees", w.insp13, nil)
		if items, _ := b["items"].([]any); st != 200 || len(items) != 1 {
			t.Errorf("sharqia inspector's committees: %d %s", st, b["_raw"])
		}
		st, b = e.call("PUT", "/api/v1/inspections/committees/"+sh, w.sup13, map[string]any{"name_ar": "لجنة الشرقية",
			"name_en": "Sharqia committee", "members": []map[string]any{{"username": "insp13", "body": "communications_admin"}}, "version": 1})
		if st != 200 || b["version"].(float64) != 2 || !strings.Contains(b["_raw"].(string), "communications_admin") {
			t.Errorf("update: %d %s", st, b["_raw"])
		}
	})
}

func TestInspectionVisitsFindingsAndActionsAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newInspWorld(e)
		w.committee(e, w.sup13, "13", "insp13")
		w.committee(e, w.sup01, "01", "insp01")
		v1, items := w.standard(e, w.insp13)

		// Invalid: a missing item and one off the scale, all reported at once.
		marks, scores := itemMarks(items, func(i int) int { return []int{2, 1, 0, 2}[i%4] })
		bad := append([]map[string]any{}, marks[1:]...)
		bad[0] = map[string]any{"key": items[1].Key, "score": 3}
		st, b := e.call("POST", "/api/v1/inspections/visits", w.insp13, map[string]any{"center_id": w.sh.ID,
			"checklist_version_id": v1, "items": bad})
		if st != 422 || !strings.Contains(usersFields(b), "items."+items[1].Key+":between") ||
			!strings.Contains(usersFields(b), "items."+items[0].Key+":not_scored") {
			t.Errorf("invalid visit: %d %s", st, b["_raw"])
		}
		// The Cairo inspector may not record in Sharqia.
		if st, b := e.call("POST", "/api/v1/inspections/visits", w.insp01, map[string]any{"center_id": w.sh.ID,
			"checklist_version_id": v1, "items": marks}); st != 403 {
			t.Errorf("cairo inspector records in sharqia: %d %s", st, b["_raw"])
		}
		st, b = e.call("POST", "/api/v1/inspections/visits", w.insp13, map[string]any{"center_id": w.sh.Code,
			"checklist_version_id": v1, "items": marks, "summary": "زيارة مفاجئة"})
		want, _ := inspection.Score(items, scores)
		if st != 201 || int(b["score"].(float64)) != want || b["checklist_version"].(float64) != 1 {
			t.Fatalf("record: %d %s (want score %d)", st, b["_raw"], want)
		}
		visit := b["id"].(string)
		for _, c := range []struct {
			path, token string
			want        int
		}{
			{"/api/v1/inspections/visits/" + visit, w.insp01, 403},
			{"/api/v1/inspections/visits?governorate=13", w.insp01, 403},
			{"/api/v1/inspections/visits?center=" + w.sh.ID, w.insp01, 403},
			{"/api/v1/inspections/visits/" + visit, w.mgr, 200},
			{"/api/v1/inspections/visits/" + visit, w.ministry, 200},
		} {
			if st, b := e.call("GET", c.path, c.token, nil); st != c.want {
				t.Errorf("GET %s: %d, want %d: %s", c.path, st, c.want, b["_raw"])
			}
		}
		if _, b := e.call("GET", "/api/v1/inspections/visits", w.insp01, nil); len(b["items"].([]any)) != 0 {
			t.Errorf("cairo inspector lists sharqia visits: %s", b["_raw"])
		}

		// The ministry amends the checklist: the recorded visit keeps its score.
		amended := make([]map[string]any, len(items))
		for i, it := range items {
			amended[i] = map[string]any{"key": it.Key, "name_ar": it.NameAr, "name_en": it.NameEn, "weight": 1}
			items[i].Weight = 1
		}
		amended[2]["weight"], items[2].Weight = 20, 20
		_, cl := e.call("GET", "/api/v1/inspections/checklists", w.ministry, nil)
		clID := cl["items"].([]any)[0].(map[string]any)["id"].(string)
		body := map[string]any{"name_ar": "قائمة", "name_en": "List", "items": amended, "based_on": 1, "note": "الأجهزة أولًا"}
		if st, _ := e.call("POST", "/api/v1/inspections/checklists/"+clID+"/versions", w.sup13, body); st != 403 {
			t.Errorf("a supervisor amends the national checklist: %d", st)
		}
		st, b = e.call("POST", "/api/v1/inspections/checklists/"+clID+"/versions", w.ministry, body)
		if st != 201 || b["current_version"].(float64) != 2 {
			t.Fatalf("amend: %d %s", st, b["_raw"])
		}
		v2 := b["current"].(map[string]any)["id"].(string)
		if st, b := e.call("POST", "/api/v1/inspections/checklists/"+clID+"/versions", w.ministry, body); st != 409 {
			t.Errorf("amend from version 1 again: %d %s", st, b["_raw"])
		}
		_, b = e.call("GET", "/api/v1/inspections/visits/"+visit, w.insp13, nil)
		if int(b["score"].(float64)) != want || b["items"].([]any)[2].(map[string]any)["weight"].(float64) == 20 {
			t.Errorf("the recorded visit changed with the checklist: %s", b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/inspections/checklists/"+clID+"/versions/1", w.insp13, nil); st != 200 ||
			len(b["items"].([]any)) != len(items) {
			t.Errorf("version 1: %d %s", st, b["_raw"])
		}
		st, b = e.call("POST", "/api/v1/inspections/visits", w.insp13, map[string]any{"center_id": w.sh.ID,
			"checklist_version_id": v1, "items": marks})
		if st != 422 || usersFields(b) != "checklist_version_id:version_superseded" {
			t.Errorf("visit on the superseded version: %d %s", st, b["_raw"])
		}
		want2, _ := inspection.Score(items, scores)
		st, b = e.call("POST", "/api/v1/inspections/visits", w.insp13, map[string]any{"center_id": w.sh.ID,
			"checklist_version_id": v2, "items": marks})
		if st != 201 || int(b["score"].(float64)) != want2 || want2 == want {
			t.Errorf("visit on version 2: %d %s, want %d (version 1 gave %d)", st, b["_raw"], want2, want)
		}

		// A finding with a photo; a file that is not an accepted type is refused.
		finding := map[string]string{"category": "premises", "severity": "medium", "description": "لا توجد لافتة بالرسوم",
			"action": "تركيب لافتة", "owner_username": "imgr"}
		st, b = e.multipartCall("/api/v1/inspections/visits/"+visit+"/findings", w.insp13, formValues(finding),
			map[string][]byte{"x.png": []byte("<svg onload=alert(1)>")})
		if st != 422 || usersFields(b) != "files:file_type" {
			t.Errorf("svg upload: %d %s", st, b["_raw"])
		}
		if st, b := e.multipartCall("/api/v1/inspections/visits/"+visit+"/findings", w.insp01, formValues(finding), nil); st != 403 {
			t.Errorf("cairo inspector adds a finding: %d %s", st, b["_raw"])
		}
		st, b = e.multipartCall("/api/v1/inspections/visits/"+visit+"/findings", w.insp13, formValues(finding), map[string][]byte{"sign.png": testPNG})
		if st != 201 {
			t.Fatalf("finding: %d %s", st, b["_raw"])
		}
		fid := b["id"].(string)
		action := b["corrective_action"].(map[string]any)
		aid, due := action["id"].(string), action["due_date"].(string)
		file := b["files"].([]any)[0].(map[string]any)["id"].(string)
		for _, c := range []struct {
			path, token string
			want        int
		}{
			{"/api/v1/files/" + file, w.mgr, 200},
			{"/api/v1/files/" + file, w.insp01, 403},
			{"/api/v1/inspections/findings/" + fid, w.insp01, 403},
			{"/api/v1/inspections/findings/" + fid, w.mgr, 200},
		} {
			if st, _ := e.call("GET", c.path, c.token, nil); st != c.want {
				t.Errorf("GET %s: %d, want %d", c.path, st, c.want)
			}
		}
		// The owner moves it on but cannot close it; the committee verifies.
		for _, c := range []struct {
			token string
			body  map[string]any
			want  int
		}{
			{w.insp01, map[string]any{"status": "in_progress"}, 403},
			{w.mgr, map[string]any{"status": "in_progress", "note": "طلبنا اللافتة"}, 200},
			{w.mgr, map[string]any{"status": "closed"}, 422}, // not done yet
			{w.mgr, map[string]any{"status": "open"}, 422},
		} {
			if st, b := e.call("PATCH", "/api/v1/inspections/actions/"+aid, c.token, c.body); st != c.want {
				t.Errorf("PATCH %v: %d, want %d: %s", c.body, st, c.want, b["_raw"])
			}
		}
		// Past its due date and not closed, it is overdue in Sharqia's list only.
		dueDate, _ := markaz.ParseDate(due)
		for !markaz.Today(e.clock).After(dueDate) {
			e.clock.Advance(24 * time.Hour)
		}
		w.login(e)
		st, b = e.call("GET", "/api/v1/inspections/actions?governorate=13&overdue=true", w.sup13, nil)
		if st != 200 || b["total"].(float64) != 1 || b["items"].([]any)[0].(map[string]any)["overdue"] != true {
			t.Errorf("overdue list: %d %s", st, b["_raw"])
		}
		if st, b := e.call("GET", "/api/v1/inspections/actions/overdue?governorate=13", w.sup13, nil); st != 200 || b["total"].(float64) != 1 {
			t.Errorf("overdue list: %d %s", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/inspections/actions?governorate=13&overdue=true", w.sup01, nil); st != 403 {
			t.Errorf("cairo's supervisor reads sharqia's overdue actions: %d", st)
		}
		e.call("PATCH", "/api/v1/inspections/actions/"+aid, w.mgr, map[string]any{"status": "done"})
		if st, b := e.call("PATCH", "/api/v1/inspections/actions/"+aid, w.mgr, map[string]any{"status": "closed"}); st != 403 {
			t.Errorf("the owner closes its own action: %d %s", st, b["_raw"])
		}
		st, b = e.call("PATCH", "/api/v1/inspections/actions/"+aid, w.insp13, map[string]any{"status": "closed", "note": "تم التحقق"})
		if st != 200 || b["corrective_action"].(map[string]any)["status"] != "closed" || len(b["history"].([]any)) != 4 {
			t.Errorf("close: %d %s", st, b["_raw"])
		}
		if _, b := e.call("GET", "/api/v1/inspections/actions?overdue=true", w.sup13, nil); b["total"].(float64) != 0 {
			t.Errorf("closed but still overdue: %s", b["_raw"])
		}
	})
}

func TestInspectionPlansAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newInspWorld(e)
		sh := w.committee(e, w.sup13, "13", "insp13")
		today := markaz.Today(e.clock)
		st, b := e.call("POST", "/api/v1/inspections/plans", w.insp13, map[string]any{"committee_id": sh, "center_id": w.sh.Code,
			"planned_on": today.AddDays(2).String(), "members": []string{"insp13"}, "purpose": "متابعة"})
		if st != 201 || b["status"] != "planned" {
			t.Fatalf("plan: %d %s", st, b["_raw"])
		}
		plan := b["id"].(string)
		if st, b := e.call("POST", "/api/v1/inspections/plans", w.insp01, map[string]any{"committee_id": sh, "center_id": w.sh.ID,
			"planned_on": today.String()}); st != 403 {
			t.Errorf("cairo inspector plans for sharqia's committee: %d %s", st, b["_raw"])
		}
		st, b = e.call("POST", "/api/v1/inspections/plans", w.sup13, map[string]any{"committee_id": sh, "center_id": w.ca.ID,
			"planned_on": "2020-01-01"})
		if st != 422 || usersFields(b) != "planned_on:date_in_past center_id:outside_committee" {
			t.Errorf("bad plan: %d %s", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/inspections/plans?mine=true&open=true", w.insp13, nil)
		if items, _ := b["items"].([]any); st != 200 || len(items) != 1 {
			t.Errorf("my visits: %d %s", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/inspections/plans/"+plan, w.insp01, nil); st != 403 {
			t.Errorf("cairo inspector reads a sharqia plan: %d", st)
		}
		st, b = e.call("POST", "/api/v1/inspections/plans/"+plan+"/postpone", w.insp13, map[string]any{
			"planned_on": today.AddDays(5).String(), "reason": "عطل السيارة", "version": 1})
		if st != 200 || b["status"] != "postponed" || b["planned_on"] != today.AddDays(5).String() {
			t.Errorf("postpone: %d %s", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/inspections/plans/"+plan+"/cancel", w.insp13, map[string]any{"reason": ""}); st != 422 {
			t.Errorf("cancel without reason: %d %s", st, b["_raw"])
		}
		st, b = e.call("POST", "/api/v1/inspections/plans/"+plan+"/cancel", w.sup13, map[string]any{"reason": "المركز مغلق"})
		if st != 200 || b["status"] != "cancelled" {
			t.Errorf("cancel: %d %s", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/inspections/plans/"+plan+"/cancel", w.sup13, map[string]any{"reason": "x"}); st != 409 {
			t.Errorf("cancel twice: %d", st)
		}
	})
}

// uploadForm posts a same-origin multipart form from a browser client.
func (e *env) uploadForm(c *http.Client, path string, fields map[string]string, files map[string][]byte) (int, string) {
	e.t.Helper()
	ct, body := multipartBody(formValues(fields), files)
	return e.postRaw(c, path, ct, body)
}

// postPage posts a same-origin form and returns the status and the page (or the
// redirect's location).
func (e *env) postPage(c *http.Client, path string, v url.Values) (int, string) {
	e.t.Helper()
	return e.postRaw(c, path, "application/x-www-form-urlencoded", v.Encode())
}

// postRaw posts a same-origin body from a browser client and returns the status and the
// redirect's location followed by the page.
func (e *env) postRaw(c *http.Client, path, contentType, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location") + string(b)
}

// The pages do what the API does: a supervisor sets up the committee, a member plans and
// records a visit (the score is shown before it is saved, and saved only as shown), adds
// a finding with a photo; the center's manager moves the action on; a national manager
// amends the checklist; the governorate's page lists overdue actions.
func TestInspectionPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newInspWorld(e)
		e.user("iadmin", at(markaz.RoleAdmin, markaz.LevelNation, ""))
		var insp13 string
		e.db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.Get(&insp13, `SELECT id FROM users WHERE username = 'insp13'`)
		})
		sup, member, mgr, cairo, admin := e.browser(), e.browser(), e.browser(), e.browser(), e.browser()
		e.uiLogin(sup, "isup13")
		e.uiLogin(member, "insp13")
		e.uiLogin(mgr, "imgr")
		e.uiLogin(cairo, "insp01")
		e.uiLogin(admin, "iadmin")

		// Committee: refused without a name, then created.
		form := url.Values{"name_en": {"Sharqia committee"}, "governorate": {"13"}, "body." + insp13: {"inspection_sector"}}
		if st, page := e.postPage(sup, "/inspections/committees/new", form); st != 422 || !strings.Contains(page, `id="e-name_ar"`) {
			t.Fatalf("committee without a name: %d", st)
		}
		form.Set("name_ar", "لجنة الشرقية")
		st, loc := e.postPage(sup, "/inspections/committees/new", form)
		if st != 303 || !strings.HasPrefix(loc, "/inspections/committees/") {
			t.Fatalf("create committee: %d %.200s", st, loc)
		}
		committee := strings.TrimPrefix(strings.SplitN(loc, "<", 2)[0], "/inspections/committees/")
		if st, page := e.page(sup, "/inspections/committees/"+committee); st != 200 || !strings.Contains(page, "Test insp13") {
			t.Errorf("committee page: %d", st)
		}
		if st, _ := e.page(cairo, "/inspections/committees/"+committee); st != 403 {
			t.Errorf("cairo inspector opens sharqia's committee: %d", st)
		}

		// Plan: the member plans, then postpones with a bad date (refused), then records it.
		if st, page := e.page(member, "/inspections/plans/new?committee_id="+committee); st != 200 || !strings.Contains(page, w.sh.ID) {
			t.Fatalf("plan form: %d", st)
		}
		today := markaz.Today(e.clock)
		st, loc = e.postPage(member, "/inspections/plans/new", url.Values{"committee_id": {committee}, "center_id": {w.sh.ID},
			"planned_on": {today.AddDays(2).String()}, "members": {"insp13"}})
		if st != 303 {
			t.Fatalf("create plan: %d %.300s", st, loc)
		}
		plan := strings.TrimPrefix(strings.SplitN(loc, "<", 2)[0], "/inspections/plans/")
		if st, page := e.postPage(member, "/inspections/plans/"+plan+"/postpone", url.Values{"planned_on": {"2020-01-01"},
			"reason": {"x"}}); st != 422 || !strings.Contains(page, `id="e-planned_on"`) {
			t.Errorf("postpone into the past: %d", st)
		}
		st, page := e.page(member, "/inspections/visits/new?plan="+plan)
		if st != 200 || !strings.Contains(page, `name="checklist_version_id"`) {
			t.Fatalf("visit form: %d", st)
		}
		_, items := w.standard(e, w.insp13)
		visit := url.Values{"plan_id": {plan}, "checklist_version_id": {regexp.MustCompile(`name="checklist_version_id" value="([^"]+)"`).FindStringSubmatch(page)[1]},
			"center_id": {w.sh.ID}, "committee_id": {committee}, "step": {"review"}}
		scores := map[string]int{}
		for i, it := range items[1:] {
			visit.Set("items."+it.Key, strconv.Itoa(i%3))
			scores[it.Key] = i % 3
		}
		if st, page := e.postPage(member, "/inspections/visits/new", visit); st != 422 || !strings.Contains(page, `id="e-`+items[0].Key+`"`) {
			t.Errorf("visit with an unscored item: %d", st)
		}
		visit.Set("items."+items[0].Key, "2")
		scores[items[0].Key] = 2
		want, _ := inspection.Score(items, scores)
		st, page = e.postPage(member, "/inspections/visits/new", visit)
		if st != 200 || !strings.Contains(page, `id="score-preview"`) || !strings.Contains(page, `name="reviewed_score" value="`+strconv.Itoa(want)+`"`) {
			t.Fatalf("review: %d", st)
		}
		// Saving after changing a score shows the new score instead of saving.
		visit.Set("step", "save")
		visit.Set("reviewed_score", strconv.Itoa(want))
		visit.Set("items."+items[0].Key, "0")
		if st, page := e.postPage(member, "/inspections/visits/new", visit); st != 200 || !strings.Contains(page, `id="save-visit"`) {
			t.Errorf("save with a changed score: %d", st)
		}
		if _, b := e.call("GET", "/api/v1/inspections/visits", w.insp13, nil); len(b["items"].([]any)) != 0 {
			t.Fatalf("a visit was saved with a score nobody saw: %s", b["_raw"])
		}
		visit.Set("items."+items[0].Key, "2")
		st, loc = e.postPage(member, "/inspections/visits/new", visit)
		if st != 303 || !strings.HasPrefix(loc, "/inspections/visits/") {
			t.Fatalf("save: %d %.300s", st, loc)
		}
		visitID := strings.TrimPrefix(strings.SplitN(loc, "<", 2)[0], "/inspections/visits/")
		if st, page := e.page(member, "/inspections/visits/"+visitID); st != 200 || !strings.Contains(page, `id="finding-form"`) {
			t.Errorf("visit page: %d", st)
		}
		if st, page := e.page(mgr, "/inspections/visits/"+visitID); st != 200 || strings.Contains(page, `id="finding-form"`) {
			t.Errorf("the manager reads the visit without the finding form: %d", st)
		}
		if st, _ := e.page(cairo, "/inspections/visits/"+visitID); st != 403 {
			t.Errorf("cairo inspector opens the visit: %d", st)
		}

		// Finding: a file of the wrong type is refused on its field; then with a photo.
		finding := map[string]string{"category": "premises", "severity": "low", "description": "لافتة ناقصة",
			"action": "استكمال اللافتة", "owner_username": "imgr"}
		if st, page := e.uploadForm(member, "/inspections/visits/"+visitID+"/findings", finding,
			map[string][]byte{"x.png": []byte("GIF89a not a png")}); st != 422 || !strings.Contains(page, `id="e-files"`) {
			t.Errorf("finding with a gif: %d", st)
		}
		st, loc = e.uploadForm(member, "/inspections/visits/"+visitID+"/findings", finding, map[string][]byte{"sign.png": testPNG})
		if st != 303 {
			t.Fatalf("finding: %d %.300s", st, loc)
		}
		findingURL := strings.SplitN(loc, "<", 2)[0]
		if st, page := e.page(mgr, findingURL); st != 200 || !strings.Contains(page, "sign.png") || !strings.Contains(page, `id="action-form"`) {
			t.Errorf("the owner's finding page: %d", st)
		}
		if st, _ := e.postPage(mgr, findingURL+"/action", url.Values{"status": {"in_progress"}, "note": {"بدأنا"}}); st != 303 {
			t.Errorf("owner starts: %d", st)
		}
		if st, _ := e.postPage(mgr, findingURL+"/action", url.Values{"status": {"closed"}}); st != 422 {
			t.Errorf("owner closes from in progress: %d", st)
		}

		// Overdue: on the governorate's page and in the list.
		for e.clock.Advance(24 * time.Hour); markaz.Today(e.clock).Before(today.AddDays(60)); e.clock.Advance(24 * time.Hour) {
		}
		e.uiLogin(admin, "iadmin")
		w.login(e)
		if st, page := e.page(admin, "/territory/13"); st != 200 || !strings.Contains(page, `id="overdue-actions"`) || !strings.Contains(page, "استكمال اللافتة") {
			t.Errorf("governorate page: %d", st)
		}
		if st, page := e.page(admin, "/territory/01"); st != 200 || strings.Contains(page, "استكمال اللافتة") {
			t.Errorf("cairo's page: %d", st)
		}
		if st, page := e.page(admin, "/inspections/actions?governorate=13&overdue=true"); st != 200 || !strings.Contains(page, "استكمال اللافتة") {
			t.Errorf("overdue list: %d", st)
		}
		if st, page := e.page(admin, "/centers/"+w.sh.ID); st != 200 || !strings.Contains(page, `href="/inspections/visits?center=`+w.sh.ID+`"`) {
			t.Errorf("center page link: %d", st)
		}

		// Checklist: a bad weight is reported on the row it was typed in (blank rows dropped).
		_, cl := e.call("GET", "/api/v1/inspections/checklists", w.ministry, nil)
		clID := cl["items"].([]any)[0].(map[string]any)["id"].(string)
		amend := url.Values{"name_ar": {"قائمة"}, "name_en": {"List"}, "based_on": {"1"}, "rows": {"3"},
			"items.0.key": {"staff_present"}, "items.0.name_ar": {"الحضور"}, "items.0.name_en": {"Staff"}, "items.0.weight": {"3"},
			"items.2.key": {"signage"}, "items.2.name_ar": {"اللافتات"}, "items.2.name_en": {"Signage"}, "items.2.weight": {"0"}}
		if st, page := e.postPage(admin, "/inspections/checklists/"+clID, amend); st != 422 || !strings.Contains(page, `id="e-items.2.weight"`) {
			t.Errorf("amend with a bad weight: %d", st)
		}
		amend.Set("items.2.weight", "1")
		if st, _ := e.postPage(admin, "/inspections/checklists/"+clID, amend); st != 303 {
			t.Errorf("amend: %d", st)
		}
		if st, page := e.page(admin, "/inspections/checklists/"+clID+"?version=1"); st != 200 || !strings.Contains(page, "not the current version") &&
			!strings.Contains(page, "ليست النسخة الحالية") {
			t.Errorf("version 1 page: %d", st)
		}
	})
}
