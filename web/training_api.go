package web

// Training: courses, sessions, enrolment, attendance and results, and coverage, as JSON
// (this file) and pages (training.go). Reading needs training.read, except a staff
// member's own trainings (GET /api/v1/training/mine); courses and sessions change with
// training.write over their territory, enrolment with training.enrol. The store checks
// territory inside the transaction that makes the change.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"markaz"
	"markaz/store"
	"markaz/training"
)

// courseFields are a course's editable fields as the API and the forms take them.
type courseFields struct {
	Code          string   `json:"code"`
	NameAr        string   `json:"name_ar"`
	NameEn        string   `json:"name_en"`
	Topic         string   `json:"topic"`
	Audience      []string `json:"audience"`
	DurationHours int      `json:"duration_hours"`
}

// courseBody is a new course: its fields and its governorate ("" or "national" for a
// national course).
type courseBody struct {
	courseFields
	Governorate string `json:"governorate"`
}

// courseEdit is a full edit of a course (its governorate never changes) with the version
// it was read at.
type courseEdit struct {
	courseFields
	Version int `json:"version"`
}

func (b courseFields) course() *training.Course {
	return &training.Course{Code: b.Code, NameAr: b.NameAr, NameEn: b.NameEn, Topic: b.Topic, Audience: b.Audience,
		DurationHours: b.DurationHours}
}

// sessionBody is a session as the API and the forms take it. Dates are text so a bad one
// is reported on its own field; course and governorate ("" or "national" for a national
// session of a national course) only count on creation.
type sessionBody struct {
	CourseID    string `json:"course_id"`
	Governorate string `json:"governorate"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Place       string `json:"place"`
	TrainerID   string `json:"trainer_id"`
	Capacity    int    `json:"capacity"`
	Version     int    `json:"version"`
}

// session converts the body, recording unreadable dates in v.
func (b sessionBody) session(v *markaz.Validator) *training.Session {
	return &training.Session{CourseID: strings.TrimSpace(b.CourseID), GovCode: nationalAsEmpty(b.Governorate),
		StartsOn: centerDate(v, "starts_on", b.StartsOn), EndsOn: centerDate(v, "ends_on", b.EndsOn),
		Place: b.Place, TrainerID: b.TrainerID, Capacity: b.Capacity, Version: b.Version}
}

// nationalAsEmpty reads a territory choice: "national" is the nation, stored as "".
func nationalAsEmpty(gov string) string {
	if strings.TrimSpace(gov) == store.GovNational {
		return ""
	}
	return gov
}

type cancelBody struct {
	Reason string `json:"reason"`
}

type enrolBody struct {
	User string `json:"user"` // id or username
}

type resultsBody struct {
	Results []store.ResultInput `json:"results"`
}

// trainingReader returns the principal when it may read training records (training.read).
func trainingReader(r *http.Request) (*markaz.Principal, error) {
	return need(r, markaz.PermTrainingRead)
}

func (s *Server) createCourse(r *http.Request, p *markaz.Principal, b courseBody, v *markaz.Validator) (*store.TrainingCourseRow, error) {
	c := b.course()
	c.GovCode = nationalAsEmpty(b.Governorate)
	return inWrite(r, s.db, func(tx *store.Tx) (*store.TrainingCourseRow, error) {
		return tx.CreateTrainingCourse(store.ActorOf(p), p.Scope(markaz.PermTrainingWrite), c, v)
	})
}

func (s *Server) updateCourse(r *http.Request, p *markaz.Principal, id string, b courseEdit, v *markaz.Validator) (*store.TrainingCourseRow, error) {
	c := b.course()
	c.Version = b.Version
	return inWrite(r, s.db, func(tx *store.Tx) (*store.TrainingCourseRow, error) {
		return tx.UpdateTrainingCourse(store.ActorOf(p), p.Scope(markaz.PermTrainingWrite), id, c, v)
	})
}

func (s *Server) retireCourse(r *http.Request, p *markaz.Principal, id string) (*store.TrainingCourseRow, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.TrainingCourseRow, error) {
		return tx.RetireTrainingCourse(store.ActorOf(p), p.Scope(markaz.PermTrainingWrite), id)
	})
}

func (s *Server) createSession(r *http.Request, p *markaz.Principal, b sessionBody, v *markaz.Validator) (*store.TrainingSessionRow, error) {
	sess := b.session(v)
	return inWrite(r, s.db, func(tx *store.Tx) (*store.TrainingSessionRow, error) {
		return tx.CreateTrainingSession(store.ActorOf(p), p.Scope(markaz.PermTrainingWrite), sess, v)
	})
}

func (s *Server) updateSession(r *http.Request, p *markaz.Principal, id string, b sessionBody, v *markaz.Validator) (*store.TrainingSessionRow, error) {
	sess := b.session(v)
	return inWrite(r, s.db, func(tx *store.Tx) (*store.TrainingSessionRow, error) {
		return tx.UpdateTrainingSession(store.ActorOf(p), p.Scope(markaz.PermTrainingWrite), id, sess, v)
	})
}

func (s *Server) cancelSession(r *http.Request, p *markaz.Principal, id, reason string) (*store.TrainingSessionRow, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.TrainingSessionRow, error) {
		return tx.CancelTrainingSession(store.ActorOf(p), p.Scope(markaz.PermTrainingWrite), id, reason)
	})
}

func (s *Server) enrol(r *http.Request, p *markaz.Principal, session, user string) (*store.EnrolmentRow, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.EnrolmentRow, error) {
		return tx.Enrol(store.ActorOf(p), p, session, user)
	})
}

func (s *Server) withdraw(r *http.Request, p *markaz.Principal, session, id string) (*store.EnrolmentRow, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (*store.EnrolmentRow, error) {
		return tx.WithdrawTrainee(store.ActorOf(p), p, session, id)
	})
}

// recordResults records a session's results; name names the i-th input's fields.
func (s *Server) recordResults(r *http.Request, p *markaz.Principal, session string, in []store.ResultInput,
	name func(i int, field string) string) (int, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (int, error) {
		return tx.RecordTrainingResults(store.ActorOf(p), p, session, in, name)
	})
}

// apiResultName names the API's result fields: results[i].attendance.
func apiResultName(i int, field string) string {
	if i < 0 {
		return "results"
	}
	return fmt.Sprintf("results[%d].%s", i, field)
}

// trainingGovFilter reads ?governorate= (a code or "national"): 422 when it names no
// governorate.
func (s *Server) trainingGovFilter(r *http.Request) (string, error) {
	gov := strings.TrimSpace(markaz.LatinDigits(r.URL.Query().Get("governorate")))
	if gov == "" || gov == store.GovNational {
		return gov, nil
	}
	if !govCodeRE.MatchString(gov) {
		return "", badQuery("governorate", "unknown_governorate")
	}
	if _, err := s.db.Governorate(r.Context(), gov); err != nil {
		if markaz.ErrorCode(err) == markaz.ENotFound {
			return "", badQuery("governorate", "unknown_governorate")
		}
		return "", err
	}
	return gov, nil
}

// trainingSessionFilter reads ?governorate=&course=&fy=&cursor=&limit= for p.
func (s *Server) trainingSessionFilter(r *http.Request, p *markaz.Principal) (store.TrainingSessionFilter, error) {
	all, govs := training.Reach(p, markaz.PermTrainingRead)
	f := store.TrainingSessionFilter{All: all, Govs: govs, CourseID: strings.TrimSpace(r.URL.Query().Get("course"))}
	var err error
	if f.Gov, err = s.trainingGovFilter(r); err != nil {
		return f, err
	}
	if f.CourseID != "" && !markaz.ValidID(f.CourseID) {
		return f, badQuery("course", "training_unknown_course")
	}
	if f.FY, err = queryInt(r, "fy", 0); err != nil {
		return f, err
	}
	if f.FY != 0 && (f.FY < markaz.ProgrammeStart.Y || f.FY > markaz.Today(s.db.Clock).Y+training.MaxPlanYears) {
		return f, badQuery("fy", "out_of_range")
	}
	limit, after, err := pageParams(r)
	if err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		d, err := markaz.ParseDate(after[0])
		if err != nil || len(after) != 2 || !markaz.ValidID(after[1]) {
			return f, badQuery("cursor", "bad_cursor")
		}
		f.After = &store.TrainingSessionKey{StartsOn: d, ID: after[1]}
	}
	return f, nil
}

// trainingCourseFilter reads ?governorate=&q=&include_retired=&cursor=&limit= for p.
func (s *Server) trainingCourseFilter(r *http.Request, p *markaz.Principal) (store.TrainingCourseFilter, error) {
	all, govs := training.Reach(p, markaz.PermTrainingRead)
	q := r.URL.Query()
	f := store.TrainingCourseFilter{All: all, Govs: govs, Query: strings.TrimSpace(q.Get("q"))}
	var err error
	if f.Gov, err = s.trainingGovFilter(r); err != nil {
		return f, err
	}
	if len([]rune(f.Query)) > 100 {
		return f, badQuery("q", "too_long")
	}
	if raw := q.Get("include_retired"); raw != "" {
		if f.IncludeRetired, err = strconv.ParseBool(raw); err != nil {
			return f, badQuery("include_retired", "bool_format")
		}
	}
	limit, after, err := pageParams(r)
	if err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		f.After = after[0]
	}
	return f, nil
}

// coverageQuery reads ?level=&code=&fy= for p. Without a level, a code is a
// governorate's, and no code means the widest territory p may read (the nation, else its
// first governorate, else its first center); the year defaults to the current fiscal one.
func (s *Server) coverageQuery(r *http.Request, p *markaz.Principal) (level, code string, fy int, err error) {
	q := r.URL.Query()
	level, code = strings.TrimSpace(q.Get("level")), strings.TrimSpace(markaz.LatinDigits(q.Get("code")))
	if level == "" && code != "" {
		level = store.CoverageGovernorate
	}
	if level == "" {
		sc := p.Scope(markaz.PermTrainingRead)
		switch {
		case sc.All:
			level = store.CoverageNation
		case len(sc.Govs) > 0:
			level, code = store.CoverageGovernorate, sc.Govs[0]
		case len(sc.Centers) > 0:
			level, code = store.CoverageCenter, sc.Centers[0]
		default:
			// Readers placed in a district/city see the governorate around it.
			level = store.CoverageGovernorate
			if len(sc.Units) > 0 {
				code = sc.Units[0][:2]
			}
		}
	}
	if len(code) > 64 {
		return "", "", 0, badQuery("code", "too_long")
	}
	fy, err = queryInt(r, "fy", markaz.Today(s.db.Clock).FiscalYear())
	return level, code, fy, err
}

// listCourses is the course list the API and the page share: reader, filter, one page.
func (s *Server) listCourses(r *http.Request) (*markaz.Principal, store.TrainingCourseFilter, []store.TrainingCourseRow, string, error) {
	p, err := trainingReader(r)
	if err != nil {
		return nil, store.TrainingCourseFilter{}, nil, "", err
	}
	f, err := s.trainingCourseFilter(r, p)
	if err != nil {
		return nil, f, nil, "", err
	}
	rows, next, err := s.db.TrainingCourses(r.Context(), f)
	return p, f, rows, next, err
}

// listSessions is the session list the API and the page share, for reader p.
func (s *Server) listSessions(r *http.Request, p *markaz.Principal) (store.TrainingSessionFilter, []store.TrainingSessionRow,
	*store.TrainingSessionKey, error) {
	f, err := s.trainingSessionFilter(r, p)
	if err != nil {
		return f, nil, nil, err
	}
	rows, next, err := s.db.TrainingSessions(r.Context(), f)
	return f, rows, next, err
}

func (s *Server) apiTrainingCourses(w http.ResponseWriter, r *http.Request) error {
	_, _, rows, next, err := s.listCourses(r)
	if err != nil {
		return err
	}
	out := page[store.TrainingCourseRow]{Items: rows}
	if next != "" {
		out.NextCursor = encodeCursor(next)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateTrainingCourse(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTrainingWrite, http.StatusCreated, func(p *markaz.Principal, b courseBody) (*store.TrainingCourseRow, error) {
		return s.createCourse(r, p, b, &markaz.Validator{})
	})
}

// readCourse loads the course of the path for a training.read holder.
func (s *Server) readCourse(r *http.Request) (*markaz.Principal, *store.TrainingCourseRow, error) {
	p, err := trainingReader(r)
	if err != nil {
		return nil, nil, err
	}
	all, govs := training.Reach(p, markaz.PermTrainingRead)
	c, err := s.db.TrainingCourse(r.Context(), all, govs, r.PathValue("id"))
	return p, c, err
}

func (s *Server) apiTrainingCourse(w http.ResponseWriter, r *http.Request) error {
	_, c, err := s.readCourse(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiUpdateTrainingCourse(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTrainingWrite, http.StatusOK, func(p *markaz.Principal, b courseEdit) (*store.TrainingCourseRow, error) {
		return s.updateCourse(r, p, r.PathValue("id"), b, &markaz.Validator{})
	})
}

func (s *Server) apiRetireTrainingCourse(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTrainingWrite)
	if err != nil {
		return err
	}
	c, err := s.retireCourse(r, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiTrainingSessions(w http.ResponseWriter, r *http.Request) error {
	p, err := trainingReader(r)
	if err != nil {
		return err
	}
	_, rows, next, err := s.listSessions(r, p)
	if err != nil {
		return err
	}
	out := page[store.TrainingSessionRow]{Items: rows}
	if next != nil {
		out.NextCursor = encodeCursor(next.StartsOn.String(), next.ID)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateTrainingSession(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTrainingWrite, http.StatusCreated, func(p *markaz.Principal, b sessionBody) (*store.TrainingSessionRow, error) {
		return s.createSession(r, p, b, &markaz.Validator{})
	})
}

func (s *Server) apiTrainingSession(w http.ResponseWriter, r *http.Request) error {
	p, err := trainingReader(r)
	if err != nil {
		return err
	}
	withdrawn := r.URL.Query().Get("include_withdrawn") == "true"
	d, err := s.db.TrainingSession(r.Context(), p, r.PathValue("id"), withdrawn)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiUpdateTrainingSession(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTrainingWrite, http.StatusOK, func(p *markaz.Principal, b sessionBody) (*store.TrainingSessionRow, error) {
		return s.updateSession(r, p, r.PathValue("id"), b, &markaz.Validator{})
	})
}

func (s *Server) apiCancelTrainingSession(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTrainingWrite, http.StatusOK, func(p *markaz.Principal, b cancelBody) (*store.TrainingSessionRow, error) {
		return s.cancelSession(r, p, r.PathValue("id"), b.Reason)
	})
}

func (s *Server) apiEnrol(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTrainingEnrol, http.StatusCreated, func(p *markaz.Principal, b enrolBody) (*store.EnrolmentRow, error) {
		return s.enrol(r, p, r.PathValue("id"), b.User)
	})
}

func (s *Server) apiWithdraw(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	if !p.Can(markaz.PermTrainingEnrol) && !p.Can(markaz.PermTrainingWrite) {
		return markaz.ErrForbidden
	}
	e, err := s.withdraw(r, p, r.PathValue("id"), r.PathValue("eid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (s *Server) apiRecordResults(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermTrainingWrite, http.StatusOK, func(p *markaz.Principal, b resultsBody) (*store.TrainingSessionDetail, error) {
		if _, err := s.recordResults(r, p, r.PathValue("id"), b.Results, apiResultName); err != nil {
			return nil, err
		}
		return s.db.TrainingSession(r.Context(), p, r.PathValue("id"), false)
	})
}

func (s *Server) apiTrainingCandidates(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermTrainingEnrol)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) > 100 {
		return badQuery("q", "too_long")
	}
	limit, _, err := pageParams(r)
	if err != nil {
		return err
	}
	out, err := s.db.TrainingCandidates(r.Context(), p, r.PathValue("id"), q, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) apiMyTrainings(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	out, err := s.db.MyTrainings(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) apiTrainingCoverage(w http.ResponseWriter, r *http.Request) error {
	p, err := trainingReader(r)
	if err != nil {
		return err
	}
	level, code, fy, err := s.coverageQuery(r, p)
	if err != nil {
		return err
	}
	rep, err := s.db.TrainingCoverage(r.Context(), p.Scope(markaz.PermTrainingRead), level, code, fy)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}
