package web

import (
	"io/fs"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"markaz/sheet"
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

	// Backlog entry: campaigns, imports, double entry, progress (UI and API).
	// -- backlog routes --
	mux.HandleFunc("GET /backlog", s.ui(s.handleBacklog))
	mux.HandleFunc("GET /backlog/progress", s.ui(s.handleBacklogProgress))
	mux.HandleFunc("GET /backlog/template.csv", s.ui(s.handleTemplate(sheet.CSV)))
	mux.HandleFunc("GET /backlog/template.xlsx", s.ui(s.handleTemplate(sheet.XLSX)))
	mux.HandleFunc("GET /backlog/campaigns/new", s.ui(s.handleCampaignNew))
	mux.HandleFunc("POST /backlog/campaigns/new", s.ui(s.handleCampaignCreate))
	mux.HandleFunc("GET /backlog/campaigns/{id}", s.ui(s.handleCampaign))
	mux.HandleFunc("POST /backlog/campaigns/{id}", s.ui(s.handleCampaignUpdate))
	mux.HandleFunc("POST /backlog/campaigns/{id}/estimates", s.ui(s.handleCampaignEstimates))
	mux.HandleFunc("POST /backlog/campaigns/{id}/operators", s.ui(s.handleCampaignAddOperator))
	mux.HandleFunc("POST /backlog/campaigns/{id}/operators/{uid}/remove", s.ui(s.handleCampaignRemoveOperator))
	mux.HandleFunc("GET /backlog/campaigns/{id}/import", s.ui(s.handleUploadForm))
	mux.HandleFunc("POST /backlog/campaigns/{id}/import", s.ui(s.handleUpload))
	mux.HandleFunc("GET /backlog/campaigns/{id}/enter", s.ui(s.handleEnterForm))
	mux.HandleFunc("POST /backlog/campaigns/{id}/enter", s.ui(s.handleEnter))
	mux.HandleFunc("GET /backlog/campaigns/{id}/verify", s.ui(s.handleVerifyForm))
	mux.HandleFunc("GET /backlog/campaigns/{id}/records", s.ui(s.handleRecords))
	mux.HandleFunc("GET /backlog/imports/{id}", s.ui(s.handleImportPage))
	mux.HandleFunc("GET /backlog/imports/{id}/errors.csv", s.ui(s.handleImportReport(sheet.CSV)))
	mux.HandleFunc("GET /backlog/imports/{id}/errors.xlsx", s.ui(s.handleImportReport(sheet.XLSX)))
	mux.HandleFunc("GET /backlog/records/{id}", s.ui(s.handleRecord))
	mux.HandleFunc("POST /backlog/records/{id}/verify", s.ui(s.handleVerify))
	mux.HandleFunc("POST /backlog/records/{id}/correct", s.ui(s.handleRecordCorrect))
	mux.HandleFunc("POST /backlog/records/{id}/decide", s.ui(s.handleRecordDecide))
	mux.HandleFunc("GET /api/v1/backlog/progress", s.api(s.apiProgress))
	mux.HandleFunc("GET /api/v1/backlog/template.csv", s.api(s.handleTemplate(sheet.CSV)))
	mux.HandleFunc("GET /api/v1/backlog/template.xlsx", s.api(s.handleTemplate(sheet.XLSX)))
	mux.HandleFunc("GET /api/v1/backlog/campaigns", s.api(s.apiCampaigns))
	mux.HandleFunc("POST /api/v1/backlog/campaigns", s.api(s.apiCreateCampaign))
	mux.HandleFunc("GET /api/v1/backlog/campaigns/{id}", s.api(s.apiCampaign))
	mux.HandleFunc("PUT /api/v1/backlog/campaigns/{id}", s.api(s.apiUpdateCampaign))
	mux.HandleFunc("PUT /api/v1/backlog/campaigns/{id}/estimates", s.api(s.apiSetEstimates))
	mux.HandleFunc("POST /api/v1/backlog/campaigns/{id}/operators", s.api(s.apiAddOperator))
	mux.HandleFunc("POST /api/v1/backlog/campaigns/{id}/operators/{uid}/remove", s.api(s.apiRemoveOperator))
	mux.HandleFunc("GET /api/v1/backlog/campaigns/{id}/imports", s.api(s.apiImports))
	mux.HandleFunc("POST /api/v1/backlog/campaigns/{id}/imports", s.api(s.apiUpload))
	mux.HandleFunc("GET /api/v1/backlog/campaigns/{id}/records", s.api(s.apiRecords))
	mux.HandleFunc("POST /api/v1/backlog/campaigns/{id}/records", s.api(s.apiEnterRecord))
	mux.HandleFunc("GET /api/v1/backlog/campaigns/{id}/verify/next", s.api(s.apiNextToVerify))
	mux.HandleFunc("GET /api/v1/backlog/imports/{id}", s.api(s.apiImport))
	mux.HandleFunc("GET /api/v1/backlog/imports/{id}/errors.csv", s.api(s.handleImportReport(sheet.CSV)))
	mux.HandleFunc("GET /api/v1/backlog/imports/{id}/errors.xlsx", s.api(s.handleImportReport(sheet.XLSX)))
	mux.HandleFunc("GET /api/v1/backlog/records/{id}", s.api(s.apiRecord))
	mux.HandleFunc("PUT /api/v1/backlog/records/{id}", s.api(s.apiCorrectRecord))
	mux.HandleFunc("POST /api/v1/backlog/records/{id}/verify", s.api(s.apiVerifyRecord))
	mux.HandleFunc("POST /api/v1/backlog/records/{id}/decide", s.api(s.apiDecideRecord))

	// Citizen tracking (public).
	mux.HandleFunc("GET /track", s.ui(s.handleTrack))
	mux.HandleFunc("GET /api/v1/track/{tracking_number}", s.api(s.apiTrack))

	// Anything else under /api/ is a JSON 404; any other path, a page in the user's language.
	mux.HandleFunc("/api/", s.api(s.apiNotFound))
	mux.HandleFunc("/", s.ui(s.apiNotFound))
	return mux
}
