package main

// The run's database: made once per (engine, N, migration version) with the real commands
// (serve --demo for the demo centers and users, then markaz demo --requests N under
// /usr/bin/time -v) and kept for the next run. A sidecar JSON file marks it complete and
// keeps the generation's figures, which a later run reports with the date they were taken.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// genRecord is what generating the database measured.
type genRecord struct {
	Date      string  `json:"date"`
	Commit    string  `json:"commit"`
	Requests  int     `json:"requests"`
	Rows      int64   `json:"rows"` // requests + history events + fee lines written
	Seconds   float64 `json:"seconds"`
	PeakRSSKB int64   `json:"peak_rss_kb"`
	Load      string  `json:"load"`
}

// target is where the run's data lives.
type target struct {
	engine  string // "sqlite" or "postgres"
	dsn     string // what markaz --db gets
	admin   string // postgres: URL of the database we create ours from
	sidecar string
	key     string
}

// migrationVersion is the highest migration number the tree carries.
func migrationVersion() string {
	files, _ := filepath.Glob("store/migrations/sqlite/*.sql")
	sort.Strings(files)
	if len(files) == 0 {
		return "0000"
	}
	return strings.SplitN(filepath.Base(files[len(files)-1]), "_", 2)[0]
}

func newTarget(db string, n int) (*target, error) {
	key := fmt.Sprintf("n%d_m%s", n, migrationVersion())
	if db == "" {
		return &target{engine: "sqlite", dsn: filepath.Join("bench", "data", "sqlite-"+key+".db"),
			sidecar: filepath.Join("bench", "data", "sqlite-"+key+".json"), key: key}, nil
	}
	if !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
		return nil, errors.New("--db takes a postgres:// URL (SQLite is the default, under bench/data/)")
	}
	u, err := url.Parse(db)
	if err != nil {
		return nil, err
	}
	base := strings.TrimPrefix(u.Path, "/")
	if base == "" {
		base = "bench"
	}
	name := base + "_" + key
	own := *u
	own.Path = "/" + name
	return &target{engine: "postgres", dsn: own.String(), admin: db,
		sidecar: filepath.Join("bench", "data", "postgres-"+name+".json"), key: key}, nil
}

// pgExec runs one statement on the admin database of the URL.
func pgExec(ctx context.Context, dsn, stmt string) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, stmt)
	return err
}

// ensureDatabase returns the generation record of an existing complete database, or makes it.
func ensureDatabase(ctx context.Context, bin string, t *target, n int, commit string, log func(string, ...any)) (*genRecord, bool, error) {
	if b, err := os.ReadFile(t.sidecar); err == nil {
		var g genRecord
		if json.Unmarshal(b, &g) == nil {
			log("reusing %s database %s (generated %s)", t.engine, t.key, g.Date)
			return &g, true, nil
		}
	}
	// Incomplete or missing: start from nothing.
	if err := os.MkdirAll(filepath.Join("bench", "data"), 0o755); err != nil {
		return nil, false, err
	}
	if t.engine == "sqlite" {
		for _, s := range []string{"", "-wal", "-shm"} {
			os.Remove(t.dsn + s)
		}
	} else {
		name := strings.TrimPrefix(mustURL(t.dsn).Path, "/")
		if err := pgExec(ctx, t.admin, `DROP DATABASE IF EXISTS "`+name+`"`); err != nil {
			return nil, false, fmt.Errorf("postgres (does the database of --db exist?): %w", err)
		}
		if err := pgExec(ctx, t.admin, `CREATE DATABASE "`+name+`"`); err != nil {
			return nil, false, err
		}
	}
	log("creating the demo centers and users (serve --demo --demo-requests 0)")
	if err := demoBase(ctx, bin, t.dsn); err != nil {
		return nil, false, err
	}
	log("generating %d requests (markaz demo, under /usr/bin/time -v)", n)
	load := loadAvg()
	cmd := exec.CommandContext(ctx, "/usr/bin/time", "-v", bin, "demo", "--requests", strconv.Itoa(n), "--seed", "7", "--db", t.dsn)
	cmd.Env = append(os.Environ(), "MARKAZ_LOG_FORMAT=text")
	var errb strings.Builder
	cmd.Stderr = &errb
	cmd.Stdout = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, false, fmt.Errorf("markaz demo: %w\n%s", err, errb.String())
	}
	took := time.Since(start)
	g := &genRecord{Date: time.Now().Format("2006-01-02 15:04"), Commit: commit, Requests: n,
		Seconds: took.Seconds(), PeakRSSKB: timeField(errb.String(), "Maximum resident set size (kbytes)"), Load: load}
	rows, err := countRows(ctx, t)
	if err != nil {
		return nil, false, err
	}
	g.Rows = rows
	b, _ := json.MarshalIndent(g, "", "  ")
	return g, false, os.WriteFile(t.sidecar, b, 0o644)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// timeField reads one "name: value" line of /usr/bin/time -v.
func timeField(out, name string) int64 {
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `:\s*(\d+)`).FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseInt(m[1], 10, 64)
	return v
}

// demoBase runs serve --demo --demo-requests 0 until it listens, then stops it.
func demoBase(ctx context.Context, bin, dsn string) error {
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--demo-requests", "0", "--db", dsn, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "MARKAZ_DEMO_PASSWORD="+benchPassword, "MARKAZ_LOG_FORMAT=text")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	running := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "Markaz is running") {
			running = true
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	werr := cmd.Wait()
	if !running {
		return fmt.Errorf("serve --demo did not start: %v", werr)
	}
	return nil
}
