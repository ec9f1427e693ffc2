package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/outbox"
	"github.com/loopdesk/loopdesk/web/views"
)

// The admin Outbox page: customer mail that is held (no SMTP configured),
// failed (with its last error) or on its way, and a retry for held and failed
// mail. Sending itself is River's (internal/outbox), not the web server's.

// outboxStore is built per request from the server's pool and clock: it holds
// nothing else, so web.Deps needs no new field for it.
func (s *Server) outboxStore() *outbox.Store { return outbox.NewStore(s.db, s.now) }

func (s *Server) handleOutbox(w http.ResponseWriter, r *http.Request) {
	s.renderOutbox(w, r, nil)
}

// renderOutbox shows the page of the request's filter; revealed, when not
// nil, is a mail with its status link minted, shown open in its row.
func (s *Server) renderOutbox(w http.ResponseWriter, r *http.Request, revealed *outbox.Mail) {
	q := r.URL.Query()
	f := outbox.ListFilter{Status: outbox.Status(q.Get("status")), Limit: 50}
	if b := q.Get("before"); b != "" {
		before, err := strconv.ParseInt(b, 10, 64)
		if err != nil || before <= 0 {
			s.fail(w, r, apperr.New(apperr.Invalid, "error_invalid_form"))
			return
		}
		f.Before = before
	}
	st := s.outboxStore()
	mails, next, err := st.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := st.Counts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.OutboxView{Status: f.Status, Counts: counts, Next: next}
	for _, m := range mails {
		row := views.OutboxRow{Mail: m}
		if revealed != nil && revealed.ID == m.ID {
			m, row.Revealed = *revealed, true
		}
		if m.PurgedAt != nil {
			row.Purged = true
		} else if rendered, err := outbox.Preview(s.cat, m, i18n.T(r.Context(), "outbox_link_at_send")); err != nil {
			row.RenderErr = true
		} else {
			row.Subject, row.Body = rendered.Subject, rendered.Body
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, http.StatusOK, views.OutboxPage(s.page(r, "outbox_title", "admin"), v))
}

// handleOutboxReveal shows a held or failed mail with the customer's status
// link made for it, so an admin can send it by hand. The page is the
// outbox's held mail, with that mail open; the link is shown once.
func (s *Server) handleOutboxReveal(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "outbox_error_not_found"))
		return
	}
	u := currentUser(r.Context())
	m, err := s.outboxStore().Reveal(r.Context(), u.ID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "outbox mail shown with its link", "request_id", requestID(r.Context()), "user_id", u.ID, "outbox_id", id)
	privateHeaders(w)
	r.URL.RawQuery = "status=" + string(m.Status)
	s.renderOutbox(w, r, &m)
}

func (s *Server) handleOutboxRetry(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "outbox_error_not_found"))
		return
	}
	u := currentUser(r.Context())
	if err := s.outboxStore().Retry(r.Context(), u.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "outbox mail requeued", "request_id", requestID(r.Context()), "user_id", u.ID, "outbox_id", id)
	s.flash(r, "success", "outbox_flash_retried")
	redirect(w, r, "/admin/outbox")
}
