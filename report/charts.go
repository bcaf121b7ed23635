package report

import (
	"html/template"

	"markaz/chart"
)

// Charts draws the report's charts as inline SVG (the printed PDF fetches nothing).
// Drawn, the default, uses package chart, so a report's charts look like the
// dashboards'; another drawing plugs in through Renderer.Charts.
type Charts interface {
	// Trend draws one or two series over the period's steps, oldest first.
	Trend(o chart.Options, labels []string, series []chart.Series) template.HTML
	// Ranking draws one bar per unit, in rank order.
	Ranking(o chart.Options, bars []chart.Bar) template.HTML
	// Days draws the processing time distribution: working days → completions.
	Days(o chart.Options, days map[int]int) template.HTML
}

// Drawn is Charts through package chart.
type Drawn struct{}

// daysBins is how many bars the processing time distribution has at most.
const daysBins = 12

// Trend is chart.Line.
func (Drawn) Trend(o chart.Options, labels []string, series []chart.Series) template.HTML {
	return chart.Line(o, labels, series)
}

// Ranking is chart.Bars without a highlighted bar.
func (Drawn) Ranking(o chart.Options, bars []chart.Bar) template.HTML { return chart.Bars(o, bars, -1) }

// Days is chart.Histogram of the days grouped into at most daysBins bins.
func (Drawn) Days(o chart.Options, days map[int]int) template.HTML {
	return chart.Histogram(o, chart.Bins(days, daysBins))
}
