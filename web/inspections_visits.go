package web

// Visits, findings and corrective actions as pages. Recording a visit is made for a
// phone: one checklist item per row with large choices and a note, and two steps —
// "review" computes the score (the visit is recorded and rolled back, so the check is
// exactly the real one) and shows it; "save" records it only if the score is the one
// the member saw, otherwise it shows the new score again.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"markaz"
	"markaz/i18n"
	"markaz/inspection"
	"markaz/store"
)

// visitsPage is what visits.html shows.
type visitsPage struct {
	Q                 url.Values
	Govs              []centerGov
	Center            *store.CenterRow
	Rows              []store.Visit
	NextURL, FirstURL string
	CanRecord         bool
}

// handleVisits: GET /inspections/visits?governorate=&center=&committee=&from=&to=.
func (s *Server) handleVisits(w http.ResponseWriter, r *http.Request) error {
	l, err := s.visitList(r)
	if err != nil {
		return err
	}
	data := visitsPage{Q: r.URL.Query(), Rows: l.Rows, CanRecord: l.P.Can(markaz.PermInspectionsWrite)}
	data.NextURL, data.FirstURL = pageLinks(r, "/inspections/visits", l.Next, l.Q.After)
	if data.Govs, data.Center, err = s.listChoices(r, l.P, l.Q.Center); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "visits", "inspections.visits", data)
	return nil
}

// listChoices gives a list page its governorate filter and, when the list is of one
// center, that center.
func (s *Server) listChoices(r *http.Request, p *markaz.Principal, center string) ([]centerGov, *store.CenterRow, error) {
	govs, err := s.centerChoices(r, readScope(p))
	if err != nil || center == "" {
		return govs, nil, err
	}
	c, err := s.db.Center(r.Context(), readScope(p), center)
	return govs, c, err
}

// scaleChoice is one score a checklist item may get, with its label.
type scaleChoice struct {
	Value int
	Label string
}

// visitNewPage is what visit_new.html shows. Without a center it is the first step
// (pick a planned visit, or a center and committee); with one, the checklist form.
type visitNewPage struct {
	NotMember  bool
	Plans      []inspection.Plan
	Centers    []centerGroup
	Committees []centerOption
	Checklists []centerOption
	Plan       *inspection.Plan
	Center     *markaz.Center
	Committee  *inspection.Committee
	Version    *inspection.Version
	Checklist  string
	Scale      []scaleChoice
	F          url.Values
	Errors     map[string]string
	Review     *visitReview
	Today      string
}

// errNotSaved rolls back a visit recorded only to compute its score.
var errNotSaved = errors.New("visit reviewed, not saved")

func (s *Server) handleVisitNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for short, long := range map[string]string{"plan": "plan_id", "center": "center_id"} { // links say ?plan= or ?center=
		if v := q.Get(short); v != "" && q.Get(long) == "" {
			q.Set(long, v)
		}
	}
	return s.renderVisitNew(w, r, p, http.StatusOK, q, nil, nil)
}

// visitReview is the score a review step computed; Changed says the member pressed save
// after changing a score, so the new score is shown before anything is recorded.
type visitReview struct {
	Score   int
	Changed bool
}

// renderVisitNew shows the first step, or the checklist form for the plan or center in f
// (with the score of a review step when rev is not nil).
func (s *Server) renderVisitNew(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, f url.Values,
	errs map[string]string, rev *visitReview) error {
	lang := info(r).lang
	data := visitNewPage{F: f, Errors: errs, Today: markaz.Today(s.db.Clock).String(), Review: rev}
	if rev != nil {
		f.Set("reviewed_score", strconv.Itoa(rev.Score))
	}
	for _, v := range inspection.Scale {
		data.Scale = append(data.Scale, scaleChoice{v, i18n.T(lang, "inspections.score."+strconv.Itoa(v), nil)})
	}
	var mine []inspection.Committee
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		if mine, err = tx.MyCommittees(p.UserID); err != nil || len(mine) == 0 || !p.Can(markaz.PermInspectionsWrite) {
			return err
		}
		return s.visitForm(tx, r, p, mine, &data)
	})
	if err != nil {
		return err
	}
	data.NotMember = len(mine) == 0 || !p.Can(markaz.PermInspectionsWrite)
	if !data.NotMember && data.Center == nil {
		if data.Plans, _, err = s.db.Plans(r.Context(), store.PlanFilter{Scope: readScope(p), Mine: p.UserID, Open: true, Limit: 50}); err != nil {
			return err
		}
		if err := s.visitChoices(r, p, mine, &data); err != nil {
			return err
		}
	}
	s.render(w, r, status, "visit_new", "inspections.record_visit", data)
	return nil
}

// visitForm fills the checklist form's plan, center, committee and checklist version
// from f (plan_id, or center_id with committee_id; checklist_version_id or checklist).
// A superseded version is replaced by its checklist's current one: the scores typed so
// far are kept by item key.
func (s *Server) visitForm(tx *store.Tx, r *http.Request, p *markaz.Principal, mine []inspection.Committee, data *visitNewPage) error {
	f := data.F
	var err error
	if id := strings.TrimSpace(f.Get("plan_id")); id != "" {
		if data.Plan, err = tx.Plan(readScope(p), id); err != nil {
			return err
		}
		f.Set("center_id", data.Plan.CenterID)
		f.Set("committee_id", data.Plan.CommitteeID)
	}
	centerID := strings.TrimSpace(f.Get("center_id"))
	if centerID == "" {
		return nil
	}
	if data.Center, err = tx.GetCenter(centerID); err != nil {
		return err
	}
	if !p.Allowed(markaz.PermInspectionsWrite, data.Center.Ref()) {
		return markaz.ErrForbidden
	}
	var fit []inspection.Committee
	for _, c := range mine {
		if c.Covers(data.Center.Ref()) && (f.Get("committee_id") == "" || f.Get("committee_id") == c.ID) {
			fit = append(fit, c)
		}
	}
	if len(fit) != 1 { // none fits, or the member must still choose: back to the first step
		if len(fit) == 0 && data.Errors == nil {
			data.Errors = map[string]string{"center_id": fieldMessage(info(r).lang, markaz.FieldError{Code: "outside_committee"})}
		}
		data.Center = nil
		return nil
	}
	data.Committee = &fit[0]
	f.Set("committee_id", data.Committee.ID)
	var ver *inspection.Version
	if id := f.Get("checklist_version_id"); id != "" {
		ver, err = tx.ChecklistVersionByID(id)
	} else {
		ver, err = s.defaultVersion(tx, f.Get("checklist"))
	}
	if err != nil {
		return err
	}
	cl, err := tx.Checklist(ver.ChecklistID)
	if err != nil {
		return err
	}
	data.Version, data.Checklist = cl.Current, pickName(info(r).lang, cl.NameAr, cl.NameEn)
	f.Set("checklist_version_id", cl.Current.ID)
	return nil
}

// defaultVersion is the current version of checklist id, or of the first checklist by code.
func (s *Server) defaultVersion(tx *store.Tx, id string) (*inspection.Version, error) {
	if id == "" {
		if err := tx.Get(&id, `SELECT id FROM checklists ORDER BY code LIMIT 1`); err != nil {
			return nil, err
		}
	}
	cl, err := tx.Checklist(id)
	if err != nil {
		return nil, err
	}
	return cl.Current, nil
}

// visitChoices fills the first step's choices: the centers the member may visit with one
// of their committees, the committees, and the checklists.
func (s *Server) visitChoices(r *http.Request, p *markaz.Principal, mine []inspection.Committee, data *visitNewPage) error {
	lang := info(r).lang
	scope := markaz.Scope{}
	for _, c := range mine {
		data.Committees = append(data.Committees, centerOption{Value: c.ID, Label: pickName(lang, c.NameAr, c.NameEn)})
		if c.National() {
			scope = p.Scope(markaz.PermInspectionsWrite)
			break
		}
		if p.Allowed(markaz.PermInspectionsWrite, c.Ref()) {
			scope.Govs = append(scope.Govs, c.GovCode)
		}
	}
	var err error
	if data.Centers, err = s.centerGroups(r, scope, ""); err != nil {
		return err
	}
	cls, err := s.db.Checklists(r.Context())
	for _, c := range cls {
		data.Checklists = append(data.Checklists, centerOption{Value: c.ID, Label: pickName(lang, c.NameAr, c.NameEn)})
	}
	return err
}

// visitInput reads the checklist form: a score per item ("items.<key>", 0–2) and a note
// ("notes.<key>"). Items without a chosen score are left out; the store names them.
func visitInput(f url.Values) (store.VisitInput, error) {
	in := store.VisitInput{PlanID: f.Get("plan_id"), CenterID: f.Get("center_id"), CommitteeID: f.Get("committee_id"),
		VersionID: f.Get("checklist_version_id"), Summary: f.Get("summary")}
	var err error
	in.VisitedOn, err = formDateErr(f, "visited_on")
	for k := range f {
		key, ok := strings.CutPrefix(k, "items.")
		if !ok {
			continue
		}
		m := inspection.Mark{Key: key, Note: f.Get("notes." + key)}
		n, err := strconv.Atoi(f.Get(k))
		if err != nil {
			n = -1 // reported as off the scale
		}
		m.Score = &n
		in.Items = append(in.Items, m)
	}
	return in, err
}

// handleVisitCreate: POST /inspections/visits/new — step "review" shows the score,
// step "save" records the visit when the score is the one reviewed.
func (s *Server) handleVisitCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	f := r.PostForm
	in, err := visitInput(f)
	save := f.Get("step") == "save"
	var d *store.VisitDetail
	if err == nil {
		err = s.db.Write(r.Context(), func(tx *store.Tx) error {
			var err error
			if d, err = tx.RecordVisit(p, in); err != nil {
				return err
			}
			if !save || f.Get("reviewed_score") != strconv.Itoa(d.Score) {
				return errNotSaved
			}
			return nil
		})
	}
	switch {
	case errors.Is(err, errNotSaved):
		return s.renderVisitNew(w, r, p, http.StatusOK, f, nil, &visitReview{Score: d.Score, Changed: save})
	case err != nil:
		if fm := fieldMessages(info(r).lang, err); fm != nil {
			return s.renderVisitNew(w, r, p, http.StatusUnprocessableEntity, f, fm, nil)
		}
		return err
	}
	flash(w, "inspections.flash.visit_recorded")
	http.Redirect(w, r, "/inspections/visits/"+d.ID, http.StatusSeeOther)
	return nil
}

// visitPage is what visit.html shows: the visit, its items and findings, and the form
// adding a finding for the visiting committee's members.
type visitPage struct {
	V          *store.VisitDetail
	CanAdd     bool
	Owners     []store.OwnerOption
	Categories []centerOption
	Severities []centerOption
	F          url.Values
	Errors     map[string]string
}

func (s *Server) renderVisit(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, f url.Values,
	errs map[string]string) error {
	lang := info(r).lang
	data := &visitPage{F: f, Errors: errs, Categories: centerOptions(lang, "inspections.category.", inspection.Categories),
		Severities: centerOptions(lang, "inspections.severity.", inspection.Severities)}
	return s.readRender(w, r, status, "visit", "inspections.visit", data, func(tx *store.Tx) error {
		var err error
		if data.V, err = tx.Visit(readScope(p), r.PathValue("id")); err != nil {
			return err
		}
		if data.CanAdd, err = tx.MayRecord(p, &data.V.Visit); err != nil || !data.CanAdd {
			return err
		}
		data.Owners, err = tx.OwnerOptions(&data.V.Visit)
		return err
	})
}

func (s *Server) handleVisit(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	return s.renderVisit(w, r, p, http.StatusOK, url.Values{}, nil)
}

// handleFindingCreate: POST /inspections/visits/{id}/findings (multipart, with files).
func (s *Server) handleFindingCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsWrite)
	if err != nil {
		return err
	}
	d, err := s.addFinding(w, r, p)
	if fm := fieldMessages(info(r).lang, err); fm != nil {
		f := url.Values{}
		if r.MultipartForm != nil {
			f = r.MultipartForm.Value
		}
		return s.renderVisit(w, r, p, http.StatusUnprocessableEntity, f, fm)
	}
	if err != nil {
		return err
	}
	flash(w, "inspections.flash.finding_added")
	http.Redirect(w, r, "/inspections/findings/"+d.ID, http.StatusSeeOther)
	return nil
}

// findingPage is what finding.html shows: a finding, its corrective action with its
// history and files, and the update form for the action's owner or the committee.
type findingPage struct {
	D                *store.FindingDetail
	Next             []centerOption
	Owner, Committee bool
	F                url.Values
	Errors           map[string]string
	Conflict         string
	Today            string
}

func (s *Server) renderFinding(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, f url.Values,
	errs map[string]string, conflict string) error {
	data := &findingPage{F: f, Errors: errs, Conflict: conflict, Today: markaz.Today(s.db.Clock).String()}
	return s.readRender(w, r, status, "finding", "inspections.finding", data, func(tx *store.Tx) error {
		var err error
		if data.D, err = tx.Finding(readScope(p), r.PathValue("id")); err != nil {
			return err
		}
		data.Owner, data.Committee = store.ActionRoles(p, data.D.Action)
		data.Next = centerOptions(info(r).lang, "inspections.action_status.",
			inspection.NextStatuses(data.D.Action.Status, data.Owner, data.Committee))
		return nil
	})
}

func (s *Server) handleFinding(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	return s.renderFinding(w, r, p, http.StatusOK, url.Values{}, nil, "")
}

// handleActionUpdate: POST /inspections/findings/{id}/action — a status move, a new due
// date (the committee), a note.
func (s *Server) handleActionUpdate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.formPost(w, r, markaz.PermInspectionsRead, "inspections.flash.action_updated",
		func(tx *store.Tx, p *markaz.Principal, f url.Values) (string, error) {
			ch := inspection.Change{Status: f.Get("status"), Note: f.Get("note"), Version: formVersion(f)}
			var err error
			if ch.DueDate, err = formDateErr(f, "due_date"); err != nil {
				return "", err
			}
			d, err := tx.Finding(readScope(p), id)
			if err != nil {
				return "", err
			}
			_, err = tx.UpdateAction(p, d.Action.ID, ch)
			return "/inspections/findings/" + id, err
		},
		func(p *markaz.Principal, status int, errs map[string]string, conflict string) error {
			return s.renderFinding(w, r, p, status, r.PostForm, errs, conflict)
		})
}

// actionsPage is what actions.html shows.
type actionsPage struct {
	Q                 url.Values
	Govs              []centerGov
	Center            *store.CenterRow
	Statuses          []centerOption
	Rows              []inspection.Action
	Total             int
	NextURL, FirstURL string
}

// handleActions: GET /inspections/actions?governorate=&center=&status=&overdue=&open=&mine=.
func (s *Server) handleActions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if len(q) == 0 || len(q) == 1 && (q.Has("center") || q.Has("governorate")) {
		q.Set("open", "true") // first opened: what is still to be done
		r.URL.RawQuery = q.Encode()
	}
	l, err := s.actionList(r)
	if err != nil {
		return err
	}
	data := actionsPage{Q: q, Rows: l.Rows, Total: l.Total,
		Statuses: centerOptions(info(r).lang, "inspections.action_status.", inspection.ActionStatuses)}
	data.NextURL, data.FirstURL = pageLinks(r, "/inspections/actions", l.Next, l.Q.After)
	if data.Govs, data.Center, err = s.listChoices(r, l.P, l.Q.Center); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "actions", "inspections.actions", data)
	return nil
}
