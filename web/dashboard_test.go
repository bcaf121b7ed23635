package web

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/kpi"
)

// dashWorld is reqWorld with four requests: three at the Sharqia center (one approved on
// the day it came, two left open until they are overdue) and one in Cairo; the clock then
// moves 40 days on.
type dashWorld struct {
	reqWorld
	open []string // tracking numbers of the open Sharqia requests
	day0 markaz.Date
}

func newDashWorld(t *testing.T, e *env) dashWorld {
	w := dashWorld{reqWorld: newReqWorld(e), day0: markaz.DateOf(e.clock.T)}
	e.user("dnation", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	done := e.register(w.reqWorld, validNID(1), "أحمد", "01001234567")["tracking_number"].(string)
	for _, s := range []struct{ tok, action string }{{w.clerk, "forward"}, {w.back, "forward"}, {w.mgr, "approve"}} {
		if st, r := e.act(s.tok, done, s.action, ""); st != 200 {
			t.Fatalf("%s: %d %v", s.action, st, r["_raw"])
		}
	}
	for i := 2; i <= 3; i++ {
		w.open = append(w.open, e.register(w.reqWorld, validNID(i), "منى", "01001234567")["tracking_number"].(string))
	}
	if st, r := e.call("POST", "/api/v1/requests", w.cairo1, regBody(validNID(9), "سعيد", "01001234567")); st != 201 {
		t.Fatalf("cairo register: %d %v", st, r["_raw"])
	}
	e.clock.T = e.clock.T.Add(40 * 24 * time.Hour)
	w.login(e)
	return w
}

var kpiShown = regexp.MustCompile(`data-kpi="([a-z0-9_]+)">([^<]*)<`)

// shownFigures reads the headline figures off a dashboard page.
func shownFigures(html string) map[string]string {
	out := map[string]string{}
	for _, m := range kpiShown.FindAllStringSubmatch(html, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// checkFigures fails unless the page shows every figure db.KPI gives for q, as the
// reader's language and digits write it.
func checkFigures(t *testing.T, e *env, html string, q kpi.Query, lang, digits string) *kpi.Figures {
	t.Helper()
	nat := &markaz.Principal{Assignments: []markaz.Assignment{{Role: markaz.RoleMinistry, Level: markaz.LevelNation}}}
	f, err := e.db.KPI(context.Background(), nat, q)
	if err != nil {
		t.Fatal(err)
	}
	shown := shownFigures(html)
	if len(shown) != len(dashFigureNames) {
		t.Errorf("%d figures shown, want %d: %v", len(shown), len(dashFigureNames), shown)
	}
	df := dashFmt{lang, digits}
	for _, name := range dashFigureNames {
		v, kind := figureValue(f, name)
		if want := df.value(v, kind); shown[name] != want {
			t.Errorf("%v: %s shown %q, db.KPI %q", q, name, shown[name], want)
		}
	}
	return f
}

func TestDashboardPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newDashWorld(t, e)
		today := markaz.DateOf(e.clock.T)
		fy := kpi.PeriodStart(kpi.StepYear, today)
		nation := kpi.Query{Level: kpi.LevelNation, From: fy, To: today}

		// The national dashboard in Arabic: figures equal db.KPI's, four charts right to
		// left, each with its table.
		c := e.browser()
		e.uiLogin(c, "dnation")
		st, html := e.page(c, "/dashboard")
		if st != 200 {
			t.Fatalf("national dashboard: %d %s", st, html)
		}
		f := checkFigures(t, e, html, nation, "ar", "arab")
		if f.Received != 4 || f.Completed != 1 || f.OverdueOpen != 3 || f.OnTimeRate == nil || *f.OnTimeRate != 1 {
			t.Errorf("national figures %+v", f)
		}
		shown := shownFigures(html)
		if shown["received"] != "٤" || shown["completed"] != "١" || shown["on_time_rate"] != "١٠٠٪" {
			t.Errorf("national figures shown %v", shown)
		}
		for _, want := range []string{`lang="ar" dir="rtl"`, "<h1>لوحة المؤشرات — <bdi>مصر (على المستوى القومي)</bdi></h1>",
			`id="chart-counts-title"`, `id="chart-on-time-title"`, `id="chart-days-title"`, `id="chart-ranking-title"`,
			`direction="rtl"`, `<details class="dash-data" id="trend-table">`, `<details class="dash-data" id="days-table">`,
			`<details class="dash-data" id="ranking-table">`, `<details class="dash-data" id="index-parts">`,
			"ترتيب المحافظات حسب مؤشر الأداء", `href="/dashboard/governorate/13?`, `href="/requests/` + w.open[0] + `"`,
			`href="/manual/administration#dashboards"`, `aria-current="true">هذا العام المالي</a>`, "الشهر"} {
			if !strings.Contains(html, want) {
				t.Errorf("national dashboard lacks %q", want)
			}
		}
		if n := strings.Count(html, `class="chart-svg" role="`); n != 4 {
			t.Errorf("%d charts, want 4", n)
		}
		// The overdue list keeps to the chosen channel (these requests came to the counter).
		if _, online := e.page(c, "/dashboard?channel=online"); strings.Contains(online, `href="/requests/`+w.open[0]+`"`) {
			t.Error("the overdue list of the online channel shows a counter request")
		}
		// The programme view and the menu link here.
		if _, prog := e.page(c, "/program"); !strings.Contains(prog, `<a href="/dashboard">لوحة مؤشرات الأداء</a>`) ||
			!strings.Contains(prog, `<li><a href="/dashboard">لوحة المؤشرات</a></li>`) {
			t.Error("programme view or menu does not link the dashboard")
		}

		// English, Latin digits.
		if resp := e.form(c, "/settings", url.Values{"locale": {"en"}, "digits": {"latn"}}); resp.StatusCode != 303 {
			t.Fatalf("settings: %d", resp.StatusCode)
		}
		_, html = e.page(c, "/dashboard")
		checkFigures(t, e, html, nation, "en", "latn")
		if !strings.Contains(html, `lang="en" dir="ltr"`) || !strings.Contains(html, `direction="ltr"`) || shownFigures(html)["received"] != "4" {
			t.Errorf("English dashboard: %v", shownFigures(html))
		}

		// A governorate's supervisor is sent to the governorate's dashboard, sees its
		// districts, and gets 403 for another governorate (404 for no such one).
		c = e.browser()
		e.uiLogin(c, "rsup")
		resp, err := c.Get(e.srv.URL + "/dashboard?channel=counter")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/dashboard/governorate/13?channel=counter" {
			t.Errorf("supervisor's /dashboard: %d %s", resp.StatusCode, loc)
		}
		gov := kpi.Query{Level: kpi.LevelGovernorate, Code: "13", From: fy, To: today}
		st, html = e.page(c, "/dashboard/governorate/13")
		if st != 200 {
			t.Fatalf("governorate dashboard: %d %s", st, html)
		}
		if f := checkFigures(t, e, html, gov, "ar", "arab"); f.Received != 3 {
			t.Errorf("governorate received %d", f.Received)
		}
		for _, want := range []string{"ترتيب المراكز والمدن حسب مؤشر الأداء", `href="/dashboard/district/13-001?`, `href="/dashboard">مصر`} {
			if strings.Contains(html, want) == (want == `href="/dashboard">مصر`) {
				t.Errorf("governorate dashboard: %q present %v", want, !strings.Contains(html, want))
			}
		}
		for path, want := range map[string]int{"/dashboard/governorate/01": 403, "/dashboard/district/01-001": 403,
			"/dashboard/center/CA-REQ-01": 403, "/dashboard/governorate/99": 404, "/dashboard/center/NOPE": 404} {
			if st, _ := e.page(c, path); st != want {
				t.Errorf("supervisor of 13, %s: %d, want %d", path, st, want)
			}
		}

		// The district ranks its centers; the center's page highlights it among them.
		st, html = e.page(c, "/dashboard/district/13-001")
		checkFigures(t, e, html, kpi.Query{Level: kpi.LevelDistrict, Code: "13-001", From: fy, To: today}, "ar", "arab")
		if st != 200 || !strings.Contains(html, `href="/dashboard/center/SH-REQ-01?`) || !strings.Contains(html, "ترتيب المراكز التكنولوجية") {
			t.Errorf("district dashboard: %d", st)
		}
		st, html = e.page(c, "/dashboard/center/SH-REQ-01")
		checkFigures(t, e, html, kpi.Query{Level: kpi.LevelCenter, Code: "SH-REQ-01", From: fy, To: today}, "ar", "arab")
		for _, want := range []string{`url(#chart-ranking-hatch)`, `class="dash-current"`, `aria-current="page"`,
			`<a href="/dashboard/governorate/13">`, `<a href="/dashboard/district/13-001">`} {
			if st != 200 || !strings.Contains(html, want) {
				t.Errorf("center dashboard (%d) lacks %q", st, want)
			}
		}

		// Filters change the figures, as db.KPI computes them.
		for _, fc := range []struct {
			query    string
			q        kpi.Query
			received int
		}{
			{"channel=online", kpi.Query{Channel: "online"}, 0},
			{"channel=counter&service=SHOP-LIC", kpi.Query{Channel: "counter", Service: "SHOP-LIC"}, 3},
			{"from=" + today.AddDays(-5).String() + "&to=" + today.String(), kpi.Query{From: today.AddDays(-5)}, 0},
			{"from=" + w.day0.String() + "&to=" + w.day0.String(), kpi.Query{From: w.day0, To: w.day0}, 3},
		} {
			q := fc.q
			q.Level, q.Code = kpi.LevelGovernorate, "13"
			if q.From.IsZero() {
				q.From = fy
			}
			if q.To.IsZero() {
				q.To = today
			}
			st, html := e.page(c, "/dashboard/governorate/13?"+fc.query)
			if st != 200 {
				t.Fatalf("?%s: %d", fc.query, st)
			}
			if f := checkFigures(t, e, html, q, "ar", "arab"); f.Received != fc.received {
				t.Errorf("?%s: received %d, want %d", fc.query, f.Received, fc.received)
			}
		}
		// A period that ends before it starts is refused on the form.
		st, html = e.page(c, "/dashboard/governorate/13?from=2026-03-10&to=2026-03-01")
		if st != 422 || !strings.Contains(html, `id="e-from"`) || strings.Contains(html, "data-kpi=") {
			t.Errorf("reversed period: %d", st)
		}

		// The center's manager is sent to the center's dashboard; without a reach over the
		// district, no ranking, and no dashboard of the district.
		c = e.browser()
		e.uiLogin(c, "rmgr")
		resp, err = c.Get(e.srv.URL + "/dashboard")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/dashboard/center/SH-REQ-01" {
			t.Errorf("manager's /dashboard goes to %q", loc)
		}
		st, html = e.page(c, "/dashboard/center/SH-REQ-01")
		if st != 200 || strings.Contains(html, "chart-ranking") || !strings.Contains(html, `href="/requests/`+w.open[1]+`"`) {
			t.Errorf("manager's center dashboard: %d", st)
		}
		if st, _ := e.page(c, "/dashboard/district/13-001"); st != 403 {
			t.Errorf("manager, district dashboard: %d", st)
		}
	})
}
