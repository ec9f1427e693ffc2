package web

import (
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// searchPageSize is how many hits a search page lists.
const searchPageSize = 20

// handleSearch serves the one search box: a ticket number goes straight to
// the ticket; anything else lists customers and tickets, a page at a time
// (after), saying so when misspelt words were corrected; as_typed=1
// searches the words as typed.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := views.SearchView{Query: q.Get("q"), AsTyped: q.Get("as_typed") == "1", After: q.Get("after")}
	res, err := s.tickets.Find(r.Context(), actorOf(currentUser(r.Context())), tickets.SearchRequest{
		Query: v.Query, AsTyped: v.AsTyped, After: v.After, Limit: searchPageSize,
		// The nav counts and the bell ride on the search's last round trip.
		Also: func(b *pgx.Batch) { s.queueNav(r, b) }})
	v.Result = res
	status := http.StatusOK
	if apperr.Is(err, apperr.Invalid) {
		v.Errors = apperr.FieldsOf(err)
		status = http.StatusUnprocessableEntity
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.JumpTo != 0 {
		http.Redirect(w, r, "/tickets/"+strconv.FormatInt(res.JumpTo, 10), http.StatusSeeOther)
		return
	}
	s.render(w, r, status, views.SearchPage(s.page(r, "search_title", ""), v))
}
