package store

// Checklist templates: national, each a sequence of versions that are only ever added.
// Amending a checklist writes a new version with new item rows; visits point at the
// item rows of the version they were scored with, so a later amendment never changes a
// recorded visit. The migration ships the national default (code STANDARD).

import (
	"context"
	"strings"

	"markaz"
	"markaz/inspection"
)

const checklistCols = `id, code, name_ar, name_en, current_version, created_at, updated_at`

const itemCols = `id, item_key, name_ar, name_en, guide_ar, guide_en, weight`

// ChecklistInput creates a checklist or amends one. Amending takes BasedOn, the version
// the editor started from (a newer one in between is a conflict), and may rename it;
// its code never changes.
type ChecklistInput struct {
	Code    string            `json:"code"`
	NameAr  string            `json:"name_ar"`
	NameEn  string            `json:"name_en"`
	Note    string            `json:"note"`
	Items   []inspection.Item `json:"items"`
	BasedOn int               `json:"based_on"`
}

// ChecklistDetail is a checklist with its current version's items and every version.
type ChecklistDetail struct {
	inspection.Checklist
	Current  *inspection.Version  `json:"current"`
	Versions []inspection.Version `json:"versions"`
}

// Checklists lists every checklist by code.
func (db *DB) Checklists(ctx context.Context) ([]inspection.Checklist, error) {
	out := []inspection.Checklist{}
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.Select(&out, `SELECT `+checklistCols+` FROM checklists ORDER BY code`)
	})
	return out, err
}

// Checklist loads a checklist with its current version and the list of its versions.
func (tx *Tx) Checklist(id string) (*ChecklistDetail, error) {
	var d ChecklistDetail
	if err := tx.Get(&d.Checklist, `SELECT `+checklistCols+` FROM checklists WHERE id = ?`, id); err != nil {
		return nil, err
	}
	d.Versions = []inspection.Version{}
	if err := tx.Select(&d.Versions, `SELECT id, checklist_id, version, note, created_by, created_at
		FROM checklist_versions WHERE checklist_id = ? ORDER BY version DESC`, id); err != nil {
		return nil, err
	}
	var err error
	d.Current, err = tx.ChecklistVersion(id, d.CurrentVersion)
	return &d, err
}

// ChecklistVersion loads version n of checklist id with its items.
func (tx *Tx) ChecklistVersion(id string, n int) (*inspection.Version, error) {
	return tx.checklistVersion(`checklist_id = ? AND version = ?`, id, n)
}

// ChecklistVersionByID loads a version by its own id.
func (tx *Tx) ChecklistVersionByID(id string) (*inspection.Version, error) {
	return tx.checklistVersion(`id = ?`, id)
}

func (tx *Tx) checklistVersion(cond string, args ...any) (*inspection.Version, error) {
	var v inspection.Version
	if err := tx.Get(&v, `SELECT id, checklist_id, version, note, created_by, created_at FROM checklist_versions
		WHERE `+cond, args...); err != nil {
		return nil, err
	}
	v.Items = []inspection.Item{}
	return &v, tx.Select(&v.Items, `SELECT `+itemCols+` FROM checklist_items WHERE version_id = ? ORDER BY seq`, v.ID)
}

// mayEditChecklists reports whether p may create and amend checklists: they are
// national, so inspections.manage nationally.
func mayEditChecklists(p *markaz.Principal) bool { return p.Scope(markaz.PermInspectionsManage).All }

// CreateChecklist validates and stores a new checklist as its version 1, and audits it.
func (tx *Tx) CreateChecklist(p *markaz.Principal, in ChecklistInput) (*ChecklistDetail, error) {
	if !mayEditChecklists(p) {
		return nil, markaz.ErrForbidden
	}
	c := inspection.Checklist{ID: markaz.NewID(), Code: in.Code, NameAr: in.NameAr, NameEn: in.NameEn,
		CurrentVersion: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	var v markaz.Validator
	inspection.CheckChecklist(&v, &c)
	if !v.Has("code") {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM checklists WHERE code = ?`, c.Code); err != nil {
			return nil, err
		}
		if n > 0 {
			v.Add("code", "taken", nil)
		}
	}
	note := checkVersion(&v, &in)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(`INSERT INTO checklists (`+checklistCols+`, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Code, c.NameAr, c.NameEn, c.CurrentVersion, c.CreatedAt, c.UpdatedAt, p.Username); err != nil {
		return nil, err
	}
	ver, err := tx.insertVersion(p, c.ID, 1, note, in.Items)
	if err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "checklist.create", "checklist", c.ID, markaz.Ref{}, nil,
		map[string]any{"checklist": c, "version": ver}); err != nil {
		return nil, err
	}
	return tx.Checklist(c.ID)
}

// checkVersion checks a new version's note and items and returns the trimmed note.
func checkVersion(v *markaz.Validator, in *ChecklistInput) string {
	note := strings.TrimSpace(in.Note)
	v.Text("note", note, inspection.MaxNoteLen, false)
	inspection.CheckItems(v, in.Items)
	return note
}

func (tx *Tx) insertVersion(p *markaz.Principal, checklistID string, n int, note string, items []inspection.Item) (*inspection.Version, error) {
	ver := &inspection.Version{ID: markaz.NewID(), ChecklistID: checklistID, Number: n, Note: note,
		CreatedBy: p.Username, CreatedAt: tx.Now, Items: items}
	if _, err := tx.Exec(`INSERT INTO checklist_versions (id, checklist_id, version, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, ver.ID, checklistID, n, note, ver.CreatedBy, ver.CreatedAt); err != nil {
		return nil, err
	}
	for i := range ver.Items {
		it := &ver.Items[i]
		it.ID = markaz.NewID()
		if _, err := tx.Exec(`INSERT INTO checklist_items (id, version_id, seq, item_key, name_ar, name_en, guide_ar,
			guide_en, weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.ID, ver.ID, i+1, it.Key, it.NameAr, it.NameEn,
			it.GuideAr, it.GuideEn, it.Weight); err != nil {
			return nil, err
		}
	}
	return ver, nil
}

// AmendChecklist adds a new version of checklist id with in's items (and names), if
// in.BasedOn is its current version, and audits it. Recorded visits keep their version.
func (tx *Tx) AmendChecklist(p *markaz.Principal, id string, in ChecklistInput) (*ChecklistDetail, error) {
	if !mayEditChecklists(p) {
		return nil, markaz.ErrForbidden
	}
	var old inspection.Checklist
	if err := tx.Get(&old, `SELECT `+checklistCols+` FROM checklists WHERE id = ?`+tx.ForUpdate(), id); err != nil {
		return nil, err
	}
	var v markaz.Validator
	if in.BasedOn == 0 {
		v.Add("based_on", "required", nil)
	} else if in.BasedOn != old.CurrentVersion {
		return nil, errCenterStale
	}
	c := old
	c.NameAr, c.NameEn = in.NameAr, in.NameEn
	inspection.CheckChecklist(&v, &c)
	note := checkVersion(&v, &in)
	if err := v.Err(); err != nil {
		return nil, err
	}
	c.CurrentVersion, c.UpdatedAt = old.CurrentVersion+1, tx.Now
	res, err := tx.Exec(`UPDATE checklists SET name_ar = ?, name_en = ?, current_version = ?, updated_at = ?
		WHERE id = ? AND current_version = ?`, c.NameAr, c.NameEn, c.CurrentVersion, c.UpdatedAt, c.ID, old.CurrentVersion)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	ver, err := tx.insertVersion(p, c.ID, c.CurrentVersion, note, in.Items)
	if err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "checklist.amend", "checklist", c.ID, markaz.Ref{}, old,
		map[string]any{"checklist": c, "version": ver}); err != nil {
		return nil, err
	}
	return tx.Checklist(c.ID)
}
