// Package browsertest drives the real UI in Debian's chromium (through chromedp) against a
// real server over a demo database: log in, switch language, open the main pages, and run
// axe-core (pinned 4.11.0, embedded from testdata) on each page in Arabic and English for
// WCAG 2.1 AA. Set MARKAZ_TEST_BROWSER to the chromium binary to run; CI does.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"markaz/demo"
	"markaz/gateway"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/web"
)

//go:embed testdata/axe.min.js
var axeSource string

const demoPassword = "demo-password-123"

var browserTimeout = 4 * time.Minute

// EnvBrowser names the variable holding the chromium path.
const EnvBrowser = "MARKAZ_TEST_BROWSER"

type session struct {
	t    *testing.T
	ctx  context.Context
	base string
	db   *store.DB
}

// start serves a demo database and opens a headless browser on it.
func start(t *testing.T, d store.Dialect) *session {
	path := os.Getenv(EnvBrowser)
	if path == "" {
		t.Skipf("browser tests skipped: set %s to the chromium binary (e.g. /usr/bin/chromium)", EnvBrowser)
	}
	db := storetest.Open(t, d, nil)
	if _, err := demo.Ensure(context.Background(), db, demoPassword); err != nil {
		t.Fatal(err)
	}
	if err := demo.AddPayments(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	gws, err := gateway.Open(context.Background(), db, gateway.Config{Simulated: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{LoginRatePerMinute: 10000,
		DemoNotice: true, Gateways: gws})
	if err != nil {
		t.Fatal(err)
	}
	s.SetReady()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first Do starts the browser; a timeout on that context would stop it, so bound
	// the whole test by a timer instead.
	timer := time.AfterFunc(browserTimeout, cancelC)
	t.Cleanup(func() { timer.Stop() })
	gws.Sim.Base = srv.URL
	return &session{t: t, ctx: ctx, base: srv.URL, db: db}
}

func (s *session) do(actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) open(path string) {
	s.t.Helper()
	s.do(chromedp.Navigate(s.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

func (s *session) attr(sel, name string) string {
	s.t.Helper()
	r, err := chromedp.Run(s.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		s.t.Fatal(err)
	}
	return r.Value
}

func (s *session) text(sel string) string {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		s.t.Fatal(err)
	}
	return v
}

func (s *session) login(username string) {
	s.t.Helper()
	s.open("/login")
	s.do(
		chromedp.SendKeys(chromedp.CSS("#f-username"), username),
		chromedp.SendKeys(chromedp.CSS("#f-password"), demoPassword),
	)
	s.clickNav("#login-submit")
	s.do(chromedp.WaitVisible(chromedp.CSS("#logout")))
}

// axe runs axe-core for WCAG 2.1 A/AA on the current page and fails on any violation.
func (s *session) axe(label string) {
	s.t.Helper()
	script := axeSource + `;axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))`
	res, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatal(err)
	}
	var violations []map[string]any
	json.Unmarshal([]byte(res), &violations)
	for _, v := range violations {
		s.t.Errorf("%s: axe %v (%v): %v on %v", label, v["id"], v["impact"], v["help"], v["nodes"])
	}
}

// switchLang clicks the language switch in the header.
func (s *session) switchLang() {
	s.t.Helper()
	s.clickNav("#lang-switch")
}

// clickNav clicks an element that submits a form or follows a link and waits for the
// new page to load.
func (s *session) clickNav(sel string) {
	s.t.Helper()
	if _, err := chromedp.RunResponse(s.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		s.t.Fatal(err)
	}
	s.do(chromedp.WaitReady(chromedp.CSS("main")))
}

func TestLoginSwitchLanguageProgramme(t *testing.T) {
	s := start(t, store.SQLite)
	s.open("/")
	if s.attr("html", "lang") != "ar" || s.attr("html", "dir") != "rtl" {
		t.Fatal("home is not Arabic right-to-left by default")
	}
	s.axe("home ar (anonymous)")
	s.open("/login")
	s.axe("login ar")
	s.login("admin")
	s.switchLang()
	if s.attr("html", "lang") != "en" || s.attr("html", "dir") != "ltr" {
		t.Fatal("language switch did not give English left-to-right")
	}
	s.open("/program")
	if h := s.text("h1"); !strings.Contains(h, "rogramme") {
		t.Fatalf("programme page heading %q", h)
	}
	// The admin reads Arabic-Indic digits (the default) until they choose Latin ones.
	if body := s.text("main"); !strings.Contains(body, "٣٤١") || !strings.Contains(body, "٣١٨") || !strings.Contains(body, "٣٧") {
		t.Fatalf("programme page lacks the seed figures: %.300s", body)
	}
	s.switchLang()
	if s.attr("html", "lang") != "ar" {
		t.Fatal("switch back to Arabic failed")
	}
	if body := s.text("main"); !strings.Contains(body, "٣٤١") {
		t.Fatalf("Arabic programme page lacks ٣٤١: %.300s", body)
	}
	// Choosing Latin digits in the settings changes every number.
	s.open("/settings")
	s.do(chromedp.Click(chromedp.CSS(`input[name=digits][value=latn]`)))
	s.clickNav(`main form button[type=submit]`)
	s.open("/program")
	if body := s.text("main"); !strings.Contains(body, "341") || !strings.Contains(body, "318") {
		t.Fatalf("programme page with Latin digits lacks 341: %.300s", body)
	}
}

// Every main page passes axe in both languages, and renders on a phone-sized screen.
func TestAccessibilityOfMainPages(t *testing.T) {
	s := start(t, store.SQLite)
	s.login("admin")
	pages := []string{"/", "/program", "/centers", "/centers/new", "/users", "/users/new", "/territory", "/territory/13", "/audit", "/settings", "/password", "/calendar", "/services", "/services/SHOP-LIC", "/track", "/requests", "/requests/new",
		"/training", "/training/courses", "/training/sessions/new", "/training/coverage", "/training/coverage?code=13",
		"/manual", "/manual/counter", "/manual/follow-up",
		"/problems", "/problems/summary", "/problems/teams", "/needs", "/tills", "/collections", "/verify",
		"/inspections", "/inspections/plans", "/inspections/visits", "/inspections/actions", "/inspections/committees",
		"/inspections/checklists", "/inspections/committees/new", "/inspections/plans/new", "/inspections/checklists/new",

		"/backlog", "/backlog/progress?governorate=13", "/backlog/campaigns/new"}
	for _, lang := range []string{"ar", "en"} {
		for _, p := range pages {
			s.open(p)
			if got := s.attr("html", "lang"); got != lang {
				t.Fatalf("%s: lang %s, want %s", p, got, lang)
			}
			s.axe(fmt.Sprintf("%s %s", p, lang))
		}
		s.switchLang()
	}
	// The center's pages: its calendar and workload (as the administrator), the
	// hand-over screen (as its clerk, who holds requests.write).
	var center string
	if err := s.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&center, `SELECT a.center_id FROM assignments a JOIN users u ON u.id = a.user_id
			WHERE u.username = 'clerk' AND a.level = 'center'`)
	}); err != nil {
		t.Fatal(err)
	}
	centerPages := []string{"/calendar/centers/" + center, "/centers/" + center + "/workload"}
	for _, lang := range []string{"ar", "en"} {
		for _, p := range centerPages {
			s.open(p)
			s.axe(fmt.Sprintf("%s %s", p, lang))
		}
		s.switchLang()
	}
	s.clickNav("#logout")
	s.login("clerk")
	for _, lang := range []string{"ar", "en"} {
		s.open("/requests/handover")
		s.axe("/requests/handover " + lang)
		s.switchLang()
	}
	// The citizen's side: signing up (anonymous), applying and their requests (the demo citizen).
	s.clickNav("#logout")
	for _, lang := range []string{"ar", "en"} {
		s.open("/signup")
		s.axe("/signup " + lang)
		s.switchLang()
	}
	s.login("citizen")
	for _, lang := range []string{"ar", "en"} {
		for _, p := range []string{"/me/requests", "/apply", "/apply/SITE-VALID?governorate=13"} {
			s.open(p)
			s.axe(p + " " + lang)
		}
		s.switchLang()
	}
	// Phone width: the pages must not need horizontal scrolling for their header.
	s.do(chromedp.EmulateViewport(375, 740))
	for _, p := range []string{"/me/requests", "/apply/SITE-VALID?governorate=13"} {
		s.open(p)
		s.overflow(p)
	}
	s.clickNav("#logout")
	s.login("clerk")
	for _, p := range []string{"/program", "/requests/handover"} {
		s.open(p)
		s.overflow(p)
	}
}

// fitsPhone opens path (the viewport already a phone's) and fails when the page is wider.
func (s *session) fitsPhone(path string) {
	s.t.Helper()
	s.open(path)
	scroll, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		s.t.Fatal(err)
	}
	if scroll > 0 {
		wide, _ := chromedp.Run(s.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 || e.getBoundingClientRect().left < -1).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().width)).join(', ')`))
		s.t.Errorf("%s overflows a phone screen by %dpx (%s)", path, scroll, wide)
	}
}

// The follow-up pages a system supervisor works on — the report form, a ticket with its
// action forms, a need, a center's equipment and an item — pass axe in both languages and
// fit a phone's width (staff report problems from their phones).
func TestAccessibilityOfFollowUpPages(t *testing.T) {
	s := start(t, store.SQLite)
	s.login("sharqia")
	var pages []string
	for _, step := range []struct{ open, link string }{
		{"/problems?status=open", "#problems tbody a"},
		{"/needs?status=raised", "#needs tbody a"},
		{"/problems?category=hardware", "#problems tbody a"},
	} {
		s.open(step.open)
		pages = append(pages, s.attr(step.link, "href"))
	}
	s.open(pages[2])
	pages[2] = s.attr(`a[href^="/equipment/"]`, "href")
	s.open(pages[2])
	pages = append(pages, s.attr(`a[href$="/equipment"]`, "href"), "/problems/new", "/needs/new")
	for _, lang := range []string{"ar", "en"} {
		for _, p := range pages {
			s.open(p)
			if got := s.attr("html", "lang"); got != lang {
				t.Fatalf("%s: lang %s, want %s", p, got, lang)
			}
			s.axe(fmt.Sprintf("%s %s", p, lang))
		}
		s.switchLang()
	}
	s.do(chromedp.EmulateViewport(375, 740))
	for _, p := range []string{"/problems/new", pages[0]} {
		s.fitsPhone(p)
	}
}

// A training session's page — its trainees table with a results form on every row — passes
// axe in both languages, as the trainer who records results sees it.
func TestTrainingSessionPage(t *testing.T) {
	s := start(t, store.SQLite)
	s.login("trainer")
	for _, lang := range []string{"ar", "en"} {
		s.open("/training")
		href := s.attr("#sessions tbody tr:nth-child(3) a", "href")
		s.open(href)
		if s.attr("html", "lang") != lang {
			t.Fatalf("%s: lang %s", href, s.attr("html", "lang"))
		}
		form, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](`!!document.querySelector('#save-results')`))
		if err != nil || !form {
			t.Fatalf("%s: no results form (%v)", href, err)
		}
		s.axe("training session " + lang)
		s.switchLang()
	}
}

// A committee member records a planned visit on a phone: every item scored with one tap,
// an item left out is named, the score is shown before saving, and the visit page shows
// the saved score. The form and the visit page pass axe.
func TestRecordVisitOnAPhone(t *testing.T) {
	s := start(t, store.SQLite)
	s.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	s.login("inspector")
	s.open("/inspections")
	s.clickNav(`#my-visits a.button`)
	if h := s.text("h1"); !strings.Contains(h, "تسجيل زيارة") {
		t.Fatalf("visit form heading %q", h)
	}
	s.axe("visit form ar (phone)")
	n, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('fieldset.visit-item').length`))
	if err != nil || n < 10 {
		t.Fatalf("%d checklist items on the form (%v)", n, err)
	}
	// Touch targets: every choice is at least 44 px high and fits the screen.
	small, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.scale label')].filter(l => {
		const r = l.getBoundingClientRect(); return r.height < 44 || r.left < 0 || r.right > window.innerWidth }).length`))
	if err != nil || small > 0 {
		t.Errorf("%d choices are smaller than a finger or off the screen (%v)", small, err)
	}
	// Score every item but the last: "yes" for all but the second, "partly" there.
	for i := 1; i < n; i++ {
		choice := "scale-2"
		if i == 2 {
			choice = "scale-1"
		}
		s.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`ol.visit-items > li:nth-child(%d) label.%s`, i, choice))))
	}
	s.clickNav(`#review-score`)
	if e := s.text(`fieldset.visit-item.has-error .error`); e == "" {
		t.Fatal("the unscored item is not named")
	}
	if _, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](`!!document.querySelector('#save-visit')`)); err != nil {
		t.Fatal(err)
	}
	s.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`ol.visit-items > li:nth-child(%d) label.scale-0`, n))))
	s.clickNav(`#review-score`)
	preview := s.text(`#score-preview`)
	if !strings.Contains(preview, "/") {
		t.Fatalf("no score before saving: %q", preview)
	}
	s.axe("visit form with its score ar (phone)")
	s.clickNav(`#save-visit`)
	score := s.text(`#visit-score`)
	if !strings.Contains(preview, strings.TrimSpace(score)) {
		t.Errorf("saved score %q is not the one shown before saving (%q)", score, preview)
	}
	if flash := s.text(`.flash`); flash == "" {
		t.Error("no confirmation after saving")
	}
	scroll, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil || scroll > 0 {
		t.Errorf("the visit page overflows a phone screen by %dpx (%v)", scroll, err)
	}
	s.axe("visit page ar (phone)")
	// A finding with its corrective action and a photo, from the same phone.
	photo := filepath.Join(t.TempDir(), "signage.png")
	if err := os.WriteFile(photo, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200)...), 0o600); err != nil {
		t.Fatal(err)
	}
	s.do(chromedp.SetValue(chromedp.CSS(`#f-category`), "premises"), chromedp.SetValue(chromedp.CSS(`#f-severity`), "medium"),
		chromedp.SendKeys(chromedp.CSS(`#f-description`), "لافتة الرسوم غير محدثة"),
		chromedp.SendKeys(chromedp.CSS(`#f-action`), "تركيب لافتة محدثة"),
		chromedp.SetValue(chromedp.CSS(`#f-owner_username`), "manager"),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-files`), []string{photo}))
	s.clickNav(`#add-finding`)
	if status := s.text(`#action-status`); status == "" || !strings.Contains(s.text(`.attachments`), "signage.png") {
		t.Fatalf("finding page: status %q", status)
	}
	s.axe("finding page ar (phone)")
}
