package tickets_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// ccOf lists ticket id's CC'd addresses.
func (b *bundle) ccOf(t *testing.T, id int64) []string {
	t.Helper()
	list, err := b.store.CCs(b.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range list {
		out = append(out, c.Email)
	}
	return out
}

// events counts ticket id's events of action.
func (b *bundle) events(t *testing.T, id int64, action string) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM events WHERE subject_type = 'ticket' AND subject_id = $1 AND action = $2`, id, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// outboxCC is the Cc of ticket id's newest outbox row of kind.
func (b *bundle) outboxCC(t *testing.T, id int64, kind string) []string {
	t.Helper()
	var cc []string
	if err := b.db.QueryRow(b.ctx, `SELECT cc FROM outbox WHERE ticket_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1`, id, kind).Scan(&cc); err != nil {
		t.Fatal(err)
	}
	return cc
}

func TestCCAddRemoveAndValidation(t *testing.T) {
	b := setup(t)
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{CustomerName: "Ann", CustomerEmail: "ann@example.com"})
	field := func(err error) string {
		t.Helper()
		if !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("want Invalid, got %v", err)
		}
		return apperr.FieldsOf(err)["cc_email"]
	}
	for _, bad := range []string{"", "   ", "not an address", "a@b", "x@example.com\x00", strings.Repeat("a", 250) + "@example.com", "a@example.com, b@example.com"} {
		if msg := field(b.store.AddCC(b.ctx, b.repA, tk.ID, bad)); msg == "" {
			t.Errorf("%q: no message for the field", bad)
		}
	}
	if msg := field(b.store.AddCC(b.ctx, b.repA, tk.ID, strings.ToUpper(tk.Customer.Email))); msg != "mailout_cc_error_customer" {
		t.Errorf("the customer's own address: %q", msg)
	}
	if err := b.store.AddCC(b.ctx, b.repB, tk.ID, "boss@example.com"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a rep of another team added a CC: %v", err)
	}
	if err := b.store.AddCC(b.ctx, b.repA, tk.ID, "Boss <boss@example.com>"); err != nil {
		t.Fatal(err)
	}
	if err := b.store.AddCC(b.ctx, b.repA2, tk.ID, "BOSS@example.com"); err != nil {
		t.Fatalf("adding an address already there (other case): %v", err)
	}
	if got := b.ccOf(t, tk.ID); len(got) != 1 || got[0] != "boss@example.com" {
		t.Fatalf("CC %q", got)
	}
	if n := b.events(t, tk.ID, "ticket.cc_added"); n != 1 {
		t.Fatalf("%d ticket.cc_added events, want 1", n)
	}
	for i := 1; i < tickets.MaxCC; i++ {
		if err := b.store.AddCC(b.ctx, b.repA, tk.ID, fmt.Sprintf("cc%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	if msg := field(b.store.AddCC(b.ctx, b.repA, tk.ID, "one-too-many@example.com")); msg != "mailout_cc_error_full" {
		t.Errorf("over MaxCC: %q", msg)
	}
	if err := b.store.RemoveCC(b.ctx, b.repA, tk.ID, "Boss@Example.com"); err != nil {
		t.Fatal(err)
	}
	if err := b.store.RemoveCC(b.ctx, b.repA, tk.ID, "boss@example.com"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("removing an address not there: %v", err)
	}
	if n := b.events(t, tk.ID, "ticket.cc_removed"); n != 1 {
		t.Fatalf("%d ticket.cc_removed events, want 1", n)
	}
	if got := b.ccOf(t, tk.ID); len(got) != tickets.MaxCC-1 {
		t.Fatalf("%d CC'd after removing one, want %d", len(got), tickets.MaxCC-1)
	}
}

// A public reply's mail goes to the customer alone (with the status link)
// and to each CC'd address in a mail of its own without it; an internal
// note queues no mail.
func TestPublicRepliesGoToTheCCNotesDoNot(t *testing.T) {
	b := setup(t)
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{CustomerName: "Ann", CustomerEmail: "ann@example.com"})
	for _, a := range []string{"boss@example.com", "colleague@example.org"} {
		if err := b.store.AddCC(b.ctx, b.repA, tk.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	before := len(ticketstest.Mails(b.ctx, t, b.db))
	if _, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Secret note"}); err != nil {
		t.Fatal(err)
	}
	if n := len(ticketstest.Mails(b.ctx, t, b.db)); n != before {
		t.Fatalf("an internal note queued %d mails", n-before)
	}
	if _, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Public answer"}); err != nil {
		t.Fatal(err)
	}
	mails := ticketstest.Mails(b.ctx, t, b.db)
	if len(mails) != before+3 {
		t.Fatalf("the reply queued %d mails, want 3", len(mails)-before)
	}
	if got := b.outboxCC(t, tk.ID, tickets.MailReply); len(got) != 0 {
		t.Fatalf("the customer's reply mail is copied to %q", got)
	}
	rows, err := b.db.Query(b.ctx, `SELECT to_address, kind, cc, data::text FROM outbox WHERE ticket_id = $1 AND kind IN ($2, $3) ORDER BY id`,
		tk.ID, tickets.MailReply, tickets.MailReplyCC)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var to, kind, data string
		var cc []string
		if err := rows.Scan(&to, &kind, &cc, &data); err != nil {
			t.Fatal(err)
		}
		link := strings.Contains(data, tickets.StatusTokenPlaceholder)
		got = append(got, fmt.Sprintf("%s %s cc=%d link=%v", to, kind, len(cc), link))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := "ann@example.com reply cc=0 link=true|boss@example.com reply_cc cc=0 link=false|colleague@example.org reply_cc cc=0 link=false"
	if strings.Join(got, "|") != want {
		t.Fatalf("reply mails\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}

// A mail's Cc is only noted on the ticket it opens (a ticket.email_cc event
// each), never copied; once a rep CCs an address, a reply from it threads
// into the ticket (as that person), while a stranger's still opens a ticket.
func TestMailCcJoinsAndCCRepliesThread(t *testing.T) {
	b := setup(t)
	first, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "m1@mail.example", FromEmail: "ann@example.com",
		FromName: "Ann", Subject: "Order 7", Body: "Where is it?",
		Cc: []string{"Boss@Example.com", "ann@example.com", "not an address", "boss@example.com", "helper@example.net"}})
	if err != nil || first.Outcome != tickets.EmailCreated {
		t.Fatalf("first mail: %+v %v", first, err)
	}
	if got := b.ccOf(t, first.TicketID); len(got) != 0 {
		t.Fatalf("the mail's Cc was copied on the ticket: %q", got)
	}
	if n := b.events(t, first.TicketID, "ticket.email_cc"); n != 2 {
		t.Fatalf("%d ticket.email_cc events, want 2", n)
	}
	for _, a := range []string{"boss@example.com", "helper@example.net"} {
		if err := b.store.AddCC(b.ctx, b.repA, first.TicketID, a); err != nil {
			t.Fatal(err)
		}
	}

	// The boss answers the confirmation (by the subject tag, and by header).
	byTag, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "m2@mail.example", FromEmail: "boss@example.com",
		FromName: "The Boss", Subject: "Order 7", Body: "Please hurry.", TicketNumber: first.TicketID})
	if err != nil || byTag.Outcome != tickets.EmailThreaded || byTag.TicketID != first.TicketID {
		t.Fatalf("CC'd reply by tag: %+v %v", byTag, err)
	}
	byHeader, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "m3@mail.example", FromEmail: "helper@example.net",
		Subject: "edited", Body: "Me too.", InReplyTo: []string{"m1@mail.example"}})
	if err != nil || byHeader.Outcome != tickets.EmailThreaded || byHeader.TicketID != first.TicketID {
		t.Fatalf("CC'd reply by header: %+v %v", byHeader, err)
	}
	var author string
	if err := b.db.QueryRow(b.ctx, `
SELECT c.email FROM messages m JOIN customers c ON c.id = m.author_customer_id
WHERE m.ticket_id = $1 AND m.body = 'Please hurry.'`, first.TicketID).Scan(&author); err != nil || author != "boss@example.com" {
		t.Fatalf("the CC'd reply's author: %q %v", author, err)
	}

	// A stranger naming the ticket gets their own.
	stranger, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "m4@mail.example", FromEmail: "eve@example.com",
		Subject: "Order 7", Body: "Let me in", TicketNumber: first.TicketID, InReplyTo: []string{"m1@mail.example"}})
	if err != nil || stranger.Outcome != tickets.EmailCreated || stranger.TicketID == first.TicketID {
		t.Fatalf("stranger: %+v %v", stranger, err)
	}
	// Removed from CC: the next mail of theirs opens a ticket of its own.
	if err := b.store.RemoveCC(b.ctx, b.sup, first.TicketID, "helper@example.net"); err != nil {
		t.Fatal(err)
	}
	gone, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "m5@mail.example", FromEmail: "helper@example.net",
		Subject: "again", Body: "Hello?", InReplyTo: []string{"m1@mail.example"}})
	if err != nil || gone.Outcome != tickets.EmailCreated {
		t.Fatalf("removed CC: %+v %v", gone, err)
	}
}

// A merge copies the duplicate's CC onto the survivor, so a CC'd person's
// mail still threads.
func TestMergeKeepsTheCC(t *testing.T) {
	b := setup(t)
	n := tickets.NewTicket{CustomerName: "Ann", CustomerEmail: "ann@example.com"}
	dup := ticketstest.Create(b.ctx, t, b.store, b.repA, n)
	n.CustomerID = dup.Customer.ID
	surv := ticketstest.Create(b.ctx, t, b.store, b.repA, n)
	if err := b.store.AddCC(b.ctx, b.repA, dup.ID, "boss@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := b.store.Merge(b.ctx, b.repA, dup.ID, surv.ID); err != nil {
		t.Fatal(err)
	}
	if got := b.ccOf(t, surv.ID); len(got) != 1 || got[0] != "boss@example.com" {
		t.Fatalf("survivor's CC %q", got)
	}
	r, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "mm1@mail.example", FromEmail: "boss@example.com",
		Subject: "x", Body: "Any news?", TicketNumber: dup.ID})
	if err != nil || r.Outcome != tickets.EmailThreaded || r.TicketID != surv.ID {
		t.Fatalf("CC'd mail naming the duplicate: %+v %v", r, err)
	}
}

// The desk's own mailboxes are never copied: a rep is told so, a mail's Cc
// naming one is skipped.
func TestDeskMailboxesAreNotCopied(t *testing.T) {
	b := setup(t)
	if _, err := b.db.Exec(b.ctx, `
INSERT INTO mailboxes (host, port, security, username, password_sealed, folder, team_id, from_address, created_at)
VALUES ('imap.example.com', 993, 'tls', 'inbox@desk.example', '\x00', 'INBOX', $1, 'Billing <billing@desk.example>', now())`, b.teamA); err != nil {
		t.Fatal(err)
	}
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{CustomerName: "Ann", CustomerEmail: "ann@example.com"})
	for _, desk := range []string{"Billing@desk.example", "inbox@desk.example"} {
		err := b.store.AddCC(b.ctx, b.repA, tk.ID, desk)
		if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["cc_email"] != "mailout_cc_error_desk" {
			t.Errorf("%s: %v", desk, err)
		}
	}
	r, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "d1@mail.example", FromEmail: "ann@example.com",
		Subject: "x", Body: "y", Cc: []string{"billing@desk.example", "kate@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.ccOf(t, r.TicketID); len(got) != 0 {
		t.Fatalf("CC from the mail %q", got)
	}
	if n := b.events(t, r.TicketID, "ticket.email_cc"); n != 1 {
		t.Fatalf("%d ticket.email_cc events, want kate's alone", n)
	}
}

// A forged mail "from" the customer, naming the ticket, with an outsider in
// its Cc, threads in but never copies the outsider on the ticket; nor does
// a CC'd person's mail with more addresses in its Cc.
func TestMailCcNeverChangesTheCC(t *testing.T) {
	b := setup(t)
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{CustomerName: "Ann", CustomerEmail: "ann@example.com"})
	if err := b.store.AddCC(b.ctx, b.repA, tk.ID, "boss@example.com"); err != nil {
		t.Fatal(err)
	}
	forged, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "f1@evil.example", FromEmail: "ann@example.com",
		Subject: "Re: [#1]", Body: "Please copy my assistant.", TicketNumber: tk.ID, Cc: []string{"eve@evil.example"}})
	if err != nil || forged.Outcome != tickets.EmailThreaded || forged.TicketID != tk.ID {
		t.Fatalf("forged mail: %+v %v", forged, err)
	}
	fromCC, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "f2@mail.example", FromEmail: "boss@example.com",
		Subject: "x", Body: "Adding Mallory.", TicketNumber: tk.ID, Cc: []string{"mallory@evil.example"}})
	if err != nil || fromCC.Outcome != tickets.EmailThreaded || fromCC.TicketID != tk.ID {
		t.Fatalf("CC'd person's mail: %+v %v", fromCC, err)
	}
	if got := b.ccOf(t, tk.ID); strings.Join(got, ",") != "boss@example.com" {
		t.Fatalf("CC after mails with a Cc: %q, want only boss@example.com", got)
	}
	if n := b.events(t, tk.ID, "ticket.cc_added"); n != 1 {
		t.Fatalf("%d ticket.cc_added events, want the rep's 1", n)
	}
	if n := b.events(t, tk.ID, "ticket.email_cc"); n != 2 {
		t.Fatalf("%d ticket.email_cc events, want 2 (one per mail's Cc)", n)
	}
}

// An address with non-ASCII characters (the outbox sends without SMTPUTF8)
// and the desk's configured addresses are refused with a field error.
func TestCCRefusesNonASCIIAndTheDesksOwnAddresses(t *testing.T) {
	b := setup(t)
	b.store.SetOwnAddresses([]string{"Loopdesk <NoReply@desk.example>", "help@desk.example", ""})
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{CustomerName: "Ann", CustomerEmail: "ann@example.com"})
	for addr, want := range map[string]string{
		"jöns@example.com":              "ccfix_cc_error_ascii",
		"sep@bücher.example":            "ccfix_cc_error_ascii",
		"नमस्ते@example.in":             "ccfix_cc_error_ascii",
		"noreply@desk.example":          "mailout_cc_error_desk",
		"Help Desk <HELP@desk.example>": "mailout_cc_error_desk",
	} {
		err := b.store.AddCC(b.ctx, b.repA, tk.ID, addr)
		if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["cc_email"] != want {
			t.Errorf("%s: %v (fields %v), want %s", addr, err, apperr.FieldsOf(err), want)
		}
	}
	if got := b.ccOf(t, tk.ID); len(got) != 0 {
		t.Fatalf("CC %q", got)
	}
}

// A mail to a closed ticket opens a follow-up that keeps the CC, with a
// ticket.cc_added event by the desk for each address carried over.
func TestFollowUpKeepsTheCCWithEvents(t *testing.T) {
	b := setup(t)
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{CustomerName: "Ann", CustomerEmail: "ann@example.com"})
	for _, a := range []string{"boss@example.com", "colleague@example.org"} {
		if err := b.store.AddCC(b.ctx, b.repA, tk.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	ticketstest.Move(b.ctx, t, b.store, b.sup, tk.ID, tickets.StatusSolved, tickets.StatusClosed)
	r, err := b.store.ReceiveEmail(b.ctx, tickets.InboundEmail{MessageID: "fu1@mail.example", FromEmail: "ann@example.com",
		Subject: "again", Body: "It broke again.", TicketNumber: tk.ID})
	if err != nil || r.Outcome != tickets.EmailFollowUp || r.TicketID == tk.ID {
		t.Fatalf("mail to the closed ticket: %+v %v", r, err)
	}
	if got := b.ccOf(t, r.TicketID); strings.Join(got, ",") != "boss@example.com,colleague@example.org" {
		t.Fatalf("follow-up CC %q", got)
	}
	rows, err := b.db.Query(b.ctx, `SELECT coalesce(actor_id, 0), data->>'new', data->>'by' FROM events
WHERE subject_type = 'ticket' AND subject_id = $1 AND action = 'ticket.cc_added' ORDER BY id`, r.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var actor int64
		var addr, by string
		if err := rows.Scan(&actor, &addr, &by); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s", actor, addr, by))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "0 boss@example.com follow_up|0 colleague@example.org follow_up"; strings.Join(got, "|") != want {
		t.Fatalf("follow-up cc_added events %q, want %q", strings.Join(got, "|"), want)
	}
}
