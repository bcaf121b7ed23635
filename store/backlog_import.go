package store

// Backlog imports: a file's rows entered in batches, each batch one transaction that
// writes its requests, their registry rows and its rejected rows, and moves the import's
// last committed row on — only from the row the batch started after, so two runners of
// one import can never both commit a batch, and a resumed import skips exactly the rows
// already committed. The uploaded bytes are kept in chunks (backlog_import_chunks) until
// the import has finished, so any instance can run it, or resume it after a crash.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"markaz"
	"markaz/backlog"
	"markaz/request"
)

// JobBacklogImport is the job kind of an uploaded file's import; its payload is the
// import's id.
const JobBacklogImport = "backlog_import"

// Import statuses.
const (
	ImportUploading = "uploading" // bytes arriving
	ImportQueued    = "queued"    // waiting for a runner
	ImportRunning   = "running"   // rows being committed (or interrupted, to resume)
	ImportDone      = "done"
	ImportFailed    = "failed" // the file could not be read (its problem says why)
)

// Where an import came from.
const (
	OriginUpload = "upload" // the web page or API: the bytes are in the database
	OriginCLI    = "cli"    // markaz import backlog: the file stays where it is
)

// ChunkSize is the size of the stored pieces of an uploaded file.
const ChunkSize = 1 << 20

// Import is one file's import and its counts so far.
type Import struct {
	ID            string     `json:"id" db:"id"`
	CampaignID    string     `json:"campaign_id" db:"campaign_id"`
	Origin        string     `json:"origin" db:"origin"`
	Status        string     `json:"status" db:"status"`
	FileName      string     `json:"file_name" db:"file_name"`
	SHA256        string     `json:"sha256" db:"sha256"`
	Size          int64      `json:"size_bytes" db:"size_bytes"`
	Format        string     `json:"format" db:"format"`
	Lang          string     `json:"header_language" db:"lang"`
	HeaderJSON    string     `json:"-" db:"header_json"`
	SamplePercent int        `json:"sample_percent" db:"sample_percent"`
	TotalRows     int        `json:"total_rows" db:"total_rows"` // -1 until counted
	LastLine      int        `json:"last_line" db:"last_line"`   // rows of the file committed, header included
	Read          int        `json:"rows_read" db:"rows_read"`
	Imported      int        `json:"imported" db:"imported"`
	Skipped       int        `json:"skipped" db:"skipped"` // already entered, identically
	Rejected      int        `json:"rejected" db:"rejected"`
	Sampled       int        `json:"sampled" db:"sampled"`
	ProblemJSON   string     `json:"-" db:"problem_json"`
	UserID        string     `json:"-" db:"user_id"`
	Username      string     `json:"username" db:"username"`
	CreatedAt     time.Time  `json:"created_at" db:"created_at"`
	StartedAt     *time.Time `json:"started_at,omitempty" db:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty" db:"finished_at"`
	UpdatedAt     time.Time  `json:"updated_at" db:"updated_at"`
}

// Percent is the share of the file's rows committed, in whole per cent.
func (im *Import) Percent() int {
	switch {
	case im.Status == ImportDone:
		return 100
	case im.TotalRows <= 0:
		return 0
	}
	return min(100, im.Read*100/im.TotalRows)
}

// Problems are the field errors that failed a file as a whole (its header, its format).
func (im *Import) Problems() []markaz.FieldError {
	if im.ProblemJSON == "" {
		return nil
	}
	out, _ := unmarshalProblems(im.ProblemJSON)
	return out
}

const importCols = `id, campaign_id, origin, status, file_name, sha256, size_bytes, format, lang, header_json, sample_percent, total_rows,
	last_line, rows_read, imported, skipped, rejected, sampled, problem_json, user_id, username, created_at, started_at,
	finished_at, updated_at`

// Import loads one import without access checks.
func (tx *Tx) Import(id string) (*Import, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	var im Import
	if err := tx.Get(&im, `SELECT `+importCols+` FROM backlog_imports WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &im, nil
}

// ImportFor loads import id if p may read its campaign (ErrNotFound otherwise), with
// what p may do in that campaign.
func (tx *Tx) ImportFor(p *markaz.Principal, id string) (*Import, CampaignAccess, error) {
	im, err := tx.Import(id)
	if err != nil {
		return nil, CampaignAccess{}, err
	}
	_, a, err := tx.CampaignFor(p, im.CampaignID, nil)
	return im, a, err
}

// Imports lists the latest imports of a campaign, newest first.
func (tx *Tx) Imports(campaignID string, limit int) ([]Import, error) {
	out := []Import{}
	err := tx.Select(&out, `SELECT `+importCols+` FROM backlog_imports WHERE campaign_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, campaignID, limit)
	return out, err
}

// NewImport describes an import to create.
type NewImport struct {
	Campaign      string
	Origin        string
	FileName      string
	SamplePercent *int // nil: the campaign's
	// For a command-line import, the file's digest, size and format, known at once.
	SHA256 string
	Size   int64
	Format string
}

// CreateImport starts an import into a campaign for p (nil: the system), who must be
// able to import there (CanImport); the campaign must be open. An upload starts
// "uploading" (its bytes follow with AddImportChunk, then QueueImport); a command-line
// import starts "running".
func (tx *Tx) CreateImport(p *markaz.Principal, n NewImport) (*Import, error) {
	c, _, err := tx.CampaignFor(p, n.Campaign, CanImport)
	if err != nil {
		return nil, err
	}
	if c.Status != backlog.CampaignOpen {
		return nil, markaz.Errorf(markaz.EConflict, "error.backlog_campaign_closed")
	}
	var v markaz.Validator
	n.FileName = strings.TrimSpace(n.FileName)
	v.Text("file", n.FileName, 255, true)
	sample := c.SamplePercent
	if n.SamplePercent != nil {
		sample = *n.SamplePercent
		if sample < 0 || sample > backlog.MaxSamplePercent {
			v.Add("sample_percent", "out_of_range", nil)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	a := ActorOf(p)
	status := ImportUploading
	if n.Origin == OriginCLI {
		status = ImportRunning
	}
	im := &Import{ID: markaz.NewID(), CampaignID: c.ID, Origin: n.Origin, Status: status, FileName: n.FileName,
		SHA256: n.SHA256, Size: n.Size, Format: n.Format, SamplePercent: sample, TotalRows: -1, UserID: a.UserID,
		Username: a.Username, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if _, err := tx.Exec(`INSERT INTO backlog_imports (id, campaign_id, origin, status, file_name, sha256, size_bytes,
		format, sample_percent, user_id, username, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		im.ID, im.CampaignID, im.Origin, im.Status, im.FileName, im.SHA256, im.Size, im.Format, im.SamplePercent,
		im.UserID, im.Username, im.CreatedAt, im.UpdatedAt); err != nil {
		return nil, err
	}
	if err := tx.Audit(a, "backlog.import.create", "backlog_import", im.ID, c.Ref(), nil,
		map[string]any{"file": im.FileName, "origin": im.Origin}); err != nil {
		return nil, err
	}
	return im, nil
}

// ResumableImport returns the unfinished command-line import of a campaign with the
// file digest sha (ErrNotFound when there is none): running the same command on the
// same file again resumes it.
func (tx *Tx) ResumableImport(campaign, sha string) (*Import, error) {
	var ids []string
	if err := tx.Select(&ids, `SELECT id FROM backlog_imports WHERE campaign_id = ? AND sha256 = ? AND origin = 'cli'
		AND status = 'running' ORDER BY created_at DESC LIMIT 1`, campaign, sha); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, markaz.ErrNotFound
	}
	return tx.Import(ids[0])
}

// AddImportChunk stores piece seq (from 0) of an uploading file.
func (tx *Tx) AddImportChunk(id string, seq int, data []byte) error {
	_, err := tx.Exec(`INSERT INTO backlog_import_chunks (import_id, seq, data) VALUES (?, ?, ?)`, id, seq, data)
	return err
}

// ImportChunk returns piece seq of an uploaded file (ErrNotFound past the last).
func (tx *Tx) ImportChunk(id string, seq int) ([]byte, error) {
	var b []byte
	err := tx.Get(&b, `SELECT data FROM backlog_import_chunks WHERE import_id = ? AND seq = ?`, id, seq)
	return b, err
}

// QueueImport closes an upload (its digest, size and format now known) and enqueues the
// job that runs it, in one transaction.
func (tx *Tx) QueueImport(id, sha string, size int64, format string) (*Import, error) {
	res, err := tx.Exec(`UPDATE backlog_imports SET status = 'queued', sha256 = ?, size_bytes = ?, format = ?, updated_at = ?
		WHERE id = ? AND status = 'uploading'`, sha, size, format, tx.Now, id)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	if err := tx.EnqueueJob(JobBacklogImport, JobBacklogImport+":"+id, time.Time{}, []byte(id)); err != nil {
		return nil, err
	}
	return tx.Import(id)
}

// StartImport marks an import running with its file's row count and header (the error
// report names columns as the file does).
func (tx *Tx) StartImport(id string, total int, lang string, header []string) error {
	h, _ := json.Marshal(header)
	_, err := tx.Exec(`UPDATE backlog_imports SET status = 'running', total_rows = ?, lang = ?, header_json = ?,
		started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ? AND status IN ('queued', 'running')`,
		total, lang, string(h), tx.Now, tx.Now, id)
	return err
}

// Header is the file's header row as read (nil before the import started or when the
// file had none).
func (im *Import) Header() []string {
	var h []string
	if im.HeaderJSON != "" {
		json.Unmarshal([]byte(im.HeaderJSON), &h)
	}
	return h
}

// SetImportHeader keeps the header row of a file (for a file refused for its header,
// which never started).
func (tx *Tx) SetImportHeader(id string, header []string) error {
	h, _ := json.Marshal(header)
	_, err := tx.Exec(`UPDATE backlog_imports SET header_json = ? WHERE id = ?`, string(h), id)
	return err
}

// FinishImport marks an import done, or failed with the problems of its file, removes
// its stored bytes (the rows are records now; rejected rows keep their cells), and —
// for a job — settles the job in the same transaction.
func (tx *Tx) FinishImport(id string, problems []markaz.FieldError, job *Job) error {
	status, problem := ImportDone, ""
	if problems != nil {
		status, problem = ImportFailed, marshalProblems(problems)
	}
	if _, err := tx.Exec(`UPDATE backlog_imports SET status = ?, problem_json = ?, finished_at = ?, updated_at = ?
		WHERE id = ?`, status, problem, tx.Now, tx.Now, id); err != nil {
		return err
	}
	if _, err := tx.Exec(`DELETE FROM backlog_import_chunks WHERE import_id = ?`, id); err != nil {
		return err
	}
	im, err := tx.Import(id)
	if err != nil {
		return err
	}
	c, err := tx.Campaign(im.CampaignID)
	if err != nil {
		return err
	}
	if err := tx.Audit(Actor{UserID: im.UserID, Username: im.Username}, "backlog.import."+status, "backlog_import",
		id, c.Ref(), nil, map[string]any{"rows_read": im.Read, "imported": im.Imported, "skipped": im.Skipped,
			"rejected": im.Rejected, "sampled": im.Sampled, "problems": problems}); err != nil {
		return err
	}
	if job != nil {
		return tx.CompleteJob(*job)
	}
	return nil
}

// BatchRow is one data row of a file on its way into a batch: either a validated row
// with what Build needs (Source), or the problems that reject it.
type BatchRow struct {
	Line     int
	Cells    []string
	Key      string // backlog.RowKey
	Row      *backlog.Row
	Source   backlog.Source
	Problems []markaz.FieldError
	CenterID string // the row's center when known and in the campaign, for counting rejections per center
}

// BatchResult counts one committed batch.
type BatchResult struct {
	Imported, Skipped, Rejected, Sampled int
}

// ErrImportMoved is returned when a batch does not start where the import stands: another
// runner committed it (or the import is no longer running).
var ErrImportMoved = &markaz.Error{Code: markaz.EConflict, Key: "error.backlog_import_moved"}

// CommitBatch commits rows (in file order, ending at line last) of import im, which
// stands at line after. A row whose file is registered already is skipped when it says
// the same (fingerprint), rejected otherwise (a corrected file cannot silently rewrite a
// record); a file twice in one batch is treated the same way. New rows become requests
// (backlog.Build) and registry rows; the rows of im's sample are set for verification.
// With job, its lease is extended to leaseUntil in the same transaction (ErrLeaseLost
// when it was taken over).
func (tx *Tx) CommitBatch(im *Import, after, last int, rows []BatchRow, job *Job, leaseUntil time.Time) (BatchResult, error) {
	var res BatchResult
	moved, err := tx.Exec(`UPDATE backlog_imports SET last_line = ?, updated_at = ? WHERE id = ? AND last_line = ?
		AND status = 'running'`, last, tx.Now, im.ID, after)
	if err != nil {
		return res, err
	}
	if rowsAffected(moved) != 1 {
		return res, ErrImportMoved
	}
	if job != nil {
		if err := tx.ExtendJobLease(*job, leaseUntil); err != nil {
			return res, err
		}
	}
	// Files already registered, by center.
	byCenter := map[string][]string{}
	for _, r := range rows {
		if r.Row != nil {
			byCenter[r.Source.Center.ID] = append(byCenter[r.Source.Center.ID], r.Row.LegacyFileNumber)
		}
	}
	known := map[string]string{} // center \x1f legacy → fingerprint
	for center, legacies := range byCenter {
		got, err := tx.enteredFiles(center, legacies)
		if err != nil {
			return res, err
		}
		for l, f := range got {
			known[center+"\x1f"+l] = f.Hash
		}
	}
	var built []*backlog.Built
	var fresh []*BatchRow
	var resolved []string
	for i := range rows {
		r := &rows[i]
		if r.Row == nil {
			continue
		}
		k := r.Source.Center.ID + "\x1f" + r.Row.LegacyFileNumber
		hash := r.Row.Fingerprint()
		if h, ok := known[k]; ok {
			if h == hash {
				res.Skipped++
			} else {
				r.Problems = []markaz.FieldError{{Field: "legacy_file_number", Code: "already_entered_differs"}}
			}
			continue
		}
		b, err := backlog.Build(r.Row, r.Source)
		if err != nil {
			var me *markaz.Error
			if errors.As(err, &me) && me.Code == markaz.EInvalid {
				r.Problems = me.Fields
				continue
			}
			return res, err
		}
		b.Request.ID = markaz.NewID()
		known[k] = hash
		built = append(built, b)
		fresh = append(fresh, r)
		resolved = append(resolved, r.Key)
	}
	if err := tx.insertBuilt(built); err != nil {
		return res, err
	}
	today := tx.Today()
	var recs []any
	for i, r := range fresh {
		b := built[i]
		check, first := backlog.CheckNone, ""
		if backlog.Sampled(im.ID, r.Line, im.SamplePercent) {
			check = backlog.CheckAwaiting
			j, _ := json.Marshal(r.Row.Entry())
			first = string(j)
			res.Sampled++
		}
		recs = append(recs, markaz.NewID(), im.CampaignID, b.Request.CenterID, b.Request.GovCode, b.Request.UnitCode,
			r.Row.LegacyFileNumber, backlog.SourceImport, backlog.RecordEntered, check, b.Request.ID, r.Row.Fingerprint(),
			first, im.ID, r.Line, im.UserID, im.Username, tx.Now, today, today, 1, tx.Now)
	}
	res.Imported = len(fresh)
	if err := tx.insertRows("backlog_records", recordCols, recs); err != nil {
		return res, err
	}
	var errs []any
	for _, r := range rows {
		if r.Problems == nil {
			continue
		}
		res.Rejected++
		cells, _ := json.Marshal(r.Cells)
		probs := marshalProblems(r.Problems)
		var done *time.Time
		if len(r.Problems) == 1 && r.Problems[0].Code == "already_entered_differs" {
			done = &tx.Now // the file is entered: the row is a conflicting copy, not a missing file
		}
		errs = append(errs, im.ID, r.Line, im.CampaignID, r.CenterID, r.Key, string(cells), probs, done)
	}
	if err := tx.insertRows("backlog_import_errors", importErrorCols, errs); err != nil {
		return res, err
	}
	if err := tx.resolveRejections(im.CampaignID, resolved); err != nil {
		return res, err
	}
	if _, err := tx.Exec(`UPDATE backlog_imports SET rows_read = rows_read + ?, imported = imported + ?,
		skipped = skipped + ?, rejected = rejected + ?, sampled = sampled + ? WHERE id = ?`, len(rows), res.Imported,
		res.Skipped, res.Rejected, res.Sampled, im.ID); err != nil {
		return res, err
	}
	c, err := tx.Campaign(im.CampaignID)
	if err != nil {
		return res, err
	}
	err = tx.Audit(Actor{UserID: im.UserID, Username: im.Username}, "backlog.import.batch", "backlog_import", im.ID,
		c.Ref(), nil, map[string]any{"lines": fmt.Sprintf("%d-%d", after+1, last), "imported": res.Imported,
			"skipped": res.Skipped, "rejected": res.Rejected})
	return res, err
}

var (
	recordCols = []string{"id", "campaign_id", "center_id", "gov_code", "unit_code", "legacy_file_number", "source",
		"status", "check_status", "request_id", "row_hash", "first_json", "import_id", "line", "entered_by",
		"entered_name", "entered_at", "entered_on", "counted_on", "version", "updated_at"}
	importErrorCols = []string{"import_id", "line", "campaign_id", "center_id", "row_key", "cells_json", "errors_json",
		"resolved_at"}
)

// insertRows inserts rows of len(cols) values each (args holds them row after row) with
// the bulk path's multi-row INSERTs.
func (tx *Tx) insertRows(table string, cols []string, args []any) error {
	w := tx.rowWriter(table, cols)
	defer w.close()
	for ; len(args) > 0; args = args[len(cols):] {
		w.add(args[:len(cols)]...)
		if err := w.flushFull(); err != nil {
			return err
		}
	}
	return w.flush()
}

// fieldProblem is a field error as stored (markaz.FieldError keeps its arguments out of JSON).
type fieldProblem struct {
	Field string         `json:"field"`
	Code  string         `json:"code"`
	Args  map[string]any `json:"args,omitempty"`
}

func marshalProblems(ps []markaz.FieldError) string {
	out := make([]fieldProblem, len(ps))
	for i, p := range ps {
		out[i] = fieldProblem{p.Field, p.Code, p.Args}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func unmarshalProblems(s string) ([]markaz.FieldError, error) {
	var ps []fieldProblem
	if err := json.Unmarshal([]byte(s), &ps); err != nil {
		return nil, err
	}
	out := make([]markaz.FieldError, len(ps))
	for i, p := range ps {
		out[i] = markaz.FieldError{Field: p.Field, Code: p.Code, Args: p.Args}
	}
	return out, nil
}

// RejectedRow is a rejected row of an import as its error report shows it.
type RejectedRow struct {
	Line     int
	Cells    []string
	Problems []markaz.FieldError
}

// EachRejected streams the rejected rows of an import in file order (a failed file's
// problems first, as line 1).
func (db *DB) EachRejected(ctx context.Context, im *Import, fn func(RejectedRow) error) error {
	if ps := im.Problems(); len(ps) > 0 {
		if err := fn(RejectedRow{Line: 1, Cells: im.Header(), Problems: ps}); err != nil {
			return err
		}
	}
	return db.Read(ctx, func(tx *Tx) error {
		rows, err := tx.Query(`SELECT line, cells_json, errors_json FROM backlog_import_errors WHERE import_id = ?
			ORDER BY line`, im.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r RejectedRow
			var cells, probs string
			if err := rows.Scan(&r.Line, &cells, &probs); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(cells), &r.Cells); err != nil {
				return err
			}
			if r.Problems, err = unmarshalProblems(probs); err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// ImportedRequests counts the requests an import made (for tests and checks).
func (tx *Tx) ImportedRequests(id string) (int, error) {
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM backlog_records b JOIN requests r ON r.id = b.request_id
		WHERE b.import_id = ? AND r.channel = ?`, id, request.ChannelBacklog)
	return n, err
}
