package chart

import (
	"html/template"
	"math"
)

// Bar geometry: each row is its label, then its bar; bars take the first barArea percent
// of the width, the rest is room for the number after the longest.
const (
	barRow   = 40
	barLabel = 13 // the label's baseline, from the row's top
	barTop   = 17 // the bar's top, from the row's top
	barH     = 15
	barArea  = 86.0
)

// Bars draws a ranking: one horizontal bar per row, its value written after it, the row
// at highlight (−1 for none) hatched, outlined and its label bold. A bar without a value
// shows "—"; negative values run the other way from the zero line. A row with an Href
// is one link there (its name, bar and value), and the chart is then a group of links
// rather than an image.
func Bars(o Options, bars []Bar, highlight int) template.HTML {
	d, ok := layoutBars(o, bars, highlight)
	if !ok {
		return empty(o)
	}
	return render(o, d)
}

func layoutBars(o Options, bars []Bar, highlight int) (drawing, bool) {
	if len(bars) == 0 {
		return drawing{}, false
	}
	// Rows without a value still list their names, each with "—".
	lo, hi := 0.0, 0.0
	for _, b := range bars {
		if b.Value != nil {
			lo, hi = math.Min(lo, *b.Value), math.Max(hi, *b.Value)
		}
	}
	sc := niceScale(lo, hi, o.Max, 4)
	x := func(v float64) float64 { return sc.at(v) * barArea }
	zero := x(0)
	d := drawing{height: float64(len(bars)*barRow + 4)}
	add := func(s shape) { d.shapes = append(d.shapes, s) }
	// The zero line, when some values are negative.
	if lo < 0 {
		add(shape{kind: "line", x: zero, y: 0, x2: zero, y2: d.height, stroke: colAxis, strokeW: 1})
	}
	for i, b := range bars {
		top := float64(i*barRow + 2)
		hl := i == highlight
		add(shape{kind: "text", x: 0, y: top + barLabel, anchor: "start", text: b.Label, bold: hl, href: b.Href})
		if b.Value == nil {
			add(shape{kind: "text", x: zero, dx: 4, y: top + barTop + barH - 3, anchor: "start", text: "—", href: b.Href})
			continue
		}
		v := *b.Value
		from, to := math.Min(zero, x(v)), math.Max(zero, x(v))
		bar := shape{kind: "rect", x: from, y: top + barTop, w: to - from, h: barH, fill: colBar,
			title: b.Label + ": " + o.format(v), href: b.Href}
		if hl {
			bar.fill, bar.stroke, bar.strokeW = "hatch", colText, 2
			d.hatch = true
		}
		add(bar)
		label := shape{kind: "text", x: to, dx: 4, y: top + barTop + barH - 3, anchor: "start", text: o.format(v), bold: hl, href: b.Href}
		if v < 0 {
			label.x, label.dx, label.anchor = from, -4, "end"
		}
		add(label)
	}
	return d, true
}
