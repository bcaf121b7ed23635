package pdf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text reads a PDF back as text with pdftotext (poppler-utils), for tests.
func text(t *testing.T, b []byte) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestRenderReadsBack(t *testing.T) {
	path := os.Getenv("MARKAZ_TEST_BROWSER")
	if path == "" {
		t.Skip("set MARKAZ_TEST_BROWSER to the chromium binary to print PDFs")
	}
	r := New(path)
	defer r.Close()
	html := `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"></head><body>
		<h1>إيصال سداد</h1><p id="n">1301-2025-000042-2</p><p>150.00 EGP</p></body></html>`
	for i := 0; i < 2; i++ { // the second document reuses the browser
		b, err := r.Render(context.Background(), html)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "%PDF-") {
			t.Fatalf("not a PDF: %.20q", b)
		}
		got := text(t, b)
		if !strings.Contains(got, "1301-2025-000042-2") || !strings.Contains(got, "150.00") {
			t.Fatalf("PDF text lacks the number or the amount: %q", got)
		}
	}
}

func TestUnavailable(t *testing.T) {
	r := &Renderer{}
	if _, err := r.Render(context.Background(), "<p>x</p>"); err != ErrUnavailable {
		t.Fatalf("no browser: %v", err)
	}
}
