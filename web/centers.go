package web

// The centers registry: list, view, create, edit and retire fixed centers and mobile
// units, as pages and as JSON, within the caller's scope. Reading needs centers.read,
// changing needs centers.write over the center's territory (old and new); the store
// enforces both inside the transaction that makes the change.

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"markaz"
	"markaz/i18n"
	"markaz/store"
)

// centerBody is the editable part of a center as the API and the forms take it. Dates
// are text so that a bad one is reported on its own field.
type centerBody struct {
	Code          string   `json:"code"`
	Kind          string   `json:"kind"`
	NameAr        string   `json:"name_ar"`
	NameEn        string   `json:"name_en"`
	Unit          string   `json:"unit"`
	Address       string   `json:"address"`
	Lat           *float64 `json:"latitude"`
	Lng           *float64 `json:"longitude"`
	Opens         string   `json:"opens_at"`
	Closes        string   `json:"closes_at"`
	WeeklyRest    string   `json:"weekly_rest"`
	DevStatus     string   `json:"development_status"`
	CompletedOn   string   `json:"completed_on"`
	MobileStatus  string   `json:"mobile_status"`
	VehiclePlate  string   `json:"vehicle_plate"`
	DeliveredOn   string   `json:"delivered_on"`
	DeliveryDueFY *int     `json:"delivery_due_fiscal_year"`
}

// centerEdit is a full edit: the editable fields and the version they were read at.
type centerEdit struct {
	centerBody
	Version int `json:"version"`
}

// centerRetireBody asks to retire a center; RetiredOn defaults to today.
type centerRetireBody struct {
	Reason    string `json:"reason"`
	RetiredOn string `json:"retired_on"`
}

// centerPage is the JSON of a center list: a page, and how many centers match in all.
type centerPage struct {
	page[store.CenterRow]
	Total int `json:"total"`
}

// center converts the body, recording unreadable dates in v.
func (b centerBody) center(v *markaz.Validator) *markaz.Center {
	return &markaz.Center{Code: b.Code, Kind: b.Kind, NameAr: b.NameAr, NameEn: b.NameEn, UnitCode: b.Unit,
		Address: strings.TrimSpace(b.Address), Lat: b.Lat, Lng: b.Lng, Opens: b.Opens, Closes: b.Closes,
		WeeklyRest: b.WeeklyRest, DevStatus: b.DevStatus, CompletedOn: centerDate(v, "completed_on", b.CompletedOn),
		MobileStatus: b.MobileStatus, VehiclePlate: strings.TrimSpace(b.VehiclePlate),
		DeliveredOn: centerDate(v, "delivered_on", b.DeliveredOn), DeliveryDueFY: b.DeliveryDueFY}
}

func centerDate(v *markaz.Validator, field, s string) markaz.Date {
	if strings.TrimSpace(s) == "" {
		return markaz.Date{}
	}
	d, err := markaz.ParseDate(strings.TrimSpace(s))
	if err != nil {
		v.Add(field, "date_format", nil)
	}
	return d
}

// centerForm reads a center form; every number that does not parse is recorded in v.
func centerForm(f url.Values, v *markaz.Validator) centerEdit {
	num := func(field string) *float64 {
		s := strings.TrimSpace(markaz.LatinDigits(f.Get(field)))
		if s == "" {
			return nil
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(s, "٫", "."), 64)
		if err != nil {
			v.Add(field, "number_format", nil)
			return nil
		}
		return &n
	}
	integer := func(field string) *int {
		s := strings.TrimSpace(markaz.LatinDigits(f.Get(field)))
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Add(field, "number_format", nil)
			return nil
		}
		return &n
	}
	b := centerEdit{centerBody: centerBody{Code: f.Get("code"), Kind: f.Get("kind"), NameAr: f.Get("name_ar"),
		NameEn: f.Get("name_en"), Unit: f.Get("unit"), Address: f.Get("address"), Lat: num("latitude"),
		Lng: num("longitude"), Opens: f.Get("opens_at"), Closes: f.Get("closes_at"),
		WeeklyRest: strings.Join(f["weekly_rest"], ","), DevStatus: f.Get("development_status"),
		CompletedOn: f.Get("completed_on"), MobileStatus: f.Get("mobile_status"),
		VehiclePlate: f.Get("vehicle_plate"), DeliveredOn: f.Get("delivered_on"),
		DeliveryDueFY: integer("delivery_due_fiscal_year")}}
	if ver := integer("version"); ver != nil {
		b.Version = *ver
	}
	return b
}

// centerFormValues fills a form from a stored center.
func centerFormValues(c *markaz.Center) url.Values {
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	float := func(p *float64) string {
		if p == nil {
			return ""
		}
		return centerFloat(*p)
	}
	set("code", c.Code)
	set("kind", c.Kind)
	set("name_ar", c.NameAr)
	set("name_en", c.NameEn)
	set("unit", c.UnitCode)
	set("address", c.Address)
	set("latitude", float(c.Lat))
	set("longitude", float(c.Lng))
	set("opens_at", c.Opens)
	set("closes_at", c.Closes)
	if c.WeeklyRest != "" {
		f["weekly_rest"] = strings.Split(c.WeeklyRest, ",")
	}
	set("development_status", c.DevStatus)
	set("completed_on", c.CompletedOn.String())
	set("mobile_status", c.MobileStatus)
	set("vehicle_plate", c.VehiclePlate)
	set("delivered_on", c.DeliveredOn.String())
	if c.DeliveryDueFY != nil {
		set("delivery_due_fiscal_year", strconv.Itoa(*c.DeliveryDueFY))
	}
	set("version", strconv.Itoa(c.Version))
	return f
}

func centerFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// centerFilter reads the list's query: territory, kind, status, search, retired, paging.
// status is either a development or a mobile status (the UI's single select).
func centerFilter(r *http.Request, p *markaz.Principal) (store.CenterFilter, error) {
	q := r.URL.Query()
	code := func(k string) string { return strings.TrimSpace(markaz.LatinDigits(q.Get(k))) }
	f := store.CenterFilter{Scope: p.Scope(markaz.PermCentersRead), Gov: code("governorate"),
		Unit: code("unit"), Kind: q.Get("kind"), DevStatus: q.Get("development_status"),
		MobileStatus: q.Get("mobile_status"), Query: strings.TrimSpace(q.Get("q"))}
	var v markaz.Validator
	if f.Kind != "" {
		v.OneOf("kind", f.Kind, markaz.KindFixed, markaz.KindMobile)
	}
	if f.DevStatus != "" {
		v.OneOf("development_status", f.DevStatus, markaz.DevStatuses...)
	}
	if f.MobileStatus != "" {
		v.OneOf("mobile_status", f.MobileStatus, markaz.MobileStatuses...)
	}
	switch st := q.Get("status"); {
	case st == "":
	case slices.Contains(markaz.DevStatuses, st):
		f.DevStatus = st
	case slices.Contains(markaz.MobileStatuses, st):
		f.MobileStatus = st
	default:
		v.OneOf("status", st, append(slices.Clone(markaz.DevStatuses), markaz.MobileStatuses...)...)
	}
	v.MaxLen("q", f.Query, 100)
	if s := q.Get("include_retired"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("include_retired", "one_of", map[string]any{"allowed": "true, false"})
		}
		f.IncludeRetired = b
	}
	// Asking for retired mobile units means asking for retired records.
	f.IncludeRetired = f.IncludeRetired || f.MobileStatus == markaz.MobileRetired
	if err := v.Err(); err != nil {
		return f, err
	}
	limit, after, err := pageParams(r)
	if err != nil {
		return f, err
	}
	// The cursor is the last row's full sort key: governorate, then code.
	if after != nil && len(after) != 2 {
		return f, &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_query", Args: map[string]any{"field": "cursor"},
			Fields: []markaz.FieldError{{Field: "cursor", Code: "bad_cursor"}}}
	}
	f.Limit = limit
	if after != nil {
		f.After = &store.CenterKey{Gov: after[0], Code: after[1]}
	}
	return f, nil
}

func centerCursor(next *store.CenterKey) string {
	if next == nil {
		return ""
	}
	return encodeCursor(next.Gov, next.Code)
}

// createCenter stores a new center from b. Problems found parsing the input are
// already in v; the store adds the center's own, so all are reported together.
func (s *Server) createCenter(r *http.Request, p *markaz.Principal, b centerBody, v *markaz.Validator) (*store.CenterRow, error) {
	c := b.center(v)
	var row *store.CenterRow
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		row, err = tx.CreateCenter(store.ActorOf(p), p.Scope(markaz.PermCentersWrite), c, v)
		return err
	})
	return row, err
}

// updateCenter replaces center id's editable fields with b, problems as for createCenter.
func (s *Server) updateCenter(r *http.Request, p *markaz.Principal, id string, b centerEdit, v *markaz.Validator) (*store.CenterRow, error) {
	c := b.center(v)
	c.Version = b.Version
	var row *store.CenterRow
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		row, err = tx.UpdateCenter(store.ActorOf(p), p.Scope(markaz.PermCentersWrite), id, c, v)
		return err
	})
	return row, err
}

// retireCenter retires center id as b asks, problems as for createCenter.
func (s *Server) retireCenter(r *http.Request, p *markaz.Principal, id string, b centerRetireBody, v *markaz.Validator) (*store.CenterRow, error) {
	on := centerDate(v, "retired_on", b.RetiredOn)
	var row *store.CenterRow
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		row, err = tx.RetireCenter(store.ActorOf(p), p.Scope(markaz.PermCentersWrite), id, on, b.Reason, v)
		return err
	})
	return row, err
}

// --- API ---

// listCenters is the centers list both the API and the page show: the caller's
// permission, the query's filter, one page of rows.
func (s *Server) listCenters(r *http.Request) (*markaz.Principal, store.CenterFilter, store.CenterList, error) {
	p, err := need(r, markaz.PermCentersRead)
	if err != nil {
		return nil, store.CenterFilter{}, store.CenterList{}, err
	}
	f, err := centerFilter(r, p)
	if err != nil {
		return nil, f, store.CenterList{}, err
	}
	list, err := s.db.Centers(r.Context(), f)
	return p, f, list, err
}

func (s *Server) apiCenters(w http.ResponseWriter, r *http.Request) error {
	_, _, list, err := s.listCenters(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, centerPage{page: page[store.CenterRow]{Items: list.Rows, NextCursor: centerCursor(list.Next)},
		Total: list.Total})
}

func (s *Server) apiCenter(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermCentersRead)
	if err != nil {
		return err
	}
	c, err := s.db.Center(r.Context(), p.Scope(markaz.PermCentersRead), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiCreateCenter(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermCentersWrite, http.StatusCreated, func(p *markaz.Principal, b centerBody) (any, error) {
		return s.createCenter(r, p, b, &markaz.Validator{})
	})
}

func (s *Server) apiUpdateCenter(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermCentersWrite, http.StatusOK, func(p *markaz.Principal, b centerEdit) (any, error) {
		return s.updateCenter(r, p, r.PathValue("id"), b, &markaz.Validator{})
	})
}

func (s *Server) apiRetireCenter(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermCentersWrite, http.StatusOK, func(p *markaz.Principal, b centerRetireBody) (any, error) {
		return s.retireCenter(r, p, r.PathValue("id"), b, &markaz.Validator{})
	})
}

// --- UI ---

// centerOption is one choice of a select.
type centerOption struct{ Value, Label string }

// centerGov is a governorate with the districts/cities a user may choose in it.
type centerGov struct {
	Code, NameAr, NameEn string
	Units                []markaz.Unit
}

// centerChoices groups the districts/cities scope reaches by governorate.
func (s *Server) centerChoices(r *http.Request, scope markaz.Scope) ([]centerGov, error) {
	units, err := s.db.ScopeUnits(r.Context(), scope)
	if err != nil {
		return nil, err
	}
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return nil, err
	}
	var out []centerGov
	for _, u := range units {
		if len(out) == 0 || out[len(out)-1].Code != u.GovCode {
			g := centerGov{Code: u.GovCode}
			if i := slices.IndexFunc(govs, func(g markaz.Governorate) bool { return g.Code == u.GovCode }); i >= 0 {
				g.NameAr, g.NameEn = govs[i].NameAr, govs[i].NameEn
			}
			out = append(out, g)
		}
		out[len(out)-1].Units = append(out[len(out)-1].Units, u)
	}
	return out, nil
}

// centerOptions localizes values under the i18n prefix.
func centerOptions(lang, prefix string, values []string) []centerOption {
	out := make([]centerOption, len(values))
	for i, v := range values {
		out[i] = centerOption{Value: v, Label: i18n.T(lang, prefix+v, nil)}
	}
	return out
}

// centerDays names a rest-day list ("fri,sat") in lang.
func centerDays(lang, days string) string {
	var names []string
	for _, d := range strings.Split(days, ",") {
		if d != "" {
			names = append(names, i18n.T(lang, "centers.day."+d, nil))
		}
	}
	return strings.Join(names, i18n.T(lang, "centers.list_sep", nil))
}

// centerListPage is what centers.html shows. Total counts every matching center;
// FirstURL leads back to the first page from a later one.
type centerListPage struct {
	Q              url.Values
	Govs           []centerGov
	Rows           []store.CenterRow
	Total          int
	NextURL        string
	FirstURL       string
	CanCreate      bool
	Kinds          []centerOption
	DevStatuses    []centerOption
	MobileStatuses []centerOption
}

func (s *Server) handleCenters(w http.ResponseWriter, r *http.Request) error {
	p, f, list, err := s.listCenters(r)
	if err != nil {
		return err
	}
	govs, err := s.centerChoices(r, f.Scope)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := centerListPage{Q: r.URL.Query(), Govs: govs, Rows: list.Rows, Total: list.Total, CanCreate: p.Can(markaz.PermCentersWrite),
		Kinds:          centerOptions(lang, "centers.kind.", []string{markaz.KindFixed, markaz.KindMobile}),
		DevStatuses:    centerOptions(lang, "centers.dev.", markaz.DevStatuses),
		MobileStatuses: centerOptions(lang, "centers.mobile.", markaz.MobileStatuses)}
	q := r.URL.Query()
	if list.Next != nil {
		q.Set("cursor", centerCursor(list.Next))
		data.NextURL = "/centers?" + q.Encode()
	}
	if f.After != nil {
		q.Del("cursor")
		data.FirstURL = "/centers?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "centers", "centers.title", data)
	return nil
}

// centerViewPage is what center.html shows; Errors and Retire carry a refused retire
// form. Lat and Lng are the coordinates as decimal text ("" when not recorded).
type centerViewPage struct {
	C        *store.CenterRow
	Rest     string
	Lat, Lng string
	CanWrite bool
	Errors   map[string]string
	Retire   url.Values
	FollowUp *centerFollowUp // problems and equipment (resources.go)
}

func (s *Server) handleCenter(w http.ResponseWriter, r *http.Request) error {
	return s.renderCenter(w, r, http.StatusOK, nil, nil)
}

// renderCenter shows the center's page, with a refused retire form when errs is set.
func (s *Server) renderCenter(w http.ResponseWriter, r *http.Request, status int, retire url.Values, errs map[string]string) error {
	p, err := need(r, markaz.PermCentersRead)
	if err != nil {
		return err
	}
	c, err := s.db.Center(r.Context(), p.Scope(markaz.PermCentersRead), r.PathValue("id"))
	if err != nil {
		return err
	}
	lang := info(r).lang
	rest := c.WeeklyRest
	if rest == "" {
		rest = c.GovRest
	}
	data := centerViewPage{C: c, Rest: centerDays(lang, rest), Errors: errs, Retire: retire,
		CanWrite: c.RetiredOn.IsZero() && p.Allowed(markaz.PermCentersWrite, c.Ref())}
	if c.Lat != nil && c.Lng != nil {
		data.Lat, data.Lng = centerFloat(*c.Lat), centerFloat(*c.Lng)
	}
	if data.FollowUp, err = s.centerFollowUpOf(r, p, c); err != nil {
		return err
	}
	s.render(w, r, status, "center", "centers.view_title", data)
	return nil
}

// centerFormPage is what center_form.html shows.
type centerFormPage struct {
	New            bool
	Action         string
	Cancel         string
	Form           url.Values
	Rest           map[string]bool
	Errors         map[string]string
	Govs           []centerGov
	Kinds          []centerOption
	DevStatuses    []centerOption
	MobileStatuses []centerOption
	Days           []centerOption
}

// renderCenterForm shows the new or edit form (id "" is new) with values f.
func (s *Server) renderCenterForm(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, id string, f url.Values, errs map[string]string) error {
	govs, err := s.centerChoices(r, p.Scope(markaz.PermCentersWrite))
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := centerFormPage{New: id == "", Action: "/centers/new", Cancel: "/centers", Form: f, Errors: errs, Govs: govs,
		Rest:           map[string]bool{},
		Kinds:          centerOptions(lang, "centers.kind.", []string{markaz.KindFixed, markaz.KindMobile}),
		DevStatuses:    centerOptions(lang, "centers.dev.", markaz.DevStatuses),
		MobileStatuses: centerOptions(lang, "centers.mobile.", markaz.MobileStatuses[:3]),
		Days:           centerOptions(lang, "centers.day.", markaz.Weekdays)}
	for _, d := range f["weekly_rest"] {
		data.Rest[d] = true
	}
	title := "centers.new"
	if id != "" {
		data.Action, data.Cancel, title = "/centers/"+url.PathEscape(id)+"/edit", "/centers/"+url.PathEscape(id), "centers.edit"
	}
	s.render(w, r, status, "center_form", title, data)
	return nil
}

// centerFieldMessages localizes err's field problems for a form, the dates they name
// ("not before {min}") in the user's digits; nil when err is not a validation failure.
func centerFieldMessages(r *http.Request, err error) map[string]string {
	e := asError(err)
	if e.Code != markaz.EInvalid {
		return nil
	}
	ri := info(r)
	local := *e
	local.Fields = make([]markaz.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if m, ok := f.Args["min"].(string); ok {
			f.Args = maps.Clone(f.Args)
			f.Args["min"] = i18n.Digits(m, ri.digits)
		}
		local.Fields[i] = f
	}
	return fieldMessages(ri.lang, &local)
}

// centerFormFailed re-renders the form with each field's message when err is a
// validation failure, and passes any other error on.
func (s *Server) centerFormFailed(w http.ResponseWriter, r *http.Request, p *markaz.Principal, id string, err error) error {
	fm := centerFieldMessages(r, err)
	if fm == nil {
		return err
	}
	return s.renderCenterForm(w, r, p, http.StatusUnprocessableEntity, id, r.PostForm, fm)
}

func (s *Server) handleCenterNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermCentersWrite)
	if err != nil {
		return err
	}
	return s.renderCenterForm(w, r, p, http.StatusOK, "", url.Values{"kind": {markaz.KindFixed}}, nil)
}

func (s *Server) handleCenterCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermCentersWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	var v markaz.Validator
	b := centerForm(r.PostForm, &v)
	c, err := s.createCenter(r, p, b.centerBody, &v)
	if err != nil {
		return s.centerFormFailed(w, r, p, "", err)
	}
	flash(w, "centers.created")
	http.Redirect(w, r, "/centers/"+c.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) handleCenterEdit(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermCentersWrite)
	if err != nil {
		return err
	}
	c, err := s.db.Center(r.Context(), p.Scope(markaz.PermCentersWrite), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !c.RetiredOn.IsZero() {
		return centerRetiredRedirect(w, r, c.ID)
	}
	return s.renderCenterForm(w, r, p, http.StatusOK, c.ID, centerFormValues(&c.Center), nil)
}

// centerRetiredRedirect sends a request to change a retired center back to its page,
// which says why nothing can be changed.
func centerRetiredRedirect(w http.ResponseWriter, r *http.Request, id string) error {
	flash(w, "centers.error.retired")
	http.Redirect(w, r, "/centers/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// centerIsRetired reports whether err refuses a change because the center is retired.
func centerIsRetired(err error) bool {
	e := asError(err)
	return e.Code == markaz.EConflict && e.Key == "centers.error.retired"
}

func (s *Server) handleCenterUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermCentersWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	var v markaz.Validator
	b := centerForm(r.PostForm, &v)
	c, err := s.updateCenter(r, p, r.PathValue("id"), b, &v)
	if centerIsRetired(err) {
		return centerRetiredRedirect(w, r, r.PathValue("id"))
	}
	if err != nil {
		return s.centerFormFailed(w, r, p, r.PathValue("id"), err)
	}
	flash(w, "centers.saved")
	http.Redirect(w, r, "/centers/"+c.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) handleCenterRetire(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermCentersWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	b := centerRetireBody{Reason: r.PostForm.Get("reason"), RetiredOn: r.PostForm.Get("retired_on")}
	// The page asks the user to confirm with a checkbox: retiring cannot be undone.
	var v markaz.Validator
	if r.PostForm.Get("confirm") == "" {
		v.Add("confirm", "confirm_retire", nil)
	}
	c, err := s.retireCenter(r, p, r.PathValue("id"), b, &v)
	if centerIsRetired(err) {
		return centerRetiredRedirect(w, r, r.PathValue("id"))
	}
	if err != nil {
		if fm := centerFieldMessages(r, err); fm != nil {
			return s.renderCenter(w, r, http.StatusUnprocessableEntity, r.PostForm, fm)
		}
		return err
	}
	flash(w, "centers.retired")
	http.Redirect(w, r, "/centers/"+c.ID, http.StatusSeeOther)
	return nil
}
