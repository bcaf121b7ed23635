package request

// Deadlines: what the system does on its own to an open request as days pass, as pure
// rules over the request, its service and its history. The daily deadlines job
// (store.DB.DeadlineBatch) applies them to stored requests; the demo generator applies
// them to requests it simulates, so both record the same events on the same days.
//
//   - The statutory deadline counts calendar days from submitted_on (a file is complete
//     when registered, unless returned for completion), extended by the calendar days the
//     request waited on the citizen: each wait counts from the day it began to the day
//     before it ended (the calendar twin of the paused working days: a day counts when
//     the request was waiting at its end), read from the history. The rule applies on the
//     first day after the deadline.
//   - A step's stay starts when the request entered the step, or came back from waiting on
//     the citizen at it; it has overstayed when today is after the step limit's working
//     day from the stay's start in the request's calendar. One escalation per stay.
//   - A request waiting on the citizen has both clocks paused and is left alone.

import (
	"slices"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/catalog"
)

// Events the system records in a request's history (besides ActionDeemApprove).
const (
	EventEscalated          = "escalated"           // a step overstayed its limit: to the center manager
	EventStatutoryEscalated = "statutory_escalated" // a statutory deadline with on_expiry escalate passed
	EventDueDateMoved       = "due_date_moved"      // a calendar change moved the due date (note: from → to)
)

// SystemChange is a change the deadlines job makes to a request on its own: Action is
// ActionDeemApprove, EventStatutoryEscalated or EventEscalated, Plan where it leads (the
// request stays where it is for an escalation), and Due the last day of the deadline
// that passed, which the history's note records.
type SystemChange struct {
	Action string
	Plan   Plan
	Due    markaz.Date
}

// Deadlines returns the changes the deadlines job makes on day today to request r of
// service svc with history hist (oldest first), in the order it makes them: the
// statutory rule (a deemed approval, or one statutory escalation per request) once its
// deadline is before today, then the step's escalation once the stay's limit is. The job
// makes them in order and stops after a decision (a deemed approval leaves no step to
// escalate); the step's escalation is listed all the same, so that a caller asking about
// a later day learns every deadline that passed by then, each with its day. A request
// that is decided, closed or waiting on the citizen gets nothing.
//
// cal returns the request's calendar; it is called only when the stay has lasted longer
// than the step's limit in calendar days (working days are never fewer), so that the
// job reads calendars only for requests that may have overstayed.
func Deadlines(r *Request, svc *catalog.Service, hist []Event, today markaz.Date,
	cal func() (*calendar.Calendar, error)) ([]SystemChange, error) {
	if !slices.Contains(OpenStatuses, r.Status) || Waiting(r.Status) {
		return nil, nil
	}
	var out []SystemChange
	if rule := svc.Statutory; rule != nil {
		deadline := StatutoryDeadline(r.SubmittedOn, rule.Days, hist, today)
		if deadline.Before(today) {
			switch rule.OnExpiry {
			case catalog.ExpiryDeemedApproved:
				plan, err := Decide(svc.Steps, r.Status, r.StepKey, ActionDeemApprove, nil, r.Ref())
				if err != nil {
					return nil, err
				}
				out = append(out, SystemChange{Action: ActionDeemApprove, Plan: plan, Due: deadline})
			case catalog.ExpiryEscalate:
				if !slices.ContainsFunc(hist, func(e Event) bool { return e.Action == EventStatutoryEscalated }) {
					out = append(out, SystemChange{Action: EventStatutoryEscalated, Plan: r.Stay(), Due: deadline})
				}
			}
		}
	}
	i := slices.IndexFunc(svc.Steps, func(s catalog.Step) bool { return s.Key == r.StepKey })
	if i < 0 || svc.Steps[i].LimitDays <= 0 {
		return out, nil
	}
	limit := svc.Steps[i].LimitDays
	since, seq := stepStay(hist, r.StepKey)
	if since.IsZero() || !since.AddDays(limit).Before(today) ||
		slices.ContainsFunc(hist, func(e Event) bool { return e.Action == EventEscalated && e.Seq > seq }) {
		return out, nil
	}
	c, err := cal()
	if err != nil {
		return nil, err
	}
	due, err := c.Due(since, limit)
	if err != nil {
		return nil, err
	}
	if due.Before(today) {
		out = append(out, SystemChange{Action: EventEscalated, Plan: r.Stay(), Due: due})
	}
	return out, nil
}

// Stay is the plan of an event that leaves the request where it is.
func (r *Request) Stay() Plan {
	return Plan{From: r.Status, To: r.Status, FromStep: r.StepKey, ToStep: r.StepKey}
}

// StatutoryDeadline is the last day of a statutory deadline of days calendar days from
// submitted, extended by the calendar days the history shows the request waiting on the
// citizen (up to today for a wait still running).
func StatutoryDeadline(submitted markaz.Date, days int, hist []Event, today markaz.Date) markaz.Date {
	paused := 0
	var since markaz.Date
	for _, e := range hist {
		switch {
		case Waiting(e.To) && !Waiting(e.From):
			since = markaz.DateOf(e.At)
		case Waiting(e.From) && !Waiting(e.To) && !since.IsZero():
			paused += daysBetween(since, markaz.DateOf(e.At))
			since = markaz.Date{}
		}
	}
	if !since.IsZero() {
		paused += daysBetween(since, today)
	}
	return submitted.AddDays(days + paused)
}

// stepStay returns the day the request's current stay at step began and the seq of the
// event that began it: entering the step, or coming back to work from waiting on the
// citizen. Zero when the history does not show it.
func stepStay(hist []Event, step string) (markaz.Date, int) {
	var since markaz.Date
	seq := 0
	for _, e := range hist {
		entered := e.ToStep == step && (e.FromStep != e.ToStep || e.Action == ActionRegister)
		resumed := e.ToStep == step && Waiting(e.From) && !Waiting(e.To)
		if entered || resumed {
			since, seq = markaz.DateOf(e.At), e.Seq
		}
	}
	return since, seq
}

// daysBetween counts the calendar days from a to b.
func daysBetween(a, b markaz.Date) int {
	ta := time.Date(a.Y, a.M, a.D, 0, 0, 0, 0, time.UTC)
	tb := time.Date(b.Y, b.M, b.D, 0, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta).Hours() / 24)
}
