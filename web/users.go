package web

// Users, roles and territorial assignments: list, view, create, import (CSV), disable and
// enable, reset password, grant and revoke — in the UI and the API. What a principal may
// do to whom is decided in the store, inside the transaction that writes
// (markaz.Principal.CanGrant and CanManageUser); these handlers parse, call and present.

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
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

// newUserBody is the body of POST /api/v1/users. A missing password is generated and
// returned once.
type newUserBody struct {
	Username    string                   `json:"username"`
	FullName    string                   `json:"full_name"`
	Email       string                   `json:"email"`
	Mobile      string                   `json:"mobile"`
	Password    string                   `json:"password"`
	Assignments []markaz.AssignmentInput `json:"assignments"`
}

// resetBody is the optional body of a password reset.
type resetBody struct {
	Password string `json:"password"`
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

// -- API --

// apiUsers: GET /api/v1/users?q=&role=&governorate=&include_disabled=&limit=&cursor=
func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersRead)
	if err != nil {
		return err
	}
	us, next, err := s.listUsers(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[userOut]{Items: us, NextCursor: next})
}

// apiUser: GET /api/v1/users/{id}
func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersRead)
	if err != nil {
		return err
	}
	u, err := s.visibleUser(r, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

// apiCreateUser: POST /api/v1/users → 201 with the user (and the generated password).
func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	var b newUserBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	u := &markaz.User{Username: b.Username, FullName: b.FullName, Email: b.Email, Mobile: b.Mobile}
	pw, err := s.createUser(r, p, u, b.Password, b.Assignments)
	if err != nil {
		return err
	}
	out := userFor(p.Scope(markaz.PermUsersRead), *u)
	out.TemporaryPassword = pw
	return writeJSON(w, http.StatusCreated, out)
}

// apiDisableUser: POST /api/v1/users/{id}/disable
func (s *Server) apiDisableUser(w http.ResponseWriter, r *http.Request) error {
	return s.apiSetDisabled(w, r, true)
}

// apiEnableUser: POST /api/v1/users/{id}/enable
func (s *Server) apiEnableUser(w http.ResponseWriter, r *http.Request) error {
	return s.apiSetDisabled(w, r, false)
}

func (s *Server) apiSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	u, err := s.setDisabled(r, p, disabled)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userFor(p.Scope(markaz.PermUsersRead), *u))
}

// apiResetPassword: POST /api/v1/users/{id}/reset-password, body {"password"} or none.
func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	var b resetBody
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &b); err != nil {
			return err
		}
	}
	u, pw, err := s.resetPassword(r, p, b.Password)
	if err != nil {
		return err
	}
	out := userFor(p.Scope(markaz.PermUsersRead), *u)
	out.TemporaryPassword = pw
	return writeJSON(w, http.StatusOK, out)
}

// apiGrant: POST /api/v1/users/{id}/assignments → 201 with the assignment.
func (s *Server) apiGrant(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	var in markaz.AssignmentInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.grant(r, p, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a)
}

// apiRevoke: POST /api/v1/users/{id}/assignments/{aid}/revoke
func (s *Server) apiRevoke(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	a, err := s.revoke(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// apiImportUsers: POST /api/v1/users/import with a text/csv body → 201 with the users
// and their temporary passwords, or 422 with a problem per bad row (nothing imported).
func (s *Server) apiImportUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return &markaz.Error{Code: markaz.EInvalid, Key: "users.import.want_csv",
			Fields: []markaz.FieldError{{Field: "file", Code: "csv_type"}}}
	}
	rows, fileProblems, err := readUserCSV(http.MaxBytesReader(w, r.Body, maxUserCSV))
	if err != nil {
		return err
	}
	users, problems, err := s.importUsers(r, p, rows, fileProblems)
	if err != nil {
		return err
	}
	if problems != nil {
		return s.writeRowProblems(w, r, problems)
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"created": len(users), "users": users})
}

// writeRowProblems answers 422 with a problem details body whose errors carry the row
// and column of each problem.
func (s *Server) writeRowProblems(w http.ResponseWriter, r *http.Request, rowErrs []store.RowError) error {
	ri := info(r)
	e := &markaz.Error{Code: markaz.EInvalid, Key: "users.import.rejected", Args: map[string]any{"count": len(rowErrs)}}
	body := struct {
		problem
		Errors []rowProblem `json:"errors"`
	}{problem: problem{Type: "urn:markaz:problem:" + e.Code, Title: i18n.T(ri.lang, "error.invalid", nil),
		Status: http.StatusUnprocessableEntity, Detail: message(ri.lang, ri.id, e), Instance: r.URL.Path,
		RequestID: ri.id, Code: e.Code}, Errors: rowProblems(ri.lang, rowErrs)}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", ri.lang)
	w.WriteHeader(http.StatusUnprocessableEntity)
	return json.NewEncoder(w).Encode(body)
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

// userForm is a user or assignment form with its values and per-field messages.
type userForm struct {
	Values url.Values
	Errors map[string]string
	Roles  []userOption
	Levels []userOption
	Govs   []centerGov // territories the datalist suggests
}

// newUserForm prepares a form with the roles p may grant and the territories it manages.
func (s *Server) newUserForm(r *http.Request, p *markaz.Principal, values url.Values, errs map[string]string) (userForm, error) {
	lang := info(r).lang
	govs, err := s.centerChoices(r, p.Scope(markaz.PermUsersManage))
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
	if !p.Scope(markaz.PermUsersManage).All {
		// Only national managers grant at the national level.
		levels = []string{markaz.LevelGovernorate, markaz.LevelUnit, markaz.LevelCenter}
	}
	return userForm{Values: values, Errors: errs, Roles: userOptions(lang, "role.", p.GrantableRoles()),
		Levels: userOptions(lang, "level.", levels), Govs: govs}, nil
}

// userAssignmentInput reads the assignment fields of a form; the territory is one code.
func userAssignmentInput(f url.Values) markaz.AssignmentInput {
	in := markaz.AssignmentInput{Role: f.Get("role"), Level: f.Get("level"), StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on")}
	in.PlaceCode(f.Get("territory"))
	return in
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
		if slices.Contains(markaz.TerritoryFields, k) {
			k = "territory"
		}
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

func (n *userPlaces) pick(ar, en string) string {
	if n.lang == "en" {
		return en
	}
	return ar
}

// label names an assignment's territory, narrowest first.
func (n *userPlaces) label(a markaz.Assignment) string {
	g := n.govs[a.GovCode]
	gov := n.pick(g.NameAr, g.NameEn)
	sep := n.pick("، ", ", ")
	switch a.Level {
	case markaz.LevelGovernorate:
		return gov
	case markaz.LevelUnit:
		u := n.units[a.UnitCode]
		return n.pick(u.NameAr, u.NameEn) + sep + gov
	case markaz.LevelCenter:
		if c := n.centers[a.CenterID]; c != nil {
			return n.pick(c.NameAr, c.NameEn) + " (" + c.Code + ")" + sep + gov
		}
	}
	return i18n.T(n.lang, "common.nation", nil)
}

// userAssignmentRow is an assignment as a page lists it.
type userAssignmentRow struct {
	markaz.Assignment
	Place     string
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
			row := userAssignmentRow{Assignment: a, Place: places.label(a), Status: "active"}
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
	User      userRow
	CanManage bool
	Form      userForm // the grant and reset forms
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
	var can bool
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		_, err := tx.ManagedUser(p, u.ID)
		can = err == nil
		if markaz.ErrorCode(err) == markaz.EForbidden {
			err = nil
		}
		return err
	})
	if err != nil {
		return err
	}
	rows, err := s.userRows(r, p, []userOut{u}, func(userOut) bool { return can })
	if err != nil {
		return err
	}
	data := userPage{User: rows[0], CanManage: can, userPageState: st}
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
	Header   string
	Problems []rowProblem
	Created  []userOut
}

func (s *Server) handleUserImportForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermUsersManage); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "user_import", "users.import.title", userImportPage{Header: strings.Join(userCSVHeader, ",")})
	return nil
}

func (s *Server) handleUserImport(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermUsersManage)
	if err != nil {
		return err
	}
	data := userImportPage{Header: strings.Join(userCSVHeader, ",")}
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
