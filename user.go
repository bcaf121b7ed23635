package markaz

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person who logs in. Assignments give what they may do and where.
type User struct {
	ID                 string       `json:"id" db:"id"`
	Username           string       `json:"username" db:"username"`
	FullName           string       `json:"full_name" db:"full_name"`
	Email              string       `json:"email" db:"email"`
	Mobile             string       `json:"mobile" db:"mobile"`
	PasswordHash       string       `json:"-" db:"password_hash"`
	MustChangePassword bool         `json:"must_change_password" db:"must_change_password"`
	Locale             string       `json:"locale" db:"locale"` // ar or en
	Digits             string       `json:"digits" db:"digits"` // arab or latn
	DisabledAt         *time.Time   `json:"disabled_at" db:"disabled_at"`
	FailedLogins       int          `json:"-" db:"failed_logins"`
	LockedUntil        *time.Time   `json:"-" db:"locked_until"`
	CreatedAt          time.Time    `json:"created_at" db:"created_at"`
	UpdatedAt          time.Time    `json:"updated_at" db:"updated_at"`
	Assignments        []Assignment `json:"assignments" db:"-"`
}

var (
	usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)
	emailRE    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	mobileRE   = regexp.MustCompile(`^01[0125][0-9]{8}$`)
)

// NormaliseMobile turns "+2010…", "002010…" or Arabic-Indic digits into 010… form.
func NormaliseMobile(s string) string {
	s = strings.NewReplacer(" ", "", "-", "").Replace(LatinDigits(strings.TrimSpace(s)))
	switch {
	case strings.HasPrefix(s, "+20"):
		s = "0" + s[3:]
	case strings.HasPrefix(s, "0020"):
		s = "0" + s[4:]
	}
	return s
}

// ValidMobile reports whether s is an Egyptian mobile number (010/011/012/015 + 8 digits).
func ValidMobile(s string) bool { return mobileRE.MatchString(NormaliseMobile(s)) }

// Validate normalises and checks a user's profile fields.
func (u *User) Validate() error {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.FullName = strings.TrimSpace(u.FullName)
	u.Email = strings.TrimSpace(u.Email)
	u.Mobile = NormaliseMobile(u.Mobile)
	var v Validator
	if v.Required("username", u.Username) && !usernameRE.MatchString(u.Username) {
		v.Add("username", "username_format", nil)
	}
	v.Text("full_name", u.FullName, 120, true)
	if u.Email != "" && (!emailRE.MatchString(u.Email) || len(u.Email) > 200) {
		v.Add("email", "email_format", nil)
	}
	if u.Mobile != "" && !mobileRE.MatchString(u.Mobile) {
		v.Add("mobile", "mobile_format", nil)
	}
	if u.Locale == "" {
		u.Locale = "ar"
	}
	v.OneOf("locale", u.Locale, "ar", "en")
	if u.Digits == "" {
		u.Digits = "arab"
	}
	v.OneOf("digits", u.Digits, "arab", "latn")
	return v.Err()
}

// CheckPassword enforces the password policy: 10 to 128 characters, not the username.
func CheckPassword(field, password, username string) error {
	var v Validator
	n := utf8.RuneCountInString(password)
	switch {
	case n < 10:
		v.Add(field, "password_short", map[string]any{"min": 10})
	case n > 128:
		v.Add(field, "too_long", map[string]any{"max": 128})
	case strings.EqualFold(password, username):
		v.Add(field, "password_is_username", nil)
	}
	return v.Err()
}
