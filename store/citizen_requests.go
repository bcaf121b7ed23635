package store

// Citizens and their requests: the account behind a citizen principal, which requests
// they own (request.OwnedBy, applied here and nowhere else), the list and the view of
// their own requests, the centers they may apply at, and the files of a request's
// documents (uploaded by its citizen or by its center's staff).

import (
	"context"
	"slices"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/catalog"
	"markaz/citizen"
	"markaz/request"
	"markaz/tracking"
)

// FileOwnerRequest is the owner kind of a request's files.
const FileOwnerRequest = "request"

// MaxRequestFiles bounds the files one request may carry.
const MaxRequestFiles = 30

// CitizenAccount is what a citizen's account says about them.
type CitizenAccount struct {
	UserID     string `db:"id"`
	Username   string `db:"username"`
	FullName   string `db:"full_name"`
	NationalID string `db:"national_id"`
	Mobile     string `db:"mobile"`
}

// errUnverified refuses a citizen account without a national ID and a valid mobile
// number (one made by hand rather than through sign-up): it owns and applies for nothing.
var errUnverified = &markaz.Error{Code: markaz.EForbidden, Key: "error.citizen_unverified"}

// CitizenAccount returns the account of citizen p (citizen.Is): ErrForbidden for anyone
// else, error.citizen_unverified (403) for an account lacking a national ID or mobile.
func (tx *Tx) CitizenAccount(p *markaz.Principal) (*CitizenAccount, error) {
	if !citizen.Is(p) {
		return nil, markaz.ErrForbidden
	}
	var a CitizenAccount
	err := tx.Get(&a, `SELECT id, username, full_name, COALESCE(national_id, '') AS national_id, mobile FROM users
		WHERE id = ? AND disabled_at IS NULL`, p.UserID)
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil, markaz.ErrForbidden
	}
	if err != nil {
		return nil, err
	}
	if a.NationalID == "" || !markaz.ValidMobile(a.Mobile) {
		return nil, errUnverified
	}
	return &a, nil
}

// CitizenOwns reports whether p is a citizen who owns request r (request.OwnedBy: the
// national ID and the verified mobile number of p's account are the request's). This is
// the one ownership check of citizens' requests, for their pages, their files and their
// payments alike.
func (tx *Tx) CitizenOwns(p *markaz.Principal, r *request.Request) (bool, error) {
	a, err := tx.CitizenAccount(p)
	if markaz.ErrorCode(err) == markaz.EForbidden {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return request.OwnedBy(r, a.NationalID, a.Mobile), nil
}

// ownedRequest returns the request with tracking number number when citizen p owns it,
// and ErrNotFound when it is unknown, malformed or someone else's (alike: a citizen
// learns nothing of others' requests).
func (tx *Tx) ownedRequest(p *markaz.Principal, number string) (*RequestDetail, error) {
	if _, err := tx.CitizenAccount(p); err != nil {
		return nil, err
	}
	if _, _, err := tracking.Parse(number); err != nil {
		return nil, markaz.ErrNotFound
	}
	d, err := tx.requestRow(`r.tracking_digits = ?`, digitsOnly(number))
	if err != nil {
		return nil, err
	}
	owns, err := tx.CitizenOwns(p, &d.Request)
	if err != nil {
		return nil, err
	}
	if !owns {
		return nil, markaz.ErrNotFound
	}
	return d, nil
}

// readableRequest returns a request for p to read: its own for a citizen (ownedRequest),
// one in p's requests.read scope for staff.
func (tx *Tx) readableRequest(p *markaz.Principal, number string) (*RequestDetail, error) {
	if citizen.Is(p) {
		return tx.ownedRequest(p, number)
	}
	return tx.scopedRequest(actorScope(p), number)
}

// checkCitizenRegistration holds a citizen's registration to what they may apply for:
// in their own name (the account's national ID and mobile number), online, for a service
// the catalog offers online.
func (tx *Tx) checkCitizenRegistration(p *markaz.Principal, reg *request.Registration, svc *catalog.Service) error {
	a, err := tx.CitizenAccount(p)
	if err != nil {
		return err
	}
	if !request.OwnedBy(&request.Request{NationalID: reg.Applicant.NationalID, Mobile: reg.Applicant.Mobile},
		a.NationalID, a.Mobile) {
		return fieldErr("applicant", "citizen_applicant")
	}
	var v markaz.Validator
	if reg.Channel != request.ChannelOnline {
		v.Add("channel", "citizen_channel", nil)
	}
	if !svc.Online {
		v.Add("service_code", "service_not_online", nil)
	}
	return v.Err()
}

// operatingCond selects centers that receive requests (alias c, one date argument: today).
const operatingCond = `(c.retired_on IS NULL OR c.retired_on > ?) AND (c.dev_status = 'developed' OR c.mobile_status = 'operating')`

// OperatingCenter is the center a citizen chose to apply at: it must exist and receive
// requests (a developed fixed center or an operating mobile unit, not retired); field
// center_id says why not.
func (tx *Tx) OperatingCenter(id string) (*markaz.Center, error) {
	if id == "" {
		return nil, fieldErr("center_id", "required")
	}
	if !markaz.ValidID(id) {
		return nil, fieldErr("center_id", "unknown_center")
	}
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM centers c WHERE c.id = ? AND `+operatingCond, id, tx.Today()); err != nil {
		return nil, err
	}
	c, err := tx.GetCenter(id)
	switch {
	case markaz.ErrorCode(err) == markaz.ENotFound:
		return nil, fieldErr("center_id", "unknown_center")
	case err != nil:
		return nil, err
	case n == 0:
		return nil, fieldErr("center_id", "center_not_operating")
	}
	return c, nil
}

// OnlineCenter is a center a citizen may apply at, with its district/city.
type OnlineCenter struct {
	ID         string `json:"id" db:"id"`
	Code       string `json:"code" db:"code"`
	Kind       string `json:"kind" db:"kind"`
	NameAr     string `json:"name_ar" db:"name_ar"`
	NameEn     string `json:"name_en" db:"name_en"`
	UnitCode   string `json:"unit" db:"unit_code"`
	UnitNameAr string `json:"unit_name_ar" db:"unit_name_ar"`
	UnitNameEn string `json:"unit_name_en" db:"unit_name_en"`
	Address    string `json:"address" db:"address"`
}

// OnlineCenters lists the centers of governorate gov that receive requests, by
// district/city then code.
func (db *DB) OnlineCenters(ctx context.Context, gov string) ([]OnlineCenter, error) {
	out := []OnlineCenter{}
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.Select(&out, `SELECT c.id, c.code, c.kind, c.name_ar, c.name_en, c.unit_code, u.name_ar AS unit_name_ar,
			u.name_en AS unit_name_en, c.address FROM centers c JOIN units u ON u.code = c.unit_code
			WHERE c.gov_code = ? AND `+operatingCond+` ORDER BY c.unit_code, c.code`, gov, tx.Today())
	})
	return out, err
}

// MyRequest is one row of a citizen's list of their requests.
type MyRequest struct {
	ID             string      `json:"-" db:"id"`
	TrackingNumber string      `json:"tracking_number" db:"tracking_number"`
	ServiceCode    string      `json:"service_code" db:"service_code"`
	ServiceAr      string      `json:"service_name_ar" db:"service_ar"`
	ServiceEn      string      `json:"service_name_en" db:"service_en"`
	CenterAr       string      `json:"center_name_ar" db:"center_ar"`
	CenterEn       string      `json:"center_name_en" db:"center_en"`
	Channel        string      `json:"channel" db:"channel"`
	Status         string      `json:"status" db:"status"`
	SubmittedAt    time.Time   `json:"submitted_at" db:"submitted_at"`
	DueDate        markaz.Date `json:"due_date" db:"due_date"`
	FeesDue        int64       `json:"fees_due_piasters" db:"fees_due_piasters"`
	FeesPaid       int64       `json:"fees_paid_piasters" db:"fees_paid_piasters"`
}

// MyRequestKey is a row's place in a citizen's list: newest first.
type MyRequestKey struct {
	At time.Time
	ID string
}

// MyRequests lists one page of citizen p's own requests, newest first, after key after;
// next is nil on the last page.
func (db *DB) MyRequests(ctx context.Context, p *markaz.Principal, after *MyRequestKey, limit int) (rows []MyRequest, next *MyRequestKey, err error) {
	if limit < 1 {
		limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		a, err := tx.CitizenAccount(p)
		if err != nil {
			return err
		}
		// The two columns of request.OwnedBy (served by the national ID index).
		w := &where{}
		w.add(`r.national_id = ? AND r.mobile = ?`, a.NationalID, a.Mobile)
		if after != nil {
			w.add(`(r.submitted_at < ? OR (r.submitted_at = ? AND r.id < ?))`, after.At, after.At, after.ID)
		}
		return tx.Select(&rows, `SELECT r.id, r.tracking_number, r.service_code, s.name_ar AS service_ar,
			s.name_en AS service_en, c.name_ar AS center_ar, c.name_en AS center_en, r.channel, r.status, r.submitted_at,
			r.due_date, r.fees_due_piasters, r.fees_paid_piasters
			FROM requests r JOIN centers c ON c.id = r.center_id JOIN services s ON s.code = r.service_code`+
			w.String()+` ORDER BY r.submitted_at DESC, r.id DESC LIMIT ?`, append(w.args, limit+1)...)
	})
	if err != nil {
		return nil, nil, err
	}
	if rows == nil {
		rows = []MyRequest{}
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = &MyRequestKey{At: last.SubmittedAt, ID: last.ID}
	}
	return rows, next, nil
}

// DocumentState is one required document of a request and whether it was provided
// (ticked at the counter, or a file uploaded for it).
type DocumentState struct {
	NameAr   string `json:"name_ar"`
	NameEn   string `json:"name_en"`
	Provided bool   `json:"provided"`
}

// CitizenFile is one file of a request as its citizen sees it (not who uploaded it).
type CitizenFile struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Document    string    `json:"document,omitempty"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size_bytes"`
	CreatedAt   time.Time `json:"created_at"`
}

// CitizenView is all a citizen sees of their own request: where it stands and when it is
// expected (the due date carried over the current wait, as the tracking page computes
// it), what is missing when it came back to them, its fees, its documents and files, and
// its history without staff (request.CitizenHistory), its rating once delivered; and what
// they may do now.
type CitizenView struct {
	TrackingNumber string                 `json:"tracking_number"`
	Status         string                 `json:"status"`
	Channel        string                 `json:"channel"`
	ServiceCode    string                 `json:"service_code"`
	ServiceAr      string                 `json:"service_name_ar"`
	ServiceEn      string                 `json:"service_name_en"`
	CenterID       string                 `json:"center_id"`
	CenterAr       string                 `json:"center_name_ar"`
	CenterEn       string                 `json:"center_name_en"`
	SubmittedOn    markaz.Date            `json:"submitted_on"`
	ExpectedDate   markaz.Date            `json:"expected_date"`
	Missing        string                 `json:"missing,omitempty"`
	FeesDue        int64                  `json:"fees_due_piasters"`
	FeesPaid       int64                  `json:"fees_paid_piasters"`
	Fees           []request.FeeLine      `json:"fees"`
	Documents      []DocumentState        `json:"documents"`
	Files          []CitizenFile          `json:"files"`
	History        []request.CitizenEvent `json:"history"`
	CanUpload      bool                   `json:"can_upload"`
	CanComplete    bool                   `json:"can_complete"`
	CanRate        bool                   `json:"can_rate"`
	Rating         *Rated                 `json:"rating,omitempty"`
	Version        int                    `json:"version"`
}

// MyRequest returns citizen p's view of their request with tracking number number
// (ErrNotFound for anyone else's).
func (tx *Tx) MyRequest(p *markaz.Principal, number string) (*CitizenView, error) {
	d, err := tx.ownedRequest(p, number)
	if err != nil {
		return nil, err
	}
	if err := tx.fillDetail(d); err != nil {
		return nil, err
	}
	svc, err := tx.Service(d.ServiceCode)
	if err != nil {
		return nil, err
	}
	c, err := tx.GetCenter(d.CenterID)
	if err != nil {
		return nil, err
	}
	tr := &trackRow{Request: d.Request}
	if rt, err := tx.requestRating(d.ID); err != nil {
		return nil, err
	} else if rt != nil {
		tr.setRated(rt)
	}
	t, err := tx.tracked(tr)
	if err != nil {
		return nil, err
	}
	files, err := tx.Files(FileOwnerRequest, d.ID)
	if err != nil {
		return nil, err
	}
	v := &CitizenView{TrackingNumber: d.TrackingNumber, Status: d.Status, Channel: d.Channel, ServiceCode: svc.Code,
		ServiceAr: svc.NameAr, ServiceEn: svc.NameEn, CenterID: c.ID, CenterAr: c.NameAr, CenterEn: c.NameEn,
		SubmittedOn: d.SubmittedOn, ExpectedDate: t.Expected, Missing: t.Missing, FeesDue: d.FeesDue,
		FeesPaid: d.FeesPaid, Fees: d.Fees, Files: []CitizenFile{}, History: request.CitizenHistory(d.Events, p.UserID),
		CanUpload: slices.Contains(request.OpenStatuses, d.Status), CanRate: t.CanRate, Rating: t.Rating, Version: d.Version}
	for _, f := range files {
		v.Files = append(v.Files, CitizenFile{ID: f.ID, Name: f.Name, Document: f.Document, ContentType: f.ContentType,
			Size: f.Size, CreatedAt: f.CreatedAt})
	}
	v.Documents = documentStates(svc.Documents, d.Documents, files)
	_, err = request.DecideOwner(svc.Steps, d.Status, d.StepKey, request.ActionComplete)
	v.CanComplete = err == nil
	return v, nil
}

// documentStates marks each required document provided when the counter ticked it or a
// file stands for it (by its Arabic or English name).
func documentStates(required []catalog.Document, ticked []string, files []FileInfo) []DocumentState {
	out := []DocumentState{}
	for _, doc := range required {
		is := func(name string) bool { return name != "" && (name == doc.NameAr || name == doc.NameEn) }
		provided := slices.ContainsFunc(ticked, is) || slices.ContainsFunc(files, func(f FileInfo) bool { return is(f.Document) })
		out = append(out, DocumentState{NameAr: doc.NameAr, NameEn: doc.NameEn, Provided: provided})
	}
	return out
}

// RequestFiles returns the files of a request p may read (its own for a citizen, in
// requests.read scope for staff).
func (tx *Tx) RequestFiles(p *markaz.Principal, number string) ([]FileInfo, error) {
	d, err := tx.readableRequest(p, number)
	if err != nil {
		return nil, err
	}
	return tx.Files(FileOwnerRequest, d.ID)
}

// CheckRequestFileAccess is the access check of a request's file (owner id: the
// request's id): the citizen who owns the request, or staff with requests.read over its
// territory. ErrNotFound for a citizen who does not own it, ErrForbidden for staff
// outside their territory.
func (tx *Tx) CheckRequestFileAccess(p *markaz.Principal, requestID string) error {
	d, err := tx.requestRow(`r.id = ?`, requestID)
	if err != nil {
		return err
	}
	if citizen.Is(p) {
		owns, err := tx.CitizenOwns(p, &d.Request)
		if err != nil || owns {
			return err
		}
		return markaz.ErrNotFound
	}
	if !p.Allowed(markaz.PermRequestsRead, d.Ref()) {
		return markaz.ErrForbidden
	}
	return nil
}

// AddRequestFiles stores files (checked by attachment.Check) as documents of a request
// while it is open: by its citizen, or by staff with requests.write over its center.
// document names the required document they stand for (its Arabic or English name as
// the catalog has it), or "" for another document the citizen was asked for. The request
// row is locked so that concurrent uploads cannot pass MaxRequestFiles together. Audited
// as request.file_add.
func (tx *Tx) AddRequestFiles(p *markaz.Principal, number, document string, files []*attachment.File) ([]FileInfo, error) {
	d, err := tx.readableRequest(p, number)
	if err != nil {
		return nil, err
	}
	if !citizen.Is(p) && !p.Allowed(markaz.PermRequestsWrite, d.Ref()) {
		return nil, markaz.ErrForbidden
	}
	if !slices.Contains(request.OpenStatuses, d.Status) {
		return nil, markaz.Errorf(markaz.EConflict, "error.request_closed_files")
	}
	var v markaz.Validator
	svc, err := tx.Service(d.ServiceCode)
	if err != nil {
		return nil, err
	}
	if document != "" && !slices.ContainsFunc(svc.Documents, func(doc catalog.Document) bool {
		return document == doc.NameAr || document == doc.NameEn
	}) {
		v.Add("document", "unknown_document", nil)
	}
	var have int
	if err := tx.Get(&have, `SELECT COUNT(*) FROM files WHERE owner_kind = ? AND owner_id = ?`, FileOwnerRequest, d.ID); err != nil {
		return nil, err
	}
	switch {
	case len(files) == 0:
		v.Add("files", "required", nil)
	case have+len(files) > MaxRequestFiles:
		v.Add("files", "too_many_files", map[string]any{"max": MaxRequestFiles})
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var id string
	if err := tx.Get(&id, `SELECT id FROM requests WHERE id = ?`+tx.ForUpdate(), d.ID); err != nil {
		return nil, err
	}
	actor := ActorOf(p)
	out := []FileInfo{}
	var audited []map[string]any
	for _, f := range files {
		fi, err := tx.AddDocumentFile(actor, FileOwnerRequest, d.ID, document, f)
		if err != nil {
			return nil, err
		}
		out = append(out, *fi)
		audited = append(audited, map[string]any{"id": fi.ID, "name": fi.Name, "document": document, "sha256": fi.SHA256})
	}
	return out, tx.Audit(actor, "request.file_add", "request", d.ID, d.Ref(), nil,
		map[string]any{"tracking_number": d.TrackingNumber, "files": audited})
}

// checkOwnerCompletion refuses a citizen's "complete" that brings nothing: since the
// request was last returned, a file must have been uploaded or the note must say what
// was done.
func (tx *Tx) checkOwnerCompletion(d *RequestDetail, note string) error {
	if note != "" {
		return nil
	}
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM files f WHERE f.owner_kind = ? AND f.owner_id = ? AND f.created_at >
		(SELECT MAX(e.at) FROM request_events e WHERE e.request_id = ? AND e.action = ?)`, FileOwnerRequest, d.ID, d.ID,
		request.ActionReturn); err != nil {
		return err
	}
	if n == 0 {
		return fieldErr("files", "upload_missing_first")
	}
	return nil
}
