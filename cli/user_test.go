package cli_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"markaz"
	"markaz/auth"
	"markaz/cli"
	"markaz/store"
	"markaz/store/storetest"
)

// userShell runs markaz commands against one database given by --db (and not by the
// environment, to test the flag).
type userShell struct {
	t   *testing.T
	dsn string
}

func (s userShell) run(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := cli.Run(context.Background(), append(args, "--db", s.dsn), func(string) string { return "" }, &out, &errOut)
	return out.String(), err
}

func (s userShell) must(args ...string) string {
	s.t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return out
}

// open opens the shell's database for checks.
func (s userShell) open() *store.DB {
	s.t.Helper()
	db, err := store.Open(context.Background(), s.dsn, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { db.Close() })
	return db
}

var tempPasswordRE = regexp.MustCompile(`temporary password for [a-z0-9._-]+: (\S+)`)

func TestUserCommands(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			sh := userShell{t: t, dsn: storetest.NewDSN(t, d)}
			ctx := context.Background()
			// Bootstrapping the first administrator: the password is generated and printed once.
			out := sh.must("user", "add", "--username", "admin", "--role", "admin", "--level", "nation")
			m := tempPasswordRE.FindStringSubmatch(out)
			if m == nil || !strings.Contains(out, "created user admin") {
				t.Fatalf("add admin: %s", out)
			}
			db := sh.open()
			token, u, err := auth.Login(ctx, db, "admin", m[1], "api")
			if err != nil || token == "" || !u.MustChangePassword || u.FullName != "admin" {
				t.Fatalf("admin login: %v %+v", err, u)
			}
			// A supervisor of Sharqia (level inferred), with a given password, flags after positionals too.
			out = sh.must("user", "add", "--username", "sharqia", "--name", "مشرف الشرقية", "--role", "supervisor",
				"--territory", "١٣", "--password", "a-long-password-13")
			if strings.Contains(out, "a-long-password-13") || !strings.Contains(out, "supervisor@13") {
				t.Fatalf("add supervisor: %s", out)
			}
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"--username", "x1", "--role", "boss"}, "--role: No such role."},
				{[]string{"--username", "x1", "--role", "head", "--level", "unit", "--territory", "13-999"}, "--territory: No such territory"},
				{[]string{"--username", "x1", "--role", "clerk", "--territory", "NOPE"}, "--territory: No such territory"},
				{[]string{"--username", "x1", "--role", "head"}, "--level: This field is required."},
				{[]string{"--username", "sharqia", "--role", "supervisor", "--territory", "13"}, "--username: This username is already taken."},
				{[]string{"--username", "x1", "--role", "ministry", "--password", "short"}, "--password: At least 10 characters."},
				{[]string{"--username", "x1", "--role", "ministry", "--until", "2020-01-01"}, "--until:"},
				{[]string{"--username", "x1", "--role", "ministry", "--bogus"}, "flag provided but not defined"},
			} {
				out, err := sh.run(append([]string{"user", "add"}, c.args...)...)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%v: %v %s, want %q", c.args, err, out, c.want)
				}
			}
			// A session to be ended by disable.
			st, _, _ := auth.Login(ctx, db, "sharqia", "a-long-password-13", "web")
			out = sh.must("user", "list")
			if !regexp.MustCompile(`(?m)^admin\s+admin\s+active\s+admin@nation$`).MatchString(out) ||
				!regexp.MustCompile(`(?m)^sharqia\s+مشرف الشرقية\s+active\s+supervisor@13$`).MatchString(out) ||
				strings.Count(out, "\n") != 3 {
				t.Fatalf("list:\n%s", out)
			}
			sh.must("user", "disable", "sharqia")
			if _, _, err := db.SessionPrincipal(ctx, st, "web"); markaz.ErrorCode(err) != markaz.EUnauthorized {
				t.Fatalf("session of a disabled user: %v", err)
			}
			if out := sh.must("user", "list"); !regexp.MustCompile(`(?m)^sharqia\s+.*\s+disabled\s+`).MatchString(out) {
				t.Fatalf("list after disable:\n%s", out)
			}
			if _, err := sh.run("user", "disable", "nobody"); err == nil || !strings.Contains(err.Error(), `no user named "nobody"`) {
				t.Fatalf("disable unknown: %v", err)
			}
			sh.must("user", "enable", "sharqia")
			// passwd: generated, or given (and checked).
			out = sh.must("user", "passwd", "sharqia")
			m = tempPasswordRE.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("passwd: %s", out)
			}
			if _, u, err := auth.Login(ctx, db, "sharqia", m[1], "api"); err != nil || !u.MustChangePassword {
				t.Fatalf("login after passwd: %v", err)
			}
			if _, err := sh.run("user", "passwd", "sharqia", "--password", "sharqia"); err == nil {
				t.Fatal("weak password accepted")
			}
			sh.must("user", "passwd", "--password", "another-long-one", "sharqia")
			if _, _, err := auth.Login(ctx, db, "sharqia", "another-long-one", "api"); err != nil {
				t.Fatalf("given password: %v", err)
			}
			// Everything is audited, as the system.
			entries, err := db.ListAudit(ctx, store.AuditFilter{Scope: markaz.Scope{All: true}, Entity: "user", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for i := len(entries) - 1; i >= 0; i-- {
				if entries[i].Action != "user.locked" {
					actions = append(actions, entries[i].Action)
				}
				if entries[i].Username != "system" || entries[i].UserID != "" {
					t.Errorf("entry by %q/%q", entries[i].Username, entries[i].UserID)
				}
			}
			want := "user.create assignment.grant user.create assignment.grant user.disable user.enable user.password_reset user.password_reset"
			if strings.Join(actions, " ") != want {
				t.Errorf("audit: %v", actions)
			}
			if out := sh.must("audit", "verify"); !strings.Contains(out, "intact") {
				t.Errorf("audit verify: %s", out)
			}
		})
	}
}

func TestUserCommandUsage(t *testing.T) {
	sh := userShell{t: t, dsn: storetest.NewDSN(t, store.SQLite)}
	if _, err := sh.run("user"); err == nil {
		t.Error("bare user command accepted")
	}
	if _, err := sh.run("user", "frobnicate"); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown user command: %v", err)
	}
	if _, err := sh.run("user", "disable"); err == nil {
		t.Error("disable without a username accepted")
	}
	var out bytes.Buffer
	if err := cli.Run(context.Background(), []string{"user", "help"}, func(string) string { return "" }, &out, &out); err != nil ||
		!strings.Contains(out.String(), "markaz user add") {
		t.Errorf("help: %v %s", err, out.String())
	}
}
