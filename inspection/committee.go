package inspection

// Committees, their members and visit plans.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"markaz"
)

// Bodies a committee member comes from.
const (
	BodyInspection     = "inspection_sector"    // the Inspection and Follow-up Sector
	BodyProjects       = "projects_unit"        // the Projects Follow-up Unit
	BodyCommunications = "communications_admin" // the Central Administration for Communications
)

// Bodies lists the bodies in display order.
var Bodies = []string{BodyInspection, BodyProjects, BodyCommunications}

// Committee is an inspection and follow-up committee: national (GovCode "") or of one
// governorate, with its current members.
type Committee struct {
	ID        string    `json:"id" db:"id"`
	NameAr    string    `json:"name_ar" db:"name_ar"`
	NameEn    string    `json:"name_en" db:"name_en"`
	GovCode   string    `json:"governorate" db:"gov_code"`
	Version   int       `json:"version" db:"version"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
	Members   []Member  `json:"members" db:"-"`
}

// National reports whether the committee works nationally.
func (c *Committee) National() bool { return c.GovCode == "" }

// Ref places the committee: its governorate, or the nation.
func (c *Committee) Ref() markaz.Ref { return markaz.Ref{Gov: c.GovCode} }

// Covers reports whether a center at r lies in the committee's territory.
func (c *Committee) Covers(r markaz.Ref) bool { return c.National() || r.Gov == c.GovCode }

// Member is one person on a committee and the body they come from.
type Member struct {
	UserID   string      `json:"user_id" db:"user_id"`
	Username string      `json:"username" db:"username"`
	FullName string      `json:"full_name" db:"full_name"`
	Body     string      `json:"body" db:"body"`
	JoinedOn markaz.Date `json:"joined_on" db:"joined_on"`
}

// Has reports whether the user is a member.
func (c *Committee) Has(userID string) bool {
	return slices.ContainsFunc(c.Members, func(m Member) bool { return m.UserID == userID })
}

// Validate normalises and checks the committee's own fields and its members' bodies
// (whether each member exists and may sit on it is the store's job): both names, a
// governorate code or none, one to MaxMembers members, each once, each from a body.
func (c *Committee) Validate(v *markaz.Validator) {
	c.NameAr, c.NameEn = strings.TrimSpace(c.NameAr), strings.TrimSpace(c.NameEn)
	c.GovCode = strings.TrimSpace(markaz.LatinDigits(c.GovCode))
	v.Text("name_ar", c.NameAr, MaxNameLen, true)
	v.Text("name_en", c.NameEn, MaxNameLen, true)
	if c.GovCode != "" && !govCodeRE.MatchString(c.GovCode) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	switch {
	case len(c.Members) == 0:
		v.Add("members", "required", nil)
	case len(c.Members) > MaxMembers:
		v.Add("members", "too_many", map[string]any{"max": MaxMembers})
	}
	seen := map[string]bool{}
	for i, m := range c.Members {
		f := fmt.Sprintf("members.%d", i)
		if m.UserID != "" && seen[m.UserID] {
			v.Add(f+".user", "member_twice", nil)
		}
		seen[m.UserID] = true
		if v.Required(f+".body", m.Body) {
			v.OneOf(f+".body", m.Body, Bodies...)
		}
	}
}

// Plan statuses. A postponed plan has a new date and is still to be visited.
const (
	PlanPlanned   = "planned"
	PlanPostponed = "postponed"
	PlanDone      = "done"
	PlanCancelled = "cancelled"
)

// PlanStatuses lists the statuses in display order.
var PlanStatuses = []string{PlanPlanned, PlanPostponed, PlanDone, PlanCancelled}

// PlanOpen reports whether a plan in status st is still to be visited.
func PlanOpen(st string) bool { return st == PlanPlanned || st == PlanPostponed }

// Plan is a visit a committee intends to make to a center on a day, by some of its
// members (none listed: the whole committee).
type Plan struct {
	ID          string `json:"id" db:"id"`
	CommitteeID string `json:"committee_id" db:"committee_id"`
	CommitteeAr string `json:"committee_name_ar" db:"committee_name_ar"`
	CommitteeEn string `json:"committee_name_en" db:"committee_name_en"`
	Place
	PlannedOn      markaz.Date  `json:"planned_on" db:"planned_on"`
	FirstPlannedOn markaz.Date  `json:"first_planned_on" db:"first_planned_on"`
	Status         string       `json:"status" db:"status"`
	Purpose        string       `json:"purpose" db:"purpose"`
	Reason         string       `json:"reason" db:"reason"` // of the last postponement or the cancellation
	VisitID        string       `json:"visit_id" db:"visit_id"`
	Version        int          `json:"version" db:"version"`
	CreatedBy      string       `json:"created_by" db:"created_by"`
	CreatedAt      time.Time    `json:"created_at" db:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at" db:"updated_at"`
	Members        []PlanMember `json:"members" db:"-"`
}

// PlanMember is a committee member a plan names.
type PlanMember struct {
	UserID   string `json:"user_id" db:"user_id"`
	Username string `json:"username" db:"username"`
	FullName string `json:"full_name" db:"full_name"`
}

// CheckNewPlan checks a plan's date (today or later) and purpose.
func CheckNewPlan(v *markaz.Validator, on markaz.Date, purpose string, today markaz.Date) {
	checkFutureDate(v, "planned_on", on, today)
	v.Text("purpose", purpose, MaxNoteLen, false)
}

// CheckPostpone checks moving an open plan to a new date (after today and not the
// date it has) with a reason.
func CheckPostpone(status string, old, on markaz.Date, reason string, today markaz.Date) error {
	if !PlanOpen(status) {
		return &markaz.Error{Code: markaz.EConflict, Key: "inspections.error.plan_closed"}
	}
	var v markaz.Validator
	checkFutureDate(&v, "planned_on", on, today)
	if !on.IsZero() && on == old {
		v.Add("planned_on", "same_date", nil)
	}
	v.Text("reason", reason, MaxNoteLen, true)
	return v.Err()
}

// CheckCancel checks cancelling an open plan with a reason.
func CheckCancel(status, reason string) error {
	if !PlanOpen(status) {
		return &markaz.Error{Code: markaz.EConflict, Key: "inspections.error.plan_closed"}
	}
	var v markaz.Validator
	v.Text("reason", reason, MaxNoteLen, true)
	return v.Err()
}

func checkFutureDate(v *markaz.Validator, field string, d, today markaz.Date) {
	switch {
	case d.IsZero():
		v.Add(field, "required", nil)
	case d.Before(today):
		v.Add(field, "date_in_past", nil)
	case d.After(today.AddDays(366)):
		v.Add(field, "date_too_late", map[string]any{"max": today.AddDays(366).String()})
	}
}
