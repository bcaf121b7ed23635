package demo

// Demo follow-up data: the support agents' teams, an equipment inventory for the developed
// centers of the demo governorates, a year of problems reported there (most of them solved,
// some escalated to the vendor, the Ministry of Planning or ministry IT, one duplicate
// merged, faulty equipment linked to its problems) and resource needs in every state. All
// of it goes through the store's own calls (tx.ReportProblem, tx.ActOnProblem,
// tx.UpdateEquipment, tx.RaiseNeed, tx.ActOnNeed) with the transaction's instant set to
// each event's time, so histories, numbers and the audit chain are what the application
// would have written. Events that would fall after now do not happen: recent problems are
// still open. Deterministic from the scenario's seed.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/problem"
	"markaz/resource"
	"markaz/store"
)

// followUpGovs are the governorates whose developed centers get equipment and problems:
// those whose system supervisors are demo users, so that triage is done by real accounts.
var followUpGovs = []string{"13", "01"}

// DemoProblems is how many problems the demo reports over the past year.
const DemoProblems = 60

// complaint is a problem as staff describe it, and how it is usually solved.
type complaint struct {
	category, title, description, resolution string
	device                                   string // the kind of item a hardware problem is about
}

var complaints = []complaint{
	{problem.CategorySoftware, "توقف برنامج تسجيل الطلبات عن الاستجابة", "تظهر رسالة خطأ عند حفظ الطلب ثم يتوقف البرنامج، ويتكرر ذلك عدة مرات يوميًا.", "أُصدر تحديث للبرنامج يعالج خطأ الحفظ وثُبّت على أجهزة المركز.", ""},
	{problem.CategorySoftware, "بطء شديد في شاشة البحث عن الطلبات", "البحث برقم الطلب أو الرقم القومي يستغرق أكثر من دقيقة في أوقات الذروة.", "أُضيف فهرس لقاعدة البيانات وعادت سرعة البحث إلى أقل من ثانيتين.", ""},
	{problem.CategorySoftware, "إيصال الاستلام يُطبع بلا رمز الاستجابة السريعة", "يخرج الإيصال دون رمز الاستجابة السريعة فلا يستطيع المواطن متابعة طلبه.", "صُحح قالب الإيصال في الإصدار الجديد.", ""},
	{problem.CategoryNetwork, "انقطاع الاتصال بالخادم المركزي", "لا يوجد اتصال بالخادم المركزي منذ بداية اليوم والمواطنون في الانتظار.", "استُبدل الموجه المعطل في غرفة الشبكة وعاد الاتصال.", ""},
	{problem.CategoryNetwork, "ضعف سرعة الإنترنت في ساعات العمل", "تتأخر الصفحات كثيرًا بين التاسعة والثانية عشرة ظهرًا.", "رُفعت سرعة خط الاتصال بالتنسيق مع مزود الخدمة.", ""},
	{problem.CategoryHardware, "طابعة الإيصالات لا تطبع", "تظهر إشارة خطأ حمراء على طابعة الإيصالات ولا تخرج أي ورقة.", "نُظفت رأس الطباعة واستُبدلت بكرة الورق.", resource.DeviceReceiptPrinter},
	{problem.CategoryHardware, "الماسح الضوئي لا يتعرف عليه الجهاز", "الماسح الضوئي متصل لكن الحاسب لا يتعرف عليه فتتعطل أرشفة المستندات.", "أُعيد تثبيت برنامج تشغيل الماسح وتغيير الكابل.", resource.DeviceScanner},
	{problem.CategoryHardware, "جهاز حاسب الشباك لا يعمل", "جهاز الحاسب في الشباك يعيد التشغيل تلقائيًا كل بضع دقائق.", "استُبدل مزود الطاقة الداخلي للجهاز.", resource.DevicePC},
	{problem.CategoryHardware, "الطابعة تسحب أكثر من ورقة", "الطابعة تسحب عدة أوراق معًا فتتلف النماذج المطبوعة.", "استُبدلت بكرات سحب الورق.", resource.DevicePrinter},
	{problem.CategoryProcedure, "المستندات المطلوبة في النظام تخالف القرار الوزاري", "يطلب النظام مستندًا أُلغي بالقرار الوزاري الأخير لطلبات رخص المحال.", "عُدلت قائمة المستندات في دليل الخدمات الموحد.", ""},
	{problem.CategoryProcedure, "لا مسار في النظام لطلبات التصالح المعادة من اللجنة", "لا يمكن إعادة طلب التصالح إلى المواطن بعد ملاحظات اللجنة الفنية.", "أُضيفت خطوة الإعادة إلى مسار الخدمة.", ""},
	{problem.CategoryEPayment, "فشل عمليات الدفع بالبطاقات", "ترفض بوابة الدفع معظم البطاقات برسالة «خطأ في الاتصال».", "جُددت شهادة الاتصال ببوابة الدفع.", ""},
	{problem.CategoryEPayment, "المدفوعات الإلكترونية لا تظهر في تقرير التحصيل", "مدفوعات الأمس الإلكترونية غير موجودة في تقرير التحصيل اليومي.", "أُعيدت مطابقة كشف البوابة وظهرت المدفوعات.", ""},
	{problem.CategoryOther, "نفاد نماذج الإيصالات الورقية الاحتياطية", "لم يتبقَّ من النماذج الورقية ما يكفي عند انقطاع النظام.", "وُرِّدت دفعة جديدة من النماذج.", ""},
}

// targetFor says where a supervisor sends a problem of category c ("" handled locally).
func targetFor(rng *rand.Rand, c string) string {
	switch c {
	case problem.CategorySoftware:
		if rng.IntN(10) < 7 {
			return problem.TargetVendor
		}
		return problem.TargetMinistryIT
	case problem.CategoryNetwork:
		return problem.TargetMinistryIT
	case problem.CategoryHardware:
		if rng.IntN(10) < 4 {
			return problem.TargetVendor
		}
	case problem.CategoryProcedure:
		return problem.TargetPlanning
	case problem.CategoryEPayment:
		if rng.IntN(2) == 0 {
			return problem.TargetPlanning
		}
		return problem.TargetVendor
	}
	return ""
}

// problemDemo holds what the demo's follow-up data is made with.
type problemDemo struct {
	tx       *store.Tx
	rng      *rand.Rand
	now      time.Time
	users    map[string]*markaz.Principal // demo users by username
	sites    []*fuSite
	agents   map[string]*markaz.Principal // support agent of each team
	shot     *attachment.File
	problems int
}

// fuSite is a demo center with who works there and its inventory.
type fuSite struct {
	center *markaz.Center
	staff  *markaz.Principal
	items  []*resource.Equipment
}

// loadFollowUp loads the follow-up demo data inside the demo's transaction, after the
// centers and users; tx.Now is restored before it returns.
func loadFollowUp(tx *store.Tx) error {
	sc, err := parseScenario()
	if err != nil {
		return err
	}
	f := &problemDemo{tx: tx, now: tx.Now, users: map[string]*markaz.Principal{}, agents: map[string]*markaz.Principal{},
		rng: rand.New(rand.NewPCG(sc.Seed^0x70726f62, sc.Seed))}
	defer func() { tx.Now = f.now }()
	for _, du := range sc.Users {
		u, err := tx.GetUserByName(du.Username)
		if err != nil {
			return err
		}
		f.users[du.Username] = tx.Principal(u)
	}
	for username, team := range sc.SupportTeams {
		p := f.users[username]
		if p == nil {
			return fmt.Errorf("demo support team: no user %s", username)
		}
		if _, err := tx.SetSupportTeams(f.users["admin"], p.UserID, []string{team}); err != nil {
			return fmt.Errorf("demo support team of %s: %w", username, err)
		}
		f.agents[team] = p
	}
	if f.shot, err = screenshot(); err != nil {
		return err
	}
	if err := f.equip(); err != nil {
		return err
	}
	if err := f.report(); err != nil {
		return err
	}
	return f.raiseNeeds()
}

// at sets the transaction's instant; it reports false for an instant after now (the event
// has not happened yet).
func (f *problemDemo) at(t time.Time) bool {
	if !t.Before(f.now) {
		return false
	}
	f.tx.Now = t.UTC().Truncate(time.Microsecond)
	return true
}

// equip records the inventory of every developed center of the follow-up governorates a
// year and a half ago, all working; the demo center's staff are its real demo users.
func (f *problemDemo) equip() error {
	in, args := "", []any{markaz.KindFixed, markaz.DevDeveloped}
	for i, g := range followUpGovs {
		if i > 0 {
			in += ", "
		}
		in += "?"
		args = append(args, g)
	}
	var centers []markaz.Center
	if err := f.tx.Select(&centers, `SELECT id, code, kind, gov_code, unit_code FROM centers WHERE kind = ? AND dev_status = ?
		AND retired_on IS NULL AND gov_code IN (`+in+`) ORDER BY gov_code DESC, code`, args...); err != nil {
		return err
	}
	home := f.users["clerk"].Assignments[0].CenterID
	f.at(f.now.AddDate(0, -18, 0))
	for i := range centers {
		c := &centers[i]
		site := &fuSite{center: c, staff: &markaz.Principal{UserID: "demo-" + c.Code, Username: "demo." + strings.ToLower(c.Code)}}
		for _, role := range []string{markaz.RoleClerk, markaz.RoleCenterManager} {
			site.staff.Assignments = append(site.staff.Assignments, markaz.Assignment{Role: role, Level: markaz.LevelCenter,
				CenterID: c.ID, GovCode: c.GovCode, UnitCode: c.UnitCode})
		}
		if c.ID == home {
			site.staff = f.users["manager"]
		}
		for _, kind := range []struct {
			device, prefix string
			n              int
		}{{resource.DevicePC, "PC", 4}, {resource.DevicePrinter, "PRN", 1}, {resource.DeviceScanner, "SCN", 1},
			{resource.DeviceReceiptPrinter, "RCP", 1}, {resource.DeviceNetwork, "NET", 1}, {resource.DeviceUPS, "UPS", 1}} {
			for k := 1; k <= kind.n; k++ {
				e, err := f.tx.AddEquipment(site.staff, &resource.Equipment{CenterID: c.ID, DeviceType: kind.device,
					Serial: fmt.Sprintf("%s-%s-%02d", kind.prefix, c.Code, k)})
				if err != nil {
					return fmt.Errorf("demo equipment at %s: %w", c.Code, err)
				}
				site.items = append(site.items, e)
			}
		}
		f.sites = append(f.sites, site)
	}
	if len(f.sites) == 0 {
		return fmt.Errorf("demo follow-up: no developed center in %v", followUpGovs)
	}
	return nil
}

// incident is one demo problem before it is reported: where, what, when.
type incident struct {
	site *fuSite
	c    complaint
	at   time.Time
	dup  bool // reported again by another member of staff a little later
}

// report reports DemoProblems problems over the year before now and plays their lives.
func (f *problemDemo) report() error {
	var list []incident
	for i := 0; i < DemoProblems; i++ {
		site := f.sites[0] // the demo center carries a quarter of them
		if i%4 != 0 {
			site = f.sites[f.rng.IntN(len(f.sites))]
		}
		day := markaz.DateOf(f.now).AddDays(-1 - f.rng.IntN(364))
		at := businessTime(f.rng, day)
		if at.After(f.now) {
			at = f.now.Add(-time.Hour)
		}
		list = append(list, incident{site: site, c: complaints[f.rng.IntN(len(complaints))], at: at})
	}
	slices.SortFunc(list, func(a, b incident) int { return a.at.Compare(b.at) })
	// One problem of the demo center, about a month ago, is reported twice.
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].site == f.sites[0] && list[i].at.Before(f.now.AddDate(0, 0, -30)) {
			list[i].dup = true
			break
		}
	}
	for i, in := range list {
		if err := f.live(in, i); err != nil {
			return fmt.Errorf("demo problem %d: %w", i+1, err)
		}
	}
	return nil
}

// supervisorOf is the demo supervisor of a site's governorate.
func (f *problemDemo) supervisorOf(s *fuSite) *markaz.Principal {
	if s.center.GovCode == "01" {
		return f.users["cairo"]
	}
	return f.users["sharqia"]
}

// live reports one problem and takes it through triage, escalation, work, resolution and
// confirmation, as far as now allows; about one in five stays open on the way, most of
// them recent.
func (f *problemDemo) live(in incident, i int) error {
	f.at(in.at)
	rep := problem.Report{CenterID: in.site.center.ID, Category: in.c.category, Title: in.c.title,
		Description: in.c.description, Severity: problem.Severities[f.rng.IntN(3)]}
	if f.rng.IntN(12) == 0 {
		rep.Severity = problem.SeverityCritical
	}
	var item *resource.Equipment
	if in.c.device != "" {
		item = in.site.working(in.c.device)
	}
	if item != nil {
		// Staff mark the item faulty, then report the problem with it.
		if err := f.setItem(in.site, item, resource.EquipFaulty); err != nil {
			return err
		}
		rep.EquipmentID = item.ID
	}
	if err := rep.Validate(); err != nil {
		return err
	}
	var files []*attachment.File
	if i%9 == 0 {
		files = append(files, f.shot)
	}
	d, err := f.tx.ReportProblem(in.site.staff, &rep, files)
	if err != nil {
		return err
	}
	sup := f.supervisorOf(in.site)
	t := in.at
	step := func(hours int, p *markaz.Principal, a problem.Act) (bool, error) {
		t = t.Add(time.Duration(1+f.rng.IntN(hours)) * time.Hour)
		if !f.at(t) {
			return false, nil
		}
		if err := a.Validate(); err != nil {
			return false, err
		}
		_, err := f.tx.ActOnProblem(p, d.ID, &a)
		return err == nil, err
	}
	if in.dup {
		f.at(in.at.Add(40 * time.Minute))
		again := rep
		again.Description = "تكرر الإبلاغ: " + rep.Description
		dup, err := f.tx.ReportProblem(in.site.staff, &again, nil)
		if err != nil {
			return err
		}
		f.at(in.at.Add(3 * time.Hour))
		merge := problem.Act{Action: problem.ActionMerge, Into: d.ID, Note: "بلاغ مكرر عن العطل نفسه"}
		if _, err := f.tx.ActOnProblem(sup, dup.ID, &merge); err != nil {
			return err
		}
	}
	// Below 24 the problem stays open at some stage: most of the last quarter's problems,
	// few older ones.
	stay := 24 + f.rng.IntN(76)
	if recent := in.at.After(f.now.AddDate(0, 0, -90)); recent && f.rng.IntN(10) < 6 || !recent && f.rng.IntN(20) == 0 {
		stay = f.rng.IntN(24)
	}
	target := targetFor(f.rng, in.c.category)
	first := problem.Act{Action: problem.ActionAccept}
	if target != "" {
		first = problem.Act{Action: problem.ActionEscalate, Target: target, Note: "رُفعت للجهة المختصة"}
	}
	if stay < 4 {
		return nil // still waiting for triage
	}
	if ok, err := step(6, sup, first); !ok || err != nil || stay < 8 {
		return err
	}
	worker := sup
	if target != "" {
		worker = f.agents[target]
		if ok, err := step(24, worker, problem.Act{Action: problem.ActionStart}); !ok || err != nil || stay < 14 {
			return err
		}
	}
	if stay < 24 {
		_, err := step(8, worker, problem.Act{Action: problem.ActionComment, Note: "جارٍ العمل على الحل"})
		return err
	}
	solve := func() (bool, error) {
		return step(72, worker, problem.Act{Action: problem.ActionResolve, Note: in.c.resolution})
	}
	ok, err := solve()
	if !ok || err != nil {
		return err
	}
	if item != nil {
		if err := f.setItem(in.site, item, resource.EquipWorking); err != nil {
			return err
		}
	}
	if stay >= 95 {
		// The fix did not hold: the center reopens it and it is solved again.
		if ok, err := step(30, in.site.staff, problem.Act{Action: problem.ActionReopen, Note: "عادت المشكلة للظهور"}); !ok || err != nil {
			return err
		}
		if ok, err := solve(); !ok || err != nil {
			return err
		}
	}
	if stay%3 != 0 {
		_, err = step(30, in.site.staff, problem.Act{Action: problem.ActionConfirm, Note: "تم التأكد من الحل"})
	}
	return err
}

// working returns a working item of the device type at the site, or nil.
func (s *fuSite) working(device string) *resource.Equipment {
	for _, e := range s.items {
		if e.DeviceType == device && e.Status == resource.EquipWorking {
			return e
		}
	}
	return nil
}

// setItem changes an item's status at the site, by its staff.
func (f *problemDemo) setItem(s *fuSite, item *resource.Equipment, status string) error {
	ch := *item
	ch.Status = status
	e, err := f.tx.UpdateEquipment(s.staff, item.ID, &ch)
	if err != nil {
		return err
	}
	*item = *e
	return nil
}

// needPlan is one demo need and how far it has gone.
type needPlan struct {
	gov      string
	kind     string
	qty      int
	why      string
	daysAgo  int
	outcome  string // the status it ends in
	approved int    // approved quantity (0: all)
}

var needPlans = []needPlan{
	{"13", resource.KindEngineers, 6, "عجز في مهندسي مراجعة رخص البناء بعد زيادة الطلبات.", 320, resource.NeedFulfilled, 4},
	{"13", resource.KindPrinters, 12, "طابعات الإيصالات في ستة مراكز تجاوزت عمرها الافتراضي.", 240, resource.NeedPartly, 10},
	{"13", resource.KindUniforms, 80, "زي موحد لموظفي الواجهة الأمامية الجدد.", 150, resource.NeedApproved, 0},
	{"13", resource.KindScanners, 8, "ماسحات ضوئية لإدخال الأرشيف الورقي المتراكم.", 20, resource.NeedRaised, 0},
	{"13", resource.KindOther, 3, "شاشات عرض لنظام الانتظار بالأرقام.", 200, resource.NeedRefused, 0},
	{"01", resource.KindComputers, 25, "استبدال أجهزة الحاسب القديمة في مراكز الأحياء.", 300, resource.NeedFulfilled, 0},
	{"01", resource.KindEngineers, 10, "مهندسون لملفات التصالح في مخالفات البناء.", 180, resource.NeedPartly, 8},
	{"01", resource.KindPrinters, 6, "طابعات ليزر للشهادات.", 90, resource.NeedCancelled, 0},
	{"01", resource.KindUniforms, 120, "زي موحد لجميع موظفي المراكز.", 10, resource.NeedRaised, 0},
	{"21", resource.KindComputers, 15, "أجهزة حاسب للمراكز المطورة حديثًا.", 260, resource.NeedFulfilled, 12},
	{"21", resource.KindScanners, 10, "ماسحات لأرشفة ملفات التراخيص.", 120, resource.NeedApproved, 0},
	{"12", resource.KindEngineers, 4, "مهندس لكل مركز في المراكز الريفية.", 210, resource.NeedRefused, 0},
	{"12", resource.KindPrinters, 5, "طابعات احتياطية للوحدات المتنقلة.", 60, resource.NeedRaised, 0},
	{"24", resource.KindComputers, 9, "أجهزة حاسب لشبابيك الدفع الإلكتروني.", 150, resource.NeedPartly, 0},
	{"25", resource.KindUniforms, 40, "زي موحد للعاملين بالمراكز.", 100, resource.NeedCancelled, 0},
}

// raiseNeeds raises the demo needs and takes each to its planned state: the demo
// governorates' supervisors raise theirs, a supervisor account stands in for the others;
// the ministry decides; deliveries come in parts.
func (f *problemDemo) raiseNeeds() error {
	ministry := f.users["ministry"]
	for i, np := range needPlans {
		sup := f.users["sharqia"]
		switch np.gov {
		case "13":
		case "01":
			sup = f.users["cairo"]
		default:
			sup = &markaz.Principal{UserID: "demo-supervisor-" + np.gov, Username: "demo.supervisor-" + np.gov,
				Assignments: []markaz.Assignment{{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, GovCode: np.gov}}}
		}
		t := businessTime(f.rng, markaz.DateOf(f.now).AddDays(-np.daysAgo))
		f.at(t)
		in := resource.NewNeed{Governorate: np.gov, Kind: np.kind, Quantity: np.qty, Justification: np.why}
		if err := in.Validate(); err != nil {
			return err
		}
		d, err := f.tx.RaiseNeed(sup, &in)
		if err != nil {
			return fmt.Errorf("demo need %d: %w", i+1, err)
		}
		act := func(days int, p *markaz.Principal, a resource.NeedAct) error {
			t = t.AddDate(0, 0, days)
			if !f.at(t) {
				return nil
			}
			_, err := f.tx.ActOnNeed(p, d.ID, &a)
			return err
		}
		var steps []func() error
		approved := np.qty
		if np.approved > 0 {
			approved = np.approved
		}
		switch np.outcome {
		case resource.NeedRefused:
			steps = append(steps, func() error {
				return act(12, ministry, resource.NeedAct{Action: resource.ActionRefuse, Note: "لا تتوفر اعتمادات في الموازنة الحالية."})
			})
		case resource.NeedApproved, resource.NeedPartly, resource.NeedFulfilled:
			note := ""
			if approved < np.qty {
				note = "اعتُمدت الكمية المتاحة في الموازنة."
			}
			steps = append(steps, func() error {
				return act(10, ministry, resource.NeedAct{Action: resource.ActionApprove, Quantity: approved, Note: note})
			})
		case resource.NeedCancelled:
			steps = append(steps, func() error {
				return act(15, sup, resource.NeedAct{Action: resource.ActionCancel, Note: "وُفّرت من فائض محافظة مجاورة."})
			})
		}
		first := approved / 2
		if np.outcome == resource.NeedPartly || np.outcome == resource.NeedFulfilled {
			steps = append(steps, func() error {
				return act(30, ministry, resource.NeedAct{Action: resource.ActionDeliver, Quantity: max(first, 1),
					Note: "الدفعة الأولى"})
			})
		}
		if np.outcome == resource.NeedFulfilled {
			steps = append(steps, func() error {
				return act(25, sup, resource.NeedAct{Action: resource.ActionDeliver, Quantity: approved - max(first, 1),
					Note: "استلام الدفعة الأخيرة"})
			})
		}
		for _, s := range steps {
			if err := s(); err != nil {
				return fmt.Errorf("demo need %d: %w", i+1, err)
			}
		}
	}
	return nil
}

// screenshot draws the small picture attached to some demo problems (a PNG of an error
// dialog), so that attachments show in the demo.
func screenshot() (*attachment.File, error) {
	img := image.NewRGBA(image.Rect(0, 0, 240, 140))
	for y := 0; y < 140; y++ {
		for x := 0; x < 240; x++ {
			c := color.RGBA{236, 239, 241, 255}
			switch {
			case y < 24:
				c = color.RGBA{11, 79, 108, 255}
			case x > 30 && x < 210 && y > 50 && y < 110:
				c = color.RGBA{255, 255, 255, 255}
				if y < 62 {
					c = color.RGBA{164, 22, 26, 255}
				}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return attachment.Check("files", "لقطة-الشاشة.png", buf.Bytes())
}
