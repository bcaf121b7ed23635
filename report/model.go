package report

import (
	"slices"
	"time"

	"markaz"
	"markaz/kpi"
)

// Input is what the store reads for one report: the territory's figures for the period,
// the previous period and the nation, the series of the period, the ranking of the
// territory's parts, and the lists. Build turns it into the Model.
type Input struct {
	Level, Code    string
	NameAr, NameEn string
	Period         string // kpi.PeriodName
	Step           kpi.Step
	From, To       markaz.Date
	Lang           string
	GeneratedAt    time.Time

	Current  kpi.Figures
	Previous kpi.Figures
	Nation   kpi.Figures
	// Series: the trend over the periods of the series step ending with this one (see
	// SeriesStep), oldest first.
	Series []kpi.Figures
	// Ranking of the territory's centers (of the governorates for the nation; none for a
	// center), by index.
	RankingLevel string
	Ranking      []kpi.Figures
	Overdue      RequestList
	Returned     RequestList
	Findings     FindingList
	Problems     Problems
	Training     Training
}

// Training is the training coverage of the territory in the fiscal year of the period's
// end (as the training coverage page computes it, up to the day the report is made):
// in all, by role, and by governorate (the nation) or center.
type Training struct {
	FiscalYear int            `json:"fiscal_year"`
	Total      TrainingLine   `json:"total"`
	ByRole     []TrainingLine `json:"by_role"` // Key is the role
	Rows       []TrainingLine `json:"rows"`    // Key is the code
}

// TrainingLine is one line of the training section.
type TrainingLine struct {
	Key     string   `json:"key"`
	NameAr  string   `json:"name_ar,omitempty"`
	NameEn  string   `json:"name_en,omitempty"`
	Staff   int      `json:"staff"`
	Trained int      `json:"trained"`
	Share   *float64 `json:"share"`
}

// SeriesStep is the step of a report's trend and how many of them it shows: days of a
// week, weeks of a month (by the Saturday–Friday week), months of a quarter or year.
func SeriesStep(s kpi.Step) kpi.Step {
	switch s {
	case kpi.StepWeek:
		return kpi.StepDay
	case kpi.StepMonth:
		return kpi.StepWeek
	}
	return kpi.StepMonth
}

// RequestLine is one request of a list.
type RequestLine struct {
	Tracking    string      `json:"tracking_number" db:"tracking_number"`
	ServiceCode string      `json:"service" db:"service_code"`
	ServiceAr   string      `json:"service_name_ar" db:"service_ar"`
	ServiceEn   string      `json:"service_name_en" db:"service_en"`
	CenterCode  string      `json:"center" db:"center_code"`
	CenterAr    string      `json:"center_name_ar" db:"center_ar"`
	CenterEn    string      `json:"center_name_en" db:"center_en"`
	SubmittedOn markaz.Date `json:"submitted_on" db:"submitted_on"`
	DueDate     markaz.Date `json:"due_date" db:"due_date"`
	Status      string      `json:"status" db:"status"`
	DaysLate    int         `json:"days_late,omitempty" db:"-"` // calendar days past the due date at the end of the period
}

// RequestList is how many requests a list holds and the first of them.
type RequestList struct {
	Total int           `json:"total"`
	Rows  []RequestLine `json:"rows"`
}

// FindingLine is one inspection finding still open with its corrective action.
type FindingLine struct {
	CenterCode string      `json:"center" db:"center_code"`
	CenterAr   string      `json:"center_name_ar" db:"center_ar"`
	CenterEn   string      `json:"center_name_en" db:"center_en"`
	Category   string      `json:"category" db:"category"`
	Severity   string      `json:"severity" db:"severity"`
	Finding    string      `json:"finding" db:"finding"`
	Action     string      `json:"action" db:"action"`
	Owner      string      `json:"owner" db:"owner"`
	DueDate    markaz.Date `json:"due_date" db:"due_date"`
	Status     string      `json:"status" db:"status"`
	Overdue    bool        `json:"overdue" db:"overdue"` // past its due date on the day the report was generated
}

// FindingList is how many findings are open and the most pressing of them.
type FindingList struct {
	Total int           `json:"total"`
	Rows  []FindingLine `json:"rows"`
}

// Problems summarises the problems reported in the period (as the problems summary
// counts them: resolved by the end of the period).
type Problems struct {
	Total       int            `json:"total"`
	Resolved    int            `json:"resolved"`
	Open        int            `json:"open"`
	MedianHours *float64       `json:"median_hours_to_resolve"`
	ByCategory  []ProblemCount `json:"by_category"`
}

// ProblemCount is one category's line.
type ProblemCount struct {
	Key      string `json:"key"`
	Total    int    `json:"total"`
	Resolved int    `json:"resolved"`
	Open     int    `json:"open"`
}

// Model is a report ready to render.
type Model struct {
	Input
	PrevFrom, PrevTo markaz.Date
	GeneratedOn      markaz.Date // the Cairo day of GeneratedAt
	Headline         []Headline
	// Days is the processing time distribution of the period: working days → completions.
	Days []DayCount
}

// DayCount is one bar of the processing time distribution.
type DayCount struct {
	Days int
	N    int
}

// Trends of an indicator against the previous period.
const (
	Up   = "up"
	Down = "down"
	Same = "same"
	None = "none" // no value in one of the periods
)

// Headline is one indicator of the headline table: its value in the period, the
// previous period and the nation, the trend and whether the trend is good news.
type Headline struct {
	Key      string   // the kpi field name (received, on_time_rate, …)
	Kind     string   // count, share, days, rating, score
	Value    *float64 // shares as fractions 0–1
	Previous *float64
	Nation   *float64
	Trend    string
	// Better: +1 the trend is an improvement, -1 a deterioration, 0 neither (volumes, or
	// no change).
	Better int
}

// headlineKeys lists the headline indicators in order, with their kind and whether a
// higher value is better (+1), worse (-1) or neither (0: volumes).
var headlineKeys = []struct {
	key, kind string
	higher    int
}{
	{"received", "count", 0},
	{"completed", "count", 0},
	{"on_time_rate", "share", 1},
	{"overdue_open", "count", -1},
	{"median_processing_days", "days", -1},
	{"p90_processing_days", "days", -1},
	{"online_share", "share", 1},
	{"e_payment_share", "share", 1},
	{"satisfaction", "rating", 1},
	{"inspection_score", "score", 1},
	{"problem_resolution_rate", "share", 1},
	{"training_coverage", "share", 1},
	{"index", "score", 1},
}

// HeadlineKeys lists the headline indicators' names, in order.
func HeadlineKeys() []string {
	out := make([]string, len(headlineKeys))
	for i, h := range headlineKeys {
		out[i] = h.key
	}
	return out
}

// Value returns the indicator key of f as a number (nil when it has none).
func Value(f *kpi.Figures, key string) *float64 {
	n := func(v int) *float64 { x := float64(v); return &x }
	ip := func(v *int) *float64 {
		if v == nil {
			return nil
		}
		return n(*v)
	}
	switch key {
	case "received":
		return n(f.Received)
	case "completed":
		return n(f.Completed)
	case "overdue_open":
		return n(f.OverdueOpen)
	case "on_time_rate":
		return f.OnTimeRate
	case "median_processing_days":
		return ip(f.MedianProcessingDays)
	case "p90_processing_days":
		return ip(f.P90ProcessingDays)
	case "online_share":
		return f.OnlineShare
	case "e_payment_share":
		return f.EPaymentShare
	case "satisfaction":
		return f.Satisfaction
	case "inspection_score":
		return f.InspectionScore
	case "problem_resolution_rate":
		return f.ProblemResolutionRate
	case "training_coverage":
		return f.TrainingCoverage
	case "index":
		return f.Index
	}
	return nil
}

// Build makes the report model: the headline table with each indicator's trend against
// the previous period, and the processing time distribution.
func Build(in Input) *Model {
	m := &Model{Input: in}
	m.PrevFrom, m.PrevTo = kpi.Previous(in.Step, in.From)
	m.GeneratedOn = markaz.DateOf(in.GeneratedAt)
	for _, h := range headlineKeys {
		row := Headline{Key: h.key, Kind: h.kind, Value: Value(&in.Current, h.key),
			Previous: Value(&in.Previous, h.key), Nation: Value(&in.Nation, h.key), Trend: None}
		if row.Value != nil && row.Previous != nil {
			switch {
			case *row.Value > *row.Previous:
				row.Trend, row.Better = Up, h.higher
			case *row.Value < *row.Previous:
				row.Trend, row.Better = Down, -h.higher
			default:
				row.Trend = Same
			}
		}
		m.Headline = append(m.Headline, row)
	}
	for d, n := range in.Current.Counts.Days {
		if n > 0 {
			m.Days = append(m.Days, DayCount{d, n})
		}
	}
	slices.SortFunc(m.Days, func(a, b DayCount) int { return a.Days - b.Days })
	return m
}
