// Package inspection owns the rules of the follow-up committees' work: who may sit on a
// committee and for which body, visit plans and their statuses, checklist templates
// (weighted items, versioned), how a visit's 0–100 score follows from the items of the
// template version used, findings with their category and severity, and the corrective
// action each finding carries, with the status changes its owner and the committee may
// make until it is verified and closed. It imports neither SQL nor HTTP.
//
// The scale: every checklist item is scored 0 (no / absent), 1 (partly) or 2 (yes /
// fully), a scale a committee member can apply quickly on a phone; items that measure
// something (waiting time, backlog) carry a guide saying which measure gives which
// score. A visit's score is Σ(weight × score/2) / Σ weight × 100, rounded half up to a
// whole number (see Score).
package inspection

import (
	"regexp"

	"markaz"
)

// The scale every item is scored on.
const (
	ScoreNo     = 0
	ScorePartly = 1
	ScoreYes    = 2
	MaxScore    = ScoreYes
)

// Scale lists the scores from the best, as the visit form offers them.
var Scale = []int{ScoreYes, ScorePartly, ScoreNo}

// Limits of what people type.
const (
	MaxNameLen        = 120
	MaxNoteLen        = 1000
	MaxDescriptionLen = 2000
	MaxItems          = 40
	MaxWeight         = 100
	MaxMembers        = 30
)

var (
	itemKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
	govCodeRE = regexp.MustCompile(`^[0-9]{2}$`)
)

// Place is the center a plan, visit, finding or action is about, with its names and
// the district/city and governorate it lies in.
type Place struct {
	CenterID   string `json:"center_id" db:"center_id"`
	CenterCode string `json:"center_code" db:"center_code"`
	CenterAr   string `json:"center_name_ar" db:"center_name_ar"`
	CenterEn   string `json:"center_name_en" db:"center_name_en"`
	GovCode    string `json:"governorate" db:"gov_code"`
	UnitCode   string `json:"unit" db:"unit_code"`
}

// Ref places the record at its center.
func (p *Place) Ref() markaz.Ref {
	return markaz.Ref{Gov: p.GovCode, Unit: p.UnitCode, Center: p.CenterID}
}
