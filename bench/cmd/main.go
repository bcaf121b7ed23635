// Command bench (run as bench/run) measures Markaz at national scale against the
// machine's own limits, each scenario beside a baseline measured in the same run:
// intake, citizen tracking, dashboards, start-up, idle footprint and bulk generation.
// It prints one markdown table and writes it with the machine's description to
// bench/results/. Benchmarks are not tests: only --smoke (which asserts no target) runs in CI.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// benchPassword is every demo user's password in the run's database.
const benchPassword = "bench-password-2026"

// row is one line of the results table.
type row struct {
	Scenario, Figure, Baseline, Target, Met string
}

type config struct {
	requests int
	db       string
	duration time.Duration
	smoke    bool
	out      string // results directory
}

func main() {
	var c config
	quick := flag.Bool("quick", false, "200,000 requests and 10 s per scenario: a check in minutes")
	flag.IntVar(&c.requests, "requests", 0, "requests in the run's database (default 5,000,000; 200,000 with --quick)")
	flag.StringVar(&c.db, "db", "", "postgres://… URL of a server database to create the run's database from (default: SQLite under bench/data/)")
	flag.DurationVar(&c.duration, "duration", 0, "length of each load scenario (default 30 s; 10 s with --quick)")
	flag.BoolVar(&c.smoke, "smoke", false, "prove the harness works (CI): 2,000 requests, 2 s scenarios, no target asserted, results not written")
	flag.StringVar(&c.out, "results", filepath.Join("bench", "results"), "directory the results file goes to")
	flag.Parse()
	switch {
	case c.smoke:
		c.requests, c.duration = or(c.requests, 2000), orDur(c.duration, 2*time.Second)
	case *quick:
		c.requests, c.duration = or(c.requests, 200_000), orDur(c.duration, 10*time.Second)
	default:
		c.requests, c.duration = or(c.requests, 5_000_000), orDur(c.duration, 30*time.Second)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func or(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func orDur(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func commitID() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	id := strings.TrimSpace(string(out))
	if st, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); len(st) > 0 {
		id += "-dirty"
	}
	return id
}

func run(ctx context.Context, c config) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is needed (apt-get install wrk): %w", err)
	}
	started := time.Now()
	commit := commitID()
	machine := describeMachine()
	logf("machine: %s", machine.oneLine())
	t, err := newTarget(c.db, c.requests)
	if err != nil {
		return err
	}
	bin := filepath.Join("bench", "data", "markaz")
	logf("building %s", bin)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return err
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/markaz")
	build.Env, build.Stdout, build.Stderr = append(os.Environ(), "CGO_ENABLED=0"), os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	gen, reused, err := ensureDatabase(ctx, bin, t, c.requests, commit, logf)
	if err != nil {
		return err
	}
	b := &bench{cfg: c, t: t, bin: bin, gen: gen, genReused: reused}
	rows, notes, err := b.measure(ctx)
	if err != nil {
		return err
	}
	report := renderReport(c, t, commit, started, machine, b, rows, notes)
	fmt.Println(report)
	missing := 0
	for _, r := range rows {
		if r.Figure == "" {
			missing++
		}
	}
	if missing > 0 {
		return fmt.Errorf("%d scenarios produced no figure", missing)
	}
	if c.smoke {
		return nil
	}
	name := filepath.Join(c.out, fmt.Sprintf("%s-%s-%s.md", started.Format("2006-01-02"), t.engine, strings.TrimSuffix(commit, "-dirty")))
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	logf("writing %s", name)
	return os.WriteFile(name, []byte(report), 0o644)
}
