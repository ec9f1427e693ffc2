package tickets_test

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// results maps a bulk result to ticket -> message id ("" when done).
func results(t *testing.T, bulk func() ([]tickets.BulkResult, error)) map[int64]string {
	t.Helper()
	rs, err := bulk()
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, r := range rs {
		out[r.TicketID] = ""
		if r.Err != nil {
			out[r.TicketID] = apperr.MsgIDOf(r.Err)
			if f := apperr.FieldsOf(r.Err); len(f) > 0 {
				for _, v := range f {
					out[r.TicketID] = v
				}
			}
		}
	}
	return out
}

// TestBulkEachTicketByItsRules: one change to many tickets, each through
// the store's own rules; a refusal names its ticket and stops no other.
func TestBulkEachTicketByItsRules(t *testing.T) {
	b := setup(t)
	unowned := func() int64 {
		tk, _, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "C", Email: "c@example.com", Subject: "S", Message: "M"})
		if err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	free1, free2 := unowned(), unowned()
	theirs := ticketstest.Create(b.ctx, t, b.store, b.repA2, tickets.NewTicket{}).ID
	otherTeam := ticketstest.Create(b.ctx, t, b.store, b.repB, tickets.NewTicket{}).ID

	got := results(t, func() ([]tickets.BulkResult, error) {
		return b.store.Bulk(b.ctx, b.repA, tickets.BulkOp{Kind: tickets.BulkTake}, []int64{theirs, free2, free1, otherTeam, free1})
	})
	want := map[int64]string{free1: "", free2: "", theirs: "error_take_confirm", otherTeam: "error_ticket_not_found"}
	for id, msg := range want {
		if got[id] != msg {
			t.Errorf("take #%d: %q, want %q", id, got[id], msg)
		}
	}
	if len(got) != 4 {
		t.Errorf("take: %d results, want one per distinct ticket", len(got))
	}

	// Solving from new is allowed; closing a new ticket is not (the status machine).
	got = results(t, func() ([]tickets.BulkResult, error) {
		return b.store.Bulk(b.ctx, b.repA, tickets.BulkOp{Kind: tickets.BulkStatus, Status: tickets.StatusClosed}, []int64{free1, theirs})
	})
	if got[free1] != "error_transition_invalid" || got[theirs] != "error_transition_invalid" {
		t.Errorf("close new tickets: %v", got)
	}
	got = results(t, func() ([]tickets.BulkResult, error) {
		return b.store.Bulk(b.ctx, b.repA, tickets.BulkOp{Kind: tickets.BulkStatus, Status: tickets.StatusSolved}, []int64{free1, free2})
	})
	if got[free1] != "" || got[free2] != "" {
		t.Errorf("solve: %v", got)
	}

	got = results(t, func() ([]tickets.BulkResult, error) {
		return b.store.Bulk(b.ctx, b.repA, tickets.BulkOp{Kind: tickets.BulkPriority, Priority: tickets.PriorityUrgent}, []int64{theirs})
	})
	tk, _ := b.store.Get(b.ctx, b.sup, theirs)
	if got[theirs] != "" || tk.Priority != tickets.PriorityUrgent {
		t.Errorf("priority: %v, ticket %s", got, tk.Priority)
	}
	for range 2 { // adding a tag twice is one tag
		got = results(t, func() ([]tickets.BulkResult, error) {
			return b.store.Bulk(b.ctx, b.repA, tickets.BulkOp{Kind: tickets.BulkTag, Tag: " VIP "}, []int64{theirs})
		})
	}
	tk, _ = b.store.Get(b.ctx, b.sup, theirs)
	if got[theirs] != "" || len(tk.Tags) != 1 || tk.Tags[0] != "vip" {
		t.Errorf("tag: %v, tags %v", got, tk.Tags)
	}

	// Assigning is the supervisors'.
	if _, err := b.store.Bulk(b.ctx, b.repA, tickets.BulkOp{Kind: tickets.BulkAssign, OwnerID: b.repA.UserID}, []int64{theirs}); apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("rep assigns: %v, want forbidden", err)
	}
	got = results(t, func() ([]tickets.BulkResult, error) {
		return b.store.Bulk(b.ctx, b.sup, tickets.BulkOp{Kind: tickets.BulkAssign, OwnerID: b.repB.UserID}, []int64{theirs, otherTeam})
	})
	tk, _ = b.store.Get(b.ctx, b.sup, theirs)
	if got[theirs] != "" || tk.OwnerID != b.repB.UserID {
		t.Errorf("assign: %v, owner %d", got, tk.OwnerID)
	}

	for _, bad := range []struct {
		op  tickets.BulkOp
		ids []int64
	}{
		{tickets.BulkOp{Kind: tickets.BulkTake}, nil},
		{tickets.BulkOp{Kind: "explode"}, []int64{free1}},
		{tickets.BulkOp{Kind: tickets.BulkTag, Tag: "two tags"}, []int64{free1}},
		{tickets.BulkOp{Kind: tickets.BulkStatus, Status: "gone"}, []int64{free1}},
		{tickets.BulkOp{Kind: tickets.BulkTake}, make([]int64, tickets.MaxBulk+1)},
	} {
		ids := bad.ids
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		if _, err := b.store.Bulk(b.ctx, b.repA, bad.op, ids); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("%+v on %d tickets: %v, want invalid", bad.op, len(ids), err)
		}
	}
}
