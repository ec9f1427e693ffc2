package mailin

import (
	"fmt"
	"slices"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// sendOutbox does to ticket id's queued mail what the outbox's first send
// attempt does (it fixes the Message-ID's left part) and returns the
// Message-ID header the customer's program sees, without angle brackets.
func (b *bundle) sendOutbox(t *testing.T, ticketID int64, left string) string {
	t.Helper()
	tag, err := b.db.Exec(b.ctx, `UPDATE outbox SET message_id = $2, status = 'sent' WHERE ticket_id = $1 AND message_id IS NULL`, ticketID, left)
	if err != nil || tag.RowsAffected() == 0 {
		t.Fatalf("send the mail of #%d: %v (%d rows)", ticketID, err, tag.RowsAffected())
	}
	return left + "@desk.example"
}

// replyMail is a reply from from with extra headers (In-Reply-To, References).
func replyMail(from, msgID, subject, body string, headers ...string) []byte {
	lines := append([]string{"From: " + from, "To: " + deskAddress, "Subject: " + subject, "Message-ID: <" + msgID + ">"}, headers...)
	return eml(append(lines, "Content-Type: text/plain; charset=utf-8", "", body)...)
}

func TestReplyThreadsByHeaders(t *testing.T) {
	b := setup(t)
	first := b.receive(t, mailFrom("Ben <ben@example.com>", "h1@example.com", "Broken kettle", "It leaks."))
	confirmation := b.sendOutbox(t, first.TicketID, "0123456789abcdef01234567")

	// The customer edits the subject (no tag left): In-Reply-To threads it.
	r := b.receive(t, replyMail("ben@example.com", "h2@example.com", "kettle, one more thing", "The lid too.",
		"In-Reply-To: <"+confirmation+">"))
	if r.Outcome != string(tickets.EmailThreaded) || r.TicketID != first.TicketID {
		t.Fatalf("reply with an edited subject = %+v, want threaded into #%d", r, first.TicketID)
	}

	// References only (some programs send no In-Reply-To), with the desk's
	// mail among unknown ids.
	r = b.receive(t, replyMail("ben@example.com", "h3@example.com", "Another client", "And the handle.",
		"References: <unknown1@elsewhere.example>\r\n <"+confirmation+">\r\n <unknown2@elsewhere.example>"))
	if r.Outcome != string(tickets.EmailThreaded) || r.TicketID != first.TicketID {
		t.Fatalf("References-only reply = %+v, want threaded into #%d", r, first.TicketID)
	}

	// The customer answers their own earlier mail (not the desk's).
	r = b.receive(t, replyMail("ben@example.com", "h4@example.com", "Re: Broken kettle", "Forgot: it is blue.",
		"In-Reply-To: <h1@example.com>"))
	if r.Outcome != string(tickets.EmailThreaded) || r.TicketID != first.TicketID {
		t.Fatalf("reply to own mail = %+v, want threaded into #%d", r, first.TicketID)
	}

	// A forged In-Reply-To (and References) from another sender does not
	// reach Ben's ticket: a ticket of their own.
	spoof := b.receive(t, replyMail("Mallory <mallory@example.net>", "h5@example.net", "Re: Broken kettle", "Send me his address.",
		"In-Reply-To: <"+confirmation+">", "References: <h1@example.com> <"+confirmation+">"))
	if spoof.Outcome != string(tickets.EmailCreated) || spoof.TicketID == first.TicketID {
		t.Fatalf("forged In-Reply-To = %+v, want a new ticket", spoof)
	}
	if tk := b.ticket(t, spoof.TicketID); tk.Customer.Email != "mallory@example.net" {
		t.Errorf("forger's ticket belongs to %s", tk.Customer.Email)
	}
	want := []string{"It leaks.", "The lid too.", "And the handle.", "Forgot: it is blue."}
	if got := b.bodies(t, first.TicketID); !slices.Equal(got, want) {
		t.Errorf("Ben's thread = %q, want %q", got, want)
	}

	// Headers come before the tag: a reply to the first ticket's mail whose
	// subject carries the tag of Ben's second ticket goes to the first.
	second := b.receive(t, mailFrom("ben@example.com", "h6@example.com", "Toaster", "Burns toast."))
	r = b.receive(t, replyMail("ben@example.com", "h7@example.com", fmt.Sprintf("Re: [#%d] Toaster", second.TicketID), "Kettle again.",
		"In-Reply-To: <"+confirmation+">"))
	if r.TicketID != first.TicketID {
		t.Errorf("header and tag disagree: filed into #%d, want #%d (the header's)", r.TicketID, first.TicketID)
	}
	// An unknown In-Reply-To falls back to the tag.
	r = b.receive(t, replyMail("ben@example.com", "h8@example.com", fmt.Sprintf("Re: [#%d] Toaster", second.TicketID), "Toast again.",
		"In-Reply-To: <nobody-knows@elsewhere.example>"))
	if r.Outcome != string(tickets.EmailThreaded) || r.TicketID != second.TicketID {
		t.Errorf("unknown In-Reply-To with a tag = %+v, want threaded into #%d", r, second.TicketID)
	}

	// A reply by header to a closed ticket makes a linked follow-up, as by tag.
	ticketstest.Move(b.ctx, t, b.store, b.sup, first.TicketID, tickets.StatusSolved, tickets.StatusClosed)
	fu := b.receive(t, replyMail("ben@example.com", "h9@example.com", "it broke again", "New one leaks too.",
		"In-Reply-To: <"+confirmation+">"))
	if fu.Outcome != string(tickets.EmailFollowUp) || fu.TicketID == first.TicketID {
		t.Fatalf("header reply to a closed ticket = %+v, want a follow-up", fu)
	}
}

func TestParseThreadingHeaders(t *testing.T) {
	m, err := Parse(replyMail("a@example.com", "x@example.com", "s", "b",
		"In-Reply-To: <one@desk.example> (sent by Loopdesk)",
		"References: <r1@a.example>\r\n\t<r2@b.example> <one@desk.example>"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.InReplyTo, []string{"one@desk.example"}) ||
		!slices.Equal(m.References, []string{"r1@a.example", "r2@b.example", "one@desk.example"}) {
		t.Errorf("InReplyTo %q, References %q", m.InReplyTo, m.References)
	}
	if got := messageIDs("bare@id.example"); !slices.Equal(got, []string{"bare@id.example"}) {
		t.Errorf("a bare id: %q", got)
	}
	if got := messageIDs("not an id"); got != nil {
		t.Errorf("a phrase: %q", got)
	}
}
