package web

// Users, roles and territorial assignments: list, view, create, import (CSV), disable and
// enable, reset password, grant and revoke. This file holds the actions the pages and the
// API share (each parses nothing and presents nothing), the CSV reader, and the pages;
// users_api.go holds the JSON handlers. What a principal may do to whom is decided in
// the store, inside the transaction that writes (markaz.Principal.CanGrant and
// CanManageUser); the handlers parse, call and present.

import (
	"cmp"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"markaz"
	"markaz/auth"
	"markaz/i18n"
	"markaz/store"
)

// userOut is a user as the API and the pages show them: only the assignments inside the
// reader's scope, and how many others they hold elsewhere.
type userOut struct {
	markaz.User
	OtherAssignments  int    `json:"other_assignments"`
	TemporaryPassword string `json:"temporary_password,omitempty"`
}

// userFor trims u's assignments to the reader's scope.
func userFor(scope markaz.Scope, u markaz.User) userOut {
	out := userOut{User: u}
	out.Assignments = []markaz.Assignment{}
	for _, a := range u.Assignments {
		if scope.Contains(a.Ref()) {
			out.Assignments = append(out.Assignments, a)
		} else {
			out.OtherAssignments++
		}
	}
	return out
}

var userGovRE = regexp.MustCompile(`^[0-9]{2}$`)

// userFilter reads the list filters: q, role, governorate, include_disabled, limit, cursor.
func userFilter(r *http.Request, p *markaz.Principal) (store.UserFilter, error) {
	q := r.URL.Query()
	f := store.UserFilter{Scope: p.Scope(markaz.PermUsersRead), Q: strings.TrimSpace(q.Get("q")),
		Role: q.Get("role"), Gov: markaz.LatinDigits(q.Get("governorate"))}
	var v markaz.Validator
	v.Text("q", f.Q, 100, false)
	if f.Role != "" && !markaz.ValidRole(f.Role) {
		v.Add("role", "unknown_role", nil)
	}
	if f.Gov != "" && !userGovRE.MatchString(f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	if s := q.Get("include_disabled"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("include_disabled", "one_of", map[string]any{"allowed": "true, false"})
		}
		f.IncludeDisabled = b
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	limit, after, err := pageParams(r)
	if err != nil {
		return f, err
	}
	if len(after) > 1 || len(after) == 1 && !markaz.ValidUsername(after[0]) {
		return f, &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_query", Args: map[string]any{"field": "cursor"},
			Fields: []markaz.FieldError{{Field: "cursor", Code: "bad_cursor"}}}
	}
	f.Limit = limit
	if len(after) == 1 {
		f.After = after[0]
	}
	return f, nil
}

// listUsers returns one page of the users p may read and the cursor of the next page.
func (s *Server) listUsers(r *http.Request, p *markaz.Principal) ([]userOut, string, error) {
	f, err := userFilter(r, p)
	if err != nil {
		return nil, "", err
	}
	us, next, err := s.db.ListUsers(r.Context(), f)
	if err != nil {
		return nil, "", err
	}
	out := make([]userOut, len(us))
	for i, u := range us {
		out[i] = userFor(f.Scope, u)
	}
	if next != "" {
		next = encodeCursor(next)
	}
	return out, next, nil
}

// visibleUser loads a user for a reader: 404 when missing, 403 outside scope.
func (s *Server) visibleUser(r *http.Request, p *markaz.Principal, id string) (userOut, error) {
	var u *markaz.User
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		u, err = tx.VisibleUser(p, id)
		return err
	})
	if err != nil {
		return userOut{}, err
	}
	return userFor(p.Scope(markaz.PermUsersRead), *u), nil
}

// createUser stores a new user with a temporary password: the one given (checked against
// the policy) or a generated one, which it returns.
func (s *Server) createUser(r *http.Request, p *markaz.Principal, u *markaz.User, password string, ins []markaz.AssignmentInput) (string, error) {
	generated := ""
	if password == "" {
		password = markaz.GeneratePassword()
		generated = password
	} else if err := markaz.CheckPassword("password", password, strings.TrimSpace(u.Username)); err != nil {
		// Report every problem at once: the password's and the rest of the form's.
		var v markaz.Validator
		v.Merge(err, nil)
		if err := v.Merge(s.db.Read(r.Context(), func(tx *store.Tx) error { return tx.CheckNewUser(p, u, ins) }), nil); err != nil {
			return "", err
		}
		return "", v.Err()
	}
	u.PasswordHash = auth.Hash(password, auth.Default)
	return generated, s.db.Write(r.Context(), func(tx *store.Tx) error { return tx.CreateUser(p, u, ins) })
}

// setDisabled disables or re-enables the user of the URL.
func (s *Server) setDisabled(r *http.Request, p *markaz.Principal, disabled bool) (*markaz.User, error) {
	var u *markaz.User
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		u, err = tx.SetUserDisabled(p, r.PathValue("id"), disabled)
		return err
	})
	return u, err
}

// resetPassword gives the user of the URL a temporary password (the one given, or a
// generated one it returns) and ends their sessions.
func (s *Server) resetPassword(r *http.Request, p *markaz.Principal, password string) (*markaz.User, string, error) {
	id := r.PathValue("id")
	var u *markaz.User
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		u, err = tx.ManagedUser(p, id)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	generated := ""
	if password == "" {
		password = markaz.GeneratePassword()
		generated = password
	} else if err := markaz.CheckPassword("password", password, u.Username); err != nil {
		return nil, "", err
	}
	hash := auth.Hash(password, auth.Default)
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		u, err = tx.ResetPassword(p, id, hash)
		return err
	})
	return u, generated, err
}

// grant gives the user of the URL one more assignment.
func (s *Server) grant(r *http.Request, p *markaz.Principal, in markaz.AssignmentInput) (*markaz.Assignment, error) {
	var a *markaz.Assignment
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		a, err = tx.GrantAssignment(p, r.PathValue("id"), in)
		return err
	})
	return a, err
}

// revoke ends the assignment of the URL.
func (s *Server) revoke(r *http.Request, p *markaz.Principal) (*markaz.Assignment, error) {
	var a *markaz.Assignment
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		a, err = tx.RevokeAssignment(p, r.PathValue("id"), r.PathValue("aid"))
		return err
	})
	return a, err
}

// -- CSV import --

// userCSVHeader is the one accepted header of a user import.
var userCSVHeader = []string{"username", "full_name", "email", "mobile", "role", "level", "territory", "starts_on", "ends_on"}

// maxUserCSV bounds an import file.
const maxUserCSV = 2 << 20

// readUserCSV reads an import file: UTF-8 (a byte-order mark is skipped), the header of
// userCSVHeader, then one assignment per row. Rows are numbered as in a spreadsheet, the
// header being row 1. Problems with the file itself are row errors on the column "file",
// returned with the rows that could be read, so that those are checked too.
func readUserCSV(rd io.Reader) ([]store.ImportRow, []store.RowError, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = len(userCSVHeader)
	cr.TrimLeadingSpace = true
	var rows []store.ImportRow
	var problems []store.RowError
	fileErr := func(row int, code string, args map[string]any) {
		problems = append(problems, store.RowError{Row: row, FieldError: markaz.FieldError{Field: "file", Code: code, Args: args}})
	}
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large"}
		}
		if n == 1 && errors.Is(err, csv.ErrFieldCount) {
			fileErr(1, "csv_header", map[string]any{"columns": strings.Join(userCSVHeader, ",")})
			break
		}
		if errors.Is(err, csv.ErrFieldCount) {
			fileErr(n, "csv_columns", map[string]any{"columns": len(userCSVHeader)})
			continue
		}
		if err != nil {
			fileErr(n, "csv_syntax", nil)
			break
		}
		if n == 1 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			for i := range rec {
				rec[i] = strings.ToLower(strings.TrimSpace(rec[i]))
			}
			if !slices.Equal(rec, userCSVHeader) {
				fileErr(1, "csv_header", map[string]any{"columns": strings.Join(userCSVHeader, ",")})
				break
			}
			continue
		}
		if slices.ContainsFunc(rec, func(s string) bool { return !utf8.ValidString(s) }) {
			fileErr(n, "csv_encoding", nil)
			continue
		}
		if len(rows) == store.MaxImportRows {
			fileErr(n, "too_many_rows", map[string]any{"max": store.MaxImportRows})
			break
		}
		rows = append(rows, store.ImportRow{Row: n, Username: rec[0], FullName: rec[1], Email: rec[2], Mobile: rec[3],
			Role: strings.TrimSpace(rec[4]), Level: strings.TrimSpace(rec[5]), Territory: rec[6], StartsOn: rec[7], EndsOn: rec[8]})
	}
	if len(rows) == 0 && len(problems) == 0 {
		fileErr(1, "csv_empty", nil)
	}
	return rows, problems, nil
}

// importUsers creates every user of the rows, each with a generated temporary password
// it returns once, or nothing at all and the problems of each bad row, the problems of
// the file itself (fileProblems) among them. Passwords are hashed between the check and
// the write, outside any transaction.
func (s *Server) importUsers(r *http.Request, p *markaz.Principal, rows []store.ImportRow, fileProblems []store.RowError) ([]userOut, []store.RowError, error) {
	var users []*markaz.User
	var problems []store.RowError
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		users, problems, err = tx.PlanImport(p, rows)
		return err
	})
	if problems = append(problems, fileProblems...); err != nil || problems != nil {
		slices.SortStableFunc(problems, func(a, b store.RowError) int { return a.Row - b.Row })
		return nil, problems, err
	}
	passwords := map[string]string{}
	for _, u := range users {
		passwords[u.Username] = markaz.GeneratePassword()
	}
	hashes := hashPasswords(passwords)
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		users, problems, err = tx.ImportUsers(p, rows, hashes)
		return err
	})
	if err != nil || problems != nil {
		return nil, problems, err
	}
	scope := p.Scope(markaz.PermUsersRead)
	out := make([]userOut, len(users))
	for i, u := range users {
		out[i] = userFor(scope, *u)
		out[i].TemporaryPassword = passwords[u.Username]
	}
	return out, nil, nil
}

// hashPasswords hashes in parallel (auth bounds how many run at once).
func hashPasswords(passwords map[string]string) map[string]string {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make(map[string]string, len(passwords))
	for name, pw := range passwords {
		wg.Go(func() {
			h := auth.Hash(pw, auth.Default)
			mu.Lock()
			out[name] = h
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// rowProblem is one problem of an import row, localized.
type rowProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func rowProblems(lang string, rowErrs []store.RowError) []rowProblem {
	out := make([]rowProblem, len(rowErrs))
	for i, e := range rowErrs {
		out[i] = rowProblem{Row: e.Row, Column: e.Field, Code: e.Code, Message: fieldMessage(lang, e.FieldError)}
	}
	return out
}

// -- UI --

// userOption is one choice of a select.
type userOption struct{ Value, Label string }

func userOptions(lang, prefix string, values []string) []userOption {
	out := make([]userOption, len(values))
	for i, v := range values {
		out[i] = userOption{Value: v, Label: i18n.T(lang, prefix+v, nil)}
	}
	return out
}

// userGroup is an <optgroup> of a select.
type userGroup struct {
	Label   string
	Options []userOption
}

// userForm is a user or assignment form with its values and per-field messages, and
// the choices of its selects: the roles and levels the principal may grant, and the
// territories it may grant in, one select per level (the level decides which counts).
type userForm struct {
	Values  url.Values
	Errors  map[string]string
	Roles   []userOption
	Levels  []userOption
	Govs    []userOption
	Units   []userGroup // by governorate
	Centers []userGroup // by district/city
}

// userPick picks the Arabic or English of a pair.
func userPick(lang, ar, en string) string {
	if lang == "en" {
		return en
	}
	return ar
}

// userIsolate keeps a Latin code from reordering the Arabic text around it where no
// markup may go (an <option>): a first-strong isolate, as <bdi> would.
func userIsolate(code string) string { return "\u2068" + code + "\u2069" }

// newUserForm prepares a form with the roles p may grant and the territories it manages.
func (s *Server) newUserForm(r *http.Request, p *markaz.Principal, values url.Values, errs map[string]string) (userForm, error) {
	lang := info(r).lang
	scope := p.Scope(markaz.PermUsersManage)
	places, err := s.db.GrantPlaces(r.Context(), scope)
	if err != nil {
		return userForm{}, err
	}
	if values == nil {
		values = url.Values{}
	}
	if errs == nil {
		errs = map[string]string{}
	}
	values.Del("password") // never echoed back
	levels := markaz.Levels
	if !scope.All {
		// Only national managers grant at the national level.
		levels = []string{markaz.LevelGovernorate, markaz.LevelUnit, markaz.LevelCenter}
	}
	f := userForm{Values: values, Errors: errs, Roles: userOptions(lang, "role.", p.GrantableRoles()),
		Levels: userOptions(lang, "level.", levels)}
	govName := map[string]string{}
	for _, g := range places.Govs {
		govName[g.Code] = userPick(lang, g.NameAr, g.NameEn)
		f.Govs = append(f.Govs, userOption{Value: g.Code, Label: govName[g.Code]})
	}
	gov := ""
	for _, u := range places.Units {
		if u.GovCode != gov {
			gov = u.GovCode
			f.Units = append(f.Units, userGroup{Label: cmp.Or(govName[u.GovCode], u.GovCode)})
		}
		g := &f.Units[len(f.Units)-1]
		g.Options = append(g.Options, userOption{Value: u.Code, Label: userPick(lang, u.NameAr, u.NameEn)})
	}
	sep := userPick(lang, "، ", ", ")
	unit := ""
	for _, c := range places.Centers {
		if c.UnitCode != unit {
			unit = c.UnitCode
			f.Centers = append(f.Centers, userGroup{Label: userPick(lang, c.UnitNameAr, c.UnitNameEn) + sep + userPick(lang, c.GovNameAr, c.GovNameEn)})
		}
		g := &f.Centers[len(f.Centers)-1]
		g.Options = append(g.Options, userOption{Value: c.ID, Label: userPick(lang, c.NameAr, c.NameEn) + " (" + userIsolate(c.Code) + ")"})
	}
	return f, nil
}

// userAssignmentInput reads the assignment fields of a form: its territory selects
// carry the API's names (governorate, unit, center_id), of which the level picks one.
func userAssignmentInput(f url.Values) markaz.AssignmentInput {
	return markaz.AssignmentInput{Role: f.Get("role"), Level: f.Get("level"), Governorate: f.Get("governorate"),
		Unit: f.Get("unit"), CenterID: f.Get("center_id"), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on")}
}

// userFormErrors maps a validation error to the fields of the user and assignment forms
// (nil for any other error).
func userFormErrors(lang string, err error) map[string]string {
	m := fieldMessages(lang, err)
	if m == nil {
		return nil
	}
	out := map[string]string{}
	for k, msg := range m {
		k = strings.TrimPrefix(k, "assignments[0].")
		if _, ok := out[k]; !ok {
			out[k] = msg
		}
	}
	return out
}

// userPlaces names the territories of assignments in the request's language.
type userPlaces struct {
	lang    string
	govs    map[string]markaz.Governorate
	units   map[string]markaz.Unit
	centers map[string]*markaz.Center
}

func (s *Server) userPlaces(r *http.Request, users []userOut) (*userPlaces, error) {
	n := &userPlaces{lang: info(r).lang, govs: map[string]markaz.Governorate{}, units: map[string]markaz.Unit{},
		centers: map[string]*markaz.Center{}}
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return nil, err
	}
	for _, g := range govs {
		n.govs[g.Code] = g
	}
	units, err := s.db.Units(r.Context(), "", true)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		n.units[u.Code] = u
	}
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		for _, u := range users {
			for _, a := range u.Assignments {
				if a.CenterID != "" && n.centers[a.CenterID] == nil {
					c, err := tx.GetCenter(a.CenterID)
					if err != nil {
						return err
					}
					n.centers[a.CenterID] = c
				}
			}
		}
		return nil
	})
	return n, err
}

// userPlace names an assignment's territory: the place, the code people read it by (a
// center's; the page isolates it in <bdi>), and the governorate it lies in.
type userPlace struct {
	Name, Code, Within, Sep string
}

// Text is the place as plain text, for attributes that cannot hold markup.
func (pl userPlace) Text() string {
	out := pl.Name
	if pl.Code != "" {
		out += " (" + userIsolate(pl.Code) + ")"
	}
	if pl.Within != "" {
		out += pl.Sep + pl.Within
	}
	return out
}

// place names an assignment's territory, narrowest first.
func (n *userPlaces) place(a markaz.Assignment) userPlace {
	g := n.govs[a.GovCode]
	pl := userPlace{Name: userPick(n.lang, g.NameAr, g.NameEn), Sep: userPick(n.lang, "، ", ", ")}
	switch a.Level {
	case markaz.LevelGovernorate:
		return pl
	case markaz.LevelUnit:
		u := n.units[a.UnitCode]
		pl.Name, pl.Within = userPick(n.lang, u.NameAr, u.NameEn), pl.Name
		return pl
	case markaz.LevelCenter:
		if c := n.centers[a.CenterID]; c != nil {
			pl.Name, pl.Code, pl.Within = userPick(n.lang, c.NameAr, c.NameEn), c.Code, pl.Name
			return pl
		}
	}
	return userPlace{Name: i18n.T(n.lang, "common.nation", nil)}
}

// userAssignmentRow is an assignment as a page lists it.
type userAssignmentRow struct {
	markaz.Assignment
	Place     userPlace
	Status    string // active, future, ended, revoked
	CanRevoke bool
}

// userRow is a user as a page lists them.
type userRow struct {
	userOut
	Rows []userAssignmentRow
}

// userRows prepares users for a page; p decides which assignments it may revoke (only
// when it may manage the user).
func (s *Server) userRows(r *http.Request, p *markaz.Principal, users []userOut, manageable func(userOut) bool) ([]userRow, error) {
	places, err := s.userPlaces(r, users)
	if err != nil {
		return nil, err
	}
	today := markaz.Today(s.db.Clock)
	out := make([]userRow, len(users))
	for i, u := range users {
		out[i].userOut = u
		can := manageable != nil && manageable(u)
		for _, a := range u.Assignments {
			row := userAssignmentRow{Assignment: a, Place: places.place(a), Status: "active"}
			switch {
			case a.RevokedAt != nil:
				row.Status = "revoked"
			case !a.EndsOn.IsZero() && a.EndsOn.Before(today):
				row.Status = "ended"
			case a.StartsOn.After(today):
				row.Status = "future"
			}
			row.CanRevoke = can && a.RevokedAt == nil && p.CanRevoke(a)
			out[i].Rows = append(out[i].Rows, row)
		}
	}
	return out, nil
}

// usersPage is the data of the users list.
type usersPage struct {
	Q         url.Values
	Rows      []userRow
	Roles     []userOption
	Govs      []centerGov
	NextURL   string
	CanManage bool
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersRead)
	if err != nil {
		return err
	}
	users, next, err := s.listUsers(r, p)
	if err != nil {
		return err
	}
	rows, err := s.userRows(r, p, users, nil)
	if err != nil {
		return err
	}
	govs, err := s.centerChoices(r, p.Scope(markaz.PermUsersRead))
	if err != nil {
		return err
	}
	data := usersPage{Q: r.URL.Query(), Rows: rows, Roles: userOptions(info(r).lang, "role.", markaz.Roles),
		Govs: govs, CanManage: p.Can(markaz.PermUsersManage)}
	if next != "" {
		q := r.URL.Query()
		q.Set("cursor", next)
		data.NextURL = "/users?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "users", "users.title", data)
	return nil
}

func (s *Server) handleUserNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	return s.renderUserNew(w, r, p, http.StatusOK, nil, nil)
}

func (s *Server) renderUserNew(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, values url.Values, errs map[string]string) error {
	form, err := s.newUserForm(r, p, values, errs)
	if err != nil {
		return err
	}
	s.render(w, r, status, "user_new", "users.new", form)
	return nil
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	f := r.PostForm
	u := &markaz.User{Username: f.Get("username"), FullName: f.Get("full_name"), Email: f.Get("email"), Mobile: f.Get("mobile")}
	pw, err := s.createUser(r, p, u, f.Get("password"), []markaz.AssignmentInput{userAssignmentInput(f)})
	if errs := userFormErrors(info(r).lang, err); errs != nil {
		return s.renderUserNew(w, r, p, http.StatusUnprocessableEntity, f, errs)
	}
	if err != nil {
		return err
	}
	return s.showPassword(w, r, *u, pw, "users.created")
}

// showPassword shows the user's page with a generated temporary password, once, on the
// answer to the POST that made it (never in a URL or a cookie); without one it returns
// to the user's page.
func (s *Server) showPassword(w http.ResponseWriter, r *http.Request, u markaz.User, password, done string) error {
	if password == "" {
		flash(w, done)
		http.Redirect(w, r, "/users/"+u.ID, http.StatusSeeOther)
		return nil
	}
	return s.renderUser(w, r, u.ID, http.StatusOK, userPageState{Password: password, Done: done})
}

// userPageState is what a POST adds to a user's page: the values and problems of a
// failed form, or a temporary password shown once with what was done (an i18n key).
type userPageState struct {
	Values   url.Values
	Errors   map[string]string
	Password string
	Done     string
}

// userPage is the data of one user's page.
type userPage struct {
	User        userRow
	CanManage   bool
	CanRestrict bool     // may disable and revoke even where it may not manage
	Form        userForm // the grant and reset forms
	userPageState
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) error {
	return s.renderUser(w, r, r.PathValue("id"), http.StatusOK, userPageState{})
}

// renderUser shows a user, with the grant and reset forms when the reader may manage them.
func (s *Server) renderUser(w http.ResponseWriter, r *http.Request, id string, status int, st userPageState) error {
	p, err := need(r, markaz.PermUsersRead)
	if err != nil {
		return err
	}
	u, err := s.visibleUser(r, p, id)
	if err != nil {
		return err
	}
	// can: grant, reset, enable; canRestrict: disable and revoke (see CanRestrictUser).
	var can, canRestrict bool
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		may := func(load func(*markaz.Principal, string) (*markaz.User, error)) (bool, error) {
			_, err := load(p, u.ID)
			if markaz.ErrorCode(err) == markaz.EForbidden {
				return false, nil
			}
			return err == nil, err
		}
		var err error
		if can, err = may(tx.ManagedUser); err != nil {
			return err
		}
		canRestrict, err = may(tx.RestrictableUser)
		return err
	})
	if err != nil {
		return err
	}
	rows, err := s.userRows(r, p, []userOut{u}, func(userOut) bool { return canRestrict })
	if err != nil {
		return err
	}
	data := userPage{User: rows[0], CanManage: can, CanRestrict: canRestrict, userPageState: st}
	if can {
		if data.Form, err = s.newUserForm(r, p, st.Values, st.Errors); err != nil {
			return err
		}
	}
	s.render(w, r, status, "user", "users.user", data)
	return nil
}

// userAction runs a POST from a user's page: the form problems of a validation error
// re-render the page (422); success flashes done and returns to the page.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, perm string, done string,
	act func(p *markaz.Principal, f url.Values) error) error {
	p, err := need(r, perm)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	err = act(p, r.PostForm)
	if errs := userFormErrors(info(r).lang, err); errs != nil {
		return s.renderUser(w, r, r.PathValue("id"), http.StatusUnprocessableEntity, userPageState{Values: r.PostForm, Errors: errs})
	}
	if err != nil {
		return err
	}
	if done != "" {
		flash(w, done)
		http.Redirect(w, r, "/users/"+r.PathValue("id"), http.StatusSeeOther)
	}
	return nil
}

func (s *Server) handleUserDisable(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, markaz.PermUsersManage, "users.disabled", func(p *markaz.Principal, _ url.Values) error {
		_, err := s.setDisabled(r, p, true)
		return err
	})
}

func (s *Server) handleUserEnable(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, markaz.PermUsersManage, "users.enabled", func(p *markaz.Principal, _ url.Values) error {
		_, err := s.setDisabled(r, p, false)
		return err
	})
}

func (s *Server) handleUserGrant(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, markaz.PermUsersManage, "users.granted", func(p *markaz.Principal, f url.Values) error {
		_, err := s.grant(r, p, userAssignmentInput(f))
		return err
	})
}

func (s *Server) handleUserRevoke(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, markaz.PermUsersManage, "users.revoked", func(p *markaz.Principal, _ url.Values) error {
		_, err := s.revoke(r, p)
		return err
	})
}

func (s *Server) handleUserReset(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, markaz.PermUsersManage, "", func(p *markaz.Principal, f url.Values) error {
		u, pw, err := s.resetPassword(r, p, f.Get("password"))
		if err != nil {
			return err
		}
		return s.showPassword(w, r, *u, pw, "users.password_reset")
	})
}

// userImportPage is the data of the import page: the problems of a refused file, or the
// users an accepted one created with their temporary passwords.
type userImportPage struct {
	Columns  []string // the header a file must start with
	Problems []rowProblem
	Created  []userOut
}

func (s *Server) handleUserImportForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermUsersManage); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "user_import", "users.import.title", userImportPage{Columns: userCSVHeader})
	return nil
}

func (s *Server) handleUserImport(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	data := userImportPage{Columns: userCSVHeader}
	r.Body = http.MaxBytesReader(w, r.Body, maxUserCSV+64<<10)
	file, _, err := r.FormFile("file")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large"}
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		data.Problems = rowProblems(info(r).lang, []store.RowError{{FieldError: markaz.FieldError{Field: "file", Code: "required"}}})
		s.render(w, r, http.StatusUnprocessableEntity, "user_import", "users.import.title", data)
		return nil
	case err != nil:
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid", Err: err}
	}
	defer file.Close()
	rows, fileProblems, err := readUserCSV(file)
	if err != nil {
		return err
	}
	var problems []store.RowError
	data.Created, problems, err = s.importUsers(r, p, rows, fileProblems)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if problems != nil {
		status, data.Problems = http.StatusUnprocessableEntity, rowProblems(info(r).lang, problems)
	}
	s.render(w, r, status, "user_import", "users.import.title", data)
	return nil
}
