package tickets_test

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// TestReplyAfterNewerMessageRefused: a reply written against an older
// thread is refused while someone else (a colleague or the customer) wrote
// since; one's own messages and SeenThrough 0 (the API) never ask.
func TestReplyAfterNewerMessageRefused(t *testing.T) {
	b := setup(t)
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{})
	thread, err := b.store.Messages(b.ctx, tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	seen := thread[len(thread)-1].ID
	reply := func(a tickets.Actor, body string, seen int64) error {
		_, err := b.store.AddReply(b.ctx, a, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: body, SeenThrough: seen})
		return err
	}
	if err := reply(b.repA, "First answer", seen); err != nil {
		t.Fatal(err)
	}
	// The colleague wrote the page the rep answered from.
	if err := reply(b.repA2, "On top", seen); apperr.MsgIDOf(err) != "live_error_replied_since" || apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("reply on top: %v, want the replied-since conflict", err)
	}
	// Nothing of it was stored, nor did the colleague become the owner.
	got, err := b.store.Get(b.ctx, b.sup, tk.ID)
	if err != nil || got.OwnerID != b.repA.UserID {
		t.Fatalf("owner %d (%v)", got.OwnerID, err)
	}
	if msgs, _ := b.store.Messages(b.ctx, tk.ID, true); len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	// The customer writes: even the owner is asked.
	if _, err := b.store.AddCustomerMessage(b.ctx, tk.ID, "Any news?"); err != nil {
		t.Fatal(err)
	}
	if err := reply(b.repA, "Second answer", seen+1); apperr.MsgIDOf(err) != "live_error_replied_since" {
		t.Fatalf("owner after the customer's message: %v", err)
	}
	if err := reply(b.repA, "Without a version", 0); err != nil {
		t.Fatalf("no version (the API): %v", err)
	}
}
