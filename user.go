package markaz

import (
	"crypto/rand"
	"errors"
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

// ValidUsername reports whether s has the shape of a (normalised) username.
func ValidUsername(s string) bool { return usernameRE.MatchString(s) }

// ValidMobile reports whether s is an Egyptian mobile number (010/011/012/015 + 8 digits).
func ValidMobile(s string) bool { return mobileRE.MatchString(NormaliseMobile(s)) }

// Validate normalises and checks a user's profile fields.
func (u *User) Validate() error {
	u.Username = strings.ToLower(strings.TrimSpace(LatinDigits(u.Username)))
	u.FullName = strings.TrimSpace(u.FullName)
	u.Email = strings.TrimSpace(u.Email)
	u.Mobile = NormaliseMobile(u.Mobile)
	var v Validator
	if v.Required("username", u.Username) && !usernameRE.MatchString(u.Username) {
		v.Add("username", "username_format", nil)
	}
	v.Text("full_name", u.FullName, 120, true)
	v.Text("email", u.Email, 200, false)
	if u.Email != "" && !v.Has("email") && !emailRE.MatchString(u.Email) {
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

// passwordAlphabet leaves out characters that are easily misread (0/O, 1/l/I).
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratePassword returns a random temporary password of 16 characters (about 93 bits),
// given to a user once; they must change it at first login.
func GeneratePassword() string {
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = passwordAlphabet[int(b[i])%len(passwordAlphabet)]
	}
	return string(b)
}

// AssignmentInput is an assignment as an API body, a form or a CSV row gives it: dates as
// text, the territory as the API's governorate, unit or center_id (a center's id or code),
// of which the level says which one counts.
type AssignmentInput struct {
	Role        string `json:"role"`
	Level       string `json:"level"`
	Governorate string `json:"governorate"`
	Unit        string `json:"unit"`
	CenterID    string `json:"center_id"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
}

// TerritoryFields are the fields PlaceCode fills; forms and CSV files report their
// problems under one field, "territory".
var TerritoryFields = []string{"governorate", "unit", "center_id"}

// TerritoryField names the input field that gives the territory at a level: the
// level itself for the nation, which needs no code.
func TerritoryField(level string) string {
	switch level {
	case LevelGovernorate:
		return "governorate"
	case LevelUnit:
		return "unit"
	case LevelCenter:
		return "center_id"
	}
	return "level"
}

// PlaceCode puts one territory code (a governorate code, a district/city code GG-NNN or
// a center code, by level) in the field the level reads.
func (in *AssignmentInput) PlaceCode(code string) {
	code = strings.TrimSpace(LatinDigits(code))
	switch strings.TrimSpace(in.Level) {
	case LevelGovernorate:
		in.Governorate = code
	case LevelUnit:
		in.Unit = code
	case LevelCenter:
		in.CenterID = strings.ToUpper(code)
	}
}

// Assignment parses the input into an assignment and checks its shape (ValidateShape).
// An empty start means today; the end may not lie before today.
func (in AssignmentInput) Assignment(today Date) (Assignment, error) {
	a := Assignment{Role: in.Role, Level: in.Level, GovCode: in.Governorate, UnitCode: in.Unit,
		CenterID: in.CenterID, StartsOn: today}
	var v Validator
	date := func(field, s string, d *Date) {
		if s = strings.TrimSpace(s); s == "" {
			return
		}
		p, err := ParseDate(s)
		if err != nil {
			v.Add(field, "date_format", nil)
			return
		}
		*d = p
	}
	date("starts_on", in.StartsOn, &a.StartsOn)
	date("ends_on", in.EndsOn, &a.EndsOn)
	if err := a.ValidateShape(); err != nil {
		v.Merge(err, nil)
	}
	if !a.EndsOn.IsZero() && a.EndsOn.Before(today) && !v.Has("ends_on") {
		v.Add("ends_on", "date_in_past", nil)
	}
	return a, v.Err()
}

// Merge adds the field problems of err, a validation error, to v, passing each field
// name through rename (nil keeps names). It returns err itself when err is any other
// error, nil otherwise.
func (v *Validator) Merge(err error, rename func(string) string) error {
	var e *Error
	if err == nil {
		return nil
	}
	if !errors.As(err, &e) || e.Code != EInvalid {
		return err
	}
	for _, f := range e.Fields {
		if rename != nil {
			f.Field = rename(f.Field)
		}
		if !v.Has(f.Field) {
			v.fields = append(v.fields, f)
		}
	}
	if len(e.Fields) == 0 {
		v.Add("body", "invalid", nil)
	}
	return nil
}

// Prefixed returns a rename function for Merge that puts p before each field name.
func Prefixed(p string) func(string) string { return func(f string) string { return p + f } }
