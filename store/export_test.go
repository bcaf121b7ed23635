package store

// FieldCode lets the external tests read a validation error's code for a field.
var FieldCode = fieldCode

// Kept reports whether SQLite keeps q prepared and how many statements it keeps or is
// preparing.
func (db *DB) Kept(q string) (bool, int) {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	_, ok := db.stmts.ready[q]
	return ok, len(db.stmts.ready) + len(db.stmts.pending)
}

// MaxStmts and MaxStmtArgs are the statement cache's bounds.
const MaxStmts, MaxStmtArgs = maxStmts, maxStmtArgs
