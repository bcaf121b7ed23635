package web

// Working-day calendar: official holidays per authority (national, of a governorate or of
// a center), weekly rest days per governorate and per center, and the due-date calculator
// every staff member may use. Holders of policy.write edit holidays and rest days in
// their scope: national holidays need a national scope. The store checks the scope,
// audits every change and moves the due dates of the open requests it affects.

import (
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"markaz"
	"markaz/calendar"
	"markaz/i18n"
	"markaz/store"
)

// holidayBody is a new holiday as the API and the add form take it.
type holidayBody struct {
	Date   string `json:"date"`
	NameAr string `json:"name_ar"`
	NameEn string `json:"name_en"`
	Gov    string `json:"governorate"`
	Center string `json:"center"` // a center's id or code: the holiday is that center's
}

// holidayRetireBody optionally says why a holiday is retired.
type holidayRetireBody struct {
	Reason string `json:"reason"`
}

// weeklyRestBody sets a governorate's weekly rest days.
type weeklyRestBody struct {
	WeeklyRest string `json:"weekly_rest"`
}

// dueQuery is a due-date question: from, working days and an optional authority.
type dueQuery struct {
	From, WorkingDays, Gov, Center string
}

// holidayCSVHeader is the header of a holiday import; a fifth column "center" (a
// center's code) may follow.
var holidayCSVHeader = []string{"date", "name_ar", "name_en", "governorate"}

// maxHolidayCSV bounds an import file.
const maxHolidayCSV = 1 << 20

// calendarReader returns the principal when it holds any staff role: 401 anonymous, 403 citizens.
func calendarReader(r *http.Request) (*markaz.Principal, error) {
	p, err := need(r, "")
	if err == nil && !isStaff(p) {
		err = markaz.ErrForbidden
	}
	return p, err
}

// due answers a due-date question through store.DueDate; every bad parameter is a field
// problem of its own.
func (s *Server) due(r *http.Request, q dueQuery) (markaz.Date, error) {
	var v markaz.Validator
	from, n := markaz.Date{}, 0
	if v.Required("from", q.From) {
		var err error
		if from, err = markaz.ParseDate(strings.TrimSpace(q.From)); err != nil {
			v.Add("from", "date_format", nil)
		}
	}
	if v.Required("working_days", q.WorkingDays) {
		var err error
		if n, err = strconv.Atoi(strings.TrimSpace(markaz.LatinDigits(q.WorkingDays))); err != nil {
			v.Add("working_days", "number_format", nil)
		}
	}
	var d markaz.Date
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		gov := strings.TrimSpace(markaz.LatinDigits(q.Gov))
		if v.Has("from") || v.Has("working_days") {
			// Still check the authority, so that every problem is reported at once.
			_, err = tx.CalendarFor(gov, strings.TrimSpace(q.Center))
			return v.Merge(err, nil)
		}
		d, err = tx.DueDate(gov, strings.TrimSpace(q.Center), from, n)
		return err
	})
	if err == nil {
		err = v.Err()
	}
	return d, err
}

// createHoliday adds a holiday as p; a date that does not parse is a problem of "date".
func (s *Server) createHoliday(r *http.Request, p *markaz.Principal, b holidayBody) (*calendar.Holiday, error) {
	h := &calendar.Holiday{NameAr: b.NameAr, NameEn: b.NameEn, GovCode: b.Gov, CenterID: b.Center}
	if strings.TrimSpace(b.Date) != "" {
		d, err := markaz.ParseDate(strings.TrimSpace(b.Date))
		if err != nil {
			var v markaz.Validator
			v.Add("date", "date_format", nil)
			h.Check(&v, markaz.Today(s.db.Clock)) // report the other fields too
			return nil, v.Err()
		}
		h.Date = d
	}
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		return tx.InsertHoliday(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), h)
	})
	return h, err
}

func (s *Server) retireHoliday(r *http.Request, p *markaz.Principal, id, reason string) (*calendar.Holiday, error) {
	var h *calendar.Holiday
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		h, err = tx.RetireHoliday(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), id, reason)
		return err
	})
	return h, err
}

func (s *Server) setWeeklyRest(r *http.Request, p *markaz.Principal, gov, rest string) (*store.GovRest, error) {
	var g *store.GovRest
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		g, err = tx.SetWeeklyRest(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), gov, rest)
		return err
	})
	return g, err
}

// holidayImport is the outcome of an import: what was added and skipped, or the problems.
type holidayImport struct {
	Created  []calendar.Holiday `json:"created"`
	Skipped  int                `json:"skipped"`
	problems []store.RowError
}

// importHolidays reads a CSV file and imports it, all or nothing.
func (s *Server) importHolidays(r *http.Request, p *markaz.Principal, rd io.Reader) (*holidayImport, error) {
	rows, problems, err := readHolidayCSV(rd)
	if err != nil || problems != nil {
		return &holidayImport{problems: problems}, err
	}
	out := &holidayImport{}
	err = s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		out.Created, out.Skipped, out.problems, err = tx.ImportHolidays(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), rows)
		return err
	})
	if out.Created == nil {
		out.Created = []calendar.Holiday{}
	}
	return out, err
}

// readHolidayCSV reads an import file: UTF-8 (a byte-order mark is skipped), the header
// holidayCSVHeader, then one holiday per row. Problems with the file itself are row
// errors on the column "file"; any of them refuses the whole file.
func readHolidayCSV(rd io.Reader) ([]store.HolidayRow, []store.RowError, error) {
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = 0 // the header's count: four columns, or five with center
	cr.TrimLeadingSpace = true
	var rows []store.HolidayRow
	var problems []store.RowError
	fileErr := func(row int, code string, args map[string]any) {
		problems = append(problems, store.RowError{Row: row, FieldError: markaz.FieldError{Field: "file", Code: code, Args: args}})
	}
	header := map[string]any{"columns": strings.Join(holidayCSVHeader, ",")}
	for n := 1; ; n++ {
		rec, err := cr.Read()
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			if len(rows) == 0 && len(problems) == 0 {
				fileErr(1, "csv_empty", nil)
			}
			return rows, problems, nil
		case errors.As(err, &tooBig):
			return nil, nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large"}
		case n == 1 && err != nil:
			fileErr(1, "csv_header", header)
			return rows, problems, nil
		case errors.Is(err, csv.ErrFieldCount):
			fileErr(n, "csv_columns", map[string]any{"columns": cr.FieldsPerRecord})
			continue
		case err != nil:
			fileErr(n, "csv_syntax", nil)
			return rows, problems, nil
		case slices.ContainsFunc(rec, func(s string) bool { return !utf8.ValidString(s) }):
			fileErr(n, "csv_encoding", nil)
			continue
		}
		if n == 1 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			for i := range rec {
				rec[i] = strings.ToLower(strings.TrimSpace(rec[i]))
			}
			if !slices.Equal(rec, holidayCSVHeader) && !slices.Equal(rec, append(slices.Clone(holidayCSVHeader), "center")) {
				fileErr(1, "csv_header", header)
				return rows, problems, nil
			}
			continue
		}
		if len(rows) == store.MaxImportRows {
			fileErr(n, "too_many_rows", map[string]any{"max": store.MaxImportRows})
			return rows, problems, nil
		}
		row := store.HolidayRow{Row: n, Date: rec[0], NameAr: rec[1], NameEn: rec[2], Gov: rec[3]}
		if len(rec) > len(holidayCSVHeader) {
			row.Center = strings.TrimSpace(rec[4])
		}
		rows = append(rows, row)
	}
}

// holidayFilter reads ?year=&governorate=&center=&include_retired=&cursor=&limit=; the
// year defaults to the current one; center is a center's id or code.
func (s *Server) holidayFilter(r *http.Request) (store.HolidayFilter, error) {
	limit, after, err := pageParams(r)
	if err != nil {
		return store.HolidayFilter{}, err
	}
	q := r.URL.Query()
	today := markaz.Today(s.db.Clock)
	f := store.HolidayFilter{Gov: strings.TrimSpace(markaz.LatinDigits(q.Get("governorate"))), Limit: limit}
	var v markaz.Validator
	if f.Year, err = queryInt(r, "year", today.Y); err != nil {
		v.Add("year", "number_format", nil)
	} else if f.Year < markaz.ProgrammeStart.Y || f.Year > today.Y+calendar.HolidayHorizon {
		v.Add("year", "out_of_range", nil)
	}
	if f.Gov != "" {
		if _, err := s.db.Governorate(r.Context(), f.Gov); err != nil {
			if markaz.ErrorCode(err) != markaz.ENotFound {
				return f, err
			}
			v.Add("governorate", "unknown_governorate", nil)
		}
	}
	if c := strings.TrimSpace(q.Get("center")); c != "" {
		row, err := s.db.Center(r.Context(), markaz.Scope{All: true}, c)
		switch {
		case markaz.ErrorCode(err) == markaz.ENotFound:
			v.Add("center", "unknown_center", nil)
		case err != nil:
			return f, err
		default:
			f.Center = row.ID
		}
	}
	if raw := q.Get("include_retired"); raw != "" {
		if f.WithRetired, err = strconv.ParseBool(raw); err != nil {
			v.Add("include_retired", "bool_format", nil)
		}
	}
	if after != nil {
		d, err := markaz.ParseDate(after[0])
		if err != nil || len(after) != 2 || !markaz.ValidID(after[1]) {
			v.Add("cursor", "bad_cursor", nil)
		} else {
			f.AfterDate, f.AfterID = d, after[1]
		}
	}
	return f, v.Err()
}

// listHolidays returns a page of holidays and the cursor of the next one.
func (s *Server) listHolidays(r *http.Request, f store.HolidayFilter) ([]calendar.Holiday, string, error) {
	var hs []calendar.Holiday
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		hs, err = tx.ListHolidays(f)
		return err
	})
	next := ""
	if err == nil && len(hs) == f.Limit {
		last := hs[len(hs)-1]
		next = encodeCursor(last.Date.String(), last.ID)
	}
	return hs, next, err
}

func (s *Server) governorateRests(r *http.Request) ([]store.GovRest, error) {
	var govs []store.GovRest
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		govs, err = tx.GovernorateRests()
		return err
	})
	return govs, err
}

// -- API --

// apiDue: GET /api/v1/calendar/due?from=&working_days=&governorate=&center= → {"due"}.
func (s *Server) apiDue(w http.ResponseWriter, r *http.Request) error {
	if _, err := calendarReader(r); err != nil {
		return err
	}
	q := r.URL.Query()
	d, err := s.due(r, dueQuery{From: q.Get("from"), WorkingDays: q.Get("working_days"), Gov: q.Get("governorate"), Center: q.Get("center")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]markaz.Date{"due": d})
}

// apiHolidays: GET /api/v1/calendar/holidays?year=&governorate=&include_retired=&cursor=&limit=.
func (s *Server) apiHolidays(w http.ResponseWriter, r *http.Request) error {
	if _, err := calendarReader(r); err != nil {
		return err
	}
	f, err := s.holidayFilter(r)
	if err != nil {
		return err
	}
	hs, next, err := s.listHolidays(r, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[calendar.Holiday]{Items: hs, NextCursor: next})
}

// apiCreateHoliday: POST /api/v1/calendar/holidays {date, name_ar, name_en, governorate} → 201.
func (s *Server) apiCreateHoliday(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPolicyWrite, http.StatusCreated, func(p *markaz.Principal, b holidayBody) (any, error) {
		return s.createHoliday(r, p, b)
	})
}

// apiRetireHoliday: POST /api/v1/calendar/holidays/{id}/retire [{reason}].
func (s *Server) apiRetireHoliday(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPolicyWrite)
	if err != nil {
		return err
	}
	var b holidayRetireBody
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &b); err != nil {
			return err
		}
	}
	h, err := s.retireHoliday(r, p, r.PathValue("id"), b.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h)
}

// apiImportHolidays: POST /api/v1/calendar/holidays/import (text/csv) → 201 with what was
// added and skipped, or 422 with a problem per bad row (nothing imported).
func (s *Server) apiImportHolidays(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPolicyWrite)
	if err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return &markaz.Error{Code: markaz.EInvalid, Key: "calendar.import.want_csv",
			Fields: []markaz.FieldError{{Field: "file", Code: "csv_type"}}}
	}
	out, err := s.importHolidays(r, p, http.MaxBytesReader(w, r.Body, maxHolidayCSV))
	if err != nil {
		return err
	}
	if out.problems != nil {
		return s.writeRowProblems(w, r, out.problems)
	}
	return writeJSON(w, http.StatusCreated, out)
}

// apiGovernorateRests: GET /api/v1/calendar/governorates → every governorate's rest days.
func (s *Server) apiGovernorateRests(w http.ResponseWriter, r *http.Request) error {
	if _, err := calendarReader(r); err != nil {
		return err
	}
	govs, err := s.governorateRests(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.GovRest]{Items: govs})
}

// apiSetWeeklyRest: PUT /api/v1/calendar/governorates/{code}/weekly-rest {weekly_rest}.
func (s *Server) apiSetWeeklyRest(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPolicyWrite, http.StatusOK, func(p *markaz.Principal, b weeklyRestBody) (any, error) {
		return s.setWeeklyRest(r, p, r.PathValue("code"), b.WeeklyRest)
	})
}

// -- UI --

// calendarPage is what calendar.html shows. Form names the form that failed ("add",
// "import", "due" or "rest-<code>"); Values and Errors belong to it.
type calendarPage struct {
	Year       int
	Gov        string
	Holidays   []holidayRow
	Next       string
	Govs       []govRestRow
	GovOptions []territoryOption
	CanWrite   bool
	National   bool // may add national holidays
	Form       string
	Values     map[string]string
	Errors     map[string]string
	Problems   []rowProblem
	Imported   string
	Due        markaz.Date
	DueValues  map[string]string
	DueErrors  map[string]string
	Columns    []string
}

// holidayRow is one holiday of the list, with its authority's name and whether the
// reader may retire it.
type holidayRow struct {
	calendar.Holiday
	Authority string
	Editable  bool
}

// govRestRow is one governorate of the weekly-rest table with a checkbox per day.
type govRestRow struct {
	store.GovRest
	Name     string
	Days     []restDay
	Editable bool
}

type restDay struct {
	Code, Label string
	Rest        bool
}

// handleCalendar: GET /calendar[?year=&governorate=&from=&working_days=&due_governorate=].
// The due-date calculator is a read, so its form is a GET on this page.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) error {
	p, err := calendarReader(r)
	if err != nil {
		return err
	}
	pg := calendarPage{}
	q := r.URL.Query()
	if q.Has("from") || q.Has("working_days") {
		pg.DueValues = map[string]string{"from": q.Get("from"), "working_days": q.Get("working_days"), "due_governorate": q.Get("due_governorate")}
		pg.Due, err = s.due(r, dueQuery{From: q.Get("from"), WorkingDays: q.Get("working_days"), Gov: q.Get("due_governorate")})
		if pg.DueErrors = fieldMessages(info(r).lang, err); pg.DueErrors == nil && err != nil {
			return err
		}
		if g := pg.DueErrors["governorate"]; g != "" {
			pg.DueErrors["due_governorate"] = g
		}
	}
	if q.Get("done") != "" {
		if key := "calendar.done." + q.Get("done"); i18n.Has(key) {
			pg.Imported = i18n.T(info(r).lang, key, nil)
		}
	}
	return s.renderCalendar(w, r, p, http.StatusOK, pg)
}

// renderCalendar fills the lists of the page and renders it.
func (s *Server) renderCalendar(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, pg calendarPage) error {
	f, err := s.holidayFilter(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("limit") == "" {
		f.Limit = 200
	}
	lang, scope := info(r).lang, p.Scope(markaz.PermPolicyWrite)
	pg.Year, pg.Gov, pg.Columns = f.Year, f.Gov, holidayCSVHeader
	pg.CanWrite, pg.National = !scope.Empty(), scope.All
	govs, err := s.governorateRests(r)
	if err != nil {
		return err
	}
	names := map[string]string{"": i18n.T(lang, "calendar.national", nil)}
	for _, g := range govs {
		name := g.NameAr
		if lang == "en" {
			name = g.NameEn
		}
		names[g.Code] = name
		pg.GovOptions = append(pg.GovOptions, territoryOption{g.Code, name})
		row := govRestRow{GovRest: g, Name: name, Editable: scope.ContainsGov(g.Code)}
		for _, d := range markaz.Weekdays {
			row.Days = append(row.Days, restDay{d, i18n.T(lang, "centers.day."+d, nil), slices.Contains(strings.Split(g.WeeklyRest, ","), d)})
		}
		pg.Govs = append(pg.Govs, row)
	}
	hs, next, err := s.listHolidays(r, f)
	if err != nil {
		return err
	}
	for _, h := range hs {
		editable := h.RetiredAt == nil && (h.GovCode == "" && scope.All || h.GovCode != "" && scope.Contains(h.Ref()))
		who := names[h.GovCode]
		if h.CenterID != "" {
			c, err := s.db.Center(r.Context(), markaz.Scope{All: true}, h.CenterID)
			if err != nil {
				return err
			}
			who = i18n.T(lang, "calendar.center.holiday_of", map[string]any{"center": pickName(lang, c.NameAr, c.NameEn)})
		}
		pg.Holidays = append(pg.Holidays, holidayRow{Holiday: h, Authority: who, Editable: editable})
	}
	if next != "" {
		v := url.Values{"year": {strconv.Itoa(f.Year)}, "cursor": {next}}
		if f.Gov != "" {
			v.Set("governorate", f.Gov)
		}
		pg.Next = "/calendar?" + v.Encode()
	}
	s.render(w, r, status, "calendar", "calendar.title", pg)
	return nil
}

// calendarDone sends the browser back to the year and governorate (or the center's
// calendar) it was looking at.
func calendarDone(w http.ResponseWriter, r *http.Request, done string, year int) {
	v := url.Values{"done": {done}}
	if year > 0 {
		v.Set("year", strconv.Itoa(year))
	}
	if c := r.PostForm.Get("filter_center"); c != "" {
		http.Redirect(w, r, "/calendar/centers/"+url.PathEscape(c)+"?"+v.Encode(), http.StatusSeeOther)
		return
	}
	if g := r.PostForm.Get("filter_governorate"); g != "" {
		v.Set("governorate", g)
	}
	http.Redirect(w, r, "/calendar?"+v.Encode(), http.StatusSeeOther)
}

// calendarForm reads a calendar form as a holder of policy.write.
func calendarForm(r *http.Request) (*markaz.Principal, error) {
	p, err := need(r, markaz.PermPolicyWrite)
	if err != nil {
		return nil, err
	}
	if err := r.ParseForm(); err != nil {
		return nil, &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	return p, nil
}

// calendarFormFailed re-renders the page with the failed form's values and messages, or
// returns err when it is not a validation problem.
func (s *Server) calendarFormFailed(w http.ResponseWriter, r *http.Request, p *markaz.Principal, form string, err error) error {
	fm := fieldMessages(info(r).lang, err)
	if fm == nil {
		return err
	}
	vals := map[string]string{}
	for k := range r.PostForm {
		vals[k] = r.PostForm.Get(k)
	}
	if c := r.PostForm.Get("filter_center"); c != "" {
		r.SetPathValue("id", c)
		r.URL.RawQuery = url.Values{"year": {r.PostForm.Get("filter_year")}}.Encode()
		return s.renderCenterCalendar(w, r, p, http.StatusUnprocessableEntity, centerCalendarPage{Form: form, Values: vals, Errors: fm})
	}
	r.URL.RawQuery = url.Values{"year": {r.PostForm.Get("filter_year")}, "governorate": {r.PostForm.Get("filter_governorate")}}.Encode()
	return s.renderCalendar(w, r, p, http.StatusUnprocessableEntity, calendarPage{Form: form, Values: vals, Errors: fm})
}

// handleAddHoliday: POST /calendar/holidays.
func (s *Server) handleAddHoliday(w http.ResponseWriter, r *http.Request) error {
	p, err := calendarForm(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	h, err := s.createHoliday(r, p, holidayBody{Date: f.Get("date"), NameAr: f.Get("name_ar"), NameEn: f.Get("name_en"),
		Gov: f.Get("governorate"), Center: f.Get("filter_center")})
	if err != nil {
		return s.calendarFormFailed(w, r, p, "add", err)
	}
	calendarDone(w, r, "added", h.Date.Y)
	return nil
}

// handleRetireHoliday: POST /calendar/holidays/{id}/retire.
func (s *Server) handleRetireHoliday(w http.ResponseWriter, r *http.Request) error {
	p, err := calendarForm(r)
	if err != nil {
		return err
	}
	h, err := s.retireHoliday(r, p, r.PathValue("id"), r.PostForm.Get("reason"))
	if err != nil {
		return err
	}
	calendarDone(w, r, "retired", h.Date.Y)
	return nil
}

// handleSetWeeklyRest: POST /calendar/governorates/{code}/weekly-rest (one checkbox per day).
func (s *Server) handleSetWeeklyRest(w http.ResponseWriter, r *http.Request) error {
	p, err := calendarForm(r)
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	if _, err := s.setWeeklyRest(r, p, code, strings.Join(r.PostForm["weekly_rest"], ",")); err != nil {
		return s.calendarFormFailed(w, r, p, "rest-"+code, err)
	}
	year, _ := strconv.Atoi(r.PostForm.Get("filter_year"))
	calendarDone(w, r, "rest", year)
	return nil
}

// handleImportHolidays: POST /calendar/holidays/import (multipart, field "file").
func (s *Server) handleImportHolidays(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPolicyWrite)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxHolidayCSV+64<<10)
	file, _, err := r.FormFile("file")
	var tooBig *http.MaxBytesError
	var out *holidayImport
	switch {
	case errors.As(err, &tooBig):
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large"}
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		out = &holidayImport{problems: []store.RowError{{FieldError: markaz.FieldError{Field: "file", Code: "required"}}}}
	case err != nil:
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid", Err: err}
	default:
		defer file.Close()
		if out, err = s.importHolidays(r, p, file); err != nil {
			return err
		}
	}
	ri := info(r)
	if out.problems != nil {
		return s.renderCalendar(w, r, p, http.StatusUnprocessableEntity, calendarPage{Form: "import", Problems: rowProblems(ri.lang, out.problems)})
	}
	msg := i18n.T(ri.lang, "calendar.import.done", map[string]any{"created": i18n.Int(int64(len(out.Created)), ri.digits),
		"skipped": i18n.Int(int64(out.Skipped), ri.digits)})
	return s.renderCalendar(w, r, p, http.StatusOK, calendarPage{Imported: msg})
}

// -- A center's calendar --

// centerCalendarPage is what calendar_center.html shows: the center, its rest days (its
// own or its governorate's) and the holidays in force there in Year.
type centerCalendarPage struct {
	C        *store.CenterRow
	Year     int
	Inherits bool
	Days     []restDay
	Holidays []holidayRow
	CanWrite bool
	Done     string
	Form     string
	Values   map[string]string
	Errors   map[string]string
}

// handleCalendarCenterPick: GET /calendar/center?center=CODE → that center's calendar.
func (s *Server) handleCalendarCenterPick(w http.ResponseWriter, r *http.Request) error {
	if _, err := calendarReader(r); err != nil {
		return err
	}
	c := strings.TrimSpace(r.URL.Query().Get("center"))
	if c == "" {
		http.Redirect(w, r, "/calendar", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/calendar/centers/"+url.PathEscape(c), http.StatusSeeOther)
	return nil
}

// handleCenterCalendar: GET /calendar/centers/{id}[?year=] (id or code).
func (s *Server) handleCenterCalendar(w http.ResponseWriter, r *http.Request) error {
	p, err := calendarReader(r)
	if err != nil {
		return err
	}
	pg := centerCalendarPage{}
	if key := "calendar.done." + r.URL.Query().Get("done"); r.URL.Query().Get("done") != "" && i18n.Has(key) {
		pg.Done = i18n.T(info(r).lang, key, nil)
	}
	return s.renderCenterCalendar(w, r, p, http.StatusOK, pg)
}

func (s *Server) renderCenterCalendar(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, pg centerCalendarPage) error {
	c, err := s.db.Center(r.Context(), p.Scope(markaz.PermCentersRead), r.PathValue("id"))
	if err != nil {
		return err
	}
	r.URL.RawQuery = url.Values{"year": {r.URL.Query().Get("year")}, "center": {c.ID}}.Encode()
	f, err := s.holidayFilter(r)
	if err != nil {
		return err
	}
	f.Limit = 200
	lang, scope := info(r).lang, p.Scope(markaz.PermPolicyWrite)
	pg.C, pg.Year, pg.CanWrite = c, f.Year, c.RetiredOn.IsZero() && scope.Contains(c.Ref())
	rest := c.WeeklyRest
	if pg.Inherits = rest == ""; pg.Inherits {
		rest = c.GovRest
	}
	for _, d := range markaz.Weekdays {
		pg.Days = append(pg.Days, restDay{d, i18n.T(lang, "centers.day."+d, nil), slices.Contains(strings.Split(rest, ","), d)})
	}
	hs, _, err := s.listHolidays(r, f)
	if err != nil {
		return err
	}
	for _, h := range hs {
		who := i18n.T(lang, "calendar.national", nil)
		switch {
		case h.CenterID != "":
			who = pickName(lang, c.NameAr, c.NameEn)
		case h.GovCode != "":
			who = pickName(lang, c.GovNameAr, c.GovNameEn)
		}
		pg.Holidays = append(pg.Holidays, holidayRow{Holiday: h, Authority: who, Editable: pg.CanWrite && h.CenterID == c.ID})
	}
	s.render(w, r, status, "calendar_center", "calendar.center.title", pg)
	return nil
}

func (s *Server) setCenterRest(r *http.Request, p *markaz.Principal, id, rest string) (*store.CenterRest, error) {
	var out *store.CenterRest
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		out, err = tx.SetCenterWeeklyRest(store.ActorOf(p), p.Scope(markaz.PermPolicyWrite), id, rest)
		return err
	})
	return out, err
}

// handleSetCenterRest: POST /calendar/centers/{id}/weekly-rest (a checkbox per day, or
// inherit to keep the governorate's).
func (s *Server) handleSetCenterRest(w http.ResponseWriter, r *http.Request) error {
	p, err := calendarForm(r)
	if err != nil {
		return err
	}
	rest := strings.Join(r.PostForm["weekly_rest"], ",")
	if r.PostForm.Get("inherit") != "" {
		rest = ""
	}
	out, err := s.setCenterRest(r, p, r.PathValue("id"), rest)
	if err != nil {
		r.PostForm.Set("filter_center", r.PathValue("id"))
		return s.calendarFormFailed(w, r, p, "rest", err)
	}
	r.PostForm.Set("filter_center", out.CenterID)
	year, _ := strconv.Atoi(r.PostForm.Get("filter_year"))
	calendarDone(w, r, "rest", year)
	return nil
}

// apiCenterCalendar: GET /api/v1/calendar/centers/{id} → its rest days, own and in force.
func (s *Server) apiCenterCalendar(w http.ResponseWriter, r *http.Request) error {
	p, err := calendarReader(r)
	if err != nil {
		return err
	}
	c, err := s.db.Center(r.Context(), p.Scope(markaz.PermCentersRead), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := store.CenterRest{CenterID: c.ID, Own: c.WeeklyRest, InForce: c.WeeklyRest}
	if out.InForce == "" {
		out.InForce = c.GovRest
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiSetCenterRest: PUT /api/v1/calendar/centers/{id}/weekly-rest {weekly_rest} ("" keeps
// the governorate's).
func (s *Server) apiSetCenterRest(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPolicyWrite, http.StatusOK, func(p *markaz.Principal, b weeklyRestBody) (any, error) {
		return s.setCenterRest(r, p, r.PathValue("id"), b.WeeklyRest)
	})
}
