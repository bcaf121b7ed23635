package web

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz"
)

// toReady takes a registered request to the ready status through the workflow.
func (e *env) toReady(w reqWorld, number string) {
	e.t.Helper()
	for _, s := range []struct{ tok, action string }{{w.clerk, "forward"}, {w.back, "forward"}, {w.mgr, "approve"}, {w.clerk, "forward"}} {
		if st, r := e.act(s.tok, number, s.action, ""); st != 200 {
			e.t.Fatalf("%s: %d %v", s.action, st, r["_raw"])
		}
	}
}

// The front office hands over a ready result: finds it, checks the applicant's national
// ID, records who received it, prints the receipt; a wrong check changes nothing.
func TestHandoverScreen(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		nid := validNID(7)
		b := e.register(w, nid, "سعاد علي", "01001234567")
		num := b["tracking_number"].(string)
		other := e.register(w, nid, "سعاد علي", "01001234567")["tracking_number"].(string)
		e.toReady(w, num)

		c := e.browser()
		e.uiLogin(c, "rclerk")
		if st, html := e.page(c, "/requests/handover?q="+url.QueryEscape(nid)); st != 200 || !strings.Contains(html, `id="deliver-form"`) ||
			!strings.Contains(html, `value="سعاد علي"`) {
			t.Fatalf("search by national ID (one ready of two): %d", st)
		}
		if st, html := e.page(c, "/requests/handover?q="+other); st != 200 || !strings.Contains(html, `id="none"`) {
			t.Errorf("a request not ready: %d", st)
		}
		if st, html := e.page(c, "/requests/"+num); st != 200 || !strings.Contains(html, `id="act-deliver"`) {
			t.Errorf("request page offers hand-over: %d", st)
		}
		deliver := func(verify, receiver string) (int, string) {
			v := url.Values{"tracking_number": {num}, "verify": {verify}, "note": {receiver}, "version": {"5"}}
			req, _ := http.NewRequest("POST", e.srv.URL+"/requests/handover", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", e.srv.URL)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("Location") + string(body)
		}
		if st, html := deliver("0000", "سعاد علي"); st != 422 || !strings.Contains(html, `id="e-verify"`) {
			t.Errorf("wrong check: %d %s", st, html)
		}
		if st, html := deliver("", ""); st != 422 || !strings.Contains(html, `id="e-note"`) {
			t.Errorf("nothing typed: %d", st)
		}
		_, r := e.call("GET", "/api/v1/requests/"+num, w.clerk, nil)
		if r["status"] != "ready" {
			t.Fatalf("refused hand-overs changed the request: %v", r["status"])
		}
		st, loc := deliver(nid[10:], "أخوها: محمد علي")
		if st != 303 || !strings.HasPrefix(loc, "/requests/"+num+"/receipt") {
			t.Fatalf("deliver: %d %s", st, loc)
		}
		if st, html := e.page(c, "/requests/"+num+"/receipt"); st != 200 || !strings.Contains(html, "أخوها: محمد علي") {
			t.Errorf("receipt: %d", st)
		}
		_, r = e.call("GET", "/api/v1/requests/"+num, w.clerk, nil)
		evs := r["events"].([]any)
		last := evs[len(evs)-1].(map[string]any)
		if r["status"] != "delivered" || last["action"] != "deliver" || last["note"] != "أخوها: محمد علي" || last["username"] != "rclerk" {
			t.Errorf("after delivery: %v %v", r["status"], last)
		}
		if st, _ := e.page(c, "/requests/"+other+"/receipt"); st != 404 {
			t.Errorf("receipt of an undelivered request: %d", st)
		}
		// The Cairo clerk cannot see it, and a supervisor (no requests.write) has no screen.
		cc := e.browser()
		e.uiLogin(cc, "rcairo")
		if st, html := e.page(cc, "/requests/handover?q="+num); st != 200 || strings.Contains(html, "سعاد") {
			t.Errorf("another governorate's clerk: %d", st)
		}
		sc := e.browser()
		e.uiLogin(sc, "rsup")
		if st, _ := e.page(sc, "/requests/handover"); st != 403 {
			t.Errorf("supervisor: %d", st)
		}
	})
}

// Escalations show through ?escalated=true; the workload needs users.read over the
// center; the deadlines job's escalation reaches the manager and the request page.
func TestEscalatedFilterAndWorkloadAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		num := e.register(w, validNID(8), "هدى", "01001234567")["tracking_number"].(string)
		if st, _ := e.call("GET", "/api/v1/requests?escalated=maybe", w.sup13, nil); st != 422 {
			t.Errorf("bad escalated: %d", st)
		}
		e.clock.T = e.clock.T.Add(40 * 24 * time.Hour)
		w.login(e)
		if _, err := e.db.DeadlineBatch(t.Context(), "", 100); err != nil {
			t.Fatal(err)
		}
		st, b := e.call("GET", "/api/v1/requests?escalated=true", w.sup13, nil)
		items, _ := b["items"].([]any)
		if st != 200 || len(items) != 1 || items[0].(map[string]any)["tracking_number"] != num ||
			items[0].(map[string]any)["escalation_reason"] != "step" {
			t.Fatalf("escalated list: %d %v", st, b["_raw"])
		}
		mc := e.browser()
		e.uiLogin(mc, "rmgr")
		if st, html := e.page(mc, "/requests/"+num); st != 200 || !strings.Contains(html, `id="escalation"`) {
			t.Errorf("request page shows the escalation: %d", st)
		}
		if st, html := e.page(mc, "/requests?escalated=true"); st != 200 || !strings.Contains(html, num) ||
			!strings.Contains(html, `id="workload-link"`) {
			t.Errorf("manager's escalated queue: %d", st)
		}

		// Workload: the manager of the center and the supervisor, not a clerk nor another center.
		st, b = e.call("GET", "/api/v1/centers/"+w.center.ID+"/workload", w.mgr, nil)
		if st != 200 || b["open_total"].(float64) != 1 || b["overdue_total"].(float64) != 1 {
			t.Fatalf("workload: %d %v", st, b["_raw"])
		}
		staff := map[string]map[string]any{}
		for _, s := range b["staff"].([]any) {
			staff[s.(map[string]any)["username"].(string)] = s.(map[string]any)
		}
		if len(staff) != 3 || staff["rclerk"]["open_on_their_steps"].(float64) != 1 || staff["rclerk"]["open_last_touched"].(float64) != 1 ||
			staff["rback"]["open_on_their_steps"].(float64) != 0 {
			t.Errorf("staff: %v", b["staff"])
		}
		if st, _ := e.call("GET", "/api/v1/centers/"+w.center.Code+"/workload", w.sup13, nil); st != 200 {
			t.Errorf("supervisor by code: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/centers/"+w.center.ID+"/workload", w.clerk, nil); st != 403 {
			t.Errorf("clerk: %d", st)
		}
		e.user("rcmgr", at(markaz.RoleCenterManager, markaz.LevelCenter, w.cairo.ID))
		if st, _ := e.call("GET", "/api/v1/centers/"+w.center.ID+"/workload", e.token("rcmgr"), nil); st != 403 {
			t.Errorf("another center's manager: %d", st)
		}
		if st, html := e.page(mc, "/centers/"+w.center.ID+"/workload"); st != 200 || !strings.Contains(html, `id="staff"`) ||
			!strings.Contains(html, num) {
			t.Errorf("workload page: %d", st)
		}
	})
}

// The same Idempotency-Key with another body is 422 naming the header; concurrent
// retries of one body create one request.
func TestIdempotencyKeyBodyAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		body := regBody(validNID(9), "ليلى", "01001234567")
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		numbers := map[string]bool{}
		for i := 0; i < 5; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, b := e.callKey("/api/v1/requests", w.clerk, "retry-1", body)
				mu.Lock()
				codes[st]++
				numbers[b["tracking_number"].(string)] = true
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[201] != 1 || codes[200] != 4 || len(numbers) != 1 {
			t.Fatalf("concurrent retries: %v %v", codes, numbers)
		}
		other := regBody(validNID(9), "ليلى أحمد", "01001234567")
		st, b := e.callKey("/api/v1/requests", w.clerk, "retry-1", other)
		if st != 422 || problemFields(b)["Idempotency-Key"] != "idempotency_key_reused" {
			t.Errorf("same key, other body: %d %v", st, b["_raw"])
		}
		if st, _ := e.callKey("/api/v1/requests", w.clerk, "retry-2", other); st != 201 {
			t.Errorf("a new key: %d", st)
		}
	})
}

// Center calendars: the ministry sets a center's rest days and holidays (API and page);
// the centers area changing a center's rest days moves its requests' due dates too.
func TestCenterCalendarScreens(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		e.user("rmin", at(markaz.RoleMinistry, markaz.LevelNation, ""))
		min := e.token("rmin")
		b := e.register(w, validNID(10), "نور", "01001234567")
		num, due0 := b["tracking_number"].(string), b["due_date"].(string)
		due := func() (string, int) {
			_, r := e.call("GET", "/api/v1/requests/"+num, w.clerk, nil)
			n := 0
			for _, ev := range r["events"].([]any) {
				if ev.(map[string]any)["action"] == "due_date_moved" {
					n++
				}
			}
			return r["due_date"].(string), n
		}
		if st, _ := e.call("PUT", "/api/v1/calendar/centers/"+w.center.ID+"/weekly-rest", w.mgr, map[string]any{"weekly_rest": "thu,fri,sat"}); st != 403 {
			t.Errorf("manager sets rest: %d", st)
		}
		st, r := e.call("PUT", "/api/v1/calendar/centers/"+w.center.Code+"/weekly-rest", min, map[string]any{"weekly_rest": "thu,fri,sat"})
		if st != 200 || r["weekly_rest_in_force"] != "thu,fri,sat" {
			t.Fatalf("ministry sets rest: %d %v", st, r["_raw"])
		}
		d1, n := due()
		if d1 <= due0 || n != 1 {
			t.Errorf("due after a longer weekend: %s (was %s), %d events", d1, due0, n)
		}
		if _, r := e.call("GET", "/api/v1/calendar/centers/"+w.center.ID, w.clerk, nil); r["weekly_rest"] != "thu,fri,sat" {
			t.Errorf("center calendar: %v", r["_raw"])
		}
		// A holiday of the center through the page, on its first working day after submission.
		day, _ := time.Parse("2006-01-02", due0)
		var hday string
		for d := day.AddDate(0, 0, -30); ; d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd != time.Thursday && wd != time.Friday && wd != time.Saturday && d.Format("2006-01-02") > b["submitted_on"].(string) {
				hday = d.Format("2006-01-02")
				break
			}
		}
		mc := e.browser()
		e.uiLogin(mc, "rmin")
		if st, html := e.page(mc, "/calendar/centers/"+w.center.ID); st != 200 || !strings.Contains(html, `id="add-center-holiday"`) {
			t.Fatalf("center calendar page: %d", st)
		}
		resp := e.form(mc, "/calendar/holidays", url.Values{"date": {hday}, "name_ar": {"مولد محلي"}, "name_en": {"Local feast"},
			"filter_center": {w.center.ID}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/calendar/centers/"+w.center.ID) {
			t.Fatalf("add a center holiday: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		d2, n := due()
		if d2 <= d1 || n != 2 {
			t.Errorf("due after a center holiday: %s (was %s), %d events", d2, d1, n)
		}
		if st, html := e.page(mc, "/calendar/centers/"+w.center.ID+"?year="+hday[:4]); st != 200 || !strings.Contains(html, "مولد محلي") {
			t.Errorf("the page lists it: %d", st)
		}
		resp = e.form(mc, "/calendar/centers/"+w.center.ID+"/weekly-rest", url.Values{"weekly_rest": {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}})
		if resp.StatusCode != 422 {
			t.Errorf("rest all week: %d", resp.StatusCode)
		}
		resp = e.form(mc, "/calendar/centers/"+w.center.ID+"/weekly-rest", url.Values{"inherit": {"1"}})
		if resp.StatusCode != 303 {
			t.Fatalf("inherit: %d", resp.StatusCode)
		}
		d3, n := due()
		if d3 >= d2 || n != 3 {
			t.Errorf("due back on the governorate's rest: %s (was %s), %d events", d3, d2, n)
		}
		// The centers area: a supervisor editing the center's rest days moves due dates too.
		_, c := e.call("GET", "/api/v1/centers/"+w.center.ID, w.sup13, nil)
		edit := centerBodyFor(w.center.Code, "13-001", w.center.NameAr)
		edit["version"], edit["weekly_rest"] = c["version"], "thu,fri,sat"
		if st, r := e.call("PUT", "/api/v1/centers/"+w.center.ID, w.sup13, edit); st != 200 {
			t.Fatalf("center edit: %d %v", st, r["_raw"])
		}
		if d4, n := due(); d4 <= d3 || n != 4 {
			t.Errorf("due after the centers area's change: %s (was %s), %d events", d4, d3, n)
		}
	})
}

// A holiday import may carry a fifth column, center; other headers are refused.
func TestHolidayCSVCenterColumn(t *testing.T) {
	rows, problems, err := readHolidayCSV(strings.NewReader("date,name_ar,name_en,governorate,center\n2026-05-02,عيد,Feast,,SH-ZAG-01\n"))
	if err != nil || problems != nil || len(rows) != 1 || rows[0].Center != "SH-ZAG-01" {
		t.Errorf("five columns: %+v %v %v", rows, problems, err)
	}
	rows, problems, err = readHolidayCSV(strings.NewReader("date,name_ar,name_en,governorate\n2026-05-02,عيد,Feast,13\n"))
	if err != nil || problems != nil || len(rows) != 1 || rows[0].Center != "" || rows[0].Gov != "13" {
		t.Errorf("four columns: %+v %v %v", rows, problems, err)
	}
	if _, problems, _ = readHolidayCSV(strings.NewReader("date,name_ar,name_en,governorate,unit\n")); len(problems) != 1 || problems[0].Code != "csv_header" {
		t.Errorf("unknown fifth column: %v", problems)
	}
	if _, problems, _ = readHolidayCSV(strings.NewReader("date,name_ar,name_en,governorate,center\n2026-05-02,عيد,Feast,13\n")); len(problems) != 1 || problems[0].Code != "csv_columns" {
		t.Errorf("short row: %v", problems)
	}
}
