package store

// Resource needs: raised by a governorate (resources.request), read with resources.read,
// decided by the ministry (resources.approve) and fulfilled in parts (need_deliveries).
// Each change is checked by resource.Need.Apply and applied by an UPDATE conditional on
// the version read.

import (
	"context"
	"slices"
	"time"

	"markaz"
	"markaz/resource"
)

const needCols = `n.id, n.gov_code, n.unit_code, n.center_id, n.kind, n.quantity, n.approved_quantity,
	n.delivered_quantity, n.justification, n.status, n.decision_note, n.decided_by, n.decided_at, n.cancel_note,
	n.cancelled_at, n.raised_by, n.raised_at, n.raised_on, n.version, n.updated_at`

// NeedRow is a need with the names of its governorate and center.
type NeedRow struct {
	resource.Need
	GovNameAr    string  `json:"governorate_name_ar" db:"gov_name_ar"`
	GovNameEn    string  `json:"governorate_name_en" db:"gov_name_en"`
	CenterCode   *string `json:"center_code" db:"center_code"`
	CenterNameAr *string `json:"center_name_ar" db:"center_name_ar"`
	CenterNameEn *string `json:"center_name_en" db:"center_name_en"`
}

const needSelect = `SELECT ` + needCols + `, g.name_ar AS gov_name_ar, g.name_en AS gov_name_en,
	c.code AS center_code, c.name_ar AS center_name_ar, c.name_en AS center_name_en
	FROM needs n JOIN governorates g ON g.code = n.gov_code LEFT JOIN centers c ON c.id = n.center_id`

// NeedDetail is a need with its deliveries (oldest first) and the actions the reader may
// take now.
type NeedDetail struct {
	NeedRow
	Deliveries []resource.Delivery `json:"deliveries"`
	Actions    []string            `json:"actions"`
}

func needRoles(p *markaz.Principal, n *resource.Need) resource.NeedRoles {
	ref := n.Ref()
	return resource.NeedRoles{Approve: p.Allowed(markaz.PermResourcesApprove, ref),
		Request: p.Allowed(markaz.PermResourcesRequest, ref)}
}

// needVisible reports whether p may read need n (every role that raises or decides needs
// also reads them).
func needVisible(p *markaz.Principal, n *resource.Need) bool {
	return p.Allowed(markaz.PermResourcesRead, n.Ref())
}

func (tx *Tx) getNeed(id string, lock bool) (*NeedRow, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	q := needSelect + ` WHERE n.id = ?`
	if lock && tx.dialect == Postgres {
		q += " FOR UPDATE OF n"
	}
	var n NeedRow
	if err := tx.Get(&n, q, id); err != nil {
		return nil, err
	}
	return &n, nil
}

// Need returns need id with its deliveries if p may read it.
func (tx *Tx) Need(p *markaz.Principal, id string) (*NeedDetail, error) {
	n, err := tx.getNeed(id, false)
	if err != nil {
		return nil, err
	}
	if !needVisible(p, &n.Need) {
		return nil, markaz.ErrForbidden
	}
	return tx.needDetail(p, n)
}

func (tx *Tx) needDetail(p *markaz.Principal, n *NeedRow) (*NeedDetail, error) {
	d := &NeedDetail{NeedRow: *n, Deliveries: []resource.Delivery{}, Actions: []string{}}
	if err := tx.Select(&d.Deliveries, `SELECT id, quantity, delivered_on, note, recorded_by, recorded_at
		FROM need_deliveries WHERE need_id = ? ORDER BY delivered_on, recorded_at`, n.ID); err != nil {
		return nil, err
	}
	roles := needRoles(p, &n.Need)
	for _, a := range resource.NeedActions {
		probe := n.Need
		// A probe with the least input the action takes: allowed unless the role or the
		// status refuses it.
		err := probe.Apply(&resource.NeedAct{Action: a, Quantity: 1, Note: "-"}, roles, tx.Today())
		if c := markaz.ErrorCode(err); err == nil || c == markaz.EInvalid {
			d.Actions = append(d.Actions, a)
		}
	}
	return d, nil
}

// RaiseNeed records a new need (validated with NewNeed.Validate) for p: for one center
// (which fixes its governorate) or for a whole governorate, inside p's resources.request
// scope.
func (tx *Tx) RaiseNeed(p *markaz.Principal, in *resource.NewNeed) (*NeedDetail, error) {
	n := resource.Need{ID: markaz.NewID(), GovCode: in.Governorate, Kind: in.Kind, Quantity: in.Quantity,
		Justification: in.Justification, Status: resource.NeedRaised, RaisedBy: ActorOf(p).Username,
		RaisedAt: tx.Now, RaisedOn: tx.Today(), Version: 1, UpdatedAt: tx.Now}
	if in.CenterID != "" {
		c, err := tx.GetCenter(in.CenterID)
		if markaz.ErrorCode(err) == markaz.ENotFound {
			return nil, fieldErr("center_id", "unknown_center")
		}
		if err != nil {
			return nil, err
		}
		if in.Governorate != "" && in.Governorate != c.GovCode {
			return nil, fieldErr("center_id", "center_elsewhere")
		}
		if !c.RetiredOn.IsZero() {
			return nil, fieldErr("center_id", "retired_center")
		}
		n.GovCode, n.UnitCode, n.CenterID = c.GovCode, c.UnitCode, &c.ID
	} else if err := checkGovernorate(tx, n.GovCode); err != nil {
		return nil, err
	}
	if !p.Allowed(markaz.PermResourcesRequest, n.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if _, err := tx.Exec(`INSERT INTO needs (id, gov_code, unit_code, center_id, kind, quantity, justification, status,
		raised_by, raised_at, raised_on, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
		n.ID, n.GovCode, n.UnitCode, n.CenterID, n.Kind, n.Quantity, n.Justification, n.Status, n.RaisedBy,
		n.RaisedAt, n.RaisedOn, n.UpdatedAt); err != nil {
		return nil, err
	}
	if err := tx.Audit(ActorOf(p), "need.raise", "need", n.ID, n.Ref(), nil, n); err != nil {
		return nil, err
	}
	row, err := tx.getNeed(n.ID, false)
	if err != nil {
		return nil, err
	}
	return tx.needDetail(p, row)
}

// ActOnNeed applies act to need id for p: the decision, a delivery or a cancellation.
func (tx *Tx) ActOnNeed(p *markaz.Principal, id string, act *resource.NeedAct) (*NeedDetail, error) {
	row, err := tx.getNeed(id, true)
	if err != nil {
		return nil, err
	}
	if !needVisible(p, &row.Need) {
		return nil, markaz.ErrForbidden
	}
	if act.Version != nil && *act.Version != row.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	n := row.Need
	if err := n.Apply(act, needRoles(p, &n), tx.Today()); err != nil {
		return nil, err
	}
	actor := ActorOf(p)
	var decidedAt, cancelledAt *time.Time = n.DecidedAt, n.CancelledAt
	switch act.Action {
	case resource.ActionApprove, resource.ActionRefuse:
		decidedAt, n.DecidedBy = &tx.Now, actor.Username
	case resource.ActionCancel:
		cancelledAt = &tx.Now
	case resource.ActionDeliver:
		if _, err := tx.Exec(`INSERT INTO need_deliveries (id, need_id, quantity, delivered_on, note, recorded_by,
			recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, markaz.NewID(), n.ID, act.Quantity, act.On, act.Note,
			actor.Username, tx.Now); err != nil {
			return nil, err
		}
	}
	n.DecidedAt, n.CancelledAt = decidedAt, cancelledAt
	res, err := tx.Exec(`UPDATE needs SET status = ?, approved_quantity = ?, delivered_quantity = ?, decision_note = ?,
		decided_by = ?, decided_at = ?, cancel_note = ?, cancelled_at = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`, n.Status, n.Approved, n.Delivered, n.DecisionNote, n.DecidedBy, n.DecidedAt,
		n.CancelNote, n.CancelledAt, tx.Now, n.ID, row.Version)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	after := map[string]any{"status": n.Status, "approved_quantity": n.Approved, "delivered_quantity": n.Delivered,
		"quantity": act.Quantity, "note": act.Note}
	if act.Action == resource.ActionDeliver {
		after["delivered_on"] = act.On
	}
	if err := tx.Audit(actor, "need."+act.Action, "need", n.ID, n.Ref(), map[string]any{"status": row.Status,
		"approved_quantity": row.Approved, "delivered_quantity": row.Delivered}, after); err != nil {
		return nil, err
	}
	fresh, err := tx.getNeed(n.ID, false)
	if err != nil {
		return nil, err
	}
	return tx.needDetail(p, fresh)
}

// NeedFilter selects needs for a list: what Viewer may read, narrowed by governorate,
// center, kind and status. Rows come newest first, after the key After.
type NeedFilter struct {
	Viewer *markaz.Principal
	Gov    string
	Center string
	Kind   string
	Status string
	After  *NeedKey
	Limit  int
}

// NeedKey is a need's place in list order.
type NeedKey struct {
	At time.Time
	ID string
}

// KindTotal sums the needs of one kind that a list selects (all its pages, whatever their
// status: a status filter narrows them). Lists give them in resource.Kinds order.
type KindTotal struct {
	Kind      string `json:"kind" db:"kind"`
	Needs     int    `json:"needs" db:"needs"`
	Requested int    `json:"requested" db:"requested"`
	Approved  int    `json:"approved" db:"approved"`
	Delivered int    `json:"delivered" db:"delivered"`
}

// NeedList is one page of needs, the totals by kind of all that the filter selects, and
// the key to continue after (nil on the last page).
type NeedList struct {
	Rows   []NeedRow
	Totals []KindTotal
	Next   *NeedKey
}

// Needs lists one page of the needs f selects and the totals by kind of all of them.
func (db *DB) Needs(ctx context.Context, f NeedFilter) (NeedList, error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	out := NeedList{Rows: []NeedRow{}, Totals: []KindTotal{}}
	err := db.Read(ctx, func(tx *Tx) error {
		scope := f.Viewer.Scope(markaz.PermResourcesRead)
		if err := tx.checkCenterFilter(CenterFilter{Scope: scope, Gov: f.Gov}); err != nil {
			return err
		}
		if f.Center != "" {
			c, err := tx.GetCenter(f.Center)
			if markaz.ErrorCode(err) == markaz.ENotFound {
				return fieldErr("center", "unknown_center")
			}
			if err != nil {
				return err
			}
			if !scope.Contains(c.Ref()) {
				return markaz.ErrForbidden
			}
		}
		w := &where{}
		w.scope(scope, "n.gov_code", "n.unit_code", "n.center_id")
		for _, eq := range []struct{ col, val string }{{"n.gov_code", f.Gov}, {"n.center_id", f.Center},
			{"n.kind", f.Kind}, {"n.status", f.Status}} {
			if eq.val != "" {
				w.add(eq.col+" = ?", eq.val)
			}
		}
		if err := tx.Select(&out.Totals, `SELECT n.kind, COUNT(*) AS needs, SUM(n.quantity) AS requested,
			SUM(COALESCE(n.approved_quantity, 0)) AS approved, SUM(n.delivered_quantity) AS delivered
			FROM needs n`+w.String()+` GROUP BY n.kind`, w.args...); err != nil {
			return err
		}
		slices.SortFunc(out.Totals, func(a, b KindTotal) int {
			return slices.Index(resource.Kinds, a.Kind) - slices.Index(resource.Kinds, b.Kind)
		})
		if f.After != nil {
			w.add("(n.raised_at < ? OR (n.raised_at = ? AND n.id < ?))", f.After.At, f.After.At, f.After.ID)
		}
		return tx.Select(&out.Rows, needSelect+w.String()+` ORDER BY n.raised_at DESC, n.id DESC LIMIT ?`,
			append(w.args, f.Limit+1)...)
	})
	if err != nil {
		return out, err
	}
	if len(out.Rows) > f.Limit {
		out.Rows = out.Rows[:f.Limit]
		last := out.Rows[f.Limit-1]
		out.Next = &NeedKey{At: last.RaisedAt, ID: last.ID}
	}
	return out, nil
}
