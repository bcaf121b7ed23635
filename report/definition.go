// Package report owns the periodic performance reports: what a report definition says
// (territory, frequency, language, formats, recipients), the report's model built from
// the indicators of package kpi and the lists the store reads (Build, a pure function),
// and its two renderings: an HTML document printed to PDF (package pdf) and an XLSX
// workbook with one sheet per section (package sheet). The store keeps definitions,
// generated reports and deliveries; the worker generates them on schedule.
package report

import (
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/kpi"
)

// Frequencies of a definition.
const (
	Weekly     = "weekly"
	Monthly    = "monthly"
	Quarterly  = "quarterly"
	FiscalYear = "fiscal_year"
)

// Frequencies lists them.
var Frequencies = []string{Weekly, Monthly, Quarterly, FiscalYear}

// StepOf is the kpi step of a frequency: weeks Saturday–Friday, quarters and years fiscal.
func StepOf(freq string) kpi.Step {
	return map[string]kpi.Step{Weekly: kpi.StepWeek, Monthly: kpi.StepMonth, Quarterly: kpi.StepQuarter,
		FiscalYear: kpi.StepYear}[freq]
}

// FrequencyOf is the frequency of a kpi step ("" for a step no definition uses).
func FrequencyOf(s kpi.Step) string {
	return map[kpi.Step]string{kpi.StepWeek: Weekly, kpi.StepMonth: Monthly, kpi.StepQuarter: Quarterly,
		kpi.StepYear: FiscalYear}[s]
}

// Formats a report is rendered in.
const (
	PDF  = "pdf"
	XLSX = "xlsx"
)

// Formats lists them.
var Formats = []string{PDF, XLSX}

// Recipient kinds: who receives a definition's reports by the role they hold. Each is
// one role of markaz, held at some levels, by an assignment whose territory contains
// the report's territory (so nobody receives a report of a territory outside their own):
//
//   - heads: district/city heads (role head held at a district/city);
//   - governor: the governor (role head held at a governorate);
//   - committee: follow-up committee members (role inspector, of a governorate or national);
//   - ministry: the ministry (role ministry, national).
//
// A district head thus receives the reports of their district and its centers, not
// those of the governorate; a governor those of the governorate and everything in it.
const (
	RecipientHeads     = "heads"
	RecipientGovernor  = "governor"
	RecipientCommittee = "committee"
	RecipientMinistry  = "ministry"
)

// Recipients lists the kinds.
var Recipients = []string{RecipientHeads, RecipientGovernor, RecipientCommittee, RecipientMinistry}

// recipientRoles maps a kind to its role and the levels the role is held at.
var recipientRoles = map[string]struct {
	role   string
	levels []string
}{
	RecipientHeads:     {markaz.RoleHead, []string{markaz.LevelUnit}},
	RecipientGovernor:  {markaz.RoleHead, []string{markaz.LevelGovernorate}},
	RecipientCommittee: {markaz.RoleInspector, []string{markaz.LevelGovernorate, markaz.LevelNation}},
	RecipientMinistry:  {markaz.RoleMinistry, []string{markaz.LevelNation}},
}

// RecipientRole returns the role and levels of a recipient kind.
func RecipientRole(kind string) (role string, levels []string) {
	r := recipientRoles[kind]
	return r.role, r.levels
}

// Selects reports whether holding assignment a makes its user a recipient of kind
// (the territory is checked apart, by scope).
func Selects(kind string, a markaz.Assignment) bool {
	r, ok := recipientRoles[kind]
	return ok && a.Role == r.role && slices.Contains(r.levels, a.Level)
}

// Definition is what reports to generate for a territory, how often, in which language
// and formats, and for whom.
type Definition struct {
	ID        string       `json:"id"`
	Level     string       `json:"level"`
	Code      string       `json:"code"`
	NameAr    string       `json:"name_ar,omitempty"`
	NameEn    string       `json:"name_en,omitempty"`
	Frequency string       `json:"frequency"`
	Lang      string       `json:"lang"`
	Formats   []string     `json:"formats"`
	Roles     []string     `json:"recipient_roles"`
	Users     []string     `json:"recipient_users"` // usernames
	StartsOn  markaz.Date  `json:"starts_on"`
	RetiredOn *markaz.Date `json:"retired_on,omitempty"`
	Version   int          `json:"version"`
	CreatedBy string       `json:"created_by,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// Validate normalises and checks a definition's shape (whether the territory and users
// exist and lie in scope is the store's job).
func (d *Definition) Validate() error {
	d.Level, d.Code = strings.TrimSpace(d.Level), strings.TrimSpace(markaz.LatinDigits(d.Code))
	d.Frequency, d.Lang = strings.TrimSpace(d.Frequency), strings.TrimSpace(d.Lang)
	if d.Level == kpi.LevelNation {
		d.Code = ""
	}
	var v markaz.Validator
	if v.Required("level", d.Level) {
		v.OneOf("level", d.Level, kpi.Levels...)
	}
	if d.Level != kpi.LevelNation {
		v.Required("code", d.Code)
	}
	if v.Required("frequency", d.Frequency) {
		v.OneOf("frequency", d.Frequency, Frequencies...)
	}
	if v.Required("lang", d.Lang) {
		v.OneOf("lang", d.Lang, "ar", "en")
	}
	d.Formats = clean(d.Formats)
	if len(d.Formats) == 0 {
		v.Add("formats", "required", nil)
	}
	for _, f := range d.Formats {
		if !slices.Contains(Formats, f) {
			v.Add("formats", "one_of", map[string]any{"allowed": strings.Join(Formats, ", ")})
			break
		}
	}
	d.Roles = clean(d.Roles)
	for _, r := range d.Roles {
		if !slices.Contains(Recipients, r) {
			v.Add("recipient_roles", "one_of", map[string]any{"allowed": strings.Join(Recipients, ", ")})
			break
		}
	}
	d.Users = clean(d.Users)
	for i, u := range d.Users {
		d.Users[i] = strings.ToLower(u)
	}
	if len(d.Roles) == 0 && len(d.Users) == 0 {
		v.Add("recipient_roles", "no_recipients", nil)
	}
	if len(d.Users) > 100 {
		v.Add("recipient_users", "too_many", map[string]any{"max": 100})
	}
	return v.Err()
}

// clean trims, drops empty values and repeats, keeping the first order.
func clean(in []string) []string {
	out := []string{}
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Due returns the period a definition's report is due for on day today: the last whole
// period of its frequency that ended before today, if it ends on or after the
// definition's start (nothing is generated backwards) and the definition is not retired.
func (d *Definition) Due(today markaz.Date) (from, to markaz.Date, ok bool) {
	step := StepOf(d.Frequency)
	if step == "" || d.RetiredOn != nil && !today.Before(*d.RetiredOn) {
		return markaz.Date{}, markaz.Date{}, false
	}
	from, to = kpi.Previous(step, today)
	return from, to, !to.Before(d.StartsOn)
}
