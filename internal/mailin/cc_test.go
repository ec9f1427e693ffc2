package mailin

import (
	"slices"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// The Cc of a customer's mail is never copied on the ticket; once a rep CCs
// an address, a reply from it threads into that ticket by its headers or
// tag instead of opening one of its own.
func TestCcdAddressesJoinAndTheirRepliesThread(t *testing.T) {
	b := setup(t)
	first := b.receive(t, replyMail("Ben <ben@example.com>", "cc1@example.com", "Broken kettle", "It leaks.",
		"Cc: Kate <kate@example.com>, "+noreplyAddress+", HELP@desk.example, \"Ben\" <ben@example.com>"))
	if first.Outcome != string(tickets.EmailCreated) {
		t.Fatalf("first mail: %+v", first)
	}
	list, err := b.store.CCs(b.ctx, first.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Fatalf("CC from the mail: %+v, want none", list)
	}
	if err := b.store.AddCC(b.ctx, b.sup, first.TicketID, "kate@example.com"); err != nil {
		t.Fatal(err)
	}
	confirmation := b.sendOutbox(t, first.TicketID, "aaaabbbbccccdddd00001111")

	// Kate answers the desk's mail with her own program (edited subject).
	r := b.receive(t, replyMail("Kate <kate@example.com>", "cc2@example.com", "kettle", "He means the blue one.",
		"In-Reply-To: <"+confirmation+">"))
	if r.Outcome != string(tickets.EmailThreaded) || r.TicketID != first.TicketID {
		t.Fatalf("reply from the CC'd address = %+v, want threaded into #%d", r, first.TicketID)
	}
	// Someone not copied, with the same header, gets a ticket of their own.
	other := b.receive(t, replyMail("Olli <olli@example.com>", "cc3@example.com", "kettle", "Me too?",
		"In-Reply-To: <"+confirmation+">"))
	if other.Outcome != string(tickets.EmailCreated) || other.TicketID == first.TicketID {
		t.Fatalf("reply from a stranger = %+v, want a new ticket", other)
	}
	if got, want := b.bodies(t, first.TicketID), []string{"It leaks.", "He means the blue one."}; !slices.Equal(got, want) {
		t.Errorf("thread %q, want %q", got, want)
	}
}
