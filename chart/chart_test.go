package chart

import (
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func f(v float64) *float64 { return &v }

// wellFormed fails when svg is not one well-formed XML element.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.01 }

func TestNiceScale(t *testing.T) {
	for _, c := range []struct {
		lo, hi, top float64
		want        []float64
	}{
		{0, 87, 100, []float64{0, 25, 50, 75, 100}},
		{0, 7, 0, []float64{0, 2, 4, 6, 8}},
		{-3, 10, 0, []float64{-5, 0, 5, 10}},
		{0, 0, 0, []float64{0, 0.25, 0.5, 0.75, 1}},
		{0, 0.93, 0, []float64{0, 0.25, 0.5, 0.75, 1}},
		{2, 9, 0, []float64{0, 2.5, 5, 7.5, 10}}, // the scale starts at zero
		{-40, -10, 0, []float64{-40, -30, -20, -10, 0}},
		{0, 1234, 0, []float64{0, 500, 1000, 1500}},
	} {
		s := niceScale(c.lo, c.hi, c.top, 4)
		if !slices.EqualFunc(s.ticks, c.want, near) || s.lo != c.want[0] || s.hi != c.want[len(c.want)-1] {
			t.Errorf("niceScale(%v, %v, %v) = %v [%v, %v], want %v", c.lo, c.hi, c.top, s.ticks, s.lo, s.hi, c.want)
		}
	}
}

func TestPointX(t *testing.T) {
	for _, c := range []struct {
		i, n int
		want float64
	}{{0, 1, 50}, {0, 2, 8}, {1, 2, 92}, {1, 3, 50}, {3, 5, 71}} {
		if got := pointX(c.i, c.n); !near(got, c.want) {
			t.Errorf("pointX(%d, %d) = %v, want %v", c.i, c.n, got, c.want)
		}
	}
}

// circles returns the markers of a drawing as (x, y) pairs.
func circles(d drawing) [][2]float64 {
	var out [][2]float64
	for _, s := range d.shapes {
		if s.kind == "circle" && s.title != "" {
			out = append(out, [2]float64{s.x, s.y})
		}
	}
	return out
}

func TestLineGeometry(t *testing.T) {
	o := Options{ID: "t", Title: "On time", Max: 1}
	// 0, 0.5, 1 on a 0–1 scale: the plot runs from y 194 (bottom) to 32 (top).
	d, ok := layoutLine(o, []string{"a", "b", "c"}, []Series{{Name: "s", Values: []*float64{f(0), f(0.5), f(1)}}})
	if !ok {
		t.Fatal("no drawing")
	}
	want := [][2]float64{{8, 194}, {50, 113}, {92, 32}}
	if got := circles(d); !slices.EqualFunc(got, want, func(a, b [2]float64) bool { return near(a[0], b[0]) && near(a[1], b[1]) }) {
		t.Errorf("points %v, want %v", got, want)
	}
	// A missing value breaks the line: no segment touches point 1.
	d, _ = layoutLine(o, []string{"a", "b", "c", "d"}, []Series{{Name: "s", Values: []*float64{f(1), nil, f(1), f(0)}}})
	segs := 0
	for _, s := range d.shapes {
		if s.kind == "line" && s.stroke == colFirst && s.y == s.y2 && s.x == 0 {
			continue // a grid line
		}
		if s.kind == "line" && s.stroke == colFirst && s.x2 > 7 { // not the legend sample
			segs++
			if near(s.x, pointX(1, 4)) || near(s.x2, pointX(1, 4)) {
				t.Errorf("a segment touches the missing point: %+v", s)
			}
		}
	}
	if segs != 1 {
		t.Errorf("%d segments, want 1 (c–d)", segs)
	}
	if n := len(circles(d)); n != 3 {
		t.Errorf("%d markers, want 3", n)
	}
	// Negative values: the zero line lies inside the plot, drawn darker than the grid.
	d, _ = layoutLine(Options{}, []string{"a", "b"}, []Series{{Name: "s", Values: []*float64{f(-3), f(10)}}})
	zero := false
	for _, s := range d.shapes {
		if s.kind == "line" && s.stroke == colAxis && near(s.y, 194-5.0/15*162) {
			zero = true
		}
	}
	if !zero {
		t.Error("no zero line at -5..10")
	}
	// Two series: the second is dashed with hollow markers.
	d, _ = layoutLine(Options{}, []string{"a"}, []Series{{Name: "x", Values: []*float64{f(1)}}, {Name: "y", Values: []*float64{f(2)}}})
	var hollow, dashed bool
	for _, s := range d.shapes {
		hollow = hollow || s.kind == "circle" && s.fill == "#ffffff" && s.stroke == colSecond
		dashed = dashed || s.kind == "line" && s.stroke == colSecond && s.dash != ""
	}
	if !hollow || !dashed {
		t.Errorf("second series not told apart without colour: hollow %v dashed %v", hollow, dashed)
	}
}

func TestLineLabelsThinned(t *testing.T) {
	labels := make([]string, 24)
	for i := range labels {
		labels[i] = "m" + Number(float64(i), 0, "latn")
	}
	vals := make([]*float64, 24)
	vals[5] = f(3)
	d, _ := layoutLine(Options{}, labels, []Series{{Name: "s", Values: vals}})
	var shown []string
	for _, s := range d.shapes {
		if s.kind == "text" && strings.HasPrefix(s.text, "m") {
			shown = append(shown, s.text)
		}
	}
	if want := []string{"m0", "m4", "m8", "m12", "m16", "m20"}; !slices.Equal(shown, want) {
		t.Errorf("labels %v, want %v", shown, want)
	}
}

func TestEmptyCharts(t *testing.T) {
	o := Options{ID: "e", Title: "Received", Empty: "لا توجد بيانات"}
	for name, svg := range map[string]string{
		"line no labels":  string(Line(o, nil, nil)),
		"line all nil":    string(Line(o, []string{"a", "b"}, []Series{{Name: "s", Values: []*float64{nil, nil}}})),
		"bars none":       string(Bars(o, nil, -1)),
		"histogram zero":  string(Histogram(o, []Bin{{0, 0, 0}, {1, 1, 0}})),
		"histogram empty": string(Histogram(o, Bins(map[int]int{}, 10))),
	} {
		wellFormed(t, svg)
		if !strings.Contains(svg, "لا توجد بيانات") || !strings.Contains(svg, `<title id="e-title">Received</title>`) ||
			!strings.Contains(svg, `aria-labelledby="e-title e-desc"`) ||
			!strings.Contains(svg, `role="img"`) {
			t.Errorf("%s: not the no-data chart: %s", name, svg)
		}
	}
}

func TestBarsGeometry(t *testing.T) {
	bars := []Bar{{Label: "A", Value: f(80), Href: "/a"}, {Label: "B"}, {Label: "C", Value: f(-20)}, {Label: "D", Value: f(0)}}
	d, ok := layoutBars(Options{}, bars, 0)
	if !ok {
		t.Fatal("no drawing")
	}
	// Scale −25..100 over 86%: zero at 17.2%, 80 at 72.24%, −20 at 3.44%.
	var rects []shape
	var texts []string
	for _, s := range d.shapes {
		switch s.kind {
		case "rect":
			rects = append(rects, s)
		case "text":
			texts = append(texts, s.text)
		}
	}
	if len(rects) != 3 {
		t.Fatalf("%d bars, want 3 (B has no value)", len(rects))
	}
	if a := rects[0]; !near(a.x, 17.2) || !near(a.w, 72.24-17.2) || a.fill != "hatch" || a.stroke == "" || a.href != "/a" {
		t.Errorf("bar A %+v", a)
	}
	if c := rects[1]; !near(c.x, 3.44) || !near(c.x+c.w, 17.2) || c.fill != colBar {
		t.Errorf("bar C %+v", c)
	}
	if z := rects[2]; z.w != 0 {
		t.Errorf("bar D (zero) %+v", z)
	}
	if !d.hatch {
		t.Error("highlight without its pattern")
	}
	if want := []string{"A", "80", "B", "—", "C", "-20", "D", "0"}; !slices.Equal(texts, want) {
		t.Errorf("texts %v, want %v", texts, want)
	}
	// The negative value's number sits before its bar, anchored at its end.
	for _, s := range d.shapes {
		if s.kind == "text" && s.text == "-20" && (s.anchor != "end" || s.dx >= 0 || !near(s.x, 3.44)) {
			t.Errorf("negative label %+v", s)
		}
	}
	if d.height != 4*barRow+4 {
		t.Errorf("height %v", d.height)
	}
	// An index scale: Max 100 makes 50 half of the bar area.
	d, _ = layoutBars(Options{Max: 100}, []Bar{{Label: "x", Value: f(50)}}, -1)
	for _, s := range d.shapes {
		if s.kind == "rect" && (!near(s.w, barArea/2) || s.fill != colBar) {
			t.Errorf("50 of 100: %+v", s)
		}
	}
}

func TestBins(t *testing.T) {
	for _, c := range []struct {
		h    map[int]int
		max  int
		want []Bin
	}{
		{map[int]int{}, 10, nil},
		{map[int]int{-2: 4, 3: 0}, 10, nil},
		{map[int]int{0: 2, 2: 1}, 10, []Bin{{0, 0, 2}, {1, 1, 0}, {2, 2, 1}}},
		{map[int]int{0: 1, 3: 2, 25: 1, -1: 7}, 12, []Bin{{0, 4, 3}, {5, 9, 0}, {10, 14, 0}, {15, 19, 0}, {20, 24, 0}, {25, 29, 1}}},
		{map[int]int{11: 1, 12: 1}, 12, []Bin{{0, 1, 0}, {2, 3, 0}, {4, 5, 0}, {6, 7, 0}, {8, 9, 0}, {10, 11, 1}, {12, 13, 1}}},
		{map[int]int{250: 3}, 12, []Bin{{0, 49, 0}, {50, 99, 0}, {100, 149, 0}, {150, 199, 0}, {200, 249, 0}, {250, 299, 3}}},
	} {
		if got := Bins(c.h, c.max); !slices.Equal(got, c.want) {
			t.Errorf("Bins(%v, %d) = %v, want %v", c.h, c.max, got, c.want)
		}
	}
}

func TestHistogramGeometry(t *testing.T) {
	d, ok := layoutHistogram(Options{}, []Bin{{0, 4, 4}, {5, 9, 2}, {10, 14, 0}})
	if !ok {
		t.Fatal("no drawing")
	}
	var rects []shape
	for _, s := range d.shapes {
		if s.kind == "rect" {
			rects = append(rects, s)
		}
	}
	// Three slots of 33.33%; counts 4 and 2 on a 0–4 scale over 154 px (22 to 176).
	if len(rects) != 2 {
		t.Fatalf("%d bars, want 2 (no bar for an empty bin)", len(rects))
	}
	if r := rects[0]; !near(r.x, 3.33) || !near(r.w, 26.67) || !near(r.y, 22) || !near(r.h, 154) || r.title != "0–4: 4" {
		t.Errorf("bin 0 %+v", r)
	}
	if r := rects[1]; !near(r.x, 36.67) || !near(r.y, 99) || !near(r.h, 77) {
		t.Errorf("bin 1 %+v", r)
	}
}

// In Arabic every position is mirrored and the SVG reads right to left; text anchors
// stay (direction rtl gives them their mirrored meaning).
func TestRTLMirrors(t *testing.T) {
	for _, c := range []struct{ in, want shape }{
		{shape{kind: "rect", x: 10, w: 30}, shape{kind: "rect", x: 60, w: 30}},
		{shape{kind: "line", x: 0, x2: 100}, shape{kind: "line", x: 100, x2: 0}},
		{shape{kind: "circle", x: 8}, shape{kind: "circle", x: 92}},
		{shape{kind: "text", x: 5, dx: 4, anchor: "start"}, shape{kind: "text", x: 95, dx: -4, anchor: "start"}},
	} {
		if got := mirror(c.in); got != c.want {
			t.Errorf("mirror(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}
	o := Options{ID: "r", Title: "عنوان", RTL: true, Digits: "arab"}
	svg := string(Line(o, []string{"٢٠٢٦-٠١", "٢٠٢٦-٠٢", "٢٠٢٦-٠٣"}, []Series{{Name: "وارد", Values: []*float64{f(1), f(2), f(3)}}}))
	wellFormed(t, svg)
	// The oldest point at the right edge, the latest at the left; labels in Arabic-Indic digits.
	for _, want := range []string{`direction="rtl"`, `cx="92%"`, `cx="50%"`, `cx="8%"`, `>٣</text>`, `<desc id="r-desc">عنوان</desc>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("RTL line chart lacks %s:\n%s", want, svg)
		}
	}
	if !strings.Contains(svg, `<circle cx="92%" cy="140" r="3.5" fill="#0b4f6c" stroke="#0b4f6c" stroke-width="2"><title>٢٠٢٦-٠١ — وارد: ١</title>`) {
		t.Errorf("first month's marker not at the right edge:\n%s", svg)
	}
	ltr := string(Line(Options{ID: "l"}, []string{"a", "b", "c"}, []Series{{Name: "s", Values: []*float64{f(1), f(2), f(3)}}}))
	if !strings.Contains(ltr, `direction="ltr"`) || !strings.Contains(ltr, `cx="8%" cy="140"`) {
		t.Errorf("LTR line chart: first point not at the left:\n%s", ltr)
	}
	if !strings.Contains(svg, `cx="92%" cy="140"`) {
		t.Errorf("RTL line chart: first point not at the right:\n%s", svg)
	}
	bars := string(Bars(Options{ID: "b", RTL: true, Max: 100}, []Bar{{Label: "أ", Value: f(50), Href: "/x?a=1&b=2"}}, 0))
	// The row is one link holding its name, bar and value.
	if !regexp.MustCompile(`<a href="/x\?a=1&amp;b=2"><text[^>]*>أ</text><rect[^>]*>.*</rect><text[^>]*>50</text></a></svg>$`).MatchString(bars) ||
		strings.Count(bars, "<a ") != 1 {
		t.Errorf("the row is not one link:\n%s", bars)
	}
	wellFormed(t, bars)
	// 50 of 100 spans 43% from the right edge: x = 100 − 43.
	for _, want := range []string{`<rect x="57%" y="19" width="43%"`, `fill="url(#b-hatch)"`, `<pattern id="b-hatch"`, `role="group"`} {
		if !strings.Contains(bars, want) {
			t.Errorf("RTL bars lack %s:\n%s", want, bars)
		}
	}
}

func TestTextEscapedAndDigits(t *testing.T) {
	svg := string(Bars(Options{ID: "x", Title: `<b>"R&D"</b>`, Digits: "arab",
		Format: func(v float64) string { return Percent(v, 1, "arab") }}, []Bar{{Label: "<i>", Value: f(0.875)}}, -1))
	wellFormed(t, svg)
	if strings.Contains(svg, "<b>") || strings.Contains(svg, "<i>") || !strings.Contains(svg, "&lt;i&gt;") {
		t.Errorf("text not escaped: %s", svg)
	}
	if !strings.Contains(svg, "٨٧٫٥٪") {
		t.Errorf("percentage not in Arabic-Indic digits: %s", svg)
	}
	for _, c := range []struct {
		got, want string
	}{
		{Number(12.0, 1, "latn"), "12"},
		{Number(12.26, 1, "latn"), "12.3"},
		{Number(-0.01, 1, "latn"), "0"},
		{Number(1234, 0, "arab"), "١٢٣٤"},
		{Percent(0.5, 0, "latn"), "50%"},
		{Bin{5, 9, 1}.Label("arab"), "٥–٩"},
		{Bin{3, 3, 1}.Label("latn"), "3"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
