package markaz

import (
	"slices"
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

// Roles lists every role in display order.
var Roles = []string{RoleAdmin, RoleMinistry, RoleSupervisor, RoleCenterManager, RoleClerk,
	RoleBackOffice, RoleHead, RoleInspector, RoleFinance, RoleTrainer, RoleSupport,
	RoleBacklogOperator, RoleCitizen}

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
)

var staffRead = []string{PermProgramRead, PermCentersRead}

// rolePerms is the role × permission matrix.
var rolePerms = map[string][]string{
	RoleAdmin: {PermProgramRead, PermCentersRead, PermCentersWrite, PermTerritoryWrite,
		PermUsersRead, PermUsersManage, PermAuditRead, PermPolicyWrite},
	RoleMinistry:        {PermProgramRead, PermCentersRead, PermUsersRead, PermAuditRead, PermPolicyWrite},
	RoleSupervisor:      {PermProgramRead, PermCentersRead, PermCentersWrite, PermUsersRead, PermUsersManage},
	RoleCenterManager:   {PermProgramRead, PermCentersRead, PermUsersRead},
	RoleClerk:           staffRead,
	RoleBackOffice:      staffRead,
	RoleHead:            {PermProgramRead, PermCentersRead, PermUsersRead},
	RoleInspector:       staffRead,
	RoleFinance:         staffRead,
	RoleTrainer:         staffRead,
	RoleSupport:         staffRead,
	RoleBacklogOperator: staffRead,
	RoleCitizen:         nil,
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
	RoleFinance:         {LevelGovernorate},
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

// ValidateShape checks the role, level and territory fields agree.
func (a *Assignment) ValidateShape() error {
	var v Validator
	if !ValidRole(a.Role) {
		v.Add("role", "unknown_role", nil)
		return v.Err()
	}
	if !slices.Contains(roleLevels[a.Role], a.Level) {
		v.Add("level", "level_for_role", nil)
	}
	switch a.Level {
	case LevelNation:
		a.GovCode, a.UnitCode, a.CenterID = "", "", ""
	case LevelGovernorate:
		a.UnitCode, a.CenterID = "", ""
		if !govCodeRE.MatchString(a.GovCode) {
			v.Add("governorate", "unknown_governorate", nil)
		}
	case LevelUnit:
		a.CenterID = ""
		if !unitCodeRE.MatchString(a.UnitCode) {
			v.Add("unit", "unknown_unit", nil)
		}
	case LevelCenter:
		if a.CenterID == "" {
			v.Add("center", "required", nil)
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

// CanGrant reports whether the principal may give assignment a (whose Ref must carry the
// governorate and unit of its territory). The granter needs an assignment whose role may
// grant a.Role, whose territory contains a's, and which lasts at least as long.
func (p *Principal) CanGrant(a Assignment) bool {
	for _, g := range p.Assignments {
		if !RoleHas(g.Role, PermUsersManage) || !slices.Contains(grantable[g.Role], a.Role) {
			continue
		}
		if !g.EndsOn.IsZero() && (a.EndsOn.IsZero() || a.EndsOn.After(g.EndsOn)) {
			continue
		}
		if covers(g, a) {
			return true
		}
	}
	return false
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

// CanManageUser reports whether the principal may disable, reset or edit a user holding
// the given assignments: only if it could have granted every one of them, and never itself.
func (p *Principal) CanManageUser(userID string, held []Assignment) bool {
	if userID == p.UserID || !p.Can(PermUsersManage) {
		return false
	}
	for _, a := range held {
		if a.RevokedAt != nil {
			continue
		}
		b := a
		b.EndsOn = Date{} // judge the territory and role, not the dates
		if !p.canGrantIgnoringDates(b) {
			return false
		}
	}
	return true
}

func (p *Principal) canGrantIgnoringDates(a Assignment) bool {
	for _, g := range p.Assignments {
		if RoleHas(g.Role, PermUsersManage) && slices.Contains(grantable[g.Role], a.Role) && covers(g, a) {
			return true
		}
	}
	return false
}
