package backlog

import (
	"strings"
	"time"

	"markaz"
)

// Campaign statuses.
const (
	CampaignOpen   = "open"
	CampaignClosed = "closed"
)

// Limits of a campaign.
const (
	MaxCampaignName  = 200
	MaxEstimate      = 10_000_000 // files per center: far above any center's archive
	DefaultSample    = 5          // per cent of imported rows sent to verification
	MaxSamplePercent = 100
)

// Campaign is an effort to enter the paper backlog of a governorate, or of one district
// or city of it (UnitCode), between two planned dates, by its operators.
type Campaign struct {
	ID            string      `json:"id" db:"id"`
	Name          string      `json:"name" db:"name"`
	GovCode       string      `json:"governorate" db:"gov_code"`
	UnitCode      string      `json:"unit" db:"unit_code"`
	StartsOn      markaz.Date `json:"starts_on" db:"starts_on"`
	EndsOn        markaz.Date `json:"ends_on" db:"ends_on"`
	Status        string      `json:"status" db:"status"`
	SamplePercent int         `json:"sample_percent" db:"sample_percent"`
	Version       int         `json:"version" db:"version"`
	CreatedBy     string      `json:"created_by" db:"created_by"`
	CreatedAt     time.Time   `json:"created_at" db:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at" db:"updated_at"`
}

// Ref is the campaign's territory.
func (c *Campaign) Ref() markaz.Ref { return markaz.Ref{Gov: c.GovCode, Unit: c.UnitCode} }

// Covers reports whether a center lies in the campaign's territory.
func (c *Campaign) Covers(center *markaz.Center) bool {
	return center.GovCode == c.GovCode && (c.UnitCode == "" || center.UnitCode == c.UnitCode)
}

// Overlaps reports whether two campaigns' territories share a center: the same
// governorate, and either covers the whole of it or both name the same district.
func (c *Campaign) Overlaps(o *Campaign) bool {
	return c.GovCode == o.GovCode && (c.UnitCode == "" || o.UnitCode == "" || c.UnitCode == o.UnitCode)
}

// Validate normalises and checks a campaign's fields: a name, a governorate code and
// optionally a district/city code of that governorate, planned dates in order, a status
// and the sample share of imports sent to verification. Whether the territory exists is
// the store's job.
func (c *Campaign) Validate() error {
	c.Name = strings.Join(strings.Fields(c.Name), " ")
	c.GovCode = strings.TrimSpace(markaz.LatinDigits(c.GovCode))
	c.UnitCode = strings.TrimSpace(markaz.LatinDigits(c.UnitCode))
	c.Status = strings.TrimSpace(c.Status)
	if c.Status == "" {
		c.Status = CampaignOpen
	}
	var v markaz.Validator
	v.Text("name", c.Name, MaxCampaignName, true)
	if v.Required("governorate", c.GovCode) && !digitsOfLen(c.GovCode, 2) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	if c.UnitCode != "" {
		gov, num, ok := strings.Cut(c.UnitCode, "-")
		if !ok || gov != c.GovCode || !digitsOfLen(num, 3) {
			v.Add("unit", "unknown_unit", nil)
		}
	}
	if c.StartsOn.IsZero() {
		v.Add("starts_on", "required", nil)
	}
	if c.EndsOn.IsZero() {
		v.Add("ends_on", "required", nil)
	} else if !c.StartsOn.IsZero() && c.EndsOn.Before(c.StartsOn) {
		v.Add("ends_on", "ends_before_start", nil)
	}
	v.OneOf("status", c.Status, CampaignOpen, CampaignClosed)
	if c.SamplePercent < 0 || c.SamplePercent > MaxSamplePercent {
		v.Add("sample_percent", "out_of_range", nil)
	}
	return v.Err()
}

func digitsOfLen(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Estimate is the estimated number of paper files of one center in a campaign.
type Estimate struct {
	CenterID string `json:"center_id" db:"center_id"`
	Files    int    `json:"files" db:"files"`
}

// CheckEstimate validates one center's estimate (field names the center's form input).
func CheckEstimate(v *markaz.Validator, field string, files int) {
	if files < 0 || files > MaxEstimate {
		v.Add(field, "out_of_range", nil)
	}
}

// Where a record came from.
const (
	SourceImport = "import" // a row of an uploaded file: entered at once
	SourceManual = "manual" // keyed by an operator: entered once verified
)

// A record's status: a keyed file is pending until its second keying matches or a
// supervisor decides; an entered file has its request; a rejected one was refused by a
// supervisor (its legacy file number is free to be entered again, correctly).
const (
	RecordPending  = "pending"
	RecordEntered  = "entered"
	RecordRejected = "rejected"
)

// A record's verification: none (an imported row outside the sample), awaiting the
// second keying, a mismatch awaiting a supervisor, matched, or decided by a supervisor.
const (
	CheckNone     = "none"
	CheckAwaiting = "awaiting"
	CheckMismatch = "mismatch"
	CheckMatched  = "matched"
	CheckDecided  = "decided"
)

// Checks lists the verification states in order.
var Checks = []string{CheckNone, CheckAwaiting, CheckMismatch, CheckMatched, CheckDecided}

// RecordStatuses lists the record statuses in order.
var RecordStatuses = []string{RecordPending, RecordEntered, RecordRejected}

// MaxNoteLength bounds a supervisor's reason for rejecting a file.
const MaxNoteLength = 500
