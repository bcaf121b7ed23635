package citizen

import (
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/i18n"
	"markaz/notify"
)

var today = markaz.Date{Y: 2026, M: time.March, D: 15}

func fields(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*markaz.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestSignUpValidate(t *testing.T) {
	ok := SignUp{NationalID: "٢٩٥٠٣١٥١٣٠٠٢٢٨", FullName: "  فاطمة   علي حسانين ", Mobile: "+20 10 1234 5670",
		Password: "a long enough password"}
	if err := ok.Validate(today); err != nil {
		t.Fatalf("valid sign-up refused: %v", err)
	}
	if ok.NationalID != "29503151300228" || ok.FullName != "فاطمة علي حسانين" || ok.Mobile != "01012345670" || ok.Locale != "ar" {
		t.Errorf("not normalised: %+v", ok)
	}
	// A check digit that does not match (the formula is unofficial) is no refusal.
	odd := SignUp{NationalID: "29503151300229", FullName: "a b", Mobile: "01012345670", Password: "a long enough password"}
	if err := odd.Validate(today); err != nil {
		t.Errorf("check digit mismatch refused: %v", err)
	}
	for _, c := range []struct {
		name string
		s    SignUp
		want map[string]string
	}{
		{"empty", SignUp{}, map[string]string{"national_id": "required", "full_name": "required", "mobile": "required", "password": "required"}},
		{"short national ID", SignUp{NationalID: "2950315", FullName: "a b", Mobile: "01012345670", Password: "a long enough password"},
			map[string]string{"national_id": "nid_length"}},
		{"born in the future", SignUp{NationalID: "32701011300228", FullName: "a b", Mobile: "01012345670", Password: "a long enough password"},
			map[string]string{"national_id": "nid_future"}},
		{"one-word name", SignUp{NationalID: "29503151300228", FullName: "فاطمة", Mobile: "01012345670", Password: "a long enough password"},
			map[string]string{"full_name": "full_name_parts"}},
		{"landline", SignUp{NationalID: "29503151300228", FullName: "a b", Mobile: "0223456789", Password: "a long enough password"},
			map[string]string{"mobile": "mobile_format"}},
		{"short password", SignUp{NationalID: "29503151300228", FullName: "a b", Mobile: "01012345670", Password: "short"},
			map[string]string{"password": "password_short"}},
		{"password is the mobile", SignUp{NationalID: "29503151300228", FullName: "a b", Mobile: "01012345670", Password: "01012345670"},
			map[string]string{"password": "password_is_username"}},
		{"password is the national ID", SignUp{NationalID: "29503151300228", FullName: "a b", Mobile: "01012345670", Password: "29503151300228"},
			map[string]string{"password": "password_is_national_id"}},
		{"unknown locale", SignUp{NationalID: "29503151300228", FullName: "a b", Mobile: "01012345670", Password: "a long enough password", Locale: "fr"},
			map[string]string{"locale": "one_of"}},
		{"control characters", SignUp{NationalID: "29503151300228", FullName: "a\x00 b", Mobile: "01012345670", Password: "a long enough password"},
			map[string]string{"full_name": "invalid_chars"}},
	} {
		got := fields(c.s.Validate(today))
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			continue
		}
		for f, code := range c.want {
			if got[f] != code {
				t.Errorf("%s: %s = %q, want %q", c.name, f, got[f], code)
			}
			if !i18n.Has("field." + code) {
				t.Errorf("field.%s has no message", code)
			}
		}
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	counts := [10]int{}
	for range 2000 {
		c := NewCode()
		if len(c) != CodeDigits || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		for _, d := range c {
			counts[d-'0']++
		}
	}
	if len(seen) < 1990 {
		t.Errorf("only %d distinct codes of 2000", len(seen))
	}
	for d, n := range counts { // 1200 expected per digit
		if n < 1000 || n > 1400 {
			t.Errorf("digit %d drawn %d times of 12000", d, n)
		}
	}
	salt := NewSalt()
	h := HashCode(salt, "123456")
	if strings.Contains(h, "123456") || h == HashCode(NewSalt(), "123456") {
		t.Error("the hash shows the code or ignores the salt")
	}
	for code, want := range map[string]bool{"123456": true, "١٢٣٤٥٦": true, " 123 456 ": true, "123457": false, "": false} {
		if CodeMatches(salt, h, code) != want {
			t.Errorf("CodeMatches(%q) = %v", code, !want)
		}
	}
	for code, want := range map[string]string{"123456": "", "١٢٣٤٥٦": "", "12345": "otp_format", "12345a": "otp_format", "": "required"} {
		if got := fields(CheckCodeFormat("code", code))["code"]; got != want {
			t.Errorf("CheckCodeFormat(%q) = %q, want %q", code, got, want)
		}
	}
	if MaskMobile("01012345670") != "010•••••670" {
		t.Errorf("mask %q", MaskMobile("01012345670"))
	}
}

func TestCheckCode(t *testing.T) {
	now := time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
	salt := NewSalt()
	p := Pending{Salt: salt, Hash: HashCode(salt, "424242"), ExpiresAt: now.Add(CodeTTL)}
	for _, c := range []struct {
		name     string
		attempts int
		at       time.Time
		code     string
		want     Verdict
	}{
		{"right, in time", 0, now, "424242", Verified},
		{"right, last try", MaxAttempts - 1, now, "424242", Verified},
		{"wrong", 0, now, "424243", Wrong},
		{"right but exhausted", MaxAttempts, now, "424242", Exhausted},
		{"right but expired", 0, now.Add(CodeTTL), "424242", Expired},
		{"right a second before expiry", 0, now.Add(CodeTTL - time.Second), "424242", Verified},
	} {
		q := p
		q.Attempts = c.attempts
		if got := q.Check(c.code, c.at); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	for _, v := range []Verdict{Wrong, Expired, Exhausted} {
		if !i18n.Has("field." + v.FieldCode()) {
			t.Errorf("field.%s has no message", v.FieldCode())
		}
	}
}

// Codes to one number: at least a minute apart, at most five an hour.
func TestSendLimits(t *testing.T) {
	t0 := time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
	var s Sends
	s, wait := s.Next(t0)
	if wait != 0 || s.Count != 1 || !s.WindowStart.Equal(t0) {
		t.Fatalf("first send: %+v %v", s, wait)
	}
	if _, wait := s.Next(t0.Add(30 * time.Second)); wait != 30*time.Second {
		t.Errorf("resend after 30 s: wait %v", wait)
	}
	at := t0
	for i := 2; i <= MaxSends; i++ {
		at = at.Add(ResendAfter)
		if s, wait = s.Next(at); wait != 0 || s.Count != i {
			t.Fatalf("send %d at %v: %+v %v", i, at, s, wait)
		}
	}
	at = at.Add(ResendAfter)
	if _, wait := s.Next(at); wait != t0.Add(SendWindow).Sub(at) {
		t.Errorf("sixth send within the hour: wait %v", wait)
	}
	if s2, wait := s.Next(t0.Add(SendWindow)); wait != 0 || s2.Count != 1 || !s2.WindowStart.Equal(t0.Add(SendWindow)) {
		t.Errorf("after the window: %+v %v", s2, wait)
	}
}

// The code's SMS fits one segment in both languages and carries the code whole.
func TestCodeSMSFitsOneSegment(t *testing.T) {
	for _, lang := range i18n.Langs {
		_, text, err := notify.Render(notify.SMS, "notify.citizen.code", lang, map[string]string{"code": "123456", "minutes": "10"})
		if err != nil || !strings.Contains(text, "123456") || notify.SMSLength(text) > notify.SegmentLimit(text) {
			t.Errorf("%s: %q (%d of %d) %v", lang, text, notify.SMSLength(text), notify.SegmentLimit(text), err)
		}
	}
}
