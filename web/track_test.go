package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// trackGet calls the public tracking API anonymously and returns status, Retry-After and body.
func (e *env) trackGet(number, verify string) (int, string, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/track/"+url.PathEscape(number)+"?verify="+url.QueryEscape(verify), nil)
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	out["_raw"] = string(raw)
	return resp.StatusCode, resp.Header.Get("Retry-After"), out
}

func keysOf(m map[string]any) string {
	var ks []string
	for k := range m {
		if k != "_raw" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// neutral drops what differs between any two answers (request id, the path asked).
func neutral(b map[string]any) string {
	delete(b, "request_id")
	delete(b, "instance")
	delete(b, "_raw")
	out, _ := json.Marshal(b)
	return string(out)
}

func TestTrackAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		nid := validNID(7)
		n1 := e.register(w, nid, "سعاد علي", "01001234567")["tracking_number"].(string)
		n2 := e.register(w, validNID(8), "منى حسن", "01119876543")["tracking_number"].(string)
		last4 := nid[len(nid)-4:]
		arabic := strings.NewReplacer("0", "٠", "1", "١", "2", "٢", "3", "٣", "4", "٤", "5", "٥", "6", "٦", "7", "٧",
			"8", "٨", "9", "٩").Replace(last4)

		// Only the allowed fields, with the national ID, the mobile, or Arabic-Indic digits.
		for _, v := range []string{last4, "4567", arabic} {
			st, _, b := e.trackGet(n1, v)
			if st != 200 || keysOf(b) != "center,expected_date,service,status,submitted_on" {
				t.Fatalf("track %s: %d %v", v, st, b["_raw"])
			}
			s := b["status"].(map[string]any)
			if keysOf(s) != "code,label" || s["code"] != "submitted" || s["label"] != "Received" ||
				b["center"] != "Center SH-REQ-01" || b["service"] == "" {
				t.Errorf("track %s: %v", v, b["_raw"])
			}
			if raw := b["_raw"].(string); strings.Contains(raw, "سعاد") || strings.Contains(raw, "0100") || strings.Contains(raw, nid) {
				t.Errorf("personal data leaked: %s", raw)
			}
		}
		// Returned for completion: what is missing is shown, nothing else is added.
		e.act(w.clerk, n1, "forward", "")
		if st, r := e.act(w.back, n1, "return", "Copy of the lease"); st != 200 {
			t.Fatalf("return: %d %v", st, r["_raw"])
		}
		st, _, b := e.trackGet(n1, "4567")
		if st != 200 || keysOf(b) != "center,expected_date,missing,service,status,submitted_on" || b["missing"] != "Copy of the lease" {
			t.Fatalf("returned: %d %v", st, b["_raw"])
		}
		// A malformed check is a validation error (it says nothing about the request).
		if st, _, b := e.trackGet(n1, "12"); st != 422 {
			t.Errorf("short check: %d %v", st, b["_raw"])
		}

		// Wrong number and wrong check: 404 with the same body.
		st1, _, b1 := e.trackGet(n1, "0000")
		st2, _, b2 := e.trackGet("1399-0000-0011", last4)
		st3, _, b3 := e.trackGet("garbage", last4)
		if st1 != 404 || st2 != 404 || st3 != 404 || neutral(b1) != neutral(b2) || neutral(b1) != neutral(b3) {
			t.Errorf("not found: %d %d %d\n%v\n%v\n%v", st1, st2, st3, b1, b2, b3)
		}

		// Five failures on n1 (one above) lock it, even for the right digits; n2 is unaffected.
		for i := 0; i < 4; i++ {
			if st, _, _ := e.trackGet(n1, "9999"); st != 404 {
				t.Fatalf("failure %d: %d", i+2, st)
			}
		}
		st, retry, b := e.trackGet(n1, "4567")
		if st != 429 || retry != "900" || !strings.Contains(b["detail"].(string), "15 minutes") {
			t.Fatalf("locked: %d %q %v", st, retry, b["_raw"])
		}
		if st, _, b := e.trackGet(n2, "6543"); st != 200 {
			t.Errorf("other number: %d %v", st, b["_raw"])
		}
		e.clock.Advance(15 * time.Minute)
		if st, _, b := e.trackGet(n1, "4567"); st != 200 {
			t.Errorf("released: %d %v", st, b["_raw"])
		}
	})
}

func TestTrackPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		n := e.register(w, validNID(9), "سعاد علي", "01001234567")["tracking_number"].(string)
		c := e.browser()
		if _, html := e.page(c, "/"); !strings.Contains(html, `href="/track"`) {
			t.Errorf("home has no tracking link")
		}
		// From the slip's QR code: the form, prefilled, in Arabic.
		st, html := e.page(c, "/track?n="+url.QueryEscape(n))
		if st != 200 || !strings.Contains(html, `lang="ar"`) || !strings.Contains(html, `value="`+n+`"`) ||
			!strings.Contains(html, "آخر أربعة أرقام") {
			t.Fatalf("form: %d %s", st, html)
		}
		st, html = e.page(c, "/track?n="+url.QueryEscape(n)+"&v=٤٥٦٧")
		if st != 200 || !strings.Contains(html, "تم الاستلام") || !strings.Contains(html, "مركز SH-REQ-01") ||
			strings.Contains(html, "سعاد") {
			t.Fatalf("result ar: %d %s", st, html)
		}
		e.form(c, "/lang", url.Values{"lang": {"en"}, "next": {"/track"}})
		st, html = e.page(c, "/track?n="+url.QueryEscape(n)+"&v=4567")
		if st != 200 || !strings.Contains(html, `lang="en"`) || !strings.Contains(html, "Received") ||
			!strings.Contains(html, "Expected by") {
			t.Fatalf("result en: %d %s", st, html)
		}
		if st, html = e.page(c, "/track?n=&v=12"); st != 422 || !strings.Contains(html, "This field is required.") ||
			!strings.Contains(html, "Enter exactly four digits.") {
			t.Errorf("invalid: %d %s", st, html)
		}
		for i := 0; i < 5; i++ {
			st, html = e.page(c, "/track?n="+url.QueryEscape(n)+"&v=0000")
			if st != 404 || !strings.Contains(html, "not found or the digits don&#39;t match") {
				t.Fatalf("wrong %d: %d %s", i, st, html)
			}
		}
		st, html = e.page(c, "/track?n="+url.QueryEscape(n)+"&v=4567")
		if st != 429 || !strings.Contains(html, "try again in 15 minutes") {
			t.Errorf("locked: %d %s", st, html)
		}
	})
}
