// Package request is the pure domain of service requests: their statuses, channels and
// workflow actions as the issue names them, the transition table (which action moves a
// request from which status to which, and at which workflow step by which role), and the
// validation of a new registration. It has no SQL and no HTTP.
//
// The workflow is data (catalog.Step): a request sits at one step; an action is allowed
// only when the status table allows it from the current status AND the current step
// lists it AND the actor holds the step's role (with requests.write) over the request's
// territory. The step list is read literally: catalog.ValidateSteps makes sure every
// status a request can reach at a step has its way on listed there.
package request

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/catalog"
	"markaz/nationalid"
)

// Statuses, as the issue names them.
const (
	StatusSubmitted       = "submitted"
	StatusInReview        = "in_review"
	StatusReturned        = "returned"
	StatusAwaitingPayment = "awaiting_payment"
	StatusApproved        = "approved"
	StatusRejected        = "rejected"
	StatusDeemedApproved  = "deemed_approved"
	StatusReady           = "ready"
	StatusDelivered       = "delivered"
	StatusCancelled       = "cancelled"
)

// Statuses lists every status in workflow order.
var Statuses = []string{StatusSubmitted, StatusInReview, StatusReturned, StatusAwaitingPayment,
	StatusApproved, StatusRejected, StatusDeemedApproved, StatusReady, StatusDelivered, StatusCancelled}

// OpenStatuses are those whose clock runs or is paused: no decision yet.
var OpenStatuses = []string{StatusSubmitted, StatusInReview, StatusReturned, StatusAwaitingPayment}

// Channels, as the issue names them.
const (
	ChannelCounter    = "counter"
	ChannelOnline     = "online"
	ChannelMobileUnit = "mobile_unit"
	ChannelBacklog    = "backlog"
)

// Channels lists every channel.
var Channels = []string{ChannelCounter, ChannelOnline, ChannelMobileUnit, ChannelBacklog}

// Actions are the catalog's workflow actions (one list for both packages).
const (
	ActionForward        = catalog.ActionForward
	ActionReturn         = catalog.ActionReturn
	ActionComplete       = catalog.ActionComplete
	ActionRequestPayment = catalog.ActionRequestPayment
	ActionApprove        = catalog.ActionApprove
	ActionReject         = catalog.ActionReject
	ActionDeliver        = catalog.ActionDeliver
	ActionCancel         = catalog.ActionCancel
)

// ActionRegister is the event of a request's registration (not a workflow action).
const ActionRegister = "register"

// Limits on what a registration accepts.
const (
	MaxNameLength  = 200
	MaxNoteLength  = 1000
	MaxDocuments   = catalog.MaxDocuments
	MaxDocumentLen = catalog.MaxNameLength
)

// transitions is the status table: action → from status → to status.
var transitions = map[string]map[string]string{
	ActionForward: {StatusSubmitted: StatusInReview, StatusInReview: StatusInReview,
		StatusApproved: StatusReady, StatusDeemedApproved: StatusReady},
	ActionReturn:         {StatusSubmitted: StatusReturned, StatusInReview: StatusReturned},
	ActionComplete:       {StatusReturned: StatusInReview, StatusAwaitingPayment: StatusInReview},
	ActionRequestPayment: {StatusInReview: StatusAwaitingPayment},
	ActionApprove:        {StatusInReview: StatusApproved},
	ActionReject:         {StatusInReview: StatusRejected},
	ActionDeliver:        {StatusReady: StatusDelivered},
	ActionCancel: {StatusSubmitted: StatusCancelled, StatusInReview: StatusCancelled,
		StatusReturned: StatusCancelled, StatusAwaitingPayment: StatusCancelled},
}

// ActionDeemApprove is the system's action when a service's statutory deadline passes
// and the law counts silence as approval (e.g. shop licences, Law 154/2019). It is not a
// workflow action: only the system (a nil principal in Decide) may take it, and no step
// lists it. It is also the name of its event in the history.
const ActionDeemApprove = "deemed_approved"

// systemTransitions is the status table of the system's actions: action → from → to.
// A request waiting on the citizen has its clocks paused and cannot be deemed approved.
var systemTransitions = map[string]map[string]string{
	ActionDeemApprove: {StatusSubmitted: StatusDeemedApproved, StatusInReview: StatusDeemedApproved},
	// Fees paid through a booked payment (package payment): the system takes the request
	// back to work at the step where payment was asked for.
	ActionComplete: {StatusAwaitingPayment: StatusInReview},
}

// Next returns the status action leads to from status, and false when the status table
// does not allow it.
func Next(action, from string) (string, bool) {
	to, ok := transitions[action][from]
	return to, ok
}

// Waiting reports whether a request in status s waits on the citizen (its clocks pause).
func Waiting(s string) bool { return s == StatusReturned || s == StatusAwaitingPayment }

// Decided reports whether status s is a decision (decided_at is stamped on entering it).
func Decided(s string) bool {
	return s == StatusApproved || s == StatusRejected || s == StatusDeemedApproved
}

// Why a request was escalated to its center's manager.
const (
	EscalationStep      = "step"      // a workflow step overstayed its time limit
	EscalationStatutory = "statutory" // the statutory deadline passed with on_expiry escalate
)

// KeepEscalation reports whether an escalation for reason still stands after the request
// moves by plan. A statutory escalation stands while the request is open (the deadline
// stays passed); a step escalation stands only while the request stays at the same step,
// working (moving on, or handing the file back to the citizen, starts a new stay).
func KeepEscalation(reason string, plan Plan) bool {
	if !slices.Contains(OpenStatuses, plan.To) {
		return false
	}
	if reason == EscalationStatutory {
		return true
	}
	return plan.ToStep == plan.FromStep && !Waiting(plan.To)
}

// AdvancesStep reports whether the action moves the request on to the next step of its
// workflow (forward through review, and approve on to hand-over).
func AdvancesStep(action, from string) bool {
	return action == ActionApprove || action == ActionForward && (from == StatusSubmitted || from == StatusInReview)
}

// Refusal says why a transition is refused: EConflict when the workflow does not allow it
// now (wrong status, or not at this step), EForbidden when the actor may not make it.
type Refusal struct {
	Code string // markaz.EConflict or markaz.EForbidden
	Key  string // i18n key of the reason
}

// Plan is an allowed transition: the status and step a request moves to.
type Plan struct {
	From, To         string
	FromStep, ToStep string
}

// Decide checks one action on a request at status from and step stepKey of workflow
// steps by principal p over the request's territory ref, and returns where it leads.
// Errors are *markaz.Error: EConflict for a transition the workflow does not allow from
// here (or at this step), EForbidden for a role or territory that may not make it.
//
// A nil p is the system: it may take only the system's actions (ActionDeemApprove, and
// ActionComplete once the fees are paid), by their own status table, at any step; a
// deemed approval moves the request on to the hand-over step (the first that lists
// deliver), as an approval would.
func Decide(steps []catalog.Step, from, stepKey, action string, p *markaz.Principal, ref markaz.Ref) (Plan, error) {
	plan := Plan{From: from, FromStep: stepKey, ToStep: stepKey}
	if p == nil {
		return decideSystem(steps, plan, action)
	}
	to, ok := Next(action, from)
	if !ok {
		return plan, markaz.Errorf(markaz.EConflict, "error.request_transition")
	}
	i := slices.IndexFunc(steps, func(s catalog.Step) bool { return s.Key == stepKey })
	if i < 0 || !slices.Contains(steps[i].Actions, action) {
		return plan, markaz.Errorf(markaz.EConflict, "error.request_step")
	}
	if !MayAct(p, steps[i].Role, ref) {
		return plan, markaz.ErrForbidden
	}
	if AdvancesStep(action, from) {
		if i+1 >= len(steps) {
			return plan, markaz.Errorf(markaz.EConflict, "error.request_last_step")
		}
		plan.ToStep = steps[i+1].Key
	}
	plan.To = to
	return plan, nil
}

// decideSystem checks one system action against the system's status table.
func decideSystem(steps []catalog.Step, plan Plan, action string) (Plan, error) {
	to, ok := systemTransitions[action][plan.From]
	if !ok {
		return plan, markaz.Errorf(markaz.EConflict, "error.request_transition")
	}
	if !slices.ContainsFunc(steps, func(s catalog.Step) bool { return s.Key == plan.FromStep }) {
		return plan, markaz.Errorf(markaz.EConflict, "error.request_step")
	}
	i := slices.IndexFunc(steps, func(s catalog.Step) bool { return slices.Contains(s.Actions, ActionDeliver) })
	if action == ActionDeemApprove && i >= 0 {
		plan.ToStep = steps[i].Key
	}
	plan.To = to
	return plan, nil
}

// MayAct reports whether p holds role, with the requests.write permission, in an active
// assignment whose territory contains ref.
func MayAct(p *markaz.Principal, role string, ref markaz.Ref) bool {
	if p == nil || !markaz.RoleHas(role, markaz.PermRequestsWrite) {
		return false
	}
	for _, a := range p.Assignments {
		if a.Role != role {
			continue
		}
		switch a.Level {
		case markaz.LevelNation:
			return true
		case markaz.LevelGovernorate:
			if a.GovCode != "" && a.GovCode == ref.Gov {
				return true
			}
		case markaz.LevelUnit:
			if a.UnitCode != "" && a.UnitCode == ref.Unit {
				return true
			}
		case markaz.LevelCenter:
			if a.CenterID != "" && a.CenterID == ref.Center {
				return true
			}
		}
	}
	return false
}

// CheckAction validates an action's input: a known action, a note within limits, a note
// for cancel (the reason), return (what is missing) and deliver (who received the
// result), and for deliver the last four digits of the applicant's national ID as the
// clerk read them from the card (verify; whether they match is the store's check).
func CheckAction(action, note, verify string) error {
	var v markaz.Validator
	if v.Required("action", action) {
		v.OneOf("action", action, catalog.Actions...)
	}
	// A cancellation needs its reason, a return what the citizen must bring: the note
	// goes into the citizen's SMS and the tracking page. A delivery records who took it.
	v.Text("note", note, MaxNoteLength, action == ActionCancel || action == ActionReturn || action == ActionDeliver)
	verify = markaz.LatinDigits(strings.TrimSpace(verify))
	switch {
	case action == ActionDeliver && verify == "":
		v.Add("verify", "required", nil)
	case verify != "" && !isLast4(verify):
		v.Add("verify", "last4_format", nil)
	}
	return v.Err()
}

func isLast4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// VerifiesApplicant reports whether verify (any digit script) is the last four digits of
// the national ID nid.
func VerifiesApplicant(nid, verify string) bool {
	verify = markaz.LatinDigits(strings.TrimSpace(verify))
	return isLast4(verify) && len(nid) >= 4 && nid[len(nid)-4:] == verify
}

// Applicant is who a request is for.
type Applicant struct {
	NationalID string `json:"national_id"`
	Name       string `json:"name"`
	Mobile     string `json:"mobile"`
}

// Registration is a new request as a clerk types it.
type Registration struct {
	ServiceCode string    `json:"service_code"`
	Applicant   Applicant `json:"applicant"`
	Channel     string    `json:"channel"`
	Documents   []string  `json:"documents"`
	Notes       string    `json:"notes"`
	CenterID    string    `json:"center_id"`
}

// Validate normalises the registration (trimmed text, Latin-digit national ID and
// mobile in 01… form, channel defaulting to counter) and checks every field at once; the
// national ID's check-digit mismatch comes back as a warning, not an error. Whether the
// service and center exist is the store's job.
func (r *Registration) Validate(today markaz.Date) ([]nationalid.Warning, error) {
	var v markaz.Validator
	r.ServiceCode = strings.ToUpper(strings.TrimSpace(r.ServiceCode))
	r.Applicant.Name = strings.Join(strings.Fields(r.Applicant.Name), " ")
	r.Applicant.Mobile = markaz.NormaliseMobile(r.Applicant.Mobile)
	r.Channel = strings.TrimSpace(r.Channel)
	r.Notes = strings.TrimSpace(r.Notes)
	r.CenterID = strings.TrimSpace(r.CenterID)
	if r.Channel == "" {
		r.Channel = ChannelCounter
	}
	v.Code("service_code", r.ServiceCode)
	var warnings []nationalid.Warning
	if v.Required("applicant.national_id", r.Applicant.NationalID) {
		id, ws, err := nationalid.Parse(r.Applicant.NationalID, today)
		if err != nil {
			_ = v.Merge(err, markaz.Prefixed("applicant."))
		} else {
			r.Applicant.NationalID = id.Digits
			for _, w := range ws {
				warnings = append(warnings, nationalid.Warning{Field: "applicant.national_id", Code: w.Code})
			}
		}
	}
	v.Text("applicant.name", r.Applicant.Name, MaxNameLength, true)
	if v.Required("applicant.mobile", r.Applicant.Mobile) && !markaz.ValidMobile(r.Applicant.Mobile) {
		v.Add("applicant.mobile", "mobile_format", nil)
	}
	v.OneOf("channel", r.Channel, Channels...)
	if len(r.Documents) > MaxDocuments {
		v.Add("documents", "too_many", map[string]any{"max": MaxDocuments})
	}
	for i := range r.Documents {
		r.Documents[i] = strings.TrimSpace(r.Documents[i])
		v.Text("documents["+strconv.Itoa(i)+"]", r.Documents[i], MaxDocumentLen, true)
	}
	v.Text("notes", r.Notes, MaxNoteLength, false)
	if r.CenterID != "" && !markaz.ValidID(r.CenterID) {
		v.Add("center_id", "unknown_center", nil)
	}
	return warnings, v.Err()
}

// Fingerprint is the SHA-256 (hex) of the registration's canonical form: its fields, as
// Validate normalised them, in a fixed order. A retried submission has the same
// fingerprint; a different request under the same idempotency key does not.
func (r *Registration) Fingerprint() string {
	docs := r.Documents
	if docs == nil {
		docs = []string{}
	}
	b, _ := json.Marshal([]any{r.ServiceCode, r.Applicant.NationalID, r.Applicant.Name, r.Applicant.Mobile,
		r.Channel, docs, r.Notes, r.CenterID})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Request is a service request as stored and shown.
type Request struct {
	ID                string       `json:"id" db:"id"`
	TrackingNumber    string       `json:"tracking_number" db:"tracking_number"`
	ServiceCode       string       `json:"service_code" db:"service_code"`
	DurationVersionID string       `json:"duration_version_id" db:"duration_version_id"`
	WorkingDays       int          `json:"working_days" db:"working_days"`
	CenterID          string       `json:"center_id" db:"center_id"`
	CenterCode        string       `json:"center_code" db:"center_code"`
	GovCode           string       `json:"governorate" db:"gov_code"`
	UnitCode          string       `json:"unit" db:"unit_code"`
	Channel           string       `json:"channel" db:"channel"`
	Status            string       `json:"status" db:"status"`
	StepKey           string       `json:"step" db:"step_key"`
	NationalID        string       `json:"national_id" db:"national_id"`
	Name              string       `json:"name" db:"applicant_name"`
	Mobile            string       `json:"mobile" db:"mobile"`
	Documents         []string     `json:"documents" db:"-"`
	Notes             string       `json:"notes" db:"notes"`
	SubmittedAt       time.Time    `json:"submitted_at" db:"submitted_at"`
	SubmittedOn       markaz.Date  `json:"submitted_on" db:"submitted_on"`
	DueDate           markaz.Date  `json:"due_date" db:"due_date"`
	PausedDays        int          `json:"paused_working_days" db:"paused_days"`
	PausedSince       *markaz.Date `json:"paused_since,omitempty" db:"paused_since"`
	DecidedAt         *time.Time   `json:"decided_at,omitempty" db:"decided_at"`
	DeliveredAt       *time.Time   `json:"delivered_at,omitempty" db:"delivered_at"`
	// ProcessingDays is set by the decision: working days in the request's calendar from
	// submission to decision, less the working days it waited on the citizen.
	ProcessingDays   *int       `json:"processing_days,omitempty" db:"processing_days"`
	FeesDue          int64      `json:"fees_due_piasters" db:"fees_due_piasters"`
	FeesPaid         int64      `json:"fees_paid_piasters" db:"fees_paid_piasters"`
	PaymentMethod    string     `json:"payment_method" db:"payment_method"`
	EscalatedAt      *time.Time `json:"escalated_at,omitempty" db:"escalated_at"`
	EscalationReason string     `json:"escalation_reason,omitempty" db:"escalation_reason"`
	Version          int        `json:"version" db:"version"`
	CreatedBy        string     `json:"created_by" db:"created_by"`
	UpdatedAt        time.Time  `json:"updated_at" db:"updated_at"`
}

// Ref is the request's place in the territory.
func (r *Request) Ref() markaz.Ref {
	return markaz.Ref{Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID}
}

// Paused reports whether r's clocks are paused: it waits on the citizen since
// PausedSince. Moving a paused request on ends the pause, which needs its calendar.
func (r *Request) Paused() bool { return Waiting(r.Status) && r.PausedSince != nil }

// PausedDaysOn is how many working days r will have been paused if its current wait on
// the citizen, if any, ends on day end: a working day counts as paused when the request
// was waiting at its end, so the day the wait began counts and the day it ends does not.
func (r *Request) PausedDaysOn(cal *calendar.Calendar, end markaz.Date) int {
	if !r.Paused() {
		return r.PausedDays
	}
	return r.PausedDays + cal.WorkingDaysBetween(r.PausedSince.AddDays(-1), end.AddDays(-1))
}

// Apply moves r along plan (from Decide) at instant now, keeping its clocks as every
// writer records them — the workflow, the deadlines job and generated demo requests:
//   - leaving a wait on the citizen adds the working days paused in cal, the request's
//     calendar (a working day counts as paused when the request was waiting at its
//     end), and recomputes the due date over the duration plus all pauses;
//   - entering a wait starts a pause on today;
//   - a decision stamps DecidedAt and ProcessingDays, a delivery DeliveredAt.
//
// cal is used only when r is Paused or the plan decides; a nil cal then is an error.
func (r *Request) Apply(plan Plan, cal *calendar.Calendar, now time.Time) error {
	today := markaz.DateOf(now)
	if r.Paused() {
		if cal == nil {
			return errors.New("request: ending a pause needs the request's calendar")
		}
		r.PausedDays = r.PausedDaysOn(cal, today)
		r.PausedSince = nil
		due, err := cal.Due(r.SubmittedOn, r.WorkingDays+r.PausedDays)
		if err != nil {
			return err
		}
		r.DueDate = due
	}
	if Waiting(plan.To) {
		r.PausedSince = &today
	}
	if Decided(plan.To) {
		if cal == nil {
			return errors.New("request: a decision needs the request's calendar")
		}
		r.DecidedAt = &now
		days := cal.WorkingDaysBetween(r.SubmittedOn, today) - r.PausedDays
		r.ProcessingDays = &days
	}
	if plan.To == StatusDelivered {
		r.DeliveredAt = &now
	}
	r.Status, r.StepKey = plan.To, plan.ToStep
	return nil
}

// Overdue reports whether the request is still open after its due date on day today.
func (r *Request) Overdue(today markaz.Date) bool {
	return slices.Contains(OpenStatuses, r.Status) && r.DueDate.Before(today)
}

// Event is one entry of a request's history.
type Event struct {
	Seq      int       `json:"seq" db:"seq"`
	At       time.Time `json:"at" db:"at"`
	UserID   string    `json:"user_id" db:"user_id"`
	Username string    `json:"username" db:"username"`
	Action   string    `json:"action" db:"action"`
	From     string    `json:"from_status" db:"from_status"`
	To       string    `json:"to_status" db:"to_status"`
	FromStep string    `json:"from_step" db:"from_step"`
	ToStep   string    `json:"to_step" db:"to_step"`
	Note     string    `json:"note" db:"note"`
	// Due is the request's due date in force after the event; zero in histories written
	// before it was recorded.
	Due markaz.Date `json:"due_date,omitempty" db:"due_date"`
}

// FeeLine is one fee a request carries, copied from the catalog version in force.
type FeeLine struct {
	FeeVersionID   string `json:"fee_version_id" db:"fee_version_id"`
	Key            string `json:"key" db:"line_key"`
	NameAr         string `json:"name_ar" db:"name_ar"`
	NameEn         string `json:"name_en" db:"name_en"`
	AmountPiasters int64  `json:"amount_piasters" db:"amount_piasters"`
}
