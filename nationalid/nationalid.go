// Package nationalid parses and validates Egyptian national ID numbers (الرقم القومي).
//
// A national ID has 14 digits: C YYMMDD GG SSSS K — century (2 → 1900s, 3 → 2000s), date of
// birth, governorate of birth (88 = born abroad), a 4-digit sequence whose last digit is odd
// for a male, and a check digit. The structure is validated strictly; the check digit is not
// officially published, so a mismatch is only a warning for the clerk, never a rejection.
package nationalid

import (
	"strings"
	"time"
	"unicode"

	"markaz"
)

// Field is the field name carried by Parse's errors and warnings.
const Field = "national_id"

// Field error and warning codes (i18n keys "field.<code>").
const (
	CodeLength      = "nid_length"      // not 14 digits after removing spaces and dashes
	CodeCentury     = "nid_century"     // first digit neither 2 nor 3
	CodeDate        = "nid_date"        // YYMMDD is not a real date
	CodeFuture      = "nid_future"      // date of birth after today
	CodeGovernorate = "nid_governorate" // unknown governorate code
	CodeCheckDigit  = "nid_check_digit" // warning: check digit does not match
)

// AbroadCode is the governorate code of people born outside Egypt.
const AbroadCode = "88"

// governorates are the 27 codes of the brief (kept in step with refdata by a test).
var governorates = map[string]bool{
	"01": true, "02": true, "03": true, "04": true,
	"11": true, "12": true, "13": true, "14": true, "15": true, "16": true, "17": true, "18": true, "19": true,
	"21": true, "22": true, "23": true, "24": true, "25": true, "26": true, "27": true, "28": true, "29": true,
	"31": true, "32": true, "33": true, "34": true, "35": true,
	AbroadCode: true,
}

// ID is a structurally valid national ID.
type ID struct {
	Digits    string      // the 14 Latin digits
	BirthDate markaz.Date // from the century digit and YYMMDD
	GovCode   string      // governorate of birth, "88" for abroad
	Male      bool        // the 13th digit is odd
	Last4     string      // the last four digits, used to verify a citizen's tracking request
}

// Warning is a problem the clerk should see that does not reject the ID.
type Warning struct {
	Field string `json:"field"`
	Code  string `json:"code"`
}

// weights apply to the first 13 digits in the check-digit formula in common use.
var weights = [13]int{2, 7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2}

// CheckDigit returns the check digit ('0'–'9') of the first 13 digits of an ID:
// c = 11 − (Σ dᵢwᵢ mod 11), minus 10 when c ≥ 10. first13 must be 13 Latin digits.
func CheckDigit(first13 string) (byte, bool) {
	if len(first13) != 13 || !allDigits(first13) {
		return 0, false
	}
	sum := 0
	for i, w := range weights {
		sum += int(first13[i]-'0') * w
	}
	c := 11 - sum%11
	if c >= 10 {
		c -= 10
	}
	return byte('0' + c), true
}

// Parse validates s as a national ID born on or before today. Arabic-Indic and Persian
// digits, spaces and dashes are accepted. A structural problem is an EInvalid *markaz.Error
// with one FieldError on "national_id"; a check-digit mismatch is returned as a warning.
func Parse(s string, today markaz.Date) (ID, []Warning, error) {
	d := normalise(s)
	if len(d) != 14 || !allDigits(d) {
		return ID{}, nil, invalid(CodeLength)
	}
	var century int
	switch d[0] {
	case '2':
		century = 1900
	case '3':
		century = 2000
	default:
		return ID{}, nil, invalid(CodeCentury)
	}
	born, ok := date(century+num(d[1:3]), num(d[3:5]), num(d[5:7]))
	if !ok {
		return ID{}, nil, invalid(CodeDate)
	}
	if born.After(today) {
		return ID{}, nil, invalid(CodeFuture)
	}
	if !governorates[d[7:9]] {
		return ID{}, nil, invalid(CodeGovernorate)
	}
	id := ID{Digits: d, BirthDate: born, GovCode: d[7:9], Male: (d[12]-'0')%2 == 1, Last4: d[10:]}
	var warnings []Warning
	if c, _ := CheckDigit(d[:13]); c != d[13] {
		warnings = append(warnings, Warning{Field: Field, Code: CodeCheckDigit})
	}
	return id, warnings, nil
}

// normalise maps digits to Latin and drops whitespace and dashes anywhere in s.
func normalise(s string) string {
	if len(s) > 64 { // far longer than any typed ID: do not copy it
		return ""
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '−' {
			return -1
		}
		return r
	}, markaz.LatinDigits(s))
}

func invalid(code string) error {
	var v markaz.Validator
	v.Add(Field, code, nil)
	return v.Err()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// date returns the civil date y-m-d if it exists.
func date(y, m, d int) (markaz.Date, bool) {
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return markaz.Date{}, false
	}
	return markaz.Date{Y: y, M: t.Month(), D: d}, true
}
