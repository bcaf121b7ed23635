package web

// Citizens rate a delivered request, once (package rating, store.Tx.RateRequest), in
// three places: the tracking page after a successful check (POST /track/rating, and
// POST /api/v1/track/{tracking_number}/rating with the same four digits), the link in the
// delivery SMS (GET and POST /rate/{token}: the service and dates, nothing personal), and
// their own account (POST /me/requests/{tracking_number}/rating and
// POST /api/v1/me/requests/{tracking_number}/rating).

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"markaz"
	"markaz/rating"
	"markaz/store"
)

// ratingChoice is one point of the scale as the form shows it.
type ratingChoice struct{ Value int }

var ratingChoices = func() []ratingChoice {
	var out []ratingChoice
	for v := rating.Min; v <= rating.Max; v++ {
		out = append(out, ratingChoice{Value: v})
	}
	return out
}()

// ratingForm is what the "ratingform" partial shows: where it posts, the hidden fields
// that go with it, what was typed, and the messages per field (rating, comment).
type ratingForm struct {
	Action  string
	Hidden  map[string]string
	Rating  string
	Comment string
	Errors  map[string]string
	Choices []ratingChoice
}

func newRatingForm(action string, hidden map[string]string) *ratingForm {
	return &ratingForm{Action: action, Hidden: hidden, Choices: ratingChoices}
}

// ratingFormInput reads a posted rating form: rating (digits in any script; a value that
// is no number is out of range), comment.
func ratingFormInput(f url.Values) rating.Input {
	in := rating.Input{Comment: f.Get("comment")}
	if s := strings.TrimSpace(markaz.LatinDigits(f.Get("rating"))); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = 0
		}
		in.Rating = &n
	}
	return in
}

// typed puts what was posted back into the form, with the messages of err.
func (f *ratingForm) typed(lang string, posted url.Values, err error) *ratingForm {
	f.Rating, f.Comment, f.Errors = posted.Get("rating"), posted.Get("comment"), fieldMessages(lang, err)
	return f
}

// ratingFieldError reports whether err is a field error of the rating form itself.
func ratingFieldError(err error) bool {
	for _, fe := range asError(err).Fields {
		if fe.Field == "rating" || fe.Field == "comment" {
			return true
		}
	}
	return false
}

// --- tracking page and API ---

// trackRatingBody is a rating through the tracking API: the same four digits as the
// tracking check (in the body or, as for GET, ?verify=), the rating and a comment.
type trackRatingBody struct {
	Verify  string `json:"verify"`
	Rating  *int   `json:"rating"`
	Comment string `json:"comment"`
}

// apiTrackRating: POST /api/v1/track/{tracking_number}/rating {verify, rating, comment}
// → 201 with the tracking view holding the rating; 404 as the tracking check, 409 when
// not delivered or already rated, 422 naming rating or comment.
func (s *Server) apiTrackRating(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	var b trackRatingBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	if b.Verify == "" {
		b.Verify = r.URL.Query().Get("verify")
	}
	in := rating.Input{Rating: b.Rating, Comment: b.Comment}
	t, err := s.trackDo(r, r.PathValue("tracking_number"), b.Verify, func(number, verify string) (*store.Tracked, error) {
		return s.db.RateTracked(r.Context(), number, verify, in)
	})
	if secs := retryAfter(err); secs > 0 {
		s.writeError(retryWriter{w, secs}, r, err)
		return nil
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, newTrackView(info(r).lang, t))
}

// handleTrackRating: POST /track/rating (n, v, rating, comment) from the tracking page's
// result. The check is made again with the four digits; then the page shows the rating.
func (s *Server) handleTrackRating(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	lang := info(r).lang
	d := trackPage{N: strings.TrimSpace(r.PostForm.Get("n")), V: strings.TrimSpace(r.PostForm.Get("v"))}
	if len(d.N) > maxTrackInput {
		d.N = d.N[:maxTrackInput]
	}
	if d.N == "" {
		return s.showTrack(w, r, d, nil, fieldErr("n", "required"))
	}
	in := ratingFormInput(r.PostForm)
	_, err := s.trackDo(r, d.N, d.V, func(number, verify string) (*store.Tracked, error) {
		return s.db.RateTracked(r.Context(), number, verify, in)
	})
	if err == nil {
		flash(w, "rating.thanks")
		http.Redirect(w, r, "/track?"+url.Values{"n": {d.N}, "v": {d.V}}.Encode()+"#rating", http.StatusSeeOther)
		return nil
	}
	status := http.StatusUnprocessableEntity
	switch {
	case ratingFieldError(err):
	case markaz.ErrorCode(err) == markaz.EConflict:
		status, d.Message = http.StatusConflict, message(lang, info(r).id, asError(err))
	default: // the check itself failed: answer as the tracking page does
		return s.showTrack(w, r, d, nil, err)
	}
	t, terr := s.track(r, d.N, d.V)
	if terr != nil {
		return s.showTrack(w, r, d, nil, terr)
	}
	s.trackResult(&d, lang, t)
	if d.Rate != nil && status == http.StatusUnprocessableEntity {
		d.Rate.typed(lang, r.PostForm, err)
	}
	s.render(w, r, status, "track", "track.title", d)
	return nil
}

// --- the SMS link ---

// ratePage is what rate.html shows: the request's service and dates (or that the link is
// not valid), the rating given or the form.
type ratePage struct {
	Link     *store.RateLink
	Service  string
	Form     *ratingForm
	Message  string
	NotFound bool
}

// renderRate shows the rating link's page for l (nil: the link is not valid, 404).
func (s *Server) renderRate(w http.ResponseWriter, r *http.Request, status int, l *store.RateLink, form *ratingForm, msg string) {
	d := ratePage{Link: l, Message: msg, NotFound: l == nil}
	if l == nil {
		status = http.StatusNotFound
	} else {
		d.Service = pickName(info(r).lang, l.ServiceAr, l.ServiceEn)
		if l.Delivered && l.Rating == nil {
			if form == nil {
				form = newRatingForm("/rate/"+r.PathValue("token"), nil)
			}
			d.Form = form
		}
	}
	s.render(w, r, status, "rate", "rating.link_title", d)
}

// rateAllowed applies the per-address limiter of public checks to the rating link.
func (s *Server) rateAllowed(r *http.Request) error {
	if !s.trackLimiter().allow(r, "rate") {
		return &markaz.Error{Code: markaz.ERateLimited, Key: "error.track_locked",
			Args: map[string]any{"retry_after": 60, "minutes": 1}}
	}
	return nil
}

// handleRate: GET /rate/{token} → the service, its dates and the rating form (or the
// rating given); a token that is not ours is a friendly 404 page.
func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer") // the token stays out of other sites' logs
	if err := s.rateAllowed(r); err != nil {
		return err
	}
	l, err := s.db.RateLink(r.Context(), r.PathValue("token"))
	if markaz.ErrorCode(err) == markaz.ENotFound {
		l, err = nil, nil
	}
	if err != nil {
		return err
	}
	s.renderRate(w, r, http.StatusOK, l, nil, "")
	return nil
}

// handleRatePost: POST /rate/{token} (rating, comment) → stored with source sms, then
// the page shows it.
func (s *Server) handleRatePost(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if err := s.rateAllowed(r); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	token := r.PathValue("token")
	_, err := s.db.RateByLink(r.Context(), token, ratingFormInput(r.PostForm))
	if err == nil {
		flash(w, "rating.thanks")
		http.Redirect(w, r, "/rate/"+token, http.StatusSeeOther)
		return nil
	}
	ri := info(r)
	code := markaz.ErrorCode(err)
	if code != markaz.ENotFound && code != markaz.EInvalid && code != markaz.EConflict {
		return err
	}
	l, lerr := s.db.RateLink(r.Context(), token)
	switch {
	case markaz.ErrorCode(lerr) == markaz.ENotFound:
		s.renderRate(w, r, http.StatusNotFound, nil, nil, "")
	case lerr != nil:
		return lerr
	case code == markaz.EInvalid:
		s.renderRate(w, r, http.StatusUnprocessableEntity, l, newRatingForm("/rate/"+token, nil).typed(ri.lang, r.PostForm, err), "")
	default:
		s.renderRate(w, r, http.StatusConflict, l, nil, message(ri.lang, ri.id, asError(err)))
	}
	return nil
}

// --- the citizen's account ---

// rateMine stores citizen p's rating of the request in the path.
func (s *Server) rateMine(r *http.Request, p *markaz.Principal, in rating.Input) (*store.Rated, error) {
	return inTx(r, s.db.Write, func(tx *store.Tx) (*store.Rated, error) {
		return tx.RateMine(p, r.PathValue("tracking_number"), in)
	})
}

// apiMyRequestRating: POST /api/v1/me/requests/{tracking_number}/rating {rating, comment}
// → 201 with the rating; 404 for anyone else's request, 409 when not delivered or
// already rated, 422 naming rating or comment.
func (s *Server) apiMyRequestRating(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	var in rating.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := s.rateMine(r, p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, out)
}

// handleMyRequestRating: POST /me/requests/{tracking_number}/rating from the citizen's
// request page.
func (s *Server) handleMyRequestRating(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	if _, err := s.rateMine(r, p, ratingFormInput(r.PostForm)); err != nil {
		f := url.Values{"form": {"rating"}, "rating": {r.PostForm.Get("rating")}, "comment": {r.PostForm.Get("comment")}}
		return s.refusedOnPage(w, r, p, f, err)
	}
	flash(w, "rating.thanks")
	http.Redirect(w, r, "/me/requests/"+r.PathValue("tracking_number")+"#rating", http.StatusSeeOther)
	return nil
}
