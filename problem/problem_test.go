package problem

import (
	"slices"
	"strings"
	"testing"
	"time"

	"markaz"
)

var (
	reporter = Sides{Reporter: true}
	triage   = Sides{Triage: true}
	team     = Sides{Team: true}
	nobody   = Sides{}
)

// allowed is every (action, status, side) the table permits, with the status it leads to;
// every other combination must be refused.
var allowed = map[[3]string]string{}

func allow(action, to string, side string, from ...string) {
	for _, f := range from {
		t := to
		if t == "" {
			t = f
		}
		allowed[[3]string{action, f, side}] = t
	}
}

func init() {
	open := OpenStatuses
	allow(ActionAccept, StatusAccepted, "triage", StatusReported, StatusReopened)
	allow(ActionReclassify, "", "triage", open...)
	allow(ActionEscalate, StatusEscalated, "triage", open...)
	allow(ActionStart, StatusInProgress, "team", StatusEscalated, StatusReopened)
	for _, side := range []string{"reporter", "triage", "team"} {
		allow(ActionComment, "", side, append(slices.Clone(open), StatusResolved)...)
	}
	allow(ActionResolve, StatusResolved, "triage", open...)
	allow(ActionResolve, StatusResolved, "team", StatusEscalated, StatusInProgress, StatusReopened)
	allow(ActionConfirm, StatusClosed, "reporter", StatusResolved)
	allow(ActionReopen, StatusReopened, "reporter", StatusResolved)
	allow(ActionReopen, StatusReopened, "triage", StatusResolved)
	allow(ActionMerge, StatusMerged, "triage", open...)
}

// Every action from every status by every single side: allowed exactly where the table
// says, to the status it says; a side that may never take the action is forbidden, one
// that may but not now gets a conflict.
func TestTransitionTable(t *testing.T) {
	sides := map[string]Sides{"reporter": reporter, "triage": triage, "team": team, "nobody": nobody}
	for _, a := range Actions {
		for _, s := range Statuses {
			for name, side := range sides {
				to, err := Decide(a, s, TargetVendor, side)
				want, ok := allowed[[3]string{a, s, name}]
				switch {
				case ok && (err != nil || to != want):
					t.Errorf("%s by %s from %s: %q %v, want %q", a, name, s, to, err, want)
				case !ok && err == nil:
					t.Errorf("%s by %s from %s: allowed (to %s)", a, name, s, to)
				case !ok:
					mayEver := false
					for k := range allowed {
						mayEver = mayEver || k[0] == a && k[2] == name
					}
					wantCode := markaz.EConflict
					if !mayEver {
						wantCode = markaz.EForbidden
					}
					if got := markaz.ErrorCode(err); got != wantCode {
						t.Errorf("%s by %s from %s: %s, want %s", a, name, s, got, wantCode)
					}
				}
			}
		}
	}
	for _, s := range []string{StatusClosed, StatusMerged} {
		if got := Allowed(s, TargetVendor, Sides{Reporter: true, Triage: true, Team: true}); len(got) != 0 {
			t.Errorf("terminal %s allows %v", s, got)
		}
	}
}

func TestWhoMayDoWhat(t *testing.T) {
	cases := []struct {
		name, action, from, target string
		sides                      Sides
		to, err                    string
	}{
		{"supervisor accepts a new report", ActionAccept, StatusReported, "", triage, StatusAccepted, ""},
		{"clerk cannot accept", ActionAccept, StatusReported, "", reporter, "", markaz.EForbidden},
		{"agent cannot accept", ActionAccept, StatusReported, "", team, "", markaz.EForbidden},
		{"supervisor escalates to the vendor", ActionEscalate, StatusAccepted, "", triage, StatusEscalated, ""},
		{"supervisor re-routes an escalated ticket", ActionEscalate, StatusInProgress, TargetVendor, triage, StatusEscalated, ""},
		{"clerk cannot escalate", ActionEscalate, StatusReported, "", reporter, "", markaz.EForbidden},
		{"agent starts work", ActionStart, StatusEscalated, TargetVendor, team, StatusInProgress, ""},
		{"agent starts a reopened escalated ticket", ActionStart, StatusReopened, TargetVendor, team, StatusInProgress, ""},
		{"no team starts a ticket handled locally", ActionStart, StatusReopened, "", team, "", markaz.EConflict},
		{"supervisor does not start work", ActionStart, StatusEscalated, TargetVendor, triage, "", markaz.EForbidden},
		{"agent resolves", ActionResolve, StatusInProgress, TargetVendor, team, StatusResolved, ""},
		{"agent cannot resolve before escalation", ActionResolve, StatusReported, "", team, "", markaz.EConflict},
		{"supervisor resolves locally", ActionResolve, StatusReported, "", triage, StatusResolved, ""},
		{"clerk cannot resolve", ActionResolve, StatusAccepted, "", reporter, "", markaz.EForbidden},
		{"clerk confirms a resolution", ActionConfirm, StatusResolved, "", reporter, StatusClosed, ""},
		{"supervisor cannot confirm for the center", ActionConfirm, StatusResolved, "", triage, "", markaz.EForbidden},
		{"clerk reopens", ActionReopen, StatusResolved, TargetVendor, reporter, StatusReopened, ""},
		{"agent cannot reopen its own resolution", ActionReopen, StatusResolved, TargetVendor, team, "", markaz.EForbidden},
		{"a closed ticket is not reopened", ActionReopen, StatusClosed, "", reporter, "", markaz.EConflict},
		{"supervisor merges a duplicate", ActionMerge, StatusReported, "", triage, StatusMerged, ""},
		{"a resolved ticket is not merged", ActionMerge, StatusResolved, "", triage, "", markaz.EConflict},
		{"agent comments", ActionComment, StatusInProgress, TargetVendor, team, StatusInProgress, ""},
		{"nobody comments", ActionComment, StatusInProgress, TargetVendor, nobody, "", markaz.EForbidden},
		{"no comment on a merged ticket", ActionComment, StatusMerged, "", triage, "", markaz.EConflict},
		{"an unknown action conflicts", "delete", StatusReported, "", triage, "", markaz.EConflict},
	}
	for _, c := range cases {
		to, err := Decide(c.action, c.from, c.target, c.sides)
		if c.err == "" && (err != nil || to != c.to) || c.err != "" && markaz.ErrorCode(err) != c.err {
			t.Errorf("%s: %q %v, want %q %s", c.name, to, err, c.to, c.err)
		}
	}
	// A supervisor who also reports: both sides' actions are offered.
	got := Allowed(StatusResolved, "", Sides{Reporter: true, Triage: true})
	if !slices.Equal(got, []string{ActionConfirm, ActionReopen, ActionComment}) {
		t.Errorf("allowed: %v", got)
	}
}

func TestReportValidate(t *testing.T) {
	r := Report{Category: "network", Title: "  الشبكة   مقطوعة ", Description: " لا يوجد اتصال منذ الصباح "}
	if err := r.Validate(); err != nil || r.Severity != SeverityMedium || r.Title != "الشبكة مقطوعة" {
		t.Fatalf("%+v %v", r, err)
	}
	bad := Report{Category: "weather", Severity: "urgent", Title: strings.Repeat("x", MaxTitle+1),
		CenterID: "bad id!", EquipmentID: "x y"}
	err := bad.Validate()
	want := map[string]string{"category": "one_of", "severity": "one_of", "title": "too_long",
		"description": "required", "center_id": "unknown_center", "equipment_id": "unknown_equipment"}
	checkFields(t, err, want)
}

func TestActValidate(t *testing.T) {
	cases := []struct {
		act  Act
		want map[string]string
	}{
		{Act{Action: "escalate"}, map[string]string{"target": "required"}},
		{Act{Action: "escalate", Target: "moon"}, map[string]string{"target": "one_of"}},
		{Act{Action: "escalate", Target: "vendor", Severity: "high"}, nil},
		{Act{Action: "resolve"}, map[string]string{"note": "required"}},
		{Act{Action: "resolve", Note: "replaced the cable", Target: "vendor"}, map[string]string{"target": "not_for_action"}},
		{Act{Action: "reopen", Note: "  "}, map[string]string{"note": "required"}},
		{Act{Action: "comment", Note: strings.Repeat("ن", MaxNote+1)}, map[string]string{"note": "too_long"}},
		{Act{Action: "reclassify"}, map[string]string{"category": "nothing_changed"}},
		{Act{Action: "reclassify", Category: "hardware"}, nil},
		{Act{Action: "merge"}, map[string]string{"into": "required"}},
		{Act{Action: "merge", Into: "not an id"}, map[string]string{"into": "unknown_problem"}},
		{Act{Action: "accept", Into: "abc"}, map[string]string{"into": "not_for_action"}},
		{Act{Action: "confirm", Category: "network"}, map[string]string{"category": "not_for_action"}},
		{Act{Action: "fly"}, map[string]string{"action": "one_of"}},
		{Act{}, map[string]string{"action": "required"}},
	}
	for _, c := range cases {
		err := c.act.Validate()
		if c.want == nil {
			if err != nil {
				t.Errorf("%+v: %v", c.act, err)
			}
			continue
		}
		checkFields(t, err, c.want)
	}
}

func checkFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	e, ok := err.(*markaz.Error)
	if !ok {
		t.Fatalf("want field errors %v, got %v", want, err)
	}
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Field] = f.Code
	}
	for f, c := range want {
		if got[f] != c {
			t.Errorf("field %s: %q, want %q (all: %v)", f, got[f], c, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

func TestMedianAndHours(t *testing.T) {
	if m, ok := Median(nil); ok || m != 0 {
		t.Error("median of nothing")
	}
	if m, _ := Median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("odd median %v", m)
	}
	if m, _ := Median([]float64{4, 1, 3, 10}); m != 3.5 {
		t.Errorf("even median %v", m)
	}
	// Across the autumn change of 2024 (31 October had 25 hours in Cairo) elapsed hours count.
	from := time.Date(2024, 10, 30, 12, 0, 0, 0, markaz.Cairo)
	to := time.Date(2024, 11, 1, 12, 0, 0, 0, markaz.Cairo)
	if h := Hours(from, to); h != 49 {
		t.Errorf("hours across DST end: %v", h)
	}
	if h := Hours(from, from.Add(100*time.Minute)); h != 1.7 {
		t.Errorf("rounded hours: %v", h)
	}
}
