package web

import (
	"html/template"
	"io"
	"sync"
	"time"
)

// pdfTimeout bounds the printing of one document.
const pdfTimeout = 30 * time.Second

// printTemplates are the self-contained documents printed to PDF (templates/print/*.html:
// full HTML with inline styles, no layout, nothing fetched), with the page functions.
var printTemplates = printSet{}

type printSet struct {
	once sync.Once
	t    *template.Template
	err  error
}

// ExecuteTemplate renders one print document, parsing the set on first use (after every
// page function is registered).
func (p *printSet) ExecuteTemplate(w io.Writer, name string, data any) error {
	p.once.Do(func() {
		p.t, p.err = template.New("print").Funcs(templateFuncs).ParseFS(assets, "templates/print/*.html", "templates/_receipt.html", "templates/_qr.html")
	})
	if p.err != nil {
		return p.err
	}
	return p.t.ExecuteTemplate(w, name, data)
}
