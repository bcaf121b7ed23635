package chart

import (
	"html/template"
	"math"
	"slices"
)

// Histogram geometry.
const (
	histHeight   = 200
	histTop      = 22 // room for the count above the tallest bar
	histBottomIn = 24
	histLabels   = 6
)

// Bins groups a histogram value → count (processing days → requests) into at most max
// bins of equal width 1, 2 or 5 × 10^k from 0 to the largest value. Negative values
// and counts are not data and are left out; nil when nothing is left.
func Bins(h map[int]int, max int) []Bin {
	if max < 1 {
		max = 1
	}
	top := -1
	for v, c := range h {
		if v >= 0 && c > 0 && v > top {
			top = v
		}
	}
	if top < 0 {
		return nil
	}
	width := 1
	for mag := 1; ; mag *= 10 {
		found := false
		for _, m := range []int{1, 2, 5} {
			if (top+1+m*mag-1)/(m*mag) <= max {
				width, found = m*mag, true
				break
			}
		}
		if found {
			break
		}
	}
	out := make([]Bin, top/width+1)
	for i := range out {
		out[i] = Bin{From: i * width, To: i*width + width - 1}
	}
	keys := make([]int, 0, len(h))
	for v := range h {
		keys = append(keys, v)
	}
	slices.Sort(keys)
	for _, v := range keys {
		if v >= 0 && h[v] > 0 {
			out[v/width].Count += h[v]
		}
	}
	return out
}

// Label is a bin's name: its value, or its range "5–9", in digits.
func (b Bin) Label(digits string) string {
	if b.From == b.To {
		return Number(float64(b.From), 0, digits)
	}
	return Number(float64(b.From), 0, digits) + "–" + Number(float64(b.To), 0, digits)
}

// Histogram draws bins as vertical bars from the smallest values at the start edge (the
// right in Arabic) to the largest, each with its count above it; without any count it
// is the "no data" chart.
func Histogram(o Options, bins []Bin) template.HTML {
	d, ok := layoutHistogram(o, bins)
	if !ok {
		return empty(o)
	}
	return render(o, d)
}

func layoutHistogram(o Options, bins []Bin) (drawing, bool) {
	most := 0
	for _, b := range bins {
		most = max(most, b.Count)
	}
	if most == 0 {
		return drawing{}, false
	}
	h := float64(o.Height)
	if h <= 0 {
		h = histHeight
	}
	top, bottom := float64(histTop), h-histBottomIn
	sc := niceScale(0, float64(most), 0, 4)
	n := len(bins)
	slot := 100 / float64(n)
	d := drawing{height: h}
	add := func(s shape) { d.shapes = append(d.shapes, s) }
	add(shape{kind: "line", x: 0, y: bottom, x2: 100, y2: bottom, stroke: colAxis, strokeW: 1})
	step := (n + histLabels - 1) / histLabels
	for i, b := range bins {
		mid := slot * (float64(i) + 0.5)
		label := b.Label(o.Digits)
		if i%step == 0 {
			add(shape{kind: "text", x: mid, y: h - 8, anchor: "middle", text: label})
		}
		if b.Count <= 0 {
			continue
		}
		bh := math.Max(1, sc.at(float64(b.Count))*(bottom-top))
		add(shape{kind: "rect", x: slot * (float64(i) + 0.1), y: bottom - bh, w: slot * 0.8, h: bh, fill: colHist,
			stroke: colFirst, strokeW: 1, title: label + ": " + o.format(float64(b.Count))})
		add(shape{kind: "text", x: mid, y: bottom - bh - 4, anchor: "middle", text: o.format(float64(b.Count))})
	}
	return d, true
}
