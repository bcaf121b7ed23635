package catalog

import (
	"testing"

	"markaz"
)

func day(s string) markaz.Date {
	d, err := markaz.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestDurationOn(t *testing.T) {
	vs := []DurationVersion{{ID: "a", WorkingDays: 10, EffectiveFrom: day("2020-01-01")},
		{ID: "b", WorkingDays: 7, EffectiveFrom: day("2026-04-01")},
		{ID: "c", WorkingDays: 5, EffectiveFrom: day("2026-04-01")}}
	cases := map[string]string{"2019-12-31": "", "2020-01-01": "a", "2026-03-31": "a", "2026-04-01": "c", "2030-01-01": "c"}
	for d, want := range cases {
		got, ok := DurationOn(vs, day(d))
		if want == "" && ok || want != "" && got.ID != want {
			t.Errorf("%s: got %q %v, want %q", d, got.ID, ok, want)
		}
	}
}

func TestFeesOnOverrideWinsOnlyInItsGovernorate(t *testing.T) {
	vs := []FeeVersion{{ID: "n1", EffectiveFrom: day("2020-01-01")},
		{ID: "g13", GovCode: "13", EffectiveFrom: day("2026-05-01")},
		{ID: "n2", EffectiveFrom: day("2026-06-01")}}
	cases := []struct{ gov, d, want string }{
		{"13", "2026-04-30", "n1"}, {"13", "2026-05-01", "g13"}, {"13", "2026-07-01", "g13"},
		{"01", "2026-05-01", "n1"}, {"01", "2026-06-01", "n2"}, {"", "2026-05-15", "n1"},
	}
	for _, c := range cases {
		got, _ := FeesOn(vs, c.gov, day(c.d))
		if got.ID != c.want {
			t.Errorf("gov %q on %s: %s, want %s", c.gov, c.d, got.ID, c.want)
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

func TestValidateSteps(t *testing.T) {
	var v markaz.Validator
	ValidateSteps(&v, DefaultSteps())
	if err := v.Err(); err != nil {
		t.Fatalf("default steps: %v", err)
	}
	v = markaz.Validator{}
	ValidateSteps(&v, []Step{{Key: "a", Role: "citizen", Actions: []string{"forward"}},
		{Key: "a", Role: "clerk", Actions: []string{"fly"}}, {Key: "B!", Role: "clerk", Actions: nil, LimitDays: -1}})
	want := map[string]string{"steps[0].role": "one_of", "steps[1].key": "duplicate_key", "steps[1].actions": "one_of",
		"steps[2].key": "step_key_format", "steps[2].actions": "required", "steps[2].limit_working_days": "between"}
	got := fields(v.Err())
	for f, c := range want {
		if got[f] != c {
			t.Errorf("%s: %q, want %q (all %v)", f, got[f], c, got)
		}
	}
	v = markaz.Validator{}
	ValidateSteps(&v, nil)
	if fields(v.Err())["steps"] != "required" {
		t.Error("empty workflow accepted")
	}
}

// TestValidateStepsWayOn: a workflow where a request could get stuck is refused.
func TestValidateStepsWayOn(t *testing.T) {
	st := func(key string, actions ...string) Step { return Step{Key: key, Role: "clerk", Actions: actions} }
	for _, c := range []struct {
		name  string
		steps []Step
		field string // "" when valid
	}{
		{"return without complete", []Step{st("a", ActionReturn, ActionForward), st("b", ActionForward, ActionDeliver)}, "steps[0].actions"},
		{"payment without complete", []Step{st("a", ActionRequestPayment)}, "steps[0].actions"},
		{"deliver without forward", []Step{st("a", ActionApprove), st("b", ActionDeliver)}, "steps[1].actions"},
		{"approval to a step that cannot hand over", []Step{st("a", ActionApprove), st("b", ActionForward)}, "steps[1].actions"},
		{"approval at the last step", []Step{st("a", ActionForward), st("b", ActionApprove, ActionReject)}, "steps[1].actions"},
		{"complete beside return", []Step{st("a", ActionReturn, ActionComplete, ActionApprove), st("b", ActionForward, ActionDeliver)}, ""},
	} {
		var v markaz.Validator
		ValidateSteps(&v, c.steps)
		got := fields(v.Err())
		switch {
		case c.field == "" && len(got) > 0:
			t.Errorf("%s: refused %v", c.name, got)
		case c.field != "" && got[c.field] == "":
			t.Errorf("%s: accepted (%v)", c.name, got)
		}
	}
}

func TestValidateVersions(t *testing.T) {
	today := day("2026-03-15")
	d := DurationVersion{WorkingDays: 0, EffectiveFrom: day("2026-03-14")}
	var v markaz.Validator
	d.Validate(&v, today)
	got := fields(v.Err())
	if got["working_days"] != "between" || got["effective_from"] != "effective_in_past" || got["reason"] != "required" {
		t.Errorf("duration: %v", got)
	}
	d = DurationVersion{WorkingDays: 5, EffectiveFrom: today, Reason: "decree"}
	v = markaz.Validator{}
	d.Validate(&v, today)
	if err := v.Err(); err != nil {
		t.Errorf("good duration: %v", err)
	}
	f := FeeVersion{EffectiveFrom: today, Reason: "x", Lines: []FeeLine{
		{Key: "a", NameAr: "أ", NameEn: "A", AmountPiasters: 100}, {Key: "a", NameAr: "", NameEn: "B", AmountPiasters: -1}}}
	v = markaz.Validator{}
	f.Validate(&v, today)
	got = fields(v.Err())
	if got["lines[1].key"] != "duplicate_key" || got["lines[1].name_ar"] != "required" || got["lines[1].amount_piasters"] != "between" {
		t.Errorf("fees: %v", got)
	}
	f = FeeVersion{EffectiveFrom: today, Reason: "x", Lines: []FeeLine{{Key: "a", NameAr: "أ", NameEn: "A", AmountPiasters: 150}, {Key: "b", NameAr: "ب", NameEn: "B", AmountPiasters: 50}}}
	v = markaz.Validator{}
	f.Validate(&v, today)
	if v.Err() != nil || f.TotalPiasters != 200 {
		t.Errorf("good fees: %v total %d", v.Err(), f.TotalPiasters)
	}
}

func TestCategoryKey(t *testing.T) {
	for in, want := range map[string]string{"Planning & buildings": "planning-buildings", "Occupants' unions": "occupants-unions",
		"Property & state land": "property-state-land"} {
		if got := CategoryKey(in); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}
