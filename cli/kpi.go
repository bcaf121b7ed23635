package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"markaz"
)

// kpiCmd runs `markaz kpi verify --from D --to D` (exit status non-zero on any difference
// between the rollups and the raw requests) and `markaz kpi rebuild`.
func kpiCmd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	const use = "usage: markaz kpi verify --from YYYY-MM-DD --to YYYY-MM-DD [--db …] | markaz kpi rebuild [--db …]"
	if len(args) == 0 || args[0] != "verify" && args[0] != "rebuild" {
		fmt.Fprintln(stderr, use)
		return errors.New("unknown kpi command")
	}
	fs := flag.NewFlagSet("kpi "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs, getenv)
	fromS := fs.String("from", "", "first day of the period (verify)")
	toS := fs.String("to", "", "last day of the period (verify)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, newLogger(getenv, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	progress := func(done, total int) {
		fmt.Fprintf(stderr, "\r%d/%d centers", done, total)
		if done == total {
			fmt.Fprintln(stderr)
		}
	}
	if args[0] == "rebuild" {
		if err := db.RebuildKPI(ctx, progress); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "KPI rollups rebuilt from the requests")
		return nil
	}
	from, err := markaz.ParseDate(*fromS)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	to, err := markaz.ParseDate(*toS)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	if to.Before(from) {
		return errors.New("--to is before --from")
	}
	diffs, err := db.VerifyKPI(ctx, from, to, progress)
	if err != nil {
		return err
	}
	if len(diffs) == 0 {
		fmt.Fprintf(stdout, "KPI rollups agree with the requests from %s to %s\n", from, to)
		return nil
	}
	for i, d := range diffs {
		if i == 100 {
			fmt.Fprintf(stdout, "… and %d more\n", len(diffs)-i)
			break
		}
		fmt.Fprintln(stdout, d)
	}
	return fmt.Errorf("%d KPI differences from %s to %s (markaz kpi rebuild recomputes the rollups)", len(diffs), from, to)
}
