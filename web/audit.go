package web

// The audit log browser: holders of audit.read (administrators, the ministry) list
// entries newest first, filtered by governorate, user and record, only within their
// scope, and open one entry to see what changed and where it sits in its hash chain.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"markaz"
	"markaz/i18n"
	"markaz/store"
)

// auditQuery is the filter as the caller typed it (kept to refill the form).
type auditQuery struct {
	Gov      string
	User     string
	Entity   string
	EntityID string
}

var auditEntityRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,39}$`)

// auditFilter reads ?governorate=&user=&entity=&entity_id=&cursor=&limit= for p: field
// problems are 422, a governorate outside p's scope is 403.
func (s *Server) auditFilter(r *http.Request, p *markaz.Principal) (store.AuditFilter, auditQuery, error) {
	q := r.URL.Query()
	in := auditQuery{Gov: strings.TrimSpace(markaz.LatinDigits(q.Get("governorate"))), User: strings.TrimSpace(q.Get("user")),
		Entity: strings.TrimSpace(q.Get("entity")), EntityID: strings.TrimSpace(q.Get("entity_id"))}
	f := store.AuditFilter{Scope: p.Scope(markaz.PermAuditRead), Gov: in.Gov, Entity: in.Entity, EntityID: in.EntityID}
	limit, after, err := pageParams(r)
	if err != nil {
		return f, in, err
	}
	f.Limit = limit
	var v markaz.Validator
	if after != nil {
		if f.BeforeID, err = strconv.ParseInt(after[0], 10, 64); err != nil || f.BeforeID <= 0 {
			v.Add("cursor", "bad_cursor", nil)
		}
	}
	if in.Gov != "" {
		if _, err := s.db.Governorate(r.Context(), in.Gov); markaz.ErrorCode(err) == markaz.ENotFound {
			v.Add("governorate", "unknown_governorate", nil)
		} else if err != nil {
			return f, in, err
		}
	}
	if in.Entity != "" && !auditEntityRE.MatchString(in.Entity) {
		v.Add("entity", "entity_format", nil)
	}
	v.Text("entity_id", in.EntityID, 100, false)
	v.Text("user", in.User, 100, false)
	if in.User != "" && !v.Has("user") {
		if f.UserID, err = s.auditUserID(r, in.User); markaz.ErrorCode(err) == markaz.ENotFound {
			v.Add("user", "unknown_user", nil)
		} else if err != nil {
			return f, in, err
		}
	}
	if err := v.Err(); err != nil {
		return f, in, err
	}
	if in.Gov != "" && !f.Scope.ContainsGov(in.Gov) {
		return f, in, markaz.ErrForbidden
	}
	return f, in, nil
}

// auditUserID resolves a username (or a user id) to the user id the log records.
func (s *Server) auditUserID(r *http.Request, name string) (string, error) {
	var id string
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		u, err := tx.GetUserByName(strings.ToLower(name))
		if markaz.ErrorCode(err) == markaz.ENotFound {
			u, err = tx.GetUser(name)
		}
		if err == nil {
			id = u.ID
		}
		return err
	})
	return id, err
}

// auditCursor is the cursor of the page after entries (empty at the end).
func auditCursor(entries []markaz.AuditEntry, limit int) string {
	if len(entries) < limit || len(entries) == 0 {
		return ""
	}
	return encodeCursor(strconv.FormatInt(entries[len(entries)-1].ID, 10))
}

// auditEntry loads one entry p may read: 404 when it does not exist (or the id is not
// a number), 403 outside p's scope.
func (s *Server) auditEntry(r *http.Request, p *markaz.Principal) (*markaz.AuditEntry, int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, 0, markaz.ErrNotFound
	}
	e, head, err := s.db.GetAudit(r.Context(), id)
	if err != nil {
		return nil, 0, err
	}
	if !p.Allowed(markaz.PermAuditRead, markaz.Ref{Gov: e.GovCode, Unit: e.UnitCode, Center: e.CenterID}) {
		return nil, 0, markaz.ErrForbidden
	}
	return e, head, nil
}

// auditJSON is an entry as the API shows it: before and after as JSON values, not text.
type auditJSON struct {
	markaz.AuditEntry
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

func toAuditJSON(e markaz.AuditEntry) auditJSON {
	raw := func(s string) json.RawMessage {
		switch {
		case s == "":
			return nil
		case json.Valid([]byte(s)):
			return json.RawMessage(s)
		}
		b, _ := json.Marshal(s) // a row altered into invalid JSON is still shown, as text
		return b
	}
	return auditJSON{AuditEntry: e, Before: raw(e.Before), After: raw(e.After)}
}

// apiAudit: GET /api/v1/audit?governorate=&user=&entity=&entity_id=&cursor=&limit=.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermAuditRead)
	if err != nil {
		return err
	}
	f, _, err := s.auditFilter(r, p)
	if err != nil {
		return err
	}
	entries, err := s.db.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	out := page[auditJSON]{Items: make([]auditJSON, len(entries)), NextCursor: auditCursor(entries, f.Limit)}
	for i, e := range entries {
		out.Items[i] = toAuditJSON(e)
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiAuditEntry: GET /api/v1/audit/{id}, with the length of its chain and whether its
// hash matches its content.
func (s *Server) apiAuditEntry(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermAuditRead)
	if err != nil {
		return err
	}
	e, head, err := s.auditEntry(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		auditJSON
		ChainLength int64 `json:"chain_length"`
		HashValid   bool  `json:"hash_valid"`
	}{toAuditJSON(*e), head, e.ComputeHash() == e.Hash})
}

// auditLabel localizes key under prefix ("audit.action.", "audit.entity."), falling
// back to the key itself for kinds that have no message yet.
func auditLabel(lang, prefix, key string) string {
	if i18n.Has(prefix + key) {
		return i18n.T(lang, prefix+key, nil)
	}
	return key
}

// auditPlaces names governorates and districts/cities in one language.
type auditPlaces struct{ govs, units map[string]string }

func (s *Server) loadAuditPlaces(r *http.Request) (auditPlaces, error) {
	lang := info(r).lang
	pick := func(ar, en string) string {
		if lang == "en" {
			return en
		}
		return ar
	}
	pl := auditPlaces{govs: map[string]string{}, units: map[string]string{}}
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return pl, err
	}
	for _, g := range govs {
		pl.govs[g.Code] = pick(g.NameAr, g.NameEn)
	}
	units, err := s.db.Units(r.Context(), "", true)
	for _, u := range units {
		pl.units[u.Code] = pick(u.NameAr, u.NameEn)
	}
	return pl, err
}

// label is where an entry happened: the nation, or its governorate and district/city.
func (pl auditPlaces) label(lang string, e *markaz.AuditEntry) string {
	if e.GovCode == "" {
		return i18n.T(lang, "common.nation", nil)
	}
	s := pl.govs[e.GovCode]
	if u := pl.units[e.UnitCode]; u != "" {
		s += " / " + u
	}
	return s
}

// auditRow is one line of the log table, localized.
type auditRow struct {
	ID        int64
	At        time.Time
	Who       string
	Action    string
	Entity    string
	EntityID  string
	Territory string
}

func (pl auditPlaces) row(lang string, e *markaz.AuditEntry) auditRow {
	who := e.Username
	if e.UserID == "" {
		who = i18n.T(lang, "audit.system", nil)
	}
	return auditRow{ID: e.ID, At: e.At, Who: who, Action: auditLabel(lang, "audit.action.", e.Action),
		Entity: auditLabel(lang, "audit.entity.", e.Entity), EntityID: e.EntityID, Territory: pl.label(lang, e)}
}

// auditListPage is what audit.html shows.
type auditListPage struct {
	Q        auditQuery
	Errors   map[string]string
	Rows     []auditRow
	Next     string // query string of the next page
	Govs     []territoryOption
	Entities []territoryOption
}

// handleAudit: GET /audit, the log with its filters.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermAuditRead)
	if err != nil {
		return err
	}
	lang := info(r).lang
	f, in, err := s.auditFilter(r, p)
	pg := auditListPage{Q: in, Errors: fieldMessages(lang, err)}
	if err != nil && pg.Errors == nil {
		return err
	}
	if err := s.auditChoices(r, f.Scope, &pg); err != nil {
		return err
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
	} else {
		entries, err := s.db.ListAudit(r.Context(), f)
		if err != nil {
			return err
		}
		pl, err := s.loadAuditPlaces(r)
		if err != nil {
			return err
		}
		for i := range entries {
			pg.Rows = append(pg.Rows, pl.row(lang, &entries[i]))
		}
		if c := auditCursor(entries, f.Limit); c != "" {
			pg.Next = url.Values{"governorate": {in.Gov}, "user": {in.User}, "entity": {in.Entity},
				"entity_id": {in.EntityID}, "cursor": {c}}.Encode()
		}
	}
	s.render(w, r, status, "audit", "audit.title", pg)
	return nil
}

// auditChoices fills the governorate and record-type selects of the filter form.
func (s *Server) auditChoices(r *http.Request, scope markaz.Scope, pg *auditListPage) error {
	lang := info(r).lang
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return err
	}
	for _, g := range govs {
		if scope.ContainsGov(g.Code) {
			label := g.NameAr
			if lang == "en" {
				label = g.NameEn
			}
			pg.Govs = append(pg.Govs, territoryOption{g.Code, label})
		}
	}
	kinds, err := s.db.AuditEntities(r.Context())
	for _, k := range kinds {
		pg.Entities = append(pg.Entities, territoryOption{k, auditLabel(lang, "audit.entity.", k)})
	}
	return err
}

// auditDiffRow is one field of a record before and after a change.
type auditDiffRow struct {
	Field, Before, After string
	Changed              bool
}

// auditDiff compares two JSON objects field by field; ok is false when either side is
// not an object (then the page shows both as they are).
func auditDiff(before, after string) (rows []auditDiffRow, ok bool) {
	parse := func(s string) (map[string]json.RawMessage, bool) {
		m := map[string]json.RawMessage{}
		if s == "" {
			return m, true
		}
		return m, json.Unmarshal([]byte(s), &m) == nil
	}
	b, okB := parse(before)
	a, okA := parse(after)
	if !okB || !okA {
		return nil, false
	}
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	for k := range keys {
		rows = append(rows, auditDiffRow{Field: k, Before: auditValue(b[k]), After: auditValue(a[k]),
			Changed: before != "" && after != "" && !bytes.Equal(compactJSON(b[k]), compactJSON(a[k]))})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Field < rows[j].Field })
	return rows, true
}

// auditValue shows a JSON value for people: strings bare, null and absent as nothing.
func auditValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	if c := string(compactJSON(v)); c != "null" {
		return c
	}
	return ""
}

func compactJSON(v json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return v
	}
	return b.Bytes()
}

func prettyJSON(s string) string {
	var b bytes.Buffer
	if s == "" || json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

// auditEntryPage is what audit_entry.html shows.
type auditEntryPage struct {
	E             *markaz.AuditEntry
	Row           auditRow
	ChainLength   int64
	HashOK        bool
	Diff          []auditDiffRow
	DiffOK        bool
	Before, After string // pretty-printed JSON
}

// handleAuditEntry: GET /audit/{id}, one entry with its changes and chain position.
func (s *Server) handleAuditEntry(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermAuditRead)
	if err != nil {
		return err
	}
	e, head, err := s.auditEntry(r, p)
	if err != nil {
		return err
	}
	pl, err := s.loadAuditPlaces(r)
	if err != nil {
		return err
	}
	pg := auditEntryPage{E: e, Row: pl.row(info(r).lang, e), ChainLength: head, HashOK: e.ComputeHash() == e.Hash,
		Before: prettyJSON(e.Before), After: prettyJSON(e.After)}
	pg.Diff, pg.DiffOK = auditDiff(e.Before, e.After)
	s.render(w, r, http.StatusOK, "audit_entry", "audit.entry_title", pg)
	return nil
}
