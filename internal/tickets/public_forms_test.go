package tickets_test

import (
	"sync"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

func (b *bundle) countRows(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(b.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPublicFormSentTwiceMakesOneTicket posts the same /help form twice,
// one after the other and then twice at once: one ticket each time, the
// repeat answered with the first ticket and a working status link.
func TestPublicFormSentTwiceMakesOneTicket(t *testing.T) {
	b := setup(t)
	n := tickets.NewPublicTicket{Name: "Aino", Email: "aino@example.fi", Subject: "Tilaus puuttuu", Message: "Tilaukseni ei tullut.",
		Locale: "fi", IdempotencyKey: tickets.NewFormKey()}
	first, err := b.store.CreatePublicOnce(b.ctx, n)
	if err != nil || first.Repeat {
		t.Fatalf("first post: %+v, %v", first, err)
	}
	again, err := b.store.CreatePublicOnce(b.ctx, n)
	if err != nil || !again.Repeat || again.Ticket.ID != first.Ticket.ID {
		t.Fatalf("second post: %+v, %v; want a repeat of #%d", again, err, first.Ticket.ID)
	}
	if tk, err := b.store.TicketByToken(b.ctx, again.Token); err != nil || tk.ID != first.Ticket.ID {
		t.Fatalf("the repeat's status link opens %d, %v", tk.ID, err)
	}
	if c := b.countRows(t, `SELECT count(*) FROM tickets`); c != 1 {
		t.Fatalf("%d tickets after the same post twice", c)
	}
	if c := b.countRows(t, `SELECT count(*) FROM outbox`); c != 1 {
		t.Fatalf("%d mails after the same post twice, want one confirmation", c)
	}
	// The stored key is a hash: the form's own key is nowhere in the table.
	if c := b.countRows(t, `SELECT count(*) FROM tickets WHERE idempotency_key LIKE '%' || $1 || '%'`, n.IdempotencyKey); c != 0 {
		t.Fatal("the form key is stored readable")
	}

	// The same form with other words is another request.
	other := n
	other.Message = "Ja toinen asia."
	if p, err := b.store.CreatePublicOnce(b.ctx, other); err != nil || p.Repeat || p.Ticket.ID == first.Ticket.ID {
		t.Fatalf("changed post: %+v, %v; want a new ticket", p, err)
	}

	// Two at once (a double click): one ticket.
	n.IdempotencyKey = tickets.NewFormKey()
	var wg sync.WaitGroup
	results := make([]tickets.PublicTicket, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = b.store.CreatePublicOnce(b.ctx, n)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || results[0].Ticket.ID != results[1].Ticket.ID || results[0].Repeat == results[1].Repeat {
		t.Fatalf("double click: %+v %+v, %v %v", results[0], results[1], errs[0], errs[1])
	}
	if c := b.countRows(t, `SELECT count(*) FROM tickets`); c != 3 {
		t.Fatalf("%d tickets, want 3", c)
	}
}

// TestCustomerReplySentTwiceIsOneReply posts the same status-page reply
// twice: one message, the repeat told where the first landed, also when
// that was a follow-up of a closed ticket.
func TestCustomerReplySentTwiceIsOneReply(t *testing.T) {
	b := setup(t)
	tk, _, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Minh", Email: "minh@example.vn", Subject: "Gói hàng", Message: "Hộp bị móp.", Locale: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	r := tickets.CustomerReply{TicketID: tk.ID, Body: "Ảnh đây.", IdempotencyKey: tickets.NewFormKey()}
	first, err := b.store.AddCustomerReply(b.ctx, r)
	if err != nil || first.Repeat || first.TicketID != tk.ID {
		t.Fatalf("first reply: %+v, %v", first, err)
	}
	again, err := b.store.AddCustomerReply(b.ctx, r)
	if err != nil || !again.Repeat || again.TicketID != tk.ID {
		t.Fatalf("second reply: %+v, %v", again, err)
	}
	if c := b.countRows(t, `SELECT count(*) FROM messages WHERE ticket_id = $1`, tk.ID); c != 2 {
		t.Fatalf("%d messages, want the first one and one reply", c)
	}
	// Without a key (an old page) every post counts.
	if _, err := b.store.AddCustomerReply(b.ctx, tickets.CustomerReply{TicketID: tk.ID, Body: "Ảnh đây."}); err != nil {
		t.Fatal(err)
	}
	if c := b.countRows(t, `SELECT count(*) FROM messages WHERE ticket_id = $1`, tk.ID); c != 3 {
		t.Fatalf("%d messages, want 3", c)
	}
	// A reply to a closed ticket opens a follow-up once; its repeat points there.
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET status = 'closed', closed_at = now() WHERE id = $1`, tk.ID); err != nil {
		t.Fatal(err)
	}
	r = tickets.CustomerReply{TicketID: tk.ID, Body: "Vẫn chưa nhận được.", IdempotencyKey: tickets.NewFormKey()}
	first, err = b.store.AddCustomerReply(b.ctx, r)
	if err != nil || first.TicketID == tk.ID {
		t.Fatalf("reply to closed: %+v, %v", first, err)
	}
	again, err = b.store.AddCustomerReply(b.ctx, r)
	if err != nil || !again.Repeat || again.TicketID != first.TicketID {
		t.Fatalf("repeat to closed: %+v, %v; want the follow-up #%d", again, err, first.TicketID)
	}
	if c := b.countRows(t, `SELECT count(*) FROM tickets`); c != 2 {
		t.Fatalf("%d tickets, want the first and one follow-up", c)
	}
}
