package cli

// markaz report: one report on demand, written to a file (not archived, not delivered).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"markaz/kpi"
	"markaz/pdf"
	"markaz/report"
	"markaz/store"
)

func reportCmd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	territory := fs.String("territory", "", `"EG" or "nation", a governorate code (13), a district/city code (13-001) or a center code`)
	period := fs.String("period", "", "2024-05 (month), 2024-W18 (week, Saturday–Friday), 2024-Q1 (fiscal quarter of FY 2024–2025), FY2024 (fiscal year)")
	format := fs.String("format", "", "pdf or xlsx (default: from --out's extension)")
	out := fs.String("out", "", "file to write")
	lang := fs.String("lang", "ar", "ar or en")
	chromium := fs.String("chromium", getenv("MARKAZ_CHROMIUM"), "Chromium binary for PDF (env MARKAZ_CHROMIUM; default: chromium on the PATH)")
	dsn := dbFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format == "" {
		for _, f := range report.Formats {
			if len(*out) > len(f) && (*out)[len(*out)-len(f)-1:] == "."+f {
				*format = f
			}
		}
	}
	switch {
	case *out == "":
		return errors.New("report: --out FILE is required")
	case *period == "":
		return errors.New("report: --period is required (2024-05, 2024-W18, 2024-Q1 or FY2024)")
	case !slices.Contains(report.Formats, *format):
		return fmt.Errorf("report: --format %q: want pdf or xlsx", *format)
	case *lang != "ar" && *lang != "en":
		return fmt.Errorf("report: --lang %q: want ar or en", *lang)
	}
	from, to, step, err := kpi.ParsePeriod(*period)
	if err != nil {
		return fmt.Errorf("report: --period %q: write 2024-05, 2024-W18, 2024-Q1 or FY2024", *period)
	}
	db, err := openDB(ctx, *dsn, newLogger(getenv, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	in, err := db.ReportInput(ctx, store.ReportReader(), "", *territory, from, to, step, *lang)
	if err != nil {
		return fmt.Errorf("report: territory %q: %w", *territory, err)
	}
	r := &report.Renderer{}
	if *format == report.PDF {
		r.PDF = pdf.New(*chromium)
		defer r.PDF.Close()
	}
	data, _, _, err := r.Render(ctx, report.Build(*in), *format)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report %s %s (%s – %s) written to %s (%d bytes)\n", in.Period, placeName(in), from, to, *out, len(data))
	return nil
}

func placeName(in *report.Input) string {
	if in.Level == kpi.LevelNation {
		return "EG"
	}
	return in.Code + " " + in.NameEn
}
