package store

// Support teams: which support agents belong to which escalation team (ministry IT, the
// Ministry of Planning, the vendor). Membership is what lets an agent see a ticket, so
// only a national user manager changes it, only for users holding the support role, and
// every change is audited. An ended membership keeps its row (removed_at, removed_by).

import (
	"context"
	"slices"

	"markaz"
	"markaz/problem"
)

// SupportAgent is a user holding the support role today, with their teams.
type SupportAgent struct {
	ID       string   `json:"id" db:"id"`
	Username string   `json:"username" db:"username"`
	FullName string   `json:"full_name" db:"full_name"`
	Teams    []string `json:"teams" db:"-"`
}

// SupportAgents lists the users holding an active support assignment today, by username,
// with their teams.
func (db *DB) SupportAgents(ctx context.Context) ([]SupportAgent, error) {
	out := []SupportAgent{}
	err := db.Read(ctx, func(tx *Tx) error {
		today := tx.Today()
		if err := tx.Select(&out, `SELECT DISTINCT u.id, u.username, u.full_name FROM users u
			JOIN assignments a ON a.user_id = u.id WHERE a.role = ? AND a.revoked_at IS NULL AND a.starts_on <= ?
			AND (a.ends_on IS NULL OR a.ends_on >= ?) AND u.disabled_at IS NULL ORDER BY u.username`,
			markaz.RoleSupport, today, today); err != nil {
			return err
		}
		for i := range out {
			var err error
			if out[i].Teams, err = tx.SupportTeams(out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// SetSupportTeams makes teams (known targets, any order, no repeats) the escalation teams
// of user userID, for p, who must manage users nationally. The user must hold the support
// role today unless teams is empty (taking someone out of every team is always allowed).
func (tx *Tx) SetSupportTeams(p *markaz.Principal, userID string, teams []string) ([]string, error) {
	if !p.Scope(markaz.PermUsersManage).All {
		return nil, markaz.ErrForbidden
	}
	var v markaz.Validator
	var want []string
	for _, t := range teams {
		if !slices.Contains(problem.Targets, t) {
			v.Add("teams", "one_of", map[string]any{"allowed": "ministry_it, planning, vendor"})
			return nil, v.Err()
		}
		if !slices.Contains(want, t) {
			want = append(want, t)
		}
	}
	slices.Sort(want)
	u, err := tx.loadUser(userID)
	if err != nil {
		return nil, err
	}
	if len(want) > 0 {
		holds := false
		for _, a := range u.Assignments {
			holds = holds || a.Role == markaz.RoleSupport && a.ActiveOn(tx.Today())
		}
		if !holds {
			return nil, fieldErr("teams", "not_support")
		}
	}
	before, err := tx.SupportTeams(u.ID)
	if err != nil {
		return nil, err
	}
	if slices.Equal(before, want) {
		return before, nil
	}
	actor := ActorOf(p)
	for _, t := range before {
		if slices.Contains(want, t) {
			continue
		}
		if _, err := tx.Exec(`UPDATE support_team_members SET removed_by = ?, removed_at = ?
			WHERE user_id = ? AND team = ? AND removed_at IS NULL`, actor.Username, tx.Now, u.ID, t); err != nil {
			return nil, err
		}
	}
	for _, t := range want {
		if slices.Contains(before, t) {
			continue
		}
		if _, err := tx.Exec(`INSERT INTO support_team_members (id, user_id, team, added_by, added_at)
			VALUES (?, ?, ?, ?, ?)`, markaz.NewID(), u.ID, t, actor.Username, tx.Now); err != nil {
			return nil, err
		}
	}
	if want == nil {
		want = []string{}
	}
	err = tx.Audit(actor, "user.support_teams", "user", u.ID, markaz.Ref{}, map[string]any{"teams": before},
		map[string]any{"teams": want})
	return want, err
}
