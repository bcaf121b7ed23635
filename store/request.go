package store

// Service requests: registration (tracking number from the center's series, due date
// from DueDate with the duration version in force, fee lines from the fees in force,
// idempotency keys), workflow actions (checked by request.Decide, applied by a
// conditional UPDATE on version and status so concurrent actions cannot both win), the
// history, search through indexed normalised columns, and keyset-paged lists.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"markaz"
	"markaz/calendar"
	"markaz/catalog"
	"markaz/citizen"
	"markaz/kpi"
	"markaz/nationalid"
	"markaz/request"
	"markaz/tracking"
)

const requestCols = `r.id, r.tracking_number, r.service_code, r.duration_version_id, r.working_days, r.center_id,
	c.code AS center_code, r.gov_code, r.unit_code, r.channel, r.status, r.step_key, r.national_id, r.applicant_name,
	r.mobile, r.notes, r.submitted_at, r.submitted_on, r.due_date, r.paused_days, r.paused_since, r.decided_at,
	r.delivered_at, r.processing_days, r.fees_due_piasters, r.fees_paid_piasters, r.payment_method, r.escalated_at, r.escalation_reason,
	r.version, r.created_by, r.updated_at`

const requestFrom = ` FROM requests r JOIN centers c ON c.id = r.center_id`

// RequestDetail is a request with its documents, fee lines and history, oldest first.
type RequestDetail struct {
	request.Request
	Fees     []request.FeeLine    `json:"fees"`
	Events   []request.Event      `json:"events"`
	Warnings []nationalid.Warning `json:"warnings,omitempty"`
}

// Registered is the outcome of RegisterRequest: the request, and whether it was already
// registered under the same idempotency key (a replay, nothing new written).
type Registered struct {
	Detail *RequestDetail
	Replay bool
}

// RegisterRequest registers reg (already validated with Registration.Validate) for
// principal p at its center: the one center where it holds a role with requests.write at
// center level, or reg.CenterID among several. A citizen (citizen.Is) applies online at
// the operating center reg.CenterID names, in their own name, for a service offered
// online (checkCitizenRegistration); the request then follows the same workflow. With a non-empty idemKey, a second call by
// the same user with the same key and the same registration (reg.Fingerprint) returns
// the first request (Replay) and writes nothing; with another registration it is a
// problem of field Idempotency-Key (idempotency_key_reused) and writes nothing either.
func (tx *Tx) RegisterRequest(p *markaz.Principal, reg *request.Registration, idemKey string,
	warnings []nationalid.Warning) (*Registered, error) {
	id := markaz.NewID()
	if idemKey != "" {
		sum := reg.Fingerprint()
		res, err := tx.Exec(`INSERT INTO idempotency_keys (user_id, idem_key, request_id, body_sha256, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, idem_key) DO NOTHING`, p.UserID, idemKey, id, sum, tx.Now)
		if err != nil {
			return nil, err
		}
		if rowsAffected(res) == 0 {
			var prior struct {
				RequestID string `db:"request_id"`
				Sum       string `db:"body_sha256"`
			}
			if err := tx.Get(&prior, `SELECT request_id, body_sha256 FROM idempotency_keys WHERE user_id = ? AND idem_key = ?`,
				p.UserID, idemKey); err != nil {
				return nil, err
			}
			// Keys stored before fingerprints existed have none: they replay as before.
			if prior.Sum != "" && prior.Sum != sum {
				return nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.idempotency_key_reused",
					Fields: []markaz.FieldError{{Field: "Idempotency-Key", Code: "idempotency_key_reused"}}}
			}
			d, err := tx.requestDetail(`r.id = ?`, prior.RequestID)
			return &Registered{Detail: d, Replay: true}, err
		}
	}
	center, err := tx.registeringCenter(p, reg.CenterID)
	if err != nil {
		return nil, err
	}
	svc, dur, err := tx.serviceForRequest(reg.ServiceCode)
	if err != nil {
		return nil, err
	}
	if citizen.Is(p) {
		if err := tx.checkCitizenRegistration(p, reg, svc); err != nil {
			return nil, err
		}
	}
	today := tx.Today()
	due, err := tx.DueDate("", center.ID, today, dur.WorkingDays)
	if err != nil {
		return nil, err
	}
	fees, err := tx.FeesOn(svc.Code, center.GovCode, today)
	if err != nil && markaz.ErrorCode(err) != markaz.ENotFound {
		return nil, err
	}
	// The number last of the reads: taking it locks the center's series row until commit
	// (PostgreSQL), and the center's other submissions wait for that lock.
	number, err := tx.nextTrackingNumber(center)
	if err != nil {
		return nil, err
	}
	docs, _ := json.Marshal(append([]string{}, reg.Documents...))
	actor := ActorOf(p)
	r := request.Request{ID: id, TrackingNumber: number, ServiceCode: svc.Code, DurationVersionID: dur.ID,
		WorkingDays: dur.WorkingDays, CenterID: center.ID, CenterCode: center.Code, GovCode: center.GovCode,
		UnitCode: center.UnitCode, Channel: reg.Channel, Status: request.StatusSubmitted, StepKey: svc.Steps[0].Key,
		NationalID: reg.Applicant.NationalID, Name: reg.Applicant.Name, Mobile: reg.Applicant.Mobile,
		Notes: reg.Notes, SubmittedAt: tx.Now, SubmittedOn: today, DueDate: due, Version: 1,
		CreatedBy: actor.Username, UpdatedAt: tx.Now}
	if fees != nil {
		r.FeesDue = fees.TotalPiasters
	}
	if _, err := tx.Exec(`INSERT INTO requests (id, tracking_number, tracking_digits, service_code, duration_version_id,
		working_days, center_id, gov_code, unit_code, channel, status, step_key, national_id, applicant_name, name_key,
		mobile, documents_json, notes, submitted_at, submitted_on, due_date, fees_due_piasters, version, created_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.TrackingNumber, digitsOnly(r.TrackingNumber), r.ServiceCode, r.DurationVersionID, r.WorkingDays,
		r.CenterID, r.GovCode, r.UnitCode, r.Channel, r.Status, r.StepKey, r.NationalID, r.Name,
		markaz.NormalizeSearch(r.Name), r.Mobile, string(docs), r.Notes, r.SubmittedAt, r.SubmittedOn, r.DueDate,
		r.FeesDue, r.Version, r.CreatedBy, r.UpdatedAt); err != nil {
		return nil, err
	}
	if fees != nil {
		for i, l := range fees.Lines {
			if _, err := tx.Exec(`INSERT INTO request_fee_lines (request_id, line_no, fee_version_id, line_key, name_ar,
				name_en, amount_piasters) VALUES (?, ?, ?, ?, ?, ?, ?)`, r.ID, i+1, fees.ID, l.Key, l.NameAr, l.NameEn,
				l.AmountPiasters); err != nil {
				return nil, err
			}
		}
	}
	ev := request.Event{Seq: 1, Action: request.ActionRegister, To: r.Status, ToStep: r.StepKey, Note: r.Notes,
		Due: r.DueDate}
	if err := tx.requestEvent(actor, r.ID, ev); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "request.register", "request", r.ID, r.Ref(), nil, auditView(&r)); err != nil {
		return nil, err
	}
	// Its KPI contributions from the row and event just written, not read back.
	ev.At = tx.Now
	if err := tx.kpiAddFacts(kpi.FactsOf(&r, []request.Event{ev}, 0, markaz.Date{})); err != nil {
		return nil, err
	}
	if err := tx.notifyCitizen(&r, request.ActionRegister, ""); err != nil {
		return nil, err
	}
	d, err := tx.requestDetail(`r.id = ?`, r.ID)
	if d != nil {
		d.Warnings = warnings
	}
	return &Registered{Detail: d}, err
}

// registeringCenter picks the center a principal registers at: for a citizen, the
// operating center they chose.
func (tx *Tx) registeringCenter(p *markaz.Principal, want string) (*markaz.Center, error) {
	if citizen.Is(p) {
		return tx.OperatingCenter(want)
	}
	var ids []string
	for _, a := range p.Assignments {
		if a.Level == markaz.LevelCenter && markaz.RoleHas(a.Role, markaz.PermRequestsWrite) && !slices.Contains(ids, a.CenterID) {
			ids = append(ids, a.CenterID)
		}
	}
	switch {
	case len(ids) == 0:
		return nil, markaz.ErrForbidden
	case want != "" && !slices.Contains(ids, want):
		return nil, markaz.ErrForbidden
	case want == "" && len(ids) > 1:
		return nil, fieldErr("center_id", "required")
	case want == "":
		want = ids[0]
	}
	c, err := tx.GetCenter(want)
	if err != nil {
		return nil, err
	}
	if !c.RetiredOn.IsZero() && !c.RetiredOn.After(tx.Today()) {
		return nil, fieldErr("center_id", "center_retired")
	}
	return c, nil
}

// serviceForRequest loads the service and the duration version in force today.
func (tx *Tx) serviceForRequest(code string) (*catalog.Service, *catalog.DurationVersion, error) {
	svc, err := tx.Service(code)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil, nil, fieldErr("service_code", "unknown_service")
	}
	if err != nil {
		return nil, nil, err
	}
	if len(svc.Steps) == 0 {
		return nil, nil, fieldErr("service_code", "unknown_service")
	}
	dur, err := tx.DurationOn(code, tx.Today())
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil, nil, fieldErr("service_code", "no_duration")
	}
	return svc, dur, err
}

func fieldErr(field, code string) error {
	var v markaz.Validator
	v.Add(field, code, nil)
	return v.Err()
}

// nextTrackingNumber takes the next number of the center's series (see reserveTracking).
func (tx *Tx) nextTrackingNumber(c *markaz.Center) (string, error) {
	prefix, seq, err := tx.reserveTracking(c, 1)
	if err != nil {
		return "", err
	}
	return tracking.Format(prefix, seq)
}

// reserveTracking takes the next k sequence numbers of the center's series, first to
// first+k-1, with UPDATE … RETURNING (the row lock makes numbers gap-free and unique across
// instances: a rolled-back transaction gives its numbers back). A center's first request
// creates its series, under a lock on its governorate's row, with the prefix GG + the
// next free two digits.
func (tx *Tx) reserveTracking(c *markaz.Center, k int) (prefix string, first int64, err error) {
	take := func() (string, int64, error) {
		var s struct {
			Prefix string `db:"prefix"`
			Next   int64  `db:"next_seq"`
		}
		if err := tx.Get(&s, `UPDATE tracking_series SET next_seq = next_seq + ? WHERE center_id = ?
			RETURNING prefix, next_seq`, k, c.ID); err != nil {
			return "", 0, err
		}
		return s.Prefix, s.Next - int64(k), nil
	}
	prefix, first, err = take()
	if markaz.ErrorCode(err) != markaz.ENotFound {
		return prefix, first, err
	}
	var gov string
	if err := tx.Get(&gov, `SELECT code FROM governorates WHERE code = ?`+tx.ForUpdate(), c.GovCode); err != nil {
		return "", 0, err
	}
	if prefix, first, err = take(); markaz.ErrorCode(err) != markaz.ENotFound { // created while we waited
		return prefix, first, err
	}
	var last []string
	if err := tx.Select(&last, `SELECT prefix FROM tracking_series WHERE gov_code = ? ORDER BY prefix DESC LIMIT 1`, gov); err != nil {
		return "", 0, err
	}
	n := 1
	if len(last) == 1 {
		fmt.Sscanf(last[0][2:], "%d", &n)
		n++
	}
	if n > 99 || len(gov) != 2 {
		return "", 0, markaz.Errorf(markaz.EConflict, "error.tracking_series_full")
	}
	if _, err := tx.Exec(`INSERT INTO tracking_series (center_id, gov_code, prefix, next_seq, created_at)
		VALUES (?, ?, ?, 1, ?)`, c.ID, gov, fmt.Sprintf("%s%02d", gov, n), tx.Now); err != nil {
		return "", 0, err
	}
	return take()
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, markaz.LatinDigits(s))
}

func (tx *Tx) requestEvent(a Actor, requestID string, e request.Event) error {
	_, err := tx.Exec(`INSERT INTO request_events (id, request_id, seq, at, user_id, username, action, from_status,
		to_status, from_step, to_step, note, due_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, markaz.NewID(),
		requestID, e.Seq, tx.Now, a.UserID, a.Username, e.Action, e.From, e.To, e.FromStep, e.ToStep, e.Note, e.Due)
	return err
}

// auditView is what the audit log keeps of a request's state.
func auditView(r *request.Request) map[string]any {
	return map[string]any{"tracking_number": r.TrackingNumber, "status": r.Status, "step": r.StepKey,
		"due_date": r.DueDate, "paused_working_days": r.PausedDays, "version": r.Version}
}

// requestDetail loads one request selected by cond with its fee lines and events.
func (tx *Tx) requestDetail(cond string, args ...any) (*RequestDetail, error) {
	d, err := tx.requestRow(cond, args...)
	if err != nil {
		return nil, err
	}
	return d, tx.fillDetail(d)
}

// requestRow loads one request selected by cond with its documents, without fee lines
// and events (see fillDetail).
func (tx *Tx) requestRow(cond string, args ...any) (*RequestDetail, error) {
	var row struct {
		request.Request
		Docs string `db:"documents_json"`
	}
	if err := tx.Get(&row, `SELECT `+requestCols+`, r.documents_json`+requestFrom+` WHERE `+cond, args...); err != nil {
		return nil, err
	}
	d := &RequestDetail{Request: row.Request}
	return d, json.Unmarshal([]byte(row.Docs), &d.Documents)
}

// fillDetail loads the request's fee lines and history.
func (tx *Tx) fillDetail(d *RequestDetail) error {
	d.Fees, d.Events = []request.FeeLine{}, []request.Event{}
	if err := tx.Select(&d.Fees, `SELECT fee_version_id, line_key, name_ar, name_en, amount_piasters
		FROM request_fee_lines WHERE request_id = ? ORDER BY line_no`, d.ID); err != nil {
		return err
	}
	return tx.Select(&d.Events, `SELECT seq, at, user_id, username, action, from_status, to_status, from_step, to_step,
		note, due_date FROM request_events WHERE request_id = ? ORDER BY seq`, d.ID)
}

// Request returns the request with tracking number number (any grouping or digit
// script) if scope reaches it: ErrNotFound for an unknown or malformed number,
// ErrForbidden outside the scope.
func (tx *Tx) Request(scope markaz.Scope, number string) (*RequestDetail, error) {
	d, err := tx.scopedRequest(scope, number)
	if err != nil {
		return nil, err
	}
	return d, tx.fillDetail(d)
}

// scopedRequest is Request without fee lines and history.
func (tx *Tx) scopedRequest(scope markaz.Scope, number string) (*RequestDetail, error) {
	if _, _, err := tracking.Parse(number); err != nil {
		return nil, markaz.ErrNotFound
	}
	d, err := tx.requestRow(`r.tracking_digits = ?`, digitsOnly(number))
	if err != nil {
		return nil, err
	}
	if !scope.Contains(d.Ref()) {
		return nil, markaz.ErrForbidden
	}
	return d, nil
}

// Action is one workflow action as a user takes it.
type Action struct {
	Name    string
	Note    string
	Version *int   // when set, must be the request's current version
	Verify  string // when set, must be the last four digits of the applicant's national ID
}

// ActOnRequest applies one workflow action by p with no verification (see Act).
func (tx *Tx) ActOnRequest(p *markaz.Principal, number, action, note string, version *int) (*RequestDetail, error) {
	return tx.Act(p, number, Action{Name: action, Note: note, Version: version})
}

// Act applies one workflow action by p, or by the system when p is nil (input checked with request.CheckAction): the
// transition request.Decide allows — or, for the citizen who owns the request,
// request.DecideOwner (a citizen's "complete" must bring a file uploaded since the
// return, or a note) — applied by changeRequest (one conditional UPDATE, so of
// concurrent actions exactly one wins and the others get a conflict). A Verify that is
// not the applicant's last four national-ID digits is a problem of field verify and
// changes nothing.
func (tx *Tx) Act(p *markaz.Principal, number string, a Action) (*RequestDetail, error) {
	d, err := tx.readableRequest(p, number)
	if err != nil {
		return nil, err
	}
	if a.Version != nil && *a.Version != d.Version {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	svc, err := tx.Service(d.ServiceCode)
	if err != nil {
		return nil, err
	}
	var plan request.Plan
	if citizen.Is(p) {
		plan, err = request.DecideOwner(svc.Steps, d.Status, d.StepKey, a.Name)
		if err == nil && a.Name == request.ActionComplete {
			err = tx.checkOwnerCompletion(d, a.Note)
		}
	} else {
		plan, err = request.Decide(svc.Steps, d.Status, d.StepKey, a.Name, p, d.Ref())
	}
	if err != nil {
		return nil, err
	}
	if a.Verify != "" && !request.VerifiesApplicant(d.NationalID, a.Verify) {
		return nil, fieldErr("verify", "verify_mismatch")
	}
	done, err := tx.changeRequest(ActorOf(p), &d.Request, change{action: a.Name, plan: plan, note: a.Note})
	if err != nil {
		return nil, err
	}
	if !done {
		return nil, markaz.Errorf(markaz.EConflict, "error.stale")
	}
	return d, tx.fillDetail(d)
}

// change is one change to a request: the action (or system event) recorded, the plan
// of the move, the event's note and, for a calendar change, the new due date.
type change struct {
	action string
	plan   request.Plan
	note   string
	due    markaz.Date
}

// changeRequest is the one way a request changes after registration, for people and the
// system alike. r is the request as read; c.plan moves it (From must be its status;
// From == To with the same step for an event that changes no status). It keeps the
// clocks (leaving a status that waits on the citizen adds the paused working days — a
// day counts when the request was waiting at its end — and recomputes the due date with
// DueDate over the duration plus all pauses; entering one starts a pause), stamps
// decisions and delivery, keeps or clears the escalation marker (request.KeepEscalation;
// the escalation events set it), and writes with an UPDATE conditional on the version
// and status read, then the event, the audit entry and, for a change of status, the
// citizen's message. done is false, with nothing written, when the request changed
// meanwhile. On success r is the request after the change.
func (tx *Tx) changeRequest(actor Actor, r *request.Request, c change) (done bool, err error) {
	action, plan, note := c.action, c.plan, c.note
	before := auditView(r)
	next := *r
	if !c.due.IsZero() {
		next.DueDate = c.due
	}
	var cal *calendar.Calendar // needed only to end a pause or to count a decision's days
	if r.Paused() || request.Decided(plan.To) {
		if cal, err = tx.CalendarFor("", r.CenterID); err != nil {
			return false, err
		}
	}
	if err := next.Apply(plan, cal, tx.Now); err != nil {
		return false, err
	}
	switch {
	case action == EventStatutoryEscalated:
		next.EscalationReason = request.EscalationStatutory
		if next.EscalatedAt == nil {
			next.EscalatedAt = &tx.Now
		}
	case action == EventEscalated && next.EscalatedAt == nil:
		next.EscalatedAt, next.EscalationReason = &tx.Now, request.EscalationStep
	case action == EventEscalated:
	case next.EscalatedAt != nil && !request.KeepEscalation(next.EscalationReason, plan):
		next.EscalatedAt, next.EscalationReason = nil, ""
	}
	next.Status, next.StepKey, next.Version, next.UpdatedAt = plan.To, plan.ToStep, r.Version+1, tx.Now
	kpiDone, err := tx.kpiTrack(r.ID)
	if err != nil {
		return false, err
	}
	res, err := tx.Exec(`UPDATE requests SET status = ?, step_key = ?, due_date = ?, paused_days = ?, paused_since = ?,
		decided_at = ?, delivered_at = ?, processing_days = ?, escalated_at = ?, escalation_reason = ?, version = ?,
		updated_at = ? WHERE id = ? AND version = ? AND status = ?`, next.Status, next.StepKey, next.DueDate,
		next.PausedDays, next.PausedSince, next.DecidedAt, next.DeliveredAt, next.ProcessingDays, next.EscalatedAt, next.EscalationReason, next.Version,
		next.UpdatedAt, r.ID, r.Version, plan.From)
	if err != nil || rowsAffected(res) != 1 {
		return false, err
	}
	*r = next
	ev := request.Event{Seq: r.Version, Action: action, From: plan.From, To: plan.To, FromStep: plan.FromStep,
		ToStep: plan.ToStep, Note: note, Due: r.DueDate}
	if err := tx.requestEvent(actor, r.ID, ev); err != nil {
		return false, err
	}
	if err := kpiDone(); err != nil {
		return false, err
	}
	if err := tx.Audit(actor, "request."+action, "request", r.ID, r.Ref(), before, auditView(r)); err != nil {
		return false, err
	}
	if plan.To == plan.From {
		return true, nil // the citizen is told of status changes only
	}
	return true, tx.notifyCitizen(r, action, note)
}

// Applicant is the name and mobile last used with a national ID.
type Applicant struct {
	NationalID string `json:"national_id" db:"national_id"`
	Name       string `json:"name" db:"applicant_name"`
	Mobile     string `json:"mobile" db:"mobile"`
}

// LastApplicant returns the name and mobile of the latest request in scope for the
// national ID (Latin digits), or ErrNotFound.
func (tx *Tx) LastApplicant(scope markaz.Scope, nid string) (*Applicant, error) {
	w := &where{}
	w.add(`national_id = ?`, nid)
	w.scope(scope, "gov_code", "unit_code", "center_id")
	var a Applicant
	if err := tx.Get(&a, `SELECT national_id, applicant_name, mobile FROM requests`+w.String()+
		` ORDER BY submitted_at DESC, id DESC LIMIT 1`, w.args...); err != nil {
		return nil, err
	}
	return &a, nil
}

// RequestFilter selects requests for a list or an export. Scope is where the reader may
// look. Rows come by due date, then id (queues work the earliest due first), after the
// key After.
type RequestFilter struct {
	Scope   markaz.Scope
	Center  string
	Gov     string
	Service string
	Channel string // request.Channels
	Status  string
	Overdue bool
	// Escalated selects requests escalated to their center's manager and not yet moved on.
	Escalated bool
	From, To  markaz.Date // submission dates, inclusive
	Query     string
	After     *RequestKey
	Limit     int
}

// RequestKey is a request's place in list order.
type RequestKey struct {
	Due markaz.Date
	ID  string
}

// checkRequestFilter refuses filters naming a territory or service that does not exist.
func (tx *Tx) checkRequestFilter(f RequestFilter) error {
	var v markaz.Validator
	exists := func(field, code, q string, arg string) error {
		var n int
		if err := tx.Get(&n, q, arg); err != nil {
			return err
		}
		if n == 0 {
			v.Add(field, code, nil)
		}
		return nil
	}
	checks := []struct{ val, field, code, q string }{
		{f.Gov, "governorate", "unknown_governorate", `SELECT COUNT(*) FROM governorates WHERE code = ?`},
		{f.Center, "center", "unknown_center", `SELECT COUNT(*) FROM centers WHERE id = ?`},
		{f.Service, "service", "unknown_service", `SELECT COUNT(*) FROM services WHERE code = ?`},
	}
	for _, c := range checks {
		if c.val == "" {
			continue
		}
		if err := exists(c.field, c.code, c.q, c.val); err != nil {
			return err
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	// A governorate or center the reader cannot reach is 403, as on the centers and users
	// lists, not an empty list that looks like "no requests there".
	if err := tx.checkCenterFilter(CenterFilter{Scope: f.Scope, Gov: f.Gov}); err != nil {
		return err
	}
	if f.Center != "" {
		c, err := tx.GetCenter(f.Center)
		if err != nil {
			return err
		}
		if !f.Scope.Contains(c.Ref()) {
			return markaz.ErrForbidden
		}
	}
	return nil
}

// requestWhere builds the conditions of f. q matches, through indexed prefix ranges, the
// tracking number's digits, the national ID or the mobile number when it is made of
// digits (any script, spaces, dashes, a leading +20), and the Arabic-folded name otherwise.
func requestWhere(f RequestFilter, today markaz.Date) *where {
	w := &where{}
	w.scope(f.Scope, "r.gov_code", "r.unit_code", "r.center_id")
	if f.Center != "" {
		w.add(`r.center_id = ?`, f.Center)
	}
	if f.Gov != "" {
		w.add(`r.gov_code = ?`, f.Gov)
	}
	if f.Service != "" {
		w.add(`r.service_code = ?`, f.Service)
	}
	if f.Channel != "" {
		w.add(`r.channel = ?`, f.Channel)
	}
	if f.Status != "" {
		w.add(`r.status = ?`, f.Status)
	}
	if f.Overdue {
		w.add(`r.status IN ('submitted', 'in_review', 'returned', 'awaiting_payment') AND r.due_date < ?`, today)
	}
	if f.Escalated {
		w.add(`r.escalated_at IS NOT NULL`)
	}
	if !f.From.IsZero() {
		w.add(`r.submitted_on >= ?`, f.From)
	}
	if !f.To.IsZero() {
		w.add(`r.submitted_on <= ?`, f.To)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if d := digitsOnly(q); d != "" && isDigitQuery(q) {
			m := digitsOnly(markaz.NormaliseMobile(q))
			w.add(`((r.tracking_digits >= ? AND r.tracking_digits < ?) OR (r.national_id >= ? AND r.national_id < ?)
				OR (r.mobile >= ? AND r.mobile < ?))`, d, d+":", d, d+":", m, m+":")
		} else {
			k := markaz.NormalizeSearch(q)
			w.add(`r.name_key >= ? AND r.name_key < ?`, k, k+"\U0010FFFF")
		}
	}
	if f.After != nil {
		w.add(`(r.due_date > ? OR (r.due_date = ? AND r.id > ?))`, f.After.Due, f.After.Due, f.After.ID)
	}
	return w
}

// isDigitQuery reports whether q is a number as people type one: digits in any script,
// spaces, dashes and a leading +.
func isDigitQuery(q string) bool {
	for i, r := range markaz.LatinDigits(q) {
		if !(r >= '0' && r <= '9' || r == ' ' || r == '-' || r == '+' && i == 0) {
			return false
		}
	}
	return true
}

// Requests lists one page of the requests f selects; next is nil on the last page.
func (db *DB) Requests(ctx context.Context, f RequestFilter) (rows []request.Request, next *RequestKey, err error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		if err := tx.checkRequestFilter(f); err != nil {
			return err
		}
		w := requestWhere(f, tx.Today())
		return tx.Select(&rows, `SELECT `+requestCols+requestFrom+w.String()+` ORDER BY r.due_date, r.id LIMIT ?`,
			append(w.args, f.Limit+1)...)
	})
	if err != nil {
		return nil, nil, err
	}
	if rows == nil {
		rows = []request.Request{}
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		next = &RequestKey{Due: last.DueDate, ID: last.ID}
	}
	return rows, next, nil
}

// EachRequest streams every request f selects (paging ignored), in list order, to fn.
func (db *DB) EachRequest(ctx context.Context, f RequestFilter, fn func(*request.Request) error) error {
	return db.Read(ctx, func(tx *Tx) error {
		if err := tx.checkRequestFilter(f); err != nil {
			return err
		}
		f.After = nil
		w := requestWhere(f, tx.Today())
		rows, err := tx.Query(`SELECT `+requestCols+requestFrom+w.String()+` ORDER BY r.due_date, r.id`, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r request.Request
			if err := rows.StructScan(&r); err != nil {
				return err
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
