package main

import "testing"

func TestImportCounts(t *testing.T) {
	out := "Importing backlog.csv…\n  5000 / 20000 rows\nRows read: 20000, imported: 19990, already entered: 4, rejected: 6.\n"
	read, imported, skipped, rejected, ok := importCounts(out)
	if !ok || read != 20000 || imported != 19990 || skipped != 4 || rejected != 6 {
		t.Errorf("counts %d %d %d %d %v", read, imported, skipped, rejected, ok)
	}
	if _, _, _, _, ok := importCounts("Rows read: 10"); ok {
		t.Error("a partial line was read as counts")
	}
	for _, c := range []struct{ requests, rows int }{{2000, 1000}, {200_000, 20_000}, {5_000_000, 100_000}} {
		if got := backlogRows(c.requests); got != c.rows {
			t.Errorf("backlogRows(%d) = %d, want %d", c.requests, got, c.rows)
		}
	}
}
