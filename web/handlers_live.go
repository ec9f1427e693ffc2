package web

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/live"
	"github.com/loopdesk/loopdesk/web/views"
)

// The live desk over Server-Sent Events: one stream per signed-in tab
// (GET /events). A change is sent as ids and event names only; the page
// fetches what it shows through the ordinary routes (htmx's SSE extension
// triggers those requests), so every fetch checks access again.
//
// Event names:
//
//	queue          a ticket the user sees (or saw) changed: queues refresh
//	counts         ... in a way that can change the nav counts
//	ticket-<id>    ticket <id> changed: its page refreshes
//	presence-<id>  someone opened, left or is typing on ticket <id>
//	bell           a notification for the user
//	reset          events were lost: refresh everything shown

// streamLife bounds one stream: the browser reconnects with Last-Event-ID
// and the session and teams are checked again.
const streamLife = 10 * time.Minute

// streamPing keeps proxies from closing an idle stream.
const streamPing = 25 * time.Second

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	// Only an event stream reader gets a stream (EventSource asks for one);
	// a plain visit would wait for minutes on an endless page.
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		http.Error(w, "event stream only (Accept: text/event-stream)", http.StatusNotAcceptable)
		return
	}
	u := currentUser(r.Context())
	after := r.Header.Get("Last-Event-ID")
	if after == "" {
		after = r.URL.Query().Get("last") // the SSE extension's own reconnects
	}
	sub, backlog, reset := s.live.Subscribe(actorOf(u), after)
	defer s.live.Unsubscribe(sub)

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the server's write timeout is for pages
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	flush := func() bool {
		if bw.Flush() != nil {
			return false
		}
		return rc.Flush() == nil
	}
	fmt.Fprintf(bw, "retry: 2000\n\n")
	if reset {
		writeReset(bw, after)
	}
	for _, d := range backlog {
		writeDelivery(bw, d)
	}
	if !flush() {
		return
	}
	ping := time.NewTicker(streamPing)
	defer ping.Stop()
	end := time.NewTimer(streamLife)
	defer end.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-end.C:
			return
		case <-ping.C:
			fmt.Fprintf(bw, ": ping\n\n")
		case d, ok := <-sub.C():
			if !ok {
				return // the server is shutting down
			}
			writeDelivery(bw, d)
			if s.live.Lost(sub) {
				writeReset(bw, strconv.FormatInt(d.ID, 10))
			}
		}
		if !flush() {
			return
		}
	}
}

func writeReset(w *bufio.Writer, id string) {
	if id != "" {
		fmt.Fprintf(w, "id: %s\n", id)
	}
	fmt.Fprintf(w, "event: reset\ndata: reset\n\n")
}

// writeDelivery writes d as the SSE messages a page listens for.
func writeDelivery(w *bufio.Writer, d live.Delivery) {
	id := strconv.FormatInt(d.ID, 10)
	msg := func(event string, data int64) {
		fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %d\n\n", id, event, data)
	}
	switch {
	case d.Reset:
		writeReset(w, "")
	case d.Kind == live.KindBell:
		msg("bell", d.TicketID)
	case d.Kind == live.KindPresence:
		msg("presence-"+strconv.FormatInt(d.TicketID, 10), d.TicketID)
	case d.Kind == live.KindTicket:
		msg("queue", d.TicketID)
		if d.CountsChange() {
			msg("counts", d.TicketID)
		}
		msg("ticket-"+strconv.FormatInt(d.TicketID, 10), d.TicketID)
	}
}

// handleLiveHeader renders the layout alone: the page's live listener takes
// the nav counts and the bell from it. A stream asks for it when the counts
// changed, perhaps before this instance heard of it: they are counted
// afresh, not taken from what the instance keeps.
func (s *Server) handleLiveHeader(w http.ResponseWriter, r *http.Request) {
	if nav, ok := r.Context().Value(ctxNav).(*navCounts); ok {
		nav.fresh = true
	}
	p := s.page(r, "live_title", "")
	s.render(w, r, http.StatusOK, views.LiveHeaderPage(p))
}

// handlePresence is the "who else is here" part of a ticket page.
func (s *Server) handlePresence(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	others, err := s.presence.Others(r.Context(), t.ID, currentUser(r.Context()).ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.PresenceList(t.ID, others))
}

// handlePresenceBeat records that the signed-in user has the ticket open,
// is typing on it, or left it (state). The page's script sends it.
func (s *Server) handlePresenceBeat(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	state := r.PostFormValue("state")
	if !live.ValidState(state) {
		s.fail(w, r, apperr.InvalidFields(map[string]string{"state": "error_invalid_choice"}))
		return
	}
	if err := s.presence.Beat(r.Context(), t.ID, currentUser(r.Context()).ID, state); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleFollow follows (follow=1) or unfollows (follow=0) the ticket.
func (s *Server) handleFollow(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	follow := r.PostFormValue("follow") == "1"
	if err := s.tickets.Follow(r.Context(), actorOf(currentUser(r.Context())), t.ID, follow); err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "live_flash_unfollowed"
	if follow {
		msg = "live_flash_followed"
	}
	s.flash(r, "success", msg)
	redirect(w, r, ticketURLOf(t.ID))
}
