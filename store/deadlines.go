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
//     transition, to the hand-over step; escalate records one "statutory_escalated" event,
//     which is the request's escalation flag (the history is the record: no column).
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
		return tx.CalendarFor(r.GovCode, r.CenterID)
	})
	if err != nil {
		return err
	}
	for _, c := range changes {
		done, err := tx.systemChange(r, c.Action, c.Plan, c.Due.String())
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

// systemChange applies a change made by the system to r: the plan's status and step
// (unchanged for a mere event), the version bumped by an UPDATE conditional on the
// version and status read, the event, the audit entry and, for a decision, the
// citizen's message. done is false when the request changed meanwhile (left for the next
// run).
func (tx *Tx) systemChange(r *request.Request, action string, plan request.Plan, note string) (done bool, err error) {
	before := auditView(r)
	moved := *r
	if err := moved.Apply(plan, nil, tx.Now); err != nil {
		return false, err
	}
	res, err := tx.Exec(`UPDATE requests SET status = ?, step_key = ?, decided_at = ?, version = version + 1,
		updated_at = ? WHERE id = ? AND version = ? AND status = ?`, moved.Status, moved.StepKey, moved.DecidedAt, tx.Now,
		r.ID, r.Version, plan.From)
	if err != nil || rowsAffected(res) != 1 {
		return false, err
	}
	*r = moved
	r.UpdatedAt = tx.Now
	return true, tx.recordSystemChange(r, action, plan, note, before)
}

// recordSystemChange writes the event and audit entry of a system change already made
// to r (whose Version is the one before it), and tells the citizen of a change of status
// they are told about (a deemed approval is a decision).
func (tx *Tx) recordSystemChange(r *request.Request, action string, plan request.Plan, note string, before map[string]any) error {
	r.Version++
	actor := ActorOf(nil)
	ev := request.Event{Seq: r.Version, Action: action, From: plan.From, To: plan.To, FromStep: plan.FromStep,
		ToStep: plan.ToStep, Note: note}
	if err := tx.requestEvent(actor, r.ID, ev); err != nil {
		return err
	}
	if err := tx.Audit(actor, "request."+action, "request", r.ID, r.Ref(), before, auditView(r)); err != nil {
		return err
	}
	if plan.To == plan.From {
		return nil // the citizen is told of status changes only
	}
	return tx.notifyCitizen(r, action, "")
}

// moveDueDates recomputes, with DueDate, the due date of every open request of the
// changed authority (all for a national change, the governorate's otherwise) due on or
// after the change, and records a due_date_moved event (note "from → to") and an audit
// entry on each whose date changed. It runs inside the calendar change's transaction,
// in batches of DeadlineBatchSize over ids.
func moveDueDates(tx *Tx, ch CalendarChange) error {
	cond, args := `r.due_date >= ? AND r.id > ?`, []any{ch.From, ""}
	if ch.Gov != "" {
		cond, args = cond+` AND r.gov_code = ?`, append(args, ch.Gov)
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
	due, err := tx.DueDate(r.GovCode, r.CenterID, r.SubmittedOn, r.WorkingDays+r.PausedDays)
	if err != nil || due == r.DueDate {
		return err
	}
	before, from := auditView(r), r.DueDate
	res, err := tx.Exec(`UPDATE requests SET due_date = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`, due, tx.Now, r.ID, r.Version)
	if err != nil {
		return err
	}
	if rowsAffected(res) != 1 {
		return markaz.Errorf(markaz.EConflict, "error.stale")
	}
	r.DueDate, r.UpdatedAt = due, tx.Now
	return tx.recordSystemChange(r, EventDueDateMoved, r.Stay(), from.String()+" → "+due.String(), before)
}
