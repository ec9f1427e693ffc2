package outbox

import (
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// sendRow sends outbox row id now, as its River job would.
func sendRow(t *testing.T, b bundle, o *Outbox, id int64) {
	t.Helper()
	job := 5000 + id
	if _, err := b.db.Exec(t.Context(), `UPDATE outbox SET job_id = $2 WHERE id = $1`, id, job); err != nil {
		t.Fatal(err)
	}
	if err := o.send(t.Context(), id, job); err != nil {
		t.Fatalf("send outbox row %d: %v", id, err)
	}
}

// rowsOf lists ticket id's outbox rows, oldest first.
func rowsOf(t *testing.T, b bundle, ticketID int64) []int64 {
	t.Helper()
	rows, err := b.db.Query(t.Context(), `SELECT id FROM outbox WHERE ticket_id = $1 ORDER BY id`, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// A ticket that came in through a mailbox is answered from the mailbox's
// address, and every mail names the conversation so far: In-Reply-To the
// customer's newest mail, References the whole thread, oldest first.
func TestMailCarriesThreadingHeadersAndTheMailboxFrom(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	team := ticketstest.Team(ctx, t, b.db, "Shop")
	rep := ticketstest.User(ctx, t, b.db, "rep", team)
	var mailbox int64
	if err := b.db.QueryRow(ctx, `
INSERT INTO mailboxes (host, port, security, username, password_sealed, folder, team_id, from_address, created_at)
VALUES ('imap.shop.example', 993, 'tls', 'help@shop.example', '\x00', 'INBOX', $1, 'Shop Help <help@shop.example>', now())
RETURNING id`, team).Scan(&mailbox); err != nil {
		t.Fatal(err)
	}
	srv := startFakeSMTP(t)
	sender, err := NewSMTPSender(SMTPConfig{Addr: srv.addr(), From: "Desk <desk@default.example>"})
	if err != nil {
		t.Fatal(err)
	}
	o := New(b.db, b.cat, sender, b.log, time.Now)

	in, err := b.tickets.ReceiveEmail(ctx, tickets.InboundEmail{MessageID: "c1@mail.example", FromEmail: "ann@example.com",
		FromName: "Ann", Subject: "Broken lamp", Body: "It arrived broken.", TeamID: team, MailboxID: mailbox})
	if err != nil || in.Outcome != tickets.EmailCreated {
		t.Fatalf("first mail: %+v %v", in, err)
	}
	confirmation := rowsOf(t, b, in.TicketID)[0]
	sendRow(t, b, o, confirmation)
	p := parse(t, srv.messages()[0])
	from, _ := p.Header.AddressList("From")
	if len(from) != 1 || from[0].Address != "help@shop.example" || from[0].Name != "Shop Help" {
		t.Fatalf("From %v: want the mailbox's address", from)
	}
	confID, _ := p.Header.MessageID()
	if !strings.HasSuffix(confID, "@shop.example") {
		t.Errorf("Message-ID %q is not of the mailbox's domain", confID)
	}
	if got, _ := p.Header.MsgIDList("In-Reply-To"); strings.Join(got, " ") != "c1@mail.example" {
		t.Errorf("confirmation In-Reply-To %q", got)
	}
	if got, _ := p.Header.MsgIDList("References"); strings.Join(got, " ") != "c1@mail.example" {
		t.Errorf("confirmation References %q", got)
	}
	if p.Header.Get("Auto-Submitted") != "auto-replied" || p.Header.Get("X-Auto-Response-Suppress") != "All" {
		t.Errorf("the confirmation is not marked automatic")
	}

	if _, err := b.tickets.AddReply(ctx, rep, in.TicketID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Sorry! A new one is on its way."}); err != nil {
		t.Fatal(err)
	}
	reply1 := rowsOf(t, b, in.TicketID)[1]
	sendRow(t, b, o, reply1)
	p = parse(t, srv.messages()[1])
	reply1ID, _ := p.Header.MessageID()
	if got, _ := p.Header.MsgIDList("References"); strings.Join(got, " ") != "c1@mail.example "+confID {
		t.Errorf("first reply References %q", got)
	}
	if got, _ := p.Header.MsgIDList("In-Reply-To"); strings.Join(got, " ") != "c1@mail.example" {
		t.Errorf("first reply In-Reply-To %q", got)
	}
	if p.Header.Get("Auto-Submitted") != "" {
		t.Errorf("a rep's reply is marked automatic")
	}

	// The customer answers our reply (with an edited subject); it threads by
	// its header, and the next reply names it.
	again, err := b.tickets.ReceiveEmail(ctx, tickets.InboundEmail{MessageID: "c2@mail.example", FromEmail: "ann@example.com",
		Subject: "lamp??", Body: "When?", InReplyTo: []string{reply1ID}, MailboxID: mailbox})
	if err != nil || again.Outcome != tickets.EmailThreaded || again.TicketID != in.TicketID {
		t.Fatalf("customer's answer: %+v %v", again, err)
	}
	if err := b.tickets.AddCC(ctx, rep, in.TicketID, "boss@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.AddReply(ctx, rep, in.TicketID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Boss is copied now."}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.AddReply(ctx, rep, in.TicketID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Tomorrow."}); err != nil {
		t.Fatal(err)
	}
	reply2 := rowsOf(t, b, in.TicketID)[2]
	sendRow(t, b, o, reply2)
	p = parse(t, srv.messages()[2])
	if got, _ := p.Header.MsgIDList("In-Reply-To"); strings.Join(got, " ") != "c2@mail.example" {
		t.Errorf("second reply In-Reply-To %q, want the customer's newest mail", got)
	}
	want := strings.Join([]string{"c1@mail.example", confID, reply1ID, "c2@mail.example"}, " ")
	if got, _ := p.Header.MsgIDList("References"); strings.Join(got, " ") != want {
		t.Errorf("second reply References\n got %q\nwant %q", got, want)
	}
	if cc, _ := p.Header.AddressList("Cc"); len(cc) != 0 {
		t.Errorf("second reply Cc %v, want none (the CC gets a mail of its own)", cc)
	}
	srv.mu.Lock()
	rcpts := strings.Join(srv.rcpts[2], ",")
	srv.mu.Unlock()
	if rcpts != "ann@example.com" {
		t.Errorf("second reply went to %s", rcpts)
	}
	// The CC's own copy threads the same way and goes to the CC alone.
	sendRow(t, b, o, rowsOf(t, b, in.TicketID)[3])
	pc := parse(t, srv.messages()[3])
	if got, _ := pc.Header.MsgIDList("In-Reply-To"); strings.Join(got, " ") != "c2@mail.example" {
		t.Errorf("the CC's copy In-Reply-To %q", got)
	}
	srv.mu.Lock()
	rcpts = strings.Join(srv.rcpts[3], ",")
	srv.mu.Unlock()
	if rcpts != "boss@example.com" {
		t.Errorf("the CC's copy went to %s", rcpts)
	}
	if strings.Contains(strings.Join(srv.messages(), ""), "Boss is copied now") {
		t.Error("an internal note went out by mail")
	}
	if subject, _ := p.Header.Subject(); !strings.Contains(subject, "Broken lamp") {
		t.Errorf("subject %q", subject)
	}

	// The mailbox is removed: the ticket's mail goes out from the desk's address.
	if _, err := b.db.Exec(ctx, `DELETE FROM mailboxes WHERE id = $1`, mailbox); err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.AddReply(ctx, rep, in.TicketID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Shipped."}); err != nil {
		t.Fatal(err)
	}
	sendRow(t, b, o, rowsOf(t, b, in.TicketID)[4])
	p = parse(t, srv.messages()[4])
	if from, _ := p.Header.AddressList("From"); from[0].Address != "desk@default.example" {
		t.Errorf("From %v after the mailbox was removed", from)
	}
}
