package store_test

import (
	"testing"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/inspection"
	"markaz/store"
	"markaz/store/storetest"
)

// inspWorld is a small territory for the follow-up tests: two Sharqia centers and one in
// Cairo, inspectors of each governorate and a national one, a supervisor, the ministry,
// and the manager and a clerk of the first Sharqia center.
type inspWorld struct {
	sh, sh2, ca                                        *markaz.Center
	insp13, insp01, inspN, sup13, ministry, mgr, clerk *markaz.Principal
	checklist                                          *store.ChecklistDetail
}

func newInspWorld(t *testing.T, db *store.DB) *inspWorld {
	t.Helper()
	w := &inspWorld{sh: mkCenter(t, db, "SH-INS-01", "13-001"), sh2: mkCenter(t, db, "SH-INS-02", "13-002"),
		ca: mkCenter(t, db, "CA-INS-01", "01-001")}
	at := func(name string, in markaz.AssignmentInput) *markaz.Principal {
		return principalOf(t, db, mkUser(t, db, name, in).ID)
	}
	w.insp13 = at("insp13", gov(markaz.RoleInspector, "13"))
	w.insp01 = at("insp01", gov(markaz.RoleInspector, "01"))
	w.inspN = at("inspn", markaz.AssignmentInput{Role: markaz.RoleInspector, Level: markaz.LevelNation})
	w.sup13 = at("sup13", gov(markaz.RoleSupervisor, "13"))
	w.ministry = at("ministry", markaz.AssignmentInput{Role: markaz.RoleMinistry, Level: markaz.LevelNation})
	w.mgr = at("mgr", markaz.AssignmentInput{Role: markaz.RoleCenterManager, Level: markaz.LevelCenter, CenterID: w.sh.ID})
	w.clerk = at("clerk13", markaz.AssignmentInput{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: w.sh.ID})
	list, err := db.Checklists(ctx)
	if err != nil || len(list) != 1 || list[0].Code != "STANDARD" {
		t.Fatalf("the national default checklist: %v %v", list, err)
	}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		w.checklist, err = tx.Checklist(list[0].ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// marks scores every item of ver with fn(i).
func marks(ver *inspection.Version, fn func(i int) int) []inspection.Mark {
	out := make([]inspection.Mark, len(ver.Items))
	for i, it := range ver.Items {
		s := fn(i)
		out[i] = inspection.Mark{Key: it.Key, Score: &s}
	}
	return out
}

func TestDefaultChecklistShipsWithTheSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newInspWorld(t, db)
		c := w.checklist
		if c.CurrentVersion != 1 || len(c.Current.Items) != 12 || c.Current.TotalWeight() != 25 || len(c.Versions) != 1 ||
			c.CreatedAt.IsZero() || c.Current.Items[0].Key != "staff_present" || c.Current.Items[0].NameAr == "" ||
			c.Current.Items[5].GuideEn == "" {
			t.Fatalf("default checklist: %+v %+v", c.Checklist, c.Current)
		}
	})
}

func TestCommitteesAreManagedInTheirTerritory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newInspWorld(t, db)
		create := func(p *markaz.Principal, in store.CommitteeInput) (*inspection.Committee, error) {
			var c *inspection.Committee
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				c, err = tx.CreateCommittee(p, in)
				return err
			})
			return c, err
		}
		sh := store.CommitteeInput{NameAr: "لجنة متابعة الشرقية", NameEn: "Sharqia follow-up committee", Gov: "13",
			Members: []store.MemberInput{{Username: "insp13", Body: inspection.BodyInspection},
				{UserID: w.inspN.UserID, Body: inspection.BodyCommunications}}}
		c, err := create(w.sup13, sh)
		if err != nil || len(c.Members) != 2 || c.GovCode != "13" || c.Version != 1 {
			t.Fatalf("supervisor creates its governorate's committee: %+v %v", c, err)
		}
		// A supervisor creates neither a national nor another governorate's committee.
		for _, g := range []string{"", "01"} {
			in := sh
			in.Gov = g
			if _, err := create(w.sup13, in); markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("supervisor, governorate %q: %v", g, err)
			}
		}
		// Members must hold the inspector role where the committee works.
		bad := sh
		bad.Members = []store.MemberInput{{Username: "insp01", Body: inspection.BodyProjects}, {Username: "mgr", Body: inspection.BodyProjects},
			{Username: "nobody", Body: inspection.BodyProjects}, {Username: "insp13", Body: "ministry"}}
		_, err = create(w.sup13, bad)
		if got := fieldCodes(err); got["members.0.user"] != "not_inspector" || got["members.1.user"] != "not_inspector" ||
			got["members.2.user"] != "unknown_user" || got["members.3.body"] != "one_of" {
			t.Errorf("bad members: %v", err)
		}
		national := store.CommitteeInput{NameAr: "اللجنة القومية", NameEn: "National committee",
			Members: []store.MemberInput{{Username: "inspn", Body: inspection.BodyProjects}}}
		if in := national; true {
			in.Members = append(in.Members, store.MemberInput{Username: "insp13", Body: inspection.BodyInspection})
			if _, err := create(w.ministry, in); fieldCodes(err)["members.1.user"] != "not_inspector" {
				t.Errorf("a governorate inspector on a national committee: %v", err)
			}
		}
		nc, err := create(w.ministry, national)
		if err != nil {
			t.Fatal(err)
		}
		// Reading: the governorate's inspectors see its committee, not Cairo's nor the national one.
		if _, _, err := db.Committees(ctx, store.CommitteeFilter{Scope: w.insp01.Scope(markaz.PermInspectionsRead), Gov: "13"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("cairo inspector lists sharqia committees: %v", err)
		}
		list, _, err := db.Committees(ctx, store.CommitteeFilter{Scope: w.insp13.Scope(markaz.PermInspectionsRead)})
		if err != nil || len(list) != 1 || list[0].ID != c.ID {
			t.Errorf("sharqia inspector's committees: %v %v", list, err)
		}
		list, _, _ = db.Committees(ctx, store.CommitteeFilter{Scope: w.inspN.Scope(markaz.PermInspectionsRead)})
		if len(list) != 2 {
			t.Errorf("national inspector sees %d committees", len(list))
		}
		db.Read(ctx, func(tx *store.Tx) error {
			if _, err := tx.Committee(w.insp13.Scope(markaz.PermInspectionsRead), nc.ID); markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("sharqia inspector reads the national committee: %v", err)
			}
			if _, err := tx.Committee(w.insp01.Scope(markaz.PermInspectionsRead), c.ID); markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("cairo inspector reads sharqia's committee: %v", err)
			}
			return nil
		})
		// Editing: a member leaves (with a date, the row stays), the version moves on.
		clock.Advance(24 * time.Hour)
		edit := sh
		edit.Members = edit.Members[:1]
		edit.Version = 1
		var got *inspection.Committee
		err = db.Write(ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.UpdateCommittee(w.sup13, c.ID, edit)
			return err
		})
		if err != nil || len(got.Members) != 1 || got.Version != 2 {
			t.Fatalf("update: %+v %v", got, err)
		}
		var left int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&left, `SELECT COUNT(*) FROM committee_members WHERE committee_id = ? AND left_on IS NOT NULL`, c.ID)
		})
		if left != 1 {
			t.Errorf("%d members left", left)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.UpdateCommittee(w.sup13, c.ID, edit); return err })
		if markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("stale update: %v", err)
		}
	})
}

// setup13 creates the Sharqia committee (insp13 and the national inspector) and returns it.
func setup13(t *testing.T, db *store.DB, w *inspWorld) *inspection.Committee {
	t.Helper()
	var c *inspection.Committee
	if err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.CreateCommittee(w.sup13, store.CommitteeInput{NameAr: "لجنة الشرقية", NameEn: "Sharqia", Gov: "13",
			Members: []store.MemberInput{{Username: "insp13", Body: inspection.BodyInspection},
				{Username: "inspn", Body: inspection.BodyProjects}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

func recordVisit(db *store.DB, p *markaz.Principal, in store.VisitInput) (*store.VisitDetail, error) {
	var d *store.VisitDetail
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		d, err = tx.RecordVisit(p, in)
		return err
	})
	return d, err
}

func TestVisitScoreFollowsItsChecklistVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newInspWorld(t, db)
		c := setup13(t, db, w)
		v1 := w.checklist.Current
		in := store.VisitInput{CenterID: w.sh.Code, VersionID: v1.ID, Summary: "زيارة مفاجئة",
			Items: marks(v1, func(i int) int { return []int{2, 1, 0}[i%3] })}
		d, err := recordVisit(db, w.insp13, in)
		if err != nil {
			t.Fatal(err)
		}
		scores := map[string]int{}
		for _, m := range in.Items {
			scores[m.Key] = *m.Score
		}
		want, _ := inspection.Score(v1.Items, scores)
		if d.Score != want || d.CommitteeID != c.ID || d.ChecklistVersion != 1 || len(d.Items) != 12 || d.VisitedOn != markaz.DateOf(clock.T) {
			t.Fatalf("visit: score %d want %d, %+v", d.Score, want, d.Visit)
		}
		// The ministry amends the checklist: new weights in version 2.
		amended := append([]inspection.Item{}, v1.Items...)
		for i := range amended {
			amended[i].ID = ""
			amended[i].Weight = 1
		}
		amended[0].Weight = 10
		var cd *store.ChecklistDetail
		amend := store.ChecklistInput{NameAr: w.checklist.NameAr, NameEn: w.checklist.NameEn, Items: amended, BasedOn: 1, Note: "وزن أكبر للحضور"}
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.AmendChecklist(w.sup13, w.checklist.ID, amend); return err }); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a supervisor amends the national checklist: %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			cd, err = tx.AmendChecklist(w.ministry, w.checklist.ID, amend)
			return err
		}); err != nil || cd.CurrentVersion != 2 || len(cd.Versions) != 2 || cd.Current.Items[0].Weight != 10 {
			t.Fatalf("amend: %+v %v", cd, err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.AmendChecklist(w.ministry, w.checklist.ID, amend); return err }); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("amending from a superseded version: %v", err)
		}
		// The recorded visit keeps version 1's weights and its score.
		db.Read(ctx, func(tx *store.Tx) error {
			again, err := tx.Visit(w.insp13.Scope(markaz.PermInspectionsRead), d.ID)
			if err != nil || again.Score != d.Score || again.ChecklistVersion != 1 || again.Items[0].Weight != v1.Items[0].Weight {
				t.Errorf("the visit changed with the template: %+v %v", again, err)
			}
			return nil
		})
		// A form still carrying version 1 is refused; version 2 scores with its own weights.
		if _, err := recordVisit(db, w.insp13, in); fieldCodes(err)["checklist_version_id"] != "version_superseded" {
			t.Errorf("visit with version 1 after the amendment: %v", err)
		}
		in.VersionID = cd.Current.ID
		d2, err := recordVisit(db, w.insp13, in)
		want2, _ := inspection.Score(cd.Current.Items, scores)
		if err != nil || d2.Score != want2 || want2 == want || d2.ChecklistVersion != 2 {
			t.Errorf("visit with version 2: %d want %d (v1 %d) %v", d2.Score, want2, want, err)
		}
	})
}

func TestVisitsStayInTheirGovernorate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newInspWorld(t, db)
		setup13(t, db, w)
		v1 := w.checklist.Current
		all2 := marks(v1, func(int) int { return 2 })
		// The Cairo inspector sits on no Sharqia committee and cannot write there.
		if _, err := recordVisit(db, w.insp01, store.VisitInput{CenterID: w.sh.ID, VersionID: v1.ID, Items: all2}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("cairo inspector records in sharqia: %v", err)
		}
		// A Sharqia member cannot record a Cairo center with the Sharqia committee.
		if _, err := recordVisit(db, w.inspN, store.VisitInput{CenterID: w.ca.ID, VersionID: v1.ID, Items: all2}); fieldCodes(err)["center_id"] != "outside_committee" {
			t.Errorf("sharqia committee at a cairo center: %v", err)
		}
		// Every problem at once: a missing score, a future date, an unknown version.
		bad := marks(v1, func(int) int { return 2 })
		bad[3].Score = nil
		_, err := recordVisit(db, w.insp13, store.VisitInput{CenterID: w.sh.ID, VersionID: v1.ID, Items: bad,
			VisitedOn: markaz.DateOf(clock.T).AddDays(1)})
		if got := fieldCodes(err); got["items."+v1.Items[3].Key] != "not_scored" || got["visited_on"] != "date_in_future" {
			t.Errorf("invalid visit: %v", err)
		}
		d, err := recordVisit(db, w.insp13, store.VisitInput{CenterID: w.sh.ID, VersionID: v1.ID, Items: all2})
		if err != nil || d.Score != 100 {
			t.Fatalf("visit: %+v %v", d, err)
		}
		db.Read(ctx, func(tx *store.Tx) error {
			for name, p := range map[string]*markaz.Principal{"cairo inspector": w.insp01, "clerk": w.clerk} {
				if _, err := tx.Visit(p.Scope(markaz.PermInspectionsRead), d.ID); markaz.ErrorCode(err) != markaz.EForbidden {
					t.Errorf("%s reads the visit: %v", name, err)
				}
			}
			for name, p := range map[string]*markaz.Principal{"national inspector": w.inspN, "center manager": w.mgr, "ministry": w.ministry} {
				if _, err := tx.Visit(p.Scope(markaz.PermInspectionsRead), d.ID); err != nil {
					t.Errorf("%s cannot read the visit: %v", name, err)
				}
			}
			return nil
		})
		rows, _, err := db.Visits(ctx, store.VisitFilter{Scope: w.insp01.Scope(markaz.PermInspectionsRead)})
		if err != nil || len(rows) != 0 {
			t.Errorf("cairo inspector's visits: %v %v", rows, err)
		}
		if _, _, err := db.Visits(ctx, store.VisitFilter{Scope: w.insp01.Scope(markaz.PermInspectionsRead), Center: w.sh.ID}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("cairo inspector filters on a sharqia center: %v", err)
		}
		rows, _, err = db.Visits(ctx, store.VisitFilter{Scope: w.mgr.Scope(markaz.PermInspectionsRead)})
		if err != nil || len(rows) != 1 || rows[0].ID != d.ID || rows[0].CenterCode != "SH-INS-01" {
			t.Errorf("center manager's visits: %v %v", rows, err)
		}
	})
}

func TestPlansAndMyVisits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newInspWorld(t, db)
		c := setup13(t, db, w)
		today := markaz.DateOf(clock.T)
		plan := func(p *markaz.Principal, in store.PlanInput) (*inspection.Plan, error) {
			var pl *inspection.Plan
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				pl, err = tx.CreatePlan(p, in)
				return err
			})
			return pl, err
		}
		mine, err := plan(w.insp13, store.PlanInput{CommitteeID: c.ID, CenterID: w.sh.Code, PlannedOn: today.AddDays(3),
			Members: []string{"insp13"}, Purpose: "متابعة دورية"})
		if err != nil || mine.Status != inspection.PlanPlanned || len(mine.Members) != 1 {
			t.Fatalf("member plans a visit: %+v %v", mine, err)
		}
		whole, err := plan(w.sup13, store.PlanInput{CommitteeID: c.ID, CenterID: w.sh2.ID, PlannedOn: today.AddDays(5)})
		if err != nil {
			t.Fatal(err)
		}
		other, err := plan(w.sup13, store.PlanInput{CommitteeID: c.ID, CenterID: w.sh2.ID, PlannedOn: today.AddDays(6),
			Members: []string{"inspn"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = plan(w.sup13, store.PlanInput{CommitteeID: c.ID, CenterID: w.ca.ID, PlannedOn: today.AddDays(-1),
			Members: []string{"insp01"}})
		if got := fieldCodes(err); got["center_id"] != "outside_committee" || got["planned_on"] != "date_in_past" || got["members"] != "not_member" {
			t.Errorf("bad plan: %v", err)
		}
		if _, err := plan(w.insp01, store.PlanInput{CommitteeID: c.ID, CenterID: w.sh.ID, PlannedOn: today}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a non-member plans for the committee: %v", err)
		}
		// My visits: plans naming me, and plans naming nobody of my committees.
		rows, _, err := db.Plans(ctx, store.PlanFilter{Scope: w.insp13.Scope(markaz.PermInspectionsRead), Mine: w.insp13.UserID, Open: true})
		if err != nil || len(rows) != 2 || rows[0].ID != mine.ID || rows[1].ID != whole.ID {
			t.Errorf("insp13's visits: %v %v", rows, err)
		}
		rows, _, _ = db.Plans(ctx, store.PlanFilter{Scope: w.inspN.Scope(markaz.PermInspectionsRead), Mine: w.inspN.UserID})
		if len(rows) != 2 || rows[0].ID != whole.ID || rows[1].ID != other.ID {
			t.Errorf("national inspector's visits: %v", rows)
		}
		if rows, _, _ := db.Plans(ctx, store.PlanFilter{Scope: w.insp01.Scope(markaz.PermInspectionsRead)}); len(rows) != 0 {
			t.Errorf("cairo inspector sees sharqia plans: %v", rows)
		}
		// Postpone, then record the visit from the plan: the plan is done.
		var got *inspection.Plan
		err = db.Write(ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.ChangePlan(w.insp13, mine.ID, store.PlanChange{Action: store.PlanPostpone, On: today.AddDays(4), Reason: "عطل السيارة"})
			return err
		})
		if err != nil || got.Status != inspection.PlanPostponed || got.PlannedOn != today.AddDays(4) || got.FirstPlannedOn != today.AddDays(3) {
			t.Fatalf("postpone: %+v %v", got, err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ChangePlan(w.insp01, mine.ID, store.PlanChange{Action: store.PlanCancel, Reason: "x"})
			return err
		}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("cairo inspector cancels a sharqia plan: %v", err)
		}
		v1 := w.checklist.Current
		d, err := recordVisit(db, w.insp13, store.VisitInput{PlanID: mine.ID, VersionID: v1.ID, Items: marks(v1, func(int) int { return 1 })})
		if err != nil || d.CenterID != w.sh.ID || d.PlanID != mine.ID || d.Score != 50 {
			t.Fatalf("visit from plan: %+v %v", d, err)
		}
		db.Read(ctx, func(tx *store.Tx) error {
			pl, err := tx.Plan(w.insp13.Scope(markaz.PermInspectionsRead), mine.ID)
			if err != nil || pl.Status != inspection.PlanDone || pl.VisitID != d.ID {
				t.Errorf("plan after the visit: %+v %v", pl, err)
			}
			return nil
		})
		if _, err := recordVisit(db, w.insp13, store.VisitInput{PlanID: mine.ID, VersionID: v1.ID, Items: marks(v1, func(int) int { return 1 })}); fieldCodes(err)["plan_id"] != "plan_closed" {
			t.Errorf("second visit from a done plan: %v", err)
		}
	})
}

func TestFindingsAndCorrectiveActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newInspWorld(t, db)
		setup13(t, db, w)
		v1 := w.checklist.Current
		d, err := recordVisit(db, w.insp13, store.VisitInput{CenterID: w.sh.ID, VersionID: v1.ID, Items: marks(v1, func(int) int { return 1 })})
		if err != nil {
			t.Fatal(err)
		}
		png, _ := attachment.Check("files", "signage.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))
		add := func(p *markaz.Principal, in store.FindingInput) (*store.FindingDetail, error) {
			var f *store.FindingDetail
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				f, err = tx.AddFinding(p, d.ID, in, []*attachment.File{png})
				return err
			})
			return f, err
		}
		in := store.FindingInput{Category: "premises", Severity: "high", Description: "لا توجد لافتة بالرسوم",
			Action: "تركيب لافتة بالخدمات والرسوم", OwnerUsername: "mgr"}
		if _, err := add(w.mgr, in); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("the center manager adds a finding: %v", err)
		}
		bad := in
		bad.OwnerUsername = "clerk13" // cannot see inspections
		bad.Severity = "urgent"
		if _, err := add(w.insp13, bad); fieldCodes(err)["owner"] != "owner_cannot_see" || fieldCodes(err)["severity"] != "one_of" {
			t.Errorf("bad finding: %v", err)
		}
		f, err := add(w.insp13, in)
		if err != nil {
			t.Fatal(err)
		}
		a := f.Action
		// High severity: 10 working days through the calendar (Fri/Sat rest) from Sunday 15 March 2026.
		if a.Status != inspection.ActionOpen || a.OwnerUsername != "mgr" || a.OwnerName != "Test mgr" ||
			a.DueDate != (markaz.Date{Y: 2026, M: 3, D: 29}) || len(f.Files) != 1 || len(f.Events) != 1 {
			t.Fatalf("finding: %+v %+v", f.Finding, a)
		}
		update := func(p *markaz.Principal, ch inspection.Change) (*store.FindingDetail, error) {
			var f *store.FindingDetail
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				f, err = tx.UpdateAction(p, a.ID, ch)
				return err
			})
			return f, err
		}
		if _, err := update(w.insp01, inspection.Change{Status: inspection.ActionInProgress}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("cairo inspector updates: %v", err)
		}
		if _, err := update(w.mgr, inspection.Change{Status: inspection.ActionInProgress, Note: "طلبنا اللافتة"}); err != nil {
			t.Fatal(err)
		}
		// Past the due date and not closed: overdue, in the governorate's list.
		clock.Advance(15 * 24 * time.Hour)
		list, err := db.Actions(ctx, store.ActionFilter{Scope: w.sup13.Scope(markaz.PermInspectionsRead), Gov: "13", Overdue: true})
		if err != nil || list.Total != 1 || len(list.Rows) != 1 || !list.Rows[0].Overdue || list.Rows[0].Severity != "high" {
			t.Fatalf("overdue: %+v %v", list, err)
		}
		if _, err := db.Actions(ctx, store.ActionFilter{Scope: w.insp01.Scope(markaz.PermInspectionsRead), Gov: "13"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("cairo inspector lists sharqia's actions: %v", err)
		}
		if _, err := update(w.mgr, inspection.Change{Status: inspection.ActionDone, Note: "تم التركيب"}); err != nil {
			t.Fatal(err)
		}
		if _, err := update(w.mgr, inspection.Change{Status: inspection.ActionClosed}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("the owner closes its own action: %v", err)
		}
		stale := 1
		if _, err := update(w.insp13, inspection.Change{Status: inspection.ActionClosed, Version: &stale}); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("stale version: %v", err)
		}
		got, err := update(w.insp13, inspection.Change{Status: inspection.ActionClosed, Note: "تم التحقق"})
		if err != nil || got.Action.Status != inspection.ActionClosed || got.Action.ClosedAt == nil || got.Action.Overdue || len(got.Events) != 4 ||
			got.Events[3].From != inspection.ActionDone || got.Events[3].Username != "insp13" {
			t.Fatalf("closed: %+v %v", got, err)
		}
		list, _ = db.Actions(ctx, store.ActionFilter{Scope: w.sup13.Scope(markaz.PermInspectionsRead), Overdue: true})
		if list.Total != 0 {
			t.Errorf("a closed action is still overdue: %+v", list)
		}
		var audits int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE entity IN ('finding', 'corrective_action', 'visit')`)
		})
		if audits != 5 {
			t.Errorf("%d audit entries", audits)
		}
	})
}

func TestChecklistsAreNational(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newInspWorld(t, db)
		in := store.ChecklistInput{Code: "mobile-unit", NameAr: "قائمة الوحدات المتنقلة", NameEn: "Mobile units checklist",
			Items: []inspection.Item{{Key: "vehicle_ready", NameAr: "السيارة جاهزة", NameEn: "Vehicle ready", Weight: 2},
				{Key: "generator", NameAr: "المولد يعمل", NameEn: "Generator working", Weight: 1}}}
		create := func(p *markaz.Principal, in store.ChecklistInput) (*store.ChecklistDetail, error) {
			var d *store.ChecklistDetail
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				d, err = tx.CreateChecklist(p, in)
				return err
			})
			return d, err
		}
		if _, err := create(w.sup13, in); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a governorate supervisor creates a checklist: %v", err)
		}
		d, err := create(w.ministry, in)
		if err != nil || d.Code != "MOBILE-UNIT" || d.CurrentVersion != 1 || d.Current.TotalWeight() != 3 || len(d.Versions) != 1 {
			t.Fatalf("create: %+v %v", d, err)
		}
		in.Items = append(in.Items, inspection.Item{Key: "generator", NameAr: "x", NameEn: "x", Weight: 1})
		if _, err := create(w.ministry, in); fieldCodes(err)["code"] != "taken" || fieldCodes(err)["items.2.key"] != "duplicate_key" {
			t.Errorf("duplicate: %v", err)
		}
		list, _ := db.Checklists(ctx)
		if len(list) != 2 || list[0].Code != "MOBILE-UNIT" {
			t.Errorf("checklists: %+v", list)
		}
	})
}
