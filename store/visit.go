package store

// Recorded visits, their findings and the corrective actions findings carry. A visit is
// recorded by a member of the visiting committee who holds inspections.write over the
// center, scored with the current version of a checklist; the score is computed here by
// inspection.Score from that version's items and stored with the visit. Findings are
// added to a visit by the committee's members, each with its corrective action, owned
// by a user who can see it or by a named party; the action's history is kept in
// corrective_action_events.

import (
	"context"
	"strings"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/inspection"
)

// Visit is a recorded visit as lists show it.
type Visit struct {
	ID string `json:"id" db:"id"`
	inspection.Place
	CommitteeID      string      `json:"committee_id" db:"committee_id"`
	CommitteeAr      string      `json:"committee_name_ar" db:"committee_name_ar"`
	CommitteeEn      string      `json:"committee_name_en" db:"committee_name_en"`
	PlanID           string      `json:"plan_id" db:"plan_id"`
	ChecklistID      string      `json:"checklist_id" db:"checklist_id"`
	ChecklistVersion int         `json:"checklist_version" db:"checklist_version"`
	VersionID        string      `json:"checklist_version_id" db:"checklist_version_id"`
	VisitedOn        markaz.Date `json:"visited_on" db:"visited_on"`
	Score            int         `json:"score" db:"score"`
	Summary          string      `json:"summary" db:"summary"`
	RecordedBy       string      `json:"recorded_by" db:"recorded_by_name"`
	CreatedAt        time.Time   `json:"created_at" db:"created_at"`
	FindingCount     int         `json:"finding_count" db:"finding_count"`
}

// Ref places the visit at its center.
func (v *Visit) Ref() markaz.Ref {
	return markaz.Ref{Gov: v.GovCode, Unit: v.UnitCode, Center: v.CenterID}
}

// VisitItem is one checklist item as scored at a visit, with the weight it had then.
type VisitItem struct {
	inspection.Item
	Score int    `json:"score" db:"score"`
	Note  string `json:"note" db:"note"`
}

// VisitDetail is a visit with its scored items and its findings.
type VisitDetail struct {
	Visit
	Items    []VisitItem     `json:"items"`
	Findings []FindingDetail `json:"findings"`
}

const visitCols = `v.id, v.center_id, c.code AS center_code, c.name_ar AS center_name_ar, c.name_en AS center_name_en,
	v.gov_code, v.unit_code, v.committee_id, k.name_ar AS committee_name_ar, k.name_en AS committee_name_en, v.plan_id,
	cv.checklist_id, cv.version AS checklist_version, v.checklist_version_id, v.visited_on, v.score, v.summary,
	v.recorded_by_name, v.created_at, (SELECT COUNT(*) FROM findings f WHERE f.visit_id = v.id) AS finding_count`

const visitFrom = ` FROM visits v JOIN centers c ON c.id = v.center_id JOIN committees k ON k.id = v.committee_id
	JOIN checklist_versions cv ON cv.id = v.checklist_version_id`

// VisitInput records a visit: from a plan (which fixes the center and committee), or at
// a center for one of the recorder's committees (the only one covering it when not
// named), scored with checklist version VersionID, which must be its checklist's current
// one. VisitedOn defaults to today.
type VisitInput struct {
	PlanID      string            `json:"plan_id"`
	CenterID    string            `json:"center_id"`
	CommitteeID string            `json:"committee_id"`
	VersionID   string            `json:"checklist_version_id"`
	VisitedOn   markaz.Date       `json:"visited_on"`
	Summary     string            `json:"summary"`
	Items       []inspection.Mark `json:"items"`
}

// maxLateDays is how long after a visit it may still be recorded (notes taken on paper).
const maxLateDays = 60

// RecordVisit validates and stores a visit with its score and item scores, marks its
// plan done, and audits it. Every problem with the input is reported at once; a center
// outside the recorder's write scope, or a committee they do not sit on, is forbidden.
func (tx *Tx) RecordVisit(p *markaz.Principal, in VisitInput) (*VisitDetail, error) {
	var v markaz.Validator
	today := tx.Today()
	var plan *inspection.Plan
	if id := strings.TrimSpace(in.PlanID); id != "" {
		var err error
		plan, err = tx.getPlan(id, true)
		switch {
		case markaz.ErrorCode(err) == markaz.ENotFound:
			v.Add("plan_id", "unknown_plan", nil)
		case err != nil:
			return nil, err
		case !p.Scope(markaz.PermInspectionsRead).Contains(plan.Ref()):
			return nil, markaz.ErrForbidden
		case !inspection.PlanOpen(plan.Status):
			v.Add("plan_id", "plan_closed", nil)
		default:
			in.CenterID, in.CommitteeID = plan.CenterID, plan.CommitteeID
		}
	}
	center, err := tx.visitCenter(&v, in.CenterID)
	if err != nil {
		return nil, err
	}
	if center != nil && !p.Allowed(markaz.PermInspectionsWrite, center.Ref()) {
		return nil, markaz.ErrForbidden
	}
	committee, err := tx.visitCommittee(&v, p, strings.TrimSpace(in.CommitteeID), center)
	if err != nil {
		return nil, err
	}
	switch {
	case in.VisitedOn.IsZero():
		in.VisitedOn = today
	case in.VisitedOn.After(today):
		v.Add("visited_on", "date_in_future", nil)
	case in.VisitedOn.Before(today.AddDays(-maxLateDays)):
		v.Add("visited_on", "date_too_early", map[string]any{"min": today.AddDays(-maxLateDays).String()})
	}
	in.Summary = strings.TrimSpace(in.Summary)
	v.MaxLen("summary", in.Summary, inspection.MaxDescriptionLen)
	ver, err := tx.currentVersion(&v, strings.TrimSpace(in.VersionID))
	if err != nil {
		return nil, err
	}
	var scores map[string]int
	if ver != nil {
		scores = inspection.CheckMarks(&v, ver.Items, in.Items)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	score, err := inspection.Score(ver.Items, scores)
	if err != nil {
		return nil, err
	}
	id := markaz.NewID()
	if _, err := tx.Exec(`INSERT INTO visits (id, center_id, gov_code, unit_code, committee_id, plan_id,
		checklist_version_id, visited_on, score, summary, recorded_by, recorded_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, center.ID, center.GovCode, center.UnitCode, committee.ID,
		strings.TrimSpace(in.PlanID), ver.ID, in.VisitedOn, score, in.Summary, p.UserID, p.Username, tx.Now); err != nil {
		return nil, err
	}
	notes := map[string]string{}
	for _, m := range in.Items {
		notes[m.Key] = m.Note
	}
	for _, it := range ver.Items {
		if _, err := tx.Exec(`INSERT INTO visit_items (visit_id, item_id, score, note) VALUES (?, ?, ?, ?)`,
			id, it.ID, scores[it.Key], notes[it.Key]); err != nil {
			return nil, err
		}
	}
	if plan != nil {
		res, err := tx.Exec(`UPDATE visit_plans SET status = ?, visit_id = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, inspection.PlanDone, id, tx.Now, plan.ID, plan.Version)
		if err := centerStaleIfNone(res, err); err != nil {
			return nil, err
		}
	}
	d, err := tx.visitDetail(id)
	if err != nil {
		return nil, err
	}
	audit := map[string]any{"center_id": d.CenterID, "committee_id": d.CommitteeID, "plan_id": d.PlanID,
		"checklist_version_id": d.VersionID, "visited_on": d.VisitedOn, "score": d.Score, "items": scores}
	return d, tx.Audit(ActorOf(p), "visit.record", "visit", id, d.Ref(), nil, audit)
}

// visitCommittee picks the committee a visit is recorded for: the one named, which p
// must sit on (else forbidden), or p's only committee covering the center. A committee
// that does not cover the center is a problem on center_id.
func (tx *Tx) visitCommittee(v *markaz.Validator, p *markaz.Principal, id string, center *CenterRow) (*inspection.Committee, error) {
	if id == "" {
		mine, err := tx.MyCommittees(p.UserID)
		if err != nil {
			return nil, err
		}
		var fit []inspection.Committee
		for _, c := range mine {
			if center == nil || c.Covers(center.Ref()) {
				fit = append(fit, c)
			}
		}
		switch {
		case len(mine) == 0:
			return nil, markaz.ErrForbidden
		case len(fit) == 1:
			return &fit[0], nil
		case len(fit) == 0 && center != nil:
			v.Add("center_id", "outside_committee", nil)
		default:
			v.Add("committee_id", "required", nil)
		}
		return nil, nil
	}
	c, err := tx.getCommittee(id, false)
	switch {
	case markaz.ErrorCode(err) == markaz.ENotFound:
		v.Add("committee_id", "unknown_committee", nil)
		return nil, nil
	case err != nil:
		return nil, err
	case !c.Has(p.UserID):
		return nil, markaz.ErrForbidden
	case center != nil && !c.Covers(center.Ref()):
		v.Add("center_id", "outside_committee", nil)
	}
	return c, nil
}

// currentVersion loads checklist version id, which must be its checklist's current one.
func (tx *Tx) currentVersion(v *markaz.Validator, id string) (*inspection.Version, error) {
	if !v.Required("checklist_version_id", id) {
		return nil, nil
	}
	ver, err := tx.ChecklistVersionByID(id)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		v.Add("checklist_version_id", "unknown_checklist", nil)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var current int
	if err := tx.Get(&current, `SELECT current_version FROM checklists WHERE id = ?`, ver.ChecklistID); err != nil {
		return nil, err
	}
	if ver.Number != current {
		v.Add("checklist_version_id", "version_superseded", nil)
		return nil, nil
	}
	return ver, nil
}

// Visit returns a visit with its items and findings if scope reaches its center.
func (tx *Tx) Visit(scope markaz.Scope, id string) (*VisitDetail, error) {
	d, err := tx.visitDetail(id)
	return scoped(scope, d, err)
}

// scoped returns r, or ErrForbidden when scope does not reach it (err as it is).
func scoped[T interface{ Ref() markaz.Ref }](scope markaz.Scope, r T, err error) (T, error) {
	if err == nil && !scope.Contains(r.Ref()) {
		var none T
		return none, markaz.ErrForbidden
	}
	return r, err
}

func (tx *Tx) visitDetail(id string) (*VisitDetail, error) {
	var d VisitDetail
	if err := tx.Get(&d.Visit, `SELECT `+visitCols+visitFrom+` WHERE v.id = ?`, id); err != nil {
		return nil, err
	}
	d.Items = []VisitItem{}
	if err := tx.Select(&d.Items, `SELECT `+prefixCols("i.", itemCols)+`, vi.score, vi.note FROM visit_items vi
		JOIN checklist_items i ON i.id = vi.item_id WHERE vi.visit_id = ? ORDER BY i.seq`, id); err != nil {
		return nil, err
	}
	var ids []string
	if err := tx.Select(&ids, `SELECT id FROM findings WHERE visit_id = ? ORDER BY created_at, id`, id); err != nil {
		return nil, err
	}
	d.Findings = []FindingDetail{}
	for _, fid := range ids {
		f, err := tx.findingDetail(fid)
		if err != nil {
			return nil, err
		}
		d.Findings = append(d.Findings, *f)
	}
	return &d, nil
}

// VisitFilter selects visits, newest first (visit date, then id, descending) after After.
type VisitFilter struct {
	Scope     markaz.Scope
	Gov       string
	Center    string
	Committee string
	From, To  markaz.Date
	After     *DateKey
	Limit     int
}

// Visits lists one page of the visits f selects; next is nil on the last page.
func (db *DB) Visits(ctx context.Context, f VisitFilter) (rows []Visit, next *DateKey, err error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		w, err := tx.followUpWhere("v", f.Scope, f.Gov, f.Center)
		if err != nil {
			return err
		}
		w.equal("v.committee_id", f.Committee)
		if !f.From.IsZero() {
			w.add("v.visited_on >= ?", f.From)
		}
		if !f.To.IsZero() {
			w.add("v.visited_on <= ?", f.To)
		}
		if f.After != nil {
			w.add("(v.visited_on < ? OR v.visited_on = ? AND v.id < ?)", f.After.Date, f.After.Date, f.After.ID)
		}
		return tx.Select(&rows, `SELECT `+visitCols+visitFrom+w.String()+` ORDER BY v.visited_on DESC, v.id DESC LIMIT ?`,
			append(w.args, f.Limit+1)...)
	})
	if err != nil {
		return nil, nil, err
	}
	rows, next = pageEnd(rows, f.Limit, func(v *Visit) DateKey { return DateKey{v.VisitedOn, v.ID} })
	return rows, next, nil
}

// FindingDetail is a finding with its corrective action, the action's history and the
// finding's attachments.
type FindingDetail struct {
	inspection.Finding
	Action *inspection.Action `json:"corrective_action"`
	Events []ActionEvent      `json:"history"`
	Files  []FileInfo         `json:"files"`
}

// ActionEvent is one change in a corrective action's history.
type ActionEvent struct {
	Seq      int         `json:"seq" db:"seq"`
	At       time.Time   `json:"at" db:"at"`
	Username string      `json:"username" db:"username"`
	From     string      `json:"from_status" db:"from_status"`
	To       string      `json:"to_status" db:"to_status"`
	DueDate  markaz.Date `json:"due_date" db:"due_date"`
	Note     string      `json:"note" db:"note"`
}

const findingCols = `id, visit_id, center_id, gov_code, unit_code, category, severity, description, created_by, created_at`

const findingSelect = `SELECT f.id, f.visit_id, f.center_id, c.code AS center_code, c.name_ar AS center_name_ar,
	c.name_en AS center_name_en, f.gov_code, f.unit_code, f.category, f.severity, f.description, f.created_by, f.created_at
	FROM findings f JOIN centers c ON c.id = f.center_id`

const actionCols = `a.id, a.finding_id, a.visit_id, a.center_id, c.code AS center_code, c.name_ar AS center_name_ar,
	c.name_en AS center_name_en, a.gov_code, a.unit_code, a.description, a.owner_user_id,
	COALESCE(u.username, '') AS owner_username,
	CASE WHEN a.owner_user_id <> '' THEN COALESCE(u.full_name, '') ELSE a.owner_name END AS owner_name,
	a.due_date, a.status, f.severity, a.version, a.created_at, a.updated_at, a.closed_at`

const actionFrom = ` FROM corrective_actions a JOIN centers c ON c.id = a.center_id JOIN findings f ON f.id = a.finding_id
	LEFT JOIN users u ON u.id = a.owner_user_id`

// FindingKind is the owner kind of a finding's attachments.
const FindingKind = "finding"

func (tx *Tx) findingDetail(id string) (*FindingDetail, error) {
	var d FindingDetail
	if err := tx.Get(&d.Finding, findingSelect+` WHERE f.id = ?`, id); err != nil {
		return nil, err
	}
	var a inspection.Action
	if err := tx.Get(&a, `SELECT `+actionCols+actionFrom+` WHERE a.finding_id = ?`, id); err != nil {
		return nil, err
	}
	a.Overdue = a.IsOverdue(tx.Today())
	d.Action = &a
	d.Events = []ActionEvent{}
	if err := tx.Select(&d.Events, `SELECT seq, at, username, from_status, to_status, due_date, note
		FROM corrective_action_events WHERE action_id = ? ORDER BY seq`, a.ID); err != nil {
		return nil, err
	}
	var err error
	d.Files, err = tx.Files(FindingKind, id)
	return &d, err
}

// Finding returns a finding with its action, history and files if scope reaches it.
func (tx *Tx) Finding(scope markaz.Scope, id string) (*FindingDetail, error) {
	d, err := tx.findingDetail(id)
	return scoped(scope, d, err)
}

// FindingRef places finding id in the territory (for the file access check).
func (tx *Tx) FindingRef(id string) (markaz.Ref, error) {
	var f inspection.Finding
	err := tx.Get(&f, findingSelect+` WHERE f.id = ?`, id)
	return f.Ref(), err
}

// FindingInput adds a finding to a visit with its corrective action: what must be done
// (Action), its owner (OwnerUsername, a user who can see the center's inspections, or
// OwnerParty, a named party) and its due date (by default the severity's working days
// from today through the calendar).
type FindingInput struct {
	Category      string      `json:"category"`
	Severity      string      `json:"severity"`
	Description   string      `json:"description"`
	Action        string      `json:"action"`
	OwnerUsername string      `json:"owner_username"`
	OwnerParty    string      `json:"owner_party"`
	DueDate       markaz.Date `json:"due_date"`
}

// MayRecord reports whether p may record at visit v: a member of its committee with
// inspections.write over its center.
func (tx *Tx) MayRecord(p *markaz.Principal, v *Visit) (bool, error) {
	if !p.Allowed(markaz.PermInspectionsWrite, v.Ref()) {
		return false, nil
	}
	return tx.isMember(v.CommitteeID, p.UserID)
}

// AddFinding validates and stores a finding of visit visitID with its corrective action
// and files (already checked by attachment.Check), and audits it.
func (tx *Tx) AddFinding(p *markaz.Principal, visitID string, in FindingInput, files []*attachment.File) (*FindingDetail, error) {
	vd, err := tx.Visit(p.Scope(markaz.PermInspectionsRead), visitID)
	if err != nil {
		return nil, err
	}
	if ok, err := tx.MayRecord(p, &vd.Visit); err != nil || !ok {
		return nil, forbiddenOr(err)
	}
	var v markaz.Validator
	today := tx.Today()
	f := inspection.Finding{ID: markaz.NewID(), VisitID: vd.ID, Place: vd.Place, Category: in.Category, Severity: in.Severity, Description: in.Description,
		CreatedBy: p.Username, CreatedAt: tx.Now}
	f.Validate(&v)
	a := inspection.Action{ID: markaz.NewID(), FindingID: f.ID, VisitID: vd.ID, Place: vd.Place, Description: in.Action, OwnerName: in.OwnerParty,
		DueDate: in.DueDate, Status: inspection.ActionOpen, Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	owner := strings.ToLower(strings.TrimSpace(in.OwnerUsername))
	inspection.CheckNewAction(&v, &a, owner, today)
	if owner != "" && !v.Has("owner") {
		if a.OwnerUserID, err = tx.actionOwner(&v, owner, f.Ref()); err != nil {
			return nil, err
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if a.DueDate.IsZero() {
		if a.DueDate, err = tx.DueDate(f.GovCode, f.CenterID, today, inspection.DueWorkingDays(f.Severity)); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(`INSERT INTO findings (`+findingCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.VisitID, f.CenterID, f.GovCode, f.UnitCode, f.Category, f.Severity, f.Description, f.CreatedBy,
		f.CreatedAt); err != nil {
		return nil, err
	}
	if a.OwnerUserID != "" {
		a.OwnerName = ""
	}
	if _, err := tx.Exec(`INSERT INTO corrective_actions (id, finding_id, visit_id, center_id, gov_code, unit_code,
		description, owner_user_id, owner_name, due_date, status, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.FindingID, a.VisitID, a.CenterID, a.GovCode, a.UnitCode,
		a.Description, a.OwnerUserID, a.OwnerName, a.DueDate, a.Status, a.Version, a.CreatedAt, a.UpdatedAt); err != nil {
		return nil, err
	}
	if err := tx.actionEvent(p, a.ID, 1, "", a.Status, a.DueDate, ""); err != nil {
		return nil, err
	}
	var names []string
	for _, file := range files {
		fi, err := tx.AddFile(ActorOf(p), FindingKind, f.ID, file)
		if err != nil {
			return nil, err
		}
		names = append(names, fi.Name)
	}
	if err := tx.Audit(ActorOf(p), "finding.create", "finding", f.ID, f.Ref(), nil,
		map[string]any{"finding": f, "corrective_action": actionAudit(&a), "files": names}); err != nil {
		return nil, err
	}
	return tx.findingDetail(f.ID)
}

func forbiddenOr(err error) error {
	if err != nil {
		return err
	}
	return markaz.ErrForbidden
}

// actionOwner resolves an owner username: an active user who may read the center's
// inspections (so that they can follow the action up).
func (tx *Tx) actionOwner(v *markaz.Validator, username string, ref markaz.Ref) (string, error) {
	u, err := tx.GetUserByName(username)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		v.Add("owner", "unknown_user", nil)
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if u.DisabledAt != nil {
		v.Add("owner", "unknown_user", nil)
		return "", nil
	}
	if !tx.Principal(u).Allowed(markaz.PermInspectionsRead, ref) {
		v.Add("owner", "owner_cannot_see", nil)
		return "", nil
	}
	return u.ID, nil
}

// OwnerOption is a user who may own a corrective action at a center.
type OwnerOption struct {
	Username string `json:"username" db:"username"`
	FullName string `json:"full_name" db:"full_name"`
	Role     string `json:"role" db:"role"`
}

// OwnerOptions lists the active users placed at center c, its district/city or its
// governorate whose role reads inspections there: those an action may be given to.
func (tx *Tx) OwnerOptions(c *Visit) ([]OwnerOption, error) {
	var rows []OwnerOption
	today := tx.Today()
	err := tx.Select(&rows, `SELECT DISTINCT u.username, u.full_name, a.role FROM users u JOIN assignments a ON a.user_id = u.id
		WHERE u.disabled_at IS NULL AND a.revoked_at IS NULL AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)
		AND (a.level = ? AND a.center_id = ? OR a.level = ? AND a.unit_code = ? OR a.level = ? AND a.gov_code = ?)
		ORDER BY u.username, a.role`, today, today, markaz.LevelCenter, c.CenterID, markaz.LevelUnit, c.UnitCode,
		markaz.LevelGovernorate, c.GovCode)
	var out []OwnerOption
	for _, r := range rows {
		if markaz.RoleHas(r.Role, markaz.PermInspectionsRead) && (len(out) == 0 || out[len(out)-1].Username != r.Username) {
			out = append(out, r)
		}
	}
	return out, err
}

func actionAudit(a *inspection.Action) map[string]any {
	return map[string]any{"id": a.ID, "description": a.Description, "owner_user_id": a.OwnerUserID,
		"owner_name": a.OwnerName, "due_date": a.DueDate, "status": a.Status, "version": a.Version}
}

func (tx *Tx) actionEvent(p *markaz.Principal, actionID string, seq int, from, to string, due markaz.Date, note string) error {
	a := ActorOf(p)
	_, err := tx.Exec(`INSERT INTO corrective_action_events (id, action_id, seq, at, user_id, username, from_status,
		to_status, due_date, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, markaz.NewID(), actionID, seq, tx.Now,
		a.UserID, a.Username, from, to, due, note)
	return err
}

// ActionRoles says how p stands to action a: its owner, and whether it may follow it up
// for the committee (inspections.write over the center).
func ActionRoles(p *markaz.Principal, a *inspection.Action) (owner, committee bool) {
	return a.OwnerUserID != "" && a.OwnerUserID == p.UserID, p.Allowed(markaz.PermInspectionsWrite, a.Ref())
}

// UpdateAction applies change ch to corrective action id for p (checked by
// inspection.CheckChange), records it in the action's history and audits it. The UPDATE
// is conditional on the version read, so of two concurrent changes one wins.
func (tx *Tx) UpdateAction(p *markaz.Principal, id string, ch inspection.Change) (*FindingDetail, error) {
	var a inspection.Action
	if err := tx.Get(&a, `SELECT `+actionCols+actionFrom+` WHERE a.id = ?`, id); err != nil {
		return nil, err
	}
	if !p.Scope(markaz.PermInspectionsRead).Contains(a.Ref()) {
		return nil, markaz.ErrForbidden
	}
	owner, committee := ActionRoles(p, &a)
	if err := inspection.CheckChange(a.Status, a.DueDate, &ch, owner, committee, tx.Today()); err != nil {
		return nil, err
	}
	if ch.Version != nil && *ch.Version != a.Version {
		return nil, errCenterStale
	}
	before := actionAudit(&a)
	from := a.Status
	if ch.Status != "" {
		a.Status = ch.Status
	}
	var due markaz.Date
	if !ch.DueDate.IsZero() && ch.DueDate != a.DueDate {
		a.DueDate, due = ch.DueDate, ch.DueDate
	}
	if a.Status == inspection.ActionClosed {
		a.ClosedAt = &tx.Now
	}
	res, err := tx.Exec(`UPDATE corrective_actions SET status = ?, due_date = ?, closed_at = ?, version = version + 1,
		updated_at = ? WHERE id = ? AND version = ?`, a.Status, a.DueDate, a.ClosedAt, tx.Now, a.ID, a.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	a.Version++
	if err := tx.actionEvent(p, a.ID, a.Version, from, a.Status, due, ch.Note); err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "corrective_action.update", "corrective_action", a.ID, a.Ref(), before,
		actionAudit(&a)); err != nil {
		return nil, err
	}
	return tx.findingDetail(a.FindingID)
}

// ActionFilter selects corrective actions by due date, then id, after After.
type ActionFilter struct {
	Scope   markaz.Scope
	Gov     string
	Center  string
	Status  string
	Overdue bool   // past the due date and not closed
	Open    bool   // not closed
	Owner   string // a user id
	After   *DateKey
	Limit   int
}

// ActionList is one page of corrective actions, how many match in all, and the key to
// continue after (nil on the last page).
type ActionList struct {
	Rows  []inspection.Action
	Total int
	Next  *DateKey
}

// Actions lists one page of the corrective actions f selects.
func (db *DB) Actions(ctx context.Context, f ActionFilter) (ActionList, error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	var out ActionList
	err := db.Read(ctx, func(tx *Tx) error {
		w, err := tx.followUpWhere("a", f.Scope, f.Gov, f.Center)
		if err != nil {
			return err
		}
		w.equal("a.status", f.Status)
		w.equal("a.owner_user_id", f.Owner)
		today := tx.Today()
		if f.Overdue {
			w.add("a.status <> ? AND a.due_date < ?", inspection.ActionClosed, today)
		}
		if f.Open {
			w.add("a.status <> ?", inspection.ActionClosed)
		}
		if err := tx.Get(&out.Total, `SELECT COUNT(*) FROM corrective_actions a`+w.String(), w.args...); err != nil {
			return err
		}
		if f.After != nil {
			w.add("(a.due_date > ? OR a.due_date = ? AND a.id > ?)", f.After.Date, f.After.Date, f.After.ID)
		}
		if err := tx.Select(&out.Rows, `SELECT `+actionCols+actionFrom+w.String()+` ORDER BY a.due_date, a.id LIMIT ?`,
			append(w.args, f.Limit+1)...); err != nil {
			return err
		}
		for i := range out.Rows {
			out.Rows[i].Overdue = out.Rows[i].IsOverdue(today)
		}
		return nil
	})
	if err != nil {
		return ActionList{}, err
	}
	out.Rows, out.Next = pageEnd(out.Rows, f.Limit, func(a *inspection.Action) DateKey { return DateKey{a.DueDate, a.ID} })
	return out, nil
}
