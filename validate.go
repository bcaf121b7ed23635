package markaz

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Validator collects field errors; Err returns nil when there are none.
type Validator struct{ fields []FieldError }

// Add records a problem with a field.
func (v *Validator) Add(field, code string, args map[string]any) {
	v.fields = append(v.fields, FieldError{Field: field, Code: code, Args: args})
}

// Has reports whether the field already has a problem.
func (v *Validator) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Required checks that s is not blank.
func (v *Validator) Required(field, s string) bool {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "required", nil)
		return false
	}
	return true
}

// MaxLen checks that s has at most n characters.
func (v *Validator) MaxLen(field, s string, n int) bool {
	if utf8.RuneCountInString(s) > n {
		v.Add(field, "too_long", map[string]any{"max": n})
		return false
	}
	return true
}

// Text checks a required or optional single-line text of at most n characters, free of
// control characters.
func (v *Validator) Text(field, s string, n int, required bool) {
	if required && !v.Required(field, s) {
		return
	}
	if !v.MaxLen(field, s, n) {
		return
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			v.Add(field, "invalid_chars", nil)
			return
		}
	}
}

// OneOf checks that s is one of the allowed values.
func (v *Validator) OneOf(field, s string, allowed ...string) bool {
	for _, a := range allowed {
		if s == a {
			return true
		}
	}
	v.Add(field, "one_of", map[string]any{"allowed": strings.Join(allowed, ", ")})
	return false
}

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

// Code checks an uppercase identifier such as a center code.
func (v *Validator) Code(field, s string) {
	if v.Required(field, s) && !codeRE.MatchString(s) {
		v.Add(field, "code_format", nil)
	}
}

// Err returns the collected problems as an EInvalid *Error, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Key: "error.invalid", Fields: v.fields}
}
