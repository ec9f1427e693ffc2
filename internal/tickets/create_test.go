package tickets_test

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestCreate(t *testing.T) {
	b := setup(t)
	tk, created, err := b.store.Create(b.ctx, b.repA, tickets.NewTicket{
		CustomerName: "  Anna Virtanen ", CustomerEmail: "anna@example.fi", CustomerPhone: "+358 40 123 4567", CustomerLocale: "fi",
		Subject: "  Tilaus myöhässä ", Body: "Missä tilaukseni on?", Channel: "email", Priority: tickets.PriorityHigh,
		Category: "delivery", OrderRef: "ORD-1",
	})
	if err != nil || !created {
		t.Fatalf("Create: created %v, err %v", created, err)
	}
	c := tk.Customer
	if tk.Subject != "Tilaus myöhässä" || tk.Status != tickets.StatusNew || tk.Channel != "email" || tk.Priority != tickets.PriorityHigh ||
		tk.Category != "delivery" || tk.OrderRef != "ORD-1" || tk.OwnerID != b.repA.UserID || tk.CreatedBy != b.repA.UserID ||
		tk.TeamID != b.teamA || tk.TeamName != "Intake" || tk.Version != 1 || tk.FirstResponseAt != nil {
		t.Errorf("ticket = %+v", tk)
	}
	if c.Name != "Anna Virtanen" || c.Email != "anna@example.fi" || c.Phone != "+358401234567" || c.Locale != "fi" {
		t.Errorf("customer = %+v", c)
	}
	msgs, err := b.store.Messages(b.ctx, tk.ID, true)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "Missä tilaukseni on?" || !msgs[0].FromCustomer || msgs[0].Kind != tickets.MessagePublic {
		t.Errorf("messages = %+v, err %v", msgs, err)
	}
	_, events := b.history(t, tk.ID)
	if len(events) != 1 || events[0].Action != "ticket.created" || events[0].ActorID != b.repA.UserID || events[0].Data["priority"] != "high" {
		t.Errorf("events = %+v", events)
	}

	// The same customer, found by email or by phone, is reused rather than duplicated.
	byEmail := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Someone Else", CustomerEmail: "ANNA@example.fi"})
	byPhone := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Anna", CustomerPhone: "+358401234567"})
	existing := b.create(t, b.repA, tickets.NewTicket{CustomerID: c.ID})
	for _, other := range []tickets.Ticket{byEmail, byPhone, existing} {
		if other.Customer.ID != c.ID || other.Customer.Name != "Anna Virtanen" {
			t.Errorf("ticket %d customer = %+v, want customer %d unchanged", other.ID, other.Customer, c.ID)
		}
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "customers"); n != 1 {
		t.Errorf("%d customers, want 1", n)
	}

	// A rep's ticket lands in their first team unless they name one of theirs.
	if tk := b.create(t, b.sup, tickets.NewTicket{TeamID: b.teamB}); tk.TeamID != b.teamB || tk.OwnerID != b.sup.UserID {
		t.Errorf("supervisor's ticket in team %d owner %d", tk.TeamID, tk.OwnerID)
	}
	if tk := b.create(t, b.sup, tickets.NewTicket{}); tk.TeamID != 0 {
		t.Errorf("teamless supervisor's ticket in team %d, want none", tk.TeamID)
	}

	// Unknown references are the caller's mistake, not a server fault.
	for _, n := range []tickets.NewTicket{{CustomerID: 999999}, {TeamID: 999999}} {
		n.Subject, n.Body, n.Channel, n.Priority = "S", "B", "api", tickets.PriorityLow
		if _, _, err := b.store.Create(b.ctx, b.sup, n); !isInvalid(err) {
			t.Errorf("Create with customer %d team %d: err %v, want invalid", n.CustomerID, n.TeamID, err)
		}
	}
}

func TestCreateIdempotent(t *testing.T) {
	b := setup(t)
	n := tickets.NewTicket{CustomerName: "Ben", Subject: "Broken kettle", Body: "It leaks.", Channel: "phone", Priority: tickets.PriorityNormal, IdempotencyKey: "form-1"}
	first, created, err := b.store.Create(b.ctx, b.repA, n)
	if err != nil || !created {
		t.Fatalf("first Create: created %v, err %v", created, err)
	}
	again, created, err := b.store.Create(b.ctx, b.repA, n)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("repeated Create: id %d created %v err %v, want id %d created false", again.ID, created, err, first.ID)
	}
	n.IdempotencyKey = "form-2"
	other, created, err := b.store.Create(b.ctx, b.repA, n)
	if err != nil || !created || other.ID == first.ID {
		t.Fatalf("Create with another key: id %d created %v err %v", other.ID, created, err)
	}
	for table, want := range map[string]int{"tickets": 2, "messages": 2, "customers": 2, "events": 2} {
		if got := ticketstest.Count(b.ctx, t, b.db, table); got != want {
			t.Errorf("%d %s, want %d", got, table, want)
		}
	}
}

func TestCreateIdempotentConcurrent(t *testing.T) {
	b := setup(t)
	for _, customer := range []string{"", "dana@example.com"} {
		n := tickets.NewTicket{CustomerName: "Dana", CustomerEmail: customer, Subject: "Double click", Body: "Once please.",
			Channel: "chat", Priority: tickets.PriorityNormal, IdempotencyKey: "double-" + customer}
		type result struct {
			id      int64
			created bool
			err     error
		}
		results := ticketstest.Parallel(2, func(int) result {
			tk, created, err := b.store.Create(b.ctx, b.repA, n)
			return result{tk.ID, created, err}
		})
		r0, r1 := results[0], results[1]
		if r0.err != nil || r1.err != nil {
			t.Fatalf("concurrent Create: %v, %v", r0.err, r1.err)
		}
		if r0.id != r1.id || r0.created == r1.created {
			t.Errorf("concurrent Create (email %q): %+v and %+v, want one id, created exactly once", customer, r0, r1)
		}
	}
	for table, want := range map[string]int{"tickets": 2, "messages": 2, "customers": 2} {
		if got := ticketstest.Count(b.ctx, t, b.db, table); got != want {
			t.Errorf("%d %s, want %d", got, table, want)
		}
	}
}
