package web

import (
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"markaz/manual"
)

// The manual is public and renders in both languages, each chapter with its contents.
func TestManualPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.browser()
		for _, lang := range []string{"ar", "en"} {
			e.form(c, "/lang", url.Values{"lang": {lang}, "next": {"/manual"}})
			b := manual.Get(lang)
			st, html := e.page(c, "/manual")
			if st != 200 || !strings.Contains(html, `lang="`+lang+`"`) || !strings.Contains(html, `href="/manual/counter#register"`) {
				t.Fatalf("%s index: %d", lang, st)
			}
			for _, ch := range b.Chapters {
				st, html := e.page(c, "/manual/"+ch.Slug)
				if st != 200 || !strings.Contains(html, "<title>"+ch.Title) {
					t.Errorf("%s/%s: %d", lang, ch.Slug, st)
					continue
				}
				for _, h := range ch.Headings {
					if !strings.Contains(html, `id="`+h.ID+`"`) || !strings.Contains(html, `href="#`+h.ID+`"`) {
						t.Errorf("%s/%s: section %s lacks its anchor or its contents entry", lang, ch.Slug, h.ID)
					}
				}
			}
		}
		if st, _ := e.page(c, "/manual/no-such-chapter"); st != 404 {
			t.Errorf("unknown chapter: %d", st)
		}
	})
}

// Every help link of the screens leads to a chapter and section that exist, in both
// languages; the screens the manual describes all have one.
func TestHelpLinksResolve(t *testing.T) {
	hrefRE := regexp.MustCompile(`href="(/manual[^"]*)"`)
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	with := map[string]bool{}
	for _, f := range files {
		b, _ := fs.ReadFile(assets, f)
		for _, m := range hrefRE.FindAllStringSubmatch(string(b), -1) {
			link := m[1]
			if link == "/manual" || strings.Contains(link, "{{") {
				continue // the menu, and the manual's own pages
			}
			with[strings.TrimPrefix(f, "templates/")] = true
			for _, lang := range manual.Langs {
				if !manual.Get(lang).Resolve(link) {
					t.Errorf("%s: help link %s does not resolve in %s", f, link, lang)
				}
			}
		}
	}
	for _, page := range []string{"request_new.html", "request.html", "requests.html", "calendar.html", "catalog.html",
		"catalog_service.html", "users.html", "user.html", "track.html", "training.html", "training_courses.html",
		"training_course.html", "training_session.html", "training_session_new.html", "training_coverage.html"} {
		if !with[page] {
			t.Errorf("%s has no help link", page)
		}
	}
}
