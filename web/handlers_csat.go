package web

import (
	"net/http"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// The CSAT survey, reached with the ticket's status-link token (from the
// survey mail or the status page). GET /csat/{token}/good (or /bad) opens the form
// with the choice selected and records nothing, so that mail scanners and
// prefetching cannot answer for the customer; POST /csat/{token} records it.

// limitCSAT bounds survey posts per client address: each may notify staff.
var limitCSAT = rateLimit{"csat", 20, 10 * time.Minute}

// renderCSAT shows the survey page of t with form and a notice.
func (s *Server) renderCSAT(w http.ResponseWriter, r *http.Request, status int, t tickets.Ticket, token string, form views.CSATForm, msgID string) {
	sv, err := s.csat.SurveyOf(r.Context(), t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if msgID == "" {
		switch {
		case !sv.Open:
			msgID = "csat_error_not_solved"
		case sv.Expired:
			msgID = "csat_error_expired"
		case sv.Locked:
			msgID = "csat_error_locked"
		}
	}
	p := s.page(r, "csat_page_title", "")
	p.Title = i18n.T(r.Context(), "csat_page_title", "Number", t.ID)
	s.render(w, r, status, views.CSATPage(p, views.CSATView{Ticket: t, Token: token, Survey: sv, Form: form, Message: msgID}))
}

// handleCSATForm opens the survey with rating selected (one route per
// rating, so that any other rating is simply not found); the answer given
// before, if any, fills the reason and comment.
func (s *Server) handleCSATForm(rating csat.Rating) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, token, ok := s.statusTicket(w, r)
		if !ok {
			return
		}
		r = s.inCustomerLocale(w, r, t.Customer.Locale)
		form := views.CSATForm{Rating: string(rating)}
		prev, found, err := s.csat.Find(r.Context(), t.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if found {
			form.Reason, form.Comment = prev.Reason, prev.Comment
		}
		s.renderCSAT(w, r, http.StatusOK, t, token, form, "")
	}
}

// handleCSATAnswer records the answer and returns to the status page.
func (s *Server) handleCSATAnswer(w http.ResponseWriter, r *http.Request) {
	t, token, ok := s.statusTicket(w, r)
	if !ok {
		return
	}
	r = s.inCustomerLocale(w, r, t.Customer.Locale)
	if !s.parsePublicForm(w, r) {
		return
	}
	form := views.CSATForm{Rating: r.PostForm.Get("rating"), Reason: r.PostForm.Get("reason"), Comment: r.PostForm.Get("comment")}
	ip := clientIP(r)
	hit, allowed, err := s.rateTake(r.Context(), limitCSAT, ip)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !allowed {
		s.renderCSAT(w, r, http.StatusTooManyRequests, t, token, form, "public_error_rate_limited")
		return
	}
	_, err = s.csat.Answer(r.Context(), t.ID, csat.Answer{Rating: form.Rating, Reason: form.Reason, Comment: form.Comment})
	if err != nil {
		s.rateGiveBack(r.Context(), hit)
	}
	switch {
	case err == nil:
	case apperr.Is(err, apperr.Invalid):
		form.Errors = apperr.FieldsOf(err)
		s.renderCSAT(w, r, http.StatusUnprocessableEntity, t, token, form, "")
		return
	case apperr.Is(err, apperr.Conflict):
		s.renderCSAT(w, r, http.StatusConflict, t, token, form, apperr.MsgIDOf(err))
		return
	default:
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "csat answered", "request_id", requestID(r.Context()), "ticket_id", t.ID, "rating", form.Rating)
	s.flash(r, "success", "csat_flash_thanks")
	redirect(w, r, "/status/"+token+"#csat")
}

// csatSurvey is the survey block of the status page (and the ticket page):
// a failure to read it is logged, and the page is shown without it.
func (s *Server) csatSurvey(r *http.Request, t tickets.Ticket) csat.Survey {
	if s.csat == nil {
		return csat.Survey{} // not wired (Deps.CSAT): the pages work without the block
	}
	sv, err := s.csat.SurveyOf(r.Context(), t)
	if err != nil {
		s.log.WarnContext(r.Context(), "csat survey", "request_id", requestID(r.Context()), "ticket_id", t.ID, "err", err)
		return csat.Survey{}
	}
	return sv
}
