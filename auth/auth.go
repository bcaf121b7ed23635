// Package auth owns passwords (argon2id, PHC strings), random tokens and the login rule:
// wrong passwords are counted in the database, so the lockout holds across instances.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"markaz"
	"markaz/store"
)

// Params are argon2id costs. Default follows OWASP's minimum (19 MiB, 2 passes).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// Default is used for every password in production.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// hashing bounds concurrent argon2 work so a burst of logins cannot exhaust memory.
var hashing = make(chan struct{}, 4)

// Hash returns the PHC string of password.
func Hash(password string, p Params) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	hashing <- struct{}{}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	<-hashing
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// Verify reports whether password matches the PHC string.
func Verify(password, phc string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || p.Memory > 256*1024 || p.Time > 10 {
		return false
	}
	hashing <- struct{}{}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	<-hashing
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewToken returns 32 random bytes, URL-safe encoded.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Lockout policy: after MaxFailures wrong passwords in a row the account is locked for
// LockFor — long enough to stop guessing, short enough that nobody can lock a center out
// for the day.
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
)

// dummy is verified against for unknown users so that timing does not reveal which
// usernames exist.
var dummy = Hash("markaz-dummy-password", Default)

// ErrLocked is returned while an account is locked.
var ErrLocked = &markaz.Error{Code: markaz.ELocked, Key: "error.locked"}

// ErrBadCredentials is returned for an unknown user, a wrong password or a disabled user.
var ErrBadCredentials = &markaz.Error{Code: markaz.EUnauthorized, Key: "error.bad_credentials"}

func lockedErr(until *time.Time, now time.Time) error {
	if until == nil || !now.Before(*until) {
		return nil
	}
	return &markaz.Error{Code: markaz.ELocked, Key: "error.locked",
		Args: map[string]any{"minutes": int(until.Sub(now).Minutes()) + 1}}
}

// attempt records one password check of u inside tx: it refuses while the account is
// locked (re-read on the locked row, so guesses sent in parallel cannot slip past the
// lockout), and counts a failure, locking the account at the fifth.
func attempt(tx *store.Tx, u *markaz.User, ok bool) error {
	var lockedUntil *time.Time
	if err := tx.Get(&lockedUntil, `SELECT locked_until FROM users WHERE id = ?`+tx.ForUpdate(), u.ID); err != nil {
		return err
	}
	if err := lockedErr(lockedUntil, tx.Now); err != nil {
		return err
	}
	if ok {
		return nil
	}
	// The UPDATE is atomic, so concurrent guesses from several instances all count.
	var n int
	if err := tx.Get(&n, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, u.ID); err != nil {
		return err
	}
	if n < MaxFailures {
		return nil
	}
	until := tx.Now.Add(LockFor)
	if _, err := tx.Exec(`UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`, until, u.ID); err != nil {
		return err
	}
	return tx.Audit(store.Actor{Username: "system"}, "user.locked", "user", u.ID, store.UserRef(u.Assignments), nil,
		map[string]any{"locked_until": until})
}

// VerifyCurrent checks the password of a logged-in user (before a password change),
// counting a wrong one towards the same lockout as logins, so a stolen session cannot
// be used to guess the password. It returns ErrLocked-style errors while locked.
func VerifyCurrent(ctx context.Context, db *store.DB, u *markaz.User, password string) (bool, error) {
	ok := len(password) <= 1024 && Verify(password, u.PasswordHash)
	err := db.Write(ctx, func(tx *store.Tx) error { return attempt(tx, u, ok) })
	return ok && err == nil, err
}

// Login checks a username and password and, on success, opens a session of the given kind
// ("web" or "api"), returning its token and the user. A mobile number in any form (+20…,
// spaces, Arabic-Indic digits) is read as the 01… username citizens' accounts carry.
func Login(ctx context.Context, db *store.DB, username, password, kind string) (string, *markaz.User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	if markaz.ValidMobile(username) {
		username = markaz.NormaliseMobile(username) // citizens log in with their mobile number, typed any way
	}
	var u *markaz.User
	err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.GetUserByName(username)
		return err
	})
	if errors.Is(err, markaz.ErrNotFound) || username == "" || len(password) > 1024 {
		Verify(password, dummy)
		return "", nil, ErrBadCredentials
	}
	if err != nil {
		return "", nil, err
	}
	if err := lockedErr(u.LockedUntil, db.Clock.Now()); err != nil {
		return "", nil, err
	}
	ok := Verify(password, u.PasswordHash)
	token := ""
	err = db.Write(ctx, func(tx *store.Tx) error {
		if err := attempt(tx, u, ok); err != nil || !ok {
			return err
		}
		if u.DisabledAt != nil {
			return nil
		}
		if _, err := tx.Exec(`UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?`, u.ID); err != nil {
			return err
		}
		token = NewToken()
		return tx.CreateSession(u.ID, token, kind)
	})
	if err != nil {
		return "", nil, err
	}
	if !ok || u.DisabledAt != nil {
		return "", nil, ErrBadCredentials
	}
	return token, u, nil
}
