package web

import (
	"net/http"
	"net/url"

	"github.com/a-h/templ"
	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// render writes c with status. It renders into a buffer first, so a failure
// half-way cannot send a broken page with a 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := getPageBuffer()
	defer putPageBuffer(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		s.log.ErrorContext(r.Context(), "render", "request_id", requestID(r.Context()), "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// isHTMX reports whether r came from htmx and wants a fragment.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// page builds the layout props for r.
func (s *Server) page(r *http.Request, titleID, active string) views.Page {
	l := i18n.FromContext(r.Context())
	p := views.Page{
		Title:  l.T(titleID),
		Lang:   l.Lang,
		User:   currentUser(r.Context()),
		Active: active,
		Asset:  s.assets.url,
		Path:   r.URL.RequestURI(),
	}
	p.LiveFrom, _ = r.Context().Value(ctxLiveFrom).(string)
	if p.User != nil {
		nav, _ := r.Context().Value(ctxNav).(*navCounts)
		if nav == nil || !nav.queued {
			// The nav counts and the bell in one round trip, unless the
			// page's own batch carried them (queueNav).
			var b pgx.Batch
			nav = s.queueNav(r, &b)
			if err := s.db.SendBatch(r.Context(), &b).Close(); err != nil {
				s.log.WarnContext(r.Context(), "nav counts", "request_id", requestID(r.Context()), "err", err)
			}
		}
		if c, err := nav.counts(); err == nil {
			p.NavBadge = map[string]int{"mine": c.Mine, "team": c.TeamUnassigned}
		}
		if n, err := nav.unread(); err == nil {
			p.Unread = n
		}
	}
	if f := s.sessions.PopString(r.Context(), "flash"); f != "" {
		if q, err := url.ParseQuery(f); err == nil {
			p.Flash = &views.Flash{Kind: q.Get("kind"), MsgID: q.Get("msg")}
			for _, name := range []string{"Owner"} {
				if q.Has(name) {
					p.Flash.Args = append(p.Flash.Args, name, q.Get(name))
				}
			}
		}
	}
	return p
}

// navCounts are the layout's nav counts and unread bell of a signed-in
// request: queued on the page's own batch by queueNav, or by page itself.
type navCounts struct {
	queued bool
	fresh  bool // count, whatever is kept (the live header)
	counts func() (tickets.Counts, error)
	unread func() (int, error)
}

// queueNav queues the layout's nav counts and bell of r's user on b; a page
// that sends one batch for its reads calls it so the layout needs no round
// trip of its own.
func (s *Server) queueNav(r *http.Request, b *pgx.Batch) *navCounts {
	u := currentUser(r.Context())
	nav, _ := r.Context().Value(ctxNav).(*navCounts)
	if nav == nil {
		nav = &navCounts{}
	}
	nav.queued = true
	if nav.fresh {
		nav.counts = s.nav.Fresh(b, actorOf(u))
	} else {
		nav.counts = s.nav.Batch(b, actorOf(u))
	}
	nav.unread = s.esc.UnreadCountBatch(b, u.ID)
	return nav
}

// flash stores a one-time message for the next page.
// args are name/value pairs for the message (only the names page() knows).
func (s *Server) flash(r *http.Request, kind, msgID string, args ...string) {
	q := url.Values{"kind": {kind}, "msg": {msgID}}
	for i := 0; i+1 < len(args); i += 2 {
		q.Set(args[i], args[i+1])
	}
	s.sessions.Put(r.Context(), "flash", q.Encode())
}

// redirect answers a successful form post (PRG); htmx follows HX-Location.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
