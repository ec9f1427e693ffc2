package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/webhooks"
	"github.com/loopdesk/loopdesk/web/views"
)

// Webhooks: admins register endpoints, see each one's delivery log,
// redeliver, ping, enable, disable, rotate the secret and delete. Delivery
// itself is River's (internal/webhooks), not the web server's. A secret is
// shown once, in the answer to the post that made it, never stored in the
// session.

func webhookID(r *http.Request, param string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, param), 10, 64)
	if err != nil || id <= 0 {
		if param == "did" {
			return 0, apperr.New(apperr.NotFound, "webhooks_error_delivery_not_found")
		}
		return 0, apperr.New(apperr.NotFound, "webhooks_error_not_found")
	}
	return id, nil
}

func webhookDraft(r *http.Request) (views.WebhookForm, webhooks.Draft) {
	pf := r.PostForm
	f := views.WebhookForm{URL: pf.Get("url"), Description: pf.Get("description"), Events: pf["events"]}
	return f, webhooks.Draft{URL: f.URL, Description: f.Description, Events: f.Events}
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, v views.WebhooksView) {
	list, err := s.webhooks.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Endpoints = list
	if v.Hosts, err = s.webhooks.AllowedHosts(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "webhooks_title", "admin")
	if status == http.StatusUnprocessableEntity {
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
	}
	s.render(w, r, status, views.WebhooksPage(p, v))
}

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	s.renderWebhooks(w, r, http.StatusOK, views.WebhooksView{Form: views.WebhookForm{Events: webhooks.EventTypes}})
}

// handleWebhookCreate registers an endpoint and shows its secret once.
func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	f, d := webhookDraft(r)
	e, secret, err := s.webhooks.Create(r.Context(), u.ID, d)
	if apperr.Is(err, apperr.Invalid) {
		f.Errors = apperr.FieldsOf(err)
		s.renderWebhooks(w, r, http.StatusUnprocessableEntity, views.WebhooksView{Form: f})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook endpoint created", "request_id", requestID(r.Context()), "user_id", u.ID, "endpoint_id", e.ID)
	s.renderWebhooks(w, r, http.StatusOK, views.WebhooksView{Form: views.WebhookForm{Events: webhooks.EventTypes},
		Created: &views.WebhookSecret{EndpointID: e.ID, Plaintext: secret}})
}

// renderWebhook shows endpoint id with its delivery log (?before= pages).
func (s *Server) renderWebhook(w http.ResponseWriter, r *http.Request, status int, id int64, v views.WebhookView) {
	e, err := s.webhooks.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before <= 0 {
			s.fail(w, r, apperr.New(apperr.Invalid, "error_invalid_form"))
			return
		}
	}
	v.Endpoint = e
	if v.Form.Errors == nil {
		v.Form = views.WebhookFormOf(e)
	}
	if v.Deliveries, v.Next, err = s.webhooks.Deliveries(r.Context(), id, before, 50); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "webhooks_title", "admin")
	if status == http.StatusUnprocessableEntity {
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
	}
	s.render(w, r, status, views.WebhookPage(p, v))
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r, "wid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderWebhook(w, r, http.StatusOK, id, views.WebhookView{})
}

func (s *Server) handleWebhookUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r, "wid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r.Context())
	f, d := webhookDraft(r)
	_, err = s.webhooks.Update(r.Context(), u.ID, id, d)
	if apperr.Is(err, apperr.Invalid) {
		f.Errors = apperr.FieldsOf(err)
		s.renderWebhook(w, r, http.StatusUnprocessableEntity, id, views.WebhookView{Form: f})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "webhooks_flash_saved")
	redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10))
}

// webhookAction runs a post on endpoint {wid} and returns to its page with a flash.
func (s *Server) webhookAction(flashID string, do func(r *http.Request, userID, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := webhookID(r, "wid")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		u := currentUser(r.Context())
		if err := do(r, u.ID, id); err != nil {
			s.fail(w, r, err)
			return
		}
		s.log.InfoContext(r.Context(), "webhook endpoint changed", "request_id", requestID(r.Context()), "user_id", u.ID,
			"endpoint_id", id, "action", flashID)
		s.flash(r, "success", flashID)
		redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10))
	}
}

func (s *Server) handleWebhookEnable() http.HandlerFunc {
	return s.webhookAction("webhooks_flash_enabled", func(r *http.Request, userID, id int64) error {
		return s.webhooks.SetEnabled(r.Context(), userID, id, true)
	})
}

func (s *Server) handleWebhookDisable() http.HandlerFunc {
	return s.webhookAction("webhooks_flash_disabled", func(r *http.Request, userID, id int64) error {
		return s.webhooks.SetEnabled(r.Context(), userID, id, false)
	})
}

func (s *Server) handleWebhookPing() http.HandlerFunc {
	return s.webhookAction("webhooks_flash_pinged", func(r *http.Request, userID, id int64) error {
		_, err := s.webhooks.Ping(r.Context(), userID, id)
		return err
	})
}

// handleWebhookRotate gives the endpoint a new secret and shows it once.
func (s *Server) handleWebhookRotate(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r, "wid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r.Context())
	secret, err := s.webhooks.RotateSecret(r.Context(), u.ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook secret rotated", "request_id", requestID(r.Context()), "user_id", u.ID, "endpoint_id", id)
	s.renderWebhook(w, r, http.StatusOK, id, views.WebhookView{Secret: &views.WebhookSecret{EndpointID: id, Plaintext: secret}})
}

func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r, "wid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r.Context())
	if err := s.webhooks.Delete(r.Context(), u.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook endpoint deleted", "request_id", requestID(r.Context()), "user_id", u.ID, "endpoint_id", id)
	s.flash(r, "success", "webhooks_flash_deleted")
	redirect(w, r, "/admin/webhooks")
}

func (s *Server) handleWebhookDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r, "wid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	did, err := webhookID(r, "did")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.webhooks.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, attempts, err := s.webhooks.Delivery(r.Context(), id, did)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.WebhookDeliveryPage(s.page(r, "webhooks_title", "admin"),
		views.WebhookDeliveryView{Endpoint: e, Delivery: d, Attempts: attempts}))
}

func (s *Server) handleWebhookRedeliver(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r, "wid")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	did, err := webhookID(r, "did")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r.Context())
	newID, err := s.webhooks.Redeliver(r.Context(), u.ID, id, did)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "webhook redelivered", "request_id", requestID(r.Context()), "user_id", u.ID,
		"endpoint_id", id, "delivery_id", did, "new_delivery_id", newID)
	s.flash(r, "success", "webhooks_flash_redelivered")
	redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10))
}
