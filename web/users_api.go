package web

// The JSON API of users, roles and territorial assignments: the same actions as the
// pages (see users.go for the helpers both share), as problem details and JSON.

import (
	"encoding/json"
	"mime"
	"net/http"

	"markaz"
	"markaz/i18n"
	"markaz/store"
)

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
	return jsonAction(w, r, markaz.PermUsersManage, http.StatusCreated, func(p *markaz.Principal, in markaz.AssignmentInput) (any, error) {
		return s.grant(r, p, in)
	})
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
