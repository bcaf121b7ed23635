package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"markaz"
	"markaz/auth"
	"markaz/i18n"
	"markaz/store"
)

// The user commands act as the system itself (no principal: nothing limits what they
// grant) and are audited as "system". They are how the first administrator of a real
// deployment is made: markaz user add --username admin --role admin --level nation.

func userUsage(w io.Writer) {
	fmt.Fprint(w, `markaz user — manage users from the shell (acting as the system; every change is audited)

  markaz user add --username U [--name N] --role R [--level L] [--territory CODE]
                  [--email E] [--mobile M] [--from YYYY-MM-DD] [--until YYYY-MM-DD] [--password P] [--db …]
      The territory is a governorate code (13), a district/city code (13-001) or a center
      code, as the level needs; the level may be left out when the role has only one.
      Without --password a temporary password is generated and printed once.
  markaz user list [--db …]
  markaz user disable U [--db …]     ends the user's sessions and tokens at once
  markaz user enable U [--db …]
  markaz user passwd U [--password P] [--db …]
      Every new or reset password must be changed at the user's next login.

Roles: `+strings.Join(markaz.Roles, ", ")+`
Levels: `+strings.Join(markaz.Levels, ", ")+`
`)
}

func userCmd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		userUsage(stderr)
		return errors.New("missing user command")
	}
	cmds := map[string]func(context.Context, []string, Env, io.Writer, io.Writer) error{
		"add": userAdd, "list": userList, "disable": userDisable, "enable": userEnable, "passwd": userPasswd,
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		userUsage(stdout)
		return nil
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		userUsage(stderr)
		return fmt.Errorf("unknown user command %q", args[0])
	}
	return cmd(ctx, args[1:], getenv, stdout, stderr)
}

// parseInterspersed parses flags wherever they stand among the positional arguments
// ("disable U --db x" as well as "disable --db x U") and returns the positionals.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if args = fs.Args(); len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}

// userFlags makes a command's flag set with --db and parses it; want is the number of
// positional arguments the command takes.
func userFlags(name string, args []string, want int, getenv Env, stderr io.Writer, define func(fs *flag.FlagSet)) (dsn string, pos []string, err error) {
	fs := flag.NewFlagSet("user "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := dbFlag(fs, getenv)
	if define != nil {
		define(fs)
	}
	if pos, err = parseInterspersed(fs, args); err != nil {
		return "", nil, err
	}
	if len(pos) != want {
		fs.Usage()
		return "", nil, fmt.Errorf("user %s takes %d argument(s), got %d", name, want, len(pos))
	}
	return *db, pos, nil
}

// flagNames maps the fields of validation errors to the flags that set them.
var flagNames = map[string]string{"username": "--username", "full_name": "--name", "email": "--email",
	"mobile": "--mobile", "password": "--password", "assignments": "--role", "role": "--role", "level": "--level",
	"governorate": "--territory", "unit": "--territory", "center_id": "--territory",
	"starts_on": "--from", "ends_on": "--until"}

// explain turns a validation error into one line per flag, in English.
func explain(err error) error {
	var e *markaz.Error
	if !errors.As(err, &e) || e.Code != markaz.EInvalid && e.Code != markaz.ENotFound {
		return err
	}
	if len(e.Fields) == 0 {
		return errors.New(i18n.T("en", e.Key, e.Args))
	}
	var lines []string
	for _, f := range e.Fields {
		name := strings.TrimPrefix(f.Field, "assignments[0].")
		if fl, ok := flagNames[name]; ok {
			name = fl
		}
		lines = append(lines, name+": "+i18n.T("en", "field."+f.Code, f.Args))
	}
	return errors.New(strings.Join(lines, "; "))
}

func userAdd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	var u markaz.User
	var in markaz.AssignmentInput
	var territory, password string
	dsn, _, err := userFlags("add", args, 0, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&u.Username, "username", "", "login name (lowercase Latin letters, digits, . _ -)")
		fs.StringVar(&u.FullName, "name", "", "full name (default: the username)")
		fs.StringVar(&u.Email, "email", "", "e-mail address")
		fs.StringVar(&u.Mobile, "mobile", "", "Egyptian mobile number")
		fs.StringVar(&in.Role, "role", "", "role: "+strings.Join(markaz.Roles, ", "))
		fs.StringVar(&in.Level, "level", "", "territory level: "+strings.Join(markaz.Levels, ", "))
		fs.StringVar(&territory, "territory", "", "governorate, district/city or center code")
		fs.StringVar(&in.StartsOn, "from", "", "first day of the role (default today)")
		fs.StringVar(&in.EndsOn, "until", "", "last day of the role (default none)")
		fs.StringVar(&password, "password", "", "temporary password (default: generated and printed)")
	})
	if err != nil {
		return err
	}
	if u.FullName == "" {
		u.FullName = u.Username
	}
	if levels := markaz.RoleLevels(in.Role); in.Level == "" && len(levels) == 1 {
		in.Level = levels[0]
	}
	in.PlaceCode(territory)
	generated := password == ""
	if generated {
		password = markaz.GeneratePassword()
	} else if err := markaz.CheckPassword("password", password, u.Username); err != nil {
		return explain(err)
	}
	db, err := openDB(ctx, dsn, newLogger(getenv, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	u.PasswordHash = auth.Hash(password, auth.Default)
	if err := db.Write(ctx, func(tx *store.Tx) error { return tx.CreateUser(nil, &u, []markaz.AssignmentInput{in}) }); err != nil {
		return explain(err)
	}
	fmt.Fprintf(stdout, "created user %s (%s) as %s\n", u.Username, u.ID, assignmentText(u.Assignments[0], nil))
	printPassword(stdout, u.Username, password, generated)
	return nil
}

// printPassword tells a generated password once; a given one is not echoed.
func printPassword(w io.Writer, username, password string, generated bool) {
	if generated {
		fmt.Fprintf(w, "temporary password for %s: %s\n", username, password)
	}
	fmt.Fprintln(w, "the password must be changed at the first login")
}

// assignmentText is "role@territory" with the center's code when known.
func assignmentText(a markaz.Assignment, centerCodes map[string]string) string {
	place := a.Level
	switch a.Level {
	case markaz.LevelGovernorate:
		place = a.GovCode
	case markaz.LevelUnit:
		place = a.UnitCode
	case markaz.LevelCenter:
		place = a.CenterID
		if c, ok := centerCodes[a.CenterID]; ok {
			place = c
		}
	}
	s := a.Role + "@" + place
	if a.RevokedAt != nil {
		s += "(revoked)"
	} else if !a.EndsOn.IsZero() {
		s += "(until " + a.EndsOn.String() + ")"
	}
	return s
}

func userList(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	dsn, _, err := userFlags("list", args, 0, getenv, stderr, nil)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dsn, newLogger(getenv, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tSTATUS\tROLES")
	f := store.UserFilter{Scope: markaz.Scope{All: true}, IncludeDisabled: true, Limit: 200}
	for {
		users, next, err := db.ListUsers(ctx, f)
		if err != nil {
			return err
		}
		codes, err := centerCodes(ctx, db, users)
		if err != nil {
			return err
		}
		for _, u := range users {
			status := "active"
			if u.DisabledAt != nil {
				status = "disabled"
			}
			var roles []string
			for _, a := range u.Assignments {
				roles = append(roles, assignmentText(a, codes))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.FullName, status, strings.Join(roles, " "))
		}
		if f.After = next; next == "" {
			break
		}
	}
	return tw.Flush()
}

// centerCodes finds the codes of the centers the users' assignments name.
func centerCodes(ctx context.Context, db *store.DB, users []markaz.User) (map[string]string, error) {
	codes := map[string]string{}
	err := db.Read(ctx, func(tx *store.Tx) error {
		for _, u := range users {
			for _, a := range u.Assignments {
				if a.CenterID == "" || codes[a.CenterID] != "" {
					continue
				}
				c, err := tx.GetCenter(a.CenterID)
				if err != nil {
					return err
				}
				codes[a.CenterID] = c.Code
			}
		}
		return nil
	})
	return codes, err
}

// userByName runs fn on the user named in a command's only argument.
func userByName(ctx context.Context, db *store.DB, name string, fn func(tx *store.Tx, id string) error) error {
	name = strings.ToLower(strings.TrimSpace(name))
	return db.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.GetUserByName(name)
		if errors.Is(err, markaz.ErrNotFound) {
			return fmt.Errorf("no user named %q", name)
		}
		if err != nil {
			return err
		}
		return fn(tx, u.ID)
	})
}

func userDisable(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	return userSetDisabled(ctx, "disable", args, getenv, stdout, stderr, true)
}

func userEnable(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	return userSetDisabled(ctx, "enable", args, getenv, stdout, stderr, false)
}

func userSetDisabled(ctx context.Context, name string, args []string, getenv Env, stdout, stderr io.Writer, disabled bool) error {
	dsn, pos, err := userFlags(name, args, 1, getenv, stderr, nil)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, dsn, newLogger(getenv, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := userByName(ctx, db, pos[0], func(tx *store.Tx, id string) error {
		_, err := tx.SetUserDisabled(nil, id, disabled)
		return err
	}); err != nil {
		return err
	}
	if disabled {
		fmt.Fprintf(stdout, "disabled user %s; their sessions and tokens have ended\n", pos[0])
	} else {
		fmt.Fprintf(stdout, "enabled user %s\n", pos[0])
	}
	return nil
}

func userPasswd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	var password string
	dsn, pos, err := userFlags("passwd", args, 1, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&password, "password", "", "new temporary password (default: generated and printed)")
	})
	if err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSpace(pos[0]))
	generated := password == ""
	if generated {
		password = markaz.GeneratePassword()
	} else if err := markaz.CheckPassword("password", password, name); err != nil {
		return explain(err)
	}
	db, err := openDB(ctx, dsn, newLogger(getenv, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	hash := auth.Hash(password, auth.Default)
	if err := userByName(ctx, db, name, func(tx *store.Tx, id string) error {
		_, err := tx.ResetPassword(nil, id, hash)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s reset; their sessions and tokens have ended\n", name)
	printPassword(stdout, name, password, generated)
	return nil
}
