package demo

import "markaz/store"

// load writes the demo dataset inside tx.
func load(tx *store.Tx, password string) error { return nil }
