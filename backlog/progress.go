package backlog

import (
	"time"

	"markaz"
)

// Figures are the progress of a campaign, or of a territory across its campaigns:
//   - Estimated: the paper files the campaigns expect (the sum of the centers' estimates);
//   - Entered: files that count as entered — imported rows at once, keyed files once a
//     second operator's blind keying matched or a supervisor decided (each file once);
//   - Verified: entered files whose key fields a second keying confirmed (or a supervisor
//     decided after a mismatch): every keyed file, and the sample of imported rows;
//   - Pending: keyed files waiting for their second keying or a supervisor's decision,
//     and sampled imported rows waiting for verification;
//   - Rejected: files not entered because of a problem — rejected rows of uploaded files
//     whose file has not been entered since (a row rejected by several uploads counts
//     once), and keyed files a supervisor rejected.
type Figures struct {
	Estimated int `json:"estimated"`
	Entered   int `json:"entered"`
	Verified  int `json:"verified"`
	Pending   int `json:"pending_verification"`
	Rejected  int `json:"rejected"`
}

// Add adds o's figures to f.
func (f *Figures) Add(o Figures) {
	f.Estimated += o.Estimated
	f.Entered += o.Entered
	f.Verified += o.Verified
	f.Pending += o.Pending
	f.Rejected += o.Rejected
}

// SharePercent is the entered share of the estimate in whole per cent (rounded; above 100
// when more files turned up than estimated; 0 without an estimate).
func (f Figures) SharePercent() int {
	if f.Estimated <= 0 {
		return 0
	}
	return (f.Entered*100 + f.Estimated/2) / f.Estimated
}

// Keying is one operator's keying on one day: how many files they keyed (first entries
// and blind second keyings alike), and the first and last keying's instants.
type Keying struct {
	UserID      string
	Username    string
	Day         markaz.Date
	Count       int
	First, Last time.Time
}

// Output is an operator's output over a period.
type Output struct {
	UserID   string  `json:"user_id"`
	Username string  `json:"username"`
	Days     int     `json:"days"`
	Keyed    int     `json:"keyed"`
	Hours    float64 `json:"hours"`
	PerHour  float64 `json:"records_per_hour"`
}

// KeyingAllowance is the time counted for the last keying of a working day, which has
// no later keying to end it; a day of one keying counts this long.
const KeyingAllowance = time.Minute

// Outputs sums each operator's keyings: records per hour is the files keyed divided by
// the hours worked, where a day's hours run from its first keying to its last plus
// KeyingAllowance. Only keying by hand counts: imported rows are the file's work, not the
// operator's. Operators come out in the order of their first keying in ks.
func Outputs(ks []Keying) []Output {
	idx := map[string]int{}
	var out []Output
	for _, k := range ks {
		i, ok := idx[k.UserID]
		if !ok {
			i = len(out)
			idx[k.UserID] = i
			out = append(out, Output{UserID: k.UserID, Username: k.Username})
		}
		o := &out[i]
		o.Days++
		o.Keyed += k.Count
		o.Hours += (k.Last.Sub(k.First) + KeyingAllowance).Hours()
	}
	for i := range out {
		if out[i].Hours > 0 {
			out[i].PerHour = float64(out[i].Keyed) / out[i].Hours
		}
	}
	return out
}
