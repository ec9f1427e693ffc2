package web

import (
	"net/http"
	"strconv"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// Possible duplicates on the rep's New ticket form. The public /help form
// shows none: telling a visitor that the person whose email they typed has
// an open request (let alone about what) would reveal it to anyone who
// knows that email; the rep sees the customer's other tickets instead.

// duplicates lists the open tickets like the form's, for the signed-in rep.
func (s *Server) duplicates(r *http.Request, customerID, email, phone, subject string) ([]tickets.Ticket, error) {
	id, _ := strconv.ParseInt(customerID, 10, 64)
	return s.tickets.PossibleDuplicates(r.Context(), actorOf(currentUser(r.Context())),
		tickets.DuplicateQuery{CustomerID: max(id, 0), Email: email, Phone: phone, Subject: subject}, 5)
}

// handleTicketDuplicates is the htmx fragment of possible duplicates.
func (s *Server) handleTicketDuplicates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := s.duplicates(r, q.Get("customer_id"), q.Get("customer_email"), q.Get("customer_phone"), q.Get("subject"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.TicketDuplicates(list))
}
