// Package rating owns citizens' ratings of the service they received: what a rating
// holds (1 to 5, an optional comment of at most MaxComment characters), where it was given
// (the tracking page, the link in the delivery SMS, the citizen's account), and the
// per-request token of that SMS link (the request's id and an HMAC-SHA256 of it with a
// secret every instance shares). A request is rated once, after delivery; the store
// enforces both.
package rating

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/google/uuid"

	"markaz"
)

// Where a rating was given.
const (
	SourceTracking = "tracking"
	SourceSMS      = "sms"
	SourceAccount  = "account"
)

// Sources lists every source, as the database's CHECK does.
var Sources = []string{SourceTracking, SourceSMS, SourceAccount}

// The scale and the comment's limit.
const (
	Min        = 1
	Max        = 5
	MaxComment = 500
)

// Input is a rating as the citizen gives it. Rating is nil when nothing was chosen.
type Input struct {
	Rating  *int   `json:"rating"`
	Comment string `json:"comment"`
}

// Validate checks the rating (required, a whole number from Min to Max: field rating) and
// the comment (optional, at most MaxComment characters, no control characters but line
// breaks and tabs: field comment). The comment is trimmed first.
func (in *Input) Validate() error {
	in.Comment = strings.TrimSpace(in.Comment)
	var v markaz.Validator
	switch {
	case in.Rating == nil:
		v.Add("rating", "rating_required", nil)
	case *in.Rating < Min || *in.Rating > Max:
		v.Add("rating", "rating_range", map[string]any{"min": Min, "max": Max})
	}
	if len([]rune(in.Comment)) > MaxComment {
		v.Add("comment", "rating_comment_too_long", map[string]any{"max": MaxComment})
	} else {
		for _, r := range in.Comment {
			if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f {
				v.Add("comment", "invalid_chars", nil)
				break
			}
		}
	}
	return v.Err()
}

// macSize is how much of the HMAC a token carries: 88 bits, far beyond guessing online,
// while the link stays short enough for an SMS.
const macSize = 11

// Token is the rating link's token of the request with id id (a UUID): the id's 16 bytes
// and the first macSize bytes of HMAC-SHA256(secret, id), base64url without padding
// (36 characters). It is "" for an id that is not a UUID or an empty secret.
func Token(secret []byte, id string) string {
	u, err := uuid.Parse(id)
	if err != nil || len(secret) == 0 {
		return ""
	}
	b := append(u[:], mac(secret, u.String())...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Parse returns the request id a token stands for, or ok false when the token is
// malformed or was not made with secret (compared in constant time).
func Parse(secret []byte, token string) (id string, ok bool) {
	if len(secret) == 0 || len(token) != base64.RawURLEncoding.EncodedLen(16+macSize) {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 16+macSize {
		return "", false
	}
	u, err := uuid.FromBytes(b[:16])
	if err != nil {
		return "", false
	}
	if !hmac.Equal(b[16:], mac(secret, u.String())) {
		return "", false
	}
	return u.String(), true
}

func mac(secret []byte, id string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("rating:" + id))
	return m.Sum(nil)[:macSize]
}
