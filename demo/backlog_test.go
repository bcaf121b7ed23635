package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"markaz"
	"markaz/backlog"
	"markaz/importer"
	"markaz/store"
	"markaz/store/storetest"
)

// The demo has an open campaign in Sharqia, partly entered: some of every figure.
func TestDemoBacklogCampaign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := Ensure(ctx, db, pw); err != nil {
			t.Fatal(err)
		}
		ministry := &markaz.Principal{UserID: "m", Username: "m", Assignments: []markaz.Assignment{
			{Role: markaz.RoleMinistry, Level: markaz.LevelNation}}}
		camps, err := db.Campaigns(ctx, ministry, store.CampaignFilter{Gov: "13", Status: backlog.CampaignOpen})
		if err != nil || len(camps) != 1 {
			t.Fatalf("open campaigns of 13: %d %v", len(camps), err)
		}
		p, err := db.BacklogProgress(ctx, ministry, store.ProgressFilter{Gov: "13"})
		if err != nil {
			t.Fatal(err)
		}
		f := p.Total.Figures
		if f.Estimated == 0 || f.Entered == 0 || f.Entered >= f.Estimated || f.Verified == 0 || f.Pending == 0 || f.Rejected == 0 {
			t.Errorf("demo figures %+v", f)
		}
		if len(p.Operators) != 2 || p.Operators[0].Username != "operator1" || p.Operators[0].PerHour < 20 {
			t.Errorf("operators %+v", p.Operators)
		}
		days := 0
		for _, d := range p.Daily {
			if d.Entered > 0 {
				days++
			}
		}
		if days < 10 {
			t.Errorf("entries on %d days of the trend", days)
		}
		db.Read(ctx, func(tx *store.Tx) error {
			_, mismatch, err := tx.CheckCounts(camps[0].ID)
			if err != nil || mismatch == 0 {
				t.Errorf("no mismatch for the supervisor: %v", err)
			}
			return nil
		})
		t.Logf("demo backlog: %+v", f)
	})
}

// The benchmark's backlog file imports cleanly into the demo campaign: every row is
// accepted, and the same file again is all "already entered".
func TestWriteBacklogFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		if _, err := Ensure(ctx, db, pw); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := WriteBacklogFile(ctx, db, &b, 60, 3, "T1"); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "backlog.csv")
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		run := func() *store.Import {
			var im *store.Import
			if err := db.Write(ctx, func(tx *store.Tx) error {
				c, err := tx.OpenCampaignOf("13")
				if err != nil {
					return err
				}
				im, err = tx.CreateImport(nil, store.NewImport{Campaign: c.ID, Origin: store.OriginCLI,
					FileName: "backlog.csv", SHA256: fmt.Sprint(len(b.Bytes()), clock.T.UnixNano()), Size: int64(b.Len()), Format: "csv"})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			clock.T = clock.T.Add(time.Second)
			im, err := importer.Run(ctx, db, im.ID, path, importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return im
		}
		if im := run(); im.Read != 60 || im.Imported != 60 || im.Rejected != 0 {
			t.Fatalf("first import: read %d, imported %d, rejected %d (%v)", im.Read, im.Imported, im.Rejected, im.Problems())
		}
		if im := run(); im.Imported != 0 || im.Skipped != 60 {
			t.Fatalf("the same file again: imported %d, already entered %d", im.Imported, im.Skipped)
		}
	})
}
