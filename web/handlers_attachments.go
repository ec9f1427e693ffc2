package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Attachments: the forms that may carry one file (the web form, the status
// page reply, the rep reply box) post multipart bodies; the files come back
// only as downloads, never shown inline, so that an uploaded file cannot run
// in our origin whatever it claims to be.

// maxUploadBody bounds a multipart form body: one file of at most 10 MiB
// plus the text fields and the multipart framing, with room to spare. A
// larger body is refused while it is read (413), not after.
const maxUploadBody = 11 << 20

// parseUploadForm returns the file of a form that may carry one in the field
// "attachment", nil when none was chosen. The body itself was read before
// the handler (readForm: 413 for a body too large, 400 for a malformed
// one). When ok is false it has answered.
func (s *Server) parseUploadForm(w http.ResponseWriter, r *http.Request) (file *tickets.NewAttachment, ok bool) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["attachment"]) == 0 {
		return nil, true // no file chosen: browsers then send no file part
	}
	fh := r.MultipartForm.File["attachment"][0]
	f, err := fh.Open()
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	defer f.Close()
	// One byte past the limit is enough to refuse a file as too large.
	data, err := io.ReadAll(io.LimitReader(f, tickets.MaxAttachmentSize+1))
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return &tickets.NewAttachment{Filename: fh.Filename, Data: data}, true
}

// askFileAgain adds, when a form with a file is shown again for other
// errors, a note beside the file field that the file must be chosen again:
// browsers cannot fill a file input back in.
func askFileAgain(errs map[string]string, file *tickets.NewAttachment) map[string]string {
	if file == nil || len(errs) == 0 {
		return errs
	}
	if _, ok := errs["attachment"]; !ok {
		errs["attachment"] = "attachment_error_choose_again"
	}
	return errs
}

// attachmentsByMessage loads ticket id's files for its thread, grouped by
// message; with internal only for staff.
func (s *Server) attachmentsByMessage(ctx context.Context, id int64, withInternal bool) (map[int64][]tickets.Attachment, error) {
	list, err := s.tickets.Attachments(ctx, id, withInternal)
	if err != nil {
		return nil, err
	}
	return tickets.AttachmentsByMessage(list), nil
}

// attachmentID reads {aid}; anything but a positive number is a 404.
func attachmentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "aid"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "attachment_error_not_found")
	}
	return id, nil
}

// handleAttachment serves a file of a ticket the rep may see (any other
// ticket is a 404, as on the ticket page).
func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	aid, err := attachmentID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.tickets.Attachment(r.Context(), t.ID, aid, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveAttachment(w, a)
}

// handleStatusAttachment serves a file of the status link's ticket to the
// customer: only files on public messages of that very ticket.
func (s *Server) handleStatusAttachment(w http.ResponseWriter, r *http.Request) {
	t, _, ok := s.statusTicket(w, r)
	if !ok {
		return
	}
	r = s.inCustomerLocale(w, r, t.Customer.Locale)
	aid, err := attachmentID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.tickets.Attachment(r.Context(), t.ID, aid, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveAttachment(w, a)
}

// serveAttachment sends a stored file as a download. Its type is the one
// detected at upload (text always as UTF-8 plain text); nosniff keeps the
// browser from guessing another, and the sandbox policy keeps anything that
// is opened anyway from running scripts or reaching our origin.
func serveAttachment(w http.ResponseWriter, a tickets.Attachment) {
	h := w.Header()
	ct := a.ContentType
	if ct == "text/plain" {
		ct = "text/plain; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	h.Set("Content-Disposition", contentDisposition(a.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.Data)
}

// contentDisposition is the header value that makes a browser save a file as
// name: RFC 6266 with the RFC 8187 UTF-8 form, every byte outside the
// token characters percent-encoded (quotes, semicolons and line breaks
// included, so that a name cannot end the header or add a parameter).
func contentDisposition(name string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	b.WriteString("attachment; filename*=UTF-8''")
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(attrChar, c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
