package demo

// Demo training: courses, about thirty sessions over the year before today in five
// governorates and nationally, enrolments, attendance and results, made through the
// store's own training operations (so scope, capacity and audit are exactly the
// application's). The demo's named users are too few for coverage to mean anything, so
// this file also adds synthetic staff in those governorates — clerks and managers at
// their first four developed centers, back-office officers of those districts/cities,
// supervisors and follow-up committee members. Their usernames start with "demo-" and
// their password hash is no hash at all: they cannot log in.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"markaz"
	"markaz/store"
	"markaz/training"
)

// trainingGovs are the governorates that get synthetic staff and sessions.
var trainingGovs = []string{"01", "13", "21", "12", "24"}

// enrolRate is, in twelfths, how many of the staff who may attend a session are
// enrolled in it, per governorate ("" national sessions).
var enrolRate = map[string]int{"01": 6, "13": 8, "21": 4, "12": 6, "24": 3, "": 8}

// noLogin is the password hash of synthetic staff: it matches no password.
const noLogin = "!demo-staff-cannot-log-in"

var demoCourses = []training.Course{
	{Code: "OPS-101", NameAr: "تشغيل منظومة المراكز التكنولوجية", NameEn: "Operating the technology centers' system",
		Topic: training.TopicSystem, Audience: []string{markaz.RoleClerk, markaz.RoleCenterManager, markaz.RoleBackOffice}, DurationHours: 18},
	{Code: "SRV-102", NameAr: "الإجراءات الموحدة للخدمات المحلية", NameEn: "Unified procedures of local services",
		Topic: training.TopicProcedures, Audience: []string{markaz.RoleClerk, markaz.RoleBackOffice}, DurationHours: 12},
	{Code: "CUS-103", NameAr: "خدمة المواطنين والمظهر الحضاري", NameEn: "Serving citizens: conduct and appearance",
		Topic: training.TopicCustomerService, Audience: []string{markaz.RoleClerk, markaz.RoleCenterManager}, DurationHours: 6},
	{Code: "EPY-104", NameAr: "الخدمات الإلكترونية والتحصيل الإلكتروني", NameEn: "E-services and electronic payment",
		Topic: training.TopicEServices, Audience: []string{markaz.RoleClerk, markaz.RoleCenterManager, markaz.RoleSupervisor}, DurationHours: 12},
	{Code: "SUP-201", NameAr: "إدارة المنظومة لمشرفي النظام ومديري المراكز", NameEn: "Administering the system, for supervisors and center managers",
		Topic: training.TopicManagement, Audience: []string{markaz.RoleSupervisor, markaz.RoleCenterManager}, DurationHours: 24},
	{Code: "FUP-301", NameAr: "التفتيش والمتابعة وتقارير الأداء", NameEn: "Inspection, follow-up and performance reports",
		Topic: training.TopicFollowUp, Audience: []string{markaz.RoleInspector, markaz.RoleSupervisor}, DurationHours: 18},
	{Code: "SHQ-110", NameAr: "مستجدات العمل بمراكز محافظة الشرقية", NameEn: "What is new at Sharqia's centers",
		Topic: training.TopicManagement, Audience: []string{markaz.RoleCenterManager, markaz.RoleClerk}, DurationHours: 6, GovCode: "13"},
}

var (
	demoFirstNames = []string{"أحمد", "محمد", "محمود", "مصطفى", "علي", "حسن", "عمر", "ياسر", "خالد", "شريف", "هاني", "أيمن",
		"منى", "سارة", "نورا", "هبة", "إيمان", "مروة", "دينا", "رشا", "أسماء", "ريهام", "شيماء", "ولاء"}
	demoFamilyNames = []string{"عبد الحميد", "السيد", "إبراهيم", "عبد الله", "الشربيني", "عطية", "منصور", "سالم", "فرج",
		"النحاس", "حجازي", "الجندي", "زكي", "بدوي", "شاهين", "رضوان"}
)

// trainingDemo holds one run's state.
type trainingDemo struct {
	tx      *store.Tx
	rng     *rand.Rand
	today   markaz.Date
	seq     map[string]int    // usernames given, per governorate and role
	trainer *markaz.Principal // the national demo trainer, who plans and records
	staff   []*demoStaff
}

// demoStaff is a staff member who may be trained, with the assignment that places them.
type demoStaff struct {
	user *markaz.User
	a    markaz.Assignment
}

func (d *trainingDemo) intn(n int) int { return int(d.rng.Uint64() % uint64(n)) }

// addTraining loads the demo training inside the demo's transaction.
func addTraining(tx *store.Tx, seed uint64) error {
	d := &trainingDemo{tx: tx, rng: rand.New(rand.NewPCG(seed^0x7261696e, seed)), today: tx.Today(), seq: map[string]int{}}
	u, err := tx.GetUserByName("trainer")
	if err != nil {
		return fmt.Errorf("demo training: the trainer user: %w", err)
	}
	d.trainer = tx.Principal(u)
	if err := d.addStaff(); err != nil {
		return fmt.Errorf("demo training staff: %w", err)
	}
	if err := d.collectStaff(); err != nil {
		return err
	}
	courses := map[string]*store.TrainingCourseRow{}
	for _, c := range demoCourses {
		c.Audience = slices.Clone(c.Audience)
		row, err := tx.CreateTrainingCourse(store.ActorOf(d.trainer), markaz.Scope{All: true}, &c, nil)
		if err != nil {
			return fmt.Errorf("demo course %s: %w", c.Code, err)
		}
		courses[c.Code] = row
	}
	return d.addSessions(courses)
}

// addStaff creates the synthetic staff of every training governorate.
func (d *trainingDemo) addStaff() error {
	for _, gov := range trainingGovs {
		var centers []markaz.Center
		if err := d.tx.Select(&centers, `SELECT `+demoCenterCols+` FROM centers WHERE gov_code = ? AND kind = ?
			AND dev_status = ? AND retired_on IS NULL ORDER BY code LIMIT 4`, gov, markaz.KindFixed, markaz.DevDeveloped); err != nil {
			return err
		}
		var units []string
		for i, c := range centers {
			clerks := 2
			if gov == "13" && i == 0 {
				clerks = 1 // the demo clerk and manager work here already
			} else if err := d.person(gov, markaz.RoleCenterManager, markaz.LevelCenter, c.ID); err != nil {
				return err
			}
			for range clerks {
				if err := d.person(gov, markaz.RoleClerk, markaz.LevelCenter, c.ID); err != nil {
					return err
				}
			}
			if !slices.Contains(units, c.UnitCode) {
				units = append(units, c.UnitCode)
				if err := d.person(gov, markaz.RoleBackOffice, markaz.LevelUnit, c.UnitCode); err != nil {
					return err
				}
			}
		}
		roles := []string{markaz.RoleInspector, markaz.RoleInspector}
		if gov != "01" && gov != "13" { // Cairo and Sharqia have their demo supervisors
			roles = append(roles, markaz.RoleSupervisor)
		}
		for _, r := range roles {
			if err := d.person(gov, r, markaz.LevelGovernorate, gov); err != nil {
				return err
			}
		}
	}
	return nil
}

const demoCenterCols = `id, code, kind, name_ar, name_en, gov_code, unit_code, address, latitude, longitude,
	opens_at, closes_at, weekly_rest, dev_status, completed_on, completed_fy, mobile_status, vehicle_plate,
	delivered_on, delivery_due_fy, retired_on, retire_reason, version, created_at, updated_at`

// person adds one synthetic staff member. Most have held their role for years; about one
// in eight took it up during the current fiscal year and one in twelve left it during
// the last one, so that coverage counts people who held a role for part of a year.
func (d *trainingDemo) person(gov, role, level, where string) error {
	short := map[string]string{markaz.RoleClerk: "clerk", markaz.RoleCenterManager: "manager",
		markaz.RoleBackOffice: "backoffice", markaz.RoleSupervisor: "supervisor", markaz.RoleInspector: "inspector"}[role]
	d.seq[gov+short]++
	username := fmt.Sprintf("demo-%s-%s-%02d", gov, short, d.seq[gov+short])
	a := markaz.Assignment{Role: role, Level: level, StartsOn: markaz.Date{Y: 2020, M: time.January, D: 1}}
	switch level {
	case markaz.LevelGovernorate:
		a.GovCode = where
	case markaz.LevelUnit:
		a.UnitCode = where
	case markaz.LevelCenter:
		a.CenterID = where
	}
	fyStart, _ := markaz.FiscalYearBounds(d.today.FiscalYear())
	switch k := d.intn(24); {
	case k < 3:
		a.StartsOn = fyStart.AddDays(30 + d.intn(max(1, d.daysBetween(fyStart, d.today)-60)))
	case k < 5:
		a.EndsOn = fyStart.AddDays(-30 - d.intn(200))
	}
	if err := d.tx.ResolveAssignment(&a); err != nil {
		return err
	}
	full := demoFirstNames[d.intn(len(demoFirstNames))] + " " + demoFirstNames[d.intn(12)] + " " +
		demoFamilyNames[d.intn(len(demoFamilyNames))]
	u := &markaz.User{Username: username, FullName: full, PasswordHash: noLogin,
		Assignments: []markaz.Assignment{a}}
	if err := u.Validate(); err != nil {
		return err
	}
	return d.tx.InsertUser(store.Actor{}, u)
}

func (d *trainingDemo) daysBetween(a, b markaz.Date) int {
	n := 0
	for x := a; x.Before(b); x = x.AddDays(1) {
		n++
	}
	return n
}

// collectStaff lists every user holding a training role today in the training
// governorates (the named demo users included), by username.
func (d *trainingDemo) collectStaff() error {
	var users []string
	if err := d.tx.Select(&users, `SELECT DISTINCT u.username FROM users u JOIN assignments a ON a.user_id = u.id
		ORDER BY u.username`); err != nil {
		return err
	}
	for _, name := range users {
		u, err := d.tx.GetUserByName(name)
		if err != nil {
			return err
		}
		for _, a := range u.Assignments {
			if a.ActiveOn(d.today) && slices.Contains(training.Roles, a.Role) && slices.Contains(trainingGovs, a.GovCode) {
				d.staff = append(d.staff, &demoStaff{user: u, a: a})
				break
			}
		}
	}
	return nil
}

// sessionPlan is one demo session: a course, where (a governorate, "" national), and
// how many days before today it starts (negative: upcoming).
type sessionPlan struct {
	course, gov string
	ago         int
}

// plans are the demo's sessions: in each governorate the core courses through the year,
// and national sessions for supervisors and committee members.
func (d *trainingDemo) plans() []sessionPlan {
	var out []sessionPlan
	core := []string{"OPS-101", "SRV-102", "CUS-103", "EPY-104", "OPS-101"}
	for i, gov := range trainingGovs {
		for j, c := range core {
			out = append(out, sessionPlan{c, gov, 340 - j*70 - i*9})
		}
	}
	out = append(out, sessionPlan{"SHQ-110", "13", 120}, sessionPlan{"SHQ-110", "13", -12},
		sessionPlan{"SUP-201", "", 300}, sessionPlan{"SUP-201", "", 95}, sessionPlan{"FUP-301", "", 250},
		sessionPlan{"FUP-301", "", 60}, sessionPlan{"EPY-104", "21", -20})
	return out
}

// addSessions plans, fills and records every session; the third one is cancelled.
func (d *trainingDemo) addSessions(courses map[string]*store.TrainingCourseRow) error {
	actor := store.ActorOf(d.trainer)
	all := markaz.Scope{All: true}
	for i, pl := range d.plans() {
		c := courses[pl.course]
		start := d.workingDay(d.today.AddDays(-pl.ago))
		days := max(1, (c.DurationHours+5)/6)
		place := "مقر وزارة التنمية المحلية، القاهرة"
		if pl.gov != "" {
			var g markaz.Governorate
			if err := d.tx.Get(&g, `SELECT code, name_ar, name_en, retired_on FROM governorates WHERE code = ?`, pl.gov); err != nil {
				return err
			}
			place = "قاعة التدريب بديوان عام محافظة " + g.NameAr
		}
		sess := &training.Session{CourseID: c.ID, GovCode: pl.gov, StartsOn: start, EndsOn: start.AddDays(days - 1),
			Place: place, TrainerID: d.trainer.UserID, Capacity: 25}
		row, err := d.tx.CreateTrainingSession(actor, all, sess, nil)
		if err != nil {
			return fmt.Errorf("demo session %s %s: %w", pl.course, start, err)
		}
		if err := d.fill(row, c); err != nil {
			return err
		}
		if i == 2 {
			if _, err := d.tx.CancelTrainingSession(actor, all, row.ID, "تعذر توفير قاعة التدريب في الموعد المحدد"); err != nil {
				return err
			}
			continue
		}
		if err := d.record(row); err != nil {
			return err
		}
	}
	return nil
}

// workingDay moves a Friday or Saturday start to the next Sunday.
func (d *trainingDemo) workingDay(x markaz.Date) markaz.Date {
	for {
		wd := x.Start().Weekday()
		if wd != time.Friday && wd != time.Saturday {
			return x
		}
		x = x.AddDays(1)
	}
}

// fill enrols some of the staff who may attend (the session's audience in its territory,
// holding their role since before it began): a share that differs by governorate, so that
// coverage differs too. The demo clerk and manager are always enrolled where they may
// be, so their "My trainings" is not empty.
func (d *trainingDemo) fill(s *store.TrainingSessionRow, c *store.TrainingCourseRow) error {
	var pool []*demoStaff
	for _, st := range d.staff {
		if training.Qualifies(st.a, c.Audience, s.GovCode) && !st.a.StartsOn.After(s.StartsOn) {
			pool = append(pool, st)
		}
	}
	seats, rate := s.Capacity, enrolRate[s.GovCode]
	for _, st := range pool {
		named := st.user.Username == "clerk" || st.user.Username == "manager"
		if seats == 0 || !named && d.intn(12) >= rate {
			continue
		}
		if _, err := d.tx.Enrol(store.ActorOf(d.trainer), d.trainer, s.ID, st.user.ID); err != nil {
			return fmt.Errorf("demo enrolment of %s in %s: %w", st.user.Username, s.CourseCode, err)
		}
		seats--
	}
	return nil
}

// record writes attendance and results of a session that has ended: nine in ten attend,
// and most of those pass with a score.
func (d *trainingDemo) record(s *store.TrainingSessionRow) error {
	if !s.EndsOn.Before(d.today) {
		return nil
	}
	det, err := d.loadSession(s.ID)
	if err != nil {
		return err
	}
	var in []store.ResultInput
	for _, e := range det {
		r := store.ResultInput{EnrolmentID: e.ID}
		switch k := d.intn(20); {
		case k < 2:
			r.Attendance = training.Absent
		case k < 4:
			score := 30 + d.intn(30)
			r.Attendance, r.Result, r.Score = training.Attended, training.Failed, &score
		default:
			score := 60 + d.intn(40)
			r.Attendance, r.Result, r.Score = training.Attended, training.Passed, &score
		}
		in = append(in, r)
	}
	if len(in) == 0 {
		return nil
	}
	_, err = d.tx.RecordTrainingResults(store.ActorOf(d.trainer), d.trainer, s.ID, in, func(i int, f string) string {
		return fmt.Sprintf("results[%d].%s", i, f)
	})
	return err
}

func (d *trainingDemo) loadSession(id string) ([]training.Enrolment, error) {
	var out []training.Enrolment
	err := d.tx.Select(&out, `SELECT id, session_id, user_id, role, gov_code, unit_code, center_id, attendance, result,
		score, withdrawn_at, enrolled_by, version, created_at, updated_at FROM training_enrolments
		WHERE session_id = ? AND withdrawn_at IS NULL ORDER BY id`, id)
	return out, err
}
