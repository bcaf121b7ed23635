package web

// Inspection and follow-up as pages: the follow-up home (my visits, my corrective
// actions, what is overdue), committees, visit plans and checklists. Visits, findings
// and corrective actions are in inspections_visits.go. Every read and change goes
// through the same store calls as the JSON API.

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"markaz"
	"markaz/i18n"
	"markaz/inspection"
	"markaz/store"
)

// inspHomePage is what inspections.html shows.
type inspHomePage struct {
	CanRecord, CanManage bool
	MyPlans              []inspection.Plan
	MyCommittees         []inspection.Committee
	MyActions            []inspection.Action
	Overdue              int
	Recent               []store.Visit
}

// handleInspections: GET /inspections, the follow-up home.
func (s *Server) handleInspections(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	ctx := r.Context()
	data := inspHomePage{CanManage: p.Can(markaz.PermInspectionsManage)}
	if err := s.db.Read(ctx, func(tx *store.Tx) error {
		data.MyCommittees, err = tx.MyCommittees(p.UserID)
		return err
	}); err != nil {
		return err
	}
	data.CanRecord = len(data.MyCommittees) > 0 && p.Can(markaz.PermInspectionsWrite)
	if data.MyPlans, _, err = s.db.Plans(ctx, store.PlanFilter{Scope: readScope(p), Mine: p.UserID, Open: true, Limit: 20}); err != nil {
		return err
	}
	mine, err := s.db.Actions(ctx, store.ActionFilter{Scope: readScope(p), Owner: p.UserID, Open: true, Limit: 20})
	if err != nil {
		return err
	}
	overdue, err := s.db.Actions(ctx, store.ActionFilter{Scope: readScope(p), Overdue: true, Limit: 1})
	if err != nil {
		return err
	}
	data.MyActions, data.Overdue = mine.Rows, overdue.Total
	if data.Recent, _, err = s.db.Visits(ctx, store.VisitFilter{Scope: readScope(p), Limit: 10}); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "inspections", "inspections.title", data)
	return nil
}

// govOverduePreview is how many overdue actions a governorate's page lists.
const govOverduePreview = 10

// govOverdue lists governorate gov's overdue corrective actions for its page, or nil
// when p may not read the governorate's follow-up.
func (s *Server) govOverdue(r *http.Request, p *markaz.Principal, gov string) (*store.ActionList, error) {
	if !readScope(p).ContainsGov(gov) {
		return nil, nil
	}
	l, err := s.db.Actions(r.Context(), store.ActionFilter{Scope: readScope(p), Gov: gov, Overdue: true, Limit: govOverduePreview})
	return &l, err
}

// govNames maps governorate codes to their names in lang.
func (s *Server) govNames(r *http.Request) (map[string]string, error) {
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return nil, err
	}
	lang := info(r).lang
	out := map[string]string{"": i18n.T(lang, "inspections.national", nil)}
	for _, g := range govs {
		out[g.Code] = pickName(lang, g.NameAr, g.NameEn)
	}
	return out, nil
}

// committeesPage is what committees.html shows.
type committeesPage struct {
	Rows     []inspection.Committee
	GovNames map[string]string
	NextURL  string
	CanNew   bool
}

// handleCommittees: GET /inspections/committees.
func (s *Server) handleCommittees(w http.ResponseWriter, r *http.Request) error {
	p, rows, next, err := s.committeeList(r)
	if err != nil {
		return err
	}
	data := committeesPage{Rows: rows, CanNew: p.Can(markaz.PermInspectionsManage)}
	if data.GovNames, err = s.govNames(r); err != nil {
		return err
	}
	if next != "" {
		q := r.URL.Query()
		q.Set("cursor", encodeCursor(next))
		data.NextURL = "/inspections/committees?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "committees", "inspections.committees", data)
	return nil
}

// memberRow is an inspector who may sit on the committee, with the body chosen for them
// in the form ("" when not a member) and the problem found with them.
type memberRow struct {
	store.Inspector
	Body, Error string
}

// committeePage is what committee.html shows: a new committee's form, or a committee
// with its edit form when the reader may manage it.
type committeePage struct {
	New      bool
	C        *inspection.Committee
	CanEdit  bool
	GovName  string
	GovNames map[string]string
	Govs     []centerOption
	Bodies   []centerOption
	Rows     []memberRow
	F        url.Values
	Errors   map[string]string
	Conflict string
}

// renderCommittee shows committee id ("" for the new-committee form) with form values f
// (nil: the committee as stored) and errs.
func (s *Server) renderCommittee(w http.ResponseWriter, r *http.Request, p *markaz.Principal, id string, status int,
	f url.Values, errs map[string]string, conflict string) error {
	data := committeePage{New: id == "", F: f, Errors: errs, Conflict: conflict,
		Bodies: centerOptions(info(r).lang, "inspections.body.", inspection.Bodies)}
	var inspectors []store.Inspector
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		if id != "" {
			if data.C, err = tx.Committee(readScope(p), id); err != nil {
				return err
			}
			data.CanEdit = store.MayManage(p, data.C)
		}
		inspectors, err = tx.Inspectors(p.Scope(markaz.PermInspectionsManage))
		return err
	})
	if err != nil {
		return err
	}
	if data.New && !p.Can(markaz.PermInspectionsManage) {
		return markaz.ErrForbidden
	}
	if data.GovNames, err = s.govNames(r); err != nil {
		return err
	}
	if data.New {
		data.Govs = s.manageGovs(r, p, data.GovNames)
	} else {
		data.GovName = data.GovNames[data.C.GovCode]
	}
	if f == nil && data.C != nil {
		data.F = url.Values{"name_ar": {data.C.NameAr}, "name_en": {data.C.NameEn},
			"version": {strconv.Itoa(data.C.Version)}}
		for _, m := range data.C.Members {
			data.F.Set("body."+m.UserID, m.Body)
		}
	}
	for _, in := range inspectors {
		if data.C != nil && !data.C.National() && in.GovCode != "" && in.GovCode != data.C.GovCode ||
			data.C != nil && data.C.National() && in.GovCode != "" {
			continue
		}
		data.Rows = append(data.Rows, memberRow{Inspector: in, Body: data.F.Get("body." + in.UserID),
			Error: errs["body."+in.UserID]})
	}
	title := "inspections.committee"
	if data.New {
		title = "inspections.new_committee"
	}
	s.render(w, r, status, "committee", title, data)
	return nil
}

// manageGovs lists where p may create a committee: nationally, then each governorate.
func (s *Server) manageGovs(r *http.Request, p *markaz.Principal, names map[string]string) []centerOption {
	scope := p.Scope(markaz.PermInspectionsManage)
	var out []centerOption
	if scope.All {
		out = append(out, centerOption{Value: "", Label: names[""]})
	}
	codes := make([]string, 0, len(names))
	for code := range names {
		if code != "" && scope.ContainsGov(code) {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	for _, c := range codes {
		out = append(out, centerOption{Value: c, Label: names[c]})
	}
	return out
}

func (s *Server) handleCommitteeNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsManage)
	if err != nil {
		return err
	}
	return s.renderCommittee(w, r, p, "", http.StatusOK, url.Values{}, nil, "")
}

func (s *Server) handleCommittee(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	return s.renderCommittee(w, r, p, r.PathValue("id"), http.StatusOK, nil, nil, "")
}

// committeeInput reads the committee form: names, governorate, version, and a body per
// inspector ("body.<user id>", empty for none). It returns the user id behind each
// member index, to put "members.<i>.…" problems back on their row.
func committeeInput(f url.Values) (store.CommitteeInput, []string) {
	in := store.CommitteeInput{NameAr: f.Get("name_ar"), NameEn: f.Get("name_en"), Gov: f.Get("governorate")}
	in.Version, _ = strconv.Atoi(f.Get("version"))
	var ids []string
	for _, k := range slices.Sorted(maps.Keys(f)) {
		if id, ok := strings.CutPrefix(k, "body."); ok && f.Get(k) != "" {
			in.Members = append(in.Members, store.MemberInput{UserID: id, Body: f.Get(k)})
			ids = append(ids, id)
		}
	}
	return in, ids
}

// memberErrors renames "members.<i>.user|body" problems to "body.<user id>".
func memberErrors(errs map[string]string, ids []string) map[string]string {
	for k, m := range errs {
		var i int
		var rest string
		if n, _ := fmt.Sscanf(k, "members.%d.%s", &i, &rest); n == 2 && i < len(ids) {
			errs["body."+ids[i]] = m
			delete(errs, k)
		}
	}
	return errs
}

// saveCommittee handles POST /inspections/committees/new and /inspections/committees/{id}.
func (s *Server) saveCommittee(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var ids []string
	return s.formPost(w, r, markaz.PermInspectionsManage, "inspections.flash.committee_saved",
		func(tx *store.Tx, p *markaz.Principal, f url.Values) (string, error) {
			var in store.CommitteeInput
			in, ids = committeeInput(f)
			var c *inspection.Committee
			var err error
			if id == "" {
				c, err = tx.CreateCommittee(p, in)
			} else {
				c, err = tx.UpdateCommittee(p, id, in)
			}
			if err != nil {
				return "", err
			}
			return "/inspections/committees/" + c.ID, nil
		},
		func(p *markaz.Principal, status int, errs map[string]string, conflict string) error {
			return s.renderCommittee(w, r, p, id, status, r.PostForm, memberErrors(errs, ids), conflict)
		})
}

// formRefused re-renders a refused form with its status, per-field messages (a
// validation failure) or a conflict's message.
type formRefused func(p *markaz.Principal, status int, errs map[string]string, conflict string) error

// formPost is the common shape of a follow-up form that changes something: the caller
// must hold perm; save makes the change from the parsed form in one write transaction
// and says which page to go to next; on success the page carries flashKey's message, a
// validation failure or a conflict re-renders the form through refused, anything else is
// an error page.
func (s *Server) formPost(w http.ResponseWriter, r *http.Request, perm, flashKey string,
	save func(tx *store.Tx, p *markaz.Principal, f url.Values) (string, error), refused formRefused) error {
	p, err := need(r, perm)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	var next string
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		next, err = save(tx, p, r.PostForm)
		return err
	})
	ri := info(r)
	switch e := asError(err); {
	case err == nil:
		flash(w, flashKey)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	case e.Code == markaz.EInvalid:
		return refused(p, http.StatusUnprocessableEntity, fieldMessages(ri.lang, err), "")
	case e.Code == markaz.EConflict:
		return refused(p, http.StatusConflict, nil, message(ri.lang, ri.id, e))
	}
	return err
}

// plansPage is what plans.html shows.
type plansPage struct {
	Q                 url.Values
	Govs              []centerGov
	Statuses          []centerOption
	Rows              []inspection.Plan
	NextURL, FirstURL string
	CanNew            bool
}

// pageLinks sets the next and first page links of a list at path.
func pageLinks(r *http.Request, path string, next, after *store.DateKey) (nextURL, firstURL string) {
	q := r.URL.Query()
	if next != nil {
		q.Set("cursor", dateCursor(next))
		nextURL = path + "?" + q.Encode()
	}
	if after != nil {
		q.Del("cursor")
		firstURL = path + "?" + q.Encode()
	}
	return nextURL, firstURL
}

// handlePlans: GET /inspections/plans.
func (s *Server) handlePlans(w http.ResponseWriter, r *http.Request) error {
	l, err := s.planList(r)
	if err != nil {
		return err
	}
	p := l.P
	data := plansPage{Q: r.URL.Query(), Rows: l.Rows, Statuses: centerOptions(info(r).lang, "inspections.plan_status.", inspection.PlanStatuses)}
	data.NextURL, data.FirstURL = pageLinks(r, "/inspections/plans", l.Next, l.Q.After)
	if data.Govs, err = s.centerChoices(r, readScope(p)); err != nil {
		return err
	}
	plannable, err := s.plannable(r, p)
	if err != nil {
		return err
	}
	data.CanNew = len(plannable) > 0
	s.render(w, r, http.StatusOK, "plans", "inspections.plans", data)
	return nil
}

// plannable lists the committees p may plan visits for: those it manages and those it
// sits on (with inspections.write), by name.
func (s *Server) plannable(r *http.Request, p *markaz.Principal) ([]inspection.Committee, error) {
	var out []inspection.Committee
	if p.Can(markaz.PermInspectionsManage) {
		rows, _, err := s.db.Committees(r.Context(), store.CommitteeFilter{Scope: p.Scope(markaz.PermInspectionsManage), Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, c := range rows {
			if store.MayManage(p, &c) {
				out = append(out, c)
			}
		}
	}
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		mine, err := tx.MyCommittees(p.UserID)
		for _, c := range mine {
			if store.MayPlan(p, &c) && !slices.ContainsFunc(out, func(o inspection.Committee) bool { return o.ID == c.ID }) {
				out = append(out, c)
			}
		}
		return err
	})
	return out, err
}

// centerGroup is the centers of one governorate, for a grouped select.
type centerGroup struct {
	Label   string
	Centers []centerOption
}

// centerGroups lists the centers in service inside scope, grouped by governorate.
func (s *Server) centerGroups(r *http.Request, scope markaz.Scope, gov string) ([]centerGroup, error) {
	list, err := s.db.Centers(r.Context(), store.CenterFilter{Scope: scope, Gov: gov, Limit: 2000})
	if err != nil {
		return nil, err
	}
	lang := info(r).lang
	var out []centerGroup
	for _, c := range list.Rows {
		g := pickName(lang, c.GovNameAr, c.GovNameEn)
		if len(out) == 0 || out[len(out)-1].Label != g {
			out = append(out, centerGroup{Label: g})
		}
		out[len(out)-1].Centers = append(out[len(out)-1].Centers,
			centerOption{Value: c.ID, Label: pickName(lang, c.NameAr, c.NameEn) + " (" + c.Code + ")"})
	}
	return out, nil
}

// planNewPage is what plan_new.html shows: the committee choice, then the plan's form.
type planNewPage struct {
	Committees []centerOption
	Committee  *inspection.Committee
	Centers    []centerGroup
	F          url.Values
	Errors     map[string]string
	Members    map[string]bool
	Today      string
}

func (s *Server) renderPlanNew(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, f url.Values,
	errs map[string]string) error {
	cs, err := s.plannable(r, p)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return markaz.ErrForbidden
	}
	lang := info(r).lang
	data := planNewPage{F: f, Errors: errs, Members: map[string]bool{}, Today: markaz.Today(s.db.Clock).String()}
	for _, c := range cs {
		data.Committees = append(data.Committees, centerOption{Value: c.ID, Label: pickName(lang, c.NameAr, c.NameEn)})
	}
	if len(cs) == 1 && f.Get("committee_id") == "" {
		f.Set("committee_id", cs[0].ID)
	}
	if i := slices.IndexFunc(cs, func(c inspection.Committee) bool { return c.ID == f.Get("committee_id") }); i >= 0 {
		data.Committee = &cs[i]
		scope := readScope(p)
		if !data.Committee.National() {
			scope = markaz.Scope{Govs: []string{data.Committee.GovCode}}
		}
		if data.Centers, err = s.centerGroups(r, scope, ""); err != nil {
			return err
		}
	}
	for _, m := range f["members"] {
		data.Members[m] = true
	}
	s.render(w, r, status, "plan_new", "inspections.new_plan", data)
	return nil
}

func (s *Server) handlePlanNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	return s.renderPlanNew(w, r, p, http.StatusOK, r.URL.Query(), nil)
}

func (s *Server) handlePlanCreate(w http.ResponseWriter, r *http.Request) error {
	return s.formPost(w, r, markaz.PermInspectionsRead, "inspections.flash.plan_saved",
		func(tx *store.Tx, p *markaz.Principal, f url.Values) (string, error) {
			in := store.PlanInput{CommitteeID: f.Get("committee_id"), CenterID: f.Get("center_id"), Members: f["members"],
				Purpose: f.Get("purpose")}
			var err error
			if in.PlannedOn, err = formDateErr(f, "planned_on"); err != nil {
				return "", err
			}
			pl, err := tx.CreatePlan(p, in)
			if err != nil {
				return "", err
			}
			return "/inspections/plans/" + pl.ID, nil
		},
		func(p *markaz.Principal, status int, errs map[string]string, conflict string) error {
			return s.renderPlanNew(w, r, p, status, r.PostForm, errs)
		})
}

// formDateErr is formDate for a form read one field at a time: the date, or its field error.
func formDateErr(f url.Values, name string) (markaz.Date, error) {
	var v markaz.Validator
	d := formDate(&v, f, name)
	return d, v.Err()
}

// planPage is what plan.html shows. Form names the refused form ("postpone", "cancel").
type planPage struct {
	P                    *inspection.Plan
	CanChange, CanRecord bool
	Form                 string
	F                    url.Values
	Errors               map[string]string
	Conflict             string
	Today                string
}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, form string,
	f url.Values, errs map[string]string, conflict string) error {
	data := &planPage{Form: form, F: f, Errors: errs, Conflict: conflict, Today: markaz.Today(s.db.Clock).String()}
	return s.readRender(w, r, status, "plan", "inspections.plan", data, func(tx *store.Tx) error {
		var err error
		if data.P, err = tx.Plan(readScope(p), r.PathValue("id")); err != nil {
			return err
		}
		c, err := tx.Committee(markaz.Scope{All: true}, data.P.CommitteeID)
		if err != nil {
			return err
		}
		open := inspection.PlanOpen(data.P.Status)
		data.CanChange = open && store.MayPlan(p, c)
		data.CanRecord = open && c.Has(p.UserID) && p.Allowed(markaz.PermInspectionsWrite, data.P.Ref())
		return nil
	})
}

// readRender fills a page's data in one read transaction and renders it.
func (s *Server) readRender(w http.ResponseWriter, r *http.Request, status int, name, title string, data any,
	fill func(tx *store.Tx) error) error {
	if err := s.db.Read(r.Context(), fill); err != nil {
		return err
	}
	s.render(w, r, status, name, title, data)
	return nil
}

func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	return s.renderPlan(w, r, p, http.StatusOK, "", url.Values{}, nil, "")
}

// handlePlanChange: POST /inspections/plans/{id}/postpone and …/cancel.
func (s *Server) handlePlanChange(action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		return s.formPost(w, r, markaz.PermInspectionsRead, "inspections.flash.plan_"+action,
			func(tx *store.Tx, p *markaz.Principal, f url.Values) (string, error) {
				ch := store.PlanChange{Action: action, Reason: f.Get("reason"), Version: formVersion(f)}
				if action == store.PlanPostpone {
					var err error
					if ch.On, err = formDateErr(f, "planned_on"); err != nil {
						return "", err
					}
				}
				_, err := tx.ChangePlan(p, id, ch)
				return "/inspections/plans/" + id, err
			},
			func(p *markaz.Principal, status int, errs map[string]string, conflict string) error {
				return s.renderPlan(w, r, p, status, action, r.PostForm, errs, conflict)
			})
	}
}

// formVersion reads the version a form was filled at (nil when absent).
func formVersion(f url.Values) *int {
	v, err := strconv.Atoi(f.Get("version"))
	if err != nil {
		return nil
	}
	return &v
}

// checklistsPage is what checklists.html shows.
type checklistsPage struct {
	Rows   []inspection.Checklist
	CanNew bool
}

// handleChecklists: GET /inspections/checklists.
func (s *Server) handleChecklists(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	rows, err := s.db.Checklists(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "checklists", "inspections.checklists",
		checklistsPage{Rows: rows, CanNew: p.Scope(markaz.PermInspectionsManage).All})
	return nil
}

// itemRow is one row of the checklist form.
type itemRow struct {
	I                                             int
	Key, NameAr, NameEn, GuideAr, GuideEn, Weight string
}

// checklistPage is what checklist.html shows: a new checklist's form, or a checklist's
// version (the current one unless ?version=) with the amend form for national managers.
type checklistPage struct {
	New      bool
	D        *store.ChecklistDetail
	Shown    *inspection.Version
	CanAmend bool
	Rows     []itemRow
	F        url.Values
	Errors   map[string]string
	Conflict string
}

// blankItemRows is how many empty rows the amend form offers for new items, and
// newChecklistRows how many a new checklist's form starts with.
const (
	blankItemRows    = 4
	newChecklistRows = 12
)

func (s *Server) renderChecklist(w http.ResponseWriter, r *http.Request, p *markaz.Principal, id string, status int,
	f url.Values, errs map[string]string, conflict string) error {
	data := checklistPage{New: id == "", F: f, Errors: errs, Conflict: conflict, CanAmend: p.Scope(markaz.PermInspectionsManage).All}
	if data.New && !data.CanAmend {
		return markaz.ErrForbidden
	}
	if !data.New {
		err := s.db.Read(r.Context(), func(tx *store.Tx) error {
			var err error
			if data.D, err = tx.Checklist(id); err != nil {
				return err
			}
			data.Shown = data.D.Current
			if n, _ := strconv.Atoi(r.URL.Query().Get("version")); n > 0 && n != data.D.CurrentVersion {
				data.Shown, err = tx.ChecklistVersion(id, n)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	if f == nil {
		data.F = url.Values{}
		if data.D != nil {
			data.F.Set("name_ar", data.D.NameAr)
			data.F.Set("name_en", data.D.NameEn)
			for i, it := range data.D.Current.Items {
				data.Rows = append(data.Rows, itemRow{I: i, Key: it.Key, NameAr: it.NameAr, NameEn: it.NameEn,
					GuideAr: it.GuideAr, GuideEn: it.GuideEn, Weight: strconv.Itoa(it.Weight)})
			}
		}
		blank := blankItemRows
		if data.New {
			blank = newChecklistRows
		}
		for range blank {
			data.Rows = append(data.Rows, itemRow{I: len(data.Rows)})
		}
	} else {
		n, _ := strconv.Atoi(f.Get("rows"))
		for i := range min(n, inspection.MaxItems+newChecklistRows) {
			g := func(k string) string { return f.Get(fmt.Sprintf("items.%d.%s", i, k)) }
			data.Rows = append(data.Rows, itemRow{I: i, Key: g("key"), NameAr: g("name_ar"), NameEn: g("name_en"),
				GuideAr: g("guide_ar"), GuideEn: g("guide_en"), Weight: g("weight")})
		}
	}
	title := "inspections.checklist"
	if data.New {
		title = "inspections.new_checklist"
	}
	s.render(w, r, status, "checklist", title, data)
	return nil
}

func (s *Server) handleChecklistNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsManage)
	if err != nil {
		return err
	}
	return s.renderChecklist(w, r, p, "", http.StatusOK, nil, nil, "")
}

func (s *Server) handleChecklist(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	return s.renderChecklist(w, r, p, r.PathValue("id"), http.StatusOK, nil, nil, "")
}

// checklistInput reads the checklist form. Rows left wholly blank are dropped; the
// returned indexes map each kept item back to its form row, to put "items.<i>.…"
// problems back where they were typed.
func checklistInput(f url.Values) (store.ChecklistInput, []int) {
	in := store.ChecklistInput{Code: f.Get("code"), NameAr: f.Get("name_ar"), NameEn: f.Get("name_en"), Note: f.Get("note")}
	in.BasedOn, _ = strconv.Atoi(f.Get("based_on"))
	n, _ := strconv.Atoi(f.Get("rows"))
	var rows []int
	for i := range min(n, inspection.MaxItems+newChecklistRows) {
		g := func(k string) string { return strings.TrimSpace(f.Get(fmt.Sprintf("items.%d.%s", i, k))) }
		it := inspection.Item{Key: g("key"), NameAr: g("name_ar"), NameEn: g("name_en"), GuideAr: g("guide_ar"), GuideEn: g("guide_en")}
		weight := g("weight")
		if it == (inspection.Item{}) && weight == "" {
			continue
		}
		it.Weight, _ = strconv.Atoi(markaz.LatinDigits(weight))
		in.Items = append(in.Items, it)
		rows = append(rows, i)
	}
	return in, rows
}

// itemErrors renames "items.<k>.<field>" problems to the form row of item k.
func itemErrors(errs map[string]string, rows []int) map[string]string {
	for k, m := range errs {
		var i int
		var rest string
		if n, _ := fmt.Sscanf(strings.Replace(k, ".", " ", 2), "items %d %s", &i, &rest); n == 2 && i < len(rows) {
			delete(errs, k)
			errs[fmt.Sprintf("items.%d.%s", rows[i], rest)] = m
		}
	}
	return errs
}

// saveChecklist handles POST /inspections/checklists/new and /inspections/checklists/{id}
// (a new version).
func (s *Server) saveChecklist(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var rows []int
	return s.formPost(w, r, markaz.PermInspectionsManage, "inspections.flash.checklist_saved",
		func(tx *store.Tx, p *markaz.Principal, f url.Values) (string, error) {
			var in store.ChecklistInput
			in, rows = checklistInput(f)
			var d *store.ChecklistDetail
			var err error
			if id == "" {
				d, err = tx.CreateChecklist(p, in)
			} else {
				d, err = tx.AmendChecklist(p, id, in)
			}
			if err != nil {
				return "", err
			}
			return "/inspections/checklists/" + d.ID, nil
		},
		func(p *markaz.Principal, status int, errs map[string]string, conflict string) error {
			return s.renderChecklist(w, r, p, id, status, r.PostForm, itemErrors(errs, rows), conflict)
		})
}
