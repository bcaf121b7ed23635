package attachment

import (
	"bytes"
	"strings"
	"testing"

	"markaz"
)

var (
	jpeg = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{1}, 64)...)
	png  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	pdf  = []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
	webp = append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), bytes.Repeat([]byte{0}, 32)...)
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name, file string
		data       []byte
		wantType   string
		wantCode   string
	}{
		{"jpeg", "photo.jpg", jpeg, "image/jpeg", ""},
		{"png named pdf", "scan.pdf", png, "image/png", ""},
		{"pdf", "محضر.pdf", pdf, "application/pdf", ""},
		{"webp", "a.webp", webp, "image/webp", ""},
		{"html named jpg", "x.jpg", []byte("<html><script>alert(1)</script></html>"), "", "file_type"},
		{"exe", "setup.exe", append([]byte("MZ"), bytes.Repeat([]byte{0}, 100)...), "", "file_type"},
		{"plain text", "notes.txt", []byte("hello"), "", "file_type"},
		{"empty", "a.png", nil, "", "file_empty"},
		{"too large", "big.pdf", append(append([]byte{}, pdf...), make([]byte, MaxBytes)...), "", "file_too_large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Check("files", c.file, c.data)
			if c.wantCode != "" {
				e, ok := err.(*markaz.Error)
				if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "files" || e.Fields[0].Code != c.wantCode {
					t.Fatalf("err = %v, want field files %s", err, c.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.ContentType != c.wantType || f.Size != int64(len(c.data)) || len(f.SHA256) != 64 {
				t.Errorf("got %+v", f)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"photo.jpg":                     "photo.jpg",
		`C:\Users\clerk\scan 1.pdf`:     "scan 1.pdf",
		"../../etc/passwd":              "passwd",
		"invoice\u202Egpj.exe":          "invoicegpj.exe",
		"a\"b\r\nc.png":                 "abc.png",
		"":                              "file.png",
		"   ":                           "file.png",
		strings.Repeat("ب", 200) + ".x": strings.Repeat("ب", 120),
	} {
		if got := CleanName(in, "image/png"); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}
