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
		var err error
		evs, err = tx.problemEvents(&w, "", from, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.tally(evs)
	return s, nil
}

// problemEvents reads the events, up to the end of to, of the tickets meeting w
// (conditions on problems alias p) reported from the start of from to the end of to,
// merged duplicates left out, in ticket and history order. Each event carries the
// ticket's value of column group (of problems; "" for none) as Group.
func (tx *Tx) problemEvents(w *where, group string, from, to markaz.Date) ([]summaryEvent, error) {
	end := to.AddDays(1).Start().UTC()
	w.add("p.status <> ?", problem.StatusMerged)
	w.add("p.reported_at >= ? AND p.reported_at < ?", from.Start().UTC(), end)
	w.add("e.at < ?", end)
	g := "''"
	if group != "" {
		g = "p." + group
	}
	var evs []summaryEvent
	err := tx.Select(&evs, `SELECT e.problem_id, e.action, e.to_status, e.category, e.target, e.at, p.reported_at, `+g+` AS g
		FROM problem_events e JOIN problems p ON p.id = e.problem_id`+w.String()+` ORDER BY e.problem_id, e.seq`, w.args...)
	return evs, err
}

type summaryEvent struct {
	ProblemID  string    `db:"problem_id"`
	Action     string    `db:"action"`
	To         string    `db:"to_status"`
	Category   string    `db:"category"`
	Target     string    `db:"target"`
	At         time.Time `db:"at"`
	ReportedAt time.Time `db:"reported_at"`
	Group      string    `db:"g"`
}

// problemState is a ticket as it stood at the end of a period, replayed from its events.
type problemState struct {
	ID, Group                string
	Status, Category, Target string
	ReportedAt, ResolvedAt   time.Time
}

// replayProblems replays each ticket's events (as problemEvents reads them) and calls fn
// with its state after the last.
func replayProblems(evs []summaryEvent, fn func(problemState)) {
	for i := 0; i < len(evs); {
		st := problemState{ID: evs[i].ProblemID, Group: evs[i].Group, Target: TargetNone, ReportedAt: evs[i].ReportedAt}
		for ; i < len(evs) && evs[i].ProblemID == st.ID; i++ {
			e := evs[i]
			st.Status = e.To
			if e.Category != "" {
				st.Category = e.Category
			}
			if e.Target != "" {
				st.Target = e.Target
			}
			if e.Action == problem.ActionResolve {
				st.ResolvedAt = e.At
			}
		}
		fn(st)
	}
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
	replayProblems(evs, func(st problemState) {
		for _, l := range []*ProblemCount{&all, cats[st.Category], targets[st.Target]} {
			if l == nil {
				continue
			}
			l.Total++
			if problem.Solved(st.Status) {
				l.Resolved++
				l.hours = append(l.hours, problem.Hours(st.ReportedAt, st.ResolvedAt))
			} else {
				l.Open++
			}
		}
	})
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
