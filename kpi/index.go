package kpi

import (
	"math"
	"time"

	"markaz"
)

// The index's parts, by the name of the indicator each is scored from.
const (
	PartOnTime       = "on_time_rate"
	PartProcessing   = "median_processing_days"
	PartOnline       = "online_share"
	PartEPayment     = "e_payment_share"
	PartSatisfaction = "satisfaction"
	PartInspection   = "inspection_score"
	PartProblems     = "problem_resolution_rate"
	PartTraining     = "training_coverage"
)

// PartNames lists the parts in the order they are shown.
var PartNames = []string{PartOnTime, PartProcessing, PartSatisfaction, PartInspection, PartOnline, PartEPayment,
	PartProblems, PartTraining}

// DefaultWeights are the weights until the ministry sets its own (they sum to 100).
var DefaultWeights = map[string]int{PartOnTime: 25, PartProcessing: 15, PartSatisfaction: 15, PartInspection: 15,
	PartOnline: 10, PartEPayment: 5, PartProblems: 10, PartTraining: 5}

// Weights is one version of the index's weights, in force from EffectiveFrom.
type Weights struct {
	ID            string         `json:"id,omitempty"`
	EffectiveFrom markaz.Date    `json:"effective_from"`
	Values        map[string]int `json:"values"`
	Note          string         `json:"note,omitempty"`
	CreatedBy     string         `json:"created_by,omitempty"`
	CreatedAt     *time.Time     `json:"created_at,omitempty"`
}

// Validate checks a weights version: every part named, 0–100 each, some weight > 0.
func (w *Weights) Validate() error {
	var v markaz.Validator
	v.Required("effective_from", w.EffectiveFrom.String())
	sum := 0
	for name, n := range w.Values {
		if _, ok := DefaultWeights[name]; !ok {
			v.Add("values."+name, "unknown_part", nil)
			continue
		}
		if n < 0 || n > 100 {
			v.Add("values."+name, "out_of_range", nil)
		}
		sum += n
	}
	for _, name := range PartNames {
		if _, ok := w.Values[name]; !ok {
			v.Add("values."+name, "required", nil)
		}
	}
	if sum <= 0 {
		v.Add("values", "all_zero", nil)
	}
	v.Text("note", w.Note, 500, false)
	return v.Err()
}

// Part is one part of the index as scored: its indicator's value, its 0–100 score, the
// weight set for it and the weight it carried once parts without data passed theirs on.
type Part struct {
	Name   string   `json:"name"`
	Value  *float64 `json:"value"`
	Score  *float64 `json:"score"`
	Weight int      `json:"weight"`
	Used   float64  `json:"effective_weight"`
}

// Score maps each part to 0–100 and returns the weighted mean over the parts with data
// (a part without data passes its weight to the others in proportion to theirs), and the
// parts as scored. The index is nil when no weighted part has data.
//
//   - on_time_rate, online_share, e_payment_share, problem_resolution_rate,
//     training_coverage: the share × 100;
//   - median_processing_days: against the mean required duration of the same
//     completions: 100 at or under it, 0 at twice it or more, linear between;
//   - satisfaction (1–5): (mean − 1) / 4 × 100;
//   - inspection_score: as it is (already 0–100).
func Score(f *Figures, c Counts, w Weights) (*float64, []Part) {
	pct := func(v *float64) (*float64, *float64) {
		if v == nil {
			return nil, nil
		}
		s := round(*v*100, 1)
		return v, &s
	}
	parts := make([]Part, 0, len(PartNames))
	total, weighted := 0.0, 0.0
	for _, name := range PartNames {
		p := Part{Name: name, Weight: w.Values[name]}
		switch name {
		case PartOnTime:
			p.Value, p.Score = pct(f.OnTimeRate)
		case PartOnline:
			p.Value, p.Score = pct(f.OnlineShare)
		case PartEPayment:
			p.Value, p.Score = pct(f.EPaymentShare)
		case PartProblems:
			p.Value, p.Score = pct(f.ProblemResolutionRate)
		case PartTraining:
			p.Value, p.Score = pct(f.TrainingCoverage)
		case PartProcessing:
			if f.MedianProcessingDays != nil && c.Timed > 0 && c.RequiredSum > 0 {
				v := float64(*f.MedianProcessingDays)
				ratio := v / (float64(c.RequiredSum) / float64(c.Timed))
				s := round(100*math.Max(0, math.Min(1, 2-ratio)), 1)
				p.Value, p.Score = &v, &s
			}
		case PartSatisfaction:
			if f.Satisfaction != nil {
				s := round((*f.Satisfaction-1)/4*100, 1)
				p.Value, p.Score = f.Satisfaction, &s
			}
		case PartInspection:
			if f.InspectionScore != nil {
				s := *f.InspectionScore
				p.Value, p.Score = f.InspectionScore, &s
			}
		}
		if p.Score != nil && p.Weight > 0 {
			total += float64(p.Weight)
			weighted += float64(p.Weight) * *p.Score
		}
		parts = append(parts, p)
	}
	if total == 0 {
		return nil, parts
	}
	for i := range parts {
		if parts[i].Score != nil {
			parts[i].Used = round(float64(parts[i].Weight)/total*100, 2)
		}
	}
	v := round(weighted/total, 1)
	return &v, parts
}
