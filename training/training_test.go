package training

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"markaz"
)

func d(s string) markaz.Date {
	x, err := markaz.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func fields(err error) []string {
	e, ok := err.(*markaz.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestCourseCheck(t *testing.T) {
	good := func() Course {
		return Course{Code: " ops-101 ", NameAr: "تشغيل المنظومة", NameEn: "Operating the system", Topic: TopicSystem,
			Audience: []string{markaz.RoleBackOffice, markaz.RoleClerk, markaz.RoleClerk}, DurationHours: 12}
	}
	c := good()
	var v markaz.Validator
	c.Check(&v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if c.Code != "OPS-101" || !slices.Equal(c.Audience, []string{markaz.RoleClerk, markaz.RoleBackOffice}) {
		t.Fatalf("normalised to %q %v", c.Code, c.Audience)
	}
	for name, tc := range map[string]struct {
		edit func(*Course)
		want []string
	}{
		"no audience":      {func(c *Course) { c.Audience = nil }, []string{"audience:required"}},
		"citizen audience": {func(c *Course) { c.Audience = []string{markaz.RoleCitizen} }, []string{"audience:one_of"}},
		"bad topic":        {func(c *Course) { c.Topic = "cooking" }, []string{"topic:one_of"}},
		"zero hours":       {func(c *Course) { c.DurationHours = 0 }, []string{"duration_hours:between"}},
		"too many hours":   {func(c *Course) { c.DurationHours = MaxDurationHours + 1 }, []string{"duration_hours:between"}},
		"everything": {func(c *Course) { *c = Course{} }, []string{"code:required", "name_ar:required", "name_en:required",
			"topic:required", "audience:required", "duration_hours:between"}},
	} {
		c := good()
		tc.edit(&c)
		var v markaz.Validator
		c.Check(&v)
		if got := fields(v.Err()); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func TestSessionCheck(t *testing.T) {
	today := d("2026-03-15")
	good := func() Session {
		return Session{StartsOn: d("2026-04-01"), Place: " مركز التدريب ", TrainerID: markaz.NewID(), Capacity: 25}
	}
	s := good()
	var v markaz.Validator
	s.Check(&v, today)
	if err := v.Err(); err != nil || s.EndsOn != s.StartsOn || s.Place != "مركز التدريب" {
		t.Fatalf("%v: ends %s place %q", err, s.EndsOn, s.Place)
	}
	for name, tc := range map[string]struct {
		edit func(*Session)
		want []string
	}{
		"ends before start": {func(s *Session) { s.EndsOn = d("2026-03-31") }, []string{"ends_on:ends_before_start"}},
		"too long":          {func(s *Session) { s.EndsOn = s.StartsOn.AddDays(MaxSessionDays) }, []string{"ends_on:training_too_long"}},
		"longest allowed":   {func(s *Session) { s.EndsOn = s.StartsOn.AddDays(MaxSessionDays - 1) }, nil},
		"too far ahead":     {func(s *Session) { s.StartsOn, s.EndsOn = d("2028-03-16"), markaz.Date{} }, []string{"starts_on:date_too_late"}},
		"too early":         {func(s *Session) { s.StartsOn = d("1990-01-01") }, []string{"starts_on:date_too_early"}},
		"past is fine":      {func(s *Session) { s.StartsOn, s.EndsOn = d("2025-09-01"), d("2025-09-03") }, nil},
		"no capacity":       {func(s *Session) { s.Capacity = 0 }, []string{"capacity:between"}},
		"huge capacity":     {func(s *Session) { s.Capacity = MaxCapacity + 1 }, []string{"capacity:between"}},
		"junk trainer":      {func(s *Session) { s.TrainerID = "x y" }, []string{"trainer_id:training_not_trainer"}},
		"empty": {func(s *Session) { *s = Session{} }, []string{"starts_on:required", "place:required",
			"trainer_id:required", "capacity:between"}},
	} {
		s := good()
		tc.edit(&s)
		var v markaz.Validator
		s.Check(&v, today)
		if got := fields(v.Err()); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	// A date that did not parse is reported once, by the reader.
	var v2 markaz.Validator
	v2.Add("starts_on", "date_format", nil)
	s2 := good()
	s2.StartsOn = markaz.Date{}
	s2.Check(&v2, today)
	if got := fields(v2.Err()); !reflect.DeepEqual(got, []string{"starts_on:date_format"}) {
		t.Errorf("unparsed start: %v", got)
	}
}

func TestRecordCheck(t *testing.T) {
	n := func(k int) *int { return &k }
	for name, tc := range map[string]struct {
		r    Record
		want []string
	}{
		"nothing yet":          {Record{}, nil},
		"absent":               {Record{Attendance: Absent}, nil},
		"passed with score":    {Record{Attendance: Attended, Result: Passed, Score: n(87)}, nil},
		"failed without score": {Record{Attendance: Attended, Result: Failed}, nil},
		"pass without attending": {Record{Attendance: Absent, Result: Passed},
			[]string{"r.result:training_result_needs_attendance"}},
		"pass unrecorded":   {Record{Result: Passed}, []string{"r.result:training_result_needs_attendance"}},
		"score no result":   {Record{Attendance: Attended, Score: n(50)}, []string{"r.score:training_score_needs_result"}},
		"score over 100":    {Record{Attendance: Attended, Result: Passed, Score: n(101)}, []string{"r.score:between"}},
		"unknown values":    {Record{Attendance: "late", Result: "maybe"}, []string{"r.attendance:one_of", "r.result:one_of"}},
		"negative score":    {Record{Attendance: Attended, Result: Failed, Score: n(-1)}, []string{"r.score:between"}},
		"zero score passes": {Record{Attendance: Attended, Result: Failed, Score: n(0)}, nil},
	} {
		var v markaz.Validator
		tc.r.Check(&v, markaz.Prefixed("r."))
		if got := fields(v.Err()); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func TestCompleted(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		e    Enrolment
		want bool
	}{
		{Enrolment{Attendance: Attended, Result: Passed}, true},
		{Enrolment{Attendance: Attended, Result: Failed}, false},
		{Enrolment{Attendance: Attended}, false},
		{Enrolment{Attendance: Absent}, false},
		{Enrolment{Attendance: Attended, Result: Passed, WithdrawnAt: &now}, false},
	} {
		if got := c.e.Completed(); got != c.want {
			t.Errorf("%+v: %v", c.e, got)
		}
	}
}

func TestQualifies(t *testing.T) {
	aud := []string{markaz.RoleClerk, markaz.RoleCenterManager}
	clerk13 := markaz.Assignment{Role: markaz.RoleClerk, Level: markaz.LevelCenter, GovCode: "13", CenterID: "c1"}
	if !Qualifies(clerk13, aud, "13") || !Qualifies(clerk13, aud, "") || Qualifies(clerk13, aud, "01") {
		t.Error("a Sharqia clerk qualifies for Sharqia and national sessions only")
	}
	if Qualifies(clerk13, []string{markaz.RoleInspector}, "13") {
		t.Error("a clerk qualifies for an inspectors' course")
	}
	national := markaz.Assignment{Role: markaz.RoleInspector, Level: markaz.LevelNation}
	if Qualifies(national, []string{markaz.RoleInspector}, "13") || !Qualifies(national, []string{markaz.RoleInspector}, "") {
		t.Error("a national inspector qualifies for national sessions only")
	}
}

func TestPeriod(t *testing.T) {
	from, to, ok := Period(2025, d("2026-03-15"))
	if !ok || from != d("2025-07-01") || to != d("2026-03-15") {
		t.Errorf("current year: %s–%s %v", from, to, ok)
	}
	from, to, ok = Period(2024, d("2026-03-15"))
	if !ok || from != d("2024-07-01") || to != d("2025-06-30") {
		t.Errorf("past year: %s–%s %v", from, to, ok)
	}
	if _, _, ok := Period(2026, d("2026-03-15")); ok {
		t.Error("a future year has a period")
	}
	if _, to, ok := Period(2026, d("2026-07-01")); !ok || to != d("2026-07-01") {
		t.Error("first day of a year")
	}
}

// TestCoverage is the coverage formula: who counts as staff of a role, who as trained.
func TestCoverage(t *testing.T) {
	from, to := d("2025-07-01"), d("2026-06-30")
	open := markaz.Date{}
	clerk := func(user, start string, end markaz.Date) Held {
		return Held{UserID: user, Role: markaz.RoleClerk, From: d(start), To: end}
	}
	done := func(user, on string) Completion { return Completion{UserID: user, On: d(on)} }
	type want struct{ staff, trained int }
	for name, tc := range map[string]struct {
		held []Held
		done []Completion
		want want
	}{
		"held all year, trained in the year": {
			[]Held{clerk("a", "2020-01-01", open)}, []Completion{done("a", "2025-10-01")}, want{1, 1}},
		"held only part of the year counts as staff": {
			[]Held{clerk("a", "2026-02-01", open), clerk("b", "2020-01-01", d("2025-08-31"))}, nil, want{2, 0}},
		"part of the year, trained before taking the role": {
			[]Held{clerk("a", "2026-02-01", open)}, []Completion{done("a", "2025-09-10")}, want{1, 1}},
		"role ended before the year": {
			[]Held{clerk("a", "2020-01-01", d("2025-06-30"))}, []Completion{done("a", "2025-09-10")}, want{0, 0}},
		"role starts after the year": {
			[]Held{clerk("a", "2026-07-01", open)}, nil, want{0, 0}},
		"completed in the previous fiscal year does not count": {
			[]Held{clerk("a", "2020-01-01", open)}, []Completion{done("a", "2025-06-30")}, want{1, 0}},
		"completed on the first day counts": {
			[]Held{clerk("a", "2020-01-01", open)}, []Completion{done("a", "2025-07-01")}, want{1, 1}},
		"completed after the period (next year) does not count": {
			[]Held{clerk("a", "2020-01-01", open)}, []Completion{done("a", "2026-07-01")}, want{1, 0}},
		"two stretches of one user count once": {
			[]Held{clerk("a", "2020-01-01", d("2025-09-01")), clerk("a", "2025-10-01", open)}, nil, want{1, 0}},
		"stretch ending before it begins is no stretch": {
			[]Held{clerk("a", "2025-10-01", d("2025-09-30"))}, nil, want{0, 0}},
		"someone else's completion": {
			[]Held{clerk("a", "2020-01-01", open)}, []Completion{done("b", "2025-10-01")}, want{1, 0}},
	} {
		c := Compute(from, to, tc.held, tc.done)
		got := c.Role(markaz.RoleClerk)
		if got.Staff != tc.want.staff || got.Trained != tc.want.trained {
			t.Errorf("%s: staff %d trained %d, want %+v", name, got.Staff, got.Trained, tc.want)
		}
		if (got.Share == nil) != (got.Staff == 0) {
			t.Errorf("%s: share %v with staff %d", name, got.Share, got.Staff)
		}
	}

	// Roles and the total: a user holding two roles is one person in the total; roles
	// outside training's are left out; the share is trained / staff.
	held := []Held{
		{UserID: "m", Role: markaz.RoleCenterManager, From: d("2020-01-01")},
		{UserID: "m", Role: markaz.RoleClerk, From: d("2020-01-01")},
		{UserID: "c1", Role: markaz.RoleClerk, From: d("2020-01-01")},
		{UserID: "c2", Role: markaz.RoleClerk, From: d("2020-01-01")},
		{UserID: "f", Role: markaz.RoleFinance, From: d("2020-01-01")},
	}
	c := Compute(from, to, held, []Completion{done("m", "2025-12-01"), done("f", "2025-12-01")})
	if cl := c.Role(markaz.RoleClerk); cl.Staff != 3 || cl.Trained != 1 || *cl.Share != 0.3333 {
		t.Errorf("clerks: %+v share %v", cl, *cl.Share)
	}
	if m := c.Role(markaz.RoleCenterManager); m.Staff != 1 || m.Trained != 1 || *m.Share != 1 {
		t.Errorf("managers: %+v", m)
	}
	if c.Total.Staff != 3 || c.Total.Trained != 1 {
		t.Errorf("total: %+v", c.Total)
	}
	if len(c.ByRole) != len(Roles) || c.Role(markaz.RoleFinance) != (Figures{}) {
		t.Errorf("roles: %+v", c.ByRole)
	}
	if s := c.Role(markaz.RoleInspector); s.Staff != 0 || s.Share != nil {
		t.Errorf("no inspectors: %+v", s)
	}
}

func TestReach(t *testing.T) {
	manager := &markaz.Principal{Assignments: []markaz.Assignment{
		{Role: markaz.RoleCenterManager, Level: markaz.LevelCenter, GovCode: "13", UnitCode: "13-001", CenterID: "c1"},
		{Role: markaz.RoleClerk, Level: markaz.LevelCenter, GovCode: "01", UnitCode: "01-001", CenterID: "c9"}}}
	if all, govs := Reach(manager, markaz.PermTrainingRead); all || !slices.Equal(govs, []string{"13"}) {
		t.Errorf("manager reaches %v %v", all, govs)
	}
	trainer := &markaz.Principal{Assignments: []markaz.Assignment{{Role: markaz.RoleTrainer, Level: markaz.LevelNation}}}
	if all, _ := Reach(trainer, markaz.PermTrainingWrite); !all {
		t.Error("national trainer")
	}
	if all, govs := Reach(nil, markaz.PermTrainingRead); all || govs != nil {
		t.Error("nobody")
	}
}
