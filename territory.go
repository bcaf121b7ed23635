package markaz

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Territory levels, from the widest to the narrowest.
const (
	LevelNation      = "nation"
	LevelGovernorate = "governorate"
	LevelUnit        = "unit" // a district (markaz), city, urban district (hayy) or new city
	LevelCenter      = "center"
)

// Unit types as in the reference data.
var UnitTypes = []string{"markaz", "city", "hayy", "new_city"}

// Governorate is one of the 27 governorates, keyed by its national-ID code.
type Governorate struct {
	Code      string `json:"code" db:"code"`
	NameAr    string `json:"name_ar" db:"name_ar"`
	NameEn    string `json:"name_en" db:"name_en"`
	RetiredOn Date   `json:"retired_on" db:"retired_on"`
}

// Unit is a district or city of a governorate, with its stable code GG-NNN.
type Unit struct {
	Code      string `json:"code" db:"code"`
	GovCode   string `json:"governorate" db:"gov_code"`
	NameAr    string `json:"name_ar" db:"name_ar"`
	NameEn    string `json:"name_en" db:"name_en"`
	Type      string `json:"unit_type" db:"unit_type"`
	RetiredOn Date   `json:"retired_on" db:"retired_on"`
}

var (
	govCodeRE  = regexp.MustCompile(`^[0-9]{2}$`)
	unitCodeRE = regexp.MustCompile(`^([0-9]{2})-[0-9]{3}$`)
)

// Validate checks a unit's fields (existence of the governorate is the store's job).
func (u *Unit) Validate() error {
	var v Validator
	if v.Required("governorate", u.GovCode) && !govCodeRE.MatchString(u.GovCode) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	if u.Code != "" {
		m := unitCodeRE.FindStringSubmatch(u.Code)
		if m == nil || m[1] != u.GovCode {
			v.Add("code", "unit_code_format", nil)
		}
	}
	v.Text("name_ar", u.NameAr, 120, true)
	v.Text("name_en", u.NameEn, 120, true)
	if v.Required("unit_type", u.Type) {
		v.OneOf("unit_type", u.Type, UnitTypes...)
	}
	return v.Err()
}

// Ref locates a record in the territory tree. Gov is always set for territorial records;
// Unit and Center narrow it.
type Ref struct {
	Gov    string
	Unit   string
	Center string
}

// Scope is the set of territories a principal may reach with one permission.
type Scope struct {
	All     bool
	Govs    []string
	Units   []string
	Centers []string
}

// Empty reports whether the scope reaches nothing.
func (s Scope) Empty() bool {
	return !s.All && len(s.Govs) == 0 && len(s.Units) == 0 && len(s.Centers) == 0
}

// Contains reports whether a record at r lies inside the scope.
func (s Scope) Contains(r Ref) bool {
	if s.All {
		return true
	}
	return r.Gov != "" && slices.Contains(s.Govs, r.Gov) ||
		r.Unit != "" && slices.Contains(s.Units, r.Unit) ||
		r.Center != "" && slices.Contains(s.Centers, r.Center)
}

// ContainsGov reports whether the whole governorate lies inside the scope.
func (s Scope) ContainsGov(gov string) bool { return s.All || slices.Contains(s.Govs, gov) }

// add merges one assignment's territory into the scope.
func (s *Scope) add(a Assignment) {
	switch a.Level {
	case LevelNation:
		s.All = true
	case LevelGovernorate:
		if !slices.Contains(s.Govs, a.GovCode) {
			s.Govs = append(s.Govs, a.GovCode)
		}
	case LevelUnit:
		if !slices.Contains(s.Units, a.UnitCode) {
			s.Units = append(s.Units, a.UnitCode)
		}
	case LevelCenter:
		if !slices.Contains(s.Centers, a.CenterID) {
			s.Centers = append(s.Centers, a.CenterID)
		}
	}
}

// NormalizeSearch folds Arabic and Latin text for matching: alef forms to ا, ta marbuta
// to ه, alef maqsura to ي, drops diacritics and tatweel, maps Arabic-Indic digits to
// Latin, lowercases Latin and collapses spaces. The original text is stored beside it.
func NormalizeSearch(s string) string {
	var b strings.Builder
	space := false
	for _, r := range LatinDigits(s) {
		switch {
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			r = 'ا'
		case r == 'ة':
			r = 'ه'
		case r == 'ى':
			r = 'ي'
		case r == 'ـ' || r >= 0x064B && r <= 0x065F || r == 0x0670:
			continue
		}
		if unicode.IsSpace(r) || unicode.IsPunct(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
