package csat_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// exec runs a statement of the test's fixture.
func (b *bundle) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := b.db.Exec(b.ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// customer inserts a customer and returns their id.
func (b *bundle) customer(t *testing.T, name string) int64 {
	t.Helper()
	return ticketstest.Customer(b.ctx, t, b.db, tickets.Customer{Name: name}).ID
}

// ticketFor opens a ticket for customer id as the rep.
func (b *bundle) ticketFor(t *testing.T, customerID int64) tickets.Ticket {
	t.Helper()
	return ticketstest.Create(b.ctx, t, b.ts, actor(b.rep), tickets.NewTicket{CustomerID: customerID})
}

// describe renders a customer's reasons as "key count points" strings.
func describe(c csat.AtRiskCustomer) []string {
	var out []string
	for _, r := range c.Reasons {
		out = append(out, fmt.Sprintf("%s %d %d", r.Key, r.Count, r.Points))
	}
	return out
}

// TestAtRiskScoreByHand checks the score against points counted by hand on a
// small data set, the reasons shown, the ranking and the keyset pages.
func TestAtRiskScoreByHand(t *testing.T) {
	b := setup(t)
	now := start
	old := now.Add(-40 * 24 * time.Hour) // outside the 30-day window

	// Anna: 3 tickets in the window (2 repeat contacts: 4), a bad answer (5),
	// an SLA breach (3) = 12.
	anna := b.customer(t, "Anna")
	a1 := b.solved(t, b.rep, "", "en")
	b.exec(t, `UPDATE tickets SET customer_id = $2 WHERE id = $1`, a1.ID, anna)
	a2 := b.ticketFor(t, anna)
	b.ticketFor(t, anna)
	if _, err := b.store.Answer(b.ctx, a1.ID, csat.Answer{Rating: "bad"}); err != nil {
		t.Fatal(err)
	}
	b.exec(t, `INSERT INTO sla_firings (ticket_id, target, due_at, level, fired_at) VALUES ($1, 'first_response', $2, 'breached', $2)`,
		a2.ID, now.Add(-time.Hour))
	// An at-risk firing is not a breach.
	b.exec(t, `INSERT INTO sla_firings (ticket_id, target, due_at, level, fired_at) VALUES ($1, 'resolution', $2, 'at_risk', $2)`,
		a2.ID, now.Add(-time.Hour))

	// Bao: 1 ticket, reopened once (2), first response after its target (1) = 3.
	bao := b.customer(t, "Bao")
	b1 := b.ticketFor(t, bao)
	ticketstest.Move(b.ctx, t, b.ts, actor(b.rep), b1.ID, tickets.StatusSolved, tickets.StatusOpen)
	b.exec(t, `UPDATE tickets SET first_response_due = $2, first_response_at = $3 WHERE id = $1`,
		b1.ID, now.Add(-2*time.Hour), now.Add(-time.Hour))

	// Chitra: one ticket 40 days ago (reopened then, answered bad then) and one
	// now: nothing in the window counts, so she is not listed.
	chitra := b.customer(t, "Chitra")
	c1 := b.ticketFor(t, chitra)
	ticketstest.Move(b.ctx, t, b.ts, actor(b.rep), c1.ID, tickets.StatusSolved, tickets.StatusOpen, tickets.StatusSolved)
	if _, err := b.store.Answer(b.ctx, c1.ID, csat.Answer{Rating: "bad"}); err != nil {
		t.Fatal(err)
	}
	b.exec(t, `UPDATE tickets SET created_at = $2 WHERE id = $1`, c1.ID, old)
	b.exec(t, `UPDATE events SET created_at = $2 WHERE subject_type = 'ticket' AND subject_id = $1`, c1.ID, old)
	b.exec(t, `UPDATE csat_responses SET answered_at = $2, changed_at = $2 WHERE ticket_id = $1`, c1.ID, old)
	b.ticketFor(t, chitra)

	// Dung and Eero: 2 tickets each (one repeat contact: 2). A first response
	// still due in the future is no long wait yet.
	dung := b.customer(t, "Dung")
	d1 := b.ticketFor(t, dung)
	b.ticketFor(t, dung)
	b.exec(t, `UPDATE tickets SET first_response_due = $2 WHERE id = $1`, d1.ID, now.Add(time.Hour))
	eero := b.customer(t, "Eero")
	b.ticketFor(t, eero)
	e2 := b.ticketFor(t, eero)

	page, err := b.store.AtRisk(b.ctx, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id      int64
		score   int
		reasons []string
	}
	want := []row{
		// Anna's bad answer reopened her solved ticket: that counts too.
		{anna, 14, []string{"repeat_contacts 2 4", "bad_csat 1 5", "sla_breaches 1 3", "reopened 1 2"}},
		{bao, 3, []string{"reopened 1 2", "long_waits 1 1"}},
		{eero, 2, []string{"repeat_contacts 1 2"}}, // ties: newest customer first
		{dung, 2, []string{"repeat_contacts 1 2"}},
	}
	if len(page.Customers) != len(want) || page.Next != nil || !page.Since.Equal(now.Add(-csat.RiskWindow)) {
		t.Fatalf("at-risk page: %+v", page)
	}
	for i, w := range want {
		c := page.Customers[i]
		sum := 0
		for _, r := range c.Reasons {
			sum += r.Points
		}
		if c.CustomerID != w.id || c.Score != w.score || sum != c.Score || !slices.Equal(describe(c), w.reasons) {
			t.Errorf("row %d: %d score %d reasons %v; want %d score %d %v", i, c.CustomerID, c.Score, describe(c), w.id, w.score, w.reasons)
		}
	}
	if c := page.Customers[2]; c.LatestTicketID != e2.ID || c.Contacts != 2 {
		t.Errorf("Eero's latest ticket %d (contacts %d), want %d", c.LatestTicketID, c.Contacts, e2.ID)
	}

	// Pages of two, by keyset.
	p1, err := b.store.AtRisk(b.ctx, nil, 2)
	if err != nil || len(p1.Customers) != 2 || p1.Next == nil || *p1.Next != (csat.RiskCursor{Score: 3, CustomerID: bao}) {
		t.Fatalf("page 1: %+v, %v", p1, err)
	}
	p2, err := b.store.AtRisk(b.ctx, p1.Next, 2)
	if err != nil || len(p2.Customers) != 2 || p2.Customers[0].CustomerID != eero || p2.Customers[1].CustomerID != dung {
		t.Fatalf("page 2: %+v, %v", p2, err)
	}
	// Exactly a full last page: the next one is empty.
	if p2.Next != nil {
		p3, err := b.store.AtRisk(b.ctx, p2.Next, 2)
		if err != nil || len(p3.Customers) != 0 {
			t.Fatalf("page 3: %+v, %v", p3, err)
		}
	}
}

func TestAssignProactiveFollowUp(t *testing.T) {
	b := setup(t)
	cust := b.customer(t, "Aino")
	b.ticketFor(t, cust)
	latest := b.ticketFor(t, cust)

	_, err := b.store.AssignProactive(b.ctx, b.rep, cust, b.rep2.ID)
	wantErr(t, err, apperr.Forbidden, "error_forbidden")
	for _, owner := range []int64{0, 999999, b.supervisor.ID + 1000} {
		_, err = b.store.AssignProactive(b.ctx, b.lead, cust, owner)
		if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["owner_id"] != "atrisk_error_owner" {
			t.Fatalf("owner %d: %v", owner, err)
		}
	}
	admin := ticketstest.User(b.ctx, t, b.db, "admin")
	_, err = b.store.AssignProactive(b.ctx, b.lead, cust, admin.UserID)
	if !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("admin as owner: %v", err)
	}
	_, err = b.store.AssignProactive(b.ctx, b.lead, b.customer(t, "No tickets"), b.rep2.ID)
	wantErr(t, err, apperr.NotFound, "atrisk_error_no_ticket")

	id, err := b.store.AssignProactive(b.ctx, b.lead, cust, b.rep2.ID)
	if err != nil || id != latest.ID {
		t.Fatalf("assign = %d, %v; want ticket %d", id, err, latest.ID)
	}
	f, err := b.esc.OpenFollowUp(b.ctx, latest.ID)
	if err != nil || f == nil || f.Reason != "proactive" || f.OwnerID != b.rep2.ID {
		t.Fatalf("follow-up: %+v, %v", f, err)
	}
	if got := b.notified(t, latest.ID, "follow_up_assigned"); !slices.Equal(got, []int64{b.rep2.ID}) {
		t.Fatalf("notified %v", got)
	}
	_, err = b.store.AssignProactive(b.ctx, b.lead, cust, b.rep.ID)
	wantErr(t, err, apperr.Conflict, "atrisk_error_open_follow_up")
	_ = staff.RoleRep
}
