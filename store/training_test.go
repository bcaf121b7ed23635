package store_test

import (
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/training"
)

// trainingWorld is a small territory with staff for the training tests: two Sharqia
// centers and one in Cairo, trainers, a supervisor and center staff.
type trainingWorld struct {
	c13a, c13b, c01                           *markaz.Center
	trainer13, trainer01, trainerN, sup13     *markaz.User
	sup01, clerkA, clerkB, clerkC, mgrA, bo13 *markaz.User
	clerk01                                   *markaz.User
}

func atGov(role, gov string) markaz.AssignmentInput {
	return markaz.AssignmentInput{Role: role, Level: markaz.LevelGovernorate, Governorate: gov, StartsOn: "2020-01-01"}
}

func atCenter(role string, c *markaz.Center, start string) markaz.AssignmentInput {
	return markaz.AssignmentInput{Role: role, Level: markaz.LevelCenter, CenterID: c.ID, StartsOn: start}
}

func newTrainingWorld(t *testing.T, db *store.DB) *trainingWorld {
	w := &trainingWorld{c13a: mkCenter(t, db, "TR-13-A", "13-001"), c13b: mkCenter(t, db, "TR-13-B", "13-002"),
		c01: mkCenter(t, db, "TR-01-A", "01-001")}
	w.trainer13 = mkUser(t, db, "trainer13", atGov(markaz.RoleTrainer, "13"))
	w.trainer01 = mkUser(t, db, "trainer01", atGov(markaz.RoleTrainer, "01"))
	w.trainerN = mkUser(t, db, "trainern", markaz.AssignmentInput{Role: markaz.RoleTrainer, Level: markaz.LevelNation, StartsOn: "2020-01-01"})
	w.sup13 = mkUser(t, db, "sup13", atGov(markaz.RoleSupervisor, "13"))
	w.sup01 = mkUser(t, db, "sup01", atGov(markaz.RoleSupervisor, "01"))
	w.clerkA = mkUser(t, db, "clerka", atCenter(markaz.RoleClerk, w.c13a, "2020-01-01"))
	w.clerkB = mkUser(t, db, "clerkb", atCenter(markaz.RoleClerk, w.c13a, "2020-01-01"))
	w.clerkC = mkUser(t, db, "clerkc", atCenter(markaz.RoleClerk, w.c13b, "2026-01-01")) // joined mid-year
	w.mgrA = mkUser(t, db, "mgra", atCenter(markaz.RoleCenterManager, w.c13a, "2020-01-01"))
	w.bo13 = mkUser(t, db, "bo13", markaz.AssignmentInput{Role: markaz.RoleBackOffice, Level: markaz.LevelUnit, Unit: "13-001", StartsOn: "2020-01-01"})
	w.clerk01 = mkUser(t, db, "clerk01", atCenter(markaz.RoleClerk, w.c01, "2020-01-01"))
	return w
}

func mkCourse(t *testing.T, db *store.DB, code, gov string, audience ...string) *training.Course {
	t.Helper()
	c := &training.Course{Code: code, NameAr: "دورة " + code, NameEn: "Course " + code, Topic: training.TopicSystem,
		Audience: audience, DurationHours: 12, GovCode: gov}
	if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.CreateTrainingCourse(admin, nation, c, nil); return err }); err != nil {
		t.Fatalf("course %s: %v", code, err)
	}
	return c
}

func newSession(db *store.DB, s markaz.Scope, course, gov, start, end string, trainer *markaz.User, capacity int) (*store.TrainingSessionRow, error) {
	sess := &training.Session{CourseID: course, GovCode: gov, StartsOn: cday(start), Place: "قاعة التدريب",
		TrainerID: trainer.ID, Capacity: capacity}
	if end != "" {
		sess.EndsOn = cday(end)
	}
	var row *store.TrainingSessionRow
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		row, err = tx.CreateTrainingSession(admin, s, sess, nil)
		return err
	})
	return row, err
}

func mkSession(t *testing.T, db *store.DB, course, gov, start, end string, trainer *markaz.User, capacity int) *store.TrainingSessionRow {
	t.Helper()
	row, err := newSession(db, nation, course, gov, start, end, trainer, capacity)
	if err != nil {
		t.Fatalf("session %s %s: %v", course, start, err)
	}
	return row
}

func enrol(db *store.DB, p *markaz.Principal, session string, u *markaz.User) (*store.EnrolmentRow, error) {
	var e *store.EnrolmentRow
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		e, err = tx.Enrol(store.ActorOf(p), p, session, u.Username)
		return err
	})
	return e, err
}

func record(db *store.DB, p *markaz.Principal, session string, in ...store.ResultInput) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.RecordTrainingResults(store.ActorOf(p), p, session, in, func(i int, f string) string {
			if i < 0 {
				return "results"
			}
			return f + "." + in[i].EnrolmentID
		})
		return err
	})
}

func passed(id string) store.ResultInput {
	return store.ResultInput{EnrolmentID: id, Record: training.Record{Attendance: training.Attended, Result: training.Passed}}
}

func code(err error) string { return markaz.ErrorCode(err) }

func TestTrainingCourseAndSessionScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newTrainingWorld(t, db)
		t13, t01 := principalOf(t, db, w.trainer13.ID), principalOf(t, db, w.trainer01.ID)
		w13, w01 := t13.Scope(markaz.PermTrainingWrite), t01.Scope(markaz.PermTrainingWrite)
		create := func(s markaz.Scope, c *training.Course) error {
			return db.Write(ctx, func(tx *store.Tx) error { _, err := tx.CreateTrainingCourse(admin, s, c, nil); return err })
		}
		course := func(code, gov string) *training.Course {
			return &training.Course{Code: code, NameAr: "دورة", NameEn: "Course", Topic: training.TopicProcedures,
				Audience: []string{markaz.RoleClerk}, DurationHours: 6, GovCode: gov}
		}
		if err := create(w13, course("NAT-1", "")); code(err) != markaz.EForbidden {
			t.Errorf("governorate trainer creates a national course: %v", err)
		}
		if err := create(w01, course("SHQ-1", "13")); code(err) != markaz.EForbidden {
			t.Errorf("Cairo trainer creates a Sharqia course: %v", err)
		}
		shq := course("SHQ-1", "13")
		if err := create(w13, shq); err != nil {
			t.Fatal(err)
		}
		if err := create(w13, course("shq-1", "13")); fieldCodes(err)["code"] != "taken" {
			t.Errorf("duplicate code: %v", err)
		}
		if err := create(w13, course("SHQ-2", "99")); fieldCodes(err)["governorate"] != "unknown_governorate" {
			t.Errorf("unknown governorate: %v", err)
		}
		nat := mkCourse(t, db, "NAT-1", "", markaz.RoleClerk, markaz.RoleCenterManager)

		// Sessions: a governorate's trainer plans in their governorate, with a trainer of it.
		s13, err := newSession(db, w13, nat.ID, "13", "2026-04-01", "2026-04-02", w.trainer13, 20)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newSession(db, w13, nat.ID, "01", "2026-04-01", "", w.trainer13, 20); code(err) != markaz.EForbidden {
			t.Errorf("Sharqia trainer plans in Cairo: %v", err)
		}
		if _, err := newSession(db, w13, nat.ID, "", "2026-04-01", "", w.trainer13, 20); code(err) != markaz.EForbidden {
			t.Errorf("Sharqia trainer plans a national session: %v", err)
		}
		if _, err := newSession(db, w13, nat.ID, "13", "2026-04-01", "", w.trainer01, 20); fieldCodes(err)["trainer_id"] != "training_not_trainer" {
			t.Errorf("Cairo trainer in a Sharqia session: %v", err)
		}
		if _, err := newSession(db, w13, nat.ID, "13", "2026-04-01", "", w.clerkA, 20); fieldCodes(err)["trainer_id"] != "training_not_trainer" {
			t.Errorf("a clerk as trainer: %v", err)
		}
		if _, err := newSession(db, nation, shq.ID, "01", "2026-04-01", "", w.trainerN, 20); fieldCodes(err)["governorate"] != "training_course_elsewhere" {
			t.Errorf("Sharqia course held in Cairo: %v", err)
		}
		if _, err := newSession(db, nation, nat.ID, "", "2026-04-01", "", w.trainer13, 20); fieldCodes(err)["trainer_id"] != "training_not_trainer" {
			t.Errorf("governorate trainer for a national session: %v", err)
		}
		if _, err := newSession(db, nation, nat.ID, "", "2026-04-01", "", w.trainerN, 20); err != nil {
			t.Errorf("national session by a national trainer: %v", err)
		}

		// Another governorate's trainer cannot touch it.
		edit := training.Session{StartsOn: cday("2026-04-05"), Place: "x", TrainerID: w.trainer01.ID, Capacity: 5, Version: s13.Version}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateTrainingSession(admin, w01, s13.ID, &edit, nil)
			return err
		})
		if code(err) != markaz.EForbidden {
			t.Errorf("Cairo trainer edits a Sharqia session: %v", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.CancelTrainingSession(admin, w01, s13.ID, "no"); return err })
		if code(err) != markaz.EForbidden {
			t.Errorf("Cairo trainer cancels a Sharqia session: %v", err)
		}
		if _, err := db.TrainingSession(ctx, t01, s13.ID, false); code(err) != markaz.EForbidden {
			t.Errorf("Cairo trainer reads a Sharqia session: %v", err)
		}
		all, govs := training.Reach(t01, markaz.PermTrainingRead)
		rows, _, err := db.TrainingSessions(ctx, store.TrainingSessionFilter{All: all, Govs: govs})
		if err != nil || len(rows) != 1 || rows[0].GovCode != "" {
			t.Errorf("Cairo trainer lists %d sessions (%v): only the national one expected", len(rows), err)
		}
		all, govs = training.Reach(t13, markaz.PermTrainingRead)
		cs, _, err := db.TrainingCourses(ctx, store.TrainingCourseFilter{All: all, Govs: govs})
		if err != nil || len(cs) != 2 || cs[0].Code != "NAT-1" || len(cs[0].Audience) != 2 {
			t.Errorf("Sharqia trainer lists courses %+v (%v)", cs, err)
		}
		if _, err := db.TrainingCourse(ctx, false, []string{"01"}, shq.ID); code(err) != markaz.EForbidden {
			t.Errorf("Cairo reads a Sharqia course: %v", err)
		}

		// The owner edits: capacity, stale version, cancellation with a reason.
		edit = training.Session{StartsOn: cday("2026-04-05"), EndsOn: cday("2026-04-06"), Place: "قاعة ٢",
			TrainerID: w.trainer13.ID, Capacity: 30, Version: s13.Version}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateTrainingSession(admin, w13, s13.ID, &edit, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		edit.Version = s13.Version // the version read before the first edit
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateTrainingSession(admin, w13, s13.ID, &edit, nil)
			return err
		})
		if code(err) != markaz.EConflict {
			t.Errorf("stale edit: %v", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.CancelTrainingSession(admin, w13, s13.ID, " "); return err })
		if fieldCodes(err)["reason"] != "required" {
			t.Errorf("cancel without reason: %v", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CancelTrainingSession(admin, w13, s13.ID, "القاعة غير متاحة")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := enrol(db, principalOf(t, db, w.sup13.ID), s13.ID, w.clerkA); code(err) != markaz.EConflict {
			t.Errorf("enrol in a cancelled session: %v", err)
		}
		// Retired courses take no new sessions; every change is audited.
		err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.RetireTrainingCourse(admin, w13, shq.ID); return err })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newSession(db, w13, shq.ID, "13", "2026-04-01", "", w.trainer13, 20); fieldCodes(err)["course_id"] != "training_course_retired" {
			t.Errorf("session of a retired course: %v", err)
		}
		var n int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'training.%'`)
		})
		if n != 7 { // 2 courses, 2 sessions, 1 update, 1 cancel, 1 retire
			t.Errorf("%d training audit entries", n)
		}
	})
}

func TestTrainingEnrolment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newTrainingWorld(t, db)
		nat := mkCourse(t, db, "NAT-1", "", markaz.RoleClerk, markaz.RoleCenterManager)
		// A two-seat Sharqia session that took place last week.
		s := mkSession(t, db, nat.ID, "13", "2026-03-08", "2026-03-09", w.trainer13, 2)
		sup13, sup01 := principalOf(t, db, w.sup13.ID), principalOf(t, db, w.sup01.ID)
		t13 := principalOf(t, db, w.trainer13.ID)

		ea, err := enrol(db, sup13, s.ID, w.clerkA)
		if err != nil || ea.Role != markaz.RoleClerk || ea.CenterID != w.c13a.ID || ea.GovCode != "13" {
			t.Fatalf("enrol clerk A: %+v %v", ea, err)
		}
		for name, c := range map[string]struct {
			p     *markaz.Principal
			u     *markaz.User
			code  string
			field string
		}{
			"twice":               {sup13, w.clerkA, markaz.EInvalid, "training_already_enrolled"},
			"Cairo clerk":         {sup13, w.clerk01, markaz.EInvalid, "training_outside_session"},
			"back office":         {sup13, w.bo13, markaz.EInvalid, "training_not_audience"},
			"Cairo supervisor":    {sup01, w.clerkB, markaz.EForbidden, ""},
			"not a user":          {sup13, &markaz.User{Username: "nobody"}, markaz.EInvalid, "unknown_user"},
			"trainer as enroller": {t13, w.clerkC, "", ""},
		} {
			_, err := enrol(db, c.p, s.ID, c.u)
			if c.code == "" && err != nil || c.code != "" && code(err) != c.code || c.field != "" && fieldCodes(err)["user"] != c.field {
				t.Errorf("%s: %v", name, err)
			}
		}
		// Full: two of two seats taken.
		if _, err := enrol(db, sup13, s.ID, w.mgrA); code(err) != markaz.EConflict {
			t.Errorf("enrol past capacity: %v", err)
		}
		// The database itself refuses a second row for one trainee.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`INSERT INTO training_enrolments (id, session_id, user_id, role, created_at, updated_at)
				VALUES (?, ?, ?, 'clerk', ?, ?)`, markaz.NewID(), s.ID, w.clerkA.ID, tx.Now, tx.Now)
			return err
		})
		if code(err) != markaz.EConflict {
			t.Errorf("duplicate enrolment row: %v", err)
		}

		// Withdraw clerk C (enrolled by the trainer): the seat frees up; a Cairo
		// supervisor cannot withdraw a Sharqia trainee.
		d, err := db.TrainingSession(ctx, sup13, s.ID, false)
		if err != nil || len(d.Enrolments) != 2 || d.Partial {
			t.Fatalf("session as supervisor: %+v %v", d, err)
		}
		var ec string
		for _, e := range d.Enrolments {
			if e.UserID == w.clerkC.ID {
				ec = e.ID
			}
		}
		withdraw := func(p *markaz.Principal, id string) error {
			return db.Write(ctx, func(tx *store.Tx) error { _, err := tx.WithdrawTrainee(store.ActorOf(p), p, s.ID, id); return err })
		}
		if err := withdraw(sup01, ec); code(err) != markaz.EForbidden {
			t.Errorf("Cairo supervisor withdraws: %v", err)
		}
		if err := withdraw(sup13, ec); err != nil {
			t.Fatal(err)
		}
		em, err := enrol(db, sup13, s.ID, w.mgrA)
		if err != nil || em.Role != markaz.RoleCenterManager {
			t.Fatalf("enrol manager after the withdrawal: %+v %v", em, err)
		}

		// Results: all or nothing, a pass needs attendance; only the session's trainer
		// territory may record.
		bad := store.ResultInput{EnrolmentID: em.ID, Record: training.Record{Attendance: training.Absent, Result: training.Passed}}
		err = record(db, t13, s.ID, passed(ea.ID), bad)
		if fieldCodes(err)["result."+em.ID] != "training_result_needs_attendance" {
			t.Errorf("pass without attendance: %v", err)
		}
		if err := record(db, principalOf(t, db, w.trainer01.ID), s.ID, passed(ea.ID)); code(err) != markaz.EForbidden {
			t.Errorf("Cairo trainer records Sharqia results: %v", err)
		}
		if err := record(db, sup13, s.ID, passed(ea.ID)); code(err) != markaz.EForbidden {
			t.Errorf("supervisor records results: %v", err)
		}
		if err := record(db, t13, s.ID, passed(ec)); fieldCodes(err)["enrolment_id."+ec] != "training_withdrawn" {
			t.Errorf("result for a withdrawn trainee: %v", err)
		}
		d, _ = db.TrainingSession(ctx, sup13, s.ID, false)
		for _, e := range d.Enrolments {
			if e.Attendance != "" || e.Result != "" {
				t.Errorf("half saved: %+v", e.Enrolment)
			}
		}
		score := 91
		good := passed(ea.ID)
		good.Score = &score
		if err := record(db, t13, s.ID, good, store.ResultInput{EnrolmentID: em.ID, Record: training.Record{Attendance: training.Absent}}); err != nil {
			t.Fatal(err)
		}
		if err := withdraw(sup13, em.ID); code(err) != markaz.EConflict {
			t.Errorf("withdraw after attendance: %v", err)
		}
		mine, err := db.MyTrainings(ctx, w.clerkA.ID)
		if err != nil || len(mine) != 1 || !mine[0].Completed() || *mine[0].Score != 91 || mine[0].Session.CourseCode != "NAT-1" {
			t.Errorf("clerk A's trainings: %+v %v", mine, err)
		}

		// A center manager sees their own center's trainees only.
		d, err = db.TrainingSession(ctx, principalOf(t, db, w.mgrA.ID), s.ID, true)
		if err != nil || !d.Partial || len(d.Enrolments) != 2 {
			t.Errorf("manager's view: %+v %v", d, err)
		}
		for _, e := range d.Enrolments {
			if e.CenterID != w.c13a.ID {
				t.Errorf("manager sees a trainee of %s", e.CenterCode)
			}
		}

		// Results cannot be recorded before a session starts.
		future := mkSession(t, db, nat.ID, "13", "2026-05-01", "", w.trainer13, 10)
		ef, err := enrol(db, sup13, future.ID, w.clerkB)
		if err != nil {
			t.Fatal(err)
		}
		if err := record(db, t13, future.ID, passed(ef.ID)); code(err) != markaz.EConflict {
			t.Errorf("result before the session: %v", err)
		}
		// Candidates: Sharqia clerks and managers not yet enrolled, in the supervisor's scope.
		cands, err := db.TrainingCandidates(ctx, sup13, future.ID, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cands {
			names = append(names, c.Username)
		}
		if strings.Join(names, ",") != "clerka,clerkc,mgra" {
			t.Errorf("candidates %v", names)
		}
		if cands, _ := db.TrainingCandidates(ctx, sup13, future.ID, "clerkc", 50); len(cands) != 1 {
			t.Errorf("search candidates: %v", cands)
		}
	})
}

func TestTrainingCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newTrainingWorld(t, db)
		nat := mkCourse(t, db, "NAT-1", "", markaz.RoleClerk, markaz.RoleCenterManager)
		t13 := principalOf(t, db, w.trainer13.ID)
		sup13 := principalOf(t, db, w.sup13.ID)
		// Last fiscal year: clerk B passed. This year: clerk A passed, clerk C (joined
		// in January) failed, the manager passed a session that was later cancelled.
		last := mkSession(t, db, nat.ID, "13", "2025-06-20", "2025-06-22", w.trainer13, 10)
		this := mkSession(t, db, nat.ID, "13", "2026-02-01", "2026-02-02", w.trainer13, 10)
		gone := mkSession(t, db, nat.ID, "13", "2026-02-10", "", w.trainer13, 10)
		eb, _ := enrol(db, sup13, last.ID, w.clerkB)
		ea, _ := enrol(db, sup13, this.ID, w.clerkA)
		ecc, _ := enrol(db, sup13, this.ID, w.clerkC)
		em, _ := enrol(db, sup13, gone.ID, w.mgrA)
		failed := store.ResultInput{EnrolmentID: ecc.ID, Record: training.Record{Attendance: training.Attended, Result: training.Failed}}
		for _, err := range []error{record(db, t13, last.ID, passed(eb.ID)), record(db, t13, this.ID, passed(ea.ID), failed),
			record(db, t13, gone.ID, passed(em.ID))} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CancelTrainingSession(admin, nation, gone.ID, "سجلت خطأ")
			return err
		}); err != nil {
			t.Fatal(err)
		}

		cov := func(s markaz.Scope, level, code string, fy int) *store.CoverageReport {
			t.Helper()
			r, err := db.TrainingCoverage(ctx, s, level, code, fy)
			if err != nil {
				t.Fatalf("%s %s %d: %v", level, code, fy, err)
			}
			return r
		}
		is := func(what string, f training.Figures, staff, trained int) {
			t.Helper()
			if f.Staff != staff || f.Trained != trained {
				t.Errorf("%s: staff %d trained %d, want %d/%d", what, f.Staff, f.Trained, staff, trained)
			}
		}
		g := cov(sup13.Scope(markaz.PermTrainingRead), store.CoverageGovernorate, "13", 2025)
		if g.From != cday("2025-07-01") || g.To != cday("2026-03-15") {
			t.Errorf("period %s–%s", g.From, g.To)
		}
		is("Sharqia clerks", g.Role(markaz.RoleClerk), 3, 1)           // A, B, C: only A this year
		is("Sharqia managers", g.Role(markaz.RoleCenterManager), 1, 0) // cancelled session
		is("Sharqia back office", g.Role(markaz.RoleBackOffice), 1, 0)
		is("Sharqia supervisors", g.Role(markaz.RoleSupervisor), 1, 0)
		is("Sharqia total", g.Total, 6, 1)
		if len(g.Rows) != 2 || g.Rows[0].Code != "TR-13-A" || g.Rows[1].Code != "TR-13-B" {
			t.Fatalf("rows %+v", g.Rows)
		}
		is("center A clerks", g.Rows[0].Role(markaz.RoleClerk), 2, 1)
		is("center B clerks", g.Rows[1].Role(markaz.RoleClerk), 1, 0)

		prev := cov(sup13.Scope(markaz.PermTrainingRead), store.CoverageGovernorate, "13", 2024)
		is("last year's clerks", prev.Role(markaz.RoleClerk), 2, 1) // C had not joined
		c := cov(sup13.Scope(markaz.PermTrainingRead), store.CoverageCenter, "TR-13-A", 2025)
		is("center A", c.Total, 3, 1)
		if c.ID != w.c13a.ID || len(c.Rows) != 0 {
			t.Errorf("center report %+v", c)
		}
		n := cov(nation, store.CoverageNation, "", 2025)
		if len(n.Rows) != 27 {
			t.Errorf("%d governorate rows", len(n.Rows))
		}
		is("nation clerks", n.Role(markaz.RoleClerk), 4, 1)
		for _, r := range n.Rows {
			if r.Code == "01" {
				is("Cairo clerks", r.Role(markaz.RoleClerk), 1, 0)
			}
		}
		// Revoking an assignment ends it the day before; one revoked the day it began
		// never counted.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE assignments SET revoked_at = ? WHERE user_id = ?`, tx.Now, w.clerkC.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		is("after revoking C", cov(nation, store.CoverageGovernorate, "13", 2025).Role(markaz.RoleClerk), 3, 1)
		clock.T = cday("2026-01-01").Start().Add(10 * time.Hour)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE assignments SET revoked_at = ? WHERE user_id = ?`, tx.Now, w.clerkC.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.T = storetest.Epoch
		is("C revoked on its first day", cov(nation, store.CoverageGovernorate, "13", 2025).Role(markaz.RoleClerk), 2, 1)

		// Scope and input errors.
		for name, c := range map[string]struct {
			s           markaz.Scope
			level, code string
			fy          int
			want, field string
		}{
			"Sharqia reads the nation": {sup13.Scope(markaz.PermTrainingRead), store.CoverageNation, "", 2025, markaz.EForbidden, ""},
			"Sharqia reads Cairo":      {sup13.Scope(markaz.PermTrainingRead), store.CoverageGovernorate, "01", 2025, markaz.EForbidden, ""},
			"Sharqia reads a Cairo center": {sup13.Scope(markaz.PermTrainingRead), store.CoverageCenter, "TR-01-A", 2025,
				markaz.EForbidden, ""},
			"future year":    {nation, store.CoverageNation, "", 2026, markaz.EInvalid, "fy"},
			"no such gov":    {nation, store.CoverageGovernorate, "99", 2025, markaz.EInvalid, "code"},
			"no such center": {nation, store.CoverageCenter, "NOPE", 2025, markaz.EInvalid, "code"},
			"no such level":  {nation, "district", "", 2025, markaz.EInvalid, "level"},
		} {
			_, err := db.TrainingCoverage(ctx, c.s, c.level, c.code, c.fy)
			if code(err) != c.want || c.field != "" && fieldCodes(err)[c.field] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}
