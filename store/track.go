package store

// Citizen tracking: a citizen gives a tracking number and the last four digits of the
// applicant's national ID or mobile, and sees the request's status, service, center,
// dates and what is missing — nothing else. Failed checks are counted per tracking number
// in the database (so the limit holds across instances, and many citizens behind one
// carrier address are not blocked together).
//
// A check reads in a read-only transaction (on SQLite a plain BEGIN beside the writer, so
// lookups after an SMS campaign run in parallel and never queue behind intake); only a
// wrong check opens a write transaction, to record its failure. Checks of one number take
// turns on each instance (trackGuard) until their failure is committed, so each sees every
// failure recorded before it: see Track for the bound this gives.

import (
	"context"
	"crypto/subtle"
	"sync"
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
	// The citizen's rating, read in the same statement (NULL when there is none).
	RatedRating  *int         `db:"rt_rating"`
	RatedComment *string      `db:"rt_comment"`
	RatedAt      *time.Time   `db:"rt_rated_at"`
	RatedOn      *markaz.Date `db:"rt_rated_on"`
	RatedSource  *string      `db:"rt_source"`
}

// trackCols are the request columns a tracking answer uses (tracked, the check digits):
// the lookup is the public site's busiest call, and every column read and converted costs.
const trackCols = `r.id, r.status, r.center_id, r.working_days, r.national_id, r.mobile, r.submitted_on, r.due_date,
	r.paused_days, r.paused_since, r.fees_due_piasters, r.fees_paid_piasters`

// setRated gives the row rating rt (read on its own, outside the tracking statement).
func (r *trackRow) setRated(rt *Rated) {
	r.RatedRating, r.RatedComment, r.RatedAt, r.RatedOn, r.RatedSource = &rt.Rating, &rt.Comment, &rt.RatedAt, &rt.RatedOn, &rt.Source
}

// rated is the row's rating, nil when it has none.
func (r *trackRow) rated() *Rated {
	if r.RatedRating == nil || r.RatedAt == nil || r.RatedOn == nil {
		return nil
	}
	out := &Rated{Rating: *r.RatedRating, RatedAt: *r.RatedAt, RatedOn: *r.RatedOn}
	if r.RatedComment != nil {
		out.Comment = *r.RatedComment
	}
	if r.RatedSource != nil {
		out.Source = *r.RatedSource
	}
	return out
}

// Track checks verify (four digits, any script) against the request with tracking number
// number and returns what the citizen may see. An unknown or malformed number and a wrong
// check both record a failure and answer ErrNotFound (the same error, after the same
// queries); a number with too many recent failures answers ERateLimited with Args
// "retry_after" (seconds) and "minutes", even for a correct check. verify must already be
// four Latin or Arabic-Indic digits (see TrackVerify).
//
// Only a wrong check writes (its failure); a correct check and a refused one (the number
// is locked) are answered from a read-only transaction and change nothing, as before.
//
// The bound on guessing: a check is compared only when its read saw fewer than
// TrackMaxFailures failures of the number in the window, and on one instance checks of a
// number run one at a time, each holding its turn until its failure is committed. So on
// one instance (every SQLite deployment) the limit is exact: at most TrackMaxFailures
// wrong checks of a number are compared in any TrackWindow, as when every check was a
// write transaction. With k instances on one PostgreSQL database, up to k checks of a
// number (one per instance) can be in flight together without seeing each other's
// failures, so at most TrackMaxFailures + k − 1 wrong checks of a number are compared in
// any TrackWindow (the write-transaction version gave no better on PostgreSQL: at READ
// COMMITTED every concurrent check read "no failures yet").
func (db *DB) Track(ctx context.Context, number, verify string) (*Tracked, error) {
	key := trackKey(number)
	leave, err := db.tracks.enter(ctx, key)
	if err != nil {
		return nil, err
	}
	defer leave()
	var out *Tracked
	var wait time.Duration
	var failed bool
	err = db.Read(ctx, func(tx *Tx) error {
		var err error
		out, wait, failed, err = tx.track(key, number, verify)
		return err
	})
	if err == nil && failed {
		err = db.Write(ctx, func(tx *Tx) error { return tx.trackFailure(key) })
	}
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

// trackKey is what failures of a tracking number are counted under: its digits, at most 32
// (anything longer is no tracking number; keep keys short).
func trackKey(number string) string {
	key := digitsOnly(number)
	if len(key) > 32 {
		key = key[:32]
	}
	return key
}

// trackGuard makes checks of one tracking number take turns on this instance; checks of
// different numbers never wait for each other. The zero value is ready.
type trackGuard struct {
	mu   sync.Mutex
	busy map[string]*trackTurn
}

// trackTurn is one number's turn: a one-slot semaphore and how many checks hold or wait for it.
type trackTurn struct {
	slot chan struct{}
	refs int
}

// enter waits for number key's turn (or ctx) and returns the function that ends it.
func (g *trackGuard) enter(ctx context.Context, key string) (func(), error) {
	g.mu.Lock()
	if g.busy == nil {
		g.busy = map[string]*trackTurn{}
	}
	t := g.busy[key]
	if t == nil {
		t = &trackTurn{slot: make(chan struct{}, 1)}
		g.busy[key] = t
	}
	t.refs++
	g.mu.Unlock()
	drop := func() {
		g.mu.Lock()
		t.refs--
		if t.refs == 0 {
			delete(g.busy, key)
		}
		g.mu.Unlock()
	}
	select {
	case t.slot <- struct{}{}:
		return func() { <-t.slot; drop() }, nil
	case <-ctx.Done():
		drop()
		return nil, ctx.Err()
	}
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

// track is Track's read: the result, or how long the number stays locked, or failed
// (not found / wrong check: the caller records the failure). key is trackKey(number).
func (tx *Tx) track(key, number, verify string) (_ *Tracked, wait time.Duration, failed bool, _ error) {
	if wait, err := tx.trackLocked(key); err != nil || wait > 0 {
		return nil, wait, false, err
	}
	var rows []trackRow
	if _, _, err := tracking.Parse(number); err != nil {
		key = "x" + key // never matches tracking_digits; the same query still runs
	}
	// "? || ''" rather than a bare "?": SQLite (built with STAT4) would otherwise consult
	// its samples about the number to plan the joins and then recompile this statement
	// every time it is bound to another number, which was a third of a lookup's CPU. The
	// plan is the same on both engines: the requests_tracking_digits index.
	if err := tx.Select(&rows, `SELECT `+trackCols+`, s.name_ar AS service_ar, s.name_en AS service_en,
		c.name_ar AS center_ar, c.name_en AS center_en, rt.rating AS rt_rating, rt.comment AS rt_comment,
		rt.rated_at AS rt_rated_at, rt.rated_on AS rt_rated_on, rt.source AS rt_source`+requestFrom+`
		JOIN services s ON s.code = r.service_code LEFT JOIN request_ratings rt ON rt.request_id = r.id
		WHERE r.tracking_digits = ? || ''`, key); err != nil {
		return nil, 0, false, err
	}
	// Compare against something on both paths, in constant time, with both candidates.
	nid, mobile := "----------", "----------"
	if len(rows) == 1 {
		nid, mobile = rows[0].NationalID, rows[0].Mobile
	}
	match := subtle.ConstantTimeCompare([]byte(lastFour(nid)), []byte(verify)) |
		subtle.ConstantTimeCompare([]byte(lastFour(mobile)), []byte(verify))
	if len(rows) != 1 || match != 1 {
		return nil, 0, true, nil
	}
	t, err := tx.tracked(&rows[0])
	return t, 0, false, err
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

// trackFailure records a failed check of number key and prunes failures older than the window.
func (tx *Tx) trackFailure(key string) error {
	if _, err := tx.Exec(`DELETE FROM track_failures WHERE at <= ?`, tx.Now.Add(-TrackWindow)); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO track_failures (id, tracking_digits, at) VALUES (?, ?, ?)`,
		markaz.NewID(), key, tx.Now)
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
		t.Rating = r.rated()
		t.CanRate = t.Rating == nil
	}
	return t, nil
}
