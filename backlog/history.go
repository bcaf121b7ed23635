package backlog

import (
	"slices"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/catalog"
	"markaz/request"
)

// Event actions of an entered file's history besides the workflow's own.
const (
	// ActionEntry moves the request to its status at entry, when the paper file does not
	// date the step (an approval without a decision date, a file under review): it is
	// stamped with the moment of entry, not a guessed past date.
	ActionEntry = "backlog_entry"
	// ActionCorrect records a supervisor's correction of an entered file after a
	// verification found the file wrong.
	ActionCorrect = "backlog_correct"
)

// The hours of day (Cairo) a paper file's dates are given in the history: the file says
// on which day, not at what time, so submission is placed at the opening of the working
// day and a decision and a delivery later that day, keeping their order on one day.
const (
	submittedHour = 9
	decidedHour   = 12
	deliveredHour = 13
)

// At is the instant a paper file's date d stands for in the history, at hour (Cairo).
func At(d markaz.Date, hour int) time.Time {
	return time.Date(d.Y, d.M, d.D, hour, 0, 0, 0, markaz.Cairo).UTC()
}

// DurationFor is the required-duration version a past request keeps: the one in force
// on its submission day or, when the file is older than the catalog's first version, the
// earliest version (the nearest thing to the rule of the time that the catalog holds).
// vs is ordered as catalog.DurationOn wants it.
func DurationFor(vs []catalog.DurationVersion, submitted markaz.Date) (catalog.DurationVersion, bool) {
	if v, ok := catalog.DurationOn(vs, submitted); ok {
		return v, true
	}
	if len(vs) == 0 {
		return catalog.DurationVersion{}, false
	}
	first := vs[0]
	for _, v := range vs[1:] {
		if v.EffectiveFrom.Before(first.EffectiveFrom) {
			first = v
		}
	}
	return first, true
}

// FeesFor is the fee version a past request copies, by the same rule as DurationFor:
// in force on the submission day in the center's governorate, else the earliest national
// version. ok is false when the service has no fees at all.
func FeesFor(vs []catalog.FeeVersion, gov string, submitted markaz.Date) (catalog.FeeVersion, bool) {
	if v, ok := catalog.FeesOn(vs, gov, submitted); ok {
		return v, true
	}
	var first *catalog.FeeVersion
	for i := range vs {
		if vs[i].GovCode == "" && (first == nil || vs[i].EffectiveFrom.Before(first.EffectiveFrom)) {
			first = &vs[i]
		}
	}
	if first == nil {
		return catalog.FeeVersion{}, false
	}
	return *first, true
}

// StepFor is the workflow step a request entered at status stands at: the first step for
// a file just submitted or cancelled; the hand-over step (the one listing deliver) once
// decided in favour, ready or delivered; the deciding step (listing reject) for a
// rejection; and for a file under review or waiting on the citizen, the step that lists
// the action that put it there (return, request payment), else the second step.
func StepFor(steps []catalog.Step, status string) string {
	if len(steps) == 0 {
		return ""
	}
	listing := func(action string) int {
		return slices.IndexFunc(steps, func(s catalog.Step) bool { return slices.Contains(s.Actions, action) })
	}
	pick := -1
	switch status {
	case request.StatusApproved, request.StatusDeemedApproved, request.StatusReady, request.StatusDelivered:
		pick = listing(request.ActionDeliver)
		if pick < 0 {
			pick = len(steps) - 1
		}
	case request.StatusRejected:
		pick = listing(request.ActionReject)
		if pick < 0 {
			pick = len(steps) - 1
		}
	case request.StatusReturned:
		pick = listing(request.ActionReturn)
	case request.StatusAwaitingPayment:
		pick = listing(request.ActionRequestPayment)
	}
	if pick < 0 && (status == request.StatusInReview || request.Waiting(status)) && len(steps) > 1 {
		pick = 1
	}
	if pick < 0 {
		pick = 0
	}
	return steps[pick].Key
}

// decisionAction is the workflow action whose event records the decision a status implies.
func decisionAction(status string) (action, to string) {
	switch status {
	case request.StatusRejected:
		return request.ActionReject, request.StatusRejected
	case request.StatusDeemedApproved:
		return request.ActionDeemApprove, request.StatusDeemedApproved
	}
	return request.ActionApprove, request.StatusApproved
}

// Source is what a past request is built from beside its row: the center, the service
// with its duration and fee versions, the center's calendar, who enters it and when.
type Source struct {
	Center    *markaz.Center
	Service   *catalog.Service
	Durations []catalog.DurationVersion
	Fees      []catalog.FeeVersion
	Calendar  *calendar.Calendar
	ActorID   string
	ActorName string
	Now       time.Time
}

// Built is a past request with its history, oldest event first, and its fee lines.
type Built struct {
	Request request.Request
	Events  []request.Event
	Fees    []request.FeeLine
}

// Build makes the request a validated row stands for, keeping the paper file's dates:
// submitted on the row's submission day, decided and delivered on its decision and
// delivery days where known, due by the calendar on the duration version DurationFor
// picks. Its history has one event per known date, each by the actor entering it, then
// one ActionEntry event at the moment of entry for what the file does not date. A file
// waiting on the citizen is taken as waiting since it was submitted (the day it was
// returned is not on the file), so its clock is paused from then. The fee lines are
// those FeesFor picks; fees paid are the row's. ok is false (with a service_code field
// error) when the service has no duration to compute a due date from.
func Build(row *Row, src Source) (*Built, error) {
	dur, ok := DurationFor(src.Durations, row.SubmittedOn)
	if !ok {
		var v markaz.Validator
		v.Add("service_code", "no_duration", nil)
		return nil, v.Err()
	}
	c, svc := src.Center, src.Service
	r := request.Request{TrackingNumber: "", ServiceCode: svc.Code, DurationVersionID: dur.ID,
		WorkingDays: dur.WorkingDays, CenterID: c.ID, CenterCode: c.Code, GovCode: c.GovCode, UnitCode: c.UnitCode,
		Channel: request.ChannelBacklog, Status: row.Status, StepKey: StepFor(svc.Steps, row.Status),
		NationalID: row.Applicant.NationalID, Name: row.Applicant.Name, Mobile: row.Applicant.Mobile,
		SubmittedAt: At(row.SubmittedOn, submittedHour), SubmittedOn: row.SubmittedOn,
		DueDate: src.Calendar.AddWorkingDays(row.SubmittedOn, dur.WorkingDays), FeesPaid: row.FeesPaid,
		CreatedBy: src.ActorName, UpdatedAt: src.Now}
	if request.Waiting(row.Status) {
		since := row.SubmittedOn
		r.PausedSince = &since
	}
	b := &Built{Fees: []request.FeeLine{}}
	if fv, ok := FeesFor(src.Fees, c.GovCode, row.SubmittedOn); ok {
		for _, l := range fv.Lines {
			b.Fees = append(b.Fees, request.FeeLine{FeeVersionID: fv.ID, Key: l.Key, NameAr: l.NameAr, NameEn: l.NameEn,
				AmountPiasters: l.AmountPiasters})
		}
		r.FeesDue = catalog.Total(fv.Lines)
	}
	first := svc.Steps[0].Key
	add := func(at time.Time, action, to, toStep string) {
		prev := request.Event{To: "", ToStep: ""}
		if n := len(b.Events); n > 0 {
			prev = b.Events[n-1]
		}
		b.Events = append(b.Events, request.Event{Seq: len(b.Events) + 1, At: at, UserID: src.ActorID,
			Username: src.ActorName, Action: action, From: prev.To, To: to, FromStep: prev.ToStep, ToStep: toStep})
	}
	add(r.SubmittedAt, request.ActionRegister, request.StatusSubmitted, first)
	if HasDecision(row.Status) && !row.DecidedOn.IsZero() {
		action, to := decisionAction(row.Status)
		at := At(row.DecidedOn, decidedHour)
		r.DecidedAt = &at
		step := r.StepKey
		if row.Status == request.StatusDelivered || row.Status == request.StatusReady {
			step = StepFor(svc.Steps, to)
		}
		add(at, action, to, step)
	}
	if row.Status == request.StatusDelivered && !row.DeliveredOn.IsZero() {
		at := At(row.DeliveredOn, deliveredHour)
		r.DeliveredAt = &at
		add(at, request.ActionDeliver, request.StatusDelivered, r.StepKey)
	}
	if last := b.Events[len(b.Events)-1]; last.To != row.Status || last.ToStep != r.StepKey {
		add(src.Now, ActionEntry, row.Status, r.StepKey)
	}
	r.Version = len(b.Events)
	b.Request = r
	return b, nil
}
