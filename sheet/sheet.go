// Package sheet reads and writes tabular files — CSV and XLSX — one row at a time, so
// that an import or an export of a million rows holds one row in memory, not the file.
// CSV is UTF-8 (a leading byte-order mark is dropped on reading and written for Excel;
// cells that could start a formula are escaped on writing and unescaped on reading);
// XLSX is read through excelize's row iterator with large sheets unpacked to a temporary
// file, and written with its stream writer, right to left for Arabic.
package sheet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Format is a file format.
type Format string

const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// Sniff tells a file's format from its first bytes: XLSX is a ZIP archive ("PK\x03\x04"),
// anything else is read as CSV.
func Sniff(head []byte) Format {
	if len(head) >= 4 && string(head[:4]) == "PK\x03\x04" {
		return XLSX
	}
	return CSV
}

// Reader yields the rows of a file, the header first. Next returns io.EOF after the
// last row. Line is the 1-based row number of the row Next returned last.
type Reader interface {
	Next() ([]string, error)
	Line() int
	Close() error
}

// ErrFormat is returned for a file that is neither readable CSV nor XLSX.
var ErrFormat = errors.New("sheet: unreadable file")

// Open reads the file at path, CSV or XLSX by its content (the first sheet of a workbook).
func Open(path string) (Reader, Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if Sniff(head[:n]) == XLSX {
		f.Close()
		r, err := openXLSX(path)
		return r, XLSX, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, "", err
	}
	return NewCSVReader(f), CSV, nil
}

// NewCSVReader reads CSV rows from r (closed by Close when it is an io.Closer).
func NewCSVReader(r io.Reader) Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // short rows are the validator's business, with a clear message
	cr.ReuseRecord = false
	return &csvReader{r: cr, c: r}
}

type csvReader struct {
	r    *csv.Reader
	c    io.Reader
	line int
}

func (c *csvReader) Next() ([]string, error) {
	rec, err := c.r.Read()
	if err == nil {
		c.line++
		for i, s := range rec {
			rec[i] = UnescapeFormula(s)
		}
		return rec, nil
	}
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		c.line++
		return nil, fmt.Errorf("%w: line %d: %v", ErrFormat, pe.StartLine, pe.Err)
	}
	return nil, err
}

func (c *csvReader) Line() int { return c.line }

func (c *csvReader) Close() error {
	if cl, ok := c.c.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

type xlsxReader struct {
	f    *excelize.File
	rows *excelize.Rows
	line int
}

// xlsxOptions unpack sheets larger than 16 MiB to a temporary file instead of memory.
var xlsxOptions = excelize.Options{UnzipXMLSizeLimit: 16 << 20}

func openXLSX(path string) (Reader, error) {
	f, err := excelize.OpenFile(path, xlsxOptions)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, ErrFormat
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return &xlsxReader{f: f, rows: rows}, nil
}

func (x *xlsxReader) Next() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		return nil, io.EOF
	}
	x.line++
	cols, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return cols, nil
}

func (x *xlsxReader) Line() int { return x.line }

func (x *xlsxReader) Close() error {
	x.rows.Close()
	return x.f.Close()
}

// Writer writes rows to a CSV or XLSX file.
type Writer interface {
	Write(row []string) error
	// Close finishes the file (XLSX is written to the underlying writer only here).
	Close() error
}

// NewWriter writes format f to w; rtl makes an XLSX sheet right to left (Arabic).
// CSV starts with a byte-order mark so that Excel shows Arabic.
func NewWriter(w io.Writer, f Format, rtl bool) (Writer, error) {
	if f == XLSX {
		return newXLSXWriter(w, rtl)
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	return &csvWriter{w: csv.NewWriter(w)}, nil
}

type csvWriter struct{ w *csv.Writer }

// UnescapeFormula undoes EscapeFormula, so that a CSV file this package wrote (an error
// report, say) reads back as it was: "'+2010…" is "+2010…" again.
func UnescapeFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

func (c *csvWriter) Write(row []string) error {
	out := make([]string, len(row))
	for i, s := range row {
		out[i] = EscapeFormula(s)
	}
	return c.w.Write(out)
}

func (c *csvWriter) Close() error { c.w.Flush(); return c.w.Error() }

// EscapeFormula keeps a spreadsheet from reading a cell as a formula: a cell starting with
// = + - @ (or a tab or carriage return) gets a leading apostrophe.
func EscapeFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type xlsxWriter struct {
	out io.Writer
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
}

func newXLSXWriter(w io.Writer, rtl bool) (*xlsxWriter, error) {
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	if rtl {
		if err := f.SetSheetView(sheet, 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
			return nil, err
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	return &xlsxWriter{out: w, f: f, sw: sw}, nil
}

func (x *xlsxWriter) Write(row []string) error {
	x.row++
	cells := make([]any, len(row))
	for i, s := range row {
		cells[i] = s // text cells: never evaluated, so no formula escaping is needed
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, cells)
}

func (x *xlsxWriter) Close() error {
	if err := x.sw.Flush(); err != nil {
		return err
	}
	if _, err := x.f.WriteTo(x.out); err != nil {
		return err
	}
	return x.f.Close()
}
