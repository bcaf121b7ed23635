package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"markaz"
	"markaz/store"
)

// usersWorld is the cast of the user tests: supervisors of Sharqia (13) and Cairo (01),
// a national administrator and ministry user, a Sharqia center with its clerk, a Cairo
// clerk.
type usersWorld struct {
	sharqia, cairo, admin, ministry, clerk, cairoClerk *markaz.User
	center, cairoCenter                                *markaz.Center
}

func usersSetup(e *env) usersWorld {
	e.t.Helper()
	var w usersWorld
	w.center = usersCenter(e, "SH-ZAG-01", "13-001")
	w.cairoCenter = usersCenter(e, "CA-ZEI-01", "01-001")
	w.sharqia = e.user("sharqia", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	w.cairo = e.user("cairo", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "01"))
	w.admin = e.user("admin", at(markaz.RoleAdmin, markaz.LevelNation, ""))
	w.ministry = e.user("ministry", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	w.clerk = e.user("clerk", at(markaz.RoleClerk, markaz.LevelCenter, w.center.ID))
	w.cairoClerk = e.user("cairoclerk", at(markaz.RoleClerk, markaz.LevelCenter, w.cairoCenter.ID))
	return w
}

func usersCenter(e *env, code, unit string) *markaz.Center {
	e.t.Helper()
	c := &markaz.Center{Code: code, Kind: markaz.KindFixed, NameAr: "مركز " + code, NameEn: "Center " + code,
		UnitCode: unit, DevStatus: markaz.DevDeveloped}
	if err := e.db.Write(context.Background(), func(tx *store.Tx) error { return tx.InsertCenter(store.Actor{}, c) }); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// usersFields returns "field:code" of each problem of an answer.
func usersFields(b map[string]any) string {
	list, _ := b["errors"].([]any)
	var out []string
	for _, x := range list {
		m := x.(map[string]any)
		f, _ := m["field"].(string)
		if f == "" {
			f = m["column"].(string)
		}
		out = append(out, f+":"+m["code"].(string))
	}
	return strings.Join(out, " ")
}

// usersNames lists the usernames of a list answer.
func usersNames(b map[string]any) string {
	items, _ := b["items"].([]any)
	var out []string
	for _, x := range items {
		out = append(out, x.(map[string]any)["username"].(string))
	}
	return strings.Join(out, " ")
}

// usersLogin gets an API token with a given password.
func usersLogin(e *env, name, password string) string {
	e.t.Helper()
	st, b := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": name, "password": password})
	if st != 200 {
		e.t.Fatalf("login %s: %d %v", name, st, b["_raw"])
	}
	return b["token"].(string)
}

// usersAudit returns the actions recorded about one user, oldest first.
func usersAudit(e *env, userID string) []string {
	e.t.Helper()
	entries, err := e.db.ListAudit(context.Background(), store.AuditFilter{Scope: markaz.Scope{All: true},
		Entity: "user", EntityID: userID, Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		out = append(out, entries[i].Action)
	}
	return out
}

// usersSend posts a raw body with a content type, as a bearer-token client.
func usersSend(e *env, path, token, contentType, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	json.Unmarshal(raw, &out)
	out["_raw"] = string(raw)
	return resp.StatusCode, out
}

func TestUsersAPICreateAndOverGrant(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		sh := e.token("sharqia")
		// A clerk at a Sharqia center, named by the center's code, with a given password.
		st, b := e.call("POST", "/api/v1/users", sh, map[string]any{"username": "Mona", "full_name": "منى حسن",
			"mobile": "٠١٠٠١٢٣٤٥٦٧", "password": "a-good-long-password",
			"assignments": []map[string]any{{"role": "clerk", "level": "center", "center_id": "SH-ZAG-01"}}})
		if st != 201 || b["username"] != "mona" || b["must_change_password"] != true || b["mobile"] != "01001234567" || b["temporary_password"] != nil {
			t.Fatalf("create: %d %v", st, b["_raw"])
		}
		as := b["assignments"].([]any)
		if a := as[0].(map[string]any); a["center_id"] != w.center.ID || a["governorate"] != "13" || a["starts_on"] != "2026-03-15" {
			t.Fatalf("assignment: %v", a)
		}
		// Without a password one is generated and returned once.
		st, b = e.call("POST", "/api/v1/users", sh, map[string]any{"username": "hany", "full_name": "هاني",
			"assignments": []map[string]any{{"role": "head", "level": "unit", "unit": "13-002", "ends_on": "2027-06-30"}}})
		pw, _ := b["temporary_password"].(string)
		if st != 201 || len(pw) != 16 {
			t.Fatalf("generated password: %d %v", st, b["_raw"])
		}
		usersLogin(e, "hany", pw)

		// Over-grants are 422: cannot_grant on the role the supervisor may grant nowhere,
		// outside_scope on the territory (or the level, for the nation) outside its own.
		for _, c := range []struct {
			a    map[string]any
			want string
		}{
			{map[string]any{"role": "admin", "level": "nation"}, "assignments[0].role:cannot_grant"},
			{map[string]any{"role": "admin", "level": "governorate", "governorate": "13"}, "assignments[0].role:cannot_grant"},
			{map[string]any{"role": "ministry", "level": "nation"}, "assignments[0].role:cannot_grant"},
			{map[string]any{"role": "inspector", "level": "nation"}, "assignments[0].level:outside_scope"},
			{map[string]any{"role": "supervisor", "level": "governorate", "governorate": "01"}, "assignments[0].governorate:outside_scope"},
			{map[string]any{"role": "head", "level": "unit", "unit": "01-001"}, "assignments[0].unit:outside_scope"},
			{map[string]any{"role": "clerk", "level": "center", "center_id": w.cairoCenter.ID}, "assignments[0].center_id:outside_scope"},
		} {
			st, b := e.call("POST", "/api/v1/users", sh, map[string]any{"username": "eve", "full_name": "Eve",
				"assignments": []map[string]any{c.a}})
			if st != 422 || usersFields(b) != c.want {
				t.Errorf("over-grant %v: %d %v, want %s", c.a, st, b["_raw"], c.want)
			}
		}
		// Bad input is a 4xx naming the field, never a 500.
		for body, want := range map[string]string{
			`{"username":"x","full_name":"y","assignments":[{"role":"clerk","level":"center","center_id":"NOPE"}]}`:                                                                 "username:username_format assignments[0].center_id:unknown_territory",
			`{"username":"zed","full_name":"Zed","assignments":[{"role":"supervisor","level":"governorate","governorate":"99"}]}`:                                                   "assignments[0].governorate:unknown_territory",
			`{"username":"zed","full_name":"Zed","assignments":[{"role":"head","level":"unit","unit":"13-999"}]}`:                                                                   "assignments[0].unit:unknown_territory",
			`{"username":"zed","full_name":"Zed","assignments":[{"role":"boss","level":"nation"}]}`:                                                                                 "assignments[0].role:unknown_role",
			`{"username":"zed","full_name":"Zed","assignments":[{"role":"clerk","level":"center","center_id":"x\u0000"}]}`:                                                          "assignments[0].center_id:unknown_territory",
			`{"username":"zed","full_name":"Zed","assignments":[{"role":"finance","level":"governorate","governorate":"13","starts_on":"2026-13-01"}]}`:                             "assignments[0].starts_on:date_format",
			`{"username":"zed","full_name":"Zed","assignments":[]}`:                                                                                                                 "assignments:required",
			`{"username":"zed","full_name":"Zed","password":"short","assignments":[{"role":"finance","level":"governorate","governorate":"01"}]}`:                                   "password:password_short assignments[0].governorate:outside_scope",
			`{"username":"mona","full_name":"` + strings.Repeat("م", 121) + `","email":"a\u0000@b.eg","assignments":[{"role":"finance","level":"governorate","governorate":"13"}]}`: "full_name:too_long email:invalid_chars username:username_taken",
			`{"username":"zed","full_name":"Zed","assignments":[{"role":"clerk","level":"center","territory":"SH-ZAG-01"}]}`:                                                        "territory:unknown_field",
			`{"username":5}`: "username:wrong_type",
			`{"username":"zed","full_name":"Zed","assignments":{}}`: "assignments:wrong_type",
			`{`: "",
		} {
			st, b := e.call("POST", "/api/v1/users", sh, body)
			if st != 422 || usersFields(b) != want {
				t.Errorf("%s: %d %s, want %s", body, st, usersFields(b), want)
			}
		}
		// Only holders of users.manage create users.
		for _, who := range []string{"ministry", "clerk"} {
			st, _ := e.call("POST", "/api/v1/users", e.token(who), map[string]any{"username": "x1", "full_name": "x",
				"assignments": []map[string]any{{"role": "citizen", "level": "nation"}}})
			if st != 403 {
				t.Errorf("%s creates a user: %d", who, st)
			}
		}
		if st, _ := e.call("POST", "/api/v1/users", "", `{}`); st != 401 {
			t.Errorf("anonymous create: %d", st)
		}
		// The national admin may create an admin.
		st, b = e.call("POST", "/api/v1/users", e.token("admin"), map[string]any{"username": "admin2", "full_name": "Admin Two",
			"assignments": []map[string]any{{"role": "admin", "level": "nation"}}})
		if st != 201 {
			t.Fatalf("admin creates admin: %d %v", st, b["_raw"])
		}
		// Audited: created, and each assignment granted.
		if got := usersAudit(e, b["id"].(string)); strings.Join(got, " ") != "user.create assignment.grant" {
			t.Errorf("audit: %v", got)
		}
	})
}

func TestUsersAPIScopeListAndView(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		e.user("head", at(markaz.RoleHead, markaz.LevelUnit, "13-001"))
		e.user("ahmed", markaz.Assignment{Role: markaz.RoleInspector, Level: markaz.LevelGovernorate, GovCode: "13"})
		sh, ca, adm := e.token("sharqia"), e.token("cairo"), e.token("admin")
		list := func(tok, q string) (int, map[string]any) { return e.call("GET", "/api/v1/users"+q, tok, nil) }
		for _, c := range []struct{ tok, q, want string }{
			{sh, "", "ahmed clerk head sharqia"},
			{ca, "", "cairo cairoclerk"},
			{adm, "", "admin ahmed cairo cairoclerk clerk head ministry sharqia"},
			{e.token("ministry"), "?role=supervisor", "cairo sharqia"},
			{adm, "?governorate=13", "ahmed clerk head sharqia"},
			{adm, "?governorate=%D9%A0%D9%A1", "cairo cairoclerk"}, // Arabic-Indic ٠١
			{sh, "?q=AHM", "ahmed"},
			{e.token("head"), "", "clerk head"},
			{e.token("head"), "?governorate=13", "clerk head"},
		} {
			st, b := list(c.tok, c.q)
			if st != 200 || usersNames(b) != c.want {
				t.Errorf("list %s: %d %q, want %q", c.q, st, usersNames(b), c.want)
			}
		}
		// Keyset paging.
		st, b := list(sh, "?limit=3")
		if st != 200 || usersNames(b) != "ahmed clerk head" || b["next_cursor"] == "" {
			t.Fatalf("page 1: %d %v", st, b["_raw"])
		}
		_, b = list(sh, "?limit=3&cursor="+b["next_cursor"].(string))
		if usersNames(b) != "sharqia" || b["next_cursor"] != "" {
			t.Fatalf("page 2: %v", b["_raw"])
		}
		for _, q := range []string{"?limit=500", "?limit=x", "?cursor=!!!", "?cursor=" + encodeCursor("a\x00"), "?role=boss",
			"?governorate=1", "?include_disabled=maybe", "?q=" + url.QueryEscape(strings.Repeat("q", 101))} {
			if st, b := list(sh, q); st != 422 {
				t.Errorf("bad query %s: %d %v", q, st, b["_raw"])
			}
		}
		// A governorate filter outside the reader's territory is 403, as on the centers
		// list; an unknown one is 422.
		for _, c := range []struct {
			tok, q string
			want   int
		}{{sh, "?governorate=01", 403}, {ca, "?governorate=13", 403}, {e.token("head"), "?governorate=01", 403},
			{sh, "?governorate=99", 422}, {adm, "?governorate=99", 422}} {
			st, b := list(c.tok, c.q)
			if st != c.want || strings.Contains(b["_raw"].(string), "cairoclerk") || strings.Contains(b["_raw"].(string), `"items"`) {
				t.Errorf("filter %s: %d %v, want %d", c.q, st, b["_raw"], c.want)
			}
		}
		if st, b := list(sh, "?governorate=99"); usersFields(b) != "governorate:unknown_governorate" {
			t.Errorf("unknown governorate: %d %v", st, b["_raw"])
		}
		if st, _ := list(e.token("clerk"), ""); st != 403 {
			t.Errorf("clerk lists users: %d", st)
		}
		// One user: in scope 200, outside 403, missing 404.
		if st, b := e.call("GET", "/api/v1/users/"+w.clerk.ID, sh, nil); st != 200 || b["username"] != "clerk" {
			t.Errorf("view clerk: %d %v", st, b["_raw"])
		}
		for _, id := range []string{w.cairoClerk.ID, w.cairo.ID, w.admin.ID} {
			if st, b := e.call("GET", "/api/v1/users/"+id, sh, nil); st != 403 || strings.Contains(b["_raw"].(string), "cairo") {
				t.Errorf("Sharqia reads %s: %d %v", id, st, b["_raw"])
			}
		}
		if st, _ := e.call("GET", "/api/v1/users/"+markaz.NewID(), sh, nil); st != 404 {
			t.Errorf("missing user: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/users/%00junk", sh, nil); st != 422 {
			t.Errorf("junk id: %d", st)
		}
		// A user holding roles in two governorates shows each reader only its own.
		e.call("POST", "/api/v1/users/"+w.clerk.ID+"/assignments", adm, map[string]any{"role": "inspector", "level": "governorate", "governorate": "01"})
		_, b = e.call("GET", "/api/v1/users/"+w.clerk.ID, sh, nil)
		if len(b["assignments"].([]any)) != 1 || b["other_assignments"] != 1.0 {
			t.Errorf("assignments outside the reader's scope: %v", b["_raw"])
		}
	})
}

func TestUsersAPIManageWithinScope(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		sh := e.token("sharqia")
		post := func(path string, body any) (int, map[string]any) { return e.call("POST", path, sh, body) }
		// A Sharqia supervisor cannot disable, reset or grant to a Cairo user, a national
		// admin, or itself.
		for _, id := range []string{w.cairo.ID, w.cairoClerk.ID, w.admin.ID, w.ministry.ID, w.sharqia.ID} {
			for _, path := range []string{"/disable", "/enable", "/reset-password"} {
				if st, b := post("/api/v1/users/"+id+path, nil); st != 403 {
					t.Errorf("%s%s: %d %v", id, path, st, b["_raw"])
				}
			}
			if st, _ := post("/api/v1/users/"+id+"/assignments", map[string]any{"role": "finance", "level": "governorate", "governorate": "13"}); st != 403 {
				t.Errorf("grant to %s: %d", id, st)
			}
		}
		// Grant in scope; over-grants and duplicates are 422; then revoke.
		base := "/api/v1/users/" + w.clerk.ID + "/assignments"
		st, a := post(base, map[string]any{"role": "backoffice", "level": "unit", "unit": "13-001", "starts_on": "٢٠٢٦-٠٣-١٥"})
		if st != 201 || a["unit"] != "13-001" || a["governorate"] != "13" {
			t.Fatalf("grant: %d %v", st, a["_raw"])
		}
		for body, want := range map[string]string{
			`{"role":"inspector","level":"governorate","governorate":"01"}`:               "governorate:outside_scope",
			`{"role":"admin","level":"governorate","governorate":"13"}`:                   "role:cannot_grant",
			`{"role":"inspector","level":"nation"}`:                                       "level:outside_scope",
			`{"role":"backoffice","level":"unit","unit":"13-001"}`:                        "role:already_held",
			`{"role":"backoffice","level":"unit","unit":"13-001","ends_on":"2020-01-01"}`: "ends_on:ends_before_start",
			`{"role":"backoffice","level":"unit"}`:                                        "unit:required",
			`{"role":"backoffice","level":"unit","x":1}`:                                  "x:unknown_field",
			`{"role":["clerk"],"level":"unit"}`:                                           "role:wrong_type",
		} {
			if st, b := post(base, body); st != 422 || usersFields(b) != want {
				t.Errorf("grant %s: %d %s, want %s", body, st, usersFields(b), want)
			}
		}
		st, b := post(base+"/"+a["id"].(string)+"/revoke", nil)
		if st != 200 || b["revoked_at"] == nil {
			t.Fatalf("revoke: %d %v", st, b["_raw"])
		}
		if st, _ := post(base+"/"+markaz.NewID()+"/revoke", nil); st != 404 {
			t.Errorf("revoke missing: %d", st)
		}
		// The supervisor cannot revoke its own role, nor a Cairo one of a shared user.
		_, me := e.call("GET", "/api/v1/me", sh, nil)
		own := me["assignments"].([]any)[0].(map[string]any)["id"].(string)
		if st, _ := post("/api/v1/users/"+w.sharqia.ID+"/assignments/"+own+"/revoke", nil); st != 403 {
			t.Errorf("self revoke: %d", st)
		}
		if st, _ := post("/api/v1/users/"+w.sharqia.ID+"/assignments", map[string]any{"role": "finance", "level": "governorate", "governorate": "13"}); st != 403 {
			t.Errorf("self grant: %d", st)
		}
		want := "user.create assignment.grant assignment.grant assignment.revoke"
		if got := usersAudit(e, w.clerk.ID); strings.Join(got, " ") != want {
			t.Errorf("audit: %v, want %s", got, want)
		}
	})
}

func TestUsersDisableKillsTokenAtOnce(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		tok := e.token("clerk")
		if st, _ := e.call("GET", "/api/v1/me", tok, nil); st != 200 {
			t.Fatal("token does not work")
		}
		c := e.browser()
		e.uiLogin(c, "clerk")
		sh := e.token("sharqia")
		st, b := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/disable", sh, nil)
		if st != 200 || b["disabled_at"] == nil {
			t.Fatalf("disable: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/me", tok, nil); st != 401 {
			t.Fatalf("token of a disabled user: %d", st)
		}
		if st, _ := e.page(c, "/settings"); st != 303 {
			t.Fatalf("web session of a disabled user: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/auth/token", "", map[string]any{"username": "clerk", "password": testPassword}); st != 401 {
			t.Fatalf("disabled user logs in: %d", st)
		}
		// Hidden from the list unless asked for.
		if _, b := e.call("GET", "/api/v1/users", sh, nil); strings.Contains(usersNames(b), "clerk") {
			t.Errorf("disabled user listed: %s", usersNames(b))
		}
		if _, b := e.call("GET", "/api/v1/users?include_disabled=true", sh, nil); !strings.Contains(usersNames(b), "clerk") {
			t.Errorf("disabled user not listed on request: %s", usersNames(b))
		}
		if st, _ := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/enable", sh, nil); st != 200 {
			t.Fatalf("enable: %d", st)
		}
		e.token("clerk")
		got := strings.Join(usersAudit(e, w.clerk.ID), " ")
		if got != "user.create assignment.grant user.disable user.enable" {
			t.Errorf("audit: %s", got)
		}
		entries, _ := e.db.ListAudit(context.Background(), store.AuditFilter{Scope: markaz.Scope{All: true}, EntityID: w.clerk.ID, Limit: 2})
		if entries[1].Action != "user.disable" || entries[1].Username != "sharqia" || !strings.Contains(entries[1].Before, `"disabled_at":null`) ||
			strings.Contains(entries[1].After, `"disabled_at":null`) || strings.Contains(entries[1].After, "argon2") {
			t.Errorf("disable entry: %+v", entries[1])
		}
	})
}

func TestUsersResetAndForcedPasswordChange(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		old := e.token("clerk")
		sh := e.token("sharqia")
		st, b := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/reset-password", sh, nil)
		pw, _ := b["temporary_password"].(string)
		if st != 200 || len(pw) != 16 || b["must_change_password"] != true {
			t.Fatalf("reset: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/me", old, nil); st != 401 {
			t.Fatalf("token survived the reset: %d", st)
		}
		// The temporary password logs in, but only to change it.
		tok := usersLogin(e, "clerk", pw)
		if st, b := e.call("GET", "/api/v1/users", tok, nil); st != 403 || b["detail"] != "You must change your password first." {
			t.Fatalf("API before the change: %d %v", st, b["_raw"])
		}
		c := e.browser()
		resp := e.form(c, "/login", url.Values{"username": {"clerk"}, "password": {pw}})
		if resp.Header.Get("Location") != "/password" {
			t.Fatalf("login redirects to %q", resp.Header.Get("Location"))
		}
		if st, _ := e.page(c, "/users"); st != 303 {
			t.Fatalf("pages before the change: %d", st)
		}
		resp = e.form(c, "/password", url.Values{"current": {pw}, "new": {"my-own-secret-99"}, "confirm": {"my-own-secret-99"}})
		if resp.StatusCode != 303 {
			t.Fatalf("change: %d", resp.StatusCode)
		}
		if st, _ := e.call("GET", "/api/v1/me", usersLogin(e, "clerk", "my-own-secret-99"), nil); st != 200 {
			t.Fatal("new password does not work")
		}
		// A password the supervisor chooses follows the policy.
		for body, want := range map[string]string{`{"password":"short"}`: "password:password_short", `{"password":"CLERK"}`: "password:password_short",
			`{"password":"clerk-clerk","x":1}`: "x:unknown_field", `{"password":"Clerk-clerk"}`: ""} {
			st, b := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/reset-password", sh, body)
			if want == "" {
				if st != 200 || b["temporary_password"] != nil {
					t.Errorf("%s: %d %v", body, st, b["_raw"])
				}
				continue
			}
			if st != 422 || usersFields(b) != want {
				t.Errorf("%s: %d %v", body, st, b["_raw"])
			}
		}
		usersLogin(e, "clerk", "Clerk-clerk")
		got := strings.Join(usersAudit(e, w.clerk.ID), " ")
		if got != "user.create assignment.grant user.password_reset user.password_change user.password_reset" {
			t.Errorf("audit: %s", got)
		}
	})
}

const usersCSVHeader = "username,full_name,email,mobile,role,level,territory,starts_on,ends_on\n"

func TestUsersImportAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		usersSetup(e)
		sh := e.token("sharqia")
		bad := usersCSVHeader +
			"ali,علي,,,clerk,center,SH-ZAG-01,,\n" +
			"sharqia,Dup,,,clerk,center,SH-ZAG-01,,\n" +
			"eve,Eve,,,admin,nation,,,\n" +
			"far,Far,,,clerk,center,CA-ZEI-01,,\n" +
			"odd,Odd,,0123,finance,governorate,13,2026-02-30,\n" +
			"short,row\n"
		st, b := usersSend(e, "/api/v1/users/import", sh, "text/csv", bad)
		want := "username:username_taken role:cannot_grant territory:outside_scope mobile:mobile_format starts_on:date_format file:csv_columns"
		if st != 422 || usersFields(b) != want {
			t.Fatalf("bad import: %d %s\n%v", st, usersFields(b), b["_raw"])
		}
		rows := b["errors"].([]any)
		if r := rows[0].(map[string]any); r["row"] != 3.0 || r["column"] != "username" || r["message"] != "This username is already taken." {
			t.Errorf("row problem: %v", r)
		}
		if r := rows[5].(map[string]any); r["row"] != 7.0 {
			t.Errorf("row numbers: %v", r)
		}
		// Nothing was imported.
		if st, _ := e.call("GET", "/api/v1/users?q=ali", sh, nil); st != 200 {
			t.Fatal(st)
		}
		if _, b := e.call("GET", "/api/v1/users?q=ali", sh, nil); usersNames(b) != "" {
			t.Fatalf("partial import: %s", usersNames(b))
		}
		// Arabic-Indic digits, a byte-order mark, a repeated username adding a role.
		good := "\ufeff" + usersCSVHeader +
			"ali,علي حسن,ali@example.eg,٠١٠٠١٢٣٤٥٦٧,clerk,center,sh-zag-01,٢٠٢٦-٠٣-١٥,٢٠٢٧-٠٦-٣٠\n" +
			"ali,,,,backoffice,unit,١٣-٠٠١,,\n" +
			"\"sara\",\"سارة, مفتشة\",,,inspector,governorate,١٣,,\n"
		st, b = usersSend(e, "/api/v1/users/import", sh, "text/csv; charset=utf-8", good)
		if st != 201 || b["created"] != 2.0 {
			t.Fatalf("good import: %d %v", st, b["_raw"])
		}
		users := b["users"].([]any)
		ali := users[0].(map[string]any)
		pw, _ := ali["temporary_password"].(string)
		if ali["mobile"] != "01001234567" || len(ali["assignments"].([]any)) != 2 || len(pw) != 16 || users[1].(map[string]any)["full_name"] != "سارة, مفتشة" {
			t.Fatalf("imported: %v", b["_raw"])
		}
		if a := ali["assignments"].([]any)[0].(map[string]any); a["ends_on"] != "2027-06-30" {
			t.Errorf("dates: %v", a)
		}
		tok := usersLogin(e, "ali", pw)
		if _, me := e.call("GET", "/api/v1/me", tok, nil); me["must_change_password"] != true {
			t.Errorf("imported user need not change the password: %v", me)
		}
		if got := strings.Join(usersAudit(e, ali["id"].(string)), " "); got != "user.create assignment.grant assignment.grant" {
			t.Errorf("audit: %s", got)
		}
		// The file itself.
		for _, c := range []struct{ ct, body, want string }{
			{"application/json", `{}`, "file:csv_type"},
			{"text/csv", "name,role\nx,y\n", "file:csv_header"},
			{"text/csv", usersCSVHeader, "file:csv_empty"},
			{"text/csv", "", "file:csv_empty"},
			{"text/csv", usersCSVHeader + "a,\"b\n", "file:csv_syntax"},
			{"text/csv", usersCSVHeader + "zz,\xff\xfe,,,clerk,center,SH-ZAG-01,,\n", "file:csv_encoding"},
		} {
			if st, b := usersSend(e, "/api/v1/users/import", sh, c.ct, c.body); st != 422 || usersFields(b) != c.want {
				t.Errorf("%q: %d %s, want %s", c.body, st, usersFields(b), c.want)
			}
		}
		if st, _ := usersSend(e, "/api/v1/users/import", sh, "text/csv", usersCSVHeader+strings.Repeat("x", 3<<20)); st != 422 {
			t.Errorf("huge file: %d", st)
		}
		if st, _ := usersSend(e, "/api/v1/users/import", e.token("ministry"), "text/csv", good); st != 403 {
			t.Errorf("ministry imports: %d", st)
		}
		// Problems come in the caller's language.
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/users/import", strings.NewReader(bad))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+sh)
		req.Header.Set("Accept-Language", "ar")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(raw), "اسم المستخدم هذا مستخدم بالفعل") {
			t.Errorf("Arabic problems: %s", raw)
		}
	})
}

// usersPost posts a same-origin form and returns status, location and page.
func usersPost(e *env, c *http.Client, path string, v url.Values) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return usersDo(e, c, req)
}

// usersUpload posts a CSV file through the import form.
func usersUpload(e *env, c *http.Client, content string) (int, string, string) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "users.csv")
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/users/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return usersDo(e, c, req)
}

func usersDo(e *env, c *http.Client, req *http.Request) (int, string, string) {
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var usersSecretRE = regexp.MustCompile(`id="temporary-password">([^<]+)<`)

func TestUsersUI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		c := e.browser()
		e.uiLogin(c, "sharqia")
		st, html := e.page(c, "/users")
		if st != 200 || !strings.Contains(html, "/users/"+w.clerk.ID) || strings.Contains(html, "cairoclerk") || !strings.Contains(html, `href="/users/new"`) {
			t.Fatalf("list: %d", st)
		}
		if st, html := e.page(c, "/users?role=boss"); st != 422 || !strings.Contains(html, `role="alert"`) {
			t.Errorf("bad filter: %d", st)
		}
		// The new-user form offers only the roles the supervisor may grant.
		_, html = e.page(c, "/users/new")
		if !strings.Contains(html, `value="clerk"`) || strings.Contains(html, `<option value="admin"`) || !strings.Contains(html, `<option value="13-001">`) {
			t.Fatal("new-user form choices")
		}
		// Problems re-render the form with the field's message; the password is never echoed.
		st, _, html = usersPost(e, c, "/users", url.Values{"username": {"x"}, "full_name": {"Eve"}, "password": {"secret-secret-1"},
			"role": {"clerk"}, "level": {"center"}, "center_id": {"CA-ZEI-01"}})
		if st != 422 || !strings.Contains(html, `id="e-username"`) || !strings.Contains(html, `id="e-center_id"`) ||
			strings.Contains(html, `id="e-role"`) || strings.Contains(html, "secret-secret-1") {
			t.Fatalf("invalid create: %d", st)
		}
		st, _, html = usersPost(e, c, "/users", url.Values{"username": {"newbie"}, "full_name": {"Newbie"},
			"role": {"head"}, "level": {"unit"}, "unit": {"13-999"}})
		if st != 422 || !strings.Contains(html, `id="e-unit"`) {
			t.Fatalf("unknown territory: %d", st)
		}
		// Created: the generated password is shown once, on this answer only.
		st, _, html = usersPost(e, c, "/users", url.Values{"username": {"newbie"}, "full_name": {"Newbie"},
			"role": {"clerk"}, "level": {"center"}, "center_id": {w.center.ID}})
		m := usersSecretRE.FindStringSubmatch(html)
		if st != 200 || m == nil {
			t.Fatalf("create: %d", st)
		}
		usersLogin(e, "newbie", m[1])
		// A given password: back to the user's page.
		st, loc, _ := usersPost(e, c, "/users", url.Values{"username": {"given"}, "full_name": {"Given"}, "password": {"given-password-1"},
			"role": {"inspector"}, "level": {"governorate"}, "governorate": {"13"}, "ends_on": {"2027-01-01"}})
		if st != 303 || !strings.HasPrefix(loc, "/users/") {
			t.Fatalf("create with password: %d %s", st, loc)
		}
		st, html = e.page(c, loc)
		if st != 200 || !strings.Contains(html, `action="`+loc+`/disable"`) || !strings.Contains(html, `/revoke"`) {
			t.Fatalf("user page controls: %d", st)
		}
		// Grant, revoke, disable, enable, reset through the page's forms.
		st, _, html = usersPost(e, c, loc+"/assignments", url.Values{"role": {"finance"}, "level": {"governorate"}, "governorate": {"01"}})
		if st != 422 || !strings.Contains(html, `id="e-governorate"`) || strings.Contains(html, `id="e-role"`) {
			t.Fatalf("over-grant form: %d", st)
		}
		if st, l, _ := usersPost(e, c, loc+"/assignments", url.Values{"role": {"finance"}, "level": {"governorate"}, "governorate": {"13"}}); st != 303 || l != loc {
			t.Fatalf("grant form: %d %s", st, l)
		}
		id := strings.TrimPrefix(loc, "/users/")
		var u *markaz.User
		e.db.Read(context.Background(), func(tx *store.Tx) error { u, _ = tx.GetUser(id); return nil })
		if len(u.Assignments) != 2 {
			t.Fatalf("assignments: %+v", u.Assignments)
		}
		if st, _, _ := usersPost(e, c, loc+"/assignments/"+u.Assignments[1].ID+"/revoke", nil); st != 303 {
			t.Fatalf("revoke form: %d", st)
		}
		if st, _, _ := usersPost(e, c, loc+"/disable", nil); st != 303 {
			t.Fatalf("disable form: %d", st)
		}
		_, html = e.page(c, loc)
		if !strings.Contains(html, `action="`+loc+`/enable"`) {
			t.Fatal("no enable button on a disabled user")
		}
		if st, _, _ := usersPost(e, c, loc+"/enable", nil); st != 303 {
			t.Fatalf("enable form: %d", st)
		}
		if st, _, html := usersPost(e, c, loc+"/reset-password", url.Values{"password": {"short"}}); st != 422 || !strings.Contains(html, `id="e-password"`) {
			t.Fatalf("reset with a short password: %d", st)
		}
		st, _, html = usersPost(e, c, loc+"/reset-password", nil)
		if m := usersSecretRE.FindStringSubmatch(html); st != 200 || m == nil {
			t.Fatalf("reset: %d", st)
		}
		want := "user.create assignment.grant assignment.grant assignment.revoke user.disable user.enable user.password_reset"
		if got := strings.Join(usersAudit(e, id), " "); got != want {
			t.Errorf("audit: %s", got)
		}
		// Outside the territory: the error page, and no state change by POST either.
		if st, html := e.page(c, "/users/"+w.cairoClerk.ID); st != 403 || strings.Contains(html, "cairoclerk") {
			t.Errorf("Cairo user page: %d", st)
		}
		for _, path := range []string{"/disable", "/reset-password", "/assignments"} {
			if st, _, _ := usersPost(e, c, "/users/"+w.cairoClerk.ID+path, url.Values{"role": {"clerk"}}); st != 403 {
				t.Errorf("POST %s on a Cairo user: %d", path, st)
			}
		}
		// The supervisor's own page has no controls.
		if _, html := e.page(c, "/users/"+w.sharqia.ID); strings.Contains(html, "/disable") || strings.Contains(html, "/revoke") {
			t.Error("controls on one's own page")
		}
		// Readers without users.manage see no controls; readers without users.read get 403.
		m2 := e.browser()
		e.uiLogin(m2, "ministry")
		if st, html := e.page(m2, loc); st != 200 || strings.Contains(html, "/disable") || strings.Contains(html, "/users/new") {
			t.Errorf("ministry page: %d", st)
		}
		if st, _ := e.page(m2, "/users/new"); st != 403 {
			t.Errorf("ministry new-user form: %d", st)
		}
		cl := e.browser()
		e.uiLogin(cl, "clerk")
		if st, _ := e.page(cl, "/users"); st != 403 {
			t.Errorf("clerk list: %d", st)
		}
	})
}

func TestUsersUIImport(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		usersSetup(e)
		c := e.browser()
		e.uiLogin(c, "sharqia")
		if st, html := e.page(c, "/users/import"); st != 200 || !strings.Contains(html, `enctype="multipart/form-data"`) {
			t.Fatalf("import form: %d", st)
		}
		st, _, html := usersUpload(e, c, usersCSVHeader+"ali,علي,,,clerk,center,SH-ZAG-01,,\neve,Eve,,,admin,nation,,,\n")
		if st != 422 {
			t.Fatalf("bad upload: %d", st)
		}
		if !strings.Contains(html, "<td class=\"num\">٣</td>") {
			t.Errorf("row number not shown: %s", html)
		}
		st, _, html = usersUpload(e, c, usersCSVHeader+"ali,علي,,,clerk,center,SH-ZAG-01,,\nbob,Bob,,,finance,governorate,١٣,,\n")
		if st != 200 || strings.Count(html, `<code class="secret"`) != 2 {
			t.Fatalf("good upload: %d", st)
		}
		if st, _, _ := usersPost(e, c, "/users/import", url.Values{}); st != 422 {
			t.Errorf("no file: %d", st)
		}
	})
}

func TestUsersPagesInBothLanguages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		for _, lang := range []string{"ar", "en"} {
			c := e.browser()
			e.uiLogin(c, "admin")
			e.form(c, "/lang", url.Values{"lang": {lang}, "next": {"/"}})
			for _, path := range []string{"/users", "/users?include_disabled=true&role=clerk&governorate=13&q=c", "/users/new",
				"/users/import", "/users/" + w.clerk.ID, "/users/" + w.sharqia.ID} {
				st, html := e.page(c, path)
				if st != 200 || !strings.Contains(html, `lang="`+lang+`"`) {
					t.Errorf("%s %s: %d", lang, path, st)
					continue
				}
				// No i18n key shows through untranslated.
				for _, k := range regexp.MustCompile(`\b(users|role|level|field|common)\.[a-z_.]+[a-z]\b`).FindAllString(html, -1) {
					if !slices.Contains([]string{"users.csv"}, k) {
						t.Errorf("%s %s: untranslated %s", lang, path, k)
					}
				}
			}
			_, _, html := usersPost(e, c, "/users", url.Values{"username": {"p" + lang}, "full_name": {"P"},
				"role": {"clerk"}, "level": {"center"}, "center_id": {"SH-ZAG-01"}})
			if !usersSecretRE.MatchString(html) {
				t.Errorf("%s: password page", lang)
			}
		}
	})
}

// usersSelect returns the markup of the select with the given id on a page.
func usersSelect(html, id string) string {
	return regexp.MustCompile(`(?s)<select id="` + id + `".*?</select>`).FindString(html)
}

func TestUsersUITerritoryPicker(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		c := e.browser()
		e.uiLogin(c, "sharqia")
		// The supervisor picks among Sharqia's governorate, districts/cities and centers
		// only: nothing of Cairo is offered.
		for _, path := range []string{"/users/new", "/users/" + w.clerk.ID} {
			st, html := e.page(c, path)
			govs, units, centers := usersSelect(html, "f-governorate"), usersSelect(html, "f-unit"), usersSelect(html, "f-center_id")
			if st != 200 || !strings.Contains(govs, `<option value="13">`) || strings.Contains(govs, `value="01"`) {
				t.Errorf("%s governorates: %d %s", path, st, govs)
			}
			if !strings.Contains(units, `<optgroup label="`) || !strings.Contains(units, `<option value="13-001">`) || strings.Contains(units, `value="01-`) {
				t.Errorf("%s districts/cities: %s", path, units)
			}
			if !strings.Contains(centers, `<option value="`+w.center.ID+`">`) || !strings.Contains(centers, "SH-ZAG-01") ||
				strings.Contains(centers, w.cairoCenter.ID) || strings.Contains(centers, "CA-ZEI-01") {
				t.Errorf("%s centers: %s", path, centers)
			}
			// The role select starts on an empty, required choice; the narrowest role first.
			roles := usersSelect(html, "f-role")
			if !strings.Contains(roles, ` required>`) || !regexp.MustCompile(`^<select[^>]*>\s*<option value="">`).MatchString(roles) ||
				strings.Contains(roles, "selected") || strings.Index(roles, `value="clerk"`) > strings.Index(roles, `value="supervisor"`) ||
				strings.Contains(roles, `value="admin"`) {
				t.Errorf("%s roles: %s", path, roles)
			}
			if levels := usersSelect(html, "f-level"); strings.Contains(levels, `value="nation"`) {
				t.Errorf("%s levels: %s", path, levels)
			}
		}
		// Latin codes on Arabic pages sit in <bdi>; the CSV header may wrap between columns.
		for _, path := range []string{"/users", "/users/" + w.clerk.ID} {
			if _, html := e.page(c, path); !strings.Contains(html, "(<bdi>SH-ZAG-01</bdi>)") || !strings.Contains(html, "<bdi>clerk</bdi>") {
				t.Errorf("%s: codes and usernames not isolated", path)
			}
		}
		if _, html := e.page(c, "/users/import"); !strings.Contains(html, "username,<wbr>full_name") {
			t.Error("the CSV header cannot wrap")
		}
		// A national administrator is offered every governorate, Cairo's districts and centers.
		a := e.browser()
		e.uiLogin(a, "admin")
		_, html := e.page(a, "/users/new")
		if !strings.Contains(usersSelect(html, "f-governorate"), `value="01"`) || !strings.Contains(usersSelect(html, "f-unit"), `value="01-001"`) ||
			!strings.Contains(usersSelect(html, "f-center_id"), w.cairoCenter.ID) || !strings.Contains(usersSelect(html, "f-level"), `value="nation"`) {
			t.Error("the national administrator's choices")
		}
		// The select of the level counts; the others are ignored. A refused form keeps the choices.
		st, _, html := usersPost(e, c, "/users", url.Values{"username": {"unithead"}, "full_name": {"Head"},
			"role": {"head"}, "level": {"unit"}, "governorate": {"01"}, "unit": {"13-001"}, "center_id": {w.cairoCenter.ID}, "ends_on": {"2020-01-01"}})
		if st != 422 || !strings.Contains(html, `id="e-ends_on"`) || !strings.Contains(usersSelect(html, "f-unit"), `<option value="13-001" selected>`) ||
			!strings.Contains(usersSelect(html, "f-role"), `<option value="head" selected>`) {
			t.Fatalf("refused form: %d", st)
		}
		st, _, html = usersPost(e, c, "/users", url.Values{"username": {"unithead"}, "full_name": {"Head"},
			"role": {"head"}, "level": {"unit"}, "governorate": {"01"}, "unit": {"13-001"}, "center_id": {w.cairoCenter.ID}})
		if st != 200 || !usersSecretRE.MatchString(html) {
			t.Fatalf("create through the picker: %d", st)
		}
		// The scope error names the territory, not the role; the nation, the level.
		for _, c2 := range []struct {
			v     url.Values
			field string
		}{
			{url.Values{"role": {"clerk"}, "level": {"center"}, "center_id": {w.cairoCenter.ID}}, "center_id"},
			{url.Values{"role": {"head"}, "level": {"unit"}, "unit": {"01-001"}}, "unit"},
			{url.Values{"role": {"inspector"}, "level": {"nation"}}, "level"},
			{url.Values{"role": {"ministry"}, "level": {"nation"}}, "role"},
		} {
			c2.v.Set("username", "scoped")
			c2.v.Set("full_name", "Scoped")
			st, _, html := usersPost(e, c, "/users", c2.v)
			if st != 422 || !strings.Contains(html, `id="e-`+c2.field+`"`) || strings.Count(html, `class="error"`) != 1 {
				t.Errorf("%v: %d, want the problem on %s", c2.v, st, c2.field)
			}
		}
	})
}

func TestUsersUIGovernorateFilter(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		usersSetup(e)
		c := e.browser()
		e.uiLogin(c, "sharqia")
		for path, want := range map[string]int{"/users?governorate=01": 403, "/users?governorate=99": 422,
			"/users?governorate=%D9%A1%D9%A3": 200, "/users?governorate=13": 200} {
			st, html := e.page(c, path)
			if st != want || strings.Contains(html, "cairoclerk") {
				t.Errorf("%s: %d, want %d", path, st, want)
			}
			if want != 200 && !strings.Contains(html, `role="alert"`) {
				t.Errorf("%s: no error message", path)
			}
		}
	})
}

func TestPasswordFormShowsEveryProblem(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("finance", at(markaz.RoleFinance, markaz.LevelGovernorate, "13"))
		c := e.browser()
		e.uiLogin(c, "finance")
		st, _, html := usersPost(e, c, "/password", url.Values{"current": {"wrong-password"}, "new": {"short"}, "confirm": {"other"}})
		if st != 422 {
			t.Fatalf("status %d", st)
		}
		for _, f := range []string{"current", "new", "confirm"} {
			if !strings.Contains(html, `id="e-`+f+`"`) || !strings.Contains(html, `<a href="#f-`+f+`">`) {
				t.Errorf("%s: no message or no summary entry", f)
			}
		}
		// The policy error does not hide the others; a new password equal to the current
		// one is reported when nothing else is wrong with it.
		st, _, html = usersPost(e, c, "/password", url.Values{"current": {testPassword}, "new": {testPassword}, "confirm": {"x"}})
		if st != 422 || !strings.Contains(html, `<a href="#f-new">`) || !strings.Contains(html, `<a href="#f-confirm">`) || strings.Contains(html, `id="e-current"`) {
			t.Errorf("same password: %d", st)
		}
		if r := e.form(c, "/password", url.Values{"current": {testPassword}, "new": {"a-new-long-password"}, "confirm": {"a-new-long-password"}}); r.StatusCode != 303 {
			t.Errorf("change: %d", r.StatusCode)
		}
	})
}

// A supervisor appointed until a date may still disable staff and revoke their roles, but
// may not take over an open-ended account (reset its password, enable it, grant to it).
func TestTimeLimitedSupervisor(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		limited := at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13")
		limited.EndsOn = markaz.Date{Y: 2026, M: 6, D: 30}
		e.user("interim", limited)
		tok := e.token("interim")
		if st, b := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/reset-password", tok, nil); st != 403 {
			t.Errorf("reset an open-ended clerk: %d %v", st, b["_raw"])
		}
		if st, b := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/disable", tok, nil); st != 200 {
			t.Fatalf("disable the clerk: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/enable", tok, nil); st != 403 {
			t.Errorf("enable: %d", st)
		}
		c := e.browser()
		e.uiLogin(c, "interim")
		_, html := e.page(c, "/users/"+w.clerk.ID)
		if strings.Contains(html, `id="reset-password"`) || strings.Contains(html, `id="grant"`) {
			t.Error("the page offers a takeover the interim supervisor may not do")
		}
		_, html = e.page(c, "/users/"+w.sharqia.ID)
		if !strings.Contains(html, `id="disable"`) {
			t.Error("the page hides the disable button the interim supervisor may use")
		}
		_, me := e.call("GET", "/api/v1/users/"+w.sharqia.ID, tok, nil)
		aid := me["assignments"].([]any)[0].(map[string]any)["id"].(string)
		if st, b := e.call("POST", "/api/v1/users/"+w.sharqia.ID+"/assignments/"+aid+"/revoke", tok, nil); st != 200 {
			t.Errorf("revoke a peer's open-ended role: %d %v", st, b["_raw"])
		}
	})
}

// Filtering the users list by role only looks at the assignments the reader can see.
func TestUsersFilterDoesNotRevealHiddenRoles(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := usersSetup(e)
		adm := e.token("admin")
		if st, b := e.call("POST", "/api/v1/users/"+w.clerk.ID+"/assignments", adm,
			map[string]any{"role": "inspector", "level": "governorate", "governorate": "01"}); st != 201 && st != 200 {
			t.Fatalf("grant: %d %v", st, b["_raw"])
		}
		sh := e.token("sharqia")
		if _, b := e.call("GET", "/api/v1/users?role=inspector", sh, nil); strings.Contains(b["_raw"].(string), `"clerk"`) {
			t.Errorf("the Sharqia supervisor learns of the clerk's Cairo role: %v", b["_raw"])
		}
		if _, b := e.call("GET", "/api/v1/users?role=inspector", adm, nil); !strings.Contains(b["_raw"].(string), `"clerk"`) {
			t.Errorf("the national admin should find the clerk: %v", b["_raw"])
		}
	})
}
