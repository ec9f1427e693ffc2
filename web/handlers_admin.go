package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// The admin pages: teams (tier, skill, calendar), staff (add, away),
// business-hours calendars and SLA policies.

func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var v views.AdminHomeView
	teams, err := s.esc.TeamProfiles(ctx)
	if err == nil {
		v.Teams = len(teams)
		v.Staff, err = s.staff.Count(ctx)
	}
	var cals []escalation.CalendarDef
	if err == nil {
		cals, err = s.esc.Calendars(ctx)
		v.Calendars = len(cals)
	}
	var pols []escalation.Policy
	if err == nil {
		pols, err = s.esc.Policies(ctx)
		v.Policies = len(pols)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminHome(s.page(r, "admin_title", "admin"), v))
}

// parseID reads an optional id field: "" is 0; anything but a positive
// number is a field error.
func parseID(errs *apperr.Fields, field, raw string) int64 {
	if raw == "" {
		return 0
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		errs.Add(field, "error_invalid_choice")
		return 0
	}
	return id
}

// tooLong adds msgID for field when the trimmed value has more than max characters.
func tooLong(errs *apperr.Fields, field, value string, max int, msgID string) {
	if utf8.RuneCountInString(strings.TrimSpace(value)) > max {
		errs.Add(field, msgID)
	}
}

// --- Teams ---

func (s *Server) adminTeamsView(ctx context.Context) (views.AdminTeamsView, error) {
	v := views.AdminTeamsView{Forms: map[int64]views.TeamForm{}, New: views.TeamForm{Tier: "1"}}
	var err error
	if v.Teams, err = s.esc.TeamProfiles(ctx); err != nil {
		return v, err
	}
	cals, err := s.esc.Calendars(ctx)
	if err != nil {
		return v, err
	}
	v.Calendars = []views.Option{{Value: "", Label: views.T(ctx, "admin_calendar_none")}}
	for _, c := range cals {
		v.Calendars = append(v.Calendars, views.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name})
	}
	return v, nil
}

func (s *Server) handleAdminTeams(w http.ResponseWriter, r *http.Request) {
	v, err := s.adminTeamsView(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminTeamsPage(s.page(r, "admin_teams_title", "admin"), v))
}

// handleAdminTeamSave saves one team's profile (team_id set) or adds a team.
func (s *Server) handleAdminTeamSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	form := views.TeamForm{TeamID: pf.Get("team_id"), Name: pf.Get("name"), Tier: pf.Get("tier"), Skill: pf.Get("skill"), CalendarID: pf.Get("calendar_id")}
	var errs apperr.Fields
	teamID := parseID(&errs, "name", form.TeamID)
	calendarID := parseID(&errs, "calendar_id", form.CalendarID)
	tier, _ := strconv.Atoi(form.Tier) // 0 is refused as a tier
	err := errs.Err()
	flashID := "admin_flash_team_saved"
	if err == nil {
		u := currentUser(r.Context())
		if teamID == 0 {
			_, err = s.esc.CreateTeam(r.Context(), u.ID, form.Name, tier, form.Skill, calendarID)
			flashID = "admin_flash_team_created"
		} else {
			err = s.esc.SetTeamProfile(r.Context(), u.ID, teamID, tier, form.Skill, calendarID)
		}
	}
	if apperr.Is(err, apperr.Invalid) {
		v, verr := s.adminTeamsView(r.Context())
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		form.Errors = apperr.FieldsOf(err)
		if teamID == 0 {
			v.New = form
		} else {
			v.Forms[teamID] = form
		}
		s.render(w, r, http.StatusUnprocessableEntity, views.AdminTeamsPage(s.page(r, "admin_teams_title", "admin"), v))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", flashID)
	redirect(w, r, "/admin/teams")
}

// --- Staff ---

func (s *Server) adminStaffView(ctx context.Context) (views.AdminStaffView, error) {
	v := views.AdminStaffView{Form: views.StaffForm{Role: string(staff.RoleRep), Locale: "en", TimeZone: "UTC"}}
	users, err := s.staff.List(ctx)
	if err != nil {
		return v, err
	}
	teams, err := s.staff.Teams(ctx)
	if err != nil {
		return v, err
	}
	awayIDs, err := s.staff.AwayUsers(ctx)
	if err != nil {
		return v, err
	}
	names := map[int64]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
		v.TeamNames = append(v.TeamNames, t.Name)
	}
	for _, u := range users {
		row := views.StaffRow{U: u, Away: slices.Contains(awayIDs, u.ID)}
		for _, id := range u.TeamIDs {
			row.Teams = append(row.Teams, names[id])
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

func (s *Server) handleAdminStaff(w http.ResponseWriter, r *http.Request) {
	v, err := s.adminStaffView(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminStaffPage(s.page(r, "admin_staff_title", "admin"), v))
}

// handleAdminStaffCreate adds a staff account. A bad form comes back filled
// in, except for the password.
func (s *Server) handleAdminStaffCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	form := views.StaffForm{Email: pf.Get("email"), Name: pf.Get("name"), Role: pf.Get("role"), Team: pf.Get("team"),
		Locale: pf.Get("locale"), TimeZone: pf.Get("time_zone")}
	// Lengths the store leaves to the database's checks.
	var errs apperr.Fields
	tooLong(&errs, "email", form.Email, 254, "error_email_invalid")
	tooLong(&errs, "name", form.Name, 200, "error_too_long")
	tooLong(&errs, "team", form.Team, 100, "error_too_long")
	err := errs.Err()
	if err == nil {
		_, err = s.staff.Create(r.Context(), currentUser(r.Context()).ID, staff.NewUser{
			Email: form.Email, Name: form.Name, Role: staff.Role(form.Role), Team: strings.TrimSpace(form.Team),
			Locale: form.Locale, TimeZone: strings.TrimSpace(form.TimeZone), Password: pf.Get("password"),
		})
	}
	if apperr.Is(err, apperr.Invalid) {
		v, verr := s.adminStaffView(r.Context())
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		form.Errors = apperr.FieldsOf(err)
		v.Form = form
		s.render(w, r, http.StatusUnprocessableEntity, views.AdminStaffPage(s.page(r, "admin_staff_title", "admin"), v))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "admin_flash_staff_created")
	redirect(w, r, "/admin/staff")
}

// handleAdminStaffAway marks a staff member away (away=1) or back (away=0).
func (s *Server) handleAdminStaffAway(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "error_user_not_found"))
		return
	}
	var away bool
	switch r.PostFormValue("away") {
	case "1":
		away = true
	case "0":
	default:
		v, verr := s.adminStaffView(r.Context())
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		p := s.page(r, "admin_staff_title", "admin")
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_choice"}
		s.render(w, r, http.StatusUnprocessableEntity, views.AdminStaffPage(p, v))
		return
	}
	if err := s.staff.SetAway(r.Context(), currentUser(r.Context()).ID, id, away); err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "admin_flash_marked_back"
	if away {
		msg = "admin_flash_marked_away"
	}
	s.flash(r, "success", msg)
	redirect(w, r, "/admin/staff")
}

// --- Calendars ---

func (s *Server) renderCalendars(w http.ResponseWriter, r *http.Request, status int, cals []escalation.CalendarDef, form views.CalendarForm) {
	v := views.AdminCalendarsView{Calendars: cals, Form: form}
	s.render(w, r, status, views.AdminCalendarsPage(s.page(r, "admin_calendars_title", "admin"), v))
}

// handleAdminCalendars lists the calendars; ?edit=<id> fills the form with one.
func (s *Server) handleAdminCalendars(w http.ResponseWriter, r *http.Request) {
	cals, err := s.esc.Calendars(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A new calendar starts as an office week, Monday to Friday 08:00-16:00.
	form := views.CalendarForm{TimeZone: "UTC", Hours: [7]string{"08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00", "08:00-16:00"}}
	if raw := r.URL.Query().Get("edit"); raw != "" {
		c, ok := findCalendar(cals, raw)
		if !ok {
			s.fail(w, r, apperr.New(apperr.NotFound, "admin_error_calendar_not_found"))
			return
		}
		form = calendarFormOf(c)
	}
	s.renderCalendars(w, r, http.StatusOK, cals, form)
}

func findCalendar(cals []escalation.CalendarDef, rawID string) (escalation.CalendarDef, bool) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil {
		return escalation.CalendarDef{}, false
	}
	i := slices.IndexFunc(cals, func(c escalation.CalendarDef) bool { return c.ID == id })
	if i < 0 {
		return escalation.CalendarDef{}, false
	}
	return cals[i], true
}

func calendarFormOf(c escalation.CalendarDef) views.CalendarForm {
	f := views.CalendarForm{ID: strconv.FormatInt(c.ID, 10), Name: c.Name, TimeZone: c.TimeZone, Holidays: strings.Join(c.Holidays, ", ")}
	for d := 1; d <= 7; d++ {
		f.Hours[d-1] = strings.Join(c.Hours[d], ", ")
	}
	return f
}

// handleAdminCalendarSave adds a calendar (id empty) or changes one.
func (s *Server) handleAdminCalendarSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	form := views.CalendarForm{ID: pf.Get("id"), Name: pf.Get("name"), TimeZone: pf.Get("time_zone"), Holidays: pf.Get("holidays")}
	for d := 1; d <= 7; d++ {
		form.Hours[d-1] = pf.Get("hours_" + strconv.Itoa(d))
	}
	cals, err := s.esc.Calendars(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := escalation.CalendarInput{Name: form.Name, TimeZone: form.TimeZone, Hours: form.Hours, Holidays: form.Holidays}
	if form.ID != "" {
		c, ok := findCalendar(cals, form.ID)
		if !ok {
			s.fail(w, r, apperr.New(apperr.NotFound, "admin_error_calendar_not_found"))
			return
		}
		in.ID = c.ID
	}
	def, err := in.Validate()
	if err == nil {
		_, err = s.esc.SaveCalendar(r.Context(), currentUser(r.Context()).ID, def)
	}
	if apperr.Is(err, apperr.Invalid) {
		form.Errors = apperr.FieldsOf(err)
		s.renderCalendars(w, r, http.StatusUnprocessableEntity, cals, form)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "admin_flash_calendar_saved")
	redirect(w, r, "/admin/calendars")
}

// --- SLA policies ---

func (s *Server) adminSLAView(ctx context.Context) (views.AdminSLAView, error) {
	v := views.AdminSLAView{
		Form:      views.PolicyForm{Priority: tickets.PriorityNormal.String(), AtRisk: "75", SupervisorDelay: "60"},
		TeamNames: map[int64]string{},
	}
	var err error
	if v.Policies, err = s.esc.Policies(ctx); err != nil {
		return v, err
	}
	teams, err := s.staff.Teams(ctx)
	if err != nil {
		return v, err
	}
	for _, t := range teams {
		v.TeamNames[t.ID] = t.Name
	}
	v.Teams = views.TeamOptions(ctx, teams, "admin_sla_no_breach_team")
	return v, nil
}

// handleAdminSLA lists the policies; ?edit=<id> fills the form with one.
func (s *Server) handleAdminSLA(w http.ResponseWriter, r *http.Request) {
	v, err := s.adminSLAView(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if raw := r.URL.Query().Get("edit"); raw != "" {
		id, _ := strconv.ParseInt(raw, 10, 64)
		i := slices.IndexFunc(v.Policies, func(p escalation.Policy) bool { return p.ID == id })
		if i < 0 {
			s.fail(w, r, apperr.New(apperr.NotFound, "admin_error_policy_not_found"))
			return
		}
		v.Form = views.PolicyFormOf(v.Policies[i])
	}
	s.render(w, r, http.StatusOK, views.AdminSLAPage(s.page(r, "admin_sla_title", "admin"), v))
}

// maxMinutes bounds a target (about two years) so it fits every column and duration.
const maxMinutes = 1_000_000

// parsePolicyForm reads the policy form; bad numbers are field errors.
func parsePolicyForm(f views.PolicyForm) (escalation.Policy, error) {
	var errs apperr.Fields
	p := escalation.Policy{Name: f.Name, Category: f.Category}
	tooLong(&errs, "name", f.Name, 100, "error_too_long")
	p.Priority, _ = tickets.ParsePriority(f.Priority) // 0 is refused by SavePolicy
	if f.Category != "" && !slices.Contains(tickets.Categories, f.Category) {
		errs.Add("category", "error_category_invalid")
	}
	for _, m := range []struct {
		field, raw string
		dst        *time.Duration
	}{
		{"first_response_minutes", f.FirstResponse, &p.FirstResponse},
		{"next_response_minutes", f.NextResponse, &p.NextResponse},
		{"resolution_minutes", f.Resolution, &p.Resolution},
		{"supervisor_delay_minutes", f.SupervisorDelay, &p.SupervisorDelay},
	} {
		raw := strings.TrimSpace(m.raw)
		if raw == "" {
			errs.Add(m.field, "error_required")
			continue
		}
		// The lower bounds (a target of at least a minute, a delay of 0 or
		// more) are the policy's own rules: SavePolicy names them.
		n, err := strconv.Atoi(raw)
		if err != nil || n < -maxMinutes || n > maxMinutes {
			errs.Add(m.field, "admin_error_minutes")
			continue
		}
		*m.dst = time.Duration(n) * time.Minute
	}
	p.AtRiskPercent, _ = strconv.Atoi(strings.TrimSpace(f.AtRisk)) // 0 is refused by SavePolicy
	p.BreachTeamID = parseID(&errs, "breach_team_id", f.BreachTeam)
	return p, errs.Err()
}

// handleAdminSLASave creates or replaces the policy of a priority and category.
func (s *Server) handleAdminSLASave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	form := views.PolicyForm{Name: pf.Get("name"), Priority: pf.Get("priority"), Category: pf.Get("category"),
		FirstResponse: pf.Get("first_response_minutes"), NextResponse: pf.Get("next_response_minutes"),
		Resolution: pf.Get("resolution_minutes"), AtRisk: pf.Get("at_risk_percent"), BreachTeam: pf.Get("breach_team_id"),
		SupervisorDelay: pf.Get("supervisor_delay_minutes")}
	p, err := parsePolicyForm(form)
	if err == nil {
		err = s.esc.SavePolicy(r.Context(), currentUser(r.Context()).ID, p)
	}
	if apperr.Is(err, apperr.Invalid) {
		v, verr := s.adminSLAView(r.Context())
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		form.Errors = apperr.FieldsOf(err)
		v.Form = form
		s.render(w, r, http.StatusUnprocessableEntity, views.AdminSLAPage(s.page(r, "admin_sla_title", "admin"), v))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "admin_flash_policy_saved")
	redirect(w, r, "/admin/sla")
}
