package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"markaz"
)

// Lists use keyset paging: the cursor is the opaque encoding of the last row's sort key.

// encodeCursor makes an opaque cursor from a row's sort key values.
func encodeCursor(key ...string) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageParams reads ?limit= (1..200, default 50) and ?cursor= (decoded to the sort key
// values it was made from, nil for the first page). A malformed cursor is a 422.
func pageParams(r *http.Request) (limit int, after []string, err error) {
	limit, err = queryInt(r, "limit", 50)
	if err != nil {
		return 0, nil, err
	}
	if limit < 1 || limit > 200 {
		return 0, nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_query", Args: map[string]any{"field": "limit"},
			Fields: []markaz.FieldError{{Field: "limit", Code: "out_of_range"}}}
	}
	c := r.URL.Query().Get("cursor")
	if c == "" {
		return limit, nil, nil
	}
	b, err1 := base64.RawURLEncoding.DecodeString(c)
	if err1 != nil || json.Unmarshal(b, &after) != nil || len(after) == 0 {
		return 0, nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_query", Args: map[string]any{"field": "cursor"},
			Fields: []markaz.FieldError{{Field: "cursor", Code: "bad_cursor"}}}
	}
	return limit, after, nil
}

// page is the JSON shape of every list: items and the cursor of the next page ("" at the end).
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}
