package web

// Inspection and follow-up as JSON: committees, visit plans, checklists and their
// versions, visits (recorded with their item scores), findings (multipart, with files)
// and corrective actions, under /api/v1/inspections. Reading needs inspections.read
// somewhere; the store checks the record's territory, and who may write it (a manager
// over the committee, a member of the visiting committee, the action's owner).

import (
	"net/http"
	"strconv"
	"strings"

	"markaz"
	"markaz/inspection"
	"markaz/store"
)

func init() {
	fileOwners[store.FindingKind] = func(tx *store.Tx, p *markaz.Principal, id string) error {
		ref, err := tx.FindingRef(id)
		if err != nil {
			return err
		}
		if !p.Allowed(markaz.PermInspectionsRead, ref) {
			return markaz.ErrForbidden
		}
		return nil
	}
}

// followUpQuery is what the follow-up lists filter on: ?governorate=&center=&committee=
// &status=&from=&to=&mine=&overdue=&open=, with the paging parameters; the cursor is a
// date and an id.
type followUpQuery struct {
	Gov, Center, Committee, Status string
	From, To                       markaz.Date
	Mine, Overdue, Open            bool
	Limit                          int
	After                          *store.DateKey
}

// readFollowUpQuery reads and checks the query; statuses are those a list allows.
func readFollowUpQuery(r *http.Request, statuses []string) (followUpQuery, error) {
	q := r.URL.Query()
	f := followUpQuery{Gov: markaz.LatinDigits(strings.TrimSpace(q.Get("governorate"))),
		Center: strings.TrimSpace(q.Get("center")), Committee: strings.TrimSpace(q.Get("committee")),
		Status: strings.TrimSpace(q.Get("status"))}
	var v markaz.Validator
	if f.Gov != "" && (len(f.Gov) != 2 || digitsOnlyWeb(f.Gov) != f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	if f.Center != "" && !markaz.ValidID(f.Center) {
		v.Add("center", "unknown_center", nil)
	}
	if f.Committee != "" && !markaz.ValidID(f.Committee) {
		v.Add("committee", "unknown_committee", nil)
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, statuses...)
	}
	queryFlags(r, &v, map[string]*bool{"mine": &f.Mine, "overdue": &f.Overdue, "open": &f.Open})
	queryDates(r, &v, map[string]*markaz.Date{"from": &f.From, "to": &f.To})
	limit, after, err := pageParams(r)
	if err := v.Merge(err, nil); err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		d, err := markaz.ParseDate(after[0])
		if err != nil || len(after) != 2 {
			v.Add("cursor", "bad_cursor", nil)
		} else {
			f.After = &store.DateKey{Date: d, ID: after[1]}
		}
	}
	return f, v.Err()
}

// dateCursor is the cursor of a list ordered by a date and an id ("" at the end).
func dateCursor(k *store.DateKey) string {
	if k == nil {
		return ""
	}
	return encodeCursor(k.Date.String(), k.ID)
}

// followUpList is one page of a follow-up list, as the API and the pages read it.
type followUpList[T any] struct {
	P     *markaz.Principal
	Q     followUpQuery
	Rows  []T
	Next  *store.DateKey
	Total int
}

// listFollowUp reads a list's query (statuses: those the list allows) for a holder of
// inspections.read and lists one page with list.
func listFollowUp[T any](r *http.Request, statuses []string,
	list func(p *markaz.Principal, q followUpQuery) ([]T, *store.DateKey, int, error)) (*followUpList[T], error) {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return nil, err
	}
	q, err := readFollowUpQuery(r, statuses)
	if err != nil {
		return nil, err
	}
	l := &followUpList[T]{P: p, Q: q}
	l.Rows, l.Next, l.Total, err = list(p, q)
	return l, err
}

// visitList, planList and actionList list one page of visits, plans and actions for the
// request's caller and query.
func (s *Server) visitList(r *http.Request) (*followUpList[store.Visit], error) {
	return listFollowUp(r, nil, func(p *markaz.Principal, q followUpQuery) ([]store.Visit, *store.DateKey, int, error) {
		rows, next, err := s.db.Visits(r.Context(), store.VisitFilter{Scope: readScope(p), Gov: q.Gov, Center: q.Center,
			Committee: q.Committee, From: q.From, To: q.To, After: q.After, Limit: q.Limit})
		return rows, next, 0, err
	})
}

func (s *Server) planList(r *http.Request) (*followUpList[inspection.Plan], error) {
	return listFollowUp(r, inspection.PlanStatuses, func(p *markaz.Principal, q followUpQuery) ([]inspection.Plan, *store.DateKey, int, error) {
		f := store.PlanFilter{Scope: readScope(p), Gov: q.Gov, Center: q.Center, Committee: q.Committee,
			Status: q.Status, Open: q.Open, From: q.From, To: q.To, After: q.After, Limit: q.Limit}
		if q.Mine {
			f.Mine = p.UserID
		}
		rows, next, err := s.db.Plans(r.Context(), f)
		return rows, next, 0, err
	})
}

func (s *Server) actionList(r *http.Request) (*followUpList[inspection.Action], error) {
	return listFollowUp(r, inspection.ActionStatuses, func(p *markaz.Principal, q followUpQuery) ([]inspection.Action, *store.DateKey, int, error) {
		f := store.ActionFilter{Scope: readScope(p), Gov: q.Gov, Center: q.Center, Status: q.Status,
			Overdue: q.Overdue, Open: q.Open, After: q.After, Limit: q.Limit}
		if q.Mine {
			f.Owner = p.UserID
		}
		l, err := s.db.Actions(r.Context(), f)
		return l.Rows, l.Next, l.Total, err
	})
}

// readScope is where p may read the follow-up.
func readScope(p *markaz.Principal) markaz.Scope { return p.Scope(markaz.PermInspectionsRead) }

// readJSON runs fn in a read transaction for a holder of inspections.read and answers
// its result.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, fn func(tx *store.Tx, p *markaz.Principal) (any, error)) error {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return err
	}
	var out any
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		out, err = fn(tx, p)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// writeAction is jsonAction with the change made in one write transaction.
func writeAction[B, R any](s *Server, w http.ResponseWriter, r *http.Request, perm string, status int,
	do func(tx *store.Tx, p *markaz.Principal, b B) (R, error)) error {
	return jsonAction(w, r, perm, status, func(p *markaz.Principal, b B) (R, error) {
		var out R
		err := s.db.Write(r.Context(), func(tx *store.Tx) error {
			var err error
			out, err = do(tx, p, b)
			return err
		})
		return out, err
	})
}

// apiCommittees: GET /api/v1/inspections/committees?governorate= → committees in scope,
// in creation order.
func (s *Server) apiCommittees(w http.ResponseWriter, r *http.Request) error {
	_, rows, next, err := s.committeeList(r)
	if err != nil {
		return err
	}
	out := page[inspection.Committee]{Items: rows}
	if next != "" {
		out.NextCursor = encodeCursor(next)
	}
	return writeJSON(w, http.StatusOK, out)
}

// committeeList lists one page of the committees the caller may read.
func (s *Server) committeeList(r *http.Request) (*markaz.Principal, []inspection.Committee, string, error) {
	p, err := need(r, markaz.PermInspectionsRead)
	if err != nil {
		return nil, nil, "", err
	}
	f, err := committeeFilter(r, p)
	if err != nil {
		return nil, nil, "", err
	}
	rows, next, err := s.db.Committees(r.Context(), f)
	return p, rows, next, err
}

// committeeFilter reads ?governorate= and the paging parameters (the cursor is an id).
func committeeFilter(r *http.Request, p *markaz.Principal) (store.CommitteeFilter, error) {
	f := store.CommitteeFilter{Scope: readScope(p), Gov: markaz.LatinDigits(strings.TrimSpace(r.URL.Query().Get("governorate")))}
	var v markaz.Validator
	if f.Gov != "" && (len(f.Gov) != 2 || digitsOnlyWeb(f.Gov) != f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	limit, after, err := pageParams(r)
	if err := v.Merge(err, nil); err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		f.After = after[0]
	}
	return f, v.Err()
}

// apiCreateCommittee: POST /api/v1/inspections/committees.
func (s *Server) apiCreateCommittee(w http.ResponseWriter, r *http.Request) error {
	return writeAction(s, w, r, markaz.PermInspectionsManage, http.StatusCreated,
		func(tx *store.Tx, p *markaz.Principal, b store.CommitteeInput) (*inspection.Committee, error) {
			return tx.CreateCommittee(p, b)
		})
}

// apiCommittee: GET /api/v1/inspections/committees/{id}.
func (s *Server) apiCommittee(w http.ResponseWriter, r *http.Request) error {
	return s.readJSON(w, r, func(tx *store.Tx, p *markaz.Principal) (any, error) {
		return tx.Committee(readScope(p), r.PathValue("id"))
	})
}

// apiUpdateCommittee: PUT /api/v1/inspections/committees/{id} (names, members, version).
func (s *Server) apiUpdateCommittee(w http.ResponseWriter, r *http.Request) error {
	return writeAction(s, w, r, markaz.PermInspectionsManage, http.StatusOK,
		func(tx *store.Tx, p *markaz.Principal, b store.CommitteeInput) (*inspection.Committee, error) {
			return tx.UpdateCommittee(p, r.PathValue("id"), b)
		})
}

// apiPlans: GET /api/v1/inspections/plans → plans in scope by planned date;
// ?mine=true&open=true is the caller's visits to make.
func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) error {
	l, err := s.planList(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[inspection.Plan]{Items: l.Rows, NextCursor: dateCursor(l.Next)})
}

// apiCreatePlan: POST /api/v1/inspections/plans.
func (s *Server) apiCreatePlan(w http.ResponseWriter, r *http.Request) error {
	return writeAction(s, w, r, markaz.PermInspectionsRead, http.StatusCreated,
		func(tx *store.Tx, p *markaz.Principal, b store.PlanInput) (*inspection.Plan, error) {
			return tx.CreatePlan(p, b)
		})
}

// apiPlan: GET /api/v1/inspections/plans/{id}.
func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) error {
	return s.readJSON(w, r, func(tx *store.Tx, p *markaz.Principal) (any, error) {
		return tx.Plan(readScope(p), r.PathValue("id"))
	})
}

// planChangeBody postpones or cancels a plan.
type planChangeBody struct {
	On      markaz.Date `json:"planned_on"`
	Reason  string      `json:"reason"`
	Version *int        `json:"version"`
}

// apiPostponePlan: POST /api/v1/inspections/plans/{id}/postpone {planned_on, reason, version}.
func (s *Server) apiPostponePlan(w http.ResponseWriter, r *http.Request) error {
	return s.changePlanJSON(w, r, store.PlanPostpone)
}

// apiCancelPlan: POST /api/v1/inspections/plans/{id}/cancel {reason, version}.
func (s *Server) apiCancelPlan(w http.ResponseWriter, r *http.Request) error {
	return s.changePlanJSON(w, r, store.PlanCancel)
}

func (s *Server) changePlanJSON(w http.ResponseWriter, r *http.Request, action string) error {
	return writeAction(s, w, r, markaz.PermInspectionsRead, http.StatusOK,
		func(tx *store.Tx, p *markaz.Principal, b planChangeBody) (*inspection.Plan, error) {
			if action == store.PlanCancel && !b.On.IsZero() {
				return nil, fieldErrWeb("planned_on", "unknown_field")
			}
			return tx.ChangePlan(p, r.PathValue("id"), store.PlanChange{Action: action, On: b.On, Reason: b.Reason,
				Version: b.Version})
		})
}

func fieldErrWeb(field, code string) error {
	var v markaz.Validator
	v.Add(field, code, nil)
	return v.Err()
}

// apiChecklists: GET /api/v1/inspections/checklists.
func (s *Server) apiChecklists(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermInspectionsRead); err != nil {
		return err
	}
	list, err := s.db.Checklists(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[inspection.Checklist]{Items: list})
}

// apiCreateChecklist: POST /api/v1/inspections/checklists (national managers).
func (s *Server) apiCreateChecklist(w http.ResponseWriter, r *http.Request) error {
	return writeAction(s, w, r, markaz.PermInspectionsManage, http.StatusCreated,
		func(tx *store.Tx, p *markaz.Principal, b store.ChecklistInput) (*store.ChecklistDetail, error) {
			return tx.CreateChecklist(p, b)
		})
}

// apiChecklist: GET /api/v1/inspections/checklists/{id} → current version and versions.
func (s *Server) apiChecklist(w http.ResponseWriter, r *http.Request) error {
	return s.readJSON(w, r, func(tx *store.Tx, _ *markaz.Principal) (any, error) {
		return tx.Checklist(r.PathValue("id"))
	})
}

// apiChecklistVersion: GET /api/v1/inspections/checklists/{id}/versions/{n}.
func (s *Server) apiChecklistVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(markaz.LatinDigits(r.PathValue("n")))
	if err != nil || n < 1 {
		return markaz.ErrNotFound
	}
	return s.readJSON(w, r, func(tx *store.Tx, _ *markaz.Principal) (any, error) {
		return tx.ChecklistVersion(r.PathValue("id"), n)
	})
}

// apiAmendChecklist: POST /api/v1/inspections/checklists/{id}/versions {items, based_on,
// note, name_ar, name_en} → the checklist with its new current version.
func (s *Server) apiAmendChecklist(w http.ResponseWriter, r *http.Request) error {
	return writeAction(s, w, r, markaz.PermInspectionsManage, http.StatusCreated,
		func(tx *store.Tx, p *markaz.Principal, b store.ChecklistInput) (*store.ChecklistDetail, error) {
			return tx.AmendChecklist(p, r.PathValue("id"), b)
		})
}

// apiVisits: GET /api/v1/inspections/visits → visits in scope, newest first.
func (s *Server) apiVisits(w http.ResponseWriter, r *http.Request) error {
	l, err := s.visitList(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.Visit]{Items: l.Rows, NextCursor: dateCursor(l.Next)})
}

// apiRecordVisit: POST /api/v1/inspections/visits → 201 with the visit and its score.
func (s *Server) apiRecordVisit(w http.ResponseWriter, r *http.Request) error {
	return writeAction(s, w, r, markaz.PermInspectionsWrite, http.StatusCreated,
		func(tx *store.Tx, p *markaz.Principal, b store.VisitInput) (*store.VisitDetail, error) {
			return tx.RecordVisit(p, b)
		})
}

// apiVisit: GET /api/v1/inspections/visits/{id} → the visit, its items and findings.
func (s *Server) apiVisit(w http.ResponseWriter, r *http.Request) error {
	return s.readJSON(w, r, func(tx *store.Tx, p *markaz.Principal) (any, error) {
		return tx.Visit(readScope(p), r.PathValue("id"))
	})
}

// findingForm reads a finding's fields from a parsed form; a bad due date is reported
// on due_date.
func findingForm(get func(string) string) (store.FindingInput, error) {
	in := store.FindingInput{Category: get("category"), Severity: get("severity"), Description: get("description"),
		Action: get("action"), OwnerUsername: get("owner_username"), OwnerParty: get("owner_party")}
	if d := strings.TrimSpace(get("due_date")); d != "" {
		t, err := markaz.ParseDate(markaz.LatinDigits(d))
		if err != nil {
			return in, fieldErrWeb("due_date", "date_format")
		}
		in.DueDate = t
	}
	return in, nil
}

// addFinding reads a multipart finding with its files and stores it for the visit in
// the path.
func (s *Server) addFinding(w http.ResponseWriter, r *http.Request, p *markaz.Principal) (*store.FindingDetail, error) {
	files, err := readUploads(w, r, "files")
	if err != nil {
		return nil, err
	}
	in, err := findingForm(r.FormValue)
	if err != nil {
		return nil, err
	}
	var out *store.FindingDetail
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		out, err = tx.AddFinding(p, r.PathValue("id"), in, files)
		return err
	})
	return out, err
}

// apiAddFinding: POST /api/v1/inspections/visits/{id}/findings, multipart/form-data with
// category, severity, description, action, owner_username or owner_party, due_date and
// up to five files ("files", at most attachment.MaxBytes each).
func (s *Server) apiAddFinding(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermInspectionsWrite)
	if err != nil {
		return err
	}
	out, err := s.addFinding(w, r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

// apiFinding: GET /api/v1/inspections/findings/{id} → finding, action, history, files.
func (s *Server) apiFinding(w http.ResponseWriter, r *http.Request) error {
	return s.readJSON(w, r, func(tx *store.Tx, p *markaz.Principal) (any, error) {
		return tx.Finding(readScope(p), r.PathValue("id"))
	})
}

// actionPage is the JSON of an action list: a page, and how many match in all.
type actionPage struct {
	page[inspection.Action]
	Total int `json:"total"`
}

// apiActions: GET /api/v1/inspections/actions?governorate=&center=&status=&overdue=&open=&mine=
// → corrective actions by due date; overdue=true lists those past due and not closed,
// open=true those not closed, mine=true those the caller owns.
func (s *Server) apiActions(w http.ResponseWriter, r *http.Request) error {
	l, err := s.actionList(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, actionPage{page[inspection.Action]{Items: l.Rows, NextCursor: dateCursor(l.Next)}, l.Total})
}

// apiOverdueActions: GET /api/v1/inspections/actions/overdue?governorate=&center= →
// the corrective actions past their due date and not closed (actions?overdue=true).
func (s *Server) apiOverdueActions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Set("overdue", "true")
	r.URL.RawQuery = q.Encode()
	return s.apiActions(w, r)
}

// apiUpdateAction: PATCH /api/v1/inspections/actions/{id} {status, due_date, note,
// version} → the finding with the action and its history.
func (s *Server) apiUpdateAction(w http.ResponseWriter, r *http.Request) error {
	return writeAction(s, w, r, markaz.PermInspectionsRead, http.StatusOK,
		func(tx *store.Tx, p *markaz.Principal, b inspection.Change) (*store.FindingDetail, error) {
			return tx.UpdateAction(p, r.PathValue("id"), b)
		})
}
