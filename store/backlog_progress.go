package store

// Backlog progress: the figures of backlog.Figures per campaign, governorate, district
// and center, the daily trend and each operator's output, computed in SQL over the
// registry (grouped by campaign and center) and summed up the territory in Go.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/backlog"
)

// TrendDays is how many days the daily trend covers, up to today.
const TrendDays = 30

// AreaProgress is the progress of one place (a governorate, district or center) or
// campaign.
type AreaProgress struct {
	Code   string `json:"code"`
	ID     string `json:"id,omitempty"`
	NameAr string `json:"name_ar"`
	NameEn string `json:"name_en"`
	Parent string `json:"parent,omitempty"` // the district of a center, the governorate of a district
	backlog.Figures
	Share int `json:"share_done_percent"`
}

// DayProgress is one day of the trend.
type DayProgress struct {
	Day      markaz.Date `json:"day"`
	Entered  int         `json:"entered"`
	Verified int         `json:"verified"`
}

// Progress is the progress of what a ProgressFilter selects.
type Progress struct {
	Governorate string           `json:"governorate,omitempty"`
	Campaign    *CampaignRow     `json:"campaign,omitempty"`
	Today       markaz.Date      `json:"today"`
	Total       AreaProgress     `json:"total"`
	Campaigns   []AreaProgress   `json:"campaigns"`
	Govs        []AreaProgress   `json:"governorates,omitempty"`
	Districts   []AreaProgress   `json:"districts"`
	Centers     []AreaProgress   `json:"centers"`
	Daily       []DayProgress    `json:"daily"`
	Operators   []backlog.Output `json:"operators"`
}

// ProgressFilter selects one campaign, the campaigns of one governorate, or (neither)
// every campaign the reader may see.
type ProgressFilter struct {
	Campaign string
	Gov      string
}

// BacklogProgress computes the progress f selects as p may see it: readers of a
// territory see its campaigns (a district's head, the centers of the district);
// operators see the campaigns they key for.
func (db *DB) BacklogProgress(ctx context.Context, p *markaz.Principal, f ProgressFilter) (*Progress, error) {
	out := &Progress{Governorate: f.Gov, Campaigns: []AreaProgress{}, Districts: []AreaProgress{},
		Centers: []AreaProgress{}, Daily: []DayProgress{}, Operators: []backlog.Output{}}
	err := db.Snapshot(ctx, func(tx *Tx) error {
		out.Today = tx.Today()
		camps, limit, err := tx.progressCampaigns(p, f)
		if err != nil {
			return err
		}
		if f.Campaign != "" && len(camps) == 1 {
			out.Campaign = &camps[0]
		}
		return tx.fillProgress(out, camps, limit)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// progressCampaigns returns the campaigns f selects that p may read, and the scope the
// figures are limited to (nil: whole campaigns).
func (tx *Tx) progressCampaigns(p *markaz.Principal, f ProgressFilter) ([]CampaignRow, *markaz.Scope, error) {
	if f.Campaign != "" {
		c, a, err := tx.CampaignFor(p, f.Campaign, nil)
		if err != nil {
			return nil, nil, err
		}
		var limit *markaz.Scope
		if read := p.Scope(markaz.PermBacklogRead); !a.Manage && !a.Member && !read.Contains(c.Ref()) {
			limit = &read
		}
		return []CampaignRow{*c}, limit, nil
	}
	read := p.Scope(markaz.PermBacklogRead)
	if f.Gov != "" {
		if err := checkGovernorate(tx, f.Gov); err != nil {
			return nil, nil, err
		}
		if !campaignReaches(read, &backlog.Campaign{GovCode: f.Gov}) {
			return nil, nil, markaz.ErrForbidden
		}
	} else if read.Empty() {
		return nil, nil, markaz.ErrForbidden
	}
	w := &where{}
	if f.Gov != "" {
		w.add(`c.gov_code = ?`, f.Gov)
	}
	var all []CampaignRow
	if err := tx.Select(&all, campaignSelect+w.String()+` ORDER BY c.gov_code, c.starts_on DESC, c.id`, w.args...); err != nil {
		return nil, nil, err
	}
	var out []CampaignRow
	limited := false
	for _, c := range all {
		if !campaignReaches(read, &c.Campaign) {
			continue
		}
		if !read.Contains(c.Ref()) {
			limited = true
		}
		out = append(out, c)
	}
	if limited {
		return out, &read, nil
	}
	return out, nil, nil
}

// progressRow is one campaign × center's figures.
type progressRow struct {
	Campaign string `db:"campaign_id"`
	Center   string `db:"center_id"`
	Entered  int    `db:"entered"`
	Verified int    `db:"verified"`
	Pending  int    `db:"pending"`
	Rejected int    `db:"rejected"`
}

// fillProgress computes out for campaigns camps, limited to the centers of limit.
func (tx *Tx) fillProgress(out *Progress, camps []CampaignRow, limit *markaz.Scope) error {
	if len(camps) == 0 {
		out.Total.Code = out.Governorate
		return nil
	}
	ids := make([]string, len(camps))
	for i, c := range camps {
		ids[i] = c.ID
	}
	in, args := inList(ids)
	scope := func(w *where, prefix string) {
		if limit != nil {
			w.scope(*limit, prefix+"gov_code", prefix+"unit_code", prefix+"center_id")
		}
	}
	w := &where{}
	w.add(`b.campaign_id `+in, args...)
	scope(w, "b.")
	var rows []progressRow
	if err := tx.Select(&rows, `SELECT b.campaign_id, b.center_id,
		SUM(CASE WHEN b.status = 'entered' THEN 1 ELSE 0 END) AS entered,
		SUM(CASE WHEN b.status = 'entered' AND b.check_status IN ('matched', 'decided') THEN 1 ELSE 0 END) AS verified,
		SUM(CASE WHEN b.status = 'pending' OR b.status = 'entered' AND b.check_status IN ('awaiting', 'mismatch')
			THEN 1 ELSE 0 END) AS pending,
		SUM(CASE WHEN b.status = 'rejected' THEN 1 ELSE 0 END) AS rejected
		FROM backlog_records b`+w.String()+` GROUP BY b.campaign_id, b.center_id`, w.args...); err != nil {
		return err
	}
	// Rejected rows of files not entered since, each file once.
	w = &where{}
	w.add(`e.campaign_id `+in+` AND e.resolved_at IS NULL`, args...)
	if limit != nil {
		w.add(`e.center_id IN (SELECT id FROM centers ce`+scopeWhere(*limit, "ce.").String()+`)`, scopeWhere(*limit, "ce.").args...)
	}
	var rejected []progressRow
	if err := tx.Select(&rejected, `SELECT e.campaign_id, e.center_id, COUNT(DISTINCT e.row_key) AS rejected
		FROM backlog_import_errors e`+w.String()+` GROUP BY e.campaign_id, e.center_id`, w.args...); err != nil {
		return err
	}
	rows = append(rows, rejected...)
	var ests []progressRow // Entered holds the estimate
	w = &where{}
	w.add(`e.campaign_id `+in, args...)
	if limit != nil {
		w.add(`e.center_id IN (SELECT id FROM centers ce`+scopeWhere(*limit, "ce.").String()+`)`, scopeWhere(*limit, "ce.").args...)
	}
	if err := tx.Select(&ests, `SELECT e.campaign_id, e.center_id, e.files AS entered FROM backlog_estimates e`+
		w.String(), w.args...); err != nil {
		return err
	}
	figs := map[[2]string]*backlog.Figures{}
	at := func(c, ce string) *backlog.Figures {
		k := [2]string{c, ce}
		if figs[k] == nil {
			figs[k] = &backlog.Figures{}
		}
		return figs[k]
	}
	for _, r := range rows {
		at(r.Campaign, r.Center).Add(backlog.Figures{Entered: r.Entered, Verified: r.Verified, Pending: r.Pending,
			Rejected: r.Rejected})
	}
	for _, e := range ests {
		at(e.Campaign, e.Center).Estimated += e.Entered
	}
	if err := tx.rollUp(out, camps, figs); err != nil {
		return err
	}
	if err := tx.progressTrend(out, in, args, scope); err != nil {
		return err
	}
	return tx.progressOperators(out, in, args, scope)
}

// scopeWhere is a where holding only s's territorial condition on columns with prefix.
func scopeWhere(s markaz.Scope, prefix string) *where {
	w := &where{}
	w.scope(s, prefix+"gov_code", prefix+"unit_code", prefix+"id")
	return w
}

// rollUp sums the campaign × center figures into campaigns, centers, districts,
// governorates and the total (a row without a center counts in its campaign,
// governorate and the total only).
func (tx *Tx) rollUp(out *Progress, camps []CampaignRow, figs map[[2]string]*backlog.Figures) error {
	var centerIDs []string
	for k := range figs {
		if k[1] != "" && !slices.Contains(centerIDs, k[1]) {
			centerIDs = append(centerIDs, k[1])
		}
	}
	names := map[string]GrantCenter{}
	for len(centerIDs) > 0 {
		n := min(len(centerIDs), 500)
		in, args := inList(centerIDs[:n])
		var ps []GrantCenter
		if err := tx.Select(&ps, `SELECT ce.id, ce.code, ce.name_ar, ce.name_en, ce.gov_code, ce.unit_code,
			u.name_ar AS unit_name_ar, u.name_en AS unit_name_en, g.name_ar AS gov_name_ar, g.name_en AS gov_name_en
			FROM centers ce JOIN units u ON u.code = ce.unit_code JOIN governorates g ON g.code = ce.gov_code
			WHERE ce.id `+in, args...); err != nil {
			return err
		}
		for _, p := range ps {
			names[p.ID] = p
		}
		centerIDs = centerIDs[n:]
	}
	type acc struct {
		AreaProgress
		order string
	}
	centers, units, govs := map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	get := func(m map[string]*acc, key string, a AreaProgress) *acc {
		if m[key] == nil {
			m[key] = &acc{AreaProgress: a, order: a.Code}
		}
		return m[key]
	}
	campaignGov := map[string]CampaignRow{}
	for _, c := range camps {
		campaignGov[c.ID] = c
	}
	var total backlog.Figures
	for _, c := range camps {
		var f backlog.Figures
		for k, v := range figs {
			if k[0] == c.ID {
				f.Add(*v)
			}
		}
		total.Add(f)
		out.Campaigns = append(out.Campaigns, AreaProgress{Code: c.GovCode, ID: c.ID, NameAr: c.Name, NameEn: c.Name,
			Parent: c.UnitCode, Figures: f, Share: f.SharePercent()})
		g := get(govs, c.GovCode, AreaProgress{Code: c.GovCode, NameAr: c.GovNameAr, NameEn: c.GovNameEn})
		g.Figures.Add(f)
	}
	for k, v := range figs {
		p, ok := names[k[1]]
		if !ok {
			continue
		}
		get(centers, p.ID, AreaProgress{Code: p.Code, ID: p.ID, NameAr: p.NameAr, NameEn: p.NameEn, Parent: p.UnitCode}).
			Figures.Add(*v)
		get(units, p.UnitCode, AreaProgress{Code: p.UnitCode, NameAr: p.UnitNameAr, NameEn: p.UnitNameEn,
			Parent: p.GovCode}).Figures.Add(*v)
	}
	list := func(m map[string]*acc) []AreaProgress {
		out := []AreaProgress{}
		for _, a := range m {
			a.Share = a.Figures.SharePercent()
			out = append(out, a.AreaProgress)
		}
		slices.SortFunc(out, func(a, b AreaProgress) int { return strings.Compare(a.Code, b.Code) })
		return out
	}
	out.Centers, out.Districts = list(centers), list(units)
	if out.Governorate == "" && out.Campaign == nil {
		out.Govs = list(govs)
	}
	out.Total = AreaProgress{Code: out.Governorate, Figures: total, Share: total.SharePercent()}
	return nil
}

// progressTrend fills the entered and verified files of each of the last TrendDays days.
func (tx *Tx) progressTrend(out *Progress, in string, args []any, scope func(*where, string)) error {
	from := out.Today.AddDays(-(TrendDays - 1))
	byDay := map[string]*DayProgress{}
	for i := range TrendDays {
		d := from.AddDays(i)
		out.Daily = append(out.Daily, DayProgress{Day: d})
	}
	for i := range out.Daily {
		byDay[out.Daily[i].Day.String()] = &out.Daily[i]
	}
	for _, q := range []struct {
		col, cond string
		add       func(*DayProgress, int)
	}{
		{"counted_on", `b.status = 'entered'`, func(d *DayProgress, n int) { d.Entered += n }},
		{"checked_on", `b.status = 'entered' AND b.check_status IN ('matched', 'decided')`,
			func(d *DayProgress, n int) { d.Verified += n }},
	} {
		w := &where{}
		w.add(`b.campaign_id `+in, args...)
		w.add(`b.`+q.col+` >= ? AND `+q.cond, from)
		scope(w, "b.")
		var rows []struct {
			Day markaz.Date `db:"day"`
			N   int         `db:"n"`
		}
		if err := tx.Select(&rows, `SELECT b.`+q.col+` AS day, COUNT(*) AS n FROM backlog_records b`+w.String()+
			` GROUP BY b.`+q.col, w.args...); err != nil {
			return err
		}
		for _, r := range rows {
			if d := byDay[r.Day.String()]; d != nil {
				q.add(d, r.N)
			}
		}
	}
	return nil
}

// progressOperators fills each operator's output: first keyings and second keyings by
// hand, per day (see backlog.Outputs).
func (tx *Tx) progressOperators(out *Progress, in string, args []any, scope func(*where, string)) error {
	var ks []backlog.Keying
	for _, q := range []struct{ by, name, on, at, cond string }{
		{"entered_by", "entered_name", "entered_on", "entered_at", `b.source = 'manual'`},
		{"checked_by", "checked_name", "checked_on", "checked_at", `b.checked_by <> ''`},
	} {
		w := &where{}
		w.add(`b.campaign_id `+in+` AND `+q.cond, args...)
		scope(w, "b.")
		var rows []struct {
			UserID   string      `db:"user_id"`
			Username string      `db:"username"`
			Day      markaz.Date `db:"day"`
			N        int         `db:"n"`
			First    anyTime     `db:"first"`
			Last     anyTime     `db:"last"`
		}
		if err := tx.Select(&rows, fmt.Sprintf(`SELECT b.%[1]s AS user_id, b.%[2]s AS username, b.%[3]s AS day,
			COUNT(*) AS n, MIN(b.%[4]s) AS first, MAX(b.%[4]s) AS last FROM backlog_records b%[5]s
			GROUP BY b.%[1]s, b.%[2]s, b.%[3]s`, q.by, q.name, q.on, q.at, w.String()), w.args...); err != nil {
			return err
		}
		for _, r := range rows {
			ks = append(ks, backlog.Keying{UserID: r.UserID, Username: r.Username, Day: r.Day, Count: r.N,
				First: r.First.Time, Last: r.Last.Time})
		}
	}
	// One keying day per operator and day, first and second keyings together.
	merged := map[string]*backlog.Keying{}
	var order []string
	for _, k := range ks {
		key := k.UserID + "\x1f" + k.Day.String()
		m, ok := merged[key]
		if !ok {
			kk := k
			merged[key] = &kk
			order = append(order, key)
			continue
		}
		m.Count += k.Count
		if k.First.Before(m.First) {
			m.First = k.First
		}
		if k.Last.After(m.Last) {
			m.Last = k.Last
		}
	}
	slices.Sort(order)
	days := make([]backlog.Keying, 0, len(order))
	for _, key := range order {
		days = append(days, *merged[key])
	}
	out.Operators = backlog.Outputs(days)
	slices.SortStableFunc(out.Operators, func(a, b backlog.Output) int { return strings.Compare(a.Username, b.Username) })
	return nil
}

// anyTime scans an instant that an aggregate returns: a time on PostgreSQL, the stored
// text on SQLite (MIN and MAX lose the column's declared type there).
type anyTime struct{ time.Time }

func (t *anyTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v
		return nil
	case []byte:
		return t.parse(string(v))
	case string:
		return t.parse(v)
	case nil:
		t.Time = time.Time{}
		return nil
	}
	return fmt.Errorf("cannot scan %T into a time", src)
}

func (t *anyTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("cannot read time %q", s)
}
