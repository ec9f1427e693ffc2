package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// queuePages maps each queue's scope to its path, title and nav entry.
var queuePages = map[tickets.Scope]struct{ path, titleID, nav string }{
	tickets.ScopeMine:           {"/queue/mine", "queue_mine", "mine"},
	tickets.ScopeTeamUnassigned: {"/queue/team", "queue_team_unassigned", "team"},
	tickets.ScopeAll:            {"/queue/all", "queue_all", "team"},
}

// queue serves one queue page: filters from the query string, keyset pages.
func (s *Server) queue(scope tickets.Scope) http.HandlerFunc {
	meta := queuePages[scope]
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		u := currentUser(r.Context())
		form := views.QueueFilterForm{
			Status: q.Get("status"), Priority: q.Get("priority"), Channel: q.Get("channel"),
			Category: q.Get("category"), TeamID: q.Get("team"), OwnerID: q.Get("owner"), Tag: q.Get("tag"),
			From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort"),
		}
		f, err := parseFilter(q, form, u.Location())
		f.Scope = scope
		status := http.StatusOK
		// The page's reads in one round trip (and the past SLA pauses of its
		// rows, when their clocks run, in a second): the rows, the filter bar's teams and owners, saved
		// views, follow-ups due, the nav counts and the bell.
		var b pgx.Batch
		var rows func() (tickets.Page, error)
		if err == nil {
			rows = s.tickets.QueueBatch(&b, actorOf(u), f)
		}
		teamList := s.staff.TeamsBatch(&b)
		savedList := s.tickets.ViewsBatch(&b, u.ID)
		var staffList func() ([]staff.User, error)
		if scope == tickets.ScopeAll || u.Role.AtLeast(staff.RoleSupervisor) {
			staffList = s.staff.ListBatch(&b)
		}
		var due func() ([]escalation.FollowUp, error)
		if scope == tickets.ScopeMine {
			due = s.esc.DueFollowUpsBatch(&b, u.ID, 20)
		}
		s.queueNav(r, &b)
		if serr := s.db.SendBatch(r.Context(), &b).Close(); serr != nil && err == nil {
			err = serr
		}
		var page tickets.Page
		if err == nil {
			page, err = rows()
		}
		if apperr.Is(err, apperr.Invalid) {
			form.Errors = apperr.FieldsOf(err)
			status = http.StatusUnprocessableEntity
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
		teams, err := teamList()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		saved, err := savedList()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var members []staff.User
		if staffList != nil {
			if members, err = staffList(); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		v := views.QueueView{
			Scope: string(scope), Path: meta.path, TitleID: meta.titleID, Filter: form, Query: q,
			Tickets: page.Tickets, Next: page.Next, HasPrev: q.Get("after") != "",
			Teams: views.TeamOptions(r.Context(), teams, "filter_any"), Views: saved, Now: s.now(),
		}
		if v.Clocks, err = s.esc.ClocksOf(r.Context(), page.Tickets); err != nil {
			s.fail(w, r, err)
			return
		}
		if scope == tickets.ScopeAll {
			// Not views.UserOptions: a deactivated member's tickets are still
			// theirs (the staff page links here to reassign them).
			v.Owners = []views.Option{{Value: "", Label: views.T(r.Context(), "filter_any")}}
			for _, m := range members {
				v.Owners = append(v.Owners, views.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name})
			}
		}
		// live desk: bulk actions, and the report of the last one
		v.Bulk = s.bulkPanel(r, u, members)
		if due != nil {
			// Follow-ups due come first: closing the loop is the owner's job.
			if v.FollowUps, err = due(); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		s.render(w, r, status, views.QueuePage(s.page(r, meta.titleID, meta.nav), v))
	}
}

// parseFilter reads the filter bar; bad values are field errors. The
// "created from/until" days are the viewer's days: they start at midnight in
// loc, the viewer's time zone.
func parseFilter(q url.Values, form views.QueueFilterForm, loc *time.Location) (tickets.Filter, error) {
	var errs apperr.Fields
	f := tickets.Filter{Status: form.Status, Category: form.Category, Tag: form.Tag, Sort: form.Sort,
		Channel: tickets.Channel(form.Channel), After: q.Get("after")}
	if form.Priority != "" {
		p, ok := tickets.ParsePriority(form.Priority)
		if !ok {
			errs.Add("priority", "error_priority_invalid")
		}
		f.Priority = p
	}
	for _, p := range []struct {
		field, raw string
		dst        *int64
	}{{"team", form.TeamID, &f.TeamID}, {"owner", form.OwnerID, &f.OwnerID}, {"customer", q.Get("customer"), &f.CustomerID}} {
		if p.raw == "" {
			continue
		}
		id, err := strconv.ParseInt(p.raw, 10, 64)
		if err != nil || id <= 0 {
			errs.Add(p.field, "error_invalid_choice")
		}
		*p.dst = id
	}
	for _, d := range []struct {
		field, raw string
		dst        *time.Time
		days       int
	}{{"from", form.From, &f.CreatedFrom, 0}, {"to", form.To, &f.CreatedTo, 1}} {
		if d.raw == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.raw, loc)
		if err != nil {
			errs.Add(d.field, "error_date_invalid")
			continue
		}
		*d.dst = t.AddDate(0, 0, d.days) // "to" includes its whole day (23 or 25 hours when the clocks change)
	}
	return f, errs.Err()
}

func (s *Server) handleSaveView(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	scope := tickets.Scope(r.PostFormValue("scope"))
	// The query is kept in its encoded form (escaped, one line); one that
	// does not even parse is no filter to keep.
	vals, err := url.ParseQuery(r.PostFormValue("query"))
	vals.Del("after") // a view is a filter, not a position
	query := vals.Encode()
	if err != nil {
		err = apperr.InvalidFields(map[string]string{"view_name": "error_invalid_form"})
	} else {
		err = s.tickets.SaveView(r.Context(), u.ID, tickets.SavedView{Name: r.PostFormValue("view_name"), Scope: scope, Query: query})
	}
	meta, ok := queuePages[scope]
	if !ok {
		meta = queuePages[tickets.ScopeMine]
	}
	if apperr.Is(err, apperr.Invalid) {
		s.flash(r, "error", "error_view_name")
		redirect(w, r, meta.path+"?"+query)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "flash_view_saved")
	redirect(w, r, meta.path+"?"+query)
}
