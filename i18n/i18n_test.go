package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestLanguagesHaveTheSameKeys(t *testing.T) {
	ar, en := Keys("ar"), Keys("en")
	in := func(ks []string, k string) bool { i := sort.SearchStrings(ks, k); return i < len(ks) && ks[i] == k }
	for _, k := range ar {
		if !in(en, k) {
			t.Errorf("%s is in Arabic but not English", k)
		}
	}
	for _, k := range en {
		if !in(ar, k) {
			t.Errorf("%s is in English but not Arabic", k)
		}
		if T("ar", k, nil) == "" || T("en", k, nil) == "" {
			t.Errorf("%s is empty", k)
		}
	}
}

// Every field error code and message key used in Go code exists in the catalog.
func TestUsedKeysExist(t *testing.T) {
	addRE := regexp.MustCompile(`\.Add\("[^"]+", "([a-z_]+)"`)
	fieldRE := regexp.MustCompile(`Code: "([a-z_]+)"\}`)
	keyRE := regexp.MustCompile(`Key: "([a-z_]+\.[a-z_.]+)"`)
	root := filepath.Join("..")
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, m := range addRE.FindAllStringSubmatch(string(b), -1) {
			if !Has("field." + m[1]) {
				t.Errorf("%s: field.%s has no message", path, m[1])
			}
		}
		for _, m := range fieldRE.FindAllStringSubmatch(string(b), -1) {
			if !Has("field." + m[1]) {
				t.Errorf("%s: field.%s has no message", path, m[1])
			}
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			if !Has(m[1]) {
				t.Errorf("%s: %s has no message", path, m[1])
			}
		}
		return nil
	})
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		n      int64
		digits string
		want   string
	}{
		{1234567, "latn", "1,234,567"},
		{1234567, "arab", "١٬٢٣٤٬٥٦٧"},
		{-5, "arab", "-٥"},
		{0, "latn", "0"},
		{999, "latn", "999"},
		{1000, "latn", "1,000"},
	} {
		if got := Int(c.n, c.digits); got != c.want {
			t.Errorf("Int(%d, %s) = %q, want %q", c.n, c.digits, got, c.want)
		}
	}
	for in, want := range map[string]string{
		"E.g. 2023, for FY 2023–2024.": "E.g. ٢٠٢٣, for FY ٢٠٢٣–٢٠٢٤.",
		"30.5":                         "٣٠٫٥",
		"1,234":                        "١٬٢٣٤",
		"50%":                          "٥٠٪",
		"Must be a number.":            "Must be a number.",
	} {
		if got := Digits(in, "arab"); got != want {
			t.Errorf("Digits(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"من 2 إلى 40 حرفًا.":     "من ٢ إلى ٤٠ حرفًا.",
		"مثل SHR-ZAG-01.":        "مثل SHR-ZAG-01.",
		"الرمز 13-001 أو 13.":    "الرمز 13-001 أو ١٣.",
		"قبل 2026-03-15 (50%).":  "قبل 2026-03-15 (٥٠٪).",
		"010 أو 011 ثم 8 أرقام.": "٠١٠ أو ٠١١ ثم ٨ أرقام.",
		"HH:MM 24":               "HH:MM ٢٤",
	} {
		if got := TextDigits(in, "arab"); got != want {
			t.Errorf("TextDigits(%q) = %q, want %q", in, got, want)
		}
	}
	if FromAcceptLanguage("en-US,en;q=0.9") != "en" || FromAcceptLanguage("ar-EG") != "ar" || FromAcceptLanguage("fr") != "" {
		t.Error("Accept-Language")
	}
	if Lang("xx") != "ar" || Dir("en") != "ltr" || Dir("ar") != "rtl" {
		t.Error("defaults")
	}
	if T("en", "error.locked", map[string]any{"minutes": 15}) != "Too many wrong attempts. This account is locked; try again in 15 minutes." {
		t.Error("placeholder")
	}
}
