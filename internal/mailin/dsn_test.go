package mailin

import (
	"bytes"
	"net/smtp"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// dsnFor is the Postfix delivery report fixture about the desk's mail
// outboxID (left part of its Message-ID) on ticket id.
func dsnFor(t *testing.T, ticket int64, outboxID, reportID string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", "dsn_postfix.eml"))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte("TICKET"), []byte(strconv.FormatInt(ticket, 10)))
	raw = bytes.ReplaceAll(raw, []byte("OUTBOXID"), []byte(outboxID))
	return bytes.ReplaceAll(raw, []byte("20261206101203.4F1A2C0123"), []byte(reportID))
}

// sentMail gives the desk's first mail on ticket id a Message-ID, as the
// outbox does when it sends it, and returns its left part.
func (b *bundle) sentMail(t *testing.T, id int64, left string) string {
	t.Helper()
	if _, err := b.db.Exec(b.ctx, `UPDATE outbox SET message_id = $2, status = 'sent' WHERE id = (SELECT min(id) FROM outbox WHERE ticket_id = $1)`, id, left); err != nil {
		t.Fatal(err)
	}
	return left
}

func TestDeliveryReportMarksTheAddressBouncing(t *testing.T) {
	b := setup(t)
	addr := startServer(t, b)
	res := b.receive(t, mailFrom("Gone Customer <gone.customer@example.net>", "gone1@example.net", "Broken kettle", "It leaks."))
	if _, err := b.store.Take(b.ctx, b.sup, res.TicketID, false); err != nil {
		t.Fatal(err)
	}
	left := b.sentMail(t, res.TicketID, "0123456789abcdef01234567")
	before := b.count(t)

	// The report arrives as bounces do: over SMTP from the null sender.
	dsn := dsnFor(t, res.TicketID, left, "report1")
	if err := smtp.SendMail(addr, nil, "", []string{deskAddress}, dsn); err != nil {
		t.Fatalf("send report: %v", err)
	}
	tk := b.ticket(t, res.TicketID)
	c := tk.Customer
	if c.BouncedAt == nil || c.BounceStatus != "5.1.1" ||
		c.BounceDiagnostic != "550 5.1.1 <gone.customer@example.net>: Recipient address rejected: User unknown in virtual mailbox table" {
		t.Fatalf("customer = %+v", c)
	}
	if n := b.count(t); n != before {
		t.Errorf("a delivery report opened a ticket (%d -> %d)", before, n)
	}
	countEvents := func() int {
		return b.countSQL(t, `SELECT count(*) FROM events WHERE subject_type = 'ticket' AND subject_id = $1 AND action = 'ticket.mail_bounced'`, res.TicketID)
	}
	if n := countEvents(); n != 1 {
		t.Errorf("%d bounce events", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND ticket_id = $2 AND kind = 'mail_bounced'`, b.sup.UserID, res.TicketID); n != 1 {
		t.Errorf("the owner got %d bounce notifications", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("%d mails queued: a report was answered", n)
	}

	// The same report again (a retry): counted once. The same report read
	// from a mailbox (no null sender) is a report too.
	if r, err := b.desk.Receive(b.ctx, dsn); err != nil || r.Outcome != ReportOutcome || r.Bounced != 0 {
		t.Errorf("report again: %+v, %v", r, err)
	}
	if n := countEvents(); n != 1 {
		t.Errorf("%d bounce events after a redelivery", n)
	}
	// A report about mail the desk never sent changes nothing.
	if r, err := b.desk.Receive(b.ctx, dsnFor(t, res.TicketID, "ffffffffffffffffffffffff", "report2")); err != nil || r.Outcome != ReportOutcome || r.Bounced != 0 {
		t.Errorf("unknown report: %+v, %v", r, err)
	}
	// A delay notice (4.x.x, Action: delayed) bounces nothing.
	delayed := bytes.ReplaceAll(bytes.ReplaceAll(dsnFor(t, res.TicketID, left, "report3"), []byte("Action: failed"), []byte("Action: delayed")),
		[]byte("Status: 5.1.1"), []byte("Status: 4.4.1"))
	if r, err := b.desk.Receive(b.ctx, delayed); err != nil || r.Bounced != 0 {
		t.Errorf("delayed: %+v, %v", r, err)
	}
	if n := countEvents(); n != 1 {
		t.Errorf("%d bounce events after unknown and delayed reports", n)
	}
	// Mail from the address again shows it works: the mark goes.
	b.receive(t, eml("From: gone.customer@example.net", "Subject: Re: Broken kettle", "Message-ID: <gone2@example.net>",
		"In-Reply-To: <gone1@example.net>", "", "Still leaking."))
	if c := b.ticket(t, res.TicketID).Customer; c.BouncedAt != nil || c.BounceStatus != "" {
		t.Errorf("bounce mark after the customer wrote again: %+v", c)
	}
	// Any other null-sender mail is dropped, as before.
	if err := smtp.SendMail(addr, nil, "", []string{deskAddress}, mailFrom("x@example.org", "nullmail@x", "Hello", "x")); err != nil {
		t.Errorf("null sender: %v", err)
	}
	if n := b.count(t); n != before {
		t.Errorf("null-sender mail opened a ticket")
	}
	_ = tickets.BounceRecorded
}

// TestForgedReportsMarkNoOneElse: a report naming an address the desk's
// mail did not go to changes nothing; many reports tell the owner once a
// day; a blocked sender's reports are held in Spam.
func TestForgedReportsMarkNoOneElse(t *testing.T) {
	b := setup(t)
	s := b.withSpam(0)
	victim := b.receive(t, mailFrom("Victim <victim@example.org>", "v1@example.org", "Question", "Hello."))
	res := b.receive(t, mailFrom("Gone Customer <gone.customer@example.net>", "gone1@example.net", "Broken kettle", "It leaks."))
	if _, err := b.store.Take(b.ctx, b.sup, res.TicketID, false); err != nil {
		t.Fatal(err)
	}
	left := b.sentMail(t, res.TicketID, "0123456789abcdef01234567")
	forged := bytes.ReplaceAll(dsnFor(t, res.TicketID, left, "forged1"), []byte("gone.customer@example.net"), []byte("victim@example.org"))
	if r, err := b.desk.Receive(b.ctx, forged); err != nil || r.Bounced != 0 {
		t.Errorf("report naming another customer: %+v, %v", r, err)
	}
	if c := b.ticket(t, victim.TicketID).Customer; c.BouncedAt != nil {
		t.Fatalf("a forged report marked the victim bouncing: %+v", c)
	}
	// A Cc of the mail may bounce.
	if _, err := b.db.Exec(b.ctx, `UPDATE outbox SET cc = '{Victim@Example.org}' WHERE message_id = $1`, left); err != nil {
		t.Fatal(err)
	}
	if r, err := b.desk.Receive(b.ctx, bytes.ReplaceAll(forged, []byte("forged1"), []byte("cc1"))); err != nil || r.Bounced != 1 {
		t.Errorf("report about the Cc: %+v, %v", r, err)
	}
	if c := b.ticket(t, victim.TicketID).Customer; c.BouncedAt == nil {
		t.Errorf("a report about the mail's Cc did not mark it: %+v", c)
	}
	for i := range 5 {
		if r, err := b.desk.Receive(b.ctx, dsnFor(t, res.TicketID, left, "many"+strconv.Itoa(i))); err != nil || r.Bounced != 1 {
			t.Fatalf("report %d: %+v, %v", i, r, err)
		}
	}
	if n := b.countSQL(t, `SELECT count(*) FROM notifications WHERE ticket_id = $1 AND kind = 'mail_bounced'`, res.TicketID); n != 1 {
		t.Errorf("the owner got %d bounce notifications for one ticket in a day, want 1", n)
	}
	// The block list applies to reports.
	if _, err := s.AddBlock(b.ctx, 0, "mx.desk.example"); err != nil {
		t.Fatal(err)
	}
	if r, err := b.desk.Receive(b.ctx, dsnFor(t, res.TicketID, left, "blocked1")); err != nil || r.Held != ReasonBlocked || r.Bounced != 0 {
		t.Errorf("report from a blocked sender: %+v, %v", r, err)
	}
}
