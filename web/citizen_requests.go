package web

// Citizens' requests (issue 5, online application): choosing a service offered online and
// a center (by governorate and district), seeing its documents and fees, uploading the
// documents and submitting — through the same registration as the counter
// (registerRequest → store.Tx.RegisterRequest, idempotency keys included) — then
// following one's own requests, uploading what was asked for and marking a returned
// request complete (store.Tx.Act, request.DecideOwner). A citizen sees only their own
// requests (anyone else's is 404, as an unknown number) and no staff page (403).

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/catalog"
	"markaz/citizen"
	"markaz/request"
	"markaz/store"
)

func init() {
	fileOwners[store.FileOwnerRequest] = func(tx *store.Tx, p *markaz.Principal, requestID string) error {
		return tx.CheckRequestFileAccess(p, requestID)
	}
}

// needCitizen returns the principal if it acts as a citizen: 401 anonymous, 403 staff.
func needCitizen(r *http.Request) (*markaz.Principal, error) {
	p, err := need(r, "")
	if err == nil && !citizen.Is(p) {
		err = markaz.ErrForbidden
	}
	return p, err
}

// onlineOffer is a service offered online as a citizen sees it before applying: its
// documents, its duration, and — once a center is chosen — that center and its fees.
type onlineOffer struct {
	Service     *catalog.Service    `json:"service"`
	WorkingDays int                 `json:"working_days"`
	Center      *markaz.Center      `json:"center,omitempty"`
	Fees        *catalog.FeeVersion `json:"fees,omitempty"`
}

// onlineOffer loads service code (ErrNotFound unless it is offered online) and, when
// centerID is given, the operating center and the fees in force in its governorate.
func (s *Server) onlineOffer(r *http.Request, code, centerID string) (*onlineOffer, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	out := &onlineOffer{}
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		svc, err := tx.Service(code)
		if err != nil || !svc.Online {
			return markaz.ErrNotFound
		}
		out.Service = svc
		if d, err := tx.DurationOn(code, tx.Today()); err == nil {
			out.WorkingDays = d.WorkingDays
		}
		if centerID == "" {
			return nil
		}
		if out.Center, err = tx.OperatingCenter(centerID); err != nil {
			return err
		}
		fees, err := tx.FeesOn(code, out.Center.GovCode, tx.Today())
		if err == nil {
			out.Fees = fees
		} else if markaz.ErrorCode(err) != markaz.ENotFound {
			return err
		}
		return nil
	})
	return out, err
}

// apiOnlineServices: GET /api/v1/online/services → the services a citizen may apply for
// online, with their documents (public).
func (s *Server) apiOnlineServices(w http.ResponseWriter, r *http.Request) error {
	on := true
	list, _, err := s.db.Services(r.Context(), store.ServiceFilter{Online: &on})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[catalog.Service]{Items: list})
}

// apiOnlineService: GET /api/v1/online/services/{code}?center_id= → the service, its
// duration and, for the center given, the center and the fees to pay there (public).
func (s *Server) apiOnlineService(w http.ResponseWriter, r *http.Request) error {
	o, err := s.onlineOffer(r, r.PathValue("code"), strings.TrimSpace(r.URL.Query().Get("center_id")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

// governorateParam reads ?governorate= (two digits, any script; "" when absent).
func governorateParam(r *http.Request) (string, error) {
	gov := markaz.LatinDigits(strings.TrimSpace(r.URL.Query().Get("governorate")))
	if gov != "" && (len(gov) != 2 || digitsOnlyWeb(gov) != gov) {
		return "", badQuery("governorate", "unknown_governorate")
	}
	return gov, nil
}

// apiOnlineCenters: GET /api/v1/online/centers?governorate=GG → the centers of the
// governorate that receive requests, by district/city (public).
func (s *Server) apiOnlineCenters(w http.ResponseWriter, r *http.Request) error {
	gov, err := governorateParam(r)
	if err != nil {
		return err
	}
	if gov == "" {
		return badQuery("governorate", "required")
	}
	list, err := s.db.OnlineCenters(r.Context(), gov)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.OnlineCenter]{Items: list})
}

// applyBody is a citizen's online application as the API takes it: the applicant is the
// account holder, the channel online; documents are uploaded afterwards
// (POST /api/v1/requests/{tracking_number}/files).
type applyBody struct {
	ServiceCode string `json:"service_code"`
	CenterID    string `json:"center_id"`
	Notes       string `json:"notes"`
}

// citizenRegistration is an application by the citizen holding account a.
func citizenRegistration(a *store.CitizenAccount, b applyBody, docs []string) request.Registration {
	return request.Registration{ServiceCode: b.ServiceCode, CenterID: b.CenterID, Notes: b.Notes,
		Channel: request.ChannelOnline, Documents: docs,
		Applicant: request.Applicant{NationalID: a.NationalID, Name: a.FullName, Mobile: a.Mobile}}
}

// citizenAccount reads p's account (403 for staff or an account without a verified
// national ID and mobile).
func (s *Server) citizenAccount(r *http.Request, p *markaz.Principal) (*store.CitizenAccount, error) {
	return inTx(r, s.db.Read, func(tx *store.Tx) (*store.CitizenAccount, error) { return tx.CitizenAccount(p) })
}

// inTx returns what fn finds or makes in a transaction run by run (s.db.Read or
// s.db.Write).
func inTx[T any](r *http.Request, run func(context.Context, func(*store.Tx) error) error, fn func(*store.Tx) (T, error)) (T, error) {
	var v T
	err := run(r.Context(), func(tx *store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// apiApply: POST /api/v1/me/requests {service_code, center_id, notes} (Idempotency-Key
// as for POST /api/v1/requests) → 201 with the citizen's view of the new request; 200
// with the first one on a replay.
func (s *Server) apiApply(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	var b applyBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	a, err := s.citizenAccount(r, p)
	if err != nil {
		return err
	}
	reg := citizenRegistration(a, b, nil)
	var v *store.CitizenView
	out, err := s.registerRequest(r, p, &reg, "Idempotency-Key", r.Header.Get("Idempotency-Key"),
		func(tx *store.Tx, out *store.Registered) error {
			var err error
			v, err = tx.MyRequest(p, out.Detail.TrackingNumber)
			return err
		})
	if err != nil {
		return err
	}
	if out.Replay {
		return writeJSON(w, http.StatusOK, v)
	}
	return writeJSON(w, http.StatusCreated, v)
}

// myRequestsPage reads the paging parameters of a citizen's list and loads one page.
func (s *Server) myRequestsPage(r *http.Request, p *markaz.Principal) ([]store.MyRequest, string, error) {
	limit, after, err := pageParams(r)
	if err != nil {
		return nil, "", err
	}
	var key *store.MyRequestKey
	if after != nil {
		t, err := time.Parse(time.RFC3339Nano, after[0])
		if err != nil || len(after) != 2 || !markaz.ValidID(after[1]) {
			return nil, "", badQuery("cursor", "bad_cursor")
		}
		key = &store.MyRequestKey{At: t, ID: after[1]}
	}
	rows, next, err := s.db.MyRequests(r.Context(), p, key, limit)
	if err != nil || next == nil {
		return rows, "", err
	}
	return rows, encodeCursor(next.At.UTC().Format(time.RFC3339Nano), next.ID), nil
}

// apiMyRequests: GET /api/v1/me/requests → one page of the citizen's own requests,
// newest first.
func (s *Server) apiMyRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	rows, next, err := s.myRequestsPage(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.MyRequest]{Items: rows, NextCursor: next})
}

// myRequest loads the citizen's view of the request in the path.
func (s *Server) myRequest(r *http.Request, p *markaz.Principal) (*store.CitizenView, error) {
	return inTx(r, s.db.Read, func(tx *store.Tx) (*store.CitizenView, error) {
		return tx.MyRequest(p, r.PathValue("tracking_number"))
	})
}

// apiMyRequest: GET /api/v1/me/requests/{tracking_number} → the citizen's view of their
// request (404 for anyone else's).
func (s *Server) apiMyRequest(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	v, err := s.myRequest(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// completeBody is a citizen's "I have completed the file": what they did (optional when
// they uploaded a file since the return) and the version they saw.
type completeBody struct {
	Note    string `json:"note"`
	Version *int   `json:"version"`
}

// completeMine takes the workflow's complete action on the citizen's returned request and
// returns their view of it.
func (s *Server) completeMine(r *http.Request, p *markaz.Principal, b completeBody) (*store.CitizenView, error) {
	if !citizen.Is(p) {
		return nil, markaz.ErrForbidden // staff act through the workflow's own forms
	}
	number := r.PathValue("tracking_number")
	if _, err := s.act(r, p, number, store.Action{Name: request.ActionComplete, Note: b.Note, Version: b.Version}); err != nil {
		return nil, err
	}
	return s.myRequest(r, p)
}

// apiMyRequestComplete: POST /api/v1/me/requests/{tracking_number}/complete {note,
// version} → the view after the request went back to review; 409 when it is not
// returned, 422 (field files) when nothing was uploaded since the return and no note says
// what was done.
func (s *Server) apiMyRequestComplete(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, "", http.StatusOK, func(p *markaz.Principal, b completeBody) (*store.CitizenView, error) {
		return s.completeMine(r, p, b)
	})
}

// citizenFiles is how files are answered: without who uploaded them.
func citizenFiles(fs []store.FileInfo) []store.CitizenFile {
	out := []store.CitizenFile{}
	for _, f := range fs {
		out = append(out, store.CitizenFile{ID: f.ID, Name: f.Name, Document: f.Document, ContentType: f.ContentType,
			Size: f.Size, CreatedAt: f.CreatedAt})
	}
	return out
}

// addFiles reads a multipart upload (field files, and document: the required document
// they stand for, "" for another one) and stores it on the request in the path.
func (s *Server) addFiles(w http.ResponseWriter, r *http.Request, p *markaz.Principal) ([]store.FileInfo, error) {
	files, err := readUploads(w, r, "files")
	if err != nil {
		return nil, err
	}
	document := strings.TrimSpace(r.FormValue("document"))
	return inTx(r, s.db.Write, func(tx *store.Tx) ([]store.FileInfo, error) {
		return tx.AddRequestFiles(p, r.PathValue("tracking_number"), document, files)
	})
}

// apiAddRequestFiles: POST /api/v1/requests/{tracking_number}/files (multipart: files,
// document) by the citizen who owns the request or staff with requests.write over its
// center, while it is open → 201 {items}.
func (s *Server) apiAddRequestFiles(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	out, err := s.addFiles(w, r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, page[store.CitizenFile]{Items: citizenFiles(out)})
}

// apiRequestFiles: GET /api/v1/requests/{tracking_number}/files → the request's files,
// for its citizen or staff reading it.
func (s *Server) apiRequestFiles(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	out, err := inTx(r, s.db.Read, func(tx *store.Tx) ([]store.FileInfo, error) {
		return tx.RequestFiles(p, r.PathValue("tracking_number"))
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.CitizenFile]{Items: citizenFiles(out)})
}

// --- pages ---

// applyServicesPage is what citizen_apply.html shows without a service: the choice.
type applyPage struct {
	Groups  []serviceGroup // without a service: the services offered online
	Offer   *onlineOffer
	Govs    []centerOption
	Gov     string
	Units   []unitCenters // centers of the chosen governorate, by district/city
	Fees    []feeLineView
	Total   string
	F       url.Values
	Errors  map[string]string
	IdemKey string
}

// unitCenters is a district/city with the centers a citizen may choose there.
type unitCenters struct {
	Label   string
	Centers []centerOption
}

// handleApply shows the online services (/apply) or one service's application page
// (/apply/{code}): choose a governorate, then a center, then upload and submit.
func (s *Server) handleApplyForm(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	return s.renderApply(w, r, p, http.StatusOK, q, nil)
}

// renderApply shows the application page for the service in the path ("" for the list)
// with form values f (governorate, center_id, notes, idem_key) and messages errs.
func (s *Server) renderApply(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int,
	f url.Values, errs map[string]string) error {
	if _, err := s.citizenAccount(r, p); err != nil {
		return err
	}
	data := applyPage{F: f, Errors: errs}
	code := r.PathValue("code")
	if code == "" {
		on := true
		groups, _, err := s.serviceGroups(r, store.ServiceFilter{Online: &on})
		if err != nil {
			return err
		}
		data.Groups = groups
		s.render(w, r, status, "citizen_apply", "citizen.apply_title", data)
		return nil
	}
	center := strings.TrimSpace(f.Get("center_id"))
	o, err := s.onlineOffer(r, code, center)
	if fm := fieldMessages(info(r).lang, err); fm != nil {
		// A center that is not (or no longer) open for requests: choose again.
		f.Del("center_id")
		if data.Errors == nil {
			data.Errors = map[string]string{}
		}
		for k, m := range fm {
			data.Errors[k] = m
		}
		o, err = s.onlineOffer(r, code, "")
	}
	if err != nil {
		return err
	}
	data.Offer = o
	ri := info(r)
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return err
	}
	for _, g := range govs {
		if g.RetiredOn.IsZero() {
			data.Govs = append(data.Govs, centerOption{Value: g.Code, Label: pickName(ri.lang, g.NameAr, g.NameEn)})
		}
	}
	data.Gov = markaz.LatinDigits(strings.TrimSpace(f.Get("governorate")))
	if o.Center != nil {
		data.Gov = o.Center.GovCode
	}
	if slices.ContainsFunc(data.Govs, func(c centerOption) bool { return c.Value == data.Gov }) {
		list, err := s.db.OnlineCenters(r.Context(), data.Gov)
		if err != nil {
			return err
		}
		for _, c := range list {
			label := pickName(ri.lang, c.UnitNameAr, c.UnitNameEn)
			if n := len(data.Units); n == 0 || data.Units[n-1].Label != label {
				data.Units = append(data.Units, unitCenters{Label: label})
			}
			u := &data.Units[len(data.Units)-1]
			u.Centers = append(u.Centers, centerOption{Value: c.ID, Label: pickName(ri.lang, c.NameAr, c.NameEn)})
		}
	} else {
		data.Gov = ""
	}
	if o.Fees != nil {
		v := formatFees(ri, *o.Fees)
		data.Fees, data.Total = v.Lines, v.Total
	}
	data.IdemKey = f.Get("idem_key")
	if data.IdemKey == "" || len(data.IdemKey) > maxIdempotencyKey {
		data.IdemKey = markaz.NewID()
	}
	s.render(w, r, status, "citizen_apply", "citizen.apply_title", data)
	return nil
}

// docField is the upload field of the i-th required document.
func docField(i int) string { return "doc-" + strconv.Itoa(i) }

// handleApply submits an application from its page: a file for every required document
// (field doc-<i>), registered with the request in one transaction.
func (s *Server) handleApply(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	if err := parseUploads(w, r); err != nil {
		return err
	}
	f := url.Values{}
	for _, k := range []string{"center_id", "notes", "idem_key"} {
		f.Set(k, r.FormValue(k))
	}
	o, err := s.onlineOffer(r, r.PathValue("code"), "")
	if err != nil {
		return err
	}
	a, err := s.citizenAccount(r, p)
	if err != nil {
		return err
	}
	var v markaz.Validator
	docs := make([][]*attachment.File, len(o.Service.Documents))
	var names []string
	for i, doc := range o.Service.Documents {
		files, err := uploadsIn(r, docField(i))
		if err := v.Merge(err, nil); err != nil {
			return err
		}
		if err == nil && len(files) == 0 {
			v.Add(docField(i), "document_file_required", nil)
		}
		if len(files) > 0 {
			docs[i] = files
			names = append(names, doc.NameAr)
		}
	}
	reg := citizenRegistration(a, applyBody{ServiceCode: o.Service.Code, CenterID: f.Get("center_id"), Notes: f.Get("notes")}, names)
	var out *store.Registered
	err = v.Err()
	if err == nil {
		out, err = s.registerRequest(r, p, &reg, "idem_key", f.Get("idem_key"), func(tx *store.Tx, out *store.Registered) error {
			if out.Replay {
				return nil // registered by the first submission, files and all
			}
			for i, files := range docs {
				if len(files) == 0 {
					continue
				}
				if _, err := tx.AddRequestFiles(p, out.Detail.TrackingNumber, o.Service.Documents[i].NameAr, files); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		fm := fieldMessages(info(r).lang, err)
		if fm == nil {
			return err
		}
		if fm["idem_key"] != "" {
			f.Del("idem_key")
		}
		return s.renderApply(w, r, p, http.StatusUnprocessableEntity, f, fm)
	}
	flash(w, "citizen.submitted")
	http.Redirect(w, r, "/me/requests/"+out.Detail.TrackingNumber, http.StatusSeeOther)
	return nil
}

// myRequestsPageData is what citizen_requests.html shows.
type myRequestsPageData struct {
	Rows    []store.MyRequest
	NextURL string
}

func (s *Server) handleMyRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	rows, next, err := s.myRequestsPage(r, p)
	if err != nil {
		return err
	}
	data := myRequestsPageData{Rows: rows}
	if next != "" {
		data.NextURL = "/me/requests?" + url.Values{"cursor": {next}}.Encode()
	}
	s.render(w, r, http.StatusOK, "citizen_requests", "citizen.my_requests_title", data)
	return nil
}

// myRequestPage is what citizen_request.html shows.
type myRequestPage struct {
	V           *store.CitizenView
	Fees        []feeLineView
	Total       string
	Outstanding string
	PayURL      string
	F           url.Values
	Errors      map[string]string
	Conflict    string
	Rate        *ratingForm // delivered and not rated yet
}

// renderMyRequest shows the citizen's request with form values f and messages errs (or
// a refusal, conflict).
func (s *Server) renderMyRequest(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int,
	f url.Values, errs map[string]string, conflict string) error {
	v, err := s.myRequest(r, p)
	if err != nil {
		return err
	}
	ri := info(r)
	data := myRequestPage{V: v, F: f, Errors: errs, Conflict: conflict}
	var total int64
	for _, l := range v.Fees {
		total += l.AmountPiasters
		data.Fees = append(data.Fees, feeLineView{FeeLine: catalog.FeeLine{Key: l.Key, NameAr: l.NameAr, NameEn: l.NameEn,
			AmountPiasters: l.AmountPiasters}, Amount: pounds(ri, l.AmountPiasters)})
	}
	data.Total = pounds(ri, total)
	if v.Status == request.StatusAwaitingPayment {
		data.Outstanding = pounds(ri, max(v.FeesDue-v.FeesPaid, 0))
		// The payments' own page takes it from here (it starts the payment for the owner).
		data.PayURL = "/requests/" + v.TrackingNumber + "/payments"
	}
	if v.CanRate {
		data.Rate = newRatingForm("/me/requests/"+v.TrackingNumber+"/rating", nil)
		if f.Get("form") == "rating" {
			data.Rate.Rating, data.Rate.Comment, data.Rate.Errors = f.Get("rating"), f.Get("comment"), errs
		}
	}
	s.render(w, r, status, "citizen_request", "citizen.request_title", data)
	return nil
}

func (s *Server) handleMyRequest(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	return s.renderMyRequest(w, r, p, http.StatusOK, url.Values{}, nil, "")
}

// refusedOnPage re-renders the citizen's request page for a refused form (field errors,
// or a conflict), or returns any other error.
func (s *Server) refusedOnPage(w http.ResponseWriter, r *http.Request, p *markaz.Principal, f url.Values, err error) error {
	ri := info(r)
	switch e := asError(err); e.Code {
	case markaz.EInvalid:
		return s.renderMyRequest(w, r, p, http.StatusUnprocessableEntity, f, fieldMessages(ri.lang, err), "")
	case markaz.EConflict:
		return s.renderMyRequest(w, r, p, http.StatusConflict, f, nil, message(ri.lang, ri.id, e))
	}
	return err
}

func (s *Server) handleMyRequestFiles(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	if _, err := s.addFiles(w, r, p); err != nil {
		return s.refusedOnPage(w, r, p, url.Values{"form": {"files"}, "document": {r.FormValue("document")}}, err)
	}
	flash(w, "citizen.files_added")
	http.Redirect(w, r, "/me/requests/"+r.PathValue("tracking_number"), http.StatusSeeOther)
	return nil
}

func (s *Server) handleMyRequestComplete(w http.ResponseWriter, r *http.Request) error {
	p, err := needCitizen(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	a, err := actionForm(r.PostForm)
	if err == nil {
		_, err = s.completeMine(r, p, completeBody{Note: a.Note, Version: a.Version})
	}
	if err != nil {
		return s.refusedOnPage(w, r, p, url.Values{"form": {"complete"}, "note": {r.PostForm.Get("note")}}, err)
	}
	flash(w, "citizen.completed")
	http.Redirect(w, r, "/me/requests/"+r.PathValue("tracking_number"), http.StatusSeeOther)
	return nil
}
