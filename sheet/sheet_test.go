package sheet

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var rows = [][]string{
	{"legacy_file_number", "name", "fees_paid_piasters"},
	{"12/2019", "محمد أحمد", "15000"},
	{"=1+1", "سارة, \"المصري\"", ""},
	{"@SUM(A1)", "سطر\nجديد", "-5"},
}

func writeFile(t *testing.T, f Format, rtl bool) string {
	t.Helper()
	var b bytes.Buffer
	w, err := NewWriter(&b, f, rtl)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "f."+string(f))
	os.WriteFile(path, b.Bytes(), 0o600)
	return path
}

func readAll(t *testing.T, path string) ([][]string, Format) {
	t.Helper()
	r, f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out [][]string
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Line() != len(out)+1 {
			t.Errorf("Line %d after %d rows", r.Line(), len(out)+1)
		}
		out = append(out, row)
	}
	return out, f
}

func TestCSVRoundTripEscapesFormulas(t *testing.T) {
	path := writeFile(t, CSV, false)
	raw, _ := os.ReadFile(path)
	if !bytes.HasPrefix(raw, []byte("\ufeff")) {
		t.Error("no byte-order mark")
	}
	got, f := readAll(t, path)
	if f != CSV {
		t.Errorf("format %s", f)
	}
	// Written escaped, so a spreadsheet never evaluates them; read back as they were.
	for _, esc := range []string{"'=1+1", "'@SUM(A1)", "'-5"} {
		if !bytes.Contains(raw, []byte(esc)) {
			t.Errorf("%s not escaped in %s", esc, raw)
		}
	}
	want := [][]string{rows[0], rows[1], {"=1+1", rows[2][1], ""}, {"@SUM(A1)", rows[3][1], "-5"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

func TestXLSXRoundTripRightToLeft(t *testing.T) {
	path := writeFile(t, XLSX, true)
	got, f := readAll(t, path)
	want := [][]string{rows[0], rows[1], rows[2][:2], rows[3]} // a workbook drops trailing empty cells
	if f != XLSX || !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %q", f, got)
	}
	x, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	v, err := x.GetSheetView(x.GetSheetName(0), 0)
	if err != nil || v.RightToLeft == nil || !*v.RightToLeft {
		t.Errorf("sheet view %+v %v", v, err)
	}
	if formula, _ := x.GetCellFormula(x.GetSheetName(0), "A3"); formula != "" {
		t.Errorf("text cell became a formula: %q", formula)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	quote := filepath.Join(dir, "q.csv")
	os.WriteFile(quote, []byte("a,b\n\"unterminated,c\n"), 0o600)
	r, _, err := Open(quote)
	if err != nil {
		t.Fatal(err)
	}
	r.Next()
	if _, err := r.Next(); !errors.Is(err, ErrFormat) {
		t.Errorf("bad quote: %v", err)
	}
	r.Close()
	zip := filepath.Join(dir, "z.xlsx")
	os.WriteFile(zip, []byte("PK\x03\x04 not really a zip"), 0o600)
	if _, _, err := Open(zip); !errors.Is(err, ErrFormat) {
		t.Errorf("broken xlsx: %v", err)
	}
	if Sniff([]byte("PK")) != CSV || Sniff([]byte("PK\x03\x04")) != XLSX {
		t.Error("sniff")
	}
}

func TestEscapeFormula(t *testing.T) {
	for in, want := range map[string]string{"=A1": "'=A1", "+2": "'+2", "-2": "'-2", "@x": "'@x", "\tx": "'\tx",
		"": "", "محمد": "محمد", "a=b": "a=b"} {
		if got := EscapeFormula(in); got != want {
			t.Errorf("%q → %q", in, got)
		}
	}
}

func FuzzCSVReader(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("\ufeff\"x\"\"y\",z\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		r := NewCSVReader(strings.NewReader(s))
		for i := 0; i < 1000; i++ {
			if _, err := r.Next(); err != nil {
				if err != io.EOF && !errors.Is(err, ErrFormat) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
		}
	})
}
