package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// teamID reads {id} of a team route; anything but a positive number is a 404.
func teamID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "error_team_not_found")
	}
	return id, nil
}

// handleAssignment shows a team's automatic assignment and its members' skills.
func (s *Server) handleAssignment(w http.ResponseWriter, r *http.Request) {
	id, err := teamID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.staff.TeamAssignment(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderAssignment(w, r, http.StatusOK, views.AssignmentView{Team: a, Form: views.AssignmentFormOf(a)})
}

func (s *Server) renderAssignment(w http.ResponseWriter, r *http.Request, status int, v views.AssignmentView) {
	p := s.page(r, "live_assign_title", "admin")
	p.Title = views.T(r.Context(), "live_assign_team", "Team", v.Team.TeamName)
	s.render(w, r, status, views.AssignmentPage(p, v))
}

// handleAssignmentSave stores the mode, the cap and the skills of the
// members listed on the form (a member with no box ticked has none).
func (s *Server) handleAssignmentSave(w http.ResponseWriter, r *http.Request) {
	id, err := teamID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	form := views.AssignmentForm{Mode: pf.Get("mode"), Capacity: strings.TrimSpace(pf.Get("capacity")), Skills: map[int64]staff.Skills{}}
	var errs apperr.Fields
	capacity := 0
	if form.Capacity != "" {
		if capacity, err = strconv.Atoi(form.Capacity); err != nil {
			errs.Add("capacity", "live_error_capacity")
		}
	}
	for _, raw := range pf["member"] {
		uid, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || uid <= 0 {
			errs.Add("mode", "error_invalid_form")
			continue
		}
		form.Skills[uid] = staff.Skills{Languages: pf["lang_"+raw], Categories: pf["cat_"+raw]}
	}
	err = errs.Err()
	if err == nil {
		err = s.staff.SaveTeamAssignment(r.Context(), currentUser(r.Context()).ID, id,
			staff.AssignmentEdit{Mode: tickets.AssignMode(form.Mode), Capacity: capacity, Skills: form.Skills})
	}
	if apperr.Is(err, apperr.Invalid) {
		a, aerr := s.staff.TeamAssignment(r.Context(), id)
		if aerr != nil {
			s.fail(w, r, aerr)
			return
		}
		form.Errors = apperr.FieldsOf(err)
		s.renderAssignment(w, r, http.StatusUnprocessableEntity, views.AssignmentView{Team: a, Form: form})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "live_flash_assignment_saved")
	redirect(w, r, views.AssignmentURL(id))
}
