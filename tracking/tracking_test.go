package tracking

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"markaz"
)

// Published Verhoeff vectors (Wikipedia, Rosetta Code).
func TestCheckDigitVectors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want byte
	}{
		{"236", '3'},
		{"12345", '1'},
		{"123456789012", '0'},
		{"142857", '0'},
		{"0", '4'},
		{"8473643095483728456789", '2'},
	} {
		got, err := CheckDigit(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("CheckDigit(%q) = %q %v, want %q", tc.in, got, err, tc.want)
		}
		if verhoeff(tc.in+string(tc.want), 0) != 0 {
			t.Errorf("%q%c does not validate", tc.in, tc.want)
		}
	}
	if verhoeff("2363", 0) != 0 || verhoeff("2364", 0) == 0 || verhoeff("2336", 0) == 0 {
		t.Error("2363 must validate, 2364 and 2336 must not")
	}
	for _, bad := range []string{"", "12a", "١٢٣", "-1", " 1"} {
		if _, err := CheckDigit(bad); err == nil {
			t.Errorf("CheckDigit(%q) accepted", bad)
		}
	}
}

// TestDetectsEveryErrorExhaustively: for every 5-digit payload, and for a spread of real
// tracking numbers, every single-digit substitution and every adjacent transposition of
// the checked number is rejected.
func TestDetectsEveryErrorExhaustively(t *testing.T) {
	var numbers []string
	for n := 0; n < 100_000; n++ {
		p := fmt.Sprintf("%05d", n)
		c, _ := CheckDigit(p)
		numbers = append(numbers, p+string(c))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		s, err := Format(fmt.Sprintf("%04d", r.IntN(10000)), r.Int64N(MaxSeq+1))
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, strings.ReplaceAll(s, "-", ""))
	}
	for _, s := range numbers {
		if verhoeff(s, 0) != 0 {
			t.Fatalf("%s does not validate", s)
		}
		b := []byte(s)
		for i := range b {
			orig := b[i]
			for x := byte('0'); x <= '9'; x++ {
				if x == orig {
					continue
				}
				b[i] = x
				if verhoeff(string(b), 0) == 0 {
					t.Fatalf("%s: substitution at %d → %s undetected", s, i, b)
				}
			}
			b[i] = orig
			if i+1 < len(b) && b[i] != b[i+1] {
				b[i], b[i+1] = b[i+1], b[i]
				if verhoeff(string(b), 0) == 0 {
					t.Fatalf("%s: transposition at %d → %s undetected", s, i, b)
				}
				b[i], b[i+1] = b[i+1], b[i]
			}
		}
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		seq    int64
		want   string // display form; "" = only check the round trip
	}{
		{"1301", 0, ""},
		{"1301", 1, ""},
		{"0000", 42, ""},
		{"9999", 9_999_999, ""},
		{"1301", 10_000_000, ""}, // 8-digit sequence
		{"2188", MaxSeq, ""},
		{"١٣٠١", 4217, ""}, // Arabic-Indic prefix
	} {
		s, err := Format(tc.prefix, tc.seq)
		if err != nil {
			t.Fatalf("Format(%q, %d): %v", tc.prefix, tc.seq, err)
		}
		d := strings.ReplaceAll(s, "-", "")
		if len(d) != max(PrefixLen+SeqDigits+1, len(fmt.Sprint(tc.seq))+PrefixLen+1) {
			t.Errorf("Format(%q, %d) = %s: wrong length", tc.prefix, tc.seq, s)
		}
		p, seq, err := Parse(s)
		if err != nil || p != markaz.LatinDigits(tc.prefix) || seq != tc.seq || !Valid(s) {
			t.Errorf("Parse(Format(%q, %d) = %s) = %q %d %v", tc.prefix, tc.seq, s, p, seq, err)
		}
	}
	c, _ := CheckDigit("13010004217")
	if s, _ := Format("1301", 4217); s != "1301-0004-217"+string(c) {
		t.Errorf("Format(1301, 4217) = %s", s)
	}
	if s, _ := Format("1301", 123_456_789); !strings.HasPrefix(s, "1301-1234-5678-9") || len(s) != 17 {
		t.Errorf("Format(1301, 123456789) = %s", s)
	}
}

func TestParseAnyGroupingAndScript(t *testing.T) {
	s, _ := Format("1301", 4217) // 1301-0004-217C
	d := strings.ReplaceAll(s, "-", "")
	arabic := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, d)
	persian := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '۰' + (r - '0')
		}
		return r
	}, d)
	for _, in := range []string{
		d, s, " " + d + " ", d[:4] + " " + d[4:], d[:3] + "-" + d[3:8] + " – " + d[8:],
		arabic, arabic[:8] + "-" + arabic[8:], persian, "\t" + d[:6] + "\u00a0" + d[6:] + "\n",
		arabic[:10] + d[5:], // mixed scripts
	} {
		p, seq, err := Parse(in)
		if err != nil || p != "1301" || seq != 4217 {
			t.Errorf("Parse(%q) = %q %d %v", in, p, seq, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	good, _ := Format("1301", 4217)
	d := strings.ReplaceAll(good, "-", "")
	wrong := d[:len(d)-1] + string('0'+(d[len(d)-1]-'0'+1)%10)
	padded := d[:4] + "0" + d[4:]            // non-canonical extra zero
	p8, _ := CheckDigit("1301" + "00004217") // …even with a matching check digit
	long, _ := Format("1301", MaxSeq)        // 17 digits
	for _, tc := range []struct{ name, in, code string }{
		{"empty", "", CodeFormat},
		{"blank", " - ", CodeFormat},
		{"too short", d[:len(d)-1], CodeFormat},
		{"too long", strings.ReplaceAll(long, "-", "") + "0", CodeFormat},
		{"letter", "A" + d[1:], CodeFormat},
		{"dot", d[:4] + "." + d[4:], CodeFormat},
		{"plus", "+" + d, CodeFormat},
		{"huge", strings.Repeat("1", 10_000), CodeFormat},
		{"padded", padded, CodeFormat},
		{"padded with its own check", "130100004217" + string(p8), CodeFormat},
		{"wrong check digit", wrong, CodeCheckDigit},
		{"transposed", d[:7] + d[8:9] + d[7:8] + d[9:], CodeCheckDigit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, seq, err := Parse(tc.in)
			var e *markaz.Error
			if !errors.As(err, &e) || e.Code != markaz.EInvalid || len(e.Fields) != 1 ||
				e.Fields[0].Field != "tracking_number" || e.Fields[0].Code != tc.code {
				t.Fatalf("Parse(%q) = %q %d %v, want %s", tc.in, p, seq, err, tc.code)
			}
			if p != "" || seq != 0 || Valid(tc.in) {
				t.Fatalf("Parse(%q) returned %q %d beside an error", tc.in, p, seq)
			}
		})
	}
}

func TestFormatErrors(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		seq    int64
	}{
		{"130", 1}, {"13011", 1}, {"13A1", 1}, {"", 1}, {" 1301", 1}, {"13-1", 1},
		{"1301", -1}, {"1301", MaxSeq + 1},
	} {
		if s, err := Format(tc.prefix, tc.seq); err == nil {
			t.Errorf("Format(%q, %d) = %s, want an error", tc.prefix, tc.seq, s)
		}
	}
	if ValidPrefix("١٣٠١") || !ValidPrefix("1301") || ValidPrefix("ABCD") {
		t.Error("ValidPrefix takes exactly 4 Latin digits")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1301-0004-2175", "٢٣٦٣", "2363", "", "1301 0000 0000 1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := digitsOf(s); ok && d != "" {
			c, err := CheckDigit(d)
			if err != nil || verhoeff(d+string(c), 0) != 0 {
				t.Fatalf("CheckDigit(%q) = %q %v does not validate", d, c, err)
			}
		}
		p, seq, err := Parse(s)
		if err != nil {
			if Valid(s) {
				t.Fatalf("Valid(%q) but Parse failed: %v", s, err)
			}
			return
		}
		canon, err := Format(p, seq)
		if err != nil {
			t.Fatalf("%q → %q %d does not format: %v", s, p, seq, err)
		}
		if d, _ := digitsOf(s); d != strings.ReplaceAll(canon, "-", "") {
			t.Fatalf("%q → %s is not canonical", s, canon)
		}
		p2, seq2, err := Parse(canon)
		if err != nil || p2 != p || seq2 != seq {
			t.Fatalf("%q → %s → %q %d %v", s, canon, p2, seq2, err)
		}
	})
}
