// Package demo loads the demo dataset that reproduces the seed's programme figures over
// the real territory: centers, mobile units and a user for every role. It refuses to
// touch a database that demo mode did not create, so demo users with known passwords
// never reach a real deployment.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"markaz"
	"markaz/i18n"
	"markaz/store"
)

// ErrNotDemo is returned when --demo meets a database with real data.
var ErrNotDemo = &markaz.Error{Code: markaz.EConflict, Key: "demo.refused"}

// Ensure loads the demo data into a fresh database, or accepts a database demo mode
// created earlier. It returns the demo password when it loaded data (random when
// password is empty), "" when the data was already there.
func Ensure(ctx context.Context, db *store.DB, password string) (string, error) {
	if password == "" {
		b := make([]byte, 12)
		rand.Read(b)
		password = base64.RawURLEncoding.EncodeToString(b)
	}
	loaded := false
	// One transaction: a crash half-way leaves no half-loaded demo behind.
	err := db.Write(ctx, func(tx *store.Tx) error {
		var flag []string
		if err := tx.Select(&flag, `SELECT value FROM meta WHERE key = 'demo'`); err != nil {
			return err
		}
		if len(flag) > 0 {
			return nil
		}
		var users, centers int
		if err := tx.Get(&users, `SELECT COUNT(*) FROM users`); err != nil {
			return err
		}
		if err := tx.Get(&centers, `SELECT COUNT(*) FROM centers`); err != nil {
			return err
		}
		if users > 0 || centers > 0 {
			// The command line prints this error as it is: say why in words.
			return fmt.Errorf("%s (%w)", i18n.T("en", ErrNotDemo.Key, nil), ErrNotDemo)
		}
		if err := load(tx, password); err != nil {
			return err
		}
		if err := addTraining(tx, Seed()); err != nil {
			return err
		}
		if err := loadFollowUp(tx); err != nil {
			return err
		}
		if err := loadCitizen(tx); err != nil { // the demo citizen's identity and online requests
			return err
		}
		if err := addInspections(tx, Seed()); err != nil {
			return err
		}
		if err := loadBacklog(tx, password); err != nil { // demo/backlog.go
			return err
		}
		if err := loadReports(tx); err != nil { // demo/reports.go
			return err
		}
		loaded = true
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('demo', 'loaded')`)
		return err
	})
	if err != nil || !loaded {
		return "", err
	}
	return password, nil
}
