package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// bulkKey is the session key of the last bulk action's report, shown once
// by the queue page it returns to.
const bulkKey = "bulk_report"

// handleBulk applies one action to the queue rows ticked (ids), each ticket
// through the tickets store with its own rules, and goes back to the queue
// with a report naming every ticket that refused and why.
func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request) {
	u := currentUser(r.Context())
	pf := r.PostForm
	back := queueReturn(pf.Get("return"))
	if back == "" {
		back = queuePages[tickets.ScopeMine].path
	}
	op := tickets.BulkOp{Kind: tickets.BulkKind(pf.Get("action")), Status: tickets.Status(pf.Get("status")), Tag: pf.Get("tag")}
	op.Priority, _ = tickets.ParsePriority(pf.Get("priority"))
	op.OwnerID, _ = strconv.ParseInt(pf.Get("owner_id"), 10, 64)
	var ids []int64
	for _, raw := range pf["ids"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			continue // not a ticket: nothing to do to it
		}
		ids = append(ids, id)
	}
	var report views.BulkReport
	results, err := s.tickets.Bulk(r.Context(), actorOf(u), op, ids)
	switch {
	case apperr.Is(err, apperr.Invalid):
		for _, msg := range apperr.FieldsOf(err) {
			report.Error = msg
		}
	case err != nil:
		s.fail(w, r, err)
		return
	}
	for _, res := range results {
		if res.Err == nil {
			report.Done = append(report.Done, res.TicketID)
			continue
		}
		if apperr.KindOf(res.Err) == apperr.Internal {
			s.log.ErrorContext(r.Context(), "bulk action", "request_id", requestID(r.Context()), "ticket_id", res.TicketID,
				"action", op.Kind, "err", res.Err)
		}
		report.Refused = append(report.Refused, views.BulkRefus{TicketID: res.TicketID, MsgID: refusalMsg(res.Err)})
	}
	if b, err := json.Marshal(report); err == nil {
		s.sessions.Put(r.Context(), bulkKey, string(b))
	}
	redirect(w, r, back)
}

// refusalMsg is the one message that says why a ticket refused.
func refusalMsg(err error) string {
	if f := apperr.FieldsOf(err); len(f) > 0 {
		for _, k := range []string{"status", "owner_id", "tags", "priority"} {
			if m, ok := f[k]; ok {
				return m
			}
		}
		for _, m := range f {
			return m
		}
	}
	if apperr.KindOf(err) == apperr.Internal {
		return "error_internal"
	}
	return apperr.MsgIDOf(err)
}

// bulkPanel is the queue page's bulk form: supervisors may assign, and the
// report of the last bulk action is shown once.
func (s *Server) bulkPanel(r *http.Request, u *staff.User, users []staff.User) views.BulkPanel {
	var p views.BulkPanel
	if raw := s.sessions.PopString(r.Context(), bulkKey); raw != "" {
		var rep views.BulkReport
		if json.Unmarshal([]byte(raw), &rep) == nil {
			p.Result = &rep
		}
	}
	if u.Role.AtLeast(staff.RoleSupervisor) {
		p.CanAssign = true
		p.Owners = views.UserOptions(r.Context(), users, "live_bulk_owner_choose")
	}
	return p
}
