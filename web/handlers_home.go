package web

import (
	"net/http"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/tickets"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/web/views"
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	day, err := s.homeDay(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Home(s.page(r, "home_page_title", ""), s.homeNews(r), day)) // feedback: homeNews
}

// homeDayItems is how many lines each part of the rep's day shows.
const homeDayItems = 5

// homeDay is the signed-in member's day (live desk): follow-ups due, their
// open tickets whose SLA is at risk or breached, new in their teams' queue.
func (s *Server) homeDay(r *http.Request) (views.HomeDay, error) {
	ctx := r.Context()
	u := currentUser(ctx)
	a := actorOf(u)
	d := views.HomeDay{Now: s.now()}
	var err error
	if d.FollowUps, err = s.esc.DueFollowUps(ctx, u.ID, homeDayItems); err != nil {
		return d, err
	}
	mine, err := s.tickets.Queue(ctx, a, tickets.Filter{Scope: tickets.ScopeMine, Sort: "due", Limit: 50})
	if err != nil {
		return d, err
	}
	fresh, err := s.tickets.Queue(ctx, a, tickets.Filter{Scope: tickets.ScopeTeamUnassigned, Sort: "created", Limit: homeDayItems})
	if err != nil {
		return d, err
	}
	d.NewInTeam = fresh.Tickets
	if d.Clocks, err = s.esc.ClocksOf(ctx, mine.Tickets); err != nil {
		return d, err
	}
	for _, t := range mine.Tickets {
		if st := d.Clocks[t.ID].State; (st == escalation.StateAtRisk || st == escalation.StateBreached) && len(d.AtRisk) < homeDayItems {
			d.AtRisk = append(d.AtRisk, t)
		}
	}
	return d, nil
}

// placeholder serves a navigation target whose feature is not built yet.
func (s *Server) placeholder(active, headingID string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, views.Placeholder(s.page(r, headingID, active), headingID))
	}
}

// handleHealthz says the process is up.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// handleReadyz says the database is reachable and fully migrated.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "readyz: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	if err := postgres.MigrationsDone(r.Context(), s.db); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("migrations pending\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
