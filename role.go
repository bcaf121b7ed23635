package markaz

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Roles, as in the brief. The string is stored and shown through the i18n key "role.<r>".
const (
	RoleCitizen         = "citizen"
	RoleClerk           = "clerk"            // front office of a center
	RoleBackOffice      = "backoffice"       // back office of a district/city
	RoleCenterManager   = "center_manager"   // one center
	RoleSupervisor      = "supervisor"       // system supervisor of a governorate
	RoleInspector       = "inspector"        // follow-up committee member
	RoleHead            = "head"             // district/city head, governor
	RoleFinance         = "finance"          // finance officer
	RoleTrainer         = "trainer"          // courses and sessions
	RoleSupport         = "support"          // Ministry of Planning / vendor agent
	RoleBacklogOperator = "backlog_operator" // public-service employee entering the backlog
	RoleMinistry        = "ministry"         // national policy, reads everything
	RoleAdmin           = "admin"            // administrator
)

// Levels lists the territory levels, from the widest to the narrowest.
var Levels = []string{LevelNation, LevelGovernorate, LevelUnit, LevelCenter}

// Roles lists every role in display order: staff from the narrowest territory and
// power to the widest, so that a select never starts on the most powerful one, then
// citizens.
var Roles = []string{RoleClerk, RoleCenterManager, RoleBackOffice, RoleBacklogOperator, RoleHead,
	RoleFinance, RoleTrainer, RoleInspector, RoleSupervisor, RoleSupport, RoleMinistry, RoleAdmin,
	RoleCitizen}

// Permissions. A principal's scope for a permission is the union of the territories of
// its active assignments whose role carries it.
const (
	PermProgramRead    = "program.read"    // programme view and dashboards
	PermCentersRead    = "centers.read"    // center registry
	PermCentersWrite   = "centers.write"   // create, edit, retire centers
	PermTerritoryWrite = "territory.write" // add, rename, retire districts and cities
	PermUsersRead      = "users.read"      // list users and their assignments
	PermUsersManage    = "users.manage"    // create, import, disable, reset users; grant roles
	PermAuditRead      = "audit.read"      // browse the audit log
	PermPolicyWrite    = "policy.write"    // durations, holidays, KPI weights
	PermRequestsRead   = "requests.read"   // read service requests and their history
	PermRequestsWrite  = "requests.write"  // register requests and act on them

	PermProblemsRead     = "problems.read"     // read problems reported in the territory, and their summary
	PermProblemsReport   = "problems.report"   // report problems of a center; confirm or reopen their resolution
	PermProblemsTriage   = "problems.triage"   // accept, reclassify, escalate, resolve locally, merge duplicates
	PermProblemsWork     = "problems.work"     // work on problems escalated to one's support team (and only those)
	PermResourcesRead    = "resources.read"    // read resource needs
	PermResourcesRequest = "resources.request" // raise needs, record deliveries, cancel
	PermResourcesApprove = "resources.approve" // approve or refuse needs, record deliveries, cancel
	PermEquipmentRead    = "equipment.read"    // read centers' equipment inventory
	PermEquipmentWrite   = "equipment.write"   // add equipment, change its status
)

// Training permissions. Every staff member sees their own trainings without them.
const (
	PermTrainingRead  = "training.read"  // courses, sessions, enrolments and coverage
	PermTrainingWrite = "training.write" // courses and sessions, attendance and results
	PermTrainingEnrol = "training.enrol" // enrol staff in sessions and withdraw them
)

// Payment permissions.
const (
	// Payments (issue 5): reading payments, receipts, tills and collection reports;
	// taking fees at the counter (cash, or starting an electronic payment for the
	// citizen), closing one's own till and asking for refunds; voiding receipts and
	// signing off tills (the center manager); the finance officer's work: payments held
	// for review, refund approval, reconciliation with the gateway's statement.
	PermPaymentsRead    = "payments.read"
	PermPaymentsCollect = "payments.collect"
	PermPaymentsVoid    = "payments.void"
	PermFinanceManage   = "finance.manage"
)

// Inspection permissions.
const (
	// Inspection and follow-up: reading committees, plans, visits, findings and corrective
	// actions; recording visits and findings and following actions up (committee members);
	// managing committees, visit plans and checklist templates.
	PermInspectionsRead   = "inspections.read"
	PermInspectionsWrite  = "inspections.write"
	PermInspectionsManage = "inspections.manage"
)

// Backlog permissions.
const (
	PermBacklogRead   = "backlog.read"   // backlog campaigns and their progress
	PermBacklogManage = "backlog.manage" // campaigns, estimates, operators, imports, mismatch decisions
	// An operator's reach with backlog.enter and backlog.verify is narrower than its role's
	// territory: only the records of the campaigns it is a member of (the store checks the
	// membership on every read and write).
	PermBacklogEnter  = "backlog.enter"  // key paper files of one's campaigns, import files
	PermBacklogVerify = "backlog.verify" // re-key another operator's files blind
)

// Report permissions: receiving periodic reports and reading the archive of a territory,
// and defining which reports are generated for a territory and sent to whom.
const (
	PermReportsRead   = "reports.read"
	PermReportsManage = "reports.manage"
)

var staffRead = []string{PermProgramRead, PermCentersRead}

// rolePerms is the role × permission matrix: the core permissions and each area's own
// block, joined (an area adds its block to this list).
var rolePerms = joinPerms(corePerms, trainingPerms, followUpPerms, paymentPerms, inspectionPerms, backlogPerms,
	reportPerms)

// reportPerms: periodic reports. Their recipients are heads (district/city heads and
// governors), committee members and the ministry; administrators, the ministry and the
// governorates' system supervisors define them.
var reportPerms = map[string][]string{
	RoleAdmin:      {PermReportsRead, PermReportsManage},
	RoleMinistry:   {PermReportsRead, PermReportsManage},
	RoleSupervisor: {PermReportsRead, PermReportsManage},
	RoleHead:       {PermReportsRead},
	RoleInspector:  {PermReportsRead},
}

// corePerms: programme, registry, users, audit, policy and requests.
var corePerms = map[string][]string{
	RoleAdmin: {PermProgramRead, PermCentersRead, PermCentersWrite, PermTerritoryWrite,
		PermUsersRead, PermUsersManage, PermAuditRead, PermPolicyWrite, PermRequestsRead},
	RoleMinistry: {PermProgramRead, PermCentersRead, PermUsersRead, PermAuditRead, PermPolicyWrite,
		PermRequestsRead},
	RoleSupervisor: {PermProgramRead, PermCentersRead, PermCentersWrite, PermUsersRead, PermUsersManage,
		PermRequestsRead},
	RoleCenterManager:   {PermProgramRead, PermCentersRead, PermUsersRead, PermRequestsRead, PermRequestsWrite},
	RoleClerk:           {PermProgramRead, PermCentersRead, PermRequestsRead, PermRequestsWrite},
	RoleBackOffice:      {PermProgramRead, PermCentersRead, PermRequestsRead, PermRequestsWrite},
	RoleHead:            {PermProgramRead, PermCentersRead, PermUsersRead, PermRequestsRead},
	RoleInspector:       {PermProgramRead, PermCentersRead, PermRequestsRead},
	RoleFinance:         staffRead,
	RoleTrainer:         staffRead,
	RoleSupport:         {PermProgramRead, PermCentersRead},
	RoleBacklogOperator: staffRead,
	RoleCitizen:         nil,
}

// backlogPerms: backlog campaigns, keying and verification, imports and progress.
var backlogPerms = map[string][]string{
	RoleAdmin:           {PermBacklogRead, PermBacklogManage},
	RoleMinistry:        {PermBacklogRead},
	RoleSupervisor:      {PermBacklogRead, PermBacklogManage},
	RoleHead:            {PermBacklogRead},
	RoleBacklogOperator: {PermBacklogEnter, PermBacklogVerify},
}

// inspectionPerms: committees, visit plans, checklists, visits, findings and actions.
var inspectionPerms = map[string][]string{
	RoleAdmin:         {PermInspectionsRead, PermInspectionsManage},
	RoleMinistry:      {PermInspectionsRead, PermInspectionsManage},
	RoleSupervisor:    {PermInspectionsRead, PermInspectionsManage},
	RoleCenterManager: {PermInspectionsRead},
	RoleHead:          {PermInspectionsRead},
	RoleInspector:     {PermInspectionsRead, PermInspectionsWrite},
}

// trainingPerms: courses, sessions, enrolment and coverage.
var trainingPerms = map[string][]string{
	RoleAdmin:         {PermTrainingRead, PermTrainingWrite, PermTrainingEnrol},
	RoleMinistry:      {PermTrainingRead},
	RoleSupervisor:    {PermTrainingRead, PermTrainingEnrol},
	RoleCenterManager: {PermTrainingRead},
	RoleHead:          {PermTrainingRead},
	RoleInspector:     {PermTrainingRead},
	RoleTrainer:       {PermTrainingRead, PermTrainingWrite, PermTrainingEnrol},
}

// followUpPerms: the problems inventory, resource needs and the equipment inventory.
var followUpPerms = map[string][]string{
	RoleAdmin:    {PermProblemsRead, PermResourcesRead, PermResourcesApprove, PermEquipmentRead},
	RoleMinistry: {PermProblemsRead, PermResourcesRead, PermResourcesApprove, PermEquipmentRead},
	RoleSupervisor: {PermProblemsRead, PermProblemsReport, PermProblemsTriage, PermResourcesRead,
		PermResourcesRequest, PermEquipmentRead, PermEquipmentWrite},
	RoleCenterManager: {PermProblemsRead, PermProblemsReport, PermResourcesRead, PermEquipmentRead, PermEquipmentWrite},
	RoleClerk:         {PermProblemsRead, PermProblemsReport, PermEquipmentRead},
	RoleBackOffice:    {PermProblemsRead, PermProblemsReport, PermEquipmentRead},
	RoleHead:          {PermProblemsRead, PermResourcesRead, PermEquipmentRead},
	RoleInspector:     {PermProblemsRead, PermEquipmentRead},
	RoleSupport:       {PermProblemsWork},
}

// paymentPerms: fees at the counter, receipts, tills, refunds and reconciliation.
var paymentPerms = map[string][]string{
	RoleAdmin:         {PermPaymentsRead},
	RoleMinistry:      {PermPaymentsRead},
	RoleSupervisor:    {PermPaymentsRead},
	RoleCenterManager: {PermPaymentsRead, PermPaymentsCollect, PermPaymentsVoid},
	RoleClerk:         {PermPaymentsRead, PermPaymentsCollect},
	RoleHead:          {PermPaymentsRead},
	RoleInspector:     {PermPaymentsRead},
	RoleFinance:       {PermPaymentsRead, PermFinanceManage},
}

// joinPerms merges per-area matrices into one: every role of the first (the core, which
// names them all) with its permissions from every block, without repeats.
func joinPerms(core map[string][]string, areas ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for role, perms := range core {
		all := append([]string{}, perms...)
		for _, a := range areas {
			for _, p := range a[role] {
				if !slices.Contains(all, p) {
					all = append(all, p)
				}
			}
		}
		out[role] = all
	}
	return out
}

// roleLevels says at which territory levels a role may be held.
var roleLevels = map[string][]string{
	RoleAdmin:           {LevelNation, LevelGovernorate},
	RoleMinistry:        {LevelNation},
	RoleSupervisor:      {LevelGovernorate},
	RoleCenterManager:   {LevelCenter},
	RoleClerk:           {LevelCenter},
	RoleBackOffice:      {LevelUnit, LevelCenter},
	RoleHead:            {LevelUnit, LevelGovernorate},
	RoleInspector:       {LevelGovernorate, LevelNation},
	RoleFinance:         {LevelGovernorate, LevelNation}, // nation: the gateway's statement is national
	RoleTrainer:         {LevelGovernorate, LevelNation},
	RoleSupport:         {LevelNation},
	RoleBacklogOperator: {LevelGovernorate, LevelUnit, LevelCenter},
	RoleCitizen:         {LevelNation},
}

// grantable says which roles a holder of PermUsersManage through a role may grant.
// Nobody may grant a role above their own: a supervisor never grants admin or ministry,
// and the territory of every grant must lie inside the granter's own.
var grantable = map[string][]string{
	RoleAdmin: Roles,
	RoleSupervisor: {RoleSupervisor, RoleCenterManager, RoleClerk, RoleBackOffice, RoleHead,
		RoleInspector, RoleFinance, RoleTrainer, RoleBacklogOperator},
}

// RoleHas reports whether a role carries a permission.
func RoleHas(role, perm string) bool { return slices.Contains(rolePerms[role], perm) }

// RoleLevels returns the levels at which a role may be held.
func RoleLevels(role string) []string { return roleLevels[role] }

// ValidRole reports whether r names a role.
func ValidRole(r string) bool { _, ok := rolePerms[r]; return ok }

// Assignment is one (role, territory) a user holds between two dates.
type Assignment struct {
	ID        string     `json:"id" db:"id"`
	UserID    string     `json:"-" db:"user_id"`
	Role      string     `json:"role" db:"role"`
	Level     string     `json:"level" db:"level"`
	GovCode   string     `json:"governorate,omitempty" db:"gov_code"`
	UnitCode  string     `json:"unit,omitempty" db:"unit_code"`
	CenterID  string     `json:"center_id,omitempty" db:"center_id"`
	StartsOn  Date       `json:"starts_on" db:"starts_on"`
	EndsOn    Date       `json:"ends_on" db:"ends_on"`
	RevokedAt *time.Time `json:"revoked_at,omitempty" db:"revoked_at"`
}

// ActiveOn reports whether the assignment is in force on day d.
func (a Assignment) ActiveOn(d Date) bool {
	return a.RevokedAt == nil && !d.Before(a.StartsOn) && (a.EndsOn.IsZero() || !d.After(a.EndsOn))
}

// Ref returns the territory the assignment covers, as a Ref (Gov is filled for unit and
// center assignments by the store).
func (a Assignment) Ref() Ref { return Ref{Gov: a.GovCode, Unit: a.UnitCode, Center: a.CenterID} }

// ValidateShape normalises the role, level and territory fields and checks they agree:
// a known role, a level the role may be held at, the territory code that level needs
// (the codes of narrower levels are cleared), a start date and an end not before it.
// Whether the territory exists is the store's job.
func (a *Assignment) ValidateShape() error {
	a.Role = strings.TrimSpace(a.Role)
	a.Level = strings.TrimSpace(a.Level)
	a.GovCode = strings.TrimSpace(LatinDigits(a.GovCode))
	a.UnitCode = strings.TrimSpace(LatinDigits(a.UnitCode))
	a.CenterID = strings.TrimSpace(a.CenterID)
	var v Validator
	if v.Required("role", a.Role) && !ValidRole(a.Role) {
		v.Add("role", "unknown_role", nil)
	}
	if v.Required("level", a.Level) && v.OneOf("level", a.Level, Levels...) &&
		ValidRole(a.Role) && !slices.Contains(roleLevels[a.Role], a.Level) {
		v.Add("level", "level_for_role", nil)
	}
	switch a.Level {
	case LevelNation:
		a.GovCode, a.UnitCode, a.CenterID = "", "", ""
	case LevelGovernorate:
		a.UnitCode, a.CenterID = "", ""
		if v.Required("governorate", a.GovCode) && !govCodeRE.MatchString(a.GovCode) {
			v.Add("governorate", "unknown_governorate", nil)
		}
	case LevelUnit:
		a.CenterID = ""
		if v.Required("unit", a.UnitCode) && !unitCodeRE.MatchString(a.UnitCode) {
			v.Add("unit", "unknown_unit", nil)
		}
	case LevelCenter:
		if v.Required("center_id", a.CenterID) && !idRE.MatchString(a.CenterID) {
			v.Add("center_id", "unknown_territory", nil)
		}
	}
	if a.StartsOn.IsZero() {
		v.Add("starts_on", "required", nil)
	}
	if !a.EndsOn.IsZero() && a.EndsOn.Before(a.StartsOn) {
		v.Add("ends_on", "ends_before_start", nil)
	}
	return v.Err()
}

// idRE matches an internal identifier (UUIDv7 in practice), so that junk never reaches
// a query.
var idRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// ValidID reports whether s has the shape of an internal identifier.
func ValidID(s string) bool { return idRE.MatchString(s) }

// Principal is an authenticated user with the assignments in force today.
type Principal struct {
	UserID      string
	Username    string
	FullName    string
	Locale      string
	Digits      string
	Assignments []Assignment // active only
}

// Can reports whether the principal holds perm anywhere.
func (p *Principal) Can(perm string) bool { return !p.Scope(perm).Empty() }

// HasRole reports whether the principal holds role anywhere.
func (p *Principal) HasRole(role string) bool {
	for _, a := range p.Assignments {
		if a.Role == role {
			return true
		}
	}
	return false
}

// Scope returns where the principal may use perm.
func (p *Principal) Scope(perm string) Scope {
	var s Scope
	if p == nil {
		return s
	}
	for _, a := range p.Assignments {
		if RoleHas(a.Role, perm) {
			s.add(a)
		}
	}
	return s
}

// Allowed reports whether the principal may use perm on a record at r.
func (p *Principal) Allowed(perm string, r Ref) bool { return p.Scope(perm).Contains(r) }

// CanGrant reports whether the principal may give assignment a (whose GovCode and
// UnitCode must already be filled from its territory, see store ResolveAssignment). The
// granter needs an active assignment whose role carries PermUsersManage and may grant
// a.Role, whose territory contains a's, and which lasts at least as long: nobody grants
// more than they hold.
func (p *Principal) CanGrant(a Assignment) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Assignments {
		if !grants(g, a) {
			continue
		}
		if !g.EndsOn.IsZero() && (a.EndsOn.IsZero() || a.EndsOn.After(g.EndsOn)) {
			continue
		}
		return true
	}
	return false
}

// CanRevoke reports whether the principal may end assignment a: it could have granted
// the role in that territory (dates aside).
func (p *Principal) CanRevoke(a Assignment) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Assignments {
		if grants(g, a) {
			return true
		}
	}
	return false
}

// GrantProblem says why the principal may not give assignment a (filled as for
// CanGrant), as the field to blame and a code; both empty when it may. The role is
// blamed ("cannot_grant") only when the principal may grant it nowhere; a territory
// outside the granter's is blamed on the territory's field (TerritoryField, code
// "outside_scope"); a grant that would outlast the granter's own on "ends_on"
// ("grant_outlasts").
func (p *Principal) GrantProblem(a Assignment) (field, code string) {
	switch {
	case p.CanGrant(a):
		return "", ""
	case !slices.Contains(p.GrantableRoles(), a.Role):
		return "role", "cannot_grant"
	case !p.CanRevoke(a):
		return TerritoryField(a.Level), "outside_scope"
	}
	return "ends_on", "grant_outlasts"
}

// GrantableRoles lists, in display order, the roles the principal may grant somewhere.
func (p *Principal) GrantableRoles() []string {
	var out []string
	for _, r := range Roles {
		for _, g := range p.Assignments {
			if RoleHas(g.Role, PermUsersManage) && slices.Contains(grantable[g.Role], r) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// grants reports whether holding g allows giving a's role in a's territory.
func grants(g, a Assignment) bool {
	return RoleHas(g.Role, PermUsersManage) && slices.Contains(grantable[g.Role], a.Role) &&
		slices.Contains(roleLevels[a.Role], a.Level) && covers(g, a)
}

// covers reports whether granter assignment g's territory contains a's.
func covers(g, a Assignment) bool {
	switch g.Level {
	case LevelNation:
		return true
	case LevelGovernorate:
		return a.Level != LevelNation && a.GovCode == g.GovCode
	case LevelUnit:
		return (a.Level == LevelUnit || a.Level == LevelCenter) && a.UnitCode == g.UnitCode
	case LevelCenter:
		return a.Level == LevelCenter && a.CenterID == g.CenterID
	}
	return false
}

// CanManageUser reports whether the principal may enable, reset the password of or grant
// to the user with the given id, placed by held (pass Footprint of the user's
// assignments): only if it could grant every one of them now, end dates included, so a
// supervisor whose own assignment ends soon cannot take over an open-ended peer's
// account. Never for itself. A user placed nowhere is managed only nationally.
func (p *Principal) CanManageUser(userID string, held []Assignment) bool {
	return p.canTouchUser(userID, held, p.CanGrant)
}

// CanRestrictUser reports whether the principal may disable the user or revoke their
// assignments: taking power away needs only that it could have granted each of them,
// dates aside, so a supervisor appointed until a date can still disable their staff.
func (p *Principal) CanRestrictUser(userID string, held []Assignment) bool {
	return p.canTouchUser(userID, held, p.CanRevoke)
}

func (p *Principal) canTouchUser(userID string, held []Assignment, may func(Assignment) bool) bool {
	if p == nil || userID == p.UserID || !p.Can(PermUsersManage) {
		return false
	}
	if len(held) == 0 {
		return p.Scope(PermUsersManage).All
	}
	for _, a := range held {
		if !may(a) {
			return false
		}
	}
	return true
}

// Footprint returns the assignments that place a user in the territory on day today:
// those neither revoked nor ended. When none is left, all the user ever held, so that
// whoever ended a user's roles still finds them, and nobody else does.
func Footprint(held []Assignment, today Date) []Assignment {
	var out []Assignment
	for _, a := range held {
		if a.RevokedAt == nil && (a.EndsOn.IsZero() || !a.EndsOn.Before(today)) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return held
	}
	return out
}

// VisibleIn reports whether a user placed by held (see Footprint) lies in scope s.
func VisibleIn(s Scope, held []Assignment) bool {
	if s.All {
		return true
	}
	for _, a := range held {
		if s.Contains(a.Ref()) {
			return true
		}
	}
	return false
}
