package store

// Bulk writing of requests made outside the counter's one-at-a-time path (generated demo
// requests; the same shape suits an imported backlog): each request arrives complete,
// with the history the workflow would have written and its fee lines, and many are
// written per transaction with multi-row INSERTs.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"markaz"
	"markaz/kpi"
	"markaz/request"
	"markaz/tracking"
)

// Parameters one statement may carry: SQLite's SQLITE_MAX_VARIABLE_NUMBER (32766 in the
// bundled build) and PostgreSQL's wire-protocol limit (65535).
const (
	maxParamsSQLite   = 32766
	maxParamsPostgres = 65535
)

// bulkRows is how many rows one INSERT statement writes at most: enough to amortise the
// statement, few enough that SQLite's statement journal (the pages one statement
// changes, kept to undo it alone) stays small.
const bulkRows = 250

// bulkCacheKiB is the SQLite page cache of a bulk load's connection (the default is 2 MiB):
// large enough that a batch's changed pages and the indexes' hot pages stay in memory
// between its transactions instead of being spilled and read back. The bundled
// allocator rounds each cached page up, so it costs about twice this in memory.
const bulkCacheKiB = 32 * 1024

// Bulk runs fn with write, which runs one write transaction as DB.Write does, on one
// connection held for the whole load and set up for it (on SQLite, a page cache of
// bulkCacheKiB, given back when fn returns). Durability settings are not touched.
func (db *DB) Bulk(ctx context.Context, fn func(write func(func(*Tx) error) error) error) error {
	conn, err := db.x.Connx(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Close()
	if db.Dialect == SQLite {
		var was int
		if err := conn.GetContext(ctx, &was, `PRAGMA cache_size`); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkCacheKiB)); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA cache_size = %d`, was))
		if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), `PRAGMA temp_store = DEFAULT`)
	}
	acc := newBulkKPI()
	err = fn(func(f func(*Tx) error) error {
		var stage *bulkKPI
		flushed := false
		err := db.runOn(ctx, conn, nil, func(tx *Tx) error {
			stage, flushed = newBulkKPI(), false
			tx.bulk = stage
			if err := f(tx); err != nil {
				return err
			}
			if acc.due(stage, tx.Now) {
				flushed = true
				return tx.flushBulkKPI(acc, stage)
			}
			return nil
		})
		if err == nil {
			if flushed {
				acc = newBulkKPI()
			} else {
				acc.merge(stage)
			}
		}
		return err
	})
	if len(acc.ids) > 0 { // what the last transactions wrote, even when fn failed later
		if ferr := db.runOn(ctx, conn, nil, func(tx *Tx) error { return tx.flushBulkKPI(acc, newBulkKPI()) }); err == nil {
			err = ferr
		}
	}
	return err
}

// BulkRequest is one request for InsertRequestsBulk: the row as it stands after its
// history (status, step, clocks, version, updated_at), the history itself (oldest first,
// seq from 1, each event with who made it) and the fee lines copied from the fee version
// in force on the submission day. ID is assigned when empty; TrackingNumber is always
// assigned.
type BulkRequest struct {
	request.Request
	Events   []request.Event
	Fees     []request.FeeLine
	Payments []BulkPayment // booked payments (FeesPaid and PaymentMethod are the row's own)
	Rating   *BulkRating   // the citizen's rating of a delivered request, if any
}

// BulkRating is a rating given at At through Source (tracking, sms or account).
type BulkRating struct {
	Rating int
	At     time.Time
	Source string
}

// facts are r's KPI facts (kpi.FactsOf with its rating).
func (r *BulkRequest) facts() kpi.Facts {
	if r.Rating == nil {
		return kpi.FactsOf(&r.Request, r.Events, 0, markaz.Date{})
	}
	return kpi.FactsOf(&r.Request, r.Events, r.Rating.Rating, markaz.DateOf(r.Rating.At))
}

// InsertRequestsBulk writes rs in the transaction. Each request gets the next tracking
// number of its center's series in slice order: one block per center is reserved with
// the same UPDATE … RETURNING as a registration (reserveTracking), so a server
// registering at the same time takes numbers after the block and never collides. The
// rows carry every column a registration and the workflow fill (tracking_digits,
// name_key, documents_json, …), so search, lists, exports and tracking work on them.
// Their booked payments follow with receipts (see insertPaymentsBulk), and the KPI
// rollups take both in the same transaction.
//
// It writes no audit entry and no outbox message: the caller audits the batch as a whole
// (a per-request entry would double the work for records nobody changed by hand).
func (tx *Tx) InsertRequestsBulk(rs []BulkRequest) error {
	if len(rs) == 0 {
		return nil
	}
	if err := tx.assignTracking(rs); err != nil {
		return err
	}
	all := rs
	reqs, events, fees := tx.rowWriter("requests", bulkRequestCols), tx.rowWriter("request_events", bulkEventCols),
		tx.rowWriter("request_fee_lines", bulkFeeCols)
	ratings := tx.rowWriter("request_ratings", []string{"request_id", "rating", "comment", "rated_at", "rated_on", "source"})
	defer reqs.close()
	defer events.close()
	defer fees.close()
	defer ratings.close()
	// Requests go in groups of one statement; their events and fee lines follow them (the
	// foreign keys are checked at once), carried over to the next statement when it is
	// not full.
	for len(rs) > 0 {
		group := rs[:min(len(rs), reqs.per)]
		rs = rs[len(group):]
		for i := range group {
			r := &group[i]
			if r.ID == "" {
				r.ID = markaz.NewID()
			}
			docs, err := json.Marshal(append([]string{}, r.Documents...))
			if err != nil {
				return err
			}
			reqs.add(r.ID, r.TrackingNumber, digitsOnly(r.TrackingNumber), r.ServiceCode, r.DurationVersionID,
				r.WorkingDays, r.CenterID, r.GovCode, r.UnitCode, r.Channel, r.Status, r.StepKey, r.NationalID, r.Name,
				markaz.NormalizeSearch(r.Name), r.Mobile, string(docs), r.Notes, r.SubmittedAt, r.SubmittedOn, r.DueDate,
				r.PausedDays, r.PausedSince, r.DecidedAt, r.DeliveredAt, r.ProcessingDays, r.FeesDue, r.FeesPaid, r.PaymentMethod,
				r.Version, r.CreatedBy, r.UpdatedAt)
		}
		if err := reqs.flush(); err != nil {
			return err
		}
		for i := range group {
			r := &group[i]
			for _, e := range r.Events {
				events.add(markaz.NewID(), r.ID, e.Seq, e.At, e.UserID, e.Username, e.Action, e.From, e.To,
					e.FromStep, e.ToStep, e.Note, e.Due)
				if err := events.flushFull(); err != nil {
					return err
				}
			}
			for j, l := range r.Fees {
				fees.add(r.ID, j+1, l.FeeVersionID, l.Key, l.NameAr, l.NameEn, l.AmountPiasters)
				if err := fees.flushFull(); err != nil {
					return err
				}
			}
			if rt := r.Rating; rt != nil {
				ratings.add(r.ID, rt.Rating, "", rt.At, markaz.DateOf(rt.At), rt.Source)
				if err := ratings.flushFull(); err != nil {
					return err
				}
			}
		}
	}
	if err := events.flush(); err != nil {
		return err
	}
	if err := fees.flush(); err != nil {
		return err
	}
	if err := tx.insertPaymentsBulk(all); err != nil {
		return err
	}
	if err := ratings.flush(); err != nil {
		return err
	}
	if tx.bulk != nil {
		return tx.bulk.add(tx, all)
	}
	return tx.kpiAddBulk(all)
}

var (
	bulkRequestCols = []string{"id", "tracking_number", "tracking_digits", "service_code", "duration_version_id",
		"working_days", "center_id", "gov_code", "unit_code", "channel", "status", "step_key", "national_id",
		"applicant_name", "name_key", "mobile", "documents_json", "notes", "submitted_at", "submitted_on", "due_date",
		"paused_days", "paused_since", "decided_at", "delivered_at", "processing_days", "fees_due_piasters", "fees_paid_piasters",
		"payment_method", "version", "created_by", "updated_at"}
	bulkEventCols = []string{"id", "request_id", "seq", "at", "user_id", "username", "action", "from_status",
		"to_status", "from_step", "to_step", "note", "due_date"}
	bulkFeeCols = []string{"request_id", "line_no", "fee_version_id", "line_key", "name_ar", "name_en",
		"amount_piasters"}
)

// assignTracking numbers rs from their centers' series, reserving one block per center.
// Centers are reserved in id order, so two bulk writers lock series rows in the same
// order and cannot deadlock each other.
func (tx *Tx) assignTracking(rs []BulkRequest) error {
	count := map[string]int{}
	gov := map[string]string{}
	for _, r := range rs {
		count[r.CenterID]++
		gov[r.CenterID] = r.GovCode
	}
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	type block struct {
		prefix string
		next   int64
	}
	blocks := make(map[string]*block, len(ids))
	for _, id := range ids {
		prefix, first, err := tx.reserveTracking(&markaz.Center{ID: id, GovCode: gov[id]}, count[id])
		if err != nil {
			return err
		}
		blocks[id] = &block{prefix, first}
	}
	for i := range rs {
		b := blocks[rs[i].CenterID]
		n, err := tracking.Format(b.prefix, b.next)
		if err != nil {
			return err
		}
		rs[i].TrackingNumber = n
		b.next++
	}
	return nil
}

// rows writes rows of one table with multi-row INSERTs of up to per rows (bulkRows,
// within the engine's limit on parameters per statement); the full-size statement is
// prepared once, and one buffer of values is reused.
type rows struct {
	tx   *Tx
	head string // INSERT INTO … VALUES
	row  string // (?, …, ?)
	ncol int
	per  int
	stmt *sqlx.Stmt
	args []any
}

func (tx *Tx) rowWriter(table string, cols []string) *rows {
	limit := maxParamsSQLite
	if tx.dialect == Postgres {
		limit = maxParamsPostgres
	}
	per := min(limit/len(cols), bulkRows)
	return &rows{tx: tx, head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		row: "(?" + strings.Repeat(", ?", len(cols)-1) + ")", ncol: len(cols), per: per,
		args: make([]any, 0, per*len(cols))}
}

// add queues one row's values.
func (w *rows) add(values ...any) { w.args = append(w.args, values...) }

// flushFull writes the queued rows when they fill a statement.
func (w *rows) flushFull() error {
	if len(w.args) < w.per*w.ncol {
		return nil
	}
	if w.stmt == nil {
		st, err := w.tx.tx.Preparex(w.tx.tx.Rebind(w.values(w.per)))
		if err != nil {
			return err
		}
		w.stmt = st
	}
	_, err := w.stmt.Exec(w.args...)
	clear(w.args)
	w.args = w.args[:0]
	return err
}

// flush writes every queued row.
func (w *rows) flush() error {
	if err := w.flushFull(); err != nil || len(w.args) == 0 {
		return err
	}
	_, err := w.tx.Exec(w.values(len(w.args)/w.ncol), w.args...)
	clear(w.args)
	w.args = w.args[:0]
	return err
}

func (w *rows) values(n int) string { return w.head + w.row + strings.Repeat(", "+w.row, n-1) }

func (w *rows) close() {
	if w.stmt != nil {
		w.stmt.Close()
	}
}
