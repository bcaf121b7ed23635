package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"markaz/notify"
	"markaz/store"
)

// deliver takes a registered request through the workflow to delivered.
func (e *env) deliver(w reqWorld, number, nid string) {
	e.t.Helper()
	e.toReady(w, number)
	st, b := e.call("POST", "/api/v1/requests/"+number+"/actions", w.clerk,
		map[string]any{"action": "deliver", "note": "the applicant", "verify": nid[10:]})
	if st != 200 || b["status"] != "delivered" {
		e.t.Fatalf("deliver: %d %v", st, b["_raw"])
	}
}

// ratingOf reads a request's stored rating and source ("" when none).
func (e *env) ratingOf(number string) (int, string) {
	e.t.Helper()
	var rs []struct {
		Rating int    `db:"rating"`
		Source string `db:"source"`
	}
	if err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Select(&rs, `SELECT rt.rating, rt.source FROM request_ratings rt JOIN requests r ON r.id = rt.request_id
			WHERE r.tracking_number = ?`, number)
	}); err != nil {
		e.t.Fatal(err)
	}
	if len(rs) == 0 {
		return 0, ""
	}
	return rs[0].Rating, rs[0].Source
}

// postHTML posts a same-origin form and returns status, Location and body.
func (e *env) postHTML(c *http.Client, path string, v url.Values, lang string) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if lang != "" { // pages take the language from the cookie the switch sets
		req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// The tracking page offers the rating form for a delivered request only, after the
// check; the form re-checks the four digits, names a wrong rating, stores a good one
// (source tracking) and then shows it instead of the form; a second one is refused.
func TestRatingOnTrackingPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		nid := validNID(21)
		n1 := e.register(w, nid, "سعاد علي", "01001234567")["tracking_number"].(string)
		n2 := e.register(w, nid, "سعاد علي", "01001234567")["tracking_number"].(string)
		v := nid[10:]
		c := e.browser()
		if st, html := e.page(c, "/track?n="+n2+"&v="+v); st != 200 || strings.Contains(html, `id="rating-form"`) {
			t.Errorf("an undelivered request offers rating: %d", st)
		}
		e.deliver(w, n1, nid)
		st, html := e.page(c, "/track?n="+n1+"&v="+v)
		if st != 200 || !strings.Contains(html, `id="rating-form"`) || strings.Count(html, `name="rating"`) != 5 ||
			!strings.Contains(html, `action="/track/rating"`) || !strings.Contains(html, `name="n" value="`+n1+`"`) {
			t.Fatalf("tracking page of a delivered request: %d", st)
		}
		form := func(rating, comment, verify string) url.Values {
			return url.Values{"n": {n1}, "v": {verify}, "rating": {rating}, "comment": {comment}}
		}
		if st, _, html := e.postHTML(c, "/track/rating", form("7", "", v), ""); st != 422 || !strings.Contains(html, `id="e-rating"`) ||
			!strings.Contains(html, "التقييم: يجب أن يكون رقمًا صحيحًا") || !strings.Contains(html, `id="rating-form"`) {
			t.Errorf("rating 7: %d %s", st, html)
		}
		if st, _, html := e.postHTML(c, "/track/rating", form("", "", v), "en"); st != 422 || !strings.Contains(html, "Rating: choose a rating") {
			t.Errorf("no rating, in English: %d", st)
		}
		if st, _, html := e.postHTML(c, "/track/rating", form("3", strings.Repeat("ز", 501), v), ""); st != 422 ||
			!strings.Contains(html, `id="e-comment"`) || !strings.Contains(html, "التعليق: أطول من المسموح") {
			t.Errorf("a comment too long: %d", st)
		}
		if st, _, _ := e.postHTML(c, "/track/rating", form("5", "", "0000"), ""); st != 404 {
			t.Errorf("wrong check: %d", st)
		}
		if n, _ := e.ratingOf(n1); n != 0 {
			t.Fatalf("refused posts stored a rating: %d", n)
		}
		st, loc, _ := e.postHTML(c, "/track/rating", form("٤", "الموظف كان متعاونًا", v), "")
		if want := (url.Values{"n": {n1}, "v": {v}}).Encode(); st != 303 || loc != "/track?"+want+"#rating" {
			t.Fatalf("rate: %d %s", st, loc)
		}
		if n, src := e.ratingOf(n1); n != 4 || src != "tracking" {
			t.Errorf("stored: %d %s", n, src)
		}
		st, html = e.page(c, strings.TrimSuffix(loc, "#rating"))
		if st != 200 || strings.Contains(html, `id="rating-form"`) || !strings.Contains(html, `id="rating-value"`) ||
			!strings.Contains(html, "الموظف كان متعاونًا") || !strings.Contains(html, "سُجّل تقييمك") {
			t.Errorf("after rating: %d", st)
		}
		if st, _, html := e.postHTML(c, "/track/rating", form("1", "", v), ""); st != 409 || !strings.Contains(html, "سبق تقييم هذا الطلب") {
			t.Errorf("second rating: %d", st)
		}
		if n, _ := e.ratingOf(n1); n != 4 {
			t.Errorf("the second rating replaced the first: %d", n)
		}
	})
}

// jsonText is body as JSON: a string as it is, anything else encoded.
func jsonText(body any) string {
	if s, ok := body.(string); ok {
		return s
	}
	b, _ := json.Marshal(body)
	return string(b)
}

// rateLinkRE finds the rating link in a message's text.
var rateLinkRE = regexp.MustCompile(`https?://\S+/rate/[A-Za-z0-9_-]+`)

// The delivery SMS carries a link; its page shows the service and dates without anything
// personal, takes the rating (source sms) and then shows it; a made-up link is a friendly
// 404 page.
func TestRatingLinkFromSMS(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		nid := validNID(22)
		b := e.register(w, nid, "منى حسن", "01119876543")
		number, id := b["tracking_number"].(string), b["id"].(string)
		e.deliver(w, number, nid)

		ms, err := e.db.Messages(context.Background(), "request", id)
		if err != nil || len(ms) == 0 {
			t.Fatal(err)
		}
		m := ms[len(ms)-1]
		_, text, err := notify.Render(m.Channel, m.Template, m.Locale, notify.WithLinks(m.Data(), e.srv.URL))
		link := rateLinkRE.FindString(text)
		if err != nil || m.Template != "notify.request.delivered" || m.To != "01119876543" || link == "" || !strings.HasPrefix(link, e.srv.URL) {
			t.Fatalf("delivery SMS %q %q: %v", m.Template, text, err)
		}
		path := strings.TrimPrefix(link, e.srv.URL)

		c := e.browser()
		st, html := e.page(c, path)
		if st != 200 || !strings.Contains(html, `id="rating-form"`) || !strings.Contains(html, `id="rate-request"`) ||
			strings.Contains(html, "منى") || strings.Contains(html, nid) || strings.Contains(html, "01119876543") ||
			strings.Contains(html, nid[10:]) {
			t.Fatalf("link page: %d", st)
		}
		for _, bad := range []string{"/rate/nothing", "/rate/" + strings.Repeat("A", 36), path[:len(path)-2] + "xx"} {
			if st, html := e.page(c, bad); st != 404 || !strings.Contains(html, `id="link-not-found"`) {
				t.Errorf("%s: %d", bad, st)
			}
		}
		if st, _, html := e.postHTML(c, path, url.Values{"rating": {"0"}}, ""); st != 422 || !strings.Contains(html, `id="e-rating"`) {
			t.Errorf("rating 0: %d", st)
		}
		if st, _, html := e.postHTML(c, "/rate/nothing", url.Values{"rating": {"5"}}, ""); st != 404 || !strings.Contains(html, `id="link-not-found"`) {
			t.Errorf("post to a made-up link: %d", st)
		}
		st, loc, _ := e.postHTML(c, path, url.Values{"rating": {"5"}, "comment": {"ممتاز"}}, "")
		if st != 303 || loc != path {
			t.Fatalf("rate by link: %d %s", st, loc)
		}
		if n, src := e.ratingOf(number); n != 5 || src != "sms" {
			t.Errorf("stored: %d %s", n, src)
		}
		if st, html := e.page(c, path); st != 200 || strings.Contains(html, `id="rating-form"`) || !strings.Contains(html, `id="rating-value"`) {
			t.Errorf("link page after rating: %d", st)
		}
		if st, _, html := e.postHTML(c, path, url.Values{"rating": {"1"}}, "en"); st != 409 || !strings.Contains(html, "already rated") {
			t.Errorf("second rating by link: %d", st)
		}
	})
}

// The API: POST /api/v1/track/{n}/rating with the tracking check's four digits, and
// POST /api/v1/me/requests/{n}/rating for the signed-in citizen; errors name the field
// in the request's language.
func TestRatingAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		nid := validNID(23)
		n1 := e.register(w, nid, "سعاد علي", "01001234567")["tracking_number"].(string)
		n2 := e.register(w, nid, "سعاد علي", "01001234567")["tracking_number"].(string)
		mine := e.register(w, citNID, "فاطمة علي حسانين", citMobile)["tracking_number"].(string)
		v := nid[10:]
		rate := func(number string, body any, lang string, query ...string) (int, map[string]any) {
			t.Helper()
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/track/"+number+"/rating"+strings.Join(query, ""), strings.NewReader(jsonText(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Language", lang)
			return e.send(req)
		}
		if st, b := rate(n2, map[string]any{"verify": v, "rating": 5}, "en"); st != 409 || b["code"] != "conflict" ||
			!strings.Contains(b["detail"].(string), "delivered") {
			t.Errorf("undelivered: %d %v", st, b["_raw"])
		}
		e.deliver(w, n1, nid)
		if st, _, got := e.trackGet(n1, v); st != 200 || got["can_rate"] != true || got["rating"] != nil {
			t.Errorf("tracking a delivered request offers rating: %d %v", st, got["_raw"])
		}
		if st, _ := rate(n1, map[string]any{"verify": "0000", "rating": 5}, "en"); st != 404 {
			t.Errorf("wrong check: %d", st)
		}
		for _, c := range []struct {
			body        any
			lang, field string
			message     string
		}{
			{map[string]any{"verify": v, "rating": 9}, "en", "rating", "Rating: must be a whole number from 1 to 5"},
			{map[string]any{"verify": v, "rating": 9}, "ar", "rating", "التقييم: يجب أن يكون رقمًا صحيحًا"},
			{map[string]any{"verify": v}, "en", "rating", "Rating: choose"},
			{map[string]any{"verify": v, "rating": 3, "comment": strings.Repeat("x", 501)}, "en", "comment", "Comment: too long"},
			{map[string]any{"verify": v, "rating": 3, "comment": strings.Repeat("x", 501)}, "ar", "comment", "التعليق"},
			{`{"verify":"` + v + `","rating":"5"}`, "en", "rating", ""},
		} {
			st, b := rate(n1, c.body, c.lang)
			errs, _ := b["errors"].([]any)
			if st != 422 || len(errs) != 1 {
				t.Errorf("%v: %d %v", c.body, st, b["_raw"])
				continue
			}
			f := errs[0].(map[string]any)
			if f["field"] != c.field || !strings.Contains(f["message"].(string), c.message) {
				t.Errorf("%v (%s): %v", c.body, c.lang, f)
			}
		}
		if n, _ := e.ratingOf(n1); n != 0 {
			t.Fatal("refused calls stored a rating")
		}
		st, b := rate(n1, map[string]any{"rating": 4, "comment": "سريع"}, "en", "?verify="+v)
		rt, _ := b["rating"].(map[string]any)
		if st != 201 || b["can_rate"] != nil || rt == nil || rt["rating"] != 4.0 || rt["source"] != "tracking" {
			t.Fatalf("rate (verify in the query): %d %v", st, b["_raw"])
		}
		if st, _, got := e.trackGet(n1, v); st != 200 || got["rating"].(map[string]any)["comment"] != "سريع" {
			t.Errorf("tracking shows the rating: %d %v", st, got["_raw"])
		}
		if st, b := rate(n1, map[string]any{"verify": v, "rating": 1}, "ar"); st != 409 || !strings.Contains(b["detail"].(string), "سبق تقييم") {
			t.Errorf("second: %d %v", st, b["_raw"])
		}

		// The citizen's own request, from their account.
		e.citizen(citNID, citMobile)
		tok := e.token(citMobile)
		if st, _ := e.call("POST", "/api/v1/me/requests/"+mine+"/rating", tok, map[string]any{"rating": 5}); st != 409 {
			t.Errorf("own request, not delivered: %d", st)
		}
		e.deliver(w, mine, citNID)
		if st, _ := e.call("POST", "/api/v1/me/requests/"+n1+"/rating", tok, map[string]any{"rating": 5}); st != 404 {
			t.Errorf("someone else's request: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/me/requests/"+mine+"/rating", w.clerk, map[string]any{"rating": 5}); st != 403 {
			t.Errorf("staff: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/me/requests/"+mine+"/rating", "", map[string]any{"rating": 5}); st != 401 {
			t.Errorf("anonymous: %d", st)
		}
		if st, b := e.call("POST", "/api/v1/me/requests/"+mine+"/rating", tok, map[string]any{"rating": 0}); st != 422 ||
			!strings.Contains(b["_raw"].(string), `"field":"rating"`) {
			t.Errorf("rating 0: %d %v", st, b["_raw"])
		}
		st, b = e.call("POST", "/api/v1/me/requests/"+mine+"/rating", tok, map[string]any{"rating": 3, "comment": "مقبول"})
		if st != 201 || b["rating"] != 3.0 || b["source"] != "account" {
			t.Fatalf("own rating: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/me/requests/"+mine, tok, nil)
		if st != 200 || b["can_rate"] != false || b["rating"].(map[string]any)["rating"] != 3.0 {
			t.Errorf("view after rating: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/me/requests/"+mine+"/rating", tok, map[string]any{"rating": 1}); st != 409 {
			t.Errorf("second own rating: %d", st)
		}
	})
}

// The citizen's request page offers the form once delivered, and shows the rating after.
func TestRatingOnCitizenPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newReqWorld(e)
		number := e.register(w, citNID, "فاطمة علي حسانين", citMobile)["tracking_number"].(string)
		e.citizen(citNID, citMobile)
		c := e.browser()
		e.uiLogin(c, citMobile)
		if st, html := e.page(c, "/me/requests/"+number); st != 200 || strings.Contains(html, `id="rating-form"`) {
			t.Errorf("undelivered: %d", st)
		}
		e.deliver(w, number, citNID)
		if st, html := e.page(c, "/me/requests/"+number); st != 200 || !strings.Contains(html, `action="/me/requests/`+number+`/rating"`) {
			t.Fatalf("delivered: %d", st)
		}
		if st, _, html := e.postHTML(c, "/me/requests/"+number+"/rating", url.Values{"rating": {"12"}, "comment": {"x"}}, ""); st != 422 ||
			!strings.Contains(html, `id="e-rating"`) || !strings.Contains(html, ">x</textarea>") {
			t.Errorf("rating 12: %d", st)
		}
		st, loc, _ := e.postHTML(c, "/me/requests/"+number+"/rating", url.Values{"rating": {"2"}}, "")
		if st != 303 || loc != "/me/requests/"+number+"#rating" {
			t.Fatalf("rate: %d %s", st, loc)
		}
		if n, src := e.ratingOf(number); n != 2 || src != "account" {
			t.Errorf("stored: %d %s", n, src)
		}
		if st, html := e.page(c, "/me/requests/"+number); st != 200 || strings.Contains(html, `id="rating-form"`) || !strings.Contains(html, `id="rating-value"`) {
			t.Errorf("after rating: %d", st)
		}
		if st, _, html := e.postHTML(c, "/me/requests/"+number+"/rating", url.Values{"rating": {"5"}}, ""); st != 409 || !strings.Contains(html, `id="conflict"`) {
			t.Errorf("second: %d", st)
		}
	})
}
