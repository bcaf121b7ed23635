package calendar

import (
	"strings"
	"time"
	"unicode"

	"markaz"
)

// HolidayHorizon is how many years ahead of today a holiday may be declared.
const HolidayHorizon = 10

// Holiday is an official day off: national (GovCode ""), of one governorate, or of one
// center (CenterID, with GovCode its governorate). It is never deleted: removing it
// retires it (RetiredAt, RetiredBy, RetireReason).
type Holiday struct {
	ID           string      `json:"id" db:"id"`
	Date         markaz.Date `json:"date" db:"date"`
	NameAr       string      `json:"name_ar" db:"name_ar"`
	NameEn       string      `json:"name_en" db:"name_en"`
	GovCode      string      `json:"governorate" db:"gov_code"`
	CenterID     string      `json:"center_id,omitempty" db:"center_id"`
	CreatedBy    string      `json:"created_by" db:"created_by"`
	CreatedAt    time.Time   `json:"created_at" db:"created_at"`
	RetiredAt    *time.Time  `json:"retired_at" db:"retired_at"`
	RetiredBy    string      `json:"retired_by,omitempty" db:"retired_by"`
	RetireReason string      `json:"retire_reason,omitempty" db:"retire_reason"`
}

// Ref places the holiday in the territory: the national chain, its governorate's or its
// center's.
func (h *Holiday) Ref() markaz.Ref { return markaz.Ref{Gov: h.GovCode, Center: h.CenterID} }

// Check normalises the holiday's text fields and adds its problems to v (fields date,
// name_ar, name_en): a date from markaz.ProgrammeStart to HolidayHorizon years after
// today, an Arabic name in Arabic letters and an English name without them. A date
// problem already in v (one that did not parse) is not judged again. Whether the
// governorate exists is the store's job.
func (h *Holiday) Check(v *markaz.Validator, today markaz.Date) {
	h.NameAr, h.NameEn = strings.TrimSpace(h.NameAr), strings.TrimSpace(h.NameEn)
	h.GovCode = strings.TrimSpace(markaz.LatinDigits(h.GovCode))
	h.CenterID = strings.TrimSpace(h.CenterID)
	last := markaz.Date{Y: today.Y + HolidayHorizon, M: time.December, D: 31}
	switch {
	case v.Has("date"):
	case h.Date.IsZero():
		v.Add("date", "required", nil)
	case h.Date.Before(markaz.ProgrammeStart):
		v.Add("date", "date_too_early", map[string]any{"min": markaz.ProgrammeStart.String()})
	case h.Date.After(last):
		v.Add("date", "date_too_late", map[string]any{"max": last.String()})
	}
	v.Text("name_ar", h.NameAr, 120, true)
	if !v.Has("name_ar") && !strings.ContainsFunc(h.NameAr, arabicLetter) {
		v.Add("name_ar", "needs_arabic", nil)
	}
	v.Text("name_en", h.NameEn, 120, true)
	if !v.Has("name_en") && strings.ContainsFunc(h.NameEn, arabicLetter) {
		v.Add("name_en", "no_arabic", nil)
	}
}

func arabicLetter(r rune) bool { return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) }
