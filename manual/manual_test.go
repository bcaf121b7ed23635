package manual

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestManualParses(t *testing.T) {
	if err := Check(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range Langs {
		b := Get(lang)
		if len(b.Chapters) < 8 {
			t.Errorf("%s: %d chapters", lang, len(b.Chapters))
		}
		for _, c := range b.Chapters {
			if c.Title == "" || len(c.Headings) < 3 || !strings.Contains(c.HTML, "<p>") {
				t.Errorf("%s/%s: title %q, %d sections", lang, c.Slug, c.Title, len(c.Headings))
			}
			for _, h := range c.Headings {
				if !strings.Contains(c.HTML, `id="`+h.ID+`"`) {
					t.Errorf("%s/%s: heading %s has no anchor in the HTML", lang, c.Slug, h.ID)
				}
			}
		}
	}
	if Get("fr") != Get("ar") {
		t.Error("an unknown language should get the Arabic manual")
	}
}

// Both languages are complete and equivalent: the same chapters in the same order, the
// same sections (anchor and level) in the same order, and the same links.
func TestLanguagesMatch(t *testing.T) {
	ar, en := Get("ar"), Get("en")
	if len(ar.Chapters) != len(en.Chapters) {
		t.Fatalf("%d Arabic chapters, %d English", len(ar.Chapters), len(en.Chapters))
	}
	for i, a := range ar.Chapters {
		e := en.Chapters[i]
		if a.Slug != e.Slug {
			t.Errorf("chapter %d: %s in Arabic, %s in English", i+1, a.Slug, e.Slug)
			continue
		}
		anchors := func(c *Chapter) []string {
			var out []string
			for _, h := range c.Headings {
				out = append(out, strings.Repeat("#", h.Level)+h.ID)
			}
			return out
		}
		if !slices.Equal(anchors(a), anchors(e)) {
			t.Errorf("%s: sections differ\n ar %v\n en %v", a.Slug, anchors(a), anchors(e))
		}
		if !slices.Equal(a.Links, e.Links) {
			t.Errorf("%s: links differ\n ar %v\n en %v", a.Slug, a.Links, e.Links)
		}
		if a.Title == e.Title {
			t.Errorf("%s: the Arabic title is the English one", a.Slug)
		}
	}
}

// Every link in the manual leads somewhere: a chapter and section of the manual, or a
// section of the same chapter. The manual links to nothing outside itself.
func TestLinksResolve(t *testing.T) {
	for _, lang := range Langs {
		b := Get(lang)
		n := 0
		for _, c := range b.Chapters {
			for _, l := range c.Links {
				n++
				switch {
				case strings.HasPrefix(l, "#"):
					if !c.HasAnchor(l[1:]) {
						t.Errorf("%s/%s: link %s names no section", lang, c.Slug, l)
					}
				case strings.HasPrefix(l, "/manual"):
					if !b.Resolve(l) {
						t.Errorf("%s/%s: link %s leads nowhere", lang, c.Slug, l)
					}
				default:
					t.Errorf("%s/%s: link %s leaves the manual", lang, c.Slug, l)
				}
			}
		}
		if n < 10 {
			t.Errorf("%s: only %d links", lang, n)
		}
	}
	b := Get("en")
	for l, want := range map[string]bool{"/manual": true, "/manual/counter": true, "/manual/counter#register": true,
		"/manual/counter#nope": false, "/manual/nope": false, "/manual#register": false, "/other": false} {
		if b.Resolve(l) != want {
			t.Errorf("Resolve(%s) = %v", l, !want)
		}
	}
}

func TestChapterRules(t *testing.T) {
	chapter := func(body string) error {
		_, err := load(fstest.MapFS{"ar/01-x.md": {Data: []byte(body)}, "en/01-x.md": {Data: []byte(body)}})
		return err
	}
	if err := chapter("# T\n\n## A {#a}\n\ntext\n"); err != nil {
		t.Fatalf("a good chapter: %v", err)
	}
	for name, body := range map[string]string{
		"no title":         "## A {#a}\n",
		"no anchor":        "# T\n\n## A\n",
		"anchor twice":     "# T\n\n## A {#a}\n\n### B {#a}\n",
		"deep heading":     "# T\n\n#### A {#a}\n",
		"second title":     "# T\n\n# U {#u}\n",
		"raw HTML block":   "# T\n\n## A {#a}\n\n<div onclick=\"x()\">hi</div>\n",
		"inline raw HTML":  "# T\n\n## A {#a}\n\nsee <script>alert(1)</script>\n",
		"other attribute":  "# T\n\n## A {#a onclick=x}\n",
		"uppercase anchor": "# T\n\n## A {#Alpha}\n",
		"non-latin anchor": "# T\n\n## أ {#أ}\n",
	} {
		if err := chapter(body); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := load(fstest.MapFS{"ar/1-x.md": {Data: []byte("# T\n")}, "en/1-x.md": {Data: []byte("# T\n")}}); err == nil {
		t.Error("a file name without its two-digit number was accepted")
	}
}
