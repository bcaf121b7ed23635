package web

import (
	"net/http"
	"net/url"
	"strings"

	"markaz"
	"markaz/auth"
	"markaz/i18n"
	"markaz/store"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if err := s.db.Ping(r.Context()); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n"))
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	var roles []string
	if ri.p != nil {
		for _, a := range ri.p.Assignments {
			roles = append(roles, i18n.T(ri.lang, "role."+a.Role, nil)+" — "+s.territoryLabel(r, a))
		}
	}
	s.render(w, r, 200, "home", "home.title", map[string]any{"Roles": roles})
	return nil
}

// territoryLabel names an assignment's territory in the request's language.
func (s *Server) territoryLabel(r *http.Request, a markaz.Assignment) string {
	lang := info(r).lang
	pick := func(ar, en string) string {
		if lang == "en" {
			return en
		}
		return ar
	}
	var label string
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var n struct {
			Ar string `db:"name_ar"`
			En string `db:"name_en"`
		}
		var err error
		switch a.Level {
		case markaz.LevelNation:
			label = i18n.T(lang, "common.nation", nil)
			return nil
		case markaz.LevelGovernorate:
			err = tx.Get(&n, `SELECT name_ar, name_en FROM governorates WHERE code = ?`, a.GovCode)
		case markaz.LevelUnit:
			err = tx.Get(&n, `SELECT name_ar, name_en FROM units WHERE code = ?`, a.UnitCode)
		case markaz.LevelCenter:
			err = tx.Get(&n, `SELECT name_ar, name_en FROM centers WHERE id = ?`, a.CenterID)
		}
		label = pick(n.Ar, n.En)
		return err
	})
	if err != nil {
		return a.Level
	}
	return label
}

// safeNext keeps redirects on this site: a path starting with one slash, with no
// control characters or backslashes (browsers drop a tab in "/\t/evil.com" and go off-site),
// no scheme and no host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 2000 ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, 200, "login", "login.title", map[string]any{"Next": safeNext(r.URL.Query().Get("next"))})
	return nil
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	username, next := r.PostForm.Get("username"), safeNext(r.PostForm.Get("next"))
	fail := func(status int, msg string) error {
		s.render(w, r, status, "login", "login.title", map[string]any{"Next": next, "Username": username, "Error": msg})
		return nil
	}
	if !s.limiter.allow(r, username) {
		return fail(http.StatusTooManyRequests, i18n.T(ri.lang, "error.rate_limited", nil))
	}
	token, u, err := auth.Login(r.Context(), s.db, username, r.PostForm.Get("password"), "web")
	if err != nil {
		e := asError(err)
		if e.Code == markaz.EInternal {
			return err
		}
		return fail(statusOf[e.Code], message(ri.lang, ri.id, e))
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(store.SessionAbsolute.Seconds())})
	s.setPrefCookies(w, u.Locale, u.Digits)
	if u.MustChangePassword {
		next = "/password"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) setPrefCookies(w http.ResponseWriter, lang, digits string) {
	const year = 365 * 24 * 3600
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: year, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
	http.SetCookie(w, &http.Cookie{Name: "digits", Value: digits, Path: "/", MaxAge: year, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if t := info(r).token; t != "" {
		if err := s.db.RevokeSession(r.Context(), t); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, ""); err != nil {
		return err
	}
	s.render(w, r, 200, "password", "password.title", map[string]any{"Forced": info(r).mustChange})
	return nil
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	err = s.changePassword(r, p, r.PostForm.Get("current"), r.PostForm.Get("new"), r.PostForm.Get("confirm"))
	if err != nil {
		if fm := fieldMessages(info(r).lang, err); fm != nil {
			s.render(w, r, http.StatusUnprocessableEntity, "password", "password.title",
				map[string]any{"Forced": info(r).mustChange, "Errors": fm})
			return nil
		}
		return err
	}
	flash(w, "password.changed")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// changePassword checks the current password and stores the new one; other sessions
// of the user end, this one stays.
func (s *Server) changePassword(r *http.Request, p *markaz.Principal, current, newPw, confirm string) error {
	var u *markaz.User
	if err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		u, err = tx.GetUser(p.UserID)
		return err
	}); err != nil {
		return err
	}
	// Every problem at once: the current password, the policy, the confirmation.
	var v markaz.Validator
	ok, err := auth.VerifyCurrent(r.Context(), s.db, u, current)
	if err != nil {
		return err // locked after too many wrong passwords
	}
	if !ok {
		v.Add("current", "password_wrong", nil)
	}
	v.Merge(markaz.CheckPassword("new", newPw, u.Username), nil)
	if newPw == current && !v.Has("new") {
		v.Add("new", "password_same", nil)
	}
	if newPw != confirm {
		v.Add("confirm", "password_mismatch", nil)
	}
	if err := v.Err(); err != nil {
		return err
	}
	hash := auth.Hash(newPw, auth.Default)
	token := info(r).token
	return s.db.Write(r.Context(), func(tx *store.Tx) error {
		if err := tx.SetPassword(store.ActorOf(p), u, hash, false); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND token_hash <> ? AND revoked_at IS NULL`,
			tx.Now, u.ID, store.HashToken(token))
		return err
	})
}

func (s *Server) handleSwitchLang(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	lang := i18n.Lang(r.PostForm.Get("lang"))
	ri := info(r)
	if ri.p == nil {
		// A visitor has not chosen digits: they follow the language.
		ri.digits = map[string]string{"ar": "arab", "en": "latn"}[lang]
	}
	if ri.p != nil {
		if err := s.db.Write(r.Context(), func(tx *store.Tx) error {
			return tx.SetPreferences(ri.p, lang, ri.digits)
		}); err != nil {
			return err
		}
	}
	s.setPrefCookies(w, lang, ri.digits)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
	return nil
}

func (s *Server) handleSettingsForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, ""); err != nil {
		return err
	}
	s.render(w, r, 200, "settings", "settings.title", nil)
	return nil
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	lang, digits := r.PostForm.Get("locale"), r.PostForm.Get("digits")
	var v markaz.Validator
	v.OneOf("locale", lang, "ar", "en")
	v.OneOf("digits", digits, "arab", "latn")
	if err := v.Err(); err != nil {
		return err
	}
	if err := s.db.Write(r.Context(), func(tx *store.Tx) error { return tx.SetPreferences(p, lang, digits) }); err != nil {
		return err
	}
	s.setPrefCookies(w, lang, digits)
	flash(w, "common.saved")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
	return nil
}

// apiToken: POST /api/v1/auth/token {"username","password"} → {"token","expires_at"}.
func (s *Server) apiToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	var v markaz.Validator
	v.Required("username", in.Username)
	v.Required("password", in.Password)
	if err := v.Err(); err != nil {
		return err
	}
	if !s.limiter.allow(r, in.Username) {
		return &markaz.Error{Code: markaz.ERateLimited, Key: "error.rate_limited"}
	}
	token, _, err := auth.Login(r.Context(), s.db, in.Username, in.Password, "api")
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"token": token, "token_type": "Bearer",
		"expires_at": s.db.Clock.Now().Add(store.TokenLifetime).Format("2006-01-02T15:04:05Z07:00")})
}

// apiMe returns who the caller is and what they hold.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	perms := []string{}
	for _, perm := range []string{markaz.PermProgramRead, markaz.PermCentersRead, markaz.PermCentersWrite,
		markaz.PermTerritoryWrite, markaz.PermUsersRead, markaz.PermUsersManage, markaz.PermAuditRead, markaz.PermPolicyWrite} {
		if p.Can(perm) {
			perms = append(perms, perm)
		}
	}
	return writeJSON(w, 200, map[string]any{"id": p.UserID, "username": p.Username, "full_name": p.FullName,
		"locale": p.Locale, "digits": p.Digits, "assignments": p.Assignments, "permissions": perms,
		"must_change_password": info(r).mustChange})
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) error { return markaz.ErrNotFound }

// redirectBack is used by UI forms that post and return to a page.
func redirectBack(w http.ResponseWriter, r *http.Request, to string, q url.Values) {
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
