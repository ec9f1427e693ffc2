package tickets_test

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestInternalNote(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{CustomerEmail: "fay@example.com"})
	got, err := b.store.AddReply(b.ctx, b.repA2, tk.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Called the courier."})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != tickets.StatusNew || got.FirstResponseAt != nil || got.Version != tk.Version+1 {
		t.Errorf("after a note: status %s first response %v version %d", got.Status, got.FirstResponseAt, got.Version)
	}
	if mails := ticketstest.Mails(b.ctx, t, b.db); len(mails) != 0 {
		t.Errorf("a note was mailed: %+v", mails)
	}
	public, _ := b.store.Messages(b.ctx, tk.ID, false)
	all, _ := b.store.Messages(b.ctx, tk.ID, true)
	if len(public) != 1 || len(all) != 2 || all[1].Kind != tickets.MessageInternal || all[1].AuthorID != b.repA2.UserID || all[1].FromCustomer {
		t.Errorf("public thread %+v, full thread %+v", public, all)
	}
	if actions, _ := b.history(t, tk.ID); actions[len(actions)-1] != "ticket.note_added" {
		t.Errorf("history = %v", actions)
	}
}

func TestPublicReply(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{CustomerName: "Gia", CustomerEmail: "gia@example.vn", CustomerLocale: "vi", Subject: "Giao hàng"})
	first, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: " Chúng tôi đang kiểm tra. "})
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != tickets.StatusOpen || first.FirstResponseAt == nil || !first.FirstResponseAt.Equal(first.UpdatedAt) {
		t.Fatalf("after first reply: status %s first response %v updated %v", first.Status, first.FirstResponseAt, first.UpdatedAt)
	}
	second, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Đã gửi."})
	if err != nil {
		t.Fatal(err)
	}
	if !second.FirstResponseAt.Equal(*first.FirstResponseAt) || second.Status != tickets.StatusOpen {
		t.Errorf("second reply moved first response %v -> %v", first.FirstResponseAt, second.FirstResponseAt)
	}
	actions, _ := b.history(t, tk.ID)
	want := []string{"ticket.created", "ticket.replied", "ticket.status_changed", "ticket.replied"}
	if len(actions) != len(want) || actions[1] != want[1] || actions[2] != want[2] || actions[3] != want[3] {
		t.Errorf("history = %v, want %v", actions, want)
	}
	mails := ticketstest.Mails(b.ctx, t, b.db)
	if len(mails) != 2 {
		t.Fatalf("outbox = %+v, want two reply mails", mails)
	}
	m := mails[0]
	if m.Kind != "reply" || m.To != "gia@example.vn" || m.Locale != "vi" || m.TicketID != tk.ID ||
		m.Data["Body"] != "Chúng tôi đang kiểm tra." || m.Data["Subject"] != "Giao hàng" {
		t.Errorf("reply mail = %+v", m)
	}
	if got, err := b.store.TicketByToken(b.ctx, b.tokenOf(t, m)); err != nil || got.ID != tk.ID {
		t.Errorf("reply link opens %d (%v), want %d", got.ID, err, tk.ID)
	}
	if b.tokenOf(t, mails[0]) == b.tokenOf(t, mails[1]) {
		t.Errorf("two replies share one status token")
	}
	msgs, _ := b.store.Messages(b.ctx, tk.ID, false)
	if len(msgs) != 3 || msgs[1].Body != "Chúng tôi đang kiểm tra." || msgs[1].AuthorID != b.repA.UserID || msgs[1].FromCustomer {
		t.Errorf("thread = %+v", msgs)
	}

	// No email, no mail; the reply itself still counts.
	noMail := b.create(t, b.repA, tickets.NewTicket{CustomerPhone: "+358501112223"})
	if got, err := b.store.AddReply(b.ctx, b.repA, noMail.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Soitamme."}); err != nil || got.FirstResponseAt == nil {
		t.Errorf("reply to a customer without email: %+v, %v", got, err)
	}
	if n := len(ticketstest.Mails(b.ctx, t, b.db)); n != 2 {
		t.Errorf("outbox has %d mails, want still 2", n)
	}
}

func TestReplyAndSetStatus(t *testing.T) {
	b := setup(t)
	tests := []struct {
		kind tickets.MessageKind
		from []tickets.Status
		set  tickets.Status
		want tickets.Status
	}{
		{tickets.MessagePublic, nil, tickets.StatusPending, tickets.StatusPending},
		{tickets.MessagePublic, nil, tickets.StatusSolved, tickets.StatusSolved},
		{tickets.MessagePublic, []tickets.Status{tickets.StatusOpen}, tickets.StatusOnHold, tickets.StatusOnHold},
		{tickets.MessagePublic, []tickets.Status{tickets.StatusPending}, tickets.StatusSolved, tickets.StatusSolved},
		{tickets.MessagePublic, []tickets.Status{tickets.StatusSolved}, tickets.StatusOpen, tickets.StatusOpen},
		{tickets.MessageInternal, nil, tickets.StatusSolved, tickets.StatusSolved},
		{tickets.MessagePublic, []tickets.Status{tickets.StatusPending}, "", tickets.StatusPending},
	}
	for _, tc := range tests {
		tk := b.create(t, b.repA, tickets.NewTicket{})
		tk = ticketstest.Move(b.ctx, t, b.store, b.repA, tk.ID, tc.from...)
		got, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: tc.kind, Body: "Done.", SetStatus: tc.set})
		if err != nil {
			t.Errorf("%s reply on %s setting %q: %v", tc.kind, tk.Status, tc.set, err)
			continue
		}
		if got.Status != tc.want || (tc.want == tickets.StatusSolved) != (got.SolvedAt != nil) {
			t.Errorf("%s reply on %s setting %q: status %s solved_at %v, want %s", tc.kind, tk.Status, tc.set, got.Status, got.SolvedAt, tc.want)
		}
		if (tc.kind == tickets.MessagePublic) != (got.FirstResponseAt != nil) {
			t.Errorf("%s reply: first response %v", tc.kind, got.FirstResponseAt)
		}
	}

	// A refused status refuses the whole reply.
	tk := b.create(t, b.repA, tickets.NewTicket{})
	_, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Bye.", SetStatus: tickets.StatusClosed})
	wantField(t, err, "status", "error_transition_invalid")
	if msgs, _ := b.store.Messages(b.ctx, tk.ID, true); len(msgs) != 1 {
		t.Errorf("refused reply left messages: %+v", msgs)
	}
	if got := b.get(t, tk.ID); got.FirstResponseAt != nil || got.Version != tk.Version {
		t.Errorf("refused reply changed the ticket: %+v", got)
	}
}
