package markaz

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// fields returns "field:code" of each problem of a validation error.
func fields(err error) []string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestUserValidate(t *testing.T) {
	u := User{Username: " Ahmed.Ali٣ ", FullName: " أحمد علي ", Mobile: "+20 100 123 4567", Email: "a@b.eg"}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	if u.Username != "ahmed.ali3" || u.FullName != "أحمد علي" || u.Mobile != "01001234567" || u.Locale != "ar" || u.Digits != "arab" {
		t.Fatalf("normalised: %+v", u)
	}
	u = User{Username: "a", FullName: "", Email: "x\x00@y.eg", Mobile: "٠١٩١٢٣٤٥٦٧٨"}
	got := strings.Join(fields(u.Validate()), " ")
	for _, want := range []string{"username:username_format", "full_name:required", "email:invalid_chars", "mobile:mobile_format"} {
		if !strings.Contains(got, want) {
			t.Errorf("want %s in %s", want, got)
		}
	}
	u = User{Username: "ok", FullName: strings.Repeat("x", 121), Email: "no-at-sign"}
	got = strings.Join(fields(u.Validate()), " ")
	if !strings.Contains(got, "full_name:too_long") || !strings.Contains(got, "email:email_format") {
		t.Errorf("got %s", got)
	}
}

func TestCheckPassword(t *testing.T) {
	cases := map[string]string{
		"short":                    "pw:password_short",
		"mustafa.kamal":            "pw:password_is_username",
		strings.Repeat("x", 129):   "pw:too_long",
		"a long enough passphrase": "",
	}
	for pw, want := range cases {
		got := strings.Join(fields(CheckPassword("pw", pw, "Mustafa.Kamal")), " ")
		if got != want {
			t.Errorf("%q: %q, want %q", pw, got, want)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	a, b := GeneratePassword(), GeneratePassword()
	if a == b || utf8.RuneCountInString(a) != 16 || CheckPassword("p", a, "user") != nil {
		t.Fatalf("generated %q and %q", a, b)
	}
	if strings.ContainsAny(a, "0O1lI") {
		t.Fatalf("ambiguous characters in %q", a)
	}
}

func TestAssignmentInput(t *testing.T) {
	cases := []struct {
		name string
		in   AssignmentInput
		code string // placed with PlaceCode when set
		want string // problems, or the resulting territory
	}{
		{"governorate by code", AssignmentInput{Role: RoleSupervisor, Level: LevelGovernorate}, "١٣", "gov=13"},
		{"unit by code", AssignmentInput{Role: RoleHead, Level: LevelUnit}, "13-001", "unit=13-001"},
		{"center by code, upper-cased", AssignmentInput{Role: RoleClerk, Level: LevelCenter}, "sh-zag-01", "center=SH-ZAG-01"},
		{"nation clears codes", AssignmentInput{Role: RoleAdmin, Level: LevelNation, Governorate: "13"}, "", "nation"},
		{"unknown role", AssignmentInput{Role: "boss", Level: LevelNation}, "", "role:unknown_role"},
		{"missing role and level", AssignmentInput{}, "", "role:required level:required"},
		{"level not for role", AssignmentInput{Role: RoleClerk, Level: LevelGovernorate, Governorate: "13"}, "", "level:level_for_role"},
		{"unknown level", AssignmentInput{Role: RoleClerk, Level: "village"}, "", "level:one_of"},
		{"missing governorate", AssignmentInput{Role: RoleSupervisor, Level: LevelGovernorate}, "", "governorate:required"},
		{"bad governorate", AssignmentInput{Role: RoleSupervisor, Level: LevelGovernorate, Governorate: "1"}, "", "governorate:unknown_governorate"},
		{"bad unit", AssignmentInput{Role: RoleHead, Level: LevelUnit, Unit: "13001"}, "", "unit:unknown_unit"},
		{"junk center", AssignmentInput{Role: RoleClerk, Level: LevelCenter, CenterID: "x'; drop"}, "", "center_id:unknown_territory"},
		{"bad dates", AssignmentInput{Role: RoleAdmin, Level: LevelNation, StartsOn: "2026-02-30", EndsOn: "tomorrow"}, "", "starts_on:date_format ends_on:date_format"},
		{"end before start", AssignmentInput{Role: RoleAdmin, Level: LevelNation, StartsOn: "2026-05-01", EndsOn: "2026-04-01"}, "", "ends_on:ends_before_start"},
		{"end in the past", AssignmentInput{Role: RoleAdmin, Level: LevelNation, StartsOn: "2026-01-01", EndsOn: "2026-03-14"}, "", "ends_on:date_in_past"},
		{"Arabic-Indic dates", AssignmentInput{Role: RoleAdmin, Level: LevelNation, StartsOn: "٢٠٢٦-٠٤-٠١", EndsOn: "٢٠٢٧-٠٦-٣٠"}, "", "nation"},
	}
	for _, c := range cases {
		in := c.in
		if c.code != "" {
			in.PlaceCode(c.code)
		}
		a, err := in.Assignment(day)
		got := strings.Join(fields(err), " ")
		if err == nil {
			switch a.Level {
			case LevelNation:
				got = "nation"
				if a.GovCode != "" {
					got = "nation with a governorate"
				}
			case LevelGovernorate:
				got = "gov=" + a.GovCode
			case LevelUnit:
				got = "unit=" + a.UnitCode
			case LevelCenter:
				got = "center=" + a.CenterID
			}
			if a.StartsOn.IsZero() {
				got += " without start"
			}
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	a, _ := AssignmentInput{Role: RoleAdmin, Level: LevelNation}.Assignment(day)
	if a.StartsOn != day || !a.EndsOn.IsZero() {
		t.Errorf("default dates: %v %v", a.StartsOn, a.EndsOn)
	}
}

func TestValidatorMerge(t *testing.T) {
	var v Validator
	v.Add("username", "required", nil)
	inner := &Error{Code: EInvalid, Fields: []FieldError{{Field: "role", Code: "unknown_role"}}}
	if err := v.Merge(inner, Prefixed("assignments[0].")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fields(v.Err()), " "); got != "username:required assignments[0].role:unknown_role" {
		t.Fatalf("merged: %s", got)
	}
	other := errors.New("disk on fire")
	if err := v.Merge(other, nil); err != other {
		t.Fatalf("non-validation error not passed through: %v", err)
	}
}
