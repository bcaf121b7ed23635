package web

// Citizens' accounts (issue 5): sign-up (national ID, full name, mobile number, password),
// the one-time code sent by SMS that proves the number, a new code on request, and — on
// the page — logging the new citizen straight in. The same store calls serve the pages
// and the API (store.Tx.StartSignup, ResendSignupCode, VerifySignup). Limits: the number's
// own (codes per number, tries per code) are in the database; this instance's per-address
// limiter only blunts floods that try many numbers.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"markaz"
	"markaz/auth"
	"markaz/citizen"
	"markaz/i18n"
	"markaz/store"
)

// signupBody is the sign-up as the API and the form carry it (confirm: the form only).
type signupBody struct {
	citizen.SignUp
	Confirm string `json:"-"`
}

// startSignup validates a sign-up and sends its code. The password is hashed only once
// the fields are valid, so a stream of malformed sign-ups costs no hashing.
func (s *Server) startSignup(r *http.Request, b *signupBody, checkConfirm bool) (*store.CodeSent, error) {
	if !s.limiter.allow(r, "signup") {
		return nil, &markaz.Error{Code: markaz.ERateLimited, Key: "error.rate_limited"}
	}
	var v markaz.Validator
	if err := v.Merge(b.Validate(markaz.Today(s.db.Clock)), nil); err != nil {
		return nil, err
	}
	if checkConfirm && !v.Has("password") && b.Confirm != b.Password {
		v.Add("confirm", "password_mismatch", nil)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash := auth.Hash(b.Password, auth.Default)
	return inTx(r, s.db.Write, func(tx *store.Tx) (*store.CodeSent, error) {
		return tx.StartSignup(&b.SignUp, hash, citizen.NewCode())
	})
}

// resendCode sends a new code to the pending sign-up of a mobile number.
func (s *Server) resendCode(r *http.Request, mobile string) (*store.CodeSent, error) {
	if !s.limiter.allow(r, "signup") {
		return nil, &markaz.Error{Code: markaz.ERateLimited, Key: "error.rate_limited"}
	}
	mobile = markaz.NormaliseMobile(mobile)
	var v markaz.Validator
	if v.Required("mobile", mobile) && !markaz.ValidMobile(mobile) {
		v.Add("mobile", "mobile_format", nil)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return inTx(r, s.db.Write, func(tx *store.Tx) (*store.CodeSent, error) {
		return tx.ResendSignupCode(mobile, citizen.NewCode())
	})
}

// verifyCode checks a typed code and, when it makes the account, opens a session of kind
// ("web"; "" for none) in the same transaction, returning its token. A refused code is
// a problem of field code (with the tries left, for a wrong one), after the try was
// counted.
func (s *Server) verifyCode(r *http.Request, mobile, code, kind string) (*store.Verification, string, error) {
	if !s.limiter.allow(r, "signup") {
		return nil, "", &markaz.Error{Code: markaz.ERateLimited, Key: "error.rate_limited"}
	}
	mobile = markaz.NormaliseMobile(mobile)
	var v markaz.Validator
	if v.Required("mobile", mobile) && !markaz.ValidMobile(mobile) {
		v.Add("mobile", "mobile_format", nil)
	}
	v.Merge(citizen.CheckCodeFormat("code", code), nil)
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	var out *store.Verification
	token := ""
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		if out, err = tx.VerifySignup(mobile, code); err != nil || out.User == nil || kind == "" {
			return err
		}
		token = auth.NewToken()
		return tx.CreateSession(out.User.ID, token, kind)
	})
	if err != nil {
		return nil, "", err
	}
	if out.User == nil {
		var args map[string]any
		if out.Verdict == citizen.Wrong {
			args = map[string]any{"left": out.Left}
		}
		v.Add("code", out.Verdict.FieldCode(), args)
		return nil, "", v.Err()
	}
	return out, token, nil
}

// apiSignup: POST /api/v1/citizens {national_id, full_name, mobile, password, locale} →
// 202 {mobile (masked), expires_at, resend_after}: the code went out by SMS.
func (s *Server) apiSignup(w http.ResponseWriter, r *http.Request) error {
	var b signupBody
	if err := decodeJSON(w, r, &b.SignUp); err != nil {
		return err
	}
	sent, err := s.startSignup(r, &b, false)
	return s.answerCodeSent(w, r, sent, err)
}

// apiResend: POST /api/v1/citizens/resend {mobile} → 202 as apiSignup.
func (s *Server) apiResend(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Mobile string `json:"mobile"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	sent, err := s.resendCode(r, b.Mobile)
	return s.answerCodeSent(w, r, sent, err)
}

// apiVerify: POST /api/v1/citizens/verify {mobile, code} → 201 {id, username, full_name}:
// the account exists; log in with POST /api/v1/auth/token (username: the mobile number).
func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Mobile string `json:"mobile"`
		Code   string `json:"code"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	out, _, err := s.verifyCode(r, b.Mobile, b.Code, "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"id": out.User.ID, "username": out.User.Username,
		"full_name": out.User.FullName})
}

// answerCodeSent answers a sign-up or a resend: 202 with where the code went, or the
// error (a rate-limited one with Retry-After saying the real wait).
func (s *Server) answerCodeSent(w http.ResponseWriter, r *http.Request, sent *store.CodeSent, err error) error {
	if secs := retryAfter(err); secs > 0 {
		s.writeError(retryWriter{w, secs}, r, err)
		return nil
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, sent)
}

// setRetryAfter tells a page's reader how long a rate-limited error asks them to wait.
func setRetryAfter(w http.ResponseWriter, err error) {
	if secs := retryAfter(err); secs > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
}

// signupPage is what citizen_signup.html shows.
type signupPage struct {
	F      url.Values
	Errors map[string]string
	Msg    string
}

func (s *Server) handleSignupForm(w http.ResponseWriter, r *http.Request) error {
	if p := principal(r); p != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "citizen_signup", "citizen.signup_title", signupPage{F: url.Values{}})
	return nil
}

func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	f := r.PostForm
	b := signupBody{SignUp: citizen.SignUp{NationalID: f.Get("national_id"), FullName: f.Get("full_name"),
		Mobile: f.Get("mobile"), Password: f.Get("password"), Locale: info(r).lang}, Confirm: f.Get("confirm")}
	_, err := s.startSignup(r, &b, true)
	if err != nil {
		lang := info(r).lang
		f.Del("password")
		f.Del("confirm")
		if fm := fieldMessages(lang, err); fm != nil {
			s.render(w, r, http.StatusUnprocessableEntity, "citizen_signup", "citizen.signup_title", signupPage{F: f, Errors: fm})
			return nil
		}
		if e := asError(err); e.Code == markaz.ERateLimited {
			setRetryAfter(w, err)
			s.render(w, r, http.StatusTooManyRequests, "citizen_signup", "citizen.signup_title",
				signupPage{F: f, Msg: message(lang, info(r).id, e)})
			return nil
		}
		return err
	}
	http.Redirect(w, r, "/signup/verify?"+url.Values{"m": {b.Mobile}}.Encode(), http.StatusSeeOther)
	return nil
}

// signupVerifyPage is what citizen_verify.html shows.
type signupVerifyPage struct {
	Mobile string // as typed at sign-up, normalised
	Masked string
	Errors map[string]string
	Msg    string // a message about the code (sent again, or why not)
	Sent   bool
}

func (s *Server) renderSignupVerify(w http.ResponseWriter, r *http.Request, status int, data signupVerifyPage) {
	data.Mobile = markaz.NormaliseMobile(data.Mobile)
	if !markaz.ValidMobile(data.Mobile) {
		data.Mobile = ""
	}
	data.Masked = citizen.MaskMobile(data.Mobile)
	s.render(w, r, status, "citizen_verify", "citizen.verify_title", data)
}

func (s *Server) handleVerifyForm(w http.ResponseWriter, r *http.Request) error {
	s.renderSignupVerify(w, r, http.StatusOK, signupVerifyPage{Mobile: r.URL.Query().Get("m")})
	return nil
}

func (s *Server) handleSignupVerify(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	mobile := r.PostForm.Get("mobile")
	out, token, err := s.verifyCode(r, mobile, r.PostForm.Get("code"), "web")
	ri := info(r)
	if err != nil {
		e := asError(err)
		switch e.Code {
		case markaz.EInvalid:
			s.renderSignupVerify(w, r, http.StatusUnprocessableEntity, signupVerifyPage{Mobile: mobile, Errors: fieldMessages(ri.lang, err)})
			return nil
		case markaz.ENotFound, markaz.ERateLimited:
			setRetryAfter(w, err)
			s.renderSignupVerify(w, r, statusOf[e.Code], signupVerifyPage{Mobile: mobile, Msg: message(ri.lang, ri.id, e)})
			return nil
		}
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(store.SessionAbsolute.Seconds())})
	s.setPrefCookies(w, out.User.Locale, out.User.Digits)
	flash(w, "citizen.welcome")
	http.Redirect(w, r, "/me/requests", http.StatusSeeOther)
	return nil
}

func (s *Server) handleResend(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	mobile := r.PostForm.Get("mobile")
	_, err := s.resendCode(r, mobile)
	ri := info(r)
	switch e := asError(err); {
	case err == nil:
		s.renderSignupVerify(w, r, http.StatusOK, signupVerifyPage{Mobile: mobile, Sent: true,
			Msg: i18n.T(ri.lang, "citizen.code_resent", nil)})
		return nil
	case e.Code == markaz.EInvalid || e.Code == markaz.ENotFound || e.Code == markaz.ERateLimited:
		msg := message(ri.lang, ri.id, e)
		if fm := fieldMessages(ri.lang, err); fm != nil {
			msg = strings.Join(fieldList(ri.lang, e), " ")
		}
		setRetryAfter(w, err)
		s.renderSignupVerify(w, r, statusOf[e.Code], signupVerifyPage{Mobile: mobile, Msg: msg})
		return nil
	}
	return err
}
