package markaz

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// AuditEntry is one change in the append-only audit log. Entries form hash chains:
// each chain (one per center, one per governorate, one national) numbers its entries
// 1, 2, 3… and each entry's Hash covers its fields and the previous entry's hash, so
// altering or removing any row breaks the chain.
type AuditEntry struct {
	ID       int64     `json:"id" db:"id"`
	Chain    string    `json:"chain" db:"chain"`
	Seq      int64     `json:"seq" db:"seq"`
	At       time.Time `json:"at" db:"at"`
	UserID   string    `json:"user_id" db:"user_id"`
	Username string    `json:"username" db:"username"`
	Action   string    `json:"action" db:"action"` // e.g. center.create
	Entity   string    `json:"entity" db:"entity"` // e.g. center
	EntityID string    `json:"entity_id" db:"entity_id"`
	GovCode  string    `json:"governorate" db:"gov_code"`
	UnitCode string    `json:"unit" db:"unit_code"`
	CenterID string    `json:"center_id" db:"center_id"`
	Before   string    `json:"before" db:"before_json"` // JSON or ""
	After    string    `json:"after" db:"after_json"`   // JSON or ""
	PrevHash string    `json:"prev_hash" db:"prev_hash"`
	Hash     string    `json:"hash" db:"hash"`
}

// AuditChain names the chain a record at r writes to: the narrowest of center,
// governorate, or the national chain.
func AuditChain(r Ref) string {
	switch {
	case r.Center != "":
		return "center:" + r.Center
	case r.Gov != "":
		return "gov:" + r.Gov
	}
	return "nation"
}

// ComputeHash returns the entry's hash from its fields and PrevHash.
func (e *AuditEntry) ComputeHash() string {
	b, _ := json.Marshal([]any{e.Chain, e.Seq, e.At.UTC().Format(time.RFC3339Nano), e.UserID,
		e.Username, e.Action, e.Entity, e.EntityID, e.GovCode, e.UnitCode, e.CenterID,
		e.Before, e.After, e.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Snapshot encodes a record for the Before/After fields ("" for nil).
func Snapshot(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
