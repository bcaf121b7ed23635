package payment

import (
	"strings"
	"time"

	"markaz"
)

// Till statuses: a clerk's till is open while they take cash, closed once they counted
// it, signed off once the center manager checked the count.
const (
	TillOpen      = "open"
	TillClosed    = "closed"
	TillSignedOff = "signed_off"
)

// Till is the cash one clerk took at the counter over one business day. Closing is
// final: cash taken later that day opens the clerk's next till (Seq 2, 3, …).
type Till struct {
	ID                 string      `json:"id" db:"id"`
	CenterID           string      `json:"center_id" db:"center_id"`
	GovCode            string      `json:"governorate" db:"gov_code"`
	UnitCode           string      `json:"unit" db:"unit_code"`
	ClerkID            string      `json:"clerk_id" db:"clerk_id"`
	Clerk              string      `json:"clerk" db:"clerk_username"`
	BusinessDate       markaz.Date `json:"business_date" db:"business_date"`
	Seq                int         `json:"seq" db:"seq"`
	Status             string      `json:"status" db:"status"`
	OpenedAt           time.Time   `json:"opened_at" db:"opened_at"`
	ClosedAt           *time.Time  `json:"closed_at,omitempty" db:"closed_at"`
	RecordedPiasters   int64       `json:"recorded_piasters" db:"recorded_piasters"`
	CountedPiasters    int64       `json:"counted_piasters" db:"counted_piasters"`
	DifferencePiasters int64       `json:"difference_piasters" db:"difference_piasters"`
	Explanation        string      `json:"explanation" db:"explanation"`
	SignedOffBy        string      `json:"signed_off_by,omitempty" db:"signed_off_by"`
	SignedOffAt        *time.Time  `json:"signed_off_at,omitempty" db:"signed_off_at"`
	SignOffNote        string      `json:"sign_off_note,omitempty" db:"sign_off_note"`
}

// Ref is the till's place in the territory.
func (t *Till) Ref() markaz.Ref {
	return markaz.Ref{Gov: t.GovCode, Unit: t.UnitCode, Center: t.CenterID}
}

// Closing is what a clerk declares when closing a till.
type Closing struct {
	CountedPiasters int64  `json:"counted_piasters"`
	Explanation     string `json:"explanation"`
}

// CheckClosing validates a closing against the cash recorded on the till: a count of
// zero or more, and an explanation whenever it differs from what was recorded.
func CheckClosing(recorded int64, c *Closing) error {
	c.Explanation = strings.TrimSpace(c.Explanation)
	var v markaz.Validator
	if c.CountedPiasters < 0 || c.CountedPiasters > MaxAmount {
		v.Add("counted_piasters", "out_of_range", nil)
	}
	if c.CountedPiasters != recorded && c.Explanation == "" {
		v.Add("explanation", "till_difference", map[string]any{"difference": Pounds(c.CountedPiasters - recorded)})
	} else {
		v.Text("explanation", c.Explanation, MaxReasonLength, false)
	}
	return v.Err()
}
