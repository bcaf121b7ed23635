package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"markaz/store"
)

// The national dashboard opens in Arabic right to left with its charts drawn (each SVG
// laid out with a real size, named by its title, time and bars mirrored), passes axe in
// both languages, and fits a phone's width.
func TestDashboardInTheBrowser(t *testing.T) {
	s := start(t, store.SQLite)
	s.login("admin")
	s.open("/dashboard")
	if s.attr("html", "lang") != "ar" || s.attr("html", "dir") != "rtl" {
		t.Fatal("the dashboard is not Arabic right-to-left")
	}
	// Every chart is drawn: a role=img SVG with a title, wider and taller than nothing,
	// in right-to-left direction.
	type drawn struct {
		N, Sized, Titled, RTL int
	}
	check := `(() => { const s = [...document.querySelectorAll('svg.chart-svg')]; return {
		N: s.length,
		Sized: s.filter(e => { const r = e.getBoundingClientRect(); return r.width > 200 && r.height > 40 }).length,
		Titled: s.filter(e => ['img', 'group'].includes(e.getAttribute('role')) && document.getElementById(e.getAttribute('aria-labelledby').split(' ')[0]).textContent.trim() !== '').length,
		RTL: s.filter(e => getComputedStyle(e).direction === 'rtl').length } })()`
	d, err := chromedp.Run(s.ctx, chromedp.Evaluate[drawn](check))
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 4 || d.Sized != 4 || d.Titled != 4 || d.RTL != 4 {
		t.Errorf("charts drawn: %+v, want 4 of each", d)
	}
	// The demo year has requests: the trend draws points, the oldest at the right.
	xs, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll('svg[aria-labelledby^="chart-counts"] circle')]
		.filter(c => c.querySelector('title')).map(c => c.getBoundingClientRect().x)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) < 2 || xs[0] <= xs[len(xs)-1] {
		t.Errorf("trend points do not run right to left: %v", xs)
	}
	// A chart's table opens with one click.
	s.do(chromedp.Click(chromedp.CSS("#trend-table summary")))
	if rows := s.text("#trend-table tbody"); !strings.ContainsAny(rows, "٠١٢٣٤٥٦٧٨٩") {
		t.Errorf("the trend table shows no figures: %q", rows)
	}
	s.axe("/dashboard ar")
	s.open("/dashboard/governorate/13")
	s.axe("/dashboard/governorate/13 ar")
	s.switchLang()
	s.open("/dashboard")
	if s.attr("html", "dir") != "ltr" {
		t.Error("English dashboard is not left-to-right")
	}
	s.axe("/dashboard en")
	s.do(chromedp.EmulateViewport(375, 740))
	s.fitsPhone("/dashboard")
	s.fitsPhone("/dashboard/governorate/13")
}
