package nationalid

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/refdata"
)

var today = markaz.Date{Y: 2024, M: time.March, D: 15}

// valid appends the check digit to 13 digits.
func valid(t testing.TB, first13 string) string {
	t.Helper()
	c, ok := CheckDigit(first13)
	if !ok {
		t.Fatalf("CheckDigit(%q) refused", first13)
	}
	return first13 + string(c)
}

// arabic writes Latin digits as Arabic-Indic ones.
func arabic(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

func TestCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want byte
		ok   bool
	}{
		{"2900101011234", '1', true}, // Σ=109, 109 mod 11 = 10 → 1
		{"2850715210013", '5', true}, // Σ=160, mod 11 = 6 → 5
		{"3100101010000", '8', true}, // Σ=25, mod 11 = 3 → 8
		{"2900101010005", '0', true}, // Σ=89, mod 11 = 1 → c=10 → 0
		{"2900101010013", '1', true}, // Σ=88, mod 11 = 0 → c=11 → 1
		{"290010101123", 0, false},   // 12 digits
		{"29001010112345", 0, false}, // 14 digits
		{"290010101123x", 0, false},
		{"", 0, false},
	} {
		got, ok := CheckDigit(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CheckDigit(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseValid(t *testing.T) {
	male := valid(t, "2900101011235")   // 1990-01-01, Cairo, 13th digit 5
	female := valid(t, "2850715210012") // 1985-07-15, Giza, 13th digit 2
	leap := valid(t, "3000229882345")   // 2000-02-29, born abroad
	todayID := valid(t, "3240315130017")
	for _, tc := range []struct {
		name, in string
		want     ID
	}{
		{"male Cairo", male, ID{male, markaz.Date{Y: 1990, M: 1, D: 1}, "01", true, male[10:]}},
		{"female Giza", female, ID{female, markaz.Date{Y: 1985, M: 7, D: 15}, "21", false, female[10:]}},
		{"leap day 2000, abroad", leap, ID{leap, markaz.Date{Y: 2000, M: 2, D: 29}, "88", true, leap[10:]}},
		{"born today", todayID, ID{todayID, today, "13", true, todayID[10:]}},
		{"Arabic-Indic", arabic(male), ID{male, markaz.Date{Y: 1990, M: 1, D: 1}, "01", true, male[10:]}},
		{"Persian", strings.NewReplacer("2", "۲", "9", "۹", "1", "۱").Replace(male), ID{male, markaz.Date{Y: 1990, M: 1, D: 1}, "01", true, male[10:]}},
		{"spaces and dashes", "  " + male[:1] + " " + male[1:7] + "-" + male[7:9] + "–" + male[9:] + " ", ID{male, markaz.Date{Y: 1990, M: 1, D: 1}, "01", true, male[10:]}},
		{"mixed scripts", arabic(male[:7]) + "-" + male[7:], ID{male, markaz.Date{Y: 1990, M: 1, D: 1}, "01", true, male[10:]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warns, err := Parse(tc.in, today)
			if err != nil || len(warns) != 0 {
				t.Fatalf("Parse(%q) = %v, %v", tc.in, warns, err)
			}
			if got != tc.want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseEveryGovernorate(t *testing.T) {
	for code := 0; code < 100; code++ {
		gc := string([]byte{byte('0' + code/10), byte('0' + code%10)})
		id, _, err := Parse(valid(t, "2900101"+gc+"1234"), today)
		if governorates[gc] {
			if err != nil || id.GovCode != gc {
				t.Errorf("governorate %s: %+v %v", gc, id, err)
			}
		} else if fieldCode(t, err) != CodeGovernorate {
			t.Errorf("governorate %s: want %s, got %v", gc, CodeGovernorate, err)
		}
	}
}

// TestGovernoratesMatchRefdata keeps the package's list equal to the shipped territory + 88.
func TestGovernoratesMatchRefdata(t *testing.T) {
	govs, _, err := refdata.Territory()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{AbroadCode}
	for _, g := range govs {
		want = append(want, g.Code)
	}
	var got []string
	for c := range governorates {
		got = append(got, c)
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(govs) != 27 || !slices.Equal(got, want) {
		t.Fatalf("governorates %v, refdata (+88) %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	ok := valid(t, "2900101011234")
	for _, tc := range []struct{ name, in, code string }{
		{"empty", "", CodeLength},
		{"blank", "   ", CodeLength},
		{"13 digits", ok[:13], CodeLength},
		{"15 digits", ok + "1", CodeLength},
		{"letter", ok[:13] + "x", CodeLength},
		{"dot", ok[:7] + "." + ok[7:], CodeLength},
		{"very long", strings.Repeat(" ", 100) + ok, CodeLength},
		{"century 1", valid(t, "1900101011234"), CodeCentury},
		{"century 4", valid(t, "4000101011234"), CodeCentury},
		{"century 0", valid(t, "0900101011234"), CodeCentury},
		{"month 00", valid(t, "2900001011234"), CodeDate},
		{"month 13", valid(t, "2901301011234"), CodeDate},
		{"day 00", valid(t, "2900100011234"), CodeDate},
		{"day 32", valid(t, "2900132011234"), CodeDate},
		{"April 31", valid(t, "2900431011234"), CodeDate},
		{"1900-02-29 not a leap year", valid(t, "2000229011234"), CodeDate},
		{"2001-02-29", valid(t, "3010229011234"), CodeDate},
		{"tomorrow", valid(t, "3240316011234"), CodeFuture},
		{"next year", valid(t, "3250101011234"), CodeFuture},
		{"governorate 00", valid(t, "2900101001234"), CodeGovernorate},
		{"governorate 05", valid(t, "2900101051234"), CodeGovernorate},
		{"governorate 99", valid(t, "2900101991234"), CodeGovernorate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, warns, err := Parse(tc.in, today)
			if got := fieldCode(t, err); got != tc.code {
				t.Fatalf("Parse(%q) = %v, want %s", tc.in, err, tc.code)
			}
			if id != (ID{}) || warns != nil {
				t.Fatalf("Parse(%q) returned %+v %v beside an error", tc.in, id, warns)
			}
		})
	}
}

func TestCheckDigitMismatchIsWarning(t *testing.T) {
	ok := valid(t, "2900101011234")
	for k := byte('0'); k <= '9'; k++ {
		in := ok[:13] + string(k)
		id, warns, err := Parse(in, today)
		if err != nil || id.Digits != in {
			t.Fatalf("Parse(%q) = %+v %v", in, id, err)
		}
		if k == ok[13] {
			if len(warns) != 0 {
				t.Errorf("%q: unexpected warnings %v", in, warns)
			}
		} else if !slices.Equal(warns, []Warning{{Field: "national_id", Code: "nid_check_digit"}}) {
			t.Errorf("%q: warnings %v", in, warns)
		}
	}
}

// fieldCode checks err is EInvalid with one national_id field error and returns its code.
func fieldCode(t *testing.T, err error) string {
	t.Helper()
	var e *markaz.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *markaz.Error, got %v", err)
	}
	if e.Code != markaz.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "national_id" {
		t.Fatalf("want EInvalid with one national_id field error, got %v", e)
	}
	return e.Fields[0].Code
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"29001010112341", "٢٩٠٠١٠١٠١١٢٣٤١", "3000229-88-23451", "", "x", "2000229011234 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, warns, err := Parse(s, today)
		if err != nil {
			var e *markaz.Error
			if !errors.As(err, &e) || e.Code != markaz.EInvalid || len(e.Fields) != 1 {
				t.Fatalf("Parse(%q): bad error %v", s, err)
			}
			return
		}
		again, warns2, err := Parse(id.Digits, today)
		if err != nil || again != id || !slices.Equal(warns, warns2) {
			t.Fatalf("%q → %+v %v → %+v %v %v", s, id, warns, again, warns2, err)
		}
		if len(id.Digits) != 14 || id.BirthDate.After(today) || !governorates[id.GovCode] || id.Last4 != id.Digits[10:] {
			t.Fatalf("%q → inconsistent %+v", s, id)
		}
	})
}
