// Package problem is the pure domain of the problems inventory: the problems center staff
// meet with the system (a software fault, the network, hardware, a procedure, e-payment),
// their categories, severities and escalation teams, the ticket's statuses and the
// transition table saying which action moves a ticket from which status to which, and who
// may take it. It has no SQL and no HTTP.
//
// Three sides act on a ticket, each found from the actor's permissions over the ticket:
//   - the reporting side: holds problems.report over the ticket's center (its staff, and
//     the governorate's supervisors); it reports, comments, and confirms or reopens a
//     resolution;
//   - triage: holds problems.triage over the ticket's territory (the governorate's system
//     supervisor); it accepts, reclassifies, resolves locally, escalates to a team, merges
//     duplicates, and may reopen;
//   - the team: holds problems.work (support agents, national) and belongs to the team the
//     ticket is escalated to; it starts work, comments and resolves. An agent sees nothing
//     that is not escalated to one of its teams.
package problem

import (
	"slices"
	"strings"
	"time"

	"markaz"
)

// Categories of problems, as the issue names them.
const (
	CategorySoftware  = "software"
	CategoryNetwork   = "network"
	CategoryHardware  = "hardware"
	CategoryProcedure = "procedure"
	CategoryEPayment  = "epayment"
	CategoryOther     = "other"
)

// Categories lists every category in display order.
var Categories = []string{CategorySoftware, CategoryNetwork, CategoryHardware, CategoryProcedure,
	CategoryEPayment, CategoryOther}

// Severities, from the least to the most urgent.
const (
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Severities lists every severity in order.
var Severities = []string{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Escalation targets: the teams a supervisor escalates to. A support agent belongs to one
// or more of them (store: support_team_members).
const (
	TargetMinistryIT = "ministry_it" // the ministry's own IT department
	TargetPlanning   = "planning"    // the Ministry of Planning
	TargetVendor     = "vendor"      // the system's vendor
)

// Targets lists every escalation target.
var Targets = []string{TargetMinistryIT, TargetPlanning, TargetVendor}

// Statuses of a ticket.
const (
	StatusReported   = "reported"    // new, waiting for triage
	StatusAccepted   = "accepted"    // triaged, handled in the governorate
	StatusEscalated  = "escalated"   // sent to a team, waiting for an agent
	StatusInProgress = "in_progress" // an agent works on it
	StatusResolved   = "resolved"    // a resolution is given; the reporting side may confirm or reopen
	StatusReopened   = "reopened"    // the resolution did not hold
	StatusClosed     = "closed"      // the reporting side confirmed the resolution
	StatusMerged     = "merged"      // a duplicate, merged into the original ticket
)

// Statuses lists every status in the order a ticket usually goes.
var Statuses = []string{StatusReported, StatusAccepted, StatusEscalated, StatusInProgress,
	StatusReopened, StatusResolved, StatusClosed, StatusMerged}

// OpenStatuses are those of a ticket still waiting for a resolution.
var OpenStatuses = []string{StatusReported, StatusAccepted, StatusEscalated, StatusInProgress, StatusReopened}

// Solved reports whether status s counts as solved: resolved, or resolved and confirmed.
func Solved(s string) bool { return s == StatusResolved || s == StatusClosed }

// Actions on a ticket. ActionReport is the event of its creation, not an action.
const (
	ActionReport     = "report"
	ActionAccept     = "accept"
	ActionReclassify = "reclassify"
	ActionEscalate   = "escalate"
	ActionStart      = "start"
	ActionComment    = "comment"
	ActionResolve    = "resolve"
	ActionConfirm    = "confirm"
	ActionReopen     = "reopen"
	ActionMerge      = "merge"
	// ActionFiles is the event of files added to a ticket after its report.
	ActionFiles = "files"
	// ActionMergedIn is the event an original ticket gets when a duplicate is merged into it.
	ActionMergedIn = "merged_in"
)

// Actions lists the actions a user may ask for, in the order a ticket page offers them.
var Actions = []string{ActionAccept, ActionEscalate, ActionStart, ActionResolve, ActionConfirm,
	ActionReopen, ActionReclassify, ActionMerge, ActionComment}

// Sides are the ways an actor relates to one ticket (see the package comment).
type Sides struct {
	Reporter bool // problems.report over the ticket's center
	Triage   bool // problems.triage over the ticket's territory
	Team     bool // problems.work and a member of the team the ticket is escalated to
}

// Any reports whether the actor relates to the ticket at all.
func (s Sides) Any() bool { return s.Reporter || s.Triage || s.Team }

// rule is one row of the transition table: from these statuses, to this one (""
// keeps the status), by these sides.
type rule struct {
	from []string
	to   string
	by   func(Sides) bool
}

func byTriage(s Sides) bool   { return s.Triage }
func byTeam(s Sides) bool     { return s.Team }
func byReporter(s Sides) bool { return s.Reporter }
func byAnyone(s Sides) bool   { return s.Any() }
func byCloser(s Sides) bool   { return s.Reporter || s.Triage }

// transitions is the status table. Some actions have two rows, tried in order: resolve
// is open to triage from any open status, and to the team from the statuses where the
// ticket is in its hands.
var transitions = map[string][]rule{
	ActionAccept:     {{from: []string{StatusReported, StatusReopened}, to: StatusAccepted, by: byTriage}},
	ActionReclassify: {{from: OpenStatuses, by: byTriage}},
	ActionEscalate:   {{from: OpenStatuses, to: StatusEscalated, by: byTriage}},
	ActionStart:      {{from: []string{StatusEscalated, StatusReopened}, to: StatusInProgress, by: byTeam}},
	ActionComment:    {{from: append(slices.Clone(OpenStatuses), StatusResolved), by: byAnyone}},
	ActionResolve: {
		{from: OpenStatuses, to: StatusResolved, by: byTriage},
		{from: []string{StatusEscalated, StatusInProgress, StatusReopened}, to: StatusResolved, by: byTeam},
	},
	ActionConfirm: {{from: []string{StatusResolved}, to: StatusClosed, by: byReporter}},
	ActionReopen:  {{from: []string{StatusResolved}, to: StatusReopened, by: byCloser}},
	ActionMerge:   {{from: OpenStatuses, to: StatusMerged, by: byTriage}},
}

// Decide checks one action on a ticket at status from, with escalation target target,
// by an actor relating to it as sides, and returns the status it leads to. Errors are
// *markaz.Error: EConflict when the ticket's status does not allow the action now,
// EForbidden when the actor may not take it (whatever the status).
func Decide(action, from, target string, sides Sides) (string, error) {
	rules, ok := transitions[action]
	if !ok {
		return "", markaz.Errorf(markaz.EConflict, "error.problem_transition")
	}
	may := false
	for _, r := range rules {
		if !r.by(sides) {
			continue
		}
		may = true
		if !slices.Contains(r.from, from) {
			continue
		}
		// A ticket reopened after local handling has no team: start is for a team.
		if action == ActionStart && target == "" {
			continue
		}
		if r.to == "" {
			return from, nil
		}
		return r.to, nil
	}
	if !may {
		return "", markaz.ErrForbidden
	}
	return "", markaz.Errorf(markaz.EConflict, "error.problem_transition")
}

// Allowed lists the actions the actor may take now on a ticket at status from with target.
func Allowed(from, target string, sides Sides) []string {
	var out []string
	for _, a := range Actions {
		if _, err := Decide(a, from, target, sides); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Limits on what a ticket accepts.
const (
	MaxTitle       = 120
	MaxDescription = 4000
	MaxNote        = 2000
)

// Report is a new problem as staff type it.
type Report struct {
	CenterID    string `json:"center_id"`
	Category    string `json:"category"`
	Severity    string `json:"severity"`
	Title       string `json:"title"`
	Description string `json:"description"`
	EquipmentID string `json:"equipment_id"`
}

// Validate normalises the report (trimmed text, medium severity by default) and checks
// every field at once. Whether the center and the equipment exist is the store's job.
func (r *Report) Validate() error {
	r.CenterID = strings.TrimSpace(r.CenterID)
	r.Category = strings.TrimSpace(r.Category)
	r.Severity = strings.TrimSpace(r.Severity)
	r.Title = strings.Join(strings.Fields(r.Title), " ")
	r.Description = strings.TrimSpace(r.Description)
	r.EquipmentID = strings.TrimSpace(r.EquipmentID)
	if r.Severity == "" {
		r.Severity = SeverityMedium
	}
	var v markaz.Validator
	if v.Required("category", r.Category) {
		v.OneOf("category", r.Category, Categories...)
	}
	v.OneOf("severity", r.Severity, Severities...)
	v.Text("title", r.Title, MaxTitle, true)
	if v.Required("description", r.Description) {
		v.MaxLen("description", r.Description, MaxDescription)
	}
	if r.CenterID != "" && !markaz.ValidID(r.CenterID) {
		v.Add("center_id", "unknown_center", nil)
	}
	if r.EquipmentID != "" && !markaz.ValidID(r.EquipmentID) {
		v.Add("equipment_id", "unknown_equipment", nil)
	}
	return v.Err()
}

// Act is one action asked for on a ticket. Category and Severity may come with the
// triage actions (accept, reclassify, escalate); Target with escalate; Into (the
// original ticket's id) with merge; Note is the comment, the resolution of resolve, and
// the reason of reopen.
type Act struct {
	Action   string `json:"action"`
	Note     string `json:"note"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	Target   string `json:"target"`
	Into     string `json:"into"`
	Version  *int   `json:"version"`
}

// Validate normalises the action's input and checks it: a known action, what it needs
// (a team for escalate, the original for merge, a change for reclassify, a note for
// comment, resolve and reopen) and nothing it does not take.
func (a *Act) Validate() error {
	a.Action = strings.TrimSpace(a.Action)
	a.Note = strings.TrimSpace(a.Note)
	a.Category, a.Severity = strings.TrimSpace(a.Category), strings.TrimSpace(a.Severity)
	a.Target, a.Into = strings.TrimSpace(a.Target), strings.TrimSpace(a.Into)
	var v markaz.Validator
	if !v.Required("action", a.Action) || !v.OneOf("action", a.Action, Actions...) {
		return v.Err()
	}
	triage := a.Action == ActionAccept || a.Action == ActionReclassify || a.Action == ActionEscalate
	for _, f := range []struct {
		name, val string
		allowed   []string
		takes     bool
	}{
		{"category", a.Category, Categories, triage},
		{"severity", a.Severity, Severities, triage},
		{"target", a.Target, Targets, a.Action == ActionEscalate},
	} {
		switch {
		case f.val == "":
		case !f.takes:
			v.Add(f.name, "not_for_action", nil)
		default:
			v.OneOf(f.name, f.val, f.allowed...)
		}
	}
	switch a.Action {
	case ActionEscalate:
		v.Required("target", a.Target)
	case ActionReclassify:
		if a.Category == "" && a.Severity == "" {
			v.Add("category", "nothing_changed", nil)
		}
	case ActionMerge:
		if v.Required("into", a.Into) && !markaz.ValidID(a.Into) {
			v.Add("into", "unknown_problem", nil)
		}
	}
	if a.Action != ActionMerge && a.Into != "" {
		v.Add("into", "not_for_action", nil)
	}
	needsNote := a.Action == ActionComment || a.Action == ActionResolve || a.Action == ActionReopen
	if needsNote && !v.Required("note", a.Note) {
		return v.Err()
	}
	v.MaxLen("note", a.Note, MaxNote)
	return v.Err()
}

// Problem is a ticket as stored and shown.
type Problem struct {
	ID           string     `json:"id" db:"id"`
	Number       int64      `json:"number" db:"number"`
	CenterID     string     `json:"center_id" db:"center_id"`
	CenterCode   string     `json:"center_code" db:"center_code"`
	CenterNameAr string     `json:"center_name_ar" db:"center_name_ar"`
	CenterNameEn string     `json:"center_name_en" db:"center_name_en"`
	GovCode      string     `json:"governorate" db:"gov_code"`
	UnitCode     string     `json:"unit" db:"unit_code"`
	Category     string     `json:"category" db:"category"`
	Severity     string     `json:"severity" db:"severity"`
	Status       string     `json:"status" db:"status"`
	Target       string     `json:"target" db:"target"`
	Title        string     `json:"title" db:"title"`
	Description  string     `json:"description" db:"description"`
	EquipmentID  *string    `json:"equipment_id" db:"equipment_id"`
	MergedInto   *string    `json:"merged_into" db:"merged_into"`
	Resolution   string     `json:"resolution" db:"resolution"`
	ReportedBy   string     `json:"reported_by" db:"reported_by"`
	ReportedByID string     `json:"-" db:"reported_by_id"`
	ReportedAt   time.Time  `json:"reported_at" db:"reported_at"`
	ResolvedAt   *time.Time `json:"resolved_at" db:"resolved_at"`
	HoursToSolve *float64   `json:"hours_to_resolve" db:"-"`
	Version      int        `json:"version" db:"version"`
	UpdatedAt    time.Time  `json:"updated_at" db:"updated_at"`
}

// Ref is the ticket's place in the territory.
func (p *Problem) Ref() markaz.Ref {
	return markaz.Ref{Gov: p.GovCode, Unit: p.UnitCode, Center: p.CenterID}
}

// Open reports whether the ticket still waits for a resolution.
func (p *Problem) Open() bool { return slices.Contains(OpenStatuses, p.Status) }

// Hours is the time from report to resolution in hours, rounded to a tenth.
func Hours(reported, resolved time.Time) float64 {
	h := resolved.Sub(reported).Hours()
	return float64(int64(h*10+0.5)) / 10
}

// Event is one entry of a ticket's history: who did what when, the status it moved
// from and to, and what the action set (category, severity, team, the original of a
// merge; empty when unchanged).
type Event struct {
	Seq      int       `json:"seq" db:"seq"`
	At       time.Time `json:"at" db:"at"`
	UserID   string    `json:"user_id" db:"user_id"`
	Username string    `json:"username" db:"username"`
	Action   string    `json:"action" db:"action"`
	From     string    `json:"from_status" db:"from_status"`
	To       string    `json:"to_status" db:"to_status"`
	Category string    `json:"category,omitempty" db:"category"`
	Severity string    `json:"severity,omitempty" db:"severity"`
	Target   string    `json:"target,omitempty" db:"target"`
	Related  string    `json:"related,omitempty" db:"related"`
	Note     string    `json:"note" db:"note"`
}

// Median returns the median of xs (the mean of the two middle values for an even
// count), and false for none. xs is sorted in place.
func Median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2], true
	}
	return (xs[n/2-1] + xs[n/2]) / 2, true
}
