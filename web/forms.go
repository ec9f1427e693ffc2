package web

import (
	"errors"
	"mime"
	"net/http"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/web/views"
)

// Form bodies are read once, here, before any page handler runs: within a
// size limit, so that a body too large is answered 413 with a translated
// message instead of reaching its handler as an empty form (which then
// asked for every field again and lost the input), and a malformed one 422.
// Handlers then find r.PostForm (and r.MultipartForm) filled in.

// maxFormBody bounds a url-encoded form body: the largest field is a
// 20,000-character message, at most 4 bytes a character, percent-encoded.
const maxFormBody = maxPublicForm

// formProblem is why a form body could not be read: the status to answer
// and the message to show.
type formProblem struct {
	status int
	msgID  string
}

// readFormBody reads r's form body (url-encoded up to maxFormBody, multipart
// up to maxUploadBody, kept in memory so that no file is left in a
// temporary directory) into r.PostForm and r.MultipartForm. It returns nil
// when the form is read or there is none to read (a GET, another media
// type), else what to answer.
func readFormBody(w http.ResponseWriter, r *http.Request) *formProblem {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil // no form: the handler sees an empty one
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		err = r.ParseForm()
		if tooLarge(err) {
			return &formProblem{http.StatusRequestEntityTooLarge, "error_form_too_large"}
		}
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
		err = r.ParseMultipartForm(maxUploadBody)
		if tooLarge(err) {
			return &formProblem{http.StatusRequestEntityTooLarge, "attachment_error_body_too_large"}
		}
	default:
		return nil
	}
	if err != nil { // malformed, like any other unusable form: 422
		return &formProblem{statusOf(apperr.Invalid), "error_form_malformed"}
	}
	return nil
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// readForm is the middleware that reads every page's form body first (see
// readFormBody) and answers a body it cannot read with a translated page.
func (s *Server) readForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := readFormBody(w, r); p != nil {
			s.log.InfoContext(r.Context(), "form body refused", "request_id", requestID(r.Context()), "status", p.status)
			s.render(w, r, p.status, views.ErrorPage(s.page(r, "error_title", ""), "error_title", p.msgID))
			return
		}
		next.ServeHTTP(w, r)
	})
}
