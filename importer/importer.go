// Package importer runs backlog imports: it reads a CSV or XLSX file row by row (package
// sheet), validates every row (backlog.ParseRow, then the store's Refs for its center and
// service) and commits the rows in batches through the store, so memory stays bounded
// whatever the file's size, a rejected row never stops the others, and an interrupted
// import resumes after its last committed row with exactly the file's rows in the end.
// Run does one import from a file at hand (the command line); Jobs runs the imports
// uploaded through the web as leased jobs, on whichever instance claims them.
package importer

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"markaz"
	"markaz/backlog"
	"markaz/sheet"
	"markaz/store"
)

// DefaultBatch is how many rows one transaction commits. Every batch rewrites the pages
// of the random-keyed indexes it touches (national ID, mobile), so larger batches write
// much less per row: measured on 200,000 rows, 1,000-row batches wrote 11 GB of pages and
// 5,000-row batches 4.4 GB, in 60 % of the time, for about 10 MB more memory.
const DefaultBatch = 5000

// Options tune one run.
type Options struct {
	Batch int // rows per transaction; default DefaultBatch
	// Progress is told of the import after each committed batch and at the end.
	Progress func(im *store.Import)
	// AfterBatch, when set, runs after each committed batch; an error stops the import
	// there, as a crash would (tests use it to interrupt an import half-way).
	AfterBatch func(im *store.Import) error

	job   *store.Job    // the job being run, whose lease each batch extends
	lease time.Duration // how far each batch extends it
}

// parsed is one data row read from the file, checked as far as the row alone allows.
type parsed struct {
	line     int
	cells    []string
	key      string
	center   string // the center and service codes as the row gives them
	service  string
	row      *backlog.Row
	problems []markaz.FieldError
}

// Run imports the file at path into import id (created with store.CreateImport), from
// the row after its last committed one. It returns the import as it stands at the end:
// done, failed (the file's header or format is unusable: its Problems say why), or — with
// an error — interrupted and resumable by running it again.
func Run(ctx context.Context, db *store.DB, id, path string, o Options) (*store.Import, error) {
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	var im *store.Import
	var camp *store.CampaignRow
	err := db.Read(ctx, func(tx *store.Tx) (err error) {
		if im, err = tx.Import(id); err != nil {
			return err
		}
		camp, err = tx.Campaign(im.CampaignID)
		return err
	})
	if err != nil {
		return im, err
	}
	if im.Status == store.ImportDone || im.Status == store.ImportFailed {
		if o.job != nil { // finished by an earlier run: nothing left but the job
			err = db.Write(ctx, func(tx *store.Tx) error { return tx.CompleteJob(*o.job) })
		}
		return im, err
	}
	h, head, total, problems, err := survey(path)
	if err != nil {
		return im, err
	}
	if problems != nil {
		if head != nil {
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.SetImportHeader(im.ID, head) }); err != nil {
				return im, err
			}
		}
		return finish(ctx, db, im, problems, o)
	}
	if err := db.Write(ctx, func(tx *store.Tx) error {
		if o.job != nil {
			if err := tx.ExtendJobLease(*o.job, tx.Now.Add(o.lease)); err != nil {
				return err
			}
		}
		return tx.StartImport(im.ID, total, h.Lang, head)
	}); err != nil {
		return im, err
	}
	im.Status, im.TotalRows, im.Lang = store.ImportRunning, total, h.Lang
	r, _, err := sheet.Open(path)
	if err != nil {
		return im, err
	}
	defer r.Close()
	if _, err := r.Next(); err != nil { // the header, checked by survey
		return im, err
	}
	refs := store.NewRefs(&camp.Campaign, nil)
	// The batches go through one connection held for the load (a larger SQLite page cache
	// keeps the indexes' hot pages between batches).
	err = db.Bulk(ctx, func(write func(func(*store.Tx) error) error) error {
		var batch []parsed
		last := im.LastLine
		for {
			cells, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			line := r.Line()
			if line <= im.LastLine {
				continue // committed before the interruption
			}
			if err != nil && !errors.Is(err, sheet.ErrFormat) {
				return err
			}
			last = line
			if err == nil && blank(cells) {
				continue
			}
			batch = append(batch, parse(h, line, cells, err, markaz.Today(db.Clock)))
			if len(batch) < o.Batch {
				continue
			}
			if err := commit(ctx, write, db, im, refs, batch, last, o); err != nil {
				return err
			}
			batch = batch[:0]
		}
		if len(batch) > 0 || last > im.LastLine {
			return commit(ctx, write, db, im, refs, batch, last, o)
		}
		return nil
	})
	if err != nil {
		return im, err
	}
	return finish(ctx, db, im, nil, o)
}

// survey reads the file once: its header (problems when unusable) and how many data rows
// follow (blank rows are not rows, as in CSV).
func survey(path string) (h *backlog.Header, head []string, n int, problems []markaz.FieldError, err error) {
	r, _, err := sheet.Open(path)
	if errors.Is(err, sheet.ErrFormat) {
		return nil, nil, 0, []markaz.FieldError{{Field: "file", Code: "unreadable_file"}}, nil
	}
	if err != nil {
		return nil, nil, 0, nil, err
	}
	defer r.Close()
	head, err = r.Next()
	switch {
	case errors.Is(err, io.EOF):
		return nil, nil, 0, []markaz.FieldError{{Field: "file", Code: "empty_file"}}, nil
	case errors.Is(err, sheet.ErrFormat):
		return nil, nil, 0, []markaz.FieldError{{Field: "file", Code: "unreadable_file"}}, nil
	case err != nil:
		return nil, nil, 0, nil, err
	}
	if h, err = backlog.ParseHeader(head); err != nil {
		var e *markaz.Error
		if errors.As(err, &e) {
			return nil, head, 0, e.Fields, nil
		}
		return nil, nil, 0, nil, err
	}
	for {
		cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return h, head, n, nil, nil
		}
		if err != nil && !errors.Is(err, sheet.ErrFormat) {
			return nil, nil, 0, nil, err
		}
		if err != nil || !blank(cells) {
			n++
		}
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// parse checks one row by itself (ParseRow); a row the reader could not read is rejected.
func parse(h *backlog.Header, line int, cells []string, readErr error, today markaz.Date) parsed {
	p := parsed{line: line, cells: cells}
	if readErr != nil {
		p.key = "h:line:" + strconv.Itoa(line)
		p.problems = []markaz.FieldError{{Field: "row", Code: "unreadable_row"}}
		return p
	}
	p.key = backlog.RowKey(h, cells)
	p.center = strings.ToUpper(strings.TrimSpace(h.Cell(cells, "center_code")))
	p.service = strings.ToUpper(strings.TrimSpace(h.Cell(cells, "service_code")))
	row, err := backlog.ParseRow(h, cells, today)
	if err != nil {
		var e *markaz.Error
		if errors.As(err, &e) {
			p.problems = e.Fields
		} else {
			p.problems = []markaz.FieldError{{Field: "row", Code: "unreadable_row"}}
		}
		return p
	}
	p.row = row
	return p
}

func hasProblem(ps []markaz.FieldError, field string) bool {
	for _, p := range ps {
		if p.Field == field {
			return true
		}
	}
	return false
}

// commit writes one batch ending at line last: each row's center and service are
// resolved in the transaction, then the store commits the batch from where the import
// stands.
func commit(ctx context.Context, write func(func(*store.Tx) error) error, db *store.DB, im *store.Import, refs *store.Refs,
	batch []parsed, last int, o Options) error {
	var res store.BatchResult
	err := write(func(tx *store.Tx) error {
		rows := make([]store.BatchRow, len(batch))
		actor := store.Actor{UserID: im.UserID, Username: im.Username}
		for i, p := range batch {
			rows[i] = store.BatchRow{Line: p.line, Cells: p.cells, Key: p.key, Problems: p.problems}
			// Every problem of a row at once: its center and service are checked too, unless
			// their codes are already at fault.
			center, service := p.center, p.service
			if hasProblem(p.problems, "center_code") {
				center = ""
			}
			if hasProblem(p.problems, "service_code") {
				service = ""
			}
			c, _, probs, err := refs.Problems(tx, center, service)
			if err != nil {
				return err
			}
			if c != nil {
				rows[i].CenterID = c.ID
			}
			if p.row != nil && probs == nil {
				if rows[i].Source, err = refs.Source(tx, p.row, actor, tx.Now); err != nil {
					return err
				}
				rows[i].Row = p.row
				continue
			}
			rows[i].Problems = append(rows[i].Problems, probs...)
		}
		var until time.Time
		if o.job != nil {
			until = tx.Now.Add(o.lease)
		}
		var err error
		res, err = tx.CommitBatch(im, im.LastLine, last, rows, o.job, until)
		return err
	})
	if err != nil {
		return err
	}
	im.LastLine = last
	im.Read += len(batch)
	im.Imported += res.Imported
	im.Skipped += res.Skipped
	im.Rejected += res.Rejected
	im.Sampled += res.Sampled
	if o.Progress != nil {
		o.Progress(im)
	}
	if o.AfterBatch != nil {
		if err := o.AfterBatch(im); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// finish marks the import done, or failed with the file's problems.
func finish(ctx context.Context, db *store.DB, im *store.Import, problems []markaz.FieldError, o Options) (*store.Import, error) {
	err := db.Write(ctx, func(tx *store.Tx) error {
		if err := tx.FinishImport(im.ID, problems, o.job); err != nil {
			return err
		}
		var err error
		im, err = tx.Import(im.ID)
		return err
	})
	if err == nil && o.Progress != nil {
		o.Progress(im)
	}
	return im, err
}
