package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"markaz"
)

// FuzzDecodeJSON: whatever the body, decoding gives nil or a 4xx markaz error, never a
// panic or an internal error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"username":"a","password":"b"}`, `{`, `[]`, `{"username":5}`, `{"x":1}`,
		`{"username":"a"} {}`, `null`, `"str"`, `{"username":"\u0000"}`, strings.Repeat("[", 10000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in struct {
			Username string      `json:"username"`
			Password string      `json:"password"`
			When     markaz.Date `json:"when"`
			N        *int        `json:"n"`
		}
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
		err := decodeJSON(httptest.NewRecorder(), r, &in)
		if err != nil && markaz.ErrorCode(err) != markaz.EInvalid {
			t.Fatalf("%q: %v", body, err)
		}
	})
}
