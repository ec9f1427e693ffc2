package web

import (
	"net/http"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/web/views"
)

// statusOf is the one error kind -> HTTP status map.
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// retryAfter is how long a visitor is asked to wait, in seconds, when the
// database cannot be reached: long enough for a restart or a failover.
const retryAfter = "30"

// classify returns err's kind and message id. Errors that no store
// classified are looked at once more: a database that cannot be reached
// (no connection, a connection lost, a server stopping) is Unavailable, a
// passing state worth trying again; a value Postgres refused for what it
// is (NUL, invalid UTF-8, too long for its index) is the sender's fault, so
// Invalid (the field checks should have caught it: logged as a warning).
func (s *Server) classify(r *http.Request, err error) (apperr.Kind, string) {
	kind, msg := apperr.KindOf(err), apperr.MsgIDOf(err)
	if kind == apperr.Internal && postgres.IsUnavailable(err) {
		return apperr.Unavailable, "error_unavailable"
	}
	if kind == apperr.Internal && postgres.IsBadInput(err) {
		s.log.WarnContext(r.Context(), "input reached the database unchecked", "request_id", requestID(r.Context()), "err", err)
		return apperr.Invalid, "error_input_rejected"
	}
	return kind, msg
}

// fail renders err as a translated error page. Internal errors are logged with
// the request id and shown only as a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind, msg := s.classify(r, err)
	if kind == apperr.Unavailable {
		s.unavailable(w, r, err, msg)
		return
	}
	status := statusOf(kind)
	if kind == apperr.Internal || msg == "" {
		msg = "error_internal"
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "err", err)
	}
	title := "error_title"
	switch kind {
	case apperr.NotFound:
		title = "error_title_not_found"
	case apperr.Forbidden:
		title = "error_title_forbidden"
	}
	s.render(w, r, status, views.ErrorPage(s.page(r, title, ""), title, msg))
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, apperr.New(apperr.NotFound, "error_not_found"))
}

// unavailable answers a request the database could not serve (or that the
// server is too busy for: msg says which): 503 with Retry-After and a page
// in the visitor's language that says to try again shortly. The page needs nothing from the database (no session, no
// counts): the language is the signed-in member's if already loaded, else
// the switcher's cookie or the browser's.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error, msg string) {
	if msg == "" || msg == "error_unavailable" {
		msg = "error_unavailable"
		s.log.ErrorContext(r.Context(), "database unavailable", "request_id", requestID(r.Context()), "err", err)
	} else {
		s.log.WarnContext(r.Context(), "too busy", "request_id", requestID(r.Context()), "err", err)
	}
	var userLocale, cookie string
	if u := currentUser(r.Context()); u != nil {
		userLocale = u.Locale
	}
	if c, cerr := r.Cookie(langCookie); cerr == nil {
		cookie = c.Value
	}
	l := s.cat.Localizer(i18n.Negotiate(userLocale, cookie, r.Header.Get("Accept-Language")))
	r = r.WithContext(i18n.WithLocalizer(r.Context(), l))
	p := views.Page{Title: l.T("error_title_unavailable"), Lang: l.Lang, Asset: s.assets.url, Path: r.URL.RequestURI()}
	w.Header().Set("Content-Language", l.Lang)
	w.Header().Set("Retry-After", retryAfter)
	s.render(w, r, http.StatusServiceUnavailable, views.ErrorPage(p, "error_title_unavailable", msg))
}

// sessionError answers a failure of the session store (scs's ErrorFunc),
// which runs before a page knows its visitor: the outage page when the
// database is unavailable, else a plain 500.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if postgres.IsUnavailable(err) {
		s.unavailable(w, r, err, "error_unavailable")
		return
	}
	s.log.ErrorContext(r.Context(), "session", "err", err, "request_id", requestID(r.Context()))
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
