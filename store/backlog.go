package store

// Backlog campaigns: a governorate's (or one district's) effort to enter its paper
// files, with the estimated files per center and the operators who key them. Who may do
// what:
//   - backlog.manage over the campaign's territory (the governorate's supervisor, an
//     administrator) creates and edits campaigns, sets estimates, adds and removes
//     operators, imports files and decides mismatches;
//   - backlog.read over it (and its districts' heads, for their districts) reads
//     campaigns and their progress;
//   - an operator (backlog.enter) reaches a campaign only while a member of it, and
//     within it only the centers its own assignment covers.
// Two open campaigns never share a center, so a center's files have one open campaign.

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"markaz"
	"markaz/backlog"
)

const campaignCols = `c.id, c.name, c.gov_code, c.unit_code, c.starts_on, c.ends_on, c.status, c.sample_percent,
	c.version, c.created_by, c.created_at, c.updated_at`

const campaignFrom = ` FROM backlog_campaigns c JOIN governorates g ON g.code = c.gov_code
	LEFT JOIN units u ON u.code = c.unit_code`

// CampaignRow is a campaign with the names of its territory.
type CampaignRow struct {
	backlog.Campaign
	GovNameAr  string `json:"governorate_name_ar" db:"gov_name_ar"`
	GovNameEn  string `json:"governorate_name_en" db:"gov_name_en"`
	UnitNameAr string `json:"unit_name_ar" db:"unit_name_ar"`
	UnitNameEn string `json:"unit_name_en" db:"unit_name_en"`
	// Access is what the reader may do in the campaign (filled by Campaigns).
	Access CampaignAccess `json:"access" db:"-"`
}

const campaignSelect = `SELECT ` + campaignCols + `, g.name_ar AS gov_name_ar, g.name_en AS gov_name_en,
	COALESCE(u.name_ar, '') AS unit_name_ar, COALESCE(u.name_en, '') AS unit_name_en` + campaignFrom

// Campaign loads one campaign (ErrNotFound when there is none), without access checks.
func (tx *Tx) Campaign(id string) (*CampaignRow, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	var c CampaignRow
	if err := tx.Get(&c, campaignSelect+` WHERE c.id = ?`, id); err != nil {
		return nil, err
	}
	return &c, nil
}

// IsOperator reports whether user is a current operator of the campaign.
func (tx *Tx) IsOperator(campaignID, userID string) (bool, error) {
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM backlog_operators WHERE campaign_id = ? AND user_id = ? AND removed_at IS NULL`,
		campaignID, userID)
	return n > 0, err
}

// campaignReaches reports whether scope reaches (part of) a campaign: its territory, or a
// district of the governorate a governorate-wide campaign covers.
func campaignReaches(s markaz.Scope, c *backlog.Campaign) bool {
	if s.Contains(c.Ref()) {
		return true
	}
	return c.UnitCode == "" && slices.ContainsFunc(s.Units, func(u string) bool { return strings.HasPrefix(u, c.GovCode+"-") })
}

// CampaignAccess is what a principal may do in one campaign.
type CampaignAccess struct {
	Read   bool `json:"read"`   // see the campaign and its progress
	Manage bool `json:"manage"` // backlog.manage over its whole territory
	Member bool `json:"member"` // a current operator holding backlog.enter
	Import bool `json:"import"` // manage, or a member whose backlog.enter covers the whole territory
}

// Access says what p may do in campaign c.
func (tx *Tx) Access(p *markaz.Principal, c *backlog.Campaign) (CampaignAccess, error) {
	var a CampaignAccess
	if p == nil {
		return CampaignAccess{Read: true, Manage: true, Import: true}, nil // the system (command line)
	}
	a.Manage = p.Allowed(markaz.PermBacklogManage, c.Ref())
	if p.Can(markaz.PermBacklogEnter) {
		m, err := tx.IsOperator(c.ID, p.UserID)
		if err != nil {
			return a, err
		}
		a.Member = m
	}
	a.Read = a.Manage || a.Member || campaignReaches(p.Scope(markaz.PermBacklogRead), c)
	a.Import = a.Manage || a.Member && p.Allowed(markaz.PermBacklogEnter, c.Ref())
	return a, nil
}

// CampaignFor loads campaign id for p and checks it may do what need asks of the access
// (ErrNotFound for a campaign p cannot even read, ErrForbidden for one it reads but may
// not act on this way).
func (tx *Tx) CampaignFor(p *markaz.Principal, id string, need func(CampaignAccess) bool) (*CampaignRow, CampaignAccess, error) {
	c, err := tx.Campaign(id)
	if err != nil {
		return nil, CampaignAccess{}, err
	}
	a, err := tx.Access(p, &c.Campaign)
	if err != nil {
		return nil, a, err
	}
	if !a.Read {
		return nil, a, markaz.ErrNotFound
	}
	if need != nil && !need(a) {
		return nil, a, markaz.ErrForbidden
	}
	return c, a, nil
}

// Access predicates for CampaignFor.
var (
	CanManage = func(a CampaignAccess) bool { return a.Manage }
	CanEnter  = func(a CampaignAccess) bool { return a.Member }
	CanImport = func(a CampaignAccess) bool { return a.Import }
)

// checkCampaignTerritory refuses an unknown governorate or a district/city that is not
// one of its current ones.
func (tx *Tx) checkCampaignTerritory(c *backlog.Campaign) error {
	if err := checkGovernorate(tx, c.GovCode); err != nil {
		return err
	}
	if c.UnitCode == "" {
		return nil
	}
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM units WHERE code = ? AND gov_code = ? AND retired_on IS NULL`,
		c.UnitCode, c.GovCode); err != nil {
		return err
	}
	if n == 0 {
		return fieldErr("unit", "unknown_unit")
	}
	return nil
}

// lockGovernorate serialises the opening of campaigns in one governorate on its row, so
// two openings cannot both pass checkNoOverlap.
func (tx *Tx) lockGovernorate(gov string) error {
	var code string
	return tx.Get(&code, `SELECT code FROM governorates WHERE code = ?`+tx.ForUpdate(), gov)
}

// checkNoOverlap refuses opening c while another open campaign shares a center with it.
func (tx *Tx) checkNoOverlap(c *backlog.Campaign) error {
	if c.Status != backlog.CampaignOpen {
		return nil
	}
	var open []backlog.Campaign
	if err := tx.Select(&open, `SELECT `+campaignCols+` FROM backlog_campaigns c
		WHERE c.gov_code = ? AND c.status = 'open' AND c.id <> ?`, c.GovCode, c.ID); err != nil {
		return err
	}
	for _, o := range open {
		if o.Overlaps(c) {
			return &markaz.Error{Code: markaz.EConflict, Key: "error.backlog_campaign_overlap", Args: map[string]any{"name": o.Name}}
		}
	}
	return nil
}

// CreateCampaign creates campaign c (validated with Campaign.Validate) for p, who needs
// backlog.manage over its territory. It is open unless c says closed.
func (tx *Tx) CreateCampaign(p *markaz.Principal, c *backlog.Campaign) (*CampaignRow, error) {
	if err := tx.checkCampaignTerritory(c); err != nil {
		return nil, err
	}
	if p != nil && !p.Allowed(markaz.PermBacklogManage, c.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if err := tx.lockGovernorate(c.GovCode); err != nil {
		return nil, err
	}
	c.ID, c.Version, c.CreatedAt, c.UpdatedAt = markaz.NewID(), 1, tx.Now, tx.Now
	c.CreatedBy = ActorOf(p).Username
	if err := tx.checkNoOverlap(c); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`INSERT INTO backlog_campaigns (id, name, gov_code, unit_code, starts_on, ends_on, status,
		sample_percent, version, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.GovCode, c.UnitCode, c.StartsOn, c.EndsOn, c.Status, c.SamplePercent, c.Version, c.CreatedBy,
		c.CreatedAt, c.UpdatedAt); err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "backlog.campaign.create", "backlog_campaign", c.ID, c.Ref(), nil, c); err != nil {
		return nil, err
	}
	return tx.Campaign(c.ID)
}

// CampaignEdit is what may change on a campaign: everything but its territory (records
// already entered belong to it).
type CampaignEdit struct {
	Name          string      `json:"name"`
	StartsOn      markaz.Date `json:"starts_on"`
	EndsOn        markaz.Date `json:"ends_on"`
	Status        string      `json:"status"`
	SamplePercent int         `json:"sample_percent"`
	Version       *int        `json:"version"`
}

// UpdateCampaign applies e to campaign id for p (backlog.manage over it). Reopening a
// closed campaign is refused while another open one shares a center with it.
func (tx *Tx) UpdateCampaign(p *markaz.Principal, id string, e CampaignEdit) (*CampaignRow, error) {
	c, _, err := tx.CampaignFor(p, id, CanManage)
	if err != nil {
		return nil, err
	}
	if e.Version != nil && *e.Version != c.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	before := c.Campaign
	n := c.Campaign
	n.Name, n.StartsOn, n.EndsOn, n.Status, n.SamplePercent = e.Name, e.StartsOn, e.EndsOn, e.Status, e.SamplePercent
	if err := n.Validate(); err != nil {
		return nil, err
	}
	if err := tx.lockGovernorate(n.GovCode); err != nil {
		return nil, err
	}
	if err := tx.checkNoOverlap(&n); err != nil {
		return nil, err
	}
	res, err := tx.Exec(`UPDATE backlog_campaigns SET name = ?, starts_on = ?, ends_on = ?, status = ?, sample_percent = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, n.Name, n.StartsOn, n.EndsOn, n.Status,
		n.SamplePercent, tx.Now, n.ID, before.Version)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	n.Version++
	if err := tx.Audit(ActorOf(p), "backlog.campaign.update", "backlog_campaign", n.ID, n.Ref(), before, n); err != nil {
		return nil, err
	}
	return tx.Campaign(n.ID)
}

// CampaignFilter selects campaigns for a list.
type CampaignFilter struct {
	Gov    string
	Status string
}

// Campaigns lists the campaigns p may read (as a reader of their territory or as their
// operator), newest first. Campaigns are few (a handful per governorate), so the list is
// not paged.
func (db *DB) Campaigns(ctx context.Context, p *markaz.Principal, f CampaignFilter) ([]CampaignRow, error) {
	out := []CampaignRow{}
	err := db.Read(ctx, func(tx *Tx) error {
		w := &where{}
		if f.Gov != "" {
			w.add(`c.gov_code = ?`, f.Gov)
		}
		if f.Status != "" {
			w.add(`c.status = ?`, f.Status)
		}
		read := p.Scope(markaz.PermBacklogRead)
		if !read.All {
			// Readers' governorates (and those of their districts), plus the campaigns the
			// principal keys for; the rows are then checked one by one.
			govs := slices.Clone(read.Govs)
			for _, u := range read.Units {
				govs = append(govs, strings.SplitN(u, "-", 2)[0])
			}
			cond := `c.id IN (SELECT campaign_id FROM backlog_operators WHERE user_id = ? AND removed_at IS NULL)`
			args := []any{p.UserID}
			if len(govs) > 0 {
				in, gargs := inList(govs)
				cond += ` OR c.gov_code` + in
				args = append(args, gargs...)
			}
			w.add(`(`+cond+`)`, args...)
		}
		var rows []CampaignRow
		if err := tx.Select(&rows, campaignSelect+w.String()+` ORDER BY c.status DESC, c.starts_on DESC, c.id DESC`,
			w.args...); err != nil {
			return err
		}
		for _, c := range rows {
			a, err := tx.Access(p, &c.Campaign)
			if err != nil {
				return err
			}
			if a.Read {
				c.Access = a
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// OpenCampaignOf returns the one open campaign of a governorate: ErrNotFound when there
// is none, a conflict when several districts each have their own.
func (tx *Tx) OpenCampaignOf(gov string) (*CampaignRow, error) {
	var ids []string
	if err := tx.Select(&ids, `SELECT id FROM backlog_campaigns WHERE gov_code = ? AND status = 'open' ORDER BY id`,
		gov); err != nil {
		return nil, err
	}
	switch len(ids) {
	case 0:
		return nil, markaz.ErrNotFound
	case 1:
		return tx.Campaign(ids[0])
	}
	return nil, markaz.Errorf(markaz.EConflict, "error.backlog_several_open")
}

// CheckCounts counts a campaign's records that wait: for a second keying (awaiting) and
// for a supervisor (mismatch).
func (tx *Tx) CheckCounts(campaignID string) (awaiting, mismatch int, err error) {
	var rows []struct {
		Check string `db:"check_status"`
		N     int    `db:"n"`
	}
	if err := tx.Select(&rows, `SELECT check_status, COUNT(*) AS n FROM backlog_records WHERE campaign_id = ?
		AND status <> 'rejected' AND check_status IN ('awaiting', 'mismatch') GROUP BY check_status`, campaignID); err != nil {
		return 0, 0, err
	}
	for _, r := range rows {
		if r.Check == backlog.CheckAwaiting {
			awaiting = r.N
		} else {
			mismatch = r.N
		}
	}
	return awaiting, mismatch, nil
}

// CampaignCenter is a center of a campaign's territory with its estimate.
type CampaignCenter struct {
	ID         string `json:"id" db:"id"`
	Code       string `json:"code" db:"code"`
	NameAr     string `json:"name_ar" db:"name_ar"`
	NameEn     string `json:"name_en" db:"name_en"`
	UnitCode   string `json:"unit" db:"unit_code"`
	UnitNameAr string `json:"unit_name_ar" db:"unit_name_ar"`
	UnitNameEn string `json:"unit_name_en" db:"unit_name_en"`
	Estimate   int    `json:"estimated_files" db:"files"`
}

// CampaignCenters lists the centers of a campaign's territory (retired ones too: their
// paper files remain) by code, with their estimates (0 when none was set).
func (tx *Tx) CampaignCenters(c *backlog.Campaign) ([]CampaignCenter, error) {
	w := &where{}
	w.add(`ce.gov_code = ?`, c.GovCode)
	if c.UnitCode != "" {
		w.add(`ce.unit_code = ?`, c.UnitCode)
	}
	out := []CampaignCenter{}
	err := tx.Select(&out, `SELECT ce.id, ce.code, ce.name_ar, ce.name_en, ce.unit_code, u.name_ar AS unit_name_ar,
		u.name_en AS unit_name_en, COALESCE(e.files, 0) AS files
		FROM centers ce JOIN units u ON u.code = ce.unit_code
		LEFT JOIN backlog_estimates e ON e.campaign_id = ? AND e.center_id = ce.id`+w.String()+` ORDER BY ce.code`,
		append([]any{c.ID}, w.args...)...)
	return out, err
}

// SetEstimates records the estimated paper files of centers of campaign id (a center
// outside its territory is a field error named after the center's position in es).
func (tx *Tx) SetEstimates(p *markaz.Principal, id string, es []backlog.Estimate) error {
	c, _, err := tx.CampaignFor(p, id, CanManage)
	if err != nil {
		return err
	}
	centers, err := tx.CampaignCenters(&c.Campaign)
	if err != nil {
		return err
	}
	old := map[string]int{}
	for _, ce := range centers {
		old[ce.ID] = ce.Estimate
	}
	var v markaz.Validator
	changed := map[string][2]int{}
	for i, e := range es {
		field := "estimates[" + strconv.Itoa(i) + "]"
		prev, ok := old[e.CenterID]
		if !ok {
			v.Add(field, "outside_campaign", nil)
			continue
		}
		backlog.CheckEstimate(&v, field, e.Files)
		if e.Files != prev {
			changed[e.CenterID] = [2]int{prev, e.Files}
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if len(changed) == 0 {
		return nil
	}
	for _, e := range es {
		if _, ok := changed[e.CenterID]; !ok {
			continue
		}
		if _, err := tx.Exec(`INSERT INTO backlog_estimates (campaign_id, center_id, files) VALUES (?, ?, ?)
			ON CONFLICT (campaign_id, center_id) DO UPDATE SET files = excluded.files`, c.ID, e.CenterID, e.Files); err != nil {
			return err
		}
	}
	before, after := map[string]int{}, map[string]int{}
	for id, ch := range changed {
		before[id], after[id] = ch[0], ch[1]
	}
	return tx.Audit(ActorOf(p), "backlog.campaign.estimates", "backlog_campaign", c.ID, c.Ref(), before, after)
}

// Operator is a campaign's operator.
type Operator struct {
	UserID   string `json:"user_id" db:"user_id"`
	Username string `json:"username" db:"username"`
	FullName string `json:"full_name" db:"full_name"`
	AddedBy  string `json:"added_by" db:"added_by"`
}

// CampaignOperators lists a campaign's current operators by username.
func (tx *Tx) CampaignOperators(id string) ([]Operator, error) {
	out := []Operator{}
	err := tx.Select(&out, `SELECT o.user_id, u.username, u.full_name, o.added_by FROM backlog_operators o
		JOIN users u ON u.id = o.user_id WHERE o.campaign_id = ? AND o.removed_at IS NULL ORDER BY u.username`, id)
	return out, err
}

// AddOperator makes the user named username an operator of campaign id. The user must
// hold the backlog operator role, in force, over a territory that meets the campaign's
// (a center, district or the governorate itself).
func (tx *Tx) AddOperator(p *markaz.Principal, id, username string) (*Operator, error) {
	c, _, err := tx.CampaignFor(p, id, CanManage)
	if err != nil {
		return nil, err
	}
	u, err := tx.GetUserByName(strings.TrimSpace(username))
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil, fieldErr("username", "unknown_user")
	}
	if err != nil {
		return nil, err
	}
	if u.DisabledAt != nil || !holdsOperatorRoleIn(u.Assignments, &c.Campaign, tx.Today()) {
		return nil, fieldErr("username", "not_backlog_operator")
	}
	if _, err := tx.Exec(`INSERT INTO backlog_operators (campaign_id, user_id, added_by, added_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (campaign_id, user_id) DO UPDATE SET removed_at = NULL, removed_by = '', added_by = excluded.added_by,
		added_at = excluded.added_at`, c.ID, u.ID, ActorOf(p).Username, tx.Now); err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "backlog.operator.add", "backlog_campaign", c.ID, c.Ref(), nil,
		map[string]any{"operator": u.Username}); err != nil {
		return nil, err
	}
	return &Operator{UserID: u.ID, Username: u.Username, FullName: u.FullName, AddedBy: ActorOf(p).Username}, nil
}

// holdsOperatorRoleIn reports whether assignments hold the backlog operator role on day
// today over a territory meeting the campaign's.
func holdsOperatorRoleIn(as []markaz.Assignment, c *backlog.Campaign, today markaz.Date) bool {
	for _, a := range as {
		if a.Role != markaz.RoleBacklogOperator || !a.ActiveOn(today) || a.GovCode != c.GovCode {
			continue
		}
		if c.UnitCode == "" || a.Level == markaz.LevelGovernorate || a.UnitCode == c.UnitCode {
			return true
		}
	}
	return false
}

// RemoveOperator ends a user's membership of campaign id (their entries stay theirs).
func (tx *Tx) RemoveOperator(p *markaz.Principal, id, userID string) error {
	c, _, err := tx.CampaignFor(p, id, CanManage)
	if err != nil {
		return err
	}
	res, err := tx.Exec(`UPDATE backlog_operators SET removed_at = ?, removed_by = ? WHERE campaign_id = ? AND user_id = ?
		AND removed_at IS NULL`, tx.Now, ActorOf(p).Username, c.ID, userID)
	if err != nil {
		return err
	}
	if rowsAffected(res) == 0 {
		return markaz.ErrNotFound
	}
	var name string
	if err := tx.Get(&name, `SELECT username FROM users WHERE id = ?`, userID); err != nil {
		return err
	}
	return tx.Audit(ActorOf(p), "backlog.operator.remove", "backlog_campaign", c.ID, c.Ref(),
		map[string]any{"operator": name}, nil)
}
