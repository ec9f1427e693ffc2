package web

import (
	"net/http"
	"strconv"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/web/views"
)

// handleCCAdd copies the ticket's public replies to one more address; a bad
// address comes back beside the field, the page filled in.
func (s *Server) handleCCAdd(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	email := r.PostFormValue("cc_email")
	err := s.tickets.AddCC(r.Context(), actorOf(currentUser(r.Context())), t.ID, email)
	if apperr.Is(err, apperr.Invalid) {
		v, verr := s.ticketView(r, t)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.CCForm = views.CCForm{Email: email, Errors: apperr.FieldsOf(err)}
		s.renderTicket(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "mailout_cc_flash_added")
	redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"#cc")
}

// handleCCRemove stops copying the ticket's replies to one address.
func (s *Server) handleCCRemove(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	if err := s.tickets.RemoveCC(r.Context(), actorOf(currentUser(r.Context())), t.ID, r.PostFormValue("email")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "mailout_cc_flash_removed")
	redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10)+"#cc")
}
