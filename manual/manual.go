// Package manual is the operating manual of the technology centers (دليل تشغيل المراكز
// التكنولوجية), written in Markdown in Arabic (ar/) and English (en/), embedded in the
// binary and rendered to HTML once, at first use.
//
// A chapter is one file named NN-slug.md: NN orders the chapters, slug is its address
// (/manual/{slug}), and its first line is the "# Title". Every section heading carries an
// explicit anchor ("## Registering a request {#register}") that is the same in both
// languages, so a help link from a screen (/manual/counter#register) lands on the same
// section whatever the reader's language. Raw HTML in the Markdown is not rendered.
package manual

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

//go:embed ar/*.md en/*.md
var files embed.FS

// Langs are the languages the manual is written in, as the i18n package names them.
var Langs = []string{"ar", "en"}

// Heading is one section heading of a chapter: its level (2 or 3), anchor and text.
type Heading struct {
	Level int
	ID    string
	Text  string
}

// Chapter is one rendered chapter. HTML is the body without the title, safe to embed:
// it comes from the embedded Markdown with raw HTML dropped.
type Chapter struct {
	Slug     string
	Title    string
	Headings []Heading
	HTML     string
	// Links lists the destinations of the chapter's links, as written.
	Links []string
}

// Book is the manual in one language: its chapters in order.
type Book struct {
	Lang     string
	Chapters []*Chapter
}

// Chapter returns the chapter with the given slug, or nil.
func (b *Book) Chapter(slug string) *Chapter {
	for _, c := range b.Chapters {
		if c.Slug == slug {
			return c
		}
	}
	return nil
}

// Neighbours returns the chapters before and after the one with the given slug (nil at
// either end).
func (b *Book) Neighbours(slug string) (prev, next *Chapter) {
	i := slices.IndexFunc(b.Chapters, func(c *Chapter) bool { return c.Slug == slug })
	if i < 0 {
		return nil, nil
	}
	if i > 0 {
		prev = b.Chapters[i-1]
	}
	if i+1 < len(b.Chapters) {
		next = b.Chapters[i+1]
	}
	return prev, next
}

// HasAnchor reports whether the chapter has a section with the given anchor.
func (c *Chapter) HasAnchor(id string) bool {
	return slices.ContainsFunc(c.Headings, func(h Heading) bool { return h.ID == id })
}

// Resolve reports whether a manual address ("/manual", "/manual/slug" or
// "/manual/slug#anchor") names a chapter and section of the book.
func (b *Book) Resolve(link string) bool {
	p, anchor, _ := strings.Cut(link, "#")
	if p == "/manual" || p == "/manual/" {
		return anchor == ""
	}
	slug, ok := strings.CutPrefix(p, "/manual/")
	c := b.Chapter(slug)
	if !ok || c == nil {
		return false
	}
	return anchor == "" || c.HasAnchor(anchor)
}

var (
	books    map[string]*Book
	loadErr  error
	loadOnce sync.Once
)

// Get returns the manual in lang (Arabic for any language it is not written in).
func Get(lang string) *Book {
	loadOnce.Do(func() { books, loadErr = load(files) })
	if loadErr != nil {
		// The content is embedded and checked by the package's tests: a failure here is a
		// build that skipped them.
		panic(loadErr)
	}
	if b, ok := books[lang]; ok {
		return b
	}
	return books[Langs[0]]
}

// Check parses the embedded manual and reports the first problem: for tests and start-up.
func Check() error {
	_, err := load(files)
	return err
}

var (
	fileRE   = regexp.MustCompile(`^([0-9]{2})-([a-z][a-z0-9-]*)\.md$`)
	anchorRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// markdown renders CommonMark with GitHub tables and explicit heading attributes; raw
// HTML is left out (goldmark's default: WithUnsafe is not set).
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table),
	goldmark.WithParserOptions(parser.WithHeadingAttribute()),
)

// load parses every chapter of every language.
func load(fsys fs.FS) (map[string]*Book, error) {
	out := map[string]*Book{}
	for _, lang := range Langs {
		entries, err := fs.ReadDir(fsys, lang)
		if err != nil {
			return nil, err
		}
		b := &Book{Lang: lang}
		last := 0
		for _, e := range entries {
			m := fileRE.FindStringSubmatch(e.Name())
			if m == nil {
				return nil, fmt.Errorf("manual %s/%s: name must be NN-slug.md", lang, e.Name())
			}
			if n, _ := strconv.Atoi(m[1]); n <= last {
				return nil, fmt.Errorf("manual %s/%s: chapter numbers must increase", lang, e.Name())
			} else {
				last = n
			}
			src, err := fs.ReadFile(fsys, path.Join(lang, e.Name()))
			if err != nil {
				return nil, err
			}
			c, err := parse(m[2], src)
			if err != nil {
				return nil, fmt.Errorf("manual %s/%s: %w", lang, e.Name(), err)
			}
			b.Chapters = append(b.Chapters, c)
		}
		if len(b.Chapters) == 0 {
			return nil, fmt.Errorf("manual %s: no chapters", lang)
		}
		out[lang] = b
	}
	return out, nil
}

// parse renders one chapter: the first block must be the level-1 title (taken out of
// the body, the page shows it), every other heading must be of level 2 or 3 with an
// explicit anchor unique in the chapter.
func parse(slug string, src []byte) (*Chapter, error) {
	doc := markdown.Parser().Parse(text.NewReader(src))
	title, ok := doc.FirstChild().(*ast.Heading)
	if !ok || title.Level != 1 {
		return nil, fmt.Errorf("must begin with a level-1 title")
	}
	c := &Chapter{Slug: slug, Title: plainText(title, src)}
	doc.RemoveChild(doc, title)
	seen := map[string]bool{}
	var problem error
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			id, _ := n.AttributeString("id")
			idb, _ := id.([]byte)
			h := Heading{Level: n.Level, ID: string(idb), Text: plainText(n, src)}
			switch {
			case n.Level < 2 || n.Level > 3:
				problem = fmt.Errorf("heading %q: only one title, sections of level 2 or 3", h.Text)
			case !anchorRE.MatchString(h.ID) || len(n.Attributes()) != 1:
				problem = fmt.Errorf("heading %q: needs an anchor {#a-z0-9-} and nothing else", h.Text)
			case seen[h.ID]:
				problem = fmt.Errorf("heading %q: anchor %s used twice", h.Text, h.ID)
			}
			if problem != nil {
				return ast.WalkStop, nil
			}
			seen[h.ID] = true
			c.Headings = append(c.Headings, h)
		case *ast.Link:
			c.Links = append(c.Links, string(n.Destination))
		case *ast.HTMLBlock, *ast.RawHTML:
			problem = fmt.Errorf("raw HTML is not rendered: write Markdown")
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if problem != nil {
		return nil, problem
	}
	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, src, doc); err != nil {
		return nil, err
	}
	c.HTML = buf.String()
	return c, nil
}

// plainText is the text of a node's inline children (emphasis and code included).
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(src))
			if t.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
