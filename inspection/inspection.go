// Package inspection owns the rules of the follow-up committees' work: who may sit on a
// committee and for which body, visit plans and their statuses, checklist templates
// (weighted items, versioned), how a visit's 0–100 score follows from the items of the
// template version used, findings with their category and severity, and the corrective
// action each finding carries, with the status changes its owner and the committee may
// make until it is verified and closed. It imports neither SQL nor HTTP.
//
// The scale: every checklist item is scored 0 (no / absent), 1 (partly) or 2 (yes /
// fully), a scale a committee member can apply quickly on a phone; items that measure
// something (waiting time, backlog) carry a guide saying which measure gives which
// score. A visit's score is Σ(weight × score/2) / Σ weight × 100, rounded half up to a
// whole number (see Score).
package inspection

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"markaz"
)

// The scale every item is scored on.
const (
	ScoreNo     = 0
	ScorePartly = 1
	ScoreYes    = 2
	MaxScore    = ScoreYes
)

// Scale lists the scores from the best, as the visit form offers them.
var Scale = []int{ScoreYes, ScorePartly, ScoreNo}

// Bodies a committee member comes from.
const (
	BodyInspection     = "inspection_sector"    // the Inspection and Follow-up Sector
	BodyProjects       = "projects_unit"        // the Projects Follow-up Unit
	BodyCommunications = "communications_admin" // the Central Administration for Communications
)

// Bodies lists the bodies in display order.
var Bodies = []string{BodyInspection, BodyProjects, BodyCommunications}

// Limits of what people type.
const (
	MaxNameLen        = 120
	MaxNoteLen        = 1000
	MaxDescriptionLen = 2000
	MaxItems          = 40
	MaxWeight         = 100
	MaxMembers        = 30
)

var (
	itemKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	govCodeRE = regexp.MustCompile(`^[0-9]{2}$`)
)

// Place is the center a plan, visit, finding or action is about, with its names and
// the district/city and governorate it lies in.
type Place struct {
	CenterID   string `json:"center_id" db:"center_id"`
	CenterCode string `json:"center_code" db:"center_code"`
	CenterAr   string `json:"center_name_ar" db:"center_name_ar"`
	CenterEn   string `json:"center_name_en" db:"center_name_en"`
	GovCode    string `json:"governorate" db:"gov_code"`
	UnitCode   string `json:"unit" db:"unit_code"`
}

// Ref places the record at its center.
func (p *Place) Ref() markaz.Ref {
	return markaz.Ref{Gov: p.GovCode, Unit: p.UnitCode, Center: p.CenterID}
}

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

// Ref places the plan at its center.
func (p *Plan) Ref() markaz.Ref {
	return markaz.Ref{Gov: p.GovCode, Unit: p.UnitCode, Center: p.CenterID}
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

// Checklist is a checklist template; its items live in versions.
type Checklist struct {
	ID             string    `json:"id" db:"id"`
	Code           string    `json:"code" db:"code"`
	NameAr         string    `json:"name_ar" db:"name_ar"`
	NameEn         string    `json:"name_en" db:"name_en"`
	CurrentVersion int       `json:"current_version" db:"current_version"`
	CreatedAt      time.Time `json:"created_at" db:"created_at"`
	UpdatedAt      time.Time `json:"updated_at" db:"updated_at"`
}

// Version is one version of a checklist: a fixed list of weighted items. Versions are
// only ever added; a visit keeps the version it was scored with.
type Version struct {
	ID          string    `json:"id" db:"id"`
	ChecklistID string    `json:"checklist_id" db:"checklist_id"`
	Number      int       `json:"version" db:"version"`
	Note        string    `json:"note" db:"note"`
	CreatedBy   string    `json:"created_by" db:"created_by"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
	Items       []Item    `json:"items" db:"-"`
}

// TotalWeight is the sum of the version's weights.
func (v *Version) TotalWeight() int {
	n := 0
	for _, it := range v.Items {
		n += it.Weight
	}
	return n
}

// Item is one weighted checklist item. Key is stable across versions (a visit form
// carries scores by key), names and guides are in both languages.
type Item struct {
	ID      string `json:"id" db:"id"`
	Key     string `json:"key" db:"item_key"`
	NameAr  string `json:"name_ar" db:"name_ar"`
	NameEn  string `json:"name_en" db:"name_en"`
	GuideAr string `json:"guide_ar" db:"guide_ar"`
	GuideEn string `json:"guide_en" db:"guide_en"`
	Weight  int    `json:"weight" db:"weight"`
}

// CheckChecklist normalises and checks a checklist's names and code.
func CheckChecklist(v *markaz.Validator, c *Checklist) {
	c.Code = strings.ToUpper(strings.TrimSpace(markaz.LatinDigits(c.Code)))
	c.NameAr, c.NameEn = strings.TrimSpace(c.NameAr), strings.TrimSpace(c.NameEn)
	v.Code("code", c.Code)
	v.Text("name_ar", c.NameAr, MaxNameLen, true)
	v.Text("name_en", c.NameEn, MaxNameLen, true)
}

// CheckItems normalises and checks the items of a new version: one to MaxItems, keys
// well formed and unique, both names, weights 1..MaxWeight. Problems name
// "items.<i>.<field>".
func CheckItems(v *markaz.Validator, items []Item) {
	switch {
	case len(items) == 0:
		v.Add("items", "required", nil)
	case len(items) > MaxItems:
		v.Add("items", "too_many", map[string]any{"max": MaxItems})
	}
	seen := map[string]bool{}
	for i := range items {
		it := &items[i]
		f := fmt.Sprintf("items.%d.", i)
		it.Key = strings.ToLower(strings.TrimSpace(it.Key))
		it.NameAr, it.NameEn = strings.TrimSpace(it.NameAr), strings.TrimSpace(it.NameEn)
		it.GuideAr, it.GuideEn = strings.TrimSpace(it.GuideAr), strings.TrimSpace(it.GuideEn)
		switch {
		case it.Key == "":
			v.Add(f+"key", "required", nil)
		case !itemKeyRE.MatchString(it.Key):
			v.Add(f+"key", "item_key_format", nil)
		case seen[it.Key]:
			v.Add(f+"key", "duplicate_key", nil)
		}
		seen[it.Key] = true
		v.Text(f+"name_ar", it.NameAr, MaxNameLen*2, true)
		v.Text(f+"name_en", it.NameEn, MaxNameLen*2, true)
		v.Text(f+"guide_ar", it.GuideAr, MaxNoteLen, false)
		v.Text(f+"guide_en", it.GuideEn, MaxNoteLen, false)
		if it.Weight < 1 || it.Weight > MaxWeight {
			v.Add(f+"weight", "between", map[string]any{"min": 1, "max": MaxWeight})
		}
	}
}

// Mark is the score given to one item at a visit, with the member's note. Score is a
// pointer so that a missing score is told from a zero.
type Mark struct {
	Key   string `json:"key"`
	Score *int   `json:"score"`
	Note  string `json:"note"`
}

// CheckMarks checks that marks score every item of items exactly once on the scale,
// with notes of at most MaxNoteLen, and returns the scores by key. Problems name
// "items.<key>" (the score) and "notes.<key>"; a mark for a key the version lacks
// names "items".
func CheckMarks(v *markaz.Validator, items []Item, marks []Mark) map[string]int {
	known := map[string]bool{}
	for _, it := range items {
		known[it.Key] = true
	}
	scores := map[string]int{}
	seen := map[string]bool{}
	for i := range marks {
		m := &marks[i]
		m.Key = strings.TrimSpace(m.Key)
		m.Note = strings.TrimSpace(m.Note)
		switch {
		case !known[m.Key]:
			v.Add("items", "unknown_item", map[string]any{"key": m.Key})
			continue
		case seen[m.Key]:
			v.Add("items."+m.Key, "scored_twice", nil)
			continue
		}
		seen[m.Key] = true
		v.Text("notes."+m.Key, m.Note, MaxNoteLen, false)
		switch {
		case m.Score == nil:
		case *m.Score < ScoreNo || *m.Score > MaxScore:
			v.Add("items."+m.Key, "between", map[string]any{"min": ScoreNo, "max": MaxScore})
		default:
			scores[m.Key] = *m.Score
		}
	}
	for _, it := range items {
		if _, ok := scores[it.Key]; !ok && !v.Has("items."+it.Key) {
			v.Add("items."+it.Key, "not_scored", nil)
		}
	}
	return scores
}

// Score is a visit's 0–100 score: Σ(weight × score/MaxScore) / Σ weight × 100, in
// integers, rounded half up. Every item must carry a score on the scale and a positive
// weight (CheckItems, CheckMarks); otherwise it is an error, never a made-up number.
func Score(items []Item, scores map[string]int) (int, error) {
	var num, weights int
	for _, it := range items {
		s, ok := scores[it.Key]
		if !ok || s < ScoreNo || s > MaxScore || it.Weight < 1 {
			return 0, fmt.Errorf("inspection: item %q has no valid score or weight", it.Key)
		}
		num += it.Weight * s
		weights += it.Weight
	}
	if weights == 0 {
		return 0, fmt.Errorf("inspection: a checklist without items has no score")
	}
	den := MaxScore * weights
	return (200*num + den) / (2 * den), nil
}

// Finding categories.
var Categories = []string{"staff", "equipment", "systems", "premises", "citizen_service", "procedure", "records", "other"}

// Severities, from the least to the most serious.
var Severities = []string{"low", "medium", "high", "critical"}

// dueWorkingDays is the default time to correct a finding by severity, in working days.
var dueWorkingDays = map[string]int{"low": 30, "medium": 20, "high": 10, "critical": 3}

// DueWorkingDays is how many working days a finding of this severity gets by default.
func DueWorkingDays(severity string) int { return dueWorkingDays[severity] }

// Finding is an obstacle or shortcoming a visit found at the center.
type Finding struct {
	ID      string `json:"id" db:"id"`
	VisitID string `json:"visit_id" db:"visit_id"`
	Place
	Category    string    `json:"category" db:"category"`
	Severity    string    `json:"severity" db:"severity"`
	Description string    `json:"description" db:"description"`
	CreatedBy   string    `json:"created_by" db:"created_by"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
}

// Ref places the finding at its center.
func (f *Finding) Ref() markaz.Ref {
	return markaz.Ref{Gov: f.GovCode, Unit: f.UnitCode, Center: f.CenterID}
}

// Validate normalises and checks a new finding's fields.
func (f *Finding) Validate(v *markaz.Validator) {
	f.Category, f.Severity = strings.TrimSpace(f.Category), strings.TrimSpace(f.Severity)
	f.Description = strings.TrimSpace(f.Description)
	if v.Required("category", f.Category) {
		v.OneOf("category", f.Category, Categories...)
	}
	if v.Required("severity", f.Severity) {
		v.OneOf("severity", f.Severity, Severities...)
	}
	if v.Required("description", f.Description) {
		v.MaxLen("description", f.Description, MaxDescriptionLen)
	}
}

// Corrective action statuses. Closed means the committee verified the correction.
const (
	ActionOpen       = "open"
	ActionInProgress = "in_progress"
	ActionDone       = "done"
	ActionClosed     = "closed"
)

// ActionStatuses lists the statuses in order.
var ActionStatuses = []string{ActionOpen, ActionInProgress, ActionDone, ActionClosed}

// Action is the corrective action a finding carries: what must be done, by whom (a user
// or a named party), by when, and where it stands.
type Action struct {
	ID        string `json:"id" db:"id"`
	FindingID string `json:"finding_id" db:"finding_id"`
	VisitID   string `json:"visit_id" db:"visit_id"`
	Place
	Description   string      `json:"description" db:"description"`
	OwnerUserID   string      `json:"owner_user_id" db:"owner_user_id"`
	OwnerUsername string      `json:"owner_username" db:"owner_username"`
	OwnerName     string      `json:"owner_name" db:"owner_name"` // the named party, or the owner user's full name
	DueDate       markaz.Date `json:"due_date" db:"due_date"`
	Status        string      `json:"status" db:"status"`
	Severity      string      `json:"severity" db:"severity"`
	Version       int         `json:"version" db:"version"`
	CreatedAt     time.Time   `json:"created_at" db:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at" db:"updated_at"`
	ClosedAt      *time.Time  `json:"closed_at" db:"closed_at"`
	Overdue       bool        `json:"overdue" db:"-"`
}

// Ref places the action at its center.
func (a *Action) Ref() markaz.Ref {
	return markaz.Ref{Gov: a.GovCode, Unit: a.UnitCode, Center: a.CenterID}
}

// IsOverdue reports whether the action is past its due date on day today and not closed.
func (a *Action) IsOverdue(today markaz.Date) bool {
	return a.Status != ActionClosed && a.DueDate.Before(today)
}

// CheckNewAction normalises and checks a new action: its text, an owner that is a user
// (ownerUser, a username) or a named party but not both, and a due date, when given,
// not before today.
func CheckNewAction(v *markaz.Validator, a *Action, ownerUser string, today markaz.Date) {
	a.Description, a.OwnerName = strings.TrimSpace(a.Description), strings.TrimSpace(a.OwnerName)
	v.Text("action", a.Description, MaxDescriptionLen, true)
	switch {
	case ownerUser == "" && a.OwnerName == "":
		v.Add("owner", "required", nil)
	case ownerUser != "" && a.OwnerName != "":
		v.Add("owner", "owner_both", nil)
	case a.OwnerName != "":
		v.Text("owner_party", a.OwnerName, MaxNameLen, true)
	}
	if !a.DueDate.IsZero() && a.DueDate.Before(today) {
		v.Add("due_date", "date_in_past", nil)
	}
}

// Change is an update of a corrective action: a new status, a new due date, or both,
// with a note.
type Change struct {
	Status  string      `json:"status"`
	DueDate markaz.Date `json:"due_date"`
	Note    string      `json:"note"`
	Version *int        `json:"version"`
}

// transitions lists, for each status, the statuses it may move to and whether only
// the committee (not the owner) may make the move. Reopening a done action (the
// correction was not verified) needs a note.
var transitions = map[string]map[string]bool{
	ActionOpen:       {ActionInProgress: false, ActionDone: false},
	ActionInProgress: {ActionDone: false},
	ActionDone:       {ActionClosed: true, ActionInProgress: true},
}

// CheckChange decides whether an actor may make change ch to an action in status from
// with due date due, on day today. owner says the actor owns the action; committee
// that it may follow actions up for the committee (inspections.write over the center).
// A status move must be in the transition table, and committee-only moves need
// committee; a new due date (committee only) must not be in the past and comes with a
// note, as does reopening. A closed action never changes.
func CheckChange(from string, due markaz.Date, ch *Change, owner, committee bool, today markaz.Date) error {
	ch.Status, ch.Note = strings.TrimSpace(ch.Status), strings.TrimSpace(ch.Note)
	if !owner && !committee {
		return markaz.ErrForbidden
	}
	if from == ActionClosed {
		return &markaz.Error{Code: markaz.EConflict, Key: "inspections.error.action_closed"}
	}
	var v markaz.Validator
	v.Text("note", ch.Note, MaxNoteLen, false)
	if ch.Status == "" && ch.DueDate.IsZero() {
		v.Add("status", "required", nil)
		return v.Err()
	}
	if ch.Status != "" && ch.Status != from {
		if !v.OneOf("status", ch.Status, ActionStatuses...) {
			return v.Err()
		}
		onlyCommittee, ok := transitions[from][ch.Status]
		switch {
		case !ok:
			v.Add("status", "transition", map[string]any{"from": from})
		case onlyCommittee && !committee:
			return markaz.ErrForbidden
		case from == ActionDone && ch.Status == ActionInProgress:
			v.Required("note", ch.Note)
		}
	}
	if !ch.DueDate.IsZero() && ch.DueDate != due {
		switch {
		case !committee:
			return markaz.ErrForbidden
		case ch.DueDate.Before(today):
			v.Add("due_date", "date_in_past", nil)
		default:
			v.Required("note", ch.Note)
		}
	}
	return v.Err()
}

// NextStatuses lists the statuses an actor may move an action in status from to.
func NextStatuses(from string, owner, committee bool) []string {
	var out []string
	for _, to := range ActionStatuses {
		onlyCommittee, ok := transitions[from][to]
		if ok && (committee || owner && !onlyCommittee) {
			out = append(out, to)
		}
	}
	return out
}
