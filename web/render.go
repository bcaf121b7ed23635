package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"markaz"
	"markaz/citizen"
	"markaz/i18n"
)

// View is what every page template receives. Data holds the page's own values.
type View struct {
	Lang      string
	Dir       string
	Digits    string
	Title     string
	Path      string
	P         *markaz.Principal
	RequestID string
	Demo      bool
	Flash     string
	Data      any
	// ReportsUnread counts the reports in the reader's inbox not yet opened (nav badge).
	ReportsUnread int
}

// pages holds the page templates. Each page is parsed with templates/layout.html and the
// partials (_*.html) the first time it is rendered, not at start-up: a parsed page costs
// about 200 KB, and an idle server (or one whose users open a handful of pages) should not
// hold all of them. The test that renders every page (pages_test.go) is what catches a
// broken template before it ships.
type pages struct {
	shared []string          // layout.html and the partials
	files  map[string]string // page name → its file
	mu     sync.Mutex
	t      map[string]*template.Template // pages parsed so far
}

// loadPages lists the page templates; get parses them.
func loadPages() (*pages, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{files: map[string]string{}, t: map[string]*template.Template{}}
	for _, f := range files {
		base := path.Base(f)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			p.shared = append(p.shared, f)
		} else {
			p.files[strings.TrimSuffix(base, ".html")] = f
		}
	}
	return p, nil
}

// get is the parsed page name, parsing it on first use; ok is false for no such page.
func (p *pages) get(name string) (t *template.Template, ok bool, err error) {
	f, ok := p.files[name]
	if !ok {
		return nil, false, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.t[name]; t != nil {
		return t, true, nil
	}
	t, err = template.New("layout.html").Funcs(templateFuncs).ParseFS(assets, append(slices.Clone(p.shared), f)...)
	if err != nil {
		return nil, true, fmt.Errorf("template %s: %w", name, err)
	}
	p.t[name] = t
	return t, true, nil
}

// PageNames lists the page templates (used by the test that renders every page).
func (s *Server) PageNames() []string {
	var out []string
	for n := range s.pages.files {
		out = append(out, n)
	}
	return out
}

// render writes a full page. title is an i18n key.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	ri := info(r)
	v := View{Lang: ri.lang, Dir: i18n.Dir(ri.lang), Digits: ri.digits, Title: i18n.T(ri.lang, title, nil),
		Path: r.URL.RequestURI(), P: ri.p, RequestID: ri.id, Demo: s.cfg.DemoNotice, Data: data}
	if ri.p != nil && ri.p.Can(markaz.PermReportsRead) {
		if n, err := s.db.UnreadReports(r.Context(), ri.p.UserID); err == nil {
			v.ReportsUnread = n
		}
	}
	if c, err := r.Cookie("flash"); err == nil {
		v.Flash = i18n.T(ri.lang, c.Value, nil)
		http.SetCookie(w, &http.Cookie{Name: "flash", Path: "/", MaxAge: -1})
	}
	t, ok, err := s.pages.get(name)
	if !ok || err != nil {
		ri.log.Error("missing template", "name", name, "err", err)
		http.Error(w, "missing template "+name, 500)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		ri.log.Error("template", "name", name, "err", err)
		w.WriteHeader(500)
		fmt.Fprintf(w, "template error, reference %s", ri.id)
		return
	}
	if s.onRender != nil {
		s.onRender(name, ri.lang)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", ri.lang)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// flash sets a one-shot message (an i18n key) shown on the next page.
func flash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: "flash", Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// keepOrder stops Arabic-Indic numbers joined by dashes ("٢٠٢٣–٢٠٢٤", "٢٠٢٦-١١-٢٧") from
// being reversed on English (left-to-right) pages: between two Arabic-Indic numbers a dash
// resolves right-to-left, so it is flanked by left-to-right marks. Arabic pages read the
// runs right to left, which is already the logical order.
func keepOrder(v View, s string) string {
	if v.Lang != "en" || v.Digits != "arab" {
		return s
	}
	return strings.NewReplacer("-", "\u200e-\u200e", "–", "\u200e–\u200e").Replace(s)
}

// templateFuncs are available in every template. Functions taking the View localize.
// assetVersions holds a short content hash of every static file: pages link to
// /static/NAME?v=HASH, so a changed file gets a new URL while files are cached forever.
var assetVersions = func() map[string]string {
	m := map[string]string{}
	fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:4])
		return nil
	})
	return m
}()

var templateFuncs = template.FuncMap{
	// asset is the versioned URL of a static file.
	"asset": func(name string) string { return "/static/" + name + "?v=" + assetVersions[name] },
	"t":     func(v View, key string) string { return i18n.T(v.Lang, key, nil) },
	"tf": func(v View, key string, kv ...any) string {
		args := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = i18n.Digits(fmt.Sprint(kv[i+1]), v.Digits)
		}
		return i18n.T(v.Lang, key, args)
	},
	"num": func(v View, n any) string {
		switch x := n.(type) {
		case int:
			return i18n.Int(int64(x), v.Digits)
		case int64:
			return i18n.Int(x, v.Digits)
		case *int:
			if x == nil {
				return ""
			}
			return i18n.Int(int64(*x), v.Digits)
		}
		return i18n.Digits(fmt.Sprint(n), v.Digits)
	},
	"digits": func(v View, s any) string { return i18n.Digits(fmt.Sprint(s), v.Digits) },
	// text applies the digits setting to a sentence, leaving codes and formats alone.
	"text": func(v View, s string) string { return i18n.TextDigits(s, v.Digits) },
	"date": func(v View, d any) string {
		switch x := d.(type) {
		case markaz.Date:
			return keepOrder(v, i18n.Digits(x.String(), v.Digits))
		case time.Time:
			return keepOrder(v, i18n.Digits(x.In(markaz.Cairo).Format("2006-01-02 15:04"), v.Digits))
		case *time.Time:
			if x == nil {
				return ""
			}
			return keepOrder(v, i18n.Digits(x.In(markaz.Cairo).Format("2006-01-02 15:04"), v.Digits))
		}
		return ""
	},
	"fy": func(v View, fy any) string {
		var n int
		switch x := fy.(type) {
		case int:
			n = x
		case *int:
			if x == nil {
				return ""
			}
			n = *x
		}
		return i18n.T(v.Lang, "common.fiscal_year", map[string]any{"fy": keepOrder(v, i18n.Digits(markaz.FiscalYearLabel(n), v.Digits))})
	},
	// name picks the Arabic or English of a pair.
	"name": func(v View, ar, en string) string {
		if v.Lang == "en" {
			return en
		}
		return ar
	},
	"can": func(v View, perm string) bool { return v.P != nil && v.P.Can(perm) },
	"eq2": func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"add": func(a, b int) int { return a + b },
	// stars draws a rating (1–5) as that many stars (decoration: the number is written too).
	"stars": func(n int) string { return strings.Repeat("★", max(0, min(n, 5))) },
	// fieldErr looks up a field's message in a possibly nil map.
	"fieldErr": func(m any, field string) string {
		if mm, ok := m.(map[string]string); ok {
			return mm[field]
		}
		return ""
	},
	// citizen reports whether the reader acts as a citizen (their own requests, not staff
	// pages); list makes a list of strings to range over.
	"citizen": func(v View) bool { return citizen.Is(v.P) },
	"list":    func(xs ...string) []string { return xs },
	"pct": func(v View, part, whole int) string {
		if whole == 0 {
			return i18n.Digits("0%", v.Digits)
		}
		return i18n.Digits(fmt.Sprintf("%d%%", (part*100+whole/2)/whole), v.Digits)
	},
}
