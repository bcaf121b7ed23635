package store

import (
	"context"
	"time"

	"markaz"
	"markaz/problem"
)

// ProblemCount is one line of a summary's breakdown: how many tickets, how many solved at
// the end of the period, how many still open, and the median hours they took.
type ProblemCount struct {
	Key         string   `json:"key"`
	Total       int      `json:"total"`
	Resolved    int      `json:"resolved"`
	Open        int      `json:"open"`
	MedianHours *float64 `json:"median_hours_to_resolve"`
	hours       []float64
}

// ProblemSummary answers "how many problems were reported and how many were solved" for a
// territory and period. Total counts the tickets reported from the start of From to the
// end of To (Cairo days); Resolved those whose state at the end of To, replayed from their
// history, was resolved or closed; Open the rest. A ticket resolved after To, or reopened
// after To, does not move a past period's figures. Duplicates merged into another ticket
// are not counted at all (their original is). MedianHours is the standard median (the mean
// of the two middle values for an even count) of the hours from report to the resolution
// in force at the end of To, over the resolved tickets; null when none. Category and
// escalation target are also as they stood at the end of To ("none": never escalated).
type ProblemSummary struct {
	Governorate string         `json:"governorate,omitempty"`
	From        markaz.Date    `json:"from"`
	To          markaz.Date    `json:"to"`
	Total       int            `json:"total"`
	Resolved    int            `json:"resolved"`
	Open        int            `json:"open"`
	MedianHours *float64       `json:"median_hours_to_resolve"`
	ByCategory  []ProblemCount `json:"by_category"`
	ByTarget    []ProblemCount `json:"by_target"`
}

// TargetNone is the by_target key of tickets never escalated.
const TargetNone = "none"

// ProblemSummary computes the summary inside scope, narrowed to governorate gov when it is
// not "". An unknown governorate is a field error; one the scope does not reach is
// forbidden.
func (db *DB) ProblemSummary(ctx context.Context, scope markaz.Scope, gov string, from, to markaz.Date) (*ProblemSummary, error) {
	s := &ProblemSummary{Governorate: gov, From: from, To: to}
	var evs []summaryEvent
	err := db.Read(ctx, func(tx *Tx) error {
		if gov != "" {
			if err := tx.checkCenterFilter(CenterFilter{Scope: scope, Gov: gov}); err != nil {
				return err
			}
		}
		var w where
		w.scope(scope, "p.gov_code", "p.unit_code", "p.center_id")
		if gov != "" {
			w.add("p.gov_code = ?", gov)
		}
		end := to.AddDays(1).Start().UTC()
		w.add("p.status <> ?", problem.StatusMerged)
		w.add("p.reported_at >= ? AND p.reported_at < ?", from.Start().UTC(), end)
		w.add("e.at < ?", end)
		return tx.Select(&evs, `SELECT e.problem_id, e.action, e.to_status, e.category, e.target, e.at, p.reported_at
			FROM problem_events e JOIN problems p ON p.id = e.problem_id`+w.String()+` ORDER BY e.problem_id, e.seq`, w.args...)
	})
	if err != nil {
		return nil, err
	}
	s.tally(evs)
	return s, nil
}

type summaryEvent struct {
	ProblemID  string    `db:"problem_id"`
	Action     string    `db:"action"`
	To         string    `db:"to_status"`
	Category   string    `db:"category"`
	Target     string    `db:"target"`
	At         time.Time `db:"at"`
	ReportedAt time.Time `db:"reported_at"`
}

// tally replays each ticket's events (in order, up to the end of the period) and counts it.
func (s *ProblemSummary) tally(evs []summaryEvent) {
	cats := map[string]*ProblemCount{}
	for _, c := range problem.Categories {
		s.ByCategory = append(s.ByCategory, ProblemCount{Key: c})
	}
	for _, t := range append(append([]string{}, problem.Targets...), TargetNone) {
		s.ByTarget = append(s.ByTarget, ProblemCount{Key: t})
	}
	for i := range s.ByCategory {
		cats[s.ByCategory[i].Key] = &s.ByCategory[i]
	}
	targets := map[string]*ProblemCount{}
	for i := range s.ByTarget {
		targets[s.ByTarget[i].Key] = &s.ByTarget[i]
	}
	var all ProblemCount
	for i := 0; i < len(evs); {
		id := evs[i].ProblemID
		status, category, target := "", "", TargetNone
		var resolvedAt time.Time
		reported := evs[i].ReportedAt
		for ; i < len(evs) && evs[i].ProblemID == id; i++ {
			e := evs[i]
			status = e.To
			if e.Category != "" {
				category = e.Category
			}
			if e.Target != "" {
				target = e.Target
			}
			if e.Action == problem.ActionResolve {
				resolvedAt = e.At
			}
		}
		lines := []*ProblemCount{&all, cats[category], targets[target]}
		for _, l := range lines {
			if l == nil {
				continue
			}
			l.Total++
			if problem.Solved(status) {
				l.Resolved++
				l.hours = append(l.hours, problem.Hours(reported, resolvedAt))
			} else {
				l.Open++
			}
		}
	}
	finish := func(c *ProblemCount) {
		if m, ok := problem.Median(c.hours); ok {
			m = float64(int64(m*10+0.5)) / 10
			c.MedianHours = &m
		}
	}
	finish(&all)
	s.Total, s.Resolved, s.Open, s.MedianHours = all.Total, all.Resolved, all.Open, all.MedianHours
	for i := range s.ByCategory {
		finish(&s.ByCategory[i])
	}
	for i := range s.ByTarget {
		finish(&s.ByTarget[i])
	}
}

// ReachedGovernorates lists the governorates scope reaches, wholly or in part: the
// choices of a governorate filter.
func (db *DB) ReachedGovernorates(ctx context.Context, scope markaz.Scope) ([]markaz.Governorate, error) {
	var out []markaz.Governorate
	err := db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = reachedGovernorates(tx, scope)
		return err
	})
	return out, err
}
