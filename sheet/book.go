package sheet

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// Percent is a fraction (0.875) written as a number shown as a percentage (87.5%).
type Percent float64

// Book is an XLSX workbook of several sheets (a report: one sheet per section). Cells
// keep their type: numbers stay numbers, Percent is a number in percent format, nil an
// empty cell, anything else text (never a formula). Every sheet reads right to left
// when rtl (Arabic).
type Book struct {
	f       *excelize.File
	rtl     bool
	sheets  int
	pct     int
	bold    int
	initErr error
}

// NewBook starts a workbook.
func NewBook(rtl bool) *Book {
	b := &Book{f: excelize.NewFile(), rtl: rtl}
	b.pct, b.initErr = b.f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if b.initErr == nil {
		b.bold, b.initErr = b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	}
	return b
}

// Sheet adds a sheet named name (at most 31 characters, none of []:*?/\) holding rows;
// the first row is a header, in bold.
func (b *Book) Sheet(name string, rows [][]any) error {
	if b.initErr != nil {
		return b.initErr
	}
	if b.sheets == 0 {
		if err := b.f.SetSheetName(b.f.GetSheetName(0), name); err != nil {
			return err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return err
	}
	b.sheets++
	if b.rtl {
		rtl := true
		if err := b.f.SetSheetView(name, 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
			return err
		}
	}
	widest := 0
	for r, row := range rows {
		widest = max(widest, len(row))
		for c, v := range row {
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				return err
			}
			switch x := v.(type) {
			case nil:
				continue
			case Percent:
				if err := b.f.SetCellFloat(name, cell, float64(x), -1, 64); err != nil {
					return err
				}
				if err := b.f.SetCellStyle(name, cell, cell, b.pct); err != nil {
					return err
				}
			case int, int64, float64:
				if err := b.f.SetCellValue(name, cell, x); err != nil {
					return err
				}
			case string:
				if err := b.f.SetCellStr(name, cell, x); err != nil {
					return err
				}
			default:
				if err := b.f.SetCellValue(name, cell, x); err != nil {
					return err
				}
			}
			if r == 0 {
				if err := b.f.SetCellStyle(name, cell, cell, b.bold); err != nil {
					return err
				}
			}
		}
	}
	if widest > 0 {
		last, _ := excelize.ColumnNumberToName(widest)
		if err := b.f.SetColWidth(name, "A", last, 18); err != nil {
			return err
		}
	}
	return nil
}

// WriteTo writes the workbook and closes it.
func (b *Book) WriteTo(w io.Writer) (int64, error) {
	defer b.f.Close()
	return b.f.WriteTo(w)
}
