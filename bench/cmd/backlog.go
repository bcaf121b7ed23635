package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"markaz/demo"
)

// backlogRows is the size of the import's file: a tenth of the run's requests, at least
// 1,000 and at most 100,000 (a large governorate's paper backlog is in the tens of
// thousands of files).
func backlogRows(requests int) int { return min(max(requests/10, 1000), 100_000) }

// backlogImport runs `markaz import backlog` under /usr/bin/time -v on a new file of
// paper records for the demo's open Sharqia campaign (demo.WriteBacklogFile, legacy file
// numbers unique to this run, so nothing in it is already entered), against the bulk
// ceiling measured in the same run.
func (b *bench) backlogImport(ctx context.Context, ceiling float64) (row, error) {
	n := backlogRows(b.cfg.requests)
	stamp := time.Now().UTC().Format("20060102T150405")
	var file bytes.Buffer
	if err := demo.WriteBacklogFile(ctx, b.db, &file, n, uint64(time.Now().UnixNano()), "B"+stamp); err != nil {
		return row{}, err
	}
	path := filepath.Join("bench", "data", "backlog-"+stamp+".csv")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return row{}, err
	}
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		return row{}, err
	}
	defer os.Remove(path)
	b.loadNote("backlog import")
	logf("backlog import: %d rows", n)
	cmd := exec.CommandContext(ctx, "/usr/bin/time", "-v", b.bin, "import", "backlog", "--governorate", "13",
		"--file", path, "--db", b.t.dsn)
	cmd.Env = append(os.Environ(), "MARKAZ_LOG_FORMAT=text")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return row{}, fmt.Errorf("markaz import backlog: %w\n%s%s", err, out.String(), errb.String())
	}
	took := time.Since(start)
	read, imported, skipped, rejected, ok := importCounts(out.String())
	if !ok {
		return row{}, fmt.Errorf("markaz import backlog printed no counts:\n%s", out.String())
	}
	rss := timeField(errb.String(), "Maximum resident set size (kbytes)")
	rate := float64(imported) / took.Seconds()
	b.note("backlog import: a %d-row CSV of the demo's Sharqia campaign (%d KiB), imported by `markaz import backlog --governorate 13` under /usr/bin/time -v in %s: read %d, imported %d, already entered %d, rejected %d; each imported row is checked and written as a backlog request with its history and entry record, in 5,000-row transactions; the rows stay in the database",
		n, file.Len()/1024, dur(took), read, imported, skipped, rejected)
	return row{Scenario: "backlog import (markaz import backlog)",
		Figure:   fmt.Sprintf("%.0f rows/s (%d rows in %s), peak RSS %.0f MB", rate, imported, dur(took), float64(rss)/1024),
		Baseline: fmt.Sprintf("bulk-insert ceiling %.0f rows/s (as above)", ceiling),
		Target:   fmt.Sprintf("≥ 0.3 × baseline (%.0f rows/s); peak RSS < 256 MB", ceiling*0.3),
		Met:      b.met(imported == n && rate >= ceiling*0.3 && rss < 256*1024)}, nil
}

var importCountsRE = regexp.MustCompile(`Rows read: (\d+), imported: (\d+), already entered: (\d+), rejected: (\d+)\.`)

// importCounts reads the final counts line of markaz import backlog.
func importCounts(out string) (read, imported, skipped, rejected int, ok bool) {
	m := importCountsRE.FindStringSubmatch(out)
	if m == nil {
		return 0, 0, 0, 0, false
	}
	v := func(s string) int { n, _ := strconv.Atoi(s); return n }
	return v(m[1]), v(m[2]), v(m[3]), v(m[4]), true
}
