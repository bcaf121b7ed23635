package store

import (
	"context"
	"fmt"
	"strings"

	"markaz"
)

// Actor is who makes a change; the zero Actor is the system itself (start-up, demo, CLI).
type Actor struct {
	UserID   string
	Username string
}

// ActorOf returns the actor for a principal (nil means the system).
func ActorOf(p *markaz.Principal) Actor {
	if p == nil {
		return Actor{Username: "system"}
	}
	return Actor{UserID: p.UserID, Username: p.Username}
}

// Audit appends one entry to the chain of the record's territory inside tx. The chain's
// head row is updated first, which locks it (PostgreSQL row lock, SQLite write lock), so
// concurrent writers to one chain queue while writers to other chains do not.
func (tx *Tx) Audit(a Actor, action, entity, entityID string, ref markaz.Ref, before, after any) error {
	if a.Username == "" {
		a.Username = "system"
	}
	e := markaz.AuditEntry{
		Chain: markaz.AuditChain(ref), At: tx.Now, UserID: a.UserID, Username: a.Username,
		Action: action, Entity: entity, EntityID: entityID,
		GovCode: ref.Gov, UnitCode: ref.Unit, CenterID: ref.Center,
		Before: markaz.Snapshot(before), After: markaz.Snapshot(after),
	}
	// One statement creates the chain's head at its first entry or moves it on, and answers
	// the new sequence number with the previous entry's hash (the hash is set below).
	var head struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := tx.Get(&head, `INSERT INTO audit_heads (chain, seq, hash) VALUES (?, 1, '')
		ON CONFLICT (chain) DO UPDATE SET seq = audit_heads.seq + 1 RETURNING seq, hash`, e.Chain); err != nil {
		return err
	}
	e.Seq, e.PrevHash = head.Seq, head.Hash
	e.Hash = e.ComputeHash()
	if _, err := tx.Exec(`UPDATE audit_heads SET hash = ? WHERE chain = ?`, e.Hash, e.Chain); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO audit_log (chain, seq, at, user_id, username, action, entity, entity_id,
		gov_code, unit_code, center_id, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Chain, e.Seq, e.At, e.UserID, e.Username, e.Action, e.Entity, e.EntityID,
		e.GovCode, e.UnitCode, e.CenterID, e.Before, e.After, e.PrevHash, e.Hash)
	return err
}

const auditCols = `id, chain, seq, at, user_id, username, action, entity, entity_id, gov_code, unit_code,
	center_id, before_json, after_json, prev_hash, hash`

// VerifyAudit walks every chain and returns a description of the first broken entry, or
// "" when all are intact: sequence gaps (a removed row), hashes that do not match the
// row's fields (an altered row), chain heads that point past the last row (a removed
// tail) and entries of a chain whose head was removed are all caught.
func (db *DB) VerifyAudit(ctx context.Context) (problem string, checked int, err error) {
	err = db.Snapshot(ctx, func(tx *Tx) error {
		var heads []auditHead
		if err := tx.Select(&heads, `SELECT chain, seq, hash FROM audit_heads ORDER BY chain`); err != nil {
			return err
		}
		known := map[string]bool{}
		for _, h := range heads {
			known[h.Chain] = true
			n, p, err := verifyChain(tx, h)
			checked += n
			if err != nil || p != "" {
				problem = p
				return err
			}
		}
		chains, err := auditDistinct(tx, "chain")
		if err != nil {
			return err
		}
		for _, c := range chains {
			if !known[c] {
				problem = fmt.Sprintf("chain %s: has entries but its head is missing", c)
				return nil
			}
		}
		return nil
	})
	return problem, checked, err
}

type auditHead struct {
	Chain string `db:"chain"`
	Seq   int64  `db:"seq"`
	Hash  string `db:"hash"`
}

// verifyChain checks one chain's entries in order against each other and its head.
func verifyChain(tx *Tx, h auditHead) (checked int, problem string, err error) {
	rows, err := tx.Query(`SELECT `+auditCols+` FROM audit_log WHERE chain = ? ORDER BY seq`, h.Chain)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	prev, want := "", int64(1)
	for rows.Next() {
		var e markaz.AuditEntry
		if err := rows.StructScan(&e); err != nil {
			return checked, "", err
		}
		checked++
		switch {
		case e.Seq != want:
			return checked, fmt.Sprintf("chain %s: entry %d is missing (found %d, id %d)", h.Chain, want, e.Seq, e.ID), nil
		case e.PrevHash != prev:
			return checked, fmt.Sprintf("chain %s: entry %d (id %d) does not follow the entry before it", h.Chain, e.Seq, e.ID), nil
		case e.ComputeHash() != e.Hash:
			return checked, fmt.Sprintf("chain %s: entry %d (id %d) was altered", h.Chain, e.Seq, e.ID), nil
		}
		prev, want = e.Hash, want+1
	}
	if err := rows.Err(); err != nil {
		return checked, "", err
	}
	if want-1 != h.Seq || prev != h.Hash {
		return checked, fmt.Sprintf("chain %s: entries after %d are missing (head is at %d)", h.Chain, want-1, h.Seq), nil
	}
	return checked, "", nil
}

// auditDistinct lists the distinct values of an indexed audit_log column by skipping
// through the index (one lookup per value), not by reading every row.
func auditDistinct(tx *Tx, col string) ([]string, error) {
	var out []string
	err := tx.Select(&out, `WITH RECURSIVE v(x) AS (
		SELECT MIN(`+col+`) FROM audit_log
		UNION ALL
		SELECT (SELECT MIN(`+col+`) FROM audit_log WHERE `+col+` > v.x) FROM v WHERE v.x IS NOT NULL
	) SELECT x FROM v WHERE x IS NOT NULL`)
	return out, err
}

// AuditEntities lists the kinds of record the audit log holds entries for.
func (db *DB) AuditEntities(ctx context.Context) ([]string, error) {
	var out []string
	err := db.Read(ctx, func(tx *Tx) error {
		var err error
		out, err = auditDistinct(tx, "entity")
		return err
	})
	return out, err
}

// GetAudit returns one entry and the length of its chain, or ErrNotFound.
func (db *DB) GetAudit(ctx context.Context, id int64) (*markaz.AuditEntry, int64, error) {
	var e markaz.AuditEntry
	var head int64
	err := db.Read(ctx, func(tx *Tx) error {
		if err := tx.Get(&e, `SELECT `+auditCols+` FROM audit_log WHERE id = ?`, id); err != nil {
			return err
		}
		return tx.Get(&head, `SELECT seq FROM audit_heads WHERE chain = ?`, e.Chain)
	})
	return &e, head, err
}

// AuditFilter narrows an audit log listing.
type AuditFilter struct {
	Scope    markaz.Scope
	Gov      string
	UserID   string
	Entity   string
	EntityID string
	BeforeID int64 // keyset cursor: entries with a smaller id
	Limit    int
}

// ListAudit returns entries newest first, inside the caller's scope.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]markaz.AuditEntry, error) {
	var out []markaz.AuditEntry
	err := db.Read(ctx, func(tx *Tx) error {
		var w where
		if !f.Scope.All {
			w.scope(f.Scope, "gov_code", "unit_code", "center_id")
		}
		if f.Gov != "" {
			w.add("gov_code = ?", f.Gov)
		}
		if f.UserID != "" {
			w.add("user_id = ?", f.UserID)
		}
		if f.Entity != "" {
			w.add("entity = ?", f.Entity)
		}
		if f.EntityID != "" {
			w.add("entity_id = ?", f.EntityID)
		}
		if f.BeforeID > 0 {
			w.add("id < ?", f.BeforeID)
		}
		limit := clampLimit(f.Limit)
		return tx.Select(&out, `SELECT `+auditCols+` FROM audit_log`+w.String()+` ORDER BY id DESC LIMIT `+fmt.Sprint(limit), w.args...)
	})
	return out, err
}

// clampLimit keeps a page size within 1..200 (default 50).
func clampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 200:
		return 200
	}
	return n
}

// AuditRecord is what people call a record the audit log is about: a center's code and
// names, a user's username (in Code) and full name, a district/city's code and names.
type AuditRecord struct {
	Entity string `db:"entity"`
	ID     string `db:"id"`
	Code   string `db:"code"`
	NameAr string `db:"name_ar"`
	NameEn string `db:"name_en"`
	Gov    string `db:"gov_code"`
	Unit   string `db:"unit_code"`
}

// auditRecordSources maps an entity kind to the SELECT that labels its records by id.
var auditRecordSources = map[string]string{
	"center": `SELECT 'center' AS entity, id, code, name_ar, name_en, gov_code, unit_code FROM centers WHERE id IN `,
	"unit":   `SELECT 'unit' AS entity, code AS id, code, name_ar, name_en, gov_code, code AS unit_code FROM units WHERE code IN `,
	"user":   `SELECT 'user' AS entity, id, username AS code, full_name AS name_ar, full_name AS name_en, '' AS gov_code, '' AS unit_code FROM users WHERE id IN `,
}

// AuditRecords labels the records named by ids (entity kind → record ids) in one query,
// keyed "entity/id". Kinds it cannot label and records that do not exist are left out.
func (db *DB) AuditRecords(ctx context.Context, ids map[string][]string) (map[string]AuditRecord, error) {
	var parts []string
	var args []any
	for _, kind := range []string{"center", "unit", "user"} {
		list := ids[kind]
		if len(list) == 0 {
			continue
		}
		parts = append(parts, auditRecordSources[kind]+"("+strings.TrimSuffix(strings.Repeat("?,", len(list)), ",")+")")
		for _, id := range list {
			args = append(args, id)
		}
	}
	out := map[string]AuditRecord{}
	if len(parts) == 0 {
		return out, nil
	}
	var recs []AuditRecord
	err := db.Read(ctx, func(tx *Tx) error { return tx.Select(&recs, strings.Join(parts, " UNION ALL "), args...) })
	for _, r := range recs {
		out[r.Entity+"/"+r.ID] = r
	}
	return out, err
}
