package cli

// markaz import backlog: a paper-backlog file imported from the shell, as the system, with
// a progress line on the terminal and the final counts. The file is read where it lies
// (it is not copied into the database); running the same command again on the same file
// resumes an interrupted import from its last committed row.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"markaz"
	"markaz/i18n"
	"markaz/importer"
	"markaz/sheet"
	"markaz/store"
)

func importUsage(w io.Writer) {
	fmt.Fprint(w, `markaz import backlog — enter a file of past requests into a backlog campaign

  markaz import backlog (--campaign ID | --governorate CODE) --file F [--sample N]
                        [--report F.csv|F.xlsx] [--lang ar|en] [--db …]
      --governorate takes that governorate's one open campaign. The file is CSV or XLSX
      with the template's header (Arabic or English, any column order). Every row is
      checked; a rejected row never stops the others. --sample sends N per cent of the
      imported rows to verification (default: the campaign's). --report writes the rejected
      rows with their reasons (in --lang, default the file's header language).
      Interrupted (Ctrl-C, a crash), the same command on the same file resumes.
`)
}

func importCmd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		importUsage(stdout)
		return nil
	}
	if len(args) == 0 || args[0] != "backlog" {
		importUsage(stderr)
		return errors.New("usage: markaz import backlog …")
	}
	fs := flag.NewFlagSet("import backlog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := dbFlag(fs, getenv)
	campaign := fs.String("campaign", "", "campaign id")
	gov := fs.String("governorate", "", "governorate code: its one open campaign")
	file := fs.String("file", "", "CSV or XLSX file to import")
	sample := fs.Int("sample", -1, "per cent of imported rows sent to verification (default: the campaign's)")
	report := fs.String("report", "", "write the rejected rows to this .csv or .xlsx file")
	lang := fs.String("lang", "", "language of the report (ar or en; default: the file's header language)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case (*campaign == "") == (*gov == ""):
		return errors.New("give either --campaign ID or --governorate CODE")
	case *file == "":
		return errors.New("--file is required")
	case *lang != "" && *lang != "ar" && *lang != "en":
		return errors.New("--lang is ar or en")
	case *sample > 100:
		return errors.New("--sample is a percentage from 0 to 100")
	}
	sum, size, format, err := digest(*file)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := openDB(ctx, *dsn, newLogger(getenv, io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	im, resumed, err := startImport(ctx, db, *campaign, markaz.LatinDigits(*gov), *file, sum, size, format, *sample)
	if err != nil {
		return err
	}
	if resumed {
		fmt.Fprintf(stdout, "Resuming the import of %s after row %d (%d rows already committed).\n", *file, im.LastLine, im.Read)
	} else {
		fmt.Fprintf(stdout, "Importing %s into campaign %s (import %s).\n", *file, im.CampaignID, im.ID)
	}
	line := progressLine(stdout)
	im, err = importer.Run(ctx, db, im.ID, *file, importer.Options{Progress: line})
	fmt.Fprintln(stdout)
	if err != nil {
		if ctx.Err() != nil && im != nil {
			fmt.Fprintf(stdout, "Interrupted after %d rows: run the same command again to resume.\n", im.Read)
		}
		return err
	}
	if im.Status == store.ImportFailed {
		for _, p := range im.Problems() {
			fmt.Fprintf(stdout, "  %s: %s\n", importer.ColumnName(nil, "en", p.Field), i18n.T("en", "field."+p.Code, p.Args))
		}
		return errors.New("the file was not imported")
	}
	fmt.Fprintf(stdout, "Rows read: %d, imported: %d, already entered: %d, rejected: %d.\n", im.Read, im.Imported,
		im.Skipped, im.Rejected)
	if im.Sampled > 0 {
		fmt.Fprintf(stdout, "%d imported rows were sent to verification.\n", im.Sampled)
	}
	if im.Rejected > 0 && *report == "" {
		fmt.Fprintln(stdout, "Add --report rejected.xlsx (or .csv) to write the rejected rows with their reasons.")
	}
	if *report != "" {
		if *lang == "" {
			*lang = im.Lang
		}
		if err := writeReport(ctx, db, im, *report, *lang); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Rejected rows written to %s.\n", *report)
	}
	return nil
}

// digest reads a file once for its SHA-256 (which identifies it for a resume), size and
// format.
func digest(path string) (sum string, size int64, format sheet.Format, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, "", err
	}
	h := sha256.New()
	size, err = io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), size, sheet.Sniff(head[:n]), err
}

// startImport finds the campaign (by id, or the governorate's open one) and the
// unfinished import of the same file there, or creates a new import.
func startImport(ctx context.Context, db *store.DB, campaign, gov, path, sum string, size int64, format sheet.Format,
	sample int) (im *store.Import, resumed bool, err error) {
	err = db.Write(ctx, func(tx *store.Tx) error {
		resumed = false
		if gov != "" {
			c, err := tx.OpenCampaignOf(gov)
			switch markaz.ErrorCode(err) {
			case markaz.ENotFound:
				return fmt.Errorf("governorate %s has no open backlog campaign", gov)
			case markaz.EConflict:
				return fmt.Errorf("governorate %s has several open campaigns (one per district): give --campaign", gov)
			}
			if err != nil {
				return err
			}
			campaign = c.ID
		}
		if _, err := tx.Campaign(campaign); markaz.ErrorCode(err) == markaz.ENotFound {
			return fmt.Errorf("no campaign %s", campaign)
		}
		if im, err = tx.ResumableImport(campaign, sum); err == nil {
			resumed = true
			return nil
		} else if markaz.ErrorCode(err) != markaz.ENotFound {
			return err
		}
		n := store.NewImport{Campaign: campaign, Origin: store.OriginCLI, FileName: filepath.Base(path), SHA256: sum,
			Size: size, Format: string(format)}
		if sample >= 0 {
			n.SamplePercent = &sample
		}
		im, err = tx.CreateImport(nil, n)
		if markaz.ErrorCode(err) == markaz.EConflict {
			return errors.New("the campaign is closed")
		}
		return err
	})
	return im, resumed, err
}

// progressLine returns a progress callback that rewrites one terminal line, at most four
// times a second (and always at the end).
func progressLine(w io.Writer) func(im *store.Import) {
	var last time.Time
	return func(im *store.Import) {
		done := im.Status == store.ImportDone || im.Status == store.ImportFailed
		if !done && time.Since(last) < 250*time.Millisecond {
			return
		}
		last = time.Now()
		total := "?"
		if im.TotalRows >= 0 {
			total = fmt.Sprint(im.TotalRows)
		}
		fmt.Fprintf(w, "\r  %d / %s rows (%d%%) — imported %d, already entered %d, rejected %d ", im.Read, total,
			im.Percent(), im.Imported, im.Skipped, im.Rejected)
	}
}

// writeReport writes an import's rejected rows to path, as CSV or XLSX by its extension.
func writeReport(ctx context.Context, db *store.DB, im *store.Import, path, lang string) error {
	f := sheet.CSV
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		f = sheet.XLSX
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := importer.WriteReport(ctx, db, im, out, f, lang); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
