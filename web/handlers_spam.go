package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/web/views"
)

// The Spam view (reps and up): mail the desk held instead of filing it
// (blocked sender, failed DMARC, over the sender's new-ticket rate), with
// Release (filed as normal) and Delete; and the admins' block list of
// sender addresses and domains. internal/mailin does the holding.

// spamPage is how many held mails one page lists.
const spamPage = 50

// spam returns the desk's spam store; NotFound when mail intake has none.
func (s *Server) spam() (*mailin.Spam, error) {
	if s.mailDesk == nil || s.mailDesk.Spam() == nil {
		return nil, apperr.New(apperr.NotFound, "spam_error_not_found")
	}
	return s.mailDesk.Spam(), nil
}

// spamCursor reads ?after=<unix nanoseconds>-<id>; nil for the first page.
func spamCursor(v string) *mailin.SpamCursor {
	at, id, ok := strings.Cut(v, "-")
	if !ok {
		return nil
	}
	ns, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 {
		return nil
	}
	return &mailin.SpamCursor{ReceivedAt: time.Unix(0, ns), ID: n}
}

func (s *Server) handleSpam(w http.ResponseWriter, r *http.Request) {
	sp, err := s.spam()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after := spamCursor(r.URL.Query().Get("after"))
	list, next, err := sp.Held(r.Context(), actorOf(currentUser(r.Context())), after, spamPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.SpamView{Held: list, First: after == nil}
	if next != nil {
		v.Next = "/spam?after=" + strconv.FormatInt(next.ReceivedAt.UnixNano(), 10) + "-" + strconv.FormatInt(next.ID, 10)
	}
	s.render(w, r, http.StatusOK, views.SpamPage(s.page(r, "spam_title", "spam"), v))
}

// spamID reads {id}; anything but a positive number is a 404.
func spamID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "spam_error_not_found")
	}
	return id, nil
}

func (s *Server) handleSpamRelease(w http.ResponseWriter, r *http.Request) {
	id, err := spamID(r)
	if err == nil && s.mailDesk == nil {
		err = apperr.New(apperr.NotFound, "spam_error_not_found")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u := currentUser(r.Context())
	res, err := s.mailDesk.Release(r.Context(), actorOf(u), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "held mail released", "request_id", requestID(r.Context()), "user_id", u.ID, "spam_id", id, "ticket_id", res.TicketID)
	if res.TicketID != 0 {
		s.flash(r, "success", "spam_flash_released")
		redirect(w, r, ticketURLOf(res.TicketID))
		return
	}
	s.flash(r, "success", "spam_flash_released_nothing")
	redirect(w, r, "/spam")
}

func (s *Server) handleSpamDelete(w http.ResponseWriter, r *http.Request) {
	id, err := spamID(r)
	var sp *mailin.Spam
	if err == nil {
		sp, err = s.spam()
	}
	if err == nil {
		err = sp.Delete(r.Context(), actorOf(currentUser(r.Context())), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "spam_flash_deleted")
	redirect(w, r, "/spam")
}

func (s *Server) renderBlocks(w http.ResponseWriter, r *http.Request, status int, form views.BlockForm) {
	sp, err := s.spam()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := sp.Blocks(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, views.BlocksPage(s.page(r, "spam_blocks_title", "admin"), views.BlocksView{Blocks: list, Form: form}))
}

func (s *Server) handleBlocks(w http.ResponseWriter, r *http.Request) {
	s.renderBlocks(w, r, http.StatusOK, views.BlockForm{})
}

func (s *Server) handleBlockAdd(w http.ResponseWriter, r *http.Request) {
	sp, err := s.spam()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form := views.BlockForm{Pattern: r.PostFormValue("pattern")}
	_, err = sp.AddBlock(r.Context(), currentUser(r.Context()).ID, form.Pattern)
	if apperr.Is(err, apperr.Invalid) {
		form.Errors = apperr.FieldsOf(err)
		s.renderBlocks(w, r, http.StatusUnprocessableEntity, form)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "spam_flash_blocked")
	redirect(w, r, "/admin/mail-blocks")
}

func (s *Server) handleBlockRemove(w http.ResponseWriter, r *http.Request) {
	id, err := spamID(r)
	var sp *mailin.Spam
	if err == nil {
		sp, err = s.spam()
	}
	if err == nil {
		err = sp.RemoveBlock(r.Context(), currentUser(r.Context()).ID, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "spam_flash_unblocked")
	redirect(w, r, "/admin/mail-blocks")
}
