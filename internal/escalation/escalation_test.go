package escalation_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Helsinki must not depend on the machine's zoneinfo

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// helsinki is the front line's time zone. In March 2026 it is UTC+2 until Sunday the 29th;
// Monday 2 March is a Monday, so Thursday 5 and Friday 6 March precede a weekend.
var helsinki = mustLoad("Europe/Helsinki")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// hel is a wall-clock time in Helsinki on a day of March 2026.
func hel(day, hour, minute int) time.Time {
	return time.Date(2026, time.March, day, hour, minute, 0, 0, helsinki)
}

// deskEnv is one test's desk: its own database, a clock the test moves, the tickets store
// and the escalation service sharing that clock, and a cast of teams and staff.
type deskEnv struct {
	ctx   context.Context
	db    *pgxpool.Pool
	clock *escalationtest.Clock
	ts    *tickets.Store
	svc   *escalation.Service
	// cal is the front line's calendar (Helsinki, 08:00-16:00 Monday to Friday), built here
	// independently of the database row the service reads.
	cal *escalation.Calendar

	front, seniors, billing, warehouse int64 // teams: tier 1, tier 2, tier 2, tier 1

	rep, rep2     staff.User // front line reps; rep owns the tickets of the tests
	lead          staff.User // a supervisor in the front line: its team lead
	senior        staff.User // seniors team
	senior2       staff.User // seniors team
	billingSenior staff.User // billing team
	clerk         staff.User // a rep of the warehouse department
	supervisor    staff.User // a supervisor in no team
}

// newDeskEnv builds a desk at Thursday 5 March 2026 10:00 Helsinki time. The service has no
// job inserter (tests that need River call SetJobs).
func newDeskEnv(t *testing.T) *deskEnv {
	t.Helper()
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	e := &deskEnv{ctx: ctx, db: db, clock: escalationtest.NewClock(hel(5, 10, 0))}
	e.ts, e.svc = escalation.Wire(db, e.clock.Now, ticketstest.BaseURL, nil, escalationtest.Discard(), escalation.Config{FollowUpHours: 4})

	e.front = ticketstest.Team(ctx, t, db, "Front line")
	e.seniors = ticketstest.Team(ctx, t, db, "Seniors")
	e.billing = ticketstest.Team(ctx, t, db, "Billing specialists")
	e.warehouse = ticketstest.Team(ctx, t, db, "Warehouse")
	escalationtest.SetTier(ctx, t, db, e.seniors, 2)
	escalationtest.SetTier(ctx, t, db, e.billing, 2)
	office := map[int][]string{1: {"08:00-16:00"}, 2: {"08:00-16:00"}, 3: {"08:00-16:00"}, 4: {"08:00-16:00"}, 5: {"08:00-16:00"}}
	escalationtest.Calendar(ctx, t, db, "Helsinki office", "Europe/Helsinki", office, nil, e.front)
	hours, _ := escalation.ParseInterval("08:00-16:00")
	week := map[time.Weekday][]escalation.Interval{}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		week[wd] = []escalation.Interval{hours}
	}
	cal, err := escalation.NewCalendar("Europe/Helsinki", week, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.cal = cal

	e.rep = escalationtest.User(ctx, t, db, staff.RoleRep, e.front)
	e.rep2 = escalationtest.User(ctx, t, db, staff.RoleRep, e.front)
	e.lead = escalationtest.User(ctx, t, db, staff.RoleSupervisor, e.front)
	e.senior = escalationtest.User(ctx, t, db, staff.RoleSenior, e.seniors)
	e.senior2 = escalationtest.User(ctx, t, db, staff.RoleSenior, e.seniors)
	e.billingSenior = escalationtest.User(ctx, t, db, staff.RoleSenior, e.billing)
	e.clerk = escalationtest.User(ctx, t, db, staff.RoleRep, e.warehouse)
	e.supervisor = escalationtest.User(ctx, t, db, staff.RoleSupervisor)
	return e
}

// newTicket opens a ticket of priority p taken by the rep, in the front line.
func (e *deskEnv) newTicket(t *testing.T, p tickets.Priority) tickets.Ticket {
	t.Helper()
	return ticketstest.Create(e.ctx, t, e.ts, escalation.ActorOf(e.rep), tickets.NewTicket{Priority: p, TeamID: e.front})
}

// ticket reads ticket id as it is stored.
func (e *deskEnv) ticket(t *testing.T, id int64) tickets.Ticket {
	t.Helper()
	tk, err := tickets.GetTx(e.ctx, e.db, id, false)
	if err != nil {
		t.Fatalf("get ticket %d: %v", id, err)
	}
	return tk
}

// escalation reads escalation id.
func (e *deskEnv) escalation(t *testing.T, id int64) escalation.Escalation {
	t.Helper()
	esc, err := e.svc.Get(e.ctx, id)
	if err != nil {
		t.Fatalf("get escalation %d: %v", id, err)
	}
	return esc
}

// escalate raises an escalation by u that the test expects to succeed.
func (e *deskEnv) escalate(t *testing.T, u staff.User, ticketID int64, r escalation.Request) int64 {
	t.Helper()
	id, err := e.svc.Escalate(e.ctx, u, ticketID, r)
	if err != nil {
		t.Fatalf("escalate ticket %d to %s: %v", ticketID, r.Target, err)
	}
	return id
}

// notified counts u's notifications of kind about ticketID.
func (e *deskEnv) notified(t *testing.T, u staff.User, ticketID int64, kind string) int {
	t.Helper()
	list, err := e.svc.Notifications(e.ctx, u.ID, 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range list {
		if x.TicketID == ticketID && x.Kind == kind {
			n++
		}
	}
	return n
}

// events returns the ticket's events of action, oldest first.
func (e *deskEnv) events(t *testing.T, ticketID int64, action string) []tickets.Event {
	t.Helper()
	all, err := e.ts.History(e.ctx, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var out []tickets.Event
	for _, ev := range all {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b tickets.Event) int { return int(a.ID - b.ID) })
	return out
}

// setStatus moves a ticket as actor, returning the store's error.
func (e *deskEnv) setStatus(t *testing.T, u staff.User, id int64, to tickets.Status) error {
	t.Helper()
	tk := e.ticket(t, id)
	_, err := e.ts.Update(e.ctx, escalation.ActorOf(u), id, tickets.Changes{Version: tk.Version, Status: &to})
	return err
}

func wantErr(t *testing.T, what string, err error, kind apperr.Kind, msgID string) {
	t.Helper()
	if err == nil || apperr.KindOf(err) != kind || (msgID != "" && apperr.MsgIDOf(err) != msgID) {
		t.Fatalf("%s: err = %v (kind %v, message %q), want kind %v, message %q", what, err, apperr.KindOf(err), apperr.MsgIDOf(err), kind, msgID)
	}
}

func wantFields(t *testing.T, what string, err error, want map[string]string) {
	t.Helper()
	if apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("%s: err = %v, want Invalid with fields %v", what, err, want)
	}
	got := apperr.FieldsOf(err)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: field %s = %q, want %q (all: %v)", what, k, got[k], v, got)
		}
	}
}

func wantTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, fmtTime(got), want.In(helsinki))
	}
}

func fmtTime(p *time.Time) string {
	if p == nil {
		return "<nil>"
	}
	return p.In(helsinki).String()
}

// TestClosedLoop follows one ticket round the whole loop: a rep escalates to a named senior,
// who accepts and hands it back with guidance; the rep must then follow up with the customer
// before the ticket may close.
func TestClosedLoop(t *testing.T) {
	e := newDeskEnv(t)
	tk := e.newTicket(t, tickets.PriorityNormal)

	id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "user:" + itoa(e.senior.ID), Reason: "billing_adjustment",
		Note: "  Customer wants a refund above my limit.  ", Urgency: "high"})
	esc := e.escalation(t, id)
	if esc.Status != escalation.StatusRequested || esc.Level != 2 || esc.Kind != "escalation" || esc.ToUserID != e.senior.ID ||
		esc.FromUserID != e.rep.ID || esc.OwnerID != e.rep.ID || esc.Note != "Customer wants a refund above my limit." ||
		esc.Urgency != "high" || esc.Reason != "billing_adjustment" || !esc.RequestedAt.Equal(hel(5, 10, 0)) {
		t.Fatalf("escalation = %+v", esc)
	}
	if got := e.ticket(t, tk.ID); got.HolderUserID != e.senior.ID || got.HolderTeamID != 0 || got.OwnerID != e.rep.ID {
		t.Fatalf("ticket holder = user %d team %d, owner %d; want senior %d, owner %d", got.HolderUserID, got.HolderTeamID, got.OwnerID, e.senior.ID, e.rep.ID)
	}
	evs := e.events(t, tk.ID, "ticket.escalated")
	if len(evs) != 1 || evs[0].ActorID != e.rep.ID || evs[0].Data["reason"] != "billing_adjustment" || evs[0].Data["level"] != float64(2) {
		t.Fatalf("escalated events = %+v", evs)
	}
	if e.notified(t, e.senior, tk.ID, "escalation_requested") != 1 || e.notified(t, e.senior2, tk.ID, "escalation_requested") != 0 ||
		e.notified(t, e.rep, tk.ID, "escalation_requested") != 0 {
		t.Fatal("only the named senior should hear of the escalation")
	}
	// The senior may now see the ticket they hold.
	if _, err := e.ts.Get(e.ctx, escalation.ActorOf(e.senior), tk.ID); err != nil {
		t.Fatalf("the holder cannot see the ticket: %v", err)
	}

	// One open escalation per ticket.
	_, err := e.svc.Escalate(e.ctx, e.rep, tk.ID, escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "other", Note: "again"})
	wantErr(t, "second escalation", err, apperr.Conflict, "error_escalation_open")

	// A rep cannot accept; the named senior can, once.
	wantErr(t, "rep accepts", e.svc.Accept(e.ctx, e.rep, id), apperr.Forbidden, "error_escalation_not_yours")
	wantErr(t, "another senior accepts", e.svc.Accept(e.ctx, e.senior2, id), apperr.Forbidden, "error_escalation_not_yours")
	e.clock.Set(hel(5, 11, 0))
	if err := e.svc.Accept(e.ctx, e.senior, id); err != nil {
		t.Fatal(err)
	}
	esc = e.escalation(t, id)
	if esc.Status != escalation.StatusAccepted || esc.HolderID != e.senior.ID || esc.AcceptedAt == nil || !esc.AcceptedAt.Equal(hel(5, 11, 0)) {
		t.Fatalf("accepted escalation = %+v", esc)
	}
	wantErr(t, "accept twice", e.svc.Accept(e.ctx, e.senior, id), apperr.Conflict, "error_escalation_not_open")
	if len(e.events(t, tk.ID, "ticket.escalation_accepted")) != 1 {
		t.Fatal("no accept event")
	}

	// Return with guidance on Friday 15:00: the follow-up is due 4 business hours later in
	// the front line's calendar, Monday 11:00.
	e.clock.Set(hel(6, 15, 0))
	wantFields(t, "empty guidance", e.svc.Return(e.ctx, e.senior, id, "  "), map[string]string{"guidance": "error_required"})
	wantErr(t, "rep returns", e.svc.Return(e.ctx, e.rep, id, "Do it yourself"), apperr.Forbidden, "error_escalation_not_yours")
	guidance := "Offer the 20% goodwill credit, it is within policy."
	if err := e.svc.Return(e.ctx, e.senior, id, guidance); err != nil {
		t.Fatal(err)
	}
	esc = e.escalation(t, id)
	if esc.Status != escalation.StatusReturned || esc.Outcome != guidance || esc.ReturnedAt == nil || esc.Open() {
		t.Fatalf("returned escalation = %+v", esc)
	}
	if got := e.ticket(t, tk.ID); got.HolderUserID != 0 || got.HolderTeamID != 0 {
		t.Fatalf("the ticket is still held by user %d team %d", got.HolderUserID, got.HolderTeamID)
	}
	msgs, err := e.ts.Messages(e.ctx, tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if last := msgs[len(msgs)-1]; last.Kind != tickets.MessageInternal || last.Body != guidance || last.AuthorID != e.senior.ID {
		t.Fatalf("last message = %+v, want the guidance as an internal note by the senior", last)
	}
	fu, err := e.svc.OpenFollowUp(e.ctx, tk.ID)
	if err != nil || fu == nil {
		t.Fatalf("open follow-up = %v, %v", fu, err)
	}
	wantDue, err := e.cal.Deadline(hel(6, 15, 0), 4*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !wantDue.Equal(hel(9, 11, 0)) {
		t.Fatalf("independent deadline = %v, want Monday 11:00", wantDue)
	}
	if fu.OwnerID != e.rep.ID || fu.EscalationID != id || fu.Reason != "escalation_returned" || !fu.DueAt.Equal(wantDue) ||
		!fu.CreatedAt.Equal(hel(6, 15, 0)) || fu.DoneAt != nil {
		t.Fatalf("follow-up = %+v, due %v; want the rep's, due %v", fu, fu.DueAt.In(helsinki), wantDue)
	}
	if fu.Overdue(hel(9, 11, 0)) || !fu.Overdue(hel(9, 11, 1)) {
		t.Fatal("Overdue disagrees with the due time")
	}
	if e.notified(t, e.rep, tk.ID, "escalation_returned") != 1 {
		t.Fatal("the loop owner was not told the escalation came back")
	}
	due, err := e.svc.DueFollowUps(e.ctx, e.rep.ID, 10)
	if err != nil || len(due) != 1 || due[0].ID != fu.ID {
		t.Fatalf("rep's due follow-ups = %+v, %v", due, err)
	}
	wantErr(t, "return twice", e.svc.Return(e.ctx, e.senior, id, guidance), apperr.Conflict, "error_escalation_not_open")

	// The closed loop: neither solved nor closed until the follow-up is recorded.
	e.clock.Set(hel(9, 9, 0))
	wantErr(t, "solve with an open follow-up", e.setStatus(t, e.rep, tk.ID, tickets.StatusSolved), apperr.Conflict, "error_follow_up_required")
	if got := e.ticket(t, tk.ID); got.Status == tickets.StatusSolved || got.Status == tickets.StatusClosed {
		t.Fatalf("status after the refused solve = %s", got.Status)
	}
	wantErr(t, "another rep records", e.svc.RecordFollowUp(e.ctx, e.rep2, tk.ID, escalation.FollowUpResult{Method: "phone", Confirmed: "yes"}),
		apperr.Forbidden, "error_follow_up_not_yours")
	wantFields(t, "bad result", e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "pigeon", Confirmed: "maybe"}),
		map[string]string{"method": "error_contact_method", "confirmed": "error_confirmed_required"})
	e.clock.Set(hel(9, 10, 0))
	if err := e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "phone", Confirmed: "yes", Note: "Credit accepted."}); err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.FollowUps(e.ctx, tk.ID)
	if err != nil || len(list) != 1 || list[0].DoneAt == nil || !list[0].DoneAt.Equal(hel(9, 10, 0)) || list[0].ContactMethod != "phone" ||
		list[0].Confirmed == nil || !*list[0].Confirmed || list[0].Note != "Credit accepted." {
		t.Fatalf("follow-ups = %+v, %v", list, err)
	}
	if got := e.ticket(t, tk.ID); got.Status == tickets.StatusSolved || got.Status == tickets.StatusClosed {
		t.Fatalf("a confirmed follow-up changed the status to %s", got.Status)
	}
	wantErr(t, "record twice", e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "phone", Confirmed: "yes"}),
		apperr.Conflict, "error_no_open_follow_up")
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusSolved); err != nil {
		t.Fatalf("solve after the follow-up: %v", err)
	}
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusClosed); err != nil {
		t.Fatalf("close after the follow-up: %v", err)
	}
	if got := e.ticket(t, tk.ID); got.Status != tickets.StatusClosed {
		t.Fatalf("status = %s, want closed", got.Status)
	}
	_, err = e.svc.Escalate(e.ctx, e.rep, tk.ID, escalation.Request{Target: "supervisors", Reason: "complaint", Note: "late"})
	wantErr(t, "escalate a closed ticket", err, apperr.Conflict, "error_ticket_closed")
}

// TestFollowUpNotSolvedReopens: a customer who says it is not solved sends the ticket round
// again, and the team escalation is worked by a member of that team only.
func TestFollowUpNotSolvedReopens(t *testing.T) {
	e := newDeskEnv(t)
	tk := e.newTicket(t, tickets.PriorityNormal)
	id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "technical_fault", Note: "Router keeps rebooting."})
	if got := e.ticket(t, tk.ID); got.HolderTeamID != e.seniors || got.HolderUserID != 0 {
		t.Fatalf("holder = team %d user %d, want team %d", got.HolderTeamID, got.HolderUserID, e.seniors)
	}
	if e.notified(t, e.senior, tk.ID, "escalation_requested") != 1 || e.notified(t, e.senior2, tk.ID, "escalation_requested") != 1 ||
		e.notified(t, e.billingSenior, tk.ID, "escalation_requested") != 0 {
		t.Fatal("every member of the target team, and only they, should hear of a team escalation")
	}
	wantErr(t, "senior of another team accepts", e.svc.Accept(e.ctx, e.billingSenior, id), apperr.Forbidden, "error_escalation_not_yours")
	// Being in the team is not enough: a rep placed in the seniors team may not accept.
	trainee := escalationtest.User(e.ctx, t, e.db, staff.RoleRep, e.seniors)
	wantErr(t, "rep in the target team accepts", e.svc.Accept(e.ctx, trainee, id), apperr.Forbidden, "error_escalation_not_yours")
	if err := e.svc.Accept(e.ctx, e.senior2, id); err != nil {
		t.Fatal(err)
	}
	if got := e.ticket(t, tk.ID); got.HolderTeamID != e.seniors || got.HolderUserID != e.senior2.ID {
		t.Fatalf("holder after accept = team %d user %d", got.HolderTeamID, got.HolderUserID)
	}
	wantErr(t, "a team mate who did not accept returns", e.svc.Return(e.ctx, e.senior, id, "x"), apperr.Forbidden, "error_escalation_not_yours")
	if err := e.svc.Return(e.ctx, e.senior2, id, "Factory reset, then firmware 2.1."); err != nil {
		t.Fatal(err)
	}
	// The rep marks it pending while waiting to reach the customer.
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if err := e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "email", Confirmed: "no", Note: "Still rebooting."}); err != nil {
		t.Fatal(err)
	}
	got := e.ticket(t, tk.ID)
	if got.Status != tickets.StatusOpen || got.SolvedAt != nil {
		t.Fatalf("status = %s (solved at %v), want open again", got.Status, got.SolvedAt)
	}
	if evs := e.events(t, tk.ID, "ticket.status_changed"); len(evs) == 0 || evs[len(evs)-1].Data["new"] != "open" {
		t.Fatal("no event of the ticket going back to open")
	}
	list, _ := e.svc.FollowUps(e.ctx, tk.ID)
	if len(list) != 1 || list[0].Confirmed == nil || *list[0].Confirmed || list[0].DoneAt == nil {
		t.Fatalf("follow-ups = %+v", list)
	}
	// The loop is done (the answer is recorded): the ticket may be escalated and closed again.
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusSolved); err != nil {
		t.Fatal(err)
	}
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusClosed); err != nil {
		t.Fatalf("close after a recorded no: %v", err)
	}
}

// TestEscalateFurther: a senior sends an accepted escalation on to supervisors (level 3),
// which seniors may no longer work.
func TestEscalateFurther(t *testing.T) {
	e := newDeskEnv(t)
	tk := e.newTicket(t, tickets.PriorityHigh)
	id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "policy_exception", Note: "Wants a refund after 90 days."})
	if err := e.svc.Accept(e.ctx, e.senior, id); err != nil {
		t.Fatal(err)
	}
	wantFields(t, "no note", e.svc.EscalateFurther(e.ctx, e.senior, id, " "), map[string]string{"note": "error_required"})
	wantErr(t, "rep escalates further", e.svc.EscalateFurther(e.ctx, e.rep, id, "please"), apperr.Forbidden, "error_escalation_not_yours")
	wantErr(t, "other team escalates further", e.svc.EscalateFurther(e.ctx, e.billingSenior, id, "please"), apperr.Forbidden, "error_escalation_not_yours")
	e.clock.Advance(30 * time.Minute)
	if err := e.svc.EscalateFurther(e.ctx, e.senior, id, "Outside what seniors may grant."); err != nil {
		t.Fatal(err)
	}
	if old := e.escalation(t, id); old.Status != escalation.StatusEscalated || old.Open() {
		t.Fatalf("the tier-2 escalation = %+v, want escalated", old)
	}
	all, err := e.svc.ForTicket(e.ctx, tk.ID)
	if err != nil || len(all) != 2 {
		t.Fatalf("escalations = %+v, %v", all, err)
	}
	top := all[1]
	if top.Level != 3 || top.Status != escalation.StatusRequested || top.FromUserID != e.senior.ID || top.ToTeamID != 0 || top.ToUserID != 0 ||
		top.Reason != "policy_exception" || top.Note != "Outside what seniors may grant." || top.OwnerID != e.rep.ID {
		t.Fatalf("level-3 escalation = %+v", top)
	}
	if got := e.ticket(t, tk.ID); got.HolderTeamID != 0 || got.HolderUserID != 0 {
		t.Fatalf("holder = team %d user %d, want none (supervisors)", got.HolderTeamID, got.HolderUserID)
	}
	if e.notified(t, e.lead, tk.ID, "escalation_requested") != 1 || e.notified(t, e.supervisor, tk.ID, "escalation_requested") != 1 {
		t.Fatal("every supervisor should hear of a level-3 escalation")
	}
	wantErr(t, "senior accepts level 3", e.svc.Accept(e.ctx, e.senior, top.ID), apperr.Forbidden, "error_escalation_not_yours")
	wantErr(t, "beyond level 3", e.svc.EscalateFurther(e.ctx, e.supervisor, top.ID, "higher"), apperr.Conflict, "error_escalation_top_level")
	wantErr(t, "further on a closed escalation", e.svc.EscalateFurther(e.ctx, e.senior, id, "again"), apperr.Conflict, "error_escalation_not_open")
	if err := e.svc.Accept(e.ctx, e.supervisor, top.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Return(e.ctx, e.supervisor, top.ID, "Approved as a one-off."); err != nil {
		t.Fatal(err)
	}
	if fu, _ := e.svc.OpenFollowUp(e.ctx, tk.ID); fu == nil || fu.OwnerID != e.rep.ID || fu.EscalationID != top.ID {
		t.Fatalf("follow-up after the level-3 return = %+v", fu)
	}
}

// TestEscalateToSupervisorsAndTransfer covers the other targets: supervisors directly, and a
// transfer to another department.
func TestEscalateToSupervisorsAndTransfer(t *testing.T) {
	e := newDeskEnv(t)
	a := e.newTicket(t, tickets.PriorityUrgent)
	id := e.escalate(t, e.rep, a.ID, escalation.Request{Target: "supervisors", Reason: "complaint", Note: "Threatens to go to the press.", Urgency: "critical"})
	if esc := e.escalation(t, id); esc.Level != 3 || esc.ToTeamID != 0 || esc.ToUserID != 0 || esc.Urgency != "critical" {
		t.Fatalf("escalation to supervisors = %+v", esc)
	}
	if e.notified(t, e.lead, a.ID, "escalation_requested") != 1 || e.notified(t, e.supervisor, a.ID, "escalation_requested") != 1 ||
		e.notified(t, e.senior, a.ID, "escalation_requested") != 0 {
		t.Fatal("an escalation to supervisors goes to the supervisors only")
	}

	b := e.newTicket(t, tickets.PriorityNormal)
	tid := e.escalate(t, e.rep, b.ID, escalation.Request{Kind: "transfer", Target: "team:" + itoa(e.warehouse), Reason: "delivery_problem", Note: "Parcel lost in the depot."})
	esc := e.escalation(t, tid)
	if esc.Kind != "transfer" || esc.Level != 2 || esc.ToTeamID != e.warehouse || esc.OwnerID != e.rep.ID {
		t.Fatalf("transfer = %+v", esc)
	}
	if got := e.ticket(t, b.ID); got.HolderTeamID != e.warehouse || got.OwnerID != e.rep.ID {
		t.Fatalf("after the transfer: holder team %d, owner %d", got.HolderTeamID, got.OwnerID)
	}
	evs := e.events(t, b.ID, "ticket.escalated")
	if len(evs) != 1 || evs[0].Data["kind"] != "transfer" || evs[0].Data["reason"] != "delivery_problem" || evs[0].Data["to_team_id"] != float64(e.warehouse) {
		t.Fatalf("transfer events = %+v", evs)
	}
	if e.notified(t, e.clerk, b.ID, "escalation_requested") != 1 {
		t.Fatal("the department was not told of the transfer")
	}
	// The department's members now see the ticket.
	if _, err := e.ts.Get(e.ctx, escalation.ActorOf(e.clerk), b.ID); err != nil {
		t.Fatalf("the department cannot see the transferred ticket: %v", err)
	}
	// A rep of the department works the transfer: it is on their list, they
	// accept it and hand it back; the loop owner gets the follow-up.
	mine, err := e.svc.Mine(e.ctx, e.clerk)
	if err != nil || len(mine) != 1 || mine[0].ID != tid {
		t.Fatalf("the department rep's list = %+v, %v", mine, err)
	}
	if !escalation.CanWork(e.clerk, esc) {
		t.Fatal("the department rep may not work the transfer")
	}
	if err := e.svc.Accept(e.ctx, e.clerk, tid); err != nil {
		t.Fatalf("the department rep accepts the transfer: %v", err)
	}
	if err := e.svc.Return(e.ctx, e.clerk, tid, "Found the parcel; it ships today."); err != nil {
		t.Fatalf("the department rep returns the transfer: %v", err)
	}
	if fu, _ := e.svc.OpenFollowUp(e.ctx, b.ID); fu == nil || fu.OwnerID != e.rep.ID || fu.EscalationID != tid {
		t.Fatalf("follow-up after the transfer came back = %+v", fu)
	}
	// A rep never works an escalation, not even one to a team they are in.
	c := e.newTicket(t, tickets.PriorityNormal)
	if _, err := e.db.Exec(e.ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, e.seniors, e.clerk.ID); err != nil {
		t.Fatal(err)
	}
	e.clerk.TeamIDs = append(e.clerk.TeamIDs, e.seniors)
	eid := e.escalate(t, e.rep, c.ID, escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "needs_expertise", Note: "Help"})
	wantErr(t, "rep accepts an escalation", e.svc.Accept(e.ctx, e.clerk, eid), apperr.Forbidden, "error_escalation_not_yours")
	if mine, _ := e.svc.Mine(e.ctx, e.clerk); len(mine) != 0 {
		t.Fatalf("a rep's list shows escalations: %+v", mine)
	}
}

// TestEscalateValidation: the form's mistakes come back beside their fields, and nothing is
// recorded.
func TestEscalateValidation(t *testing.T) {
	e := newDeskEnv(t)
	tk := e.newTicket(t, tickets.PriorityNormal)
	inactive := escalationtest.User(e.ctx, t, e.db, staff.RoleSenior, e.seniors)
	if _, err := e.db.Exec(e.ctx, `UPDATE users SET active = false WHERE id = $1`, inactive.ID); err != nil {
		t.Fatal(err)
	}
	ok := escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "needs_expertise", Note: "Help"}
	with := func(f func(*escalation.Request)) escalation.Request { r := ok; f(&r); return r }
	cases := []struct {
		name   string
		r      escalation.Request
		fields map[string]string
	}{
		{"no reason", with(func(r *escalation.Request) { r.Reason = "" }), map[string]string{"reason": "error_escalation_reason"}},
		{"unknown reason", with(func(r *escalation.Request) { r.Reason = "bored" }), map[string]string{"reason": "error_escalation_reason"}},
		{"sla reason by hand", with(func(r *escalation.Request) { r.Reason = escalation.ReasonSLABreach }), map[string]string{"reason": "error_escalation_reason"}},
		{"empty note", with(func(r *escalation.Request) { r.Note = " \n\t " }), map[string]string{"note": "error_required"}},
		{"long note", with(func(r *escalation.Request) { r.Note = strings.Repeat("é", 4001) }), map[string]string{"note": "error_too_long"}},
		{"no target", with(func(r *escalation.Request) { r.Target = "" }), map[string]string{"target": "error_escalation_target"}},
		{"garbled target", with(func(r *escalation.Request) { r.Target = "team:abc" }), map[string]string{"target": "error_escalation_target"}},
		{"zero id", with(func(r *escalation.Request) { r.Target = "user:0" }), map[string]string{"target": "error_escalation_target"}},
		{"unknown kind of target", with(func(r *escalation.Request) { r.Target = "queue:1" }), map[string]string{"target": "error_escalation_target"}},
		{"no such team", with(func(r *escalation.Request) { r.Target = "team:999999" }), map[string]string{"target": "error_escalation_target"}},
		{"tier-1 team", with(func(r *escalation.Request) { r.Target = "team:" + itoa(e.warehouse) }), map[string]string{"target": "error_escalation_target"}},
		{"to a rep", with(func(r *escalation.Request) { r.Target = "user:" + itoa(e.rep2.ID) }), map[string]string{"target": "error_escalation_target"}},
		{"to an inactive senior", with(func(r *escalation.Request) { r.Target = "user:" + itoa(inactive.ID) }), map[string]string{"target": "error_escalation_target"}},
		{"no such user", with(func(r *escalation.Request) { r.Target = "user:999999" }), map[string]string{"target": "error_escalation_target"}},
		{"transfer to supervisors", with(func(r *escalation.Request) { r.Kind = "transfer"; r.Target = "supervisors" }), map[string]string{"target": "error_transfer_target"}},
		{"unknown kind", with(func(r *escalation.Request) { r.Kind = "handover" }), map[string]string{"kind": "error_invalid_choice"}},
		{"unknown urgency", with(func(r *escalation.Request) { r.Urgency = "whenever" }), map[string]string{"urgency": "error_invalid_choice"}},
		{"everything wrong", escalation.Request{Kind: "transfer", Target: "supervisors"},
			map[string]string{"target": "error_transfer_target", "reason": "error_escalation_reason", "note": "error_required"}},
	}
	for _, c := range cases {
		_, err := e.svc.Escalate(e.ctx, e.rep, tk.ID, c.r)
		wantFields(t, c.name, err, c.fields)
	}
	if n := ticketstest.Count(e.ctx, t, e.db, "escalations"); n != 0 {
		t.Fatalf("%d escalations recorded by invalid requests", n)
	}
	// Not seeing the ticket is not finding it; a missing ticket neither.
	_, err := e.svc.Escalate(e.ctx, e.clerk, tk.ID, ok)
	wantErr(t, "escalate another team's ticket", err, apperr.NotFound, "error_ticket_not_found")
	_, err = e.svc.Escalate(e.ctx, e.rep, 999999, ok)
	wantErr(t, "escalate a missing ticket", err, apperr.NotFound, "error_ticket_not_found")
	wantErr(t, "accept a missing escalation", e.svc.Accept(e.ctx, e.senior, 999999), apperr.NotFound, "error_escalation_not_found")
	// The valid request still works afterwards.
	e.escalate(t, e.rep, tk.ID, ok)
}

// TestReassign: supervisors move open escalations, many at once, to another senior; the
// batch is all or nothing.
func TestReassign(t *testing.T) {
	e := newDeskEnv(t)
	a, b, c := e.newTicket(t, tickets.PriorityNormal), e.newTicket(t, tickets.PriorityNormal), e.newTicket(t, tickets.PriorityNormal)
	ea := e.escalate(t, e.rep, a.ID, escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "other", Note: "a"})
	eb := e.escalate(t, e.rep, b.ID, escalation.Request{Target: "supervisors", Reason: "other", Note: "b"})
	ec := e.escalate(t, e.rep, c.ID, escalation.Request{Target: "user:" + itoa(e.senior.ID), Reason: "other", Note: "c"})
	if err := e.svc.Accept(e.ctx, e.senior, ea); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Accept(e.ctx, e.senior, ec); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Return(e.ctx, e.senior, ec, "done"); err != nil {
		t.Fatal(err)
	}

	wantErr(t, "senior reassigns", e.svc.Reassign(e.ctx, e.senior, []int64{ea}, e.billingSenior.ID), apperr.Forbidden, "error_forbidden")
	wantErr(t, "rep reassigns", e.svc.Reassign(e.ctx, e.rep, []int64{ea}, e.billingSenior.ID), apperr.Forbidden, "error_forbidden")
	wantFields(t, "nothing selected", e.svc.Reassign(e.ctx, e.supervisor, nil, e.billingSenior.ID), map[string]string{"ids": "error_select_escalations"})
	wantFields(t, "to a rep", e.svc.Reassign(e.ctx, e.supervisor, []int64{ea}, e.rep2.ID), map[string]string{"to_user": "error_escalation_target"})
	// A closed escalation in the batch refuses the whole batch.
	wantErr(t, "batch with a returned one", e.svc.Reassign(e.ctx, e.supervisor, []int64{ea, eb, ec}, e.billingSenior.ID), apperr.Conflict, "error_escalation_not_open")
	if got := e.escalation(t, ea); got.Status != escalation.StatusAccepted || got.HolderID != e.senior.ID || got.ToTeamID != e.seniors {
		t.Fatalf("a refused batch changed %+v", got)
	}

	if err := e.svc.Reassign(e.ctx, e.supervisor, []int64{ea, eb}, e.billingSenior.ID); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct{ esc, ticket int64 }{{ea, a.ID}, {eb, b.ID}} {
		got := e.escalation(t, x.esc)
		if got.Status != escalation.StatusRequested || got.ToUserID != e.billingSenior.ID || got.ToTeamID != 0 || got.Level != 2 ||
			got.HolderID != 0 || got.AcceptedAt != nil {
			t.Fatalf("reassigned escalation = %+v", got)
		}
		if tk := e.ticket(t, x.ticket); tk.HolderUserID != e.billingSenior.ID || tk.HolderTeamID != 0 {
			t.Fatalf("ticket %d holder = user %d team %d", x.ticket, tk.HolderUserID, tk.HolderTeamID)
		}
		if e.notified(t, e.billingSenior, x.ticket, "escalation_requested") != 1 {
			t.Fatalf("the new senior was not told of ticket %d", x.ticket)
		}
		if evs := e.events(t, x.ticket, "ticket.escalation_reassigned"); len(evs) != 1 || evs[0].ActorID != e.supervisor.ID {
			t.Fatalf("reassign events of %d = %+v", x.ticket, evs)
		}
	}
	// The old senior has lost it; the new one may accept.
	wantErr(t, "old senior accepts", e.svc.Accept(e.ctx, e.senior, ea), apperr.Forbidden, "error_escalation_not_yours")
	if err := e.svc.Accept(e.ctx, e.billingSenior, ea); err != nil {
		t.Fatal(err)
	}
}

// TestDeescalate: a supervisor ends an escalation that was not needed; the owner carries on
// without a follow-up task.
func TestDeescalate(t *testing.T) {
	e := newDeskEnv(t)
	tk := e.newTicket(t, tickets.PriorityNormal)
	id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "team:" + itoa(e.seniors), Reason: "needs_expertise", Note: "Password reset"})
	wantErr(t, "senior de-escalates", e.svc.Deescalate(e.ctx, e.senior, id, "no"), apperr.Forbidden, "error_forbidden")
	wantFields(t, "no note", e.svc.Deescalate(e.ctx, e.supervisor, id, ""), map[string]string{"note": "error_required"})
	if err := e.svc.Deescalate(e.ctx, e.supervisor, id, "Password resets are tier 1: see the wiki."); err != nil {
		t.Fatal(err)
	}
	got := e.escalation(t, id)
	if got.Status != escalation.StatusDeescalated || got.Outcome != "Password resets are tier 1: see the wiki." || got.Open() {
		t.Fatalf("de-escalated = %+v", got)
	}
	if tk := e.ticket(t, tk.ID); tk.HolderTeamID != 0 || tk.HolderUserID != 0 {
		t.Fatal("the ticket is still held")
	}
	if fu, err := e.svc.OpenFollowUp(e.ctx, tk.ID); err != nil || fu != nil {
		t.Fatalf("follow-up after de-escalation = %+v, %v; want none", fu, err)
	}
	if e.notified(t, e.rep, tk.ID, "escalation_deescalated") != 1 {
		t.Fatal("the owner was not told")
	}
	wantErr(t, "de-escalate twice", e.svc.Deescalate(e.ctx, e.supervisor, id, "again"), apperr.Conflict, "error_escalation_not_open")
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusSolved); err != nil {
		t.Fatal(err)
	}
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusClosed); err != nil {
		t.Fatalf("close after de-escalation: %v", err)
	}
}

// TestMineAndReview: each senior's list holds what is theirs to work; supervisors review
// everything.
func TestMineAndReview(t *testing.T) {
	e := newDeskEnv(t)
	esc := func(target string) int64 {
		tk := e.newTicket(t, tickets.PriorityNormal)
		e.clock.Advance(time.Minute)
		return e.escalate(t, e.rep, tk.ID, escalation.Request{Target: target, Reason: "other", Note: target})
	}
	toSenior := esc("user:" + itoa(e.senior.ID))
	toSeniors := esc("team:" + itoa(e.seniors))
	toBilling := esc("team:" + itoa(e.billing))
	toSupervisors := esc("supervisors")
	toBillingSenior := esc("user:" + itoa(e.billingSenior.ID))
	transfer := func() int64 {
		tk := e.newTicket(t, tickets.PriorityNormal)
		e.clock.Advance(time.Minute)
		return e.escalate(t, e.rep, tk.ID, escalation.Request{Kind: "transfer", Target: "team:" + itoa(e.warehouse), Reason: "delivery_problem", Note: "depot"})
	}()
	returned := esc("user:" + itoa(e.senior.ID))
	if err := e.svc.Accept(e.ctx, e.senior, returned); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Return(e.ctx, e.senior, returned, "done"); err != nil {
		t.Fatal(err)
	}

	ids := func(u staff.User) []int64 {
		list, err := e.svc.Mine(e.ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, x := range list {
			out = append(out, x.ID)
		}
		return out
	}
	for _, c := range []struct {
		name string
		u    staff.User
		want []int64
	}{
		{"senior", e.senior, []int64{toSenior, toSeniors}},
		{"senior2", e.senior2, []int64{toSeniors}},
		{"billing senior", e.billingSenior, []int64{toBilling, toBillingSenior}},
		{"supervisor", e.supervisor, []int64{toSupervisors}},
		{"rep", e.rep, nil},
	} {
		if got := ids(c.u); !slices.Equal(got, c.want) {
			t.Errorf("Mine(%s) = %v, want %v", c.name, got, c.want)
		}
	}
	// Once accepted, it stays in the accepting senior's list.
	if err := e.svc.Accept(e.ctx, e.senior2, toSeniors); err != nil {
		t.Fatal(err)
	}
	if got := ids(e.senior2); !slices.Equal(got, []int64{toSeniors}) {
		t.Errorf("Mine(senior2) after accepting = %v", got)
	}

	review, err := e.svc.Review(e.ctx, escalation.ReviewFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var all []int64
	for _, x := range review {
		all = append(all, x.ID)
	}
	if want := []int64{toSenior, toSeniors, toBilling, toSupervisors, toBillingSenior, transfer}; !slices.Equal(all, want) {
		t.Fatalf("Review = %v, want every open escalation oldest first %v", all, want)
	}
	byTeam, err := e.svc.Review(e.ctx, escalation.ReviewFilter{TeamID: e.billing})
	if err != nil || len(byTeam) != 1 || byTeam[0].ID != toBilling {
		t.Fatalf("Review(billing) = %+v, %v", byTeam, err)
	}
	old, err := e.svc.Review(e.ctx, escalation.ReviewFilter{MinAge: 5 * time.Minute})
	if err != nil || len(old) != 2 || old[0].ID != toSenior || old[1].ID != toSeniors {
		t.Fatalf("Review(at least 5 min old) = %+v, %v", old, err)
	}
	_, err = e.svc.Review(e.ctx, escalation.ReviewFilter{Reason: "bored"})
	wantFields(t, "review by unknown reason", err, map[string]string{"reason": "error_escalation_reason"})
}

// TestReassignLoop: only supervisors hand a loop (ownership and the open follow-up) to
// another rep; the old owner may then no longer record it.
func TestReassignLoop(t *testing.T) {
	e := newDeskEnv(t)
	tk := e.newTicket(t, tickets.PriorityNormal)
	id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "user:" + itoa(e.senior.ID), Reason: "other", Note: "x"})
	if err := e.svc.Accept(e.ctx, e.senior, id); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Return(e.ctx, e.senior, id, "call them"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "rep reassigns the loop", e.svc.ReassignLoop(e.ctx, e.rep, tk.ID, e.rep2.ID), apperr.Forbidden, "error_forbidden")
	wantErr(t, "senior reassigns the loop", e.svc.ReassignLoop(e.ctx, e.senior, tk.ID, e.rep2.ID), apperr.Forbidden, "error_forbidden")
	wantFields(t, "to nobody", e.svc.ReassignLoop(e.ctx, e.supervisor, tk.ID, 999999), map[string]string{"owner_id": "error_owner_inactive"})
	if err := e.svc.ReassignLoop(e.ctx, e.supervisor, tk.ID, e.rep2.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.ticket(t, tk.ID); got.OwnerID != e.rep2.ID {
		t.Fatalf("owner = %d, want %d", got.OwnerID, e.rep2.ID)
	}
	fu, _ := e.svc.OpenFollowUp(e.ctx, tk.ID)
	if fu == nil || fu.OwnerID != e.rep2.ID {
		t.Fatalf("open follow-up = %+v, want rep2's", fu)
	}
	if e.notified(t, e.rep2, tk.ID, "loop_reassigned") != 1 {
		t.Fatal("the new owner was not told")
	}
	wantErr(t, "old owner records", e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "chat", Confirmed: "yes"}),
		apperr.Forbidden, "error_follow_up_not_yours")
	if err := e.svc.RecordFollowUp(e.ctx, e.rep2, tk.ID, escalation.FollowUpResult{Method: "chat", Confirmed: "yes"}); err != nil {
		t.Fatal(err)
	}
	// A supervisor may record anyone's follow-up.
	if err := e.svc.CreateFollowUp(e.ctx, e.supervisor.ID, tk.ID, e.rep2.ID, "proactive"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RecordFollowUp(e.ctx, e.lead, tk.ID, escalation.FollowUpResult{Method: "in_person", Confirmed: "yes"}); err != nil {
		t.Fatalf("supervisor records: %v", err)
	}
	wantFields(t, "follow-up for a made-up reason", e.svc.CreateFollowUp(e.ctx, e.supervisor.ID, tk.ID, e.rep2.ID, "hunch"),
		map[string]string{"reason": "error_invalid_choice"})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
