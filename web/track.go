package web

// Citizen tracking (public, no login): GET /api/v1/track/{tracking_number}?verify=LAST4 and
// the page /track?n=…&v=…. Both show only what store.Tracked holds; a wrong number and a
// wrong check answer alike. Failed checks are limited per tracking number in the database
// (store.Track); a generous per-address limiter on this instance only blunts floods.

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"markaz"
	"markaz/i18n"
	"markaz/request"
	"markaz/store"
)

// trackPerMinute is the default per-address rate of tracking checks on one instance
// (Config.TrackRatePerMinute): generous, since many citizens share one carrier's address.
const trackPerMinute = 600

// maxTrackInput bounds the tracking number as typed (grouping and spaces included).
const maxTrackInput = 64

// trackLimiters holds each server's own per-address limiter (Server is not ours to extend).
var trackLimiters sync.Map // *Server → *ipLimiter

func (s *Server) trackLimiter() *ipLimiter {
	l, _ := trackLimiters.LoadOrStore(s, newIPLimiter(s.cfg.TrackRatePerMinute))
	return l.(*ipLimiter)
}

// trackStatus is a status with its label in the reader's language.
type trackStatus struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// trackView is the whole answer a citizen gets: nothing else about the request.
type trackView struct {
	Status       trackStatus `json:"status"`
	Service      string      `json:"service"`
	Center       string      `json:"center"`
	SubmittedOn  markaz.Date `json:"submitted_on"`
	ExpectedDate markaz.Date `json:"expected_date"`
	Missing      *string     `json:"missing,omitempty"`
	FeesDue      *int64      `json:"fees_due_piasters,omitempty"`
	// CanRate: delivered and not rated yet; Rating: the rating given.
	CanRate bool         `json:"can_rate,omitempty"`
	Rating  *store.Rated `json:"rating,omitempty"`
}

// newTrackView localizes what the store found.
func newTrackView(lang string, t *store.Tracked) trackView {
	v := trackView{Status: trackStatus{Code: t.Status, Label: i18n.T(lang, "track.status."+t.Status, nil)},
		Service: t.ServiceAr, Center: t.CenterAr, SubmittedOn: t.SubmittedOn, ExpectedDate: t.Expected,
		CanRate: t.CanRate, Rating: t.Rating}
	if lang == "en" {
		v.Service, v.Center = t.ServiceEn, t.CenterEn
	}
	switch t.Status {
	case request.StatusReturned:
		v.Missing = &t.Missing
	case request.StatusAwaitingPayment:
		v.FeesDue = &t.FeesDue
	}
	return v
}

// Note is what is missing, for the page ("" when nothing is).
func (v trackView) Note() string {
	if v.Missing == nil {
		return ""
	}
	return *v.Missing
}

// Pounds formats the fees due as pounds and piasters ("150.00"), for the page.
func (v trackView) Pounds() string {
	if v.FeesDue == nil {
		return ""
	}
	return fmt.Sprintf("%d.%02d", *v.FeesDue/100, *v.FeesDue%100)
}

// track checks one tracking number and its four digits after the per-address limiter.
func (s *Server) track(r *http.Request, number, verify string) (*store.Tracked, error) {
	return s.trackDo(r, number, verify, func(number, verify string) (*store.Tracked, error) {
		return s.db.Track(r.Context(), number, verify)
	})
}

// trackDo runs check (store.DB.Track or a call that makes the same check first) after the
// per-address limiter, with the four digits validated and the number bounded.
func (s *Server) trackDo(r *http.Request, number, verify string, check func(number, verify string) (*store.Tracked, error)) (*store.Tracked, error) {
	if !s.trackLimiter().allow(r, "track") {
		return nil, &markaz.Error{Code: markaz.ERateLimited, Key: "error.track_locked",
			Args: map[string]any{"retry_after": 60, "minutes": 1}}
	}
	d, err := store.TrackVerify(verify)
	if err != nil {
		return nil, err
	}
	if len(number) > maxTrackInput {
		number = number[:maxTrackInput]
	}
	return check(number, d)
}

// retryAfter is the number of seconds a rate-limited error carries (0 for other errors).
func retryAfter(err error) int {
	if e := asError(err); e.Code == markaz.ERateLimited {
		if n, ok := e.Args["retry_after"].(int); ok {
			return n
		}
	}
	return 0
}

// retryWriter makes the Retry-After header say the real wait, whatever the error mapper set.
type retryWriter struct {
	http.ResponseWriter
	secs int
}

func (w retryWriter) WriteHeader(code int) {
	w.Header().Set("Retry-After", strconv.Itoa(w.secs))
	w.ResponseWriter.WriteHeader(code)
}

// apiTrack answers GET /api/v1/track/{tracking_number}?verify=LAST4.
func (s *Server) apiTrack(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	t, err := s.track(r, r.PathValue("tracking_number"), r.URL.Query().Get("verify"))
	if secs := retryAfter(err); secs > 0 {
		s.writeError(retryWriter{w, secs}, r, err)
		return nil
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newTrackView(info(r).lang, t))
}

// trackPage is what track.html shows.
type trackPage struct {
	N, V    string
	Errors  map[string]string
	Message string
	Result  *trackView
	Rate    *ratingForm // a delivered request not rated yet
}

// trackResult puts what the check found on the page, with the rating form when the
// request can be rated.
func (s *Server) trackResult(d *trackPage, lang string, t *store.Tracked) {
	v := newTrackView(lang, t)
	d.Result = &v
	if t.CanRate {
		d.Rate = newRatingForm("/track/rating", map[string]string{"n": d.N, "v": d.V})
	}
}

// handleTrack shows the tracking form, prefilled from ?n= (the slip's QR code), and the
// result of a check when ?v= is given too.
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := trackPage{N: strings.TrimSpace(q.Get("n")), V: strings.TrimSpace(q.Get("v"))}
	if len(d.N) > maxTrackInput {
		d.N = d.N[:maxTrackInput]
	}
	if !q.Has("v") {
		s.render(w, r, http.StatusOK, "track", "track.title", d)
		return nil
	}
	var t *store.Tracked
	var err error
	if d.N == "" {
		var v markaz.Validator
		v.Required("n", d.N)
		_, verr := store.TrackVerify(d.V)
		_ = v.Merge(verr, nil)
		err = v.Err()
	} else {
		t, err = s.track(r, d.N, d.V)
	}
	return s.showTrack(w, r, d, t, err)
}

// showTrack renders the tracking page with what a check found (t) or why it failed.
func (s *Server) showTrack(w http.ResponseWriter, r *http.Request, d trackPage, t *store.Tracked, err error) error {
	lang := info(r).lang
	status := http.StatusOK
	switch code := markaz.ErrorCode(err); {
	case err == nil:
		s.trackResult(&d, lang, t)
	case code == markaz.EInvalid:
		status, d.Errors = http.StatusUnprocessableEntity, fieldMessages(lang, err)
		if m, ok := d.Errors["verify"]; ok {
			d.Errors["v"] = m
		}
	case code == markaz.ERateLimited:
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(err)))
		d.Message = message(lang, info(r).id, asError(err))
	case code == markaz.ENotFound:
		status, d.Message = http.StatusNotFound, i18n.T(lang, "error.track_not_found", nil)
	default:
		return err
	}
	s.render(w, r, status, "track", "track.title", d)
	return nil
}
