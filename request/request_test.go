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
		{"manager cannot cancel at decision", StatusInReview, "decision", ActionCancel, mgr, "", "", markaz.EConflict},
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
	if err := CheckAction(ActionCancel, ""); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Errorf("cancel without reason: %v", err)
	}
	if err := CheckAction(ActionCancel, "applicant withdrew"); err != nil {
		t.Error(err)
	}
	if err := CheckAction(ActionReturn, ""); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Errorf("return without saying what is missing: %v", err)
	}
	if err := CheckAction("explode", ""); markaz.ErrorCode(err) != markaz.EInvalid {
		t.Errorf("unknown action: %v", err)
	}
	if err := CheckAction(ActionForward, string(make([]byte, MaxNoteLength+1))); err == nil {
		t.Error("long note accepted")
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
