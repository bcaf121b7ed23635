package web

// Districts and cities: the reference territory every record hangs on. Anyone logged in
// reads it (it fills selects); administrators holding territory.write add, rename, retire
// and un-retire units of the governorates in their scope. The store checks the scope and
// audits every change inside the transaction that makes it.

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"markaz"
	"markaz/i18n"
	"markaz/store"
)

// unitBody is a new district/city as the API and the add form take it.
type unitBody struct {
	Gov    string `json:"governorate"`
	NameAr string `json:"name_ar"`
	NameEn string `json:"name_en"`
	Type   string `json:"unit_type"`
}

// unitRetireBody retires a unit; RetiredOn (YYYY-MM-DD) defaults to today.
type unitRetireBody struct {
	RetiredOn string `json:"retired_on"`
	Reason    string `json:"reason"`
}

// date reads RetiredOn, reporting an unreadable one on its field.
func (b unitRetireBody) date() (markaz.Date, error) {
	s := strings.TrimSpace(b.RetiredOn)
	if s == "" {
		return markaz.Date{}, nil
	}
	d, err := markaz.ParseDate(s)
	if err != nil {
		var v markaz.Validator
		v.Add("retired_on", "date_format", nil)
		return d, v.Err()
	}
	return d, nil
}

// isStaff reports whether p holds any role other than citizen.
func isStaff(p *markaz.Principal) bool {
	for _, a := range p.Assignments {
		if a.Role != markaz.RoleCitizen {
			return true
		}
	}
	return false
}

var unitCursorRE = regexp.MustCompile(`^[0-9]{2}-[0-9]{3}$`)

// unitFilter reads ?governorate=&include_retired=&q=&cursor=&limit=.
func (s *Server) unitFilter(r *http.Request) (store.UnitFilter, error) {
	limit, after, err := pageParams(r)
	if err != nil {
		return store.UnitFilter{}, err
	}
	q := r.URL.Query()
	f := store.UnitFilter{Gov: strings.TrimSpace(markaz.LatinDigits(q.Get("governorate"))), Search: q.Get("q"), Limit: limit}
	var v markaz.Validator
	if f.Gov != "" {
		if _, err := s.db.Governorate(r.Context(), f.Gov); err != nil {
			if markaz.ErrorCode(err) != markaz.ENotFound {
				return f, err
			}
			v.Add("governorate", "unknown_governorate", nil)
		}
	}
	if raw := q.Get("include_retired"); raw != "" {
		if f.WithRetired, err = strconv.ParseBool(raw); err != nil {
			v.Add("include_retired", "bool_format", nil)
		}
	}
	v.Text("q", f.Search, 100, false)
	if after != nil {
		if f.After = after[0]; !unitCursorRE.MatchString(f.After) {
			v.Add("cursor", "bad_cursor", nil)
		}
	}
	return f, v.Err()
}

// writeUnit runs one change to the units table as p, within p's territory.write scope.
func (s *Server) writeUnit(r *http.Request, p *markaz.Principal,
	fn func(tx *store.Tx, a store.Actor, scope markaz.Scope) (*store.UnitRecord, error)) (*store.UnitRecord, error) {
	var rec *store.UnitRecord
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		rec, err = fn(tx, store.ActorOf(p), p.Scope(markaz.PermTerritoryWrite))
		return err
	})
	return rec, err
}

func (s *Server) createUnit(r *http.Request, p *markaz.Principal, b unitBody) (*store.UnitRecord, error) {
	u := markaz.Unit{GovCode: strings.TrimSpace(markaz.LatinDigits(b.Gov)), NameAr: b.NameAr, NameEn: b.NameEn, Type: b.Type}
	return s.writeUnit(r, p, func(tx *store.Tx, a store.Actor, scope markaz.Scope) (*store.UnitRecord, error) {
		return tx.InsertUnit(a, scope, &u)
	})
}

func (s *Server) renameUnit(r *http.Request, p *markaz.Principal, code string, ch store.UnitChange) (*store.UnitRecord, error) {
	return s.writeUnit(r, p, func(tx *store.Tx, a store.Actor, scope markaz.Scope) (*store.UnitRecord, error) {
		return tx.UpdateUnit(a, scope, code, ch)
	})
}

func (s *Server) retireUnit(r *http.Request, p *markaz.Principal, code string, b unitRetireBody) (*store.UnitRecord, error) {
	on, err := b.date()
	if err != nil {
		return nil, err
	}
	return s.writeUnit(r, p, func(tx *store.Tx, a store.Actor, scope markaz.Scope) (*store.UnitRecord, error) {
		return tx.RetireUnit(a, scope, code, on, b.Reason)
	})
}

func (s *Server) unretireUnit(r *http.Request, p *markaz.Principal, code string) (*store.UnitRecord, error) {
	return s.writeUnit(r, p, func(tx *store.Tx, a store.Actor, scope markaz.Scope) (*store.UnitRecord, error) {
		return tx.UnretireUnit(a, scope, code)
	})
}

// apiGovernorates: GET /api/v1/governorates (any logged-in staff).
func (s *Server) apiGovernorates(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	if !isStaff(p) {
		return markaz.ErrForbidden
	}
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[markaz.Governorate]{Items: govs})
}

// apiUnits: GET /api/v1/units?governorate=&include_retired=&q=&cursor=&limit= (anyone logged in).
func (s *Server) apiUnits(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, ""); err != nil {
		return err
	}
	f, err := s.unitFilter(r)
	if err != nil {
		return err
	}
	units, err := s.db.ListUnits(r.Context(), f)
	if err != nil {
		return err
	}
	out := page[store.UnitRecord]{Items: units}
	if out.Items == nil {
		out.Items = []store.UnitRecord{}
	}
	if len(units) == f.Limit {
		out.NextCursor = encodeCursor(units[len(units)-1].Code)
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiUnit: GET /api/v1/units/{code} (anyone logged in).
func (s *Server) apiUnit(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, ""); err != nil {
		return err
	}
	var rec *store.UnitRecord
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		rec, err = tx.GetUnitRecord(r.PathValue("code"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// apiCreateUnit: POST /api/v1/units {governorate, name_ar, name_en, unit_type} → 201.
func (s *Server) apiCreateUnit(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTerritoryWrite, http.StatusCreated, func(p *markaz.Principal, b unitBody) (any, error) {
		return s.createUnit(r, p, b)
	})
}

// apiUpdateUnit: PUT /api/v1/units/{code} {name_ar?, name_en?, unit_type?}; absent fields stay.
func (s *Server) apiUpdateUnit(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTerritoryWrite, http.StatusOK, func(p *markaz.Principal, ch store.UnitChange) (any, error) {
		return s.renameUnit(r, p, r.PathValue("code"), ch)
	})
}

// apiRetireUnit: POST /api/v1/units/{code}/retire {retired_on?, reason}.
func (s *Server) apiRetireUnit(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTerritoryWrite, http.StatusOK, func(p *markaz.Principal, b unitRetireBody) (any, error) {
		return s.retireUnit(r, p, r.PathValue("code"), b)
	})
}

// apiUnretireUnit: POST /api/v1/units/{code}/unretire (no body).
func (s *Server) apiUnretireUnit(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTerritoryWrite)
	if err != nil {
		return err
	}
	rec, err := s.unretireUnit(r, p, r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// territoryOption is one choice of a select: a value and its localized label.
type territoryOption struct{ Value, Label string }

// unitTypeOptions lists the unit types in the request's language.
func unitTypeOptions(lang string) []territoryOption {
	out := make([]territoryOption, len(markaz.UnitTypes))
	for i, t := range markaz.UnitTypes {
		out[i] = territoryOption{t, i18n.T(lang, "unit_type."+t, nil)}
	}
	return out
}

// handleTerritory: GET /territory lists the governorates the administrator may change.
func (s *Server) handleTerritory(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTerritoryWrite)
	if err != nil {
		return err
	}
	govs, err := s.db.GovernorateSummaries(r.Context(), p.Scope(markaz.PermTerritoryWrite))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "territory", "territory.title", map[string]any{"Govs": govs})
	return nil
}

// govPage is what territory_gov.html shows: the units of one governorate with their
// forms. Edit names the unit whose form failed ("add" for the add form) and Form which
// of its forms ("rename" or "retire"); Values and Errors belong to that form.
type govPage struct {
	Gov    *markaz.Governorate
	Units  []store.UnitRecord
	Types  []territoryOption
	Today  string
	Next   string // the next page's URL
	Edit   string
	Form   string
	Values map[string]string
	Errors map[string]string
	// Done is the message of the change just made to unit DoneUnit, shown under its row.
	Done, DoneUnit string
	// Overdue lists the governorate's overdue corrective actions (nil for a reader
	// who may not see its follow-up).
	Overdue *store.ActionList
}

// unitDone sends the browser back to the unit's row after a change, where the page
// shows what was done right under the row (a flash at the top of the page would be
// scrolled out of sight by the anchor).
func unitDone(w http.ResponseWriter, r *http.Request, gov, code, done string) {
	q := url.Values{"done": {done}, "unit": {code}}
	http.Redirect(w, r, "/territory/"+gov+"?"+q.Encode()+"#unit-"+code, http.StatusSeeOther)
}

// unitDoneKeys are the messages ?done= may ask for.
var unitDoneKeys = map[string]string{"added": "territory.added", "renamed": "territory.renamed",
	"retired": "territory.retired", "unretired": "territory.unretired"}

// handleGovernorate: GET /territory/{gov}[?done=&unit=].
func (s *Server) handleGovernorate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTerritoryWrite)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg := govPage{}
	if key := unitDoneKeys[q.Get("done")]; key != "" {
		pg.DoneUnit, pg.Done = q.Get("unit"), i18n.T(info(r).lang, key, nil)
	}
	return s.renderGov(w, r, p, r.PathValue("gov"), http.StatusOK, pg)
}

// renderGov shows a governorate's units page: 404 for an unknown governorate, 403
// outside the caller's scope.
func (s *Server) renderGov(w http.ResponseWriter, r *http.Request, p *markaz.Principal, code string, status int, pg govPage) error {
	g, err := s.db.Governorate(r.Context(), code)
	if err != nil {
		return err
	}
	if !p.Allowed(markaz.PermTerritoryWrite, markaz.Ref{Gov: g.Code}) {
		return markaz.ErrForbidden
	}
	limit, after, err := pageParams(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("limit") == "" {
		limit = 200
	}
	f := store.UnitFilter{Gov: g.Code, WithRetired: true, Limit: limit}
	if after != nil {
		f.After = after[0]
	}
	if pg.Units, err = s.db.ListUnits(r.Context(), f); err != nil {
		return err
	}
	if len(pg.Units) == limit {
		q := url.Values{"cursor": {encodeCursor(pg.Units[len(pg.Units)-1].Code)}}
		if l := r.URL.Query().Get("limit"); l != "" {
			q.Set("limit", l)
		}
		pg.Next = "/territory/" + g.Code + "?" + q.Encode()
	}
	pg.Gov, pg.Types, pg.Today = g, unitTypeOptions(info(r).lang), markaz.Today(s.db.Clock).String()
	if pg.Overdue, err = s.govOverdue(r, p, g.Code); err != nil {
		return err
	}
	s.render(w, r, status, "territory_gov", "territory.gov_title", pg)
	return nil
}

// unitFormFailed re-renders the governorate page with the failed form open, or returns
// err when it is not a validation problem.
func (s *Server) unitFormFailed(w http.ResponseWriter, r *http.Request, p *markaz.Principal, gov, edit, form string, err error) error {
	fm := fieldMessages(info(r).lang, err)
	if fm == nil {
		return err
	}
	vals := map[string]string{}
	for k := range r.PostForm {
		vals[k] = r.PostForm.Get(k)
	}
	return s.renderGov(w, r, p, gov, http.StatusUnprocessableEntity, govPage{Edit: edit, Form: form, Values: vals, Errors: fm})
}

// formUnit reads the form and the unit named in the path (404 when it does not exist).
func (s *Server) formUnit(r *http.Request) (*markaz.Principal, *markaz.Unit, error) {
	p, err := need(r, markaz.PermTerritoryWrite)
	if err != nil {
		return nil, nil, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	u, err := s.db.Unit(r.Context(), r.PathValue("code"))
	return p, u, err
}

// handleAddUnit: POST /territory/{gov} adds a district/city to the governorate.
func (s *Server) handleAddUnit(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTerritoryWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	g, err := s.db.Governorate(r.Context(), r.PathValue("gov"))
	if err != nil {
		return err
	}
	f := r.PostForm
	rec, err := s.createUnit(r, p, unitBody{Gov: g.Code, NameAr: f.Get("name_ar"), NameEn: f.Get("name_en"), Type: f.Get("unit_type")})
	if err != nil {
		return s.unitFormFailed(w, r, p, g.Code, "add", "add", err)
	}
	unitDone(w, r, rec.GovCode, rec.Code, "added")
	return nil
}

// handleRenameUnit: POST /territory/units/{code}.
func (s *Server) handleRenameUnit(w http.ResponseWriter, r *http.Request) error {
	p, u, err := s.formUnit(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	ar, en, typ := f.Get("name_ar"), f.Get("name_en"), f.Get("unit_type")
	if _, err := s.renameUnit(r, p, u.Code, store.UnitChange{NameAr: &ar, NameEn: &en, Type: &typ}); err != nil {
		return s.unitFormFailed(w, r, p, u.GovCode, u.Code, "rename", err)
	}
	unitDone(w, r, u.GovCode, u.Code, "renamed")
	return nil
}

// handleRetireUnit: POST /territory/units/{code}/retire.
func (s *Server) handleRetireUnit(w http.ResponseWriter, r *http.Request) error {
	p, u, err := s.formUnit(r)
	if err != nil {
		return err
	}
	b := unitRetireBody{RetiredOn: r.PostForm.Get("retired_on"), Reason: r.PostForm.Get("reason")}
	if _, err := s.retireUnit(r, p, u.Code, b); err != nil {
		return s.unitFormFailed(w, r, p, u.GovCode, u.Code, "retire", err)
	}
	unitDone(w, r, u.GovCode, u.Code, "retired")
	return nil
}

// handleUnretireUnit: POST /territory/units/{code}/unretire.
func (s *Server) handleUnretireUnit(w http.ResponseWriter, r *http.Request) error {
	p, u, err := s.formUnit(r)
	if err != nil {
		return err
	}
	if _, err := s.unretireUnit(r, p, u.Code); err != nil {
		return err
	}
	unitDone(w, r, u.GovCode, u.Code, "unretired")
	return nil
}
