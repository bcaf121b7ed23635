package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"markaz"
	"markaz/nationalid"
	"markaz/request"
	"markaz/store"
)

// bench is one run: what it was given and what it found besides the table's rows.
type bench struct {
	cfg        config
	t          *target
	bin        string
	gen        *genRecord
	genReused  bool
	durability string
	notes      []string
	srv        *server
	db         *store.DB
	tokens     map[string]string
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// loadNote records the load average before a scenario: the machine is shared.
func (b *bench) loadNote(scenario string) { b.note("load average before %s: %s", scenario, loadAvg()) }

func (b *bench) met(ok bool) string {
	switch {
	case b.cfg.smoke:
		return "(smoke: not judged)"
	case ok:
		return "yes"
	}
	return "**no**"
}

func ms(us float64) string { return fmt.Sprintf("%.1f ms", us/1000) }

func dur(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func (b *bench) measure(ctx context.Context) ([]row, []string, error) {
	var rows []row
	fi, err := os.Stat(b.bin)
	if err != nil {
		return nil, nil, err
	}
	b.db, err = store.Open(ctx, b.t.dsn, nil)
	if err != nil {
		return nil, nil, err
	}
	defer b.db.Close()
	if b.durability, err = durability(ctx, b.db); err != nil {
		return nil, nil, err
	}
	var n int
	if err := b.db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, `SELECT COUNT(*) FROM requests`) }); err != nil {
		return nil, nil, err
	}
	b.note("the database holds %d requests (generated %d; each run adds the submissions its intake scenario commits)", n, b.gen.Requests)

	// Start-up and the idle server come first, before any load has touched the server.
	b.loadNote("start-up")
	b.srv, err = startServer(ctx, b.bin, b.t.dsn)
	if err != nil {
		return nil, nil, err
	}
	defer b.srv.stop()
	settled, calm := b.srv.waitIdle(5 * time.Minute)
	idle := b.srv.rssKB()
	rows = append(rows,
		row{"start-up on the run's database", fmt.Sprintf("%s to /healthz", dur(b.srv.startup)), "—", "< 1 s", b.met(b.srv.startup < time.Second)},
		row{"idle server", fmt.Sprintf("RSS %.1f MB, binary %.1f MB", float64(idle)/1024, float64(fi.Size())/(1<<20)), "—", "< 80 MB, < 60 MB",
			b.met(idle < 80*1024 && fi.Size() < 60<<20)})
	b.note("start-up: process start to the first 200 from /healthz (migrations already applied; the database file was recently written or read, so the OS cache is warm: this is a warm start)")
	if calm {
		b.note("idle RSS: once the server had used under 5 %% of a core for 2 s running, %s after /healthz answered (start-up's planner statistics pass runs after the server answers), before any load; binary built with CGO_ENABLED=0 go build, not stripped", dur(settled))
	} else {
		b.note("idle RSS: the server was still busy %s after /healthz answered (start-up's planner statistics pass); measured then, before any load; binary built with CGO_ENABLED=0 go build, not stripped", dur(settled))
	}

	b.tokens = map[string]string{}
	for _, u := range []string{"clerk", "admin"} {
		if b.tokens[u], err = b.srv.token(u); err != nil {
			return nil, nil, err
		}
	}
	steps := []func(context.Context) ([]row, error){b.intake, b.tracking, b.dashboards, b.reports, b.bulk}
	for _, step := range steps {
		r, err := step(ctx)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, r...)
	}
	b.note("server RSS after the load: %.1f MB", float64(b.srv.rssKB())/1024)
	return rows, b.notes, nil
}

// registration is the body every submission sends: a valid counter registration.
func registration() request.Registration {
	first := "2900101130001"
	c, _ := nationalid.CheckDigit(first)
	return request.Registration{ServiceCode: "SHOP-LIC", Channel: "counter", Documents: []string{"ID copy"},
		Applicant: request.Applicant{NationalID: first + string(c), Name: "محمد أحمد علي", Mobile: "01012345678"}}
}

func (b *bench) intake(ctx context.Context) ([]row, error) {
	const clerks = 32
	d := b.cfg.duration
	reg := registration()
	body, _ := json.Marshal(reg)
	if st, out, err := b.srv.call("POST", "/api/v1/requests", b.tokens["clerk"], string(body)); err != nil || st != 201 {
		return nil, fmt.Errorf("a submission over HTTP answered %d %s (%v)", st, out, err)
	}
	b.loadNote("intake")
	logf("intake: the database's single-row insert ceiling, %d goroutines, %s", clerks, d)
	ceiling, err := insertCeiling(ctx, b.db, clerks, d)
	if err != nil {
		return nil, fmt.Errorf("insert ceiling: %w", err)
	}
	logf("intake: a submission's statements without HTTP, %d goroutines", clerks)
	p, _, err := b.db.SessionPrincipal(ctx, b.tokens["clerk"], "api")
	if err != nil {
		return nil, err
	}
	direct, err := submissions(ctx, b.db, p, reg, clerks, d)
	if err != nil {
		return nil, fmt.Errorf("submissions without HTTP: %w", err)
	}
	logf("intake: %d clerks over HTTP", clerks)
	res, err := runWrk(ctx, b.srv.base+"/api/v1/requests", luaRequest("POST", string(body), map[string]string{
		"Content-Type": "application/json", "Authorization": "Bearer " + b.tokens["clerk"]}), clerks, d)
	if err != nil {
		return nil, err
	}
	if res.Non2xx+res.SocketErrors > 0 {
		b.note("intake over HTTP: %d answers were not 2xx and %d failed at the socket (not counted as committed)", res.Non2xx, res.SocketErrors)
	}
	b.note("intake: every HTTP submission is the demo clerk's (one API token on all 32 connections), the same body each time, no Idempotency-Key; the baselines run in this process through the store package with the server idle")
	return []row{{
		Scenario: "intake: 32 clerks submitting over HTTP",
		Figure:   fmt.Sprintf("%.0f committed/s, p99 %s", res.Rate(), ms(res.P99)),
		Baseline: fmt.Sprintf("single-row committed insert ceiling %.0f/s (p99 %s); a submission's statements without HTTP %.0f/s (p99 %s); both from 32 goroutines",
			ceiling.Rate(), dur(ceiling.P99), direct.Rate(), dur(direct.P99)),
		Target: fmt.Sprintf("≥ 0.5 × ceiling (%.0f/s), p99 < 100 ms", ceiling.Rate()/2),
		Met:    b.met(res.Rate() >= ceiling.Rate()/2 && res.P99 < 100_000),
	}}, nil
}

func (b *bench) tracking(ctx context.Context) ([]row, error) {
	const conns = 64
	var sample []struct {
		Number string `db:"tracking_number"`
		NID    string `db:"national_id"`
	}
	err := b.db.Read(ctx, func(tx *store.Tx) error {
		return tx.Select(&sample, `SELECT tracking_number, national_id FROM requests ORDER BY RANDOM() LIMIT 5000`)
	})
	if err != nil {
		return nil, err
	}
	paths := make([]string, len(sample))
	for i, s := range sample {
		paths[i] = "/api/v1/track/" + url.PathEscape(s.Number) + "?verify=" + s.NID[len(s.NID)-4:]
	}
	st, body, err := b.srv.call("GET", paths[0], "", "")
	if err != nil || st != 200 {
		return nil, fmt.Errorf("tracking %s answered %d %s (%v)", paths[0], st, body, err)
	}
	bareURL, closeBare, err := bareServer(body, "application/json")
	if err != nil {
		return nil, err
	}
	defer closeBare()
	script := luaRandomPaths(paths)
	b.loadNote("tracking")
	logf("tracking: bare net/http handler, %d connections", conns)
	bare, err := runWrk(ctx, bareURL, script, conns, b.cfg.duration)
	if err != nil {
		return nil, err
	}
	logf("tracking: markaz, %d connections", conns)
	res, err := runWrk(ctx, b.srv.base, script, conns, b.cfg.duration)
	if err != nil {
		return nil, err
	}
	if res.Non2xx+res.SocketErrors > 0 {
		b.note("tracking: %d answers were not 2xx and %d failed at the socket (not counted)", res.Non2xx, res.SocketErrors)
	}
	b.note("tracking: correct checks of %d requests drawn at random from the whole database, each looked up many times in the run (the OS and database caches are warm: not a cold-cache figure); the bare handler answers every path with one tracking answer's bytes (%d bytes)", len(paths), len(body))
	return []row{{
		Scenario: "citizen tracking lookups, 64 concurrent",
		Figure:   fmt.Sprintf("%.0f/s, p99 %s", res.Rate(), ms(res.P99)),
		Baseline: fmt.Sprintf("bare net/http handler, same bytes: %.0f/s, p99 %s", bare.Rate(), ms(bare.P99)),
		Target:   fmt.Sprintf("≥ 0.3 × baseline (%.0f/s), p99 < 20 ms", bare.Rate()*0.3),
		Met:      b.met(res.Rate() >= bare.Rate()*0.3 && res.P99 < 20_000),
	}}, nil
}

// openStatuses are the statuses a request can be overdue in (store.requestWhere).
const openStatuses = `('submitted', 'in_review', 'returned', 'awaiting_payment')`

// dashboard is one dashboard or KPI call and the plain full-scan SQL of its figure. New
// KPI endpoints join the list; an endpoint that answers 404 is reported as not available.
type dashboard struct {
	name, path string
	scanWhat   string
	scan       string
	args       []any
	scale      bool // the figure is over requests, so the 100× target applies
}

func (b *bench) dashboards(ctx context.Context) ([]row, error) {
	today := markaz.DateOf(time.Now())
	var busiest string
	var busiestCode string
	if err := b.db.Read(ctx, func(tx *store.Tx) error {
		if err := tx.Get(&busiest, `SELECT center_id FROM requests GROUP BY center_id ORDER BY COUNT(*) DESC LIMIT 1`); err != nil {
			return err
		}
		return tx.Get(&busiestCode, `SELECT code FROM centers WHERE id = ?`, busiest)
	}); err != nil {
		return nil, err
	}
	yearFrom := today.AddDays(-364)
	year := "from=" + yearFrom.String() + "&to=" + today.String()
	list := []dashboard{
		{"requests list, overdue filter, national (first page)", "/api/v1/requests?overdue=true",
			"count of overdue requests", `SELECT COUNT(*) FROM requests r WHERE r.status IN ` + openStatuses + ` AND r.due_date < ?`, []any{today}, true},
		{"center workload, busiest center", "/api/v1/centers/" + busiest + "/workload",
			"the center's open requests", `SELECT COUNT(*) FROM requests r WHERE r.center_id = ? AND r.status IN ` + openStatuses, []any{busiest}, true},
		{"program summary, national", "/api/v1/program/summary",
			"centers by governorate and kind", `SELECT gov_code, kind, COUNT(*) FROM centers GROUP BY gov_code, kind`, nil, false},
		{"KPIs, national, last 12 months", "/api/v1/kpi?level=nation&" + year,
			"received, completed and on time over the year", `SELECT COUNT(*), SUM(CASE WHEN r.decided_at IS NOT NULL THEN 1 ELSE 0 END),
				SUM(CASE WHEN r.decided_at IS NOT NULL AND r.channel <> 'backlog' AND r.due_date >= r.submitted_on THEN 1 ELSE 0 END)
				FROM requests r WHERE r.submitted_on BETWEEN ? AND ?`, []any{yearFrom, today}, true},
		{"KPIs, busiest center, last 12 months", "/api/v1/kpi?level=center&code=" + busiestCode + "&" + year,
			"the center's received and completed over the year", `SELECT COUNT(*), SUM(CASE WHEN r.decided_at IS NOT NULL THEN 1 ELSE 0 END)
				FROM requests r WHERE r.center_id = ? AND r.submitted_on BETWEEN ? AND ?`, []any{busiest, yearFrom, today}, true},
		{"KPI ranking of the governorates, last 12 months", "/api/v1/kpi/ranking?level=governorate&" + year,
			"received and completed per governorate over the year", `SELECT r.gov_code, COUNT(*), SUM(CASE WHEN r.decided_at IS NOT NULL THEN 1 ELSE 0 END)
				FROM requests r WHERE r.submitted_on BETWEEN ? AND ? GROUP BY r.gov_code`, []any{yearFrom, today}, true},
		{"KPI series by month, national, last 12 months", "/api/v1/kpi/series?level=nation&step=month&" + year,
			"received per month over the year", `SELECT substr(CAST(r.submitted_on AS TEXT), 1, 7), COUNT(*) FROM requests r
				WHERE r.submitted_on BETWEEN ? AND ? GROUP BY 1`, []any{yearFrom, today}, true},
		{"KPI worst services, national, last 12 months", "/api/v1/kpi/services?level=nation&" + year,
			"received and completed per service over the year", `SELECT r.service_code, COUNT(*), SUM(CASE WHEN r.decided_at IS NOT NULL THEN 1 ELSE 0 END)
				FROM requests r WHERE r.submitted_on BETWEEN ? AND ? GROUP BY r.service_code`, []any{yearFrom, today}, true},
	}
	var rows []row
	for _, d := range list {
		t0 := time.Now()
		st, out, err := b.srv.call("GET", d.path, b.tokens["admin"], "")
		first := time.Since(t0)
		if err != nil {
			return nil, err
		}
		if st == 404 {
			rows = append(rows, row{Scenario: "dashboard: " + d.name, Figure: "not yet available: " + strings.SplitN(d.path, "?", 2)[0] + " answers 404 in this build",
				Baseline: "—", Target: "p95 < 100 ms, ≥ 100× faster than the scan", Met: "n/a"})
			continue
		}
		if st != 200 {
			return nil, fmt.Errorf("%s answered %d %s", d.path, st, out)
		}
		b.loadNote("dashboard " + d.name)
		logf("dashboard: %s", d.name)
		res, err := runWrk(ctx, b.srv.base+d.path, luaRequest("GET", "", map[string]string{"Authorization": "Bearer " + b.tokens["admin"]}), 2, b.cfg.duration)
		if err != nil {
			return nil, err
		}
		times := 3
		if b.cfg.smoke {
			times = 1
		}
		scan, err := timedQuery(ctx, b.db, times, d.scan, d.args...)
		if err != nil {
			return nil, fmt.Errorf("%s scan: %w", d.name, err)
		}
		p95 := time.Duration(res.P95) * time.Microsecond
		speedup := float64(scan) / float64(p95)
		target, ok := "p95 < 100 ms, ≥ 100× faster than the scan", p95 < 100*time.Millisecond && speedup >= 100
		if !d.scale {
			target, ok = "p95 < 100 ms (100× n/a: the figure is over ~400 centers, not requests)", p95 < 100*time.Millisecond
		}
		rows = append(rows, row{Scenario: "dashboard: " + d.name,
			Figure:   fmt.Sprintf("p95 %s (p50 %s; first call after start %s), %.0f/s with 2 clients", ms(res.P95), ms(res.P50), dur(first), res.Rate()),
			Baseline: fmt.Sprintf("full-scan SQL (%s): %s median of %d; scan ÷ page p95 = %.1f", d.scanWhat, dur(scan), times, speedup),
			Target:   target, Met: b.met(ok)})
	}
	b.note("dashboards: 2 clients as the national administrator for the whole scenario, so all but the first call are warm; the full-scan baselines run with index scans disabled (SQLite NOT INDEXED; PostgreSQL enable_indexscan/bitmapscan/indexonlyscan off in the transaction), caches equally warm")
	return rows, nil
}

// reports times `markaz report` for the nation and last month, in Arabic, as PDF (HTML
// printed by headless Chromium) and as XLSX, each a fresh process on the run's database.
func (b *bench) reports(ctx context.Context) ([]row, error) {
	last := markaz.DateOf(time.Now()).AddDays(-time.Now().Day())
	period := fmt.Sprintf("%04d-%02d", last.Y, last.M)
	var rows []row
	for _, format := range []string{"pdf", "xlsx"} {
		b.loadNote("report " + format)
		logf("report: national, %s, %s", period, format)
		out := filepath.Join(os.TempDir(), "markaz-bench-report."+format)
		t0 := time.Now()
		cmd := exec.CommandContext(ctx, b.bin, "report", "--territory", "EG", "--period", period, "--format", format,
			"--out", out, "--db", b.t.dsn)
		if msg, err := cmd.CombinedOutput(); err != nil {
			rows = append(rows, row{Scenario: "national monthly report, " + format, Figure: "failed: " + strings.TrimSpace(string(msg)),
				Baseline: "—", Target: "< 10 s", Met: b.met(false)})
			continue
		}
		took := time.Since(t0)
		size := int64(0)
		if st, err := os.Stat(out); err == nil {
			size = st.Size()
		}
		os.Remove(out)
		rows = append(rows, row{Scenario: "national monthly report (" + period + "), " + format,
			Figure:   fmt.Sprintf("%s for a %d KiB file (the whole command: start, migrations check, queries, rendering)", dur(took), size/1024),
			Baseline: "—", Target: "< 10 s", Met: b.met(took < 10*time.Second)})
	}
	return rows, nil
}

func (b *bench) bulk(ctx context.Context) ([]row, error) {
	b.loadNote("the bulk-insert ceiling")
	logf("bulk: the database's bulk-insert ceiling")
	ceiling, err := bulkCeiling(ctx, b.db, b.cfg.duration)
	if err != nil {
		return nil, fmt.Errorf("bulk ceiling: %w", err)
	}
	g := b.gen
	rate := float64(g.Rows) / g.Seconds
	when := "in this run"
	if b.genReused {
		when = fmt.Sprintf("when the database was generated, %s at commit %s, load %s", g.Date, g.Commit, g.Load)
	}
	b.note("bulk generation: `markaz demo --requests %d` under /usr/bin/time -v, measured %s: %.0f s wall, %d rows (requests, history events, fee lines) — the rows carry the application's indexes and foreign keys; the ceiling's table has one key", g.Requests, when, g.Seconds, g.Rows)
	rows := []row{{Scenario: "bulk generation (markaz demo)",
		Figure:   fmt.Sprintf("%.0f rows/s (%.0f requests/s), peak RSS %.0f MB", rate, float64(g.Requests)/g.Seconds, float64(g.PeakRSSKB)/1024),
		Baseline: fmt.Sprintf("bulk-insert ceiling %.0f rows/s (2,000-row transactions of 500-row INSERTs, one key)", ceiling),
		Target:   fmt.Sprintf("≥ 0.3 × baseline (%.0f rows/s); peak RSS < 256 MB", ceiling*0.3),
		Met:      b.met(rate >= ceiling*0.3 && g.PeakRSSKB < 256*1024)}}
	bl, err := b.backlogImport(ctx, ceiling)
	if err != nil {
		return nil, fmt.Errorf("backlog import: %w", err)
	}
	rows = append(rows, bl)
	return rows, nil
}
