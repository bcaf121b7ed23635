package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"markaz"
	"markaz/demo"
	"markaz/store"
)

// demoCmd adds generated requests to a demo database: markaz demo --requests N.
func demoCmd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs, getenv)
	n := fs.Int("requests", 0, "number of requests to add (submitted over the past year)")
	seed := fs.Uint64("seed", 0, "random seed (0: a new one each run; the same seed gives the same requests)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *n < 1 || *n > 10_000_000 {
		fmt.Fprintln(stderr, "usage: markaz demo --requests N [--seed S] [--db …]   (N from 1 to 10,000,000)")
		return errors.New("demo: --requests must be a whole number from 1 to 10,000,000")
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	db, err := openDB(ctx, *dsn, newLogger(getenv, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = addDemoRequests(ctx, db, *n, *seed, stdout)
	return err
}

// addDemoRequests adds n demo requests, printing progress about every 10% and a summary.
func addDemoRequests(ctx context.Context, db *store.DB, n int, seed uint64, stdout io.Writer) (demo.Stats, error) {
	fmt.Fprintf(stdout, "Adding %d demo requests (a year of service requests, simulated through the workflow and deadline rules)…\n", n)
	step, shown := max(n/10, 1), 0
	st, err := demo.AddRequestsProgress(ctx, db, n, seed, markaz.SystemClock{}, func(done int) {
		if done-shown >= step || done == n && shown < n {
			fmt.Fprintf(stdout, "  %d / %d requests\n", done, n)
			shown = done
		}
	})
	if errors.Is(err, demo.ErrNotDemo) {
		return st, errors.New("demo requests go only into a database that serve --demo created (it has no demo flag); give the demo database's --db")
	}
	if err != nil {
		return st, err
	}
	rate := float64(st.Requests) / max(st.Took.Seconds(), 0.001)
	fmt.Fprintf(stdout, "Added %d demo requests (%d workflow actions, %d by the deadlines job) in %s — %.0f requests/s\n",
		st.Requests, st.Actions, st.System, st.Took.Round(100*time.Millisecond), rate)
	if st.Refused > 0 {
		fmt.Fprintf(stdout, "  %d planned actions were not made: the workflow of their service does not allow them\n", st.Refused)
	}
	return st, nil
}
