package web

// Handing over the result at the front office: the clerk finds a request that is ready
// (by tracking number, national ID or mobile), checks the applicant against the last four
// digits of the national ID on the card, writes who received it, and records the delivery
// in one step through the workflow's deliver action (Server.act, as the API does). The
// delivery receipt prints who received what, when, from whom.

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"markaz"
	"markaz/request"
	"markaz/store"
)

// handoverPage is what handover.html shows: the search, the ready requests it found, and
// the delivery form of the one chosen (Chosen), with its values and problems.
type handoverPage struct {
	Q        string
	Searched bool
	Rows     []queueRow
	Chosen   *requestView
	F        url.Values
	Errors   map[string]string
	Conflict string
}

// maxHandoverRows bounds the ready requests a search lists.
const maxHandoverRows = 20

func (s *Server) handleHandover(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsWrite)
	if err != nil {
		return err
	}
	return s.renderHandover(w, r, p, http.StatusOK, r.URL.Query().Get("q"), url.Values{}, nil, "")
}

// renderHandover searches the ready requests matching q in p's scope; one match (or a
// tracking number) is chosen and shown with its delivery form.
func (s *Server) renderHandover(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, q string,
	f url.Values, errs map[string]string, conflict string) error {
	data := handoverPage{Q: strings.TrimSpace(q), F: f, Errors: errs, Conflict: conflict}
	if data.Q != "" {
		data.Searched = true
		var v markaz.Validator
		if v.Text("q", data.Q, 100, false); v.Err() != nil {
			return v.Err()
		}
		rows, _, err := s.db.Requests(r.Context(), store.RequestFilter{Scope: p.Scope(markaz.PermRequestsRead),
			Status: request.StatusReady, Query: data.Q, Limit: maxHandoverRows})
		if err != nil {
			return err
		}
		today := markaz.Today(s.db.Clock)
		for _, q := range rows {
			o, soon := dueMarks(&q, today)
			data.Rows = append(data.Rows, queueRow{Request: q, Overdue: o, DueSoon: soon})
		}
		if len(rows) == 1 {
			r.SetPathValue("tracking_number", rows[0].TrackingNumber)
			if data.Chosen, err = s.loadRequestView(r, p); err != nil {
				return err
			}
			if !slices.Contains(data.Chosen.Actions, request.ActionDeliver) {
				data.Chosen = nil // ready, but not this clerk's to hand over (another center)
			} else if f.Get("note") == "" && errs == nil {
				f.Set("note", rows[0].Name)
			}
		}
	}
	s.render(w, r, status, "handover", "handover.title", data)
	return nil
}

// handleHandoverDeliver: POST /requests/handover {tracking_number, verify, note, version}.
func (s *Server) handleHandoverDeliver(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsWrite)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	number := r.PostForm.Get("tracking_number")
	r.PostForm.Set("action", request.ActionDeliver)
	a, err := actionForm(r.PostForm)
	var d *store.RequestDetail
	if err == nil {
		d, err = s.act(r, p, number, a)
	}
	ri := info(r)
	switch e := asError(err); {
	case err == nil:
		flash(w, "handover.done")
		http.Redirect(w, r, "/requests/"+d.TrackingNumber+"/receipt", http.StatusSeeOther)
		return nil
	case e.Code == markaz.EInvalid:
		return s.renderHandover(w, r, p, http.StatusUnprocessableEntity, number, r.PostForm, fieldMessages(ri.lang, err), "")
	case e.Code == markaz.EConflict:
		return s.renderHandover(w, r, p, http.StatusConflict, number, r.PostForm, nil, message(ri.lang, ri.id, e))
	}
	return err
}

// receiptView is a delivered request with its delivery event.
type receiptView struct {
	*requestView
	Delivery request.Event
}

// handleRequestReceipt: GET /requests/{tracking_number}/receipt — the printable delivery
// receipt; 404 until the request is delivered.
func (s *Server) handleRequestReceipt(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermRequestsRead)
	if err != nil {
		return err
	}
	v, err := s.loadRequestView(r, p)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(v.D.Events, func(e request.Event) bool { return e.Action == request.ActionDeliver })
	if v.D.Status != request.StatusDelivered || i < 0 {
		return markaz.ErrNotFound
	}
	s.render(w, r, http.StatusOK, "request_receipt", "handover.receipt_title", receiptView{requestView: v, Delivery: v.D.Events[i]})
	return nil
}
