package demo

// Demo requests: a year of service requests over the demo centers and the real catalog,
// made through the store's own registration and workflow actions (tx.RegisterRequest,
// tx.ActOnRequest) so that tracking numbers, due dates, pauses, histories and the audit
// chain are exactly what the application itself would have written.
//
// The year is replayed as a simulation: every request gets a profile (delivered, rejected,
// cancelled, left waiting on the citizen…) and its actions happen one after the other at
// working-day business hours; all events of all requests run in time order, each with the
// transaction's instant (tx.Now) set to the event's time. Events that would fall after now
// do not happen, so recent requests are still open, as they would be.

import (
	"container/heap"
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
	"markaz/request"
	"markaz/store"
)

// DefaultRequests is how many requests serve --demo adds when it creates the demo data.
const DefaultRequests = 3_000

// Seed is the demo scenario's seed, which serve --demo also uses for its requests.
func Seed() uint64 {
	sc, err := parseScenario()
	if err != nil {
		return 1
	}
	return sc.Seed
}

// BatchSize is how many events (a registration or an action) one transaction applies.
const BatchSize = 500

// Stats tells what AddRequests did.
type Stats struct {
	Requests int            // requests registered
	Actions  int            // workflow actions applied
	ByStatus map[string]int // requests added, by their status at the end
	Took     time.Duration
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

// Cancellation and return notes (the return note goes into the citizen's SMS).
const (
	cancelNote = "تنازل المواطن عن الطلب"
	returnNote = "مطلوب استكمال: "
)

// profile is how a request's life goes; weights are in per mille.
type profile struct {
	name   string
	weight int
}

var profiles = []profile{
	{"delivered", 700}, {"delivered_late", 60}, {"rejected", 60}, {"cancelled", 30},
	{"returned_open", 50}, {"payment_open", 40}, {"stuck", 60},
}

// step is one planned action: the action and the working days after the previous one
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
	case "stuck": // left in review: overdue once its due date passes
		s = []step{intake}
	}
	return s
}

// sim is one request being replayed.
type sim struct {
	center   *demoSite
	number   string
	plan     []step
	next     int
	status   string
	docNames []string
}

// demoSite is an operating center that receives requests, with the synthetic principal
// holding every workflow role there.
type demoSite struct {
	ID       string `db:"id"`
	Code     string `db:"code"`
	Kind     string `db:"kind"`
	GovCode  string `db:"gov_code"`
	UnitCode string `db:"unit_code"`
	p        *markaz.Principal
	cal      *calendar.Calendar
}

// event is a request's next action (or its registration, when sim.number is empty).
type event struct {
	at  time.Time
	seq int
	sim *sim
}

type queue []event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// replay holds the state of one AddRequests run.
type replay struct {
	rng      *rand.Rand
	now      time.Time
	sites    []*demoSite
	cum      []int // cumulative site weights
	services []*catalog.Service
	nat      *calendar.Calendar
	q        queue
	seq      int
	stats    Stats
}

// AddRequests adds n requests submitted over the year before clock's now to a demo
// database (ErrNotDemo otherwise), deterministically from seed: the same seed on the same
// demo data gives the same requests, tracking numbers and histories.
func AddRequests(ctx context.Context, db *store.DB, n int, seed uint64, clock markaz.Clock) (Stats, error) {
	return AddRequestsProgress(ctx, db, n, seed, clock, nil)
}

// AddRequestsProgress is AddRequests calling progress(registered so far) after every
// committed batch.
func AddRequestsProgress(ctx context.Context, db *store.DB, n int, seed uint64, clock markaz.Clock,
	progress func(done int)) (Stats, error) {
	start := time.Now()
	g := &replay{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: clock.Now(),
		stats: Stats{ByStatus: map[string]int{}}}
	if n < 0 {
		return g.stats, errors.New("demo: the number of requests must not be negative")
	}
	if err := db.Read(ctx, g.prepare); err != nil {
		return g.stats, err
	}
	if n == 0 {
		return g.stats, nil
	}
	submissions := g.submissionTimes(n)
	for len(submissions) > 0 || len(g.q) > 0 {
		if err := ctx.Err(); err != nil {
			return g.stats, err
		}
		tried := false
		err := db.Write(ctx, func(tx *store.Tx) error {
			if tried { // the run is not replayable inside one process: refuse a driver retry
				return errors.New("demo: a batch was retried; run the command again")
			}
			tried = true
			var err error
			submissions, err = g.batch(tx, submissions)
			return err
		})
		if err != nil {
			return g.stats, err
		}
		if progress != nil {
			progress(g.stats.Requests)
		}
	}
	g.stats.Took = time.Since(start)
	return g.stats, nil
}

// prepare checks the database is a demo one and loads the centers, services and calendars.
func (g *replay) prepare(tx *store.Tx) error {
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
		if len(svc.Steps) > 0 {
			g.services = append(g.services, svc)
		}
	}
	if len(g.services) == 0 {
		return errors.New("demo: the service catalog is empty")
	}
	var err error
	g.nat, err = tx.CalendarFor("", "")
	return err
}

// submissionTimes draws n instants at business hours of working days in the year before
// now, sorted.
func (g *replay) submissionTimes(n int) []time.Time {
	today := markaz.DateOf(g.now)
	var days []markaz.Date
	for d := today.AddDays(-365); !d.After(today); d = d.AddDays(1) {
		if g.nat.IsWorkingDay(d) {
			days = append(days, d)
		}
	}
	out := make([]time.Time, 0, n)
	for len(out) < n {
		t := businessTime(g.rng, days[g.rng.IntN(len(days))])
		if t.Before(g.now) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// businessTime is a random instant between 08:00 and 15:00 on day d in Cairo.
func businessTime(rng *rand.Rand, d markaz.Date) time.Time {
	return d.Start().Add(8*time.Hour + time.Duration(rng.IntN(7*3600))*time.Second).UTC().Truncate(time.Microsecond)
}

// batch applies up to BatchSize events in time order: the next submission or the next
// queued action, whichever comes first. It returns the submissions left.
func (g *replay) batch(tx *store.Tx, subs []time.Time) ([]time.Time, error) {
	var touched []string
	for k := 0; k < BatchSize && (len(subs) > 0 || len(g.q) > 0); k++ {
		if len(g.q) > 0 && (len(subs) == 0 || g.q[0].at.Before(subs[0])) {
			e := heap.Pop(&g.q).(event)
			tx.Now = e.at
			id, err := g.act(tx, e.sim)
			if err != nil {
				return subs, err
			}
			touched = append(touched, id)
			continue
		}
		tx.Now = subs[0]
		subs = subs[1:]
		id, err := g.register(tx)
		if err != nil {
			return subs, err
		}
		touched = append(touched, id)
	}
	return subs, silence(tx, touched)
}

// register registers one request at a weighted random center.
func (g *replay) register(tx *store.Tx) (string, error) {
	site := g.sites[g.pick()]
	svc := g.services[g.rng.IntN(len(g.services))]
	today := tx.Today()
	channel := request.ChannelCounter
	switch {
	case site.Kind == markaz.KindMobile:
		channel = request.ChannelMobileUnit
	case svc.Online && g.rng.IntN(100) < 30:
		channel = request.ChannelOnline
	}
	var docs []string
	for _, d := range svc.Documents {
		docs = append(docs, d.NameAr)
	}
	reg := &request.Registration{ServiceCode: svc.Code, Channel: channel, Documents: docs,
		Applicant: g.applicant(site.GovCode, today)}
	ws, err := reg.Validate(today)
	if err != nil {
		return "", fmt.Errorf("demo registration: %w", err)
	}
	res, err := tx.RegisterRequest(site.p, reg, "", ws)
	if err != nil {
		return "", err
	}
	prof := g.profile()
	s := &sim{center: site, number: res.Detail.TrackingNumber, plan: script(g.rng, prof),
		status: res.Detail.Status, docNames: docs}
	g.stats.Requests++
	g.stats.ByStatus[s.status]++
	g.schedule(s, tx.Now)
	return res.Detail.ID, nil
}

// act applies a request's next planned action and schedules the one after.
func (g *replay) act(tx *store.Tx, s *sim) (string, error) {
	st := s.plan[s.next]
	s.next++
	note := ""
	switch st.action {
	case request.ActionCancel:
		note = cancelNote
	case request.ActionReturn:
		missing := "صورة بطاقة الرقم القومي"
		if len(s.docNames) > 0 {
			missing = s.docNames[g.rng.IntN(len(s.docNames))]
		}
		note = returnNote + missing
	}
	d, err := tx.ActOnRequest(s.center.p, s.number, st.action, note, nil)
	if err != nil {
		return "", fmt.Errorf("demo request %s %s: %w", s.number, st.action, err)
	}
	g.stats.Actions++
	g.stats.ByStatus[s.status]--
	s.status = d.Status
	g.stats.ByStatus[s.status]++
	g.schedule(s, tx.Now)
	return d.ID, nil
}

// schedule queues the request's next action, unless it would come after now.
func (g *replay) schedule(s *sim, from time.Time) {
	if s.next >= len(s.plan) {
		return
	}
	st := s.plan[s.next]
	days := st.minDays
	if st.maxDays > st.minDays {
		days += g.rng.IntN(st.maxDays - st.minDays + 1)
	}
	var at time.Time
	if days == 0 {
		at = from.Add(time.Duration(5+g.rng.IntN(115)) * time.Minute)
	} else {
		at = businessTime(g.rng, s.center.cal.AddWorkingDays(markaz.DateOf(from), days))
	}
	if !at.Before(g.now) {
		return
	}
	g.seq++
	heap.Push(&g.q, event{at: at, seq: g.seq, sim: s})
}

// pick draws a site index by weight.
func (g *replay) pick() int {
	r := g.rng.IntN(g.cum[len(g.cum)-1])
	i, _ := slices.BinarySearch(g.cum, r+1)
	return i
}

func (g *replay) profile() string {
	r := g.rng.IntN(1000)
	for _, p := range profiles {
		if r < p.weight {
			return p.name
		}
		r -= p.weight
	}
	return profiles[0].name
}

// applicant makes an adult applicant born in governorate gov, with a valid national ID
// (check digit computed) and mobile number.
func (g *replay) applicant(gov string, today markaz.Date) request.Applicant {
	male := g.rng.IntN(2) == 0
	first := femaleNames[g.rng.IntN(len(femaleNames))]
	if male {
		first = maleNames[g.rng.IntN(len(maleNames))]
	}
	name := strings.Join([]string{first, maleNames[g.rng.IntN(len(maleNames))],
		maleNames[g.rng.IntN(len(maleNames))], familyNames[g.rng.IntN(len(familyNames))]}, " ")
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

// silence marks the SMS the batch queued as not sent: demo applicants are invented, and
// their numbers may belong to real people.
func silence(tx *store.Tx, requestIDs []string) error {
	if len(requestIDs) == 0 {
		return nil
	}
	in := "?" + strings.Repeat(", ?", len(requestIDs)-1)
	args := make([]any, 0, len(requestIDs)+2)
	args = append(args, tx.Now, store.JobDeliver)
	for _, id := range requestIDs {
		args = append(args, id)
	}
	if _, err := tx.Exec(`UPDATE jobs SET status = 'done', last_error = 'demo data: not sent', updated_at = ?
		WHERE kind = ? AND status = 'pending' AND id IN (SELECT job_id FROM outbox WHERE status = 'pending'
		AND entity = 'request' AND entity_id IN (`+in+`))`, args...); err != nil {
		return err
	}
	_, err := tx.Exec(`UPDATE outbox SET status = 'failed', last_error = 'demo data: not sent', updated_at = ?
		WHERE status = 'pending' AND entity = 'request' AND entity_id IN (`+in+`)`,
		append([]any{tx.Now}, args[2:]...)...)
	return err
}
