package training

import (
	"math"
	"slices"

	"markaz"
)

// Training coverage of a territory (a center, a governorate or the nation) in fiscal year
// FY, for each role R of Roles:
//
//	staff(R)   = the distinct users who held R, in an assignment placed in the territory,
//	             on at least one day of the period;
//	trained(R) = those of staff(R) with at least one completed course in the period;
//	share(R)   = trained(R) / staff(R) (none when staff(R) is 0).
//
// The period runs from 1 July of FY to 30 June of FY+1, cut at today for the current
// year (a future year has no coverage). An assignment is held from its start to its end,
// or to the day before it was revoked or its user disabled when that came first (a role
// granted by mistake and revoked the same day was never held). "Placed in the
// territory": for a center, assignments at that center; for a governorate, every
// assignment whose territory lies in it (the governorate itself, its districts/cities and
// centers); for the nation, every assignment. A completed course is an enrolment attended
// and passed in a session not cancelled; it counts on the session's last day, whatever
// role the trainee enrolled as (enrolment already requires an audience role). A course
// completed in the previous fiscal year does not count, nor does a failed one.
//
// The total counts each user once: staff = users holding at least one role of Roles there,
// trained = those of them with a completed course in the period.

// Held is one stretch of a role held by a user in a territory: From to To inclusive (To
// zero when open-ended).
type Held struct {
	UserID   string      `db:"user_id"`
	Role     string      `db:"role"`
	GovCode  string      `db:"gov_code"`
	CenterID string      `db:"center_id"`
	From     markaz.Date `db:"starts_on"`
	To       markaz.Date `db:"ends_on"`
}

// Overlaps reports whether the stretch has a day in [from, to].
func (h Held) Overlaps(from, to markaz.Date) bool {
	return !h.From.After(to) && (h.To.IsZero() || !h.To.Before(from)) && (h.To.IsZero() || !h.To.Before(h.From))
}

// Completion is a completed course: who, and the day it counts on.
type Completion struct {
	UserID string      `db:"user_id"`
	On     markaz.Date `db:"ends_on"`
}

// Figures are the staff, trained and share of one role (or of all roles) in a territory.
type Figures struct {
	Staff   int      `json:"staff"`
	Trained int      `json:"trained"`
	Share   *float64 `json:"share"` // trained / staff, null when there is no staff
}

// RoleFigures are one role's figures.
type RoleFigures struct {
	Role string `json:"role"`
	Figures
}

// Coverage is the coverage of one territory: each role of Roles in order, and the total.
type Coverage struct {
	ByRole []RoleFigures `json:"by_role"`
	Total  Figures       `json:"total"`
}

// Period returns the days fiscal year fy covers as of today: its bounds, the end cut at
// today; ok is false for a year that has not begun.
func Period(fy int, today markaz.Date) (from, to markaz.Date, ok bool) {
	from, to = markaz.FiscalYearBounds(fy)
	if from.After(today) {
		return from, to, false
	}
	if to.After(today) {
		to = today
	}
	return from, to, true
}

// Compute is the coverage, over [from, to], of the staff stretches held (already
// restricted to the territory) with the completions done (of any users; only those in
// the period count).
func Compute(from, to markaz.Date, held []Held, done []Completion) Coverage {
	trained := map[string]bool{}
	for _, c := range done {
		if !c.On.Before(from) && !c.On.After(to) {
			trained[c.UserID] = true
		}
	}
	byRole := map[string]map[string]bool{}
	all := map[string]bool{}
	for _, h := range held {
		if !slices.Contains(Roles, h.Role) || !h.Overlaps(from, to) {
			continue
		}
		if byRole[h.Role] == nil {
			byRole[h.Role] = map[string]bool{}
		}
		byRole[h.Role][h.UserID] = true
		all[h.UserID] = true
	}
	var out Coverage
	for _, r := range Roles {
		out.ByRole = append(out.ByRole, RoleFigures{Role: r, Figures: count(byRole[r], trained)})
	}
	out.Total = count(all, trained)
	return out
}

// count is the figures of a set of users.
func count(users, trained map[string]bool) Figures {
	f := Figures{Staff: len(users)}
	for u := range users {
		if trained[u] {
			f.Trained++
		}
	}
	if f.Staff > 0 {
		s := math.Round(float64(f.Trained)/float64(f.Staff)*10000) / 10000
		f.Share = &s
	}
	return f
}

// Role returns the figures of role r (zero figures when r is not one of Roles).
func (c Coverage) Role(r string) Figures {
	for _, f := range c.ByRole {
		if f.Role == r {
			return f.Figures
		}
	}
	return Figures{}
}
