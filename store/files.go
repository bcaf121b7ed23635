package store

// Attachments (table files): stored in the database with their owner record; the bytes are
// read only when served. Callers check access to the owner before FileData.

import (
	"time"

	"markaz"
	"markaz/attachment"
)

// FileInfo describes a stored attachment, without its bytes.
type FileInfo struct {
	ID          string    `json:"id" db:"id"`
	OwnerKind   string    `json:"-" db:"owner_kind"`
	OwnerID     string    `json:"-" db:"owner_id"`
	Name        string    `json:"name" db:"name"`
	Document    string    `json:"document,omitempty" db:"document"` // the required document it stands for, if any
	ContentType string    `json:"content_type" db:"content_type"`
	Size        int64     `json:"size_bytes" db:"size_bytes"`
	SHA256      string    `json:"sha256" db:"sha256"`
	CreatedBy   string    `json:"created_by" db:"created_by"`
	CreatedAt   time.Time `json:"created_at" db:"created_at"`
}

const fileCols = `id, owner_kind, owner_id, name, document, content_type, size_bytes, sha256, created_by, created_at`

// AddFile stores f (checked by attachment.Check) as an attachment of the owner record,
// in the caller's transaction (so it commits or rolls back with the record).
func (tx *Tx) AddFile(a Actor, ownerKind, ownerID string, f *attachment.File) (*FileInfo, error) {
	return tx.AddDocumentFile(a, ownerKind, ownerID, "", f)
}

// AddDocumentFile is AddFile for a file that stands for a named document (a request's
// required document, say).
func (tx *Tx) AddDocumentFile(a Actor, ownerKind, ownerID, document string, f *attachment.File) (*FileInfo, error) {
	fi := &FileInfo{ID: markaz.NewID(), OwnerKind: ownerKind, OwnerID: ownerID, Name: f.Name, Document: document,
		ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, CreatedBy: a.Username, CreatedAt: tx.Now}
	_, err := tx.Exec(`INSERT INTO files (`+fileCols+`, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		fi.ID, fi.OwnerKind, fi.OwnerID, fi.Name, fi.Document, fi.ContentType, fi.Size, fi.SHA256, fi.CreatedBy,
		fi.CreatedAt, f.Data)
	return fi, err
}

// Files lists the attachments of an owner record, oldest first.
func (tx *Tx) Files(ownerKind, ownerID string) ([]FileInfo, error) {
	out := []FileInfo{}
	err := tx.Select(&out, `SELECT `+fileCols+` FROM files WHERE owner_kind = ? AND owner_id = ?
		ORDER BY created_at, id`, ownerKind, ownerID)
	return out, err
}

// File returns an attachment's description (ErrNotFound when there is none).
func (tx *Tx) File(id string) (*FileInfo, error) {
	var fi FileInfo
	if err := tx.Get(&fi, `SELECT `+fileCols+` FROM files WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &fi, nil
}

// FileData returns an attachment's bytes.
func (tx *Tx) FileData(id string) ([]byte, error) {
	var b []byte
	err := tx.Get(&b, `SELECT data FROM files WHERE id = ?`, id)
	return b, err
}
