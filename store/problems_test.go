package store_test

import (
	"testing"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/problem"
	"markaz/resource"
	"markaz/store"
	"markaz/store/storetest"
)

// problemWorld is two Sharqia centers and a Cairo one with their staff, both governorates'
// supervisors, the ministry, a national admin and two support agents (vendor, planning).
type problemWorld struct {
	sh, sh2, ca                               *markaz.Center
	clerk, clerk2, cairoClerk, manager        *markaz.Principal
	sup13, sup01, ministry, admin, vendor, pl *markaz.Principal
}

func newProblemWorld(t *testing.T, db *store.DB) problemWorld {
	w := problemWorld{sh: mkCenter(t, db, "SH-PRB-01", "13-001"), sh2: mkCenter(t, db, "SH-PRB-02", "13-002"),
		ca: mkCenter(t, db, "CA-PRB-01", "01-001")}
	at := func(name string, in markaz.AssignmentInput) *markaz.Principal {
		return principalOf(t, db, mkUser(t, db, name, in).ID)
	}
	center := func(role, id string) markaz.AssignmentInput {
		return markaz.AssignmentInput{Role: role, Level: markaz.LevelCenter, CenterID: id}
	}
	nation := func(role string) markaz.AssignmentInput {
		return markaz.AssignmentInput{Role: role, Level: markaz.LevelNation}
	}
	w.clerk, w.clerk2 = at("pclerk", center(markaz.RoleClerk, w.sh.ID)), at("pclerk2", center(markaz.RoleClerk, w.sh2.ID))
	w.cairoClerk = at("pcairo", center(markaz.RoleClerk, w.ca.ID))
	w.manager = at("pmanager", center(markaz.RoleCenterManager, w.sh.ID))
	w.sup13, w.sup01 = at("psup13", gov(markaz.RoleSupervisor, "13")), at("psup01", gov(markaz.RoleSupervisor, "01"))
	w.ministry, w.admin = at("pministry", nation(markaz.RoleMinistry)), at("padmin", nation(markaz.RoleAdmin))
	w.vendor, w.pl = at("pvendor", nation(markaz.RoleSupport)), at("pplanning", nation(markaz.RoleSupport))
	write(t, db, func(tx *store.Tx) error {
		if _, err := tx.SetSupportTeams(w.admin, w.vendor.UserID, []string{"vendor"}); err != nil {
			return err
		}
		_, err := tx.SetSupportTeams(w.admin, w.pl.UserID, []string{"planning", "planning"})
		return err
	})
	return w
}

func write(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.Write(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func report(t *testing.T, db *store.DB, p *markaz.Principal, r problem.Report, files ...*attachment.File) *store.ProblemDetail {
	t.Helper()
	var d *store.ProblemDetail
	write(t, db, func(tx *store.Tx) error {
		if err := r.Validate(); err != nil {
			return err
		}
		var err error
		d, err = tx.ReportProblem(p, &r, files)
		return err
	})
	return d
}

func actOn(db *store.DB, p *markaz.Principal, id string, a problem.Act) (*store.ProblemDetail, error) {
	var d *store.ProblemDetail
	err := db.Write(ctx, func(tx *store.Tx) error {
		if err := a.Validate(); err != nil {
			return err
		}
		var err error
		d, err = tx.ActOnProblem(p, id, &a)
		return err
	})
	return d, err
}

func mustAct(t *testing.T, db *store.DB, p *markaz.Principal, id string, a problem.Act) *store.ProblemDetail {
	t.Helper()
	d, err := actOn(db, p, id, a)
	if err != nil {
		t.Fatalf("%s by %s: %v", a.Action, p.Username, err)
	}
	return d
}

func listed(t *testing.T, db *store.DB, f store.ProblemFilter) []int64 {
	t.Helper()
	rows, _, err := db.Problems(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, r := range rows {
		out = append(out, r.Number)
	}
	return out
}

func sameNumbers(a []int64, b ...int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestProblemScopeTeamsAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newProblemWorld(t, db)
		png, _ := attachment.Check("files", "screen.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))
		p1 := report(t, db, w.clerk, problem.Report{Category: "network", Title: "الشبكة مقطوعة", Description: "لا اتصال"}, png)
		p2 := report(t, db, w.clerk2, problem.Report{Category: "software", Title: "Slow screens", Description: "x"})
		p3 := report(t, db, w.cairoClerk, problem.Report{Category: "epayment", Title: "POS down", Description: "x"})
		if p1.Number != 1 || p2.Number != 2 || p3.Number != 3 || len(p1.Files) != 1 || p1.Status != problem.StatusReported ||
			len(p1.Events) != 1 || p1.Severity != problem.SeverityMedium || p1.ReportedBy != "pclerk" {
			t.Fatalf("reported: %+v", p1)
		}
		// Lists are filtered by territory in SQL.
		for _, c := range []struct {
			who  *markaz.Principal
			want []int64
		}{{w.clerk, []int64{1}}, {w.sup13, []int64{2, 1}}, {w.sup01, []int64{3}}, {w.ministry, []int64{3, 2, 1}},
			{w.vendor, nil}, {w.pl, nil}} {
			if got := listed(t, db, store.ProblemFilter{Viewer: c.who}); !sameNumbers(got, c.want...) {
				t.Errorf("%s sees %v, want %v", c.who.Username, got, c.want)
			}
		}
		// A clerk reports only at its own center; a supervisor anywhere in its governorate.
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ReportProblem(w.clerk, &problem.Report{CenterID: w.sh2.ID, Category: "other", Severity: "low",
				Title: "x", Description: "x"}, nil)
			return err
		})
		if markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("clerk reports elsewhere: %v", err)
		}
		if got := report(t, db, w.sup13, problem.Report{CenterID: w.sh2.ID, Category: "other", Title: "x", Description: "x"}); got.CenterID != w.sh2.ID {
			t.Errorf("supervisor's report: %+v", got)
		}

		// Escalated to the vendor: the vendor's agent sees it, the planning agent does not.
		mustAct(t, db, w.sup13, p1.ID, problem.Act{Action: "accept", Severity: "high"})
		d := mustAct(t, db, w.sup13, p1.ID, problem.Act{Action: "escalate", Target: "vendor"})
		if d.Status != problem.StatusEscalated || d.Target != "vendor" || d.Severity != "high" || len(d.Events) != 3 {
			t.Fatalf("escalated: %+v", d)
		}
		if got := listed(t, db, store.ProblemFilter{Viewer: w.vendor}); !sameNumbers(got, 1) {
			t.Errorf("vendor sees %v", got)
		}
		if got := listed(t, db, store.ProblemFilter{Viewer: w.pl}); len(got) != 0 {
			t.Errorf("planning sees %v", got)
		}
		for _, c := range []struct {
			who  *markaz.Principal
			id   string
			want string
		}{{w.pl, p1.ID, markaz.EForbidden}, {w.vendor, p2.ID, markaz.EForbidden}, {w.sup01, p1.ID, markaz.EForbidden},
			{w.clerk, p2.ID, markaz.EForbidden}, {w.vendor, "no-such-id", markaz.ENotFound}} {
			err := db.Read(ctx, func(tx *store.Tx) error { _, err := tx.Problem(c.who, c.id); return err })
			if markaz.ErrorCode(err) != c.want {
				t.Errorf("%s reads %s: %v, want %s", c.who.Username, c.id, err, c.want)
			}
		}
		if _, err := actOn(db, w.pl, p1.ID, problem.Act{Action: "start"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("planning starts the vendor's ticket: %v", err)
		}
		if _, err := actOn(db, w.clerk, p1.ID, problem.Act{Action: "resolve", Note: "x"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("clerk resolves: %v", err)
		}
		// Re-escalating to the same team is refused; the agent works and resolves.
		if _, err := actOn(db, w.sup13, p1.ID, problem.Act{Action: "escalate", Target: "vendor"}); fieldCode(err, "target") != "same_target" {
			t.Errorf("same target: %v", err)
		}
		mustAct(t, db, w.vendor, p1.ID, problem.Act{Action: "start"})
		v := 5
		if _, err := actOn(db, w.vendor, p1.ID, problem.Act{Action: "comment", Note: "x", Version: &v}); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("stale version: %v", err)
		}
		clock.Advance(30 * time.Hour)
		d = mustAct(t, db, w.vendor, p1.ID, problem.Act{Action: "resolve", Note: "تم تغيير الموجه"})
		if d.Status != problem.StatusResolved || d.Resolution != "تم تغيير الموجه" || d.HoursToSolve == nil || *d.HoursToSolve != 30 {
			t.Fatalf("resolved: %+v", d.Problem)
		}
		if !sameStrings(d.Actions, "comment") {
			t.Errorf("agent's actions after resolving: %v", d.Actions)
		}
		d = mustAct(t, db, w.clerk, p1.ID, problem.Act{Action: "confirm"})
		if d.Status != problem.StatusClosed {
			t.Errorf("confirmed: %s", d.Status)
		}

		// A duplicate is merged into the original: its history and reporter stay linked.
		dup := report(t, db, w.manager, problem.Report{Category: "network", Title: "no network again", Description: "x"})
		if _, err := actOn(db, w.sup01, dup.ID, problem.Act{Action: "merge", Into: p1.ID}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo merges a Sharqia ticket: %v", err)
		}
		if _, err := actOn(db, w.sup01, p3.ID, problem.Act{Action: "merge", Into: p1.ID}); fieldCode(err, "into") != "unknown_problem" {
			t.Errorf("Cairo merges into a Sharqia ticket: %v", err)
		}
		if _, err := actOn(db, w.sup13, dup.ID, problem.Act{Action: "merge", Into: dup.ID}); fieldCode(err, "into") != "merge_self" {
			t.Errorf("merge into itself: %v", err)
		}
		d = mustAct(t, db, w.sup13, dup.ID, problem.Act{Action: "merge", Into: p1.ID, Note: "نفس العطل"})
		if d.Status != problem.StatusMerged || d.Original == nil || d.Original.Number != p1.Number {
			t.Fatalf("merged: %+v", d)
		}
		var orig *store.ProblemDetail
		db.Read(ctx, func(tx *store.Tx) error { orig, err = tx.Problem(w.sup13, p1.ID); return err })
		last := orig.Events[len(orig.Events)-1]
		if len(orig.Duplicates) != 1 || orig.Duplicates[0].ReportedBy != "pmanager" || last.Action != problem.ActionMergedIn || last.Related != dup.ID {
			t.Errorf("original after merge: %+v %+v", orig.Duplicates, last)
		}
		if _, err := actOn(db, w.sup13, p2.ID, problem.Act{Action: "merge", Into: dup.ID}); fieldCode(err, "into") != "merged_original" {
			t.Errorf("merge into a merged ticket: %v", err)
		}
		// Filters: status, target, query by words or number.
		if got := listed(t, db, store.ProblemFilter{Viewer: w.ministry, Statuses: []string{"merged", "closed"}}); !sameNumbers(got, 5, 1) {
			t.Errorf("merged or closed: %v", got)
		}
		if got := listed(t, db, store.ProblemFilter{Viewer: w.ministry, Target: "vendor"}); !sameNumbers(got, 1) {
			t.Errorf("vendor's: %v", got)
		}
		if got := listed(t, db, store.ProblemFilter{Viewer: w.ministry, Query: "الشبكه"}); !sameNumbers(got, 1) {
			t.Errorf("q folded: %v", got)
		}
		if got := listed(t, db, store.ProblemFilter{Viewer: w.ministry, Query: "3"}); !sameNumbers(got, 3) {
			t.Errorf("q number: %v", got)
		}
		// Keyset paging, newest and oldest first.
		if got := listed(t, db, store.ProblemFilter{Viewer: w.ministry, Limit: 2, After: 4}); !sameNumbers(got, 3, 2) {
			t.Errorf("page after 4: %v", got)
		}
		if got := listed(t, db, store.ProblemFilter{Viewer: w.ministry, Limit: 2, After: 2, Oldest: true}); !sameNumbers(got, 3, 4) {
			t.Errorf("oldest after 2: %v", got)
		}
		for _, c := range []struct {
			f    store.ProblemFilter
			want string
		}{{store.ProblemFilter{Viewer: w.sup01, Gov: "13"}, markaz.EForbidden},
			{store.ProblemFilter{Viewer: w.sup13, Gov: "99"}, markaz.EInvalid},
			{store.ProblemFilter{Viewer: w.clerk, Center: w.sh2.ID}, markaz.EForbidden}} {
			if _, _, err := db.Problems(ctx, c.f); markaz.ErrorCode(err) != c.want {
				t.Errorf("filter %+v: %v, want %s", c.f, err, c.want)
			}
		}

		// Team membership: only a national user manager sets it, only on support users.
		write(t, db, func(tx *store.Tx) error {
			if _, err := tx.SetSupportTeams(w.sup13, w.pl.UserID, []string{"vendor"}); markaz.ErrorCode(err) != markaz.EForbidden {
				t.Errorf("supervisor sets teams: %v", err)
			}
			if _, err := tx.SetSupportTeams(w.admin, w.clerk.UserID, []string{"vendor"}); fieldCode(err, "teams") != "not_support" {
				t.Errorf("teams for a clerk: %v", err)
			}
			if _, err := tx.SetSupportTeams(w.admin, w.pl.UserID, []string{"mars"}); fieldCode(err, "teams") != "one_of" {
				t.Errorf("unknown team: %v", err)
			}
			teams, err := tx.SetSupportTeams(w.admin, w.pl.UserID, []string{"vendor", "planning"})
			if !sameStrings(teams, "planning", "vendor") {
				t.Errorf("teams: %v %v", teams, err)
			}
			return err
		})
		if got := listed(t, db, store.ProblemFilter{Viewer: w.pl}); !sameNumbers(got, 1) {
			t.Errorf("planning agent, now also vendor, sees %v", got)
		}
		write(t, db, func(tx *store.Tx) error {
			_, err := tx.SetSupportTeams(w.admin, w.pl.UserID, nil)
			return err
		})
		if got := listed(t, db, store.ProblemFilter{Viewer: w.pl}); len(got) != 0 {
			t.Errorf("agent out of every team sees %v", got)
		}
		agents, err := db.SupportAgents(ctx)
		if err != nil || len(agents) != 2 || agents[0].Username != "pplanning" || len(agents[0].Teams) != 0 || !sameStrings(agents[1].Teams, "vendor") {
			t.Errorf("agents: %+v %v", agents, err)
		}
		if bad, n, err := db.VerifyAudit(ctx); bad != "" || err != nil || n == 0 {
			t.Errorf("audit: %q %v", bad, err)
		}
	})
}

func fieldCode(err error, field string) string {
	e, ok := err.(*markaz.Error)
	if !ok {
		return ""
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Code
		}
	}
	return ""
}

func sameStrings(a []string, b ...string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A past period's figures come from the history: resolved after the period, or reopened
// after it, they do not move; merged duplicates are never counted.
func TestProblemSummaryStaysPut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newProblemWorld(t, db)
		cairo := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, markaz.Cairo) }
		set := func(t time.Time) { clock.T = t.UTC() }
		r := func(p *markaz.Principal, cat string) *store.ProblemDetail {
			return report(t, db, p, problem.Report{Category: cat, Title: cat, Description: "x"})
		}
		set(cairo(2, 1, 0)) // the first instant of the period: counted
		a := r(w.clerk, "network")
		set(cairo(2, 2, 9))
		b := r(w.clerk, "software")
		c := r(w.clerk2, "network")
		dup := r(w.clerk, "network")
		e := r(w.cairoClerk, "epayment")
		set(cairo(2, 3, 0)) // a: resolved locally after 48 hours
		mustAct(t, db, w.sup13, a.ID, problem.Act{Action: "resolve", Note: "restarted"})
		set(cairo(2, 4, 9))
		mustAct(t, db, w.sup13, dup.ID, problem.Act{Action: "merge", Into: a.ID})
		mustAct(t, db, w.sup13, b.ID, problem.Act{Action: "escalate", Target: "vendor"})
		mustAct(t, db, w.sup01, e.ID, problem.Act{Action: "resolve", Note: "ok"})
		set(cairo(2, 10, 9)) // c: resolved then reopened inside the period
		mustAct(t, db, w.sup13, c.ID, problem.Act{Action: "resolve", Note: "x"})
		set(cairo(2, 12, 9))
		mustAct(t, db, w.clerk2, c.ID, problem.Act{Action: "reopen", Note: "still down"})
		set(cairo(3, 1, 0)) // after the period: reported, not counted
		r(w.clerk, "hardware")

		feb := func() *store.ProblemSummary {
			s, err := db.ProblemSummary(ctx, w.sup13.Scope(markaz.PermProblemsRead), "13",
				markaz.Date{Y: 2026, M: 2, D: 1}, markaz.Date{Y: 2026, M: 2, D: 28})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		check := func(label string, s *store.ProblemSummary) {
			t.Helper()
			if s.Total != 3 || s.Resolved != 1 || s.Open != 2 || s.MedianHours == nil || *s.MedianHours != 48 {
				t.Errorf("%s: total %d resolved %d open %d median %v", label, s.Total, s.Resolved, s.Open, s.MedianHours)
			}
			want := map[string][3]int{"network": {2, 1, 1}, "software": {1, 0, 1}}
			for _, l := range s.ByCategory {
				if got := [3]int{l.Total, l.Resolved, l.Open}; got != want[l.Key] {
					t.Errorf("%s: category %s %v, want %v", label, l.Key, got, want[l.Key])
				}
			}
			wantT := map[string][3]int{"vendor": {1, 0, 1}, "none": {2, 1, 1}}
			for _, l := range s.ByTarget {
				if got := [3]int{l.Total, l.Resolved, l.Open}; got != wantT[l.Key] {
					t.Errorf("%s: target %s %v, want %v", label, l.Key, got, wantT[l.Key])
				}
			}
		}
		set(cairo(3, 1, 0))
		before := feb()
		check("at the end of February", before)

		// Later: b is resolved by the vendor in March, a is reopened and reclassified.
		set(cairo(3, 2, 9))
		mustAct(t, db, w.vendor, b.ID, problem.Act{Action: "resolve", Note: "patched"})
		mustAct(t, db, w.clerk, a.ID, problem.Act{Action: "reopen", Note: "back again"})
		mustAct(t, db, w.sup13, a.ID, problem.Act{Action: "reclassify", Category: "hardware"})
		set(cairo(3, 10, 9))
		check("in March", feb())

		// February and March together see b solved and a open (reopened, as hardware).
		s, err := db.ProblemSummary(ctx, w.sup13.Scope(markaz.PermProblemsRead), "",
			markaz.Date{Y: 2026, M: 2, D: 1}, markaz.Date{Y: 2026, M: 3, D: 31})
		if err != nil || s.Total != 4 || s.Resolved != 1 || s.Open != 3 || *s.MedianHours != 672 {
			t.Errorf("Feb–Mar: %+v %v", s, err)
		}
		// The nation counts Cairo's too; merged duplicates never.
		s, _ = db.ProblemSummary(ctx, w.ministry.Scope(markaz.PermProblemsRead), "",
			markaz.Date{Y: 2026, M: 2, D: 1}, markaz.Date{Y: 2026, M: 2, D: 28})
		if s.Total != 4 || s.Resolved != 2 || *s.MedianHours != 48 {
			t.Errorf("national February: %+v", s)
		}
		for _, c := range []struct {
			p    *markaz.Principal
			gov  string
			want string
		}{{w.sup01, "13", markaz.EForbidden}, {w.sup13, "99", markaz.EInvalid}, {w.clerk, "01", markaz.EForbidden}} {
			if _, err := db.ProblemSummary(ctx, c.p.Scope(markaz.PermProblemsRead), c.gov, markaz.Date{Y: 2026, M: 2, D: 1},
				markaz.Date{Y: 2026, M: 2, D: 28}); markaz.ErrorCode(err) != c.want {
				t.Errorf("%s summary of %s: %v", c.p.Username, c.gov, err)
			}
		}
		// An empty period has no median.
		s, _ = db.ProblemSummary(ctx, w.ministry.Scope(markaz.PermProblemsRead), "", markaz.Date{Y: 2025, M: 1, D: 1},
			markaz.Date{Y: 2025, M: 1, D: 31})
		if s.Total != 0 || s.MedianHours != nil || len(s.ByCategory) != len(problem.Categories) || len(s.ByTarget) != 4 {
			t.Errorf("empty: %+v", s)
		}
	})
}

func TestEquipmentAndNeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newProblemWorld(t, db)
		add := func(p *markaz.Principal, e resource.Equipment) (*resource.Equipment, error) {
			var out *resource.Equipment
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.AddEquipment(p, &e)
				return err
			})
			return out, err
		}
		pc, err := add(w.manager, resource.Equipment{CenterID: w.sh.ID, DeviceType: "pc", Serial: "dell 7010-٠١"})
		if err != nil || pc.Serial != "DELL7010-01" || pc.Status != "working" || pc.CenterCode != "SH-PRB-01" {
			t.Fatalf("added: %+v %v", pc, err)
		}
		if _, err := add(w.sup13, resource.Equipment{CenterID: w.sh2.ID, DeviceType: "pc", Serial: "DELL7010-01"}); fieldCode(err, "serial") != "taken" {
			t.Errorf("serial twice: %v", err)
		}
		if _, err := add(w.clerk, resource.Equipment{CenterID: w.sh.ID, DeviceType: "ups", Serial: "UPS-1"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("clerk adds: %v", err)
		}
		if _, err := add(w.sup01, resource.Equipment{CenterID: w.sh.ID, DeviceType: "ups", Serial: "UPS-1"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo adds in Sharqia: %v", err)
		}
		prn, _ := add(w.sup13, resource.Equipment{CenterID: w.sh.ID, DeviceType: "receipt_printer", Serial: "EPSON-TM-1"})
		other, _ := add(w.sup13, resource.Equipment{CenterID: w.sh2.ID, DeviceType: "scanner", Serial: "CANON-1"})
		upd := func(p *markaz.Principal, id string, e resource.Equipment) (*resource.Equipment, error) {
			var out *resource.Equipment
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.UpdateEquipment(p, id, &e)
				return err
			})
			return out, err
		}
		got, err := upd(w.manager, prn.ID, resource.Equipment{DeviceType: prn.DeviceType, Serial: prn.Serial, Status: "faulty",
			Notes: "paper jam", Version: 1})
		if err != nil || got.Status != "faulty" || got.Version != 2 {
			t.Fatalf("faulty: %+v %v", got, err)
		}
		if _, err := upd(w.manager, prn.ID, resource.Equipment{DeviceType: "pc", Serial: "X-1", Version: 1}); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("stale: %v", err)
		}
		if _, err := upd(w.sup01, prn.ID, resource.Equipment{DeviceType: "pc", Serial: "X-1", Version: 2}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo edits: %v", err)
		}
		// The faulty item is linked to a problem reported at its center, not elsewhere.
		d := report(t, db, w.clerk, problem.Report{Category: "hardware", Title: "Printer jams", Description: "x", EquipmentID: prn.ID})
		if d.Equipment == nil || d.Equipment.Serial != "EPSON-TM-1" {
			t.Errorf("linked: %+v", d.Equipment)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ReportProblem(w.clerk, &problem.Report{Category: "hardware", Severity: "low", Title: "x",
				Description: "x", EquipmentID: other.ID}, nil)
			return err
		})
		if fieldCode(err, "equipment_id") != "equipment_elsewhere" {
			t.Errorf("equipment of another center: %v", err)
		}
		if got := listed(t, db, store.ProblemFilter{Viewer: w.manager, Equipment: prn.ID}); !sameNumbers(got, d.Number) {
			t.Errorf("the item's problems: %v", got)
		}
		items, n, err := db.CenterEquipment(ctx, w.clerk.Scope(markaz.PermEquipmentRead), w.sh.ID)
		if err != nil || len(items) != 2 || n.Working != 1 || n.Faulty != 1 || n.InService() != 2 {
			t.Errorf("inventory: %d %+v %v", len(items), n, err)
		}
		if _, _, err := db.CenterEquipment(ctx, w.clerk.Scope(markaz.PermEquipmentRead), w.sh2.ID); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("clerk reads another center's inventory: %v", err)
		}

		// Needs: raised by the governorate, approved reduced by the ministry, delivered in parts.
		raise := func(p *markaz.Principal, in resource.NewNeed) (*store.NeedDetail, error) {
			var out *store.NeedDetail
			err := db.Write(ctx, func(tx *store.Tx) error {
				if err := in.Validate(); err != nil {
					return err
				}
				var err error
				out, err = tx.RaiseNeed(p, &in)
				return err
			})
			return out, err
		}
		nd, err := raise(w.sup13, resource.NewNeed{Governorate: "13", Kind: "printers", Quantity: 10, Justification: "الطابعات قديمة"})
		if err != nil || nd.Status != "raised" || nd.GovNameEn == "" || !sameStrings(nd.Actions, "cancel") {
			t.Fatalf("raised: %+v %v", nd, err)
		}
		if _, err := raise(w.sup13, resource.NewNeed{Governorate: "01", Kind: "printers", Quantity: 1, Justification: "x"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Sharqia raises for Cairo: %v", err)
		}
		if _, err := raise(w.clerk, resource.NewNeed{CenterID: w.sh.ID, Kind: "uniforms", Quantity: 5, Justification: "x"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("clerk raises: %v", err)
		}
		if _, err := raise(w.sup13, resource.NewNeed{Governorate: "13", CenterID: w.ca.ID, Kind: "uniforms", Quantity: 5, Justification: "x"}); fieldCode(err, "center_id") != "center_elsewhere" {
			t.Errorf("center of another governorate: %v", err)
		}
		nc, err := raise(w.sup13, resource.NewNeed{CenterID: w.sh.ID, Kind: "uniforms", Quantity: 12, Justification: "زي موحد"})
		if err != nil || nc.GovCode != "13" || nc.CenterCode == nil {
			t.Fatalf("center need: %+v %v", nc, err)
		}
		act := func(p *markaz.Principal, id string, a resource.NeedAct) (*store.NeedDetail, error) {
			var out *store.NeedDetail
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				out, err = tx.ActOnNeed(p, id, &a)
				return err
			})
			return out, err
		}
		if _, err := act(w.sup13, nd.ID, resource.NeedAct{Action: "approve"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("governorate approves its own: %v", err)
		}
		if got, err := act(w.ministry, nd.ID, resource.NeedAct{Action: "approve", Quantity: 6, Note: "الميزانية"}); err != nil || *got.Approved != 6 || got.DecidedBy != "pministry" {
			t.Fatalf("approved: %+v %v", got, err)
		}
		if got, err := act(w.sup13, nd.ID, resource.NeedAct{Action: "deliver", Quantity: 4, Note: "الدفعة الأولى"}); err != nil || got.Status != "partly_fulfilled" || len(got.Deliveries) != 1 {
			t.Fatalf("first delivery: %+v %v", got, err)
		}
		if _, err := act(w.ministry, nd.ID, resource.NeedAct{Action: "deliver", Quantity: 3}); fieldCode(err, "quantity") != "quantity_range" {
			t.Errorf("over-delivery: %v", err)
		}
		got2, err := act(w.ministry, nd.ID, resource.NeedAct{Action: "deliver", Quantity: 2})
		if err != nil || got2.Status != "fulfilled" || got2.Delivered != 6 || len(got2.Actions) != 0 {
			t.Fatalf("fulfilled: %+v %v", got2, err)
		}
		if _, err := act(w.ministry, nc.ID, resource.NeedAct{Action: "refuse", Note: "متوفر في المخزن"}); err != nil {
			t.Fatal(err)
		}
		// Lists: the governorate sees its own, the manager its center's, Cairo nothing.
		list := func(p *markaz.Principal, f store.NeedFilter) store.NeedList {
			f.Viewer = p
			l, err := db.Needs(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		if l := list(w.sup13, store.NeedFilter{}); len(l.Rows) != 2 || len(l.Totals) != 2 {
			t.Errorf("Sharqia's needs: %d rows, totals %+v", len(l.Rows), l.Totals)
		} else if tt := l.Totals[0]; tt.Kind != "printers" || tt.Requested != 10 || tt.Approved != 6 || tt.Delivered != 6 ||
			l.Totals[1].Kind != "uniforms" {
			t.Errorf("printer totals: %+v", tt)
		}
		if l := list(w.manager, store.NeedFilter{}); len(l.Rows) != 1 || l.Rows[0].ID != nc.ID {
			t.Errorf("manager's needs: %+v", l.Rows)
		}
		if l := list(w.sup01, store.NeedFilter{}); len(l.Rows) != 0 {
			t.Errorf("Cairo sees %d", len(l.Rows))
		}
		if l := list(w.ministry, store.NeedFilter{Limit: 1}); len(l.Rows) != 1 || l.Next == nil {
			t.Errorf("page: %+v", l)
		} else if l2 := list(w.ministry, store.NeedFilter{Limit: 1, After: l.Next}); len(l2.Rows) != 1 || l2.Rows[0].ID == l.Rows[0].ID || l2.Next != nil {
			t.Errorf("second page: %+v", l2)
		}
		if _, err := db.Needs(ctx, store.NeedFilter{Viewer: w.sup01, Gov: "13"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo filters Sharqia: %v", err)
		}
	})
}
