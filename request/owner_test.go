package request

import (
	"testing"

	"markaz"
	"markaz/catalog"
)

func TestOwnedBy(t *testing.T) {
	r := &Request{Mobile: "01001234567"}
	for mobile, want := range map[string]bool{"01001234567": true, "+20 100 123 4567": true, "٠١٠٠١٢٣٤٥٦٧": true,
		"01001234568": false, "": false, "1234": false} {
		if got := OwnedBy(r, mobile); got != want {
			t.Errorf("OwnedBy(%q) = %v", mobile, got)
		}
	}
	if OwnedBy(&Request{}, "") {
		t.Error("an empty mobile owns a request without one")
	}
}

// Fees paid: the system completes a request awaiting payment at the step where payment
// was asked for, and nothing else.
func TestSystemCompletesAPaidRequest(t *testing.T) {
	steps := catalog.DefaultSteps()
	plan, err := Decide(steps, StatusAwaitingPayment, "review", ActionComplete, nil, markaz.Ref{})
	if err != nil || plan.To != StatusInReview || plan.ToStep != "review" {
		t.Fatalf("system complete: %+v %v", plan, err)
	}
	for _, from := range []string{StatusReturned, StatusInReview, StatusSubmitted} {
		if _, err := Decide(steps, from, "review", ActionComplete, nil, markaz.Ref{}); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("system complete from %s: %v", from, err)
		}
	}
	if plan, err := Decide(steps, StatusInReview, "review", ActionDeemApprove, nil, markaz.Ref{}); err != nil || plan.ToStep != "ready" {
		t.Errorf("a deemed approval still goes to hand-over: %+v %v", plan, err)
	}
}
