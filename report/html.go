package report

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"strconv"

	"markaz"
	"markaz/i18n"
	"markaz/kpi"
	"markaz/pdf"
)

//go:embed templates/*.html
var templates embed.FS

// Renderer renders report models. Charts draws the charts (Simple when nil); PDF prints
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
	"score": func(p page, v *float64) string { return Format("score", v, p.Digits) },
	"chart": func(p page, kind string, s Series) template.HTML {
		if kind == "line" {
			return p.Charts.Line(s, p.Dir == "rtl")
		}
		return p.Charts.Bars(s, p.Dir == "rtl")
	},
	"trendSeries":   trendSeries,
	"daysSeries":    daysSeries,
	"rankingSeries": rankingSeries,
	"add":           func(a, b int) int { return a + b },
	"sub":           func(a, b int) int { return a - b },
	"periodLabel":   func(p page, s kpi.Step, d markaz.Date) string { return periodLabel(p, s, d) },
	"freq":          FrequencyOf,
	"seriesStep":    SeriesStep,
	"value":         func(f kpi.Figures, key string) *float64 { return Value(&f, key) },
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

func pct(v *float64) *float64 {
	if v == nil {
		return nil
	}
	x := *v * 100
	return &x
}

func num(n int) *float64 { x := float64(n); return &x }

// trendSeries is the received (bars) or on-time rate (line) series of the trend.
func trendSeries(p page, which string) Series {
	s := Series{Title: i18n.T(p.Lang, "report.kpi."+which, nil)}
	for _, f := range p.Series {
		s.Labels = append(s.Labels, periodLabel(p, SeriesStep(p.Step), f.From))
		switch which {
		case "on_time_rate":
			s.Values = append(s.Values, pct(f.OnTimeRate))
			s.Text = append(s.Text, Format("share", f.OnTimeRate, p.Digits))
			s.Max = 100
		case "completed":
			s.Values = append(s.Values, num(f.Completed))
			s.Text = append(s.Text, i18n.Int(int64(f.Completed), p.Digits))
		default:
			s.Values = append(s.Values, num(f.Received))
			s.Text = append(s.Text, i18n.Int(int64(f.Received), p.Digits))
		}
	}
	return s
}

// daysSeries is the processing time distribution.
func daysSeries(p page) Series {
	s := Series{Title: i18n.T(p.Lang, "report.section.days", nil)}
	for _, d := range p.Days {
		s.Labels = append(s.Labels, i18n.Digits(strconv.Itoa(d.Days), p.Digits))
		s.Values = append(s.Values, num(d.N))
		s.Text = append(s.Text, i18n.Int(int64(d.N), p.Digits))
	}
	return s
}

// rankingSeries is the index of the first ranked units (at most 20).
func rankingSeries(p page) Series {
	s := Series{Title: i18n.T(p.Lang, "report.section.ranking", nil)}
	for i, f := range p.Ranking {
		if i == 20 || f.Index == nil {
			break
		}
		s.Labels = append(s.Labels, i18n.Digits(strconv.Itoa(f.Rank), p.Digits))
		s.Values = append(s.Values, f.Index)
		s.Text = append(s.Text, Format("score", f.Index, p.Digits))
	}
	s.Max = 100
	return s
}

// HTML renders the report as one self-contained HTML document (lang and dir set, fonts
// the system's Noto, charts inline).
func (r *Renderer) HTML(m *Model) (string, error) {
	p := page{Model: m, Dir: i18n.Dir(m.Lang), Digits: "latn", Charts: r.Charts}
	if m.Lang == "ar" {
		p.Digits = "arab"
	}
	if p.Charts == nil {
		p.Charts = Simple{}
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
