package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/web/views"
)

// handleTeamSignatures shows every team's mail signature for supervisors and
// admins to edit.
func (s *Server) handleTeamSignatures(w http.ResponseWriter, r *http.Request) {
	s.renderTeamSignatures(w, r, http.StatusOK, views.TeamSignaturesView{})
}

func (s *Server) renderTeamSignatures(w http.ResponseWriter, r *http.Request, status int, v views.TeamSignaturesView) {
	teams, err := s.staff.TeamSignatures(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Teams = teams
	s.render(w, r, status, views.TeamSignaturesPage(s.page(r, "mailout_teams_title", "supervisor"), v))
}

// handleTeamSignatureSave sets one team's signature; a refused one comes
// back beside its field, as typed.
func (s *Server) handleTeamSignatureSave(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "error_not_found"))
		return
	}
	sig := r.PostFormValue("signature")
	err = s.staff.SetTeamSignature(r.Context(), currentUser(r.Context()).ID, id, sig)
	if apperr.Is(err, apperr.Invalid) {
		s.renderTeamSignatures(w, r, http.StatusUnprocessableEntity, views.TeamSignaturesView{
			Edited: id, Value: sig, Error: apperr.FieldsOf(err)["signature"]})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "mailout_signature_flash_saved")
	redirect(w, r, "/supervisor/teams#team-"+strconv.FormatInt(id, 10))
}
