package web

// Periodic reports: definitions (who gets which report of which territory, how often),
// the reader's inbox and the archive, and the report files, as JSON and as pages. The
// store decides scope: definitions by reports.manage, archive, inbox and files by
// reports.read over the report's territory.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"markaz"
	"markaz/i18n"
	"markaz/kpi"
	"markaz/report"
	"markaz/store"
)

func init() {
	fileOwners[store.ReportKind] = func(tx *store.Tx, p *markaz.Principal, id string) error {
		return tx.CheckReportAccess(p, id)
	}
}

// definitionInput is a definition as the API and the form send it.
type definitionInput struct {
	Level     string   `json:"level"`
	Code      string   `json:"code"`
	Frequency string   `json:"frequency"`
	Lang      string   `json:"lang"`
	Formats   []string `json:"formats"`
	Roles     []string `json:"recipient_roles"`
	Users     []string `json:"recipient_users"`
	Version   int      `json:"version"`
}

func (in definitionInput) definition() *report.Definition {
	return &report.Definition{Level: in.Level, Code: in.Code, Frequency: in.Frequency, Lang: in.Lang,
		Formats: in.Formats, Roles: in.Roles, Users: in.Users}
}

func (s *Server) apiReportDefinitions(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, holding(markaz.PermReportsManage), http.StatusOK, func(p *markaz.Principal) (map[string]any, error) {
		ds, err := s.db.ReportDefinitions(r.Context(), p)
		return map[string]any{"items": ds}, err
	})
}

func (s *Server) apiCreateReportDefinition(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermReportsManage, http.StatusCreated,
		func(p *markaz.Principal, in definitionInput) (*report.Definition, error) {
			d := in.definition()
			return d, s.db.Write(r.Context(), func(tx *store.Tx) error { return tx.CreateReportDefinition(p, d) })
		})
}

func (s *Server) apiReportDefinition(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, holding(markaz.PermReportsManage), http.StatusOK, func(p *markaz.Principal) (*report.Definition, error) {
		page, err := s.definitionPage(r, p, r.PathValue("id"))
		return page.Def, err
	})
}

func (s *Server) apiUpdateReportDefinition(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermReportsManage, http.StatusOK,
		func(p *markaz.Principal, in definitionInput) (*report.Definition, error) {
			d := in.definition()
			return d, s.db.Write(r.Context(), func(tx *store.Tx) error {
				return tx.UpdateReportDefinition(p, r.PathValue("id"), in.Version, d)
			})
		})
}

func (s *Server) apiRetireReportDefinition(w http.ResponseWriter, r *http.Request) error {
	return answer(w, r, holding(markaz.PermReportsManage), http.StatusOK, func(p *markaz.Principal) (*report.Definition, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*report.Definition, error) {
			return tx.RetireReportDefinition(p, r.PathValue("id"))
		})
	})
}

// generation is GenerateReportNow's answer.
type generation struct {
	Period  string `json:"period"`
	Outcome string `json:"outcome"` // queued, already_queued or archived
}

// generateNow runs GenerateReportNow for the definition in the path.
func (s *Server) generateNow(r *http.Request, p *markaz.Principal) (generation, error) {
	return inWrite(r, s.db, func(tx *store.Tx) (generation, error) {
		period, outcome, err := tx.GenerateReportNow(p, r.PathValue("id"))
		return generation{Period: period, Outcome: outcome}, err
	})
}

// apiGenerateReport: POST /api/v1/reports/definitions/{id}/generate → 202 with the period
// queued (or already queued), 200 when its report is already archived.
func (s *Server) apiGenerateReport(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsManage)
	if err != nil {
		return err
	}
	g, err := s.generateNow(r, p)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if g.Outcome == store.ReportArchived {
		status = http.StatusOK
	}
	return writeJSON(w, status, g)
}

func (s *Server) apiReportArchive(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsRead)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	rs, next, err := s.db.ReportArchive(r.Context(), p, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": rs, "next_cursor": next})
}

func (s *Server) apiReportInbox(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsRead)
	if err != nil {
		return err
	}
	rs, err := s.db.ReportInbox(r.Context(), p)
	if err != nil {
		return err
	}
	unread := 0
	for _, x := range rs {
		if x.ReadAt == nil {
			unread++
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": rs, "unread": unread})
}

// handleReportFile serves a report's file (pdf or xlsx) to a reader of its territory and
// marks the reader's delivery read.
func (s *Server) handleReportFile(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsRead)
	if err != nil {
		return err
	}
	fi, data, err := s.db.OpenReportFile(r.Context(), p, r.PathValue("id"), r.PathValue("format"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", fi.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename=\""+fi.Name+"\"")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}

// reportsPage is what reports.html (definitions) and report_definition.html show.
type reportsPage struct {
	Definitions []report.Definition
	Def         *report.Definition
	F           url.Values
	Errors      map[string]string
	Levels      []centerOption
	Frequencies []centerOption
	Langs       []centerOption
	Formats     []string
	Roles       []centerOption
}

func (s *Server) reportsForm(lang string, data *reportsPage) {
	for _, l := range kpi.Levels {
		data.Levels = append(data.Levels, centerOption{Value: l, Label: i18n.T(lang, "report.level."+l, nil)})
	}
	for _, f := range report.Frequencies {
		data.Frequencies = append(data.Frequencies, centerOption{Value: f, Label: i18n.T(lang, "report.freq."+f, nil)})
	}
	for _, l := range []string{"ar", "en"} {
		data.Langs = append(data.Langs, centerOption{Value: l, Label: i18n.T(lang, "reports.lang."+l, nil)})
	}
	data.Formats = report.Formats
	for _, k := range report.Recipients {
		data.Roles = append(data.Roles, centerOption{Value: k, Label: i18n.T(lang, "report.recipient."+k, nil)})
	}
}

func formDefinition(f url.Values) *report.Definition {
	return &report.Definition{Level: f.Get("level"), Code: f.Get("code"), Frequency: f.Get("frequency"),
		Lang: f.Get("lang"), Formats: f["formats"], Roles: f["recipient_roles"], Users: []string{f.Get("recipient_users")}}
}

func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsManage)
	if err != nil {
		return err
	}
	data, err := s.definitionsPage(r, p)
	if err != nil {
		return err
	}
	data.F = url.Values{"frequency": {report.Monthly}, "lang": {"ar"}, "formats": {report.PDF}}
	s.reportsForm(info(r).lang, data)
	s.render(w, r, http.StatusOK, "reports", "reports.definitions.title", data)
	return nil
}

func (s *Server) handleReportDefinitionCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermReportsManage)
	if err != nil {
		return err
	}
	d := formDefinition(r.PostForm)
	return s.saveDefinition(w, r, func(tx *store.Tx) error { return tx.CreateReportDefinition(p, d) },
		"reports", "reports.definitions.title", func() (*reportsPage, error) { return s.definitionsPage(r, p) },
		func() string { return d.ID })
}

// definitionsPage is the reports page: the definitions p manages.
func (s *Server) definitionsPage(r *http.Request, p *markaz.Principal) (*reportsPage, error) {
	ds, err := s.db.ReportDefinitions(r.Context(), p)
	return &reportsPage{Definitions: ds}, err
}

// definitionPage is a definition's own page (404, 403 as store.ReportDefinition).
func (s *Server) definitionPage(r *http.Request, p *markaz.Principal, id string) (*reportsPage, error) {
	d, err := inRead(r, s.db, func(tx *store.Tx) (*report.Definition, error) { return tx.ReportDefinition(p, id) })
	return &reportsPage{Def: d}, err
}

// saveDefinition runs a definition form's write. Field errors show the form again as sent,
// on page (what again gives, with the form and its errors), with 422; success flashes and
// goes to the definition whose id next gives.
func (s *Server) saveDefinition(w http.ResponseWriter, r *http.Request, write func(*store.Tx) error, page, title string,
	again func() (*reportsPage, error), next func() string) error {
	err := s.db.Write(r.Context(), write)
	if fields := fieldMessages(info(r).lang, err); fields != nil {
		data, aerr := again()
		if aerr != nil {
			return aerr
		}
		data.F, data.Errors = r.PostForm, fields
		s.reportsForm(info(r).lang, data)
		s.render(w, r, http.StatusUnprocessableEntity, page, title, data)
		return nil
	}
	if err != nil {
		return err
	}
	flash(w, "reports.definitions.saved")
	http.Redirect(w, r, "/reports/definitions/"+next(), http.StatusSeeOther)
	return nil
}

func definitionForm(d *report.Definition) url.Values {
	return url.Values{"level": {d.Level}, "code": {d.Code}, "frequency": {d.Frequency}, "lang": {d.Lang},
		"formats": d.Formats, "recipient_roles": d.Roles, "recipient_users": {strings.Join(d.Users, ", ")},
		"version": {strconv.Itoa(d.Version)}}
}

func (s *Server) handleReportDefinition(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsManage)
	if err != nil {
		return err
	}
	data, err := s.definitionPage(r, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	data.F = definitionForm(data.Def)
	s.reportsForm(info(r).lang, data)
	s.render(w, r, http.StatusOK, "report_definition", "reports.definitions.edit", data)
	return nil
}

func (s *Server) handleReportDefinitionUpdate(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermReportsManage)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	d := formDefinition(r.PostForm)
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	return s.saveDefinition(w, r, func(tx *store.Tx) error { return tx.UpdateReportDefinition(p, id, version, d) },
		"report_definition", "reports.definitions.edit", func() (*reportsPage, error) { return s.definitionPage(r, p, id) },
		func() string { return id })
}

// handleReportGenerate is the definition page's "generate now" button.
func (s *Server) handleReportGenerate(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermReportsManage)
	if err != nil {
		return err
	}
	g, err := s.generateNow(r, p)
	if err != nil {
		return err
	}
	flash(w, "reports.generate."+g.Outcome)
	http.Redirect(w, r, "/reports/definitions/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}

func (s *Server) handleReportDefinitionRetire(w http.ResponseWriter, r *http.Request) error {
	p, err := needForm(r, markaz.PermReportsManage)
	if err != nil {
		return err
	}
	if err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		_, err := tx.RetireReportDefinition(p, r.PathValue("id"))
		return err
	}); err != nil {
		return err
	}
	flash(w, "reports.definitions.stopped")
	http.Redirect(w, r, "/reports", http.StatusSeeOther)
	return nil
}

// reportListPage is what reports_inbox.html and reports_archive.html show.
type reportListPage struct {
	Reports []store.ArchivedReport
	Unread  int
	NextURL string
}

func (s *Server) handleReportInbox(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsRead)
	if err != nil {
		return err
	}
	rs, err := s.db.ReportInbox(r.Context(), p)
	if err != nil {
		return err
	}
	data := reportListPage{Reports: rs}
	for _, x := range rs {
		if x.ReadAt == nil {
			data.Unread++
		}
	}
	s.render(w, r, http.StatusOK, "reports_inbox", "reports.inbox.title", data)
	return nil
}

func (s *Server) handleReportArchive(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermReportsRead)
	if err != nil {
		return err
	}
	rs, next, err := s.db.ReportArchive(r.Context(), p, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		return err
	}
	data := reportListPage{Reports: rs}
	if next != "" {
		data.NextURL = "/reports/archive?cursor=" + url.QueryEscape(next)
	}
	s.render(w, r, http.StatusOK, "reports_archive", "reports.archive.title", data)
	return nil
}

// Checked reports whether the form's field holds v (a checkbox to tick).
func (p *reportsPage) Checked(field, v string) bool {
	for _, x := range p.F[field] {
		if x == v {
			return true
		}
	}
	return false
}
