package store

// The problems inventory: reporting (a number from one counter row, attachments in the
// same transaction), who sees a ticket (problems.read over its territory, or problems.work
// and membership of the team it is escalated to), actions checked by problem.Decide and
// applied by an UPDATE conditional on the version read, the history (problem_events), and
// lists filtered in SQL with keyset paging by number.

import (
	"context"
	"slices"
	"strings"

	"markaz"
	"markaz/attachment"
	"markaz/problem"
	"markaz/resource"
)

const problemCols = `p.id, p.number, p.center_id, c.code AS center_code, c.name_ar AS center_name_ar,
	c.name_en AS center_name_en, p.gov_code, p.unit_code, p.category, p.severity, p.status, p.target, p.title,
	p.description, p.equipment_id, p.merged_into, p.resolution, p.reported_by, p.reported_by_id, p.reported_at,
	p.resolved_at, p.version, p.updated_at`

const problemFrom = ` FROM problems p JOIN centers c ON c.id = p.center_id`

// ProblemLink names another ticket: the original a duplicate was merged into, or a
// duplicate merged into this one (with who reported it, where).
type ProblemLink struct {
	ID         string `json:"id" db:"id"`
	Number     int64  `json:"number" db:"number"`
	CenterCode string `json:"center_code" db:"center_code"`
	ReportedBy string `json:"reported_by" db:"reported_by"`
	Title      string `json:"title" db:"title"`
}

// ProblemDetail is a ticket with its history (oldest first), attachments, equipment item,
// the original it was merged into, the duplicates merged into it, and the actions the
// reader may take now.
type ProblemDetail struct {
	problem.Problem
	Events     []problem.Event     `json:"events"`
	Files      []FileInfo          `json:"files"`
	Equipment  *resource.Equipment `json:"equipment,omitempty"`
	Original   *ProblemLink        `json:"original,omitempty"`
	Duplicates []ProblemLink       `json:"duplicates"`
	Actions    []string            `json:"actions"`
	Sides      problem.Sides       `json:"-"`
}

// SupportTeams lists the escalation teams the user belongs to.
func (tx *Tx) SupportTeams(userID string) ([]string, error) {
	out := []string{}
	err := tx.Select(&out, `SELECT team FROM support_team_members WHERE user_id = ? AND removed_at IS NULL ORDER BY team`, userID)
	return out, err
}

// problemVisible is the SQL condition of the tickets p may read (on alias p): those inside
// its problems.read scope, and those escalated to one of its teams when it holds
// problems.work.
func problemVisible(p *markaz.Principal) (string, []any) {
	var w where
	w.scope(p.Scope(markaz.PermProblemsRead), "p.gov_code", "p.unit_code", "p.center_id")
	cond := "1 = 1"
	if len(w.conds) > 0 {
		cond = w.conds[0]
	}
	if p.Can(markaz.PermProblemsWork) {
		cond = "(" + cond + ` OR p.target IN (SELECT team FROM support_team_members
			WHERE user_id = ? AND removed_at IS NULL))`
		w.args = append(w.args, p.UserID)
	}
	return cond, w.args
}

// problemSides says how p relates to ticket pr.
func (tx *Tx) problemSides(p *markaz.Principal, pr *problem.Problem) (problem.Sides, error) {
	ref := pr.Ref()
	s := problem.Sides{Reporter: p.Allowed(markaz.PermProblemsReport, ref), Triage: p.Allowed(markaz.PermProblemsTriage, ref)}
	if pr.Target != "" && p.Can(markaz.PermProblemsWork) {
		teams, err := tx.SupportTeams(p.UserID)
		if err != nil {
			return s, err
		}
		s.Team = slices.Contains(teams, pr.Target)
	}
	return s, nil
}

// loadProblem reads ticket id (locked for update when lock) if p may see it: ErrNotFound
// when there is none, ErrForbidden when it lies outside what p sees.
func (tx *Tx) loadProblem(p *markaz.Principal, id string, lock bool) (*problem.Problem, problem.Sides, error) {
	var pr problem.Problem
	q := `SELECT ` + problemCols + problemFrom + ` WHERE p.id = ?`
	if lock && tx.dialect == Postgres {
		q += " FOR UPDATE OF p" // the ticket's row, not its center's
	}
	if !markaz.ValidID(id) {
		return nil, problem.Sides{}, markaz.ErrNotFound
	}
	if err := tx.Get(&pr, q, id); err != nil {
		return nil, problem.Sides{}, err
	}
	sides, err := tx.problemSides(p, &pr)
	if err != nil {
		return nil, sides, err
	}
	if !sides.Team && !p.Allowed(markaz.PermProblemsRead, pr.Ref()) {
		return nil, sides, markaz.ErrForbidden
	}
	return &pr, sides, nil
}

// CheckProblemAccess is the owner check of a ticket's attachments.
func (tx *Tx) CheckProblemAccess(p *markaz.Principal, id string) error {
	_, _, err := tx.loadProblem(p, id, false)
	return err
}

// Problem returns ticket id with its history, files and links, if p may see it.
func (tx *Tx) Problem(p *markaz.Principal, id string) (*ProblemDetail, error) {
	pr, sides, err := tx.loadProblem(p, id, false)
	if err != nil {
		return nil, err
	}
	return tx.problemDetail(pr, sides)
}

func (tx *Tx) problemDetail(pr *problem.Problem, sides problem.Sides) (*ProblemDetail, error) {
	d := &ProblemDetail{Problem: *pr, Events: []problem.Event{}, Duplicates: []ProblemLink{}, Sides: sides}
	setHours(&d.Problem)
	if err := tx.Select(&d.Events, `SELECT seq, at, user_id, username, action, from_status, to_status, category,
		severity, target, related, note FROM problem_events WHERE problem_id = ? ORDER BY seq`, pr.ID); err != nil {
		return nil, err
	}
	var err error
	if d.Files, err = tx.Files("problem", pr.ID); err != nil {
		return nil, err
	}
	if pr.EquipmentID != nil {
		if d.Equipment, err = tx.getEquipment(*pr.EquipmentID); err != nil {
			return nil, err
		}
	}
	const link = `SELECT p.id, p.number, c.code AS center_code, p.reported_by, p.title` + problemFrom
	if pr.MergedInto != nil {
		d.Original = &ProblemLink{}
		if err := tx.Get(d.Original, link+` WHERE p.id = ?`, *pr.MergedInto); err != nil {
			return nil, err
		}
	}
	if err := tx.Select(&d.Duplicates, link+` WHERE p.merged_into = ? ORDER BY p.number`, pr.ID); err != nil {
		return nil, err
	}
	d.Actions = problem.Allowed(pr.Status, pr.Target, sides)
	if d.Actions == nil {
		d.Actions = []string{}
	}
	return d, nil
}

// setHours fills a solved ticket's hours from report to resolution.
func setHours(p *problem.Problem) {
	if p.ResolvedAt != nil && problem.Solved(p.Status) {
		h := problem.Hours(p.ReportedAt, *p.ResolvedAt)
		p.HoursToSolve = &h
	}
}

// reportingCenter picks the center a ticket is reported for: want, or the one center
// where p holds problems.report at center level. p must hold problems.report over it,
// and it must be in service.
func (tx *Tx) reportingCenter(p *markaz.Principal, want string) (*markaz.Center, error) {
	if want == "" {
		var ids []string
		for _, a := range p.Assignments {
			if a.Level == markaz.LevelCenter && markaz.RoleHas(a.Role, markaz.PermProblemsReport) && !slices.Contains(ids, a.CenterID) {
				ids = append(ids, a.CenterID)
			}
		}
		if len(ids) != 1 {
			return nil, fieldErr("center_id", "required")
		}
		want = ids[0]
	}
	c, err := tx.GetCenter(want)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil, fieldErr("center_id", "unknown_center")
	}
	if err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermProblemsReport, c.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if !c.RetiredOn.IsZero() && !c.RetiredOn.After(tx.Today()) {
		return nil, fieldErr("center_id", "retired_center")
	}
	return c, nil
}

// ReportProblem records a new ticket r (validated with Report.Validate) by p with its
// attachments, all in the caller's transaction: nothing is half-saved.
func (tx *Tx) ReportProblem(p *markaz.Principal, r *problem.Report, files []*attachment.File) (*ProblemDetail, error) {
	c, err := tx.reportingCenter(p, r.CenterID)
	if err != nil {
		return nil, err
	}
	var equipment *string
	if r.EquipmentID != "" {
		e, err := tx.getEquipment(r.EquipmentID)
		switch {
		case markaz.ErrorCode(err) == markaz.ENotFound:
			return nil, fieldErr("equipment_id", "unknown_equipment")
		case err != nil:
			return nil, err
		case e.CenterID != c.ID:
			return nil, fieldErr("equipment_id", "equipment_elsewhere")
		case e.Status == resource.EquipRetired:
			return nil, fieldErr("equipment_id", "equipment_retired")
		}
		equipment = &e.ID
	}
	var next int64
	if err := tx.Get(&next, `UPDATE problem_numbers SET next_no = next_no + 1 WHERE id = 1 RETURNING next_no`); err != nil {
		return nil, err
	}
	actor := ActorOf(p)
	pr := problem.Problem{ID: markaz.NewID(), Number: next - 1, CenterID: c.ID, GovCode: c.GovCode, UnitCode: c.UnitCode,
		Category: r.Category, Severity: r.Severity, Status: problem.StatusReported, Title: r.Title,
		Description: r.Description, EquipmentID: equipment, ReportedBy: actor.Username, ReportedByID: actor.UserID,
		ReportedAt: tx.Now, Version: 1, UpdatedAt: tx.Now}
	if _, err := tx.Exec(`INSERT INTO problems (id, number, center_id, gov_code, unit_code, category, severity, status,
		target, title, description, search_key, equipment_id, reported_by, reported_by_id, reported_at, version, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, 1, ?)`, pr.ID, pr.Number, pr.CenterID, pr.GovCode,
		pr.UnitCode, pr.Category, pr.Severity, pr.Status, pr.Title, pr.Description, searchKey(pr.Title, pr.Description),
		pr.EquipmentID, pr.ReportedBy, pr.ReportedByID, pr.ReportedAt, pr.UpdatedAt); err != nil {
		return nil, err
	}
	ev := problem.Event{Seq: 1, Action: problem.ActionReport, To: pr.Status, Category: pr.Category, Severity: pr.Severity}
	if err := tx.problemEvent(actor, pr.ID, ev); err != nil {
		return nil, err
	}
	if err := tx.addProblemFiles(actor, &pr, files); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "problem.report", "problem", pr.ID, pr.Ref(), nil, problemAudit(&pr)); err != nil {
		return nil, err
	}
	sides, err := tx.problemSides(p, &pr)
	if err != nil {
		return nil, err
	}
	return tx.problemDetail(&pr, sides)
}

func (tx *Tx) addProblemFiles(a Actor, pr *problem.Problem, files []*attachment.File) error {
	for _, f := range files {
		if _, err := tx.AddFile(a, "problem", pr.ID, f); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) problemEvent(a Actor, problemID string, e problem.Event) error {
	_, err := tx.Exec(`INSERT INTO problem_events (id, problem_id, seq, at, user_id, username, action, from_status,
		to_status, category, severity, target, related, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		markaz.NewID(), problemID, e.Seq, tx.Now, a.UserID, a.Username, e.Action, e.From, e.To, e.Category,
		e.Severity, e.Target, e.Related, e.Note)
	return err
}

// appendEvent adds the next event of ticket id (seq after its last).
func (tx *Tx) appendEvent(a Actor, id string, e problem.Event) error {
	if err := tx.Get(&e.Seq, `SELECT COALESCE(MAX(seq), 0) + 1 FROM problem_events WHERE problem_id = ?`, id); err != nil {
		return err
	}
	return tx.problemEvent(a, id, e)
}

// problemAudit is what the audit log keeps of a ticket's state.
func problemAudit(p *problem.Problem) map[string]any {
	return map[string]any{"number": p.Number, "status": p.Status, "category": p.Category, "severity": p.Severity,
		"target": p.Target, "merged_into": p.MergedInto, "resolved_at": p.ResolvedAt, "version": p.Version}
}

// AddProblemFiles attaches files to ticket id for p, who must relate to it (report,
// triage or team) while it is not merged; the history says who added what.
func (tx *Tx) AddProblemFiles(p *markaz.Principal, id string, files []*attachment.File) (*ProblemDetail, error) {
	pr, sides, err := tx.loadProblem(p, id, true)
	if err != nil {
		return nil, err
	}
	if !sides.Any() {
		return nil, markaz.ErrForbidden
	}
	if pr.Status == problem.StatusMerged {
		return nil, markaz.Errorf(markaz.EConflict, "error.problem_transition")
	}
	if len(files) == 0 {
		return nil, fieldErr("files", "required")
	}
	actor := ActorOf(p)
	if err := tx.addProblemFiles(actor, pr, files); err != nil {
		return nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	if err := tx.appendEvent(actor, pr.ID, problem.Event{Action: problem.ActionFiles, From: pr.Status, To: pr.Status,
		Note: strings.Join(names, "، ")}); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "problem.files", "problem", pr.ID, pr.Ref(), nil, map[string]any{"files": names}); err != nil {
		return nil, err
	}
	return tx.problemDetail(pr, sides)
}

// ActOnProblem applies one action (validated with Act.Validate) by p to ticket id. A
// version, when given, must be the ticket's current one. The UPDATE is conditional on the
// version read, so of concurrent actions one wins and the others get a conflict.
func (tx *Tx) ActOnProblem(p *markaz.Principal, id string, a *problem.Act) (*ProblemDetail, error) {
	pr, sides, err := tx.loadProblem(p, id, true)
	if err != nil {
		return nil, err
	}
	if a.Version != nil && *a.Version != pr.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	to, err := problem.Decide(a.Action, pr.Status, pr.Target, sides)
	if err != nil {
		return nil, err
	}
	before := problemAudit(pr)
	from := pr.Status
	ev := problem.Event{Action: a.Action, From: from, To: to, Note: a.Note}
	var original *problem.Problem
	switch a.Action {
	case problem.ActionAccept, problem.ActionReclassify, problem.ActionEscalate:
		changed := false
		if a.Category != "" && a.Category != pr.Category {
			pr.Category, ev.Category, changed = a.Category, a.Category, true
		}
		if a.Severity != "" && a.Severity != pr.Severity {
			pr.Severity, ev.Severity, changed = a.Severity, a.Severity, true
		}
		if a.Action == problem.ActionReclassify && !changed {
			return nil, fieldErr("category", "nothing_changed")
		}
		if a.Action == problem.ActionEscalate {
			if a.Target == pr.Target && (from == problem.StatusEscalated || from == problem.StatusInProgress) {
				return nil, fieldErr("target", "same_target")
			}
			pr.Target, ev.Target = a.Target, a.Target
		}
	case problem.ActionResolve:
		pr.Resolution, pr.ResolvedAt = a.Note, &tx.Now
	case problem.ActionReopen:
		pr.ResolvedAt = nil
	case problem.ActionMerge:
		if original, err = tx.mergeTarget(p, pr, a.Into); err != nil {
			return nil, err
		}
		pr.MergedInto, ev.Related = &original.ID, original.ID
	}
	pr.Status = to
	res, err := tx.Exec(`UPDATE problems SET status = ?, category = ?, severity = ?, target = ?, resolution = ?,
		resolved_at = ?, merged_into = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		pr.Status, pr.Category, pr.Severity, pr.Target, pr.Resolution, pr.ResolvedAt, pr.MergedInto, tx.Now,
		pr.ID, pr.Version)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	pr.Version++
	pr.UpdatedAt = tx.Now
	actor := ActorOf(p)
	if err := tx.appendEvent(actor, pr.ID, ev); err != nil {
		return nil, err
	}
	if original != nil {
		// The original's history names the duplicate, so its reporters stay in view.
		if err := tx.appendEvent(actor, original.ID, problem.Event{Action: problem.ActionMergedIn,
			From: original.Status, To: original.Status, Related: pr.ID, Note: a.Note}); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(actor, "problem."+a.Action, "problem", pr.ID, pr.Ref(), before, problemAudit(pr)); err != nil {
		return nil, err
	}
	sides, err = tx.problemSides(p, pr)
	if err != nil {
		return nil, err
	}
	return tx.problemDetail(pr, sides)
}

// mergeTarget loads the original a duplicate is merged into: another ticket, not itself
// merged, which p may triage too.
func (tx *Tx) mergeTarget(p *markaz.Principal, dup *problem.Problem, into string) (*problem.Problem, error) {
	if into == dup.ID {
		return nil, fieldErr("into", "merge_self")
	}
	var o problem.Problem
	err := tx.Get(&o, `SELECT `+problemCols+problemFrom+` WHERE p.id = ?`, into)
	switch {
	case markaz.ErrorCode(err) == markaz.ENotFound:
		return nil, fieldErr("into", "unknown_problem")
	case err != nil:
		return nil, err
	case !p.Allowed(markaz.PermProblemsTriage, o.Ref()):
		return nil, fieldErr("into", "unknown_problem")
	case o.Status == problem.StatusMerged:
		return nil, fieldErr("into", "merged_original")
	}
	return &o, nil
}

// ProblemFilter selects tickets for a list. Viewer is who reads (what they see is
// filtered in SQL); the other fields narrow it. Rows come newest first by number (oldest
// first with Oldest), after the number After.
type ProblemFilter struct {
	Viewer    *markaz.Principal
	Statuses  []string
	Category  string
	Target    string
	Severity  string
	Center    string
	Gov       string
	Equipment string
	Query     string
	Oldest    bool
	After     int64
	Limit     int
}

// Problems lists one page of the tickets f selects; next is 0 on the last page. A
// governorate or center filter naming nothing is a field error, one outside the viewer's
// territory forbidden (except for a support agent, whose tickets come from anywhere).
func (db *DB) Problems(ctx context.Context, f ProblemFilter) (rows []problem.Problem, next int64, err error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		if err := tx.checkProblemFilter(f); err != nil {
			return err
		}
		cond, args := problemVisible(f.Viewer)
		w := &where{conds: []string{cond}, args: args}
		for _, eq := range []struct{ col, val string }{{"p.category", f.Category}, {"p.target", f.Target},
			{"p.severity", f.Severity}, {"p.center_id", f.Center}, {"p.gov_code", f.Gov}, {"p.equipment_id", f.Equipment}} {
			if eq.val != "" {
				w.add(eq.col+" = ?", eq.val)
			}
		}
		if len(f.Statuses) > 0 {
			in, a := inList(f.Statuses)
			w.add("p.status"+in, a...)
		}
		for _, word := range strings.Fields(markaz.NormalizeSearch(f.Query)) {
			if n := digitsOnly(word); n == word && len(n) < 10 {
				w.add(`(p.number = ? OR p.search_key LIKE ? ESCAPE '\')`, n, "%"+word+"%")
				continue
			}
			w.add(`p.search_key LIKE ? ESCAPE '\'`, "%"+centerLikeEscaper.Replace(word)+"%")
		}
		order := " ORDER BY p.number DESC"
		if f.After > 0 {
			if f.Oldest {
				w.add("p.number > ?", f.After)
			} else {
				w.add("p.number < ?", f.After)
			}
		}
		if f.Oldest {
			order = " ORDER BY p.number"
		}
		return tx.Select(&rows, `SELECT `+problemCols+problemFrom+w.String()+order+` LIMIT ?`, append(w.args, f.Limit+1)...)
	})
	if err != nil {
		return nil, 0, err
	}
	if rows == nil {
		rows = []problem.Problem{}
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		next = rows[f.Limit-1].Number
	}
	for i := range rows {
		setHours(&rows[i])
	}
	return rows, next, nil
}

// checkProblemFilter refuses filters naming no governorate, center or equipment item (422),
// or, for a reader without team access, territory it cannot reach (403).
func (tx *Tx) checkProblemFilter(f ProblemFilter) error {
	scope := f.Viewer.Scope(markaz.PermProblemsRead)
	agent := f.Viewer.Can(markaz.PermProblemsWork)
	if f.Gov != "" {
		if err := checkGovernorate(tx, f.Gov); err != nil {
			return err
		}
		if !agent {
			if err := tx.checkCenterFilter(CenterFilter{Scope: scope, Gov: f.Gov}); err != nil {
				return err
			}
		}
	}
	if f.Center != "" {
		c, err := tx.GetCenter(f.Center)
		if markaz.ErrorCode(err) == markaz.ENotFound {
			return fieldErr("center", "unknown_center")
		}
		if err != nil {
			return err
		}
		if !agent && !scope.Contains(c.Ref()) {
			return markaz.ErrForbidden
		}
	}
	if f.Equipment != "" {
		if _, err := tx.getEquipment(f.Equipment); markaz.ErrorCode(err) == markaz.ENotFound {
			return fieldErr("equipment", "unknown_equipment")
		} else if err != nil {
			return err
		}
	}
	return nil
}

// ProblemIDByNumber returns the id of the ticket numbered n if p may see it.
func (tx *Tx) ProblemIDByNumber(p *markaz.Principal, n int64) (string, error) {
	var id string
	if err := tx.Get(&id, `SELECT id FROM problems WHERE number = ?`, n); err != nil {
		return "", err
	}
	_, _, err := tx.loadProblem(p, id, false)
	return id, err
}

// OpenProblems counts the open tickets of a center, of an equipment item, or both (an
// empty id does not narrow). Callers check the reader may see them.
func (tx *Tx) OpenProblems(centerID, equipmentID string) (int, error) {
	w := &where{}
	if centerID != "" {
		w.add("center_id = ?", centerID)
	}
	if equipmentID != "" {
		w.add("equipment_id = ?", equipmentID)
	}
	in, args := inList(problem.OpenStatuses)
	w.add("status"+in, args...)
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM problems`+w.String(), w.args...)
	return n, err
}
