package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/mailbox"
	"github.com/loopdesk/loopdesk/web/views"
)

// The admin Mailboxes page: IMAP mailboxes the desk reads (internal/mailbox
// does the reading), each with its health, and a form to add one. The
// password goes one way: it is sealed when saved and never shown again.

// mailboxesView lists the mailboxes with the mail filed since the start of
// the viewer's day, and the teams for the form.
func (s *Server) mailboxesView(ctx context.Context, form views.MailboxForm) (views.MailboxesView, error) {
	u := currentUser(ctx)
	now := s.now().In(u.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	v := views.MailboxesView{Form: form}
	var err error
	if v.Mailboxes, err = s.mailboxes.List(ctx, today); err != nil {
		return v, err
	}
	teams, err := s.esc.TeamProfiles(ctx)
	if err != nil {
		return v, err
	}
	for _, t := range teams {
		v.Teams = append(v.Teams, views.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	return v, nil
}

func (s *Server) handleMailboxes(w http.ResponseWriter, r *http.Request) {
	v, err := s.mailboxesView(r.Context(), views.MailboxForm{Port: "993", Security: string(mailbox.SecurityTLS), Folder: "INBOX"})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.MailboxesPage(s.page(r, "mailbox_title", "admin"), v))
}

func (s *Server) handleMailboxCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	form := views.MailboxForm{Host: pf.Get("host"), Port: pf.Get("port"), Security: pf.Get("security"), Username: pf.Get("username"),
		Folder: pf.Get("folder"), TeamID: pf.Get("team_id"), FromAddress: pf.Get("from_address")}
	var errs apperr.Fields
	teamID := parseID(&errs, "team_id", form.TeamID)
	err := errs.Err()
	u := currentUser(r.Context())
	var id int64
	if err == nil {
		id, err = s.mailboxes.Create(r.Context(), u.ID, mailbox.NewMailbox{Host: form.Host, Port: form.Port, Security: form.Security,
			Username: form.Username, Password: pf.Get("password"), Folder: form.Folder, TeamID: teamID, FromAddress: form.FromAddress})
	}
	if apperr.Is(err, apperr.Invalid) {
		form.Errors = apperr.FieldsOf(err)
		v, verr := s.mailboxesView(r.Context(), form) // the password is not sent back
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, views.MailboxesPage(s.page(r, "mailbox_title", "admin"), v))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "mailbox added", "request_id", requestID(r.Context()), "user_id", u.ID, "mailbox_id", id)
	s.flash(r, "success", "mailbox_flash_added")
	redirect(w, r, "/admin/mailboxes")
}

func (s *Server) handleMailboxDelete(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, apperr.New(apperr.NotFound, "mailbox_error_not_found"))
		return
	}
	u := currentUser(r.Context())
	if err := s.mailboxes.Delete(r.Context(), u.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "mailbox removed", "request_id", requestID(r.Context()), "user_id", u.ID, "mailbox_id", id)
	s.flash(r, "success", "mailbox_flash_removed")
	redirect(w, r, "/admin/mailboxes")
}

// mailin2: an admin edits a mailbox (the password only when typed) and
// pauses or resumes it; a paused mailbox is not read.

func mailboxID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "mbid"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "mailbox_error_not_found")
	}
	return id, nil
}

func (s *Server) renderMailboxEdit(w http.ResponseWriter, r *http.Request, status int, id int64, form views.MailboxForm) {
	teams, err := s.esc.TeamProfiles(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := views.MailboxEditView{ID: id, Form: form}
	for _, t := range teams {
		v.Teams = append(v.Teams, views.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	s.render(w, r, status, views.MailboxEditPage(s.page(r, "mailbox_edit_title", "admin"), v))
}

func (s *Server) handleMailboxEdit(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxID(r)
	var m mailbox.Mailbox
	if err == nil {
		m, err = s.mailboxes.Get(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderMailboxEdit(w, r, http.StatusOK, id, views.MailboxForm{Host: m.Host, Port: strconv.Itoa(m.Port), Security: string(m.Security),
		Username: m.Username, Folder: m.Folder, TeamID: strconv.FormatInt(m.TeamID, 10), FromAddress: m.FromAddress})
}

func (s *Server) handleMailboxSave(w http.ResponseWriter, r *http.Request) {
	id, err := mailboxID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pf := r.PostForm
	form := views.MailboxForm{Host: pf.Get("host"), Port: pf.Get("port"), Security: pf.Get("security"), Username: pf.Get("username"),
		Folder: pf.Get("folder"), TeamID: pf.Get("team_id"), FromAddress: pf.Get("from_address")}
	var errs apperr.Fields
	teamID := parseID(&errs, "team_id", form.TeamID)
	err = errs.Err()
	u := currentUser(r.Context())
	if err == nil {
		err = s.mailboxes.Update(r.Context(), u.ID, id, mailbox.NewMailbox{Host: form.Host, Port: form.Port, Security: form.Security,
			Username: form.Username, Password: pf.Get("password"), Folder: form.Folder, TeamID: teamID, FromAddress: form.FromAddress})
	}
	if apperr.Is(err, apperr.Invalid) {
		form.Errors = apperr.FieldsOf(err)
		s.renderMailboxEdit(w, r, http.StatusUnprocessableEntity, id, form)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "mailbox changed", "request_id", requestID(r.Context()), "user_id", u.ID, "mailbox_id", id)
	s.flash(r, "success", "mailbox_flash_saved")
	redirect(w, r, "/admin/mailboxes")
}

// handleMailboxPause pauses (paused=true) or resumes a mailbox.
func (s *Server) handleMailboxPause(paused bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := mailboxID(r)
		if err == nil {
			err = s.mailboxes.SetPaused(r.Context(), currentUser(r.Context()).ID, id, paused)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if paused {
			s.flash(r, "success", "mailbox_flash_paused")
		} else {
			s.flash(r, "success", "mailbox_flash_resumed")
		}
		redirect(w, r, "/admin/mailboxes")
	}
}
