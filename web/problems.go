package web

// The problems inventory, as JSON and as pages: center staff report (with attachments, in
// one transaction), supervisors triage and escalate, support agents work the tickets
// escalated to their team, everyone related follows the ticket's history; the summary
// gives the figures quoted ("how many were solved"). The store filters what each reader
// sees; prob.Decide (through the store) says who may do what.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"markaz"
	"markaz/attachment"
	"markaz/i18n"
	prob "markaz/problem"
	"markaz/store"
)

func init() {
	fileOwners["problem"] = func(tx *store.Tx, p *markaz.Principal, id string) error {
		return tx.CheckProblemAccess(p, id)
	}
}

// needProblems lets in whoever reads problems by territory or works on escalated ones.
func needProblems(r *http.Request) (*markaz.Principal, error) {
	p, err := need(r, "")
	if err != nil {
		return nil, err
	}
	if !p.Can(markaz.PermProblemsRead) && !p.Can(markaz.PermProblemsWork) {
		return nil, markaz.ErrForbidden
	}
	return p, nil
}

// problemStatusGroups are the shorthands a status filter accepts besides statuses.
var problemStatusGroups = map[string][]string{
	"open":   prob.OpenStatuses,
	"triage": {prob.StatusReported, prob.StatusReopened},
	"team":   {prob.StatusEscalated, prob.StatusInProgress, prob.StatusReopened},
	"solved": {prob.StatusResolved, prob.StatusClosed},
}

// problemFilter reads ?status= (statuses or open/triage/team/solved, comma separated),
// category, target, severity, center, governorate, equipment, q, order (newest, oldest)
// and the paging parameters; the cursor carries the last number.
func problemFilter(r *http.Request, p *markaz.Principal) (store.ProblemFilter, error) {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(markaz.LatinDigits(q.Get(k))) }
	f := store.ProblemFilter{Viewer: p, Category: get("category"), Target: get("target"), Severity: get("severity"),
		Center: get("center"), Gov: get("governorate"), Equipment: get("equipment"), Query: q.Get("q")}
	var v markaz.Validator
	for _, s := range strings.Split(get("status"), ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case problemStatusGroups[s] != nil:
			f.Statuses = append(f.Statuses, problemStatusGroups[s]...)
		case slices.Contains(prob.Statuses, s):
			f.Statuses = append(f.Statuses, s)
		default:
			v.Add("status", "one_of", map[string]any{"allowed": strings.Join(prob.Statuses, ", ") + ", open, triage, team, solved"})
		}
	}
	for _, c := range []struct {
		field, val string
		allowed    []string
	}{{"category", f.Category, prob.Categories}, {"target", f.Target, prob.Targets},
		{"severity", f.Severity, prob.Severities}} {
		if c.val != "" {
			v.OneOf(c.field, c.val, c.allowed...)
		}
	}
	for _, c := range []struct{ field, val, code string }{{"center", f.Center, "unknown_center"},
		{"equipment", f.Equipment, "unknown_equipment"}} {
		if c.val != "" && !markaz.ValidID(c.val) {
			v.Add(c.field, c.code, nil)
		}
	}
	if f.Gov != "" && (len(f.Gov) != 2 || digitsOnlyWeb(f.Gov) != f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	switch get("order") {
	case "", "newest":
	case "oldest":
		f.Oldest = true
	default:
		v.OneOf("order", get("order"), "newest", "oldest")
	}
	v.Text("q", f.Query, 100, false)
	limit, after, err := pageParams(r)
	if err := v.Merge(err, nil); err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		n, err := strconv.ParseInt(after[0], 10, 64)
		if err != nil || len(after) != 1 || n < 1 {
			v.Add("cursor", "bad_cursor", nil)
		}
		f.After = n
	}
	return f, v.Err()
}

// listProblems is the list both the API and the page show.
func (s *Server) listProblems(r *http.Request) (*markaz.Principal, store.ProblemFilter, []prob.Problem, int64, error) {
	p, err := needProblems(r)
	if err != nil {
		return nil, store.ProblemFilter{}, nil, 0, err
	}
	f, err := problemFilter(r, p)
	if err != nil {
		return p, f, nil, 0, err
	}
	rows, next, err := s.db.Problems(r.Context(), f)
	return p, f, rows, next, err
}

func problemCursor(next int64) string {
	if next == 0 {
		return ""
	}
	return encodeCursor(strconv.FormatInt(next, 10))
}

// problemReport reads a new ticket from a JSON body or a multipart form (fields of the
// same names, files under "files"). Problems found reading the files are in v, to be
// reported with the ticket's own.
func problemReport(w http.ResponseWriter, r *http.Request) (prob.Report, []*attachment.File, *markaz.Validator, error) {
	var rep prob.Report
	v := &markaz.Validator{}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return rep, nil, v, decodeJSON(w, r, &rep)
	}
	files, err := readUploads(w, r, "files")
	if err := v.Merge(err, nil); err != nil {
		return rep, nil, v, err
	}
	f := r.PostForm
	rep = prob.Report{CenterID: f.Get("center_id"), Category: f.Get("category"), Severity: f.Get("severity"),
		Title: f.Get("title"), Description: f.Get("description"), EquipmentID: f.Get("equipment_id")}
	return rep, files, v, nil
}

// reportProblem validates and stores a report with its files for p; every field problem
// (the files' among them) is reported at once and nothing is saved.
func (s *Server) reportProblem(r *http.Request, p *markaz.Principal, rep *prob.Report, files []*attachment.File,
	v *markaz.Validator) (*store.ProblemDetail, error) {
	if err := v.Merge(rep.Validate(), nil); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return inWrite(r, s.db, func(tx *store.Tx) (*store.ProblemDetail, error) { return tx.ReportProblem(p, rep, files) })
}

// problemAct applies a to the ticket in the path for p.
func (s *Server) problemAct(r *http.Request, p *markaz.Principal, a *prob.Act) (*store.ProblemDetail, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return inWrite(r, s.db, func(tx *store.Tx) (*store.ProblemDetail, error) { return tx.ActOnProblem(p, r.PathValue("id"), a) })
}

// addProblemFiles reads the files of a multipart request and attaches them to the ticket
// in the path for p.
func (s *Server) addProblemFiles(w http.ResponseWriter, r *http.Request, p *markaz.Principal) (*store.ProblemDetail, error) {
	files, err := readUploads(w, r, "files")
	if err != nil {
		return nil, err
	}
	return inWrite(r, s.db, func(tx *store.Tx) (*store.ProblemDetail, error) {
		return tx.AddProblemFiles(p, r.PathValue("id"), files)
	})
}

// loadProblem reads the ticket in the path for p.
func (s *Server) loadProblem(r *http.Request, p *markaz.Principal) (*store.ProblemDetail, error) {
	return inRead(r, s.db, func(tx *store.Tx) (*store.ProblemDetail, error) { return tx.Problem(p, r.PathValue("id")) })
}

// summaryPeriod reads ?governorate=&from=&to= (Cairo dates, inclusive). To defaults to
// today, From to 364 days before To (a year); From after To is refused.
func summaryPeriod(r *http.Request, today markaz.Date) (gov string, from, to markaz.Date, err error) {
	q := r.URL.Query()
	gov = strings.TrimSpace(markaz.LatinDigits(q.Get("governorate")))
	var v markaz.Validator
	date := func(name string, def markaz.Date) markaz.Date {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return def
		}
		d, err := markaz.ParseDate(s)
		if err != nil {
			v.Add(name, "date_format", nil)
		}
		return d
	}
	to = date("to", today)
	from = date("from", to.AddDays(-364))
	if !v.Has("from") && !v.Has("to") && from.After(to) {
		v.Add("from", "from_after_to", nil)
	}
	if gov != "" && (len(gov) != 2 || digitsOnlyWeb(gov) != gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	return gov, from, to, v.Err()
}

// problemSummary is the summary the caller may see for the query's period.
func (s *Server) problemSummary(r *http.Request) (*markaz.Principal, *store.ProblemSummary, error) {
	p, err := need(r, markaz.PermProblemsRead)
	if err != nil {
		return nil, nil, err
	}
	gov, from, to, err := summaryPeriod(r, markaz.Today(s.db.Clock))
	if err != nil {
		return p, nil, err
	}
	sum, err := s.db.ProblemSummary(r.Context(), p.Scope(markaz.PermProblemsRead), gov, from, to)
	return p, sum, err
}

// --- API ---

func (s *Server) apiProblems(w http.ResponseWriter, r *http.Request) error {
	_, _, rows, next, err := s.listProblems(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[prob.Problem]{Items: rows, NextCursor: problemCursor(next)})
}

// apiReportProblem: POST /api/v1/problems, JSON or multipart with files → 201 and the ticket.
func (s *Server) apiReportProblem(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, holding(markaz.PermProblemsReport), http.StatusCreated, func(p *markaz.Principal) (*store.ProblemDetail, error) {
		rep, files, v, err := problemReport(w, r)
		if err != nil {
			return nil, err
		}
		return s.reportProblem(r, p, &rep, files, v)
	})
}

func (s *Server) apiProblem(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, needProblems, http.StatusOK, func(p *markaz.Principal) (*store.ProblemDetail, error) {
		return s.loadProblem(r, p)
	})
}

// apiProblemAction: POST /api/v1/problems/{id}/actions → the ticket after the action; 409
// when its status does not allow it now, 403 when the caller may not take it.
func (s *Server) apiProblemAction(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, needProblems, http.StatusOK, func(p *markaz.Principal) (*store.ProblemDetail, error) {
		var a prob.Act
		if err := decodeJSON(w, r, &a); err != nil {
			return nil, err
		}
		return s.problemAct(r, p, &a)
	})
}

// apiProblemFiles: POST /api/v1/problems/{id}/files (multipart, "files") → the ticket.
func (s *Server) apiProblemFiles(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, needProblems, http.StatusCreated, func(p *markaz.Principal) (*store.ProblemDetail, error) {
		return s.addProblemFiles(w, r, p)
	})
}

func (s *Server) apiProblemSummary(w http.ResponseWriter, r *http.Request) error {
	_, sum, err := s.problemSummary(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sum)
}

// needTeamManager lets in a national user manager (who alone sets support teams).
func needTeamManager(r *http.Request) (*markaz.Principal, error) {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return nil, err
	}
	if !p.Scope(markaz.PermUsersManage).All {
		return nil, markaz.ErrForbidden
	}
	return p, nil
}

// apiSupportAgents: GET /api/v1/support-teams → the support agents and their teams.
func (s *Server) apiSupportAgents(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, needTeamManager, http.StatusOK, func(*markaz.Principal) (map[string]any, error) {
		agents, err := s.db.SupportAgents(r.Context())
		return map[string]any{"items": agents}, err
	})
}

// teamsBody is the body of PUT /api/v1/users/{id}/support-teams.
type teamsBody struct {
	Teams []string `json:"teams"`
}

// setSupportTeams makes teams the support teams of user userID.
func (s *Server) setSupportTeams(r *http.Request, p *markaz.Principal, userID string, teams []string) ([]string, error) {
	return inWrite(r, s.db, func(tx *store.Tx) ([]string, error) { return tx.SetSupportTeams(p, userID, teams) })
}

func (s *Server) apiSetSupportTeams(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermUsersManage, http.StatusOK, func(p *markaz.Principal, b teamsBody) (any, error) {
		teams, err := s.setSupportTeams(r, p, r.PathValue("id"), b.Teams)
		return teamsBody{Teams: teams}, err
	})
}

// --- UI ---

// problemRow is a ticket in a list with its center's name in the reader's language.
type problemRow struct {
	prob.Problem
	Center string
}

// problemsPage is what problems.html shows.
type problemsPage struct {
	Q          url.Values
	Rows       []problemRow
	Views      []problemView
	Statuses   []centerOption
	Categories []centerOption
	Targets    []centerOption
	Govs       []centerOption
	NextURL    string
	FirstURL   string
	CanReport  bool
	CanSummary bool
	CanTeams   bool
}

// problemView is one of the ready-made lists above the filters.
type problemView struct {
	Label, URL string
	Current    bool
}

func (s *Server) handleProblems(w http.ResponseWriter, r *http.Request) error {
	p, f, rows, next, err := s.listProblems(r)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := problemsPage{Q: r.URL.Query(), CanReport: p.Can(markaz.PermProblemsReport),
		CanSummary: p.Can(markaz.PermProblemsRead), CanTeams: p.Scope(markaz.PermUsersManage).All,
		Statuses:   centerOptions(lang, "problems.status.", prob.Statuses),
		Categories: centerOptions(lang, "problems.category.", prob.Categories),
		Targets:    centerOptions(lang, "problems.target.", prob.Targets)}
	if data.Govs, err = s.govOptions(r, p.Scope(markaz.PermProblemsRead)); err != nil {
		return err
	}
	for _, g := range []string{"open", "triage", "team", "solved"} {
		data.Statuses = append(data.Statuses, centerOption{Value: g, Label: i18n.T(lang, "problems.group."+g, nil)})
	}
	views := []struct{ key, query string }{{"all", ""}, {"open", "status=open"}}
	if p.Can(markaz.PermProblemsTriage) {
		views = append(views, struct{ key, query string }{"triage", "status=triage&order=oldest"})
	}
	if p.Can(markaz.PermProblemsWork) {
		views = append(views, struct{ key, query string }{"team", "status=team&order=oldest"})
	}
	for _, v := range views {
		u := "/problems"
		if v.query != "" {
			u += "?" + v.query
		}
		data.Views = append(data.Views, problemView{Label: i18n.T(lang, "problems.view."+v.key, nil), URL: u,
			Current: r.URL.RawQuery == v.query})
	}
	for _, row := range rows {
		data.Rows = append(data.Rows, problemRow{Problem: row, Center: pickName(lang, row.CenterNameAr, row.CenterNameEn)})
	}
	q := r.URL.Query()
	if next != 0 {
		q.Set("cursor", problemCursor(next))
		data.NextURL = "/problems?" + q.Encode()
	}
	if f.After != 0 {
		q.Del("cursor")
		data.FirstURL = "/problems?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "problems", "problems.title", data)
	return nil
}

// problemNewPage is what problem_new.html shows.
type problemNewPage struct {
	NoCenter   bool
	Centers    []centerOption
	Center     string
	Equipment  []centerOption
	Categories []centerOption
	Severities []centerOption
	F          url.Values
	Errors     map[string]string
}

// reportCenters lists the centers in service where p may report problems.
func (s *Server) reportCenters(r *http.Request, p *markaz.Principal) ([]centerOption, error) {
	list, err := s.db.Centers(r.Context(), store.CenterFilter{Scope: p.Scope(markaz.PermProblemsReport), Limit: 200})
	if err != nil {
		return nil, err
	}
	lang := info(r).lang
	var out []centerOption
	for _, c := range list.Rows {
		out = append(out, centerOption{Value: c.ID, Label: pickName(lang, c.NameAr, c.NameEn) + " (" + c.Code + ")"})
	}
	return out, nil
}

// equipmentOptions lists the items in service of a center, for a select.
func (s *Server) equipmentOptions(r *http.Request, p *markaz.Principal, centerID string) ([]centerOption, error) {
	items, _, err := s.db.CenterEquipment(r.Context(), p.Scope(markaz.PermEquipmentRead), centerID)
	if err != nil {
		return nil, err
	}
	lang := info(r).lang
	var out []centerOption
	for _, e := range items {
		if e.Status != "retired" {
			out = append(out, centerOption{Value: e.ID, Label: i18n.T(lang, "equipment.type."+e.DeviceType, nil) +
				" " + e.Serial + " — " + i18n.T(lang, "equipment.status."+e.Status, nil)})
		}
	}
	return out, nil
}

// renderProblemNew shows the report form with values f (a center chosen in f, or the only
// one) and messages errs.
func (s *Server) renderProblemNew(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int,
	f url.Values, errs map[string]string) error {
	lang := info(r).lang
	data := problemNewPage{F: f, Errors: errs, Categories: centerOptions(lang, "problems.category.", prob.Categories),
		Severities: centerOptions(lang, "problems.severity.", prob.Severities)}
	var err error
	if data.Centers, err = s.reportCenters(r, p); err != nil {
		return err
	}
	data.NoCenter = len(data.Centers) == 0
	data.Center = f.Get("center_id")
	if len(data.Centers) == 1 {
		data.Center = data.Centers[0].Value
	}
	if data.Center != "" && slices.ContainsFunc(data.Centers, func(o centerOption) bool { return o.Value == data.Center }) &&
		p.Can(markaz.PermEquipmentRead) {
		if data.Equipment, err = s.equipmentOptions(r, p, data.Center); err != nil {
			return err
		}
	}
	if f.Get("severity") == "" {
		f.Set("severity", prob.SeverityMedium)
	}
	s.render(w, r, status, "problem_new", "problems.new_title", data)
	return nil
}

func (s *Server) handleProblemNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermProblemsReport)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	// Reported from an equipment item's page: its center, and hardware.
	if id := q.Get("equipment_id"); id != "" && q.Get("center_id") == "" {
		// An item the reporter cannot see simply does not prefill the center.
		if e, err := s.loadEquipmentID(r, p, id); err == nil {
			q.Set("center_id", e.CenterID)
		}
	}
	return s.renderProblemNew(w, r, p, http.StatusOK, q, nil)
}

func (s *Server) handleProblemCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermProblemsReport)
	if err != nil {
		return err
	}
	rep, files, v, err := problemReport(w, r)
	if err != nil {
		return err
	}
	d, err := s.reportProblem(r, p, &rep, files, v)
	if fm := fieldMessages(info(r).lang, err); fm != nil {
		return s.renderProblemNew(w, r, p, http.StatusUnprocessableEntity, r.PostForm, fm)
	}
	if err != nil {
		return err
	}
	flash(w, "problems.reported")
	http.Redirect(w, r, "/problems/"+d.ID, http.StatusSeeOther)
	return nil
}

// problemPage is what problem.html shows: the ticket, and a refused action form (its
// action in F, messages in Errors or Conflict).
type problemPage struct {
	D          *store.ProblemDetail
	Center     string
	Hours      string // from report to resolution, in the reader's digits
	F          url.Values
	Errors     map[string]string
	Conflict   string
	CanFiles   bool
	Categories []centerOption
	Severities []centerOption
	Targets    []centerOption
}

// renderProblem shows the ticket in the path.
func (s *Server) renderProblem(w http.ResponseWriter, r *http.Request, status int, f url.Values,
	errs map[string]string, conflict string) error {
	p, err := needProblems(r)
	if err != nil {
		return err
	}
	d, err := s.loadProblem(r, p)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := problemPage{D: d, Center: pickName(lang, d.CenterNameAr, d.CenterNameEn), F: f, Errors: errs,
		Hours:    hoursText(d.HoursToSolve, info(r).digits),
		Conflict: conflict, CanFiles: d.Sides.Any() && d.Status != prob.StatusMerged,
		Categories: centerOptions(lang, "problems.category.", prob.Categories),
		Severities: centerOptions(lang, "problems.severity.", prob.Severities),
		Targets:    centerOptions(lang, "problems.target.", prob.Targets)}
	s.render(w, r, status, "problem", "problems.view_title", data)
	return nil
}

func (s *Server) handleProblem(w http.ResponseWriter, r *http.Request) error {
	return s.renderProblem(w, r, http.StatusOK, url.Values{}, nil, "")
}

// problemFormDone redirects to the ticket after a change, or shows the page again with
// the refused form: 422 with field messages, 409 with the conflict.
func (s *Server) problemFormDone(w http.ResponseWriter, r *http.Request, f url.Values, err error, done string) error {
	ri := info(r)
	switch e := asError(err); {
	case err == nil:
		flash(w, done)
		http.Redirect(w, r, "/problems/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
		return nil
	case e.Code == markaz.EInvalid:
		return s.renderProblem(w, r, http.StatusUnprocessableEntity, f, fieldMessages(ri.lang, err), "")
	case e.Code == markaz.EConflict:
		return s.renderProblem(w, r, http.StatusConflict, f, nil, message(ri.lang, ri.id, e))
	}
	return err
}

func (s *Server) handleProblemAct(w http.ResponseWriter, r *http.Request) error {
	p, f, err := postedForm(r, needProblems)
	if err != nil {
		return err
	}
	a := prob.Act{Action: f.Get("action"), Note: f.Get("note"), Category: f.Get("category"),
		Severity: f.Get("severity"), Target: f.Get("target")}
	if n, err := strconv.Atoi(f.Get("version")); err == nil {
		a.Version = &n
	}
	if a.Action == prob.ActionMerge {
		// People quote ticket numbers: the form takes the original's number.
		a.Into, err = s.problemIDByNumber(r, p, f.Get("into_number"))
	}
	if err == nil {
		_, err = s.problemAct(r, p, &a)
	}
	return s.problemFormDone(w, r, f, err, "problems.acted")
}

// problemIDByNumber finds the id of the ticket numbered n ("#12" or "12", any digits)
// that p sees; anything else is an "into" field error.
func (s *Server) problemIDByNumber(r *http.Request, p *markaz.Principal, n string) (string, error) {
	unknown := func() (string, error) {
		var v markaz.Validator
		v.Add("into", "unknown_problem", nil)
		return "", v.Err()
	}
	num, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(markaz.LatinDigits(n)), "#"), 10, 64)
	if err != nil || num < 1 {
		return unknown()
	}
	id, err := inRead(r, s.db, func(tx *store.Tx) (string, error) { return tx.ProblemIDByNumber(p, num) })
	if c := markaz.ErrorCode(err); c == markaz.ENotFound || c == markaz.EForbidden {
		return unknown()
	}
	return id, err
}

func (s *Server) handleProblemFiles(w http.ResponseWriter, r *http.Request) error {
	p, err := needProblems(r)
	if err != nil {
		return err
	}
	_, err = s.addProblemFiles(w, r, p)
	return s.problemFormDone(w, r, url.Values{"action": {"files"}}, err, "problems.files_added")
}

// summaryPage is what problems_summary.html shows; medians are formatted in the reader's
// digits ("" when none).
type summaryPage struct {
	S          *store.ProblemSummary
	Govs       []centerOption
	Q          url.Values
	Errors     map[string]string
	ResolvedPc string
	Median     string
	ByCategory []summaryLine
	ByTarget   []summaryLine
}

// summaryLine is one line of a breakdown table.
type summaryLine struct {
	store.ProblemCount
	Median string
}

// hoursText writes hours (a tenth at most) in digits; "" for none.
func hoursText(h *float64, digits string) string {
	if h == nil {
		return ""
	}
	return i18n.Digits(strconv.FormatFloat(*h, 'f', -1, 64), digits)
}

func summaryLines(cs []store.ProblemCount, digits string) []summaryLine {
	out := make([]summaryLine, len(cs))
	for i, c := range cs {
		out[i] = summaryLine{ProblemCount: c, Median: hoursText(c.MedianHours, digits)}
	}
	return out
}

func (s *Server) handleProblemSummary(w http.ResponseWriter, r *http.Request) error {
	p, sum, err := s.problemSummary(r)
	ri := info(r)
	data := summaryPage{Q: r.URL.Query(), S: sum}
	if fm := fieldMessages(ri.lang, err); fm != nil && p != nil {
		data.Errors = fm
	} else if err != nil {
		return err
	}
	if p != nil {
		govs, err := s.db.ReachedGovernorates(r.Context(), p.Scope(markaz.PermProblemsRead))
		if err != nil {
			return err
		}
		for _, g := range govs {
			data.Govs = append(data.Govs, centerOption{Value: g.Code, Label: pickName(ri.lang, g.NameAr, g.NameEn)})
		}
	}
	status := http.StatusOK
	if data.Errors != nil {
		status = http.StatusUnprocessableEntity
	} else {
		data.Median = hoursText(sum.MedianHours, ri.digits)
		data.ByCategory, data.ByTarget = summaryLines(sum.ByCategory, ri.digits), summaryLines(sum.ByTarget, ri.digits)
		if sum.Total > 0 {
			data.ResolvedPc = i18n.Digits(strconv.Itoa((sum.Resolved*100+sum.Total/2)/sum.Total)+"%", ri.digits)
		}
	}
	s.render(w, r, status, "problems_summary", "problems.summary_title", data)
	return nil
}

// teamsPage is what support_teams.html shows: each agent with a checkbox per team.
type teamsPage struct {
	Rows []teamsRow
}

type teamsRow struct {
	store.SupportAgent
	Checks []teamCheck
}

type teamCheck struct {
	Value, Label string
	On           bool
}

func (s *Server) handleSupportTeams(w http.ResponseWriter, r *http.Request) error {
	if _, err := needTeamManager(r); err != nil {
		return err
	}
	agents, err := s.db.SupportAgents(r.Context())
	if err != nil {
		return err
	}
	var data teamsPage
	for _, a := range agents {
		row := teamsRow{SupportAgent: a}
		for _, o := range centerOptions(info(r).lang, "problems.target.", prob.Targets) {
			row.Checks = append(row.Checks, teamCheck{Value: o.Value, Label: o.Label, On: slices.Contains(a.Teams, o.Value)})
		}
		data.Rows = append(data.Rows, row)
	}
	s.render(w, r, http.StatusOK, "support_teams", "problems.teams_title", data)
	return nil
}

func (s *Server) handleSetSupportTeams(w http.ResponseWriter, r *http.Request) error {
	p, f, err := postedForm(r, needTeamManager)
	if err != nil {
		return err
	}
	if _, err := s.setSupportTeams(r, p, f.Get("user_id"), f["teams"]); err != nil {
		return err
	}
	flash(w, "problems.teams_saved")
	http.Redirect(w, r, "/problems/teams", http.StatusSeeOther)
	return nil
}
