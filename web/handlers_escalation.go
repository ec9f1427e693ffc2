package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// escalationPanelOf builds the panel from the ticket's escalations and open
// follow-up (read by the caller, in its batch).
func (s *Server) escalationPanelOf(r *http.Request, t tickets.Ticket, list []escalation.Escalation, followUp *escalation.FollowUp) (views.EscalationPanel, error) {
	var err error
	u := currentUser(r.Context())
	p := views.EscalationPanel{Now: s.now(), Form: views.EscalateForm{Kind: "escalation", Urgency: "normal"}}
	open := false
	for _, e := range list {
		row := views.EscalationRow{E: e}
		if e.Open() {
			open = true
			row.CanAccept = e.Status == escalation.StatusRequested && escalation.CanWork(*u, e)
			row.CanWork = e.Status == escalation.StatusAccepted && (e.HolderID == u.ID || u.Role.AtLeast(staff.RoleSupervisor))
		}
		p.List = append(p.List, row)
	}
	p.CanEscalate = !open && t.Status != tickets.StatusClosed
	if p.CanEscalate {
		if p.Targets, err = s.escalationTargets(r); err != nil {
			return p, err
		}
	}
	p.FollowUp = followUp
	p.CanRecord = p.FollowUp != nil && (p.FollowUp.OwnerID == u.ID || u.Role.AtLeast(staff.RoleSupervisor))
	return p, nil
}

// escalationTargets lists where a ticket can go: tier-2 teams, seniors and
// specialists by name, supervisors, and (for transfers) every team.
func (s *Server) escalationTargets(r *http.Request) ([]views.Option, error) {
	ctx := r.Context()
	profiles, err := s.esc.TeamTiers(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.staff.List(ctx)
	if err != nil {
		return nil, err
	}
	opts := []views.Option{{Value: "", Label: views.T(ctx, "escalation_target_choose")}}
	for _, tp := range profiles {
		label := views.T(ctx, "escalation_target_team", "Team", tp.Name)
		if tp.Tier != 2 {
			label = views.T(ctx, "escalation_target_department", "Team", tp.Name)
		}
		opts = append(opts, views.Option{Value: "team:" + strconv.FormatInt(tp.ID, 10), Label: label})
	}
	for _, u := range users {
		if u.Active && u.Role == staff.RoleSenior {
			opts = append(opts, views.Option{Value: "user:" + strconv.FormatInt(u.ID, 10), Label: views.T(ctx, "escalation_target_person", "Name", u.Name)})
		}
	}
	return append(opts, views.Option{Value: "supervisors", Label: views.T(ctx, "escalation_to_supervisors")}), nil
}

func (s *Server) handleEscalate(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	form := views.EscalateForm{
		Kind: r.PostFormValue("kind"), Target: r.PostFormValue("target"), Reason: r.PostFormValue("reason"),
		Note: r.PostFormValue("note"), Urgency: r.PostFormValue("urgency"),
	}
	escID, err := s.esc.Escalate(r.Context(), *currentUser(r.Context()), t.ID, escalation.Request{
		Kind: form.Kind, Target: form.Target, Reason: form.Reason, Note: form.Note, Urgency: form.Urgency,
	})
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
		form.Errors = apperr.FieldsOf(err)
		if k == apperr.Conflict {
			form.Errors = map[string]string{"note": apperr.MsgIDOf(err)}
		}
		s.rerenderTicket(w, r, t, statusOf(k), func(v *views.TicketView) { v.Esc.Form = form })
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The flash says who owns the loop: the escalation made the rep the
	// owner of an unowned ticket.
	owner := t.OwnerName
	if e, err := s.esc.Get(r.Context(), escID); err == nil {
		owner = e.OwnerName
	}
	s.flash(r, "success", "flash_escalated_owner", "Owner", owner)
	redirect(w, r, ticketURLOf(t.ID))
}

// rerenderTicket shows the ticket page again with a form's input and errors.
func (s *Server) rerenderTicket(w http.ResponseWriter, r *http.Request, t tickets.Ticket, status int, edit func(*views.TicketView)) {
	fresh, err := s.tickets.Get(r.Context(), actorOf(currentUser(r.Context())), t.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.ticketView(r, fresh)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	edit(&v)
	s.renderTicket(w, r, status, v)
}

func ticketURLOf(id int64) string { return "/tickets/" + strconv.FormatInt(id, 10) }

// escalationAction runs one action on escalation {id} and returns to its
// ticket, or with toQueue (a hand-back: the case has left the senior) to the
// escalations queue, where the next case waits.
// field is the form's text field, where a conflict is shown.
func (s *Server) escalationAction(do func(r *http.Request, u staff.User, id int64) error, field, flashID string, toQueue bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, apperr.New(apperr.NotFound, "error_escalation_not_found"))
			return
		}
		e, err := s.esc.Get(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		u := currentUser(r.Context())
		err = do(r, *u, id)
		if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
			t, gerr := s.tickets.Get(r.Context(), escalation.ActorOf(*u), e.TicketID)
			if gerr != nil {
				// The actor works escalations but may not see the ticket itself.
				s.fail(w, r, err)
				return
			}
			errs := apperr.FieldsOf(err)
			if k == apperr.Conflict {
				errs = map[string]string{field: apperr.MsgIDOf(err)}
			}
			s.rerenderTicket(w, r, t, statusOf(k), func(v *views.TicketView) { v.Esc.ActionErrors = errs })
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flash(r, "success", flashID)
		// A senior who may no longer see the ticket goes to the queue too.
		if _, err := s.tickets.Get(r.Context(), escalation.ActorOf(*u), e.TicketID); toQueue || err != nil {
			redirect(w, r, "/escalations")
			return
		}
		redirect(w, r, ticketURLOf(e.TicketID))
	}
}

func (s *Server) handleAcceptEscalation() http.HandlerFunc {
	return s.escalationAction(func(r *http.Request, u staff.User, id int64) error {
		return s.esc.Accept(r.Context(), u, id)
	}, "accept", "flash_escalation_accepted", false)
}

func (s *Server) handleReturnEscalation() http.HandlerFunc {
	return s.escalationAction(func(r *http.Request, u staff.User, id int64) error {
		return s.esc.Return(r.Context(), u, id, r.PostFormValue("guidance"))
	}, "guidance", "flash_escalation_returned", true)
}

func (s *Server) handleEscalateFurther() http.HandlerFunc {
	return s.escalationAction(func(r *http.Request, u staff.User, id int64) error {
		return s.esc.EscalateFurther(r.Context(), u, id, r.PostFormValue("note"))
	}, "note", "flash_escalated", false)
}

func (s *Server) handleFollowUp(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	form := views.FollowUpForm{Method: r.PostFormValue("method"), Confirmed: r.PostFormValue("confirmed"), Note: r.PostFormValue("followup_note")}
	err := s.esc.RecordFollowUp(r.Context(), *currentUser(r.Context()), t.ID, escalation.FollowUpResult{
		Method: form.Method, Confirmed: form.Confirmed, Note: form.Note,
	})
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
		form.Errors = apperr.FieldsOf(err)
		if k == apperr.Conflict {
			form.Errors = map[string]string{"confirmed": apperr.MsgIDOf(err)}
		}
		s.rerenderTicket(w, r, t, statusOf(k), func(v *views.TicketView) { v.Esc.FollowForm = form })
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "flash_follow_up_confirmed"
	if form.Confirmed == "no" {
		msg = "flash_follow_up_reopened"
	}
	s.flash(r, "success", msg)
	redirect(w, r, ticketURLOf(t.ID))
}

// handleEscalations is the "Escalated to me / my team" queue.
func (s *Server) handleEscalations(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	list, err := s.esc.Mine(r.Context(), *u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]views.EscalationRow, 0, len(list))
	for _, e := range list {
		rows = append(rows, views.EscalationRow{E: e, CanAccept: e.Status == escalation.StatusRequested && escalation.CanWork(*u, e)})
	}
	s.render(w, r, http.StatusOK, views.EscalationsPage(s.page(r, "escalations_title", "escalations"), rows))
}

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	list, err := s.esc.Notifications(r.Context(), currentUser(r.Context()).ID, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.NotificationsPage(s.page(r, "notifications_title", ""), list))
}

func (s *Server) handleNotificationsRead(w http.ResponseWriter, r *http.Request) {
	if err := s.esc.MarkAllRead(r.Context(), currentUser(r.Context()).ID); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/notifications")
}
