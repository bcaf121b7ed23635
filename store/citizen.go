package store

// Citizens' own accounts (issue 5, online application): a sign-up waits in
// citizen_signups until its one-time code, sent by SMS through the outbox, is typed back;
// only then is the account made — a user holding the citizen role nationally, whose
// username is the verified mobile number and whose national ID sits on the user record.
// Every limit (codes per number, wrong tries per code) is counted in the database, so it
// holds across instances. The outbox keeps a code only until the code is replaced or used.

import (
	"time"

	"markaz"
	"markaz/citizen"
)

// TemplateSignupCode is the SMS carrying a sign-up's one-time code.
const TemplateSignupCode = "notify.citizen.code"

// entitySignup names sign-ups in the outbox and the audit log.
const entitySignup = "citizen_signup"

// CodeSent is what a sign-up or a resend answers: where the code went (masked), until
// when it works, and from when another may be asked for.
type CodeSent struct {
	Mobile      string    `json:"mobile"`
	ExpiresAt   time.Time `json:"expires_at"`
	ResendAfter time.Time `json:"resend_after"`
}

// signupRow is a stored sign-up.
type signupRow struct {
	ID          string     `db:"id"`
	Mobile      string     `db:"mobile"`
	NationalID  string     `db:"national_id"`
	FullName    string     `db:"full_name"`
	Hash        string     `db:"password_hash"`
	Locale      string     `db:"locale"`
	Salt        string     `db:"code_salt"`
	CodeHash    string     `db:"code_hash"`
	ExpiresAt   time.Time  `db:"code_expires_at"`
	Attempts    int        `db:"attempts"`
	Sends       int        `db:"sends"`
	WindowStart time.Time  `db:"window_started_at"`
	LastSent    time.Time  `db:"last_sent_at"`
	VerifiedAt  *time.Time `db:"verified_at"`
}

const signupCols = `id, mobile, national_id, full_name, password_hash, locale, code_salt, code_hash, code_expires_at,
	attempts, sends, window_started_at, last_sent_at, verified_at`

// signup loads the sign-up of a mobile number for change (nil when there is none).
func (tx *Tx) signup(mobile string) (*signupRow, error) {
	var rows []signupRow
	if err := tx.Select(&rows, `SELECT `+signupCols+` FROM citizen_signups WHERE mobile = ?`+tx.ForUpdate(), mobile); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// checkAccountFree refuses a mobile number or national ID that an account already holds
// (a user named by the number, a citizen with the number, anyone with the national ID).
func (tx *Tx) checkAccountFree(mobile, nationalID string) error {
	var v markaz.Validator
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM users WHERE username = ? OR (mobile = ? AND national_id IS NOT NULL)`,
		mobile, mobile); err != nil {
		return err
	}
	if n > 0 {
		v.Add("mobile", "mobile_registered", nil)
	}
	if err := tx.Get(&n, `SELECT COUNT(*) FROM users WHERE national_id = ?`, nationalID); err != nil {
		return err
	}
	if n > 0 {
		v.Add("national_id", "nid_registered", nil)
	}
	return v.Err()
}

// codeRateLimited is the error of a number that must wait before another code.
func codeRateLimited(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	return &markaz.Error{Code: markaz.ERateLimited, Key: "error.otp_rate_limited",
		Args: map[string]any{"retry_after": secs, "minutes": (secs + 59) / 60}}
}

// StartSignup keeps sign-up s (validated with citizen.SignUp.Validate; passwordHash is its
// password's hash) until its mobile number is verified, and sends code to the number. A
// new sign-up of the same number replaces the pending one (details, password and code)
// but not the number's send counters: every code counts against citizen.Sends' limits
// (ERateLimited with Args retry_after and minutes when over them). A number or national
// ID an account already holds is a field error.
func (tx *Tx) StartSignup(s *citizen.SignUp, passwordHash, code string) (*CodeSent, error) {
	if err := tx.checkAccountFree(s.Mobile, s.NationalID); err != nil {
		return nil, err
	}
	row, err := tx.signup(s.Mobile)
	if err != nil {
		return nil, err
	}
	if row == nil {
		row = &signupRow{ID: markaz.NewID(), Mobile: s.Mobile}
		if _, err := tx.Exec(`INSERT INTO citizen_signups (`+signupCols+`, created_at, updated_at)
			VALUES (?, ?, '', '', '', '', '', '', ?, 0, 0, ?, ?, NULL, ?, ?)`, row.ID, row.Mobile, tx.Now, tx.Now,
			tx.Now, tx.Now, tx.Now); err != nil {
			return nil, err
		}
	} else if row.VerifiedAt != nil {
		return nil, fieldErr("mobile", "mobile_registered")
	}
	row.NationalID, row.FullName, row.Hash, row.Locale = s.NationalID, s.FullName, passwordHash, s.Locale
	sent, err := tx.sendSignupCode(row, code)
	if err != nil {
		return nil, err
	}
	return sent, tx.Audit(Actor{Username: "system"}, "citizen.signup", entitySignup, row.ID, markaz.Ref{}, nil,
		map[string]any{"mobile": citizen.MaskMobile(row.Mobile), "national_id_last4": row.NationalID[10:]})
}

// ResendSignupCode sends a new code to the pending sign-up of mobile (the old code stops
// working), within the same limits as StartSignup. ErrNotFound (error.signup_not_found)
// when the number has no pending sign-up.
func (tx *Tx) ResendSignupCode(mobile, code string) (*CodeSent, error) {
	row, err := tx.signup(mobile)
	if err != nil {
		return nil, err
	}
	if row == nil || row.VerifiedAt != nil {
		return nil, &markaz.Error{Code: markaz.ENotFound, Key: "error.signup_not_found"}
	}
	return tx.sendSignupCode(row, code)
}

// sendSignupCode stores row (its details as given) with a new code, counts the send and
// queues the SMS, after the send limits allow it.
func (tx *Tx) sendSignupCode(row *signupRow, code string) (*CodeSent, error) {
	sends, wait := citizen.Sends{Count: row.Sends, WindowStart: row.WindowStart, Last: row.LastSent}.Next(tx.Now)
	if wait > 0 {
		return nil, codeRateLimited(wait)
	}
	salt := citizen.NewSalt()
	expires := tx.Now.Add(citizen.CodeTTL)
	if _, err := tx.Exec(`UPDATE citizen_signups SET national_id = ?, full_name = ?, password_hash = ?, locale = ?,
		code_salt = ?, code_hash = ?, code_expires_at = ?, attempts = 0, sends = ?, window_started_at = ?,
		last_sent_at = ?, updated_at = ? WHERE id = ?`, row.NationalID, row.FullName, row.Hash, row.Locale, salt,
		citizen.HashCode(salt, code), expires, sends.Count, sends.WindowStart, sends.Last, tx.Now, row.ID); err != nil {
		return nil, err
	}
	if err := tx.scrubCodes(row.ID); err != nil {
		return nil, err
	}
	if err := tx.Notify(Notification{Channel: ChannelSMS, To: row.Mobile, Template: TemplateSignupCode,
		Data: map[string]string{"code": code, "minutes": "10"}, Locale: row.Locale, Entity: entitySignup,
		EntityID: row.ID}); err != nil {
		return nil, err
	}
	return &CodeSent{Mobile: citizen.MaskMobile(row.Mobile), ExpiresAt: expires,
		ResendAfter: tx.Now.Add(citizen.ResendAfter)}, nil
}

// scrubCodes empties the values of a sign-up's code messages already delivered or given
// up, so the outbox keeps no code that was sent (a pending one still has to go out).
func (tx *Tx) scrubCodes(signupID string) error {
	_, err := tx.Exec(`UPDATE outbox SET data_json = '{}', updated_at = ? WHERE entity = ? AND entity_id = ?
		AND template = ? AND status <> ? AND data_json <> '{}'`, tx.Now, entitySignup, signupID, TemplateSignupCode,
		MessagePending)
	return err
}

// Verification is the outcome of a typed code: the verdict, the wrong tries left after
// it, and the account made when the verdict is citizen.Verified.
type Verification struct {
	Verdict  citizen.Verdict
	Left     int
	User     *markaz.User
	SignupID string
}

// VerifySignup checks code against the pending sign-up of mobile. A right code, in time
// and within the tries, makes the account: a user named by the mobile number, holding
// the citizen role nationally from today, with the national ID on its record; the
// sign-up keeps only who it became. A wrong code counts a try (the caller commits it and
// answers the refusal from the Verification); an expired or exhausted one changes
// nothing. ErrNotFound (error.signup_not_found) when the number has no pending sign-up.
func (tx *Tx) VerifySignup(mobile, code string) (*Verification, error) {
	row, err := tx.signup(mobile)
	if err != nil {
		return nil, err
	}
	if row == nil || row.VerifiedAt != nil {
		return nil, &markaz.Error{Code: markaz.ENotFound, Key: "error.signup_not_found"}
	}
	out := &Verification{SignupID: row.ID}
	out.Verdict = citizen.Pending{Salt: row.Salt, Hash: row.CodeHash, ExpiresAt: row.ExpiresAt, Attempts: row.Attempts}.Check(code, tx.Now)
	switch out.Verdict {
	case citizen.Wrong:
		if _, err := tx.Exec(`UPDATE citizen_signups SET attempts = attempts + 1, updated_at = ? WHERE id = ?`,
			tx.Now, row.ID); err != nil {
			return nil, err
		}
		out.Left = max(citizen.MaxAttempts-row.Attempts-1, 0)
		return out, nil
	case citizen.Expired, citizen.Exhausted:
		return out, nil
	}
	if err := tx.checkAccountFree(row.Mobile, row.NationalID); err != nil {
		return nil, err
	}
	u := &markaz.User{ID: markaz.NewID(), Username: row.Mobile, FullName: row.FullName, Mobile: row.Mobile,
		PasswordHash: row.Hash, Locale: row.Locale}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	u.Assignments = []markaz.Assignment{{Role: markaz.RoleCitizen, Level: markaz.LevelNation, StartsOn: tx.Today()}}
	self := Actor{UserID: u.ID, Username: u.Username}
	if err := tx.InsertUser(self, u); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`UPDATE users SET national_id = ? WHERE id = ?`, row.NationalID, u.ID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`UPDATE citizen_signups SET verified_at = ?, user_id = ?, password_hash = '', code_hash = '',
		updated_at = ? WHERE id = ?`, tx.Now, u.ID, tx.Now, row.ID); err != nil {
		return nil, err
	}
	if err := tx.scrubCodes(row.ID); err != nil {
		return nil, err
	}
	out.User = u
	return out, tx.Audit(self, "citizen.verify", "user", u.ID, markaz.Ref{}, nil,
		map[string]any{"mobile": citizen.MaskMobile(row.Mobile), "national_id_last4": row.NationalID[10:]})
}
