package web

import (
	"net/http"

	"github.com/loopdesk/loopdesk/internal/apperr"
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
	default:
		return http.StatusInternalServerError
	}
}

// classify returns err's kind and message id. Errors that no store
// classified are looked at once more: a value Postgres refused for what it
// is (NUL, invalid UTF-8, too long for its index) is the sender's fault, so
// Invalid (the field checks should have caught it: logged as a warning).
func (s *Server) classify(r *http.Request, err error) (apperr.Kind, string) {
	kind, msg := apperr.KindOf(err), apperr.MsgIDOf(err)
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
