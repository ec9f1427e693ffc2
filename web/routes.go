package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// routes lists every route on one screen. Each one is also in the role x route
// table of routes_test.go.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.compress, s.withRequestID, s.withClientAddr, s.recoverer, s.observe, s.securityHeaders, s.crossOriginProtection)

	r.Get("/healthz", s.handleHealthz)
	r.Get("/readyz", s.handleReadyz)
	r.Get("/metrics", s.handlePublicMetrics) // 404 unless LOOPDESK_METRICS_TOKEN is set
	r.Get("/static/{hash}/*", s.assets.serve)
	r.Get("/favicon.ico", s.favicon.serve)

	// JSON API, authenticated by personal API tokens (no session, no cookies).
	// --- api routes (owned by the API work) ---
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(s.apiAuth)
		r.NotFound(s.apiNotFound)
		r.MethodNotAllowed(s.apiMethodNotAllowed)
		r.Post("/tickets", s.apiCreateTicket)
		r.Get("/tickets", s.apiListTickets)
		r.Get("/tickets/{id}", s.apiGetTicket)
		r.Get("/tickets/{id}/attachments/{aid}", s.apiGetAttachment)
		r.Patch("/tickets/{id}", s.apiUpdateTicket)
		r.Post("/tickets/{id}/messages", s.apiAddMessage)
		r.Post("/tickets/{id}/take", s.apiTake)
		// selfserve: customer data (supervisors and admins).
		r.Get("/customers", s.apiFindCustomers)
		r.Post("/customers/{id}/export", s.apiExportCustomer)
		r.Post("/customers/{id}/erase", s.apiEraseCustomer)
		r.Get("/search", s.apiSearch)
	})
	// --- end api routes ---

	r.Group(func(r chi.Router) {
		r.Use(loadAndSave(s.sessions), s.loadUser, s.withLocale, s.readForm)
		r.NotFound(s.handleNotFound)

		// Anyone.
		r.Get("/login", s.handleLoginForm)
		r.Post("/login", s.handleLogin)
		r.Get("/login/2fa", s.handleTwoFactorLoginForm)
		r.Post("/login/2fa", s.handleTwoFactorLogin)
		r.Post("/logout", s.handleLogout)
		r.Post("/locale", s.handleLocale)

		// Customers, no login: web form, private status link, find my ticket.
		// --- public routes (owned by the customer-side work) ---
		r.Get("/help", s.handleHelpForm)
		r.Post("/help", s.handleHelp)
		r.Get("/status/{token}", s.handleStatus)
		r.Post("/status/{token}/reply", s.handleStatusReply)
		r.Get("/find", s.handleFindForm)
		r.Post("/find", s.handleFind)
		r.Get("/csat/{token}/good", s.handleCSATForm(csat.Good)) // feedback: CSAT survey
		r.Get("/csat/{token}/bad", s.handleCSATForm(csat.Bad))
		r.Post("/csat/{token}", s.handleCSATAnswer)
		r.Get("/status/{token}/attachments/{aid}", s.handleStatusAttachment)
		// selfserve: the help centre and the deflection on /help.
		r.Get("/kb", s.handleKB)
		r.Get("/kb/{lang}", s.handleKBLang)                    // selfserve: the front page in a language
		r.Get("/kb/{lang}/category/{cat}", s.handleKBCategory) // selfserve: a category's page
		r.Get("/kb/{lang}/{slug}", s.handleKBArticle)
		r.Post("/kb/{lang}/{slug}/answered", s.handleKBAnswered)
		r.Get("/help/suggest", s.handleHelpSuggest) // htmx: suggested articles
		// --- end public routes ---

		// Staff, by tier.
		r.Group(func(r chi.Router) {
			r.Use(s.require(staff.RoleRep))
			r.Get("/", s.handleHome)
			r.Get("/queue/mine", s.queue(tickets.ScopeMine))
			r.Get("/queue/team", s.queue(tickets.ScopeTeamUnassigned))
			r.Get("/queue/all", s.queue(tickets.ScopeAll))
			r.Post("/views", s.handleSaveView)
			r.Get("/search", s.handleSearch)
			r.Get("/tickets/new", s.handleNewTicketForm)
			r.Get("/tickets/new/customers", s.handleCustomerSuggestions)
			r.Get("/tickets/new/duplicates", s.handleTicketDuplicates) // selfserve: htmx, possible duplicates
			r.Post("/tickets", s.handleCreateTicket)
			r.Get("/tickets/{id}", s.handleTicket)
			r.Post("/tickets/{id}/replies", s.handleReply)
			r.Post("/tickets/{id}/take", s.handleTake)
			r.Post("/tickets/{id}/properties", s.handleProperties)
			r.Post("/tickets/{id}/merge", s.handleMerge)
			r.Post("/tickets/{id}/links", s.handleLink)
			r.Post("/tickets/{id}/escalate", s.handleEscalate)
			r.Post("/tickets/{id}/follow-up", s.handleFollowUp)
			// Escalations and transfers to work: seniors get escalations; reps
			// only transfers to their own department (the service decides).
			r.Get("/escalations", s.handleEscalations)
			r.Post("/escalations/{id}/accept", s.handleAcceptEscalation())
			r.Post("/escalations/{id}/return", s.handleReturnEscalation())
			r.Post("/escalations/{id}/further", s.handleEscalateFurther())
			r.Get("/notifications", s.handleNotifications)
			r.Post("/notifications/read", s.handleNotificationsRead)
			// --- rep ticket routes ---
			r.Get("/settings", s.handleSettings)
			r.Post("/settings/preferences", s.handleSettingsPrefs)
			r.Post("/settings/password", s.handleSettingsPassword)
			r.Get("/settings/2fa", s.handleTwoFactorSettings)
			r.Post("/settings/2fa", s.handleTwoFactorEnable)
			r.Post("/settings/2fa/disable", s.handleTwoFactorDisable)
			r.Get("/settings/tokens", s.handleTokens)
			r.Post("/settings/tokens", s.handleTokenCreate)
			r.Post("/settings/tokens/{id}/revoke", s.handleTokenRevoke)
			r.Post("/announcements/{id}/read", s.handleAnnouncementRead) // feedback
			r.Get("/tickets/{id}/attachments/{aid}", s.handleAttachment)
			r.Get("/tickets/{id}/messages/{mid}/html", s.handleMessageHTML) // the frame of a customer's HTML mail
			r.Get("/tickets/{id}/kb-suggest", s.handleKBSuggest)            // htmx: the reply box's suggested articles
			// --- end rep ticket routes ---
			// --- canned replies (reps read and insert them) ---
			r.Get("/canned", s.handleCanned)
			r.Post("/tickets/{id}/canned", s.handleCannedInsert) // htmx: the filled reply text area
			// --- end canned replies ---
			// selfserve: reps propose edits of knowledge base articles.
			r.Get("/kb/propose/{tid}", s.handleKBPropose)
			r.Post("/kb/propose/{tid}", s.handleKBProposeSave)
			// --- live desk: the update stream, who else has a ticket open ---
			r.Get("/events", s.handleEvents)
			r.Get("/live/header", s.handleLiveHeader)
			r.Get("/tickets/{id}/presence", s.handlePresence)
			r.Post("/tickets/{id}/presence", s.handlePresenceBeat)
			r.Post("/queue/bulk", s.handleBulk)
			r.Post("/tickets/{id}/follow", s.handleFollow)
			// --- end live desk ---
			// mailin2: the Spam view (mail held out of the queues).
			r.Get("/spam", s.handleSpam)
			r.Post("/spam/{id}/release", s.handleSpamRelease)
			r.Post("/spam/{id}/delete", s.handleSpamDelete)
			// --- mailout: persistent CC ---
			r.Post("/tickets/{id}/cc", s.handleCCAdd)
			r.Post("/tickets/{id}/cc/remove", s.handleCCRemove)
			// --- end mailout ---
		})
		r.Group(func(r chi.Router) {
			r.Use(s.require(staff.RoleSupervisor))
			r.Get("/supervisor", s.handleSupervisor)
			r.Post("/supervisor/escalations/{id}/accept", s.handleSupervisorAccept())
			r.Post("/supervisor/escalations/{id}/return", s.handleSupervisorReturn())
			r.Post("/supervisor/escalations/{id}/deescalate", s.handleSupervisorDeescalate())
			r.Post("/supervisor/reassign", s.handleSupervisorReassign)
			r.Post("/supervisor/loops/{id}/reassign", s.handleLoopReassign)
			r.Get("/supervisor/reps", s.handleSupervisorReps)
			r.Get("/supervisor/dashboard", s.handleDashboard)        // dashboard
			r.Get("/supervisor/dashboard.csv", s.handleDashboardCSV) // dashboard
			r.Get("/supervisor/customers", s.handleAtRisk)           // feedback: at-risk customers, announcements
			r.Post("/supervisor/customers/{id}/follow-up", s.handleAtRiskFollowUp)
			r.Get("/supervisor/announcements", s.handleAnnouncements)
			r.Post("/supervisor/announcements", s.handleAnnouncementPost)
			// --- selfserve: customer data export and erasure ---
			r.Get("/supervisor/privacy", s.handlePrivacy)
			r.Get("/supervisor/privacy/{cid}", s.handlePrivacyCustomer)
			r.Post("/supervisor/privacy/{cid}/export", s.handlePrivacyExport)
			r.Post("/supervisor/privacy/{cid}/erase", s.handlePrivacyErase)
			// --- end selfserve: customer data ---
			// --- selfserve: knowledge base editors ---
			r.Get("/supervisor/kb", s.handleKBAdmin)
			r.Post("/supervisor/kb/categories", s.handleKBCategoryCreate)
			r.Get("/supervisor/kb/new", s.handleKBNew)
			r.Post("/supervisor/kb/translations", s.handleKBCreate)
			r.Get("/supervisor/kb/translations/{tid}", s.handleKBEdit)
			r.Post("/supervisor/kb/translations/{tid}", s.handleKBSave)
			r.Post("/supervisor/kb/proposals/{pid}/dismiss", s.handleKBProposalDismiss)
			// --- end selfserve: knowledge base editors ---
			// --- canned replies (supervisors and admins write, edit, archive) ---
			r.Post("/canned", s.handleCannedCreate)
			r.Post("/canned/{id}", s.handleCannedUpdate)
			r.Post("/canned/{id}/archive", s.handleCannedArchive)
			// --- end canned replies ---
			// --- mailout: team mail signatures ---
			r.Get("/supervisor/teams", s.handleTeamSignatures)
			r.Post("/supervisor/teams/{id}/signature", s.handleTeamSignatureSave)
			// --- end mailout ---
		})
		r.Group(func(r chi.Router) {
			r.Use(s.require(staff.RoleAdmin))
			r.Get("/admin", s.handleAdmin)
			r.Get("/admin/teams", s.handleAdminTeams)
			r.Post("/admin/teams", s.handleAdminTeamSave)
			r.Get("/admin/staff", s.handleAdminStaff)
			r.Post("/admin/staff", s.handleAdminStaffCreate)
			r.Post("/admin/staff/{id}/away", s.handleAdminStaffAway)
			r.Get("/admin/staff/{id}", s.handleAdminStaffEdit)
			r.Post("/admin/staff/{id}", s.handleAdminStaffSave)
			r.Post("/admin/staff/{id}/2fa/reset", s.handleAdminTwoFactorReset)
			r.Get("/admin/calendars", s.handleAdminCalendars)
			r.Post("/admin/calendars", s.handleAdminCalendarSave)
			r.Get("/admin/sla", s.handleAdminSLA)
			r.Post("/admin/sla", s.handleAdminSLASave)
			// --- live desk: automatic assignment per team ---
			r.Get("/admin/teams/{id}/assignment", s.handleAssignment)
			r.Post("/admin/teams/{id}/assignment", s.handleAssignmentSave)
			// --- end live desk ---
			// --- admin routes ---
			r.Get("/admin/outbox", s.handleOutbox)
			r.Post("/admin/outbox/{id}/retry", s.handleOutboxRetry)
			r.Post("/admin/outbox/{id}/reveal", s.handleOutboxReveal)
			r.Get("/admin/mailboxes", s.handleMailboxes)
			r.Post("/admin/mailboxes", s.handleMailboxCreate)
			r.Post("/admin/mailboxes/{id}/delete", s.handleMailboxDelete)
			r.Get("/admin/mailboxes/{mbid}", s.handleMailboxEdit) // mailin2: edit, pause, resume
			r.Post("/admin/mailboxes/{mbid}", s.handleMailboxSave)
			r.Post("/admin/mailboxes/{mbid}/pause", s.handleMailboxPause(true))
			r.Post("/admin/mailboxes/{mbid}/resume", s.handleMailboxPause(false))
			r.Get("/admin/mail-blocks", s.handleBlocks) // mailin2: blocked senders and domains
			r.Post("/admin/mail-blocks", s.handleBlockAdd)
			r.Post("/admin/mail-blocks/{id}/delete", s.handleBlockRemove)
			// --- end admin routes ---
			// --- selfserve: webhooks ---
			r.Get("/admin/webhooks", s.handleWebhooks)
			r.Post("/admin/webhooks", s.handleWebhookCreate)
			r.Post("/admin/webhooks/allowed-hosts", s.handleWebhookHostAllow)           // selfserve: private hosts allowed
			r.Post("/admin/webhooks/allowed-hosts/delete", s.handleWebhookHostDisallow) // selfserve
			r.Get("/admin/webhooks/{wid}", s.handleWebhook)
			r.Post("/admin/webhooks/{wid}", s.handleWebhookUpdate)
			r.Post("/admin/webhooks/{wid}/enable", s.handleWebhookEnable())
			r.Post("/admin/webhooks/{wid}/disable", s.handleWebhookDisable())
			r.Post("/admin/webhooks/{wid}/ping", s.handleWebhookPing())
			r.Post("/admin/webhooks/{wid}/rotate", s.handleWebhookRotate)
			r.Post("/admin/webhooks/{wid}/delete", s.handleWebhookDelete)
			r.Get("/admin/webhooks/{wid}/deliveries/{did}", s.handleWebhookDelivery)
			r.Post("/admin/webhooks/{wid}/deliveries/{did}/redeliver", s.handleWebhookRedeliver)
			// --- end selfserve: webhooks ---
		})
	})
	return r
}
