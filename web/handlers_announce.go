package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/web/views"
)

// Team announcements: supervisors post them (/supervisor/announcements);
// staff see their unread ones on the home page and mark them read.

// recentAnnouncements is how many the supervisors' page lists.
const recentAnnouncements = 50

// homeAnnouncements is how many unread ones the home page shows at most.
const homeAnnouncements = 10

func (s *Server) renderAnnouncements(w http.ResponseWriter, r *http.Request, status int, form views.AnnounceForm) {
	ctx := r.Context()
	recent, err := s.announce.Recent(ctx, recentAnnouncements)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	teams, err := s.staff.Teams(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.AnnounceView{Form: form, Teams: views.TeamOptions(ctx, teams, "announce_team_all"), Recent: recent}
	p := s.page(r, "announce_title", "supervisor")
	if status == http.StatusUnprocessableEntity {
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
	}
	s.render(w, r, status, views.AnnouncementsPage(p, v))
}

// handleAnnouncements shows the post form and the recent announcements.
func (s *Server) handleAnnouncements(w http.ResponseWriter, r *http.Request) {
	s.renderAnnouncements(w, r, http.StatusOK, views.AnnounceForm{})
}

// handleAnnouncementPost publishes an announcement.
func (s *Server) handleAnnouncementPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	form := views.AnnounceForm{TeamID: strings.TrimSpace(r.PostFormValue("team_id")), Title: r.PostFormValue("title"), Body: r.PostFormValue("body")}
	var team int64
	var err error
	if form.TeamID != "" {
		team, err = strconv.ParseInt(form.TeamID, 10, 64)
		if err != nil || team <= 0 {
			err = apperr.InvalidFields(map[string]string{"team_id": "error_invalid_choice"})
		}
	}
	var id int64
	if err == nil {
		id, err = s.announce.Post(r.Context(), *currentUser(r.Context()), announce.Draft{TeamID: team, Title: form.Title, Body: form.Body})
	}
	switch {
	case err == nil:
		s.log.InfoContext(r.Context(), "announcement posted", "request_id", requestID(r.Context()), "announcement_id", id, "team_id", team)
		s.flash(r, "success", "announce_flash_posted")
		redirect(w, r, "/supervisor/announcements")
	case apperr.Is(err, apperr.Invalid):
		form.Errors = apperr.FieldsOf(err)
		s.renderAnnouncements(w, r, http.StatusUnprocessableEntity, form)
	default:
		s.fail(w, r, err)
	}
}

// handleAnnouncementRead marks one announcement read for the signed-in user.
func (s *Server) handleAnnouncementRead(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "announce_error_not_found"))
		return
	}
	if err := s.announce.MarkRead(r.Context(), *currentUser(r.Context()), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "announce_flash_read")
	redirect(w, r, "/")
}

// homeNews loads the unread announcements for the home page; a failure is
// logged and the page shown without them.
func (s *Server) homeNews(r *http.Request) views.HomeNews {
	u := currentUser(r.Context())
	if u == nil || s.announce == nil { // s.announce nil: Deps.News not wired
		return nil
	}
	list, err := s.announce.Unread(r.Context(), *u, homeAnnouncements)
	if err != nil {
		s.log.WarnContext(r.Context(), "unread announcements", "request_id", requestID(r.Context()), "err", err)
		return nil
	}
	return list
}
