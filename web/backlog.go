package web

// Backlog entry as pages: the campaigns and their progress (a page per campaign,
// governorate or the nation, with a daily trend and each operator's output), the
// campaign's settings (estimates, operators), the upload of a file with a progress bar
// fed by the JSON progress of its import, the keyboard-only entry screen, the blind
// second keying, the records list and a record's page with the author's correction and
// the supervisor's decision. Every read and change goes through the helpers of
// backlog_api.go and the store's access checks.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"markaz"
	"markaz/backlog"
	"markaz/i18n"
	"markaz/importer"
	"markaz/request"
	"markaz/store"
)

// needForm returns the principal if it holds perm somewhere, with the posted form parsed.
func needForm(r *http.Request, perm string) (*markaz.Principal, error) {
	p, err := need(r, perm)
	if err != nil {
		return nil, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	return p, nil
}

// backlogHome is what backlog.html shows.
type backlogHome struct {
	Q         url.Values
	Campaigns []store.CampaignRow
	Govs      []markaz.Governorate
	CanCreate bool
	Progress  *store.Progress // the reader's whole territory, for readers
}

func (s *Server) handleBacklog(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.CampaignFilter{Gov: markaz.LatinDigits(q.Get("governorate")), Status: q.Get("status")}
	data := backlogHome{Q: q, CanCreate: p.Can(markaz.PermBacklogManage)}
	if data.Campaigns, err = s.db.Campaigns(r.Context(), p, f); err != nil {
		return err
	}
	if data.Govs, err = s.db.Governorates(r.Context()); err != nil {
		return err
	}
	if p.Can(markaz.PermBacklogRead) {
		pf := store.ProgressFilter{}
		if read := p.Scope(markaz.PermBacklogRead); !read.All && len(read.Govs) == 1 {
			pf.Gov = read.Govs[0]
		}
		if data.Progress, err = s.db.BacklogProgress(r.Context(), p, pf); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "backlog", "backlog_ui.title", data)
	return nil
}

// trendBar is one day's bar of the trend chart (geometry in the SVG's user units).
type trendBar struct {
	X, Y, W, H int
	Title      string
}

// trendChart lays out the daily entered files as bars in a 600 × 160 box.
func trendChart(ri *reqInfo, days []store.DayProgress) []trendBar {
	top := 1
	for _, d := range days {
		top = max(top, d.Entered)
	}
	const width, height = 600, 150
	step := width / max(len(days), 1)
	var out []trendBar
	for i, d := range days {
		h := d.Entered * height / top
		x := i * step
		if ri.lang == "ar" {
			x = width - (i+1)*step // right to left: the latest day on the left edge reads last
		}
		out = append(out, trendBar{X: x + 1, Y: height - h, W: step - 2, H: h,
			Title: i18n.T(ri.lang, "backlog_ui.trend_bar", map[string]any{"day": i18n.Digits(d.Day.String(), ri.digits),
				"n": i18n.Int(int64(d.Entered), ri.digits)})})
	}
	return out
}

// progressPage is what backlog_progress.html shows.
type progressPage struct {
	Q     url.Values
	P     *store.Progress
	Govs  []markaz.Governorate
	Bars  []trendBar
	Title string
}

func (s *Server) handleBacklogProgress(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	f, err := progressFilter(r)
	if err != nil {
		return err
	}
	data := progressPage{Q: r.URL.Query()}
	if data.P, err = s.db.BacklogProgress(r.Context(), p, f); err != nil {
		return err
	}
	if data.Govs, err = s.db.Governorates(r.Context()); err != nil {
		return err
	}
	ri := info(r)
	data.Bars = trendChart(ri, data.P.Daily)
	switch {
	case data.P.Campaign != nil:
		data.Title = data.P.Campaign.Name
	case f.Gov != "":
		if i := slices.IndexFunc(data.Govs, func(g markaz.Governorate) bool { return g.Code == f.Gov }); i >= 0 {
			data.Title = pickName(ri.lang, data.Govs[i].NameAr, data.Govs[i].NameEn)
		}
	default:
		data.Title = i18n.T(ri.lang, "backlog_ui.nation", nil)
	}
	s.render(w, r, http.StatusOK, "backlog_progress", "backlog_ui.progress_title", data)
	return nil
}

// campaignFormPage is what backlog_campaign_new.html shows.
type campaignFormPage struct {
	F      url.Values
	Errors map[string]string
	Govs   []centerGov
}

// campaignForm reads a campaign form: the territory select holds a governorate code or
// a district/city code.
func campaignForm(f url.Values) (*backlog.Campaign, error) {
	c := &backlog.Campaign{Name: f.Get("name"), Status: f.Get("status")}
	t := markaz.LatinDigits(strings.TrimSpace(f.Get("territory")))
	if gov, _, ok := strings.Cut(t, "-"); ok {
		c.GovCode, c.UnitCode = gov, t
	} else {
		c.GovCode = t
	}
	var v markaz.Validator
	c.StartsOn = formDate(&v, f, "starts_on")
	c.EndsOn = formDate(&v, f, "ends_on")
	c.SamplePercent = backlog.DefaultSample
	if s := markaz.LatinDigits(strings.TrimSpace(f.Get("sample_percent"))); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Add("sample_percent", "number_format", nil)
		}
		c.SamplePercent = n
	}
	if err := c.Validate(); err != nil {
		v.Merge(err, func(field string) string {
			if field == "governorate" || field == "unit" {
				return "territory"
			}
			return field
		})
	}
	return c, v.Err()
}

// formDate reads an optional YYYY-MM-DD date field (a bad one is a field error).
func formDate(v *markaz.Validator, f url.Values, name string) markaz.Date {
	s := markaz.LatinDigits(strings.TrimSpace(f.Get(name)))
	if s == "" {
		return markaz.Date{}
	}
	d, err := markaz.ParseDate(s)
	if err != nil {
		v.Add(name, "date_format", nil)
	}
	return d
}

func (s *Server) renderCampaignNew(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, f url.Values,
	errs map[string]string) error {
	govs, err := s.centerChoices(r, p.Scope(markaz.PermBacklogManage))
	if err != nil {
		return err
	}
	s.render(w, r, status, "backlog_campaign_new", "backlog_ui.new_campaign", campaignFormPage{F: f, Errors: errs, Govs: govs})
	return nil
}

func (s *Server) handleCampaignNew(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermBacklogManage)
	if err != nil {
		return err
	}
	today := markaz.Today(s.db.Clock)
	f := url.Values{"starts_on": {today.String()}, "ends_on": {today.AddDays(180).String()},
		"sample_percent": {strconv.Itoa(backlog.DefaultSample)}}
	return s.renderCampaignNew(w, r, p, http.StatusOK, f, nil)
}

func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogManage)
	if err != nil {
		return err
	}
	c, err := campaignForm(r.PostForm)
	var out *store.CampaignRow
	if err == nil {
		out, err = s.createCampaign(r, p, c)
	}
	if err != nil {
		fm := territoryMessages(info(r).lang, err)
		if fm == nil {
			return err
		}
		return s.renderCampaignNew(w, r, p, http.StatusUnprocessableEntity, r.PostForm, fm)
	}
	flash(w, "backlog_ui.campaign_created")
	http.Redirect(w, r, "/backlog/campaigns/"+out.ID, http.StatusSeeOther)
	return nil
}

// territoryMessages are the form's field messages, the territory's under one field.
func territoryMessages(lang string, err error) map[string]string {
	fm := fieldMessages(lang, err)
	for _, k := range []string{"governorate", "unit"} {
		if m, ok := fm[k]; ok {
			fm["territory"] = m
		}
	}
	return fm
}

// campaignPage is what backlog_campaign.html shows. Form holds the refused form's name
// ("edit", "estimates", "operator") with its values and messages.
type campaignPage struct {
	C                  *campaignOut
	Imports            []importView
	Progress           *store.Progress
	Awaiting, Mismatch int
	Form               string
	F                  url.Values
	Errors             map[string]string
	Statuses           []centerOption
}

func (s *Server) renderCampaign(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, form string,
	f url.Values, errs map[string]string) error {
	id := r.PathValue("id")
	c, err := s.loadCampaign(r, p, id)
	if err != nil {
		return err
	}
	data := campaignPage{C: c, Form: form, F: f, Errors: errs,
		Statuses: centerOptions(info(r).lang, "backlog_ui.campaign_status.", []string{backlog.CampaignOpen, backlog.CampaignClosed})}
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		list, err := tx.Imports(id, 10)
		for i := range list {
			data.Imports = append(data.Imports, importOut(&list[i]))
		}
		if err != nil {
			return err
		}
		data.Awaiting, data.Mismatch, err = tx.CheckCounts(id)
		return err
	})
	if err != nil {
		return err
	}
	if data.Progress, err = s.db.BacklogProgress(r.Context(), p, store.ProgressFilter{Campaign: id}); err != nil {
		return err
	}
	if form != "edit" {
		data.F = url.Values{"name": {c.Name}, "starts_on": {c.StartsOn.String()}, "ends_on": {c.EndsOn.String()},
			"status": {c.Status}, "sample_percent": {strconv.Itoa(c.SamplePercent)}, "version": {strconv.Itoa(c.Version)}}
		if form != "" {
			for k, v := range f {
				data.F[k] = v
			}
		}
	}
	s.render(w, r, status, "backlog_campaign", "backlog_ui.campaign_title", data)
	return nil
}

func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	return s.renderCampaign(w, r, p, http.StatusOK, "", nil, nil)
}

// campaignFormDone answers a campaign form: back to the campaign with a flash, or the
// page again with the form's messages.
func (s *Server) campaignFormDone(w http.ResponseWriter, r *http.Request, p *markaz.Principal, form string, err error, ok string) error {
	if err == nil {
		flash(w, ok)
		http.Redirect(w, r, "/backlog/campaigns/"+r.PathValue("id"), http.StatusSeeOther)
		return nil
	}
	e := asError(err)
	switch e.Code {
	case markaz.EInvalid:
		return s.renderCampaign(w, r, p, http.StatusUnprocessableEntity, form, r.PostForm, fieldMessages(info(r).lang, err))
	case markaz.EConflict:
		ri := info(r)
		return s.renderCampaign(w, r, p, http.StatusConflict, form, r.PostForm, map[string]string{"form": message(ri.lang, ri.id, e)})
	}
	return err
}

func (s *Server) handleCampaignUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogManage)
	if err != nil {
		return err
	}
	f := r.PostForm
	var v markaz.Validator
	e := store.CampaignEdit{Name: f.Get("name"), Status: f.Get("status"), StartsOn: formDate(&v, f, "starts_on"),
		EndsOn: formDate(&v, f, "ends_on")}
	if n, err := strconv.Atoi(markaz.LatinDigits(strings.TrimSpace(f.Get("sample_percent")))); err == nil {
		e.SamplePercent = n
	} else {
		v.Add("sample_percent", "number_format", nil)
	}
	if n, err := strconv.Atoi(f.Get("version")); err == nil {
		e.Version = &n
	}
	err = v.Err()
	if err == nil {
		_, err = s.updateCampaign(r, p, r.PathValue("id"), e)
	}
	return s.campaignFormDone(w, r, p, "edit", err, "backlog_ui.campaign_saved")
}

func (s *Server) handleCampaignEstimates(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogManage)
	if err != nil {
		return err
	}
	var es []backlog.Estimate
	var v markaz.Validator
	for _, id := range r.PostForm["center"] {
		raw := markaz.LatinDigits(strings.TrimSpace(r.PostForm.Get("est-" + id)))
		n := 0
		if raw != "" {
			var err error
			if n, err = strconv.Atoi(raw); err != nil {
				v.Add("est-"+id, "number_format", nil)
			}
		}
		es = append(es, backlog.Estimate{CenterID: id, Files: n})
	}
	err = v.Err()
	if err == nil {
		err = s.db.Write(r.Context(), func(tx *store.Tx) error { return tx.SetEstimates(p, r.PathValue("id"), es) })
		// Estimate problems come back by position: name them by the center's input.
		if e := asError(err); e.Code == markaz.EInvalid {
			for i := range e.Fields {
				if n, ok := strings.CutPrefix(e.Fields[i].Field, "estimates["); ok {
					if k, err := strconv.Atoi(strings.TrimSuffix(n, "]")); err == nil && k < len(es) {
						e.Fields[i].Field = "est-" + es[k].CenterID
					}
				}
			}
		}
	}
	return s.campaignFormDone(w, r, p, "estimates", err, "backlog_ui.estimates_saved")
}

func (s *Server) handleCampaignAddOperator(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogManage)
	if err != nil {
		return err
	}
	_, err = s.addOperator(r, p, r.PathValue("id"), r.PostForm.Get("username"))
	return s.campaignFormDone(w, r, p, "operator", err, "backlog_ui.operator_added")
}

func (s *Server) handleCampaignRemoveOperator(w http.ResponseWriter, r *http.Request) error {
	if err := s.removeOperator(r); err != nil {
		return err
	}
	flash(w, "backlog_ui.operator_removed")
	http.Redirect(w, r, "/backlog/campaigns/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

// uploadPage is what backlog_upload.html shows.
type uploadPage struct {
	C      *store.CampaignRow
	Errors map[string]string
	MaxMB  int
}

func (s *Server) renderUpload(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, errs map[string]string) error {
	c, err := s.campaignFor(r, p, r.PathValue("id"), store.CanImport)
	if err != nil {
		return err
	}
	s.render(w, r, status, "backlog_upload", "backlog_ui.upload_title", uploadPage{C: c, Errors: errs, MaxMB: MaxImportBytes >> 20})
	return nil
}

func (s *Server) handleUploadForm(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	return s.renderUpload(w, r, p, http.StatusOK, nil)
}

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	im, err := s.upload(w, r, p, r.PathValue("id"))
	if err != nil {
		ri := info(r)
		switch e := asError(err); e.Code {
		case markaz.EInvalid:
			errs := fieldMessages(ri.lang, err)
			if len(errs) == 0 {
				errs = map[string]string{"file": message(ri.lang, ri.id, e)}
			}
			return s.renderUpload(w, r, p, http.StatusUnprocessableEntity, errs)
		case markaz.EConflict:
			return s.renderUpload(w, r, p, http.StatusConflict, map[string]string{"file": message(ri.lang, ri.id, e)})
		}
		return err
	}
	http.Redirect(w, r, "/backlog/imports/"+im.ID, http.StatusSeeOther)
	return nil
}

// rejectedView is one problem of a rejected row as the import page lists it.
type rejectedView struct {
	Line           int
	Column, Reason string
}

// importPage is what backlog_import.html shows.
type importPage struct {
	I        importView
	C        *store.CampaignRow
	Rejected []rejectedView
	More     bool
}

// importPageRows is how many problems the import page lists (the report has them all).
const importPageRows = 50

func (s *Server) handleImportPage(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	im, _, err := s.readImport(r, p)
	if err != nil {
		return err
	}
	data := importPage{I: importOut(im)}
	if err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		data.C, err = tx.Campaign(im.CampaignID)
		return err
	}); err != nil {
		return err
	}
	lang := info(r).lang
	h, _ := backlog.ParseHeader(im.Header())
	err = s.db.EachRejected(r.Context(), im, func(row store.RejectedRow) error {
		for _, p := range row.Problems {
			if len(data.Rejected) == importPageRows {
				data.More = true
				return errCountCap
			}
			data.Rejected = append(data.Rejected, rejectedView{Line: row.Line, Column: importer.ColumnName(h, lang, p.Field),
				Reason: fieldMessage(lang, p)})
		}
		return nil
	})
	if err != nil && err != errCountCap {
		return err
	}
	s.render(w, r, http.StatusOK, "backlog_import", "backlog_ui.import_title", data)
	return nil
}

// entryPage is what backlog_enter.html (and a record's correction form) shows.
type entryPage struct {
	C        *store.CampaignRow
	F        url.Values
	Errors   map[string]string
	Centers  []store.CampaignCenter
	Services []centerOption
	Statuses []centerOption
	Focus    string
	Saved    string
}

// entryChoices fills the pickers: the campaign's centers the principal may key for, the
// services and the statuses.
func (s *Server) entryChoices(r *http.Request, p *markaz.Principal, c *store.CampaignRow, data *entryPage) error {
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		all, err := tx.CampaignCenters(&c.Campaign)
		for _, ce := range all {
			if p.Allowed(markaz.PermBacklogManage, c.Ref()) ||
				p.Allowed(markaz.PermBacklogEnter, markaz.Ref{Gov: c.GovCode, Unit: ce.UnitCode, Center: ce.ID}) {
				data.Centers = append(data.Centers, ce)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	list, _, err := s.db.Services(r.Context(), store.ServiceFilter{})
	if err != nil {
		return err
	}
	lang := info(r).lang
	for _, svc := range list {
		data.Services = append(data.Services, centerOption{Value: svc.Code, Label: pickName(lang, svc.NameAr, svc.NameEn)})
	}
	data.Statuses = centerOptions(lang, "requests_ui.status.", request.Statuses)
	return nil
}

// entryForm reads the entry fields of a form (named as the template's columns).
func entryForm(f url.Values) backlog.Entry { return backlog.EntryOf(entryCells(f)) }

func entryCells(f url.Values) []string {
	cells := make([]string, len(backlog.Columns))
	for i, c := range backlog.Columns {
		cells[i] = f.Get(c)
	}
	return cells
}

func (s *Server) renderEnter(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, f url.Values,
	errs map[string]string) error {
	c, err := s.campaignFor(r, p, r.PathValue("id"), store.CanEnter)
	if err != nil {
		return err
	}
	data := entryPage{C: c, F: f, Errors: errs, Saved: f.Get("saved")}
	if err := s.entryChoices(r, p, c, &data); err != nil {
		return err
	}
	if f.Get("center_code") == "" && len(data.Centers) == 1 {
		f.Set("center_code", data.Centers[0].Code)
	}
	// The cursor starts on the first field in error, else the first one to key.
	data.Focus = "legacy_file_number"
	for _, col := range backlog.Columns {
		if errs[col] != "" {
			data.Focus = col
			break
		}
	}
	if len(errs) == 0 && f.Get("center_code") == "" {
		data.Focus = "center_code"
	}
	s.render(w, r, status, "backlog_enter", "backlog_ui.enter_title", data)
	return nil
}

func (s *Server) handleEnterForm(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermBacklogEnter)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := url.Values{"center_code": {q.Get("center_code")}, "service_code": {q.Get("service_code")},
		"status": {q.Get("status")}, "saved": {q.Get("saved")}}
	return s.renderEnter(w, r, p, http.StatusOK, f, nil)
}

func (s *Server) handleEnter(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogEnter)
	if err != nil {
		return err
	}
	rec, err := s.enterRecord(r, p, r.PathValue("id"), entryForm(r.PostForm))
	if err != nil {
		if fm := fieldMessages(info(r).lang, err); fm != nil {
			return s.renderEnter(w, r, p, http.StatusUnprocessableEntity, r.PostForm, fm)
		}
		return err
	}
	// Save and next: the center, service and status stay for the next file of the pile.
	q := url.Values{"center_code": {rec.CenterCode}, "service_code": {r.PostForm.Get("service_code")},
		"status": {r.PostForm.Get("status")}, "saved": {rec.LegacyFileNumber}}
	http.Redirect(w, r, "/backlog/campaigns/"+rec.CampaignID+"/enter?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// backlogVerifyPage is what backlog_verify.html shows: the next file to key blind.
type backlogVerifyPage struct {
	C        *store.CampaignRow
	R        *store.Record
	F        url.Values
	Errors   map[string]string
	Skip     string
	Services []centerOption
	Statuses []centerOption
}

func (s *Server) renderBacklogVerify(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, campaign, recordID string,
	f url.Values, errs map[string]string) error {
	data := backlogVerifyPage{F: f, Errors: errs, Skip: f.Get("skip")}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		if data.C, _, err = tx.CampaignFor(p, campaign, store.CanEnter); err != nil {
			return err
		}
		if recordID != "" {
			data.R, err = tx.RecordFor(p, recordID)
		} else {
			data.R, err = tx.NextToVerify(p, campaign, strings.Split(data.Skip, ","))
		}
		if markaz.ErrorCode(err) == markaz.ENotFound && recordID == "" {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if data.R != nil {
		data.R.First = nil // blind, whoever reads the page
	}
	ep := entryPage{}
	if err := s.entryChoices(r, p, data.C, &ep); err != nil {
		return err
	}
	data.Services, data.Statuses = ep.Services, ep.Statuses
	s.render(w, r, status, "backlog_verify", "backlog_ui.verify_title", data)
	return nil
}

func (s *Server) handleBacklogVerifyForm(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermBacklogVerify)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := url.Values{"skip": {q.Get("skip")}}
	return s.renderBacklogVerify(w, r, p, http.StatusOK, r.PathValue("id"), "", f, nil)
}

func (s *Server) handleBacklogVerify(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogVerify)
	if err != nil {
		return err
	}
	f := r.PostForm
	b := verifyBody{Second: backlog.Second{ServiceCode: f.Get("service_code"), NationalID: f.Get("national_id"),
		Name: f.Get("name"), Mobile: f.Get("mobile"), SubmittedOn: f.Get("submitted_on"), Status: f.Get("status")}}
	if n, err := strconv.Atoi(f.Get("version")); err == nil {
		b.Version = &n
	}
	campaign := f.Get("campaign")
	out, err := s.verifyRecord(r, p, r.PathValue("id"), b)
	if err != nil {
		ri := info(r)
		switch e := asError(err); e.Code {
		case markaz.EInvalid:
			return s.renderBacklogVerify(w, r, p, http.StatusUnprocessableEntity, campaign, r.PathValue("id"), f, fieldMessages(ri.lang, err))
		case markaz.EConflict:
			flash(w, "backlog_ui.verify_conflict")
			http.Redirect(w, r, "/backlog/campaigns/"+url.PathEscape(campaign)+"/verify", http.StatusSeeOther)
			return nil
		}
		return err
	}
	if out.Matched {
		flash(w, "backlog_ui.verify_matched")
	} else {
		flash(w, "backlog_ui.verify_mismatch")
	}
	http.Redirect(w, r, "/backlog/campaigns/"+out.Record.CampaignID+"/verify?"+url.Values{"skip": {f.Get("skip")}}.Encode(),
		http.StatusSeeOther)
	return nil
}

// recordsPage is what backlog_records.html shows.
type recordsPage struct {
	C        *store.CampaignRow
	Q        url.Values
	Statuses []string
	Checks   []string
	Rows     []store.Record
	NextURL  string
	FirstURL string
}

func (s *Server) handleRecords(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	f, err := recordFilter(r, id)
	if err != nil {
		return err
	}
	data := recordsPage{Q: r.URL.Query(), Statuses: backlog.RecordStatuses, Checks: backlog.Checks}
	if data.C, err = s.campaignFor(r, p, id, nil); err != nil {
		return err
	}
	var next string
	if data.Rows, next, err = s.db.Records(r.Context(), p, f); err != nil {
		return err
	}
	q := r.URL.Query()
	if next != "" {
		q.Set("cursor", encodeCursor(next))
		data.NextURL = "/backlog/campaigns/" + id + "/records?" + q.Encode()
	}
	if f.After != "" {
		q.Del("cursor")
		data.FirstURL = "/backlog/campaigns/" + id + "/records?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "backlog_records", "backlog_ui.records_title", data)
	return nil
}

// keyRow is one field of a record's two keyings, side by side.
type keyRow struct {
	Field         string
	First, Second string
	Differs       bool
	Key           bool // re-keyed blind (a key field)
}

// recordPage is what backlog_record.html shows.
type recordPage struct {
	R         *store.Record
	C         *store.CampaignRow
	A         store.CampaignAccess
	Keys      []keyRow
	CanFix    bool // the author may still correct it
	CanDecide bool
	Entry     entryPage
	Form      string
	F         url.Values
	Errors    map[string]string
	Problems  []string // the refused form's problems, field by field (a decision's fields are radios)
	Conflict  string
}

func (s *Server) renderRecord(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, form string,
	f url.Values, errs map[string]string, conflict string) error {
	data := recordPage{Form: form, F: f, Errors: errs, Conflict: conflict}
	lang := info(r).lang
	for _, col := range backlog.Columns {
		if m, ok := errs[col]; ok {
			data.Problems = append(data.Problems, i18n.T(lang, "backlog_ui.col."+col, nil)+": "+m)
		}
	}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		if data.R, err = tx.RecordFor(p, r.PathValue("id")); err != nil {
			return err
		}
		data.C, data.A, err = tx.CampaignFor(p, data.R.CampaignID, nil)
		return err
	})
	if err != nil {
		return err
	}
	rec := data.R
	data.CanFix = data.A.Member && rec.EnteredBy == p.UserID && rec.Source == backlog.SourceManual &&
		rec.Status == backlog.RecordPending && rec.Check == backlog.CheckAwaiting
	data.CanDecide = data.A.Manage && rec.Check == backlog.CheckMismatch
	if rec.First != nil {
		first := rec.First.Cells()
		var second []string
		if rec.Second != nil {
			sc := rec.Second
			second = backlog.Entry{ServiceCode: sc.ServiceCode, NationalID: sc.NationalID, Name: sc.Name, Mobile: sc.Mobile,
				SubmittedOn: sc.SubmittedOn, Status: sc.Status}.Cells()
		}
		for i, col := range backlog.Columns {
			k := keyRow{Field: col, First: first[i], Key: slices.Contains(backlog.KeyFields, col)}
			if second != nil && k.Key {
				k.Second = second[i]
				k.Differs = slices.Contains(rec.Mismatch, col)
			}
			data.Keys = append(data.Keys, k)
		}
	}
	if data.CanFix || data.CanDecide {
		if err := s.entryChoices(r, p, data.C, &data.Entry); err != nil {
			return err
		}
		data.Entry.C = data.C
		if form == "" && rec.First != nil {
			data.F = url.Values{}
			for i, col := range backlog.Columns {
				data.F.Set(col, rec.First.Cells()[i])
			}
			for _, m := range rec.Mismatch {
				data.F.Set("pick-"+m, "first")
			}
		}
		data.F.Set("version", strconv.Itoa(rec.Version))
		data.Entry.F, data.Entry.Errors = data.F, data.Errors
	}
	s.render(w, r, status, "backlog_record", "backlog_ui.record_title", data)
	return nil
}

func (s *Server) handleRecord(w http.ResponseWriter, r *http.Request) error {
	p, err := needBacklog(r)
	if err != nil {
		return err
	}
	return s.renderRecord(w, r, p, http.StatusOK, "", nil, nil, "")
}

// recordFormDone answers a record form: back to the record with a flash, or the page
// again with the form's messages.
func (s *Server) recordFormDone(w http.ResponseWriter, r *http.Request, p *markaz.Principal, form string, err error, ok string) error {
	ri := info(r)
	switch e := asError(err); {
	case err == nil:
		flash(w, ok)
		http.Redirect(w, r, "/backlog/records/"+r.PathValue("id"), http.StatusSeeOther)
		return nil
	case e.Code == markaz.EInvalid:
		return s.renderRecord(w, r, p, http.StatusUnprocessableEntity, form, r.PostForm, fieldMessages(ri.lang, err), "")
	case e.Code == markaz.EConflict:
		return s.renderRecord(w, r, p, http.StatusConflict, form, r.PostForm, nil, message(ri.lang, ri.id, e))
	}
	return err
}

func (s *Server) handleRecordCorrect(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogEnter)
	if err != nil {
		return err
	}
	var version *int
	if n, err := strconv.Atoi(r.PostForm.Get("version")); err == nil {
		version = &n
	}
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		_, err := tx.CorrectRecord(p, r.PathValue("id"), entryForm(r.PostForm), version)
		return err
	})
	return s.recordFormDone(w, r, p, "correct", err, "backlog_ui.record_corrected")
}

func (s *Server) handleRecordDecide(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermBacklogManage)
	if err != nil {
		return err
	}
	f := r.PostForm
	d := store.Decision{Reject: f.Get("reject")}
	if n, err := strconv.Atoi(f.Get("version")); err == nil {
		d.Version = &n
	}
	if f.Get("do") != "reject" {
		d.Reject = ""
		// Each mismatched key field takes the keying the supervisor picked; the other fields
		// are as the form holds them.
		rec, err := s.recordFor(r, p, r.PathValue("id"))
		if err != nil {
			return err
		}
		e := entryForm(f)
		if rec.Second != nil {
			sc := rec.Second
			second := backlog.Entry{ServiceCode: sc.ServiceCode, NationalID: sc.NationalID, Name: sc.Name,
				Mobile: sc.Mobile, SubmittedOn: sc.SubmittedOn, Status: sc.Status}.Cells()
			cells := e.Cells()
			for i, col := range backlog.Columns {
				if slices.Contains(rec.Mismatch, col) && f.Get("pick-"+col) == "second" {
					cells[i] = second[i]
				}
			}
			e = backlog.EntryOf(cells)
		}
		d.Values = &e
	}
	_, err = s.decideRecord(r, p, r.PathValue("id"), d)
	return s.recordFormDone(w, r, p, "decide", err, "backlog_ui.record_decided")
}
