// Package catalog holds the unified service catalog as pure domain types: a service's
// names, category, required documents, whether it can be applied for online, its
// workflow as data (ordered steps, each with the role that acts, the actions allowed and
// an optional time limit), its statutory deadline rule, and the versioned required
// duration and fees. It has no SQL and no HTTP; the store persists it and the web
// package shows it.
package catalog

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"markaz"
)

// Workflow actions, as the issue names them.
const (
	ActionForward        = "forward"
	ActionReturn         = "return"
	ActionComplete       = "complete"
	ActionRequestPayment = "request_payment"
	ActionApprove        = "approve"
	ActionReject         = "reject"
	ActionDeliver        = "deliver"
	ActionCancel         = "cancel"
)

// Actions lists every workflow action in display order.
var Actions = []string{ActionForward, ActionReturn, ActionComplete, ActionRequestPayment,
	ActionApprove, ActionReject, ActionDeliver, ActionCancel}

// StepRoles lists the roles that may act on a workflow step: the staff who handle
// requests.
var StepRoles = []string{markaz.RoleClerk, markaz.RoleBackOffice, markaz.RoleCenterManager,
	markaz.RoleHead, markaz.RoleFinance, markaz.RoleBacklogOperator}

// What happens when a statutory deadline passes.
const (
	ExpiryDeemedApproved = "deemed_approved"
	ExpiryEscalate       = "escalate"
)

// Limits on what the catalog accepts.
const (
	MaxSteps        = 20
	MaxDocuments    = 30
	MaxFeeLines     = 10
	MaxWorkingDays  = 365
	MaxStepDays     = 365
	MaxAmount       = int64(100_000_000_00) // EGP 100 million, in piasters
	MaxReasonLength = 500
	MaxNameLength   = 200
)

// Document is one document the applicant must bring.
type Document struct {
	NameAr string `json:"name_ar"`
	NameEn string `json:"name_en"`
}

// Step is one step of a service's workflow. LimitDays is the step's time limit in working
// days (0: none).
type Step struct {
	Key       string   `json:"key"`
	Role      string   `json:"role"`
	Actions   []string `json:"actions"`
	LimitDays int      `json:"limit_working_days,omitempty"`
}

// StatutoryRule is the legal deadline in calendar days from a complete file and what
// happens when it passes.
type StatutoryRule struct {
	Days     int    `json:"calendar_days"`
	OnExpiry string `json:"on_expiry"`
}

// Service is one national service definition.
type Service struct {
	Code        string         `json:"code"`
	CategoryKey string         `json:"category"`
	CategoryAr  string         `json:"category_ar"`
	CategoryEn  string         `json:"category_en"`
	NameAr      string         `json:"name_ar"`
	NameEn      string         `json:"name_en"`
	FeeNote     string         `json:"fee_note"`
	Source      string         `json:"source"`
	Online      bool           `json:"online"`
	Documents   []Document     `json:"documents"`
	Steps       []Step         `json:"steps"`
	Statutory   *StatutoryRule `json:"statutory,omitempty"`
	Version     int            `json:"version"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// DurationVersion is the required duration of a service in working days from
// EffectiveFrom on, until a later version takes over.
type DurationVersion struct {
	ID            string      `json:"id" db:"id"`
	ServiceCode   string      `json:"service_code" db:"service_code"`
	WorkingDays   int         `json:"working_days" db:"working_days"`
	EffectiveFrom markaz.Date `json:"effective_from" db:"effective_from"`
	Reason        string      `json:"reason" db:"reason"`
	CreatedBy     string      `json:"created_by" db:"created_by"`
	CreatedAt     time.Time   `json:"created_at" db:"created_at"`
}

// FeeLine is one line of a service's fees.
type FeeLine struct {
	Key            string `json:"key"`
	NameAr         string `json:"name_ar"`
	NameEn         string `json:"name_en"`
	AmountPiasters int64  `json:"amount_piasters"`
}

// FeeVersion is a service's fee lines from EffectiveFrom on, nationally (GovCode "") or
// as one governorate's override. Illustrative marks demo amounts that are not real fees.
type FeeVersion struct {
	ID            string      `json:"id"`
	ServiceCode   string      `json:"service_code"`
	GovCode       string      `json:"governorate,omitempty"`
	Lines         []FeeLine   `json:"lines"`
	TotalPiasters int64       `json:"total_piasters"`
	EffectiveFrom markaz.Date `json:"effective_from"`
	Reason        string      `json:"reason"`
	Illustrative  bool        `json:"illustrative"`
	CreatedBy     string      `json:"created_by"`
	CreatedAt     time.Time   `json:"created_at"`
}

// Total adds up the lines.
func Total(lines []FeeLine) int64 {
	var t int64
	for _, l := range lines {
		t += l.AmountPiasters
	}
	return t
}

// DurationOn returns the version in force on day d: the one with the latest
// EffectiveFrom not after d, the last created among equals. vs must be ordered by
// EffectiveFrom then creation (as the store returns them).
func DurationOn(vs []DurationVersion, d markaz.Date) (DurationVersion, bool) {
	return inForce(vs, d, func(v DurationVersion) markaz.Date { return v.EffectiveFrom })
}

// FeesOn returns the fee version in force on day d for governorate gov: that
// governorate's override in force on d wins over the national version in force on d.
// vs holds national and override versions ordered as for DurationOn.
func FeesOn(vs []FeeVersion, gov string, d markaz.Date) (FeeVersion, bool) {
	eff := func(v FeeVersion) markaz.Date { return v.EffectiveFrom }
	if gov != "" {
		own := slices.DeleteFunc(slices.Clone(vs), func(v FeeVersion) bool { return v.GovCode != gov })
		if v, ok := inForce(own, d, eff); ok {
			return v, true
		}
	}
	national := slices.DeleteFunc(slices.Clone(vs), func(v FeeVersion) bool { return v.GovCode != "" })
	return inForce(national, d, eff)
}

func inForce[T any](vs []T, d markaz.Date, eff func(T) markaz.Date) (T, bool) {
	var best T
	found := false
	for _, v := range vs {
		if !eff(v).After(d) {
			best, found = v, true
		}
	}
	return best, found
}

// DefaultSteps is the workflow a service gets unless the catalog says otherwise: intake
// at the counter, back-office review, decision by the center manager, ready for delivery.
// Every status a request can reach at a step has its way on listed there (see
// ValidateSteps): a step that returns a file takes it back (complete), and the hand-over
// step makes a decided result ready (forward) before delivering it.
func DefaultSteps() []Step {
	return []Step{
		{Key: "intake", Role: markaz.RoleClerk, Actions: []string{ActionForward, ActionCancel}, LimitDays: 1},
		{Key: "review", Role: markaz.RoleBackOffice, Actions: []string{ActionForward, ActionReturn, ActionComplete,
			ActionRequestPayment, ActionCancel}, LimitDays: 5},
		{Key: "decision", Role: markaz.RoleCenterManager, Actions: []string{ActionApprove, ActionReject, ActionReturn,
			ActionComplete, ActionCancel}, LimitDays: 2},
		{Key: "ready", Role: markaz.RoleClerk, Actions: []string{ActionForward, ActionDeliver}},
	}
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// CategoryKey turns an English category name into the key lists filter on:
// "Planning & buildings" → "planning-buildings".
func CategoryKey(en string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(en) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else if r != '\'' {
			dash = true
		}
	}
	return b.String()
}

// Normalize trims the editable text of a service.
func (s *Service) Normalize() {
	s.NameAr, s.NameEn = strings.TrimSpace(s.NameAr), strings.TrimSpace(s.NameEn)
	for i := range s.Documents {
		s.Documents[i].NameAr = strings.TrimSpace(s.Documents[i].NameAr)
		s.Documents[i].NameEn = strings.TrimSpace(s.Documents[i].NameEn)
	}
	for i := range s.Steps {
		s.Steps[i].Key = strings.TrimSpace(s.Steps[i].Key)
		s.Steps[i].Role = strings.TrimSpace(s.Steps[i].Role)
	}
}

// Validate checks a whole service definition, recording problems in v: a code, names,
// category, documents, a non-empty workflow of known roles and actions with unique keys,
// and a sensible statutory rule.
func (s *Service) Validate(v *markaz.Validator) {
	s.Normalize()
	v.Code("code", s.Code)
	v.Text("category_ar", s.CategoryAr, MaxNameLength, true)
	v.Text("category_en", s.CategoryEn, MaxNameLength, true)
	s.ValidateEditable(v)
	if r := s.Statutory; r != nil {
		if r.Days < 1 || r.Days > 3650 {
			v.Add("statutory.calendar_days", "between", map[string]any{"min": 1, "max": 3650})
		}
		v.OneOf("statutory.on_expiry", r.OnExpiry, ExpiryDeemedApproved, ExpiryEscalate)
	}
}

// ValidateEditable checks what national administrators may change: names, documents and
// steps.
func (s *Service) ValidateEditable(v *markaz.Validator) {
	s.Normalize()
	v.Text("name_ar", s.NameAr, MaxNameLength, true)
	v.Text("name_en", s.NameEn, MaxNameLength, true)
	if len(s.Documents) > MaxDocuments {
		v.Add("documents", "too_many", map[string]any{"max": MaxDocuments})
	}
	for i, d := range s.Documents {
		p := "documents[" + strconv.Itoa(i) + "]."
		v.Text(p+"name_ar", d.NameAr, MaxNameLength, true)
		v.Text(p+"name_en", d.NameEn, MaxNameLength, true)
	}
	ValidateSteps(v, s.Steps)
}

// ValidateSteps checks a workflow: at least one step, at most MaxSteps, each with a
// unique key, a role that handles requests, known actions without repeats, and a time
// limit within range.
func ValidateSteps(v *markaz.Validator, steps []Step) {
	if len(steps) == 0 {
		v.Add("steps", "required", nil)
		return
	}
	if len(steps) > MaxSteps {
		v.Add("steps", "too_many", map[string]any{"max": MaxSteps})
		return
	}
	seen := map[string]bool{}
	for i, st := range steps {
		p := "steps[" + strconv.Itoa(i) + "]."
		switch {
		case st.Key == "":
			v.Add(p+"key", "required", nil)
		case !keyRE.MatchString(st.Key):
			v.Add(p+"key", "step_key_format", nil)
		case seen[st.Key]:
			v.Add(p+"key", "duplicate_key", nil)
		}
		seen[st.Key] = true
		if v.Required(p+"role", st.Role) && !slices.Contains(StepRoles, st.Role) {
			v.Add(p+"role", "one_of", map[string]any{"allowed": strings.Join(StepRoles, ", ")})
		}
		if len(st.Actions) == 0 {
			v.Add(p+"actions", "required", nil)
		}
		had := map[string]bool{}
		for _, a := range st.Actions {
			if !slices.Contains(Actions, a) {
				v.Add(p+"actions", "one_of", map[string]any{"allowed": strings.Join(Actions, ", ")})
				break
			}
			if had[a] {
				v.Add(p+"actions", "duplicate_key", nil)
				break
			}
			had[a] = true
		}
		if st.LimitDays < 0 || st.LimitDays > MaxStepDays {
			v.Add(p+"limit_working_days", "between", map[string]any{"min": 0, "max": MaxStepDays})
		}
		if !v.Has(p + "actions") {
			checkWayOn(v, p+"actions", steps, i)
		}
	}
}

// checkWayOn refuses a step where a request could get stuck: one that returns a file or
// asks for payment must take it back (complete); one that hands results over must make
// them ready first (forward); and the step after an approval must hand the result over
// (an approved request moves on to it).
func checkWayOn(v *markaz.Validator, field string, steps []Step, i int) {
	has := func(a string) bool { return slices.Contains(steps[i].Actions, a) }
	switch {
	case (has(ActionReturn) || has(ActionRequestPayment)) && !has(ActionComplete):
		v.Add(field, "step_needs_action", map[string]any{"action": ActionComplete})
	case has(ActionDeliver) && !has(ActionForward):
		v.Add(field, "step_needs_action", map[string]any{"action": ActionForward})
	case i > 0 && slices.Contains(steps[i-1].Actions, ActionApprove) && !has(ActionDeliver):
		v.Add(field, "step_needs_action", map[string]any{"action": ActionDeliver})
	case has(ActionApprove) && i == len(steps)-1:
		v.Add(field, "step_approve_last", nil)
	}
}

// ValidateAmendment checks what every new version needs: an effective date not before
// today (history is never rewritten) and a reason.
func ValidateAmendment(v *markaz.Validator, from, today markaz.Date, reason string) {
	if from.IsZero() {
		if !v.Has("effective_from") {
			v.Add("effective_from", "required", nil)
		}
	} else if from.Before(today) {
		v.Add("effective_from", "effective_in_past", map[string]any{"min": today.String()})
	}
	v.Text("reason", reason, MaxReasonLength, true)
}

// Validate checks a new duration version against today.
func (d *DurationVersion) Validate(v *markaz.Validator, today markaz.Date) {
	d.Reason = strings.TrimSpace(d.Reason)
	if d.WorkingDays < 1 || d.WorkingDays > MaxWorkingDays {
		v.Add("working_days", "between", map[string]any{"min": 1, "max": MaxWorkingDays})
	}
	ValidateAmendment(v, d.EffectiveFrom, today, d.Reason)
}

// Validate checks a new fee version against today: one to MaxFeeLines lines with unique
// keys, names in both languages and amounts from zero to MaxAmount. The governorate
// code's existence is the store's job.
func (f *FeeVersion) Validate(v *markaz.Validator, today markaz.Date) {
	f.Reason = strings.TrimSpace(f.Reason)
	f.GovCode = strings.TrimSpace(markaz.LatinDigits(f.GovCode))
	ValidateFeeLines(v, f.Lines)
	f.TotalPiasters = Total(f.Lines)
	ValidateAmendment(v, f.EffectiveFrom, today, f.Reason)
}

// ValidateFeeLines checks fee lines as FeeVersion.Validate describes.
func ValidateFeeLines(v *markaz.Validator, lines []FeeLine) {
	if len(lines) == 0 {
		v.Add("lines", "required", nil)
		return
	}
	if len(lines) > MaxFeeLines {
		v.Add("lines", "too_many", map[string]any{"max": MaxFeeLines})
		return
	}
	seen := map[string]bool{}
	for i := range lines {
		l := &lines[i]
		l.Key, l.NameAr, l.NameEn = strings.TrimSpace(l.Key), strings.TrimSpace(l.NameAr), strings.TrimSpace(l.NameEn)
		p := "lines[" + strconv.Itoa(i) + "]."
		switch {
		case l.Key == "":
			v.Add(p+"key", "required", nil)
		case !keyRE.MatchString(l.Key):
			v.Add(p+"key", "step_key_format", nil)
		case seen[l.Key]:
			v.Add(p+"key", "duplicate_key", nil)
		}
		seen[l.Key] = true
		v.Text(p+"name_ar", l.NameAr, MaxNameLength, true)
		v.Text(p+"name_en", l.NameEn, MaxNameLength, true)
		if l.AmountPiasters < 0 || l.AmountPiasters > MaxAmount {
			v.Add(p+"amount_piasters", "between", map[string]any{"min": 0, "max": MaxAmount})
		}
	}
}
