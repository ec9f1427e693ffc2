package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// The ticket page's suggested help centre articles (queued into the page's
// one batch) and their "Insert link" without JavaScript.

// kbReplySuggestBatch queues the articles to suggest for ticket t on b; the
// returned function gives the reply box's list once b was sent.
func (s *Server) kbReplySuggestBatch(b *pgx.Batch, t tickets.Ticket) func() (views.KBReplySuggest, error) {
	get := s.kbStore().SuggestForTicketBatch(b, t.ID, t.Subject, t.Customer.Locale, 5)
	return func() (views.KBReplySuggest, error) {
		list, err := get()
		out := views.KBReplySuggest{Customer: t.Customer.Locale, Asked: true}
		base := strings.TrimRight(s.baseURL.String(), "/")
		for _, a := range list {
			out.Articles = append(out.Articles, views.KBReplyArticle{ID: a.ID, Title: a.Title, Locale: a.Locale, URL: base + a.Path()})
		}
		return out, err
	}
}

// renderTicketWithKBLink shows ticket t with the reply box holding body plus
// a link to suggested article raw (a translation id): 200, or 422 with the
// message beside the suggestions and the typed text kept when it is not
// one of the ticket's suggestions (only those are offered: published and
// public).
func (s *Server) renderTicketWithKBLink(w http.ResponseWriter, r *http.Request, t tickets.Ticket, raw, body, kind string) {
	v, err := s.ticketView(r, t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Reply.Kind, v.Reply.Body = kind, body
	id, _ := strconv.ParseInt(raw, 10, 64)
	for _, a := range v.KB.Articles {
		if a.ID == id && id != 0 {
			v.Reply.Body = tickets.AppendCanned(body, a.InsertText())
			s.renderTicket(w, r, http.StatusOK, v)
			return
		}
	}
	v.KB.Error = "kb_reply_error_gone"
	s.renderTicket(w, r, http.StatusUnprocessableEntity, v)
}

// handleKBSuggest is the ticket page's suggested articles, asked for by
// htmx once the page has loaded (the page itself does not wait for them).
func (s *Server) handleKBSuggest(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	var b pgx.Batch
	get := s.kbReplySuggestBatch(&b, t)
	if err := s.db.SendBatch(r.Context(), &b).Close(); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := get()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(list.Articles) == 0 {
		w.WriteHeader(http.StatusOK) // nothing to suggest: the placeholder goes
		return
	}
	s.render(w, r, http.StatusOK, views.KBReplySuggestField(t.ID, list))
}
