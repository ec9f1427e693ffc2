package tickets_test

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// TestPossibleDuplicates: the customer's open tickets with a like subject,
// found by email (any case), phone (as typed) or the chosen customer, most
// alike first; not closed ones, not other customers', not unlike subjects,
// and not those the rep may not see.
func TestPossibleDuplicates(t *testing.T) {
	b := setup(t)
	parcel := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino", CustomerEmail: "aino@example.fi", CustomerPhone: "+358401234567",
		Subject: "Parcel has not arrived"})
	late := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino", CustomerEmail: "aino@example.fi", Subject: "Where is my parcel? Still not here"})
	b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino", CustomerEmail: "aino@example.fi", Subject: "Invoice copy"})
	solved := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Aino", CustomerEmail: "aino@example.fi", Subject: "Parcel not arrived"})
	ticketstest.Move(b.ctx, t, b.store, b.repA, solved.ID, tickets.StatusSolved)
	b.create(t, b.repA, tickets.NewTicket{CustomerName: "Olli", CustomerEmail: "olli@example.fi", Subject: "Where is my parcel?"})

	ids := func(list []tickets.Ticket) []int64 {
		var out []int64
		for _, tk := range list {
			out = append(out, tk.ID)
		}
		return out
	}
	check := func(name string, a tickets.Actor, q tickets.DuplicateQuery, want ...int64) {
		t.Helper()
		got, err := b.store.PossibleDuplicates(b.ctx, a, q, 5)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", name, ids(got), want)
		}
		for i := range want {
			if got[i].ID != want[i] {
				t.Fatalf("%s: %v, want %v", name, ids(got), want)
			}
		}
	}
	check("by email", b.repA, tickets.DuplicateQuery{Email: "AINO@example.fi", Subject: "Where is my parcel?"}, late.ID, parcel.ID)
	check("by phone as typed", b.repA, tickets.DuplicateQuery{Phone: "040 123 4567", Subject: "Parcel has not arrived"}, parcel.ID, late.ID)
	check("by the chosen customer", b.sup, tickets.DuplicateQuery{CustomerID: parcel.Customer.ID, Subject: "Parcel not arrived yet"}, parcel.ID, late.ID)
	check("an unlike subject", b.repA, tickets.DuplicateQuery{Email: "aino@example.fi", Subject: "Change my address"})
	check("another team's rep", b.repB, tickets.DuplicateQuery{Email: "aino@example.fi", Subject: "Where is my parcel?"})
	check("no subject", b.repA, tickets.DuplicateQuery{Email: "aino@example.fi"})
	check("no customer", b.repA, tickets.DuplicateQuery{Subject: "Where is my parcel?"})
	check("unknown email", b.repA, tickets.DuplicateQuery{Email: "nobody@example.fi", Subject: "Where is my parcel?"})
	check("bad input", b.repA, tickets.DuplicateQuery{Email: "aino@example.fi\x00", Subject: "parcel\xff"})
}
