package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/web/views"
)

// The supervisor pages: the review queue of every open escalation (with
// accept, reassign, return with guidance, de-escalate and bulk reassign), the
// open and overdue loops with loop reassignment, and escalations per rep.

// maxLoops caps the loops section; the oldest due come first.
const maxLoops = 300

// reviewKeys are the query parameters of the review page worth keeping
// across an action (the filter and the loops tab).
var reviewKeys = []string{"team", "reason", "min_age", "overdue"}

// handleSupervisor serves the review queue and the loops.
func (s *Server) handleSupervisor(w http.ResponseWriter, r *http.Request) {
	v, err := s.supervisorView(r, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if len(v.Filter.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, views.SupervisorPage(s.page(r, "sup_title", "supervisor"), v))
}

// supervisorView loads the review page for the filter in q.
func (s *Server) supervisorView(r *http.Request, q url.Values) (views.SupervisorView, error) {
	ctx := r.Context()
	now := s.now()
	v := views.SupervisorView{
		Filter: views.ReviewFilterForm{TeamID: q.Get("team"), Reason: q.Get("reason"), MinAge: q.Get("min_age"),
			Overdue: q.Get("overdue") != ""},
		Back:      keepKeys(q, reviewKeys).Encode(),
		Forms:     map[int64]views.RowForm{},
		LoopForms: map[int64]views.LoopForm{},
	}
	if q.Get("loops") == "overdue" {
		v.LoopFilter = "overdue"
	}
	f, err := parseReviewFilter(v.Filter)
	var list []escalation.Escalation
	if err == nil {
		list, err = s.esc.Review(ctx, f)
	}
	if apperr.Is(err, apperr.Invalid) {
		v.Filter.Errors = apperr.FieldsOf(err)
	} else if err != nil {
		return v, err
	}
	ids := make([]int64, len(list))
	for i, e := range list {
		ids[i] = e.TicketID
	}
	// The same badges as the queue and the ticket page: one function, in business time.
	clocks, err := s.esc.Clocks(ctx, ids)
	if err != nil {
		return v, err
	}
	for _, e := range list {
		v.Rows = append(v.Rows, views.ReviewRow{E: e, Age: now.Sub(e.RequestedAt), Clock: clocks[e.TicketID]})
	}
	teams, err := s.staff.Teams(ctx)
	if err != nil {
		return v, err
	}
	v.Teams = views.TeamOptions(ctx, teams, "filter_any")
	users, err := s.staff.List(ctx)
	if err != nil {
		return v, err
	}
	awayIDs, err := s.staff.AwayUsers(ctx)
	if err != nil {
		return v, err
	}
	away := map[int64]bool{}
	for _, id := range awayIDs {
		away[id] = true
	}
	v.Seniors, v.Owners = staffChoices(ctx, users, away)
	active := map[int64]bool{}
	for _, su := range users {
		active[su.ID] = su.Active
	}
	loops, err := s.esc.DueFollowUps(ctx, 0, maxLoops)
	if err != nil {
		return v, err
	}
	v.OpenLoops = len(loops)
	for _, l := range loops {
		row := views.LoopRow{F: l, Overdue: l.Overdue(now), Left: l.DueAt.Sub(now), OwnerAway: away[l.OwnerID], OwnerInactive: !active[l.OwnerID]}
		if row.Overdue {
			v.OverdueLoops++
		}
		if v.LoopFilter == "overdue" && !row.Overdue {
			continue
		}
		v.Loops = append(v.Loops, row)
	}
	return v, nil
}

// parseReviewFilter reads the filter bar; bad values are field errors.
func parseReviewFilter(form views.ReviewFilterForm) (escalation.ReviewFilter, error) {
	var errs apperr.Fields
	f := escalation.ReviewFilter{Reason: form.Reason, Overdue: form.Overdue}
	if form.TeamID != "" {
		id, err := strconv.ParseInt(form.TeamID, 10, 64)
		if err != nil || id <= 0 {
			errs.Add("team", "error_invalid_choice")
		}
		f.TeamID = id
	}
	if form.MinAge != "" {
		h, err := strconv.Atoi(form.MinAge)
		if err != nil || h < 0 || h > 24*366 {
			errs.Add("min_age", "sup_error_min_age")
		}
		f.MinAge = time.Duration(h) * time.Hour
	}
	return f, errs.Err()
}

// staffChoices lists whom escalations can go to (active seniors and
// supervisors) and who can own a loop (active staff below admin), leaving
// out those marked away.
func staffChoices(ctx context.Context, users []staff.User, away map[int64]bool) (seniors, owners []views.Option) {
	seniors = []views.Option{{Value: "", Label: views.T(ctx, "sup_choose_senior")}}
	owners = []views.Option{{Value: "", Label: views.T(ctx, "sup_choose_owner")}}
	for _, u := range users {
		if !u.Active || away[u.ID] || u.Role == staff.RoleAdmin {
			continue
		}
		o := views.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name}
		if u.Role.AtLeast(staff.RoleSenior) {
			seniors = append(seniors, o)
		}
		owners = append(owners, o)
	}
	return seniors, owners
}

// keepKeys copies the listed keys of q.
func keepKeys(q url.Values, keys []string) url.Values {
	out := url.Values{}
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// backQuery is the review filter a posted form came from (its hidden back
// field), plus the loops tab.
func backQuery(r *http.Request) url.Values {
	q, _ := url.ParseQuery(r.PostFormValue("back"))
	q = keepKeys(q, reviewKeys)
	if r.PostFormValue("loops") == "overdue" {
		q.Set("loops", "overdue")
	}
	return q
}

// backTo is the review page with the filter a form came from.
func backTo(r *http.Request, anchor string) string {
	to := "/supervisor"
	if q := backQuery(r).Encode(); q != "" {
		to += "?" + q
	}
	return to + anchor
}

// rerenderSupervisor shows the review page again after a failed action, with
// the action's input and errors (edit) and status.
func (s *Server) rerenderSupervisor(w http.ResponseWriter, r *http.Request, status int, flashID string, edit func(*views.SupervisorView)) {
	v, err := s.supervisorView(r, backQuery(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	edit(&v)
	p := s.page(r, "sup_title", "supervisor")
	if flashID == "" && status == http.StatusUnprocessableEntity {
		flashID = "error_invalid_form"
	}
	if flashID != "" {
		p.Flash = &views.Flash{Kind: "error", MsgID: flashID}
	}
	s.render(w, r, status, views.SupervisorPage(p, v))
}

// escalationParam reads {id} as an existing escalation's id.
func (s *Server) escalationParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "error_escalation_not_found")
	}
	if _, err := s.esc.Get(r.Context(), id); err != nil {
		return 0, err
	}
	return id, nil
}

// supervisorAction runs one action on escalation {id} from the review queue.
// A bad form comes back with its input; an escalation that closed meanwhile
// shows the fresh queue with a message (409).
func (s *Server) supervisorAction(action, flashID string, do func(r *http.Request, u staff.User, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
			return
		}
		id, err := s.escalationParam(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		err = do(r, *currentUser(r.Context()), id)
		switch k := apperr.KindOf(err); {
		case err == nil:
			s.flash(r, "success", flashID)
			redirect(w, r, backTo(r, ""))
		case k == apperr.Invalid:
			form := views.RowForm{Action: action, Guidance: r.PostFormValue("guidance"), Note: r.PostFormValue("note"), Errors: apperr.FieldsOf(err)}
			s.rerenderSupervisor(w, r, http.StatusUnprocessableEntity, "", func(v *views.SupervisorView) { v.Forms[id] = form })
		case k == apperr.Conflict:
			s.rerenderSupervisor(w, r, http.StatusConflict, apperr.MsgIDOf(err), func(*views.SupervisorView) {})
		default:
			s.fail(w, r, err)
		}
	}
}

func (s *Server) handleSupervisorAccept() http.HandlerFunc {
	return s.supervisorAction("accept", "sup_flash_accepted", func(r *http.Request, u staff.User, id int64) error {
		return s.esc.Accept(r.Context(), u, id)
	})
}

func (s *Server) handleSupervisorReturn() http.HandlerFunc {
	return s.supervisorAction("return", "sup_flash_returned", func(r *http.Request, u staff.User, id int64) error {
		return s.esc.Return(r.Context(), u, id, r.PostFormValue("guidance"))
	})
}

func (s *Server) handleSupervisorDeescalate() http.HandlerFunc {
	return s.supervisorAction("deescalate", "sup_flash_deescalated", func(r *http.Request, u staff.User, id int64) error {
		return s.esc.Deescalate(r.Context(), u, id, r.PostFormValue("note"))
	})
}

// handleSupervisorReassign gives one escalation (a row's form, with row set)
// or the checked ones (the bulk form) to another senior.
func (s *Server) handleSupervisorReassign(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	var errs apperr.Fields
	var ids []int64
	checked := map[int64]bool{}
	for _, raw := range pf["ids"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			errs.Add("ids", "error_invalid_choice")
			continue
		}
		ids = append(ids, id)
		checked[id] = true
	}
	if len(ids) == 0 {
		errs.Add("ids", "error_select_escalations")
	}
	toUser, perr := strconv.ParseInt(pf.Get("to_user"), 10, 64)
	if perr != nil || toUser <= 0 {
		errs.Add("to_user", "sup_error_choose_senior")
	}
	row, _ := strconv.ParseInt(pf.Get("row"), 10, 64)
	err := errs.Err()
	if err == nil {
		err = s.esc.Reassign(r.Context(), *currentUser(r.Context()), ids, toUser)
	}
	switch k := apperr.KindOf(err); {
	case err == nil:
		s.flash(r, "success", "sup_flash_reassigned")
		redirect(w, r, backTo(r, ""))
	case k == apperr.Invalid:
		fields := apperr.FieldsOf(err)
		s.rerenderSupervisor(w, r, http.StatusUnprocessableEntity, "", func(v *views.SupervisorView) {
			if row != 0 {
				v.Forms[row] = views.RowForm{Action: "reassign", ToUser: pf.Get("to_user"), Errors: fields}
				return
			}
			v.Bulk = views.BulkForm{IDs: checked, ToUser: pf.Get("to_user"), Errors: fields}
		})
	case k == apperr.Conflict:
		s.rerenderSupervisor(w, r, http.StatusConflict, apperr.MsgIDOf(err), func(*views.SupervisorView) {})
	default:
		s.fail(w, r, err)
	}
}

// handleLoopReassign hands a ticket's loop to another owner (the owner left
// or is away).
func (s *Server) handleLoopReassign(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	tid, err := ticketID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	raw := r.PostFormValue("owner_id")
	owner, perr := strconv.ParseInt(raw, 10, 64)
	if perr != nil || owner <= 0 {
		err = apperr.InvalidFields(map[string]string{"owner_id": "sup_error_choose_owner"})
	} else {
		err = s.esc.ReassignLoop(r.Context(), *currentUser(r.Context()), tid, owner)
	}
	switch {
	case err == nil:
		s.flash(r, "success", "sup_flash_loop_reassigned")
		redirect(w, r, backTo(r, "#loops"))
	case apperr.Is(err, apperr.Invalid):
		form := views.LoopForm{OwnerID: raw, Errors: apperr.FieldsOf(err)}
		s.rerenderSupervisor(w, r, http.StatusUnprocessableEntity, "", func(v *views.SupervisorView) { v.LoopForms[tid] = form })
	default:
		s.fail(w, r, err)
	}
}

// repWeeks is how many weeks the per-rep page shows.
const repWeeks = 12

// handleSupervisorReps shows each rep's escalations per week, for coaching.
// Weeks are the viewer's: Monday to Sunday in their time zone.
func (s *Server) handleSupervisorReps(w http.ResponseWriter, r *http.Request) {
	loc := currentUser(r.Context()).Location()
	if loc.String() == "Local" { // the server's zone has no name Postgres knows
		loc = time.UTC
	}
	start := repWeeksStart(s.now(), loc)
	list, err := s.esc.PerRep(r.Context(), start, loc.String())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.RepsView{}
	for i := range repWeeks {
		v.Weeks = append(v.Weeks, start.AddDate(0, 0, 7*i))
	}
	index := map[int64]int{}
	for _, rw := range list {
		i := slices.IndexFunc(v.Weeks, func(w time.Time) bool { return w.Equal(rw.Week) })
		if i < 0 {
			continue
		}
		n, ok := index[rw.UserID]
		if !ok {
			n = len(v.Rows)
			index[rw.UserID] = n
			v.Rows = append(v.Rows, views.RepRow{Name: rw.Name, Raised: make([]int, repWeeks), Tickets: make([]int, repWeeks)})
		}
		row := &v.Rows[n]
		row.Raised[i] += rw.Raised
		row.Tickets[i] += rw.Tickets
		row.Total += rw.Raised
		row.Created += rw.Tickets
	}
	s.render(w, r, http.StatusOK, views.RepsPage(s.page(r, "sup_reps_title", "supervisor"), v))
}

// repWeeksStart is the Monday midnight, in loc, that begins the oldest of the
// repWeeks weeks up to and including now's.
func repWeeksStart(now time.Time, loc *time.Location) time.Time {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, -7*(repWeeks-1))
}
