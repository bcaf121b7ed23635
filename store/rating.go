package store

// Citizens' ratings of delivered requests (package rating): one per request, never
// edited, given on the tracking page (after the tracking check), through the link in the
// delivery SMS (a token only this deployment can make), or from the citizen's account.
// Each rating enters the KPI rollups (satisfaction) in its own transaction, through
// kpiTrack, and the audit log without the comment (free text may name people) and with no
// more of the applicant than the last four digits of the national ID.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"markaz"
	"markaz/rating"
	"markaz/request"
)

// Rated is a rating given.
type Rated struct {
	Rating  int         `json:"rating" db:"rating"`
	Comment string      `json:"comment" db:"comment"`
	RatedAt time.Time   `json:"rated_at" db:"rated_at"`
	RatedOn markaz.Date `json:"rated_on" db:"rated_on"`
	Source  string      `json:"source" db:"source"`
}

var (
	errRatingNotDelivered = &markaz.Error{Code: markaz.EConflict, Key: "error.rating_not_delivered"}
	errRatingGiven        = &markaz.Error{Code: markaz.EConflict, Key: "error.rating_given"}
)

// requestRating returns the rating of request id, or nil when it has none.
func (tx *Tx) requestRating(id string) (*Rated, error) {
	var rs []Rated
	if err := tx.Select(&rs, `SELECT rating, comment, rated_at, rated_on, source FROM request_ratings
		WHERE request_id = ?`, id); err != nil || len(rs) == 0 {
		return nil, err
	}
	return &rs[0], nil
}

// RateRequest records the rating in of request id, given through source (rating.Source*)
// by actor a (the system for the public tracking page and SMS link). Field errors of in
// come first (422: rating, comment); then ErrNotFound for an unknown request, 409
// error.rating_not_delivered unless it is delivered, 409 error.rating_given when it was
// rated already (also when two ratings race: the second inserts nothing). The rating
// counts on tx.Today() (Africa/Cairo) in the KPI rollups, updated in this transaction.
func (tx *Tx) RateRequest(a Actor, id, source string, in rating.Input) (*Rated, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var v markaz.Validator
	if !v.OneOf("source", source, rating.Sources...) {
		return nil, v.Err()
	}
	d, err := tx.requestRow(`r.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if d.Status != request.StatusDelivered {
		return nil, errRatingNotDelivered
	}
	done, err := tx.kpiTrack(d.ID)
	if err != nil {
		return nil, err
	}
	out := &Rated{Rating: *in.Rating, Comment: in.Comment, RatedAt: tx.Now, RatedOn: tx.Today(), Source: source}
	res, err := tx.Exec(`INSERT INTO request_ratings (request_id, rating, comment, rated_at, rated_on, source)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`,
		d.ID, out.Rating, out.Comment, out.RatedAt, out.RatedOn, out.Source)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, errRatingGiven
	}
	if err := done(); err != nil {
		return nil, err
	}
	return out, tx.Audit(a, "request.rate", "request", d.ID, d.Ref(), nil, map[string]any{
		"tracking_number": d.TrackingNumber, "national_id_last4": lastFour(d.NationalID),
		"rating": out.Rating, "source": source, "comment_chars": len([]rune(out.Comment))})
}

// ratingSecretKey names the rating links' secret in the meta table: one for the whole
// deployment, so a link made by one instance opens on every other.
const ratingSecretKey = "rating_secret"

// ratingSecret returns the rating links' secret, made on first use when create is set;
// nil when there is none yet (no link was ever made, so none can be valid).
func (tx *Tx) ratingSecret(create bool) ([]byte, error) {
	if create {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			ratingSecretKey, hex.EncodeToString(b)); err != nil {
			return nil, err
		}
	}
	var s []string
	if err := tx.Select(&s, `SELECT value FROM meta WHERE key = ?`, ratingSecretKey); err != nil || len(s) == 0 {
		return nil, err
	}
	return []byte(s[0]), nil
}

// RatingToken is the token of request id's rating link (/rate/{token}).
func (tx *Tx) RatingToken(id string) (string, error) {
	secret, err := tx.ratingSecret(true)
	if err != nil {
		return "", err
	}
	return rating.Token(secret, id), nil
}

// RateLink is what the rating link's page shows: the service and its dates, and the
// rating once given — nothing about the applicant.
type RateLink struct {
	requestID   string
	ServiceAr   string      `json:"service_name_ar"`
	ServiceEn   string      `json:"service_name_en"`
	SubmittedOn markaz.Date `json:"submitted_on"`
	DeliveredOn markaz.Date `json:"delivered_on"`
	Delivered   bool        `json:"delivered"`
	Rating      *Rated      `json:"rating,omitempty"`
}

// rateLink resolves token to its request; ErrNotFound when the token is malformed, was
// not made here, or names no request.
func (tx *Tx) rateLink(token string) (*RateLink, error) {
	secret, err := tx.ratingSecret(false)
	if err != nil {
		return nil, err
	}
	id, ok := rating.Parse(secret, token)
	if !ok {
		return nil, markaz.ErrNotFound
	}
	var row struct {
		request.Request
		ServiceAr string `db:"service_ar"`
		ServiceEn string `db:"service_en"`
	}
	if err := tx.Get(&row, `SELECT `+requestCols+`, s.name_ar AS service_ar, s.name_en AS service_en`+requestFrom+`
		JOIN services s ON s.code = r.service_code WHERE r.id = ?`, id); err != nil {
		return nil, err
	}
	l := &RateLink{requestID: row.ID, ServiceAr: row.ServiceAr, ServiceEn: row.ServiceEn, SubmittedOn: row.SubmittedOn,
		Delivered: row.Status == request.StatusDelivered}
	if row.DeliveredAt != nil {
		l.DeliveredOn = markaz.DateOf(*row.DeliveredAt)
	}
	l.Rating, err = tx.requestRating(row.ID)
	return l, err
}

// RateLink returns what the page of rating link token shows (ErrNotFound for a token
// that is not one of ours).
func (db *DB) RateLink(ctx context.Context, token string) (*RateLink, error) {
	var out *RateLink
	err := db.Read(ctx, func(tx *Tx) (err error) {
		out, err = tx.rateLink(token)
		return err
	})
	return out, err
}

// RateByLink records the rating given through link token (source sms) and returns the
// link's page with it; errors as RateRequest, ErrNotFound for a bad token.
func (db *DB) RateByLink(ctx context.Context, token string, in rating.Input) (*RateLink, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *RateLink
	err := db.Write(ctx, func(tx *Tx) error {
		l, err := tx.rateLink(token)
		if err != nil {
			return err
		}
		if l.Rating, err = tx.RateRequest(Actor{Username: "system"}, l.requestID, rating.SourceSMS, in); err != nil {
			return err
		}
		out = l
		return nil
	})
	return out, err
}

// RateTracked records the rating of the request with tracking number number after the
// tracking check with verify (as Track: a wrong check is counted and answers ErrNotFound,
// too many answer ERateLimited), source tracking, and returns what the tracking page
// shows with the rating. Field errors of in come before the check.
func (db *DB) RateTracked(ctx context.Context, number, verify string, in rating.Input) (*Tracked, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *Tracked
	var wait time.Duration
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		if out, wait, err = tx.track(number, verify); err != nil || out == nil {
			return err // a failed check is recorded and committed
		}
		out.Rating, err = tx.RateRequest(Actor{Username: "system"}, out.requestID, rating.SourceTracking, in)
		out.CanRate = false
		return err
	})
	return trackResult(out, wait, err)
}

// RateMine records citizen p's rating of their own request with tracking number number
// (source account): ErrNotFound for anyone else's, errors as RateRequest.
func (tx *Tx) RateMine(p *markaz.Principal, number string, in rating.Input) (*Rated, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	d, err := tx.ownedRequest(p, number)
	if err != nil {
		return nil, err
	}
	return tx.RateRequest(ActorOf(p), d.ID, rating.SourceAccount, in)
}
