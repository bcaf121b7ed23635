package web

// The audit log browser: holders of audit.read (administrators, the ministry) list
// entries newest first, filtered by governorate, user and record, only within their
// scope, and open one entry to see what changed and where it sits in its hash chain.

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
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

// auditView shows entries to one request: in its language and digits, with places and
// the records the entries are about named as people know them.
type auditView struct {
	lang, digits string
	p            *markaz.Principal
	govs, units  map[string]string
	recs         map[string]store.AuditRecord // "entity/id" → label
}

// newAuditView loads the names entries need: every governorate and district/city, and
// the records the entries are about plus the centers in extra, in one query.
func (s *Server) newAuditView(r *http.Request, entries []markaz.AuditEntry, extraCenters ...string) (*auditView, error) {
	ri := info(r)
	v := &auditView{lang: ri.lang, digits: ri.digits, p: ri.p, govs: map[string]string{}, units: map[string]string{}}
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return nil, err
	}
	for _, g := range govs {
		v.govs[g.Code] = v.pick(g.NameAr, g.NameEn)
	}
	units, err := s.db.Units(r.Context(), "", true)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		v.units[u.Code] = v.pick(u.NameAr, u.NameEn)
	}
	ids := map[string][]string{"center": extraCenters}
	for _, e := range entries {
		ids[e.Entity] = append(ids[e.Entity], e.EntityID)
	}
	v.recs, err = s.db.AuditRecords(r.Context(), ids)
	return v, err
}

func (v *auditView) pick(ar, en string) string {
	if v.lang == "en" {
		return en
	}
	return ar
}

func (v *auditView) t(key string) string { return i18n.T(v.lang, key, nil) }

func (v *auditView) num(s string) string { return i18n.Digits(s, v.digits) }

// place is where an entry happened: the nation, or its governorate and district/city.
func (v *auditView) place(e *markaz.AuditEntry) string {
	if e.GovCode == "" {
		return v.t("common.nation")
	}
	s := v.govs[e.GovCode]
	if u := v.units[e.UnitCode]; u != "" {
		s += " / " + u
	}
	return s
}

// auditRecordRef is the record an entry is about, as the pages show it.
type auditRecordRef struct {
	Kind  string // localized kind of record
	ID    string // the raw id, shown when the record is not found
	Found bool
	Code  string // code or username: Latin, shown isolated
	Name  string
	Href  string // its page, when the reader may open it
	// Internal is set when ID is an internal id (not the code people know).
	Internal bool
}

// record names the record entity/id and links it to its page.
func (v *auditView) record(entity, id string) auditRecordRef {
	ref := auditRecordRef{Kind: auditLabel(v.lang, "audit.entity.", entity), ID: id}
	rec, ok := v.recs[entity+"/"+id]
	if !ok {
		return ref
	}
	// A center's live name is shown only if the reader may see the center where it is
	// now: one moved to another governorate keeps its raw id in the old one's log.
	if entity == "center" && !v.p.Allowed(markaz.PermCentersRead, markaz.Ref{Gov: rec.Gov, Unit: rec.Unit, Center: rec.ID}) {
		return ref
	}
	ref.Found, ref.Internal = true, entity != "unit"
	switch entity {
	case "center":
		ref.Code, ref.Name = rec.Code, v.pick(rec.NameAr, rec.NameEn)
		if v.p.Can(markaz.PermCentersRead) {
			ref.Href = "/centers/" + url.PathEscape(rec.ID)
		}
	case "unit":
		ref.Code, ref.Name = rec.Code, v.pick(rec.NameAr, rec.NameEn)
		if v.p.Allowed(markaz.PermTerritoryWrite, markaz.Ref{Gov: rec.Gov}) {
			ref.Href = "/territory/" + url.PathEscape(rec.Gov) + "#unit-" + url.PathEscape(rec.Code)
		}
	case "user":
		ref.Code = rec.Code
		if v.p.Can(markaz.PermUsersRead) {
			ref.Href = "/users/" + url.PathEscape(rec.ID)
		}
	}
	return ref
}

// auditRow is one line of the log table, localized.
type auditRow struct {
	ID        int64
	At        time.Time
	Who       string
	Action    string
	Record    auditRecordRef
	Territory string
}

func (v *auditView) row(e *markaz.AuditEntry) auditRow {
	who := e.Username
	if e.UserID == "" {
		who = v.t("audit.system")
	}
	return auditRow{ID: e.ID, At: e.At, Who: who, Action: auditLabel(v.lang, "audit.action.", e.Action),
		Record: v.record(e.Entity, e.EntityID), Territory: v.place(e)}
}

// auditListPage is what audit.html shows.
type auditListPage struct {
	Q        auditQuery
	Errors   map[string]string
	Rows     []auditRow
	Next     template.URL // the next page, built from url.Values
	Govs     []territoryOption
	Entities []territoryOption
}

// auditNextURL is the link to the page after cursor with the same filters.
func auditNextURL(r *http.Request, in auditQuery, cursor string) template.URL {
	q := url.Values{"cursor": {cursor}}
	for k, val := range map[string]string{"governorate": in.Gov, "user": in.User, "entity": in.Entity,
		"entity_id": in.EntityID, "limit": r.URL.Query().Get("limit")} {
		if val != "" {
			q.Set(k, val)
		}
	}
	// Safe: every part was escaped by Encode, and the path is fixed.
	return template.URL("/audit?" + q.Encode())
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
		v, err := s.newAuditView(r, entries)
		if err != nil {
			return err
		}
		for i := range entries {
			pg.Rows = append(pg.Rows, v.row(&entries[i]))
		}
		if c := auditCursor(entries, f.Limit); c != "" {
			pg.Next = auditNextURL(r, in, c)
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

// auditField is one field of a record before and after a change, as stored.
type auditField struct {
	Key           string
	Before, After json.RawMessage // nil when absent
	Changed       bool
}

// auditDiff compares two JSON objects field by field (a missing side, as on a create,
// is an empty object); ok is false when either side is not an object (then the page
// shows both as they are). A field is changed unless both sides are equal or empty.
func auditDiff(before, after string) (fields []auditField, ok bool) {
	parse := func(s string) (map[string]json.RawMessage, bool) {
		m := map[string]json.RawMessage{}
		if s == "" {
			return m, true
		}
		return m, json.Unmarshal([]byte(s), &m) == nil && m != nil
	}
	b, okB := parse(before)
	a, okA := parse(after)
	if !okB || !okA {
		return nil, false
	}
	seen := map[string]bool{}
	for _, k := range append(jsonKeys(before), jsonKeys(after)...) {
		if seen[k] {
			continue
		}
		seen[k] = true
		cb, ca := compactJSON(b[k]), compactJSON(a[k])
		changed := !bytes.Equal(cb, ca) && !(emptyJSON(cb) && emptyJSON(ca))
		fields = append(fields, auditField{Key: k, Before: b[k], After: a[k], Changed: changed})
	}
	return fields, true
}

// jsonKeys lists the keys of a JSON object in the order they are written, which is the
// order of the record's fields (nil when s is not an object).
func jsonKeys(s string) []string {
	dec := json.NewDecoder(strings.NewReader(s))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		k, ok := t.(string)
		var skip json.RawMessage
		if err != nil || !ok || dec.Decode(&skip) != nil {
			return keys
		}
		keys = append(keys, k)
	}
	return keys
}

func emptyJSON(v []byte) bool {
	s := string(v)
	return s == "" || s == "null" || s == `""` || s == "[]" || s == "{}"
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

// auditDiffRow is one field as the entry page shows it: label and values localized.
type auditDiffRow struct {
	Key, Label, Before, After string
}

// fieldLabel names a field: audit.field.<entity>.<key>, then audit.field.<key>, then
// the key itself.
func (v *auditView) fieldLabel(entity, key string) string {
	for _, k := range []string{"audit.field." + entity + "." + key, "audit.field." + key} {
		if i18n.Has(k) {
			return v.t(k)
		}
	}
	return key
}

// auditEnums are the fields whose values are codes with a message under a prefix.
var auditEnums = map[string]string{
	"kind": "centers.kind.", "development_status": "centers.dev.", "mobile_status": "centers.mobile.",
	"unit_type": "unit_type.", "role": "role.", "level": "level.", "digits": "digits.", "locale": "lang.",
}

var auditNumericRE = regexp.MustCompile(`^[0-9][0-9:./ -]*$`)

// value shows a stored JSON value of field key for people: nothing for null and empty,
// codes as their names, instants in Cairo time, numbers in the reader's digits.
func (v *auditView) value(key string, raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var x any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&x) != nil {
		return string(raw)
	}
	switch t := x.(type) {
	case nil:
		return ""
	case bool:
		if t {
			return v.t("common.yes")
		}
		return v.t("common.no")
	case json.Number:
		if n, err := t.Int64(); err == nil && strings.HasSuffix(key, "fiscal_year") {
			return i18n.T(v.lang, "common.fiscal_year", map[string]any{"fy": v.num(markaz.FiscalYearLabel(int(n)))})
		}
		return v.num(t.String())
	case string:
		return v.text(key, t)
	case []any:
		if key == "assignments" {
			return v.assignments(t)
		}
	}
	return string(compactJSON(raw))
}

// text shows a string value of field key.
func (v *auditView) text(key, s string) string {
	if prefix := auditEnums[key]; prefix != "" && i18n.Has(prefix+s) {
		return v.t(prefix + s)
	}
	switch {
	case s == "":
		return ""
	case key == "weekly_rest":
		var days []string
		for _, d := range strings.Split(s, ",") {
			days = append(days, auditLabel(v.lang, "centers.day.", strings.TrimSpace(d)))
		}
		sep := ", "
		if v.lang == "ar" {
			sep = "، "
		}
		return strings.Join(days, sep)
	case key == "governorate" && v.govs[s] != "":
		return v.govs[s] + " (" + v.num(s) + ")"
	case key == "unit" && v.units[s] != "":
		return v.units[s] + " (" + s + ")" // codes are identifiers: Latin digits, never reordered
	case key == "center_id":
		if rec := v.record("center", s); rec.Found {
			return rec.Code + " " + rec.Name
		}
	}
	if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if at.Year() <= 1 {
			return ""
		}
		return v.num(at.In(markaz.Cairo).Format("2006-01-02 15:04"))
	}
	if auditNumericRE.MatchString(s) {
		return v.num(s)
	}
	return s
}

// assignments shows a user's roles: "role — level: territory" each.
func (v *auditView) assignments(list []any) string {
	var out []string
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			b, _ := json.Marshal(x)
			out = append(out, string(b))
			continue
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		s := v.text("role", str("role")) + " — " + v.text("level", str("level"))
		for _, k := range []string{"center_id", "unit", "governorate"} {
			if str(k) != "" {
				s += ": " + v.text(k, str(k))
				break
			}
		}
		if str("revoked_at") != "" {
			s += " (" + v.t("audit.revoked") + ")"
		}
		out = append(out, s)
	}
	sep := "; "
	if v.lang == "ar" {
		sep = "؛ "
	}
	return strings.Join(out, sep)
}

// auditEntryPage is what audit_entry.html shows.
type auditEntryPage struct {
	E             *markaz.AuditEntry
	Row           auditRow
	ChainLength   int64
	HashOK        bool
	DiffOK        bool
	Changed       []auditDiffRow
	Unchanged     []auditDiffRow
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
	fields, ok := auditDiff(e.Before, e.After)
	var centers []string
	for _, f := range fields {
		if f.Key == "center_id" {
			for _, raw := range []json.RawMessage{f.Before, f.After} {
				var id string
				if json.Unmarshal(raw, &id) == nil && id != "" {
					centers = append(centers, id)
				}
			}
		}
	}
	v, err := s.newAuditView(r, []markaz.AuditEntry{*e}, centers...)
	if err != nil {
		return err
	}
	pg := auditEntryPage{E: e, Row: v.row(e), ChainLength: head, HashOK: e.ComputeHash() == e.Hash, DiffOK: ok,
		Before: prettyJSON(e.Before), After: prettyJSON(e.After)}
	for _, f := range fields {
		row := auditDiffRow{Key: f.Key, Label: v.fieldLabel(e.Entity, f.Key), Before: v.value(f.Key, f.Before), After: v.value(f.Key, f.After)}
		if f.Changed {
			pg.Changed = append(pg.Changed, row)
		} else {
			pg.Unchanged = append(pg.Unchanged, row)
		}
	}
	s.render(w, r, http.StatusOK, "audit_entry", "audit.entry_title", pg)
	return nil
}
