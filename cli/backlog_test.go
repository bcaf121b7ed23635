package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"markaz"
	"markaz/backlog"
	"markaz/importer"
	"markaz/nationalid"
	"markaz/store"
	"markaz/store/storetest"
)

// backlogFile writes n rows for center code (every tenth with a bad mobile number).
func backlogFile(t *testing.T, dir string, n int) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(backlog.Columns)
	for i := range n {
		first := fmt.Sprintf("2900101130%03d", i%1000)
		c, _ := nationalid.CheckDigit(first)
		mobile := "01001234567"
		if i%10 == 9 {
			mobile = "0100"
		}
		w.Write([]string{fmt.Sprintf("%d/2018", i), "SH-CLI-01", "SHOP-LIC", first + string(c), "محمد أحمد", mobile,
			"2018-03-04", "delivered", "2018-04-01", "2018-04-15", "5000"})
	}
	w.Flush()
	path := filepath.Join(dir, "backlog.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportBacklogCommand(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			sh := userShell{t: t, dsn: storetest.NewDSN(t, d)}
			sh.must("migrate")
			db := sh.open()
			ctx := context.Background()
			dir := t.TempDir()
			path := backlogFile(t, dir, 250)
			// Without a campaign there is nothing to import into.
			if _, err := sh.run("import", "backlog", "--governorate", "13", "--file", path); err == nil ||
				!strings.Contains(err.Error(), "no open backlog campaign") {
				t.Errorf("no campaign: %v", err)
			}
			var campaign string
			if err := db.Write(ctx, func(tx *store.Tx) error {
				if err := tx.InsertCenter(store.Actor{}, &markaz.Center{Code: "SH-CLI-01", Kind: markaz.KindFixed, NameAr: "مركز",
					NameEn: "Center", UnitCode: "13-001", DevStatus: markaz.DevDeveloped}); err != nil {
					return err
				}
				c := &backlog.Campaign{Name: "حملة", GovCode: "13", StartsOn: markaz.Date{Y: 2020, M: 1, D: 1},
					EndsOn: markaz.Date{Y: 2030, M: 1, D: 1}}
				if err := c.Validate(); err != nil {
					return err
				}
				r, err := tx.CreateCampaign(nil, c)
				campaign = r.ID
				return err
			}); err != nil {
				t.Fatal(err)
			}
			for _, bad := range [][]string{
				{"import", "backlog", "--file", path},
				{"import", "backlog", "--campaign", campaign, "--governorate", "13", "--file", path},
				{"import", "backlog", "--campaign", campaign},
				{"import", "backlog", "--campaign", campaign, "--file", filepath.Join(dir, "missing.csv")},
			} {
				if _, err := sh.run(bad...); err == nil {
					t.Errorf("%v: no error", bad)
				}
			}
			report := filepath.Join(dir, "rejected.csv")
			out := sh.must("import", "backlog", "--governorate", "١٣", "--file", path, "--report", report)
			if !strings.Contains(out, "Rows read: 250, imported: 225, already entered: 0, rejected: 25.") ||
				!strings.Contains(out, "250 / 250 rows (100%)") {
				t.Fatalf("import: %s", out)
			}
			rep, err := os.ReadFile(report)
			if err != nil || !strings.HasPrefix(string(rep), "\ufeffRow,Column,Reason,legacy_file_number") ||
				strings.Count(string(rep), "An Egyptian mobile number") != 25 {
				t.Errorf("report: %v %.300s", err, rep)
			}
			// The same file again: nothing twice.
			out = sh.must("import", "backlog", "--campaign", campaign, "--file", path)
			if !strings.Contains(out, "imported: 0, already entered: 225, rejected: 25.") {
				t.Errorf("second import: %s", out)
			}
			// An interrupted import of a new file, resumed by the same command.
			path2 := backlogFile(t, t.TempDir(), 2400)
			var im *store.Import
			sum := sha256File(t, path2)
			db.Write(ctx, func(tx *store.Tx) (err error) {
				im, err = tx.CreateImport(nil, store.NewImport{Campaign: campaign, Origin: store.OriginCLI, FileName: "backlog.csv", SHA256: sum})
				return err
			})
			crash := errors.New("killed")
			n := 0
			if _, err := importer.Run(ctx, db, im.ID, path2, importer.Options{Batch: 500, AfterBatch: func(*store.Import) error {
				if n++; n == 2 {
					return crash
				}
				return nil
			}}); !errors.Is(err, crash) {
				t.Fatalf("interrupted: %v", err)
			}
			out = sh.must("import", "backlog", "--campaign", campaign, "--file", path2)
			// Rows 0–999 of the second file repeat the first file's 250 (same legacy numbers).
			if !strings.Contains(out, "Resuming the import") || !strings.Contains(out, "Rows read: 2400, imported: 1935, already entered: 225, rejected: 240.") {
				t.Errorf("resumed: %s", out)
			}
			var requests int
			db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&requests, `SELECT COUNT(*) FROM requests`) })
			if requests != 2160 {
				t.Errorf("%d requests, want 225 + 1935", requests)
			}
			if out := sh.must("import", "help"); !strings.Contains(out, "markaz import backlog") {
				t.Errorf("help: %s", out)
			}
		})
	}
}

func sha256File(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
