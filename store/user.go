package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"markaz"
)

const userCols = `id, username, full_name, email, mobile, password_hash, must_change_password, locale,
	digits, disabled_at, failed_logins, locked_until, created_at, updated_at`

const assignmentCols = `id, user_id, role, level, gov_code, unit_code, center_id, starts_on, ends_on, revoked_at`

// ResolveAssignment checks that the assignment's territory exists and fills the wider
// codes it lies in (a center's unit and governorate, a unit's governorate).
func (tx *Tx) ResolveAssignment(a *markaz.Assignment) error {
	if err := a.ValidateShape(); err != nil {
		return err
	}
	bad := func(field string) error {
		var v markaz.Validator
		v.Add(field, "unknown_territory", nil)
		return v.Err()
	}
	switch a.Level {
	case markaz.LevelGovernorate:
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM governorates WHERE code = ? AND retired_on IS NULL`, a.GovCode); err != nil || n == 0 {
			return bad("governorate")
		}
	case markaz.LevelUnit:
		var u markaz.Unit
		if err := getUnit(tx, a.UnitCode, &u); err != nil || !u.RetiredOn.IsZero() {
			return bad("unit")
		}
		a.GovCode = u.GovCode
	case markaz.LevelCenter:
		var c struct {
			Gov  string `db:"gov_code"`
			Unit string `db:"unit_code"`
		}
		if err := tx.Get(&c, `SELECT gov_code, unit_code FROM centers WHERE id = ? AND retired_on IS NULL`, a.CenterID); err != nil {
			return bad("center")
		}
		a.GovCode, a.UnitCode = c.Gov, c.Unit
	}
	return nil
}

// InsertUser stores a new user and their assignments (already resolved and authorised)
// and audits it. The password hash is computed by the caller.
func (tx *Tx) InsertUser(actor Actor, u *markaz.User) error {
	if u.ID == "" {
		u.ID = markaz.NewID()
	}
	u.CreatedAt, u.UpdatedAt = tx.Now, tx.Now
	if _, err := tx.Exec(`INSERT INTO users (id, username, full_name, email, mobile, password_hash,
		must_change_password, locale, digits, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.FullName, u.Email, u.Mobile, u.PasswordHash, u.MustChangePassword,
		u.Locale, u.Digits, actor.UserID, tx.Now, tx.Now); err != nil {
		return err
	}
	if err := tx.Audit(actor, "user.create", "user", u.ID, userRef(u.Assignments), nil, u); err != nil {
		return err
	}
	for i := range u.Assignments {
		if err := tx.InsertAssignment(actor, u.ID, &u.Assignments[i]); err != nil {
			return err
		}
	}
	return nil
}

// InsertAssignment stores one assignment and audits it.
func (tx *Tx) InsertAssignment(actor Actor, userID string, a *markaz.Assignment) error {
	a.ID, a.UserID = markaz.NewID(), userID
	if _, err := tx.Exec(`INSERT INTO assignments (id, user_id, role, level, gov_code, unit_code, center_id,
		starts_on, ends_on, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, userID, a.Role, a.Level, a.GovCode, a.UnitCode, a.CenterID, a.StartsOn, a.EndsOn,
		actor.UserID, tx.Now); err != nil {
		return err
	}
	return tx.Audit(actor, "assignment.grant", "user", userID, a.Ref(), nil, a)
}

// userRef places a user in the audit log: in the one governorate all their assignments
// share, otherwise nationally.
func userRef(as []markaz.Assignment) markaz.Ref {
	gov := ""
	for i, a := range as {
		if i == 0 {
			gov = a.GovCode
		} else if a.GovCode != gov {
			return markaz.Ref{}
		}
	}
	return markaz.Ref{Gov: gov}
}

// UserRef is where a user's audit entries go (see userRef).
func UserRef(as []markaz.Assignment) markaz.Ref { return userRef(as) }

// GetUser loads a user by id with all their assignments.
func (tx *Tx) GetUser(id string) (*markaz.User, error) {
	var u markaz.User
	if err := tx.Get(&u, `SELECT `+userCols+` FROM users WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &u, tx.Select(&u.Assignments, `SELECT `+assignmentCols+` FROM assignments WHERE user_id = ? ORDER BY created_at, id`, id)
}

// GetUserByName loads a user by username with all their assignments.
func (tx *Tx) GetUserByName(username string) (*markaz.User, error) {
	var id string
	if err := tx.Get(&id, `SELECT id FROM users WHERE username = ?`, username); err != nil {
		return nil, err
	}
	return tx.GetUser(id)
}

// Principal builds the principal of a user with the assignments in force on tx's day.
func (tx *Tx) Principal(u *markaz.User) *markaz.Principal {
	p := &markaz.Principal{UserID: u.ID, Username: u.Username, FullName: u.FullName, Locale: u.Locale, Digits: u.Digits}
	today := tx.Today()
	for _, a := range u.Assignments {
		if a.ActiveOn(today) {
			p.Assignments = append(p.Assignments, a)
		}
	}
	return p
}

// Session lifetimes.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
	TokenLifetime   = 24 * time.Hour
)

// HashToken is how session and API tokens are stored: only their SHA-256.
func HashToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// CreateSession stores a new web session or API token for a user.
func (tx *Tx) CreateSession(userID, token, kind string) error {
	life := SessionAbsolute
	if kind == "api" {
		life = TokenLifetime
	}
	_, err := tx.Exec(`INSERT INTO sessions (token_hash, user_id, kind, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, HashToken(token), userID, kind, tx.Now, tx.Now, tx.Now.Add(life))
	return err
}

// SessionPrincipal returns the principal behind a token, or ErrUnauthorized when the
// token is unknown, revoked, expired (absolute, or 30 minutes idle for web sessions) or
// its user is disabled. It refreshes last_seen_at at most once a minute.
func (db *DB) SessionPrincipal(ctx context.Context, token, kind string) (*markaz.Principal, bool, error) {
	var p *markaz.Principal
	var mustChange bool
	h := HashToken(token)
	var s struct {
		UserID   string    `db:"user_id"`
		LastSeen time.Time `db:"last_seen_at"`
		Expires  time.Time `db:"expires_at"`
	}
	err := db.Read(ctx, func(tx *Tx) error {
		if err := tx.Get(&s, `SELECT user_id, last_seen_at, expires_at FROM sessions
			WHERE token_hash = ? AND kind = ? AND revoked_at IS NULL`, h, kind); err != nil {
			return markaz.ErrUnauthorized
		}
		if !tx.Now.Before(s.Expires) || kind == "web" && tx.Now.Sub(s.LastSeen) >= SessionIdle {
			return markaz.ErrUnauthorized
		}
		u, err := tx.GetUser(s.UserID)
		if err != nil {
			return err
		}
		if u.DisabledAt != nil {
			return markaz.ErrUnauthorized
		}
		mustChange = u.MustChangePassword
		p = tx.Principal(u)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if kind == "web" && db.Clock.Now().Sub(s.LastSeen) > time.Minute {
		err = db.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec(`UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, tx.Now, h)
			return err
		})
	}
	return p, mustChange, err
}

// RevokeSession ends one session or token.
func (db *DB) RevokeSession(ctx context.Context, token string) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(`UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`, tx.Now, HashToken(token))
		return err
	})
}

// RevokeUserSessions ends every session and token of a user (on disable or password reset).
func (tx *Tx) RevokeUserSessions(userID string) error {
	_, err := tx.Exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, tx.Now, userID)
	return err
}

// SetPassword replaces a user's password hash; mustChange forces a change at next login
// (a reset by a supervisor). Other sessions of the user end.
func (tx *Tx) SetPassword(actor Actor, u *markaz.User, hash string, mustChange bool) error {
	if _, err := tx.Exec(`UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0,
		locked_until = NULL, updated_at = ? WHERE id = ?`, hash, mustChange, tx.Now, u.ID); err != nil {
		return err
	}
	action := "user.password_change"
	if mustChange {
		action = "user.password_reset"
	}
	return tx.Audit(actor, action, "user", u.ID, userRef(u.Assignments), nil, nil)
}

// SetPreferences stores a user's language and digits.
func (tx *Tx) SetPreferences(userID, locale, digits string) error {
	_, err := tx.Exec(`UPDATE users SET locale = ?, digits = ?, updated_at = ? WHERE id = ?`, locale, digits, tx.Now, userID)
	return err
}
