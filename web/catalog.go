package web

// The service catalog: list and view services with their workflow, documents,
// statutory rule and the history of their required durations and fees, as pages and as
// JSON. Any staff member reads it (centers.read); national holders of policy.write
// amend durations, fees and definitions, and a holder of policy.write for a governorate
// sets that governorate's fee overrides. The store enforces the territory rules inside
// the transaction that makes the change.

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"markaz"
	"markaz/catalog"
	"markaz/i18n"
	"markaz/store"
)

// durationBody asks for a new required-duration version. The date is text so that a
// bad one is reported on its own field.
type durationBody struct {
	WorkingDays   int    `json:"working_days"`
	EffectiveFrom string `json:"effective_from"`
	Reason        string `json:"reason"`
}

// feesBody asks for a new fee version, national or for one governorate.
type feesBody struct {
	Lines         []catalog.FeeLine `json:"lines"`
	EffectiveFrom string            `json:"effective_from"`
	Reason        string            `json:"reason"`
	Governorate   string            `json:"governorate"`
}

// serviceJSON is a service as GET /api/v1/services/{code} shows it: IllustrativeAmounts
// says the fees in force are demo amounts, not real ones.
type serviceJSON struct {
	*store.ServiceDetail
	IllustrativeAmounts bool `json:"illustrative_amounts"`
}

var (
	categoryKeyRE = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
	govCodeRE     = regexp.MustCompile(`^[0-9]{2}$`)
	lineFieldRE   = regexp.MustCompile(`^lines\[([0-9]+)\]\.(.*)$`)
)

// badQuery is the 422 for a query parameter that does not parse.
func badQuery(field, code string) error {
	return &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_query", Args: map[string]any{"field": field},
		Fields: []markaz.FieldError{{Field: field, Code: code}}}
}

// serviceFilter reads ?category=&online=&q=&limit=&cursor= for a service list.
func serviceFilter(r *http.Request) (store.ServiceFilter, error) {
	q := r.URL.Query()
	f := store.ServiceFilter{Category: strings.TrimSpace(q.Get("category")), Search: strings.TrimSpace(q.Get("q"))}
	if f.Category != "" && !categoryKeyRE.MatchString(f.Category) {
		return f, badQuery("category", "code_format")
	}
	switch q.Get("online") {
	case "":
	case "true", "false":
		on := q.Get("online") == "true"
		f.Online = &on
	default:
		return f, badQuery("online", "one_of")
	}
	if len([]rune(f.Search)) > 100 {
		return f, badQuery("q", "too_long")
	}
	limit, after, err := pageParams(r)
	if err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		f.After = after[0]
	}
	return f, nil
}

// serviceGov reads ?governorate= for the fees to show.
func serviceGov(r *http.Request) (string, error) {
	g := strings.TrimSpace(markaz.LatinDigits(r.URL.Query().Get("governorate")))
	if g != "" && !govCodeRE.MatchString(g) {
		return "", badQuery("governorate", "unknown_governorate")
	}
	return g, nil
}

// amendDuration adds a duration version to service code as b asks.
func (s *Server) amendDuration(r *http.Request, p *markaz.Principal, code string, b durationBody, v *markaz.Validator) (*catalog.DurationVersion, error) {
	d := &catalog.DurationVersion{WorkingDays: b.WorkingDays, Reason: b.Reason,
		EffectiveFrom: centerDate(v, "effective_from", b.EffectiveFrom)}
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		return tx.AmendDuration(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), code, d, v)
	})
	return d, err
}

// amendFees adds a fee version to service code as b asks.
func (s *Server) amendFees(r *http.Request, p *markaz.Principal, code string, b feesBody, v *markaz.Validator) (*catalog.FeeVersion, error) {
	f := &catalog.FeeVersion{Lines: b.Lines, Reason: b.Reason, GovCode: b.Governorate,
		EffectiveFrom: centerDate(v, "effective_from", b.EffectiveFrom)}
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		return tx.AmendFees(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), code, f, v)
	})
	return f, err
}

// --- API ---

func (s *Server) apiServices(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermCentersRead); err != nil {
		return err
	}
	f, err := serviceFilter(r)
	if err != nil {
		return err
	}
	list, next, err := s.db.Services(r.Context(), f)
	if err != nil {
		return err
	}
	out := page[catalog.Service]{Items: list}
	if next != "" {
		out.NextCursor = encodeCursor(next)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiService(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermCentersRead); err != nil {
		return err
	}
	gov, err := serviceGov(r)
	if err != nil {
		return err
	}
	d, err := s.db.ServiceDetail(r.Context(), r.PathValue("code"), gov)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, serviceJSON{ServiceDetail: d, IllustrativeAmounts: d.Fees != nil && d.Fees.Illustrative})
}

func (s *Server) apiAmendDuration(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPolicyWrite, http.StatusCreated, func(p *markaz.Principal, b durationBody) (any, error) {
		return s.amendDuration(r, p, r.PathValue("code"), b, &markaz.Validator{})
	})
}

func (s *Server) apiAmendFees(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPolicyWrite, http.StatusCreated, func(p *markaz.Principal, b feesBody) (any, error) {
		return s.amendFees(r, p, r.PathValue("code"), b, &markaz.Validator{})
	})
}

func (s *Server) apiUpdateService(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPolicyWrite)
	if err != nil {
		return err
	}
	var b store.ServiceEdit
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	var svc *catalog.Service
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		svc, err = tx.UpdateService(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), r.PathValue("code"), b, &markaz.Validator{})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, svc)
}

// --- UI ---

// catalogListPage is what catalog.html shows.
type catalogListPage struct {
	Q          url.Values
	Categories []store.ServiceCategory
	Rows       []catalog.Service
	NextURL    string
	FirstURL   string
}

func (s *Server) handleServices(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermCentersRead); err != nil {
		return err
	}
	f, err := serviceFilter(r)
	if err != nil {
		return err
	}
	list, next, err := s.db.Services(r.Context(), f)
	if err != nil {
		return err
	}
	cats, err := s.db.ServiceCategories(r.Context())
	if err != nil {
		return err
	}
	data := catalogListPage{Q: r.URL.Query(), Categories: cats, Rows: list}
	q := r.URL.Query()
	if next != "" {
		q.Set("cursor", encodeCursor(next))
		data.NextURL = "/services?" + q.Encode()
	}
	if f.After != "" {
		q.Del("cursor")
		data.FirstURL = "/services?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "catalog", "catalog.title", data)
	return nil
}

// feeLineView is a fee line with its amount formatted in pounds.
type feeLineView struct {
	catalog.FeeLine
	Amount string
}

// feeView is a fee version formatted for a page.
type feeView struct {
	catalog.FeeVersion
	Lines []feeLineView
	Total string
}

// catalogViewPage is what catalog_service.html shows. DurationForm and FeeForm carry a
// refused form with its messages; FeeRows are the rows of the fee form. FeeGovs are the
// governorates the user may override fees for; national holders also get the empty
// choice, meaning the national fees.
type catalogViewPage struct {
	S            *store.ServiceDetail
	Fees         *feeView
	FeeHistory   []feeView
	Govs         []markaz.Governorate
	FeeGovs      []centerOption
	CanNational  bool
	CanFees      bool
	DurationForm url.Values
	FeeForm      url.Values
	FeeRows      []int
	DurErrors    map[string]string
	FeeErrors    map[string]string
}

// pounds formats piasters as pounds with two decimals, in the user's digits.
func pounds(ri *reqInfo, p int64) string {
	return i18n.Int(p/100, ri.digits) + i18n.Digits(fmt.Sprintf(".%02d", p%100), ri.digits) + " " +
		i18n.T(ri.lang, "catalog.egp", nil)
}

func formatFees(ri *reqInfo, f catalog.FeeVersion) feeView {
	v := feeView{FeeVersion: f, Total: pounds(ri, f.TotalPiasters)}
	for _, l := range f.Lines {
		v.Lines = append(v.Lines, feeLineView{FeeLine: l, Amount: pounds(ri, l.AmountPiasters)})
	}
	return v
}

func (s *Server) handleService(w http.ResponseWriter, r *http.Request) error {
	return s.renderService(w, r, http.StatusOK, nil, nil, nil)
}

// renderService shows a service's page, with a refused duration or fee form when errs is set.
func (s *Server) renderService(w http.ResponseWriter, r *http.Request, status int, dur, fee url.Values, errs map[string]string) error {
	p, err := need(r, markaz.PermCentersRead)
	if err != nil {
		return err
	}
	gov, err := serviceGov(r)
	if err != nil {
		return err
	}
	d, err := s.db.ServiceDetail(r.Context(), r.PathValue("code"), gov)
	if err != nil {
		return err
	}
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return err
	}
	ri := info(r)
	policy := p.Scope(markaz.PermPolicyWrite)
	data := catalogViewPage{S: d, Govs: govs, CanNational: policy.All, CanFees: !policy.Empty(),
		DurationForm: dur, FeeForm: fee}
	if dur != nil {
		data.DurErrors = errs
	} else {
		data.FeeErrors = errs
	}
	if d.Fees != nil {
		fv := formatFees(ri, *d.Fees)
		data.Fees = &fv
	}
	for _, f := range d.FeeHistory {
		data.FeeHistory = append(data.FeeHistory, formatFees(ri, f))
	}
	for _, g := range govs {
		if policy.ContainsGov(g.Code) && g.RetiredOn.IsZero() {
			data.FeeGovs = append(data.FeeGovs, centerOption{Value: g.Code, Label: pickName(ri.lang, g.NameAr, g.NameEn)})
		}
	}
	if data.FeeForm == nil {
		data.FeeForm = feeFormValues(d.Fees, gov, policy)
	}
	for i := 0; i < catalog.MaxFeeLines && (i < 3 || data.FeeForm.Get(fmt.Sprintf("lines[%d].key", i-1)) != ""); i++ {
		data.FeeRows = append(data.FeeRows, i)
	}
	s.render(w, r, status, "catalog_service", "catalog.view_title", data)
	return nil
}

func pickName(lang, ar, en string) string {
	if lang == "en" {
		return en
	}
	return ar
}

// feeFormValues fills the fee form from the fees in force.
func feeFormValues(f *catalog.FeeVersion, gov string, policy markaz.Scope) url.Values {
	v := url.Values{}
	if gov != "" && policy.ContainsGov(gov) {
		v.Set("governorate", gov)
	}
	if f == nil {
		return v
	}
	for i, l := range f.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		v.Set(p+"key", l.Key)
		v.Set(p+"name_ar", l.NameAr)
		v.Set(p+"name_en", l.NameEn)
		v.Set(p+"amount", strconv.FormatInt(l.AmountPiasters/100, 10)+fmt.Sprintf(".%02d", l.AmountPiasters%100))
	}
	return v
}

var poundsRE = regexp.MustCompile(`^([0-9]{1,12})(?:[.٫]([0-9]{1,2}))?$`)

// parsePounds reads an amount in pounds with up to two decimals (any digit script) as
// piasters, without floating point.
func parsePounds(s string) (int64, bool) {
	m := poundsRE.FindStringSubmatch(strings.ReplaceAll(strings.TrimSpace(markaz.LatinDigits(s)), ",", ""))
	if m == nil {
		return 0, false
	}
	whole, _ := strconv.ParseInt(m[1], 10, 64)
	frac := m[2]
	for len(frac) < 2 {
		frac += "0"
	}
	p, _ := strconv.ParseInt(frac, 10, 64)
	return whole*100 + p, true
}

// feeForm reads the fee form's rows (empty rows are skipped, rows[j] is the form row of
// line j); amounts that do not parse are recorded in v under the line's amount field.
func feeForm(f url.Values, v *markaz.Validator) (b feesBody, rows []int) {
	b = feesBody{EffectiveFrom: f.Get("fee_effective_from"), Reason: f.Get("fee_reason"), Governorate: f.Get("governorate")}
	for i := 0; i < catalog.MaxFeeLines; i++ {
		p := fmt.Sprintf("lines[%d].", i)
		l := catalog.FeeLine{Key: f.Get(p + "key"), NameAr: f.Get(p + "name_ar"), NameEn: f.Get(p + "name_en")}
		amount := f.Get(p + "amount")
		if strings.TrimSpace(l.Key+l.NameAr+l.NameEn+amount) == "" {
			continue
		}
		var ok bool
		if l.AmountPiasters, ok = parsePounds(amount); !ok {
			v.Add(fmt.Sprintf("lines[%d].amount_piasters", len(b.Lines)), "number_format", nil)
		}
		b.Lines = append(b.Lines, l)
		rows = append(rows, i)
	}
	return b, rows
}

// serviceFormFailed re-renders the service page with the refused form's messages when
// err is a validation failure, and passes any other error on. Fee line fields are
// renamed to the form's inputs: line j's "amount_piasters" is "lines[rows[j]].amount",
// and the fee form's date and reason are "fee_effective_from" and "fee_reason".
func (s *Server) serviceFormFailed(w http.ResponseWriter, r *http.Request, dur, fee url.Values, rows []int, err error) error {
	fm := centerFieldMessages(r, err)
	if fm == nil {
		return err
	}
	out := map[string]string{}
	for k, m := range fm {
		if sub := lineFieldRE.FindStringSubmatch(k); sub != nil {
			j, _ := strconv.Atoi(sub[1])
			if j < len(rows) {
				k = fmt.Sprintf("lines[%d].%s", rows[j], strings.TrimSuffix(sub[2], "_piasters"))
			}
		}
		if fee != nil && (k == "effective_from" || k == "reason") {
			k = "fee_" + k
		}
		out[k] = m
	}
	return s.renderService(w, r, http.StatusUnprocessableEntity, dur, fee, out)
}

func (s *Server) handleServiceDuration(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPolicyWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	var v markaz.Validator
	b := durationBody{EffectiveFrom: r.PostForm.Get("effective_from"), Reason: r.PostForm.Get("reason")}
	if n, err := strconv.Atoi(strings.TrimSpace(markaz.LatinDigits(r.PostForm.Get("working_days")))); err == nil {
		b.WorkingDays = n
	} else {
		v.Add("working_days", "number_format", nil)
	}
	code := r.PathValue("code")
	if _, err := s.amendDuration(r, p, code, b, &v); err != nil {
		return s.serviceFormFailed(w, r, r.PostForm, nil, nil, err)
	}
	flash(w, "catalog.duration_saved")
	http.Redirect(w, r, "/services/"+url.PathEscape(code), http.StatusSeeOther)
	return nil
}

func (s *Server) handleServiceFees(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPolicyWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	var v markaz.Validator
	b, rows := feeForm(r.PostForm, &v)
	code := r.PathValue("code")
	f, err := s.amendFees(r, p, code, b, &v)
	if err != nil {
		return s.serviceFormFailed(w, r, nil, r.PostForm, rows, err)
	}
	flash(w, "catalog.fees_saved")
	target := "/services/" + url.PathEscape(code)
	if f.GovCode != "" {
		target += "?governorate=" + url.QueryEscape(f.GovCode)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
