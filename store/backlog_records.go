package store

// Backlog records: one row per paper file (backlog_records), unique by center and legacy
// file number unless rejected. A keyed file waits for a second operator's blind keying
// of its key fields; a match makes its request, a mismatch goes to a supervisor, who
// decides the values (or rejects the file). An imported row has its request at once; a
// sample of imported rows is verified the same way, and a supervisor's decision that the
// file was wrong corrects the request while nobody has acted on it since.

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"markaz"
	"markaz/backlog"
	"markaz/calendar"
	"markaz/catalog"
	"markaz/request"
)

// Record is a paper file's entry.
type Record struct {
	ID               string     `json:"id" db:"id"`
	CampaignID       string     `json:"campaign_id" db:"campaign_id"`
	CenterID         string     `json:"center_id" db:"center_id"`
	CenterCode       string     `json:"center_code" db:"center_code"`
	GovCode          string     `json:"governorate" db:"gov_code"`
	UnitCode         string     `json:"unit" db:"unit_code"`
	LegacyFileNumber string     `json:"legacy_file_number" db:"legacy_file_number"`
	Source           string     `json:"source" db:"source"`
	Status           string     `json:"status" db:"status"`
	Check            string     `json:"verification" db:"check_status"`
	RequestID        *string    `json:"-" db:"request_id"`
	TrackingNumber   *string    `json:"tracking_number,omitempty" db:"tracking_number"`
	MismatchText     string     `json:"-" db:"mismatch"`
	Mismatch         []string   `json:"mismatch,omitempty" db:"-"`
	ImportID         string     `json:"import_id,omitempty" db:"import_id"`
	Line             int        `json:"line,omitempty" db:"line"`
	EnteredBy        string     `json:"-" db:"entered_by"`
	EnteredName      string     `json:"entered_by" db:"entered_name"`
	EnteredAt        time.Time  `json:"entered_at" db:"entered_at"`
	CheckedBy        string     `json:"-" db:"checked_by"`
	CheckedName      string     `json:"checked_by,omitempty" db:"checked_name"`
	CheckedAt        *time.Time `json:"checked_at,omitempty" db:"checked_at"`
	DecidedName      string     `json:"decided_by,omitempty" db:"decided_name"`
	DecidedAt        *time.Time `json:"decided_at,omitempty" db:"decided_at"`
	Note             string     `json:"note,omitempty" db:"note"`
	Version          int        `json:"version" db:"version"`
	RowHash          string     `json:"-" db:"row_hash"`
	FirstJSON        string     `json:"-" db:"first_json"`
	SecondJSON       string     `json:"-" db:"second_json"`
	// First and Second are the two keyings, shown only to who may see them (see
	// RecordFor): never the first to the second operator before the comparison.
	First  *backlog.Entry  `json:"first,omitempty" db:"-"`
	Second *backlog.Second `json:"second,omitempty" db:"-"`
}

// Ref is the record's place in the territory.
func (r *Record) Ref() markaz.Ref {
	return markaz.Ref{Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID}
}

const recordSelect = `SELECT b.id, b.campaign_id, b.center_id, ce.code AS center_code, b.gov_code, b.unit_code,
	b.legacy_file_number, b.source, b.status, b.check_status, b.request_id, rq.tracking_number, b.mismatch, b.import_id,
	b.line, b.entered_by, b.entered_name, b.entered_at, b.checked_by, b.checked_name, b.checked_at, b.decided_name,
	b.decided_at, b.note, b.version, b.row_hash, b.first_json, b.second_json
	FROM backlog_records b JOIN centers ce ON ce.id = b.center_id LEFT JOIN requests rq ON rq.id = b.request_id`

func (tx *Tx) record(id string) (*Record, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	var r Record
	if err := tx.Get(&r, recordSelect+` WHERE b.id = ?`, id); err != nil {
		return nil, err
	}
	if r.MismatchText != "" {
		r.Mismatch = strings.Split(r.MismatchText, ",")
	}
	return &r, nil
}

// recordAccess loads record id with its campaign and p's access to it: managers and
// readers of the campaign reach every record, a member operator the records of the
// centers its own assignment covers; anyone else gets ErrNotFound.
func (tx *Tx) recordAccess(p *markaz.Principal, id string) (*Record, *CampaignRow, CampaignAccess, error) {
	r, err := tx.record(id)
	if err != nil {
		return nil, nil, CampaignAccess{}, err
	}
	c, a, err := tx.CampaignFor(p, r.CampaignID, nil)
	if err != nil {
		return nil, nil, a, err
	}
	switch {
	case p == nil || a.Manage:
	case p.Allowed(markaz.PermBacklogRead, r.Ref()):
	case a.Member && p.Allowed(markaz.PermBacklogEnter, r.Ref()): // an operator: its campaign, its territory
	default:
		return nil, nil, a, markaz.ErrNotFound
	}
	return r, c, a, nil
}

// RecordFor returns record id as p may see it. The first keying is shown to its author,
// to the campaign's managers and, once the second keying is done, to every reader; the
// second keying to its author and the managers. So the second operator keys blind.
func (tx *Tx) RecordFor(p *markaz.Principal, id string) (*Record, error) {
	r, _, a, err := tx.recordAccess(p, id)
	if err != nil {
		return nil, err
	}
	me := ""
	if p != nil {
		me = p.UserID
	}
	if r.FirstJSON != "" && (a.Manage || r.EnteredBy == me || r.Check != backlog.CheckAwaiting) {
		r.First = &backlog.Entry{}
		if err := json.Unmarshal([]byte(r.FirstJSON), r.First); err != nil {
			return nil, err
		}
	}
	if r.SecondJSON != "" && (a.Manage || r.CheckedBy == me) {
		r.Second = &backlog.Second{}
		if err := json.Unmarshal([]byte(r.SecondJSON), r.Second); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Refs resolves, for one campaign, the centers and services of rows and caches them
// with their catalog versions and calendars: an import of a million rows reads each
// center and service once. A nil enter scope means no limit beyond the campaign's
// territory (the system, a manager); an operator's backlog.enter scope narrows it.
type Refs struct {
	campaign  *backlog.Campaign
	enter     *markaz.Scope
	centers   map[string]*markaz.Center // by code; nil: unknown
	services  map[string]*serviceRefs   // by code; nil: unknown
	calendars map[string]*calendar.Calendar
}

type serviceRefs struct {
	svc       *catalog.Service
	durations []catalog.DurationVersion
	fees      []catalog.FeeVersion
}

// NewRefs prepares the references of campaign c for a principal (nil: the system).
func NewRefs(c *backlog.Campaign, p *markaz.Principal) *Refs {
	r := &Refs{campaign: c, centers: map[string]*markaz.Center{}, services: map[string]*serviceRefs{},
		calendars: map[string]*calendar.Calendar{}}
	if p != nil && !p.Allowed(markaz.PermBacklogManage, c.Ref()) {
		s := p.Scope(markaz.PermBacklogEnter)
		r.enter = &s
	}
	return r
}

// Center returns the center with code, if the campaign covers it (nil otherwise, and
// for an unknown code).
func (r *Refs) Center(tx *Tx, code string) (*markaz.Center, error) {
	c, err := r.center(tx, code)
	if err != nil || c == nil || !r.campaign.Covers(c) {
		return nil, err
	}
	return c, nil
}

// center returns the center with code, wherever it is (nil for an unknown code).
func (r *Refs) center(tx *Tx, code string) (*markaz.Center, error) {
	if c, ok := r.centers[code]; ok {
		return c, nil
	}
	c, err := tx.GetCenterByCode(code)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		c, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.centers[code] = c
	return c, nil
}

// Problems checks the center and service codes of a row (when they are well formed):
// the center exists, the campaign covers it and the enter scope reaches it; the service
// exists, with a duration. It returns the center (nil when unusable) and the problems,
// as field errors on center_code and service_code.
func (r *Refs) Problems(tx *Tx, centerCode, serviceCode string) (*markaz.Center, *serviceRefs, []markaz.FieldError, error) {
	var v markaz.Validator
	var c *markaz.Center
	if centerCode != "" {
		var err error
		if c, err = r.center(tx, centerCode); err != nil {
			return nil, nil, nil, err
		}
		switch {
		case c == nil:
			v.Add("center_code", "unknown_center", nil)
		case !r.campaign.Covers(c):
			v.Add("center_code", "outside_campaign", nil)
			c = nil
		case r.enter != nil && !r.enter.Contains(c.Ref()):
			v.Add("center_code", "outside_your_territory", nil)
			c = nil
		}
	}
	var s *serviceRefs
	if serviceCode != "" {
		var ok bool
		if s, ok = r.services[serviceCode]; !ok {
			svc, err := tx.Service(serviceCode)
			switch {
			case markaz.ErrorCode(err) == markaz.ENotFound:
			case err != nil:
				return nil, nil, nil, err
			case len(svc.Steps) > 0:
				s = &serviceRefs{svc: svc}
				if s.durations, s.fees, err = tx.ServiceVersions(svc.Code); err != nil {
					return nil, nil, nil, err
				}
			}
			r.services[serviceCode] = s
		}
		switch {
		case s == nil:
			v.Add("service_code", "unknown_service", nil)
		case len(s.durations) == 0:
			v.Add("service_code", "no_duration", nil)
		}
	}
	var out []markaz.FieldError
	if e, ok := v.Err().(*markaz.Error); ok && e != nil {
		out = e.Fields
	}
	return c, s, out, nil
}

// Source checks a validated row's center and service (Problems) and returns what Build
// needs, for the actor a at instant now; problems come back as a validation error.
func (r *Refs) Source(tx *Tx, row *backlog.Row, a Actor, now time.Time) (backlog.Source, error) {
	c, s, probs, err := r.Problems(tx, row.CenterCode, row.ServiceCode)
	if err != nil {
		return backlog.Source{}, err
	}
	if probs != nil {
		return backlog.Source{}, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid", Fields: probs}
	}
	cal, ok := r.calendars[c.ID]
	if !ok {
		var err error
		if cal, err = tx.CalendarFor(c.GovCode, c.ID); err != nil {
			return backlog.Source{}, err
		}
		r.calendars[c.ID] = cal
	}
	return backlog.Source{Center: c, Service: s.svc, Durations: s.durations, Fees: s.fees, Calendar: cal,
		ActorID: a.UserID, ActorName: a.Username, Now: now}, nil
}

// enteredFile is what the registry holds of a file already there.
type enteredFile struct {
	CenterID string `db:"center_id"`
	Legacy   string `db:"legacy_file_number"`
	Hash     string `db:"row_hash"`
}

// enteredFiles returns the files of a center among legacy numbers that are registered
// (and not rejected), by legacy number.
func (tx *Tx) enteredFiles(centerID string, legacies []string) (map[string]enteredFile, error) {
	out := map[string]enteredFile{}
	for len(legacies) > 0 {
		n := min(len(legacies), 500)
		in, args := inList(legacies[:n])
		var rows []enteredFile
		if err := tx.Select(&rows, `SELECT center_id, legacy_file_number, row_hash FROM backlog_records
			WHERE center_id = ? AND status <> 'rejected' AND legacy_file_number`+in, append([]any{centerID}, args...)...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Legacy] = r
		}
		legacies = legacies[n:]
	}
	return out, nil
}

// EnterRecord records an operator's first keying of a paper file in campaign id: the
// entry is validated as a file row is, its center must be one the campaign and the
// operator's assignment cover, and its file not yet entered. It counts as entered only
// once a second operator's blind keying matches (VerifyRecord) or a supervisor decides.
func (tx *Tx) EnterRecord(p *markaz.Principal, id string, e backlog.Entry) (*Record, error) {
	c, _, err := tx.CampaignFor(p, id, CanEnter)
	if err != nil {
		return nil, err
	}
	if c.Status != backlog.CampaignOpen {
		return nil, markaz.Errorf(markaz.EConflict, "error.backlog_campaign_closed")
	}
	row, src, err := tx.checkEntry(p, &c.Campaign, e, "")
	if err != nil {
		return nil, err
	}
	actor := ActorOf(p)
	first, _ := json.Marshal(row.Entry())
	r := &Record{ID: markaz.NewID(), CampaignID: c.ID, CenterID: src.Center.ID, GovCode: src.Center.GovCode,
		UnitCode: src.Center.UnitCode, LegacyFileNumber: row.LegacyFileNumber, Source: backlog.SourceManual,
		Status: backlog.RecordPending, Check: backlog.CheckAwaiting, RowHash: row.Fingerprint(), FirstJSON: string(first),
		EnteredBy: actor.UserID, EnteredName: actor.Username, EnteredAt: tx.Now, Version: 1}
	if _, err := tx.Exec(`INSERT INTO backlog_records (id, campaign_id, center_id, gov_code, unit_code, legacy_file_number,
		source, status, check_status, row_hash, first_json, entered_by, entered_name, entered_at, entered_on, version,
		updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.CampaignID, r.CenterID, r.GovCode,
		r.UnitCode, r.LegacyFileNumber, r.Source, r.Status, r.Check, r.RowHash, r.FirstJSON, r.EnteredBy, r.EnteredName,
		r.EnteredAt, tx.Today(), r.Version, tx.Now); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "backlog.record.enter", "backlog_record", r.ID, r.Ref(), nil, row.Entry()); err != nil {
		return nil, err
	}
	return tx.RecordFor(p, r.ID)
}

// checkEntry validates an entry in campaign c for p: the row's rules, its center and
// service (Refs.Source), and that its file is not registered yet (except as record
// except, being corrected).
func (tx *Tx) checkEntry(p *markaz.Principal, c *backlog.Campaign, e backlog.Entry, except string) (*backlog.Row, backlog.Source, error) {
	row, err := e.Parse(tx.Today())
	var v markaz.Validator
	if err := v.Merge(err, nil); err != nil {
		return nil, backlog.Source{}, err
	}
	var src backlog.Source
	if row != nil {
		src, err = NewRefs(c, p).Source(tx, row, ActorOf(p), tx.Now)
		if err := v.Merge(err, nil); err != nil {
			return nil, backlog.Source{}, err
		}
	}
	if err := v.Err(); err != nil {
		return nil, backlog.Source{}, err
	}
	var ids []string
	if err := tx.Select(&ids, `SELECT id FROM backlog_records WHERE center_id = ? AND legacy_file_number = ?
		AND status <> 'rejected'`, src.Center.ID, row.LegacyFileNumber); err != nil {
		return nil, backlog.Source{}, err
	}
	for _, id := range ids {
		if id != except {
			return nil, backlog.Source{}, fieldErr("legacy_file_number", "already_entered")
		}
	}
	return row, src, nil
}

// CorrectRecord lets the operator who keyed a file correct it while it still waits for
// its second keying. version, when given, must be the record's.
func (tx *Tx) CorrectRecord(p *markaz.Principal, id string, e backlog.Entry, version *int) (*Record, error) {
	r, c, a, err := tx.recordAccess(p, id)
	if err != nil {
		return nil, err
	}
	if !a.Member || r.EnteredBy != p.UserID || r.Source != backlog.SourceManual {
		return nil, markaz.ErrForbidden
	}
	if r.Status != backlog.RecordPending || r.Check != backlog.CheckAwaiting {
		return nil, markaz.Errorf(markaz.EConflict, "error.backlog_already_checked")
	}
	if version != nil && *version != r.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	row, src, err := tx.checkEntry(p, &c.Campaign, e, r.ID)
	if err != nil {
		return nil, err
	}
	var before backlog.Entry
	json.Unmarshal([]byte(r.FirstJSON), &before)
	first, _ := json.Marshal(row.Entry())
	res, err := tx.Exec(`UPDATE backlog_records SET center_id = ?, gov_code = ?, unit_code = ?, legacy_file_number = ?,
		row_hash = ?, first_json = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?
		AND check_status = 'awaiting'`, src.Center.ID, src.Center.GovCode, src.Center.UnitCode, row.LegacyFileNumber,
		row.Fingerprint(), string(first), tx.Now, r.ID, r.Version)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	if err := tx.Audit(ActorOf(p), "backlog.record.correct", "backlog_record", r.ID, r.Ref(), before, row.Entry()); err != nil {
		return nil, err
	}
	return tx.RecordFor(p, r.ID)
}

// NextToVerify returns the oldest record of campaign id awaiting a second keying that p
// may key: in its territory, and not keyed by p itself. ErrNotFound when none is left.
// skip lists records p set aside for now.
func (tx *Tx) NextToVerify(p *markaz.Principal, id string, skip []string) (*Record, error) {
	c, _, err := tx.CampaignFor(p, id, CanEnter)
	if err != nil {
		return nil, err
	}
	w := &where{}
	w.add(`b.campaign_id = ? AND b.check_status = 'awaiting' AND b.entered_by <> ?`, c.ID, p.UserID)
	w.scope(p.Scope(markaz.PermBacklogEnter), "b.gov_code", "b.unit_code", "b.center_id")
	for _, s := range skip {
		if markaz.ValidID(s) {
			w.add(`b.id <> ?`, s)
		}
	}
	var ids []string
	if err := tx.Select(&ids, `SELECT b.id FROM backlog_records b`+w.String()+` ORDER BY b.entered_at, b.id LIMIT 1`,
		w.args...); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, markaz.ErrNotFound
	}
	return tx.RecordFor(p, ids[0])
}

// Verified is the outcome of a second keying.
type Verified struct {
	Record   *Record  `json:"record"`
	Matched  bool     `json:"matched"`
	Mismatch []string `json:"mismatch"`
}

// VerifyRecord records p's blind second keying s of record id (a member of its
// campaign other than the operator who keyed it). When the key fields match, a keyed
// file becomes its request (an imported one is confirmed); otherwise it goes to the
// campaign's supervisors. version, when given, must be the record's.
func (tx *Tx) VerifyRecord(p *markaz.Principal, id string, s backlog.Second, version *int) (*Verified, error) {
	r, c, a, err := tx.recordAccess(p, id)
	if err != nil {
		return nil, err
	}
	if !a.Member || !p.Can(markaz.PermBacklogVerify) {
		return nil, markaz.ErrForbidden
	}
	if r.EnteredBy == p.UserID {
		return nil, markaz.Errorf(markaz.EForbidden, "error.backlog_same_operator")
	}
	if r.Check != backlog.CheckAwaiting {
		return nil, markaz.Errorf(markaz.EConflict, "error.backlog_already_checked")
	}
	if version != nil && *version != r.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	today := tx.Today()
	second, err := s.Parse(r.LegacyFileNumber, r.CenterCode, today)
	if err != nil {
		return nil, err
	}
	var e backlog.Entry
	if err := json.Unmarshal([]byte(r.FirstJSON), &e); err != nil {
		return nil, err
	}
	first, err := e.Parse(today)
	if err != nil {
		return nil, err
	}
	out := &Verified{Mismatch: backlog.Mismatches(first, second)}
	out.Matched = len(out.Mismatch) == 0
	secondJSON, _ := json.Marshal(s)
	check, status := backlog.CheckMismatch, r.Status
	var requestID *string
	if out.Matched {
		check = backlog.CheckMatched
		if r.Source == backlog.SourceManual {
			rid, err := tx.enterFromRow(&c.Campaign, first, Actor{UserID: r.EnteredBy, Username: r.EnteredName})
			if err != nil {
				return nil, err
			}
			requestID, status = &rid, backlog.RecordEntered
		}
	}
	actor := ActorOf(p)
	res, err := tx.Exec(`UPDATE backlog_records SET check_status = ?, status = ?, request_id = COALESCE(?, request_id),
		second_json = ?, mismatch = ?, checked_by = ?, checked_name = ?, checked_at = ?, checked_on = ?,
		counted_on = CASE WHEN ? THEN ? ELSE counted_on END, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ? AND check_status = 'awaiting'`, check, status, requestID, string(secondJSON),
		strings.Join(out.Mismatch, ","), actor.UserID, actor.Username, tx.Now, today, requestID != nil, today, tx.Now,
		r.ID, r.Version)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	if requestID != nil {
		if err := tx.resolveRejections(c.ID, []string{backlog.FileKey(r.CenterCode, r.LegacyFileNumber)}); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(actor, "backlog.record.verify", "backlog_record", r.ID, r.Ref(), nil,
		map[string]any{"matched": out.Matched, "mismatch": out.Mismatch}); err != nil {
		return nil, err
	}
	out.Record, err = tx.RecordFor(p, r.ID)
	return out, err
}

// enterFromRow makes the request a verified or decided keyed file stands for, built as
// an imported row is (backlog.Build), and returns its id. The history's actor a is the
// operator who keyed the file; the moment of entry is now.
func (tx *Tx) enterFromRow(c *backlog.Campaign, row *backlog.Row, a Actor) (string, error) {
	src, err := NewRefs(c, nil).Source(tx, row, a, tx.Now)
	if err != nil {
		return "", err
	}
	b, err := backlog.Build(row, src)
	if err != nil {
		return "", err
	}
	if err := tx.insertBuilt([]*backlog.Built{b}); err != nil {
		return "", err
	}
	return b.Request.ID, nil
}

// Decision is a supervisor's decision on a mismatch: the file's values (as the
// supervisor read them on the paper file), or a reason to reject the file.
type Decision struct {
	Values  *backlog.Entry `json:"values"`
	Reject  string         `json:"reject"`
	Version *int           `json:"version"`
}

// DecideRecord applies a supervisor's decision d on record id (backlog.manage over its
// campaign), whose keyings did not match. The values keep the record's center and legacy
// file number. For a keyed file they make its request. For an imported row they confirm
// it, or correct its request when the file was wrong and nobody has acted on the request
// since it was entered (its service cannot change: reject the row and enter the file
// again). Rejecting frees the file's legacy number; an imported row's request is then
// cancelled with the reason.
func (tx *Tx) DecideRecord(p *markaz.Principal, id string, d Decision) (*Record, error) {
	r, c, a, err := tx.recordAccess(p, id)
	if err != nil {
		return nil, err
	}
	if !a.Manage {
		return nil, markaz.ErrForbidden
	}
	if r.Check != backlog.CheckMismatch {
		return nil, markaz.Errorf(markaz.EConflict, "error.backlog_not_mismatch")
	}
	if d.Version != nil && *d.Version != r.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	actor := ActorOf(p)
	d.Reject = strings.TrimSpace(d.Reject)
	var v markaz.Validator
	if d.Values == nil {
		v.Text("reject", d.Reject, backlog.MaxNoteLength, true)
	} else {
		v.Text("reject", d.Reject, backlog.MaxNoteLength, false)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	status, requestID, hash := backlog.RecordEntered, r.RequestID, r.RowHash
	var after any
	switch {
	case d.Values == nil:
		status, after = backlog.RecordRejected, map[string]any{"rejected": d.Reject}
		if r.RequestID != nil {
			if err := tx.correctRequest(*r.RequestID, r.EnteredAt, nil, d.Reject, actor); err != nil {
				return nil, err
			}
		}
	default:
		e := *d.Values
		e.CenterCode, e.LegacyFileNumber = r.CenterCode, r.LegacyFileNumber
		row, err := e.Parse(tx.Today())
		if err != nil {
			return nil, err
		}
		if _, err := NewRefs(&c.Campaign, nil).Source(tx, row, actor, tx.Now); err != nil {
			return nil, err
		}
		hash, after = row.Fingerprint(), row.Entry()
		if r.RequestID == nil {
			rid, err := tx.enterFromRow(&c.Campaign, row, Actor{UserID: r.EnteredBy, Username: r.EnteredName})
			if err != nil {
				return nil, err
			}
			requestID = &rid
		} else if hash != r.RowHash {
			if err := tx.correctRequest(*r.RequestID, r.EnteredAt, row, d.Reject, actor); err != nil {
				return nil, err
			}
		}
	}
	today := tx.Today()
	res, err := tx.Exec(`UPDATE backlog_records SET status = ?, check_status = 'decided', request_id = ?, row_hash = ?,
		decided_by = ?, decided_name = ?, decided_at = ?, note = ?,
		counted_on = CASE WHEN counted_on IS NULL AND ? THEN ? ELSE counted_on END,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND check_status = 'mismatch'`,
		status, requestID, hash, actor.UserID, actor.Username, tx.Now, d.Reject, status == backlog.RecordEntered, today, tx.Now, r.ID, r.Version)
	if err != nil {
		return nil, err
	}
	if rowsAffected(res) != 1 {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	if status == backlog.RecordEntered && r.RequestID == nil {
		if err := tx.resolveRejections(c.ID, []string{backlog.FileKey(r.CenterCode, r.LegacyFileNumber)}); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(actor, "backlog.record.decide", "backlog_record", r.ID, r.Ref(), nil, after); err != nil {
		return nil, err
	}
	return tx.RecordFor(p, r.ID)
}

// correctRequest corrects the request of an imported row a supervisor found wrong: with
// row, to the row's values (same service); with nil, cancelled (the file was rejected).
// Only while nobody has acted on it since entry: no event after enteredAt. The history
// keeps what was entered and gains one ActionCorrect event saying what changed.
func (tx *Tx) correctRequest(requestID string, enteredAt time.Time, row *backlog.Row, note string, a Actor) error {
	d, err := tx.requestDetail(`r.id = ?`, requestID)
	if err != nil {
		return err
	}
	var later int
	if err := tx.Get(&later, `SELECT COUNT(*) FROM request_events WHERE request_id = ? AND at > ?`, requestID,
		enteredAt); err != nil {
		return err
	}
	if later > 0 {
		return markaz.Errorf(markaz.EConflict, "error.backlog_request_moved")
	}
	old := d.Request
	n := old
	var changed []string
	if row == nil {
		n.Status = request.StatusCancelled
		changed = []string{"status"}
	} else {
		if row.ServiceCode != old.ServiceCode {
			return fieldErr("service_code", "service_fixed")
		}
		c, err := tx.GetCenter(old.CenterID)
		if err != nil {
			return err
		}
		refs := NewRefs(&backlog.Campaign{GovCode: c.GovCode}, nil)
		src, err := refs.Source(tx, row, a, tx.Now)
		if err != nil {
			return err
		}
		b, err := backlog.Build(row, src)
		if err != nil {
			return err
		}
		n = b.Request
		n.ID, n.TrackingNumber, n.Version, n.CreatedBy = old.ID, old.TrackingNumber, old.Version, old.CreatedBy
		for _, f := range []struct {
			name string
			a, b any
		}{{"national_id", old.NationalID, n.NationalID}, {"name", old.Name, n.Name}, {"mobile", old.Mobile, n.Mobile},
			{"submitted_on", old.SubmittedOn, n.SubmittedOn}, {"status", old.Status, n.Status},
			{"decided_on", stampDay(old.DecidedAt), stampDay(n.DecidedAt)},
			{"delivered_on", stampDay(old.DeliveredAt), stampDay(n.DeliveredAt)},
			{"fees_paid_piasters", old.FeesPaid, n.FeesPaid}} {
			if f.a != f.b {
				changed = append(changed, f.name)
			}
		}
	}
	if len(changed) == 0 {
		return nil
	}
	kpiDone, err := tx.kpiTrack(old.ID)
	if err != nil {
		return err
	}
	res, err := tx.Exec(`UPDATE requests SET national_id = ?, applicant_name = ?, name_key = ?, mobile = ?, status = ?,
		step_key = ?, submitted_at = ?, submitted_on = ?, due_date = ?, duration_version_id = ?, working_days = ?,
		paused_days = 0, paused_since = ?, decided_at = ?, delivered_at = ?, fees_paid_piasters = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, n.NationalID, n.Name,
		markaz.NormalizeSearch(n.Name), n.Mobile, n.Status, n.StepKey, n.SubmittedAt, n.SubmittedOn, n.DueDate,
		n.DurationVersionID, n.WorkingDays, n.PausedSince, n.DecidedAt, n.DeliveredAt, n.FeesPaid, tx.Now, old.ID,
		old.Version)
	if err != nil {
		return err
	}
	if rowsAffected(res) != 1 {
		return markaz.Errorf(markaz.EConflict, "error.stale")
	}
	if note == "" {
		note = strings.Join(changed, ", ")
	}
	ev := request.Event{Seq: old.Version + 1, Action: backlog.ActionCorrect, From: old.Status, To: n.Status,
		FromStep: old.StepKey, ToStep: n.StepKey, Note: note}
	if err := tx.requestEvent(a, old.ID, ev); err != nil {
		return err
	}
	if err := kpiDone(); err != nil {
		return err
	}
	n.Version = old.Version + 1
	return tx.Audit(a, "request."+backlog.ActionCorrect, "request", old.ID, old.Ref(), auditView(&old), auditView(&n))
}

func stampDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return markaz.DateOf(*t).String()
}

// RecordFilter selects a campaign's records for a list, newest first.
type RecordFilter struct {
	Campaign string
	Status   string
	Check    string
	Center   string // center code
	Legacy   string // legacy file number prefix
	Mine     bool   // keyed by the reader
	After    string // id of the last record of the previous page
	Limit    int
}

// Records lists one page of a campaign's records that p may see (operators: those of
// their territory); next is "" on the last page. Keyings are not included.
func (db *DB) Records(ctx context.Context, p *markaz.Principal, f RecordFilter) (rows []Record, next string, err error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		c, a, err := tx.CampaignFor(p, f.Campaign, nil)
		if err != nil {
			return err
		}
		w := &where{}
		w.add(`b.campaign_id = ?`, c.ID)
		if !a.Manage && !campaignReaches(p.Scope(markaz.PermBacklogRead), &c.Campaign) {
			w.scope(p.Scope(markaz.PermBacklogEnter), "b.gov_code", "b.unit_code", "b.center_id")
		} else if !a.Manage {
			w.scope(p.Scope(markaz.PermBacklogRead), "b.gov_code", "b.unit_code", "b.center_id")
		}
		if f.Status != "" {
			w.add(`b.status = ?`, f.Status)
		}
		if f.Check != "" {
			w.add(`b.check_status = ?`, f.Check)
		}
		if f.Center != "" {
			w.add(`ce.code = ?`, strings.ToUpper(f.Center))
		}
		if l := strings.TrimSpace(markaz.LatinDigits(f.Legacy)); l != "" {
			w.add(`b.legacy_file_number >= ? AND b.legacy_file_number < ?`, l, l+"\U0010FFFF")
		}
		if f.Mine {
			w.add(`b.entered_by = ?`, p.UserID)
		}
		if f.After != "" {
			w.add(`b.id < ?`, f.After)
		}
		return tx.Select(&rows, recordSelect+w.String()+` ORDER BY b.id DESC LIMIT ?`, append(w.args, f.Limit+1)...)
	})
	if err != nil {
		return nil, "", err
	}
	if rows == nil {
		rows = []Record{}
	}
	for i := range rows {
		if rows[i].MismatchText != "" {
			rows[i].Mismatch = strings.Split(rows[i].MismatchText, ",")
		}
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		next = rows[len(rows)-1].ID
	}
	return rows, next, nil
}

// resolveRejections marks the outstanding rejected rows of campaign about files (row
// keys) now entered as resolved.
func (tx *Tx) resolveRejections(campaign string, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 500)
		in, args := inList(keys[:n])
		if _, err := tx.Exec(`UPDATE backlog_import_errors SET resolved_at = ? WHERE campaign_id = ? AND resolved_at IS NULL
			AND row_key`+in, append([]any{tx.Now, campaign}, args...)...); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// insertBuilt writes built requests with their histories and fee lines through the bulk
// path (tracking numbers reserved per center in blocks, multi-row INSERTs), and fills in
// their ids and tracking numbers. No notification goes out: the citizen of a paper file
// learns the tracking number from the center.
func (tx *Tx) insertBuilt(bs []*backlog.Built) error {
	rs := make([]BulkRequest, len(bs))
	for i, b := range bs {
		rs[i] = BulkRequest{Request: b.Request, Events: b.Events, Fees: b.Fees}
	}
	if err := tx.InsertRequestsBulk(rs); err != nil {
		return err
	}
	for i := range bs {
		bs[i].Request.ID, bs[i].Request.TrackingNumber = rs[i].ID, rs[i].TrackingNumber
	}
	return nil
}
