// Package citizen owns the rules of citizens' own accounts: who counts as a citizen, what a
// sign-up must carry (a structurally valid national ID, a full name, an Egyptian mobile
// number and a password under the staff policy), and the one-time code that proves the
// mobile number: how it is made and kept (salted hash), how long it lives, how many wrong
// tries it survives and how often a number may be sent one. It has no SQL and no HTTP;
// the store keeps sign-ups and the web serves them.
package citizen

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"markaz"
	"markaz/nationalid"
)

// Is reports whether p acts as a citizen: it holds the citizen role and reads no
// requests as staff. A person holding both is served as staff.
func Is(p *markaz.Principal) bool {
	return p != nil && p.HasRole(markaz.RoleCitizen) && !p.Can(markaz.PermRequestsRead)
}

// MaxNameLength bounds a citizen's full name.
const MaxNameLength = 120

// SignUp is a new citizen account as typed.
type SignUp struct {
	NationalID string `json:"national_id"`
	FullName   string `json:"full_name"`
	Mobile     string `json:"mobile"`
	Password   string `json:"password"`
	Locale     string `json:"locale"`
}

// Validate normalises the sign-up (national ID in Latin digits, name with single spaces,
// mobile in 01… form, locale defaulting to Arabic) and checks every field at once: the
// national ID's structure (nationalid.Parse; an unofficial check digit that does not
// match is not a refusal), a name of at least two words, an Egyptian mobile number, and
// the staff password policy with the mobile number as the username (which is what a
// citizen logs in with) — nor may the password be the national ID.
func (s *SignUp) Validate(today markaz.Date) error {
	var v markaz.Validator
	s.FullName = strings.Join(strings.Fields(s.FullName), " ")
	s.Mobile = markaz.NormaliseMobile(s.Mobile)
	s.Locale = strings.TrimSpace(s.Locale)
	if s.Locale == "" {
		s.Locale = "ar"
	}
	if v.Required(nationalid.Field, s.NationalID) {
		id, _, err := nationalid.Parse(s.NationalID, today)
		if err := v.Merge(err, nil); err != nil {
			return err
		}
		if err == nil {
			s.NationalID = id.Digits
		}
	}
	v.Text("full_name", s.FullName, MaxNameLength, true)
	if !v.Has("full_name") && len(strings.Fields(s.FullName)) < 2 {
		v.Add("full_name", "full_name_parts", nil)
	}
	if v.Required("mobile", s.Mobile) && !markaz.ValidMobile(s.Mobile) {
		v.Add("mobile", "mobile_format", nil)
	}
	if v.Required("password", s.Password) {
		if err := v.Merge(markaz.CheckPassword("password", s.Password, s.Mobile), nil); err != nil {
			return err
		}
		if !v.Has("password") && s.Password == s.NationalID {
			v.Add("password", "password_is_national_id", nil)
		}
	}
	v.OneOf("locale", s.Locale, "ar", "en")
	return v.Err()
}

// Rules of the one-time code.
const (
	CodeDigits  = 6                // a code is six digits
	CodeTTL     = 10 * time.Minute // a code expires this long after it was sent
	MaxAttempts = 5                // wrong codes a code survives; then a new one must be sent
	ResendAfter = time.Minute      // the least time between two codes to one number
	MaxSends    = 5                // codes one number may be sent per SendWindow
	SendWindow  = time.Hour
)

// NewCode returns a random code of CodeDigits digits (uniform: bytes of 250 or more are
// drawn again, so no digit is likelier than another).
func NewCode() string {
	out := make([]byte, 0, CodeDigits)
	b := make([]byte, 1)
	for len(out) < CodeDigits {
		rand.Read(b)
		if b[0] < 250 {
			out = append(out, '0'+b[0]%10)
		}
	}
	return string(out)
}

// NewSalt returns a random salt for HashCode.
func NewSalt() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// HashCode is how a code is kept: the hex SHA-256 of the salt and the code. Six digits
// are no secret against someone holding the table, so the hash's job is only that a
// database reader does not see live codes at a glance; the short life and the attempt
// limit are what make guessing useless.
func HashCode(salt, code string) string {
	sum := sha256.Sum256([]byte(salt + ":" + code))
	return hex.EncodeToString(sum[:])
}

// CodeMatches reports, in constant time, whether code (any digit script, spaces ignored)
// is the one hashed with salt.
func CodeMatches(salt, hash, code string) bool {
	code = strings.ReplaceAll(markaz.LatinDigits(strings.TrimSpace(code)), " ", "")
	return subtle.ConstantTimeCompare([]byte(HashCode(salt, code)), []byte(hash)) == 1
}

// CheckCodeFormat validates a typed code: CodeDigits digits in any script.
func CheckCodeFormat(field, code string) error {
	var v markaz.Validator
	code = strings.ReplaceAll(markaz.LatinDigits(strings.TrimSpace(code)), " ", "")
	if v.Required(field, code) && (len(code) != CodeDigits || strings.Trim(code, "0123456789") != "") {
		v.Add(field, "otp_format", map[string]any{"n": CodeDigits})
	}
	return v.Err()
}

// Sends counts the codes sent to one number: Count within the window that began at
// WindowStart, the last at Last.
type Sends struct {
	Count       int
	WindowStart time.Time
	Last        time.Time
}

// Next is the count after one more code sent at now, or how long to wait first: at least
// ResendAfter since the last code, and at most MaxSends in a SendWindow (a window over
// starts a new one). A zero Sends has sent nothing.
func (s Sends) Next(now time.Time) (Sends, time.Duration) {
	if s.Count == 0 || !now.Before(s.WindowStart.Add(SendWindow)) {
		return Sends{Count: 1, WindowStart: now, Last: now}, 0
	}
	if wait := s.Last.Add(ResendAfter).Sub(now); wait > 0 {
		return s, wait
	}
	if s.Count >= MaxSends {
		return s, s.WindowStart.Add(SendWindow).Sub(now)
	}
	return Sends{Count: s.Count + 1, WindowStart: s.WindowStart, Last: now}, 0
}

// Verdict is what a typed code comes to.
type Verdict string

// Verdicts of Check.
const (
	Verified  Verdict = "verified"
	Wrong     Verdict = "wrong"     // counted against the code
	Expired   Verdict = "expired"   // a new code must be sent
	Exhausted Verdict = "exhausted" // too many wrong tries: a new code must be sent
)

// Pending is a code as stored, for Check.
type Pending struct {
	Salt      string
	Hash      string
	ExpiresAt time.Time
	Attempts  int // wrong codes so far
}

// Check judges code against the pending one at now. An exhausted or expired code is
// refused even when right, so a code cannot be guessed past its limits.
func (p Pending) Check(code string, now time.Time) Verdict {
	switch {
	case p.Attempts >= MaxAttempts:
		return Exhausted
	case !now.Before(p.ExpiresAt):
		return Expired
	case CodeMatches(p.Salt, p.Hash, code):
		return Verified
	}
	return Wrong
}

// FieldCode is the field error code of a refused verdict ("" for Verified).
func (v Verdict) FieldCode() string {
	switch v {
	case Wrong:
		return "otp_wrong"
	case Expired:
		return "otp_expired"
	case Exhausted:
		return "otp_exhausted"
	}
	return ""
}

// MaskMobile keeps the last three digits of a mobile number ("010•••••567"), for
// pages and answers that confirm where a code went.
func MaskMobile(m string) string {
	if len(m) < 6 {
		return strings.Repeat("•", len(m))
	}
	return m[:3] + strings.Repeat("•", len(m)-6) + m[len(m)-3:]
}
