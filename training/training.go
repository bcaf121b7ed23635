// Package training is the pure domain of staff training (capability 8 of the brief):
// courses with their audience roles, sessions held by a trainer in a governorate or
// nationally, enrolments with attendance and results, and the training coverage of a
// territory in a fiscal year (coverage.go). It has no SQL and no HTTP.
//
// A course is national (GovCode "") or belongs to one governorate; a session of a
// governorate's course is held in that governorate, a session of a national course in any
// governorate or nationally. Only staff holding one of the course's audience roles inside
// the session's territory may be enrolled. An enrolment is completed when the trainee
// attended and passed; the completion counts on the session's last day.
package training

import (
	"slices"
	"strings"
	"time"

	"markaz"
)

// Topics of a course, in display order (i18n "training.topic.<t>").
const (
	TopicSystem          = "system"           // operating the centers' system
	TopicProcedures      = "procedures"       // the unified service procedures
	TopicCustomerService = "customer_service" // serving citizens: conduct, appearance
	TopicEServices       = "e_services"       // e-services and electronic payment
	TopicFollowUp        = "follow_up"        // inspection, follow-up and reporting
	TopicManagement      = "management"       // running a center
	TopicOther           = "other"
)

// Topics lists every topic.
var Topics = []string{TopicSystem, TopicProcedures, TopicCustomerService, TopicEServices,
	TopicFollowUp, TopicManagement, TopicOther}

// Roles are the staff roles courses are given for, which coverage reports on: the staff
// the seed names (center staff, their managers, back offices, system supervisors,
// follow-up committee members), in display order.
var Roles = []string{markaz.RoleClerk, markaz.RoleCenterManager, markaz.RoleBackOffice,
	markaz.RoleSupervisor, markaz.RoleInspector}

// Limits on what training records accept.
const (
	MaxDurationHours = 400
	MaxCapacity      = 500
	MaxSessionDays   = 60 // a session longer than two months is a programme, not a session
	MaxPlanYears     = 2  // sessions are planned at most this far ahead
	MaxNameLength    = 160
	MaxPlaceLength   = 200
	MaxReasonLength  = 500
)

// Course is one training course.
type Course struct {
	ID            string      `json:"id" db:"id"`
	Code          string      `json:"code" db:"code"`
	NameAr        string      `json:"name_ar" db:"name_ar"`
	NameEn        string      `json:"name_en" db:"name_en"`
	Topic         string      `json:"topic" db:"topic"`
	Audience      []string    `json:"audience" db:"-"`
	DurationHours int         `json:"duration_hours" db:"duration_hours"`
	GovCode       string      `json:"governorate" db:"gov_code"` // "" for a national course
	RetiredOn     markaz.Date `json:"retired_on" db:"retired_on"`
	Version       int         `json:"version" db:"version"`
	CreatedAt     time.Time   `json:"created_at" db:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at" db:"updated_at"`
}

// Ref places the course: its governorate, or the nation.
func (c *Course) Ref() markaz.Ref { return markaz.Ref{Gov: c.GovCode} }

// Check normalises the course and adds its problems to v: a code, both names, a known
// topic, at least one audience role among Roles (kept in Roles order, without repeats)
// and a duration of 1 to MaxDurationHours hours.
func (c *Course) Check(v *markaz.Validator) {
	c.Code = strings.ToUpper(strings.TrimSpace(markaz.LatinDigits(c.Code)))
	c.NameAr, c.NameEn = strings.TrimSpace(c.NameAr), strings.TrimSpace(c.NameEn)
	c.Topic = strings.TrimSpace(c.Topic)
	c.GovCode = strings.TrimSpace(markaz.LatinDigits(c.GovCode))
	v.Code("code", c.Code)
	v.Text("name_ar", c.NameAr, MaxNameLength, true)
	v.Text("name_en", c.NameEn, MaxNameLength, true)
	if v.Required("topic", c.Topic) {
		v.OneOf("topic", c.Topic, Topics...)
	}
	var audience []string
	for _, r := range c.Audience {
		r = strings.TrimSpace(r)
		if !slices.Contains(Roles, r) {
			v.Add("audience", "one_of", map[string]any{"allowed": strings.Join(Roles, ", ")})
			break
		}
		audience = append(audience, r)
	}
	if !v.Has("audience") {
		c.Audience = slices.DeleteFunc(slices.Clone(Roles), func(r string) bool { return !slices.Contains(audience, r) })
		if len(c.Audience) == 0 {
			v.Add("audience", "required", nil)
		}
	}
	if c.DurationHours < 1 || c.DurationHours > MaxDurationHours {
		v.Add("duration_hours", "between", map[string]any{"min": 1, "max": MaxDurationHours})
	}
}

// Session is one sitting of a course: where, when, by whom and for how many.
type Session struct {
	ID           string      `json:"id" db:"id"`
	CourseID     string      `json:"course_id" db:"course_id"`
	GovCode      string      `json:"governorate" db:"gov_code"` // "" for a national session
	StartsOn     markaz.Date `json:"starts_on" db:"starts_on"`
	EndsOn       markaz.Date `json:"ends_on" db:"ends_on"`
	Place        string      `json:"place" db:"place"`
	TrainerID    string      `json:"trainer_id" db:"trainer_id"`
	Capacity     int         `json:"capacity" db:"capacity"`
	CancelledOn  markaz.Date `json:"cancelled_on" db:"cancelled_on"`
	CancelReason string      `json:"cancel_reason,omitempty" db:"cancel_reason"`
	Version      int         `json:"version" db:"version"`
	CreatedAt    time.Time   `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at" db:"updated_at"`
}

// Ref places the session: its governorate, or the nation.
func (s Session) Ref() markaz.Ref { return markaz.Ref{Gov: s.GovCode} }

// Cancelled reports whether the session was called off.
func (s Session) Cancelled() bool { return !s.CancelledOn.IsZero() }

// Started reports whether the session has begun on day today: attendance and results
// can be recorded from then on.
func (s Session) Started(today markaz.Date) bool { return !today.Before(s.StartsOn) }

// Check normalises the session and adds its problems to v, judged on day today: a start
// date from the programme's start to MaxPlanYears ahead, an end (the start when empty)
// not before it and at most MaxSessionDays later, a place, a trainer and a capacity of 1
// to MaxCapacity. Fields already holding a problem (a date that did not parse) are not
// judged again.
func (s *Session) Check(v *markaz.Validator, today markaz.Date) {
	s.Place = strings.TrimSpace(s.Place)
	s.TrainerID = strings.TrimSpace(s.TrainerID)
	s.GovCode = strings.TrimSpace(markaz.LatinDigits(s.GovCode))
	if !v.Has("starts_on") {
		latest := markaz.Date{Y: today.Y + MaxPlanYears, M: today.M, D: today.D}.AddDays(0)
		switch {
		case s.StartsOn.IsZero():
			v.Add("starts_on", "required", nil)
		case s.StartsOn.Before(markaz.ProgrammeStart):
			v.Add("starts_on", "date_too_early", map[string]any{"min": markaz.ProgrammeStart.String()})
		case s.StartsOn.After(latest):
			v.Add("starts_on", "date_too_late", map[string]any{"max": latest.String()})
		}
	}
	if !v.Has("ends_on") && !v.Has("starts_on") {
		if s.EndsOn.IsZero() {
			s.EndsOn = s.StartsOn
		}
		switch {
		case s.EndsOn.Before(s.StartsOn):
			v.Add("ends_on", "ends_before_start", nil)
		case s.EndsOn.After(s.StartsOn.AddDays(MaxSessionDays - 1)):
			v.Add("ends_on", "training_too_long", map[string]any{"max": MaxSessionDays})
		}
	}
	v.Text("place", s.Place, MaxPlaceLength, true)
	if v.Required("trainer_id", s.TrainerID) && !markaz.ValidID(s.TrainerID) {
		v.Add("trainer_id", "training_not_trainer", nil)
	}
	if s.Capacity < 1 || s.Capacity > MaxCapacity {
		v.Add("capacity", "between", map[string]any{"min": 1, "max": MaxCapacity})
	}
}

// Attendance of an enrolled trainee ("" until recorded).
const (
	Attended = "attended"
	Absent   = "absent"
)

// Results of an enrolment ("" until recorded).
const (
	Passed = "passed"
	Failed = "failed"
)

// Enrolment is one staff member's place in a session, with what they enrolled as (the
// audience role and the territory of the assignment that qualified them) and how it went.
type Enrolment struct {
	ID          string     `json:"id" db:"id"`
	SessionID   string     `json:"session_id" db:"session_id"`
	UserID      string     `json:"user_id" db:"user_id"`
	Role        string     `json:"role" db:"role"`
	GovCode     string     `json:"governorate" db:"gov_code"`
	UnitCode    string     `json:"unit,omitempty" db:"unit_code"`
	CenterID    string     `json:"center_id,omitempty" db:"center_id"`
	Attendance  string     `json:"attendance" db:"attendance"`
	Result      string     `json:"result" db:"result"`
	Score       *int       `json:"score" db:"score"`
	WithdrawnAt *time.Time `json:"withdrawn_at" db:"withdrawn_at"`
	EnrolledBy  string     `json:"enrolled_by" db:"enrolled_by"`
	Version     int        `json:"version" db:"version"`
	CreatedAt   time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at" db:"updated_at"`
}

// Ref places the enrolment where the trainee works.
func (e *Enrolment) Ref() markaz.Ref {
	return markaz.Ref{Gov: e.GovCode, Unit: e.UnitCode, Center: e.CenterID}
}

// Completed reports whether the enrolment counts as a completed course: the trainee
// attended and passed, and did not withdraw.
func (e *Enrolment) Completed() bool {
	return e.WithdrawnAt == nil && e.Attendance == Attended && e.Result == Passed
}

// Record is what a trainer records of one enrolment.
type Record struct {
	Attendance string `json:"attendance"`
	Result     string `json:"result"`
	Score      *int   `json:"score"`
}

// Check normalises the record and adds its problems to v under field names made by
// name: attendance and result among the allowed values (empty: not recorded yet), a
// result only for a trainee who attended, a score of 0 to 100 only with a result.
func (r *Record) Check(v *markaz.Validator, name func(string) string) {
	r.Attendance, r.Result = strings.TrimSpace(r.Attendance), strings.TrimSpace(r.Result)
	if r.Attendance != "" {
		v.OneOf(name("attendance"), r.Attendance, Attended, Absent)
	}
	if r.Result != "" && v.OneOf(name("result"), r.Result, Passed, Failed) && r.Attendance != Attended {
		v.Add(name("result"), "training_result_needs_attendance", nil)
	}
	if r.Score != nil {
		switch {
		case *r.Score < 0 || *r.Score > 100:
			v.Add(name("score"), "between", map[string]any{"min": 0, "max": 100})
		case r.Result == "":
			v.Add(name("score"), "training_score_needs_result", nil)
		}
	}
}

// Qualifies reports whether assignment a lets its holder be enrolled in a session of a
// course with the given audience held in territory gov ("" = national): its role is in
// the audience and it lies in the session's governorate (any, for a national session).
func Qualifies(a markaz.Assignment, audience []string, gov string) bool {
	return slices.Contains(audience, a.Role) && (gov == "" || a.GovCode == gov)
}

// Reach is where p may look at courses and sessions with perm: everywhere (all), or in
// the governorates its assignments carrying perm lie in, whatever their level, since a
// center manager's staff attend their governorate's sessions too. National courses and
// sessions are open to every holder of perm. Enrolments are narrower: see the store.
func Reach(p *markaz.Principal, perm string) (all bool, govs []string) {
	if p == nil {
		return false, nil
	}
	for _, a := range p.Assignments {
		switch {
		case !markaz.RoleHas(a.Role, perm):
		case a.Level == markaz.LevelNation:
			return true, nil
		case a.GovCode != "" && !slices.Contains(govs, a.GovCode):
			govs = append(govs, a.GovCode)
		}
	}
	return false, govs
}
