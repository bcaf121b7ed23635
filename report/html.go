package report

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"strconv"

	"markaz"
	"markaz/chart"
	"markaz/i18n"
	"markaz/kpi"
	"markaz/pdf"
)

//go:embed templates/*.html
var templates embed.FS

// Renderer renders report models. Charts draws the charts (Drawn when nil); PDF prints
// the HTML (needed for PDF only).
type Renderer struct {
	Charts Charts
	PDF    *pdf.Renderer
}

// page is what the template receives.
type page struct {
	*Model
	Dir, Digits string
	Charts      Charts
}

var tmpl = template.Must(template.New("report.html").Funcs(funcs).ParseFS(templates, "templates/*.html"))

var funcs = template.FuncMap{
	"t": func(p page, key string, kv ...any) string {
		args := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = i18n.Digits(fmt.Sprint(kv[i+1]), p.Digits)
		}
		return i18n.T(p.Lang, key, args)
	},
	"name": func(p page, ar, en string) string { return pick(p.Lang, ar, en) },
	"date": func(p page, d markaz.Date) string { return i18n.Digits(d.String(), p.Digits) },
	"int":  func(p page, n int) string { return i18n.Int(int64(n), p.Digits) },
	"fmt":  func(p page, kind string, v *float64) string { return Format(kind, v, p.Digits) },
	"share": func(p page, v *float64) string {
		return Format("share", v, p.Digits)
	},
	"score":        func(p page, v *float64) string { return Format("score", v, p.Digits) },
	"trendChart":   trendChart,
	"daysChart":    daysChart,
	"rankingChart": rankingChart,
	"add":          func(a, b int) int { return a + b },
	"sub":          func(a, b int) int { return a - b },
	"periodLabel":  func(p page, s kpi.Step, d markaz.Date) string { return periodLabel(p, s, d) },
	"freq":         FrequencyOf,
	"seriesStep":   SeriesStep,
	"value":        func(f kpi.Figures, key string) *float64 { return Value(&f, key) },
	"requests": func(p page, l RequestList, late bool) requestsView {
		return requestsView{P: p, L: l, Late: late}
	},
}

// requestsView is what the "requests" template of a list receives.
type requestsView struct {
	P    page
	L    RequestList
	Late bool
}

func pick(lang, ar, en string) string {
	if lang == "en" && en != "" || ar == "" {
		return en
	}
	return ar
}

// Format shows an indicator's value by its kind: a share as a percentage with one
// decimal, days as whole days, a rating with two decimals, a score with one, a count
// with thousands separators; "—" for no value.
func Format(kind string, v *float64, digits string) string {
	if v == nil {
		return "—"
	}
	var s string
	switch kind {
	case "share":
		s = strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	case "rating":
		s = strconv.FormatFloat(*v, 'f', 2, 64)
	case "score":
		s = strconv.FormatFloat(*v, 'f', 1, 64)
	default:
		return i18n.Int(int64(*v), digits)
	}
	return i18n.Digits(s, digits)
}

// periodLabel names a bucket of a series: a day or week by its first day, a month by
// its name in the period (YYYY-MM).
func periodLabel(p page, s kpi.Step, d markaz.Date) string {
	switch s {
	case kpi.StepMonth:
		return i18n.Digits(fmt.Sprintf("%04d-%02d", d.Y, d.M), p.Digits)
	case kpi.StepDay, kpi.StepWeek:
		return i18n.Digits(fmt.Sprintf("%02d/%02d", d.D, d.M), p.Digits)
	}
	return i18n.Digits(d.String(), p.Digits)
}

func num(n int) *float64 { x := float64(n); return &x }

// options are a chart's options in the report's language.
func options(p page, id, titleKey string) chart.Options {
	return chart.Options{ID: id, Title: i18n.T(p.Lang, titleKey, nil), RTL: p.Dir == "rtl", Digits: p.Digits,
		Empty: i18n.T(p.Lang, "report.none", nil)}
}

// trendChart draws the trend of received and completed requests ("counts") or of the
// on-time rate ("on_time").
func trendChart(p page, which string) template.HTML {
	var labels []string
	var received, completed, onTime []*float64
	for _, f := range p.Series {
		labels = append(labels, periodLabel(p, SeriesStep(p.Step), f.From))
		received = append(received, num(f.Received))
		completed = append(completed, num(f.Completed))
		onTime = append(onTime, f.OnTimeRate)
	}
	if which == "on_time" {
		o := options(p, "chart-on-time", "report.kpi.on_time_rate")
		o.Max = 1
		o.Format = func(v float64) string { return chart.Percent(v, 0, p.Digits) }
		return p.Charts.Trend(o, labels, []chart.Series{{Name: o.Title, Values: onTime}})
	}
	o := options(p, "chart-counts", "report.section.trend")
	o.Format = func(v float64) string { return chart.Number(v, 0, p.Digits) }
	return p.Charts.Trend(o, labels, []chart.Series{
		{Name: i18n.T(p.Lang, "report.kpi.received", nil), Values: received},
		{Name: i18n.T(p.Lang, "report.kpi.completed", nil), Values: completed}})
}

// daysChart draws the processing time distribution.
func daysChart(p page) template.HTML {
	o := options(p, "chart-days", "report.section.days")
	o.Format = func(v float64) string { return i18n.Int(int64(v), p.Digits) }
	return p.Charts.Days(o, p.Current.Counts.Days)
}

// rankingChart draws the index of the ranked units (at most 30).
func rankingChart(p page) template.HTML {
	o := options(p, "chart-ranking", "report.ranking."+p.RankingLevel)
	o.Max = 100
	o.Format = func(v float64) string { return chart.Number(v, 1, p.Digits) }
	var bars []chart.Bar
	for i, f := range p.Ranking {
		if i == 30 {
			break
		}
		bars = append(bars, chart.Bar{Label: pick(p.Lang, f.NameAr, f.NameEn), Value: f.Index})
	}
	return p.Charts.Ranking(o, bars)
}

// HTML renders the report as one self-contained HTML document (lang and dir set, fonts
// the system's Noto, charts inline).
func (r *Renderer) HTML(m *Model) (string, error) {
	p := page{Model: m, Dir: i18n.Dir(m.Lang), Digits: "latn", Charts: r.Charts}
	if m.Lang == "ar" {
		p.Digits = "arab"
	}
	if p.Charts == nil {
		p.Charts = Drawn{}
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// PDFBytes renders the report as PDF through the HTML document.
func (r *Renderer) PDFBytes(ctx context.Context, m *Model) ([]byte, error) {
	html, err := r.HTML(m)
	if err != nil {
		return nil, err
	}
	if r.PDF == nil {
		return nil, pdf.ErrUnavailable
	}
	return r.PDF.Render(ctx, html)
}

// Render renders the report in format (PDF or XLSX) with its file name and content type.
func (r *Renderer) Render(ctx context.Context, m *Model, format string) (data []byte, name, contentType string, err error) {
	base := FileName(m)
	switch format {
	case PDF:
		data, err = r.PDFBytes(ctx, m)
		return data, base + ".pdf", "application/pdf", err
	case XLSX:
		data, err = XLSXBytes(m)
		return data, base + ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", err
	}
	return nil, "", "", fmt.Errorf("report: unknown format %q", format)
}

// FileName is a report file's name without extension: report-<territory>-<period>-<lang>.
func FileName(m *Model) string {
	code := m.Code
	if code == "" {
		code = "EG"
	}
	return fmt.Sprintf("report-%s-%s-%s", code, m.Period, m.Lang)
}
