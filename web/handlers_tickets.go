package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/returnto"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// handleNewTicketForm shows the intake form. Submitting it with "Find
// customer" (a GET) comes back here with the input and the matches, so the
// lookup works without JavaScript too.
func (s *Server) handleNewTicketForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.NewTicketForm{
		CustomerID: q.Get("customer_id"), CustomerName: q.Get("customer_name"),
		CustomerEmail: q.Get("customer_email"), CustomerPhone: q.Get("customer_phone"),
		Subject: q.Get("subject"), Body: q.Get("body"), Channel: q.Get("channel"),
		Priority: q.Get("priority"), Category: q.Get("category"), OrderRef: q.Get("order_ref"),
		IdempotencyKey: q.Get("idempotency_key"),
	}
	if f.Channel == "" {
		f.Channel = "phone"
	}
	if f.Priority == "" {
		f.Priority = "normal"
	}
	if f.IdempotencyKey == "" {
		f.IdempotencyKey = newIdempotencyKey()
	}
	var err error
	if f.Suggestions, err = s.suggest(r, f.CustomerEmail, f.CustomerPhone, f.CustomerName); err != nil {
		s.fail(w, r, err)
		return
	}
	// selfserve: the customer's open tickets like this one
	if f.Duplicates, err = s.duplicates(r, f.CustomerID, f.CustomerEmail, f.CustomerPhone, f.Subject); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.NewTicketPage(s.page(r, "ticket_new_title", "new"), f))
}

// handleCustomerSuggestions is the htmx fragment of matching customers.
func (s *Server) handleCustomerSuggestions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := s.suggest(r, q.Get("customer_email"), q.Get("customer_phone"), q.Get("customer_name"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.CustomerSuggestions(list, q.Get("customer_id")))
}

// suggest looks customers up by the most specific detail typed so far.
func (s *Server) suggest(r *http.Request, email, phone, name string) ([]tickets.Customer, error) {
	for _, q := range []string{email, phone, name} {
		if strings.TrimSpace(q) != "" {
			return s.tickets.SuggestCustomers(r.Context(), q)
		}
	}
	return nil, nil
}

func (s *Server) handleCreateTicket(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	pf := r.PostForm
	f := views.NewTicketForm{
		CustomerID: pf.Get("customer_id"), CustomerName: pf.Get("customer_name"),
		CustomerEmail: pf.Get("customer_email"), CustomerPhone: pf.Get("customer_phone"),
		Subject: pf.Get("subject"), Body: pf.Get("body"), Channel: pf.Get("channel"),
		Priority: pf.Get("priority"), Category: pf.Get("category"), OrderRef: pf.Get("order_ref"),
		IdempotencyKey: pf.Get("idempotency_key"),
	}
	prio, _ := tickets.ParsePriority(f.Priority)
	customerID, _ := strconv.ParseInt(f.CustomerID, 10, 64)
	n := tickets.NewTicket{
		CustomerID: customerID, CustomerName: f.CustomerName, CustomerEmail: f.CustomerEmail,
		CustomerPhone: f.CustomerPhone, Subject: f.Subject, Body: f.Body,
		Channel: tickets.Channel(f.Channel), Priority: prio, Category: f.Category, OrderRef: f.OrderRef,
		IdempotencyKey: f.IdempotencyKey,
	}
	u := currentUser(r.Context())
	if customerID != 0 {
		if _, err := s.tickets.GetCustomer(r.Context(), customerID); err != nil {
			f.Errors = map[string]string{"customer_name": "error_customer_not_found"}
			f.CustomerID = ""
			s.rerenderNewTicket(w, r, f)
			return
		}
	}
	t, _, err := s.tickets.Create(r.Context(), actorOf(u), n)
	if apperr.Is(err, apperr.Invalid) {
		f.Errors = apperr.FieldsOf(err)
		s.rerenderNewTicket(w, r, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "flash_ticket_created")
	redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10))
}

func (s *Server) rerenderNewTicket(w http.ResponseWriter, r *http.Request, f views.NewTicketForm) {
	if len(f.Errors) == 0 {
		f.Errors = map[string]string{"subject": "error_invalid_form"}
	}
	f.Suggestions, _ = s.suggest(r, f.CustomerEmail, f.CustomerPhone, f.CustomerName)
	f.Duplicates, _ = s.duplicates(r, f.CustomerID, f.CustomerEmail, f.CustomerPhone, f.Subject) // selfserve
	s.render(w, r, http.StatusUnprocessableEntity, views.NewTicketPage(s.page(r, "ticket_new_title", "new"), f))
}

// ticketID reads {id}; anything but a positive number is a 404.
func ticketID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.NotFound, "error_ticket_not_found")
	}
	return id, nil
}

// ticketView loads what the ticket page shows, with default form values.
func (s *Server) ticketView(r *http.Request, t tickets.Ticket) (views.TicketView, error) {
	ctx := r.Context()
	a := actorOf(currentUser(ctx))
	v := views.TicketView{Ticket: t}
	// mailin2: "Show images" of one HTML mail (?images=<message id>).
	v.ShowImages, _ = strconv.ParseInt(r.URL.Query().Get("images"), 10, 64)
	// The page's plain reads go to Postgres in one round trip.
	var b pgx.Batch
	thread := s.tickets.MessagesBatch(&b, t.ID, true)
	files := s.tickets.AttachmentsBatch(&b, t.ID, true) // attachments
	history := s.tickets.HistoryBatch(&b, t.ID)
	staffList := s.staff.ListBatch(&b)
	teamList := s.staff.TeamsBatch(&b)
	escalations := s.esc.ForTicketBatch(&b, t.ID)
	followUp := s.esc.OpenFollowUpBatch(&b, t.ID)
	following := s.tickets.FollowingBatch(&b, t.ID, currentUser(ctx).ID) // live desk: Follow
	others := s.tickets.CustomerTicketsBatch(&b, a, t.Customer.ID, t.ID, 10)
	links := s.tickets.LinksBatch(&b, a, t.ID)
	clocks := s.esc.ClocksBatch(&b, []int64{t.ID})
	canned := s.tickets.CannedForTicketBatch(&b, a, t) // canned replies: the reply box's picker
	ccs := s.tickets.CCsBatch(&b, t.ID)                // mailout: persistent CC
	var survey func() (csat.Survey, error)
	if s.csat != nil { // feedback: the CSAT answer for the sidebar (not wired: no block)
		survey = s.csat.SurveyBatch(&b, t)
	}
	s.queueNav(r, &b) // the layout's nav counts and bell ride along
	// selfserve: suggested articles. Finding them costs more than the rest
	// of the page, so the page asks for them after it has loaded
	// (kb-suggest); inline only when asked without JavaScript (?kb=1) or
	// when an "Insert link" came back without it (?kb_link=).
	kbSuggest := func() (views.KBReplySuggest, error) { return views.KBReplySuggest{Lazy: true}, nil }
	if q := r.URL.Query(); q.Has("kb") || q.Has("kb_link") {
		kbSuggest = s.kbReplySuggestBatch(&b, t)
	}
	if err := s.db.SendBatch(ctx, &b).Close(); err != nil {
		return v, fmt.Errorf("ticket page: %w", err)
	}
	var err error
	if v.Thread, err = thread(); err != nil {
		return v, err
	}
	list, err := files()
	if err != nil {
		return v, err
	}
	v.Attachments = tickets.AttachmentsByMessage(list)
	if v.History, err = history(); err != nil {
		return v, err
	}
	if v.KB, err = kbSuggest(); err != nil {
		return v, err
	}
	users, err := staffList()
	if err != nil {
		return v, err
	}
	teams, err := teamList()
	if err != nil {
		return v, err
	}
	escs, err := escalations()
	if err != nil {
		return v, err
	}
	open, err := followUp()
	if err != nil {
		return v, err
	}
	if v.Others, err = others(); err != nil {
		return v, err
	}
	if v.Links, err = links(); err != nil {
		return v, err
	}
	v.Owners = views.UserOptions(ctx, users, "owner_none")
	if t.OwnerID != 0 {
		v.Owners = v.Owners[1:] // a ticket that has an owner keeps one
	}
	for _, u := range users {
		if u.ID == t.CreatedBy {
			v.CreatorName = u.Name
		}
	}
	v.Teams = views.TeamOptions(ctx, teams, "team_none")
	v.Props = views.PropsForm{
		Version: strconv.Itoa(t.Version), Status: string(t.Status), Priority: t.Priority.String(),
		Category: t.Category, Tags: strings.Join(t.Tags, ", "),
		OwnerID: strconv.FormatInt(t.OwnerID, 10), TeamID: strconv.FormatInt(t.TeamID, 10),
	}
	if t.OwnerID == 0 {
		v.Props.OwnerID = ""
	}
	if t.TeamID == 0 {
		v.Props.TeamID = ""
	}
	v.Link.Kind = "related"
	clock, err := clocks(ctx)
	if err != nil {
		return v, err
	}
	v.Clock = clock[t.ID]
	if survey != nil {
		if v.CSAT, err = survey(); err != nil {
			s.log.WarnContext(ctx, "csat survey", "request_id", requestID(ctx), "ticket_id", t.ID, "err", err)
		}
	}
	if v.Canned.Replies, err = canned(); err != nil {
		return v, err
	}
	if v.CC, err = ccs(); err != nil {
		return v, err
	}
	v.Esc, err = s.escalationPanelOf(r, t, escs, open)
	u := currentUser(ctx)
	v.Owner.CanTake = t.OwnerID != u.ID && t.Status != tickets.StatusClosed
	v.Owner.CanAssign = u.Role.AtLeast(staff.RoleSupervisor)
	// live desk: the live listener's starting point and the thread version
	// the reply form is written against; ?since= (the live refresh) lists
	// what others did after that event.
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	v.Live = views.LiveTicketOf(v.History, v.Thread, max(since, 0), u.ID, s.now())
	if err == nil {
		v.Live.Following, err = following()
	}
	return v, err
}

// handleTake makes the signed-in user the ticket's loop owner ("Take it").
// Taking a ticket someone else owns shows the page again asking to confirm.
func (s *Server) handleTake(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	u := currentUser(r.Context())
	back := queueReturn(r.PostFormValue("return"))
	taken, err := s.tickets.Take(r.Context(), actorOf(u), t.ID, r.PostFormValue("confirm") == "yes")
	if apperr.MsgIDOf(err) == "error_take_confirm" {
		s.rerenderTicket(w, r, t, http.StatusConflict, func(v *views.TicketView) {
			v.Owner.Confirm = true
			v.Owner.Return = back
		})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "flash_taken", "Owner", taken.OwnerName)
	if back != "" {
		redirect(w, r, back)
		return
	}
	redirect(w, r, ticketURLOf(t.ID))
}

// queueReturn is where Take it in a queue row goes back to: the queue page
// (with its filter and position) the rep was on. It is a local path by the
// desk's one return-path parser, and one of the queue pages; anything else
// is refused ("": the ticket page).
func queueReturn(raw string) string {
	if raw == "" {
		return ""
	}
	back := returnto.Path(raw)
	path, _, _ := strings.Cut(back, "?")
	for _, q := range queuePages {
		if path == q.path {
			return back
		}
	}
	return ""
}

func (s *Server) loadTicket(w http.ResponseWriter, r *http.Request) (tickets.Ticket, bool) {
	id, err := ticketID(r)
	if err == nil {
		var t tickets.Ticket
		if t, err = s.tickets.Get(r.Context(), actorOf(currentUser(r.Context())), id); err == nil {
			return t, true
		}
	}
	s.fail(w, r, err)
	return tickets.Ticket{}, false
}

func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, status int, v views.TicketView) {
	p := s.page(r, "ticket_page_title", "")
	p.Title = "#" + strconv.FormatInt(v.Ticket.ID, 10) + " " + v.Ticket.Subject
	p.Head = views.KBInsertScript(s.assets.url) // selfserve: Insert link at the cursor
	s.render(w, r, status, views.TicketPage(p, v))
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	// canned replies: the reply box's Insert button without JavaScript (a GET
	// of this page with ?canned=ID and the text typed so far).
	if q := r.URL.Query(); q.Has("canned") {
		s.renderTicketWithCanned(w, r, t, q.Get("canned"), q.Get("body"), q.Get("kind"))
		return
	}
	// selfserve: a suggested article's Insert link without JavaScript.
	if q := r.URL.Query(); q.Has("kb_link") {
		s.renderTicketWithKBLink(w, r, t, q.Get("kb_link"), q.Get("body"), q.Get("kind"))
		return
	}
	v, err := s.ticketView(r, t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if liveRefreshHasNothingNew(r, v.History) {
		// The live desk heard late of a change the page already shows (its
		// own, just after loading): nothing to swap, so nothing the user is
		// looking at or about to click is replaced.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.renderTicket(w, r, http.StatusOK, v)
}

// liveRefreshHasNothingNew reports whether r is the ticket page's live
// refresh (htmx, ?since= the newest event the page showed) and the ticket
// has recorded nothing after that event.
func liveRefreshHasNothingNew(r *http.Request, history []tickets.Event) bool {
	since, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	if err != nil || since <= 0 || r.Header.Get("HX-Request") != "true" {
		return false
	}
	return len(history) > 0 && history[len(history)-1].ID <= since
}

func (s *Server) handleReply(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	file, ok := s.parseUploadForm(w, r) // attachments: the optional file
	if !ok {
		return
	}
	reply := tickets.Reply{
		Kind: tickets.MessageKind(r.PostFormValue("kind")), Body: r.PostFormValue("body"),
		SetStatus: tickets.Status(r.PostFormValue("set_status")), Attachment: file,
	}
	// live desk: the last message the form was written against; a newer
	// one by someone else is shown first and the reply is not sent.
	reply.SeenThrough, _ = strconv.ParseInt(r.PostFormValue("thread_version"), 10, 64)
	_, err := s.tickets.AddReply(r.Context(), actorOf(currentUser(r.Context())), t.ID, reply)
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
		v, verr := s.ticketView(r, t)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.Reply = views.ReplyForm{Kind: string(reply.Kind), Body: reply.Body, Errors: apperr.FieldsOf(err)}
		if v.Blockers = tickets.BlockersOf(err); len(v.Blockers) > 0 {
			// The close guard: the reply is fine, solving is not (yet).
			v.Reply.Errors = map[string]string{"status": apperr.MsgIDOf(err)}
		} else if k == apperr.Conflict {
			v.Reply.Errors = map[string]string{"body": apperr.MsgIDOf(err)}
		}
		if apperr.MsgIDOf(err) == "live_error_replied_since" {
			v.Live.Newer = views.NewerMessages(v.Thread, reply.SeenThrough, currentUser(r.Context()).ID)
		}
		v.Reply.Errors = askFileAgain(v.Reply.Errors, file)
		s.renderTicket(w, r, statusOf(k), v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "flash_reply_sent"
	if reply.Kind == tickets.MessageInternal {
		msg = "flash_note_added"
	}
	s.flash(r, "success", msg)
	redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10))
}

func (s *Server) handleProperties(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.Wrap(apperr.Invalid, "error_invalid_form", err))
		return
	}
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	pf := r.PostForm
	form := views.PropsForm{
		Version: pf.Get("version"), Status: pf.Get("status"), Priority: pf.Get("priority"),
		Category: pf.Get("category"), Tags: pf.Get("tags"), OwnerID: pf.Get("owner_id"), TeamID: pf.Get("team_id"),
	}
	c, err := parseChanges(form)
	if !pf.Has("owner_id") {
		c.OwnerID = nil // reps see the owner as text: no owner field, no change
	}
	if err == nil {
		_, err = s.tickets.Update(r.Context(), actorOf(currentUser(r.Context())), t.ID, c)
	}
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
		// Re-render with the editor's input kept. On a conflict the page shows
		// the current thread and history, the version is refreshed so that a
		// second save (after reading what changed) goes through.
		fresh, gerr := s.tickets.Get(r.Context(), actorOf(currentUser(r.Context())), t.ID)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		v, verr := s.ticketView(r, fresh)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		form.Errors = apperr.FieldsOf(err)
		if k == apperr.Conflict {
			form.Conflict = apperr.MsgIDOf(err) == "error_ticket_conflict"
			form.Version = strconv.Itoa(fresh.Version)
			if !form.Conflict {
				form.Errors = map[string]string{"status": apperr.MsgIDOf(err)}
			}
		}
		v.Props = form
		v.Blockers = tickets.BlockersOf(err)
		s.renderTicket(w, r, statusOf(k), v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "flash_ticket_saved")
	redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10))
}

// parseChanges turns the properties form into a change set.
func parseChanges(f views.PropsForm) (tickets.Changes, error) {
	var errs apperr.Fields
	var c tickets.Changes
	v, err := strconv.Atoi(f.Version)
	if err != nil {
		errs.Add("version", "error_invalid_form")
	}
	c.Version = v
	st := tickets.Status(f.Status)
	c.Status = &st
	prio, ok := tickets.ParsePriority(f.Priority)
	if !ok {
		errs.Add("priority", "error_priority_invalid")
	}
	c.Priority = &prio
	c.Category = &f.Category
	tags, err := tickets.ParseTags(f.Tags)
	if err != nil {
		for k, v := range apperr.FieldsOf(err) {
			errs.Add(k, v)
		}
	}
	c.Tags = &tags
	for _, p := range []struct {
		field, raw string
		dst        **int64
	}{{"owner_id", f.OwnerID, &c.OwnerID}, {"team_id", f.TeamID, &c.TeamID}} {
		var id int64
		if p.raw != "" {
			if id, err = strconv.ParseInt(p.raw, 10, 64); err != nil || id < 0 {
				errs.Add(p.field, "error_invalid_choice")
			}
		}
		*p.dst = &id
	}
	return c, errs.Err()
}

func (s *Server) handleMerge(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	raw := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("target")), "#")
	target, perr := strconv.ParseInt(raw, 10, 64)
	var err error
	if perr != nil || target <= 0 {
		err = apperr.InvalidFields(map[string]string{"target": "error_ticket_number_invalid"})
	} else {
		err = s.tickets.Merge(r.Context(), actorOf(currentUser(r.Context())), t.ID, target)
	}
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
		v, verr := s.ticketView(r, t)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.Merge = views.TargetForm{Target: r.PostFormValue("target"), Errors: apperr.FieldsOf(err)}
		if k == apperr.Conflict {
			v.Merge.Errors = map[string]string{"target": apperr.MsgIDOf(err)}
		}
		s.renderTicket(w, r, statusOf(k), v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "flash_ticket_merged")
	redirect(w, r, "/tickets/"+strconv.FormatInt(target, 10))
}

func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	t, ok := s.loadTicket(w, r)
	if !ok {
		return
	}
	raw := strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("other")), "#")
	other, perr := strconv.ParseInt(raw, 10, 64)
	kind := tickets.LinkKind(r.PostFormValue("kind"))
	var err error
	if perr != nil || other <= 0 {
		err = apperr.InvalidFields(map[string]string{"other": "error_ticket_number_invalid"})
	} else {
		err = s.tickets.AddLink(r.Context(), actorOf(currentUser(r.Context())), t.ID, other, kind)
	}
	if apperr.Is(err, apperr.Invalid) {
		v, verr := s.ticketView(r, t)
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.Link = views.TargetForm{Target: r.PostFormValue("other"), Kind: string(kind), Errors: apperr.FieldsOf(err)}
		s.renderTicket(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "success", "flash_ticket_linked")
	redirect(w, r, "/tickets/"+strconv.FormatInt(t.ID, 10))
}
