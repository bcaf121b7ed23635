package web

// Dashboards: the performance indicators of the nation, a governorate, a district/city
// or a center over a period, as pages. Every figure comes from the store's KPI reads
// (store.DB.KPI, KPISeries, KPIRanking, KPIServices — the same as the JSON API), the
// overdue list from the requests list's overdue filter and the open findings from the
// corrective actions list; the charts are package chart's, each followed by its table.

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"markaz"
	"markaz/catalog"
	"markaz/chart"
	"markaz/i18n"
	"markaz/inspection"
	"markaz/kpi"
	"markaz/request"
	"markaz/store"
)

// How many rows the dashboard's lists show.
const (
	dashServices = 10
	dashOverdue  = 20
	dashActions  = 20
	dashBins     = 12
)

// dashPage is what templates/dashboard.html shows.
type dashPage struct {
	Name string
	Up   []dashLink // wider dashboards the reader may open, the widest first
	Base string     // this dashboard's path
	// The filter form.
	From, To, Service, Channel string
	Services, Channels         []centerOption
	Shortcuts                  []dashShortcut
	Errors                     map[string]string
	// Nothing below is set when the filter is refused.
	F                    *kpi.Figures
	Period, PrevPeriod   string
	Headline             []dashFigure
	Parts                []dashPart
	WeightsFrom          string
	Step                 string
	TrendCounts, TrendOn template.HTML
	Trend                []dashTrendRow
	Histogram            template.HTML
	Bins                 []dashBin
	RankLevel            string
	RankChart            template.HTML
	Ranking              []dashRankRow
	WorstServices        []dashServiceRow
	OverdueShown         bool // the reader may read the territory's requests
	Overdue              []dashOverdueRow
	OverdueMore          string // the requests list with the overdue filter, when there are more
	ActionsShown         bool   // the reader may read the territory's follow-up
	Actions              []inspection.Action
	ActionsTotal         int
}

type dashLink struct{ Label, Href string }

type dashShortcut struct {
	Key, Href string
	Current   bool
}

// dashFigure is one headline indicator, this period and the previous one, written out.
type dashFigure struct {
	Name, Value, Prev, Change string
}

type dashPart struct {
	Name, Value, Score, Weight, Used string
}

type dashTrendRow struct {
	Period, Received, Completed, OnTime, Overdue, Median string
}

type dashBin struct {
	Label, Count, Share string
}

type dashRankRow struct {
	Rank, Name, Href, Index, Received, OnTime, Overdue string
	Current                                            bool
}

type dashServiceRow struct {
	Name, Completed, OnTime, Median, Overdue string
}

type dashOverdueRow struct {
	Number, Service, Due, Days, Status string
}

// dashFigureNames are the headline indicators in the order, by their API names.
var dashFigureNames = []string{"received", "completed", "on_time_rate", "overdue_open", "median_processing_days",
	"p90_processing_days", "online_share", "e_payment_share", "satisfaction", "inspection_score",
	"problem_resolution_rate", "training_coverage", "index"}

// figureValue reads an indicator by its API name; kind says how it is written.
func figureValue(f *kpi.Figures, name string) (v *float64, kind string) {
	i := func(n int) *float64 { x := float64(n); return &x }
	ip := func(n *int) *float64 {
		if n == nil {
			return nil
		}
		return i(*n)
	}
	switch name {
	case "received":
		return i(f.Received), "count"
	case "completed":
		return i(f.Completed), "count"
	case "overdue_open":
		return i(f.OverdueOpen), "count"
	case "on_time_rate":
		return f.OnTimeRate, "share"
	case "online_share":
		return f.OnlineShare, "share"
	case "e_payment_share":
		return f.EPaymentShare, "share"
	case "problem_resolution_rate":
		return f.ProblemResolutionRate, "share"
	case "training_coverage":
		return f.TrainingCoverage, "share"
	case "median_processing_days":
		return ip(f.MedianProcessingDays), "days"
	case "p90_processing_days":
		return ip(f.P90ProcessingDays), "days"
	case "satisfaction":
		return f.Satisfaction, "rating"
	case "inspection_score":
		return f.InspectionScore, "score"
	case "index":
		return f.Index, "score"
	}
	return nil, ""
}

// partKinds says how each index part's indicator is written.
var partKinds = map[string]string{kpi.PartOnTime: "share", kpi.PartProcessing: "days", kpi.PartOnline: "share",
	kpi.PartEPayment: "share", kpi.PartSatisfaction: "rating", kpi.PartInspection: "score", kpi.PartProblems: "share",
	kpi.PartTraining: "share"}

// dashFmt writes indicators in the reader's language and digits.
type dashFmt struct{ lang, digits string }

func (d dashFmt) value(v *float64, kind string) string {
	if v == nil {
		return "—"
	}
	switch kind {
	case "count":
		return i18n.Int(int64(math.Round(*v)), d.digits)
	case "share":
		return chart.Percent(*v, 1, d.digits)
	case "days":
		return i18n.T(d.lang, "dashboard.days", map[string]any{"n": chart.Number(*v, 0, d.digits)})
	case "rating":
		return chart.Number(*v, 2, d.digits)
	}
	return chart.Number(*v, 1, d.digits)
}

// change writes cur − prev: shares in percentage points, the rest in their own unit.
func (d dashFmt) change(cur, prev *float64, kind string) string {
	if cur == nil || prev == nil {
		return "—"
	}
	diff := *cur - *prev
	places := 1
	switch kind {
	case "share":
		diff *= 100
	case "count", "days":
		places = 0
	case "rating":
		places = 2
	}
	s := chart.Number(math.Abs(diff), places, d.digits)
	if s == chart.Number(0, 0, d.digits) {
		return i18n.T(d.lang, "dashboard.no_change", nil)
	}
	sign := "+"
	if diff < 0 {
		sign = "−"
	}
	if kind == "share" {
		return i18n.T(d.lang, "dashboard.change_points", map[string]any{"n": sign + s})
	}
	return sign + s
}

func (d dashFmt) date(x markaz.Date) string {
	s := i18n.Digits(x.String(), d.digits)
	if d.lang == "en" && d.digits == "arab" {
		s = strings.ReplaceAll(s, "-", "\u200e-\u200e")
	}
	return s
}

func (d dashFmt) period(from, to markaz.Date) string {
	return i18n.T(d.lang, "dashboard.period_range", map[string]any{"from": d.date(from), "to": d.date(to)})
}

// reaches reports whether scope covers the whole territory.
func reaches(scope markaz.Scope, pl *store.KPIPlace) bool {
	if pl.Level == kpi.LevelNation {
		return scope.All
	}
	return scope.Contains(pl.Ref)
}

// dashPath is the dashboard of a territory.
func dashPath(level, code string) string {
	if level == kpi.LevelNation {
		return "/dashboard"
	}
	return "/dashboard/" + level + "/" + url.PathEscape(code)
}

// handleDashboardHome shows the national dashboard to national readers and sends anyone
// else to the dashboard of their own territory (the widest they hold), filters kept.
func (s *Server) handleDashboardHome(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermProgramRead)
	if err != nil {
		return err
	}
	sc := p.Scope(markaz.PermProgramRead)
	if sc.All {
		return s.dashboard(w, r, p, kpi.LevelNation, "")
	}
	var target string
	switch {
	case len(sc.Govs) > 0:
		target = dashPath(kpi.LevelGovernorate, sc.Govs[0])
	case len(sc.Units) > 0:
		target = dashPath(kpi.LevelDistrict, sc.Units[0])
	default:
		err := s.db.Read(r.Context(), func(tx *store.Tx) error {
			c, err := tx.GetCenter(sc.Centers[0])
			if err == nil {
				target = dashPath(kpi.LevelCenter, c.Code)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// handleDashboardAt serves the dashboard of a governorate, district/city or center.
func (s *Server) handleDashboardAt(level string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := need(r, markaz.PermProgramRead)
		if err != nil {
			return err
		}
		return s.dashboard(w, r, p, level, markaz.LatinDigits(strings.TrimSpace(r.PathValue("code"))))
	}
}

// dashFilter reads ?from=&to=&service=&channel= (the period defaults to the fiscal year
// so far) and the shortcuts' periods.
func dashFilter(r *http.Request, today markaz.Date, services []catalog.Service) (kpi.Query, error) {
	qs := r.URL.Query()
	q := kpi.Query{Service: strings.ToUpper(strings.TrimSpace(qs.Get("service"))), Channel: strings.TrimSpace(qs.Get("channel"))}
	var v markaz.Validator
	queryDates(r, &v, map[string]*markaz.Date{"from": &q.From, "to": &q.To})
	// A missing end is today, a missing start the start of the end's fiscal year.
	if q.To.IsZero() && qs.Get("to") == "" {
		q.To = today
	}
	if q.From.IsZero() && qs.Get("from") == "" && !q.To.IsZero() {
		q.From = kpi.PeriodStart(kpi.StepYear, q.To)
	}
	if !q.From.IsZero() && !q.To.IsZero() {
		if q.To.Before(q.From) {
			v.Add("from", "from_after_to", nil)
		} else if q.From.AddDays(kpi.MaxPeriodDays).Before(q.To) {
			v.Add("from", "dashboard_period_too_long", nil)
		}
	}
	if q.Service != "" && !slices.ContainsFunc(services, func(s catalog.Service) bool { return s.Code == q.Service }) {
		v.Add("service", "unknown_service", nil)
	}
	if q.Channel != "" {
		v.OneOf("channel", q.Channel, request.Channels...)
	}
	return q, v.Err()
}

// shortcuts are the usual periods: this month, last month, this fiscal quarter and this
// fiscal year, each up to today.
func shortcuts(today markaz.Date) []period {
	lastFrom, lastTo := kpi.Previous(kpi.StepMonth, today)
	return []period{
		{"this_month", kpi.PeriodStart(kpi.StepMonth, today), today},
		{"last_month", lastFrom, lastTo},
		{"this_quarter", kpi.PeriodStart(kpi.StepQuarter, today), today},
		{"this_year", kpi.PeriodStart(kpi.StepYear, today), today},
	}
}

// period is a named period.
type period struct {
	key      string
	from, to markaz.Date
}

// seriesStep is the trend's step: days for a fortnight, weeks up to a quarter, months beyond.
func seriesStep(from, to markaz.Date) kpi.Step {
	n := len(kpi.Buckets(kpi.StepDay, from, to))
	switch {
	case n <= 14:
		return kpi.StepDay
	case n <= 92:
		return kpi.StepWeek
	}
	return kpi.StepMonth
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, p *markaz.Principal, level, code string) error {
	ctx := r.Context()
	pl, err := s.db.DashboardPlace(ctx, p, level, code)
	if markaz.ErrorCode(err) == markaz.EInvalid {
		return markaz.ErrNotFound // an unknown code in the path
	}
	if err != nil {
		return err
	}
	ri := info(r)
	df := dashFmt{ri.lang, ri.digits}
	t := func(k string) string { return i18n.T(ri.lang, k, nil) }
	today := markaz.Today(s.db.Clock)
	pg := &dashPage{Name: pickName(ri.lang, pl.NameAr, pl.NameEn), Base: dashPath(level, pl.Code)}
	if level == kpi.LevelNation {
		pg.Name = t("dashboard.nation")
	}
	pg.Up = s.dashUp(r, p, pl)

	services, _, err := s.db.Services(ctx, store.ServiceFilter{})
	if err != nil {
		return err
	}
	serviceNames := map[string]string{}
	for _, sv := range services {
		name := pickName(ri.lang, sv.NameAr, sv.NameEn)
		serviceNames[sv.Code] = name
		pg.Services = append(pg.Services, centerOption{Value: sv.Code, Label: name})
	}
	for _, c := range request.Channels {
		pg.Channels = append(pg.Channels, centerOption{Value: c, Label: t("requests_ui.channel." + c)})
	}
	q, ferr := dashFilter(r, today, services)
	q.Level, q.Code = level, pl.Code
	if ferr == nil {
		ferr = q.Validate()
	}
	qs := r.URL.Query()
	pg.From, pg.To, pg.Service, pg.Channel = qs.Get("from"), qs.Get("to"), q.Service, q.Channel
	if ferr == nil {
		pg.From, pg.To = q.From.String(), q.To.String()
	}
	keep := url.Values{}
	if q.Service != "" {
		keep.Set("service", q.Service)
	}
	if q.Channel != "" {
		keep.Set("channel", q.Channel)
	}
	for _, sc := range shortcuts(today) {
		v := url.Values{}
		for k, x := range keep {
			v[k] = x
		}
		v.Set("from", sc.from.String())
		v.Set("to", sc.to.String())
		pg.Shortcuts = append(pg.Shortcuts, dashShortcut{Key: sc.key, Href: pg.Base + "?" + v.Encode(),
			Current: ferr == nil && sc.from == q.From && sc.to == q.To})
	}
	if ferr != nil {
		if markaz.ErrorCode(ferr) != markaz.EInvalid {
			return ferr
		}
		pg.Errors = fieldMessages(ri.lang, ferr)
		s.render(w, r, http.StatusUnprocessableEntity, "dashboard", "dashboard.title", pg)
		return nil
	}
	filter := url.Values{"from": {q.From.String()}, "to": {q.To.String()}}
	for k, x := range keep {
		filter[k] = x
	}

	// Headline figures against the period of the same length just before.
	if pg.F, err = s.db.KPI(ctx, p, q); err != nil {
		return err
	}
	days := len(kpi.Buckets(kpi.StepDay, q.From, q.To))
	pq := q
	pq.To = q.From.AddDays(-1)
	pq.From = pq.To.AddDays(1 - days)
	prev, err := s.db.KPI(ctx, p, pq)
	if err != nil {
		return err
	}
	pg.Period, pg.PrevPeriod = df.period(q.From, q.To), df.period(pq.From, pq.To)
	for _, name := range dashFigureNames {
		cur, kind := figureValue(pg.F, name)
		old, _ := figureValue(prev, name)
		pg.Headline = append(pg.Headline, dashFigure{Name: name, Value: df.value(cur, kind), Prev: df.value(old, kind),
			Change: df.change(cur, old, kind)})
	}
	for _, part := range pg.F.IndexParts {
		pg.Parts = append(pg.Parts, dashPart{Name: part.Name, Value: df.value(part.Value, partKinds[part.Name]),
			Score: df.value(part.Score, "score"), Weight: i18n.Int(int64(part.Weight), df.digits),
			Used: chart.Number(part.Used, 1, df.digits)})
	}
	if !pg.F.Weights.EffectiveFrom.IsZero() {
		pg.WeightsFrom = df.date(pg.F.Weights.EffectiveFrom)
	}

	// Trend lines.
	step := seriesStep(q.From, q.To)
	pg.Step = string(step)
	series, err := s.db.KPISeries(ctx, p, q, step)
	if err != nil {
		return err
	}
	s.dashTrend(pg, df, series, step)

	// Processing days.
	bins := chart.Bins(pg.F.Counts.Days, dashBins)
	total := 0
	for _, b := range bins {
		total += b.Count
	}
	for _, b := range bins {
		pg.Bins = append(pg.Bins, dashBin{Label: b.Label(df.digits), Count: i18n.Int(int64(b.Count), df.digits),
			Share: chart.Percent(float64(b.Count)/float64(total), 1, df.digits)})
	}
	pg.Histogram = chart.Histogram(chart.Options{ID: "chart-days", Title: t("dashboard.days_title"),
		Desc: i18n.T(ri.lang, "dashboard.days_desc", map[string]any{"period": pg.Period}), RTL: ri.lang == "ar",
		Digits: df.digits, Empty: t("dashboard.no_data"), Format: func(v float64) string { return i18n.Int(int64(v), df.digits) }}, bins)

	// Ranking of the territory's parts; a center is shown among its district's centers.
	if err := s.dashRanking(r, pg, p, pl, q, df, filter); err != nil {
		return err
	}

	// Worst services by on-time rate.
	perService, err := s.db.KPIServices(ctx, p, q)
	if err != nil {
		return err
	}
	for i, f := range perService {
		if i == dashServices {
			break
		}
		pg.WorstServices = append(pg.WorstServices, dashServiceRow{Name: serviceNames[f.Service],
			Completed: df.value(ptr(float64(f.Completed)), "count"), OnTime: df.value(f.OnTimeRate, "share"),
			Median: df.value(intPtr(f.MedianProcessingDays), "days"), Overdue: df.value(ptr(float64(f.OverdueOpen)), "count")})
	}

	// Overdue requests today and open corrective actions, for readers of the territory's
	// requests and follow-up.
	terr := store.ScopeOf(pl)
	if reaches(p.Scope(markaz.PermRequestsRead), pl) {
		pg.OverdueShown = true
		rows, next, err := s.db.Requests(ctx, store.RequestFilter{Scope: terr, Overdue: true, Service: q.Service,
			Channel: q.Channel, Limit: dashOverdue})
		if err != nil {
			return err
		}
		for _, rq := range rows {
			late := int(math.Round(today.Start().Sub(rq.DueDate.Start()).Hours() / 24))
			pg.Overdue = append(pg.Overdue, dashOverdueRow{Number: rq.TrackingNumber, Service: serviceNames[rq.ServiceCode],
				Due: df.date(rq.DueDate), Days: i18n.Int(int64(late), df.digits), Status: t("requests_ui.status." + rq.Status)})
		}
		if next != nil {
			more := url.Values{"overdue": {"true"}}
			if q.Service != "" {
				more.Set("service", q.Service)
			}
			if q.Channel != "" {
				more.Set("channel", q.Channel)
			}
			switch level {
			case kpi.LevelGovernorate:
				more.Set("governorate", pl.Ref.Gov)
			case kpi.LevelCenter:
				more.Set("center", pl.CenterID)
			}
			pg.OverdueMore = "/requests?" + more.Encode()
		}
	}
	if reaches(p.Scope(markaz.PermInspectionsRead), pl) {
		pg.ActionsShown = true
		l, err := s.db.Actions(ctx, store.ActionFilter{Scope: terr, Open: true, Limit: dashActions})
		if err != nil {
			return err
		}
		pg.Actions, pg.ActionsTotal = l.Rows, l.Total
	}
	s.render(w, r, http.StatusOK, "dashboard", "dashboard.title", pg)
	return nil
}

func ptr(v float64) *float64 { return &v }

func intPtr(n *int) *float64 {
	if n == nil {
		return nil
	}
	return ptr(float64(*n))
}

// dashUp lists the wider dashboards of pl that p may read.
func (s *Server) dashUp(r *http.Request, p *markaz.Principal, pl *store.KPIPlace) []dashLink {
	lang := info(r).lang
	var out []dashLink
	try := func(level, code string) {
		up, err := s.db.DashboardPlace(r.Context(), p, level, code)
		if err != nil {
			return
		}
		name := pickName(lang, up.NameAr, up.NameEn)
		if level == kpi.LevelNation {
			name = i18n.T(lang, "dashboard.nation", nil)
		}
		out = append(out, dashLink{Label: name, Href: dashPath(level, code)})
	}
	if pl.Level != kpi.LevelNation {
		try(kpi.LevelNation, "")
	}
	if pl.Level == kpi.LevelDistrict || pl.Level == kpi.LevelCenter {
		try(kpi.LevelGovernorate, pl.Ref.Gov)
	}
	if pl.Level == kpi.LevelCenter && pl.Ref.Unit != "" {
		try(kpi.LevelDistrict, pl.Ref.Unit)
	}
	return out
}

// dashTrend draws the counts and the on-time rate per step, with their table.
func (s *Server) dashTrend(pg *dashPage, df dashFmt, series []kpi.Figures, step kpi.Step) {
	t := func(k string) string { return i18n.T(df.lang, k, nil) }
	var labels []string
	var received, completed, onTime []*float64
	for _, f := range series {
		l := f.From.String()
		if step == kpi.StepMonth {
			l = l[:7]
		} else {
			l = l[5:]
		}
		labels = append(labels, i18n.Digits(l, df.digits))
		received = append(received, ptr(float64(f.Received)))
		completed = append(completed, ptr(float64(f.Completed)))
		onTime = append(onTime, f.OnTimeRate)
		pg.Trend = append(pg.Trend, dashTrendRow{Period: df.period(f.From, f.To),
			Received: df.value(ptr(float64(f.Received)), "count"), Completed: df.value(ptr(float64(f.Completed)), "count"),
			OnTime: df.value(f.OnTimeRate, "share"), Overdue: df.value(ptr(float64(f.OverdueOpen)), "count"),
			Median: df.value(intPtr(f.MedianProcessingDays), "days")})
	}
	stepName := t("dashboard.step." + string(step))
	o := chart.Options{RTL: df.lang == "ar", Digits: df.digits, Empty: t("dashboard.no_data")}
	o.ID, o.Title = "chart-counts", t("dashboard.trend_counts")
	o.Desc = i18n.T(df.lang, "dashboard.trend_counts_desc", map[string]any{"step": stepName, "period": pg.Period})
	o.Format = func(v float64) string { return chart.Number(v, 1, df.digits) }
	pg.TrendCounts = chart.Line(o, labels, []chart.Series{{Name: t("dashboard.kpi.received"), Values: received},
		{Name: t("dashboard.kpi.completed"), Values: completed}})
	o.ID, o.Title, o.Max = "chart-on-time", t("dashboard.trend_on_time"), 1
	o.Desc = i18n.T(df.lang, "dashboard.trend_on_time_desc", map[string]any{"step": stepName, "period": pg.Period})
	o.Format = func(v float64) string { return chart.Percent(v, 0, df.digits) }
	pg.TrendOn = chart.Line(o, labels, []chart.Series{{Name: t("dashboard.kpi.on_time_rate"), Values: onTime}})
}

// dashRanking ranks the territory's parts (governorates of the nation, districts/cities
// of a governorate, centers of a district/city) by index; a center's dashboard ranks its
// district's centers with the center highlighted, when the reader may see them.
func (s *Server) dashRanking(r *http.Request, pg *dashPage, p *markaz.Principal, pl *store.KPIPlace, q kpi.Query,
	df dashFmt, filter url.Values) error {
	level, within, current := "", "", ""
	switch pl.Level {
	case kpi.LevelNation:
		level = kpi.LevelGovernorate
	case kpi.LevelGovernorate:
		level, within = kpi.LevelDistrict, pl.Code
	case kpi.LevelDistrict:
		level, within = kpi.LevelCenter, pl.Code
	case kpi.LevelCenter:
		if pl.Ref.Unit == "" {
			return nil
		}
		level, within, current = kpi.LevelCenter, pl.Ref.Unit, pl.Code
	}
	rows, err := s.db.KPIRanking(r.Context(), p, level, within, q)
	if markaz.ErrorCode(err) == markaz.EForbidden {
		return nil // a center's reader who may not see its neighbours
	}
	if err != nil {
		return err
	}
	pg.RankLevel = level
	var bars []chart.Bar
	highlight := -1
	for i, f := range rows {
		href := dashPath(level, f.Code) + "?" + filter.Encode()
		name := pickName(df.lang, f.NameAr, f.NameEn)
		row := dashRankRow{Name: name, Href: href, Index: df.value(f.Index, "score"),
			Received: df.value(ptr(float64(f.Received)), "count"), OnTime: df.value(f.OnTimeRate, "share"),
			Overdue: df.value(ptr(float64(f.OverdueOpen)), "count"), Current: f.Code == current, Rank: "—"}
		if f.Rank > 0 {
			row.Rank = i18n.Int(int64(f.Rank), df.digits)
		}
		if row.Current {
			highlight = i
		}
		pg.Ranking = append(pg.Ranking, row)
		bars = append(bars, chart.Bar{Label: name, Value: f.Index, Href: href})
	}
	t := func(k string) string { return i18n.T(df.lang, k, nil) }
	pg.RankChart = chart.Bars(chart.Options{ID: "chart-ranking", Title: t("dashboard.ranking_title." + level),
		Desc: i18n.T(df.lang, "dashboard.ranking_desc", map[string]any{"period": pg.Period}), RTL: df.lang == "ar",
		Digits: df.digits, Max: 100, Empty: t("dashboard.no_data"),
		Format: func(v float64) string { return chart.Number(v, 1, df.digits) }}, bars, highlight)
	return nil
}
