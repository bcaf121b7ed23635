package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"markaz"
)

const userCols = `id, username, full_name, email, mobile, password_hash, must_change_password, locale,
	digits, disabled_at, failed_logins, locked_until, created_at, updated_at`

const assignmentCols = `id, user_id, role, level, gov_code, unit_code, center_id, starts_on, ends_on, revoked_at`

// ResolveAssignment checks the assignment's shape and that its territory exists and is
// not retired, and fills the wider codes it lies in (a center's unit and governorate, a
// unit's governorate). A center may be named by its id or its code.
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
			ID   string `db:"id"`
			Gov  string `db:"gov_code"`
			Unit string `db:"unit_code"`
		}
		if err := tx.Get(&c, `SELECT id, gov_code, unit_code FROM centers WHERE (id = ? OR code = ?) AND retired_on IS NULL`,
			a.CenterID, strings.ToUpper(a.CenterID)); err != nil {
			return bad("center_id")
		}
		a.CenterID, a.GovCode, a.UnitCode = c.ID, c.Gov, c.Unit
	}
	return nil
}

// InsertUser stores a new user and their assignments (already resolved and authorised)
// and audits it. The password hash is computed by the caller.
func (tx *Tx) InsertUser(actor Actor, u *markaz.User) error {
	if u.ID == "" {
		u.ID = markaz.NewID()
	}
	if u.Locale == "" {
		u.Locale = "ar"
	}
	if u.Digits == "" {
		u.Digits = "arab"
	}
	u.CreatedAt, u.UpdatedAt = tx.Now, tx.Now
	if _, err := tx.Exec(`INSERT INTO users (id, username, full_name, email, mobile, password_hash,
		must_change_password, locale, digits, search_key, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.FullName, u.Email, u.Mobile, u.PasswordHash, u.MustChangePassword,
		u.Locale, u.Digits, searchKey(u.Username, u.FullName), actor.UserID, tx.Now, tx.Now); err != nil {
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
// (a reset by a supervisor, see ResetPassword). Ending sessions is the caller's choice:
// a user changing their own password keeps the current one.
func (tx *Tx) SetPassword(actor Actor, u *markaz.User, hash string, mustChange bool) error {
	if _, err := tx.Exec(`UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0,
		locked_until = NULL, updated_at = ? WHERE id = ?`, hash, mustChange, tx.Now, u.ID); err != nil {
		return err
	}
	action := "user.password_change"
	if mustChange {
		action = "user.password_reset"
	}
	return tx.Audit(actor, action, "user", u.ID, userRef(u.Assignments),
		map[string]any{"must_change_password": u.MustChangePassword}, map[string]any{"must_change_password": mustChange})
}

// SetPreferences stores a user's language and digits.
func (tx *Tx) SetPreferences(p *markaz.Principal, locale, digits string) error {
	if p.Locale == locale && p.Digits == digits {
		return nil
	}
	if _, err := tx.Exec(`UPDATE users SET locale = ?, digits = ?, updated_at = ? WHERE id = ?`, locale, digits, tx.Now, p.UserID); err != nil {
		return err
	}
	type prefs struct {
		Locale string `json:"locale"`
		Digits string `json:"digits"`
	}
	return tx.Audit(ActorOf(p), "user.preferences", "user", p.UserID, userRef(p.Assignments),
		prefs{p.Locale, p.Digits}, prefs{locale, digits})
}

// User management. Every method takes the principal acting (nil: the system itself —
// the command line, start-up) and enforces, inside the transaction that writes, that it
// never grants more than it holds (markaz.Principal.CanGrant) and only touches users it
// may manage (CanManageUser).

// BuildAssignment parses an assignment input, checks its shape and resolves its
// territory (see ResolveAssignment). Problems are field errors named as in the input.
func (tx *Tx) BuildAssignment(in markaz.AssignmentInput) (markaz.Assignment, error) {
	a, err := in.Assignment(tx.Today())
	if err != nil {
		return a, err
	}
	return a, tx.ResolveAssignment(&a)
}

// checkGrant adds the problem that keeps p from granting a, if any (see
// markaz.Principal.GrantProblem: the role when p may grant it nowhere, else the
// territory or the end date), its field passed through rename (nil keeps it).
func checkGrant(p *markaz.Principal, a markaz.Assignment, v *markaz.Validator, rename func(string) string) {
	if p == nil {
		return
	}
	if field, code := p.GrantProblem(a); field != "" {
		if rename != nil {
			field = rename(field)
		}
		v.Add(field, code, nil)
	}
}

// usernameTaken reports whether a user (enabled or not) already has the name.
func (tx *Tx) usernameTaken(name string) (bool, error) {
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM users WHERE username = ?`, name)
	return n > 0, err
}

// MaxAssignments bounds the assignments given in one request.
const MaxAssignments = 20

// CheckNewUser validates a user to create with its assignments (fields
// "assignments[i].role" and so on), resolves their territories into u.Assignments,
// refuses any p may not grant (see checkGrant) and a taken username.
func (tx *Tx) CheckNewUser(p *markaz.Principal, u *markaz.User, ins []markaz.AssignmentInput) error {
	var v markaz.Validator
	if err := v.Merge(u.Validate(), nil); err != nil {
		return err
	}
	switch {
	case len(ins) == 0:
		v.Add("assignments", "required", nil)
	case len(ins) > MaxAssignments:
		v.Add("assignments", "too_many", map[string]any{"max": MaxAssignments})
		ins = nil
	}
	u.Assignments = nil
	for i, in := range ins {
		prefix := fmt.Sprintf("assignments[%d].", i)
		a, err := tx.BuildAssignment(in)
		if err := v.Merge(err, markaz.Prefixed(prefix)); err != nil {
			return err
		}
		if err == nil {
			checkGrant(p, a, &v, markaz.Prefixed(prefix))
			u.Assignments = append(u.Assignments, a)
		}
	}
	if !v.Has("username") {
		taken, err := tx.usernameTaken(u.Username)
		if err != nil {
			return err
		}
		if taken {
			v.Add("username", "username_taken", nil)
		}
	}
	return v.Err()
}

// CreateUser checks (CheckNewUser) and stores a new user, who must change the password
// (whose hash the caller set) at first login. Audited as user.create and assignment.grant.
func (tx *Tx) CreateUser(p *markaz.Principal, u *markaz.User, ins []markaz.AssignmentInput) error {
	if err := tx.CheckNewUser(p, u, ins); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return fmt.Errorf("create user %s: no password hash", u.Username)
	}
	u.MustChangePassword = true
	return tx.InsertUser(ActorOf(p), u)
}

// footprint places a user (see markaz.Footprint) on the transaction's day.
func (tx *Tx) footprint(u *markaz.User) []markaz.Assignment {
	return markaz.Footprint(u.Assignments, tx.Today())
}

// VisibleUser loads a user p may read (PermUsersRead): ErrNotFound when there is no such
// user, ErrForbidden when they lie outside p's scope.
func (tx *Tx) VisibleUser(p *markaz.Principal, id string) (*markaz.User, error) {
	u, err := tx.loadUser(id)
	if err != nil {
		return nil, err
	}
	if p != nil && !markaz.VisibleIn(p.Scope(markaz.PermUsersRead), tx.footprint(u)) {
		return nil, markaz.ErrForbidden
	}
	return u, nil
}

// ManagedUser loads a user p may manage: ErrNotFound when there is no such user,
// ErrForbidden when p may not manage them (outside its scope, holding more than p may
// grant, or p itself).
func (tx *Tx) ManagedUser(p *markaz.Principal, id string) (*markaz.User, error) {
	return tx.touchUser(p, id, (*markaz.Principal).CanManageUser)
}

// RestrictableUser loads a user p may disable or revoke assignments of (see
// markaz.Principal.CanRestrictUser); errors as ManagedUser.
func (tx *Tx) RestrictableUser(p *markaz.Principal, id string) (*markaz.User, error) {
	return tx.touchUser(p, id, (*markaz.Principal).CanRestrictUser)
}

func (tx *Tx) touchUser(p *markaz.Principal, id string, may func(*markaz.Principal, string, []markaz.Assignment) bool) (*markaz.User, error) {
	u, err := tx.loadUser(id)
	if err != nil {
		return nil, err
	}
	if p != nil && !may(p, u.ID, tx.footprint(u)) {
		return nil, markaz.ErrForbidden
	}
	return u, nil
}

// loadUser is GetUser for ids from URLs: junk is simply not found.
func (tx *Tx) loadUser(id string) (*markaz.User, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	return tx.GetUser(id)
}

// GrantAssignment gives a user one more assignment. p must manage the user and be able to
// grant the assignment (else a field error, see checkGrant); an assignment the user
// already holds in force is refused (already_held on "role").
func (tx *Tx) GrantAssignment(p *markaz.Principal, userID string, in markaz.AssignmentInput) (*markaz.Assignment, error) {
	u, err := tx.ManagedUser(p, userID)
	if err != nil {
		return nil, err
	}
	a, err := tx.BuildAssignment(in)
	if err != nil {
		return nil, err
	}
	var v markaz.Validator
	checkGrant(p, a, &v, nil)
	if err := v.Err(); err != nil {
		return nil, err
	}
	today := tx.Today()
	if slices.ContainsFunc(u.Assignments, func(h markaz.Assignment) bool {
		return h.Role == a.Role && h.Level == a.Level && h.Ref() == a.Ref() && h.RevokedAt == nil &&
			(h.EndsOn.IsZero() || !h.EndsOn.Before(today))
	}) {
		v.Add("role", "already_held", nil)
		return nil, v.Err()
	}
	return &a, tx.InsertAssignment(ActorOf(p), u.ID, &a)
}

// RevokeAssignment ends one assignment of a user now. p must manage the user and be able
// to have granted the assignment. Revoking a revoked assignment changes nothing.
func (tx *Tx) RevokeAssignment(p *markaz.Principal, userID, assignmentID string) (*markaz.Assignment, error) {
	u, err := tx.RestrictableUser(p, userID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(u.Assignments, func(a markaz.Assignment) bool { return a.ID == assignmentID })
	if i < 0 {
		return nil, markaz.ErrNotFound
	}
	a := u.Assignments[i]
	if p != nil && !p.CanRevoke(a) {
		return nil, markaz.ErrForbidden
	}
	if a.RevokedAt != nil {
		return &a, nil
	}
	before := a
	now := tx.Now
	a.RevokedAt = &now
	if _, err := tx.Exec(`UPDATE assignments SET revoked_at = ? WHERE id = ?`, now, a.ID); err != nil {
		return nil, err
	}
	return &a, tx.Audit(ActorOf(p), "assignment.revoke", "user", u.ID, a.Ref(), before, a)
}

// SetUserDisabled disables (ending every session and API token of the user at once) or
// re-enables a user p may manage. Setting the state it already has changes nothing.
func (tx *Tx) SetUserDisabled(p *markaz.Principal, userID string, disabled bool) (*markaz.User, error) {
	load := tx.ManagedUser // enabling gives power back: the full check
	if disabled {
		load = tx.RestrictableUser
	}
	u, err := load(p, userID)
	if err != nil {
		return nil, err
	}
	if (u.DisabledAt != nil) == disabled {
		return u, nil
	}
	before := *u
	action := "user.enable"
	u.DisabledAt, u.UpdatedAt = nil, tx.Now
	if disabled {
		action = "user.disable"
		now := tx.Now
		u.DisabledAt = &now
		if err := tx.RevokeUserSessions(u.ID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(`UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?`, u.DisabledAt, tx.Now, u.ID); err != nil {
		return nil, err
	}
	return u, tx.Audit(ActorOf(p), action, "user", u.ID, userRef(u.Assignments), before, u)
}

// ResetPassword gives a user p may manage a new temporary password (hash computed by the
// caller) that must be changed at next login, unlocks the account and ends every session
// and token of the user. Audited as user.password_reset.
func (tx *Tx) ResetPassword(p *markaz.Principal, userID, hash string) (*markaz.User, error) {
	u, err := tx.ManagedUser(p, userID)
	if err != nil {
		return nil, err
	}
	if err := tx.SetPassword(ActorOf(p), u, hash, true); err != nil {
		return nil, err
	}
	u.MustChangePassword = true
	return u, tx.RevokeUserSessions(u.ID)
}

// UserFilter narrows a user listing. Scope is where the caller may read users: a user
// is listed when one of the assignments that place them (see markaz.Footprint) lies in
// it. Role and Gov match an assignment in force; Q matches username and full name
// (Arabic-folded); After is the keyset cursor (the last username of the previous page).
type UserFilter struct {
	Scope           markaz.Scope
	Q               string
	Role            string
	Gov             string
	IncludeDisabled bool
	After           string
	Limit           int
}

// ListUsers returns one page of users in username order with all their assignments, and
// the username to continue after ("" on the last page). A governorate filter is checked
// as the centers list checks it: one that does not exist is a field error, one the
// scope does not reach at all is forbidden.
func (db *DB) ListUsers(ctx context.Context, f UserFilter) (out []markaz.User, next string, err error) {
	limit := clampLimit(f.Limit)
	err = db.Read(ctx, func(tx *Tx) error {
		if err := tx.checkCenterFilter(CenterFilter{Scope: f.Scope, Gov: f.Gov}); err != nil {
			return err
		}
		today := tx.Today()
		var w where
		if !f.Scope.All {
			var sub where
			sub.add("a.user_id = users.id")
			sub.add(`(a.revoked_at IS NULL AND (a.ends_on IS NULL OR a.ends_on >= ?) OR NOT EXISTS (SELECT 1 FROM assignments b
				WHERE b.user_id = users.id AND b.revoked_at IS NULL AND (b.ends_on IS NULL OR b.ends_on >= ?)))`, today, today)
			sub.scope(f.Scope, "a.gov_code", "a.unit_code", "a.center_id")
			w.add("EXISTS (SELECT 1 FROM assignments a"+sub.String()+")", sub.args...)
		}
		if f.Role != "" || f.Gov != "" {
			var sub where
			sub.add("r.user_id = users.id AND r.revoked_at IS NULL AND (r.ends_on IS NULL OR r.ends_on >= ?)", today)
			if f.Role != "" {
				sub.add("r.role = ?", f.Role)
			}
			if f.Gov != "" {
				sub.add("r.gov_code = ?", f.Gov)
			}
			// Only assignments the reader may see can match: a filter must not reveal the
			// roles a user holds elsewhere.
			sub.scope(f.Scope, "r.gov_code", "r.unit_code", "r.center_id")
			w.add("EXISTS (SELECT 1 FROM assignments r"+sub.String()+")", sub.args...)
		}
		if q := markaz.NormalizeSearch(f.Q); q != "" {
			w.add(`search_key LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(q)+"%")
		}
		if !f.IncludeDisabled {
			w.add("disabled_at IS NULL")
		}
		if f.After != "" {
			w.add("username > ?", f.After)
		}
		if err := tx.Select(&out, `SELECT `+userCols+` FROM users`+w.String()+` ORDER BY username LIMIT `+
			fmt.Sprint(limit+1), w.args...); err != nil {
			return err
		}
		if len(out) > limit {
			out, next = out[:limit], out[limit-1].Username
		}
		return tx.loadAssignments(out)
	})
	return out, next, err
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// loadAssignments fills the assignments of the listed users in one query.
func (tx *Tx) loadAssignments(us []markaz.User) error {
	if len(us) == 0 {
		return nil
	}
	ids := make([]any, len(us))
	at := map[string]int{}
	for i, u := range us {
		ids[i], at[u.ID] = u.ID, i
	}
	var as []markaz.Assignment
	if err := tx.Select(&as, `SELECT `+assignmentCols+` FROM assignments WHERE user_id IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`) ORDER BY created_at, id`, ids...); err != nil {
		return err
	}
	for _, a := range as {
		u := &us[at[a.UserID]]
		u.Assignments = append(u.Assignments, a)
	}
	return nil
}

// ImportRow is one line of a user import: one assignment of one user; a username
// repeated on later lines adds assignments (its other columns empty or the same).
// Territory is a governorate code, a district/city code or a center code, read by Level.
type ImportRow struct {
	Row                                      int // line number in the file, the header being 1
	Username, FullName, Email, Mobile        string
	Role, Level, Territory, StartsOn, EndsOn string
}

// RowError is one problem of an import row; Field names its column.
type RowError struct {
	Row int
	markaz.FieldError
}

// MaxImportRows bounds one import.
const MaxImportRows = 1000

// PlanImport validates every row as CreateUser would (fields, territories, what p may
// grant, usernames free) and groups the rows into users with their assignments. It
// writes nothing; when any row has a problem the users are nil.
func (tx *Tx) PlanImport(p *markaz.Principal, rows []ImportRow) ([]*markaz.User, []RowError, error) {
	var users []*markaz.User
	var problems []RowError
	byName := map[string]*markaz.User{}
	toColumn := func(f string) string {
		if slices.Contains(markaz.TerritoryFields, f) {
			return "territory"
		}
		return f
	}
	for _, r := range rows {
		var v markaz.Validator
		name := strings.ToLower(strings.TrimSpace(markaz.LatinDigits(r.Username)))
		u := byName[name]
		if u != nil {
			sameUser(u, r, &v)
		} else {
			u = &markaz.User{Username: r.Username, FullName: r.FullName, Email: r.Email, Mobile: r.Mobile}
			if err := v.Merge(u.Validate(), nil); err != nil {
				return nil, nil, err
			}
			if !v.Has("username") {
				taken, err := tx.usernameTaken(u.Username)
				if err != nil {
					return nil, nil, err
				}
				if taken {
					v.Add("username", "username_taken", nil)
				}
			}
		}
		in := markaz.AssignmentInput{Role: r.Role, Level: r.Level, StartsOn: r.StartsOn, EndsOn: r.EndsOn}
		in.PlaceCode(r.Territory)
		a, err := tx.BuildAssignment(in)
		if err := v.Merge(err, toColumn); err != nil {
			return nil, nil, err
		}
		if err == nil {
			checkGrant(p, a, &v, toColumn)
		}
		if err := v.Err(); err != nil {
			for _, f := range err.(*markaz.Error).Fields {
				problems = append(problems, RowError{Row: r.Row, FieldError: f})
			}
			continue
		}
		if byName[name] == nil {
			byName[name] = u
			users = append(users, u)
		}
		u.Assignments = append(u.Assignments, a)
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	return users, nil, nil
}

// sameUser checks that a repeated username's row leaves the user's columns empty or
// gives them as before.
func sameUser(u *markaz.User, r ImportRow, v *markaz.Validator) {
	for _, c := range []struct{ field, got, want string }{
		{"full_name", strings.TrimSpace(r.FullName), u.FullName},
		{"email", strings.TrimSpace(r.Email), u.Email},
		{"mobile", markaz.NormaliseMobile(r.Mobile), u.Mobile},
	} {
		if c.got != "" && c.got != c.want {
			v.Add(c.field, "user_fields_differ", nil)
		}
	}
}

// ImportUsers stores the users PlanImport made (password hashes set by the caller), each
// created as by CreateUser. Nothing is stored when any row has a problem.
func (tx *Tx) ImportUsers(p *markaz.Principal, rows []ImportRow, hashes map[string]string) ([]*markaz.User, []RowError, error) {
	users, problems, err := tx.PlanImport(p, rows)
	if err != nil || problems != nil {
		return nil, problems, err
	}
	for _, u := range users {
		if u.PasswordHash = hashes[u.Username]; u.PasswordHash == "" {
			return nil, nil, fmt.Errorf("import %s: no password hash", u.Username)
		}
		u.MustChangePassword = true
		if err := tx.InsertUser(ActorOf(p), u); err != nil {
			return nil, nil, err
		}
	}
	return users, nil, nil
}

// GrantPlaces are the territories in service a granter may choose from: the
// governorates, districts/cities and centers that lie wholly inside its scope, in code
// order (units and centers grouped by governorate, centers by district/city).
type GrantPlaces struct {
	Govs    []markaz.Governorate
	Units   []markaz.Unit
	Centers []GrantCenter
}

// GrantCenter is a center as a territory choice, with the names of its district/city
// and governorate.
type GrantCenter struct {
	ID         string `db:"id"`
	Code       string `db:"code"`
	NameAr     string `db:"name_ar"`
	NameEn     string `db:"name_en"`
	GovCode    string `db:"gov_code"`
	UnitCode   string `db:"unit_code"`
	UnitNameAr string `db:"unit_name_ar"`
	UnitNameEn string `db:"unit_name_en"`
	GovNameAr  string `db:"gov_name_ar"`
	GovNameEn  string `db:"gov_name_en"`
}

// GrantPlaces lists the territories scope s (a granter's PermUsersManage scope) holds.
func (db *DB) GrantPlaces(ctx context.Context, s markaz.Scope) (*GrantPlaces, error) {
	var out GrantPlaces
	err := db.Read(ctx, func(tx *Tx) error {
		var gw where
		gw.add("retired_on IS NULL")
		gw.scope(markaz.Scope{All: s.All, Govs: s.Govs}, "code", "", "")
		if err := tx.Select(&out.Govs, `SELECT code, name_ar, name_en, retired_on FROM governorates`+
			gw.String()+` ORDER BY code`, gw.args...); err != nil {
			return err
		}
		var uw where
		uw.add("retired_on IS NULL")
		uw.scope(markaz.Scope{All: s.All, Govs: s.Govs, Units: s.Units}, "gov_code", "code", "")
		if err := tx.Select(&out.Units, `SELECT code, gov_code, name_ar, name_en, unit_type, retired_on FROM units`+
			uw.String()+` ORDER BY gov_code, code`, uw.args...); err != nil {
			return err
		}
		var cw where
		cw.add("c.retired_on IS NULL")
		cw.scope(s, "c.gov_code", "c.unit_code", "c.id")
		return tx.Select(&out.Centers, `SELECT c.id, c.code, c.name_ar, c.name_en, c.gov_code, c.unit_code,
			u.name_ar AS unit_name_ar, u.name_en AS unit_name_en, g.name_ar AS gov_name_ar, g.name_en AS gov_name_en
			FROM centers c JOIN units u ON u.code = c.unit_code JOIN governorates g ON g.code = c.gov_code`+
			cw.String()+` ORDER BY c.gov_code, c.unit_code, c.code`, cw.args...)
	})
	return &out, err
}
