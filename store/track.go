package store

// Citizen tracking: a citizen gives a tracking number and the last four digits of the
// applicant's national ID or mobile, and sees the request's status, service, center,
// dates and what is missing — nothing else. Failed checks are counted per tracking number
// in the database (so the limit holds across instances, and many citizens behind one
// carrier address are not blocked together).

import (
	"context"
	"crypto/subtle"
	"time"

	"markaz"
	"markaz/request"
	"markaz/tracking"
)

// Limits of the tracking check: after TrackMaxFailures failed checks of one tracking
// number within TrackWindow, every check of that number is refused until the oldest of
// them leaves the window.
const (
	TrackMaxFailures = 5
	TrackWindow      = 15 * time.Minute
)

// Tracked is all a citizen may see of a request.
type Tracked struct {
	Status      string
	ServiceAr   string
	ServiceEn   string
	CenterAr    string
	CenterEn    string
	SubmittedOn markaz.Date
	// Expected is the due date as extended by pauses, including the current one when the
	// request waits on the citizen (as if the wait ended today).
	Expected markaz.Date
	// Missing is the note of the latest return, when the request is returned for completion.
	Missing string
	// FeesDue is the total due in piasters, when the request awaits payment.
	FeesDue int64
	// Rating is the citizen's rating of a delivered request, once given; CanRate says a
	// delivered request still waits for one.
	Rating  *Rated
	CanRate bool

	requestID string
}

// trackRow is what the check reads of a request.
type trackRow struct {
	request.Request
	ServiceAr string `db:"service_ar"`
	ServiceEn string `db:"service_en"`
	CenterAr  string `db:"center_ar"`
	CenterEn  string `db:"center_en"`
}

// Track checks verify (four digits, any script) against the request with tracking number
// number and returns what the citizen may see. An unknown or malformed number and a wrong
// check both record a failure and answer ErrNotFound (the same error, after the same
// queries); a number with too many recent failures answers ERateLimited with Args
// "retry_after" (seconds) and "minutes", even for a correct check. A success changes
// nothing. verify must already be four Latin or Arabic-Indic digits (see TrackVerify).
func (db *DB) Track(ctx context.Context, number, verify string) (*Tracked, error) {
	var out *Tracked
	var wait time.Duration
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		out, wait, err = tx.track(number, verify)
		return err
	})
	return trackResult(out, wait, err)
}

// trackResult turns what a tracking check found into Track's answer.
func trackResult(out *Tracked, wait time.Duration, err error) (*Tracked, error) {
	switch {
	case err != nil:
		return nil, err
	case wait > 0:
		secs := int((wait + time.Second - 1) / time.Second)
		return nil, &markaz.Error{Code: markaz.ERateLimited, Key: "error.track_locked",
			Args: map[string]any{"retry_after": secs, "minutes": (secs + 59) / 60}}
	case out == nil:
		return nil, &markaz.Error{Code: markaz.ENotFound, Key: "error.track_not_found"}
	}
	return out, nil
}

// TrackVerify validates the check digits as typed: exactly four digits in any script.
// It returns them in Latin digits.
func TrackVerify(s string) (string, error) {
	d := markaz.LatinDigits(s)
	var v markaz.Validator
	if v.Required("verify", d) && (len(d) != 4 || digitsOnly(d) != d) {
		v.Add("verify", "track_verify_format", nil)
	}
	return d, v.Err()
}

// track is Track inside its transaction: the result, or how long the number stays
// locked, or neither (not found / wrong check, failure recorded and committed).
func (tx *Tx) track(number, verify string) (*Tracked, time.Duration, error) {
	key := digitsOnly(number)
	if len(key) > 32 {
		key = key[:32] // anything longer is no tracking number; keep keys short
	}
	if wait, err := tx.trackLocked(key); err != nil || wait > 0 {
		return nil, wait, err
	}
	var rows []trackRow
	if _, _, err := tracking.Parse(number); err != nil {
		key = "x" + key // never matches tracking_digits; the same query still runs
	}
	if err := tx.Select(&rows, `SELECT `+requestCols+`, s.name_ar AS service_ar, s.name_en AS service_en,
		c.name_ar AS center_ar, c.name_en AS center_en`+requestFrom+` JOIN services s ON s.code = r.service_code
		WHERE r.tracking_digits = ?`, key); err != nil {
		return nil, 0, err
	}
	// Compare against something on both paths, in constant time, with both candidates.
	nid, mobile := "----------", "----------"
	if len(rows) == 1 {
		nid, mobile = rows[0].NationalID, rows[0].Mobile
	}
	match := subtle.ConstantTimeCompare([]byte(lastFour(nid)), []byte(verify)) |
		subtle.ConstantTimeCompare([]byte(lastFour(mobile)), []byte(verify))
	if len(rows) != 1 || match != 1 {
		return nil, 0, tx.trackFailure(digitsOnly(number))
	}
	t, err := tx.tracked(&rows[0])
	return t, 0, err
}

func lastFour(s string) string {
	if len(s) < 4 {
		return "----"
	}
	return s[len(s)-4:]
}

// trackLocked returns how long the number stays locked (0 when it is not).
func (tx *Tx) trackLocked(key string) (time.Duration, error) {
	var at []time.Time
	if err := tx.Select(&at, `SELECT at FROM track_failures WHERE tracking_digits = ? AND at > ?
		ORDER BY at DESC LIMIT ?`, key, tx.Now.Add(-TrackWindow), TrackMaxFailures); err != nil {
		return 0, err
	}
	if len(at) < TrackMaxFailures {
		return 0, nil
	}
	// When the oldest of the last TrackMaxFailures leaves the window, one more try is allowed.
	return at[len(at)-1].Add(TrackWindow).Sub(tx.Now), nil
}

// trackFailure records a failed check and prunes failures older than the window.
func (tx *Tx) trackFailure(digits string) error {
	if len(digits) > 32 {
		digits = digits[:32]
	}
	if _, err := tx.Exec(`DELETE FROM track_failures WHERE at <= ?`, tx.Now.Add(-TrackWindow)); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO track_failures (id, tracking_digits, at) VALUES (?, ?, ?)`,
		markaz.NewID(), digits, tx.Now)
	return err
}

// tracked builds the citizen's view of a request: the expected date (with the current
// pause, through the one due-date function), and what is missing when returned.
func (tx *Tx) tracked(r *trackRow) (*Tracked, error) {
	t := &Tracked{Status: r.Status, ServiceAr: r.ServiceAr, ServiceEn: r.ServiceEn, CenterAr: r.CenterAr,
		CenterEn: r.CenterEn, SubmittedOn: r.SubmittedOn, Expected: r.DueDate, requestID: r.ID}
	if r.Paused() {
		cal, err := tx.CalendarFor("", r.CenterID)
		if err != nil {
			return nil, err
		}
		paused := r.PausedDaysOn(cal, tx.Today())
		if t.Expected, err = tx.DueDate("", r.CenterID, r.SubmittedOn, r.WorkingDays+paused); err != nil {
			return nil, err
		}
	}
	switch r.Status {
	case request.StatusReturned:
		var notes []string
		if err := tx.Select(&notes, `SELECT note FROM request_events WHERE request_id = ? AND action = ?
			ORDER BY seq DESC LIMIT 1`, r.ID, request.ActionReturn); err != nil {
			return nil, err
		}
		if len(notes) == 1 {
			t.Missing = notes[0]
		}
	case request.StatusAwaitingPayment:
		t.FeesDue = r.FeesDue - r.FeesPaid
		if t.FeesDue < 0 {
			t.FeesDue = 0
		}
	case request.StatusDelivered:
		var err error
		if t.Rating, err = tx.requestRating(r.ID); err != nil {
			return nil, err
		}
		t.CanRate = t.Rating == nil
	}
	return t, nil
}
