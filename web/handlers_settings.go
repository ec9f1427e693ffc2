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

// Staff accounts after they are made: an admin edits one member (role,
// teams, language, time zone, deactivation, password reset); every member
// sets their own language, time zone and password.

func (s *Server) staffEditView(r *http.Request, id int64) (views.StaffEditView, error) {
	var v views.StaffEditView
	u, err := s.staff.Get(r.Context(), id)
	if err != nil {
		return v, err
	}
	v.User = u
	v.Form = views.StaffEditFormOf(u)
	if v.Teams, err = s.staff.Teams(r.Context()); err != nil {
		return v, err
	}
	// An index-only count over the queue indexes; the notice says "100+" past 100.
	c, err := s.tickets.QueueCounts(r.Context(), tickets.Actor{UserID: id})
	if err != nil {
		return v, err
	}
	v.OpenOwned = strconv.Itoa(min(c.Mine, 100))
	if c.Mine > 100 {
		v.OpenOwned += "+"
	}
	return v, nil
}

func staffIDParam(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) handleAdminStaffEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := staffIDParam(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	v, err := s.staffEditView(r, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.StaffEditPage(s.page(r, "admin_staff_title", "admin"), v))
}

// handleAdminStaffSave saves an admin's edit; a bad form comes back filled in
// (except the password) with the errors beside the fields.
func (s *Server) handleAdminStaffSave(w http.ResponseWriter, r *http.Request) {
	id, ok := staffIDParam(r)
	if !ok {
		s.handleNotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	form := views.StaffEditForm{Name: pf.Get("name"), Role: pf.Get("role"), Locale: pf.Get("locale"),
		TimeZone: pf.Get("time_zone"), Active: pf.Get("active") == "1"}
	var errs apperr.Fields
	for _, raw := range pf["team_id"] {
		if tid := parseID(&errs, "teams", raw); tid > 0 {
			form.TeamIDs = append(form.TeamIDs, tid)
		}
	}
	edit := staff.Edit{Name: form.Name, Role: staff.Role(form.Role), TeamIDs: form.TeamIDs, Locale: form.Locale,
		TimeZone: form.TimeZone, Active: form.Active, Password: pf.Get("password")}
	err := errs.Err()
	if err == nil {
		_, err = s.staff.Update(r.Context(), currentUser(r.Context()).ID, id, edit)
	} else {
		// Report the store's checks too, so every bad field shows at once.
		for field, msg := range apperr.FieldsOf(edit.Validate()) {
			errs.Add(field, msg)
		}
		err = errs.Err()
	}
	if apperr.Is(err, apperr.Invalid) {
		v, verr := s.staffEditView(r, id)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		form.Errors = apperr.FieldsOf(err)
		v.Form = form
		s.render(w, r, http.StatusUnprocessableEntity, views.StaffEditPage(s.page(r, "admin_staff_title", "admin"), v))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "staff_edit_saved"
	if edit.Password != "" {
		// A reset ends every session of the member; an admin resetting their
		// own password stays signed in here.
		msg = "trust_staff_password_reset_signed_out"
		if id == currentUser(r.Context()).ID {
			if err := s.continueSession(r, id); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	s.log.InfoContext(r.Context(), "staff account updated", "request_id", requestID(r.Context()), "user_id", id)
	s.flash(r, "success", msg)
	redirect(w, r, "/admin/staff")
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, v views.SettingsView) {
	u := currentUser(r.Context())
	if v.Prefs.Locale == "" {
		v.Prefs.Locale, v.Prefs.TimeZone = u.Locale, u.TimeZone
	}
	s.render(w, r, status, views.SettingsPage(s.page(r, "settings_title", ""), v))
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	s.renderSettings(w, r, http.StatusOK, views.SettingsView{})
}

func (s *Server) handleSettingsPrefs(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	form := views.PrefsForm{Locale: r.PostForm.Get("locale"), TimeZone: strings.TrimSpace(r.PostForm.Get("time_zone"))}
	err := s.staff.SetPreferences(r.Context(), currentUser(r.Context()).ID, form.Locale, form.TimeZone)
	if apperr.Is(err, apperr.Invalid) {
		form.Errors = apperr.FieldsOf(err)
		s.renderSettings(w, r, http.StatusUnprocessableEntity, views.SettingsView{Prefs: form})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "settings_prefs_saved")
	redirect(w, r, "/settings")
}

func (s *Server) handleSettingsPassword(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	u := currentUser(r.Context())
	err := s.staff.ChangePassword(r.Context(), u.ID, r.PostForm.Get("current_password"), r.PostForm.Get("new_password"))
	if apperr.Is(err, apperr.Invalid) {
		s.renderSettings(w, r, http.StatusUnprocessableEntity, views.SettingsView{Password: views.PasswordForm{Errors: apperr.FieldsOf(err)}})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The change ended every session of the member; this one goes on under
	// a new token, so a stolen cookie stops here.
	if err := s.continueSession(r, u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "password changed", "request_id", requestID(r.Context()), "user_id", u.ID)
	s.flash(r, "success", "trust_password_changed_elsewhere_out")
	redirect(w, r, "/settings")
}

// continueSession keeps the current session of staff member id after their
// sessions were ended: a new token and the member's new session epoch.
func (s *Server) continueSession(r *http.Request, id int64) error {
	u, err := s.staff.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessionEpochKey, u.SessionEpoch)
	return nil
}
