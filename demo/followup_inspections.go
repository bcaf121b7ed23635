package demo

// Demo follow-up: a few more inspectors, committees (national, Sharqia, Cairo,
// Alexandria), and a year of their work replayed through the store's own calls at the
// time each thing happened (tx.Now set to it): visit plans, about forty visits scored
// with the checklist version in force that day (the ministry amends the national
// checklist once, five months ago), findings with corrective actions that were mostly
// corrected and verified — some are left stalled and overdue — and the coming weeks'
// plan. Deterministic from the scenario's seed.

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"markaz"
	"markaz/inspection"
	"markaz/store"
)

// demoInspector is an inspector user the follow-up demo adds (scenario.json holds the
// Sharqia inspector, "inspector").
type demoInspector struct {
	username, name, gov string // gov "" for a national inspector
}

var demoInspectors = []demoInspector{
	{"insp.national", "شريف عبد الفتاح منصور", ""},
	{"insp.national2", "داليا حسن القاضي", ""},
	{"insp.sharqia2", "عمرو صلاح الشربيني", "13"},
	{"insp.cairo", "ياسمين فتحي عثمان", "01"},
	{"insp.alex", "أيمن رضا سليمان", "02"},
}

// demoCommittee is a committee and its members (username → body).
type demoCommittee struct {
	nameAr, nameEn, gov string
	members             [][2]string
	visits              int
}

var demoCommittees = []demoCommittee{
	{"اللجنة القومية للمتابعة والتفتيش", "National follow-up and inspection committee", "",
		[][2]string{{"insp.national", inspection.BodyInspection}, {"insp.national2", inspection.BodyProjects}}, 10},
	{"لجنة متابعة المراكز التكنولوجية بالشرقية", "Sharqia technology centers follow-up committee", "13",
		[][2]string{{"inspector", inspection.BodyInspection}, {"insp.sharqia2", inspection.BodyProjects},
			{"insp.national", inspection.BodyCommunications}}, 14},
	{"لجنة متابعة المراكز التكنولوجية بالقاهرة", "Cairo technology centers follow-up committee", "01",
		[][2]string{{"insp.cairo", inspection.BodyInspection}}, 9},
	{"لجنة متابعة المراكز التكنولوجية بالإسكندرية", "Alexandria technology centers follow-up committee", "02",
		[][2]string{{"insp.alex", inspection.BodyInspection}}, 7},
}

// demoFinding is what a poorly scored item is written up as.
type demoFinding struct {
	category, description, action, party string
}

var demoFindings = map[string]demoFinding{
	"staff_present":     {"staff", "غياب موظفين عن الشبابيك أثناء الزيارة", "انتظام الحضور ومراجعة دفتر الحضور والانصراف يوميًا", "مدير المركز"},
	"staff_uniform":     {"staff", "عدم الالتزام بالزي الموحد وبطاقات التعريف", "توفير الزي الموحد وإلزام العاملين به", "مدير المركز"},
	"equipment_working": {"equipment", "طابعة شباك الاستقبال معطلة", "إصلاح الطابعة أو استبدالها", "الإدارة العامة لنظم المعلومات بالمحافظة"},
	"system_network":    {"systems", "انقطاع متكرر في الشبكة يوقف تسجيل الطلبات", "متابعة الخط مع مزود الخدمة وتركيب خط احتياطي", "الشركة المصرية للاتصالات"},
	"separation":        {"citizen_service", "دخول المواطنين إلى المكاتب الخلفية", "منع دخول المواطنين للمكاتب والتعامل من خلال الشباك فقط", "مدير المركز"},
	"waiting_time":      {"citizen_service", "زمن الانتظار تجاوز 30 دقيقة وقت الذروة", "فتح شباك إضافي وقت الذروة", "مدير المركز"},
	"signage":           {"premises", "لافتة الخدمات والرسوم غير محدثة", "تركيب لافتة محدثة بالخدمات والرسوم والمستندات", "الإدارة الهندسية بالمحافظة"},
	"manual_at_hand":    {"procedure", "دليل التشغيل غير متاح للعاملين", "توفير نسخة من دليل التشغيل وتعريف العاملين به", "مدير المركز"},
	"backlog":           {"records", "ملفات متأخرة عن موعد إنجازها", "خطة لإنهاء المتأخرات خلال شهر", "مدير المركز"},
	"e_payment":         {"systems", "ماكينة الدفع الإلكتروني لا تعمل", "إصلاح ماكينة الدفع مع البنك", "البنك الأهلي المصري"},
	"hall_ready":        {"premises", "الصالة تحتاج صيانة ومقاعد إضافية", "صيانة الصالة وتوفير مقاعد للانتظار", "الإدارة الهندسية بالمحافظة"},
	"complaints":        {"citizen_service", "وسيلة تلقي الشكاوى غير معلنة", "إعلان الخط الساخن وصندوق الشكاوى ومتابعته أسبوعيًا", "مدير المركز"},
}

// coreItems are the items whose failure is serious.
var coreItems = []string{"staff_present", "equipment_working", "system_network", "separation"}

// inspectionDemo replays the demo inspection year.
type inspectionDemo struct {
	tx      *store.Tx
	rng     *rand.Rand
	now     time.Time
	today   markaz.Date
	users   map[string]*markaz.Principal
	home    string // the demo center, where the demo manager owns actions
	events  []inspEvent
	seq     int
	version func() *inspection.Version
}

// inspEvent is one thing done at one time.
type inspEvent struct {
	at  time.Time
	seq int
	do  func() error
}

func (f *inspectionDemo) at(t time.Time, do func() error) {
	f.seq++
	f.events = append(f.events, inspEvent{t, f.seq, do})
}

// addInspections adds the demo follow-up inside tx (the demo's loading transaction).
func addInspections(tx *store.Tx, seed uint64) error {
	now := tx.Now
	defer func() { tx.Now = now }()
	f := &inspectionDemo{tx: tx, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), now: now, today: tx.Today(),
		users: map[string]*markaz.Principal{}}
	if err := f.addUsers(); err != nil {
		return err
	}
	if err := tx.Get(&f.home, `SELECT center_id FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE u.username = 'manager' AND a.level = ?`, markaz.LevelCenter); err != nil {
		return fmt.Errorf("demo follow-up: the demo manager's center: %w", err)
	}
	var checklistID string
	if err := tx.Get(&checklistID, `SELECT id FROM checklists WHERE code = 'STANDARD'`); err != nil {
		return err
	}
	var current *inspection.Version
	f.version = func() *inspection.Version { return current }
	tx.Now = f.day(-390, 9)
	cl, err := tx.Checklist(checklistID)
	if err != nil {
		return err
	}
	current = cl.Current
	committees := make([]*inspection.Committee, len(demoCommittees))
	for i, dc := range demoCommittees {
		in := store.CommitteeInput{NameAr: dc.nameAr, NameEn: dc.nameEn, Gov: dc.gov}
		for _, m := range dc.members {
			in.Members = append(in.Members, store.MemberInput{Username: m[0], Body: m[1]})
		}
		if committees[i], err = tx.CreateCommittee(f.users["ministry"], in); err != nil {
			return fmt.Errorf("demo committee %s: %w", dc.nameEn, err)
		}
	}
	// The ministry weighs waiting time and e-payment more from five months ago.
	f.at(f.day(-150, 11), func() error {
		items := slices.Clone(current.Items)
		for i := range items {
			if items[i].Key == "waiting_time" || items[i].Key == "e_payment" {
				items[i].Weight = 3
			}
		}
		d, err := tx.AmendChecklist(f.users["ministry"], checklistID, store.ChecklistInput{NameAr: cl.NameAr,
			NameEn: cl.NameEn, Items: items, BasedOn: current.Number, Note: "رفع وزن زمن الانتظار والدفع الإلكتروني"})
		if err == nil {
			current = d.Current
		}
		return err
	})
	for i, dc := range demoCommittees {
		if err := f.planVisits(committees[i], dc); err != nil {
			return err
		}
	}
	// Events run in time order; running one may schedule later ones (an action's
	// follow-up after its finding). What would happen after now does not happen.
	for len(f.events) > 0 {
		i := 0
		for j, e := range f.events {
			if cmp.Or(e.at.Compare(f.events[i].at), e.seq-f.events[i].seq) < 0 {
				i = j
			}
		}
		e := f.events[i]
		f.events = slices.Delete(f.events, i, i+1)
		if e.at.After(now) {
			continue
		}
		tx.Now = e.at.UTC().Truncate(time.Microsecond)
		if err := e.do(); err != nil {
			return fmt.Errorf("demo follow-up at %s: %w", e.at.Format(time.RFC3339), err)
		}
	}
	return nil
}

// day is a time offset days from today, at hour o'clock in Cairo, moved back to a
// working day (Sunday to Thursday).
func (f *inspectionDemo) day(offset, hour int) time.Time {
	d := f.today.AddDays(offset)
	for d.Start().Weekday() == time.Friday || d.Start().Weekday() == time.Saturday {
		d = d.AddDays(-1)
	}
	return d.Start().Add(time.Duration(hour) * time.Hour)
}

// addUsers creates the follow-up's inspectors with the demo password (copied from the
// scenario's inspector) and loads the principals the replay acts as.
func (f *inspectionDemo) addUsers() error {
	var hash string
	if err := f.tx.Get(&hash, `SELECT password_hash FROM users WHERE username = 'inspector'`); err != nil {
		return fmt.Errorf("demo follow-up needs the scenario's inspector: %w", err)
	}
	for _, di := range demoInspectors {
		a := markaz.Assignment{Role: markaz.RoleInspector, Level: markaz.LevelNation, StartsOn: markaz.Date{Y: 2020, M: 1, D: 1}}
		if di.gov != "" {
			a.Level, a.GovCode = markaz.LevelGovernorate, di.gov
		}
		if err := f.tx.ResolveAssignment(&a); err != nil {
			return err
		}
		u := &markaz.User{Username: di.username, FullName: di.name, PasswordHash: hash, Assignments: []markaz.Assignment{a}}
		if err := u.Validate(); err != nil {
			return err
		}
		if err := f.tx.InsertUser(store.Actor{}, u); err != nil {
			return fmt.Errorf("demo user %s: %w", di.username, err)
		}
	}
	for _, name := range []string{"ministry", "manager", "inspector", "insp.national", "insp.national2", "insp.sharqia2",
		"insp.cairo", "insp.alex"} {
		u, err := f.tx.GetUserByName(name)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", name, err)
		}
		// Principals are built for a day inside every assignment, whatever tx.Now will be.
		p := &markaz.Principal{UserID: u.ID, Username: u.Username, FullName: u.FullName, Assignments: u.Assignments}
		f.users[name] = p
	}
	return nil
}

// siteIDs lists the ids of the developed fixed centers of a governorate ("" for all),
// developed over a year ago, by code.
func (f *inspectionDemo) siteIDs(gov string) ([]string, error) {
	var ids []string
	q := `SELECT id FROM centers WHERE kind = ? AND dev_status = ? AND retired_on IS NULL AND completed_on < ?`
	args := []any{markaz.KindFixed, markaz.DevDeveloped, f.today.AddDays(-400)}
	if gov != "" {
		q += ` AND gov_code = ?`
		args = append(args, gov)
	}
	return ids, f.tx.Select(&ids, q+` ORDER BY code`, args...)
}

// planVisits schedules a committee's year: its visits (most of them planned a week
// ahead), their findings and the follow-up of their corrective actions, one cancelled
// plan, and its plan for the coming weeks.
func (f *inspectionDemo) planVisits(c *inspection.Committee, dc demoCommittee) error {
	sites, err := f.siteIDs(dc.gov)
	if err != nil {
		return err
	}
	if len(sites) == 0 {
		return fmt.Errorf("demo follow-up: no developed center in governorate %q", dc.gov)
	}
	if dc.gov == "13" { // the demo center is visited three times
		sites = append([]string{f.home, f.home, f.home}, sites...)
	}
	members := make([]*markaz.Principal, len(dc.members))
	for i, m := range dc.members {
		members[i] = f.users[m[0]]
	}
	for i := range dc.visits {
		center := sites[i%len(sites)]
		if i >= 3 || dc.gov != "13" {
			center = sites[f.rng.IntN(len(sites))]
		}
		offset := -360 + i*350/dc.visits + f.rng.IntN(10)
		when := f.day(offset, 10+f.rng.IntN(3))
		who := members[f.rng.IntN(len(members))]
		quality := 0.45 + float64(f.rng.IntN(50))/100 + float64(i)/float64(dc.visits)*0.1 // centers improve over the year
		planned := f.rng.IntN(10) < 7
		var plan *inspection.Plan
		if planned {
			f.at(when.Add(-7*24*time.Hour), func() error {
				var err error
				plan, err = f.tx.CreatePlan(who, store.PlanInput{CommitteeID: c.ID, CenterID: center,
					PlannedOn: markaz.DateOf(when), Members: []string{who.Username}, Purpose: "متابعة دورية"})
				return err
			})
		}
		f.at(when, func() error {
			in := store.VisitInput{CenterID: center, CommitteeID: c.ID, VersionID: f.version().ID}
			if plan != nil {
				in.PlanID = plan.ID
			}
			for _, it := range f.version().Items {
				s := f.itemScore(quality)
				in.Items = append(in.Items, inspection.Mark{Key: it.Key, Score: &s})
			}
			v, err := f.tx.RecordVisit(who, in)
			if err != nil {
				return err
			}
			return f.findings(v, who)
		})
	}
	// One plan was cancelled, and the coming weeks are planned (one already postponed).
	cancelled := f.day(-40, 9)
	f.at(cancelled, func() error {
		pl, err := f.tx.CreatePlan(members[0], store.PlanInput{CommitteeID: c.ID, CenterID: sites[len(sites)-1],
			PlannedOn: markaz.DateOf(cancelled).AddDays(5), Purpose: "متابعة دورية"})
		if err == nil {
			_, err = f.tx.ChangePlan(members[0], pl.ID, store.PlanChange{Action: store.PlanCancel, Reason: "المركز مغلق للصيانة"})
		}
		return err
	})
	for i := range 3 {
		site := sites[(i+4)%len(sites)] // past the demo center's three
		if dc.gov == "13" && i == 0 {
			site = f.home
		}
		f.at(f.day(-3-i, 9), func() error {
			pl, err := f.tx.CreatePlan(members[0], store.PlanInput{CommitteeID: c.ID, CenterID: site,
				PlannedOn: f.today.AddDays(3 + 7*i), Purpose: "متابعة دورية"})
			if err == nil && i == 2 {
				_, err = f.tx.ChangePlan(members[0], pl.ID, store.PlanChange{Action: store.PlanPostpone,
					On: f.today.AddDays(3 + 7*i + 4), Reason: "تعارض مع زيارة المحافظ"})
			}
			return err
		})
	}
	return nil
}

// itemScore draws an item's score for a center of the given quality (0–1).
func (f *inspectionDemo) itemScore(quality float64) int {
	x := float64(f.rng.IntN(1000)) / 1000
	switch {
	case x < quality:
		return inspection.ScoreYes
	case x < quality+(1-quality)*0.6:
		return inspection.ScorePartly
	}
	return inspection.ScoreNo
}

// findings writes up a visit's failed items (at most three) with their corrective
// actions, and schedules how each was followed: most are corrected and verified within
// weeks, about one in six stalls and stays open past its due date.
func (f *inspectionDemo) findings(v *store.VisitDetail, who *markaz.Principal) error {
	n := 0
	for _, it := range v.Items {
		if n == 3 || it.Score == inspection.ScoreYes || it.Score == inspection.ScorePartly && f.rng.IntN(3) > 0 {
			continue
		}
		df := demoFindings[it.Key]
		severity := "medium"
		switch {
		case it.Score == inspection.ScorePartly:
			severity = "low"
		case slices.Contains(coreItems, it.Key):
			severity = []string{"high", "critical"}[f.rng.IntN(2)]
		}
		in := store.FindingInput{Category: df.category, Severity: severity, Description: df.description, Action: df.action}
		owner := who // a named party's progress is recorded by the committee
		if v.CenterID == f.home && df.party == "مدير المركز" {
			in.OwnerUsername, owner = "manager", f.users["manager"]
		} else {
			in.OwnerParty = df.party
		}
		fd, err := f.tx.AddFinding(who, v.ID, in, nil)
		if err != nil {
			return err
		}
		n++
		f.followAction(fd, owner, who)
	}
	return nil
}

// followAction schedules a corrective action's progress after tx.Now.
func (f *inspectionDemo) followAction(fd *store.FindingDetail, owner, committee *markaz.Principal) {
	id, start := fd.Action.ID, f.tx.Now
	after := func(days int) time.Time { return start.Add(time.Duration(days*24+f.rng.IntN(6)) * time.Hour) }
	move := func(p *markaz.Principal, status, note string) func() error {
		return func() error {
			_, err := f.tx.UpdateAction(p, id, inspection.Change{Status: status, Note: note})
			return err
		}
	}
	d1 := 1 + f.rng.IntN(5)
	f.at(after(d1), move(owner, inspection.ActionInProgress, "بدأ التنفيذ"))
	if f.rng.IntN(6) == 0 {
		return // stalled: overdue once its due date passes
	}
	d2 := d1 + 2 + f.rng.IntN(15)
	f.at(after(d2), move(owner, inspection.ActionDone, "تم التنفيذ"))
	f.at(after(d2+3+f.rng.IntN(20)), move(committee, inspection.ActionClosed, "تم التحقق في زيارة متابعة"))
}
