package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"markaz/store"
)

// regForm is a filled registration form.
func regForm(nid, name, mobile, key string) url.Values {
	return url.Values{"service_code": {"SHOP-LIC"}, "applicant.national_id": {nid}, "applicant.name": {name},
		"applicant.mobile": {mobile}, "documents": {"ID copy"}, "notes": {""}, "idem_key": {key}}
}

var slipRE = regexp.MustCompile(`^/requests/([0-9-]+)/slip$`)

func TestRequestUIRegisterAndSlip(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		c := e.browser()
		e.uiLogin(c, "rclerk")
		for _, lang := range []string{"ar", "en"} {
			e.form(c, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			st, html := e.page(c, "/requests/new?service_code=SHOP-LIC")
			if st != 200 || !strings.Contains(html, `name="idem_key" value="`) || !strings.Contains(html, `name="documents"`) ||
				!strings.Contains(html, "autofocus") {
				t.Fatalf("%s form: %d", lang, st)
			}
		}
		resp := e.form(c, "/requests/new", regForm(validNID(1), "أحمد محمد", "01001234567", "ui-k1"))
		m := slipRE.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || m == nil {
			t.Fatalf("register: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		number := m[1]
		// The same key again (a double click) gives the same slip and no second request.
		resp2 := e.form(c, "/requests/new", regForm(validNID(1), "أحمد محمد", "01001234567", "ui-k1"))
		if resp2.Header.Get("Location") != resp.Header.Get("Location") {
			t.Errorf("double submit: %q", resp2.Header.Get("Location"))
		}
		var n int
		e.db.Read(context.Background(), func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM requests`) })
		if n != 1 {
			t.Errorf("requests after double submit: %d", n)
		}
		st, html := e.page(c, "/requests/"+number+"/slip")
		if st != 200 || !strings.Contains(html, number) || !strings.Contains(html, "<svg") || !strings.Contains(html, "ID copy") ||
			!strings.Contains(html, "/track?n="+number) {
			t.Errorf("slip: %d", st)
		}
		// The look-up button fills the name and mobile from the last request.
		st, html = e.page(c, "/requests/new?service_code=SHOP-LIC&lookup=1&applicant.national_id="+validNID(1))
		if st != 200 || !strings.Contains(html, `value="أحمد محمد"`) || !strings.Contains(html, `value="01001234567"`) {
			t.Errorf("lookup: %d", st)
		}
		// A check-digit mismatch warns but does not block.
		bad := validNID(2)
		bad = bad[:13] + string('0'+(bad[13]-'0'+1)%10)
		if resp := e.form(c, "/requests/new", regForm(bad, "سارة", "01112345678", "ui-k2")); resp.StatusCode != 303 {
			t.Errorf("warning blocks: %d", resp.StatusCode)
		}
		// Validation: 422 with every field's message, values kept.
		req := regForm("123", "", "099", "ui-k3")
		req.Set("service_code", "NOPE")
		body := formPage(e, c, "/requests/new", req)
		if body.status != 422 || !strings.Contains(body.html, `id="e-applicant.national_id"`) ||
			!strings.Contains(body.html, `id="e-applicant.name"`) || !strings.Contains(body.html, `id="e-applicant.mobile"`) ||
			!strings.Contains(body.html, `value="099"`) {
			t.Errorf("validation: %d", body.status)
		}
		// The Cairo clerk does not see the Sharqia request, in the queue or by number.
		cc := e.browser()
		e.uiLogin(cc, "rcairo")
		if _, html := e.page(cc, "/requests"); strings.Contains(html, number) {
			t.Error("cairo clerk sees a Sharqia request")
		}
		if st, _ := e.page(cc, "/requests/"+number); st != 403 {
			t.Errorf("cairo clerk opens it: %d", st)
		}
		if resp := e.form(cc, "/requests/"+number+"/actions", url.Values{"action": {"forward"}}); resp.StatusCode != 403 {
			t.Errorf("cairo clerk acts: %d", resp.StatusCode)
		}
		mc := e.browser()
		e.uiLogin(mc, "rmgr")
		if _, html := e.page(mc, "/requests"); !strings.Contains(html, number) || !strings.Contains(html, `id="counts"`) {
			t.Error("manager does not see the center's queue")
		}
		if _, html := e.page(mc, "/requests?q="+validNID(1)); !strings.Contains(html, number) {
			t.Error("search by national ID")
		}
		if st, _ := e.page(mc, "/requests?status=bogus"); st != 422 {
			t.Errorf("bad filter: %d", st)
		}
		// The channel filter: the counter's request shows under counter, not under online.
		if _, html := e.page(mc, "/requests?channel=counter"); !strings.Contains(html, number) ||
			!strings.Contains(html, `<option value="counter" selected>`) {
			t.Error("channel filter: counter")
		}
		if _, html := e.page(mc, "/requests?channel=online"); strings.Contains(html, number) {
			t.Error("channel filter: an online list shows a counter request")
		}
		if st, _ := e.page(mc, "/requests?channel=fax"); st != 422 {
			t.Errorf("unknown channel: %d", st)
		}
		_ = w
	})
}

func TestRequestUIActions(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		number := e.register(w, validNID(1), "أحمد", "01001234567")["tracking_number"].(string)
		c := e.browser()
		e.uiLogin(c, "rclerk")
		st, html := e.page(c, "/requests/"+number)
		if st != 200 || !strings.Contains(html, `id="act-forward"`) || !strings.Contains(html, `id="history"`) {
			t.Fatalf("page: %d", st)
		}
		resp := e.form(c, "/requests/"+number+"/actions", url.Values{"action": {"forward"}, "version": {"1"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/requests/"+number {
			t.Fatalf("forward: %d", resp.StatusCode)
		}
		if st, b := e.call("GET", "/api/v1/requests/"+number, w.clerk, nil); st != 200 || b["status"] != "in_review" {
			t.Errorf("after forward: %v", b["status"])
		}
		// A stale form (the version the user saw is gone) is a clear 409.
		if got := formPage(e, c, "/requests/"+number+"/actions", url.Values{"action": {"forward"}, "version": {"1"}}); got.status != 409 ||
			!strings.Contains(got.html, `id="conflict"`) {
			t.Errorf("stale: %d", got.status)
		}
		// Return needs a note; the back office returns with one.
		bc := e.browser()
		e.uiLogin(bc, "rback")
		if got := formPage(e, bc, "/requests/"+number+"/actions", url.Values{"action": {"return"}}); got.status != 422 ||
			!strings.Contains(got.html, `id="e-note-return"`) {
			t.Errorf("return without note: %d", got.status)
		}
		if resp := e.form(bc, "/requests/"+number+"/actions", url.Values{"action": {"return"}, "note": {"صورة البطاقة ناقصة"}}); resp.StatusCode != 303 {
			t.Errorf("return: %d", resp.StatusCode)
		}
		if _, b := e.call("GET", "/api/v1/requests/"+number, w.clerk, nil); b["status"] != "returned" {
			t.Errorf("after return: %v", b["status"])
		}
		for _, lang := range []string{"ar", "en"} {
			e.form(bc, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			if st, html := e.page(bc, "/requests/"+number); st != 200 || !strings.Contains(html, `lang="`+lang+`"`) ||
				!strings.Contains(html, "صورة البطاقة ناقصة") {
				t.Errorf("%s page: %d", lang, st)
			}
		}
		// Admin (no center) gets a message, not an error, on the form.
		e.user("uiadmin", at("admin", "nation", ""))
		ac := e.browser()
		e.uiLogin(ac, "uiadmin")
		if st, html := e.page(ac, "/requests/new"); st != 200 || !strings.Contains(html, `id="no-center"`) {
			t.Errorf("admin form: %d", st)
		}
	})
}

type pageResult struct {
	status int
	html   string
}

// formPage posts a form and reads the page it answers with.
func formPage(e *env, c interface {
	Do(*http.Request) (*http.Response, error)
}, path string, v url.Values) pageResult {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return pageResult{resp.StatusCode, string(b)}
}
