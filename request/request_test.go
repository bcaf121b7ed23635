package request

import (
	"testing"
	"time"

	"markaz"
	"markaz/catalog"
)

var today = markaz.Date{Y: 2026, M: time.March, D: 15}

// allowed is every transition the status table permits; every other (action, status)
// pair must be refused.
var allowed = map[[2]string]string{
	{ActionForward, StatusSubmitted}:        StatusInReview,
	{ActionForward, StatusInReview}:         StatusInReview,
	{ActionForward, StatusApproved}:         StatusReady,
	{ActionForward, StatusDeemedApproved}:   StatusReady,
	{ActionReturn, StatusSubmitted}:         StatusReturned,
	{ActionReturn, StatusInReview}:          StatusReturned,
	{ActionComplete, StatusReturned}:        StatusInReview,
	{ActionComplete, StatusAwaitingPayment}: StatusInReview,
	{ActionRequestPayment, StatusInReview}:  StatusAwaitingPayment,
	{ActionApprove, StatusInReview}:         StatusApproved,
	{ActionReject, StatusInReview}:          StatusRejected,
	{ActionDeliver, StatusReady}:            StatusDelivered,
	{ActionCancel, StatusSubmitted}:         StatusCancelled,
	{ActionCancel, StatusInReview}:          StatusCancelled,
	{ActionCancel, StatusReturned}:          StatusCancelled,
	{ActionCancel, StatusAwaitingPayment}:   StatusCancelled,
}

func TestStatusTable(t *testing.T) {
	for _, a := range catalog.Actions {
		for _, s := range Statuses {
			to, ok := Next(a, s)
			want, wantOK := allowed[[2]string{a, s}]
			if ok != wantOK || to != want {
				t.Errorf("%s from %s: got %q %v, want %q %v", a, s, to, ok, want, wantOK)
			}
		}
	}
	for _, s := range []string{StatusRejected, StatusDelivered, StatusCancelled} {
		for _, a := range catalog.Actions {
			if _, ok := Next(a, s); ok {
				t.Errorf("terminal %s allows %s", s, a)
			}
		}
	}
}

const center = "c-13"

var ref = markaz.Ref{Gov: "13", Unit: "13-001", Center: center}

func who(role, level, code string) *markaz.Principal {
	a := markaz.Assignment{Role: role, Level: level}
	switch level {
	case markaz.LevelGovernorate:
		a.GovCode = code
	case markaz.LevelUnit:
		a.UnitCode = code
	case markaz.LevelCenter:
		a.CenterID = code
	}
	return &markaz.Principal{UserID: role, Username: role, Assignments: []markaz.Assignment{a}}
}

func TestDecide(t *testing.T) {
	steps := catalog.DefaultSteps() // intake(clerk) review(backoffice) decision(center_manager) ready(clerk)
	clerk := who(markaz.RoleClerk, markaz.LevelCenter, center)
	back := who(markaz.RoleBackOffice, markaz.LevelUnit, "13-001")
	mgr := who(markaz.RoleCenterManager, markaz.LevelCenter, center)
	otherClerk := who(markaz.RoleClerk, markaz.LevelCenter, "c-01")
	sup := who(markaz.RoleSupervisor, markaz.LevelGovernorate, "13")
	cases := []struct {
		name, status, step, action string
		p                          *markaz.Principal
		to, toStep, err            string
	}{
		{"clerk forwards intake", StatusSubmitted, "intake", ActionForward, clerk, StatusInReview, "review", ""},
		{"clerk cancels at intake", StatusSubmitted, "intake", ActionCancel, clerk, StatusCancelled, "intake", ""},
		{"clerk cannot return at intake", StatusSubmitted, "intake", ActionReturn, clerk, "", "", markaz.EConflict},
		{"backoffice returns", StatusInReview, "review", ActionReturn, back, StatusReturned, "review", ""},
		{"backoffice completes", StatusReturned, "review", ActionComplete, back, StatusInReview, "review", ""},
		{"backoffice asks payment", StatusInReview, "review", ActionRequestPayment, back, StatusAwaitingPayment, "review", ""},
		{"payment made", StatusAwaitingPayment, "review", ActionComplete, back, StatusInReview, "review", ""},
		{"backoffice forwards", StatusInReview, "review", ActionForward, back, StatusInReview, "decision", ""},
		{"backoffice cannot approve", StatusInReview, "review", ActionApprove, back, "", "", markaz.EConflict},
		{"clerk cannot act at review", StatusInReview, "review", ActionForward, clerk, "", "", markaz.EForbidden},
		{"manager approves", StatusInReview, "decision", ActionApprove, mgr, StatusApproved, "ready", ""},
		{"manager rejects", StatusInReview, "decision", ActionReject, mgr, StatusRejected, "decision", ""},
		{"manager returns", StatusInReview, "decision", ActionReturn, mgr, StatusReturned, "decision", ""},
		{"manager takes back a return", StatusReturned, "decision", ActionComplete, mgr, StatusInReview, "decision", ""},
		{"manager cancels at decision", StatusInReview, "decision", ActionCancel, mgr, StatusCancelled, "decision", ""},
		{"manager cancels a return", StatusReturned, "decision", ActionCancel, mgr, StatusCancelled, "decision", ""},
		{"backoffice cannot decide", StatusInReview, "decision", ActionApprove, back, "", "", markaz.EForbidden},
		{"clerk readies result", StatusApproved, "ready", ActionForward, clerk, StatusReady, "ready", ""},
		{"clerk readies deemed approval", StatusDeemedApproved, "ready", ActionForward, clerk, StatusReady, "ready", ""},
		{"clerk delivers", StatusReady, "ready", ActionDeliver, clerk, StatusDelivered, "ready", ""},
		{"deliver from submitted", StatusSubmitted, "intake", ActionDeliver, clerk, "", "", markaz.EConflict},
		{"approve from submitted", StatusSubmitted, "intake", ActionApprove, mgr, "", "", markaz.EConflict},
		{"deliver approved not ready", StatusApproved, "ready", ActionDeliver, clerk, "", "", markaz.EConflict},
		{"other center's clerk", StatusSubmitted, "intake", ActionForward, otherClerk, "", "", markaz.EForbidden},
		{"supervisor reads only", StatusSubmitted, "intake", ActionForward, sup, "", "", markaz.EForbidden},
		{"unknown step", StatusSubmitted, "nowhere", ActionForward, clerk, "", "", markaz.EConflict},
		{"nothing after last step", StatusInReview, "ready", ActionForward, clerk, "", "", markaz.EConflict},
		{"cancel after decision", StatusApproved, "ready", ActionCancel, clerk, "", "", markaz.EConflict},
		// The system (nil principal) takes only its own actions, by its own status table.
		{"system deems submitted approved", StatusSubmitted, "intake", ActionDeemApprove, nil, StatusDeemedApproved, "ready", ""},
		{"system deems in review approved", StatusInReview, "decision", ActionDeemApprove, nil, StatusDeemedApproved, "ready", ""},
		{"system cannot deem a paused request", StatusReturned, "review", ActionDeemApprove, nil, "", "", markaz.EConflict},
		{"system cannot deem awaiting payment", StatusAwaitingPayment, "review", ActionDeemApprove, nil, "", "", markaz.EConflict},
		{"system cannot deem a rejection", StatusRejected, "decision", ActionDeemApprove, nil, "", "", markaz.EConflict},
		{"system cannot deem a delivery", StatusDelivered, "ready", ActionDeemApprove, nil, "", "", markaz.EConflict},
		{"system cannot deem a cancellation", StatusCancelled, "intake", ActionDeemApprove, nil, "", "", markaz.EConflict},
		{"system at unknown step", StatusInReview, "nowhere", ActionDeemApprove, nil, "", "", markaz.EConflict},
		{"system takes no workflow action", StatusInReview, "decision", ActionApprove, nil, "", "", markaz.EConflict},
		{"manager cannot deem approved", StatusInReview, "decision", ActionDeemApprove, mgr, "", "", markaz.EConflict},
	}
	for _, c := range cases {
		plan, err := Decide(steps, c.status, c.step, c.action, c.p, ref)
		if c.err != "" {
			if markaz.ErrorCode(err) != c.err {
				t.Errorf("%s: got %v, want %s", c.name, err, c.err)
			}
			continue
		}
		if err != nil || plan.To != c.to || plan.ToStep != c.toStep || plan.From != c.status {
			t.Errorf("%s: got %+v %v, want %s/%s", c.name, plan, err, c.to, c.toStep)
		}
	}
}

func TestMayActLevels(t *testing.T) {
	for _, c := range []struct {
		p    *markaz.Principal
		role string
		want bool
	}{
		{who(markaz.RoleBackOffice, markaz.LevelUnit, "13-001"), markaz.RoleBackOffice, true},
		{who(markaz.RoleBackOffice, markaz.LevelUnit, "13-002"), markaz.RoleBackOffice, false},
		{who(markaz.RoleBackOffice, markaz.LevelCenter, center), markaz.RoleBackOffice, true},
		{who(markaz.RoleBackOffice, markaz.LevelCenter, center), markaz.RoleClerk, false},
		{who(markaz.RoleHead, markaz.LevelUnit, "13-001"), markaz.RoleHead, false}, // no requests.write
		{nil, markaz.RoleClerk, false},
	} {
		if got := MayAct(c.p, c.role, ref); got != c.want {
			t.Errorf("%+v as %s: %v", c.p, c.role, got)
		}
	}
}

func TestCheckAction(t *testing.T) {
	for _, c := range []struct {
		action, note, verify string
		want                 map[string]string // field → code; nil for valid
	}{
		{ActionCancel, "", "", map[string]string{"note": "required"}},
		{ActionCancel, "applicant withdrew", "", nil},
		{ActionReturn, "", "", map[string]string{"note": "required"}},
		{"explode", "", "", map[string]string{"action": "one_of"}},
		{ActionForward, string(make([]byte, MaxNoteLength+1)), "", map[string]string{"note": "too_long"}},
		{ActionDeliver, "", "", map[string]string{"note": "required", "verify": "required"}},
		{ActionDeliver, "the applicant", "12a4", map[string]string{"verify": "last4_format"}},
		{ActionDeliver, "the applicant", "12345", map[string]string{"verify": "last4_format"}},
		{ActionDeliver, "the applicant", "١٢٣٤", nil},
		{ActionForward, "", "", nil},
	} {
		err := CheckAction(c.action, c.note, c.verify)
		got := fields(err)
		if c.want == nil && err != nil || c.want != nil && len(got) != len(c.want) {
			t.Errorf("%s %q %q: got %v, want %v", c.action, c.note, c.verify, got, c.want)
			continue
		}
		for f, code := range c.want {
			if got[f] != code && !(code == "too_long" && got[f] != "") {
				t.Errorf("%s %q %q: %s got %q, want %q", c.action, c.note, c.verify, f, got[f], code)
			}
		}
	}
}

func TestVerifiesApplicant(t *testing.T) {
	for _, c := range []struct {
		nid, verify string
		want        bool
	}{
		{"29001011301234", "1234", true},
		{"29001011301234", " ١٢٣٤ ", true},
		{"29001011301234", "1235", false},
		{"29001011301234", "234", false},
		{"29001011301234", "", false},
		{"12", "0012", false},
	} {
		if got := VerifiesApplicant(c.nid, c.verify); got != c.want {
			t.Errorf("%q %q: %v", c.nid, c.verify, got)
		}
	}
}

// TestDefaultWorkflow walks every (step, status) a request can reach in the default
// workflow, from registration, by every action of the people who hold the step's role and
// by the system, and checks that each state offers exactly the actions listed here: none
// is stuck, and none needs a generous reading of the step list.
func TestDefaultWorkflow(t *testing.T) {
	steps := catalog.DefaultSteps()
	staff := []*markaz.Principal{who(markaz.RoleClerk, markaz.LevelCenter, center),
		who(markaz.RoleBackOffice, markaz.LevelUnit, "13-001"), who(markaz.RoleCenterManager, markaz.LevelCenter, center)}
	want := map[[2]string][]string{
		{"intake", StatusSubmitted}:        {ActionForward, ActionCancel},
		{"review", StatusInReview}:         {ActionForward, ActionReturn, ActionRequestPayment, ActionCancel},
		{"review", StatusReturned}:         {ActionComplete, ActionCancel},
		{"review", StatusAwaitingPayment}:  {ActionComplete, ActionCancel},
		{"decision", StatusInReview}:       {ActionReturn, ActionApprove, ActionReject, ActionCancel},
		{"decision", StatusReturned}:       {ActionComplete, ActionCancel},
		{"decision", StatusRejected}:       nil,
		{"ready", StatusApproved}:          {ActionForward},
		{"ready", StatusDeemedApproved}:    {ActionForward},
		{"ready", StatusReady}:             {ActionDeliver},
		{"ready", StatusDelivered}:         nil,
		{"intake", StatusCancelled}:        nil,
		{"review", StatusCancelled}:        nil,
		{"decision", StatusCancelled}:      nil,
		{"intake", StatusDeemedApproved}:   nil, // never: deemed approval moves to the hand-over step
		{"review", StatusDeemedApproved}:   nil,
		{"decision", StatusDeemedApproved}: nil,
	}
	seen := map[[2]string]bool{}
	queue := [][2]string{{steps[0].Key, StatusSubmitted}}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		if seen[st] {
			continue
		}
		seen[st] = true
		exp, ok := want[st]
		if !ok {
			t.Errorf("unexpected state %v", st)
			continue
		}
		var got []string
		for _, a := range catalog.Actions {
			for _, p := range staff {
				plan, err := Decide(steps, st[1], st[0], a, p, ref)
				if err == nil {
					got = append(got, a)
					queue = append(queue, [2]string{plan.ToStep, plan.To})
					break
				}
			}
		}
		if plan, err := Decide(steps, st[1], st[0], ActionDeemApprove, nil, ref); err == nil {
			queue = append(queue, [2]string{plan.ToStep, plan.To})
		}
		if !slicesEqualSet(got, exp) {
			t.Errorf("%v offers %v, want %v", st, got, exp)
		}
	}
	for st, exp := range want {
		if exp != nil && !seen[st] {
			t.Errorf("state %v never reached", st)
		}
	}
}

func slicesEqualSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

// TestStepListReadLiterally: an action the step does not list is refused, whatever the
// status table allows (the old generous readings are gone).
func TestStepListReadLiterally(t *testing.T) {
	steps := []catalog.Step{{Key: "a", Role: markaz.RoleBackOffice, Actions: []string{ActionReturn, ActionApprove}},
		{Key: "b", Role: markaz.RoleClerk, Actions: []string{ActionDeliver}}}
	back := who(markaz.RoleBackOffice, markaz.LevelUnit, "13-001")
	clerk := who(markaz.RoleClerk, markaz.LevelCenter, center)
	if _, err := Decide(steps, StatusReturned, "a", ActionComplete, back, ref); markaz.ErrorCode(err) != markaz.EConflict {
		t.Errorf("complete at a step listing only return: %v", err)
	}
	if _, err := Decide(steps, StatusApproved, "b", ActionForward, clerk, ref); markaz.ErrorCode(err) != markaz.EConflict {
		t.Errorf("forward at a step listing only deliver: %v", err)
	}
}

func TestKeepEscalation(t *testing.T) {
	for _, c := range []struct {
		name, reason string
		plan         Plan
		want         bool
	}{
		{"step: event at the same step", EscalationStep, Plan{StatusInReview, StatusInReview, "review", "review"}, true},
		{"step: forwarded to the next step", EscalationStep, Plan{StatusInReview, StatusInReview, "review", "decision"}, false},
		{"step: returned to the citizen", EscalationStep, Plan{StatusInReview, StatusReturned, "review", "review"}, false},
		{"step: decided", EscalationStep, Plan{StatusInReview, StatusApproved, "decision", "ready"}, false},
		{"statutory: forwarded", EscalationStatutory, Plan{StatusInReview, StatusInReview, "review", "decision"}, true},
		{"statutory: returned", EscalationStatutory, Plan{StatusInReview, StatusReturned, "review", "review"}, true},
		{"statutory: rejected", EscalationStatutory, Plan{StatusInReview, StatusRejected, "decision", "decision"}, false},
		{"statutory: cancelled", EscalationStatutory, Plan{StatusReturned, StatusCancelled, "review", "review"}, false},
	} {
		if got := KeepEscalation(c.reason, c.plan); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := Registration{ServiceCode: "SHOP-LIC", Applicant: Applicant{NationalID: "29001011301234", Name: "محمد أحمد",
		Mobile: "01001234567"}, Channel: ChannelCounter, Documents: []string{"ID copy"}}
	b := a
	b.Documents = []string{"ID copy"}
	if a.Fingerprint() != b.Fingerprint() || len(a.Fingerprint()) != 64 {
		t.Errorf("same registration, different fingerprints: %s %s", a.Fingerprint(), b.Fingerprint())
	}
	for name, change := range map[string]func(r *Registration){
		"service":  func(r *Registration) { r.ServiceCode = "OTHER" },
		"name":     func(r *Registration) { r.Applicant.Name = "أحمد محمد" },
		"mobile":   func(r *Registration) { r.Applicant.Mobile = "01001234568" },
		"nid":      func(r *Registration) { r.Applicant.NationalID = "29001011301235" },
		"document": func(r *Registration) { r.Documents = []string{"ID copy", "Lease"} },
		"notes":    func(r *Registration) { r.Notes = "x" },
		"center":   func(r *Registration) { r.CenterID = "c" },
		"channel":  func(r *Registration) { r.Channel = ChannelOnline },
		// A field boundary cannot be moved without changing the fingerprint.
		"split": func(r *Registration) { r.Applicant.Name, r.Notes = "محمد", "أحمد" },
	} {
		c := a
		c.Documents = append([]string{}, a.Documents...)
		change(&c)
		if c.Fingerprint() == a.Fingerprint() {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*markaz.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestRegistrationValidate(t *testing.T) {
	good := Registration{ServiceCode: " shop-lic ", Applicant: Applicant{NationalID: "٢٩٠٠١٠١١٣٠١٢٣٤",
		Name: "  محمد   أحمد ", Mobile: "+20 100 123 4567"}, Documents: []string{" ID copy "}}
	ws, err := good.Validate(today)
	if err != nil {
		t.Fatal(err)
	}
	if good.ServiceCode != "SHOP-LIC" || good.Channel != ChannelCounter || good.Applicant.Mobile != "01001234567" ||
		good.Applicant.NationalID != "29001011301234" || good.Applicant.Name != "محمد أحمد" || good.Documents[0] != "ID copy" {
		t.Errorf("normalised: %+v", good)
	}
	_ = ws // the check digit of this made-up ID may or may not match; a warning either way, never an error
	bad := Registration{ServiceCode: "bad code", Applicant: Applicant{NationalID: "1234", Mobile: "0991"},
		Channel: "fax", Documents: []string{""}, CenterID: "x y"}
	_, err = bad.Validate(today)
	want := map[string]string{"service_code": "code_format", "applicant.national_id": "nid_length",
		"applicant.name": "required", "applicant.mobile": "mobile_format", "channel": "one_of",
		"documents[0]": "required", "center_id": "unknown_center"}
	got := fields(err)
	for f, c := range want {
		if got[f] != c {
			t.Errorf("%s: got %q, want %q (all: %v)", f, got[f], c, got)
		}
	}
}
