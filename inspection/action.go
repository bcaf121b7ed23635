package inspection

// Findings and the corrective actions they carry.

import (
	"strings"
	"time"

	"markaz"
)

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
