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

	// Request follow-ups: hand-over, delivery receipt, center workload, center calendars.
	// -- request follow-ups routes --
	mux.HandleFunc("GET /requests/handover", s.ui(s.handleHandover))
	mux.HandleFunc("POST /requests/handover", s.ui(s.handleHandoverDeliver))
	mux.HandleFunc("GET /requests/{tracking_number}/receipt", s.ui(s.handleRequestReceipt))
	mux.HandleFunc("GET /centers/{id}/workload", s.ui(s.handleCenterWorkload))
	mux.HandleFunc("GET /api/v1/centers/{id}/workload", s.api(s.apiCenterWorkload))
	mux.HandleFunc("GET /calendar/center", s.ui(s.handleCalendarCenterPick))
	mux.HandleFunc("GET /calendar/centers/{id}", s.ui(s.handleCenterCalendar))
	mux.HandleFunc("POST /calendar/centers/{id}/weekly-rest", s.ui(s.handleSetCenterRest))
	mux.HandleFunc("GET /api/v1/calendar/centers/{id}", s.api(s.apiCenterCalendar))
	mux.HandleFunc("PUT /api/v1/calendar/centers/{id}/weekly-rest", s.api(s.apiSetCenterRest))
	// Problems inventory: reports, triage, escalation to support teams, the summary.
	// -- problems routes --
	mux.HandleFunc("POST /api/v1/problems", s.api(s.apiReportProblem))
	mux.HandleFunc("GET /api/v1/problems", s.api(s.apiProblems))
	mux.HandleFunc("GET /api/v1/problems/summary", s.api(s.apiProblemSummary))
	mux.HandleFunc("GET /api/v1/problems/{id}", s.api(s.apiProblem))
	mux.HandleFunc("POST /api/v1/problems/{id}/actions", s.api(s.apiProblemAction))
	mux.HandleFunc("POST /api/v1/problems/{id}/files", s.api(s.apiProblemFiles))
	mux.HandleFunc("GET /api/v1/support-teams", s.api(s.apiSupportAgents))
	mux.HandleFunc("PUT /api/v1/users/{id}/support-teams", s.api(s.apiSetSupportTeams))
	mux.HandleFunc("GET /problems", s.ui(s.handleProblems))
	mux.HandleFunc("GET /problems/new", s.ui(s.handleProblemNew))
	mux.HandleFunc("POST /problems/new", s.ui(s.handleProblemCreate))
	mux.HandleFunc("GET /problems/summary", s.ui(s.handleProblemSummary))
	mux.HandleFunc("GET /problems/teams", s.ui(s.handleSupportTeams))
	mux.HandleFunc("POST /problems/teams", s.ui(s.handleSetSupportTeams))
	mux.HandleFunc("GET /problems/{id}", s.ui(s.handleProblem))
	mux.HandleFunc("POST /problems/{id}/actions", s.ui(s.handleProblemAct))
	mux.HandleFunc("POST /problems/{id}/files", s.ui(s.handleProblemFiles))

	// Resources: needs raised by governorates, the centers' equipment inventory.
	// -- resources routes --
	mux.HandleFunc("GET /api/v1/needs", s.api(s.apiNeeds))
	mux.HandleFunc("POST /api/v1/needs", s.api(s.apiRaiseNeed))
	mux.HandleFunc("GET /api/v1/needs/{id}", s.api(s.apiNeed))
	mux.HandleFunc("POST /api/v1/needs/{id}/actions", s.api(s.apiNeedAction))
	mux.HandleFunc("GET /api/v1/centers/{id}/equipment", s.api(s.apiCenterEquipment))
	mux.HandleFunc("POST /api/v1/equipment", s.api(s.apiAddEquipment))
	mux.HandleFunc("GET /api/v1/equipment/{id}", s.api(s.apiEquipment))
	mux.HandleFunc("PUT /api/v1/equipment/{id}", s.api(s.apiUpdateEquipment))
	mux.HandleFunc("GET /needs", s.ui(s.handleNeeds))
	mux.HandleFunc("GET /needs/new", s.ui(s.handleNeedNew))
	mux.HandleFunc("POST /needs/new", s.ui(s.handleNeedCreate))
	mux.HandleFunc("GET /needs/{id}", s.ui(s.handleNeed))
	mux.HandleFunc("POST /needs/{id}/actions", s.ui(s.handleNeedAct))
	mux.HandleFunc("GET /centers/{id}/equipment", s.ui(s.handleCenterEquipment))
	mux.HandleFunc("POST /centers/{id}/equipment", s.ui(s.handleAddEquipment))
	mux.HandleFunc("GET /equipment/{id}", s.ui(s.handleEquipment))
	mux.HandleFunc("POST /equipment/{id}", s.ui(s.handleUpdateEquipment))
	// Payments: fees, receipts, refunds, tills, reconciliation, collections (issue 5).
	// -- payments routes --
	mux.HandleFunc("POST /api/v1/requests/{tracking_number}/payments", s.api(s.apiStartPayment))
	mux.HandleFunc("GET /api/v1/requests/{tracking_number}/payments", s.api(s.apiRequestPayments))
	mux.HandleFunc("GET /api/v1/payments", s.api(s.apiPayments))
	mux.HandleFunc("GET /api/v1/payments/{id}", s.api(s.apiPayment))
	// POST /api/v1/payments/callback/{gateway}, …/{id}/resolve and …/{id}/refunds share one
	// pattern (ServeMux cannot tell "callback" from an id): apiPaymentPost dispatches.
	mux.HandleFunc("POST /api/v1/payments/{id}/{action}", s.api(s.apiPaymentPost))
	mux.HandleFunc("GET /api/v1/refunds", s.api(s.apiRefunds))
	mux.HandleFunc("POST /api/v1/refunds/{id}/approve", s.api(s.apiDecideRefund(true)))
	mux.HandleFunc("POST /api/v1/refunds/{id}/reject", s.api(s.apiDecideRefund(false)))
	mux.HandleFunc("POST /api/v1/refunds/{id}/pay-out", s.api(s.apiPayOutRefund))
	mux.HandleFunc("GET /api/v1/receipts/{number}", s.api(s.apiReceipt))
	mux.HandleFunc("GET /api/v1/receipts/{number}/verify", s.api(s.apiVerifyReceipt))
	mux.HandleFunc("POST /api/v1/receipts/{number}/void", s.api(s.apiVoidReceipt))
	mux.HandleFunc("GET /api/v1/tills", s.api(s.apiTills))
	mux.HandleFunc("POST /api/v1/tills/{id}/close", s.api(s.apiCloseTill))
	mux.HandleFunc("POST /api/v1/tills/{id}/sign-off", s.api(s.apiSignOffTill))
	mux.HandleFunc("GET /api/v1/reconciliations", s.api(s.apiReconciliations))
	mux.HandleFunc("POST /api/v1/reconciliations", s.api(s.apiReconcile))
	mux.HandleFunc("GET /api/v1/reconciliations/{id}", s.api(s.apiReconciliation))
	mux.HandleFunc("POST /api/v1/reconciliation-items/{id}/resolve", s.api(s.apiResolveReconItem))
	mux.HandleFunc("GET /api/v1/reports/collections", s.api(s.apiCollections))
	mux.HandleFunc("GET /requests/{tracking_number}/payments", s.ui(s.handleRequestPayments))
	mux.HandleFunc("POST /requests/{tracking_number}/payments", s.ui(s.handleStartPayment))
	mux.HandleFunc("GET /payments", s.ui(s.handleMyFees))
	mux.HandleFunc("GET /payments/{id}", s.ui(s.handlePayment))
	mux.HandleFunc("POST /payments/{id}/resolve", s.ui(s.handleResolvePayment))
	mux.HandleFunc("POST /payments/{id}/refunds", s.ui(s.handleRequestRefund))
	mux.HandleFunc("POST /refunds/{id}/decide", s.ui(s.handleDecideRefund))
	mux.HandleFunc("POST /refunds/{id}/pay-out", s.ui(s.handlePayOutRefund))
	mux.HandleFunc("GET /receipts/{number}", s.ui(s.handleReceipt))
	mux.HandleFunc("GET /receipts/{number}/pdf", s.ui(s.handleReceiptPDF))
	mux.HandleFunc("POST /receipts/{number}/void", s.ui(s.handleVoidReceipt))
	mux.HandleFunc("GET /verify", s.ui(s.handleVerify))
	mux.HandleFunc("GET /tills", s.ui(s.handleTills))
	mux.HandleFunc("GET /tills/{id}", s.ui(s.handleTill))
	mux.HandleFunc("POST /tills/{id}/close", s.ui(s.handleCloseTill))
	mux.HandleFunc("POST /tills/{id}/sign-off", s.ui(s.handleSignOffTill))
	mux.HandleFunc("GET /finance", s.ui(s.handleFinance))
	mux.HandleFunc("POST /finance/reconcile", s.ui(s.handleReconcile))
	mux.HandleFunc("GET /finance/reconciliations/{id}", s.ui(s.handleReconciliation))
	mux.HandleFunc("POST /finance/items/{id}/resolve", s.ui(s.handleResolveItem))
	mux.HandleFunc("GET /collections", s.ui(s.handleCollections))
	// The simulated payment gateway's own pages (only with --simulated-gateway).
	mux.HandleFunc("GET /simgw", s.ui(s.handleSimConsole))
	mux.HandleFunc("GET /simgw/pay/{token}", s.ui(s.handleSimCheckout))
	mux.HandleFunc("POST /simgw/pay/{token}", s.ui(s.handleSimChoice))
	mux.HandleFunc("POST /simgw/outlet", s.ui(s.handleSimOutletPay))
	mux.HandleFunc("POST /simgw/callbacks/{id}/deliver", s.ui(s.handleSimDeliver))
	mux.HandleFunc("GET /simgw/statements/{date}", s.ui(s.handleSimStatement))

	// Citizens: their accounts (sign-up, one-time code), online applications and their
	// own requests; the services and centers open to online applications (public).
	// -- citizens routes --
	mux.HandleFunc("GET /signup", s.ui(s.handleSignupForm))
	mux.HandleFunc("POST /signup", s.ui(s.handleSignup))
	mux.HandleFunc("GET /signup/verify", s.ui(s.handleVerifyForm))
	mux.HandleFunc("POST /signup/verify", s.ui(s.handleSignupVerify))
	mux.HandleFunc("POST /signup/resend", s.ui(s.handleResend))
	mux.HandleFunc("GET /apply", s.ui(s.handleApplyForm))
	mux.HandleFunc("GET /apply/{code}", s.ui(s.handleApplyForm))
	mux.HandleFunc("POST /apply/{code}", s.ui(s.handleApply))
	mux.HandleFunc("GET /me/requests", s.ui(s.handleMyRequests))
	mux.HandleFunc("GET /me/requests/{tracking_number}", s.ui(s.handleMyRequest))
	mux.HandleFunc("POST /me/requests/{tracking_number}/files", s.ui(s.handleMyRequestFiles))
	mux.HandleFunc("POST /me/requests/{tracking_number}/complete", s.ui(s.handleMyRequestComplete))
	mux.HandleFunc("POST /api/v1/citizens", s.api(s.apiSignup))
	mux.HandleFunc("POST /api/v1/citizens/verify", s.api(s.apiVerify))
	mux.HandleFunc("POST /api/v1/citizens/resend", s.api(s.apiResend))
	mux.HandleFunc("GET /api/v1/online/services", s.api(s.apiOnlineServices))
	mux.HandleFunc("GET /api/v1/online/services/{code}", s.api(s.apiOnlineService))
	mux.HandleFunc("GET /api/v1/online/centers", s.api(s.apiOnlineCenters))
	mux.HandleFunc("GET /api/v1/me/requests", s.api(s.apiMyRequests))
	mux.HandleFunc("POST /api/v1/me/requests", s.api(s.apiApply))
	mux.HandleFunc("GET /api/v1/me/requests/{tracking_number}", s.api(s.apiMyRequest))
	mux.HandleFunc("POST /api/v1/me/requests/{tracking_number}/complete", s.api(s.apiMyRequestComplete))
	mux.HandleFunc("GET /api/v1/requests/{tracking_number}/files", s.api(s.apiRequestFiles))
	mux.HandleFunc("POST /api/v1/requests/{tracking_number}/files", s.api(s.apiAddRequestFiles))
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

	// Training: courses, sessions, enrolment, results and coverage (UI and API).
	// -- training routes --
	mux.HandleFunc("GET /training", s.ui(s.handleTraining))
	mux.HandleFunc("GET /training/courses", s.ui(s.handleTrainingCourses))
	mux.HandleFunc("POST /training/courses", s.ui(s.handleTrainingCourseCreate))
	mux.HandleFunc("GET /training/courses/{id}", s.ui(s.handleTrainingCourse))
	mux.HandleFunc("POST /training/courses/{id}/edit", s.ui(s.handleTrainingCourseUpdate))
	mux.HandleFunc("POST /training/courses/{id}/retire", s.ui(s.handleTrainingCourseRetire))
	mux.HandleFunc("GET /training/sessions/new", s.ui(s.handleTrainingSessionNew))
	mux.HandleFunc("POST /training/sessions/new", s.ui(s.handleTrainingSessionCreate))
	mux.HandleFunc("GET /training/sessions/{id}", s.ui(s.handleTrainingSession))
	mux.HandleFunc("POST /training/sessions/{id}/edit", s.ui(s.handleTrainingSessionUpdate))
	mux.HandleFunc("POST /training/sessions/{id}/cancel", s.ui(s.handleTrainingSessionCancel))
	mux.HandleFunc("POST /training/sessions/{id}/enrol", s.ui(s.handleTrainingEnrol))
	mux.HandleFunc("POST /training/sessions/{id}/results", s.ui(s.handleTrainingResults))
	mux.HandleFunc("POST /training/sessions/{id}/enrolments/{eid}/withdraw", s.ui(s.handleTrainingWithdraw))
	mux.HandleFunc("GET /training/coverage", s.ui(s.handleTrainingCoverage))
	mux.HandleFunc("GET /api/v1/training/courses", s.api(s.apiTrainingCourses))
	mux.HandleFunc("POST /api/v1/training/courses", s.api(s.apiCreateTrainingCourse))
	mux.HandleFunc("GET /api/v1/training/courses/{id}", s.api(s.apiTrainingCourse))
	mux.HandleFunc("PUT /api/v1/training/courses/{id}", s.api(s.apiUpdateTrainingCourse))
	mux.HandleFunc("POST /api/v1/training/courses/{id}/retire", s.api(s.apiRetireTrainingCourse))
	mux.HandleFunc("GET /api/v1/training/sessions", s.api(s.apiTrainingSessions))
	mux.HandleFunc("POST /api/v1/training/sessions", s.api(s.apiCreateTrainingSession))
	mux.HandleFunc("GET /api/v1/training/sessions/{id}", s.api(s.apiTrainingSession))
	mux.HandleFunc("PUT /api/v1/training/sessions/{id}", s.api(s.apiUpdateTrainingSession))
	mux.HandleFunc("POST /api/v1/training/sessions/{id}/cancel", s.api(s.apiCancelTrainingSession))
	mux.HandleFunc("GET /api/v1/training/sessions/{id}/candidates", s.api(s.apiTrainingCandidates))
	mux.HandleFunc("POST /api/v1/training/sessions/{id}/enrolments", s.api(s.apiEnrol))
	mux.HandleFunc("POST /api/v1/training/sessions/{id}/enrolments/{eid}/withdraw", s.api(s.apiWithdraw))
	mux.HandleFunc("POST /api/v1/training/sessions/{id}/results", s.api(s.apiRecordResults))
	mux.HandleFunc("GET /api/v1/training/mine", s.api(s.apiMyTrainings))
	mux.HandleFunc("GET /api/v1/training/coverage", s.api(s.apiTrainingCoverage))

	// Operating manual (public: it holds no secrets and clerks need it at the counter).
	// -- manual routes --
	mux.HandleFunc("GET /manual", s.ui(s.handleManual))
	mux.HandleFunc("GET /manual/{slug}", s.ui(s.handleManualChapter))

	// Anything else under /api/ is a JSON 404; any other path, a page in the user's language.
	mux.HandleFunc("/api/", s.api(s.apiNotFound))
	mux.HandleFunc("/", s.ui(s.apiNotFound))
	return mux
}
