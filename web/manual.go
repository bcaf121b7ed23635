package web

// The operating manual (package manual), in the reader's language: /manual lists the
// chapters with their sections, /manual/{slug} shows one chapter with its own contents.
// It is public: it holds no secrets, clerks read it at the counter and citizens may read
// how tracking works before they log in to nothing.

import (
	"html/template"
	"net/http"

	"markaz"
	"markaz/manual"
)

// manualPage is what manual.html and manual_chapter.html show.
type manualPage struct {
	Book       *manual.Book
	Chapter    *manual.Chapter
	Body       template.HTML
	Prev, Next *manual.Chapter
}

func (s *Server) handleManual(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "manual", "manual.title", manualPage{Book: manual.Get(info(r).lang)})
	return nil
}

func (s *Server) handleManualChapter(w http.ResponseWriter, r *http.Request) error {
	b := manual.Get(info(r).lang)
	c := b.Chapter(r.PathValue("slug"))
	if c == nil {
		return markaz.ErrNotFound
	}
	prev, next := b.Neighbours(c.Slug)
	// The HTML was rendered from the embedded Markdown with raw HTML left out.
	data := manualPage{Book: b, Chapter: c, Body: template.HTML(c.HTML), Prev: prev, Next: next}
	// The chapter's title is no catalog key, so the page title is the title itself.
	s.render(w, r, http.StatusOK, "manual_chapter", c.Title, data)
	return nil
}
