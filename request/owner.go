package request

import (
	"slices"
	"time"

	"markaz"
	"markaz/catalog"
)

// OwnedBy reports whether the citizen whose account holds national ID nationalID and
// the verified mobile number mobile owns request r: the request is for that national ID
// and its messages go to that number. Both, because neither suffices alone: the national
// ID is typed at sign-up and proven by nothing (anyone may know someone else's), and a
// family often shares one mobile number across several people's requests. An account
// lacking either owns nothing. This is the one ownership rule of citizens' requests
// (store.Tx.CitizenOwns applies it, and store's list of a citizen's requests selects by
// the same two columns).
func OwnedBy(r *Request, nationalID, mobile string) bool {
	m := markaz.NormaliseMobile(mobile)
	return len(nationalID) == 14 && nationalID == r.NationalID && markaz.ValidMobile(m) && m == r.Mobile
}

// ownerActions are the workflow actions the citizen who owns a request may take on it,
// from the statuses listed: bringing what was missing when the file came back to them.
// (Fees paid are the payment's business, not a click of the citizen's.)
var ownerActions = map[string][]string{ActionComplete: {StatusReturned}}

// DecideOwner checks one action by the citizen who owns the request (ownership is the
// caller's check, see OwnedBy), at status from and step stepKey of workflow steps: only
// the actions ownerActions lists, from their statuses, and only at a step that lists the
// action — the step's role does not matter, since the citizen acts on their own file and
// not as staff. EForbidden for any other action, EConflict when the workflow does not
// allow it now.
func DecideOwner(steps []catalog.Step, from, stepKey, action string) (Plan, error) {
	plan := Plan{From: from, FromStep: stepKey, ToStep: stepKey}
	allowed, ok := ownerActions[action]
	if !ok {
		return plan, markaz.ErrForbidden
	}
	to, ok := Next(action, from)
	if !ok || !slices.Contains(allowed, from) {
		return plan, markaz.Errorf(markaz.EConflict, "error.request_transition")
	}
	i := slices.IndexFunc(steps, func(s catalog.Step) bool { return s.Key == stepKey })
	if i < 0 || !slices.Contains(steps[i].Actions, action) {
		return plan, markaz.Errorf(markaz.EConflict, "error.request_step")
	}
	plan.To = to
	return plan, nil
}

// CitizenEvent is one entry of a request's history as its citizen sees it: when, what
// happened and the status it led to, and the note only where it was written for them.
type CitizenEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"` // register, a workflow action or a system event
	Status string    `json:"status"` // the status entered
	Note   string    `json:"note,omitempty"`
}

// CitizenHistory is what a citizen sees of a request's history: its registration and
// every change of status, without who made them (staff names stay inside), and notes
// only where they speak to the citizen — what is missing (return), why it was cancelled
// (cancel) — or are the citizen's own (the events of ownerUserID). Steps moving inside
// one status, escalations and due dates moved are staff matters and left out; the
// expected date the citizen sees already carries them.
func CitizenHistory(events []Event, ownerUserID string) []CitizenEvent {
	out := []CitizenEvent{}
	for _, e := range events {
		if e.Action != ActionRegister && e.From == e.To {
			continue
		}
		ce := CitizenEvent{At: e.At, Action: e.Action, Status: e.To}
		if e.Action == ActionReturn || e.Action == ActionCancel || ownerUserID != "" && e.UserID == ownerUserID {
			ce.Note = e.Note
		}
		out = append(out, ce)
	}
	return out
}
