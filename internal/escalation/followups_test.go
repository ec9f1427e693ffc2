package escalation_test

import (
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// returnedTicket is a ticket of the rep's whose escalation the senior has handed back at
// the clock's time, leaving an open follow-up.
func (e *deskEnv) returnedTicket(t *testing.T) tickets.Ticket {
	t.Helper()
	tk := e.newTicket(t, tickets.PriorityNormal)
	id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "user:" + itoa(e.senior.ID), Reason: "other", Note: "help"})
	if err := e.svc.Accept(e.ctx, e.senior, id); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Return(e.ctx, e.senior, id, "Here is how."); err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestFollowUpDue: the follow-up is due in business hours of the ticket team's calendar,
// and in plain hours for a team without one.
func TestFollowUpDue(t *testing.T) {
	e := newDeskEnv(t)
	for _, c := range []struct {
		returned, due time.Time
	}{
		{hel(6, 15, 0), hel(9, 11, 0)},  // Friday afternoon: 1h Friday, 3h Monday
		{hel(9, 8, 0), hel(9, 12, 0)},   // Monday opening
		{hel(9, 16, 0), hel(10, 12, 0)}, // exactly at closing: waits for Tuesday's opening
		{hel(7, 12, 0), hel(9, 12, 0)},  // Saturday: Monday 08:00 + 4h
		{hel(9, 12, 0), hel(9, 16, 0)},  // used up exactly at closing: due then, not next morning
	} {
		e.clock.Set(c.returned)
		tk := e.returnedTicket(t)
		fu, err := e.svc.OpenFollowUp(e.ctx, tk.ID)
		if err != nil || fu == nil {
			t.Fatalf("returned %v: follow-up %v, %v", c.returned, fu, err)
		}
		if !fu.DueAt.Equal(c.due) || !fu.DueAt.Equal(e.deadline(t, c.returned, 4*time.Hour)) {
			t.Errorf("returned %v: due %v, want %v", c.returned, fu.DueAt.In(helsinki), c.due)
		}
	}

	// The warehouse has no calendar: four plain hours, weekend or not.
	e.clock.Set(hel(7, 12, 0))
	tk := ticketstest.Create(e.ctx, t, e.ts, escalation.ActorOf(e.clerk), tickets.NewTicket{})
	id := e.escalate(t, e.clerk, tk.ID, escalation.Request{Target: "supervisors", Reason: "other", Note: "help"})
	if err := e.svc.Return(e.ctx, e.supervisor, id, "Coaching: call them back."); err != nil {
		t.Fatal(err)
	}
	fu, _ := e.svc.OpenFollowUp(e.ctx, tk.ID)
	if fu == nil || fu.OwnerID != e.clerk.ID || !fu.DueAt.Equal(hel(7, 16, 0)) {
		t.Fatalf("follow-up without a calendar = %+v, want due Saturday 16:00", fu)
	}
}

// TestCreateFollowUp: a follow-up outside an escalation (bad CSAT, proactive) blocks closing
// like any other, and a ticket has one open follow-up at a time.
func TestCreateFollowUp(t *testing.T) {
	e := newDeskEnv(t)
	tk := e.newTicket(t, tickets.PriorityNormal)
	if err := e.svc.CreateFollowUp(e.ctx, e.lead.ID, tk.ID, e.rep.ID, "csat_bad"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if err := e.svc.CreateFollowUp(e.ctx, e.lead.ID, tk.ID, e.rep2.ID, "proactive"); err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.FollowUps(e.ctx, tk.ID)
	if err != nil || len(list) != 1 || list[0].OwnerID != e.rep.ID || list[0].Reason != "csat_bad" || list[0].EscalationID != 0 {
		t.Fatalf("follow-ups = %+v, %v; want the first one only", list, err)
	}
	if evs := e.events(t, tk.ID, "ticket.follow_up_created"); len(evs) != 1 || evs[0].Data["reason"] != "csat_bad" {
		t.Fatalf("follow_up_created events = %+v, want one for the follow-up that exists", evs)
	}
	if e.notified(t, e.rep, tk.ID, "follow_up_assigned") != 1 {
		t.Fatal("the owner was not told of the follow-up")
	}
	if e.notified(t, e.rep2, tk.ID, "follow_up_assigned") != 0 {
		t.Fatal("rep2 was told of a follow-up that was not made")
	}
	// Returning an escalation while a follow-up is open keeps the open one.
	id := e.escalate(t, e.rep, tk.ID, escalation.Request{Target: "supervisors", Reason: "complaint", Note: "angry"})
	if err := e.svc.Return(e.ctx, e.supervisor, id, "Apologise."); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.svc.FollowUps(e.ctx, tk.ID); len(list) != 1 || list[0].Reason != "csat_bad" {
		t.Fatalf("follow-ups after the return = %+v", list)
	}
	wantErr(t, "solve", e.setStatus(t, e.rep, tk.ID, tickets.StatusSolved), apperr.Conflict, "error_follow_up_required")
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusOnHold); err != nil {
		t.Fatal(err)
	}
	// "Not solved" on a ticket on hold reopens it.
	if err := e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "phone", Confirmed: "no"}); err != nil {
		t.Fatal(err)
	}
	if got := e.ticket(t, tk.ID); got.Status != tickets.StatusOpen {
		t.Fatalf("status = %s, want open", got.Status)
	}
	// "Not solved" on a pending ticket reopens it too.
	if err := e.svc.CreateFollowUp(e.ctx, e.lead.ID, tk.ID, e.rep.ID, "proactive"); err != nil {
		t.Fatal(err)
	}
	if err := e.setStatus(t, e.rep, tk.ID, tickets.StatusPending); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "chat", Confirmed: "no"}); err != nil {
		t.Fatal(err)
	}
	if got := e.ticket(t, tk.ID); got.Status != tickets.StatusOpen {
		t.Fatalf("status = %s, want open", got.Status)
	}
	wantErr(t, "record without an open follow-up", e.svc.RecordFollowUp(e.ctx, e.rep, tk.ID, escalation.FollowUpResult{Method: "chat", Confirmed: "yes"}),
		apperr.Conflict, "error_no_open_follow_up")
}

// TestDueFollowUps: the owner's queue lists open follow-ups soonest first; done ones drop out.
func TestDueFollowUps(t *testing.T) {
	e := newDeskEnv(t)
	e.clock.Set(hel(9, 12, 0))
	later := e.returnedTicket(t) // due Monday 16:00
	e.clock.Set(hel(9, 9, 0))
	sooner := e.returnedTicket(t) // due Monday 13:00
	e.clock.Set(hel(9, 10, 0))
	other := ticketstest.Create(e.ctx, t, e.ts, escalation.ActorOf(e.rep2), tickets.NewTicket{})
	if err := e.svc.CreateFollowUp(e.ctx, e.lead.ID, other.ID, e.rep2.ID, "proactive"); err != nil {
		t.Fatal(err)
	}
	mine, err := e.svc.DueFollowUps(e.ctx, e.rep.ID, 10)
	if err != nil || len(mine) != 2 || mine[0].TicketID != sooner.ID || mine[1].TicketID != later.ID {
		t.Fatalf("rep's follow-ups = %+v, %v", mine, err)
	}
	all, err := e.svc.DueFollowUps(e.ctx, 0, 10)
	if err != nil || len(all) != 3 {
		t.Fatalf("everyone's follow-ups = %+v, %v", all, err)
	}
	if err := e.svc.RecordFollowUp(e.ctx, e.rep, sooner.ID, escalation.FollowUpResult{Method: "email", Confirmed: "yes"}); err != nil {
		t.Fatal(err)
	}
	mine, _ = e.svc.DueFollowUps(e.ctx, e.rep.ID, 10)
	if len(mine) != 1 || mine[0].TicketID != later.ID {
		t.Fatalf("rep's follow-ups after recording one = %+v", mine)
	}
}
