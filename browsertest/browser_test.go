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
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"markaz/demo"
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
	s, err := web.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Config{LoginRatePerMinute: 10000, DemoNotice: true})
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
	// Phone width: the page must not need horizontal scrolling for its header.
	s.do(chromedp.EmulateViewport(375, 740))
	s.open("/program")
	scroll, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if scroll > 0 {
		t.Errorf("header overflows a phone screen by %dpx", scroll)
	}
}
