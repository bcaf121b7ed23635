package web

// Training pages: the training home (one's own trainings, and the sessions a reader may
// see), courses, a session with its enrolment and results, and coverage. The JSON side
// and the actions both share are in training_api.go.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"markaz"
	"markaz/i18n"
	"markaz/store"
	"markaz/training"
)

// trainingHomePage is what training.html shows.
type trainingHomePage struct {
	Mine     []store.MyTraining
	CanRead  bool
	CanWrite bool
	Q        url.Values
	Sessions []store.TrainingSessionRow
	Govs     []centerOption
	FYs      []centerOption
	Courses  []centerOption
	NextURL  string
	FirstURL string
	Today    markaz.Date
}

func (s *Server) handleTraining(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	if !isStaff(p) {
		return markaz.ErrForbidden
	}
	mine, err := s.db.MyTrainings(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	data := trainingHomePage{Mine: mine, CanRead: p.Can(markaz.PermTrainingRead), CanWrite: p.Can(markaz.PermTrainingWrite),
		Q: r.URL.Query(), Today: markaz.Today(s.db.Clock)}
	if data.CanRead {
		f, sessions, next, err := s.listSessions(r, p)
		if err != nil {
			return err
		}
		data.Sessions = sessions
		q := r.URL.Query()
		if next != nil {
			q.Set("cursor", encodeCursor(next.StartsOn.String(), next.ID))
			data.NextURL = "/training?" + q.Encode()
		}
		if f.After != nil {
			q.Del("cursor")
			data.FirstURL = "/training?" + q.Encode()
		}
		if data.Govs, err = s.trainingGovOptions(r, p, markaz.PermTrainingRead, true); err != nil {
			return err
		}
		data.FYs = s.fyOptions(r)
		if data.Courses, err = s.courseOptions(r, p, markaz.PermTrainingRead); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "training", "training.title", data)
	return nil
}

// trainingGovOptions lists the governorates p reaches with perm, led by the national
// choice (value "national") for a filter, or for a form when p may act nationally.
func (s *Server) trainingGovOptions(r *http.Request, p *markaz.Principal, perm string, filter bool) ([]centerOption, error) {
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return nil, err
	}
	lang := info(r).lang
	all, reach := training.Reach(p, perm)
	var out []centerOption
	if filter || all {
		out = append(out, centerOption{Value: store.GovNational, Label: i18n.T(lang, "training.national", nil)})
	}
	for _, g := range govs {
		if g.RetiredOn.IsZero() && (all || slices.Contains(reach, g.Code)) {
			out = append(out, centerOption{Value: g.Code, Label: pickName(lang, g.NameAr, g.NameEn)})
		}
	}
	return out, nil
}

// fyOptions lists fiscal years from the next one back five years.
func (s *Server) fyOptions(r *http.Request) []centerOption {
	ri := info(r)
	cur := markaz.Today(s.db.Clock).FiscalYear()
	var out []centerOption
	for fy := cur + 1; fy >= cur-5; fy-- {
		out = append(out, centerOption{Value: strconv.Itoa(fy), Label: i18n.T(ri.lang, "common.fiscal_year",
			map[string]any{"fy": i18n.Digits(markaz.FiscalYearLabel(fy), ri.digits)})})
	}
	return out
}

// courseOptions lists the courses in use p reaches with perm, by code.
func (s *Server) courseOptions(r *http.Request, p *markaz.Principal, perm string) ([]centerOption, error) {
	all, govs := training.Reach(p, perm)
	lang := info(r).lang
	var out []centerOption
	f := store.TrainingCourseFilter{All: all, Govs: govs, Limit: 200}
	for {
		rows, next, err := s.db.TrainingCourses(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, c := range rows {
			out = append(out, centerOption{Value: c.ID, Label: c.Code + " — " + pickName(lang, c.NameAr, c.NameEn)})
		}
		if next == "" {
			return out, nil
		}
		f.After = next
	}
}

// trainingCoursesPage is what training_courses.html shows; Form and Errors carry the new
// course form.
type trainingCoursesPage struct {
	Q        url.Values
	Rows     []store.TrainingCourseRow
	Govs     []centerOption
	NextURL  string
	FirstURL string
	CanWrite bool
	Form     url.Values
	Errors   map[string]string
	NewGovs  []centerOption
	Topics   []centerOption
	Audience []checkOption
}

// checkOption is one checkbox of a group.
type checkOption struct {
	Value, Label string
	Checked      bool
}

// audienceChecks are the audience checkboxes with the form's choices ticked.
func audienceChecks(lang string, f url.Values) []checkOption {
	var out []checkOption
	for _, o := range centerOptions(lang, "role.", training.Roles) {
		out = append(out, checkOption{Value: o.Value, Label: o.Label, Checked: slices.Contains(f["audience"], o.Value)})
	}
	return out
}

func (s *Server) handleTrainingCourses(w http.ResponseWriter, r *http.Request) error {
	return s.renderCourses(w, r, http.StatusOK, url.Values{}, nil)
}

func (s *Server) renderCourses(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) error {
	p, f, rows, next, err := s.listCourses(r)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := trainingCoursesPage{Q: r.URL.Query(), Rows: rows, CanWrite: p.Can(markaz.PermTrainingWrite), Form: form, Errors: errs,
		Topics: centerOptions(lang, "training.topic.", training.Topics), Audience: audienceChecks(lang, form)}
	q := r.URL.Query()
	if next != "" {
		q.Set("cursor", encodeCursor(next))
		data.NextURL = "/training/courses?" + q.Encode()
	}
	if f.After != "" {
		q.Del("cursor")
		data.FirstURL = "/training/courses?" + q.Encode()
	}
	if data.Govs, err = s.trainingGovOptions(r, p, markaz.PermTrainingRead, true); err != nil {
		return err
	}
	if data.CanWrite {
		if data.NewGovs, err = s.trainingGovOptions(r, p, markaz.PermTrainingWrite, false); err != nil {
			return err
		}
	}
	s.render(w, r, status, "training_courses", "training.courses_title", data)
	return nil
}

// courseForm reads a course form; a duration that does not parse is recorded in v.
func courseForm(f url.Values, v *markaz.Validator) courseFields {
	b := courseFields{Code: f.Get("code"), NameAr: f.Get("name_ar"), NameEn: f.Get("name_en"), Topic: f.Get("topic"),
		Audience: f["audience"]}
	b.DurationHours = formInt(f, "duration_hours", v)
	return b
}

// formInt reads an integer form field (any digits); a value that does not parse is a
// number_format problem of the field in v, and 0.
func formInt(f url.Values, field string, v *markaz.Validator) int {
	raw := strings.TrimSpace(markaz.LatinDigits(f.Get(field)))
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		v.Add(field, "number_format", nil)
	}
	return n
}

// courseFormAction is the shape of the course forms: training.write, the form parses,
// act acts; then to the course's page with the flash done, or the form again (again)
// with its problems.
func (s *Server) courseFormAction(w http.ResponseWriter, r *http.Request, done string,
	again func(status int, form url.Values, errs map[string]string) error,
	act func(p *markaz.Principal, v *markaz.Validator) (*store.TrainingCourseRow, error)) error {
	p, err := postForm(r, markaz.PermTrainingWrite)
	if err != nil {
		return err
	}
	var v markaz.Validator
	c, err := act(p, &v)
	if err != nil {
		if fm := centerFieldMessages(r, err); fm != nil && again != nil {
			return again(http.StatusUnprocessableEntity, r.PostForm, fm)
		}
		return err
	}
	flash(w, done)
	http.Redirect(w, r, "/training/courses/"+c.ID, http.StatusSeeOther)
	return nil
}

func (s *Server) handleTrainingCourseCreate(w http.ResponseWriter, r *http.Request) error {
	again := func(st int, f url.Values, errs map[string]string) error { return s.renderCourses(w, r, st, f, errs) }
	return s.courseFormAction(w, r, "training.course_created", again, func(p *markaz.Principal, v *markaz.Validator) (*store.TrainingCourseRow, error) {
		b := courseBody{courseFields: courseForm(r.PostForm, v), Governorate: r.PostForm.Get("governorate")}
		return s.createCourse(r, p, b, v)
	})
}

// trainingCoursePage is what training_course.html shows.
type trainingCoursePage struct {
	C        *store.TrainingCourseRow
	CanWrite bool
	Form     url.Values
	Errors   map[string]string
	Topics   []centerOption
	Audience []checkOption
}

func (s *Server) handleTrainingCourse(w http.ResponseWriter, r *http.Request) error {
	return s.renderCourse(w, r, http.StatusOK, nil, nil)
}

func (s *Server) renderCourse(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs map[string]string) error {
	p, c, err := s.readCourse(r)
	if err != nil {
		return err
	}
	lang := info(r).lang
	data := trainingCoursePage{C: c, CanWrite: c.RetiredOn.IsZero() && p.Allowed(markaz.PermTrainingWrite, c.Ref()),
		Form: form, Errors: errs, Topics: centerOptions(lang, "training.topic.", training.Topics)}
	if form == nil {
		data.Form = url.Values{"code": {c.Code}, "name_ar": {c.NameAr}, "name_en": {c.NameEn}, "topic": {c.Topic},
			"audience": c.Audience, "duration_hours": {strconv.Itoa(c.DurationHours)}, "version": {strconv.Itoa(c.Version)}}
	}
	data.Audience = audienceChecks(lang, data.Form)
	s.render(w, r, status, "training_course", "training.course_title", data)
	return nil
}

func (s *Server) handleTrainingCourseUpdate(w http.ResponseWriter, r *http.Request) error {
	again := func(st int, f url.Values, errs map[string]string) error { return s.renderCourse(w, r, st, f, errs) }
	return s.courseFormAction(w, r, "training.saved", again, func(p *markaz.Principal, v *markaz.Validator) (*store.TrainingCourseRow, error) {
		b := courseEdit{courseFields: courseForm(r.PostForm, v), Version: formInt(r.PostForm, "version", v)}
		return s.updateCourse(r, p, r.PathValue("id"), b, v)
	})
}

func (s *Server) handleTrainingCourseRetire(w http.ResponseWriter, r *http.Request) error {
	return s.courseFormAction(w, r, "training.course_retired", nil, func(p *markaz.Principal, _ *markaz.Validator) (*store.TrainingCourseRow, error) {
		return s.retireCourse(r, p, r.PathValue("id"))
	})
}

// trainingSessionFormPage is what training_session_new.html shows.
type trainingSessionFormPage struct {
	Form     url.Values
	Errors   map[string]string
	Courses  []centerOption
	Govs     []centerOption
	Trainers []centerOption
}

func (s *Server) handleTrainingSessionNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTrainingWrite)
	if err != nil {
		return err
	}
	f := url.Values{"course_id": {r.URL.Query().Get("course")}, "capacity": {"25"}}
	return s.renderSessionForm(w, r, p, http.StatusOK, f, nil)
}

func (s *Server) renderSessionForm(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, f url.Values, errs map[string]string) error {
	data := trainingSessionFormPage{Form: f, Errors: errs}
	var err error
	if data.Courses, err = s.courseOptions(r, p, markaz.PermTrainingWrite); err != nil {
		return err
	}
	if data.Govs, err = s.trainingGovOptions(r, p, markaz.PermTrainingWrite, false); err != nil {
		return err
	}
	if data.Trainers, err = s.trainerOptions(r, p, ""); err != nil {
		return err
	}
	s.render(w, r, status, "training_session_new", "training.session_new", data)
	return nil
}

// trainerOptions lists the trainers p may put in charge of a session of governorate gov
// ("" any of p's).
func (s *Server) trainerOptions(r *http.Request, p *markaz.Principal, gov string) ([]centerOption, error) {
	ts, err := s.db.Trainers(r.Context(), p.Scope(markaz.PermTrainingWrite), gov)
	if err != nil {
		return nil, err
	}
	out := make([]centerOption, len(ts))
	for i, t := range ts {
		out[i] = centerOption{Value: t.ID, Label: t.FullName + " (" + t.Username + ")"}
	}
	return out, nil
}

// sessionForm reads a session form; a capacity or version that does not parse is
// recorded in v.
func sessionForm(f url.Values, v *markaz.Validator) sessionBody {
	return sessionBody{CourseID: f.Get("course_id"), Governorate: f.Get("governorate"), StartsOn: f.Get("starts_on"),
		EndsOn: f.Get("ends_on"), Place: f.Get("place"), TrainerID: f.Get("trainer_id"),
		Capacity: formInt(f, "capacity", v), Version: formInt(f, "version", v)}
}

func (s *Server) handleTrainingSessionCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTrainingWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	var v markaz.Validator
	sess, err := s.createSession(r, p, sessionForm(r.PostForm, &v), &v)
	if err != nil {
		if fm := centerFieldMessages(r, err); fm != nil {
			return s.renderSessionForm(w, r, p, http.StatusUnprocessableEntity, r.PostForm, fm)
		}
		return err
	}
	flash(w, "training.session_created")
	http.Redirect(w, r, "/training/sessions/"+sess.ID, http.StatusSeeOther)
	return nil
}

// trainingSessionPage is what training_session.html shows. Form and Errors carry a
// refused form, named by Which ("edit", "cancel", "enrol" or "results"), or Conflict the
// reason a change was refused; EditForm fills the edit form.
type trainingSessionPage struct {
	D          *store.TrainingSessionDetail
	Rows       []resultRow
	Started    bool
	CanWrite   bool
	CanEnrol   bool
	CanResults bool
	Which      string
	Form       url.Values
	EditForm   url.Values
	EditErrors map[string]string
	Errors     map[string]string
	Conflict   string
	Trainers   []centerOption
	Candidates []centerOption
	CandQ      string
}

// resultRow is an enrolment with the values its row of the results form shows.
type resultRow struct {
	store.EnrolmentRow
	Att, Res, Score string
}

func (s *Server) handleTrainingSession(w http.ResponseWriter, r *http.Request) error {
	return s.renderSession(w, r, http.StatusOK, "", nil, nil, "")
}

func (s *Server) renderSession(w http.ResponseWriter, r *http.Request, status int, which string, form url.Values,
	errs map[string]string, conflict string) error {
	p, err := trainingReader(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	d, err := s.db.TrainingSession(r.Context(), p, id, false)
	if err != nil {
		return err
	}
	today := markaz.Today(s.db.Clock)
	open := !d.Cancelled()
	data := trainingSessionPage{D: d, Started: d.Started(today), Which: which, Form: form, Errors: errs, Conflict: conflict,
		CanWrite: open && p.Allowed(markaz.PermTrainingWrite, d.Ref()), CanEnrol: open && p.Can(markaz.PermTrainingEnrol),
		CandQ: strings.TrimSpace(r.URL.Query().Get("q"))}
	data.CanResults = data.CanWrite && data.Started && len(d.Enrolments) > 0
	data.EditForm = url.Values{"starts_on": {d.StartsOn.String()}, "ends_on": {d.EndsOn.String()}, "place": {d.Place},
		"trainer_id": {d.TrainerID}, "capacity": {strconv.Itoa(d.Capacity)}, "version": {strconv.Itoa(d.Version)}}
	if which == "edit" {
		data.EditForm, data.EditErrors, data.Errors = form, errs, nil
	}
	for _, e := range d.Enrolments {
		row := resultRow{EnrolmentRow: e, Att: e.Attendance, Res: e.Result}
		if e.Score != nil {
			row.Score = strconv.Itoa(*e.Score)
		}
		if which == "results" && form != nil {
			row.Att, row.Res, row.Score = form.Get("attendance."+e.ID), form.Get("result."+e.ID), form.Get("score."+e.ID)
		}
		data.Rows = append(data.Rows, row)
	}
	if data.CanWrite {
		if data.Trainers, err = s.trainerOptions(r, p, d.GovCode); err != nil {
			return err
		}
	}
	if data.CanEnrol {
		if len([]rune(data.CandQ)) > 100 {
			data.CandQ = string([]rune(data.CandQ)[:100])
		}
		cands, err := s.db.TrainingCandidates(r.Context(), p, id, data.CandQ, 200)
		if err != nil && markaz.ErrorCode(err) != markaz.EForbidden {
			return err
		}
		for _, c := range cands {
			data.Candidates = append(data.Candidates, centerOption{Value: c.ID, Label: c.FullName + " (" + c.Username + ")"})
		}
		data.CanEnrol = err == nil
	}
	s.render(w, r, status, "training_session", "training.session_title", data)
	return nil
}

// sessionFormFailed re-renders the session page with the refused form (field problems)
// or the conflict's message; other errors pass on.
func (s *Server) sessionFormFailed(w http.ResponseWriter, r *http.Request, which string, err error) error {
	if fm := centerFieldMessages(r, err); fm != nil {
		return s.renderSession(w, r, http.StatusUnprocessableEntity, which, r.PostForm, fm, "")
	}
	if e := asError(err); e.Code == markaz.EConflict {
		ri := info(r)
		return s.renderSession(w, r, http.StatusConflict, which, r.PostForm, nil, message(ri.lang, ri.id, e))
	}
	return err
}

// sessionDone sends the browser back to the session page with a flash message.
func sessionDone(w http.ResponseWriter, r *http.Request, key string) error {
	flash(w, key)
	http.Redirect(w, r, "/training/sessions/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

// postForm checks perm and parses the form.
func postForm(r *http.Request, perm string) (*markaz.Principal, error) {
	p, err := need(r, perm)
	if err != nil {
		return nil, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	return p, nil
}

// sessionAction is the shape of every form of a session page: the caller needs perm
// (any, for ""), the form parses, act acts; then back to the page with the flash done,
// or the page again with form which's problems.
func (s *Server) sessionAction(w http.ResponseWriter, r *http.Request, perm, which, done string,
	act func(p *markaz.Principal) error) error {
	p, err := postForm(r, perm)
	if err != nil {
		return err
	}
	if err := act(p); err != nil {
		return s.sessionFormFailed(w, r, which, err)
	}
	return sessionDone(w, r, done)
}

func (s *Server) handleTrainingSessionUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, markaz.PermTrainingWrite, "edit", "training.saved", func(p *markaz.Principal) error {
		var v markaz.Validator
		_, err := s.updateSession(r, p, r.PathValue("id"), sessionForm(r.PostForm, &v), &v)
		return err
	})
}

func (s *Server) handleTrainingSessionCancel(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, markaz.PermTrainingWrite, "cancel", "training.session_cancelled", func(p *markaz.Principal) error {
		_, err := s.cancelSession(r, p, r.PathValue("id"), r.PostForm.Get("reason"))
		return err
	})
}

func (s *Server) handleTrainingEnrol(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, markaz.PermTrainingEnrol, "enrol", "training.enrolled", func(p *markaz.Principal) error {
		_, err := s.enrol(r, p, r.PathValue("id"), r.PostForm.Get("user"))
		return err
	})
}

func (s *Server) handleTrainingWithdraw(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, "", "results", "training.withdrawn", func(p *markaz.Principal) error {
		_, err := s.withdraw(r, p, r.PathValue("id"), r.PathValue("eid"))
		return err
	})
}

// handleTrainingResults records the results form: for each enrolment e, the fields
// attendance.e, result.e and score.e (named so in the messages too).
func (s *Server) handleTrainingResults(w http.ResponseWriter, r *http.Request) error {
	return s.sessionAction(w, r, markaz.PermTrainingWrite, "results", "training.results_saved", func(p *markaz.Principal) error {
		var v markaz.Validator
		var in []store.ResultInput
		for _, id := range r.PostForm["enrolment"] {
			rec := store.ResultInput{EnrolmentID: id, Record: training.Record{Attendance: r.PostForm.Get("attendance." + id),
				Result: r.PostForm.Get("result." + id)}}
			if strings.TrimSpace(r.PostForm.Get("score."+id)) != "" {
				n := formInt(r.PostForm, "score."+id, &v)
				rec.Score = &n
			}
			in = append(in, rec)
		}
		if err := v.Err(); err != nil {
			return err
		}
		_, err := s.recordResults(r, p, r.PathValue("id"), in, func(i int, field string) string {
			if i < 0 {
				return "results"
			}
			if field == "enrolment_id" {
				field = "attendance"
			}
			return field + "." + in[i].EnrolmentID
		})
		return err
	})
}

// trainingCoveragePage is what training_coverage.html shows.
type trainingCoveragePage struct {
	R      *store.CoverageReport
	Roles  []string
	FYs    []centerOption
	Govs   []centerOption
	UpURL  string
	UpName string
}

func (s *Server) handleTrainingCoverage(w http.ResponseWriter, r *http.Request) error {
	p, err := trainingReader(r)
	if err != nil {
		return err
	}
	level, code, fy, err := s.coverageQuery(r, p)
	if err != nil {
		return err
	}
	scope := p.Scope(markaz.PermTrainingRead)
	rep, err := s.db.TrainingCoverage(r.Context(), scope, level, code, fy)
	if err != nil {
		return err
	}
	ri := info(r)
	data := trainingCoveragePage{R: rep, Roles: training.Roles, FYs: s.fyOptions(r)[1:]}
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return err
	}
	for _, g := range govs {
		if scope.ContainsGov(g.Code) {
			data.Govs = append(data.Govs, centerOption{Value: g.Code, Label: pickName(ri.lang, g.NameAr, g.NameEn)})
		}
	}
	fyq := "&fy=" + strconv.Itoa(fy)
	switch {
	case rep.Level == store.CoverageGovernorate && scope.All:
		data.UpURL, data.UpName = "/training/coverage?level=nation"+fyq, i18n.T(ri.lang, "training.cov_nation", nil)
	case rep.Level == store.CoverageCenter && scope.ContainsGov(rep.GovCode):
		data.UpURL = "/training/coverage?level=governorate&code=" + rep.GovCode + fyq
		for _, g := range govs {
			if g.Code == rep.GovCode {
				data.UpName = pickName(ri.lang, g.NameAr, g.NameEn)
			}
		}
	}
	s.render(w, r, http.StatusOK, "training_coverage", "training.coverage_title", data)
	return nil
}
