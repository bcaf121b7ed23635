package request

import (
	"testing"
	"time"

	"markaz"
	"markaz/catalog"
)

func TestOwnedByNeedsNationalIDAndMobile(t *testing.T) {
	r := &Request{NationalID: "29503151300228", Mobile: "01012345670"}
	for _, c := range []struct {
		name, nid, mobile string
		want              bool
	}{
		{"both match", "29503151300228", "01012345670", true},
		{"mobile in another form", "29503151300228", "+20 10 1234 5670", true},
		{"another person on the same mobile", "29001011234567", "01012345670", false},
		{"the national ID on another mobile", "29503151300228", "01112345670", false},
		{"no national ID on the account", "", "01012345670", false},
		{"no mobile on the account", "29503151300228", "", false},
		{"a malformed mobile equal to the request's", "29503151300228", "0101234567", false},
	} {
		if got := OwnedBy(r, c.nid, c.mobile); got != c.want {
			t.Errorf("%s: OwnedBy = %v, want %v", c.name, got, c.want)
		}
	}
	if OwnedBy(&Request{NationalID: "", Mobile: ""}, "", "") {
		t.Error("an empty account owns an empty request")
	}
}

// The owner may take only "complete", only from returned, only at a step listing it —
// whatever the step's role.
func TestDecideOwner(t *testing.T) {
	steps := catalog.DefaultSteps()
	for _, c := range []struct {
		from, step, action string
		want               string // target status, or the error code
	}{
		{StatusReturned, "review", ActionComplete, StatusInReview},
		{StatusReturned, "decision", ActionComplete, StatusInReview},
		{StatusReturned, "intake", ActionComplete, markaz.EConflict},        // intake does not list complete
		{StatusReturned, "missing", ActionComplete, markaz.EConflict},       // unknown step
		{StatusAwaitingPayment, "review", ActionComplete, markaz.EConflict}, // fees are paid, not clicked
		{StatusInReview, "review", ActionComplete, markaz.EConflict},
		{StatusSubmitted, "intake", ActionComplete, markaz.EConflict},
		{StatusReturned, "review", ActionForward, markaz.EForbidden},
		{StatusReturned, "review", ActionCancel, markaz.EForbidden},
		{StatusInReview, "decision", ActionApprove, markaz.EForbidden},
		{StatusReady, "ready", ActionDeliver, markaz.EForbidden},
		{StatusInReview, "review", ActionRequestPayment, markaz.EForbidden},
	} {
		plan, err := DecideOwner(steps, c.from, c.step, c.action)
		got := plan.To
		if err != nil {
			got = markaz.ErrorCode(err)
		}
		if got != c.want {
			t.Errorf("%s at %s/%s: got %s, want %s", c.action, c.from, c.step, got, c.want)
		}
		if err == nil && (plan.From != c.from || plan.FromStep != c.step || plan.ToStep != c.step) {
			t.Errorf("%s at %s/%s: plan %+v moves the step", c.action, c.from, c.step, plan)
		}
	}
	// The same request, acted on by a citizen through Decide (as staff), is refused: the
	// owner's way is DecideOwner only.
	cit := &markaz.Principal{UserID: "u", Assignments: []markaz.Assignment{{Role: markaz.RoleCitizen, Level: markaz.LevelNation}}}
	if _, err := Decide(steps, StatusReturned, "review", ActionComplete, cit, ref); markaz.ErrorCode(err) != markaz.EForbidden {
		t.Errorf("a citizen through Decide: %v", err)
	}
}

func TestCitizenHistoryShowsStatusesNotStaff(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 3, 15, h, 0, 0, 0, time.UTC) }
	events := []Event{
		{Seq: 1, At: at(8), UserID: "me", Username: "01012345670", Action: ActionRegister, To: StatusSubmitted, Note: "my note"},
		{Seq: 2, At: at(9), UserID: "clerk", Username: "clerk", Action: ActionForward, From: StatusSubmitted, To: StatusInReview, Note: "looks fine"},
		{Seq: 3, At: at(10), UserID: "back", Username: "backoffice", Action: ActionForward, From: StatusInReview, To: StatusInReview, Note: "internal"},
		{Seq: 4, At: at(11), UserID: "", Username: "system", Action: "escalated", From: StatusInReview, To: StatusInReview},
		{Seq: 5, At: at(12), UserID: "back", Username: "backoffice", Action: ActionReturn, From: StatusInReview, To: StatusReturned, Note: "clear copy please"},
		{Seq: 6, At: at(13), UserID: "me", Username: "01012345670", Action: ActionComplete, From: StatusReturned, To: StatusInReview, Note: "uploaded it"},
		{Seq: 7, At: at(14), UserID: "mgr", Username: "manager", Action: ActionReject, From: StatusInReview, To: StatusRejected, Note: "staff reason"},
	}
	got := CitizenHistory(events, "me")
	want := []CitizenEvent{
		{At: at(8), Action: ActionRegister, Status: StatusSubmitted, Note: "my note"},
		{At: at(9), Action: ActionForward, Status: StatusInReview},
		{At: at(12), Action: ActionReturn, Status: StatusReturned, Note: "clear copy please"},
		{At: at(13), Action: ActionComplete, Status: StatusInReview, Note: "uploaded it"},
		{At: at(14), Action: ActionReject, Status: StatusRejected},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// A cancellation says why, to the citizen too.
	cancel := []Event{{Seq: 2, At: at(9), UserID: "clerk", Action: ActionCancel, From: StatusReturned, To: StatusCancelled, Note: "duplicate of 1301-0000-0012"}}
	if h := CitizenHistory(cancel, "me"); len(h) != 1 || h[0].Note != "duplicate of 1301-0000-0012" {
		t.Errorf("cancellation reason hidden: %+v", h)
	}
	// Someone else's view of a counter request: the registration note (the clerk's) stays in.
	if h := CitizenHistory(events[:1], "other"); len(h) != 1 || h[0].Note != "" {
		t.Errorf("a note not written for the citizen shows: %+v", h)
	}
}
