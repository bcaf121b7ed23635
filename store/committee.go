package store

// Inspection and follow-up committees and their visit plans. A committee is national
// (gov_code '') or of one governorate; its members hold the inspector role at the nation
// or in that governorate. Committees are managed by holders of inspections.manage over
// their territory; a plan is made by such a manager or by a member of the committee.
// Members leave with a date (left_on), never by deletion.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"markaz"
	"markaz/inspection"
)

const committeeCols = `id, name_ar, name_en, gov_code, version, created_at, updated_at`

// CommitteeInput creates or edits a committee: its names, its governorate ("" for a
// national committee; fixed once created) and its members, each named by user id or
// username, with their body. Version is the committee's current version when editing.
type CommitteeInput struct {
	NameAr  string        `json:"name_ar"`
	NameEn  string        `json:"name_en"`
	Gov     string        `json:"governorate"`
	Members []MemberInput `json:"members"`
	Version int           `json:"version"`
}

// MemberInput names a committee member and their body.
type MemberInput struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	Body     string `json:"body"`
}

// CommitteeFilter selects committees for a list, in id (creation) order after After.
type CommitteeFilter struct {
	Scope markaz.Scope
	Gov   string
	After string
	Limit int
}

// Committees lists one page of the committees f selects with their members; next is
// "" on the last page.
func (db *DB) Committees(ctx context.Context, f CommitteeFilter) (out []inspection.Committee, next string, err error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		if err := tx.checkFollowUpFilter(f.Scope, f.Gov, ""); err != nil {
			return err
		}
		var w where
		w.scope(f.Scope, "gov_code", "", "")
		w.equal("gov_code", f.Gov)
		if f.After != "" {
			w.add("id > ?", f.After)
		}
		if err := tx.Select(&out, `SELECT `+committeeCols+` FROM committees`+w.String()+` ORDER BY id LIMIT ?`,
			append(w.args, f.Limit+1)...); err != nil {
			return err
		}
		for i := range out {
			if err := tx.loadMembers(&out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	out, last := pageEnd(out, f.Limit, func(c *inspection.Committee) string { return c.ID })
	if last != nil {
		next = *last
	}
	return out, next, err
}

// pageEnd cuts a page read with LIMIT limit+1 back to limit rows and returns the key of
// its last row, or nil when no row follows. A page is never nil (JSON [] not null).
func pageEnd[T, K any](rows []T, limit int, key func(*T) K) ([]T, *K) {
	if rows == nil {
		rows = []T{}
	}
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	k := key(&rows[limit-1])
	return rows, &k
}

// Committee returns a committee with its members if scope reaches it: ErrNotFound when
// there is none, ErrForbidden when it lies elsewhere.
func (tx *Tx) Committee(scope markaz.Scope, id string) (*inspection.Committee, error) {
	c, err := tx.getCommittee(id, false)
	return scoped(scope, c, err)
}

func (tx *Tx) getCommittee(id string, lock bool) (*inspection.Committee, error) {
	var c inspection.Committee
	q := `SELECT ` + committeeCols + ` FROM committees WHERE id = ?`
	if lock {
		q += tx.ForUpdate()
	}
	if err := tx.Get(&c, q, id); err != nil {
		return nil, err
	}
	return &c, tx.loadMembers(&c)
}

func (tx *Tx) loadMembers(c *inspection.Committee) error {
	c.Members = []inspection.Member{}
	return tx.Select(&c.Members, `SELECT m.user_id, u.username, u.full_name, m.body, m.joined_on
		FROM committee_members m JOIN users u ON u.id = m.user_id
		WHERE m.committee_id = ? AND m.left_on IS NULL ORDER BY m.joined_on, u.username`, c.ID)
}

// Inspector is a user holding the inspector role today: at the nation (GovCode "") or
// in a governorate.
type Inspector struct {
	UserID   string `db:"id"`
	Username string `db:"username"`
	FullName string `db:"full_name"`
	GovCode  string `db:"gov_code"`
}

// inspectorCond selects users (alias u) holding the inspector role today at the nation
// or, when gov is not empty, in governorate gov, and not disabled.
func inspectorCond(gov string, today markaz.Date) (string, []any) {
	cond := `u.disabled_at IS NULL AND EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id
		AND a.role = ? AND a.revoked_at IS NULL AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)
		AND (a.level = ?`
	args := []any{markaz.RoleInspector, today, today, markaz.LevelNation}
	if gov != "" {
		cond += ` OR a.level = ? AND a.gov_code = ?`
		args = append(args, markaz.LevelGovernorate, gov)
	}
	return cond + `))`, args
}

// Inspectors lists the active inspectors who may sit on committees inside scope: every
// national one, and those of the governorates scope holds; by username, a national
// assignment winning over a governorate one.
func (tx *Tx) Inspectors(scope markaz.Scope) ([]Inspector, error) {
	today := tx.Today()
	var w where
	w.add(`u.disabled_at IS NULL AND a.role = ? AND a.revoked_at IS NULL AND a.starts_on <= ?
		AND (a.ends_on IS NULL OR a.ends_on >= ?)`, markaz.RoleInspector, today, today)
	if !scope.All {
		govs := markaz.Scope{Govs: scope.Govs}
		var sw where
		sw.scope(govs, "a.gov_code", "", "")
		w.add(`(a.level = ? OR a.level = ? AND `+strings.Join(sw.conds, " AND ")+`)`,
			append([]any{markaz.LevelNation, markaz.LevelGovernorate}, sw.args...)...)
	}
	var rows []Inspector
	if err := tx.Select(&rows, `SELECT u.id, u.username, u.full_name, CASE WHEN a.level = 'nation' THEN '' ELSE a.gov_code END AS gov_code
		FROM users u JOIN assignments a ON a.user_id = u.id`+w.String()+` ORDER BY u.username, gov_code`, w.args...); err != nil {
		return nil, err
	}
	out := []Inspector{}
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].UserID != r.UserID {
			out = append(out, r) // "" sorts first: the national assignment wins
		}
	}
	return out, nil
}

// resolveMembers turns member inputs into members (user id, names, body); problems
// name "members.<i>.user".
func (tx *Tx) resolveMembers(v *markaz.Validator, in []MemberInput) ([]inspection.Member, error) {
	out := make([]inspection.Member, 0, len(in))
	for i, m := range in {
		f := fmt.Sprintf("members.%d.user", i)
		var u struct {
			ID       string `db:"id"`
			Username string `db:"username"`
			FullName string `db:"full_name"`
		}
		id, name := strings.TrimSpace(m.UserID), strings.ToLower(strings.TrimSpace(m.Username))
		var err error
		switch {
		case id != "":
			err = tx.Get(&u, `SELECT id, username, full_name FROM users WHERE id = ?`, id)
		case name != "":
			err = tx.Get(&u, `SELECT id, username, full_name FROM users WHERE username = ?`, name)
		default:
			v.Add(f, "required", nil)
		}
		if markaz.ErrorCode(err) == markaz.ENotFound {
			v.Add(f, "unknown_user", nil)
		} else if err != nil {
			return nil, err
		}
		out = append(out, inspection.Member{UserID: u.ID, Username: u.Username, FullName: u.FullName,
			Body: strings.TrimSpace(m.Body)})
	}
	return out, nil
}

// checkCommittee validates c (members resolved from in), that its governorate exists
// and lies in p's manage scope (else ErrForbidden, whatever else is wrong), and that every
// member holds the inspector role where the committee works.
func (tx *Tx) checkCommittee(p *markaz.Principal, c *inspection.Committee, in []MemberInput) error {
	var v markaz.Validator
	members, err := tx.resolveMembers(&v, in)
	if err != nil {
		return err
	}
	c.Members = members
	c.Validate(&v)
	if c.GovCode != "" && !v.Has("governorate") {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM governorates WHERE code = ? AND retired_on IS NULL`, c.GovCode); err != nil {
			return err
		}
		if n == 0 {
			v.Add("governorate", "unknown_governorate", nil)
		}
	}
	if !v.Has("governorate") && !MayManage(p, c) {
		return markaz.ErrForbidden
	}
	cond, args := inspectorCond(c.GovCode, tx.Today())
	for i, m := range c.Members {
		if m.UserID == "" {
			continue
		}
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM users u WHERE u.id = ? AND `+cond, append([]any{m.UserID}, args...)...); err != nil {
			return err
		}
		if n == 0 {
			v.Add(fmt.Sprintf("members.%d.user", i), "not_inspector", nil)
		}
	}
	return v.Err()
}

// MayManage reports whether p may manage committee c: inspections.manage over its
// governorate, or nationally for a national committee.
func MayManage(p *markaz.Principal, c *inspection.Committee) bool {
	s := p.Scope(markaz.PermInspectionsManage)
	return s.All || !c.National() && s.ContainsGov(c.GovCode)
}

// CreateCommittee validates and stores a new committee with its members, and audits it.
func (tx *Tx) CreateCommittee(p *markaz.Principal, in CommitteeInput) (*inspection.Committee, error) {
	c := &inspection.Committee{ID: markaz.NewID(), NameAr: in.NameAr, NameEn: in.NameEn, GovCode: in.Gov,
		Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if err := tx.checkCommittee(p, c, in.Members); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`INSERT INTO committees (`+committeeCols+`, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.NameAr, c.NameEn, c.GovCode, c.Version, c.CreatedAt, c.UpdatedAt, p.Username); err != nil {
		return nil, err
	}
	for _, m := range c.Members {
		if err := tx.addMember(c.ID, m); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(ActorOf(p), "committee.create", "committee", c.ID, c.Ref(), nil, c); err != nil {
		return nil, err
	}
	return tx.getCommittee(c.ID, false)
}

func (tx *Tx) addMember(committeeID string, m inspection.Member) error {
	_, err := tx.Exec(`INSERT INTO committee_members (id, committee_id, user_id, body, joined_on) VALUES (?, ?, ?, ?, ?)`,
		markaz.NewID(), committeeID, m.UserID, m.Body, tx.Today())
	return err
}

// UpdateCommittee renames a committee and sets its members: members left out leave
// today, new ones join today, and a member's body may change. The governorate stays
// what it was; in.Version must be the committee's version.
func (tx *Tx) UpdateCommittee(p *markaz.Principal, id string, in CommitteeInput) (*inspection.Committee, error) {
	old, err := tx.getCommittee(id, true)
	if err != nil {
		return nil, err
	}
	if !MayManage(p, old) {
		if p.Scope(markaz.PermInspectionsRead).Contains(old.Ref()) {
			return nil, markaz.ErrForbidden
		}
		return nil, markaz.ErrNotFound
	}
	if in.Version != old.Version {
		if in.Version == 0 {
			return nil, fieldErr("version", "required")
		}
		return nil, errCenterStale
	}
	c := &inspection.Committee{ID: old.ID, NameAr: in.NameAr, NameEn: in.NameEn, GovCode: old.GovCode,
		Version: old.Version + 1, CreatedAt: old.CreatedAt, UpdatedAt: tx.Now}
	if err := tx.checkCommittee(p, c, in.Members); err != nil {
		return nil, err
	}
	res, err := tx.Exec(`UPDATE committees SET name_ar = ?, name_en = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
		c.NameAr, c.NameEn, c.Version, c.UpdatedAt, c.ID, old.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	for _, m := range old.Members {
		i := slices.IndexFunc(c.Members, func(n inspection.Member) bool { return n.UserID == m.UserID })
		switch {
		case i < 0:
			_, err = tx.Exec(`UPDATE committee_members SET left_on = ? WHERE committee_id = ? AND user_id = ? AND left_on IS NULL`,
				tx.Today(), c.ID, m.UserID)
		case c.Members[i].Body != m.Body:
			_, err = tx.Exec(`UPDATE committee_members SET body = ? WHERE committee_id = ? AND user_id = ? AND left_on IS NULL`,
				c.Members[i].Body, c.ID, m.UserID)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, m := range c.Members {
		if !old.Has(m.UserID) {
			if err := tx.addMember(c.ID, m); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.Audit(ActorOf(p), "committee.update", "committee", c.ID, c.Ref(), old, c); err != nil {
		return nil, err
	}
	return tx.getCommittee(c.ID, false)
}

// MyCommittees lists the committees userID sits on today, by name.
func (tx *Tx) MyCommittees(userID string) ([]inspection.Committee, error) {
	out := []inspection.Committee{}
	if err := tx.Select(&out, `SELECT `+prefixCols("c.", committeeCols)+` FROM committees c
		WHERE EXISTS (SELECT 1 FROM committee_members m WHERE m.committee_id = c.id AND m.user_id = ? AND m.left_on IS NULL)
		ORDER BY c.gov_code, c.name_ar`, userID); err != nil {
		return nil, err
	}
	for i := range out {
		if err := tx.loadMembers(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prefixCols qualifies a comma-separated column list with a table alias.
func prefixCols(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// isMember reports whether userID sits on committee c today.
func (tx *Tx) isMember(committeeID, userID string) (bool, error) {
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM committee_members WHERE committee_id = ? AND user_id = ? AND left_on IS NULL`,
		committeeID, userID)
	return n > 0, err
}

const planCols = `p.id, p.committee_id, k.name_ar AS committee_name_ar, k.name_en AS committee_name_en, p.center_id,
	c.code AS center_code, c.name_ar AS center_name_ar, c.name_en AS center_name_en, p.gov_code, p.unit_code,
	p.planned_on, p.first_planned_on, p.status, p.purpose, p.reason, p.visit_id, p.version, p.created_by,
	p.created_at, p.updated_at`

const planFrom = ` FROM visit_plans p JOIN committees k ON k.id = p.committee_id JOIN centers c ON c.id = p.center_id`

// PlanInput creates a visit plan: the committee, the center (id or code), the day, the
// members who will go (usernames or ids; none: the whole committee) and its purpose.
type PlanInput struct {
	CommitteeID string      `json:"committee_id"`
	CenterID    string      `json:"center_id"`
	PlannedOn   markaz.Date `json:"planned_on"`
	Members     []string    `json:"members"`
	Purpose     string      `json:"purpose"`
}

// MayPlan reports whether p may plan (and postpone or cancel) visits of committee c: a
// manager over the committee, or one of its members who records visits.
func MayPlan(p *markaz.Principal, c *inspection.Committee) bool {
	return MayManage(p, c) || c.Has(p.UserID) && p.Can(markaz.PermInspectionsWrite)
}

// CreatePlan validates and stores a visit plan and audits it.
func (tx *Tx) CreatePlan(p *markaz.Principal, in PlanInput) (*inspection.Plan, error) {
	var v markaz.Validator
	in.Purpose = strings.TrimSpace(in.Purpose)
	inspection.CheckNewPlan(&v, in.PlannedOn, in.Purpose, tx.Today())
	c, err := tx.getCommittee(strings.TrimSpace(in.CommitteeID), false)
	switch {
	case markaz.ErrorCode(err) == markaz.ENotFound:
		v.Add("committee_id", "unknown_committee", nil)
	case err != nil:
		return nil, err
	case !MayPlan(p, c):
		return nil, markaz.ErrForbidden
	}
	center, err := tx.visitCenter(&v, in.CenterID)
	if err != nil {
		return nil, err
	}
	if c != nil && center != nil && !c.Covers(center.Ref()) {
		v.Add("center_id", "outside_committee", nil)
	}
	var members []string
	for _, m := range in.Members {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		i := -1
		if c != nil {
			i = slices.IndexFunc(c.Members, func(x inspection.Member) bool { return x.UserID == m || x.Username == strings.ToLower(m) })
		}
		if i < 0 {
			v.Add("members", "not_member", map[string]any{"user": m})
			continue
		}
		if !slices.Contains(members, c.Members[i].UserID) {
			members = append(members, c.Members[i].UserID)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	pl := inspection.Plan{ID: markaz.NewID(), CommitteeID: c.ID, Place: inspection.Place{CenterID: center.ID,
		GovCode: center.GovCode, UnitCode: center.UnitCode}, PlannedOn: in.PlannedOn, FirstPlannedOn: in.PlannedOn, Status: inspection.PlanPlanned,
		Purpose: in.Purpose, Version: 1, CreatedBy: p.Username, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if _, err := tx.Exec(`INSERT INTO visit_plans (id, committee_id, center_id, gov_code, unit_code, planned_on,
		first_planned_on, status, purpose, version, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, pl.ID, pl.CommitteeID, pl.CenterID, pl.GovCode, pl.UnitCode,
		pl.PlannedOn, pl.FirstPlannedOn, pl.Status, pl.Purpose, pl.Version, pl.CreatedBy, pl.CreatedAt, pl.UpdatedAt); err != nil {
		return nil, err
	}
	for _, u := range members {
		if _, err := tx.Exec(`INSERT INTO visit_plan_members (plan_id, user_id) VALUES (?, ?)`, pl.ID, u); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(ActorOf(p), "visit_plan.create", "visit_plan", pl.ID, pl.Ref(), nil, planAudit(&pl, members)); err != nil {
		return nil, err
	}
	return tx.getPlan(pl.ID, false)
}

func planAudit(pl *inspection.Plan, members []string) map[string]any {
	return map[string]any{"committee_id": pl.CommitteeID, "center_id": pl.CenterID, "planned_on": pl.PlannedOn,
		"status": pl.Status, "reason": pl.Reason, "members": members, "visit_id": pl.VisitID, "version": pl.Version}
}

// visitCenter finds the center a plan or visit is for (by id or code), reporting an
// unknown or retired one on "center_id"; nil when it is not usable.
func (tx *Tx) visitCenter(v *markaz.Validator, idOrCode string) (*CenterRow, error) {
	idOrCode = strings.TrimSpace(idOrCode)
	if !v.Required("center_id", idOrCode) {
		return nil, nil
	}
	c, err := tx.findCenter(idOrCode)
	switch {
	case markaz.ErrorCode(err) == markaz.ENotFound:
		v.Add("center_id", "unknown_center", nil)
		return nil, nil
	case err != nil:
		return nil, err
	case !c.RetiredOn.IsZero() && !c.RetiredOn.After(tx.Today()):
		v.Add("center_id", "center_retired", nil)
		return nil, nil
	}
	return c, nil
}

// getPlan loads a plan with its members; lock takes the plan's row (only it, not the
// committee's or the center's) for the change the transaction makes.
func (tx *Tx) getPlan(id string, lock bool) (*inspection.Plan, error) {
	if lock {
		var locked string
		if err := tx.Get(&locked, `SELECT id FROM visit_plans WHERE id = ?`+tx.ForUpdate(), id); err != nil {
			return nil, err
		}
	}
	var pl inspection.Plan
	if err := tx.Get(&pl, `SELECT `+planCols+planFrom+` WHERE p.id = ?`, id); err != nil {
		return nil, err
	}
	pl.Members = []inspection.PlanMember{}
	return &pl, tx.Select(&pl.Members, `SELECT m.user_id, u.username, u.full_name FROM visit_plan_members m
		JOIN users u ON u.id = m.user_id WHERE m.plan_id = ? ORDER BY u.username`, id)
}

// Plan returns a visit plan if scope reaches its center (ErrNotFound, ErrForbidden).
func (tx *Tx) Plan(scope markaz.Scope, id string) (*inspection.Plan, error) {
	pl, err := tx.getPlan(id, false)
	return scoped(scope, pl, err)
}

// Plan changes.
const (
	PlanPostpone = "postpone"
	PlanCancel   = "cancel"
)

// PlanChange postpones (to On) or cancels an open plan, with a reason. Version, when not
// nil, must be the plan's.
type PlanChange struct {
	Action  string      `json:"action"`
	On      markaz.Date `json:"planned_on"`
	Reason  string      `json:"reason"`
	Version *int        `json:"version"`
}

// ChangePlan applies ch to plan id for p (a manager over its committee or a member of
// it) and audits it.
func (tx *Tx) ChangePlan(p *markaz.Principal, id string, ch PlanChange) (*inspection.Plan, error) {
	pl, err := tx.getPlan(id, true)
	if err != nil {
		return nil, err
	}
	if !p.Scope(markaz.PermInspectionsRead).Contains(pl.Ref()) {
		return nil, markaz.ErrForbidden
	}
	c, err := tx.getCommittee(pl.CommitteeID, false)
	if err != nil {
		return nil, err
	}
	if !MayPlan(p, c) {
		return nil, markaz.ErrForbidden
	}
	if ch.Version != nil && *ch.Version != pl.Version {
		return nil, errCenterStale
	}
	ch.Reason = strings.TrimSpace(ch.Reason)
	before := planAudit(pl, nil)
	switch ch.Action {
	case PlanPostpone:
		err = inspection.CheckPostpone(pl.Status, pl.PlannedOn, ch.On, ch.Reason, tx.Today())
		pl.Status, pl.PlannedOn = inspection.PlanPostponed, ch.On
	case PlanCancel:
		err = inspection.CheckCancel(pl.Status, ch.Reason)
		pl.Status = inspection.PlanCancelled
	default:
		err = fieldErr("action", "one_of")
	}
	if err != nil {
		return nil, err
	}
	pl.Reason = ch.Reason
	res, err := tx.Exec(`UPDATE visit_plans SET status = ?, planned_on = ?, reason = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`, pl.Status, pl.PlannedOn, pl.Reason, tx.Now, pl.ID, pl.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	pl.Version++
	if err := tx.Audit(ActorOf(p), "visit_plan."+ch.Action, "visit_plan", pl.ID, pl.Ref(), before, planAudit(pl, nil)); err != nil {
		return nil, err
	}
	return tx.getPlan(pl.ID, false)
}

// PlanFilter selects visit plans, by planned date then id after the key After.
type PlanFilter struct {
	Scope     markaz.Scope
	Gov       string
	Center    string
	Committee string
	Status    string
	Open      bool   // planned or postponed only
	Mine      string // a user id: plans naming them, or naming nobody on a committee they sit on
	From, To  markaz.Date
	After     *DateKey
	Limit     int
}

// DateKey is a row's place in a list ordered by a date, then id.
type DateKey struct {
	Date markaz.Date
	ID   string
}

// Plans lists one page of the plans f selects; next is nil on the last page.
func (db *DB) Plans(ctx context.Context, f PlanFilter) (rows []inspection.Plan, next *DateKey, err error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		w, err := tx.followUpWhere("p", f.Scope, f.Gov, f.Center)
		if err != nil {
			return err
		}
		w.equal("p.committee_id", f.Committee)
		w.equal("p.status", f.Status)
		if f.Open {
			w.add("p.status IN (?, ?)", inspection.PlanPlanned, inspection.PlanPostponed)
		}
		if f.Mine != "" {
			w.add(`(EXISTS (SELECT 1 FROM visit_plan_members m WHERE m.plan_id = p.id AND m.user_id = ?)
				OR NOT EXISTS (SELECT 1 FROM visit_plan_members m WHERE m.plan_id = p.id)
				AND EXISTS (SELECT 1 FROM committee_members cm WHERE cm.committee_id = p.committee_id
					AND cm.user_id = ? AND cm.left_on IS NULL))`, f.Mine, f.Mine)
		}
		if !f.From.IsZero() {
			w.add("p.planned_on >= ?", f.From)
		}
		if !f.To.IsZero() {
			w.add("p.planned_on <= ?", f.To)
		}
		if f.After != nil {
			w.add("(p.planned_on > ? OR p.planned_on = ? AND p.id > ?)", f.After.Date, f.After.Date, f.After.ID)
		}
		return tx.Select(&rows, `SELECT `+planCols+planFrom+w.String()+` ORDER BY p.planned_on, p.id LIMIT ?`,
			append(w.args, f.Limit+1)...)
	})
	if err != nil {
		return nil, nil, err
	}
	rows, next = pageEnd(rows, f.Limit, func(p *inspection.Plan) DateKey { return DateKey{p.PlannedOn, p.ID} })
	return rows, next, nil
}

// checkFollowUpFilter refuses a governorate or center filter that names nothing (422)
// or nothing the scope reaches (403), as the requests list does.
func (tx *Tx) checkFollowUpFilter(scope markaz.Scope, gov, center string) error {
	return tx.checkRequestFilter(RequestFilter{Scope: scope, Gov: gov, Center: center})
}

// followUpWhere starts the conditions of a list of plans, visits or actions (table alias
// a, rows carrying their center's gov_code, unit_code and center_id): the reader's scope
// and the governorate and center filters, checked first (checkFollowUpFilter).
func (tx *Tx) followUpWhere(a string, scope markaz.Scope, gov, center string) (*where, error) {
	if err := tx.checkFollowUpFilter(scope, gov, center); err != nil {
		return nil, err
	}
	w := &where{}
	w.scope(scope, a+".gov_code", a+".unit_code", a+".center_id")
	w.equal(a+".gov_code", gov)
	w.equal(a+".center_id", center)
	return w, nil
}

// equal adds col = val when val is not empty.
func (w *where) equal(col, val string) {
	if val != "" {
		w.add(col+" = ?", val)
	}
}
