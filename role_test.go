package markaz

import (
	"slices"
	"testing"
	"time"
)

var day = Date{2026, time.March, 15}

// as builds an assignment already resolved the way the store fills it: a unit carries
// its governorate, a center its unit and governorate.
func as(role, level, code string) Assignment {
	a := Assignment{Role: role, Level: level, StartsOn: Date{2020, 1, 1}}
	switch level {
	case LevelGovernorate:
		a.GovCode = code
	case LevelUnit:
		a.GovCode, a.UnitCode = code[:2], code
	case LevelCenter: // code is "GG-NNN/center"
		a.GovCode, a.UnitCode, a.CenterID = code[:2], code[:6], code
	}
	return a
}

func principal(id string, held ...Assignment) *Principal {
	return &Principal{UserID: id, Username: id, Assignments: held}
}

var (
	nationalAdmin = principal("admin", as(RoleAdmin, LevelNation, ""))
	sharqiaAdmin  = principal("admin13", as(RoleAdmin, LevelGovernorate, "13"))
	sharqiaSup    = principal("sup13", as(RoleSupervisor, LevelGovernorate, "13"))
	cairoSup      = principal("sup01", as(RoleSupervisor, LevelGovernorate, "01"))
	ministry      = principal("ministry", as(RoleMinistry, LevelNation, ""))
	manager       = principal("manager", as(RoleCenterManager, LevelCenter, "13-001/c1"))
	head          = principal("head", as(RoleHead, LevelUnit, "13-001"))
	clerk         = principal("clerk", as(RoleClerk, LevelCenter, "13-001/c1"))
)

func TestCanGrant(t *testing.T) {
	until := func(a Assignment, d Date) Assignment { a.EndsOn = d; return a }
	tempSup := principal("temp", until(as(RoleSupervisor, LevelGovernorate, "13"), Date{2026, 6, 30}))
	cases := []struct {
		name string
		p    *Principal
		a    Assignment
		want bool
	}{
		{"national admin grants admin", nationalAdmin, as(RoleAdmin, LevelNation, ""), true},
		{"national admin grants ministry", nationalAdmin, as(RoleMinistry, LevelNation, ""), true},
		{"national admin grants a Cairo clerk", nationalAdmin, as(RoleClerk, LevelCenter, "01-001/c9"), true},
		{"governorate admin grants in its governorate", sharqiaAdmin, as(RoleSupervisor, LevelGovernorate, "13"), true},
		{"governorate admin cannot grant nationally", sharqiaAdmin, as(RoleMinistry, LevelNation, ""), false},
		{"governorate admin cannot grant national admin", sharqiaAdmin, as(RoleAdmin, LevelNation, ""), false},
		{"governorate admin cannot grant in Cairo", sharqiaAdmin, as(RoleClerk, LevelCenter, "01-001/c9"), false},
		{"supervisor grants a clerk in its governorate", sharqiaSup, as(RoleClerk, LevelCenter, "13-001/c1"), true},
		{"supervisor grants a head of its district", sharqiaSup, as(RoleHead, LevelUnit, "13-002"), true},
		{"supervisor grants a supervisor of its governorate", sharqiaSup, as(RoleSupervisor, LevelGovernorate, "13"), true},
		{"supervisor grants a governorate inspector", sharqiaSup, as(RoleInspector, LevelGovernorate, "13"), true},
		{"supervisor cannot grant admin", sharqiaSup, as(RoleAdmin, LevelGovernorate, "13"), false},
		{"supervisor cannot grant national admin", sharqiaSup, as(RoleAdmin, LevelNation, ""), false},
		{"supervisor cannot grant ministry", sharqiaSup, as(RoleMinistry, LevelNation, ""), false},
		{"supervisor cannot grant a national inspector", sharqiaSup, as(RoleInspector, LevelNation, ""), false},
		{"supervisor cannot grant support (national)", sharqiaSup, as(RoleSupport, LevelNation, ""), false},
		{"supervisor cannot grant in Cairo", sharqiaSup, as(RoleClerk, LevelCenter, "01-001/c9"), false},
		{"supervisor cannot grant a Cairo district", sharqiaSup, as(RoleHead, LevelUnit, "01-001"), false},
		{"supervisor cannot grant at a level the role lacks", sharqiaSup, as(RoleClerk, LevelGovernorate, "13"), false},
		{"Cairo supervisor cannot grant in Sharqia", cairoSup, as(RoleClerk, LevelCenter, "13-001/c1"), false},
		{"ministry grants nothing", ministry, as(RoleClerk, LevelCenter, "13-001/c1"), false},
		{"center manager grants nothing", manager, as(RoleClerk, LevelCenter, "13-001/c1"), false},
		{"head grants nothing", head, as(RoleBackOffice, LevelUnit, "13-001"), false},
		{"clerk grants nothing", clerk, as(RoleClerk, LevelCenter, "13-001/c1"), false},
		{"nobody grants without assignments", principal("x"), as(RoleCitizen, LevelNation, ""), false},
		{"a nil principal grants nothing", nil, as(RoleCitizen, LevelNation, ""), false},
		{"temporary supervisor grants within its term", tempSup, until(as(RoleClerk, LevelCenter, "13-001/c1"), Date{2026, 6, 1}), true},
		{"temporary supervisor cannot grant past its term", tempSup, until(as(RoleClerk, LevelCenter, "13-001/c1"), Date{2026, 7, 1}), false},
		{"temporary supervisor cannot grant without end", tempSup, as(RoleClerk, LevelCenter, "13-001/c1"), false},
	}
	for _, c := range cases {
		if got := c.p.CanGrant(c.a); got != c.want {
			t.Errorf("%s: CanGrant = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCanManageUser(t *testing.T) {
	revoked := func(a Assignment) Assignment { now := time.Now(); a.RevokedAt = &now; return a }
	cases := []struct {
		name string
		p    *Principal
		id   string
		held []Assignment
		want bool
	}{
		{"supervisor manages a clerk of its governorate", sharqiaSup, "u", []Assignment{as(RoleClerk, LevelCenter, "13-001/c1")}, true},
		{"supervisor manages another supervisor of its governorate", sharqiaSup, "u", []Assignment{as(RoleSupervisor, LevelGovernorate, "13")}, true},
		{"supervisor cannot manage a Cairo user", sharqiaSup, "u", []Assignment{as(RoleClerk, LevelCenter, "01-001/c9")}, false},
		{"supervisor cannot manage a user also in Cairo", sharqiaSup, "u", []Assignment{
			as(RoleClerk, LevelCenter, "13-001/c1"), as(RoleInspector, LevelGovernorate, "01")}, false},
		{"supervisor cannot manage a national admin", sharqiaSup, "u", []Assignment{as(RoleAdmin, LevelNation, "")}, false},
		{"supervisor cannot manage a Sharqia admin", sharqiaSup, "u", []Assignment{as(RoleAdmin, LevelGovernorate, "13")}, false},
		{"supervisor cannot manage a ministry user", sharqiaSup, "u", []Assignment{as(RoleMinistry, LevelNation, "")}, false},
		{"supervisor cannot manage itself", sharqiaSup, "sup13", sharqiaSup.Assignments, false},
		{"admin cannot manage itself", nationalAdmin, "admin", nationalAdmin.Assignments, false},
		{"admin manages anyone else", nationalAdmin, "u", []Assignment{as(RoleMinistry, LevelNation, "")}, true},
		{"supervisor judges the revoked roles of a user placed by them", sharqiaSup, "u", []Assignment{revoked(as(RoleClerk, LevelCenter, "13-001/c1"))}, true},
		{"a user placed nowhere is for national managers", nationalAdmin, "u", nil, true},
		{"a user placed nowhere is not for a supervisor", sharqiaSup, "u", nil, false},
		{"manager manages nobody", manager, "u", []Assignment{as(RoleClerk, LevelCenter, "13-001/c1")}, false},
		{"ministry manages nobody", ministry, "u", []Assignment{as(RoleClerk, LevelCenter, "13-001/c1")}, false},
		{"nil principal manages nobody", nil, "u", []Assignment{as(RoleClerk, LevelCenter, "13-001/c1")}, false},
	}
	for _, c := range cases {
		if got := c.p.CanManageUser(c.id, c.held); got != c.want {
			t.Errorf("%s: CanManageUser = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestScopeByRoleAndTerritory(t *testing.T) {
	cases := []struct {
		name string
		p    *Principal
		perm string
		ref  Ref
		want bool
	}{
		{"admin reads users anywhere", nationalAdmin, PermUsersRead, Ref{Gov: "01"}, true},
		{"ministry reads users anywhere", ministry, PermUsersRead, Ref{Gov: "27"}, true},
		{"ministry manages no user", ministry, PermUsersManage, Ref{Gov: "27"}, false},
		{"supervisor reads its governorate", sharqiaSup, PermUsersRead, Ref{Gov: "13", Unit: "13-004"}, true},
		{"supervisor cannot read Cairo", sharqiaSup, PermUsersRead, Ref{Gov: "01"}, false},
		{"supervisor cannot read national records", sharqiaSup, PermUsersRead, Ref{}, false},
		{"head reads its district", head, PermUsersRead, Ref{Gov: "13", Unit: "13-001"}, true},
		{"head cannot read a neighbouring district", head, PermUsersRead, Ref{Gov: "13", Unit: "13-002"}, false},
		{"manager reads its center", manager, PermUsersRead, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}, true},
		{"manager cannot read another center", manager, PermUsersRead, Ref{Gov: "13", Unit: "13-001", Center: "c2"}, false},
		{"clerk reads no users", clerk, PermUsersRead, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}, false},
		{"clerk reads its center's programme", clerk, PermCentersRead, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}, true},
	}
	for _, c := range cases {
		if got := c.p.Allowed(c.perm, c.ref); got != c.want {
			t.Errorf("%s: Allowed = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestGrantableRoles(t *testing.T) {
	got := sharqiaSup.GrantableRoles()
	for _, r := range []string{RoleAdmin, RoleMinistry, RoleSupport, RoleCitizen} {
		if slices.Contains(got, r) {
			t.Errorf("supervisor may grant %s", r)
		}
	}
	if !slices.Contains(got, RoleClerk) || len(nationalAdmin.GrantableRoles()) != len(Roles) || len(clerk.GrantableRoles()) != 0 {
		t.Errorf("grantable roles: supervisor %v, admin %v, clerk %v", got, nationalAdmin.GrantableRoles(), clerk.GrantableRoles())
	}
}

func TestFootprintAndVisibility(t *testing.T) {
	now := time.Now()
	ended := as(RoleClerk, LevelCenter, "01-001/c9")
	ended.EndsOn = day.AddDays(-1)
	cur := as(RoleClerk, LevelCenter, "13-001/c1")
	gone := as(RoleInspector, LevelGovernorate, "13")
	gone.RevokedAt = &now
	fp := Footprint([]Assignment{ended, cur, gone}, day)
	if len(fp) != 1 || fp[0].CenterID != cur.CenterID {
		t.Fatalf("footprint = %+v", fp)
	}
	// Once nothing is in force, the past places the user.
	if fp := Footprint([]Assignment{ended, gone}, day); len(fp) != 2 {
		t.Fatalf("footprint of a user with nothing in force = %+v", fp)
	}
	if !VisibleIn(sharqiaSup.Scope(PermUsersRead), fp) || VisibleIn(cairoSup.Scope(PermUsersRead), []Assignment{cur}) {
		t.Fatal("visibility by governorate")
	}
	if VisibleIn(sharqiaSup.Scope(PermUsersRead), []Assignment{as(RoleAdmin, LevelNation, "")}) {
		t.Fatal("a national user is visible to a supervisor")
	}
	if VisibleIn(sharqiaSup.Scope(PermUsersRead), nil) || !VisibleIn(nationalAdmin.Scope(PermUsersRead), nil) {
		t.Fatal("a user placed nowhere is only visible nationally")
	}
}

func TestRequestPermissions(t *testing.T) {
	cases := []struct {
		role        string
		read, write bool
	}{
		{RoleClerk, true, true}, {RoleBackOffice, true, true}, {RoleCenterManager, true, true},
		{RoleHead, true, false}, {RoleInspector, true, false}, {RoleSupervisor, true, false},
		{RoleMinistry, true, false}, {RoleAdmin, true, false},
		{RoleFinance, false, false}, {RoleTrainer, false, false}, {RoleCitizen, false, false},
	}
	for _, c := range cases {
		if got := RoleHas(c.role, PermRequestsRead); got != c.read {
			t.Errorf("%s read: %v", c.role, got)
		}
		if got := RoleHas(c.role, PermRequestsWrite); got != c.write {
			t.Errorf("%s write: %v", c.role, got)
		}
	}
	// Territory: a Sharqia clerk's center is in scope, Cairo's is not.
	if !clerk.Allowed(PermRequestsWrite, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}) ||
		clerk.Allowed(PermRequestsRead, Ref{Gov: "01", Unit: "01-001", Center: "01-001/c9"}) {
		t.Error("clerk request scope")
	}
	if cairoSup.Allowed(PermRequestsRead, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}) {
		t.Error("cairo supervisor reads sharqia requests")
	}
}

func TestTrainingPermissions(t *testing.T) {
	cases := []struct {
		role               string
		read, write, enrol bool
	}{
		{RoleTrainer, true, true, true}, {RoleAdmin, true, true, true}, {RoleSupervisor, true, false, true},
		{RoleMinistry, true, false, false}, {RoleCenterManager, true, false, false}, {RoleHead, true, false, false},
		{RoleInspector, true, false, false},
		{RoleClerk, false, false, false}, {RoleBackOffice, false, false, false}, {RoleFinance, false, false, false},
		{RoleSupport, false, false, false}, {RoleBacklogOperator, false, false, false}, {RoleCitizen, false, false, false},
	}
	for _, c := range cases {
		for perm, want := range map[string]bool{PermTrainingRead: c.read, PermTrainingWrite: c.write, PermTrainingEnrol: c.enrol} {
			if got := RoleHas(c.role, perm); got != want {
				t.Errorf("%s %s: %v", c.role, perm, got)
			}
		}
	}
	if len(cases) != len(Roles) {
		t.Errorf("%d roles in the table, %d roles", len(cases), len(Roles))
	}
	// Territory: a Sharqia trainer manages Sharqia sessions, not Cairo's nor national ones;
	// a national trainer manages all.
	trainer13 := principal("trainer13", as(RoleTrainer, LevelGovernorate, "13"))
	trainerN := principal("trainer", as(RoleTrainer, LevelNation, ""))
	if !trainer13.Allowed(PermTrainingWrite, Ref{Gov: "13"}) || trainer13.Allowed(PermTrainingWrite, Ref{Gov: "01"}) ||
		trainer13.Allowed(PermTrainingWrite, Ref{}) || !trainerN.Allowed(PermTrainingWrite, Ref{}) {
		t.Error("trainer scope")
	}
	if !sharqiaSup.Allowed(PermTrainingEnrol, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}) ||
		cairoSup.Allowed(PermTrainingEnrol, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}) {
		t.Error("supervisors enrol their own governorate's staff only")
	}
}

// The follow-up permissions: who reads, reports, triages and works on problems, who raises
// and approves resource needs, who keeps the equipment inventory.
func TestFollowUpPermissions(t *testing.T) {
	perms := []string{PermProblemsRead, PermProblemsReport, PermProblemsTriage, PermProblemsWork,
		PermResourcesRead, PermResourcesRequest, PermResourcesApprove, PermEquipmentRead, PermEquipmentWrite}
	// One row per role, one letter per permission in the order above ("." = not held).
	want := map[string]string{
		RoleAdmin:           "r...r.AE.",
		RoleMinistry:        "r...r.AE.",
		RoleSupervisor:      "rpt.rq.Ew",
		RoleCenterManager:   "rp..r..Ew",
		RoleClerk:           "rp.....E.",
		RoleBackOffice:      "rp.....E.",
		RoleHead:            "r...r..E.",
		RoleInspector:       "r......E.",
		RoleSupport:         "...w.....",
		RoleFinance:         ".........",
		RoleTrainer:         ".........",
		RoleBacklogOperator: ".........",
		RoleCitizen:         ".........",
	}
	if len(want) != len(Roles) {
		t.Fatalf("the table covers %d roles of %d", len(want), len(Roles))
	}
	for role, row := range want {
		for i, perm := range perms {
			if got, held := RoleHas(role, perm), row[i] != '.'; got != held {
				t.Errorf("%s %s: %v, want %v", role, perm, got, held)
			}
		}
	}
	// Territory: a Sharqia supervisor triages Sharqia's problems only; support agents have
	// no territorial read at all (they see what is escalated to their team, see store).
	support := principal("agent", as(RoleSupport, LevelNation, ""))
	sharqia := Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}
	if !sharqiaSup.Allowed(PermProblemsTriage, sharqia) || cairoSup.Allowed(PermProblemsTriage, sharqia) {
		t.Error("triage scope")
	}
	if support.Allowed(PermProblemsRead, sharqia) || !support.Can(PermProblemsWork) {
		t.Error("support reads problems by territory")
	}
	if !clerk.Allowed(PermProblemsReport, sharqia) || clerk.Allowed(PermProblemsReport, Ref{Gov: "13", Unit: "13-001", Center: "c2"}) {
		t.Error("clerk reports only at its center")
	}
	if !ministry.Allowed(PermResourcesApprove, Ref{Gov: "27"}) || sharqiaSup.Allowed(PermResourcesApprove, Ref{Gov: "13"}) {
		t.Error("only the ministry approves needs")
	}
}

func TestPaymentPermissions(t *testing.T) {
	cases := []struct {
		role                         string
		read, collect, void, finance bool
	}{
		{RoleClerk, true, true, false, false},
		{RoleCenterManager, true, true, true, false},
		{RoleFinance, true, false, false, true},
		{RoleBackOffice, false, false, false, false},
		{RoleHead, true, false, false, false},
		{RoleInspector, true, false, false, false},
		{RoleSupervisor, true, false, false, false},
		{RoleMinistry, true, false, false, false},
		{RoleAdmin, true, false, false, false},
		{RoleTrainer, false, false, false, false},
		{RoleSupport, false, false, false, false},
		{RoleBacklogOperator, false, false, false, false},
		{RoleCitizen, false, false, false, false}, // a citizen pays their own requests by ownership, not by role
	}
	for _, c := range cases {
		for perm, want := range map[string]bool{PermPaymentsRead: c.read, PermPaymentsCollect: c.collect,
			PermPaymentsVoid: c.void, PermFinanceManage: c.finance} {
			if got := RoleHas(c.role, perm); got != want {
				t.Errorf("%s %s: %v, want %v", c.role, perm, got, want)
			}
		}
	}
	// Territory: a clerk collects at their own center only; a governorate's finance officer
	// manages its centers, not Cairo's; a national one everything.
	sharqia := Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}
	cairo := Ref{Gov: "01", Unit: "01-001", Center: "01-001/c9"}
	fin13 := principal("fin13", as(RoleFinance, LevelGovernorate, "13"))
	finNation := principal("finN", as(RoleFinance, LevelNation, ""))
	if !clerk.Allowed(PermPaymentsCollect, sharqia) || clerk.Allowed(PermPaymentsCollect, cairo) ||
		clerk.Allowed(PermPaymentsVoid, sharqia) {
		t.Error("clerk payments scope")
	}
	if !manager.Allowed(PermPaymentsVoid, sharqia) || manager.Allowed(PermPaymentsVoid, cairo) {
		t.Error("manager void scope")
	}
	if !fin13.Allowed(PermFinanceManage, sharqia) || fin13.Allowed(PermFinanceManage, cairo) ||
		fin13.Allowed(PermFinanceManage, Ref{}) || !finNation.Allowed(PermFinanceManage, Ref{}) {
		t.Error("finance scope")
	}
	a := as(RoleFinance, LevelNation, "")
	if err := a.ValidateShape(); err != nil {
		t.Errorf("a national finance officer: %v", err)
	}
	if sharqiaSup.CanGrant(as(RoleFinance, LevelNation, "")) || !sharqiaSup.CanGrant(as(RoleFinance, LevelGovernorate, "13")) {
		t.Error("a supervisor grants finance in its governorate only")
	}
}

func TestInspectionPermissions(t *testing.T) {
	cases := []struct {
		role                string
		read, write, manage bool
	}{
		{RoleInspector, true, true, false},
		{RoleSupervisor, true, false, true}, {RoleMinistry, true, false, true}, {RoleAdmin, true, false, true},
		{RoleCenterManager, true, false, false}, {RoleHead, true, false, false},
		{RoleClerk, false, false, false}, {RoleBackOffice, false, false, false}, {RoleFinance, false, false, false},
		{RoleTrainer, false, false, false}, {RoleSupport, false, false, false}, {RoleBacklogOperator, false, false, false},
		{RoleCitizen, false, false, false},
	}
	for _, c := range cases {
		if RoleHas(c.role, PermInspectionsRead) != c.read || RoleHas(c.role, PermInspectionsWrite) != c.write ||
			RoleHas(c.role, PermInspectionsManage) != c.manage {
			t.Errorf("%s: read %v write %v manage %v", c.role, RoleHas(c.role, PermInspectionsRead),
				RoleHas(c.role, PermInspectionsWrite), RoleHas(c.role, PermInspectionsManage))
		}
	}
	// A governorate inspector works in its governorate only; a national one everywhere.
	sharqiaInspector := principal("insp13", as(RoleInspector, LevelGovernorate, "13"))
	nationalInspector := principal("insp", as(RoleInspector, LevelNation, ""))
	cairoCenter := Ref{Gov: "01", Unit: "01-001", Center: "01-001/c9"}
	if !sharqiaInspector.Allowed(PermInspectionsWrite, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}) ||
		sharqiaInspector.Allowed(PermInspectionsRead, cairoCenter) || !nationalInspector.Allowed(PermInspectionsWrite, cairoCenter) {
		t.Error("inspector scope")
	}
	if !manager.Allowed(PermInspectionsRead, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c1"}) ||
		manager.Allowed(PermInspectionsRead, Ref{Gov: "13", Unit: "13-001", Center: "13-001/c2"}) {
		t.Error("a center manager reads its own center's inspections only")
	}
}
