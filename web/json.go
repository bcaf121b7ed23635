package web

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"markaz"
	"markaz/store"
)

const maxJSONBody = 1 << 20

// decodeJSON reads one JSON object into v, refusing unknown fields, wrong types, trailing
// data and bodies over 1 MiB, each with a clear 4xx error naming the field.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			return &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_json", Args: map[string]any{"detail": "trailing data"}}
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large"}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_json", Args: map[string]any{"detail": err.Error()}}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid",
			Fields: []markaz.FieldError{{Field: field, Code: "wrong_type"}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.unknown_field", Args: map[string]any{"field": f},
			Fields: []markaz.FieldError{{Field: f, Code: "unknown_field"}}}
	}
	// Errors from a field's own UnmarshalJSON (a bad date, say).
	return &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_json", Args: map[string]any{"detail": err.Error()}}
}

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string, def int) (int, error) {
	s := markaz.LatinDigits(r.URL.Query().Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_query", Args: map[string]any{"field": name},
			Fields: []markaz.FieldError{{Field: name, Code: "number_format"}}}
	}
	return n, nil
}

// queryFlags reads optional true/false query parameters into the bools named, and
// queryDates optional YYYY-MM-DD ones (any digits) into the dates; problems go to v, in
// name order.
func queryFlags(r *http.Request, v *markaz.Validator, flags map[string]*bool) {
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		to := flags[name]
		switch r.URL.Query().Get(name) {
		case "", "false":
		case "true":
			*to = true
		default:
			v.Add(name, "bool_format", nil)
		}
	}
}

func queryDates(r *http.Request, v *markaz.Validator, dates map[string]*markaz.Date) {
	for _, name := range slices.Sorted(maps.Keys(dates)) {
		to := dates[name]
		if s := r.URL.Query().Get(name); s != "" {
			d, err := markaz.ParseDate(markaz.LatinDigits(s))
			if err != nil {
				v.Add(name, "date_format", nil)
			}
			*to = d
		}
	}
}

// jsonAction is the common shape of a JSON write: the caller must hold perm somewhere, the
// body decodes into B, do acts, and its result is the answer with status.
func jsonAction[B, R any](w http.ResponseWriter, r *http.Request, perm string, status int,
	do func(p *markaz.Principal, b B) (R, error)) error {
	p, err := need(r, perm)
	if err != nil {
		return err
	}
	var b B
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	out, err := do(p, b)
	if err != nil {
		return err
	}
	return writeJSON(w, status, out)
}

// inRead runs fn in a read-only transaction and returns what it gives.
func inRead[T any](r *http.Request, db *store.DB, fn func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// inWrite runs fn in a write transaction and returns what it gives.
func inWrite[T any](r *http.Request, db *store.DB, fn func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}
