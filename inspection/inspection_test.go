package inspection

import (
	"testing"

	"markaz"
)

func items(ws ...int) []Item {
	out := make([]Item, len(ws))
	for i, w := range ws {
		out[i] = Item{Key: string(rune('a'+i)) + "_item", NameAr: "بند", NameEn: "item", Weight: w}
	}
	return out
}

func TestScore(t *testing.T) {
	cases := []struct {
		name    string
		weights []int
		scores  []int
		want    int
	}{
		{"all yes", []int{3, 2, 1}, []int{2, 2, 2}, 100},
		{"all no", []int{3, 2, 1}, []int{0, 0, 0}, 0},
		{"all partly", []int{3, 2, 1}, []int{1, 1, 1}, 50},
		{"weights count", []int{3, 1}, []int{2, 0}, 75},
		{"weights count the other way", []int{3, 1}, []int{0, 2}, 25},
		{"two thirds round up", []int{3, 2, 1}, []int{2, 1, 0}, 67},                     // 8/12
		{"one third rounds down", []int{1, 1, 1}, []int{2, 0, 0}, 33},                   // 2/6
		{"exact half rounds up", []int{1, 1, 1, 1}, []int{1, 0, 0, 0}, 13},              // 1/8 = 12.5
		{"just under half rounds down", []int{2, 1, 1, 1, 3}, []int{0, 0, 0, 0, 1}, 19}, // 3/16 = 18.75
		{"one item", []int{5}, []int{1}, 50},
		{"twelve items, a good center", []int{3, 2, 3, 3, 3, 2, 2, 1, 2, 2, 1, 1}, []int{2, 2, 2, 1, 2, 1, 2, 2, 1, 2, 2, 2}, 86}, // 43/50
	}
	for _, c := range cases {
		its := items(c.weights...)
		sc := map[string]int{}
		for i, s := range c.scores {
			sc[its[i].Key] = s
		}
		got, err := Score(its, sc)
		if err != nil || got != c.want {
			t.Errorf("%s: Score = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}

func TestScoreRefusesWhatItCannotCompute(t *testing.T) {
	its := items(2, 1)
	for name, sc := range map[string]map[string]int{
		"missing item":    {"a_item": 2},
		"above the scale": {"a_item": 2, "b_item": 3},
		"below the scale": {"a_item": -1, "b_item": 2},
	} {
		if _, err := Score(its, sc); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Score(nil, nil); err == nil {
		t.Error("empty checklist: no error")
	}
	if _, err := Score([]Item{{Key: "a_item", Weight: 0}}, map[string]int{"a_item": 2}); err == nil {
		t.Error("zero weight: no error")
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*markaz.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
		if len(e.Fields) == 0 {
			out["_code"] = e.Code
		}
	}
	return out
}

func score(n int) *int { return &n }

func TestCheckMarks(t *testing.T) {
	its := items(2, 1, 1)
	cases := []struct {
		name  string
		marks []Mark
		want  map[string]string
	}{
		{"every item scored", []Mark{{Key: "a_item", Score: score(2)}, {Key: "b_item", Score: score(0)}, {Key: "c_item", Score: score(1), Note: " لا توجد لافتة "}}, map[string]string{}},
		{"one missing", []Mark{{Key: "a_item", Score: score(2)}, {Key: "b_item", Score: score(0)}}, map[string]string{"items.c_item": "not_scored"}},
		{"a mark without a score", []Mark{{Key: "a_item", Score: score(2)}, {Key: "b_item"}, {Key: "c_item", Score: score(1)}}, map[string]string{"items.b_item": "not_scored"}},
		{"out of the scale", []Mark{{Key: "a_item", Score: score(3)}, {Key: "b_item", Score: score(0)}, {Key: "c_item", Score: score(1)}}, map[string]string{"items.a_item": "between"}},
		{"scored twice", []Mark{{Key: "a_item", Score: score(2)}, {Key: "a_item", Score: score(1)}, {Key: "b_item", Score: score(0)}, {Key: "c_item", Score: score(1)}}, map[string]string{"items.a_item": "scored_twice"}},
		{"unknown item", []Mark{{Key: "zz", Score: score(2)}, {Key: "a_item", Score: score(2)}, {Key: "b_item", Score: score(0)}, {Key: "c_item", Score: score(1)}}, map[string]string{"items": "unknown_item"}},
		{"nothing scored", nil, map[string]string{"items.a_item": "not_scored", "items.b_item": "not_scored", "items.c_item": "not_scored"}},
	}
	for _, c := range cases {
		var v markaz.Validator
		sc := CheckMarks(&v, its, c.marks)
		got := fields(v.Err())
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for f, code := range c.want {
			if got[f] != code {
				t.Errorf("%s: %s = %q, want %q", c.name, f, got[f], code)
			}
		}
		if len(c.want) == 0 {
			if n, err := Score(its, sc); err != nil || n != 63 { // (4+0+1)/8
				t.Errorf("%s: score %d %v", c.name, n, err)
			}
		}
	}
}

func TestCheckItems(t *testing.T) {
	good := func() []Item {
		return []Item{{Key: "staff_present", NameAr: "الموظفون", NameEn: "Staff", Weight: 3},
			{Key: "Signage ", NameAr: "اللافتات", NameEn: "Signage", Weight: 1}}
	}
	var v markaz.Validator
	its := good()
	CheckItems(&v, its)
	if v.Err() != nil || its[1].Key != "signage" {
		t.Fatalf("good items: %v %q", v.Err(), its[1].Key)
	}
	cases := []struct {
		name  string
		edit  func([]Item) []Item
		field string
		code  string
	}{
		{"no items", func([]Item) []Item { return nil }, "items", "required"},
		{"zero weight", func(is []Item) []Item { is[0].Weight = 0; return is }, "items.0.weight", "between"},
		{"weight too high", func(is []Item) []Item { is[1].Weight = 101; return is }, "items.1.weight", "between"},
		{"bad key", func(is []Item) []Item { is[0].Key = "staff present"; return is }, "items.0.key", "item_key_format"},
		{"repeated key", func(is []Item) []Item { is[1].Key = "staff_present"; return is }, "items.1.key", "duplicate_key"},
		{"no English name", func(is []Item) []Item { is[0].NameEn = " "; return is }, "items.0.name_en", "required"},
	}
	for _, c := range cases {
		var v markaz.Validator
		CheckItems(&v, c.edit(good()))
		if got := fields(v.Err())[c.field]; got != c.code {
			t.Errorf("%s: %s = %q, want %q (%v)", c.name, c.field, got, c.code, v.Err())
		}
	}
}

func TestCommitteeValidate(t *testing.T) {
	c := Committee{NameAr: " لجنة الشرقية ", NameEn: "Sharqia committee", GovCode: "١٣",
		Members: []Member{{UserID: "u1", Body: BodyInspection}, {UserID: "u2", Body: BodyCommunications}}}
	var v markaz.Validator
	c.Validate(&v)
	if v.Err() != nil || c.GovCode != "13" || c.NameAr != "لجنة الشرقية" {
		t.Fatalf("good committee: %v %+v", v.Err(), c)
	}
	c.Members = append(c.Members, Member{UserID: "u1", Body: "ministry"})
	c.GovCode = "1"
	v = markaz.Validator{}
	c.Validate(&v)
	got := fields(v.Err())
	if got["members.2.user"] != "member_twice" || got["members.2.body"] != "one_of" || got["governorate"] != "unknown_governorate" {
		t.Errorf("bad committee: %v", got)
	}
	c.Members = nil
	v = markaz.Validator{}
	c.Validate(&v)
	if fields(v.Err())["members"] != "required" {
		t.Errorf("no members: %v", v.Err())
	}
}

var today = markaz.Date{Y: 2026, M: 3, D: 15}

func TestCheckChange(t *testing.T) {
	due := markaz.Date{Y: 2026, M: 3, D: 20}
	cases := []struct {
		name             string
		from             string
		ch               Change
		owner, committee bool
		want             string // "" ok, "_forbidden", "_conflict" or field=code
	}{
		{"owner starts work", ActionOpen, Change{Status: ActionInProgress}, true, false, ""},
		{"owner reports done", ActionInProgress, Change{Status: ActionDone, Note: "ركبنا اللافتة"}, true, false, ""},
		{"owner reports done at once", ActionOpen, Change{Status: ActionDone}, true, false, ""},
		{"owner cannot close", ActionDone, Change{Status: ActionClosed}, true, false, "_forbidden"},
		{"committee verifies and closes", ActionDone, Change{Status: ActionClosed}, false, true, ""},
		{"committee reopens with a note", ActionDone, Change{Status: ActionInProgress, Note: "اللافتة غير مثبتة"}, false, true, ""},
		{"reopening needs a note", ActionDone, Change{Status: ActionInProgress}, false, true, "note=required"},
		{"owner cannot reopen", ActionDone, Change{Status: ActionInProgress, Note: "x"}, true, false, "_forbidden"},
		{"no closing before done", ActionOpen, Change{Status: ActionClosed}, false, true, "status=transition"},
		{"no going back to open", ActionInProgress, Change{Status: ActionOpen}, true, true, "status=transition"},
		{"unknown status", ActionOpen, Change{Status: "finished"}, true, true, "status=one_of"},
		{"closed never changes", ActionClosed, Change{Status: ActionInProgress, Note: "x"}, false, true, "_conflict"},
		{"a stranger", ActionOpen, Change{Status: ActionInProgress}, false, false, "_forbidden"},
		{"nothing to change", ActionOpen, Change{}, true, false, "status=required"},
		{"committee moves the due date with a note", ActionOpen, Change{DueDate: markaz.Date{Y: 2026, M: 4, D: 1}, Note: "توريد متأخر"}, false, true, ""},
		{"moving the due date needs a note", ActionOpen, Change{DueDate: markaz.Date{Y: 2026, M: 4, D: 1}}, false, true, "note=required"},
		{"not into the past", ActionOpen, Change{DueDate: markaz.Date{Y: 2026, M: 3, D: 1}, Note: "x"}, false, true, "due_date=date_in_past"},
		{"the owner cannot move the due date", ActionOpen, Change{DueDate: markaz.Date{Y: 2026, M: 4, D: 1}, Note: "x"}, true, false, "_forbidden"},
		{"the same due date is no change", ActionOpen, Change{Status: ActionInProgress, DueDate: due}, true, false, ""},
	}
	for _, c := range cases {
		ch := c.ch
		err := CheckChange(c.from, due, &ch, c.owner, c.committee, today)
		got := ""
		if err != nil {
			e := err.(*markaz.Error)
			switch {
			case e.Code == markaz.EForbidden:
				got = "_forbidden"
			case e.Code == markaz.EConflict:
				got = "_conflict"
			case len(e.Fields) > 0:
				got = e.Fields[0].Field + "=" + e.Fields[0].Code
			}
		}
		if got != c.want {
			t.Errorf("%s: %q (%v), want %q", c.name, got, err, c.want)
		}
	}
}

func TestNextStatuses(t *testing.T) {
	eq := func(a, b []string) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for _, c := range []struct {
		from             string
		owner, committee bool
		want             []string
	}{
		{ActionOpen, true, false, []string{ActionInProgress, ActionDone}},
		{ActionDone, true, false, nil},
		{ActionDone, false, true, []string{ActionInProgress, ActionClosed}},
		{ActionClosed, true, true, nil},
		{ActionOpen, false, false, nil},
	} {
		if got := NextStatuses(c.from, c.owner, c.committee); !eq(got, c.want) {
			t.Errorf("%s owner=%v committee=%v: %v, want %v", c.from, c.owner, c.committee, got, c.want)
		}
	}
}

func TestPlanChecks(t *testing.T) {
	on := markaz.Date{Y: 2026, M: 3, D: 20}
	if err := CheckPostpone(PlanPlanned, on, markaz.Date{Y: 2026, M: 3, D: 25}, "عطل بالسيارة", today); err != nil {
		t.Errorf("postpone: %v", err)
	}
	for name, c := range map[string]struct {
		status string
		to     markaz.Date
		reason string
		want   string
	}{
		"done plan":    {PlanDone, markaz.Date{Y: 2026, M: 3, D: 25}, "x", "_conflict"},
		"past date":    {PlanPlanned, markaz.Date{Y: 2026, M: 3, D: 1}, "x", "planned_on"},
		"same date":    {PlanPostponed, on, "x", "planned_on"},
		"no reason":    {PlanPlanned, markaz.Date{Y: 2026, M: 3, D: 25}, " ", "reason"},
		"a year ahead": {PlanPlanned, markaz.Date{Y: 2027, M: 6, D: 1}, "x", "planned_on"},
	} {
		got := fields(CheckPostpone(c.status, on, c.to, c.reason, today))
		if c.want == "_conflict" && got["_code"] != markaz.EConflict || c.want != "_conflict" && got[c.want] == "" {
			t.Errorf("%s: %v", name, got)
		}
	}
	if fields(CheckCancel(PlanCancelled, "x"))["_code"] != markaz.EConflict || fields(CheckCancel(PlanPlanned, ""))["reason"] != "required" ||
		CheckCancel(PlanPostponed, "المركز مغلق للصيانة") != nil {
		t.Error("cancel checks")
	}
	var v markaz.Validator
	CheckNewPlan(&v, today, "", today)
	if v.Err() != nil {
		t.Errorf("a plan for today: %v", v.Err())
	}
}

func TestFindingAndAction(t *testing.T) {
	f := Finding{Category: "premises", Severity: "high", Description: " لا توجد لافتة بالخدمات والرسوم "}
	var v markaz.Validator
	f.Validate(&v)
	if v.Err() != nil || f.Description != "لا توجد لافتة بالخدمات والرسوم" {
		t.Fatalf("finding: %v", v.Err())
	}
	f = Finding{Category: "weather", Description: ""}
	v = markaz.Validator{}
	f.Validate(&v)
	if got := fields(v.Err()); got["category"] != "one_of" || got["severity"] != "required" || got["description"] != "required" {
		t.Errorf("bad finding: %v", got)
	}
	for _, c := range []struct {
		name  string
		a     Action
		user  string
		field string
		code  string
	}{
		{"a user owner", Action{Description: "تركيب لافتة"}, "manager", "", ""},
		{"a named party", Action{Description: "تركيب لافتة", OwnerName: "الإدارة الهندسية بالمحافظة"}, "", "", ""},
		{"no owner", Action{Description: "تركيب لافتة"}, "", "owner", "required"},
		{"two owners", Action{Description: "x", OwnerName: "y"}, "manager", "owner", "owner_both"},
		{"no action text", Action{OwnerName: "y"}, "", "action", "required"},
		{"due in the past", Action{Description: "x", OwnerName: "y", DueDate: markaz.Date{Y: 2026, M: 3, D: 14}}, "", "due_date", "date_in_past"},
	} {
		var v markaz.Validator
		a := c.a
		CheckNewAction(&v, &a, c.user, today)
		got := fields(v.Err())
		if c.field == "" && len(got) > 0 || c.field != "" && got[c.field] != c.code {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	a := Action{Status: ActionDone, DueDate: markaz.Date{Y: 2026, M: 3, D: 14}}
	if !a.IsOverdue(today) {
		t.Error("a done action past its due date is overdue until it is closed")
	}
	a.Status = ActionClosed
	if a.IsOverdue(today) {
		t.Error("a closed action is never overdue")
	}
	a = Action{Status: ActionOpen, DueDate: today}
	if a.IsOverdue(today) {
		t.Error("due today is not yet overdue")
	}
	if DueWorkingDays("critical") >= DueWorkingDays("high") || DueWorkingDays("high") >= DueWorkingDays("low") {
		t.Error("more serious findings get less time")
	}
}
