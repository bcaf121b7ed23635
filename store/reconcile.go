package store

// Reconciliation: once a day, what Markaz received electronically through a gateway on a
// day (payments booked or held, by the day the money arrived) is matched with the
// gateway's statement of that day (payment.Match, by the gateway's reference). Each
// difference becomes an item a finance officer resolves with a note. A gateway's day is
// reconciled once (the daily job's dedup key, and a unique row per gateway and day).

import (
	"context"
	"time"

	"markaz"
	"markaz/payment"
)

// JobReconcile is the kind of the daily reconciliation job (payload: "gateway day").
const JobReconcile = "reconcile"

// ReconcileKey is the dedup key of a gateway's reconciliation of a day.
func ReconcileKey(gateway string, day markaz.Date) string {
	return "reconcile:" + gateway + ":" + day.String()
}

// EnqueueReconcile enqueues the reconciliation of yesterday's payments of gateway, to run
// from 02:00 Cairo time today (the gateway's statement of a day is complete by then).
// Every instance may call it; one job results per gateway and day.
func (tx *Tx) EnqueueReconcile(gateway string) error {
	today := tx.Today()
	runAt := today.Start().Add(2 * time.Hour)
	day := today.AddDays(-1)
	return tx.EnqueueJob(JobReconcile, ReconcileKey(gateway, day), runAt, []byte(gateway+" "+day.String()))
}

// Reconciliation is one gateway's reconciliation of one day.
type Reconciliation struct {
	ID            string      `json:"id" db:"id"`
	Gateway       string      `json:"gateway" db:"gateway"`
	BusinessDate  markaz.Date `json:"business_date" db:"business_date"`
	StatementRows int         `json:"statement_rows" db:"statement_rows"`
	BookedRows    int         `json:"markaz_rows" db:"booked_rows"`
	Matched       int         `json:"matched" db:"matched"`
	Mismatches    int         `json:"mismatches" db:"mismatches"`
	Open          int         `json:"open_mismatches" db:"open_items"`
	CreatedBy     string      `json:"created_by" db:"created_by"`
	CreatedAt     time.Time   `json:"created_at" db:"created_at"`
}

// ReconItem is one mismatch of a reconciliation.
type ReconItem struct {
	ID                string     `json:"id" db:"id"`
	ReconciliationID  string     `json:"reconciliation_id" db:"reconciliation_id"`
	Kind              string     `json:"kind" db:"kind"`
	PaymentID         string     `json:"payment_id" db:"payment_id"`
	GatewayReference  string     `json:"gateway_reference" db:"gateway_reference"`
	MarkazPiasters    int64      `json:"markaz_piasters" db:"markaz_piasters"`
	StatementPiasters int64      `json:"statement_piasters" db:"statement_piasters"`
	CenterID          string     `json:"center_id,omitempty" db:"center_id"`
	GovCode           string     `json:"governorate,omitempty" db:"gov_code"`
	UnitCode          string     `json:"unit,omitempty" db:"unit_code"`
	ResolvedAt        *time.Time `json:"resolved_at,omitempty" db:"resolved_at"`
	ResolvedBy        string     `json:"resolved_by,omitempty" db:"resolved_by"`
	ResolutionNote    string     `json:"resolution_note,omitempty" db:"resolution_note"`
}

// Ref is the item's place: its payment's center, or national when Markaz does not know
// the payment.
func (i *ReconItem) Ref() markaz.Ref {
	return markaz.Ref{Gov: i.GovCode, Unit: i.UnitCode, Center: i.CenterID}
}

// received is a payment as the reconciliation reads it.
type received struct {
	ID        string `db:"id"`
	Reference string `db:"gateway_reference"`
	Amount    int64  `db:"received_piasters"`
	CenterID  string `db:"center_id"`
	GovCode   string `db:"gov_code"`
	UnitCode  string `db:"unit_code"`
}

const receivedCols = `id, gateway_reference, received_piasters, center_id, gov_code, unit_code`

// receivedStatuses are the statuses of payments whose money arrived electronically.
const receivedStatuses = `('paid', 'partly_refunded', 'refunded', 'held_for_review')`

// Reconcile matches what Markaz received through gateway on day with the gateway's
// statement rows and records the result with its mismatches, by actor.
func (tx *Tx) Reconcile(actor Actor, gateway string, day markaz.Date, rows []payment.StatementRow) (*Reconciliation, error) {
	var ours []received
	if err := tx.Select(&ours, `SELECT `+receivedCols+` FROM payments WHERE gateway = ? AND received_on = ?
		AND status IN `+receivedStatuses+` ORDER BY id`, gateway, day); err != nil {
		return nil, err
	}
	byRef, byID := map[string]received{}, map[string]received{}
	dayRows := make([]payment.Received, len(ours))
	for i, r := range ours {
		dayRows[i] = payment.Received{PaymentID: r.ID, GatewayReference: r.Reference, AmountPiasters: r.Amount}
		byRef[r.Reference], byID[r.ID] = r, r
	}
	other, err := tx.receivedElsewhere(gateway, day, rows, byRef, byID)
	if err != nil {
		return nil, err
	}
	matched, ms := payment.Match(dayRows, other, rows)
	rec := Reconciliation{ID: markaz.NewID(), Gateway: gateway, BusinessDate: day, StatementRows: len(rows),
		BookedRows: len(ours), Matched: matched, Mismatches: len(ms), Open: len(ms), CreatedBy: actor.Username,
		CreatedAt: tx.Now}
	res, err := tx.Exec(`INSERT INTO reconciliations (id, gateway, business_date, statement_rows, booked_rows, matched,
		mismatches, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (gateway, business_date) DO NOTHING`,
		rec.ID, gateway, day, rec.StatementRows, rec.BookedRows, matched, len(ms), rec.CreatedBy, tx.Now)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.reconciliation_done")
	}
	for _, m := range ms {
		r := byID[m.PaymentID]
		if _, err := tx.Exec(`INSERT INTO reconciliation_items (id, reconciliation_id, kind, payment_id, gateway_reference,
			markaz_piasters, statement_piasters, center_id, gov_code, unit_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			markaz.NewID(), rec.ID, m.Kind, m.PaymentID, m.GatewayReference, m.MarkazPiasters, m.StatementPiasters,
			r.CenterID, r.GovCode, r.UnitCode); err != nil {
			return nil, err
		}
	}
	return &rec, tx.Audit(actor, "reconciliation.run", "reconciliation", rec.ID, markaz.Ref{}, nil,
		map[string]any{"gateway": gateway, "day": day, "statement_rows": len(rows), "markaz_rows": len(ours),
			"matched": matched, "mismatches": len(ms)})
}

// receivedElsewhere finds, for statement rows whose reference Markaz did not receive on
// day, the payments that received it on another day (returned by reference), and fills
// byID with every payment the statement names, so that each item can be placed at its
// payment's center.
func (tx *Tx) receivedElsewhere(gateway string, day markaz.Date, rows []payment.StatementRow,
	byRef, byID map[string]received) (map[string]payment.Received, error) {
	var refs, ids []any
	for _, s := range rows {
		if _, ok := byRef[s.GatewayReference]; !ok {
			refs = append(refs, s.GatewayReference)
		}
		if _, ok := byID[s.PaymentID]; !ok && markaz.ValidID(s.PaymentID) {
			ids = append(ids, s.PaymentID)
		}
	}
	other := map[string]payment.Received{}
	for i := 0; i < len(refs); i += 500 {
		chunk := refs[i:min(i+500, len(refs))]
		var rs []received
		if err := tx.Select(&rs, `SELECT `+receivedCols+` FROM payments WHERE gateway = ? AND status IN `+receivedStatuses+
			` AND gateway_reference IN (`+placeholders(len(chunk))+`)`, append([]any{gateway}, chunk...)...); err != nil {
			return nil, err
		}
		for _, r := range rs {
			other[r.Reference] = payment.Received{PaymentID: r.ID, GatewayReference: r.Reference, AmountPiasters: r.Amount}
			byID[r.ID] = r
		}
	}
	for i := 0; i < len(ids); i += 500 {
		chunk := ids[i:min(i+500, len(ids))]
		var rs []received
		if err := tx.Select(&rs, `SELECT `+receivedCols+` FROM payments WHERE id IN (`+placeholders(len(chunk))+`)`,
			chunk...); err != nil {
			return nil, err
		}
		for _, r := range rs {
			byID[r.ID] = r
		}
	}
	return other, nil
}

const reconCols = `r.id, r.gateway, r.business_date, r.statement_rows, r.booked_rows, r.matched, r.mismatches,
	r.created_by, r.created_at, (SELECT COUNT(*) FROM reconciliation_items i WHERE i.reconciliation_id = r.id
	AND i.resolved_at IS NULL) AS open_items`

// Reconciliations lists the latest reconciliations (up to limit), newest day first.
func (tx *Tx) Reconciliations(limit int) ([]Reconciliation, error) {
	out := []Reconciliation{}
	err := tx.Select(&out, `SELECT `+reconCols+` FROM reconciliations r ORDER BY r.business_date DESC, r.gateway LIMIT ?`, limit)
	return out, err
}

// ReconciliationByID returns a reconciliation with the items scope reaches (items of
// payments Markaz does not know are national).
func (tx *Tx) ReconciliationByID(scope markaz.Scope, id string) (*Reconciliation, []ReconItem, error) {
	if !markaz.ValidID(id) {
		return nil, nil, markaz.ErrNotFound
	}
	var r Reconciliation
	if err := tx.Get(&r, `SELECT `+reconCols+` FROM reconciliations r WHERE r.id = ?`, id); err != nil {
		return nil, nil, err
	}
	w := &where{}
	w.add(`reconciliation_id = ?`, id)
	if !scope.All {
		w.scope(scope, "gov_code", "unit_code", "center_id")
	}
	items := []ReconItem{}
	err := tx.Select(&items, `SELECT id, reconciliation_id, kind, payment_id, gateway_reference, markaz_piasters,
		statement_piasters, center_id, gov_code, unit_code, resolved_at, resolved_by, resolution_note
		FROM reconciliation_items`+w.String()+` ORDER BY kind, gateway_reference`, w.args...)
	return &r, items, err
}

// ResolveReconItem records how a finance officer (finance.manage over the item's place)
// settled a mismatch; a note is required.
func (tx *Tx) ResolveReconItem(p *markaz.Principal, id, note string) (*ReconItem, error) {
	note, err := payment.Note("note", note)
	if err != nil {
		return nil, err
	}
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	var it ReconItem
	if err := tx.Get(&it, `SELECT id, reconciliation_id, kind, payment_id, gateway_reference, markaz_piasters,
		statement_piasters, center_id, gov_code, unit_code, resolved_at, resolved_by, resolution_note
		FROM reconciliation_items WHERE id = ?`+tx.ForUpdate(), id); err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermFinanceManage, it.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if it.ResolvedAt != nil {
		return nil, markaz.Errorf(markaz.EConflict, "error.reconciliation_item_resolved")
	}
	if _, err := tx.Exec(`UPDATE reconciliation_items SET resolved_at = ?, resolved_by = ?, resolution_note = ?
		WHERE id = ? AND resolved_at IS NULL`, tx.Now, p.Username, note, id); err != nil {
		return nil, err
	}
	it.ResolvedAt, it.ResolvedBy, it.ResolutionNote = &tx.Now, p.Username, note
	return &it, tx.Audit(ActorOf(p), "reconciliation.resolve", "reconciliation_item", id, it.Ref(), nil,
		map[string]any{"kind": it.Kind, "gateway_reference": it.GatewayReference, "note": note})
}

// ReconcileDay runs one reconciliation in its own transaction (for the job and the
// finance officer's "reconcile now").
func (db *DB) ReconcileDay(ctx context.Context, actor Actor, gateway string, day markaz.Date,
	rows []payment.StatementRow) (*Reconciliation, error) {
	var rec *Reconciliation
	err := db.Write(ctx, func(tx *Tx) error {
		var err error
		rec, err = tx.Reconcile(actor, gateway, day, rows)
		return err
	})
	return rec, err
}
