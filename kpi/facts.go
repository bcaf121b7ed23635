// Package kpi defines Markaz's performance indicators: what each one counts, how a
// request contributes to the rollups they are read from, how the composite index is
// scored, and the periods reports and series step through. It is pure: the store keeps
// the rollups and reads the other sources, the web and report layers show the Figures.
//
// Every count is kept per day and per (governorate, district, center, service, channel),
// the request's place when it was registered. A request contributes:
//   - received: +1 on its submission day (backlog entries: their original date);
//     online: the same when submitted online;
//   - completed: +1 on the day of its final decision (approved, rejected, deemed
//     approved), unless it is cancelled; timed, on_time, required_sum and the processing
//     days histogram: the same for completions outside the backlog channel;
//   - overdue: +1 on the first day it counts as overdue and open at the end of the day,
//     −1 on the first day it stops (decided, cancelled, waiting on the citizen), so that
//     overdue_open at the end of a day is the sum of every delta up to that day;
//   - rating_n, rating_sum: its citizen rating on the day it was given.
//
// Contribute is the one definition: the store applies it, as a difference before and
// after, in the transaction of every change to a request, and `markaz kpi verify`
// applies it afresh to the raw rows and compares.
package kpi

import (
	"slices"

	"markaz"
	"markaz/request"
)

// Facts is what a request's indicators depend on, read from its row and history.
type Facts struct {
	Gov, Unit, Center, Service, Channel string
	SubmittedOn                         markaz.Date
	Status                              string
	DecidedOn                           markaz.Date // zero while undecided
	Due                                 markaz.Date // the current due date (extended by pauses)
	RequiredDays                        int         // the service's working days when registered
	ProcessingDays                      *int        // set when decided through the workflow
	Rating                              int         // 1–5; 0 when not rated
	RatedOn                             markaz.Date
	// States is the request's state at the end of each day something happened to it,
	// oldest first, one entry per day (the last state of the day).
	States []State
}

// State is a request's status and due date in force at the end of Day.
type State struct {
	Day    markaz.Date
	Status string
	Due    markaz.Date
}

// Key is the place and day a contribution is counted at.
type Key struct {
	Day                                 markaz.Date
	Gov, Unit, Center, Service, Channel string
}

// Delta is what one request adds to the counts of one Key.
type Delta struct {
	Received    int `db:"received" json:"received"`
	Online      int `db:"online" json:"online"`
	Completed   int `db:"completed" json:"completed"`
	Timed       int `db:"timed" json:"timed"`
	OnTime      int `db:"on_time" json:"on_time"`
	RequiredSum int `db:"required_sum" json:"required_sum"`
	Overdue     int `db:"overdue" json:"overdue"`
	RatingN     int `db:"rating_n" json:"rating_n"`
	RatingSum   int `db:"rating_sum" json:"rating_sum"`
}

// IsZero reports whether d adds nothing.
func (d Delta) IsZero() bool { return d == Delta{} }

// Add adds o times sign to d.
func (d *Delta) Add(o Delta, sign int) {
	d.Received += sign * o.Received
	d.Online += sign * o.Online
	d.Completed += sign * o.Completed
	d.Timed += sign * o.Timed
	d.OnTime += sign * o.OnTime
	d.RequiredSum += sign * o.RequiredSum
	d.Overdue += sign * o.Overdue
	d.RatingN += sign * o.RatingN
	d.RatingSum += sign * o.RatingSum
}

// DaysKey is one bucket of the processing days histogram.
type DaysKey struct {
	Key
	Days int
}

// Rollup is a set of contributions: counts per Key and histogram entries per DaysKey.
type Rollup struct {
	Counts map[Key]Delta
	Days   map[DaysKey]int
}

// NewRollup returns an empty rollup.
func NewRollup() *Rollup { return &Rollup{Counts: map[Key]Delta{}, Days: map[DaysKey]int{}} }

func (r *Rollup) add(k Key, d Delta, sign int) {
	c := r.Counts[k]
	c.Add(d, sign)
	if c.IsZero() {
		delete(r.Counts, k)
	} else {
		r.Counts[k] = c
	}
}

func (r *Rollup) addDays(k DaysKey, n int) {
	if v := r.Days[k] + n; v == 0 {
		delete(r.Days, k)
	} else {
		r.Days[k] = v
	}
}

// Merge adds o times sign to r: Merge(before, -1) then Merge(after, 1) leaves what a
// change to a request changes.
func (r *Rollup) Merge(o *Rollup, sign int) {
	for k, d := range o.Counts {
		r.add(k, d, sign)
	}
	for k, n := range o.Days {
		r.addDays(k, sign*n)
	}
}

// Empty reports whether r changes nothing.
func (r *Rollup) Empty() bool { return len(r.Counts) == 0 && len(r.Days) == 0 }

// Contribute adds f's contributions to r, times sign (+1 to add a request, −1 to take it
// back before a change).
func Contribute(r *Rollup, f *Facts, sign int) {
	key := func(d markaz.Date) Key {
		return Key{Day: d, Gov: f.Gov, Unit: f.Unit, Center: f.Center, Service: f.Service, Channel: f.Channel}
	}
	rec := Delta{Received: 1}
	if f.Channel == request.ChannelOnline {
		rec.Online = 1
	}
	r.add(key(f.SubmittedOn), rec, sign)
	if Completed(f) {
		c := Delta{Completed: 1}
		if f.Channel != request.ChannelBacklog {
			c.Timed, c.RequiredSum = 1, f.RequiredDays
			if !f.Due.Before(f.DecidedOn) {
				c.OnTime = 1
			}
			if f.ProcessingDays != nil {
				r.addDays(DaysKey{key(f.DecidedOn), *f.ProcessingDays}, sign)
			}
		}
		r.add(key(f.DecidedOn), c, sign)
	}
	if f.Rating > 0 {
		r.add(key(f.RatedOn), Delta{RatingN: 1, RatingSum: f.Rating}, sign)
	}
	for _, iv := range OverdueIntervals(f) {
		r.add(key(iv.From), Delta{Overdue: 1}, sign)
		if !iv.Until.IsZero() {
			r.add(key(iv.Until), Delta{Overdue: -1}, sign)
		}
	}
}

// Completed reports whether f counts as completed on f.DecidedOn: a final decision that
// was not followed by a cancellation.
func Completed(f *Facts) bool {
	return !f.DecidedOn.IsZero() && f.Status != request.StatusCancelled
}

// Interval is a run of days [From, Until) a request counts in overdue_open at the end of
// each day; Until is zero while it still counts.
type Interval struct{ From, Until markaz.Date }

// OverdueIntervals returns the days f counts in overdue_open: at the end of day t it
// was submitted on or before t, was open and not waiting on the citizen (its state at
// the end of t), and the due date in force at the end of t was on or before t.
func OverdueIntervals(f *Facts) []Interval {
	var out []Interval
	var open *Interval
	closeAt := func(d markaz.Date) {
		if open != nil {
			open.Until = d
			if open.From.Before(d) {
				out = append(out, *open)
			}
			open = nil
		}
	}
	states := f.States
	if len(states) == 0 {
		states = []State{{Day: f.SubmittedOn, Status: f.Status, Due: f.Due}}
	}
	for i, s := range states {
		day := s.Day
		if day.Before(f.SubmittedOn) {
			day = f.SubmittedOn
		}
		var next markaz.Date // the day the next state begins; zero: none
		if i+1 < len(states) {
			next = states[i+1].Day
		}
		due := s.Due
		if due.IsZero() {
			due = f.Due
		}
		counts := slices.Contains(request.OpenStatuses, s.Status) && !request.Waiting(s.Status)
		start := day
		if due.After(start) {
			start = due
		}
		if !counts || (!next.IsZero() && !start.Before(next)) {
			closeAt(day)
			continue
		}
		if open != nil && start != day {
			closeAt(day) // the due date moved later: it stops counting until then
		}
		if open == nil {
			open = &Interval{From: start}
		}
	}
	if open != nil {
		out = append(out, *open)
	}
	if f.DecidedOn.IsZero() {
		return out
	}
	// A decided request stops counting on its decision day whatever its history's days
	// (a backlog entry's history is written when it is entered).
	kept := out[:0]
	for _, iv := range out {
		if iv.Until.IsZero() || iv.Until.After(f.DecidedOn) {
			iv.Until = f.DecidedOn
		}
		if iv.From.Before(iv.Until) {
			kept = append(kept, iv)
		}
	}
	return kept
}

// StatesOf folds a request's history (oldest first) into its state at the end of each
// day; an event without a due date keeps the one before it (the registration's: due).
func StatesOf(hist []request.Event, due markaz.Date) []State {
	var out []State
	cur := due
	for _, e := range hist {
		if !e.Due.IsZero() {
			cur = e.Due
		}
		d := markaz.DateOf(e.At)
		s := State{Day: d, Status: e.To, Due: cur}
		if n := len(out); n > 0 && out[n-1].Day == d {
			out[n-1] = s
		} else {
			out = append(out, s)
		}
	}
	return out
}

// FactsOf reads a request's facts from its row and history (oldest first); rating and
// ratedOn are its citizen rating, if any.
func FactsOf(r *request.Request, hist []request.Event, rating int, ratedOn markaz.Date) Facts {
	f := Facts{Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID, Service: r.ServiceCode, Channel: r.Channel,
		SubmittedOn: r.SubmittedOn, Status: r.Status, Due: r.DueDate, RequiredDays: r.WorkingDays,
		ProcessingDays: r.ProcessingDays, Rating: rating, RatedOn: ratedOn, States: StatesOf(hist, r.DueDate)}
	if r.DecidedAt != nil {
		f.DecidedOn = markaz.DateOf(*r.DecidedAt)
	}
	return f
}
