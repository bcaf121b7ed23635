package web

import (
	"net/url"
	"strings"
	"testing"

	"markaz"
	"markaz/store"
)

// trainWorld is Sharqia and Cairo with trainers, supervisors and center staff.
type trainWorld struct {
	c13, c01                               *markaz.Center
	trainer13, trainer01, sup13, sup01, cl string
}

func newTrainWorld(e *env) trainWorld {
	w := trainWorld{c13: usersCenter(e, "TR-13-01", "13-001"), c01: usersCenter(e, "TR-01-01", "01-001")}
	e.user("ttrainer13", at(markaz.RoleTrainer, markaz.LevelGovernorate, "13"))
	e.user("ttrainer01", at(markaz.RoleTrainer, markaz.LevelGovernorate, "01"))
	e.user("tsup13", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	e.user("tsup01", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "01"))
	e.user("tclerk", at(markaz.RoleClerk, markaz.LevelCenter, w.c13.ID))
	e.user("tclerk2", at(markaz.RoleClerk, markaz.LevelCenter, w.c13.ID))
	e.user("tmgr", at(markaz.RoleCenterManager, markaz.LevelCenter, w.c13.ID))
	e.user("tcairo", at(markaz.RoleClerk, markaz.LevelCenter, w.c01.ID))
	w.trainer13, w.trainer01, w.sup13, w.sup01, w.cl = e.token("ttrainer13"), e.token("ttrainer01"), e.token("tsup13"),
		e.token("tsup01"), e.token("tclerk")
	return w
}

func courseJSON(code, gov string) map[string]any {
	return map[string]any{"code": code, "name_ar": "تشغيل المنظومة", "name_en": "Operating the system", "topic": "system",
		"audience": []string{"clerk", "center_manager"}, "duration_hours": 12, "governorate": gov}
}

func TestTrainingAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newTrainWorld(e)
		// Courses: a governorate's trainer creates in their governorate only.
		if st, b := e.call("POST", "/api/v1/training/courses", w.trainer13, courseJSON("OPS-1", "")); st != 403 {
			t.Errorf("national course by a governorate trainer: %d %v", st, b["_raw"])
		}
		st, b := e.call("POST", "/api/v1/training/courses", w.trainer13, courseJSON("OPS-1", "13"))
		if st != 201 || b["code"] != "OPS-1" {
			t.Fatalf("create course: %d %v", st, b["_raw"])
		}
		course := b["id"].(string)
		st, b = e.call("POST", "/api/v1/training/courses", w.trainer13, map[string]any{"governorate": "13", "audience": []string{"citizen"}})
		if st != 422 || usersFields(b) != "code:required name_ar:required name_en:required topic:required audience:one_of duration_hours:between" {
			t.Errorf("empty course: %d %s", st, usersFields(b))
		}
		if st, b := e.call("POST", "/api/v1/training/courses", w.cl, courseJSON("OPS-2", "13")); st != 403 {
			t.Errorf("clerk creates a course: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/training/courses/"+course, w.trainer01, nil); st != 403 {
			t.Errorf("Cairo trainer reads a Sharqia course: %d", st)
		}
		st, b = e.call("PUT", "/api/v1/training/courses/"+course, w.trainer13, map[string]any{"code": "OPS-1", "name_ar": "تشغيل",
			"name_en": "Operating", "topic": "system", "audience": []string{"clerk"}, "duration_hours": 6})
		if st != 422 || usersFields(b) != "version:required" {
			t.Errorf("edit without version: %d %s", st, usersFields(b))
		}

		// Sessions.
		session := map[string]any{"course_id": course, "starts_on": "2026-03-01", "ends_on": "2026-03-02",
			"place": "قاعة التدريب", "trainer_id": userID(e, "ttrainer13"), "capacity": 2}
		st, b = e.call("POST", "/api/v1/training/sessions", w.trainer13, session)
		if st != 201 || b["governorate"] != "13" {
			t.Fatalf("create session: %d %v", st, b["_raw"])
		}
		sid := b["id"].(string)
		st, b = e.call("POST", "/api/v1/training/sessions", w.trainer13, map[string]any{"course_id": course,
			"starts_on": "2026-04-05", "ends_on": "2026-04-01", "place": "", "trainer_id": userID(e, "ttrainer01"), "capacity": 0})
		if st != 422 || usersFields(b) != "ends_on:ends_before_start place:required capacity:between trainer_id:training_not_trainer" {
			t.Errorf("bad session: %d %s", st, usersFields(b))
		}
		st, b = e.call("POST", "/api/v1/training/sessions", w.trainer13, map[string]any{"course_id": course,
			"starts_on": "01/04/2026", "place": "x", "trainer_id": userID(e, "ttrainer13"), "capacity": 5})
		if st != 422 || usersFields(b) != "starts_on:date_format" {
			t.Errorf("bad date: %d %s", st, usersFields(b))
		}
		for _, c := range []struct{ method, path string }{{"GET", "/api/v1/training/sessions/" + sid},
			{"PUT", "/api/v1/training/sessions/" + sid}, {"POST", "/api/v1/training/sessions/" + sid + "/cancel"}} {
			body := map[string]any{}
			if c.method == "PUT" {
				body = map[string]any{"starts_on": "2026-03-01", "place": "x", "trainer_id": userID(e, "ttrainer01"), "capacity": 5, "version": 1}
			} else if c.method == "POST" {
				body = map[string]any{"reason": "no"}
			} else {
				body = nil
			}
			if st, b := e.call(c.method, c.path, w.trainer01, body); st != 403 {
				t.Errorf("Cairo trainer %s %s: %d %v", c.method, c.path, st, b["_raw"])
			}
		}
		if st, b := e.call("GET", "/api/v1/training/sessions", w.trainer01, nil); st != 200 || len(b["items"].([]any)) != 0 {
			t.Errorf("Cairo trainer lists Sharqia sessions: %d %v", st, b["_raw"])
		}

		// Enrolment: a supervisor enrols their governorate's staff.
		enrol := func(token, user string) (int, map[string]any) {
			return e.call("POST", "/api/v1/training/sessions/"+sid+"/enrolments", token, map[string]any{"user": user})
		}
		st, b = enrol(w.sup13, "tclerk")
		if st != 201 || b["role"] != "clerk" || b["center_id"] != w.c13.ID {
			t.Fatalf("enrol: %d %v", st, b["_raw"])
		}
		ea := b["id"].(string)
		if st, b := enrol(w.sup13, "tclerk"); st != 422 || usersFields(b) != "user:training_already_enrolled" {
			t.Errorf("enrol twice: %d %s", st, usersFields(b))
		}
		if st, b := enrol(w.sup13, "tcairo"); st != 422 || usersFields(b) != "user:training_outside_session" {
			t.Errorf("enrol a Cairo clerk: %d %s", st, usersFields(b))
		}
		if st, b := enrol(w.sup01, "tclerk2"); st != 403 {
			t.Errorf("Cairo supervisor enrols in Sharqia: %d %v", st, b["_raw"])
		}
		if st, b := enrol(w.cl, "tclerk2"); st != 403 {
			t.Errorf("clerk enrols: %d %v", st, b["_raw"])
		}
		if st, b := enrol(w.sup13, ""); st != 422 || usersFields(b) != "user:unknown_user" {
			t.Errorf("enrol nobody: %d %s", st, usersFields(b))
		}
		st, b = enrol(w.sup13, "tmgr")
		if st != 201 {
			t.Fatalf("enrol manager: %d %v", st, b["_raw"])
		}
		em := b["id"].(string)
		if st, b := enrol(w.sup13, "tclerk2"); st != 409 {
			t.Errorf("enrol past capacity: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/training/sessions/"+sid+"/candidates", w.sup13, nil)
		if items, _ := b["items"].([]any); st != 200 || len(items) != 1 || items[0].(map[string]any)["username"] != "tclerk2" {
			t.Errorf("candidates: %d %v", st, b["_raw"])
		}

		// Results: the session's trainer records them; all or nothing.
		results := func(token string, rs ...map[string]any) (int, map[string]any) {
			return e.call("POST", "/api/v1/training/sessions/"+sid+"/results", token, map[string]any{"results": rs})
		}
		st, b = results(w.trainer13, map[string]any{"enrolment_id": ea, "attendance": "attended", "result": "passed", "score": 88},
			map[string]any{"enrolment_id": em, "attendance": "absent", "result": "passed", "score": 120})
		if st != 422 || usersFields(b) != "results[1].result:training_result_needs_attendance results[1].score:between" {
			t.Errorf("bad results: %d %s", st, usersFields(b))
		}
		if st, b := results(w.sup13, map[string]any{"enrolment_id": ea, "attendance": "attended"}); st != 403 {
			t.Errorf("supervisor records results: %d %v", st, b["_raw"])
		}
		st, b = results(w.trainer13, map[string]any{"enrolment_id": ea, "attendance": "attended", "result": "passed", "score": 88},
			map[string]any{"enrolment_id": em, "attendance": "absent"})
		if st != 200 || len(b["enrolments"].([]any)) != 2 {
			t.Fatalf("results: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/training/sessions/"+sid+"/enrolments/"+em+"/withdraw", w.sup13, nil); st != 409 {
			t.Errorf("withdraw after attendance: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/training/mine", w.cl, nil)
		if items, _ := b["items"].([]any); st != 200 || len(items) != 1 || items[0].(map[string]any)["result"] != "passed" {
			t.Errorf("my trainings: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/training/sessions", w.cl, nil); st != 403 {
			t.Errorf("clerk lists sessions: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/training/mine", "", nil); st != 401 {
			t.Errorf("anonymous: %d", st)
		}

		// Coverage.
		st, b = e.call("GET", "/api/v1/training/coverage?level=governorate&code=13&fy=2025", w.sup13, nil)
		if st != 200 {
			t.Fatalf("coverage: %d %v", st, b["_raw"])
		}
		roles := b["by_role"].([]any)
		clerks := roles[0].(map[string]any)
		if clerks["role"] != "clerk" || clerks["staff"] != 2.0 || clerks["trained"] != 1.0 || clerks["share"] != 0.5 {
			t.Errorf("clerks: %v", clerks)
		}
		if total := b["total"].(map[string]any); total["staff"] != 4.0 || total["trained"] != 1.0 {
			t.Errorf("total: %v", total) // two clerks, the manager and the supervisor
		}
		if rows := b["rows"].([]any); len(rows) != 1 || rows[0].(map[string]any)["code"] != "TR-13-01" {
			t.Errorf("rows: %v", rows)
		}
		if st, b := e.call("GET", "/api/v1/training/coverage?level=center&code=TR-13-01", e.token("tmgr"), nil); st != 200 || b["fiscal_year"] != 2025.0 {
			t.Errorf("manager's center coverage: %d %v", st, b["_raw"])
		}
		for q, want := range map[string]int{"level=governorate&code=01": 403, "level=nation": 403, "level=center&code=TR-01-01": 403,
			"level=governorate&code=13&fy=2030": 422, "level=district&code=13": 422, "level=governorate&code=99": 422,
			"level=governorate&code=13&fy=abc": 422} {
			if st, b := e.call("GET", "/api/v1/training/coverage?"+q, w.sup13, nil); st != want {
				t.Errorf("coverage %s: %d %v", q, st, b["_raw"])
			}
		}
		if st, _ := e.call("GET", "/api/v1/training/coverage", w.cl, nil); st != 403 {
			t.Errorf("clerk reads coverage: %d", st)
		}
	})
}

func userID(e *env, username string) string {
	e.t.Helper()
	var id string
	if err := e.db.Read(e.t.Context(), func(tx *store.Tx) error { return tx.Get(&id, `SELECT id FROM users WHERE username = ?`, username) }); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func TestTrainingPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		newTrainWorld(e)
		c := e.browser()
		e.uiLogin(c, "ttrainer13")
		// A refused course form comes back with its messages, nothing saved.
		resp := e.form(c, "/training/courses", url.Values{"governorate": {"13"}, "code": {"ops 1"}, "duration_hours": {"١٢x"}})
		if resp.StatusCode != 422 {
			t.Fatalf("bad course form: %d", resp.StatusCode)
		}
		resp = e.form(c, "/training/courses", url.Values{"governorate": {"13"}, "code": {"OPS-1"}, "name_ar": {"تشغيل المنظومة"},
			"name_en": {"Operating the system"}, "topic": {"system"}, "audience": {"clerk", "center_manager"}, "duration_hours": {"١٢"}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/training/courses/") {
			t.Fatalf("course form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		course := strings.TrimPrefix(resp.Header.Get("Location"), "/training/courses/")
		st, html := e.page(c, "/training/courses/"+course)
		if st != 200 || !strings.Contains(html, "OPS-1") || !strings.Contains(html, `href="/manual/follow-up#training-courses"`) {
			t.Fatalf("course page: %d", st)
		}
		st, html = e.page(c, "/training/sessions/new?course="+course)
		if st != 200 || !strings.Contains(html, "Test ttrainer13") {
			t.Fatalf("session form: %d", st)
		}
		resp = e.form(c, "/training/sessions/new", url.Values{"course_id": {course}, "governorate": {"13"}, "starts_on": {"2026-03-10"},
			"place": {"قاعة"}, "trainer_id": {userID(e, "ttrainer13")}, "capacity": {"10"}})
		if resp.StatusCode != 303 {
			t.Fatalf("session form: %d", resp.StatusCode)
		}
		session := resp.Header.Get("Location")
		// Enrol the clerk, then record a pass through the results form.
		resp = e.form(c, session+"/enrol", url.Values{"user": {userID(e, "tclerk")}})
		if resp.StatusCode != 303 {
			t.Fatalf("enrol form: %d", resp.StatusCode)
		}
		st, html = e.page(c, session)
		if st != 200 || !strings.Contains(html, "Test tclerk") || !strings.Contains(html, `id="save-results"`) {
			t.Fatalf("session page: %d", st)
		}
		var eid string
		e.db.Read(e.t.Context(), func(tx *store.Tx) error { return tx.Get(&eid, `SELECT id FROM training_enrolments`) })
		resp = e.form(c, session+"/results", url.Values{"enrolment": {eid}, "attendance." + eid: {"absent"}, "result." + eid: {"passed"}})
		if resp.StatusCode != 422 {
			t.Errorf("pass while absent: %d", resp.StatusCode)
		}
		resp = e.form(c, session+"/results", url.Values{"enrolment": {eid}, "attendance." + eid: {"attended"},
			"result." + eid: {"passed"}, "score." + eid: {"٩٠"}})
		if resp.StatusCode != 303 {
			t.Fatalf("results form: %d", resp.StatusCode)
		}
		// The clerk sees it among their own trainings; the coverage page counts it.
		cc := e.browser()
		e.uiLogin(cc, "tclerk")
		if st, html := e.page(cc, "/training"); st != 200 || !strings.Contains(html, "Passed") && !strings.Contains(html, "اجتاز") {
			t.Errorf("clerk's trainings: %d", st)
		}
		if st, _ := e.page(cc, "/training/coverage"); st != 403 {
			t.Errorf("clerk's coverage page: %d", st)
		}
		st, html = e.page(c, "/training/coverage?code=13&fy=2025")
		if st != 200 || !strings.Contains(html, "TR-13-01") && !strings.Contains(html, "مركز TR-13-01") {
			t.Errorf("coverage page: %d", st)
		}
		// Cancelling needs a reason; once cancelled, the page says so and offers no changes.
		resp = e.form(c, session+"/cancel", url.Values{"reason": {""}})
		if resp.StatusCode != 422 {
			t.Errorf("cancel without reason: %d", resp.StatusCode)
		}
		resp = e.form(c, session+"/cancel", url.Values{"reason": {"القاعة غير متاحة"}})
		if resp.StatusCode != 303 {
			t.Fatalf("cancel: %d", resp.StatusCode)
		}
		st, html = e.page(c, session)
		if st != 200 || !strings.Contains(html, `id="cancelled"`) || strings.Contains(html, `id="save-results"`) {
			t.Errorf("cancelled session page: %d", st)
		}
		resp = e.form(c, session+"/enrol", url.Values{"user": {userID(e, "tclerk2")}})
		if resp.StatusCode != 409 {
			t.Errorf("enrol in a cancelled session: %d", resp.StatusCode)
		}
	})
}
