package kpi

import (
	"math"
	"slices"
	"time"

	"markaz"
)

// Levels a KPI is asked for. "district" is the API's word for a unit (district or city).
const (
	LevelNation      = "nation"
	LevelGovernorate = "governorate"
	LevelDistrict    = "district"
	LevelCenter      = "center"
)

// Levels lists them from the widest.
var Levels = []string{LevelNation, LevelGovernorate, LevelDistrict, LevelCenter}

// Query selects a territory, an optional service and channel, and a period [From, To]
// (dates inclusive, Africa/Cairo).
type Query struct {
	Level   string      `json:"level"`
	Code    string      `json:"code,omitempty"`
	Service string      `json:"service,omitempty"`
	Channel string      `json:"channel,omitempty"`
	From    markaz.Date `json:"from"`
	To      markaz.Date `json:"to"`
}

// MaxPeriodDays bounds a query's period (ten years).
const MaxPeriodDays = 3660

// Validate checks the query's shape (whether the code exists is the store's job).
func (q *Query) Validate() error {
	var v markaz.Validator
	if v.Required("level", q.Level) {
		v.OneOf("level", q.Level, Levels...)
	}
	if q.Level != LevelNation {
		v.Required("code", q.Code)
	}
	v.Required("from", q.From.String())
	v.Required("to", q.To.String())
	if !q.From.IsZero() && !q.To.IsZero() {
		if q.To.Before(q.From) {
			v.Add("to", "before_from", nil)
		} else if q.From.AddDays(MaxPeriodDays).Before(q.To) {
			v.Add("to", "period_too_long", nil)
		}
	}
	return v.Err()
}

// Counts are the request rollups summed over a territory and period: the Delta fields
// (overdue is the sum of every delta up to the end of To, i.e. overdue_open) and the
// processing days histogram.
type Counts struct {
	Delta
	Days map[int]int `json:"processing_days"` // processing working days → completions (timed only)
}

// Parts are the indicators read from other records than requests, for one territory
// and period.
type Parts struct {
	PaidCash       int64   `json:"paid_cash_piasters"`       // paid in cash in the period
	PaidElectronic int64   `json:"paid_electronic_piasters"` // paid electronically in the period
	Visits         int     `json:"inspection_visits"`        // inspection visits in the period
	VisitScoreSum  float64 `json:"inspection_score_sum"`
	Problems       int     `json:"problems_reported"` // reported in the period (merged duplicates excluded)
	ProblemsSolved int     `json:"problems_resolved"` // of those, resolved by the end of To
	Staff          int     `json:"staff"`             // staff in the fiscal year of To, up to To
	StaffTrained   int     `json:"staff_trained"`     // of those, with a course completed in it
}

// Figures are the indicators of one territory and period, by the API's names. Rates
// and shares are fractions 0–1; null when there is nothing to divide by.
type Figures struct {
	Query
	NameAr                string   `json:"name_ar,omitempty"`
	NameEn                string   `json:"name_en,omitempty"`
	Rank                  int      `json:"rank,omitempty"`
	Received              int      `json:"received"`
	Completed             int      `json:"completed"`
	OnTimeRate            *float64 `json:"on_time_rate"`
	OverdueOpen           int      `json:"overdue_open"`
	MedianProcessingDays  *int     `json:"median_processing_days"`
	P90ProcessingDays     *int     `json:"p90_processing_days"`
	OnlineShare           *float64 `json:"online_share"`
	EPaymentShare         *float64 `json:"e_payment_share"`
	Satisfaction          *float64 `json:"satisfaction"`
	InspectionScore       *float64 `json:"inspection_score"`
	ProblemResolutionRate *float64 `json:"problem_resolution_rate"`
	TrainingCoverage      *float64 `json:"training_coverage"`
	Index                 *float64 `json:"index"`
	IndexParts            []Part   `json:"index_parts"`
	Weights               Weights  `json:"weights"`
	// What the figures were computed from, for tables and checks.
	Counts Counts `json:"counts"`
	Parts  Parts  `json:"parts"`
}

func ratio(n, d float64) *float64 {
	if d == 0 {
		return nil
	}
	v := round(n/d, 4)
	return &v
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// Compute derives the figures from the counts and parts, scoring the index with w.
func Compute(q Query, c Counts, p Parts, w Weights) Figures {
	f := Figures{Query: q, Counts: c, Parts: p, Weights: w}
	f.Received, f.Completed, f.OverdueOpen = c.Received, c.Completed, c.Overdue
	f.OnTimeRate = ratio(float64(c.OnTime), float64(c.Timed))
	f.MedianProcessingDays = Percentile(c.Days, 50)
	f.P90ProcessingDays = Percentile(c.Days, 90)
	f.OnlineShare = ratio(float64(c.Online), float64(c.Received))
	f.EPaymentShare = ratio(float64(p.PaidElectronic), float64(p.PaidCash+p.PaidElectronic))
	if c.RatingN > 0 {
		v := round(float64(c.RatingSum)/float64(c.RatingN), 2)
		f.Satisfaction = &v
	}
	if p.Visits > 0 {
		v := round(p.VisitScoreSum/float64(p.Visits), 1)
		f.InspectionScore = &v
	}
	f.ProblemResolutionRate = ratio(float64(p.ProblemsSolved), float64(p.Problems))
	f.TrainingCoverage = ratio(float64(p.StaffTrained), float64(p.Staff))
	f.Index, f.IndexParts = Score(&f, c, w)
	return f
}

// Percentile is the nearest-rank percentile (the smallest value with at least pct% of
// the observations at or below it) of a histogram value → count; nil when empty.
func Percentile(h map[int]int, pct int) *int {
	n := 0
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return nil
	}
	rank := (pct*n + 99) / 100 // ceil(pct/100 × n)
	if rank < 1 {
		rank = 1
	}
	keys := make([]int, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := 0
	for _, k := range keys {
		seen += h[k]
		if seen >= rank {
			return &k
		}
	}
	return &keys[len(keys)-1]
}

// Step is how a series divides a period.
type Step string

// Steps a series may take. Weeks run Saturday to Friday; quarters and years are fiscal
// (Q1 = July–September, the year from 1 July).
const (
	StepDay     Step = "day"
	StepWeek    Step = "week"
	StepMonth   Step = "month"
	StepQuarter Step = "quarter"
	StepYear    Step = "year"
)

// Steps lists them.
var Steps = []string{string(StepDay), string(StepWeek), string(StepMonth), string(StepQuarter), string(StepYear)}

// PeriodStart is the first day of the step's period holding d.
func PeriodStart(s Step, d markaz.Date) markaz.Date {
	switch s {
	case StepWeek:
		back := (int(d.Start().Weekday()) - int(time.Saturday) + 7) % 7
		return d.AddDays(-back)
	case StepMonth:
		return markaz.Date{Y: d.Y, M: d.M, D: 1}
	case StepQuarter:
		m := time.Month((int(d.M)-1)/3*3 + 1)
		return markaz.Date{Y: d.Y, M: m, D: 1}
	case StepYear:
		from, _ := markaz.FiscalYearBounds(d.FiscalYear())
		return from
	}
	return d
}

// PeriodEnd is the last day of the step's period holding d.
func PeriodEnd(s Step, d markaz.Date) markaz.Date {
	start := PeriodStart(s, d)
	switch s {
	case StepWeek:
		return start.AddDays(6)
	case StepMonth:
		return addMonths(start, 1).AddDays(-1)
	case StepQuarter:
		return addMonths(start, 3).AddDays(-1)
	case StepYear:
		return addMonths(start, 12).AddDays(-1)
	}
	return d
}

func addMonths(d markaz.Date, n int) markaz.Date {
	t := time.Date(d.Y, d.M+time.Month(n), d.D, 12, 0, 0, 0, time.UTC)
	return markaz.Date{Y: t.Year(), M: t.Month(), D: t.Day()}
}

// Previous is the period of the same step just before the one holding d.
func Previous(s Step, d markaz.Date) (markaz.Date, markaz.Date) {
	end := PeriodStart(s, d).AddDays(-1)
	return PeriodStart(s, end), end
}

// Buckets splits [from, to] into the step's periods, clipped to the range.
func Buckets(s Step, from, to markaz.Date) [][2]markaz.Date {
	var out [][2]markaz.Date
	for d := from; !to.Before(d); {
		end := PeriodEnd(s, d)
		if to.Before(end) {
			end = to
		}
		out = append(out, [2]markaz.Date{d, end})
		d = end.AddDays(1)
	}
	return out
}
