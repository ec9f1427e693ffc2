package web

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/mailin"
)

// A customer's HTML mail is shown on the ticket page in a sandboxed frame
// whose document comes from handleMessageHTML, on a route of its own with
// its own strict Content-Security-Policy. The security model (README "HTML
// mail"): the HTML was sanitised when filed and is sanitised again here
// (mailin.RenderHTML: no scripts, styles sheets, forms, frames or
// javascript: links survive); the frame has no allow-scripts, and the CSP
// forbids scripts anyway; images load only from the desk itself (the
// mail's cid: images, mapped to the ticket's attachments) and data:, so no
// remote image, tracking pixel or CSS fetch reaches the internet until the
// rep follows "Show images" (?images=1), which widens img-src to http(s)
// for that one message. Referrer-Policy no-referrer keeps the ticket's
// address from the image hosts and the links' targets.

// mailFrameSandbox is the frame's sandbox: no scripts, no forms, no
// top-level navigation; links open in a new tab outside the sandbox.
// allow-same-origin lets the frame's image requests carry the rep's
// session (the cid: images are ticket attachments); without scripts the
// document cannot use that origin for anything else.
const mailFrameSandbox = "allow-same-origin allow-popups allow-popups-to-escape-sandbox"

// mailFrameCSP is the frame document's policy; images widens img-src once
// the rep asked for remote images.
func mailFrameCSP(images bool) string {
	img := "'self' data:"
	if images {
		img += " https: http:"
	}
	return "default-src 'none'; img-src " + img + "; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; " +
		"frame-ancestors 'self'; sandbox " + mailFrameSandbox
}

// mailFrameDoc is the frame's document around the sanitised HTML.
var mailFrameDoc = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;margin:0;padding:.5rem;color:#1b1b1b;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}table{max-width:100%}</style>
</head><body>{{.Body}}</body></html>`))

// handleMessageHTML serves the HTML of a customer's mail on a ticket the rep
// may see, for the ticket page's frame.
func (s *Server) handleMessageHTML(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	mid, err := strconv.ParseInt(chi.URLParam(r, "mid"), 10, 64)
	if err != nil || mid <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "error_not_found"))
		return
	}
	m, err := s.tickets.MessageHTML(r.Context(), t.ID, mid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := ticketURLOf(t.ID) + "/attachments/"
	cids := make(map[string]string, len(m.CIDs))
	for cid, aid := range m.CIDs {
		cids[cid] = base + strconv.FormatInt(aid, 10)
	}
	images := r.URL.Query().Get("images") == "1"
	body, _ := mailin.RenderHTML(m.HTML, cids, images)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", mailFrameCSP(images))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	w.WriteHeader(http.StatusOK)
	_ = mailFrameDoc.Execute(w, map[string]any{
		"Title": "#" + strconv.FormatInt(t.ID, 10) + " " + t.Subject,
		"Lang":  t.Customer.Locale,   // the customer's language: the best guess at the mail's
		"Body":  template.HTML(body), // sanitised twice: at filing and by RenderHTML
	})
}
