package store

// Deadlines: what the system does on its own to open requests as time passes.
//
//   - The daily job (kind JobDeadlines, run by worker.Deadlines) applies each service's
//     statutory rule once its deadline has passed, and escalates requests that overstay
//     their workflow step's time limit to the center manager (DeadlineBatch).
//   - A calendar change (a holiday added, imported or retired; a weekly rest changed)
//     recomputes the due dates of the open requests it may move, in the transaction of
//     the change (moveDueDates, registered with OnCalendarChange at package init so that
//     every DB, however opened, has it).
//
// Choices made here:
//   - The statutory deadline counts calendar days from submitted_on (a file is complete
//     when registered, unless returned for completion), extended by the calendar days the
//     request waited on the citizen: each wait counts from the day it began to the day
//     before it ended (the calendar twin of the paused working days: a day counts when the
//     request was waiting at its end), read from the history. The rule applies on the
//     first day after the deadline. A request waiting on the citizen now has both clocks
//     paused and is left alone.
//   - deemed_approved goes through request.Decide with the system (nil principal) like any
//     transition, to the hand-over step; escalate records one "statutory_escalated" event.
//   - An escalation (statutory or a step overstayed) marks the request (escalated_at,
//     escalation_reason; cleared as request.KeepEscalation says when it moves on) and
//     sends a message to each of the center's managers through the outbox, all in the
//     transaction of the event.
//   - A step's stay starts when the request entered the step, or came back from waiting on
//     the citizen at it; it has overstayed when today is after DueDate(stay start, step
//     limit) in the request's calendar. One "escalated" event per stay.
//   - System changes bump the request's version (the event's seq) with an UPDATE
//     conditional on the version read, so a clerk's concurrent action and the job cannot
//     both win; the loser here simply skips the request until the next run.
//   - Everything is idempotent: a second run the same day finds nothing to do.

import (
	"context"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/catalog"
	"markaz/request"
)

// JobDeadlines is the kind of the daily deadlines job; its payload is empty, or the id
// after which a continuation of the day's run resumes.
const JobDeadlines = "deadlines"

// DeadlineBatchSize is how many requests one transaction of the deadlines job or of a
// due-date recomputation handles.
const DeadlineBatchSize = 500

// Events the system records in a request's history.
const (
	EventEscalated          = "escalated"           // a step overstayed its limit: to the center manager
	EventStatutoryEscalated = "statutory_escalated" // a statutory deadline with on_expiry escalate passed
	EventDueDateMoved       = "due_date_moved"      // a calendar change moved the due date (note: from → to)
)

func init() { OnCalendarChange(moveDueDates) }

// DeadlinesKey is the dedup key of the deadlines job of a day (Cairo date).
func DeadlinesKey(day markaz.Date) string { return "deadlines:" + day.String() }

// EnqueueDeadlines enqueues today's deadlines job; every instance may call it, one job
// results per day.
func (tx *Tx) EnqueueDeadlines() error {
	return tx.EnqueueJob(JobDeadlines, DeadlinesKey(tx.Today()), time.Time{}, nil)
}

// DeadlineRun counts what one batch of the deadlines job did. Next is the id to resume
// after, "" when the batch was the last.
type DeadlineRun struct {
	Scanned, Deemed, StatutoryEscalated, StepEscalated int
	Next                                               string
}

// DeadlineBatch handles, in one transaction, up to limit open requests with an id after
// after (keyset over ids) and returns what it did.
func (db *DB) DeadlineBatch(ctx context.Context, after string, limit int) (DeadlineRun, error) {
	var run DeadlineRun
	err := db.Write(ctx, func(tx *Tx) error {
		run = DeadlineRun{}
		rows, err := tx.openRequests(`r.id > ?`, []any{after}, limit)
		if err != nil {
			return err
		}
		run.Scanned = len(rows)
		if len(rows) == limit {
			run.Next = rows[len(rows)-1].ID
		}
		hist, err := tx.histories(rows)
		if err != nil {
			return err
		}
		services := map[string]*catalog.Service{}
		for i := range rows {
			r := &rows[i]
			svc, ok := services[r.ServiceCode]
			if !ok {
				if svc, err = tx.Service(r.ServiceCode); err != nil {
					return err
				}
				services[r.ServiceCode] = svc
			}
			if err := tx.requestDeadlines(r, svc, hist[r.ID], &run); err != nil {
				return err
			}
		}
		return nil
	})
	return run, err
}

// openRequests loads up to limit open requests matching cond, in id order.
func (tx *Tx) openRequests(cond string, args []any, limit int) ([]request.Request, error) {
	w := &where{}
	w.add(`r.status IN (?, ?, ?, ?)`, request.StatusSubmitted, request.StatusInReview, request.StatusReturned,
		request.StatusAwaitingPayment)
	w.add(cond, args...)
	var rows []request.Request
	err := tx.Select(&rows, `SELECT `+requestCols+requestFrom+w.String()+` ORDER BY r.id LIMIT ?`,
		append(w.args, limit)...)
	return rows, err
}

// histories loads the events of the requests, oldest first, by request id.
func (tx *Tx) histories(rows []request.Request) (map[string][]request.Event, error) {
	out := map[string][]request.Event{}
	if len(rows) == 0 {
		return out, nil
	}
	args := make([]any, len(rows))
	for i := range rows {
		args[i] = rows[i].ID
	}
	var evs []struct {
		RequestID string `db:"request_id"`
		request.Event
	}
	if err := tx.Select(&evs, `SELECT request_id, seq, at, user_id, username, action, from_status, to_status,
		from_step, to_step, note FROM request_events WHERE request_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(args)), ",")+`) ORDER BY request_id, seq`, args...); err != nil {
		return nil, err
	}
	for _, e := range evs {
		out[e.RequestID] = append(out[e.RequestID], e.Event)
	}
	return out, nil
}

// requestDeadlines applies the statutory rule and the step limit to one open request.
func (tx *Tx) requestDeadlines(r *request.Request, svc *catalog.Service, hist []request.Event, run *DeadlineRun) error {
	if request.Waiting(r.Status) {
		return nil // both clocks are paused
	}
	today := tx.Today()
	if rule := svc.Statutory; rule != nil {
		deadline := StatutoryDeadline(r.SubmittedOn, rule.Days, hist, today)
		if deadline.Before(today) {
			switch rule.OnExpiry {
			case catalog.ExpiryDeemedApproved:
				plan, err := request.Decide(svc.Steps, r.Status, r.StepKey, request.ActionDeemApprove, nil, r.Ref())
				if err != nil {
					return err
				}
				done, err := tx.systemChange(r, change{action: request.ActionDeemApprove, plan: plan, note: deadline.String()})
				if done {
					run.Deemed++
				}
				return err // decided: no step to escalate any more
			case catalog.ExpiryEscalate:
				if !slices.ContainsFunc(hist, func(e request.Event) bool { return e.Action == EventStatutoryEscalated }) {
					done, err := tx.escalate(r, change{action: EventStatutoryEscalated, plan: stay(r), note: deadline.String()})
					if err != nil {
						return err
					}
					if done {
						run.StatutoryEscalated++
					}
				}
			}
		}
	}
	i := slices.IndexFunc(svc.Steps, func(s catalog.Step) bool { return s.Key == r.StepKey })
	if i < 0 || svc.Steps[i].LimitDays <= 0 {
		return nil
	}
	limit := svc.Steps[i].LimitDays
	since, seq := stepStay(hist, r.StepKey)
	// Working days are never fewer than calendar days: a stay within limit calendar days
	// cannot have overstayed, and needs no calendar.
	if since.IsZero() || !since.AddDays(limit).Before(today) ||
		slices.ContainsFunc(hist, func(e request.Event) bool { return e.Action == EventEscalated && e.Seq > seq }) {
		return nil
	}
	due, err := tx.DueDate("", r.CenterID, since, limit)
	if err != nil || !due.Before(today) {
		return err
	}
	done, err := tx.escalate(r, change{action: EventEscalated, plan: stay(r), note: due.String()})
	if done {
		run.StepEscalated++
	}
	return err
}

// stay is the plan of an event that leaves the request where it is.
func stay(r *request.Request) request.Plan {
	return request.Plan{From: r.Status, To: r.Status, FromStep: r.StepKey, ToStep: r.StepKey}
}

// StatutoryDeadline is the last day of a statutory deadline of days calendar days from
// submitted, extended by the calendar days the history shows the request waiting on the
// citizen (up to today for a wait still running).
func StatutoryDeadline(submitted markaz.Date, days int, hist []request.Event, today markaz.Date) markaz.Date {
	paused := 0
	var since markaz.Date
	for _, e := range hist {
		switch {
		case request.Waiting(e.To) && !request.Waiting(e.From):
			since = markaz.DateOf(e.At)
		case request.Waiting(e.From) && !request.Waiting(e.To) && !since.IsZero():
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
func stepStay(hist []request.Event, step string) (markaz.Date, int) {
	var since markaz.Date
	seq := 0
	for _, e := range hist {
		entered := e.ToStep == step && (e.FromStep != e.ToStep || e.Action == request.ActionRegister)
		resumed := e.ToStep == step && request.Waiting(e.From) && !request.Waiting(e.To)
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

// systemChange applies a change made by the system to r through changeRequest. done is
// false when the request changed meanwhile (left for the next run).
func (tx *Tx) systemChange(r *request.Request, c change) (done bool, err error) {
	return tx.changeRequest(ActorOf(nil), r, c)
}

// escalate records an escalation event on r (which sets its escalated marker, see
// changeRequest) and tells the center's managers, in one go.
func (tx *Tx) escalate(r *request.Request, c change) (done bool, err error) {
	if done, err = tx.systemChange(r, c); !done || err != nil {
		return done, err
	}
	reason := request.EscalationStep
	if c.action == EventStatutoryEscalated {
		reason = request.EscalationStatutory
	}
	return true, tx.notifyManagers(r, reason)
}

// moveDueDates recomputes, with DueDate, the due date of every open request at a center
// of the changed authority (the center; else the governorate's centers, wherever the
// requests were registered; else all) due on or after the change, and records a
// due_date_moved event (note "from → to") and an audit entry on each whose date changed
// — and only on those. It runs inside the calendar change's transaction, in batches of
// DeadlineBatchSize over ids.
func moveDueDates(tx *Tx, ch CalendarChange) error {
	cond, args := `r.due_date >= ? AND r.id > ?`, []any{ch.From, ""}
	switch {
	case ch.Center != "":
		cond, args = cond+` AND r.center_id = ?`, append(args, ch.Center)
	case ch.Gov != "":
		cond, args = cond+` AND r.center_id IN (SELECT id FROM centers WHERE gov_code = ?)`, append(args, ch.Gov)
	}
	for {
		rows, err := tx.openRequests(cond, args, DeadlineBatchSize)
		if err != nil {
			return err
		}
		for i := range rows {
			if err := tx.moveDueDate(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < DeadlineBatchSize {
			return nil
		}
		args[1] = rows[len(rows)-1].ID
	}
}

// moveDueDate recomputes one request's due date over its duration and pauses so far.
func (tx *Tx) moveDueDate(r *request.Request) error {
	due, err := tx.DueDate("", r.CenterID, r.SubmittedOn, r.WorkingDays+r.PausedDays)
	if err != nil || due == r.DueDate {
		return err
	}
	done, err := tx.systemChange(r, change{action: EventDueDateMoved, plan: stay(r), note: r.DueDate.String() + " → " + due.String(), due: due})
	if err == nil && !done {
		err = markaz.Errorf(markaz.EConflict, "error.stale")
	}
	return err
}
