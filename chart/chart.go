// Package chart draws the charts of dashboards and reports as SVG: a line chart (a
// series over time, one or two lines on one scale), horizontal bars (a ranking, one bar
// highlighted) and a histogram (how many requests took how many days).
//
// Every chart is one <svg> that stands alone (no stylesheet, no script): role="img"
// named by its <title> and <desc>, each point or bar carrying its own <title>. Lines
// differ by dash and marker shape, the highlighted bar by a hatch pattern and a thick
// outline, and numbers are written next to what they measure, so nothing depends on
// colour and a greyscale print reads like the screen.
//
// The SVG has no viewBox: it spans the width it is given (width="100%"), horizontal
// positions are percentages of that width and vertical ones pixels, so text keeps its
// size on a phone as on a printed page. In right-to-left charts every horizontal
// position is mirrored (x becomes 100% − x) and the SVG's direction is rtl, which makes
// text-anchor "start" and "end" mean the same sides of the text as before mirroring:
// time and bars run from right to left, labels hug the same edges.
package chart

import (
	"strconv"
	"strings"

	"markaz/i18n"
)

// Options are what every chart takes.
type Options struct {
	ID     string               // unique on the page: prefixes the ids of the title, description and pattern
	Title  string               // the chart's accessible name
	Desc   string               // a sentence saying what the chart shows (the title when empty)
	RTL    bool                 // right to left (Arabic)
	Digits string               // "arab" for Arabic-Indic digits, anything else for Latin
	Format func(float64) string // how values are written (already in the digits wanted); nil: up to one decimal
	Empty  string               // the text of a chart without data ("No data" when empty)
	Max    float64              // the top of the value scale when larger than the data's (100 for an index)
	Height int                  // the plot's height in pixels for lines and histograms; 0: 220
}

// Series is one line of a line chart: a value per label, nil where there is no data
// (the line breaks there).
type Series struct {
	Name   string
	Values []*float64
}

// Bar is one bar of a ranking: a label, a value (nil: no data, no bar) and an optional
// link.
type Bar struct {
	Label string
	Value *float64
	Href  string
}

// Bin is one bar of a histogram: the values From–To (inclusive) and how many fell there.
type Bin struct {
	From, To int
	Count    int
}

// Text sizes and colours. The two series and the bars differ in lightness too, so they
// stay apart in greyscale; the grid is light and thin.
const (
	fontSize  = 12
	colText   = "#1a1a1a"
	colGrid   = "#c8c8c8"
	colAxis   = "#555555"
	colFirst  = "#0b4f6c" // dark blue, solid line, filled circles
	colSecond = "#b35c00" // orange-brown, dashed line, hollow circles
	colBar    = "#0b4f6c"
	colHist   = "#5b7f95"
	colHigh   = "#e09f1f"
)

// shape is one SVG element before mirroring: x and w in percent of the width, y and h in
// pixels. dx shifts text by pixels along x (mirrored with x).
type shape struct {
	kind         string // rect, line, circle (w is the radius), text
	x, y, w, h   float64
	x2, y2       float64 // a line's end
	dx           float64
	anchor       string // start, middle, end (in the reading direction)
	text, title  string
	href         string
	fill, stroke string
	strokeW      float64
	dash         string
	bold         bool
}

// mirror returns s as drawn right to left.
func mirror(s shape) shape {
	switch s.kind {
	case "rect":
		s.x = 100 - s.x - s.w
	case "line":
		s.x, s.x2 = 100-s.x, 100-s.x2
	default:
		s.x = 100 - s.x
	}
	s.dx = -s.dx
	return s
}

// drawing is a chart laid out: its shapes and height.
type drawing struct {
	shapes []shape
	height float64
	hatch  bool // the hatch pattern is used
}

func (o Options) format(v float64) string {
	if o.Format != nil {
		return o.Format(v)
	}
	return Number(v, 1, o.Digits)
}

// Number writes v with up to places decimals (trailing zeros dropped), in digits.
func Number(v float64, places int, digits string) string {
	s := strconv.FormatFloat(v, 'f', places, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return i18n.Digits(s, digits)
}

// Percent writes a fraction (0.875) as a percentage with up to places decimals (87.5%).
func Percent(v float64, places int, digits string) string {
	return i18n.Digits(Number(v*100, places, "latn")+"%", digits)
}
