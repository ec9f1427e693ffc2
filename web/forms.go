package web

import (
	"net/http"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/web/formbody"
	"github.com/loopdesk/loopdesk/web/views"
)

// Form bodies are read once, before any page handler runs (web/formbody):
// within a size limit, so that a body too large is answered 413 with a
// translated message instead of reaching its handler as an empty form
// (which then asked for every field again and lost the input), and a
// malformed one 422. Handlers then find r.PostForm (and r.MultipartForm)
// filled in.

// maxFormBody bounds a url-encoded form body: the largest field is a
// 20,000-character message, at most 4 bytes a character, percent-encoded.
const maxFormBody = maxPublicForm

// formLimits are the limits of every page form: maxUploadBody when it may
// carry a file.
var formLimits = formbody.Limits{Form: maxFormBody, Multipart: maxUploadBody}

// readForm is the middleware that reads every page's form body first and
// answers a body it cannot read with a translated page.
func (s *Server) readForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, multipart := formbody.Read(w, r, formLimits)
		if p == formbody.OK {
			next.ServeHTTP(w, r)
			return
		}
		status, msgID := statusOf(apperr.Invalid), "error_form_malformed"
		if p == formbody.TooLarge {
			status, msgID = http.StatusRequestEntityTooLarge, "error_form_too_large"
			if multipart {
				msgID = "attachment_error_body_too_large"
			}
		}
		s.log.InfoContext(r.Context(), "form body refused", "request_id", requestID(r.Context()), "status", status)
		s.render(w, r, status, views.ErrorPage(s.page(r, "error_title", ""), "error_title", msgID))
	})
}
