// Package i18n holds every user-facing string in Arabic and English and formats numbers
// in Arabic-Indic or Latin digits. Messages live in messages/<area>.<lang>.json, one pair
// of files per area of the product, embedded; a test keeps the two languages' keys identical.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

//go:embed messages/*.json
var files embed.FS

// Langs are the supported languages; the first is the default.
var Langs = []string{"ar", "en"}

var catalog = map[string]map[string]string{}

func init() {
	for _, l := range Langs {
		catalog[l] = map[string]string{}
	}
	entries, err := files.ReadDir("messages")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		parts := strings.Split(e.Name(), ".")
		if len(parts) != 3 || catalog[parts[1]] == nil {
			panic("i18n: message file must be named <area>.<ar|en>.json: " + e.Name())
		}
		b, err := files.ReadFile("messages/" + e.Name())
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n %s: %v", e.Name(), err))
		}
		for k, v := range m {
			if _, dup := catalog[parts[1]][k]; dup {
				panic(fmt.Sprintf("i18n %s: key %s defined twice", e.Name(), k))
			}
			catalog[parts[1]][k] = v
		}
	}
}

// Lang returns l if supported, else the default (Arabic).
func Lang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if len(l) > 2 {
		l = l[:2]
	}
	if _, ok := catalog[l]; ok {
		return l
	}
	return "ar"
}

// FromAcceptLanguage picks ar or en from an Accept-Language header ("" when neither).
func FromAcceptLanguage(h string) string {
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		if strings.HasPrefix(tag, "ar") {
			return "ar"
		}
		if strings.HasPrefix(tag, "en") {
			return "en"
		}
	}
	return ""
}

// Has reports whether key exists.
func Has(key string) bool { _, ok := catalog["en"][key]; return ok }

// T returns the message for key in lang with {name} placeholders filled from args.
// A missing key returns the key itself, so a gap shows and a test catches it.
func T(lang, key string, args map[string]any) string {
	s, ok := catalog[Lang(lang)][key]
	if !ok {
		return key
	}
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	for k, v := range args {
		s = strings.ReplaceAll(s, "{"+k+"}", fmt.Sprint(v))
	}
	return s
}

// Keys lists the keys of a language, sorted.
func Keys(lang string) []string {
	var ks []string
	for k := range catalog[lang] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Dir is the text direction of a language.
func Dir(lang string) string {
	if Lang(lang) == "ar" {
		return "rtl"
	}
	return "ltr"
}

// Digits maps Latin digits in s to Arabic-Indic when digits is "arab"; a comma or point
// between two digits becomes the Arabic thousands or decimal separator, and a percent
// sign after a digit the Arabic one. Other punctuation in text is left alone.
func Digits(s, digits string) string {
	if digits != "arab" {
		return s
	}
	rs := []rune(s)
	isDigit := func(i int) bool { return i >= 0 && i < len(rs) && rs[i] >= '0' && rs[i] <= '9' }
	var b strings.Builder
	for i, r := range rs {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune('٠' + (r - '0'))
		case r == ',' && isDigit(i-1) && isDigit(i+1):
			b.WriteRune('٬')
		case r == '.' && isDigit(i-1) && isDigit(i+1):
			b.WriteRune('٫')
		case r == '%' && isDigit(i-1):
			b.WriteRune('٪')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TextDigits is Digits for sentences that may quote codes: a number standing alone
// ("at least 10 characters") follows the digits setting, while a token that mixes digits
// with letters or dashes ("SHR-ZAG-01", "13-001", "2026-03-15") is an identifier or a
// format and stays as written, so it is neither changed nor reordered.
func TextDigits(s, digits string) string {
	if digits != "arab" {
		return s
	}
	var b strings.Builder
	token := func(r rune) bool {
		return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || strings.ContainsRune("-_.,:/%", r)
	}
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if !token(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && token(rs[j]) {
			j++
		}
		t := string(rs[i:j])
		if strings.ContainsFunc(t, func(r rune) bool { return r > '9' || r == '-' || r == '/' || r == ':' }) {
			b.WriteString(t)
		} else {
			b.WriteString(Digits(t, digits))
		}
		i = j
	}
	return b.String()
}

// Int formats n with thousands separators in the chosen digits.
func Int(n int64, digits string) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	return Digits(out, digits)
}
