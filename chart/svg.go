package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// render writes a laid-out drawing as one SVG element, mirrored when o.RTL. Presentation
// attributes only (no style attribute), so a strict Content-Security-Policy allows it.
func render(o Options, d drawing) template.HTML {
	var b strings.Builder
	dir := "ltr"
	if o.RTL {
		dir = "rtl"
	}
	id := o.ID
	if id == "" {
		id = "chart"
	}
	desc := o.Desc
	if desc == "" {
		desc = o.Title
	}
	// A chart is an image; one holding links is a group, so that its links stay links
	// (an image's content is not read out, and controls may not sit inside one).
	role := "img"
	for _, s := range d.shapes {
		if s.href != "" {
			role = "group"
			break
		}
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="%s" aria-labelledby="%s-title %s-desc" width="100%%" height="%s" direction="%s" font-size="%d" fill="%s">`,
		role, esc(id), esc(id), num(d.height), dir, fontSize, colText)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(o.Title), esc(id), esc(desc))
	if d.hatch {
		// Diagonal stripes on white: the highlighted bar in colour and in greyscale.
		fmt.Fprintf(&b, `<defs><pattern id="%s-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">`+
			`<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="%s"/></pattern></defs>`, esc(id), colHigh)
	}
	// Consecutive shapes with the same link make one link (a bar's row: its name, bar and value).
	link := ""
	for _, s := range d.shapes {
		if o.RTL {
			s = mirror(s)
		}
		if s.fill == "hatch" {
			s.fill = "url(#" + id + "-hatch)"
		}
		if s.href != link {
			if link != "" {
				b.WriteString(`</a>`)
			}
			if s.href != "" {
				fmt.Fprintf(&b, `<a href="%s">`, esc(s.href))
			}
			link = s.href
		}
		writeShape(&b, s)
	}
	if link != "" {
		b.WriteString(`</a>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func writeShape(b *strings.Builder, s shape) {
	paint := ""
	if s.fill != "" {
		paint += ` fill="` + esc(s.fill) + `"`
	}
	if s.stroke != "" {
		paint += fmt.Sprintf(` stroke="%s" stroke-width="%s"`, esc(s.stroke), num(s.strokeW))
		if s.dash != "" {
			paint += ` stroke-dasharray="` + s.dash + `"`
		}
	}
	title := ""
	if s.title != "" {
		title = "<title>" + esc(s.title) + "</title>"
	}
	switch s.kind {
	case "rect":
		fmt.Fprintf(b, `<rect x="%s%%" y="%s" width="%s%%" height="%s"%s>%s</rect>`, num(s.x), num(s.y), num(s.w), num(s.h), paint, title)
	case "line":
		fmt.Fprintf(b, `<line x1="%s%%" y1="%s" x2="%s%%" y2="%s"%s/>`, num(s.x), num(s.y), num(s.x2), num(s.y2), paint)
	case "circle":
		fmt.Fprintf(b, `<circle cx="%s%%" cy="%s" r="%s"%s>%s</circle>`, num(s.x), num(s.y), num(s.w), paint, title)
	case "text":
		dx := ""
		if s.dx != 0 {
			dx = ` dx="` + num(s.dx) + `"`
		}
		weight := ""
		if s.bold {
			weight = ` font-weight="700"`
		}
		fmt.Fprintf(b, `<text x="%s%%"%s y="%s" text-anchor="%s"%s%s>%s</text>`, num(s.x), dx, num(s.y), s.anchor, weight, paint, esc(s.text))
	}
}

// empty is the chart of no data: its title, and the text saying there is none.
func empty(o Options) template.HTML {
	text := o.Empty
	if text == "" {
		text = "No data"
	}
	return render(o, drawing{height: 48, shapes: []shape{
		{kind: "rect", x: 0, y: 0.5, w: 100, h: 47, fill: "none", stroke: colGrid, strokeW: 1, dash: "4 3"},
		{kind: "text", x: 50, y: 29, anchor: "middle", text: text},
	}})
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// num writes a coordinate with at most two decimals.
func num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	return Number(v, 2, "latn")
}

// scale is a value axis: the range [lo, hi] drawn, and its ticks.
type scale struct {
	lo, hi float64
	ticks  []float64
}

// niceScale covers [lo, hi] (always including 0, and top when larger) with about n
// steps of 1, 2, 2.5 or 5 × 10^k.
func niceScale(lo, hi, top float64, n int) scale {
	lo, hi = math.Min(lo, 0), math.Max(math.Max(hi, 0), top)
	if hi == lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw-1e-12 {
			step = m * mag
			break
		}
	}
	s := scale{lo: math.Floor(lo/step+1e-9) * step, hi: math.Ceil(hi/step-1e-9) * step}
	for v := s.lo; v <= s.hi+step/2; v += step {
		s.ticks = append(s.ticks, math.Round(v/step)*step)
	}
	return s
}

// at maps v to a position from 0 (lo) to 1 (hi).
func (s scale) at(v float64) float64 { return (v - s.lo) / (s.hi - s.lo) }
