package report

import (
	"bytes"

	"markaz/i18n"
	"markaz/kpi"
	"markaz/sheet"
)

// Sheet keys, in workbook order (their names are report.sheet.<key> in the language).
var SheetKeys = []string{"cover", "headline", "trend", "days", "ranking", "overdue", "returned", "findings",
	"problems", "training"}

// cell is an indicator's value as a spreadsheet cell: a share as a Percent, others as
// numbers, nil as empty.
func cell(kind string, v *float64) any {
	if v == nil {
		return nil
	}
	switch kind {
	case "share":
		return sheet.Percent(*v)
	case "count", "days":
		return int(*v)
	}
	return *v
}

// XLSXBytes renders the report as a workbook with one sheet per section, right to left
// for Arabic. Figures are numbers (shares as percentages), as the headline table shows.
func XLSXBytes(m *Model) ([]byte, error) {
	T := func(key string) string { return i18n.T(m.Lang, key, nil) }
	name := func(ar, en string) string { return pick(m.Lang, ar, en) }
	b := sheet.NewBook(m.Lang == "ar")
	sheets := map[string][][]any{}

	place := T("report.level.nation")
	if m.Level != kpi.LevelNation {
		place = T("report.level."+m.Level) + ": " + name(m.NameAr, m.NameEn)
	}
	sheets["cover"] = [][]any{
		{T("report.heading." + FrequencyOf(m.Step)), nil},
		{T("report.cover.territory"), place},
		{T("report.col.code"), m.Code},
		{T("report.cover.period"), m.Period},
		{T("report.col.bucket"), m.From.String() + " / " + m.To.String()},
		{T("report.cover.previous"), m.PrevFrom.String() + " / " + m.PrevTo.String()},
		{T("report.cover.generated"), m.GeneratedOn.String()},
	}

	rows := [][]any{{T("report.col.indicator"), T("report.col.code"), T("report.col.period"), T("report.col.previous"),
		T("report.col.trend"), T("report.col.nation")}}
	for _, h := range m.Headline {
		rows = append(rows, []any{T("report.kpi." + h.Key), h.Key, cell(h.Kind, h.Value), cell(h.Kind, h.Previous),
			T("report.trend." + h.Trend), cell(h.Kind, h.Nation)})
	}
	sheets["headline"] = rows

	rows = [][]any{{T("report.col.bucket"), "", T("report.kpi.received"), T("report.kpi.completed"),
		T("report.kpi.on_time_rate"), T("report.kpi.overdue_open"), T("report.kpi.index")}}
	for _, f := range m.Series {
		rows = append(rows, []any{f.From.String(), f.To.String(), f.Received, f.Completed, cell("share", f.OnTimeRate),
			f.OverdueOpen, cell("score", f.Index)})
	}
	sheets["trend"] = rows

	rows = [][]any{{T("report.col.days"), T("report.col.completions")}}
	for _, d := range m.Days {
		rows = append(rows, []any{d.Days, d.N})
	}
	sheets["days"] = rows

	rows = [][]any{{T("report.col.rank"), T("report.col.code"), T("report.col.name"), T("report.kpi.index"),
		T("report.kpi.received"), T("report.kpi.completed"), T("report.kpi.on_time_rate"), T("report.kpi.overdue_open")}}
	for _, f := range m.Ranking {
		var rank any
		if f.Rank > 0 {
			rank = f.Rank
		}
		rows = append(rows, []any{rank, f.Code, name(f.NameAr, f.NameEn), cell("score", f.Index), f.Received, f.Completed,
			cell("share", f.OnTimeRate), f.OverdueOpen})
	}
	sheets["ranking"] = rows

	for key, l := range map[string]RequestList{"overdue": m.Overdue, "returned": m.Returned} {
		rows = [][]any{{T("report.col.tracking"), T("report.col.service"), T("report.col.center"),
			T("report.col.submitted"), T("report.col.due"), T("report.col.days_late")}}
		for _, r := range l.Rows {
			var late any
			if key == "overdue" {
				late = r.DaysLate
			}
			rows = append(rows, []any{r.Tracking, name(r.ServiceAr, r.ServiceEn), name(r.CenterAr, r.CenterEn),
				r.SubmittedOn.String(), r.DueDate.String(), late})
		}
		if more := l.Total - len(l.Rows); more > 0 {
			rows = append(rows, []any{i18n.T(m.Lang, "report.more", map[string]any{"n": more})})
		}
		sheets[key] = rows
	}

	rows = [][]any{{T("report.col.center"), T("report.col.category"), T("report.col.severity"), T("report.col.finding"),
		T("report.col.action"), T("report.col.owner"), T("report.col.due"), T("report.col.status")}}
	for _, f := range m.Findings.Rows {
		rows = append(rows, []any{name(f.CenterAr, f.CenterEn), T("inspections.category." + f.Category),
			T("inspections.severity." + f.Severity), f.Finding, f.Action, f.Owner, f.DueDate.String(),
			T("inspections.action_status." + f.Status)})
	}
	if more := m.Findings.Total - len(m.Findings.Rows); more > 0 {
		rows = append(rows, []any{i18n.T(m.Lang, "report.more", map[string]any{"n": more})})
	}
	sheets["findings"] = rows

	rows = [][]any{{T("report.col.category"), T("report.col.total"), T("report.col.resolved"), T("report.col.open")},
		{T("report.section.problems"), m.Problems.Total, m.Problems.Resolved, m.Problems.Open}}
	for _, c := range m.Problems.ByCategory {
		rows = append(rows, []any{T("problems.category." + c.Key), c.Total, c.Resolved, c.Open})
	}
	sheets["problems"] = rows

	tr := m.Training
	rows = [][]any{{T("report.col.name"), T("report.col.code"), T("report.col.staff"), T("report.col.trained"),
		T("report.col.coverage")},
		{place, m.Code, tr.Total.Staff, tr.Total.Trained, cell("share", tr.Total.Share)}}
	for _, r := range tr.ByRole {
		rows = append(rows, []any{T("role." + r.Key), nil, r.Staff, r.Trained, cell("share", r.Share)})
	}
	for _, r := range tr.Rows {
		rows = append(rows, []any{name(r.NameAr, r.NameEn), r.Key, r.Staff, r.Trained, cell("share", r.Share)})
	}
	sheets["training"] = rows

	for _, k := range SheetKeys {
		if k == "ranking" && m.RankingLevel == "" {
			continue
		}
		if err := b.Sheet(T("report.sheet."+k), sheets[k]); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if _, err := b.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
