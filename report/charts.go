package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Series is one chart's data: a label and a value (nil: no data) per point, in reading
// order (oldest first for a trend).
type Series struct {
	Title  string
	Labels []string
	Values []*float64
	Text   []string // each value as printed (digits of the language); number() when empty
	Unit   string   // shown after each value ("%" for shares already × 100)
	Max    float64  // the top of the scale; the largest value when 0
}

// text is the i-th value as printed.
func (s Series) text(i int) string {
	if i < len(s.Text) {
		return s.Text[i]
	}
	return number(*s.Values[i]) + s.Unit
}

// Charts draws the report's charts as inline SVG (the PDF fetches nothing). RTL lays
// the axis out right to left, as Arabic reads. The report uses Simple until a richer
// drawing is plugged in by setting Renderer.Charts.
type Charts interface {
	Line(s Series, rtl bool) template.HTML
	Bars(s Series, rtl bool) template.HTML
}

// Simple is the built-in Charts: plain bars and a polyline with the values printed,
// black and one accent colour, legible in grey print.
type Simple struct{}

const (
	chartW, chartH = 640, 200
	padX, padTop   = 16, 24
	padBottom      = 36
)

func (Simple) frame(s Series, body string) template.HTML {
	return template.HTML(fmt.Sprintf(`<svg class="chart" role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" xmlns="http://www.w3.org/2000/svg">%s</svg>`,
		template.HTMLEscapeString(s.Title), chartW, chartH, body))
}

// positions spreads n points over the width, mirrored for right-to-left.
func positions(n int, rtl bool) []float64 {
	out := make([]float64, n)
	step := float64(chartW-2*padX) / float64(max(n, 1))
	for i := range out {
		x := padX + step*(float64(i)+0.5)
		if rtl {
			x = chartW - x
		}
		out[i] = x
	}
	return out
}

func scale(s Series) float64 {
	top := s.Max
	for _, v := range s.Values {
		if v != nil && *v > top {
			top = *v
		}
	}
	if top == 0 {
		return 1
	}
	return top
}

func number(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// Bars draws one bar per point.
func (c Simple) Bars(s Series, rtl bool) template.HTML {
	var b strings.Builder
	xs := positions(len(s.Values), rtl)
	top := scale(s)
	w := float64(chartW-2*padX) / float64(max(len(xs), 1)) * 0.7
	plot := float64(chartH - padTop - padBottom)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`, padX, chartH-padBottom, chartW-padX, chartH-padBottom)
	for i, v := range s.Values {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>`, xs[i], chartH-padBottom+14,
			template.HTMLEscapeString(s.Labels[i]))
		if v == nil {
			continue
		}
		h := *v / top * plot
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2b6cb0"/>`, xs[i]-w/2, float64(chartH-padBottom)-h, w, h)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>`, xs[i],
			float64(chartH-padBottom)-h-3, template.HTMLEscapeString(s.text(i)))
	}
	return c.frame(s, b.String())
}

// Line draws a polyline through the points with data, each value printed.
func (c Simple) Line(s Series, rtl bool) template.HTML {
	var b strings.Builder
	xs := positions(len(s.Values), rtl)
	top := scale(s)
	plot := float64(chartH - padTop - padBottom)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`, padX, chartH-padBottom, chartW-padX, chartH-padBottom)
	var pts []string
	for i, v := range s.Values {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>`, xs[i], chartH-padBottom+14,
			template.HTMLEscapeString(s.Labels[i]))
		if v == nil {
			continue
		}
		y := float64(chartH-padBottom) - *v/top*plot
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", xs[i], y))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#c05621"/><text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>`,
			xs[i], y, xs[i], y-6, template.HTMLEscapeString(s.text(i)))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#c05621" stroke-width="2"/>`, strings.Join(pts, " "))
	}
	return c.frame(s, b.String())
}
