package web

import (
	"net/http"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/webhooks"
	"github.com/loopdesk/loopdesk/web/views"
)

// The admins' allow-list of webhook hosts whose addresses may be private
// (on /admin/webhooks).

// handleWebhookHostAllow puts a host name on the list.
func (s *Server) handleWebhookHostAllow(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	f := views.WebhookHostForm{Host: r.PostForm.Get("host")}
	h, err := s.webhooks.AllowHost(r.Context(), u.ID, f.Host)
	if apperr.Is(err, apperr.Invalid) {
		f.Errors = apperr.FieldsOf(err)
		s.renderWebhooks(w, r, http.StatusUnprocessableEntity, views.WebhooksView{Form: views.WebhookForm{Events: webhooks.EventTypes}, HostForm: f})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook host allowed", "request_id", requestID(r.Context()), "user_id", u.ID, "host", h.Host)
	s.flash(r, "success", "webhooks_hosts_flash_added")
	redirect(w, r, "/admin/webhooks#webhook-hosts")
}

// handleWebhookHostDisallow takes a host name off the list.
func (s *Server) handleWebhookHostDisallow(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	if err := s.webhooks.DisallowHost(r.Context(), u.ID, r.PostForm.Get("host")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "webhooks_hosts_flash_removed")
	redirect(w, r, "/admin/webhooks#webhook-hosts")
}
