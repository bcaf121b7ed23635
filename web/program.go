package web

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

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
	lang, digits string
	S            *store.ProgramSummary
	Places       []string // what the view covers, localized; none for the whole nation
	Filter       []programOption
	By           string        // "gov" or "unit": what the lines of the first and last tables are
	Lines        []programLine // names localized
	Charts       programCharts
}

// programCharts are the page's four charts.
type programCharts struct {
	Fixed, ByYear, MobileByStatus, Mobile programChart
}

type programOption struct{ Value, Label string }

// programLine is one governorate or, in a view of one governorate, one district/city.
type programLine struct {
	Name   string
	Fixed  store.FixedCounts
	Mobile store.MobileCounts
}

func (s *Server) handleProgram(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.programSummary(r)
	if err != nil {
		return err
	}
	ri := info(r)
	pg := programPage{lang: ri.lang, digits: ri.digits, S: sum, By: "gov"}
	pick := func(ar, en string) string {
		if ri.lang == "en" {
			return en
		}
		return ar
	}
	for _, g := range sum.Reach {
		pg.Filter = append(pg.Filter, programOption{Value: g.Code, Label: pick(g.NameAr, g.NameEn)})
	}
	for _, p := range sum.Places {
		pg.Places = append(pg.Places, i18n.T(ri.lang, "program.place."+p.Level, map[string]any{"name": pick(p.NameAr, p.NameEn)}))
	}
	if sum.ByUnit != nil {
		pg.By = "unit"
		for _, u := range sum.ByUnit {
			pg.Lines = append(pg.Lines, programLine{Name: pick(u.NameAr, u.NameEn), Fixed: u.Fixed, Mobile: u.Mobile})
		}
	} else {
		for _, g := range sum.ByGovernorate {
			pg.Lines = append(pg.Lines, programLine{Name: pick(g.NameAr, g.NameEn), Fixed: g.Fixed, Mobile: g.Mobile})
		}
	}
	pg.Charts = newProgramCharts(ri.lang, ri.digits, pg.By, pg.Lines, sum)
	s.render(w, r, http.StatusOK, "program", "program.title", pg)
	return nil
}

// FY is a fiscal year's label ("2023–2024") in the page's digits.
func (p programPage) FY(label string) string { return fyLabel(label, p.lang, p.digits) }

// fyLabel writes a fiscal year's label in digits; in English text, marks keep Arabic-Indic
// digits in order (a dash between two of them would otherwise read right to left).
func fyLabel(label, lang, digits string) string {
	label = i18n.Digits(label, digits)
	if i18n.Dir(lang) == "ltr" && digits == "arab" {
		label = strings.ReplaceAll(label, "–", "\u200e–\u200e")
	}
	return label
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

// newProgramCharts builds the page's charts: fixed centers by status per line
// (governorate or district/city), developed and delivered per fiscal year, mobile units
// by status, and mobile units in service per line (retired units are not in the totals).
// Status words are the centers registry's.
func newProgramCharts(lang, digits, by string, lines []programLine, sum *store.ProgramSummary) programCharts {
	t := func(k string) string { return i18n.T(lang, k, nil) }
	var fixed, mobile []chartRow
	for _, l := range lines {
		if l.Fixed.Total > 0 || by == "gov" {
			fixed = append(fixed, chartRow{Label: l.Name, Values: []int{l.Fixed.Developed, l.Fixed.UnderDevelopment, l.Fixed.Planned}})
		}
		if l.Mobile.Total > 0 {
			mobile = append(mobile, chartRow{Label: l.Name, Values: []int{l.Mobile.Operating, l.Mobile.PendingDelivery, l.Mobile.Maintenance}})
		}
	}
	var years []chartRow
	for _, y := range sum.ByFiscalYear {
		years = append(years, chartRow{Label: fyLabel(y.Label, lang, digits), Values: []int{y.Developed, y.Delivered}})
	}
	m := sum.Mobile
	statuses := []chartRow{
		{Label: t("centers.mobile.operating"), Values: []int{m.Operating, 0, 0, 0}},
		{Label: t("centers.mobile.pending_delivery"), Values: []int{0, m.PendingDelivery, 0, 0}},
		{Label: t("centers.mobile.maintenance"), Values: []int{0, 0, m.Maintenance, 0}},
		{Label: t("centers.mobile.retired"), Values: []int{0, 0, 0, m.Retired}},
	}
	mobileSeries := []chartSeries{{t("centers.mobile.operating"), colOperating}, {t("centers.mobile.pending_delivery"), colPending},
		{t("centers.mobile.maintenance"), colMaintenance}, {t("centers.mobile.retired"), colRetired}}
	dir := i18n.Dir(lang)
	return programCharts{
		Fixed: barChart("fixed", t("program.chart_fixed_"+by), dir, digits, true, fixed,
			[]chartSeries{{t("centers.dev.developed"), colDeveloped}, {t("centers.dev.under_development"), colUnderDev}, {t("centers.dev.planned"), colPlanned}}),
		ByYear: barChart("fy", t("program.chart_fy"), dir, digits, false, years,
			[]chartSeries{{t("program.developed_fixed"), colDeveloped}, {t("program.delivered_mobile"), colDelivered}}),
		MobileByStatus: barChart("mobile-status", t("program.chart_mobile_status"), dir, digits, true, statuses, mobileSeries),
		Mobile:         barChart("mobile", t("program.chart_mobile_"+by), dir, digits, true, mobile, mobileSeries[:3]),
	}
}

// programChart is a horizontal bar chart drawn as SVG by templates/program.html: every
// coordinate is computed here, every text escaped by the template. The SVG has no
// viewBox: it spans the content width, horizontal positions are percentages of it and
// text keeps its real size (13px) on a phone as on a wide screen. It is laid out twice,
// for wide screens and for phones; the stylesheet shows the one that fits.
type programChart struct {
	ID, Title, Dir string
	Series         []chartSeries
	Layouts        []chartLayout // wide, narrow
}

// chartLayout is a chart's geometry for one range of screen widths.
type chartLayout struct {
	Name   string // "wide" or "narrow", also a CSS class
	Height int
	Bars   []chartBar
	Texts  []chartText
}

type chartSeries struct{ Label, Fill string }

type chartRow struct {
	Label  string
	Values []int // one per series
}

type chartBar struct {
	X, W        string // percentages of the chart's width
	Y, H        int
	Fill, Title string
}

type chartText struct {
	X      string // a percentage of the chart's width
	DX, Y  int    // DX shifts X by pixels
	Anchor string
	Text   string
}

// Chart geometry, in pixels unless said otherwise.
const (
	chartFont    = 13
	chartRuneW   = 0.58 // estimated width of a character, in ems (measured: Arabic 0.35–0.56, Latin 0.46–0.63)
	chartWideW   = 600  // the narrowest content width of the wide layout (a 640px screen)
	chartNarrowW = 330  // the narrowest content width of the narrow layout (a 375px phone)
	chartLabelMx = 45   // %: a wider label column goes above the bars instead
	chartValueW  = 40   // room for the number after the longest bar
	chartBarH    = 16
	chartGap     = 8
)

// barChart lays out rows of horizontal bars: stacked (the series add up) or grouped (one
// thin bar per series), once for wide screens and once for phones.
func barChart(id, title, dir, digits string, stacked bool, rows []chartRow, series []chartSeries) programChart {
	c := programChart{ID: id, Title: title, Dir: dir, Series: series}
	if len(rows) > 0 {
		c.Layouts = []chartLayout{
			layoutBars("wide", chartWideW, dir == "rtl", digits, stacked, rows, series),
			layoutBars("narrow", chartNarrowW, dir == "rtl", digits, stacked, rows, series),
		}
	}
	return c
}

// layoutBars lays a chart out for content at least width pixels wide. Labels hug the
// axis in a column as wide as the longest label needs; when that would be too wide, each
// label sits above its bars instead. Bars grow away from the axis, rightwards in English
// and leftwards in Arabic; the SVG's direction makes text-anchor "start" mean the side
// facing away from the axis in both. A zero draws neither bar nor number (the table
// after the chart lists every value).
func layoutBars(name string, width int, rtl bool, digits string, stacked bool, rows []chartRow, series []chartSeries) chartLayout {
	l := chartLayout{Name: name}
	top, longest := 1, 0 // the longest bar's value, the longest label's length
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
		longest = max(longest, utf8.RuneCountInString(r.Label))
	}
	pc := func(px float64) float64 { return 100 * px / float64(width) }
	axis := pc(float64(longest)*chartRuneW*chartFont + 12) // % of the width
	above := axis > chartLabelMx
	if above {
		axis = 0
	}
	area := 100 - axis - pc(chartValueW)
	sign := 1 // pixel shifts away from the axis
	if rtl {
		sign = -1
	}
	// x maps a distance from the axis (percent of the width) to a percentage x.
	x := func(d float64) string {
		if rtl {
			return chartPct(100 - axis - d)
		}
		return chartPct(axis + d)
	}
	bar := func(from, length float64, y, h int, fill, title string) chartBar {
		b := chartBar{X: x(from), Y: y, W: chartPct(length), H: h, Fill: fill, Title: title}
		if rtl {
			b.X = x(from + length)
		}
		return b
	}
	num := func(n int) string { return i18n.Int(int64(n), digits) }
	value := func(d float64, y, v int) chartText {
		return chartText{X: x(d), DX: 4 * sign, Y: y, Anchor: "start", Text: num(v)}
	}
	y := chartGap
	for _, r := range rows {
		rowH := chartBarH
		if !stacked {
			rowH = len(series) * chartBarH
		}
		if above {
			y += chartFont + 2
			l.Texts = append(l.Texts, chartText{X: x(0), Y: y - 4, Anchor: "start", Text: r.Label})
		} else {
			l.Texts = append(l.Texts, chartText{X: x(0), DX: -6 * sign, Y: y + rowH/2 + 5, Anchor: "end", Text: r.Label})
		}
		from, total := 0.0, 0
		for i, v := range r.Values {
			if v == 0 {
				continue
			}
			w := float64(v) * area / float64(top)
			tip := r.Label + " — " + series[i].Label + ": " + num(v)
			if stacked {
				l.Bars = append(l.Bars, bar(from, w, y, chartBarH, series[i].Fill, tip))
				from += w
				total += v
				continue
			}
			by := y + i*chartBarH
			l.Bars = append(l.Bars, bar(0, w, by, chartBarH-3, series[i].Fill, tip))
			l.Texts = append(l.Texts, value(w, by+chartBarH-4, v))
		}
		if stacked && total > 0 {
			l.Texts = append(l.Texts, value(from, y+rowH/2+5, total))
		}
		y += rowH + chartGap
	}
	l.Height = y
	return l
}

// chartPct writes a percentage for an SVG attribute.
func chartPct(p float64) string { return fmt.Sprintf("%.2f%%", p) }

// TitleID is the id of the <title> that names the chart's SVG image in one layout.
func (c programChart) TitleID(layout string) string {
	return fmt.Sprintf("chart-%s-%s-title", c.ID, layout)
}
