package web

// Resources: the needs governorates raise and the ministry decides and fulfils in parts,
// and each center's equipment inventory with the problems of its items — as JSON and as
// pages. The store checks every read and change against the caller's scope.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"markaz"
	prob "markaz/problem"
	"markaz/resource"
	"markaz/store"
)

// needFilter reads ?governorate=&center=&kind=&status= and the paging parameters; the
// cursor carries the last row's raise instant and id.
func needFilter(r *http.Request, p *markaz.Principal) (store.NeedFilter, error) {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(markaz.LatinDigits(q.Get(k))) }
	f := store.NeedFilter{Viewer: p, Gov: get("governorate"), Center: get("center"), Kind: get("kind"), Status: get("status")}
	var v markaz.Validator
	if f.Kind != "" {
		v.OneOf("kind", f.Kind, resource.Kinds...)
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, resource.NeedStatuses...)
	}
	if f.Gov != "" && (len(f.Gov) != 2 || digitsOnlyWeb(f.Gov) != f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	if f.Center != "" && !markaz.ValidID(f.Center) {
		v.Add("center", "unknown_center", nil)
	}
	limit, after, err := pageParams(r)
	if err := v.Merge(err, nil); err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		at, err := time.Parse(time.RFC3339Nano, after[0])
		if err != nil || len(after) != 2 {
			v.Add("cursor", "bad_cursor", nil)
		} else {
			f.After = &store.NeedKey{At: at.UTC(), ID: after[1]}
		}
	}
	return f, v.Err()
}

func needCursor(k *store.NeedKey) string {
	if k == nil {
		return ""
	}
	return encodeCursor(k.At.UTC().Format(time.RFC3339Nano), k.ID)
}

// listNeeds is the list both the API and the page show.
func (s *Server) listNeeds(r *http.Request) (*markaz.Principal, store.NeedFilter, store.NeedList, error) {
	p, err := need(r, markaz.PermResourcesRead)
	if err != nil {
		return nil, store.NeedFilter{}, store.NeedList{}, err
	}
	f, err := needFilter(r, p)
	if err != nil {
		return p, f, store.NeedList{}, err
	}
	l, err := s.db.Needs(r.Context(), f)
	return p, f, l, err
}

// raiseNeed validates and stores a new need for p; v holds the problems found reading
// the input, reported with the need's own.
func (s *Server) raiseNeed(r *http.Request, p *markaz.Principal, in *resource.NewNeed, v *markaz.Validator) (*store.NeedDetail, error) {
	if err := v.Merge(in.Validate(), nil); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return inWrite(r, s.db, func(tx *store.Tx) (*store.NeedDetail, error) { return tx.RaiseNeed(p, in) })
}

// actOnNeed applies act to the need in the path for p.
func (s *Server) actOnNeed(r *http.Request, p *markaz.Principal, act *resource.NeedAct) (*store.NeedDetail, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.NeedDetail, error) { return tx.ActOnNeed(p, r.PathValue("id"), act) })
}

// loadNeed reads the need in the path for p.
func (s *Server) loadNeed(r *http.Request, p *markaz.Principal) (*store.NeedDetail, error) {
	return inRead(r, s.db, func(tx *store.Tx) (*store.NeedDetail, error) { return tx.Need(p, r.PathValue("id")) })
}

// equipmentBody is an item as the API and the forms take it.
type equipmentBody struct {
	CenterID   string `json:"center_id"`
	DeviceType string `json:"device_type"`
	Serial     string `json:"serial"`
	Status     string `json:"status"`
	Notes      string `json:"notes"`
	Version    int    `json:"version"`
}

func (b equipmentBody) item() *resource.Equipment {
	return &resource.Equipment{CenterID: b.CenterID, DeviceType: b.DeviceType, Serial: b.Serial, Status: b.Status,
		Notes: b.Notes, Version: b.Version}
}

func equipmentForm(f url.Values) equipmentBody {
	b := equipmentBody{CenterID: f.Get("center_id"), DeviceType: f.Get("device_type"), Serial: f.Get("serial"),
		Status: f.Get("status"), Notes: f.Get("notes")}
	b.Version, _ = strconv.Atoi(markaz.LatinDigits(f.Get("version")))
	return b
}

// addEquipment stores a new item for p.
func (s *Server) addEquipment(r *http.Request, p *markaz.Principal, b equipmentBody) (*resource.Equipment, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*resource.Equipment, error) { return tx.AddEquipment(p, b.item()) })
}

// updateEquipment changes the item in the path for p.
func (s *Server) updateEquipment(r *http.Request, p *markaz.Principal, b equipmentBody) (*resource.Equipment, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*resource.Equipment, error) {
		return tx.UpdateEquipment(p, r.PathValue("id"), b.item())
	})
}

// loadEquipment reads the item in the path for p.
func (s *Server) loadEquipment(r *http.Request, p *markaz.Principal) (*resource.Equipment, error) {
	return s.loadEquipmentID(r, p, r.PathValue("id"))
}

// loadEquipmentID reads item id for p.
func (s *Server) loadEquipmentID(r *http.Request, p *markaz.Principal, id string) (*resource.Equipment, error) {
	return inRead(r, s.db, func(tx *store.Tx) (*resource.Equipment, error) {
		return tx.Equipment(p.Scope(markaz.PermEquipmentRead), id)
	})
}

// --- API ---

// needsOut is the JSON of a needs list: a page, and the totals by kind of all its pages.
type needsOut struct {
	page[store.NeedRow]
	Totals []store.KindTotal `json:"totals_by_kind"`
}

func (s *Server) apiNeeds(w http.ResponseWriter, r *http.Request) error {
	_, _, l, err := s.listNeeds(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, needsOut{page: page[store.NeedRow]{Items: l.Rows, NextCursor: needCursor(l.Next)},
		Totals: l.Totals})
}

func (s *Server) apiRaiseNeed(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermResourcesRequest, http.StatusCreated, func(p *markaz.Principal, b resource.NewNeed) (any, error) {
		return s.raiseNeed(r, p, &b, &markaz.Validator{})
	})
}

func (s *Server) apiNeed(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, holding(markaz.PermResourcesRead), http.StatusOK, func(p *markaz.Principal) (*store.NeedDetail, error) {
		return s.loadNeed(r, p)
	})
}

func (s *Server) apiNeedAction(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermResourcesRead, http.StatusOK, func(p *markaz.Principal, b resource.NeedAct) (any, error) {
		return s.actOnNeed(r, p, &b)
	})
}

// centerEquipmentOut is the JSON of a center's inventory.
type centerEquipmentOut struct {
	Items  []resource.Equipment  `json:"items"`
	Counts store.EquipmentCounts `json:"counts"`
}

func (s *Server) apiCenterEquipment(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, holding(markaz.PermEquipmentRead), http.StatusOK, func(p *markaz.Principal) (centerEquipmentOut, error) {
		items, n, err := s.db.CenterEquipment(r.Context(), p.Scope(markaz.PermEquipmentRead), r.PathValue("id"))
		return centerEquipmentOut{Items: items, Counts: n}, err
	})
}

func (s *Server) apiAddEquipment(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermEquipmentWrite, http.StatusCreated, func(p *markaz.Principal, b equipmentBody) (any, error) {
		return s.addEquipment(r, p, b)
	})
}

func (s *Server) apiEquipment(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, holding(markaz.PermEquipmentRead), http.StatusOK, func(p *markaz.Principal) (*resource.Equipment, error) {
		return s.loadEquipment(r, p)
	})
}

func (s *Server) apiUpdateEquipment(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermEquipmentWrite, http.StatusOK, func(p *markaz.Principal, b equipmentBody) (any, error) {
		if b.CenterID != "" {
			var v markaz.Validator
			v.Add("center_id", "not_for_action", nil)
			return nil, v.Err()
		}
		return s.updateEquipment(r, p, b)
	})
}

// --- UI ---

// needRowView is a need in a list with its place in the reader's language.
type needRowView struct {
	store.NeedRow
	Place string
}

func needPlace(lang string, n *store.NeedRow) string {
	place := pickName(lang, n.GovNameAr, n.GovNameEn)
	if n.CenterNameAr != nil {
		place = pickName(lang, *n.CenterNameAr, *n.CenterNameEn) + " — " + place
	}
	return place
}

// needsPage is what needs.html shows.
type needsPage struct {
	Q        url.Values
	Rows     []needRowView
	Totals   []store.KindTotal
	Govs     []centerOption
	Kinds    []centerOption
	Statuses []centerOption
	NextURL  string
	FirstURL string
	CanRaise bool
}

func (s *Server) handleNeeds(w http.ResponseWriter, r *http.Request) error {
	p, f, l, err := s.listNeeds(r)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := needsPage{Q: r.URL.Query(), Totals: l.Totals, CanRaise: p.Can(markaz.PermResourcesRequest),
		Kinds:    centerOptions(lang, "resources.kind.", resource.Kinds),
		Statuses: centerOptions(lang, "resources.status.", resource.NeedStatuses)}
	if data.Govs, err = s.govOptions(r, p.Scope(markaz.PermResourcesRead)); err != nil {
		return err
	}
	for _, n := range l.Rows {
		data.Rows = append(data.Rows, needRowView{NeedRow: n, Place: needPlace(lang, &n)})
	}
	q := r.URL.Query()
	if l.Next != nil {
		q.Set("cursor", needCursor(l.Next))
		data.NextURL = "/needs?" + q.Encode()
	}
	if f.After != nil {
		q.Del("cursor")
		data.FirstURL = "/needs?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "needs", "resources.needs_title", data)
	return nil
}

// govOptions lists the governorates scope reaches, for a select.
func (s *Server) govOptions(r *http.Request, scope markaz.Scope) ([]centerOption, error) {
	govs, err := s.db.ReachedGovernorates(r.Context(), scope)
	if err != nil {
		return nil, err
	}
	var out []centerOption
	for _, g := range govs {
		out = append(out, centerOption{Value: g.Code, Label: pickName(info(r).lang, g.NameAr, g.NameEn)})
	}
	return out, nil
}

// needNewPage is what need_new.html shows.
type needNewPage struct {
	Govs    []centerOption
	Centers []centerOption
	Kinds   []centerOption
	F       url.Values
	Errors  map[string]string
}

func (s *Server) renderNeedNew(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int,
	f url.Values, errs map[string]string) error {
	scope := p.Scope(markaz.PermResourcesRequest)
	data := needNewPage{F: f, Errors: errs, Kinds: centerOptions(info(r).lang, "resources.kind.", resource.Kinds)}
	var err error
	if data.Govs, err = s.govOptions(r, markaz.Scope{All: scope.All, Govs: scope.Govs}); err != nil {
		return err
	}
	list, err := s.db.Centers(r.Context(), store.CenterFilter{Scope: scope, Gov: f.Get("governorate"), Limit: 200})
	if err != nil && markaz.ErrorCode(err) != markaz.EInvalid {
		return err
	}
	for _, c := range list.Rows {
		data.Centers = append(data.Centers, centerOption{Value: c.ID, Label: pickName(info(r).lang, c.NameAr, c.NameEn) + " (" + c.Code + ")"})
	}
	if f.Get("governorate") == "" && len(data.Govs) == 1 {
		f.Set("governorate", data.Govs[0].Value)
	}
	s.render(w, r, status, "need_new", "resources.new_title", data)
	return nil
}

func (s *Server) handleNeedNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermResourcesRequest)
	if err != nil {
		return err
	}
	return s.renderNeedNew(w, r, p, http.StatusOK, r.URL.Query(), nil)
}

func (s *Server) handleNeedCreate(w http.ResponseWriter, r *http.Request) error {
	p, f, err := postedForm(r, holding(markaz.PermResourcesRequest))
	if err != nil {
		return err
	}
	in := resource.NewNeed{Governorate: f.Get("governorate"), CenterID: f.Get("center_id"), Kind: f.Get("kind"),
		Justification: f.Get("justification")}
	var v markaz.Validator
	in.Quantity = formInt(f, "quantity", &v)
	d, err := s.raiseNeed(r, p, &in, &v)
	if fm := fieldMessages(info(r).lang, err); fm != nil {
		return s.renderNeedNew(w, r, p, http.StatusUnprocessableEntity, f, fm)
	}
	if err != nil {
		return err
	}
	flash(w, "resources.raised")
	http.Redirect(w, r, "/needs/"+d.ID, http.StatusSeeOther)
	return nil
}

// needPage is what need.html shows.
type needPage struct {
	D        *store.NeedDetail
	Place    string
	F        url.Values
	Errors   map[string]string
	Conflict string
	Today    markaz.Date
}

func (s *Server) renderNeed(w http.ResponseWriter, r *http.Request, status int, f url.Values, errs map[string]string,
	conflict string) error {
	p, err := need(r, markaz.PermResourcesRead)
	if err != nil {
		return err
	}
	d, err := s.loadNeed(r, p)
	if err != nil {
		return err
	}
	data := needPage{D: d, Place: needPlace(info(r).lang, &d.NeedRow), F: f, Errors: errs, Conflict: conflict,
		Today: markaz.Today(s.db.Clock)}
	s.render(w, r, status, "need", "resources.need_title", data)
	return nil
}

func (s *Server) handleNeed(w http.ResponseWriter, r *http.Request) error {
	return s.renderNeed(w, r, http.StatusOK, url.Values{}, nil, "")
}

func (s *Server) handleNeedAct(w http.ResponseWriter, r *http.Request) error {
	p, f, err := postedForm(r, holding(markaz.PermResourcesRead))
	if err != nil {
		return err
	}
	var v markaz.Validator
	act := resource.NeedAct{Action: f.Get("action"), Note: f.Get("note"), Quantity: formInt(f, "quantity", &v)}
	if ver, err := strconv.Atoi(f.Get("version")); err == nil {
		act.Version = &ver
	}
	if d := strings.TrimSpace(f.Get("delivered_on")); d != "" {
		if act.On, err = markaz.ParseDate(d); err != nil {
			v.Add("delivered_on", "date_format", nil)
		}
	}
	err = v.Err()
	if err == nil {
		_, err = s.actOnNeed(r, p, &act)
	}
	ri := info(r)
	switch e := asError(err); {
	case err == nil:
		flash(w, "resources.acted")
		http.Redirect(w, r, "/needs/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
		return nil
	case e.Code == markaz.EInvalid:
		return s.renderNeed(w, r, http.StatusUnprocessableEntity, f, fieldMessages(ri.lang, err), "")
	case e.Code == markaz.EConflict:
		return s.renderNeed(w, r, http.StatusConflict, f, nil, message(ri.lang, ri.id, e))
	}
	return err
}

// equipmentListPage is what equipment.html shows: a center's inventory and the add form.
type equipmentListPage struct {
	C        *store.CenterRow
	Items    []resource.Equipment
	Counts   store.EquipmentCounts
	CanWrite bool
	Types    []centerOption
	Statuses []centerOption
	F        url.Values
	Errors   map[string]string
}

func (s *Server) renderCenterEquipment(w http.ResponseWriter, r *http.Request, status int, f url.Values,
	errs map[string]string) error {
	p, err := need(r, markaz.PermEquipmentRead)
	if err != nil {
		return err
	}
	c, err := s.db.Center(r.Context(), p.Scope(markaz.PermEquipmentRead), r.PathValue("id"))
	if err != nil {
		return err
	}
	items, n, err := s.db.CenterEquipment(r.Context(), p.Scope(markaz.PermEquipmentRead), c.ID)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := equipmentListPage{C: c, Items: items, Counts: n, F: f, Errors: errs,
		CanWrite: c.RetiredOn.IsZero() && p.Allowed(markaz.PermEquipmentWrite, c.Ref()),
		Types:    centerOptions(lang, "equipment.type.", resource.DeviceTypes),
		Statuses: centerOptions(lang, "equipment.status.", resource.EquipmentStatuses[:3])}
	s.render(w, r, status, "equipment", "equipment.title", data)
	return nil
}

func (s *Server) handleCenterEquipment(w http.ResponseWriter, r *http.Request) error {
	return s.renderCenterEquipment(w, r, http.StatusOK, url.Values{"status": {resource.EquipWorking}}, nil)
}

func (s *Server) handleAddEquipment(w http.ResponseWriter, r *http.Request) error {
	p, f, err := postedForm(r, holding(markaz.PermEquipmentWrite))
	if err != nil {
		return err
	}
	b := equipmentForm(f)
	b.CenterID = r.PathValue("id")
	e, err := s.addEquipment(r, p, b)
	if fm := fieldMessages(info(r).lang, err); fm != nil {
		return s.renderCenterEquipment(w, r, http.StatusUnprocessableEntity, f, fm)
	}
	if err != nil {
		return err
	}
	flash(w, "equipment.added")
	http.Redirect(w, r, "/centers/"+url.PathEscape(e.CenterID)+"/equipment", http.StatusSeeOther)
	return nil
}

// equipmentPage is what equipment_item.html shows: the item, its problems (Open of them
// still open), the edit form.
type equipmentPage struct {
	E         *resource.Equipment
	Center    string
	Problems  []problemRow
	Open      int
	CanWrite  bool
	CanReport bool
	Types     []centerOption
	Statuses  []centerOption
	F         url.Values
	Errors    map[string]string
	Conflict  string
}

func (s *Server) renderEquipment(w http.ResponseWriter, r *http.Request, status int, f url.Values,
	errs map[string]string, conflict string) error {
	p, err := need(r, markaz.PermEquipmentRead)
	if err != nil {
		return err
	}
	e, err := s.loadEquipment(r, p)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := equipmentPage{E: e, Center: pickName(lang, e.CenterNameAr, e.CenterNameEn), F: f, Errors: errs,
		Conflict: conflict, CanWrite: e.Status != resource.EquipRetired && p.Allowed(markaz.PermEquipmentWrite, e.Ref()),
		CanReport: e.Status != resource.EquipRetired && p.Allowed(markaz.PermProblemsReport, e.Ref()),
		Types:     centerOptions(lang, "equipment.type.", resource.DeviceTypes),
		Statuses:  centerOptions(lang, "equipment.status.", resource.EquipmentStatuses)}
	if p.Can(markaz.PermProblemsRead) || p.Can(markaz.PermProblemsWork) {
		rows, _, err := s.db.Problems(r.Context(), store.ProblemFilter{Viewer: p, Equipment: e.ID, Limit: 50})
		if err != nil {
			return err
		}
		for _, row := range rows {
			data.Problems = append(data.Problems, problemRow{Problem: row, Center: data.Center})
			if row.Open() {
				data.Open++
			}
		}
	}
	if f == nil {
		f = url.Values{"device_type": {e.DeviceType}, "serial": {e.Serial}, "status": {e.Status}, "notes": {e.Notes}}
		data.F = f
	}
	s.render(w, r, status, "equipment_item", "equipment.item_title", data)
	return nil
}

func (s *Server) handleEquipment(w http.ResponseWriter, r *http.Request) error {
	return s.renderEquipment(w, r, http.StatusOK, nil, nil, "")
}

func (s *Server) handleUpdateEquipment(w http.ResponseWriter, r *http.Request) error {
	p, f, err := postedForm(r, holding(markaz.PermEquipmentWrite))
	if err != nil {
		return err
	}
	b := equipmentForm(f)
	b.CenterID = ""
	e, err := s.updateEquipment(r, p, b)
	ri := info(r)
	switch ae := asError(err); {
	case err == nil && e.Status == resource.EquipFaulty && p.Allowed(markaz.PermProblemsReport, e.Ref()) && s.noOpenProblem(r, e):
		// Marked faulty and nothing reported yet: offer to report it, the item chosen.
		flash(w, "equipment.faulty_report")
		http.Redirect(w, r, "/problems/new?"+url.Values{"equipment_id": {e.ID}, "category": {prob.CategoryHardware}}.Encode(),
			http.StatusSeeOther)
		return nil
	case err == nil:
		flash(w, "equipment.saved")
		http.Redirect(w, r, "/equipment/"+url.PathEscape(e.ID), http.StatusSeeOther)
		return nil
	case ae.Code == markaz.EInvalid:
		return s.renderEquipment(w, r, http.StatusUnprocessableEntity, f, fieldMessages(ri.lang, err), "")
	case ae.Code == markaz.EConflict:
		return s.renderEquipment(w, r, http.StatusConflict, f, nil, message(ri.lang, ri.id, ae))
	}
	return err
}

// noOpenProblem reports whether item e has no open problem (false when that cannot be
// read: the item's page then simply shows).
func (s *Server) noOpenProblem(r *http.Request, e *resource.Equipment) bool {
	n, err := inRead(r, s.db, func(tx *store.Tx) (int, error) { return tx.OpenProblems("", e.ID) })
	return err == nil && n == 0
}

// centerFollowUp is what a center's page shows of its problems and equipment.
type centerFollowUp struct {
	Equipment    *store.EquipmentCounts
	OpenProblems int
	CanReport    bool
	CanProblems  bool
	CanEquipment bool
}

// centerFollowUpOf gathers a center's follow-up box for p.
func (s *Server) centerFollowUpOf(r *http.Request, p *markaz.Principal, c *store.CenterRow) (*centerFollowUp, error) {
	f := &centerFollowUp{CanReport: c.RetiredOn.IsZero() && p.Allowed(markaz.PermProblemsReport, c.Ref()),
		CanProblems: p.Allowed(markaz.PermProblemsRead, c.Ref()), CanEquipment: p.Allowed(markaz.PermEquipmentRead, c.Ref())}
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		if f.CanProblems {
			if f.OpenProblems, err = tx.OpenProblems(c.ID, ""); err != nil {
				return err
			}
		}
		if f.CanEquipment {
			n, err := tx.EquipmentCounts(c.ID)
			f.Equipment = &n
			return err
		}
		return nil
	})
	return f, err
}
