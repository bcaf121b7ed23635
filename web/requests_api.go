package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"markaz"
	"markaz/nationalid"
	"markaz/request"
	"markaz/store"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 100

// apiRegisterRequest: POST /api/v1/requests. 201 with the new request; 200 with the
// first one when the same user repeats an Idempotency-Key with the same body; 422 on
// field Idempotency-Key when the key was used with another body.
func (s *Server) apiRegisterRequest(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsWrite)
	if err != nil {
		return err
	}
	var reg request.Registration
	if err := decodeJSON(w, r, &reg); err != nil {
		return err
	}
	out, err := s.registerRequest(r, p, &reg, "Idempotency-Key", r.Header.Get("Idempotency-Key"), nil)
	if err != nil {
		return err
	}
	if out.Replay {
		return writeJSON(w, http.StatusOK, out.Detail)
	}
	return writeJSON(w, http.StatusCreated, out.Detail)
}

// apiRequest: GET /api/v1/requests/{tracking_number} → the request with fee lines and history.
func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	var d *store.RequestDetail
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		d, err = tx.Request(p.Scope(markaz.PermRequestsRead), r.PathValue("tracking_number"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// actionBody is the body of POST /api/v1/requests/{tracking_number}/actions. Verify is
// the last four digits of the applicant's national ID (required to deliver).
type actionBody struct {
	Action  string `json:"action"`
	Note    string `json:"note"`
	Version *int   `json:"version"`
	Verify  string `json:"verify"`
}

// act checks an action's input and applies it, for the API and the pages alike.
func (s *Server) act(r *http.Request, p *markaz.Principal, number string, a store.Action) (*store.RequestDetail, error) {
	a.Name, a.Note, a.Verify = strings.TrimSpace(a.Name), strings.TrimSpace(a.Note), strings.TrimSpace(a.Verify)
	if err := request.CheckAction(a.Name, a.Note, a.Verify); err != nil {
		return nil, err
	}
	var d *store.RequestDetail
	err := s.db.Write(r.Context(), func(tx *store.Tx) error {
		var err error
		d, err = tx.Act(p, number, a)
		return err
	})
	return d, err
}

// apiRequestAction: POST /api/v1/requests/{tracking_number}/actions → the request after
// the transition; 409 when the workflow does not allow it now, 403 for the wrong role
// or territory.
func (s *Server) apiRequestAction(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	var b actionBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	d, err := s.act(r, p, r.PathValue("tracking_number"), store.Action{Name: b.Action, Note: b.Note, Version: b.Version, Verify: b.Verify})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// apiApplicant: GET /api/v1/applicants/{national_id} → the name and mobile last used
// with the ID in a request the caller may register in.
func (s *Server) apiApplicant(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsWrite)
	if err != nil {
		return err
	}
	var a *store.Applicant
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		id, _, err := nationalid.Parse(r.PathValue("national_id"), tx.Today())
		if err != nil {
			return err
		}
		a, err = tx.LastApplicant(p.Scope(markaz.PermRequestsWrite), id.Digits)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// requestFilter reads ?center=&governorate=&service=&channel=&status=&overdue=&escalated=&from=&to=&q= and
// the paging parameters. Lists come in queue order: due date, then id; the cursor
// carries both.
func requestFilter(r *http.Request, p *markaz.Principal) (store.RequestFilter, error) {
	q := r.URL.Query()
	f := store.RequestFilter{Scope: p.Scope(markaz.PermRequestsRead), Center: strings.TrimSpace(q.Get("center")),
		Gov: markaz.LatinDigits(strings.TrimSpace(q.Get("governorate"))), Service: strings.ToUpper(strings.TrimSpace(q.Get("service"))),
		Channel: strings.TrimSpace(q.Get("channel")), Status: strings.TrimSpace(q.Get("status")), Query: q.Get("q")}
	var v markaz.Validator
	if f.Center != "" && !markaz.ValidID(f.Center) {
		v.Add("center", "unknown_center", nil)
	}
	if f.Gov != "" && (len(f.Gov) != 2 || digitsOnlyWeb(f.Gov) != f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	if f.Service != "" {
		v.Code("service", f.Service)
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, request.Statuses...)
	}
	if f.Channel != "" {
		v.OneOf("channel", f.Channel, request.Channels...)
	}
	queryFlags(r, &v, map[string]*bool{"overdue": &f.Overdue, "escalated": &f.Escalated})
	queryDates(r, &v, map[string]*markaz.Date{"from": &f.From, "to": &f.To})
	v.Text("q", f.Query, 100, false)
	limit, after, err := pageParams(r)
	if err := v.Merge(err, nil); err != nil {
		return f, err
	}
	f.Limit = limit
	if after != nil {
		due, err := markaz.ParseDate(after[0])
		if err != nil || len(after) != 2 {
			v.Add("cursor", "bad_cursor", nil)
		} else {
			f.After = &store.RequestKey{Due: due, ID: after[1]}
		}
	}
	return f, v.Err()
}

func digitsOnlyWeb(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// apiRequests: GET /api/v1/requests → one page of requests in scope, by due date then id.
func (s *Server) apiRequests(w http.ResponseWriter, r *http.Request) error {
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
	out := page[request.Request]{Items: rows}
	if next != nil {
		out.NextCursor = encodeCursor(next.Due.String(), next.ID)
	}
	return writeJSON(w, http.StatusOK, out)
}

// requestCSVHeader are the export's columns, as the issue lists them.
var requestCSVHeader = []string{"tracking_number", "service_code", "center_code", "governorate_code", "channel",
	"status", "submitted_at", "due_date", "decided_at", "delivered_at", "paused_working_days",
	"fees_due_piasters", "fees_paid_piasters", "payment_method"}

// apiExportRequests: GET /api/v1/requests/export.csv?… streams every request the filter
// selects (paging ignored) as UTF-8 CSV with a BOM; cells that a spreadsheet would read
// as a formula are escaped.
func (s *Server) apiExportRequests(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	f, err := requestFilter(r, p)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	started := false
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	err = s.db.EachRequest(r.Context(), f, func(q *request.Request) error {
		if !started {
			started = true
			startCSV(w)
			if err := cw.Write(requestCSVHeader); err != nil {
				return err
			}
		}
		return cw.Write(csvSafe([]string{q.TrackingNumber, q.ServiceCode, q.CenterCode, q.GovCode, q.Channel, q.Status,
			stamp(&q.SubmittedAt), q.DueDate.String(), stamp(q.DecidedAt), stamp(q.DeliveredAt),
			strconv.Itoa(q.PausedDays), strconv.FormatInt(q.FeesDue, 10), strconv.FormatInt(q.FeesPaid, 10),
			q.PaymentMethod}))
	})
	if err != nil && !started {
		return err
	}
	if err != nil { // headers are gone: the download ends short, and the log says why
		s.log.Error("request export cut short", "err", err)
	}
	if !started {
		startCSV(w)
		cw.Write(requestCSVHeader)
	}
	cw.Flush()
	return cw.Error()
}

// startCSV writes the headers and the UTF-8 byte-order mark of a CSV download.
func startCSV(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="requests.csv"`)
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("\ufeff"))
}

// csvSafe escapes cells starting with = + - @ (or tab / carriage return) with a leading
// apostrophe, so a spreadsheet shows them as text instead of running them as formulas.
func csvSafe(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}
