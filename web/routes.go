package web

import (
	"io/fs"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the one route table of Markaz: every URL it answers, top to bottom.
// ui(...) handlers answer with pages, api(...) handlers with JSON and problem details.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")

	// Operations.
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))

	// Session and preferences (UI).
	mux.HandleFunc("GET /{$}", s.ui(s.handleHome))
	mux.HandleFunc("GET /login", s.ui(s.handleLoginForm))
	mux.HandleFunc("POST /login", s.ui(s.handleLogin))
	mux.HandleFunc("POST /logout", s.ui(s.handleLogout))
	mux.HandleFunc("GET /password", s.ui(s.handlePasswordForm))
	mux.HandleFunc("POST /password", s.ui(s.handlePassword))
	mux.HandleFunc("POST /lang", s.ui(s.handleSwitchLang))
	mux.HandleFunc("GET /settings", s.ui(s.handleSettingsForm))
	mux.HandleFunc("POST /settings", s.ui(s.handleSettings))

	// API: authentication.
	mux.HandleFunc("POST /api/v1/auth/token", s.api(s.apiToken))
	mux.HandleFunc("GET /api/v1/me", s.api(s.apiMe))

	// Attachments, served after the access check of the record they belong to.
	mux.HandleFunc("GET /files/{id}", s.ui(s.handleFile))
	mux.HandleFunc("GET /api/v1/files/{id}", s.api(s.handleFile))

	// Centers registry (UI and API).
	// -- centers routes --
	mux.HandleFunc("GET /centers", s.ui(s.handleCenters))
	mux.HandleFunc("GET /centers/new", s.ui(s.handleCenterNew))
	mux.HandleFunc("POST /centers/new", s.ui(s.handleCenterCreate))
	mux.HandleFunc("GET /centers/{id}", s.ui(s.handleCenter))
	mux.HandleFunc("GET /centers/{id}/edit", s.ui(s.handleCenterEdit))
	mux.HandleFunc("POST /centers/{id}/edit", s.ui(s.handleCenterUpdate))
	mux.HandleFunc("POST /centers/{id}/retire", s.ui(s.handleCenterRetire))
	mux.HandleFunc("GET /api/v1/centers", s.api(s.apiCenters))
	mux.HandleFunc("POST /api/v1/centers", s.api(s.apiCreateCenter))
	mux.HandleFunc("GET /api/v1/centers/{id}", s.api(s.apiCenter))
	mux.HandleFunc("PUT /api/v1/centers/{id}", s.api(s.apiUpdateCenter))
	mux.HandleFunc("POST /api/v1/centers/{id}/retire", s.api(s.apiRetireCenter))

	// Programme view (UI and API).
	// -- program routes --
	mux.HandleFunc("GET /program", s.ui(s.handleProgram))
	mux.HandleFunc("GET /api/v1/program/summary", s.api(s.apiProgramSummary))

	// Users, roles and territorial assignments (UI and API).
	// -- users routes --
	mux.HandleFunc("GET /users", s.ui(s.handleUsers))
	mux.HandleFunc("GET /users/new", s.ui(s.handleUserNew))
	mux.HandleFunc("POST /users", s.ui(s.handleUserCreate))
	mux.HandleFunc("GET /users/import", s.ui(s.handleUserImportForm))
	mux.HandleFunc("POST /users/import", s.ui(s.handleUserImport))
	mux.HandleFunc("GET /users/{id}", s.ui(s.handleUser))
	mux.HandleFunc("POST /users/{id}/disable", s.ui(s.handleUserDisable))
	mux.HandleFunc("POST /users/{id}/enable", s.ui(s.handleUserEnable))
	mux.HandleFunc("POST /users/{id}/reset-password", s.ui(s.handleUserReset))
	mux.HandleFunc("POST /users/{id}/assignments", s.ui(s.handleUserGrant))
	mux.HandleFunc("POST /users/{id}/assignments/{aid}/revoke", s.ui(s.handleUserRevoke))
	mux.HandleFunc("GET /api/v1/users", s.api(s.apiUsers))
	mux.HandleFunc("POST /api/v1/users", s.api(s.apiCreateUser))
	mux.HandleFunc("POST /api/v1/users/import", s.api(s.apiImportUsers))
	mux.HandleFunc("GET /api/v1/users/{id}", s.api(s.apiUser))
	mux.HandleFunc("POST /api/v1/users/{id}/disable", s.api(s.apiDisableUser))
	mux.HandleFunc("POST /api/v1/users/{id}/enable", s.api(s.apiEnableUser))
	mux.HandleFunc("POST /api/v1/users/{id}/reset-password", s.api(s.apiResetPassword))
	mux.HandleFunc("POST /api/v1/users/{id}/assignments", s.api(s.apiGrant))
	mux.HandleFunc("POST /api/v1/users/{id}/assignments/{aid}/revoke", s.api(s.apiRevoke))

	// Districts and cities, and the audit log (UI and API).
	// -- territory routes --
	mux.HandleFunc("GET /api/v1/governorates", s.api(s.apiGovernorates))
	mux.HandleFunc("GET /api/v1/units", s.api(s.apiUnits))
	mux.HandleFunc("POST /api/v1/units", s.api(s.apiCreateUnit))
	mux.HandleFunc("GET /api/v1/units/{code}", s.api(s.apiUnit))
	mux.HandleFunc("PUT /api/v1/units/{code}", s.api(s.apiUpdateUnit))
	mux.HandleFunc("POST /api/v1/units/{code}/retire", s.api(s.apiRetireUnit))
	mux.HandleFunc("POST /api/v1/units/{code}/unretire", s.api(s.apiUnretireUnit))
	mux.HandleFunc("GET /territory", s.ui(s.handleTerritory))
	mux.HandleFunc("GET /territory/{gov}", s.ui(s.handleGovernorate))
	mux.HandleFunc("POST /territory/{gov}", s.ui(s.handleAddUnit))
	mux.HandleFunc("POST /territory/units/{code}", s.ui(s.handleRenameUnit))
	mux.HandleFunc("POST /territory/units/{code}/retire", s.ui(s.handleRetireUnit))
	mux.HandleFunc("POST /territory/units/{code}/unretire", s.ui(s.handleUnretireUnit))
	// -- audit routes --
	mux.HandleFunc("GET /api/v1/audit", s.api(s.apiAudit))
	mux.HandleFunc("GET /api/v1/audit/{id}", s.api(s.apiAuditEntry))
	mux.HandleFunc("GET /audit", s.ui(s.handleAudit))
	mux.HandleFunc("GET /audit/{id}", s.ui(s.handleAuditEntry))

	// Service catalog.
	// -- catalog routes --
	mux.HandleFunc("GET /services", s.ui(s.handleServices))
	mux.HandleFunc("GET /services/{code}", s.ui(s.handleService))
	mux.HandleFunc("POST /services/{code}/durations", s.ui(s.handleServiceDuration))
	mux.HandleFunc("POST /services/{code}/fees", s.ui(s.handleServiceFees))
	mux.HandleFunc("GET /api/v1/services", s.api(s.apiServices))
	mux.HandleFunc("GET /api/v1/services/{code}", s.api(s.apiService))
	mux.HandleFunc("PUT /api/v1/services/{code}", s.api(s.apiUpdateService))
	mux.HandleFunc("POST /api/v1/services/{code}/durations", s.api(s.apiAmendDuration))
	mux.HandleFunc("POST /api/v1/services/{code}/fees", s.api(s.apiAmendFees))

	// Working-day calendar.
	// -- calendar routes --
	mux.HandleFunc("GET /calendar", s.ui(s.handleCalendar))
	mux.HandleFunc("POST /calendar/holidays", s.ui(s.handleAddHoliday))
	mux.HandleFunc("POST /calendar/holidays/import", s.ui(s.handleImportHolidays))
	mux.HandleFunc("POST /calendar/holidays/{id}/retire", s.ui(s.handleRetireHoliday))
	mux.HandleFunc("POST /calendar/governorates/{code}/weekly-rest", s.ui(s.handleSetWeeklyRest))
	mux.HandleFunc("GET /api/v1/calendar/due", s.api(s.apiDue))
	mux.HandleFunc("GET /api/v1/calendar/holidays", s.api(s.apiHolidays))
	mux.HandleFunc("POST /api/v1/calendar/holidays", s.api(s.apiCreateHoliday))
	mux.HandleFunc("POST /api/v1/calendar/holidays/import", s.api(s.apiImportHolidays))
	mux.HandleFunc("POST /api/v1/calendar/holidays/{id}/retire", s.api(s.apiRetireHoliday))
	mux.HandleFunc("GET /api/v1/calendar/governorates", s.api(s.apiGovernorateRests))
	mux.HandleFunc("PUT /api/v1/calendar/governorates/{code}/weekly-rest", s.api(s.apiSetWeeklyRest))

	// Requests.
	// -- requests routes --
	mux.HandleFunc("POST /api/v1/requests", s.api(s.apiRegisterRequest))
	mux.HandleFunc("GET /api/v1/requests", s.api(s.apiRequests))
	mux.HandleFunc("GET /api/v1/requests/export.csv", s.api(s.apiExportRequests))
	mux.HandleFunc("GET /api/v1/requests/{tracking_number}", s.api(s.apiRequest))
	mux.HandleFunc("POST /api/v1/requests/{tracking_number}/actions", s.api(s.apiRequestAction))
	mux.HandleFunc("GET /api/v1/applicants/{national_id}", s.api(s.apiApplicant))

	// Requests (UI).
	// -- requests ui routes --
	mux.HandleFunc("GET /requests", s.ui(s.handleRequests))
	mux.HandleFunc("GET /requests/new", s.ui(s.handleRequestNew))
	mux.HandleFunc("POST /requests/new", s.ui(s.handleRequestCreate))
	mux.HandleFunc("GET /requests/{tracking_number}", s.ui(s.handleRequestPage))
	mux.HandleFunc("GET /requests/{tracking_number}/slip", s.ui(s.handleRequestSlip))
	mux.HandleFunc("POST /requests/{tracking_number}/actions", s.ui(s.handleRequestAct))

	// Inspection and follow-up committees: committees, visit plans, checklists, visits,
	// findings and corrective actions (API and UI).
	// -- inspections routes --
	mux.HandleFunc("GET /api/v1/inspections/committees", s.api(s.apiCommittees))
	mux.HandleFunc("POST /api/v1/inspections/committees", s.api(s.apiCreateCommittee))
	mux.HandleFunc("GET /api/v1/inspections/committees/{id}", s.api(s.apiCommittee))
	mux.HandleFunc("PUT /api/v1/inspections/committees/{id}", s.api(s.apiUpdateCommittee))
	mux.HandleFunc("GET /api/v1/inspections/plans", s.api(s.apiPlans))
	mux.HandleFunc("POST /api/v1/inspections/plans", s.api(s.apiCreatePlan))
	mux.HandleFunc("GET /api/v1/inspections/plans/{id}", s.api(s.apiPlan))
	mux.HandleFunc("POST /api/v1/inspections/plans/{id}/postpone", s.api(s.apiPostponePlan))
	mux.HandleFunc("POST /api/v1/inspections/plans/{id}/cancel", s.api(s.apiCancelPlan))
	mux.HandleFunc("GET /api/v1/inspections/checklists", s.api(s.apiChecklists))
	mux.HandleFunc("POST /api/v1/inspections/checklists", s.api(s.apiCreateChecklist))
	mux.HandleFunc("GET /api/v1/inspections/checklists/{id}", s.api(s.apiChecklist))
	mux.HandleFunc("GET /api/v1/inspections/checklists/{id}/versions/{n}", s.api(s.apiChecklistVersion))
	mux.HandleFunc("POST /api/v1/inspections/checklists/{id}/versions", s.api(s.apiAmendChecklist))
	mux.HandleFunc("GET /api/v1/inspections/visits", s.api(s.apiVisits))
	mux.HandleFunc("POST /api/v1/inspections/visits", s.api(s.apiRecordVisit))
	mux.HandleFunc("GET /api/v1/inspections/visits/{id}", s.api(s.apiVisit))
	mux.HandleFunc("POST /api/v1/inspections/visits/{id}/findings", s.api(s.apiAddFinding))
	mux.HandleFunc("GET /api/v1/inspections/findings/{id}", s.api(s.apiFinding))
	mux.HandleFunc("GET /api/v1/inspections/actions", s.api(s.apiActions))
	mux.HandleFunc("GET /api/v1/inspections/actions/overdue", s.api(s.apiOverdueActions))
	mux.HandleFunc("PATCH /api/v1/inspections/actions/{id}", s.api(s.apiUpdateAction))
	mux.HandleFunc("GET /inspections", s.ui(s.handleInspections))
	mux.HandleFunc("GET /inspections/committees", s.ui(s.handleCommittees))
	mux.HandleFunc("GET /inspections/committees/new", s.ui(s.handleCommitteeNew))
	mux.HandleFunc("POST /inspections/committees/new", s.ui(s.saveCommittee))
	mux.HandleFunc("GET /inspections/committees/{id}", s.ui(s.handleCommittee))
	mux.HandleFunc("POST /inspections/committees/{id}", s.ui(s.saveCommittee))
	mux.HandleFunc("GET /inspections/plans", s.ui(s.handlePlans))
	mux.HandleFunc("GET /inspections/plans/new", s.ui(s.handlePlanNew))
	mux.HandleFunc("POST /inspections/plans/new", s.ui(s.handlePlanCreate))
	mux.HandleFunc("GET /inspections/plans/{id}", s.ui(s.handlePlan))
	mux.HandleFunc("POST /inspections/plans/{id}/postpone", s.ui(s.handlePlanChange("postpone")))
	mux.HandleFunc("POST /inspections/plans/{id}/cancel", s.ui(s.handlePlanChange("cancel")))
	mux.HandleFunc("GET /inspections/checklists", s.ui(s.handleChecklists))
	mux.HandleFunc("GET /inspections/checklists/new", s.ui(s.handleChecklistNew))
	mux.HandleFunc("POST /inspections/checklists/new", s.ui(s.saveChecklist))
	mux.HandleFunc("GET /inspections/checklists/{id}", s.ui(s.handleChecklist))
	mux.HandleFunc("POST /inspections/checklists/{id}", s.ui(s.saveChecklist))
	mux.HandleFunc("GET /inspections/visits", s.ui(s.handleVisits))
	mux.HandleFunc("GET /inspections/visits/new", s.ui(s.handleVisitNew))
	mux.HandleFunc("POST /inspections/visits/new", s.ui(s.handleVisitCreate))
	mux.HandleFunc("GET /inspections/visits/{id}", s.ui(s.handleVisit))
	mux.HandleFunc("POST /inspections/visits/{id}/findings", s.ui(s.handleFindingCreate))
	mux.HandleFunc("GET /inspections/findings/{id}", s.ui(s.handleFinding))
	mux.HandleFunc("POST /inspections/findings/{id}/action", s.ui(s.handleActionUpdate))
	mux.HandleFunc("GET /inspections/actions", s.ui(s.handleActions))

	// Citizen tracking (public).
	mux.HandleFunc("GET /track", s.ui(s.handleTrack))
	mux.HandleFunc("GET /api/v1/track/{tracking_number}", s.api(s.apiTrack))

	// Anything else under /api/ is a JSON 404; any other path, a page in the user's language.
	mux.HandleFunc("/api/", s.api(s.apiNotFound))
	mux.HandleFunc("/", s.ui(s.apiNotFound))
	return mux
}
