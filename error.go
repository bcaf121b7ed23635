package markaz

import (
	"errors"
	"fmt"
)

// Error codes. One table in the web package maps each to an HTTP status.
const (
	EInvalid      = "invalid"      // input failed validation (422)
	ENotFound     = "not_found"    // no such record, or not visible to the caller (404)
	EForbidden    = "forbidden"    // outside the caller's role × territory (403)
	EUnauthorized = "unauthorized" // not logged in, or bad credentials (401)
	EConflict     = "conflict"     // duplicate key or stale version (409)
	ELocked       = "locked"       // account temporarily locked (429)
	ERateLimited  = "rate_limited" // too many requests (429)
	EUnavailable  = "unavailable"  // a service Markaz depends on did not answer (503)
	EInternal     = "internal"     // a bug; never shown in detail (500)
)

// Error is the one error type of Markaz. Key names a message in the i18n catalog;
// Args fill its placeholders. Fields carries per-field validation problems.
type Error struct {
	Code   string
	Key    string
	Args   map[string]any
	Fields []FieldError
	Err    error // the underlying cause, logged but never shown
}

// FieldError is one field's validation problem; Code is also an i18n key ("field.<code>").
type FieldError struct {
	Field string         `json:"field"`
	Code  string         `json:"code"`
	Args  map[string]any `json:"-"`
}

func (e *Error) Error() string {
	s := e.Code
	if e.Key != "" {
		s += ": " + e.Key
	}
	for _, f := range e.Fields {
		s += fmt.Sprintf(" [%s: %s]", f.Field, f.Code)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a code and message key.
func Errorf(code, key string) *Error { return &Error{Code: code, Key: key} }

// ErrorCode returns the code of err, EInternal for anything that is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Common errors.
var (
	ErrNotFound     = &Error{Code: ENotFound, Key: "error.not_found"}
	ErrForbidden    = &Error{Code: EForbidden, Key: "error.forbidden"}
	ErrUnauthorized = &Error{Code: EUnauthorized, Key: "error.unauthorized"}
)
