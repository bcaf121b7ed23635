package web

import (
	"fmt"
	"net/http"
	"strings"

	"markaz"
	"markaz/i18n"
	"markaz/store"
)

// programSummary is the programme view the caller may see, narrowed by ?governorate=.
func (s *Server) programSummary(r *http.Request) (*store.ProgramSummary, error) {
	p, err := need(r, markaz.PermProgramRead)
	if err != nil {
		return nil, err
	}
	gov := strings.TrimSpace(markaz.LatinDigits(r.URL.Query().Get("governorate")))
	return s.db.ProgramSummary(r.Context(), p.Scope(markaz.PermProgramRead), gov)
}

func (s *Server) apiProgramSummary(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.programSummary(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sum)
}

// programPage is what templates/program.html shows.
type programPage struct {
	S      *store.ProgramSummary
	Filter []programOption
	Lines  []programGov // the lines of the table, names localized
	Charts programCharts
}

// programCharts are the page's four charts.
type programCharts struct {
	FixedByGov, ByYear, MobileByStatus, MobileByGov programChart
}

type programOption struct{ Value, Label string }

type programGov struct {
	store.GovernorateProgram
	Name string
}

func (s *Server) handleProgram(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.programSummary(r)
	if err != nil {
		return err
	}
	ri := info(r)
	pg := programPage{S: sum}
	pick := func(ar, en string) string {
		if ri.lang == "en" {
			return en
		}
		return ar
	}
	for _, g := range sum.Reach {
		pg.Filter = append(pg.Filter, programOption{Value: g.Code, Label: pick(g.NameAr, g.NameEn)})
	}
	for _, g := range sum.ByGovernorate {
		pg.Lines = append(pg.Lines, programGov{GovernorateProgram: g, Name: pick(g.NameAr, g.NameEn)})
	}
	pg.Charts = newProgramCharts(ri.lang, ri.digits, pg.Lines, sum)
	s.render(w, r, http.StatusOK, "program", "program.title", pg)
	return nil
}

// Chart colours: dark and light tones that differ in lightness too, so the bars stay
// apart in greyscale print; the table after each chart carries the same numbers.
const (
	colDeveloped   = "#0b4f6c"
	colUnderDev    = "#e09f1f"
	colPlanned     = "#8c8c8c"
	colOperating   = "#1b5e20"
	colPending     = "#e09f1f"
	colMaintenance = "#a4161a"
	colRetired     = "#8c8c8c"
	colDelivered   = "#7b3f9e"
)

// newProgramCharts builds the page's charts: fixed centers by status per governorate,
// developed and delivered per fiscal year, mobile units by status, and mobile units in
// service by governorate (retired units are not in the totals).
func newProgramCharts(lang, digits string, govs []programGov, sum *store.ProgramSummary) programCharts {
	t := func(k string) string { return i18n.T(lang, k, nil) }
	var fixed, mobile []chartRow
	for _, g := range govs {
		fixed = append(fixed, chartRow{Label: g.Name, Values: []int{g.Fixed.Developed, g.Fixed.UnderDevelopment, g.Fixed.Planned}})
		if g.Mobile.Total > 0 {
			mobile = append(mobile, chartRow{Label: g.Name, Values: []int{g.Mobile.Operating, g.Mobile.PendingDelivery, g.Mobile.Maintenance}})
		}
	}
	var years []chartRow
	for _, y := range sum.ByFiscalYear {
		label := i18n.T(lang, "common.fiscal_year", map[string]any{"fy": i18n.Digits(y.Label, digits)})
		years = append(years, chartRow{Label: label, Values: []int{y.Developed, y.Delivered}})
	}
	m := sum.Mobile
	statuses := []chartRow{
		{Label: t("program.operating"), Values: []int{m.Operating, 0, 0, 0}},
		{Label: t("program.pending_delivery"), Values: []int{0, m.PendingDelivery, 0, 0}},
		{Label: t("program.maintenance"), Values: []int{0, 0, m.Maintenance, 0}},
		{Label: t("program.retired"), Values: []int{0, 0, 0, m.Retired}},
	}
	mobileSeries := []chartSeries{{t("program.operating"), colOperating}, {t("program.pending_delivery"), colPending},
		{t("program.maintenance"), colMaintenance}, {t("program.retired"), colRetired}}
	dir := i18n.Dir(lang)
	return programCharts{
		FixedByGov: barChart("fixed-gov", t("program.chart_fixed_gov"), dir, digits, true, fixed,
			[]chartSeries{{t("program.developed"), colDeveloped}, {t("program.under_development"), colUnderDev}, {t("program.planned"), colPlanned}}),
		ByYear: barChart("fy", t("program.chart_fy"), dir, digits, false, years,
			[]chartSeries{{t("program.developed_fixed"), colDeveloped}, {t("program.delivered_mobile"), colDelivered}}),
		MobileByStatus: barChart("mobile-status", t("program.chart_mobile_status"), dir, digits, true, statuses, mobileSeries),
		MobileByGov:    barChart("mobile-gov", t("program.chart_mobile_gov"), dir, digits, true, mobile, mobileSeries[:3]),
	}
}

// programChart is a horizontal bar chart drawn as SVG by templates/program.html: every
// coordinate is computed here, every text escaped by the template.
type programChart struct {
	ID, Title, Dir string
	Width, Height  int
	Series         []chartSeries
	Bars           []chartBar
	Texts          []chartText
}

type chartSeries struct{ Label, Fill string }

type chartRow struct {
	Label  string
	Values []int // one per series
}

type chartBar struct {
	X, Y, W, H  int
	Fill, Title string
}

type chartText struct {
	X, Y   int
	Anchor string
	Text   string
}

// Chart geometry, in SVG user units.
const (
	chartWidth  = 640
	chartLabelW = 190 // column of row labels
	chartValueW = 60  // room for the number after the longest bar
	chartBarH   = 16
	chartGap    = 8
)

// barChart lays out rows of horizontal bars: stacked (the series add up) or grouped (one
// thin bar per series). Labels hug the axis and bars grow away from them, rightwards in
// English and leftwards in Arabic; the SVG's direction makes text-anchor "end" mean the
// side facing the bars in both.
func barChart(id, title, dir, digits string, stacked bool, rows []chartRow, series []chartSeries) programChart {
	c := programChart{ID: id, Title: title, Dir: dir, Width: chartWidth, Series: series}
	top := 1 // the longest bar's value
	for _, r := range rows {
		sum := 0
		for _, v := range r.Values {
			sum += v
			if !stacked {
				top = max(top, v)
			}
		}
		if stacked {
			top = max(top, sum)
		}
	}
	area := chartWidth - chartLabelW - chartValueW
	rtl := dir == "rtl"
	// x maps a distance from the axis to an SVG x coordinate.
	x := func(d int) int {
		if rtl {
			return chartWidth - chartLabelW - d
		}
		return chartLabelW + d
	}
	bar := func(from, length, y, h int, fill, title string) chartBar {
		b := chartBar{X: x(from), Y: y, W: length, H: h, Fill: fill, Title: title}
		if rtl {
			b.X = x(from + length)
		}
		return b
	}
	num := func(n int) string { return i18n.Int(int64(n), digits) }
	y := chartGap
	for _, r := range rows {
		rowH := chartBarH
		if !stacked {
			rowH = len(series) * chartBarH
		}
		c.Texts = append(c.Texts, chartText{X: x(-6), Y: y + rowH/2 + 5, Anchor: "end", Text: r.Label})
		from, total := 0, 0
		for i, v := range r.Values {
			w := v * area / top
			tip := r.Label + " — " + series[i].Label + ": " + num(v)
			if stacked {
				if v > 0 {
					c.Bars = append(c.Bars, bar(from, w, y, chartBarH, series[i].Fill, tip))
				}
				from += w
				total += v
				continue
			}
			by := y + i*chartBarH
			c.Bars = append(c.Bars, bar(0, w, by, chartBarH-3, series[i].Fill, tip))
			c.Texts = append(c.Texts, chartText{X: x(w + 4), Y: by + chartBarH - 4, Anchor: "start", Text: num(v)})
		}
		if stacked {
			c.Texts = append(c.Texts, chartText{X: x(from + 4), Y: y + rowH/2 + 5, Anchor: "start", Text: num(total)})
		}
		y += rowH + chartGap
	}
	c.Height = y
	return c
}

// TitleID is the id of the chart's <title>, which names the SVG image.
func (c programChart) TitleID() string { return fmt.Sprintf("chart-%s-title", c.ID) }
