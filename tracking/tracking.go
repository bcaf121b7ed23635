// Package tracking makes and reads the tracking numbers printed on request slips.
//
// A tracking number is PPPP SSSSSSS C: a 4-digit series prefix assigned to the issuing center
// or mobile unit (so units working offline never collide and nothing is renumbered on sync),
// a sequence number of at least 7 digits, and a check digit. It is shown in groups of four,
// e.g. "1301-0004-2175", and read back from any grouping, with Arabic-Indic or Persian digits.
//
// The check digit uses the Verhoeff algorithm. Like Damm, it catches every single-digit error
// and every adjacent transposition; it was chosen because it also catches most twin (11↔22)
// and jump (1x2↔2x1) transpositions, has published test vectors, and is in wide national-ID
// use (India's Aadhaar), so other systems can verify our numbers with standard libraries.
// Digits only, so a citizen can type a number on any phone keypad.
package tracking

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"markaz"
)

// Field is the field name carried by Parse's errors.
const Field = "tracking_number"

// Field error codes (i18n keys "field.<code>").
const (
	CodeFormat     = "tracking_format"      // not prefix + sequence + check digit
	CodeCheckDigit = "tracking_check_digit" // the check digit does not match (a typo)
)

// Shape of a tracking number.
const (
	PrefixLen = 4                  // digits in the series prefix
	SeqDigits = 7                  // minimum digits of the sequence (zero-padded)
	MaxSeq    = 999_999_999_999    // largest sequence number (12 digits)
	maxDigits = PrefixLen + 12 + 1 // longest tracking number
	minDigits = PrefixLen + SeqDigits + 1
)

// Verhoeff tables: multiplication in the dihedral group D5, the position permutation, and
// the inverse.
var (
	vd = [10][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8},
		{5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2},
		{7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	vp = [8][10]byte{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
		{1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0},
		{4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5},
		{7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
	vinv = [10]byte{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}
)

// verhoeff folds the digits from the right, the first one at position offset.
func verhoeff(digits string, offset int) byte {
	var c byte
	for i := 0; i < len(digits); i++ {
		c = vd[c][vp[(i+offset)%8][digits[len(digits)-1-i]-'0']]
	}
	return c
}

// CheckDigit returns the Verhoeff check digit ('0'–'9') to append to digits, which must be
// one or more Latin digits.
func CheckDigit(digits string) (byte, error) {
	if digits == "" || !allDigits(digits) {
		return 0, fmt.Errorf("tracking: check digit of %q: want Latin digits", digits)
	}
	return '0' + vinv[verhoeff(digits, 1)], nil
}

// ValidPrefix reports whether p is a series prefix: exactly 4 Latin digits.
func ValidPrefix(p string) bool { return len(p) == PrefixLen && allDigits(p) }

// Format returns the display form of sequence seq (0 ≤ seq ≤ MaxSeq) in series prefix
// (4 digits, Arabic-Indic accepted): groups of four joined by dashes.
func Format(prefix string, seq int64) (string, error) {
	prefix = markaz.LatinDigits(prefix)
	if !ValidPrefix(prefix) {
		return "", fmt.Errorf("tracking: prefix %q: want %d digits", prefix, PrefixLen)
	}
	if seq < 0 || seq > MaxSeq {
		return "", fmt.Errorf("tracking: sequence %d out of range 0–%d", seq, int64(MaxSeq))
	}
	body := fmt.Sprintf("%s%0*d", prefix, SeqDigits, seq)
	c, _ := CheckDigit(body)
	return group(body + string(c)), nil
}

// Parse reads a tracking number in any grouping of spaces and dashes, with Latin,
// Arabic-Indic or Persian digits. A malformed number or a wrong check digit is an EInvalid
// *markaz.Error with one FieldError on "tracking_number".
func Parse(s string) (prefix string, seq int64, err error) {
	d, ok := digitsOf(s)
	if !ok || len(d) < minDigits || len(d) > maxDigits {
		return "", 0, invalid(CodeFormat)
	}
	body := d[PrefixLen : len(d)-1]
	if len(body) > SeqDigits && body[0] == '0' { // only the canonical padding is accepted
		return "", 0, invalid(CodeFormat)
	}
	if verhoeff(d, 0) != 0 {
		return "", 0, invalid(CodeCheckDigit)
	}
	seq, _ = strconv.ParseInt(body, 10, 64) // at most 12 digits: cannot fail
	return d[:PrefixLen], seq, nil
}

// Valid reports whether s parses as a tracking number with a correct check digit.
func Valid(s string) bool {
	_, _, err := Parse(s)
	return err == nil
}

// digitsOf maps s to Latin digits, dropping whitespace and dashes; false if anything else is left.
func digitsOf(s string) (string, bool) {
	if len(s) > 4*maxDigits { // far longer than any typed number: do not copy it
		return "", false
	}
	d := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '−' {
			return -1
		}
		return r
	}, markaz.LatinDigits(s))
	return d, allDigits(d)
}

// group joins the digits in groups of four with dashes.
func group(d string) string {
	var b strings.Builder
	for i := 0; i < len(d); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(d[i:min(i+4, len(d))])
	}
	return b.String()
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
