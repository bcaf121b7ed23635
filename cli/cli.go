// Package cli is the markaz command line: serve, migrate, user, audit. main only calls
// Run, so tests run the whole program in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"markaz"
	"markaz/demo"
	"markaz/pdf"
	"markaz/report"
	"markaz/store"
	"markaz/web"
)

// Env reads environment variables (os.Getenv in production, a map in tests).
type Env func(string) string

// Run executes the command line args (without the program name).
func Run(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr, nil)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout, stderr)
	case "user":
		return userCmd(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return auditCmd(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		return demoCmd(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], getenv, stdout, stderr)
	case "report":
		return reportCmd(ctx, args[1:], getenv, stdout, stderr)
	case "kpi":
		return kpiCmd(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `markaz — operating and performance evaluation of the technology centers

Commands:
  markaz serve [--addr 127.0.0.1:8080] [--db ./markaz.db | postgres://…] [--demo] [--login-rate 30] [--track-rate 600]
  markaz migrate [--db …]
  markaz user add|list|disable|passwd …   (markaz user help)
  markaz audit verify [--db …]
  markaz demo --requests N [--seed S] [--db …]   (adds requests to a demo database)
  markaz import backlog (--campaign ID | --governorate CODE) --file F [--db …]   (markaz import help)
  markaz report --territory CODE --period 2024-05|2024-W18|2024-Q1|FY2024 --format pdf|xlsx --out FILE [--lang ar|en] [--db …]
  markaz kpi verify --from YYYY-MM-DD --to YYYY-MM-DD [--db …]   (rollups against the raw requests)
  markaz kpi rebuild [--db …]   (recompute the KPI rollups)

Environment: MARKAZ_ADDR, MARKAZ_DB, MARKAZ_DEMO_PASSWORD, MARKAZ_SECURE_COOKIES=1,
MARKAZ_LOG_FORMAT=json|text, MARKAZ_SMS_URL, MARKAZ_SMS_TOKEN, MARKAZ_SMTP_ADDR, MARKAZ_SMTP_FROM.
`)
}

func envOr(getenv Env, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// dbFlag adds the --db flag every command shares.
func dbFlag(fs *flag.FlagSet, getenv Env) *string {
	return fs.String("db", envOr(getenv, "MARKAZ_DB", "./markaz.db"), "SQLite file path or postgres:// URL (env MARKAZ_DB)")
}

// openDB opens and migrates the database and loads the reference territory.
func openDB(ctx context.Context, dsn string, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, dsn, markaz.SystemClock{})
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for _, m := range applied {
		log.Info("migration applied", "name", m)
	}
	if built, err := db.KPIBackfill(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("kpi rollups: %w", err)
	} else if built {
		log.Info("KPI rollups built from the existing requests")
	}
	if err := db.LoadReference(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("reference data: %w", err)
	}
	if err := db.LoadCatalog(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("service catalog: %w", err)
	}
	return db, nil
}

// optimize gathers planner statistics where they are missing or stale (store.DB.Optimize):
// slower queries without them, not a reason to stop.
func optimize(ctx context.Context, db *store.DB, log *slog.Logger) {
	if err := db.Optimize(ctx); err != nil && ctx.Err() == nil {
		log.Warn("planner statistics", "err", err)
	}
}

func newLogger(getenv Env, w io.Writer) *slog.Logger {
	if getenv("MARKAZ_LOG_FORMAT") == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// serve runs the web server until ctx ends or SIGINT/SIGTERM. If ready is not nil the
// bound address is sent on it once /healthz answers (for tests on port 0).
func serve(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr(getenv, "MARKAZ_ADDR", "127.0.0.1:8080"), "listen address (env MARKAZ_ADDR)")
	dsn := dbFlag(fs, getenv)
	withDemo := fs.Bool("demo", false, "load demo data (only into a database demo mode created)")
	demoRequests := fs.Int("demo-requests", demo.DefaultRequests, "requests --demo adds when it creates the demo data")
	loginRate := fs.Int("login-rate", 30, "login attempts per minute per client address on this instance")
	trackRate := fs.Int("track-rate", 600, "citizen tracking checks per minute per client address on this instance")
	debugAddr := fs.String("debug-addr", getenv("MARKAZ_DEBUG_ADDR"), "if set, serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; never expose it (env MARKAZ_DEBUG_ADDR)")
	notifyOpts := addNotifyFlags(fs, getenv) // jobs & notifications (cli/jobs.go)
	payOpts := addPaymentFlags(fs, getenv)   // payments (cli/payments.go)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(getenv, stderr)
	provider, err := notifyOpts.provider(log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := openDB(ctx, *dsn, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if *withDemo {
		pw := getenv("MARKAZ_DEMO_PASSWORD")
		if pw != "" && markaz.CheckPassword("password", pw, "") != nil {
			return errors.New("MARKAZ_DEMO_PASSWORD must be 10 to 128 characters")
		}
		printed, err := demo.Ensure(ctx, db, pw)
		if errors.Is(err, demo.ErrNotDemo) {
			return errors.New("--demo refuses to run on a database it did not create (it already holds users or centers); give a new --db path")
		}
		if err != nil {
			return err
		}
		if printed != "" {
			fmt.Fprintf(stdout, "Demo users (admin, ministry, cairo, sharqia, clerk, manager, backoffice, head, inspector, finance, trainer, support, planning, itsupport, citizen, operator1, operator2) — password: %s\n", printed)
			if *demoRequests > 0 {
				if _, err := addDemoRequests(ctx, db, *demoRequests, demo.Seed(), stdout); err != nil {
					return err
				}
			}
			if err := demo.AddPayments(ctx, db); err != nil { // demo/payments.go
				return err
			}
		} else {
			fmt.Fprintln(stdout, "Demo data was already loaded into this database; the demo users keep the password printed when it was created.")
		}
	}
	if *withDemo && *payOpts.gatewayURL == "" {
		*payOpts.simulated = true // the demo's payments went through the simulated gateway
	}
	gws, err := payOpts.gateways(ctx, db)
	if err != nil {
		return err
	}
	receipts := pdf.New(*payOpts.chromium)
	defer receipts.Close()
	srv, err := web.NewServer(db, log, web.Config{
		SecureCookies:      getenv("MARKAZ_SECURE_COOKIES") == "1",
		LoginRatePerMinute: *loginRate,
		TrackRatePerMinute: *trackRate,
		DemoNotice:         *withDemo,
		Gateways:           gws, PDF: receipts, PublicURL: *payOpts.public,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	if gws.Sim != nil {
		gws.Sim.Base = *payOpts.public
		if gws.Sim.Base == "" {
			gws.Sim.Base = "http://" + ln.Addr().String()
		}
	}
	if *debugAddr != "" {
		if err := serveDebug(ctx, *debugAddr, log); err != nil {
			return err
		}
	}
	srv.SetReady()
	// Planner statistics are gathered once the server answers: on a large database that
	// has none yet they take seconds, and start-up should not wait for them. Then start-up's
	// garbage (migration check, catalog, statistics) is collected and given back to the
	// OS at once: otherwise the next collection's goal is set from start-up's peak, and an
	// idle server keeps tens of MB it will not use until then.
	go func() {
		optimize(ctx, db, log)
		debug.FreeOSMemory()
	}()
	log.Info("markaz listening", "addr", ln.Addr().String(), "db", dialectOf(*dsn))
	fmt.Fprintf(stdout, "Markaz is running at http://%s\n", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	// --- jobs & notifications: the background worker stops with the server ---
	workerCtx, stopWorker := context.WithCancel(ctx)
	public := *payOpts.public // links in messages (the rating link of the delivery SMS, reports)
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	workerDone := startWorker(workerCtx, db, provider, gws, public, log, &report.Renderer{PDF: receipts})
	defer func() { stopWorker(); <-workerDone }()
	// --- end jobs & notifications ---
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shut)
}

func dialectOf(dsn string) string {
	if store.IsPostgres(dsn) {
		return "postgres"
	}
	return "sqlite:" + dsn
}

func migrate(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(getenv, stderr)
	db, err := openDB(ctx, *dsn, log)
	if err != nil {
		return err
	}
	defer db.Close()
	optimize(ctx, db, log)
	fmt.Fprintln(stdout, "database is up to date")
	return nil
}

func auditCmd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: markaz audit verify [--db …]")
		return errors.New("unknown audit command")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs, getenv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	// Verifying only reads: no migrations, no reference data that would add entries.
	db, err := store.Open(ctx, *dsn, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	problem, n, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if problem != "" {
		fmt.Fprintln(stdout, "audit log BROKEN:", problem)
		return errors.New("audit chain broken: " + problem)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries checked\n", n)
	return nil
}
