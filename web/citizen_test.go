package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

const (
	citNID    = "29503151300228"
	citMobile = "01012345670"
)

// outboxCode reads the latest sign-up code sent to mobile, as the SMS carries it.
func (e *env) outboxCode(mobile string) string {
	e.t.Helper()
	var data string
	if err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&data, `SELECT data_json FROM outbox WHERE recipient = ? AND template = ?
			ORDER BY created_at DESC, id DESC LIMIT 1`, mobile, store.TemplateSignupCode)
	}); err != nil {
		e.t.Fatal(err)
	}
	var d map[string]string
	json.Unmarshal([]byte(data), &d)
	return d["code"]
}

// citizen signs a citizen up through the API (password testPassword) and verifies them.
func (e *env) citizen(nid, mobile string) {
	e.t.Helper()
	st, b := e.call("POST", "/api/v1/citizens", "", map[string]any{"national_id": nid, "full_name": "فاطمة علي حسانين",
		"mobile": mobile, "password": testPassword})
	if st != 202 {
		e.t.Fatalf("sign up %s: %d %v", mobile, st, b["_raw"])
	}
	st, b = e.call("POST", "/api/v1/citizens/verify", "", map[string]any{"mobile": mobile, "code": e.outboxCode(mobile)})
	if st != 201 {
		e.t.Fatalf("verify %s: %d %v", mobile, st, b["_raw"])
	}
}

// upload posts files (name → bytes) as multipart to path with extra fields.
func (e *env) upload(c *http.Client, path, token string, fields map[string]string, field string, files map[string][]byte) (int, string) {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile(field, name)
		w.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	} else {
		req.Header.Set("Origin", e.srv.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(raw)
}

func TestCitizenSignUpOverTheAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		// Every field checked at once, in the language asked for.
		st, b := e.call("POST", "/api/v1/citizens", "", map[string]any{"national_id": "2950315", "full_name": "فاطمة",
			"mobile": "0223456789", "password": "short"})
		f := problemFields(b)
		if st != 422 || f["national_id"] != "nid_length" || f["full_name"] != "full_name_parts" || f["mobile"] != "mobile_format" ||
			f["password"] != "password_short" {
			t.Fatalf("invalid sign-up: %d %v", st, b["_raw"])
		}
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/citizens", strings.NewReader(`{"national_id":"1"}`))
		req.Header.Set("Accept-Language", "ar")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(raw), "الرقم القومي") {
			t.Errorf("Arabic problem: %d %s", resp.StatusCode, raw)
		}
		if st, b := e.call("POST", "/api/v1/citizens", "", `{"national_id":"1","admin":true}`); st != 422 || problemFields(b)["admin"] != "unknown_field" {
			t.Errorf("unknown field: %d %v", st, b["_raw"])
		}

		st, b = e.call("POST", "/api/v1/citizens", "", map[string]any{"national_id": "٢٩٥٠٣١٥١٣٠٠٢٢٨",
			"full_name": "فاطمة علي حسانين", "mobile": "+20 10 1234 5670", "password": testPassword})
		if st != 202 || b["mobile"] != "010•••••670" || b["expires_at"] == nil {
			t.Fatalf("sign-up: %d %v", st, b["_raw"])
		}
		// A second code at once is refused, saying how long to wait.
		req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/citizens/resend", strings.NewReader(`{"mobile":"01012345670"}`))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Retry-After") == "0" {
			t.Errorf("resend at once: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		// Not active before the code: no login.
		if st, _ := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": citMobile, "password": testPassword}); st != 401 {
			t.Errorf("login before verification: %d", st)
		}
		code := e.outboxCode(citMobile)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		st, b = e.call("POST", "/api/v1/citizens/verify", "", map[string]any{"mobile": citMobile, "code": wrong})
		if st != 422 || problemFields(b)["code"] != "otp_wrong" || !strings.Contains(b["_raw"].(string), "Tries left: 4") {
			t.Errorf("wrong code: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/citizens/verify", "", map[string]any{"mobile": citMobile, "code": "12"}); st != 422 ||
			problemFields(b)["code"] != "otp_format" {
			t.Errorf("short code: %d %v", st, b["_raw"])
		}
		st, b = e.call("POST", "/api/v1/citizens/verify", "", map[string]any{"mobile": "010 1234 5670", "code": code})
		if st != 201 || b["username"] != citMobile {
			t.Fatalf("verify: %d %v", st, b["_raw"])
		}
		// The mobile number logs in, typed any way.
		st, b = e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": "+2٠١٠١٢٣٤٥٦٧٠", "password": testPassword})
		if st != 200 {
			t.Fatalf("login with the mobile: %d %v", st, b["_raw"])
		}
		tok := b["token"].(string)
		if st, b := e.call("GET", "/api/v1/me/requests", tok, nil); st != 200 || !strings.Contains(b["_raw"].(string), `"items":[]`) {
			t.Errorf("my requests: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/citizens", "", map[string]any{"national_id": citNID, "full_name": "أخرى غيرها",
			"mobile": "01198765432", "password": testPassword}); st != 422 || problemFields(b)["national_id"] != "nid_registered" {
			t.Errorf("national ID taken: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/citizens/resend", "", map[string]any{"mobile": "01198765432"}); st != 404 {
			t.Errorf("resend without sign-up: %d", st)
		}
	})
}

// A citizen applies online through the same workflow as the counter, uploads documents,
// follows the request, completes it when returned — and sees nothing else.
func TestCitizenAppliesOnline(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		e.citizen(citNID, citMobile)
		e.citizen("29001011301234", "01198765432")
		me, other := e.token(citMobile), e.token("01198765432")

		// Public: the services offered online and the centers open to them.
		st, b := e.call("GET", "/api/v1/online/services", "", nil)
		if raw := b["_raw"].(string); st != 200 || !strings.Contains(raw, `"code":"SITE-VALID"`) || strings.Contains(raw, `"code":"SHOP-LIC"`) {
			t.Errorf("online services: %d", st)
		}
		st, b = e.call("GET", "/api/v1/online/centers?governorate=13", "", nil)
		if st != 200 || !strings.Contains(b["_raw"].(string), w.center.ID) {
			t.Errorf("online centers: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/online/services/SITE-VALID?center_id="+w.center.ID, "", nil)
		if st != 200 || !strings.Contains(b["_raw"].(string), `"total_piasters":20000`) {
			t.Errorf("offer: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/online/services/SHOP-LIC", "", nil); st != 404 {
			t.Errorf("a counter-only service: %d", st)
		}

		body := map[string]any{"service_code": "SITE-VALID", "center_id": w.center.ID, "notes": "قطعة 12"}
		st, b = e.callKey("/api/v1/me/requests", me, "apply-1", body)
		if st != 201 || b["status"] != "submitted" || b["channel"] != "online" || b["fees_due_piasters"].(float64) != 20000 {
			t.Fatalf("apply: %d %v", st, b["_raw"])
		}
		n := b["tracking_number"].(string)
		if st, b := e.callKey("/api/v1/me/requests", me, "apply-1", body); st != 200 || b["tracking_number"] != n {
			t.Errorf("replay: %d %v", st, b["_raw"])
		}
		body2 := map[string]any{"service_code": "SITE-VALID", "center_id": w.center.ID}
		if st, b := e.callKey("/api/v1/me/requests", me, "apply-1", body2); st != 422 || problemFields(b)["Idempotency-Key"] != "idempotency_key_reused" {
			t.Errorf("key reused: %d %v", st, b["_raw"])
		}
		if st, b := e.callKey("/api/v1/me/requests", me, "apply-2", map[string]any{"service_code": "SHOP-LIC", "center_id": w.center.ID}); st != 422 ||
			problemFields(b)["service_code"] != "service_not_online" {
			t.Errorf("counter-only service: %d %v", st, b["_raw"])
		}
		if st, b := e.callKey("/api/v1/me/requests", me, "apply-3", map[string]any{"service_code": "SITE-VALID"}); st != 422 ||
			problemFields(b)["center_id"] != "required" {
			t.Errorf("no center: %d %v", st, b["_raw"])
		}
		// The staff see it in their queue, with the channel.
		st, b = e.call("GET", "/api/v1/requests/"+n, w.clerk, nil)
		if st != 200 || b["channel"] != "online" || b["national_id"] != citNID || b["created_by"] != citMobile {
			t.Fatalf("clerk reads: %d %v", st, b["_raw"])
		}

		// Documents.
		st, raw := e.upload(nil, "/api/v1/requests/"+n+"/files", me, map[string]string{"document": "صورة بطاقة الرقم القومي"}, "files",
			map[string][]byte{"بطاقة.png": testPNG})
		if st != 201 || !strings.Contains(raw, `"document":"صورة بطاقة الرقم القومي"`) {
			t.Fatalf("upload: %d %s", st, raw)
		}
		fileID := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(raw)[1]
		if st, raw := e.upload(nil, "/api/v1/requests/"+n+"/files", me, nil, "files", map[string][]byte{"x.svg": []byte("<svg/>")}); st != 422 ||
			!strings.Contains(raw, "file_type") {
			t.Errorf("svg: %d %s", st, raw)
		}
		if st, _ := e.upload(nil, "/api/v1/requests/"+n+"/files", other, nil, "files", map[string][]byte{"a.png": testPNG}); st != 404 {
			t.Errorf("another citizen uploads: %d", st)
		}
		if st, _ := e.upload(nil, "/api/v1/requests/"+n+"/files", w.cairo1, nil, "files", map[string][]byte{"a.png": testPNG}); st != 403 {
			t.Errorf("a clerk of another center uploads: %d", st)
		}
		for _, c := range []struct {
			token string
			want  int
		}{{me, 200}, {w.clerk, 200}, {w.sup13, 200}, {other, 404}, {w.cairo1, 403}, {"", 401}} {
			if st, _ := e.call("GET", "/api/v1/files/"+fileID, c.token, nil); st != c.want {
				t.Errorf("file read: %d, want %d", st, c.want)
			}
		}
		if st, b := e.call("GET", "/api/v1/requests/"+n+"/files", w.clerk, nil); st != 200 || !strings.Contains(b["_raw"].(string), fileID) {
			t.Errorf("clerk lists files: %d %v", st, b["_raw"])
		}
		// The staff page shows the uploaded document.
		clerkUI := e.browser()
		e.uiLogin(clerkUI, "rclerk")
		if st, html := e.page(clerkUI, "/requests/"+n); st != 200 || !strings.Contains(html, "/files/"+fileID) ||
			!strings.Contains(html, "صورة بطاقة الرقم القومي") {
			t.Errorf("staff page lacks the document: %d", st)
		}

		// The citizen's own view and list; nobody else's.
		st, b = e.call("GET", "/api/v1/me/requests/"+n, me, nil)
		raw = b["_raw"].(string)
		if st != 200 || !strings.Contains(raw, `"provided":true`) || strings.Contains(raw, "rclerk") || strings.Contains(raw, `"username"`) {
			t.Errorf("my request: %d %s", st, raw)
		}
		if st, b := e.call("GET", "/api/v1/me/requests", me, nil); st != 200 || !strings.Contains(b["_raw"].(string), n) {
			t.Errorf("my list: %d %v", st, b["_raw"])
		}
		counter := e.register(w, validNID(7), "مواطن آخر", "01012345679")["tracking_number"].(string)
		for _, path := range []string{"/api/v1/me/requests/" + counter, "/api/v1/me/requests/1301-0000-9999"} {
			if st, _ := e.call("GET", path, me, nil); st != 404 {
				t.Errorf("%s: %d, want 404", path, st)
			}
		}
		if st, _ := e.call("GET", "/api/v1/me/requests/"+n, other, nil); st != 404 {
			t.Errorf("another citizen reads it: %d", st)
		}
		if st, b := e.call("GET", "/api/v1/me/requests", other, nil); st != 200 || strings.Contains(b["_raw"].(string), n) {
			t.Errorf("another citizen's list: %v", b["_raw"])
		}
		// Staff pages and APIs are closed to citizens; citizens' APIs to staff.
		for _, c := range []struct {
			method, path, token string
			want                int
		}{
			{"GET", "/api/v1/requests", me, 403},
			{"GET", "/api/v1/requests/" + n, me, 403},
			{"POST", "/api/v1/requests/" + n + "/actions", me, 403},
			{"GET", "/api/v1/centers", me, 403},
			{"GET", "/api/v1/users", me, 403},
			{"GET", "/api/v1/me/requests", w.clerk, 403},
			{"POST", "/api/v1/me/requests", w.clerk, 403},
			{"GET", "/api/v1/me/requests", "", 401},
		} {
			var body any
			if c.method == "POST" {
				body = map[string]any{}
			}
			if st, _ := e.call(c.method, c.path, c.token, body); st != c.want {
				t.Errorf("%s %s: %d, want %d", c.method, c.path, st, c.want)
			}
		}
		cit := e.browser()
		e.uiLogin(cit, citMobile)
		for _, p := range []string{"/requests", "/requests/" + n, "/requests/new", "/centers", "/program", "/users"} {
			if st, _ := e.page(cit, p); st != 403 {
				t.Errorf("citizen opens %s: %d", p, st)
			}
		}

		// Returned for completion: upload what is missing and say so.
		for _, a := range []struct{ token, action, note string }{{w.clerk, "forward", ""}, {w.back, "return", "صورة أوضح للبطاقة"}} {
			if st, b := e.call("POST", "/api/v1/requests/"+n+"/actions", a.token, map[string]any{"action": a.action, "note": a.note}); st != 200 {
				t.Fatalf("%s: %d %v", a.action, st, b["_raw"])
			}
		}
		st, b = e.call("GET", "/api/v1/me/requests/"+n, me, nil)
		if st != 200 || b["missing"] != "صورة أوضح للبطاقة" || b["can_complete"] != true {
			t.Fatalf("returned: %d %v", st, b["_raw"])
		}
		e.clock.T = e.clock.T.Add(time.Minute) // files from now on came after the return
		if st, b := e.call("POST", "/api/v1/me/requests/"+n+"/complete", me, map[string]any{}); st != 422 || problemFields(b)["files"] != "upload_missing_first" {
			t.Errorf("complete with nothing new: %d %v", st, b["_raw"])
		}
		if st, raw := e.upload(nil, "/api/v1/requests/"+n+"/files", me, map[string]string{"document": "National ID card copy"}, "files",
			map[string][]byte{"clear.png": testPNG}); st != 201 {
			t.Fatalf("upload again: %d %s", st, raw)
		}
		st, b = e.call("POST", "/api/v1/me/requests/"+n+"/complete", me, map[string]any{"note": "رفعت صورة أوضح"})
		if st != 200 || b["status"] != "in_review" || b["can_complete"] != false {
			t.Fatalf("complete: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/me/requests/"+n+"/complete", me, map[string]any{"note": "again"}); st != 409 {
			t.Errorf("complete twice: %d", st)
		}
	})
}

// The pages: sign up, confirm the code, apply with a document, follow the request.
func TestCitizenPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := usersCenter(e, "SH-WEB-01", "13-001")
		b := e.browser()
		// Field errors in Arabic, the password never echoed.
		resp := e.form(b, "/signup", url.Values{"national_id": {"123"}, "full_name": {"فاطمة"}, "mobile": {"0101"},
			"password": {"secret-password-1"}, "confirm": {"other"}})
		if resp.StatusCode != 422 {
			t.Fatalf("invalid sign-up: %d", resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", e.srv.URL+"/signup", strings.NewReader(url.Values{"national_id": {"123"},
			"password": {"secret-password-1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.srv.URL)
		r2, _ := b.Do(req)
		html, _ := io.ReadAll(r2.Body)
		r2.Body.Close()
		if !strings.Contains(string(html), "١٤") || strings.Contains(string(html), "secret-password-1") {
			t.Errorf("sign-up errors page: %s", html)
		}
		resp = e.form(b, "/signup", url.Values{"national_id": {citNID}, "full_name": {"فاطمة علي حسانين"}, "mobile": {citMobile},
			"password": {testPassword}, "confirm": {testPassword}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/signup/verify?m="+citMobile {
			t.Fatalf("sign-up: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if st, html := e.page(b, "/signup/verify?m="+citMobile); st != 200 || !strings.Contains(html, "٠١٠•••••٦٧٠") {
			t.Errorf("verify page: %d", st)
		}
		if resp := e.form(b, "/signup/verify", url.Values{"mobile": {citMobile}, "code": {"99999x"}}); resp.StatusCode != 422 {
			t.Errorf("bad code: %d", resp.StatusCode)
		}
		resp = e.form(b, "/signup/verify", url.Values{"mobile": {citMobile}, "code": {e.outboxCode(citMobile)}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/me/requests" {
			t.Fatalf("verify: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Logged in at once.
		if st, html := e.page(b, "/me/requests"); st != 200 || !strings.Contains(html, `id="no-requests"`) {
			t.Fatalf("my requests: %d", st)
		}
		if st, html := e.page(b, "/apply"); st != 200 || !strings.Contains(html, `href="/apply/COMPLAINT"`) || strings.Contains(html, "/apply/SHOP-LIC") {
			t.Errorf("apply: %d", st)
		}
		if st, html := e.page(b, "/apply/COMPLAINT?governorate=13"); st != 200 || !strings.Contains(html, c.ID) {
			t.Errorf("centers of 13: %d", st)
		}
		st, html2 := e.page(b, "/apply/COMPLAINT?governorate=13&center_id="+c.ID)
		m := regexp.MustCompile(`name="idem_key" value="([^"]+)"`).FindStringSubmatch(html2)
		if st != 200 || m == nil || !strings.Contains(html2, `name="doc-0"`) {
			t.Fatalf("application form: %d", st)
		}
		fields := map[string]string{"center_id": c.ID, "idem_key": m[1], "notes": "الإنارة معطلة"}
		if st, _ := e.upload(b, "/apply/COMPLAINT", "", fields, "other", nil); st != 422 {
			t.Errorf("no document: %d", st)
		}
		st, loc := e.upload(b, "/apply/COMPLAINT", "", fields, "doc-0", map[string][]byte{"id.png": testPNG})
		if st != 303 || !strings.HasPrefix(loc, "/me/requests/1301-") {
			t.Fatalf("apply: %d %s", st, loc)
		}
		// The same form sent twice (Back, resend) registers once.
		if st, loc2 := e.upload(b, "/apply/COMPLAINT", "", fields, "doc-0", map[string][]byte{"id.png": testPNG}); st != 303 || loc2 != loc {
			t.Errorf("resubmitted: %d %s", st, loc2)
		}
		st, page := e.page(b, loc)
		if st != 200 || !strings.Contains(page, `id="upload-form"`) || !strings.Contains(page, "id.png") || strings.Contains(page, `id="complete-form"`) {
			t.Errorf("request page: %d", st)
		}
		if st, html := e.page(b, "/me/requests"); st != 200 || !strings.Contains(html, strings.TrimPrefix(loc, "/me/requests/")) {
			t.Errorf("list: %d", st)
		}
		if st, _ := e.page(b, "/me/requests/1301-0000-9999"); st != 404 {
			t.Errorf("unknown request: %d", st)
		}
		// A center that receives no requests cannot be chosen.
		planned := &markaz.Center{Code: "SH-WEB-02", Kind: markaz.KindFixed, NameAr: "مخطط", NameEn: "Planned", UnitCode: "13-001",
			DevStatus: markaz.DevPlanned}
		e.db.Write(context.Background(), func(tx *store.Tx) error { return tx.InsertCenter(store.Actor{}, planned) })
		if st, html := e.page(b, "/apply/COMPLAINT?governorate=13&center_id="+planned.ID); st != 200 || strings.Contains(html, `id="apply-form"`) {
			t.Errorf("planned center: %d", st)
		}
		// Staff get no citizen pages.
		e.user("clerkw", at(markaz.RoleClerk, markaz.LevelCenter, c.ID))
		staff := e.browser()
		e.uiLogin(staff, "clerkw")
		if st, _ := e.page(staff, "/me/requests"); st != 403 {
			t.Errorf("clerk on my requests: %d", st)
		}
	})
}

// No log line carries a full national ID: not the sign-up, the apply, nor a staff lookup
// by national ID in the path.
func TestNoNationalIDInLogs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		var mu sync.Mutex
		var logs bytes.Buffer
		h := slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)
		s, err := NewServer(db, slog.New(h), Config{LoginRatePerMinute: 100000})
		if err != nil {
			t.Fatal(err)
		}
		s.SetReady()
		srv := httptest.NewServer(s)
		defer srv.Close()
		e := &env{t: t, db: db, clock: clock, srv: srv}
		w := newReqWorld(e)
		e.citizen(citNID, citMobile)
		e.callKey("/api/v1/me/requests", e.token(citMobile), "k", map[string]any{"service_code": "COMPLAINT", "center_id": w.center.ID})
		e.call("GET", "/api/v1/applicants/"+citNID, w.clerk, nil)
		e.call("GET", "/api/v1/applicants/٢٩٥٠٣١٥١٣٠٠٢٢٨", w.clerk, nil)
		mu.Lock()
		defer mu.Unlock()
		if logs.Len() == 0 || !strings.Contains(logs.String(), "/api/v1/applicants/**********0228") {
			t.Fatalf("no masked path logged: %s", logs.String())
		}
		if strings.Contains(logs.String(), citNID) || strings.Contains(logs.String(), "٢٩٥٠٣١٥١٣٠٠٢٢٨") {
			t.Errorf("a national ID in the log:\n%s", logs.String())
		}
		// The citizen's username is their mobile number: masked as the SMS log masks it.
		if strings.Contains(logs.String(), citMobile) || !strings.Contains(logs.String(), "user=*******5670") {
			t.Errorf("the citizen's mobile number in the log:\n%s", logs.String())
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
