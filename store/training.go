package store

// Training: courses, sessions and enrolments (training package), scoped by governorate.
//
//   - Reading (training.read): national courses and sessions, and those of the governorates
//     the reader's assignments lie in (training.Reach). A session's enrolments are all
//     shown to a reader whose scope holds the session's territory; other readers see only
//     the enrolments of staff working inside their own scope.
//   - Courses and sessions are changed with training.write over their territory: a
//     governorate's trainer manages that governorate's, national ones need a national
//     trainer.
//   - Enrolling (training.enrol) needs the trainee's qualifying assignment inside the
//     enroller's scope; withdrawing, the same or training.write over the session.
//   - Attendance and results are recorded with training.write over the session.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"markaz"
	"markaz/training"
)

const trainingCourseCols = `id, code, name_ar, name_en, topic, duration_hours, gov_code, retired_on, version, created_at, updated_at`

// TrainingCourseRow is a course with its governorate's names and how many sessions it has had.
type TrainingCourseRow struct {
	training.Course
	GovNameAr string `json:"governorate_name_ar,omitempty" db:"gov_name_ar"`
	GovNameEn string `json:"governorate_name_en,omitempty" db:"gov_name_en"`
	Sessions  int    `json:"sessions" db:"sessions"`
}

// TrainingCourseFilter selects courses. All and Govs say where the reader may look (see
// training.Reach); Gov narrows to one governorate's courses ("national" for national
// ones); Query matches code and names, Arabic-folded. Rows come in code order after After.
type TrainingCourseFilter struct {
	All            bool
	Govs           []string
	Gov            string
	Query          string
	IncludeRetired bool
	After          string
	Limit          int
}

// GovNational is the value of a governorate filter that selects national records.
const GovNational = "national"

// reach restricts rows with a gov_code column to national ones and those of govs.
func (w *where) reach(all bool, govs []string, col string) {
	if all {
		return
	}
	cond := col + " = ''"
	for _, g := range govs {
		cond += " OR " + col + " = ?"
		w.args = append(w.args, g)
	}
	w.conds = append(w.conds, "("+cond+")")
}

// reaches reports whether a record of governorate gov ("" national) lies in reach.
func reaches(all bool, govs []string, gov string) bool {
	return all || gov == "" || slices.Contains(govs, gov)
}

// TrainingCourses lists one page of courses and the code to continue after ("" at the end).
func (db *DB) TrainingCourses(ctx context.Context, f TrainingCourseFilter) (out []TrainingCourseRow, next string, err error) {
	limit := clampLimit(f.Limit)
	err = db.Read(ctx, func(tx *Tx) error {
		var w where
		w.reach(f.All, f.Govs, "c.gov_code")
		switch f.Gov {
		case "":
		case GovNational:
			w.add("c.gov_code = ''")
		default:
			w.add("c.gov_code = ?", f.Gov)
		}
		for _, word := range strings.Fields(markaz.NormalizeSearch(f.Query)) {
			w.add(`c.search_key LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(word)+"%")
		}
		if !f.IncludeRetired {
			w.add("c.retired_on IS NULL")
		}
		if f.After != "" {
			w.add("c.code > ?", f.After)
		}
		if err := tx.Select(&out, `SELECT c.`+strings.ReplaceAll(trainingCourseCols, ", ", ", c.")+`,
			COALESCE(g.name_ar, '') AS gov_name_ar, COALESCE(g.name_en, '') AS gov_name_en,
			(SELECT COUNT(*) FROM training_sessions s WHERE s.course_id = c.id AND s.cancelled_on IS NULL) AS sessions
			FROM training_courses c LEFT JOIN governorates g ON g.code = c.gov_code`+w.String()+
			` ORDER BY c.code LIMIT `+fmt.Sprint(limit+1), w.args...); err != nil {
			return err
		}
		if len(out) > limit {
			out, next = out[:limit], out[limit-1].Code
		}
		return tx.loadAudiences(out)
	})
	if out == nil {
		out = []TrainingCourseRow{}
	}
	return out, next, err
}

// loadAudiences fills the audience roles of listed courses in one query.
func (tx *Tx) loadAudiences(cs []TrainingCourseRow) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]any, len(cs))
	at := map[string]int{}
	for i, c := range cs {
		ids[i], at[c.ID] = c.ID, i
	}
	var rows []struct {
		CourseID string `db:"course_id"`
		Role     string `db:"role"`
	}
	if err := tx.Select(&rows, `SELECT course_id, role FROM training_course_roles WHERE course_id IN (`+
		placeholders(len(ids))+`)`, ids...); err != nil {
		return err
	}
	for _, r := range rows {
		c := &cs[at[r.CourseID]]
		c.Audience = append(c.Audience, r.Role)
	}
	for i := range cs {
		cs[i].Audience = inRoleOrder(cs[i].Audience)
	}
	return nil
}

// inRoleOrder sorts roles as training.Roles lists them.
func inRoleOrder(roles []string) []string {
	out := []string{}
	for _, r := range training.Roles {
		if slices.Contains(roles, r) {
			out = append(out, r)
		}
	}
	return out
}

// TrainingCourse returns the course id if it lies within reach (all, govs): not found when there
// is none, forbidden when it belongs to another governorate.
func (db *DB) TrainingCourse(ctx context.Context, all bool, govs []string, id string) (*TrainingCourseRow, error) {
	var c *TrainingCourseRow
	err := db.Read(ctx, func(tx *Tx) error {
		var err error
		c, err = tx.findTrainingCourse(id)
		if err == nil && !reaches(all, govs, c.GovCode) {
			err = markaz.ErrForbidden
		}
		return err
	})
	return c, err
}

// findTrainingCourse loads a course by id or code, with its audience.
func (tx *Tx) findTrainingCourse(idOrCode string) (*TrainingCourseRow, error) {
	if !markaz.ValidID(idOrCode) {
		return nil, markaz.ErrNotFound
	}
	var cs []TrainingCourseRow
	if err := tx.Select(&cs, `SELECT c.`+strings.ReplaceAll(trainingCourseCols, ", ", ", c.")+`,
		COALESCE(g.name_ar, '') AS gov_name_ar, COALESCE(g.name_en, '') AS gov_name_en,
		(SELECT COUNT(*) FROM training_sessions s WHERE s.course_id = c.id AND s.cancelled_on IS NULL) AS sessions
		FROM training_courses c LEFT JOIN governorates g ON g.code = c.gov_code WHERE c.id = ? OR c.code = ?`,
		idOrCode, strings.ToUpper(idOrCode)); err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, markaz.ErrNotFound
	}
	return &cs[0], tx.loadAudiences(cs[:1])
}

// CreateTrainingCourse validates a new course (national when GovCode is empty), checks that its
// territory lies inside the writer's scope s and that its code is free, stores it and
// audits it. input (nil for none) holds problems already found reading the request.
func (tx *Tx) CreateTrainingCourse(actor Actor, s markaz.Scope, c *training.Course, input *markaz.Validator) (*TrainingCourseRow, error) {
	if err := tx.insertTrainingCourse(actor, s, c, input); err != nil {
		return nil, err
	}
	return tx.findTrainingCourse(c.ID)
}

func (tx *Tx) insertTrainingCourse(actor Actor, s markaz.Scope, c *training.Course, input *markaz.Validator) error {
	v := centerInput(input)
	c.Check(v)
	if c.GovCode != "" && !v.Has("governorate") {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM governorates WHERE code = ? AND retired_on IS NULL`, c.GovCode); err != nil {
			return err
		}
		if n == 0 {
			v.Add("governorate", "unknown_governorate", nil)
		}
	}
	if !v.Has("governorate") && !s.Contains(c.Ref()) {
		return markaz.ErrForbidden
	}
	c.ID, c.Version, c.CreatedAt, c.UpdatedAt, c.RetiredOn = markaz.NewID(), 1, tx.Now, tx.Now, markaz.Date{}
	if err := tx.courseCodeFree(v, c); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO training_courses (`+trainingCourseCols+`, search_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Code, c.NameAr, c.NameEn, c.Topic, c.DurationHours,
		c.GovCode, c.RetiredOn, c.Version, c.CreatedAt, c.UpdatedAt, searchKey(c.Code, c.NameAr, c.NameEn)); err != nil {
		return err
	}
	if err := tx.setAudience(c); err != nil {
		return err
	}
	return tx.Audit(actor, "training.course.create", "training_course", c.ID, c.Ref(), nil, c)
}

func (tx *Tx) courseCodeFree(v *markaz.Validator, c *training.Course) error {
	if v.Has("code") {
		return nil
	}
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM training_courses WHERE code = ? AND id <> ?`, c.Code, c.ID); err != nil {
		return err
	}
	if n > 0 {
		v.Add("code", "taken", nil)
	}
	return nil
}

// setAudience replaces the course's audience rows: they are part of the course, whose
// audit entry carries the before and after.
func (tx *Tx) setAudience(c *training.Course) error {
	if _, err := tx.Exec(`DELETE FROM training_course_roles WHERE course_id = ?`, c.ID); err != nil {
		return err
	}
	for _, r := range c.Audience {
		if _, err := tx.Exec(`INSERT INTO training_course_roles (course_id, role) VALUES (?, ?)`, c.ID, r); err != nil {
			return err
		}
	}
	return nil
}

// UpdateTrainingCourse replaces the editable fields of course id (all but its territory) with
// c's; c.Version must be the one stored. A retired course cannot change.
func (tx *Tx) UpdateTrainingCourse(actor Actor, s markaz.Scope, id string, c *training.Course, input *markaz.Validator) (*TrainingCourseRow, error) {
	v := centerInput(input)
	if c.Version < 1 && !v.Has("version") {
		v.Add("version", "required", nil)
	}
	old, err := tx.writableTrainingCourse(s, id, c.Version) // no version: reported with the rest
	if err != nil {
		return nil, err
	}
	c.ID, c.GovCode, c.CreatedAt, c.RetiredOn = old.ID, old.GovCode, old.CreatedAt, markaz.Date{}
	c.Check(v)
	if err := tx.courseCodeFree(v, c); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c.Version, c.UpdatedAt = old.Version+1, tx.Now
	res, err := tx.Exec(`UPDATE training_courses SET code = ?, name_ar = ?, name_en = ?, search_key = ?, topic = ?,
		duration_hours = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
		c.Code, c.NameAr, c.NameEn, searchKey(c.Code, c.NameAr, c.NameEn), c.Topic, c.DurationHours, c.Version,
		c.UpdatedAt, c.ID, old.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	if err := tx.setAudience(c); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "training.course.update", "training_course", c.ID, c.Ref(), &old.Course, c); err != nil {
		return nil, err
	}
	return tx.findTrainingCourse(c.ID)
}

// RetireTrainingCourse takes course id out of use today: no new sessions; past ones keep counting.
func (tx *Tx) RetireTrainingCourse(actor Actor, s markaz.Scope, id string) (*TrainingCourseRow, error) {
	old, err := tx.writableTrainingCourse(s, id, 0)
	if err != nil {
		return nil, err
	}
	c := old.Course
	c.RetiredOn, c.Version, c.UpdatedAt = tx.Today(), old.Version+1, tx.Now
	res, err := tx.Exec(`UPDATE training_courses SET retired_on = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
		c.RetiredOn, c.Version, c.UpdatedAt, c.ID, old.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "training.course.retire", "training_course", c.ID, c.Ref(), &old.Course, &c); err != nil {
		return nil, err
	}
	return tx.findTrainingCourse(c.ID)
}

// writableTrainingCourse loads a course for a change: forbidden outside scope s, a conflict when
// retired or (version > 0) when its version differs.
func (tx *Tx) writableTrainingCourse(s markaz.Scope, id string, version int) (*TrainingCourseRow, error) {
	old, err := tx.findTrainingCourse(id)
	if err != nil {
		return nil, err
	}
	return old, mayChange(s, old.Ref(), !old.RetiredOn.IsZero(), errCourseRetired, version, old.Version)
}

var errCourseRetired = &markaz.Error{Code: markaz.EConflict, Key: "training.error.course_retired"}

// mayChange is the check before changing a training record at ref: forbidden outside
// scope s, the given conflict when it is closed (retired, cancelled), stale when version
// (checked when > 0) is not the stored one.
func mayChange(s markaz.Scope, ref markaz.Ref, closed bool, closedErr error, version, stored int) error {
	switch {
	case !s.Contains(ref):
		return markaz.ErrForbidden
	case closed:
		return closedErr
	case version > 0 && version != stored:
		return errCenterStale
	}
	return nil
}

const trainingSessionCols = `id, course_id, gov_code, starts_on, ends_on, place, trainer_id, capacity, cancelled_on,
	cancel_reason, version, created_at, updated_at`

// trainingSessionSelect reads sessions (alias s) with their course, governorate and trainer
// names and the number of trainees enrolled.
var trainingSessionSelect = `SELECT s.` + strings.Join(strings.Fields(strings.ReplaceAll(trainingSessionCols, ",", " ")), ", s.") + `,
	c.code AS course_code, c.name_ar AS course_name_ar, c.name_en AS course_name_en, c.gov_code AS course_gov,
	COALESCE(g.name_ar, '') AS gov_name_ar, COALESCE(g.name_en, '') AS gov_name_en,
	t.full_name AS trainer_name, t.username AS trainer_username,
	(SELECT COUNT(*) FROM training_enrolments e WHERE e.session_id = s.id AND e.withdrawn_at IS NULL) AS enrolled
	FROM training_sessions s JOIN training_courses c ON c.id = s.course_id
	LEFT JOIN governorates g ON g.code = s.gov_code JOIN users t ON t.id = s.trainer_id`

// TrainingSessionRow is a session as lists and its page show it.
type TrainingSessionRow struct {
	training.Session
	CourseCode      string `json:"course_code" db:"course_code"`
	CourseNameAr    string `json:"course_name_ar" db:"course_name_ar"`
	CourseNameEn    string `json:"course_name_en" db:"course_name_en"`
	CourseGov       string `json:"-" db:"course_gov"`
	GovNameAr       string `json:"governorate_name_ar,omitempty" db:"gov_name_ar"`
	GovNameEn       string `json:"governorate_name_en,omitempty" db:"gov_name_en"`
	TrainerName     string `json:"trainer_name" db:"trainer_name"`
	TrainerUsername string `json:"trainer_username" db:"trainer_username"`
	Enrolled        int    `json:"enrolled" db:"enrolled"`
}

// TrainingSessionFilter selects sessions: All and Govs as in TrainingCourseFilter; Gov (or GovNational),
// a course, a trainer and a fiscal year (by start date) narrow it. Rows come latest
// first, after the key After.
type TrainingSessionFilter struct {
	All      bool
	Govs     []string
	Gov      string
	CourseID string
	Trainer  string
	FY       int // 0: any
	After    *TrainingSessionKey
	Limit    int
}

// TrainingSessionKey is a session's place in list order: start date, then id, both descending.
type TrainingSessionKey struct {
	StartsOn markaz.Date
	ID       string
}

// TrainingSessions lists one page of sessions and the key to continue after (nil at the end).
func (db *DB) TrainingSessions(ctx context.Context, f TrainingSessionFilter) (out []TrainingSessionRow, next *TrainingSessionKey, err error) {
	limit := clampLimit(f.Limit)
	err = db.Read(ctx, func(tx *Tx) error {
		var w where
		w.reach(f.All, f.Govs, "s.gov_code")
		switch f.Gov {
		case "":
		case GovNational:
			w.add("s.gov_code = ''")
		default:
			w.add("s.gov_code = ?", f.Gov)
		}
		if f.CourseID != "" {
			w.add("s.course_id = ?", f.CourseID)
		}
		if f.Trainer != "" {
			w.add("s.trainer_id = ?", f.Trainer)
		}
		if f.FY != 0 {
			from, to := markaz.FiscalYearBounds(f.FY)
			w.add("s.starts_on >= ? AND s.starts_on <= ?", from, to)
		}
		if f.After != nil {
			w.add("(s.starts_on < ? OR s.starts_on = ? AND s.id < ?)", f.After.StartsOn, f.After.StartsOn, f.After.ID)
		}
		return tx.Select(&out, trainingSessionSelect+w.String()+` ORDER BY s.starts_on DESC, s.id DESC LIMIT `+
			fmt.Sprint(limit+1), w.args...)
	})
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = &TrainingSessionKey{StartsOn: last.StartsOn, ID: last.ID}
	}
	if out == nil {
		out = []TrainingSessionRow{}
	}
	return out, next, err
}

// findTrainingSession loads a session with its names; lock asks for a row lock (a change follows).
func (tx *Tx) findTrainingSession(id string, lock bool) (*TrainingSessionRow, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	if lock {
		// Lock the session row alone: PostgreSQL refuses FOR UPDATE beside outer joins.
		var x string
		if err := tx.Get(&x, `SELECT id FROM training_sessions WHERE id = ?`+tx.ForUpdate(), id); err != nil {
			return nil, err
		}
	}
	var s TrainingSessionRow
	if err := tx.Get(&s, trainingSessionSelect+` WHERE s.id = ?`, id); err != nil {
		return nil, err
	}
	return &s, nil
}

// CreateTrainingSession validates a new session of a course and stores it, audited. The course
// must be in use and reachable; the session's territory is the course's governorate, or
// for a national course the governorate given ("" for a national session), and must lie
// inside the writer's scope s; the trainer must be a trainer there.
func (tx *Tx) CreateTrainingSession(actor Actor, s markaz.Scope, sess *training.Session, input *markaz.Validator) (*TrainingSessionRow, error) {
	v := centerInput(input)
	c, err := tx.findTrainingCourse(sess.CourseID)
	switch {
	case markaz.ErrorCode(err) == markaz.ENotFound:
		v.Add("course_id", "training_unknown_course", nil)
	case err != nil:
		return nil, err
	case !c.RetiredOn.IsZero():
		v.Add("course_id", "training_course_retired", nil)
	default:
		sess.CourseID = c.ID
		if c.GovCode != "" {
			if sess.GovCode != "" && sess.GovCode != c.GovCode {
				v.Add("governorate", "training_course_elsewhere", nil)
			}
			sess.GovCode = c.GovCode
		}
	}
	sess.Check(v, tx.Today())
	if err := tx.placeTrainingSession(s, sess, v); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sess.ID, sess.Version, sess.CreatedAt, sess.UpdatedAt = markaz.NewID(), 1, tx.Now, tx.Now
	sess.CancelledOn, sess.CancelReason = markaz.Date{}, ""
	if _, err := tx.Exec(`INSERT INTO training_sessions (`+trainingSessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sess.CourseID, sess.GovCode, sess.StartsOn, sess.EndsOn, sess.Place, sess.TrainerID, sess.Capacity,
		sess.CancelledOn, sess.CancelReason, sess.Version, sess.CreatedAt, sess.UpdatedAt); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "training.session.create", "training_session", sess.ID, sess.Ref(), nil, sess); err != nil {
		return nil, err
	}
	return tx.findTrainingSession(sess.ID, false)
}

// placeTrainingSession checks the session's governorate exists and lies inside scope s (else
// forbidden), and that its trainer holds the trainer role there today.
func (tx *Tx) placeTrainingSession(s markaz.Scope, sess *training.Session, v *markaz.Validator) error {
	if sess.GovCode != "" && !v.Has("governorate") {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM governorates WHERE code = ? AND retired_on IS NULL`, sess.GovCode); err != nil {
			return err
		}
		if n == 0 {
			v.Add("governorate", "unknown_governorate", nil)
			return nil
		}
	}
	if !v.Has("governorate") && !v.Has("course_id") && !s.Contains(sess.Ref()) {
		return markaz.ErrForbidden
	}
	if v.Has("trainer_id") {
		return nil
	}
	ok, err := tx.isTrainer(sess.TrainerID, sess.GovCode)
	if err != nil {
		return err
	}
	if !ok {
		v.Add("trainer_id", "training_not_trainer", nil)
	}
	return nil
}

// isTrainer reports whether the user is enabled and holds the trainer role today
// nationally, or in governorate gov (for a governorate's session).
func (tx *Tx) isTrainer(userID, gov string) (bool, error) {
	today := tx.Today()
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE a.user_id = ? AND u.disabled_at IS NULL AND a.role = ? AND a.revoked_at IS NULL
		AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)
		AND (a.level = ? OR a.level = ? AND a.gov_code = ? AND ? <> '')`,
		userID, markaz.RoleTrainer, today, today, markaz.LevelNation, markaz.LevelGovernorate, gov, gov)
	return n > 0, err
}

// Trainers lists the enabled users holding the trainer role today nationally or in
// governorate gov ("" lists every trainer scope s reaches), by name: the choices of a
// session's trainer.
func (db *DB) Trainers(ctx context.Context, s markaz.Scope, gov string) ([]UserChoice, error) {
	var out []UserChoice
	err := db.Read(ctx, func(tx *Tx) error {
		today := tx.Today()
		var w where
		w.add(`u.disabled_at IS NULL AND a.role = ? AND a.revoked_at IS NULL AND a.starts_on <= ?
			AND (a.ends_on IS NULL OR a.ends_on >= ?)`, markaz.RoleTrainer, today, today)
		if gov != "" {
			w.add("(a.level = ? OR a.gov_code = ?)", markaz.LevelNation, gov)
		} else if !s.All {
			var sw where
			sw.scope(markaz.Scope{Govs: s.Govs}, "a.gov_code", "", "")
			w.add("(a.level = ? OR "+strings.Join(sw.conds, "")+")", append([]any{markaz.LevelNation}, sw.args...)...)
		}
		return tx.Select(&out, `SELECT DISTINCT u.id, u.username, u.full_name FROM users u
			JOIN assignments a ON a.user_id = u.id`+w.String()+` ORDER BY u.full_name, u.id`, w.args...)
	})
	return out, err
}

// UserChoice is a user offered in a select.
type UserChoice struct {
	ID       string `json:"id" db:"id"`
	Username string `json:"username" db:"username"`
	FullName string `json:"full_name" db:"full_name"`
}

// UpdateTrainingSession replaces the editable fields of session id (dates, place, trainer,
// capacity; not its course nor territory); sess.Version must be the one stored. The
// capacity cannot fall below the trainees enrolled, and once attendance was recorded the
// session cannot move into the future.
func (tx *Tx) UpdateTrainingSession(actor Actor, s markaz.Scope, id string, sess *training.Session, input *markaz.Validator) (*TrainingSessionRow, error) {
	v := centerInput(input)
	if sess.Version < 1 && !v.Has("version") {
		v.Add("version", "required", nil)
	}
	old, err := tx.writableTrainingSession(s, id, sess.Version) // no version: reported with the rest
	if err != nil {
		return nil, err
	}
	sess.ID, sess.CourseID, sess.GovCode, sess.CreatedAt = old.ID, old.CourseID, old.GovCode, old.CreatedAt
	sess.CancelledOn, sess.CancelReason = markaz.Date{}, ""
	sess.Check(v, tx.Today())
	if err := tx.placeTrainingSession(s, sess, v); err != nil {
		return nil, err
	}
	if !v.Has("capacity") && sess.Capacity < old.Enrolled {
		v.Add("capacity", "training_below_enrolled", map[string]any{"min": old.Enrolled})
	}
	if !v.Has("starts_on") && !sess.Started(tx.Today()) {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM training_enrolments WHERE session_id = ? AND attendance <> ''`, id); err != nil {
			return nil, err
		}
		if n > 0 {
			v.Add("starts_on", "training_attendance_recorded", nil)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sess.Version, sess.UpdatedAt = old.Version+1, tx.Now
	res, err := tx.Exec(`UPDATE training_sessions SET starts_on = ?, ends_on = ?, place = ?, trainer_id = ?, capacity = ?,
		version = ?, updated_at = ? WHERE id = ? AND version = ?`, sess.StartsOn, sess.EndsOn, sess.Place, sess.TrainerID,
		sess.Capacity, sess.Version, sess.UpdatedAt, sess.ID, old.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "training.session.update", "training_session", sess.ID, sess.Ref(), &old.Session, sess); err != nil {
		return nil, err
	}
	return tx.findTrainingSession(sess.ID, false)
}

// CancelTrainingSession calls session id off today for reason; its enrolments stay on record but
// count for nothing.
func (tx *Tx) CancelTrainingSession(actor Actor, s markaz.Scope, id, reason string) (*TrainingSessionRow, error) {
	old, err := tx.writableTrainingSession(s, id, 0)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var v markaz.Validator
	v.Text("reason", reason, training.MaxReasonLength, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	sess := old.Session
	sess.CancelledOn, sess.CancelReason, sess.Version, sess.UpdatedAt = tx.Today(), reason, old.Version+1, tx.Now
	res, err := tx.Exec(`UPDATE training_sessions SET cancelled_on = ?, cancel_reason = ?, version = ?, updated_at = ?
		WHERE id = ? AND version = ?`, sess.CancelledOn, sess.CancelReason, sess.Version, sess.UpdatedAt, sess.ID, old.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "training.session.cancel", "training_session", sess.ID, sess.Ref(), &old.Session, &sess); err != nil {
		return nil, err
	}
	return tx.findTrainingSession(sess.ID, false)
}

// writableTrainingSession loads and locks a session for a change: forbidden outside scope s, a
// conflict when cancelled or (version > 0) when its version differs.
func (tx *Tx) writableTrainingSession(s markaz.Scope, id string, version int) (*TrainingSessionRow, error) {
	old, err := tx.findTrainingSession(id, true)
	if err != nil {
		return nil, err
	}
	return old, mayChange(s, old.Ref(), old.Cancelled(), errTrainingCancelled, version, old.Version)
}

var errTrainingCancelled = &markaz.Error{Code: markaz.EConflict, Key: "training.error.cancelled"}

// TrainingSessionDetail is a session with the enrolments its reader may see.
type TrainingSessionDetail struct {
	TrainingSessionRow
	Enrolments []EnrolmentRow `json:"enrolments"`
	// Partial is true when the reader sees only the trainees of their own territory.
	Partial bool `json:"partial"`
}

// EnrolmentRow is an enrolment with the trainee's name and workplace.
type EnrolmentRow struct {
	training.Enrolment
	Username     string `json:"username" db:"username"`
	FullName     string `json:"full_name" db:"full_name"`
	CenterCode   string `json:"center_code,omitempty" db:"center_code"`
	CenterNameAr string `json:"center_name_ar,omitempty" db:"center_name_ar"`
	CenterNameEn string `json:"center_name_en,omitempty" db:"center_name_en"`
}

const enrolmentCols = `id, session_id, user_id, role, gov_code, unit_code, center_id, attendance, result, score,
	withdrawn_at, enrolled_by, version, created_at, updated_at`

var enrolmentRowSelect = `SELECT e.` + strings.Join(strings.Fields(strings.ReplaceAll(enrolmentCols, ",", " ")), ", e.") + `,
	u.username, u.full_name, COALESCE(c.code, '') AS center_code, COALESCE(c.name_ar, '') AS center_name_ar,
	COALESCE(c.name_en, '') AS center_name_en
	FROM training_enrolments e JOIN users u ON u.id = e.user_id LEFT JOIN centers c ON c.id = e.center_id`

// TrainingSession returns session id as principal p may read it (training.read): the session if
// within reach, with all its enrolments when p's scope holds the session's territory,
// else with those of p's own staff. withdrawn adds the withdrawn enrolments.
func (db *DB) TrainingSession(ctx context.Context, p *markaz.Principal, id string, withdrawn bool) (*TrainingSessionDetail, error) {
	var out *TrainingSessionDetail
	err := db.Read(ctx, func(tx *Tx) error {
		s, err := tx.findTrainingSession(id, false)
		if err != nil {
			return err
		}
		all, govs := training.Reach(p, markaz.PermTrainingRead)
		if !reaches(all, govs, s.GovCode) {
			return markaz.ErrForbidden
		}
		out = &TrainingSessionDetail{TrainingSessionRow: *s, Enrolments: []EnrolmentRow{}}
		var w where
		w.add("e.session_id = ?", id)
		if scope := p.Scope(markaz.PermTrainingRead); !scope.Contains(s.Ref()) {
			out.Partial = true
			w.scope(scope, "e.gov_code", "e.unit_code", "e.center_id")
		}
		if !withdrawn {
			w.add("e.withdrawn_at IS NULL")
		}
		return tx.Select(&out.Enrolments, enrolmentRowSelect+w.String()+` ORDER BY u.full_name, e.id`, w.args...)
	})
	return out, err
}

// Enrol enrols user (an id or username) in session id as principal p (training.enrol).
// The session must be within p's reach and not cancelled; the user enabled and holding
// today one of the course's audience roles in the session's territory (any governorate
// for a national session), in an assignment inside p's scope (else forbidden); not
// already enrolled (a withdrawn trainee gets their place back); and the session not full.
func (tx *Tx) Enrol(actor Actor, p *markaz.Principal, sessionID, user string) (*EnrolmentRow, error) {
	sess, err := tx.findTrainingSession(sessionID, true)
	if err != nil {
		return nil, err
	}
	all, govs := training.Reach(p, markaz.PermTrainingEnrol)
	if !reaches(all, govs, sess.GovCode) {
		return nil, markaz.ErrForbidden
	}
	if sess.Cancelled() {
		return nil, errTrainingCancelled
	}
	var v markaz.Validator
	u, err := tx.lookupUser(strings.TrimSpace(user))
	if err != nil {
		return nil, err
	}
	if u == nil {
		v.Add("user", "unknown_user", nil)
		return nil, v.Err()
	}
	course, err := tx.findTrainingCourse(sess.CourseID)
	if err != nil {
		return nil, err
	}
	a, problem := qualifying(p, u, course.Audience, sess.GovCode, tx.Today())
	switch {
	case problem == "forbidden":
		return nil, markaz.ErrForbidden
	case problem != "":
		v.Add("user", problem, nil)
		return nil, v.Err()
	}
	var old []training.Enrolment
	if err := tx.Select(&old, `SELECT `+enrolmentCols+` FROM training_enrolments WHERE session_id = ? AND user_id = ?`,
		sess.ID, u.ID); err != nil {
		return nil, err
	}
	if len(old) > 0 && old[0].WithdrawnAt == nil {
		v.Add("user", "training_already_enrolled", nil)
		return nil, v.Err()
	}
	if sess.Enrolled >= sess.Capacity {
		return nil, &markaz.Error{Code: markaz.EConflict, Key: "training.error.full", Args: map[string]any{"capacity": sess.Capacity}}
	}
	e := training.Enrolment{SessionID: sess.ID, UserID: u.ID, Role: a.Role, GovCode: a.GovCode, UnitCode: a.UnitCode,
		CenterID: a.CenterID, EnrolledBy: actor.UserID, UpdatedAt: tx.Now}
	if len(old) > 0 {
		e.ID, e.CreatedAt, e.Version = old[0].ID, old[0].CreatedAt, old[0].Version+1
		_, err = tx.Exec(`UPDATE training_enrolments SET role = ?, gov_code = ?, unit_code = ?, center_id = ?,
			attendance = '', result = '', score = NULL, withdrawn_at = NULL, enrolled_by = ?, version = ?, updated_at = ?
			WHERE id = ?`, e.Role, e.GovCode, e.UnitCode, e.CenterID, e.EnrolledBy, e.Version, e.UpdatedAt, e.ID)
	} else {
		e.ID, e.CreatedAt, e.Version = markaz.NewID(), tx.Now, 1
		_, err = tx.Exec(`INSERT INTO training_enrolments (`+enrolmentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.SessionID, e.UserID, e.Role, e.GovCode, e.UnitCode, e.CenterID, e.Attendance, e.Result, e.Score,
			e.WithdrawnAt, e.EnrolledBy, e.Version, e.CreatedAt, e.UpdatedAt)
	}
	if err != nil {
		return nil, err
	}
	var before any
	if len(old) > 0 {
		before = &old[0]
	}
	if err := tx.Audit(actor, "training.enrol", "training_enrolment", e.ID, e.Ref(), before, &e); err != nil {
		return nil, err
	}
	return tx.findEnrolment(e.ID)
}

// lookupUser finds a user by id or username (nil when there is none).
func (tx *Tx) lookupUser(s string) (*markaz.User, error) {
	if s == "" || len(s) > 64 {
		return nil, nil
	}
	var ids []string
	if err := tx.Select(&ids, `SELECT id FROM users WHERE id = ? OR username = ?`, s, strings.ToLower(s)); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return tx.GetUser(ids[0])
}

// qualifying picks the assignment that lets p enrol user u in a session of a course with
// audience held in gov: held today, its role in the audience (in training.Roles order),
// inside the session's governorate and inside p's enrol scope. problem is a field code
// when there is none ("training_user_disabled", "training_not_audience",
// "training_outside_session"), or "forbidden" when the user qualifies only outside p's scope.
func qualifying(p *markaz.Principal, u *markaz.User, audience []string, gov string, today markaz.Date) (markaz.Assignment, string) {
	if u.DisabledAt != nil {
		return markaz.Assignment{}, "training_user_disabled"
	}
	var held []markaz.Assignment
	for _, a := range u.Assignments {
		if a.ActiveOn(today) && slices.Contains(audience, a.Role) {
			held = append(held, a)
		}
	}
	if len(held) == 0 {
		return markaz.Assignment{}, "training_not_audience"
	}
	held = slices.DeleteFunc(held, func(a markaz.Assignment) bool { return !training.Qualifies(a, audience, gov) })
	if len(held) == 0 {
		return markaz.Assignment{}, "training_outside_session"
	}
	slices.SortStableFunc(held, func(a, b markaz.Assignment) int {
		return slices.Index(training.Roles, a.Role) - slices.Index(training.Roles, b.Role)
	})
	for _, a := range held {
		if p.Allowed(markaz.PermTrainingEnrol, a.Ref()) {
			return a, ""
		}
	}
	return markaz.Assignment{}, "forbidden"
}

func (tx *Tx) findEnrolment(id string) (*EnrolmentRow, error) {
	var e EnrolmentRow
	if err := tx.Get(&e, enrolmentRowSelect+` WHERE e.id = ?`, id); err != nil {
		return nil, err
	}
	return &e, nil
}

// WithdrawTrainee takes a trainee out of session sessionID (enrolment id): with training.enrol
// over the trainee's territory, or training.write over the session's. A trainee whose
// attendance was recorded cannot be withdrawn: the record stays as it happened.
func (tx *Tx) WithdrawTrainee(actor Actor, p *markaz.Principal, sessionID, id string) (*EnrolmentRow, error) {
	sess, err := tx.findTrainingSession(sessionID, true)
	if err != nil {
		return nil, err
	}
	e, err := tx.sessionEnrolment(sess.ID, id)
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermTrainingEnrol, e.Ref()) && !p.Allowed(markaz.PermTrainingWrite, sess.Ref()) {
		return nil, markaz.ErrForbidden
	}
	switch {
	case sess.Cancelled():
		return nil, errTrainingCancelled
	case e.WithdrawnAt != nil:
		return nil, &markaz.Error{Code: markaz.EConflict, Key: "training.error.withdrawn"}
	case e.Attendance != "":
		return nil, &markaz.Error{Code: markaz.EConflict, Key: "training.error.attendance_recorded"}
	}
	after := e.Enrolment
	now := tx.Now
	after.WithdrawnAt, after.Version, after.UpdatedAt = &now, e.Version+1, tx.Now
	if _, err := tx.Exec(`UPDATE training_enrolments SET withdrawn_at = ?, version = ?, updated_at = ? WHERE id = ?`,
		after.WithdrawnAt, after.Version, after.UpdatedAt, e.ID); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "training.withdraw", "training_enrolment", e.ID, e.Ref(), &e.Enrolment, &after); err != nil {
		return nil, err
	}
	return tx.findEnrolment(e.ID)
}

// sessionEnrolment loads enrolment id of session sessionID (not found when it is another's).
func (tx *Tx) sessionEnrolment(sessionID, id string) (*EnrolmentRow, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	e, err := tx.findEnrolment(id)
	if err == nil && e.SessionID != sessionID {
		err = markaz.ErrNotFound
	}
	return e, err
}

// ResultInput is what a trainer records of one enrolment of a session.
type ResultInput struct {
	EnrolmentID string `json:"enrolment_id"`
	training.Record
}

// RecordTrainingResults records attendance and results of enrolments of session sessionID, all
// or nothing, as p (training.write over the session's territory). The session must have
// started and not be cancelled; each enrolment must be the session's and not withdrawn.
// Field problems are named by name(i, field) for the i-th input. Only changed enrolments
// are written and audited; it returns how many changed.
func (tx *Tx) RecordTrainingResults(actor Actor, p *markaz.Principal, sessionID string, in []ResultInput,
	name func(i int, field string) string) (int, error) {
	sess, err := tx.writableTrainingSession(p.Scope(markaz.PermTrainingWrite), sessionID, 0)
	if err != nil {
		return 0, err
	}
	if !sess.Started(tx.Today()) {
		return 0, &markaz.Error{Code: markaz.EConflict, Key: "training.error.not_started"}
	}
	var v markaz.Validator
	if len(in) == 0 {
		v.Add(name(-1, ""), "required", nil)
		return 0, v.Err()
	}
	if len(in) > training.MaxCapacity {
		v.Add(name(-1, ""), "too_many", map[string]any{"max": training.MaxCapacity})
		return 0, v.Err()
	}
	type change struct{ before, after training.Enrolment }
	var changes []change
	seen := map[string]bool{}
	for i := range in {
		r := &in[i]
		field := func(f string) string { return name(i, f) }
		e, err := tx.sessionEnrolment(sess.ID, strings.TrimSpace(r.EnrolmentID))
		switch {
		case markaz.ErrorCode(err) == markaz.ENotFound || err == nil && seen[e.ID]:
			v.Add(field("enrolment_id"), "training_unknown_enrolment", nil)
			continue
		case err != nil:
			return 0, err
		case e.WithdrawnAt != nil:
			v.Add(field("enrolment_id"), "training_withdrawn", nil)
			continue
		}
		seen[e.ID] = true
		r.Check(&v, field)
		after := e.Enrolment
		after.Attendance, after.Result, after.Score = r.Attendance, r.Result, r.Score
		if after.Attendance != e.Attendance || after.Result != e.Result || !sameScore(after.Score, e.Score) {
			changes = append(changes, change{e.Enrolment, after})
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	for _, c := range changes {
		a := c.after
		a.Version, a.UpdatedAt = c.before.Version+1, tx.Now
		if _, err := tx.Exec(`UPDATE training_enrolments SET attendance = ?, result = ?, score = ?, version = ?, updated_at = ?
			WHERE id = ?`, a.Attendance, a.Result, a.Score, a.Version, a.UpdatedAt, a.ID); err != nil {
			return 0, err
		}
		if err := tx.Audit(actor, "training.record", "training_enrolment", a.ID, a.Ref(), &c.before, &a); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}

func sameScore(a, b *int) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// TrainingCandidates lists up to limit staff p may enrol in session id and who are not enrolled:
// enabled, holding today an audience role of the course in the session's territory, in
// an assignment inside p's enrol scope, matching the search q (name or username), by name.
func (db *DB) TrainingCandidates(ctx context.Context, p *markaz.Principal, id, q string, limit int) ([]UserChoice, error) {
	out := []UserChoice{}
	err := db.Read(ctx, func(tx *Tx) error {
		sess, err := tx.findTrainingSession(id, false)
		if err != nil {
			return err
		}
		all, govs := training.Reach(p, markaz.PermTrainingEnrol)
		if !reaches(all, govs, sess.GovCode) {
			return markaz.ErrForbidden
		}
		course, err := tx.findTrainingCourse(sess.CourseID)
		if err != nil {
			return err
		}
		today := tx.Today()
		var w where
		w.add(`u.disabled_at IS NULL AND a.revoked_at IS NULL AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)`,
			today, today)
		roles := make([]any, len(course.Audience))
		for i, r := range course.Audience {
			roles[i] = r
		}
		w.add("a.role IN ("+placeholders(len(roles))+")", roles...)
		if sess.GovCode != "" {
			w.add("a.gov_code = ?", sess.GovCode)
		}
		w.scope(p.Scope(markaz.PermTrainingEnrol), "a.gov_code", "a.unit_code", "a.center_id")
		w.add(`NOT EXISTS (SELECT 1 FROM training_enrolments e WHERE e.session_id = ? AND e.user_id = u.id
			AND e.withdrawn_at IS NULL)`, sess.ID)
		if k := markaz.NormalizeSearch(q); k != "" {
			w.add(`u.search_key LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(k)+"%")
		}
		return tx.Select(&out, `SELECT DISTINCT u.id, u.username, u.full_name FROM users u
			JOIN assignments a ON a.user_id = u.id`+w.String()+` ORDER BY u.full_name, u.id LIMIT `+
			fmt.Sprint(clampLimit(limit)), w.args...)
	})
	return out, err
}

// MyTraining is one of a staff member's own enrolments.
type MyTraining struct {
	EnrolmentRow
	Session TrainingSessionRow `json:"session" db:"-"`
}

// MyTrainings lists the user's enrolments (withdrawn ones left out), latest session first.
func (db *DB) MyTrainings(ctx context.Context, userID string) ([]MyTraining, error) {
	out := []MyTraining{}
	err := db.Read(ctx, func(tx *Tx) error {
		var es []EnrolmentRow
		if err := tx.Select(&es, enrolmentRowSelect+` JOIN training_sessions ts ON ts.id = e.session_id
			WHERE e.user_id = ? AND e.withdrawn_at IS NULL ORDER BY ts.starts_on DESC, ts.id DESC`, userID); err != nil {
			return err
		}
		for _, e := range es {
			s, err := tx.findTrainingSession(e.SessionID, false)
			if err != nil {
				return err
			}
			out = append(out, MyTraining{EnrolmentRow: e, Session: *s})
		}
		return nil
	})
	return out, err
}
