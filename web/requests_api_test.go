package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/nationalid"
	"markaz/store"
	"markaz/tracking"
)

// reqWorld is a Sharqia center with its staff and a Cairo center with a clerk.
type reqWorld struct {
	center, cairo                   *markaz.Center
	clerk, back, mgr, cairo1, sup13 string
}

func newReqWorld(e *env) reqWorld {
	w := reqWorld{center: usersCenter(e, "SH-REQ-01", "13-001"), cairo: usersCenter(e, "CA-REQ-01", "01-001")}
	e.user("rclerk", at(markaz.RoleClerk, markaz.LevelCenter, w.center.ID))
	e.user("rback", at(markaz.RoleBackOffice, markaz.LevelUnit, "13-001"))
	e.user("rmgr", at(markaz.RoleCenterManager, markaz.LevelCenter, w.center.ID))
	e.user("rcairo", at(markaz.RoleClerk, markaz.LevelCenter, w.cairo.ID))
	e.user("rsup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	w.login(e)
	return w
}

// login (again, after the clock moved past the sessions' lifetime) gives every user a token.
func (w *reqWorld) login(e *env) {
	w.clerk, w.back, w.mgr, w.cairo1, w.sup13 = e.token("rclerk"), e.token("rback"), e.token("rmgr"), e.token("rcairo"), e.token("rsup")
}

// validNID returns a national ID whose check digit matches (born 1 January 1990 in Sharqia).
func validNID(serial int) string {
	first := fmt.Sprintf("2900101130%03d", serial)
	c, _ := nationalid.CheckDigit(first)
	return first + string(c)
}

func regBody(nid, name, mobile string) map[string]any {
	return map[string]any{"service_code": "SHOP-LIC", "channel": "counter", "documents": []string{"ID copy"},
		"applicant": map[string]any{"national_id": nid, "name": name, "mobile": mobile}}
}

// callKey is e.call with an Idempotency-Key header.
func (e *env) callKey(path, token, key string, body map[string]any) (int, map[string]any) {
	e.t.Helper()
	buf, _ := json.Marshal(body)
	raw := bytes.NewReader(buf)
	req, _ := http.NewRequest("POST", e.srv.URL+path, raw)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	out["_raw"] = string(b)
	return resp.StatusCode, out
}

func (e *env) register(w reqWorld, nid, name, mobile string) map[string]any {
	e.t.Helper()
	st, b := e.call("POST", "/api/v1/requests", w.clerk, regBody(nid, name, mobile))
	if st != 201 {
		e.t.Fatalf("register: %d %v", st, b["_raw"])
	}
	return b
}

func (e *env) act(tok, number, action, note string) (int, map[string]any) {
	e.t.Helper()
	return e.call("POST", "/api/v1/requests/"+number+"/actions", tok, map[string]any{"action": action, "note": note})
}

func TestRequestRegisterAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		b := e.register(w, validNID(1), "أحمد محمد", "+20 100 123 4567")
		number := b["tracking_number"].(string)
		if !tracking.Valid(number) || b["status"] != "submitted" || b["step"] != "intake" || b["mobile"] != "01001234567" {
			t.Errorf("registered: %v", b["_raw"])
		}
		var want markaz.Date
		e.db.Read(context.Background(), func(tx *store.Tx) error {
			dur, err := tx.DurationOn("SHOP-LIC", tx.Today())
			if err != nil {
				return err
			}
			want, err = tx.DueDate("13", w.center.ID, tx.Today(), dur.WorkingDays)
			return err
		})
		if b["due_date"] != want.String() {
			t.Errorf("due %v, want %s", b["due_date"], want)
		}
		if ev := b["events"].([]any); len(ev) != 1 || len(b["fees"].([]any)) == 0 {
			t.Errorf("events/fees: %v", b["_raw"])
		}
		// A check-digit mismatch is a warning only.
		bad := validNID(2)
		bad = bad[:13] + string('0'+(bad[13]-'0'+1)%10)
		if b := e.register(w, bad, "سارة", "01112345678"); !strings.Contains(b["_raw"].(string), "nid_check_digit") {
			t.Errorf("no warning: %v", b["_raw"])
		}
		// Idempotency: the same key from the same user gives the same request.
		st1, b1 := e.callKey("/api/v1/requests", w.clerk, "k-1", regBody(validNID(3), "منى", "01212345678"))
		st2, b2 := e.callKey("/api/v1/requests", w.clerk, "k-1", regBody(validNID(3), "منى", "01212345678"))
		if st1 != 201 || st2 != 200 || b1["tracking_number"] != b2["tracking_number"] {
			t.Errorf("idempotency: %d %d %v %v", st1, st2, b1["tracking_number"], b2["tracking_number"])
		}
		var n int
		e.db.Read(context.Background(), func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM requests`) })
		if n != 3 {
			t.Errorf("requests: %d", n)
		}
		// Validation: every field at once.
		st, vb := e.call("POST", "/api/v1/requests", w.clerk, map[string]any{"service_code": "NOPE",
			"channel": "fax", "applicant": map[string]any{"national_id": "123", "name": "", "mobile": "099"}})
		got := usersFields(vb)
		for _, f := range []string{"applicant.national_id:nid_length", "applicant.name:required",
			"applicant.mobile:mobile_format", "channel:one_of"} {
			if st != 422 || !strings.Contains(got, f) {
				t.Errorf("validation %s: %d %s", f, st, got)
			}
		}
		if st, vb := e.call("POST", "/api/v1/requests", w.clerk, regBody(validNID(4), "x", "01012345678")); st != 201 {
			t.Errorf("short name: %d %v", st, vb["_raw"])
		}
		b5 := regBody(validNID(5), "x", "01012345678")
		b5["service_code"] = "NOPE"
		if st, vb := e.call("POST", "/api/v1/requests", w.clerk, b5); st != 422 || !strings.Contains(usersFields(vb), "service_code:unknown_service") {
			t.Errorf("unknown service: %d %v", st, vb["_raw"])
		}
		for _, raw := range []string{`{"service_code": 5}`, `{"bogus": 1}`, `not json`} {
			if st, _ := e.call("POST", "/api/v1/requests", w.clerk, raw); st != 422 && st != 400 {
				t.Errorf("%s: %d", raw, st)
			}
		}
		// Scope: a Cairo clerk cannot read or act on a Sharqia request; a supervisor reads only.
		if st, _ := e.call("GET", "/api/v1/requests/"+number, w.cairo1, nil); st != 403 {
			t.Errorf("cairo read: %d", st)
		}
		if st, _ := e.act(w.cairo1, number, "forward", ""); st != 403 {
			t.Errorf("cairo act: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/requests/"+number, w.sup13, nil); st != 200 {
			t.Errorf("supervisor read: %d", st)
		}
		if st, _ := e.act(w.sup13, number, "forward", ""); st != 403 {
			t.Errorf("supervisor act: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/requests", w.sup13, regBody(validNID(6), "x", "01012345678")); st != 403 {
			t.Errorf("supervisor registers: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/requests/1301-0000-0000", w.clerk, nil); st != 404 {
			t.Errorf("unknown: %d", st)
		}
		// Known national ID fills the name and mobile, within scope only.
		st, a := e.call("GET", "/api/v1/applicants/"+validNID(1), w.clerk, nil)
		if st != 200 || a["name"] != "أحمد محمد" || a["mobile"] != "01001234567" {
			t.Errorf("applicant: %d %v", st, a["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/applicants/"+validNID(1), w.cairo1, nil); st != 404 {
			t.Errorf("cairo applicant: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/applicants/12", w.clerk, nil); st != 422 {
			t.Errorf("bad nid: %d", st)
		}
	})
}

func TestRequestWorkflowAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		b := e.register(w, validNID(1), "أحمد", "01001234567")
		num := b["tracking_number"].(string)
		due0 := b["due_date"].(string)
		steps := []struct {
			tok, action, status, step string
		}{
			{w.clerk, "forward", "in_review", "review"},
			{w.back, "return", "returned", "review"},
		}
		for _, s := range steps {
			st, r := e.act(s.tok, num, s.action, "note for "+s.action)
			if st != 200 || r["status"] != s.status || r["step"] != s.step {
				t.Fatalf("%s: %d %v", s.action, st, r["_raw"])
			}
		}
		// Two working days later (Sunday 15 → Tuesday 17 March) the citizen completes the file.
		e.clock.T = e.clock.T.Add(48 * time.Hour)
		w.login(e)
		st, r := e.act(w.back, num, "complete", "brought the lease")
		if st != 200 || r["status"] != "in_review" || r["paused_working_days"].(float64) != 2 {
			t.Fatalf("complete: %d %v", st, r["_raw"])
		}
		var want markaz.Date
		e.db.Read(context.Background(), func(tx *store.Tx) error {
			dur, _ := tx.DurationOn("SHOP-LIC", markaz.DateOf(e.clock.T))
			var err error
			want, err = tx.DueDate("13", w.center.ID, markaz.DateOf(e.clock.T).AddDays(-2), dur.WorkingDays+2)
			return err
		})
		if r["due_date"] != want.String() || r["due_date"] == due0 {
			t.Errorf("extended due %v, want %s (was %s)", r["due_date"], want, due0)
		}
		for _, s := range []struct{ tok, action, status, step string }{
			{w.back, "forward", "in_review", "decision"},
			{w.mgr, "approve", "approved", "ready"},
			{w.clerk, "forward", "ready", "ready"},
		} {
			st, r := e.act(s.tok, num, s.action, "")
			if st != 200 || r["status"] != s.status || r["step"] != s.step {
				t.Fatalf("%s: %d %v", s.action, st, r["_raw"])
			}
		}
		// Delivery names who received the result and checks the applicant's national ID.
		nid := r["national_id"].(string)
		deliver := func(note, verify string) (int, map[string]any) {
			return e.call("POST", "/api/v1/requests/"+num+"/actions", w.clerk,
				map[string]any{"action": "deliver", "note": note, "verify": verify})
		}
		if st, r := deliver("", ""); st != 422 || problemFields(r)["verify"] != "required" || problemFields(r)["note"] != "required" {
			t.Errorf("deliver without receiver and check: %d %v", st, r["_raw"])
		}
		if st, r := deliver("the applicant", "0000"); st != 422 || problemFields(r)["verify"] != "verify_mismatch" {
			t.Errorf("deliver with a wrong check: %d %v", st, r["_raw"])
		}
		if st, r := deliver("the applicant", nid[len(nid)-4:]); st != 200 || r["status"] != "delivered" {
			t.Fatalf("deliver: %d %v", st, r["_raw"])
		}
		_, r = e.call("GET", "/api/v1/requests/"+num, w.clerk, nil)
		if ev := r["events"].([]any); len(ev) != 8 || r["decided_at"] == nil || r["delivered_at"] == nil {
			t.Errorf("history: %v", r["_raw"])
		}
		var audits int
		e.db.Read(context.Background(), func(tx *store.Tx) error {
			return tx.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE entity = 'request' AND entity_id = ?`, r["id"])
		})
		if audits != 8 {
			t.Errorf("audit entries: %d", audits)
		}
		// Refused jumps and wrong roles.
		b2 := e.register(w, validNID(2), "منى", "01001234567")
		n2 := b2["tracking_number"].(string)
		if st, _ := e.call("POST", "/api/v1/requests/"+n2+"/actions", w.clerk,
			map[string]any{"action": "deliver", "note": "the applicant", "verify": validNID(2)[10:]}); st != 409 {
			t.Errorf("deliver from submitted: %d", st)
		}
		if st, _ := e.act(w.mgr, n2, "approve", ""); st != 409 {
			t.Errorf("approve from submitted: %d", st)
		}
		if st, _ := e.act(w.back, n2, "forward", ""); st != 403 {
			t.Errorf("backoffice at intake: %d", st)
		}
		if st, r := e.act(w.clerk, n2, "cancel", ""); st != 422 || !strings.Contains(usersFields(r), "note:required") {
			t.Errorf("cancel without reason: %d %v", st, r["_raw"])
		}
		if st, _ := e.act(w.clerk, n2, "explode", ""); st != 422 {
			t.Errorf("unknown action: %d", st)
		}
		if st, r := e.call("POST", "/api/v1/requests/"+n2+"/actions", w.clerk, map[string]any{"action": "forward", "version": 9}); st != 409 {
			t.Errorf("stale version: %d %v", st, r["_raw"])
		}
		if st, r := e.act(w.clerk, n2, "cancel", "applicant withdrew"); st != 200 || r["status"] != "cancelled" {
			t.Errorf("cancel: %d %v", st, r["_raw"])
		}
		// Reject.
		n3 := e.register(w, validNID(3), "سعد", "01001234567")["tracking_number"].(string)
		for _, s := range []struct{ tok, action string }{{w.clerk, "forward"}, {w.back, "forward"}, {w.mgr, "reject"}} {
			if st, r := e.act(s.tok, n3, s.action, "incomplete zoning"); st != 200 {
				t.Fatalf("%s: %d %v", s.action, st, r["_raw"])
			}
		}
		if st, _ := e.act(w.clerk, n3, "forward", ""); st != 409 {
			t.Errorf("after reject: %d", st)
		}
		// 16 concurrent identical actions: exactly one wins.
		n4 := e.register(w, validNID(4), "هدى", "01001234567")["tracking_number"].(string)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, _ := e.act(w.clerk, n4, "cancel", "duplicate")
				mu.Lock()
				codes[st]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[200] != 1 || codes[409] != 15 {
			t.Errorf("concurrent: %v", codes)
		}
	})
}

func TestRequestSearchAndExportAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		a := e.register(w, validNID(1), "أحمد علي", "01001234567")
		e.register(w, validNID(2), "منى حسن", "01112223334")
		num := a["tracking_number"].(string)
		arabic := strings.NewReplacer("0", "٠", "1", "١", "2", "٢", "3", "٣", "4", "٤", "5", "٥", "6", "٦", "7", "٧",
			"8", "٨", "9", "٩").Replace(num)
		for q, want := range map[string]int{
			num: 1, strings.ReplaceAll(num, "-", " "): 1, arabic: 1, validNID(1): 1, validNID(1)[:10]: 2,
			"+20 100 123 4567": 1, "٠١١١٢٢٢": 1, "احمد": 1, "أحمد علي": 1, "منى": 1, "حسن": 0, "99999": 0,
		} {
			st, b := e.call("GET", "/api/v1/requests?q="+url.QueryEscape(q), w.clerk, nil)
			if st != 200 || len(b["items"].([]any)) != want {
				t.Errorf("q=%s: %d %v", q, st, b["_raw"])
			}
		}
		if _, b := e.call("GET", "/api/v1/requests", w.cairo1, nil); len(b["items"].([]any)) != 0 {
			t.Errorf("cairo sees sharqia: %v", b["_raw"])
		}
		st, b := e.call("GET", "/api/v1/requests?limit=1&governorate=13&service=SHOP-LIC&status=submitted", w.sup13, nil)
		if st != 200 || len(b["items"].([]any)) != 1 || b["next_cursor"] == "" {
			t.Fatalf("page 1: %d %v", st, b["_raw"])
		}
		st, b2 := e.call("GET", "/api/v1/requests?limit=1&governorate=13&cursor="+b["next_cursor"].(string), w.sup13, nil)
		if st != 200 || len(b2["items"].([]any)) != 1 || b2["next_cursor"] != "" {
			t.Errorf("page 2: %d %v", st, b2["_raw"])
		}
		e.clock.T = e.clock.T.AddDate(0, 2, 0)
		w.login(e)
		if _, b := e.call("GET", "/api/v1/requests?overdue=true", w.clerk, nil); len(b["items"].([]any)) != 2 {
			t.Errorf("overdue: %v", b["_raw"])
		}
		// Both were registered at the counter.
		for ch, want := range map[string]int{"counter": 2, "online": 0} {
			if st, b := e.call("GET", "/api/v1/requests?overdue=true&channel="+ch, w.clerk, nil); st != 200 || len(b["items"].([]any)) != want {
				t.Errorf("channel=%s: %d %v", ch, st, b["_raw"])
			}
		}
		for _, q := range []string{"governorate=99", "governorate=x", "status=lost", "overdue=maybe", "from=2026-13-01",
			"cursor=!!", "limit=500", "service=NOPE", "center=nope", "channel=fax"} {
			if st, b := e.call("GET", "/api/v1/requests?"+q, w.clerk, nil); st != 422 {
				t.Errorf("%s: %d %v", q, st, b["_raw"])
			}
		}
		// CSV export: BOM, header, one row per request, scoped.
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/requests/export.csv?governorate=13", nil)
		req.Header.Set("Authorization", "Bearer "+w.sup13)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "\ufefftracking_number,service_code,center_code") ||
			len(lines) != 3 || !strings.Contains(string(body), num) {
			t.Errorf("csv: %d %q", resp.StatusCode, body)
		}
		req.Header.Set("Authorization", "Bearer "+w.cairo1)
		resp, _ = http.DefaultClient.Do(req)
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), num) {
			t.Errorf("cairo export leaks: %q", body)
		}
	})
}

func TestCSVSafe(t *testing.T) {
	got := csvSafe([]string{"=1+1", "+20", "-x", "@SUM", "ok", "", "\tx"})
	want := []string{"'=1+1", "'+20", "'-x", "'@SUM", "ok", "", "'\tx"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %q", i, got[i])
		}
	}
}

// A list filter naming a governorate or center outside the reader's territory is refused,
// as on the centers and users lists.
func TestRequestListFilterOutsideScope(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("sup13", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		tok := e.token("sup13")
		if st, b := e.call("GET", "/api/v1/requests?governorate=01", tok, nil); st != 403 {
			t.Errorf("governorate outside scope: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/requests?governorate=99", tok, nil); st != 422 {
			t.Errorf("unknown governorate: %d", st)
		}
		if st, b := e.call("GET", "/api/v1/requests?governorate=13", tok, nil); st != 200 {
			t.Errorf("own governorate: %d %v", st, b["_raw"])
		}
	})
}
