package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"markaz"
	"markaz/kpi"
	"markaz/request"
	"markaz/store"
)

// kpiQuery reads a KPI query from the URL: level, code, from, to, service, channel
// (from and to default to this month up to today).
func (s *Server) kpiQuery(r *http.Request) (kpi.Query, error) {
	var v markaz.Validator
	q := kpi.Query{Level: r.URL.Query().Get("level"), Code: strings.TrimSpace(r.URL.Query().Get("code")),
		Service: strings.TrimSpace(r.URL.Query().Get("service")), Channel: r.URL.Query().Get("channel")}
	queryDates(r, &v, map[string]*markaz.Date{"from": &q.From, "to": &q.To})
	if q.Level == "" {
		q.Level = kpi.LevelNation
	}
	if q.To.IsZero() {
		q.To = markaz.Today(s.db.Clock)
	}
	if q.From.IsZero() {
		q.From = kpi.PeriodStart(kpi.StepMonth, q.To)
	}
	if q.Channel != "" {
		v.OneOf("channel", q.Channel, request.Channels...)
	}
	if err := v.Err(); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// kpiAnswer is the shape of every KPI read: the caller must hold the programme permission,
// the query comes from the URL (without the parameters drop, which the read takes itself),
// read answers, and its result is the JSON.
func (s *Server) kpiAnswer(w http.ResponseWriter, r *http.Request, drop []string,
	read func(p *markaz.Principal, q kpi.Query) (any, error)) error {
	p, err := need(r, markaz.PermProgramRead)
	if err != nil {
		return err
	}
	q, err := s.kpiQuery(withoutParams(r, drop...))
	if err != nil {
		return err
	}
	out, err := read(p, q)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiKPI: GET /api/v1/kpi?level=&code=&from=&to=[&service=][&channel=] → the figures.
func (s *Server) apiKPI(w http.ResponseWriter, r *http.Request) error {
	return s.kpiAnswer(w, r, nil, func(p *markaz.Principal, q kpi.Query) (any, error) {
		return s.db.KPI(r.Context(), p, q)
	})
}

// apiKPIRanking: GET /api/v1/kpi/ranking?level=center|district|governorate&within=CODE&from=&to=
// → the parts of within ranked by index.
func (s *Server) apiKPIRanking(w http.ResponseWriter, r *http.Request) error {
	return s.kpiAnswer(w, r, []string{"level", "code"}, func(p *markaz.Principal, q kpi.Query) (any, error) {
		items, err := s.db.KPIRanking(r.Context(), p, r.URL.Query().Get("level"),
			strings.TrimSpace(r.URL.Query().Get("within")), q)
		return map[string]any{"items": items}, err
	})
}

// apiKPISeries: GET /api/v1/kpi/series?level=&code=&from=&to=&step=day|week|month|quarter|year
// → the figures of each step (weeks Saturday to Friday, fiscal quarters and years).
func (s *Server) apiKPISeries(w http.ResponseWriter, r *http.Request) error {
	return s.kpiAnswer(w, r, nil, func(p *markaz.Principal, q kpi.Query) (any, error) {
		step := r.URL.Query().Get("step")
		if step == "" {
			step = string(kpi.StepMonth)
		}
		items, err := s.db.KPISeries(r.Context(), p, q, kpi.Step(step))
		return map[string]any{"step": step, "items": items}, err
	})
}

// apiKPIServices: GET /api/v1/kpi/services?level=&code=&from=&to= → figures per service,
// the lowest on-time rate first.
func (s *Server) apiKPIServices(w http.ResponseWriter, r *http.Request) error {
	return s.kpiAnswer(w, r, nil, func(p *markaz.Principal, q kpi.Query) (any, error) {
		items, err := s.db.KPIServices(r.Context(), p, q)
		return map[string]any{"items": items}, err
	})
}

// withoutParams is r with the query parameters names removed.
func withoutParams(r *http.Request, names ...string) *http.Request {
	if len(names) == 0 {
		return r
	}
	q := r.URL.Query()
	for _, n := range names {
		q.Del(n)
	}
	r2 := r.Clone(r.Context())
	u := *r.URL
	u.RawQuery = q.Encode()
	r2.URL = &u
	return r2
}

// apiKPIWeights: GET /api/v1/kpi/weights → every version and the one in force today.
func (s *Server) apiKPIWeights(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermProgramRead); err != nil {
		return err
	}
	page, err := s.kpiWeightsPage(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"current": page.Current, "items": page.Versions})
}

// apiAddKPIWeights: POST /api/v1/kpi/weights {effective_from, values, note} (policy,
// nationally) → the version recorded.
func (s *Server) apiAddKPIWeights(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPolicyWrite, http.StatusCreated, func(p *markaz.Principal, b kpi.Weights) (kpi.Weights, error) {
		err := s.db.Write(r.Context(), func(tx *store.Tx) error { return tx.AddKPIWeights(p, &b) })
		return b, err
	})
}

// kpiWeightsView is what templates/kpi_weights.html shows.
type kpiWeightsView struct {
	Current  kpi.Weights
	Versions []kpi.Weights
	Parts    []string
	CanEdit  bool
	Values   url.Values
	Errors   map[string]string
}

func (s *Server) kpiWeightsPage(r *http.Request) (*kpiWeightsView, error) {
	pg := &kpiWeightsView{Parts: kpi.PartNames}
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		if pg.Current, err = tx.KPIWeightsOn(markaz.Today(s.db.Clock)); err != nil {
			return err
		}
		pg.Versions, err = tx.KPIWeights()
		return err
	})
	if p := principal(r); p != nil {
		pg.CanEdit = p.Scope(markaz.PermPolicyWrite).All
	}
	return pg, err
}

// handleKPIWeights: GET /kpi/weights — the index's weights in force, their history and,
// for the ministry, the form for a new version.
func (s *Server) handleKPIWeights(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermProgramRead); err != nil {
		return err
	}
	pg, err := s.kpiWeightsPage(r)
	if err != nil {
		return err
	}
	pg.Values = url.Values{"effective_from": {markaz.Today(s.db.Clock).AddDays(1).String()}}
	for name, n := range pg.Current.Values {
		pg.Values.Set("w_"+name, strconv.Itoa(n))
	}
	s.render(w, r, http.StatusOK, "kpi_weights", "kpi.weights.title", pg)
	return nil
}

// handleKPIWeightsAdd: POST /kpi/weights — records a new version from the form.
func (s *Server) handleKPIWeightsAdd(w http.ResponseWriter, r *http.Request) error {
	p, f, err := postedForm(r, holding(markaz.PermPolicyWrite))
	if err != nil {
		return err
	}
	var v markaz.Validator
	wt := kpi.Weights{EffectiveFrom: formDate(&v, f, "effective_from"), Note: strings.TrimSpace(f.Get("note")),
		Values: map[string]int{}}
	for _, name := range kpi.PartNames {
		n, err := strconv.Atoi(markaz.LatinDigits(strings.TrimSpace(f.Get("w_" + name))))
		if err != nil {
			v.Add("values."+name, "number_format", nil)
			continue
		}
		wt.Values[name] = n
	}
	err = v.Err()
	if err == nil {
		err = s.db.Write(r.Context(), func(tx *store.Tx) error { return tx.AddKPIWeights(p, &wt) })
	}
	if err == nil {
		flash(w, "kpi.weights.saved")
		http.Redirect(w, r, "/kpi/weights", http.StatusSeeOther)
		return nil
	}
	errs := fieldMessages(info(r).lang, err)
	if errs == nil {
		return err
	}
	pg, perr := s.kpiWeightsPage(r)
	if perr != nil {
		return perr
	}
	pg.Values, pg.Errors = f, errs
	s.render(w, r, http.StatusUnprocessableEntity, "kpi_weights", "kpi.weights.title", pg)
	return nil
}
