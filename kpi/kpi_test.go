package kpi

import (
	"testing"
	"time"

	"markaz"
	"markaz/request"
)

func d(s string) markaz.Date {
	v, err := markaz.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestPercentileNearestRank(t *testing.T) {
	for name, tc := range map[string]struct {
		h        map[int]int
		pct      int
		want     int
		wantNone bool
	}{
		"empty":            {h: map[int]int{}, pct: 50, wantNone: true},
		"one":              {h: map[int]int{7: 1}, pct: 90, want: 7},
		"median odd":       {h: map[int]int{1: 1, 2: 1, 3: 1}, pct: 50, want: 2},
		"median even":      {h: map[int]int{1: 1, 2: 1, 3: 1, 4: 1}, pct: 50, want: 2}, // rank ceil(2) = 2
		"p90 of ten":       {h: map[int]int{1: 9, 30: 1}, pct: 90, want: 1},
		"p90 of eleven":    {h: map[int]int{1: 9, 30: 2}, pct: 90, want: 30}, // rank ceil(9.9) = 10
		"skewed":           {h: map[int]int{0: 5, 10: 5}, pct: 50, want: 0},
		"zero counts left": {h: map[int]int{2: 3}, pct: 100, want: 2},
	} {
		got := Percentile(tc.h, tc.pct)
		if tc.wantNone != (got == nil) || got != nil && *got != tc.want {
			t.Errorf("%s: got %v, want %d", name, got, tc.want)
		}
	}
}

// One request's days in overdue_open: the due date in force each day, waits on the
// citizen, the decision.
func TestOverdueIntervals(t *testing.T) {
	at := func(s string) time.Time { return d(s).Start().Add(10 * time.Hour) }
	ev := func(day, to, due string) request.Event {
		e := request.Event{At: at(day), To: to}
		if due != "" {
			e.Due = d(due)
		}
		return e
	}
	for name, tc := range map[string]struct {
		hist    []request.Event
		decided string
		want    []Interval
	}{
		"never late": {
			hist:    []request.Event{ev("2026-03-01", "submitted", "2026-03-10"), ev("2026-03-05", "approved", "2026-03-10")},
			decided: "2026-03-05",
		},
		"late then decided": {
			hist:    []request.Event{ev("2026-03-01", "submitted", "2026-03-10"), ev("2026-03-12", "approved", "2026-03-10")},
			decided: "2026-03-12",
			want:    []Interval{{d("2026-03-10"), d("2026-03-12")}},
		},
		"still open": {
			hist: []request.Event{ev("2026-03-01", "submitted", "2026-03-10"), ev("2026-03-02", "in_review", "2026-03-10")},
			want: []Interval{{From: d("2026-03-10")}},
		},
		"late, waits on the citizen, back with a later due date": {
			hist: []request.Event{ev("2026-03-01", "submitted", "2026-03-10"), ev("2026-03-11", "returned", "2026-03-10"),
				ev("2026-03-20", "in_review", "2026-03-25")},
			want: []Interval{{d("2026-03-10"), d("2026-03-11")}, {From: d("2026-03-25")}},
		},
		"waits before the due date, back still before it": {
			hist: []request.Event{ev("2026-03-01", "submitted", "2026-03-10"), ev("2026-03-02", "returned", "2026-03-10"),
				ev("2026-03-04", "in_review", "2026-03-12"), ev("2026-03-13", "rejected", "2026-03-12")},
			decided: "2026-03-13",
			want:    []Interval{{d("2026-03-12"), d("2026-03-13")}},
		},
		"cancelled while late": {
			hist: []request.Event{ev("2026-03-01", "submitted", "2026-03-10"), ev("2026-03-15", "cancelled", "")},
			want: []Interval{{d("2026-03-10"), d("2026-03-15")}},
		},
		"a backlog entry written years later stops at its decision": {
			hist:    []request.Event{ev("2026-03-01", "submitted", "2020-01-10"), ev("2026-03-01", "delivered", "")},
			decided: "2020-02-01",
		},
		"old history without due dates uses the request's": {
			hist: []request.Event{ev("2026-03-01", "submitted", ""), ev("2026-03-02", "in_review", "")},
			want: []Interval{{From: d("2026-03-10")}},
		},
	} {
		f := &Facts{SubmittedOn: d("2026-03-01"), Due: d("2026-03-10"), States: StatesOf(tc.hist, d("2026-03-10"))}
		if name == "a backlog entry written years later stops at its decision" {
			f.SubmittedOn = d("2020-01-01")
		}
		f.Status = tc.hist[len(tc.hist)-1].To
		if tc.decided != "" {
			f.DecidedOn = d(tc.decided)
		}
		got := OverdueIntervals(f)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", name, got, tc.want)
			}
		}
	}
}

// Contribute and its inverse: a change is the difference of two contributions.
func TestContributeAndTakeBack(t *testing.T) {
	days := 3
	base := Facts{Gov: "13", Unit: "13-001", Center: "c1", Service: "S", Channel: request.ChannelOnline,
		SubmittedOn: d("2026-03-01"), Due: d("2026-03-10"), RequiredDays: 7, Status: "submitted",
		States: []State{{Day: d("2026-03-01"), Status: "submitted", Due: d("2026-03-10")}}}
	decided := base
	decided.Status, decided.DecidedOn, decided.ProcessingDays = "approved", d("2026-03-12"), &days
	decided.States = append(append([]State{}, base.States...), State{Day: d("2026-03-12"), Status: "approved"})
	decided.Rating, decided.RatedOn = 4, d("2026-03-20")

	r := NewRollup()
	Contribute(r, &base, 1)
	Contribute(r, &base, -1)
	Contribute(r, &decided, 1)
	k := func(day string) Key {
		return Key{Day: d(day), Gov: "13", Unit: "13-001", Center: "c1", Service: "S", Channel: request.ChannelOnline}
	}
	want := map[Key]Delta{
		k("2026-03-01"): {Received: 1, Online: 1},
		k("2026-03-10"): {Overdue: 1},
		k("2026-03-12"): {Completed: 1, Timed: 1, OnTime: 0, RequiredSum: 7, Overdue: -1},
		k("2026-03-20"): {RatingN: 1, RatingSum: 4},
	}
	if len(r.Counts) != len(want) {
		t.Fatalf("counts %v", r.Counts)
	}
	for key, w := range want {
		if r.Counts[key] != w {
			t.Errorf("%s: %+v, want %+v", key.Day, r.Counts[key], w)
		}
	}
	if len(r.Days) != 1 || r.Days[DaysKey{k("2026-03-12"), 3}] != 1 {
		t.Errorf("days %v", r.Days)
	}
	// Backlog entries are received and completed, never timed.
	bl := decided
	bl.Channel = request.ChannelBacklog
	r = NewRollup()
	Contribute(r, &bl, 1)
	var sum Delta
	for _, v := range r.Counts {
		sum.Add(v, 1)
	}
	if sum.Received != 1 || sum.Completed != 1 || sum.Timed != 0 || sum.Online != 0 || len(r.Days) != 0 {
		t.Errorf("backlog: %+v %v", sum, r.Days)
	}
	// Cancelled: never completed.
	c := decided
	c.Status = request.StatusCancelled
	if Completed(&c) {
		t.Error("a cancelled request completed")
	}
}

func TestScoreAndMissingParts(t *testing.T) {
	f64 := func(v float64) *float64 { return &v }
	med := 10
	w := Weights{Values: DefaultWeights}
	for name, tc := range map[string]struct {
		f    Figures
		c    Counts
		want *float64
	}{
		"nothing":            {want: nil},
		"on time only":       {f: Figures{OnTimeRate: f64(0.8)}, want: f64(80)},
		"on time and online": {f: Figures{OnTimeRate: f64(1), OnlineShare: f64(0.25)}, want: f64((25*100 + 10*25) / 35.0)},
		// median 10 days against a mean required 10: 100; at 15: 50; at 20 or more: 0.
		"processing at the duration": {f: Figures{MedianProcessingDays: &med}, c: Counts{Delta: Delta{Timed: 2, RequiredSum: 20}}, want: f64(100)},
		"processing at 1.5×":         {f: Figures{MedianProcessingDays: &med}, c: Counts{Delta: Delta{Timed: 3, RequiredSum: 20}}, want: f64(50)},
		"processing at 3×":           {f: Figures{MedianProcessingDays: &med}, c: Counts{Delta: Delta{Timed: 3, RequiredSum: 10}}, want: f64(0)},
		"satisfaction 5 and 1":       {f: Figures{Satisfaction: f64(5), InspectionScore: f64(0)}, want: f64(50)},
	} {
		got, parts := Score(&tc.f, tc.c, w)
		if (got == nil) != (tc.want == nil) || got != nil && round(*got, 1) != round(*tc.want, 1) {
			t.Errorf("%s: %v, want %v", name, deref(got), deref(tc.want))
		}
		used := 0.0
		for _, p := range parts {
			used += p.Used
		}
		if got != nil && (used < 99.9 || used > 100.1) {
			t.Errorf("%s: effective weights sum to %v", name, used)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestComputeRatesFromCounts(t *testing.T) {
	c := Counts{Delta: Delta{Received: 8, Online: 2, Completed: 5, Timed: 4, OnTime: 3, Overdue: 2, RatingN: 2, RatingSum: 9},
		Days: map[int]int{2: 2, 5: 1, 9: 1}}
	p := Parts{PaidCash: 300, PaidElectronic: 100, Visits: 2, VisitScoreSum: 150, Problems: 4, ProblemsSolved: 1,
		Staff: 10, StaffTrained: 5}
	f := Compute(Query{Level: LevelNation}, c, p, Weights{Values: DefaultWeights})
	check := func(name string, got *float64, want float64) {
		if got == nil || *got != want {
			t.Errorf("%s: %v, want %v", name, deref(got), want)
		}
	}
	check("on_time_rate", f.OnTimeRate, 0.75)
	check("online_share", f.OnlineShare, 0.25)
	check("e_payment_share", f.EPaymentShare, 0.25)
	check("satisfaction", f.Satisfaction, 4.5)
	check("inspection_score", f.InspectionScore, 75)
	check("problem_resolution_rate", f.ProblemResolutionRate, 0.25)
	check("training_coverage", f.TrainingCoverage, 0.5)
	if f.Received != 8 || f.Completed != 5 || f.OverdueOpen != 2 || *f.MedianProcessingDays != 2 || *f.P90ProcessingDays != 9 {
		t.Errorf("%+v", f)
	}
}

func TestPeriods(t *testing.T) {
	for _, tc := range []struct {
		step       Step
		day        string
		start, end string
	}{
		{StepWeek, "2026-11-27", "2026-11-21", "2026-11-27"}, // Friday ends the week
		{StepWeek, "2026-11-28", "2026-11-28", "2026-12-04"}, // Saturday starts one
		{StepMonth, "2024-02-10", "2024-02-01", "2024-02-29"},
		{StepQuarter, "2026-08-15", "2026-07-01", "2026-09-30"}, // fiscal Q1
		{StepQuarter, "2026-01-01", "2026-01-01", "2026-03-31"},
		{StepYear, "2026-06-30", "2025-07-01", "2026-06-30"},
		{StepYear, "2026-07-01", "2026-07-01", "2027-06-30"},
		{StepDay, "2026-03-01", "2026-03-01", "2026-03-01"},
	} {
		if s, e := PeriodStart(tc.step, d(tc.day)), PeriodEnd(tc.step, d(tc.day)); s != d(tc.start) || e != d(tc.end) {
			t.Errorf("%s %s: %s…%s, want %s…%s", tc.step, tc.day, s, e, tc.start, tc.end)
		}
	}
	b := Buckets(StepMonth, d("2026-01-15"), d("2026-03-10"))
	if len(b) != 3 || b[0] != [2]markaz.Date{d("2026-01-15"), d("2026-01-31")} || b[2][1] != d("2026-03-10") {
		t.Errorf("buckets %v", b)
	}
	if from, to := Previous(StepMonth, d("2026-03-10")); from != d("2026-02-01") || to != d("2026-02-28") {
		t.Errorf("previous %s %s", from, to)
	}
}

func TestQueryAndWeightsValidation(t *testing.T) {
	bad := []Query{{}, {Level: "planet", From: d("2026-01-01"), To: d("2026-01-02")},
		{Level: LevelCenter, From: d("2026-01-01"), To: d("2026-01-02")},
		{Level: LevelNation, From: d("2026-01-02"), To: d("2026-01-01")},
		{Level: LevelNation, From: d("2000-01-01"), To: d("2026-01-01")}}
	for _, q := range bad {
		if q.Validate() == nil {
			t.Errorf("%+v accepted", q)
		}
	}
	if q := (Query{Level: LevelNation, From: d("2026-01-01"), To: d("2026-01-01")}); q.Validate() != nil {
		t.Error("a one-day national query refused")
	}
	w := Weights{EffectiveFrom: d("2026-01-01"), Values: map[string]int{}}
	for k, v := range DefaultWeights {
		w.Values[k] = v
	}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	w.Values["speed"] = 3
	if w.Validate() == nil {
		t.Error("unknown part accepted")
	}
	delete(w.Values, "speed")
	w.Values[PartOnTime] = 101
	if w.Validate() == nil {
		t.Error("101 accepted")
	}
	for k := range w.Values {
		w.Values[k] = 0
	}
	if w.Validate() == nil {
		t.Error("all zero accepted")
	}
}
