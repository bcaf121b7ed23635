package store

// Deadlines: what the system does on its own to open requests as time passes.
//
//   - The daily job (kind JobDeadlines, run by worker.Deadlines) applies the rules of
//     request.Deadlines to every open request (statutory deemed approval or escalation,
//     steps overstaying their limit escalated to the center manager) in batches
//     (DeadlineBatch).
//   - A calendar change (a holiday added, imported or retired; a weekly rest changed)
//     recomputes the due dates of the open requests it may move, in the transaction of
//     the change (moveDueDates, registered with OnCalendarChange at package init so that
//     every DB, however opened, has it).
//
// Choices made here:
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
	"strings"
	"time"

	"markaz"
	"markaz/calendar"
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
	EventEscalated          = request.EventEscalated
	EventStatutoryEscalated = request.EventStatutoryEscalated
	EventDueDateMoved       = request.EventDueDateMoved
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

// requestDeadlines makes the changes request.Deadlines lists for one open request today,
// in order, stopping after a decision or when the request changed meanwhile.
func (tx *Tx) requestDeadlines(r *request.Request, svc *catalog.Service, hist []request.Event, run *DeadlineRun) error {
	changes, err := request.Deadlines(r, svc, hist, tx.Today(), func() (*calendar.Calendar, error) {
		return tx.CalendarFor("", r.CenterID)
	})
	if err != nil {
		return err
	}
	for _, c := range changes {
		ch := change{action: c.Action, plan: c.Plan, note: c.Due.String()}
		var done bool
		if c.Action == request.ActionDeemApprove {
			done, err = tx.systemChange(r, ch)
		} else {
			done, err = tx.escalate(r, ch)
		}
		if err != nil || !done {
			return err
		}
		switch c.Action {
		case request.ActionDeemApprove:
			run.Deemed++
		case EventStatutoryEscalated:
			run.StatutoryEscalated++
		case EventEscalated:
			run.StepEscalated++
		}
		if request.Decided(r.Status) {
			return nil
		}
	}
	return nil
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
	done, err := tx.systemChange(r, change{action: EventDueDateMoved, plan: r.Stay(), note: r.DueDate.String() + " → " + due.String(), due: due})
	if err == nil && !done {
		err = markaz.Errorf(markaz.EConflict, "error.stale")
	}
	return err
}
