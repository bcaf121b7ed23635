package store_test

import (
	"bytes"
	"errors"
	"testing"

	"markaz"
	"markaz/attachment"
	"markaz/store"
	"markaz/store/storetest"
)

func TestFilesStoredWithTheirOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)
		f, err := attachment.Check("files", "صورة.png", png)
		if err != nil {
			t.Fatal(err)
		}
		var id string
		if err := db.Write(ctx, func(tx *store.Tx) error {
			fi, err := tx.AddFile(store.Actor{Username: "clerk"}, "problem", "p1", f)
			id = fi.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// A file added in a transaction that fails is gone with it.
		boom := errors.New("boom")
		if err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.AddFile(store.Actor{Username: "clerk"}, "problem", "p1", f); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		db.Read(ctx, func(tx *store.Tx) error {
			list, err := tx.Files("problem", "p1")
			if err != nil || len(list) != 1 || list[0].ID != id || list[0].Name != "صورة.png" ||
				list[0].ContentType != "image/png" || list[0].Size != int64(len(png)) || list[0].CreatedBy != "clerk" {
				t.Errorf("Files = %+v, %v", list, err)
			}
			if other, _ := tx.Files("finding", "p1"); len(other) != 0 {
				t.Errorf("another owner kind sees %d files", len(other))
			}
			data, err := tx.FileData(id)
			if err != nil || !bytes.Equal(data, png) {
				t.Errorf("FileData: %d bytes, %v", len(data), err)
			}
			if _, err := tx.File("nope"); markaz.ErrorCode(err) != markaz.ENotFound {
				t.Errorf("unknown file: %v", err)
			}
			return nil
		})
	})
}
