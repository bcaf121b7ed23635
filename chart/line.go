package chart

import (
	"html/template"
	"math"
)

// Line geometry: the legend's line, the plot between top and the x labels, the points
// between pad and 100 − pad percent (room for a centred label at either end).
const (
	lineHeight   = 220
	lineTop      = 32
	lineBottomIn = 26 // from the bottom: the x labels' room
	linePad      = 8.0
	lineLabels   = 6 // x labels at most (a phone fits six month labels)
)

// Line draws one or two series over labels (oldest first) on one value scale; a chart
// without any value is the "no data" chart.
func Line(o Options, labels []string, series []Series) template.HTML {
	d, ok := layoutLine(o, labels, series)
	if !ok {
		return empty(o)
	}
	return render(o, d)
}

// seriesStyle is how series k is drawn: solid and filled, then dashed and hollow.
func seriesStyle(k int) (colour, dash string, width float64, markerFill string) {
	if k == 0 {
		return colFirst, "", 2.5, colFirst
	}
	return colSecond, "6 4", 2, "#ffffff"
}

// pointX is the position of point i of n, in percent of the width.
func pointX(i, n int) float64 {
	if n <= 1 {
		return 50
	}
	return linePad + (100-2*linePad)*float64(i)/float64(n-1)
}

func layoutLine(o Options, labels []string, series []Series) (drawing, bool) {
	n := len(labels)
	lo, hi, any := math.Inf(1), math.Inf(-1), false
	for _, s := range series {
		for i, v := range s.Values {
			if v != nil && i < n {
				lo, hi, any = math.Min(lo, *v), math.Max(hi, *v), true
			}
		}
	}
	if !any {
		return drawing{}, false
	}
	h := float64(o.Height)
	if h <= 0 {
		h = lineHeight
	}
	top, bottom := float64(lineTop), h-lineBottomIn
	sc := niceScale(lo, hi, o.Max, 4)
	y := func(v float64) float64 { return bottom - sc.at(v)*(bottom-top) }
	d := drawing{height: h}
	add := func(s shape) { d.shapes = append(d.shapes, s) }

	// Legend: a sample of each line with its marker, then its name.
	for k, s := range series {
		col, dash, w, mf := seriesStyle(k)
		x := float64(k) * 45
		add(shape{kind: "line", x: x, y: 10, x2: x + 6, y2: 10, stroke: col, strokeW: w, dash: dash})
		add(shape{kind: "circle", x: x + 3, y: 10, w: 3.5, fill: mf, stroke: col, strokeW: 2})
		add(shape{kind: "text", x: x + 7.5, y: 14, anchor: "start", text: s.Name})
	}
	// Grid and value labels, each above its line at the start edge.
	for _, t := range sc.ticks {
		col := colGrid
		if t == 0 {
			col = colAxis
		}
		add(shape{kind: "line", x: 0, y: y(t), x2: 100, y2: y(t), stroke: col, strokeW: 1})
		add(shape{kind: "text", x: 0, y: y(t) - 3, anchor: "start", text: o.format(t), fill: colAxis})
	}
	// Time labels under the plot, thinned to what a phone can hold.
	step := (n + lineLabels - 1) / lineLabels
	for i, l := range labels {
		if i%step == 0 {
			add(shape{kind: "text", x: pointX(i, n), y: h - 8, anchor: "middle", text: l})
		}
	}
	for k, s := range series {
		col, dash, w, mf := seriesStyle(k)
		at := func(i int) (float64, bool) {
			if i < 0 || i >= n || i >= len(s.Values) || s.Values[i] == nil {
				return 0, false
			}
			return *s.Values[i], true
		}
		for i := 1; i < n; i++ {
			a, okA := at(i - 1)
			b, okB := at(i)
			if okA && okB {
				add(shape{kind: "line", x: pointX(i-1, n), y: y(a), x2: pointX(i, n), y2: y(b), stroke: col, strokeW: w, dash: dash})
			}
		}
		last := -1
		for i := 0; i < n; i++ {
			if v, ok := at(i); ok {
				add(shape{kind: "circle", x: pointX(i, n), y: y(v), w: 3.5, fill: mf, stroke: col, strokeW: 2,
					title: labels[i] + " — " + s.Name + ": " + o.format(v)})
				last = i
			}
		}
		// The latest value written by its point: above for the first line, below for the second.
		v, _ := at(last)
		ty := y(v) - 8
		if k == 1 {
			ty = y(v) + 17
		}
		anchor := "end"
		if pointX(last, n) < 50 {
			anchor = "start"
		}
		add(shape{kind: "text", x: pointX(last, n), y: ty, anchor: anchor, text: o.format(v), bold: true})
	}
	return d, true
}
