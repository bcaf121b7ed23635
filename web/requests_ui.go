package web

// Requests as pages: the front office's registration form and acknowledgement slip, the
// back office's queue (sorted by due date), and a request's page with the actions its
// reader may take now. Every read and change goes through the same store calls and
// helpers as the JSON API (requestFilter, Tx.RegisterRequest, Tx.Request,
// Tx.ActOnRequest, Tx.LastApplicant); request.Decide says which actions to offer.

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/skip2/go-qrcode"

	"markaz"
	"markaz/catalog"
	"markaz/i18n"
	"markaz/nationalid"
	"markaz/request"
	"markaz/store"
)

// queueCountCap bounds the rows the queue counts before it says "at least".
const queueCountCap = 10000

// dueSoonDays is how many calendar days before its due date an open request is "due soon".
const dueSoonDays = 2

// serviceGroup is one category of services for the grouped service select.
type serviceGroup struct {
	Label    string
	Services []centerOption
}

// requestNewPage is what request_new.html shows.
type requestNewPage struct {
	NoCenter  bool
	Groups    []serviceGroup
	Service   *catalog.Service
	Centers   []centerOption
	F         url.Values
	Docs      map[string]bool
	Errors    map[string]string
	Warning   string
	LookupMsg string
	Focus     string
}

// registerCenters lists the centers where p may register requests (a role with
// requests.write at center level), as RegisterRequest picks them.
func (s *Server) registerCenters(r *http.Request, p *markaz.Principal) ([]centerOption, error) {
	var out []centerOption
	lang := info(r).lang
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		for _, a := range p.Assignments {
			if a.Level != markaz.LevelCenter || !markaz.RoleHas(a.Role, markaz.PermRequestsWrite) ||
				slices.ContainsFunc(out, func(o centerOption) bool { return o.Value == a.CenterID }) {
				continue
			}
			c, err := tx.GetCenter(a.CenterID)
			if err != nil {
				return err
			}
			out = append(out, centerOption{Value: c.ID, Label: pickName(lang, c.NameAr, c.NameEn)})
		}
		return nil
	})
	return out, err
}

// serviceGroups groups the catalog (the services f selects) by category, names in the
// user's language.
func (s *Server) serviceGroups(r *http.Request, f store.ServiceFilter) ([]serviceGroup, []catalog.Service, error) {
	list, _, err := s.db.Services(r.Context(), f)
	if err != nil {
		return nil, nil, err
	}
	lang := info(r).lang
	var groups []serviceGroup
	idx := map[string]int{}
	for _, svc := range list {
		i, ok := idx[svc.CategoryKey]
		if !ok {
			i = len(groups)
			idx[svc.CategoryKey] = i
			groups = append(groups, serviceGroup{Label: pickName(lang, svc.CategoryAr, svc.CategoryEn)})
		}
		groups[i].Services = append(groups[i].Services,
			centerOption{Value: svc.Code, Label: pickName(lang, svc.NameAr, svc.NameEn)})
	}
	return groups, list, nil
}

// nidWarning is the localized check-digit warning for a national ID, or "".
func nidWarning(r *http.Request, nid string, today markaz.Date) string {
	if strings.TrimSpace(nid) == "" {
		return ""
	}
	if _, ws, err := nationalid.Parse(nid, today); err == nil && len(ws) > 0 {
		return fieldMessage(info(r).lang, markaz.FieldError{Code: ws[0].Code})
	}
	return ""
}

// renderRequestNew shows the registration form with values f (and messages errs).
func (s *Server) renderRequestNew(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int,
	f url.Values, errs map[string]string) error {
	data := requestNewPage{F: f, Errors: errs, Docs: map[string]bool{}}
	centers, err := s.registerCenters(r, p)
	if err != nil {
		return err
	}
	if len(centers) == 0 {
		data.NoCenter = true
		s.render(w, r, http.StatusOK, "request_new", "requests_ui.new_title", data)
		return nil
	}
	data.Centers = centers
	groups, list, err := s.serviceGroups(r, store.ServiceFilter{})
	if err != nil {
		return err
	}
	data.Groups = groups
	code := strings.ToUpper(strings.TrimSpace(f.Get("service_code")))
	if i := slices.IndexFunc(list, func(c catalog.Service) bool { return c.Code == code }); i >= 0 {
		data.Service = &list[i]
	}
	for _, d := range f["documents"] {
		data.Docs[d] = true
	}
	if f.Get("idem_key") == "" || len(f.Get("idem_key")) > maxIdempotencyKey {
		f.Set("idem_key", markaz.NewID())
	}
	data.Warning = nidWarning(r, f.Get("applicant.national_id"), markaz.Today(s.db.Clock))
	if f.Get("lookup") != "" {
		data.LookupMsg, err = s.lookupApplicant(r, p, f, errs)
		if err != nil {
			return err
		}
	}
	data.Focus = "service_code"
	switch {
	case data.Service != nil && f.Get("applicant.national_id") == "":
		data.Focus = "applicant.national_id"
	case data.Service != nil && f.Get("applicant.name") == "":
		data.Focus = "applicant.name"
	case data.Service != nil && f.Get("lookup") != "":
		data.Focus = "applicant.mobile"
	}
	s.render(w, r, status, "request_new", "requests_ui.new_title", data)
	return nil
}

// lookupApplicant fills the name and mobile in f from the latest request in scope for the
// national ID, and returns the message to show (an i18n text, "" when filled).
func (s *Server) lookupApplicant(r *http.Request, p *markaz.Principal, f url.Values, errs map[string]string) (string, error) {
	lang := info(r).lang
	var a *store.Applicant
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		id, _, err := nationalid.Parse(f.Get("applicant.national_id"), tx.Today())
		if err != nil {
			return err
		}
		a, err = tx.LastApplicant(p.Scope(markaz.PermRequestsWrite), id.Digits)
		return err
	})
	if err == nil {
		f.Set("applicant.name", a.Name)
		f.Set("applicant.mobile", a.Mobile)
		return i18n.T(lang, "requests_ui.lookup_found", nil), nil
	}
	switch markaz.ErrorCode(err) {
	case markaz.ENotFound:
		return i18n.T(lang, "requests_ui.lookup_none", nil), nil
	case markaz.EInvalid:
		for k, m := range fieldMessages(lang, err) {
			if errs != nil {
				errs["applicant."+strings.TrimPrefix(k, "applicant.")] = m
			}
		}
		return i18n.T(lang, "requests_ui.lookup_bad", nil), nil
	}
	return "", err
}

func (s *Server) handleRequestNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	return s.renderRequestNew(w, r, p, http.StatusOK, r.URL.Query(), map[string]string{})
}

// registration reads the form into a Registration, as the API's JSON body carries it.
func registration(f url.Values) request.Registration {
	return request.Registration{ServiceCode: f.Get("service_code"), Channel: request.ChannelCounter,
		Applicant: request.Applicant{NationalID: f.Get("applicant.national_id"), Name: f.Get("applicant.name"),
			Mobile: f.Get("applicant.mobile")},
		Documents: append([]string{}, f["documents"]...), Notes: f.Get("notes"), CenterID: f.Get("center_id")}
}

// registerRequest validates and registers reg for p under the idempotency key key (sent
// as keyField: the API's header or the form's hidden field), for the API and the forms
// alike (the counter's and the citizen's). then, when not nil, runs in the same
// transaction after the registration (a citizen's files go in with their request).
func (s *Server) registerRequest(r *http.Request, p *markaz.Principal, reg *request.Registration, keyField, key string,
	then func(*store.Tx, *store.Registered) error) (*store.Registered, error) {
	key = strings.TrimSpace(key)
	var v markaz.Validator
	if v.Text(keyField, key, maxIdempotencyKey, false); v.Err() != nil {
		return nil, v.Err()
	}
	var out *store.Registered
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		warnings, err := reg.Validate(tx.Today())
		if err != nil {
			return err
		}
		if out, err = tx.RegisterRequest(p, reg, key, warnings); err != nil || then == nil {
			return err
		}
		return then(tx, out)
	})
	return out, err
}

func (s *Server) handleRequestCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	reg := registration(r.PostForm)
	out, err := s.registerRequest(r, p, &reg, "idem_key", r.PostForm.Get("idem_key"), nil)
	if err != nil {
		fm := fieldMessages(info(r).lang, err)
		if fm == nil {
			return err
		}
		if fm["idem_key"] != "" {
			// The form was already registered with other values (Back, edit, resend):
			// a fresh key makes this a new registration once the clerk confirms it.
			r.PostForm.Del("idem_key")
		}
		return s.renderRequestNew(w, r, p, http.StatusUnprocessableEntity, r.PostForm, fm)
	}
	if len(out.Detail.Warnings) > 0 {
		flash(w, "requests_ui.registered_warning")
	} else {
		flash(w, "requests_ui.registered")
	}
	http.Redirect(w, r, "/requests/"+out.Detail.TrackingNumber+"/slip", http.StatusSeeOther)
	return nil
}

// requestView is a request with what its pages show beside it.
type requestView struct {
	D         *store.RequestDetail
	Service   *catalog.Service
	Center    *markaz.Center
	Fees      []feeLineView
	Total     string
	Overdue   bool
	DueSoon   bool
	Actions   []string
	Errors    map[string]string
	F         url.Values
	Conflict  string
	QR        *qrView
	TrackURL  string
	Applicant string
	Files     []store.FileInfo // documents uploaded (by the citizen online, or staff)
}

// loadRequestView reads the request in the path with its service and center.
func (s *Server) loadRequestView(r *http.Request, p *markaz.Principal) (*requestView, error) {
	v := &requestView{}
	var today markaz.Date
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		if v.D, err = tx.Request(p.Scope(markaz.PermRequestsRead), r.PathValue("tracking_number")); err != nil {
			return err
		}
		if v.Service, err = tx.Service(v.D.ServiceCode); err != nil {
			return err
		}
		today = tx.Today()
		if v.Files, err = tx.Files(store.FileOwnerRequest, v.D.ID); err != nil {
			return err
		}
		v.Center, err = tx.GetCenter(v.D.CenterID)
		return err
	})
	if err != nil {
		return nil, err
	}
	ri := info(r)
	var total int64
	for _, l := range v.D.Fees {
		total += l.AmountPiasters
		v.Fees = append(v.Fees, feeLineView{FeeLine: catalog.FeeLine{Key: l.Key, NameAr: l.NameAr, NameEn: l.NameEn,
			AmountPiasters: l.AmountPiasters}, Amount: pounds(ri, l.AmountPiasters)})
	}
	v.Total = pounds(ri, total)
	v.Overdue, v.DueSoon = dueMarks(&v.D.Request, today)
	for _, a := range catalog.Actions {
		if _, err := request.Decide(v.Service.Steps, v.D.Status, v.D.StepKey, a, p, v.D.Ref()); err == nil {
			v.Actions = append(v.Actions, a)
		}
	}
	return v, nil
}

// dueMarks says whether an open request is overdue, or due within dueSoonDays, on today.
func dueMarks(q *request.Request, today markaz.Date) (overdue, soon bool) {
	if q.Overdue(today) {
		return true, false
	}
	return false, slices.Contains(request.OpenStatuses, q.Status) && !q.DueDate.After(today.AddDays(dueSoonDays))
}

// renderRequest shows a request's page, with a refused action form when errs or conflict is set.
func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int,
	f url.Values, errs map[string]string, conflict string) error {
	v, err := s.loadRequestView(r, p)
	if err != nil {
		return err
	}
	v.F, v.Errors, v.Conflict = f, errs, conflict
	s.render(w, r, status, "request", "requests_ui.view_title", v)
	return nil
}

func (s *Server) handleRequestPage(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	return s.renderRequest(w, r, p, http.StatusOK, url.Values{}, nil, "")
}

// actionForm reads an action form: the action, its note (the reason, required for
// cancel and return; who received the result, for deliver), the last four digits of the
// applicant's national ID (deliver) and the version the user saw.
func actionForm(f url.Values) (store.Action, error) {
	a := store.Action{Name: f.Get("action"), Note: f.Get("note"), Verify: f.Get("verify")}
	if s := f.Get("version"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			var v markaz.Validator
			v.Add("version", "number_format", nil)
			return a, v.Err()
		}
		a.Version = &n
	}
	return a, nil
}

func (s *Server) handleRequestAct(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	a, err := actionForm(r.PostForm)
	var d *store.RequestDetail
	if err == nil {
		d, err = s.act(r, p, r.PathValue("tracking_number"), a)
	}
	ri := info(r)
	switch e := asError(err); {
	case err == nil:
		flash(w, "requests_ui.acted")
		http.Redirect(w, r, "/requests/"+d.TrackingNumber, http.StatusSeeOther)
		return nil
	case e.Code == markaz.EInvalid:
		return s.renderRequest(w, r, p, http.StatusUnprocessableEntity, r.PostForm, fieldMessages(ri.lang, err), "")
	case e.Code == markaz.EConflict:
		return s.renderRequest(w, r, p, http.StatusConflict, r.PostForm, nil, message(ri.lang, ri.id, e))
	}
	return err
}

// qrView is a QR code as SVG squares: Size modules a side (with the quiet zone).
type qrView struct {
	Size  int
	Cells []qrCell
}

// qrCell is one dark module.
type qrCell struct{ X, Y int }

// qrSVG encodes text as a QR code's dark modules.
func qrSVG(text string) (*qrView, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap()
	v := &qrView{Size: len(bm)}
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				v.Cells = append(v.Cells, qrCell{x, y})
			}
		}
	}
	return v, nil
}

// trackURL is the public tracking page of a request, as the slip's QR code carries it.
func (s *Server) trackURL(r *http.Request, number string) string {
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: "/track", RawQuery: url.Values{"n": {number}}.Encode()}).String()
}

func (s *Server) handleRequestSlip(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	v, err := s.loadRequestView(r, p)
	if err != nil {
		return err
	}
	v.TrackURL = s.trackURL(r, v.D.TrackingNumber)
	if v.QR, err = qrSVG(v.TrackURL); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "request_slip", "requests_ui.slip_title", v)
	return nil
}

// queueRow is a request in the queue with its due marks.
type queueRow struct {
	request.Request
	Overdue, DueSoon bool
	Service          string
}

// requestsPage is what requests.html shows.
type requestsPage struct {
	Q        url.Values
	Rows     []queueRow
	Groups   []serviceGroup
	Statuses []string
	Channels []string
	Total    int
	Overdue  int
	DueSoon  int
	Capped   bool
	NextURL  string
	FirstURL string
	CanNew   bool
	// WorkloadURL is the staff workload of the center the queue shows (filtered by it, or
	// the reader's own as its manager), for readers who may see it.
	WorkloadURL string
}

var errCountCap = errors.New("count cap reached")

// countQueue counts the requests f selects, and those overdue and due soon, up to queueCountCap.
func (s *Server) countQueue(r *http.Request, f store.RequestFilter, today markaz.Date, data *requestsPage) error {
	err := s.db.EachRequest(r.Context(), f, func(q *request.Request) error {
		if data.Total >= queueCountCap {
			data.Capped = true
			return errCountCap
		}
		data.Total++
		o, soon := dueMarks(q, today)
		if o {
			data.Overdue++
		}
		if soon {
			data.DueSoon++
		}
		return nil
	})
	if errors.Is(err, errCountCap) {
		return nil
	}
	return err
}

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	f, err := requestFilter(r, p)
	if err != nil {
		return err
	}
	rows, next, err := s.db.Requests(r.Context(), f)
	if err != nil {
		return err
	}
	groups, list, err := s.serviceGroups(r, store.ServiceFilter{})
	if err != nil {
		return err
	}
	names := map[string]string{}
	lang := info(r).lang
	for _, svc := range list {
		names[svc.Code] = pickName(lang, svc.NameAr, svc.NameEn)
	}
	today := markaz.Today(s.db.Clock)
	data := requestsPage{Q: r.URL.Query(), Groups: groups, Statuses: request.Statuses, Channels: request.Channels,
		CanNew: p.Can(markaz.PermRequestsWrite)}
	if c := workloadCenter(p, f.Center); c != "" {
		data.WorkloadURL = "/centers/" + c + "/workload"
	}
	for _, q := range rows {
		o, soon := dueMarks(&q, today)
		data.Rows = append(data.Rows, queueRow{Request: q, Overdue: o, DueSoon: soon, Service: names[q.ServiceCode]})
	}
	if err := s.countQueue(r, f, today, &data); err != nil {
		return err
	}
	q := r.URL.Query()
	if next != nil {
		q.Set("cursor", encodeCursor(next.Due.String(), next.ID))
		data.NextURL = "/requests?" + q.Encode()
	}
	if f.After != nil {
		q.Del("cursor")
		data.FirstURL = "/requests?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "requests", "requests_ui.queue_title", data)
	return nil
}
