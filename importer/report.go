package importer

import (
	"context"
	"io"
	"strconv"

	"markaz/backlog"
	"markaz/i18n"
	"markaz/sheet"
	"markaz/store"
)

// WriteReport writes the error report of an import in format f, in language lang: one
// line per problem of each rejected row, with the row's number in the file, the column
// (named as the file names it), the reason, then the row's cells as they were. Cells that
// could start a formula are escaped in CSV and written as text in XLSX (package sheet).
func WriteReport(ctx context.Context, db *store.DB, im *store.Import, w io.Writer, f sheet.Format, lang string) error {
	out, err := sheet.NewWriter(w, f, lang == "ar")
	if err != nil {
		return err
	}
	head := im.Header()
	h, _ := backlog.ParseHeader(head)
	first := []string{i18n.T(lang, "backlog.report.line", nil), i18n.T(lang, "backlog.report.column", nil),
		i18n.T(lang, "backlog.report.reason", nil)}
	if err := out.Write(append(first, head...)); err != nil {
		return err
	}
	err = db.EachRejected(ctx, im, func(r store.RejectedRow) error {
		for _, p := range r.Problems {
			line := []string{strconv.Itoa(r.Line), ColumnName(h, lang, p.Field), i18n.T(lang, "field."+p.Code, p.Args)}
			if err := out.Write(append(line, r.Cells...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return out.Close()
}

// ColumnName names a problem's field for a reader of language lang: a template column as
// the file's header names it (or as the template of that language does), anything else
// (the header, the row, the file) in words.
func ColumnName(h *backlog.Header, lang, field string) string {
	if h != nil {
		if i, ok := h.Index[field]; ok && i < len(h.Cells) {
			return h.Cells[i]
		}
	}
	if ar, ok := backlog.ArabicHeaders[field]; ok {
		if lang == "ar" {
			return ar
		}
		return field
	}
	return i18n.T(lang, "backlog.report.field."+field, nil)
}
