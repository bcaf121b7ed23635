package demo

// Demo requests: a year of service requests over the demo centers and the real catalog,
// each simulated in memory through the domain's own rules and written in bulk.
//
// A request is registered at a business hour of a working day of its center, with the
// duration and fees in force that day and its due date from the center's calendar
// (calendar.Calendar.Due, the function store.DueDate uses). It then lives through a
// profile (delivered, delivered late, rejected, cancelled, returned and left, awaiting
// payment, left in review): every action is checked by request.Decide for a synthetic
// principal holding the center's workflow roles and moves the clocks by request.Apply
// (pauses, due dates, decided_at, delivered_at) exactly as store.ActOnRequest does. An
// action the workflow refuses (an administrator changed the service's steps) is not
// made, and the request stays where it is.
//
// Between actions the daily deadlines job runs at 00:10 and makes the changes
// request.Deadlines lists, as store.DeadlineBatch does, by the system actor: statutory
// deemed approvals (then the result is prepared and handed over, or still waits),
// statutory escalations and step escalations. Nothing happens after now, so recent
// requests are still open.
//
// Submissions are generated day by day in time order, so memory holds two batches
// (one written, the next waiting) whatever the number of requests. Each batch is one transaction: store.InsertRequestsBulk
// (tracking numbers reserved from the centers' series inside the transaction, so a
// server registering at the same time never collides) and ONE audit entry saying how
// many demo requests the batch added — demo requests are not audited one by one. No SMS
// is queued: demo applicants are invented and their numbers may belong to real people.
//
// The same seed on the same demo data gives the same requests, tracking numbers and
// histories (only the ids, which are UUIDv7, differ).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/calendar"
	"markaz/catalog"
	"markaz/nationalid"
	"markaz/payment"
	"markaz/request"
	"markaz/store"
)

// DefaultRequests is how many requests serve --demo adds when it creates the demo data:
// about a year of a national programme's counters.
const DefaultRequests = 50_000

// BatchSize is how many requests one transaction writes.
const BatchSize = 2_000

// Seed is the demo scenario's seed, which serve --demo also uses for its requests.
func Seed() uint64 {
	sc, err := parseScenario()
	if err != nil {
		return 1
	}
	return sc.Seed
}

// Stats tells what AddRequests did.
type Stats struct {
	Requests int            // requests added
	Actions  int            // workflow actions in their histories (registration not counted)
	System   int            // changes the deadlines job made (deemed approvals, escalations)
	Refused  int            // planned actions the workflow refused (a service whose steps were changed)
	ByStatus map[string]int // requests added, by their status at the end
	Took     time.Duration
}

func (s *Stats) add(o Stats) {
	s.Requests += o.Requests
	s.Actions += o.Actions
	s.System += o.System
	s.Refused += o.Refused
	for k, v := range o.ByStatus {
		s.ByStatus[k] += v
	}
}

// govPopulation is each governorate's population in hundred thousands (CAPMAS estimates,
// rounded): demo requests are spread over governorates in proportion to it, then evenly
// over the governorate's operating centers.
var govPopulation = map[string]int{
	"01": 101, "02": 55, "03": 8, "04": 8, "11": 16, "12": 70, "13": 78, "14": 60, "15": 37, "16": 54,
	"17": 47, "18": 69, "19": 14, "21": 94, "22": 36, "23": 40, "24": 62, "25": 50, "26": 56, "27": 36,
	"28": 16, "29": 14, "31": 4, "32": 3, "33": 5, "34": 5, "35": 1,
}

// Arabic names for applicants: a full name is first + father + grandfather + family.
var (
	maleNames = strings.Fields(`محمد أحمد محمود مصطفى علي حسن حسين إبراهيم عبدالله عمر خالد يوسف طارق
		سامح وليد هاني شريف عادل سيد جمال رضا عمرو كريم إسلام أيمن ياسر مجدي صلاح فتحي عبدالرحمن`)
	femaleNames = strings.Fields(`فاطمة مريم نورا سارة هبة منى آية دعاء أسماء إيمان رانيا شيماء
		نادية سمر هدى ياسمين زينب رحاب أمل سعاد`)
	familyNames = strings.Fields(`المصري الشافعي عبدالعزيز السيد النجار الشربيني حسانين عبدالحميد
		البنا الجمال عثمان سليمان القاضي الدسوقي منصور رمضان عبدالغني الصعيدي فرج زكي`)
)

// Cancellation and return notes (the return note is what the citizen must bring).
const (
	cancelNote = "تنازل المواطن عن الطلب"
	returnNote = "مطلوب استكمال: "
)

// profile is how a request's life goes, with its weight in per mille for ordinary
// services and for those whose statutory silence means approval (where more files are
// left undecided: the law then approves them).
type profile struct {
	name           string
	weight, deemed int
}

var profiles = []profile{
	{"delivered", 700, 640}, {"delivered_late", 60, 50}, {"rejected", 60, 40}, {"cancelled", 30, 30},
	{"returned_open", 50, 40}, {"payment_open", 40, 30}, {"stuck", 60, 170},
}

// step is one planned action: the action and the working days after the previous event
// (0: the same day, a little later).
type step struct {
	action  string
	minDays int
	maxDays int
}

// script plans the actions of a request of the given profile.
func script(rng *rand.Rand, prof string) []step {
	intake := step{request.ActionForward, 0, 0}
	decision := step{request.ActionForward, 1, 4}
	var s []step
	switch prof {
	case "delivered", "delivered_late":
		s = []step{intake}
		if rng.IntN(100) < 12 { // returned for completion, then completed
			s = append(s, step{request.ActionReturn, 1, 3}, step{request.ActionComplete, 1, 8})
		}
		if rng.IntN(100) < 40 {
			s = append(s, step{request.ActionRequestPayment, 0, 2}, step{request.ActionComplete, 0, 3})
		}
		if prof == "delivered_late" {
			decision = step{request.ActionForward, 8, 25}
		}
		s = append(s, decision, step{request.ActionApprove, 0, 2}, step{request.ActionForward, 0, 1},
			step{request.ActionDeliver, 0, 4})
	case "rejected":
		s = []step{intake, decision, {request.ActionReject, 0, 2}}
	case "cancelled":
		if rng.IntN(2) == 0 {
			s = []step{{request.ActionCancel, 0, 0}}
		} else {
			s = []step{intake, {request.ActionCancel, 1, 5}}
		}
	case "returned_open":
		s = []step{intake, {request.ActionReturn, 1, 3}}
	case "payment_open":
		s = []step{intake, {request.ActionRequestPayment, 0, 2}}
	case "stuck": // left in review: overdue once its due date passes, escalated by the job
		s = []step{intake}
	}
	return s
}

// handover plans what follows a deemed approval: the result is prepared and handed over
// when the citizen comes for it, which some have not done yet.
func handover(rng *rand.Rand) []step {
	if rng.IntN(100) < 35 {
		return nil
	}
	return []step{{request.ActionForward, 1, 4}, {request.ActionDeliver, 0, 5}}
}

// site is an operating center that receives requests, with its calendar and the
// synthetic principal holding every workflow role there.
type site struct {
	ID       string `db:"id"`
	Code     string `db:"code"`
	Kind     string `db:"kind"`
	GovCode  string `db:"gov_code"`
	UnitCode string `db:"unit_code"`
	p        *markaz.Principal
	cal      *calendar.Calendar
}

// service is a catalog service with every duration and fee version.
type service struct {
	*catalog.Service
	durations []catalog.DurationVersion
	fees      []catalog.FeeVersion
	docs      []string // the documents' Arabic names, as a clerk ticks them
	deemed    bool     // statutory silence means approval
}

// simulation holds what one AddRequests run reads once: centers with their calendars,
// the catalog with its versions, and the random stream.
type simulation struct {
	rng      *rand.Rand
	pay      *rand.Rand // how fees are paid: a stream of its own, so the requests drawn do not change with it
	now      time.Time
	sites    []*site
	cum      []int // cumulative site weights
	services []*service
	nat      *calendar.Calendar
	fees     map[feeKey]*catalog.FeeVersion // fees in force on the day being generated
}

func newSimulation(seed uint64, clock markaz.Clock) *simulation {
	return &simulation{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		pay: rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed)),
		now: clock.Now().UTC().Truncate(time.Microsecond)}
}

type feeKey struct {
	service int
	gov     string
}

// AddRequests adds n requests submitted over the year before clock's now to a demo
// database (ErrNotDemo otherwise), deterministically from seed.
func AddRequests(ctx context.Context, db *store.DB, n int, seed uint64, clock markaz.Clock) (Stats, error) {
	return AddRequestsProgress(ctx, db, n, seed, clock, nil)
}

// chunk is one batch: one transaction's requests and what they add to the stats.
type chunk struct {
	reqs  []store.BulkRequest
	stats Stats
}

// AddRequestsProgress is AddRequests calling progress(added so far) after every
// committed batch. Requests are simulated in one goroutine while the previous batch is
// written in this one.
func AddRequestsProgress(ctx context.Context, db *store.DB, n int, seed uint64, clock markaz.Clock,
	progress func(done int)) (Stats, error) {
	start := time.Now()
	stats := Stats{ByStatus: map[string]int{}}
	if n < 0 {
		return stats, errors.New("demo: the number of requests must not be negative")
	}
	g := newSimulation(seed, clock)
	if err := db.Read(ctx, g.prepare); err != nil {
		return stats, err
	}
	if n == 0 {
		return stats, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *chunk) // one batch written, the next one waiting: memory holds two
	generated := make(chan error, 1)
	go func() {
		generated <- g.generate(ctx, n, batches)
		close(batches)
	}()
	err := db.Bulk(ctx, func(write func(func(*store.Tx) error) error) error {
		for b := range batches {
			if err := write(func(tx *store.Tx) error {
				if err := tx.InsertRequestsBulk(b.reqs); err != nil {
					return err
				}
				// One audit entry per batch, not per request: it records that demo
				// requests were added, how many, and the span of their submissions.
				return tx.Audit(store.Actor{}, "demo.requests", "demo", "", markaz.Ref{}, nil, map[string]any{
					"requests": len(b.reqs), "seed": seed,
					"submitted_from": b.reqs[0].SubmittedOn, "submitted_to": b.reqs[len(b.reqs)-1].SubmittedOn})
			}); err != nil {
				return err
			}
			stats.add(b.stats)
			if progress != nil {
				progress(stats.Requests)
			}
		}
		return nil
	})
	if err != nil {
		cancel()
		for range batches { // let the generator see the cancellation and stop
		}
		<-generated
		return stats, err
	}
	if err := <-generated; err != nil {
		return stats, err
	}
	stats.Took = time.Since(start)
	return stats, nil
}

// prepare checks the database is a demo one and loads the centers with their calendars
// and the catalog with its versions.
func (g *simulation) prepare(tx *store.Tx) error {
	var flag []string
	if err := tx.Select(&flag, `SELECT value FROM meta WHERE key = 'demo'`); err != nil {
		return err
	}
	if len(flag) == 0 {
		return fmt.Errorf("demo requests go only into a database demo mode created (%w)", ErrNotDemo)
	}
	if err := tx.Select(&g.sites, `SELECT id, code, kind, gov_code, unit_code FROM centers
		WHERE retired_on IS NULL AND (dev_status = ? OR mobile_status = ?) ORDER BY code`,
		markaz.DevDeveloped, markaz.MobileOperating); err != nil {
		return err
	}
	if len(g.sites) == 0 {
		return errors.New("demo: no operating center to register requests at")
	}
	perGov := map[string]int{}
	for _, s := range g.sites {
		perGov[s.GovCode]++
	}
	total := 0
	for _, s := range g.sites {
		var err error
		if s.cal, err = tx.CalendarFor(s.GovCode, s.ID); err != nil {
			return err
		}
		s.p = &markaz.Principal{UserID: "demo-" + s.Code, Username: "demo." + strings.ToLower(s.Code)}
		for _, role := range []string{markaz.RoleClerk, markaz.RoleBackOffice, markaz.RoleCenterManager} {
			s.p.Assignments = append(s.p.Assignments, markaz.Assignment{Role: role, Level: markaz.LevelCenter,
				CenterID: s.ID, GovCode: s.GovCode, UnitCode: s.UnitCode})
		}
		// Weight in whole units: the governorate's population shared by its centers.
		total += max(1, govPopulation[s.GovCode]*1000/perGov[s.GovCode])
		g.cum = append(g.cum, total)
	}
	var codes []string
	if err := tx.Select(&codes, `SELECT code FROM services ORDER BY code`); err != nil {
		return err
	}
	for _, c := range codes {
		svc, err := tx.Service(c)
		if err != nil {
			return err
		}
		durations, fees, err := tx.ServiceVersions(c)
		if err != nil {
			return err
		}
		if len(svc.Steps) == 0 || len(durations) == 0 {
			continue // not registrable: the counter refuses it too
		}
		s := &service{Service: svc, durations: durations, fees: fees,
			deemed: svc.Statutory != nil && svc.Statutory.OnExpiry == catalog.ExpiryDeemedApproved}
		for _, d := range svc.Documents {
			s.docs = append(s.docs, d.NameAr)
		}
		g.services = append(g.services, s)
	}
	if len(g.services) == 0 {
		return errors.New("demo: the service catalog is empty")
	}
	var err error
	g.nat, err = tx.CalendarFor("", "")
	return err
}

// Business hours, when counters register and staff act.
const (
	opens = 8 * time.Hour
	hours = 7 * time.Hour
)

// day is a working day of the year before now with its share of the submissions.
type day struct {
	date   markaz.Date
	from   time.Time     // first instant submissions may have
	span   time.Duration // how long after from they may come
	weight int
}

// days lists the national working days of the year before now (today only for its
// hours already past) with their weights: busier at the start of the week, and rising
// through the year as more centers work on the system.
func (g *simulation) days() []day {
	today := markaz.DateOf(g.now)
	first := today.AddDays(-365)
	var out []day
	for d := first; !d.After(today); d = d.AddDays(1) {
		if !g.nat.IsWorkingDay(d) {
			continue
		}
		from := d.Start().Add(opens)
		span := min(hours, g.now.Sub(from))
		if span <= 0 {
			continue
		}
		w := 1000
		switch d.Start().Weekday() {
		case time.Sunday:
			w = 1250
		case time.Monday:
			w = 1100
		case time.Wednesday:
			w = 950
		case time.Thursday:
			w = 800
		}
		w = w * (850 + 300*len(out)/260) / 1000 * int(span/time.Minute) / int(hours/time.Minute)
		out = append(out, day{date: d, from: from, span: span, weight: max(w, 1)})
	}
	return out
}

// generate simulates n requests in submission order and sends them in batches.
func (g *simulation) generate(ctx context.Context, n int, out chan<- *chunk) error {
	days := g.days()
	if len(days) == 0 {
		return errors.New("demo: no working day in the past year")
	}
	total := 0
	for _, d := range days {
		total += d.weight
	}
	send := func(b *chunk) error {
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b := &chunk{stats: Stats{ByStatus: map[string]int{}}}
	cum := 0
	for _, d := range days {
		// The day's share of n by cumulative weight: the shares add up to n exactly.
		k := int(int64(n)*int64(cum+d.weight)/int64(total) - int64(n)*int64(cum)/int64(total))
		cum += d.weight
		g.fees = map[feeKey]*catalog.FeeVersion{}
		for j := range k {
			// Submissions spread over the day in order: the j-th in the j-th slice of it.
			at := d.from.Add(time.Duration((float64(j) + g.rng.Float64()) / float64(k) * float64(d.span))).
				UTC().Truncate(time.Microsecond)
			r, err := g.request(d.date, at, &b.stats)
			if err != nil {
				return err
			}
			b.reqs = append(b.reqs, r)
			if len(b.reqs) == BatchSize {
				if err := send(b); err != nil {
					return err
				}
				b = &chunk{reqs: make([]store.BulkRequest, 0, BatchSize), stats: Stats{ByStatus: map[string]int{}}}
			}
		}
	}
	if len(b.reqs) > 0 {
		return send(b)
	}
	return nil
}

// request registers one request at instant at of day d and simulates its life.
func (g *simulation) request(d markaz.Date, at time.Time, st *Stats) (store.BulkRequest, error) {
	s := g.site(d)
	si, svc, dur, err := g.service(d)
	if err != nil {
		return store.BulkRequest{}, err
	}
	due, err := s.cal.Due(d, dur.WorkingDays)
	if err != nil {
		return store.BulkRequest{}, err
	}
	channel := request.ChannelCounter
	switch {
	case s.Kind == markaz.KindMobile:
		channel = request.ChannelMobileUnit
	case svc.Online && g.rng.IntN(100) < 30:
		channel = request.ChannelOnline
	}
	a := g.applicant(s.GovCode, d)
	b := store.BulkRequest{Request: request.Request{ServiceCode: svc.Code, DurationVersionID: dur.ID,
		WorkingDays: dur.WorkingDays, CenterID: s.ID, CenterCode: s.Code, GovCode: s.GovCode, UnitCode: s.UnitCode,
		Channel: channel, Status: request.StatusSubmitted, StepKey: svc.Steps[0].Key, NationalID: a.NationalID,
		Name: a.Name, Mobile: a.Mobile, Documents: svc.docs, SubmittedAt: at, SubmittedOn: d, DueDate: due,
		Version: 1, CreatedBy: s.p.Username, UpdatedAt: at}}
	if f := g.feesOn(si, s.GovCode, d); f != nil {
		b.FeesDue = f.TotalPiasters
		for _, l := range f.Lines {
			b.Fees = append(b.Fees, request.FeeLine{FeeVersionID: f.ID, Key: l.Key, NameAr: l.NameAr, NameEn: l.NameEn,
				AmountPiasters: l.AmountPiasters})
		}
	}
	b.Events = []request.Event{{Seq: 1, At: at, UserID: s.p.UserID, Username: s.p.Username,
		Action: request.ActionRegister, To: b.Status, ToStep: b.StepKey, Due: b.DueDate}}
	l := &life{g: g, site: s, svc: svc, req: &b, st: st}
	if err := l.live(g.profile(svc.deemed)); err != nil {
		return b, fmt.Errorf("demo request at %s (%s, %s): %w", s.Code, svc.Code, at.Format(time.DateTime), err)
	}
	g.rate(&b)
	st.Requests++
	st.ByStatus[b.Status]++
	return b, nil
}

// ratingShares are the chances, in percent, of each rating 1–5 a citizen gives.
var ratingShares = [5]int{4, 6, 15, 40, 35}

// rate has about a third of the citizens of delivered requests rate the service, within
// three days of the hand-over (by the time the simulation ends), mostly through the link in
// the delivery SMS.
func (g *simulation) rate(b *store.BulkRequest) {
	if b.DeliveredAt == nil || g.rng.IntN(100) >= 35 {
		return
	}
	at := b.DeliveredAt.Add(time.Duration(g.rng.IntN(72*60)) * time.Minute)
	if !at.Before(g.now) {
		return
	}
	n, pick := 0, g.rng.IntN(100)
	for n < 4 && pick >= ratingShares[n] {
		pick -= ratingShares[n]
		n++
	}
	source := "sms"
	if g.rng.IntN(100) < 25 {
		source = "tracking"
	}
	b.Rating = &store.BulkRating{Rating: n + 1, At: at, Source: source}
}

// site draws a center by weight, preferring one that works on day d (a governorate's
// own holiday closes its centers).
func (g *simulation) site(d markaz.Date) *site {
	var s *site
	for range 8 {
		r := g.rng.IntN(g.cum[len(g.cum)-1])
		i, _ := slices.BinarySearch(g.cum, r+1)
		if s = g.sites[i]; s.cal.IsWorkingDay(d) {
			break
		}
	}
	return s
}

// service draws a service that has a duration in force on day d.
func (g *simulation) service(d markaz.Date) (int, *service, catalog.DurationVersion, error) {
	for range 2 * len(g.services) {
		i := g.rng.IntN(len(g.services))
		if dur, ok := catalog.DurationOn(g.services[i].durations, d); ok {
			return i, g.services[i], dur, nil
		}
	}
	return 0, nil, catalog.DurationVersion{}, fmt.Errorf("demo: no service has a duration in force on %s", d)
}

// feesOn is the fee version of service i in force on day d in governorate gov (nil when
// none), read once per day being generated.
func (g *simulation) feesOn(i int, gov string, d markaz.Date) *catalog.FeeVersion {
	k := feeKey{i, gov}
	f, ok := g.fees[k]
	if !ok {
		if v, found := catalog.FeesOn(g.services[i].fees, gov, d); found {
			f = &v
		}
		g.fees[k] = f
	}
	return f
}

// profile draws how a request's life goes.
func (g *simulation) profile(deemed bool) string {
	r := g.rng.IntN(1000)
	for _, p := range profiles {
		w := p.weight
		if deemed {
			w = p.deemed
		}
		if r < w {
			return p.name
		}
		r -= w
	}
	return profiles[0].name
}

// applicant makes an adult applicant born in governorate gov, with a valid national ID
// (check digit computed) and mobile number.
func (g *simulation) applicant(gov string, today markaz.Date) request.Applicant {
	male := g.rng.IntN(2) == 0
	first := femaleNames[g.rng.IntN(len(femaleNames))]
	if male {
		first = maleNames[g.rng.IntN(len(maleNames))]
	}
	name := first + " " + maleNames[g.rng.IntN(len(maleNames))] + " " + maleNames[g.rng.IntN(len(maleNames))] +
		" " + familyNames[g.rng.IntN(len(familyNames))]
	born := today.AddDays(-(18*365 + g.rng.IntN(57*365)))
	century := 2
	if born.Y >= 2000 {
		century = 3
	}
	sex := 2 * g.rng.IntN(5) // even: female
	if male {
		sex++
	}
	first13 := fmt.Sprintf("%d%02d%02d%02d%s%03d%d", century, born.Y%100, int(born.M), born.D, gov,
		g.rng.IntN(1000), sex)
	check, _ := nationalid.CheckDigit(first13)
	mobile := fmt.Sprintf("01%c%08d", "0125"[g.rng.IntN(4)], g.rng.IntN(100_000_000))
	return request.Applicant{NationalID: first13 + string(check), Name: name, Mobile: mobile}
}

// jobRun is when the deadlines job runs on a day: it is enqueued at most ten minutes
// after midnight (worker.ScheduleDeadlines) and claimed at once.
const jobRun = 10 * time.Minute

// life is one request being simulated.
type life struct {
	g    *simulation
	site *site
	svc  *service
	req  *store.BulkRequest
	st   *Stats
	last time.Time // the instant of the latest event
}

// live plays the request's planned actions in time order, with the deadlines job's
// runs between them, until the plan ends or now comes.
func (l *life) live(prof string) error {
	rng, now := l.g.rng, l.g.now
	plan := script(rng, prof)
	l.last = l.req.SubmittedAt
	for {
		limit := now
		var next time.Time
		if len(plan) > 0 {
			next = l.after(plan[0])
			limit = minTime(next, now)
		}
		deemed, err := l.deadlines(limit)
		if err != nil {
			return err
		}
		if deemed { // nobody decided in time: the law did; what follows is the hand-over
			plan = handover(rng)
			continue
		}
		if len(plan) == 0 || !next.Before(now) {
			return nil
		}
		r := &l.req.Request
		p, err := request.Decide(l.svc.Steps, r.Status, r.StepKey, plan[0].action, l.site.p, r.Ref())
		if err != nil { // a workflow an administrator changed: staff could not do it either
			l.st.Refused++
			plan = nil
			continue
		}
		if err := l.act(plan[0].action, p, next); err != nil {
			return err
		}
		plan = plan[1:]
	}
}

// after is when a planned step happens, counted from the latest event.
func (l *life) after(s step) time.Time {
	rng := l.g.rng
	days := s.minDays
	if s.maxDays > s.minDays {
		days += rng.IntN(s.maxDays - s.minDays + 1)
	}
	if days == 0 {
		return l.last.Add(time.Duration(5+rng.IntN(115)) * time.Minute)
	}
	return businessTime(rng, l.site.cal.AddWorkingDays(markaz.DateOf(l.last), days))
}

// businessTime is a random instant within business hours on day d in Cairo.
func businessTime(rng *rand.Rand, d markaz.Date) time.Time {
	return d.Start().Add(opens + time.Duration(rng.IntN(int(hours/time.Second)))*time.Second).UTC().Truncate(time.Microsecond)
}

// act makes one workflow action, allowed by request.Decide, at instant at by the center's
// staff.
func (l *life) act(action string, plan request.Plan, at time.Time) error {
	note := ""
	switch action {
	case request.ActionCancel:
		note = cancelNote
	case request.ActionReturn:
		missing := "صورة بطاقة الرقم القومي"
		if len(l.svc.docs) > 0 {
			missing = l.svc.docs[l.g.rng.IntN(len(l.svc.docs))]
		}
		note = returnNote + missing
	}
	l.st.Actions++
	return l.record(action, plan, store.ActorOf(l.site.p), note, at)
}

// deadlines runs the deadlines job on every day whose run falls after the latest event
// and before limit, making what request.Deadlines lists for that day. It reports whether
// the job decided the request (a deemed approval).
//
// request.Deadlines asked about the last run before limit lists every deadline that
// passed by then with its day; the earliest is what the first run after it makes (with
// any other due the same day, in the job's order, stopping after a decision). Asked
// again after that run, it lists what remains.
func (l *life) deadlines(limit time.Time) (bool, error) {
	r := &l.req.Request
	cal := func() (*calendar.Calendar, error) { return l.site.cal, nil }
	lastRun := markaz.DateOf(limit)
	if !lastRun.Start().Add(jobRun).Before(limit) {
		lastRun = lastRun.AddDays(-1)
	}
	for {
		changes, err := request.Deadlines(r, l.svc.Service, l.req.Events, lastRun, cal)
		if err != nil || len(changes) == 0 {
			return false, err
		}
		first := changes[0].Due
		for _, c := range changes[1:] {
			if c.Due.Before(first) {
				first = c.Due
			}
		}
		run := first.AddDays(1)
		if !run.Start().Add(jobRun).After(l.last) { // the run of that day came before the latest event
			if run = markaz.DateOf(l.last); !run.Start().Add(jobRun).After(l.last) {
				run = run.AddDays(1)
			}
		}
		if run.After(lastRun) {
			return false, nil
		}
		at := run.Start().Add(jobRun).UTC()
		made := 0
		for _, c := range changes {
			if !c.Due.Before(run) {
				continue
			}
			if err := l.record(c.Action, c.Plan, store.ActorOf(nil), c.Due.String(), at); err != nil {
				return false, err
			}
			l.st.System++
			made++
			if request.Decided(r.Status) {
				return true, nil
			}
		}
		if made == 0 { // cannot happen: the earliest change is due on that run
			return false, fmt.Errorf("the deadlines job's run on %s made none of %+v", run, changes)
		}
	}
}

// record applies plan at instant at as the store does: the clocks by request.Apply, the
// version bumped, and the event appended to the history.
func (l *life) record(action string, plan request.Plan, a store.Actor, note string, at time.Time) error {
	r := &l.req.Request
	if err := r.Apply(plan, l.site.cal, at); err != nil {
		return err
	}
	if action == request.ActionComplete && plan.From == request.StatusAwaitingPayment && r.FeesDue > r.FeesPaid {
		l.pay(a, at)
	}
	r.Version++
	r.UpdatedAt = at
	l.last = at
	l.req.Events = append(l.req.Events, request.Event{Seq: r.Version, At: at, UserID: a.UserID, Username: a.Username,
		Action: action, From: plan.From, To: plan.To, FromStep: plan.FromStep, ToStep: plan.ToStep, Note: note,
		Due: r.DueDate})
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// pay books what the request owes just before it moves on from awaiting payment: online
// applicants pay through the gateway or by a reference code at an outlet; at a counter
// most pay cash and some by card, at a mobile unit fewer still by card.
func (l *life) pay(a store.Actor, at time.Time) {
	r := &l.req.Request
	electronic := 25 // per cent, at a counter
	switch r.Channel {
	case request.ChannelOnline:
		electronic = 100
	case request.ChannelMobileUnit:
		electronic = 10
	}
	method := payment.MethodCash
	if d := l.g.pay.IntN(100); d < electronic {
		method = payment.MethodGateway
		if d%5 == 4 {
			method = payment.MethodReference
		}
	}
	amount := r.FeesDue - r.FeesPaid
	r.FeesPaid += amount
	r.PaymentMethod = method
	l.req.Payments = append(l.req.Payments, store.BulkPayment{Method: method, AmountPiasters: amount, PaidAt: at,
		By: a.Username})
}
