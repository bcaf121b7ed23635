package report

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"markaz"
	"markaz/i18n"
	"markaz/kpi"
	"markaz/pdf"
)

func f(v float64) *float64 { return &v }
func ip(v int) *int        { return &v }

// sample is a governorate's May 2024 report input, made by hand.
func sample(lang string) Input {
	q := kpi.Query{Level: kpi.LevelGovernorate, Code: "13", From: markaz.Date{Y: 2024, M: 5, D: 1}, To: markaz.Date{Y: 2024, M: 5, D: 31}}
	cur := kpi.Figures{Query: q, Received: 1200, Completed: 1100, OnTimeRate: f(0.875), OverdueOpen: 40,
		MedianProcessingDays: ip(6), P90ProcessingDays: ip(14), OnlineShare: f(0.2), Satisfaction: f(4.2),
		Index: f(71.5), Counts: kpi.Counts{Days: map[int]int{3: 10, 6: 20, 14: 5}},
		Parts: kpi.Parts{Staff: 50, StaffTrained: 40}, TrainingCoverage: f(0.8)}
	prev := kpi.Figures{Query: q, Received: 1000, Completed: 1150, OnTimeRate: f(0.9), OverdueOpen: 40,
		MedianProcessingDays: ip(7), Index: f(70)}
	nation := kpi.Figures{Received: 400000, Completed: 390000, OnTimeRate: f(0.8), Index: f(65)}
	var series []kpi.Figures
	for _, b := range kpi.Buckets(kpi.StepWeek, q.From, q.To) {
		s := cur
		s.From, s.To, s.Received = b[0], b[1], 240
		series = append(series, s)
	}
	return Input{Level: kpi.LevelGovernorate, Code: "13", NameAr: "الشرقية", NameEn: "Sharqia", Period: "2024-05",
		Step: kpi.StepMonth, From: q.From, To: q.To, Lang: lang,
		GeneratedAt: time.Date(2024, 6, 1, 4, 0, 0, 0, time.UTC), Current: cur, Previous: prev, Nation: nation,
		Series: series, RankingLevel: kpi.LevelCenter,
		Ranking: []kpi.Figures{
			{Query: kpi.Query{Level: kpi.LevelCenter, Code: "SH-ZAG-01"}, NameAr: "مركز الزقازيق", NameEn: "Zagazig center", Rank: 1, Index: f(80), Received: 700},
			{Query: kpi.Query{Level: kpi.LevelCenter, Code: "SH-BLB-01"}, NameAr: "مركز بلبيس", NameEn: "Belbeis center", Rank: 2, Index: f(60), Received: 500},
		},
		Overdue: RequestList{Total: 40, Rows: []RequestLine{{Tracking: "1301-000123-4", ServiceAr: "ترخيص محل",
			ServiceEn: "Shop licence", CenterAr: "مركز الزقازيق", CenterEn: "Zagazig center",
			SubmittedOn: markaz.Date{Y: 2024, M: 4, D: 2}, DueDate: markaz.Date{Y: 2024, M: 5, D: 2}, DaysLate: 29}}},
		Returned: RequestList{},
		Findings: FindingList{Total: 1, Rows: []FindingLine{{CenterAr: "مركز بلبيس", CenterEn: "Belbeis center",
			Category: "equipment", Severity: "high", Finding: "الطابعة معطلة", Action: "إصلاح الطابعة", Owner: "مدير المركز",
			DueDate: markaz.Date{Y: 2024, M: 6, D: 10}, Status: "open"}}},
		Problems: Problems{Total: 5, Resolved: 4, Open: 1, MedianHours: f(12.5),
			ByCategory: []ProblemCount{{Key: "network", Total: 5, Resolved: 4, Open: 1}}},
		Training: Training{FiscalYear: 2023, Total: TrainingLine{Staff: 50, Trained: 40, Share: f(0.8)},
			ByRole: []TrainingLine{{Key: "clerk", Staff: 30, Trained: 27, Share: f(0.9)}},
			Rows:   []TrainingLine{{Key: "SH-ZAG-01", NameAr: "مركز الزقازيق", NameEn: "Zagazig center", Staff: 30, Trained: 27, Share: f(0.9)}}},
	}
}

func TestBuildHeadline(t *testing.T) {
	m := Build(sample("ar"))
	if m.PrevFrom != (markaz.Date{Y: 2024, M: 4, D: 1}) || m.PrevTo != (markaz.Date{Y: 2024, M: 4, D: 30}) {
		t.Errorf("previous period %v–%v", m.PrevFrom, m.PrevTo)
	}
	if m.GeneratedOn != (markaz.Date{Y: 2024, M: 6, D: 1}) {
		t.Errorf("generated on %v", m.GeneratedOn)
	}
	want := map[string]struct {
		trend  string
		better int
	}{
		"received":               {Up, 0},    // volumes are neither good nor bad
		"completed":              {Down, 0},  //
		"on_time_rate":           {Down, -1}, // lower on-time rate: worse
		"overdue_open":           {Same, 0},
		"median_processing_days": {Down, 1}, // fewer days: better
		"p90_processing_days":    {None, 0}, // no previous value
		"index":                  {Up, 1},
		"e_payment_share":        {None, 0},
	}
	got := map[string]Headline{}
	for _, h := range m.Headline {
		got[h.Key] = h
	}
	if len(m.Headline) != len(HeadlineKeys()) {
		t.Fatalf("%d headline rows", len(m.Headline))
	}
	for k, w := range want {
		if h := got[k]; h.Trend != w.trend || h.Better != w.better {
			t.Errorf("%s: trend %s better %d, want %s %d", k, h.Trend, h.Better, w.trend, w.better)
		}
	}
	if h := got["on_time_rate"]; *h.Value != 0.875 || *h.Previous != 0.9 || *h.Nation != 0.8 {
		t.Errorf("on_time_rate row %v %v %v", *h.Value, *h.Previous, *h.Nation)
	}
	if len(m.Days) != 3 || m.Days[0] != (DayCount{3, 10}) || m.Days[2] != (DayCount{14, 5}) {
		t.Errorf("days %v", m.Days)
	}
}

func TestDefinitionValidateAndDue(t *testing.T) {
	d := Definition{Level: "governorate", Code: "١٣", Frequency: Monthly, Lang: "ar", Formats: []string{"pdf, xlsx", "pdf"},
		Roles: []string{"governor"}, Users: []string{" Ali "}}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.Code != "13" || strings.Join(d.Formats, ",") != "pdf,xlsx" || d.Users[0] != "ali" {
		t.Errorf("normalised %+v", d)
	}
	for _, c := range []struct {
		d     Definition
		field string
		code  string
	}{
		{Definition{Level: "region", Frequency: Monthly, Lang: "ar", Formats: []string{"pdf"}, Roles: []string{"governor"}}, "level", "one_of"},
		{Definition{Level: "governorate", Frequency: Monthly, Lang: "ar", Formats: []string{"pdf"}, Roles: []string{"governor"}}, "code", "required"},
		{Definition{Level: "nation", Frequency: "daily", Lang: "ar", Formats: []string{"pdf"}, Roles: []string{"ministry"}}, "frequency", "one_of"},
		{Definition{Level: "nation", Frequency: Weekly, Lang: "fr", Formats: []string{"pdf"}, Roles: []string{"ministry"}}, "lang", "one_of"},
		{Definition{Level: "nation", Frequency: Weekly, Lang: "ar", Formats: []string{"doc"}, Roles: []string{"ministry"}}, "formats", "one_of"},
		{Definition{Level: "nation", Frequency: Weekly, Lang: "ar", Roles: []string{"ministry"}}, "formats", "required"},
		{Definition{Level: "nation", Frequency: Weekly, Lang: "ar", Formats: []string{"pdf"}, Roles: []string{"mayor"}}, "recipient_roles", "one_of"},
		{Definition{Level: "nation", Frequency: Weekly, Lang: "ar", Formats: []string{"pdf"}}, "recipient_roles", "no_recipients"},
	} {
		err := c.d.Validate()
		var e *markaz.Error
		ok := false
		if me, is := err.(*markaz.Error); is {
			e = me
			for _, fe := range e.Fields {
				ok = ok || fe.Field == c.field && fe.Code == c.code
			}
		}
		if !ok {
			t.Errorf("%+v: %v, want %s on %s", c.d, err, c.code, c.field)
		}
	}
	day := func(y int, m time.Month, d int) markaz.Date { return markaz.Date{Y: y, M: m, D: d} }
	retired := day(2024, 8, 1)
	for _, c := range []struct {
		freq     string
		starts   markaz.Date
		retired  *markaz.Date
		today    markaz.Date
		from, to markaz.Date
		ok       bool
	}{
		{Monthly, day(2024, 5, 15), nil, day(2024, 6, 1), day(2024, 5, 1), day(2024, 5, 31), true},
		{Monthly, day(2024, 6, 1), nil, day(2024, 6, 1), day(2024, 5, 1), day(2024, 5, 31), false}, // nothing backwards
		{Weekly, day(2024, 1, 1), nil, day(2024, 5, 4), day(2024, 4, 27), day(2024, 5, 3), true},   // Saturday after W18
		{Quarterly, day(2024, 1, 1), nil, day(2024, 10, 1), day(2024, 7, 1), day(2024, 9, 30), true},
		{FiscalYear, day(2024, 1, 1), nil, day(2024, 7, 1), day(2023, 7, 1), day(2024, 6, 30), true},
		{Monthly, day(2024, 1, 1), &retired, day(2024, 8, 1), markaz.Date{}, markaz.Date{}, false},
	} {
		d := Definition{Frequency: c.freq, StartsOn: c.starts, RetiredOn: c.retired}
		from, to, ok := d.Due(c.today)
		if ok != c.ok || ok && (from != c.from || to != c.to) {
			t.Errorf("%s from %v on %v: %v–%v %v", c.freq, c.starts, c.today, from, to, ok)
		}
	}
	for _, c := range []struct {
		kind string
		a    markaz.Assignment
		want bool
	}{
		{RecipientHeads, markaz.Assignment{Role: markaz.RoleHead, Level: markaz.LevelUnit}, true},
		{RecipientHeads, markaz.Assignment{Role: markaz.RoleHead, Level: markaz.LevelGovernorate}, false},
		{RecipientGovernor, markaz.Assignment{Role: markaz.RoleHead, Level: markaz.LevelGovernorate}, true},
		{RecipientCommittee, markaz.Assignment{Role: markaz.RoleInspector, Level: markaz.LevelNation}, true},
		{RecipientCommittee, markaz.Assignment{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate}, false},
		{RecipientMinistry, markaz.Assignment{Role: markaz.RoleMinistry, Level: markaz.LevelNation}, true},
	} {
		if got := Selects(c.kind, c.a); got != c.want {
			t.Errorf("%s selects %s at %s: %v", c.kind, c.a.Role, c.a.Level, got)
		}
	}
}

// The workbook has one sheet per section, named in the report's language, right to left
// in Arabic only, and its headline figures are the model's numbers.
func TestXLSX(t *testing.T) {
	for _, lang := range []string{"ar", "en"} {
		m := Build(sample(lang))
		b, err := XLSXBytes(m)
		if err != nil {
			t.Fatal(err)
		}
		CheckXLSX(t, b, m)
	}
}

// CheckXLSX reads a report workbook back and checks it against the model: the sheets,
// the direction and the headline figures.
func CheckXLSX(t *testing.T, b []byte, m *Model) {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var want []string
	for _, k := range SheetKeys {
		if k != "ranking" || m.RankingLevel != "" {
			want = append(want, i18n.T(m.Lang, "report.sheet."+k, nil))
		}
	}
	if got := x.GetSheetList(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%s sheets %v, want %v", m.Lang, got, want)
	}
	for _, s := range want {
		v, err := x.GetSheetView(s, 0)
		if err != nil {
			t.Fatal(err)
		}
		if rtl := v.RightToLeft != nil && *v.RightToLeft; rtl != (m.Lang == "ar") {
			t.Errorf("%s sheet %s right to left: %v", m.Lang, s, rtl)
		}
	}
	rows, err := x.GetRows(want[1], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(m.Headline)+1 {
		t.Fatalf("headline sheet has %d rows", len(rows))
	}
	for i, h := range m.Headline {
		row := rows[i+1]
		if row[1] != h.Key || row[0] != i18n.T(m.Lang, "report.kpi."+h.Key, nil) {
			t.Errorf("row %d: %v, want %s", i+1, row[:2], h.Key)
		}
		for col, v := range map[int]*float64{2: h.Value, 3: h.Previous, 5: h.Nation} {
			got := ""
			if col < len(row) {
				got = row[col]
			}
			if v == nil {
				if got != "" {
					t.Errorf("%s %s column %d: %q, want empty", m.Lang, h.Key, col, got)
				}
				continue
			}
			n, err := strconv.ParseFloat(got, 64)
			if err != nil || math.Abs(n-*v) > 1e-9 {
				t.Errorf("%s %s column %d: %q, want %v", m.Lang, h.Key, col, got, *v)
			}
		}
	}
}

// PDFText prints the report through Chromium and reads it back with pdftotext; it skips
// the test when MARKAZ_TEST_BROWSER is not set.
func PDFText(t *testing.T, m *Model) string {
	t.Helper()
	path := os.Getenv("MARKAZ_TEST_BROWSER")
	if path == "" {
		t.Skip("set MARKAZ_TEST_BROWSER to the chromium binary to print PDFs")
	}
	r := &Renderer{PDF: pdf.New(path)}
	defer r.PDF.Close()
	b, _, ct, err := r.Render(context.Background(), m, PDF)
	if err != nil || ct != "application/pdf" || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("render: %v %s %.10q", err, ct, b)
	}
	return PDFBytesText(t, b)
}

// PDFBytesText reads a PDF back as text with pdftotext.
func PDFBytesText(t *testing.T, b []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// The PDF's text reads back in logical order: Arabic phrases as typed (shaped glyphs map
// back to their letters, the words of a right-to-left run are not reversed), English as is.
func TestPDFText(t *testing.T) {
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"ar", []string{"التقرير الشهري لأداء المراكز التكنولوجية", "المؤشرات الرئيسية", "محافظة", "الشرقية", "مركز بلبيس",
			"نسبة الإنجاز في الموعد", "ترتيب المراكز", "مركز الزقازيق", "الطابعة معطلة", "الطلبات المتأخرة",
			"1301-000123-4", "2024-05", "موظف الواجهة الأمامية", "التغطية التدريبية"}},
		{"en", []string{"Monthly performance report of the technology centers", "Headline indicators",
			"Governorate: Sharqia", "On-time rate", "87.5%", "Ranking of the centers", "Zagazig center", "Overdue requests",
			"1301-000123-4", "2024-05", "Front-office clerk", "Training coverage", "90.0%"}},
	} {
		text := PDFText(t, Build(sample(c.lang)))
		// pdftotext marks embedded runs with bidi controls; neutral punctuation between
		// runs may move, words and phrases keep their order.
		flat := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
			if r >= '\u202a' && r <= '\u202e' {
				return -1
			}
			return r
		}, text)), " ")
		for _, w := range c.want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s PDF lacks %q:\n%s", c.lang, w, text)
			}
		}
	}
}
