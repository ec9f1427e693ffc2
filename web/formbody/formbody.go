// Package formbody reads the body of a posted page form, once and within a
// size limit, so that a body too large or malformed is told apart from an
// empty form. The web layer turns its answer into a status and a page.
package formbody

import (
	"errors"
	"mime"
	"net/http"
)

// Limits bound a form body in bytes: a url-encoded one, and a multipart one
// (a form that may carry a file; kept in memory, so that no file is left in
// a temporary directory).
type Limits struct {
	Form      int64
	Multipart int64
}

// Problem is why a body could not be read.
type Problem int

// The problems; OK is none.
const (
	OK        Problem = iota
	TooLarge          // over its limit
	Malformed         // not a form of its media type
)

// Read reads r's form body into r.PostForm (and r.MultipartForm) within l.
// A request that has no form body to read (a GET, another media type) is
// OK: its handler sees an empty form. Multipart reports TooLarge for a body
// with a file.
func Read(w http.ResponseWriter, r *http.Request, l Limits) (p Problem, multipart bool) {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return OK, false
	}
	// A form type with broken parameters comes back with an error: the
	// parse below reports it as malformed. Anything else is no form.
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mt {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, l.Form)
		err = r.ParseForm()
	case "multipart/form-data":
		multipart = true
		r.Body = http.MaxBytesReader(w, r.Body, l.Multipart)
		err = r.ParseMultipartForm(l.Multipart)
	default:
		return OK, false
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return TooLarge, multipart
	case err != nil:
		return Malformed, multipart
	}
	return OK, multipart
}
