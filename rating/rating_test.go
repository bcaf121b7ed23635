package rating

import (
	"strings"
	"testing"

	"markaz"
)

func TestValidate(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, c := range []struct {
		name    string
		in      Input
		fields  map[string]string // field → code
		comment string            // the comment after Validate
	}{
		{"five, no comment", Input{Rating: n(5)}, nil, ""},
		{"one, comment trimmed", Input{Rating: n(1), Comment: "  طابور طويل\n"}, nil, "طابور طويل"},
		{"lowest", Input{Rating: n(Min)}, nil, ""},
		{"nothing chosen", Input{}, map[string]string{"rating": "rating_required"}, ""},
		{"zero", Input{Rating: n(0)}, map[string]string{"rating": "rating_range"}, ""},
		{"six", Input{Rating: n(6)}, map[string]string{"rating": "rating_range"}, ""},
		{"negative", Input{Rating: n(-3)}, map[string]string{"rating": "rating_range"}, ""},
		{"500 Arabic letters", Input{Rating: n(4), Comment: strings.Repeat("ب", 500)}, nil, strings.Repeat("ب", 500)},
		{"501 letters", Input{Rating: n(4), Comment: strings.Repeat("ب", 501)}, map[string]string{"comment": "rating_comment_too_long"}, ""},
		{"control character", Input{Rating: n(4), Comment: "a\x00b"}, map[string]string{"comment": "invalid_chars"}, ""},
		{"both wrong", Input{Rating: n(9), Comment: strings.Repeat("x", 600)},
			map[string]string{"rating": "rating_range", "comment": "rating_comment_too_long"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			err := in.Validate()
			got := map[string]string{}
			if e, ok := err.(*markaz.Error); ok {
				for _, f := range e.Fields {
					got[f.Field] = f.Code
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.fields) {
				t.Fatalf("fields %v, want %v", got, c.fields)
			}
			for f, code := range c.fields {
				if got[f] != code {
					t.Errorf("%s: %q, want %q", f, got[f], code)
				}
			}
			if c.fields == nil && in.Comment != c.comment {
				t.Errorf("comment %q, want %q", in.Comment, c.comment)
			}
		})
	}
}

func TestToken(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	id := markaz.NewID()
	tok := Token(secret, id)
	if len(tok) != 36 || strings.ContainsAny(tok, "+/=") {
		t.Fatalf("token %q: want 36 URL-safe characters", tok)
	}
	if got, ok := Parse(secret, tok); !ok || got != id {
		t.Fatalf("parse: %q %v, want %q", got, ok, id)
	}
	if Token(secret, id) != tok {
		t.Error("the same request's token changed")
	}
	if Token(secret, markaz.NewID()) == tok {
		t.Error("two requests share a token")
	}
	// Another secret, another request's id with this MAC, a flipped character, a cut
	// token, garbage, an empty secret: all refused.
	if _, ok := Parse([]byte("another secret, another instance"), tok); ok {
		t.Error("a token of another secret")
	}
	other := Token(secret, markaz.NewID())
	if _, ok := Parse(secret, other[:22]+tok[22:]); ok {
		t.Error("another id with this token's MAC")
	}
	flip := []byte(tok)
	flip[30] ^= 1
	if _, ok := Parse(secret, string(flip)); ok {
		t.Error("a changed MAC")
	}
	for _, bad := range []string{"", tok[:35], tok + "A", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", strings.Repeat("A", 36)} {
		if _, ok := Parse(secret, bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, ok := Parse(nil, tok); ok || Token(nil, id) != "" || Token(secret, "not-a-uuid") != "" {
		t.Error("no secret or no UUID must give no token")
	}
}
