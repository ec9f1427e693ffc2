package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// Canned replies: every rep reads them on /canned and inserts them into a
// reply on the ticket page; supervisors and admins write, edit and archive
// them. The tickets store authorizes again on every change.

// canManageCanned reports whether u may write, edit and archive canned replies.
func canManageCanned(u *staff.User) bool { return u != nil && u.Role.AtLeast(staff.RoleSupervisor) }

// renderCanned shows the canned replies page with form (kept input and
// errors on a failed post).
func (s *Server) renderCanned(w http.ResponseWriter, r *http.Request, status int, v views.CannedView) {
	ctx := r.Context()
	u := currentUser(ctx)
	v.Manage = canManageCanned(u)
	if !slices.Contains(tickets.CannedLocales, v.Locale) {
		v.Locale = ""
	}
	v.Archived = v.Archived && v.Manage
	var err error
	v.List, err = s.tickets.ListCanned(ctx, actorOf(u), tickets.CannedFilter{Locale: v.Locale, Archived: v.Archived, PreferLocale: u.Locale})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Manage {
		teams, err := s.staff.Teams(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Teams = views.TeamOptions(ctx, teams, "canned_team_all")
	}
	p := s.page(r, "canned_title", "canned")
	if status == http.StatusUnprocessableEntity {
		p.Flash = &views.Flash{Kind: "error", MsgID: "error_invalid_form"}
	}
	s.render(w, r, status, views.CannedPage(p, v))
}

// handleCanned lists the canned replies (?lang= narrows the language,
// ?archived=1 shows archived ones) and, for supervisors, the form: a new
// reply, or ?edit=ID filled in.
func (s *Server) handleCanned(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := currentUser(r.Context())
	v := views.CannedView{Locale: q.Get("lang"), Archived: q.Get("archived") == "1",
		Form: views.CannedForm{Locale: u.Locale}}
	if raw := q.Get("edit"); raw != "" && canManageCanned(u) {
		id, err := parseCannedID(raw)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c, err := s.tickets.GetCanned(r.Context(), actorOf(u), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Form = cannedForm(c)
	}
	s.renderCanned(w, r, http.StatusOK, v)
}

// cannedForm fills the edit form from c.
func cannedForm(c tickets.CannedReply) views.CannedForm {
	f := views.CannedForm{ID: c.ID, Locale: c.Locale, Title: c.Title, Body: c.Body, Version: strconv.Itoa(c.Version)}
	if c.TeamID != 0 {
		f.TeamID = strconv.FormatInt(c.TeamID, 10)
	}
	return f
}

// decodeCanned reads the form into its kept input and a draft. A team that
// is not a number becomes -1, which the draft's validation reports beside
// the field; a version that is not one can only be stale (a conflict).
func decodeCanned(r *http.Request, id int64) (views.CannedForm, tickets.CannedDraft) {
	pf := r.PostForm
	f := views.CannedForm{ID: id, TeamID: strings.TrimSpace(pf.Get("team_id")), Locale: pf.Get("locale"),
		Title: pf.Get("title"), Body: pf.Get("body"), Version: pf.Get("version")}
	d := tickets.CannedDraft{Locale: f.Locale, Title: f.Title, Body: f.Body}
	if f.TeamID != "" {
		team, err := strconv.ParseInt(f.TeamID, 10, 64)
		if err != nil || team <= 0 {
			team = -1
		}
		d.TeamID = team
	}
	d.Version, _ = strconv.Atoi(f.Version)
	return f, d
}

// handleCannedCreate saves a new canned reply.
func (s *Server) handleCannedCreate(w http.ResponseWriter, r *http.Request) {
	s.saveCanned(w, r, 0)
}

// handleCannedUpdate saves an edit of canned reply {id}.
func (s *Server) handleCannedUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := cannedID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.saveCanned(w, r, id)
}

// saveCanned creates (id 0) or edits a canned reply: bad input re-renders the
// form filled in with 422; an edit that lost a race shows the current
// version's number so a second save goes through after a look.
func (s *Server) saveCanned(w http.ResponseWriter, r *http.Request, id int64) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	u := currentUser(r.Context())
	f, d := decodeCanned(r, id)
	var c tickets.CannedReply
	var err error
	if id == 0 {
		c, err = s.tickets.CreateCanned(r.Context(), actorOf(u), d)
	} else {
		c, err = s.tickets.UpdateCanned(r.Context(), actorOf(u), id, d)
	}
	switch k := apperr.KindOf(err); {
	case err == nil:
		s.log.InfoContext(r.Context(), "canned reply saved", "request_id", requestID(r.Context()), "user_id", u.ID, "canned_id", c.ID)
		msg := "canned_flash_created"
		if id != 0 {
			msg = "canned_flash_saved"
		}
		s.flash(r, "success", msg)
		redirect(w, r, "/canned")
	case k == apperr.Invalid:
		f.Errors = apperr.FieldsOf(err)
		s.renderCanned(w, r, http.StatusUnprocessableEntity, views.CannedView{Form: f})
	case k == apperr.Conflict && id != 0:
		fresh, gerr := s.tickets.GetCanned(r.Context(), actorOf(u), id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		f.Version = strconv.Itoa(fresh.Version)
		s.renderCanned(w, r, http.StatusConflict, views.CannedView{Form: f, Conflict: apperr.MsgIDOf(err)})
	default:
		s.fail(w, r, err)
	}
}

// handleCannedArchive takes canned reply {id} out of use.
func (s *Server) handleCannedArchive(w http.ResponseWriter, r *http.Request) {
	id, err := cannedID(r)
	if err == nil {
		_, err = s.tickets.ArchiveCanned(r.Context(), actorOf(currentUser(r.Context())), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "canned reply archived", "request_id", requestID(r.Context()), "canned_id", id)
	s.flash(r, "success", "canned_flash_archived")
	redirect(w, r, "/canned")
}

// cannedID reads {id}; anything but a positive number is a 404.
func cannedID(r *http.Request) (int64, error) { return parseCannedID(chi.URLParam(r, "id")) }

// parseCannedID reads a canned reply's id; anything but a positive number is a 404.
func parseCannedID(raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "canned_error_not_found")
	}
	return id, nil
}

// cannedText resolves the canned reply raw chosen for ticket t: its text with
// the placeholders filled, or the message id of a user error (none chosen,
// or one not offered on this ticket).
func (s *Server) cannedText(r *http.Request, t tickets.Ticket, raw string) (text, msgID string, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "canned_error_choose", nil
	}
	id, perr := parseCannedID(raw)
	if perr != nil {
		return "", "canned_error_not_found", nil
	}
	text, err = s.tickets.FillCanned(r.Context(), actorOf(currentUser(r.Context())), t, id)
	if apperr.Is(err, apperr.NotFound) {
		return "", "canned_error_not_found", nil
	}
	return text, "", err
}

// renderTicketWithCanned shows ticket t with the reply box holding body plus
// canned reply raw (the no-JavaScript insert): 200, or 422 with the message
// beside the picker and the typed text kept.
func (s *Server) renderTicketWithCanned(w http.ResponseWriter, r *http.Request, t tickets.Ticket, raw, body, kind string) {
	text, msgID, err := s.cannedText(r, t, raw)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.ticketView(r, t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Reply.Kind = kind
	v.Reply.Body = body
	v.Canned.Selected = raw
	status := http.StatusOK
	if msgID != "" {
		v.Canned.Error = msgID
		status = http.StatusUnprocessableEntity
	} else {
		v.Reply.Body = tickets.AppendCanned(body, text)
	}
	s.renderTicket(w, r, status, v)
}

// handleCannedInsert answers the reply box's Insert button under htmx: the
// text area holding what the rep typed plus the chosen reply (after a blank
// line), never less. A plain post gets the whole ticket page.
func (s *Server) handleCannedInsert(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	raw, body := r.PostFormValue("canned"), r.PostFormValue("body")
	if !isHTMX(r) {
		s.renderTicketWithCanned(w, r, t, raw, body, r.PostFormValue("kind"))
		return
	}
	text, msgID, err := s.cannedText(r, t, raw)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if msgID != "" {
		status = http.StatusUnprocessableEntity
	} else {
		body = tickets.AppendCanned(body, text)
	}
	s.render(w, r, status, views.CannedInsert(body, msgID))
}
