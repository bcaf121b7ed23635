// Package attachment owns the rules for files users attach to records (a problem's
// screenshot, a finding's photo, an applicant's scanned document): the size limit, the
// types accepted — decided from the content, never from the name or the browser's claim —
// and a safe display name. Storage is the store's job; serving, after the owner's access
// check, the web's.
package attachment

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"markaz"
)

// MaxBytes is the largest file accepted: a phone photo or a few scanned pages.
const MaxBytes = 10 << 20

// Types are the content types accepted, as http.DetectContentType names them.
var Types = []string{"image/jpeg", "image/png", "image/webp", "application/pdf"}

// File is an attachment ready to store.
type File struct {
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Data        []byte
}

// Check validates an uploaded file for field: not empty, at most MaxBytes, of one of Types
// by its content. The name keeps only its base, printable characters and at most 120 runes;
// an empty name becomes "file" with the extension of its type.
func Check(field, name string, data []byte) (*File, error) {
	if err := CheckSize(field, int64(len(data))); err != nil {
		return nil, err
	}
	var v markaz.Validator
	ct := http.DetectContentType(data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ok := false
	for _, t := range Types {
		ok = ok || t == ct
	}
	if !ok {
		v.Add(field, "file_type", nil)
		return nil, v.Err()
	}
	sum := sha256.Sum256(data)
	return &File{Name: CleanName(name, ct), ContentType: ct, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Data: data}, nil
}

// CheckSize refuses an empty file and one over MaxBytes, before its bytes are read.
func CheckSize(field string, size int64) error {
	var v markaz.Validator
	switch {
	case size == 0:
		v.Add(field, "file_empty", nil)
	case size > MaxBytes:
		v.Add(field, "file_too_large", map[string]any{"max_mb": MaxBytes >> 20})
	}
	return v.Err()
}

// CleanName returns a display name safe in a header and a page: the base name without
// control or format characters (which can reverse text), at most 120 runes.
func CleanName(name, contentType string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	if name == "" || name == "." || name == "/" {
		name = "file" + extension(contentType)
	}
	return name
}

func extension(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	}
	return ""
}
