package mailin

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// bundle is one test's database, tickets store, desk and a supervisor.
type bundle struct {
	ctx   context.Context
	db    *pgxpool.Pool
	store *tickets.Store
	desk  *Desk
	sup   tickets.Actor
	team  int64
}

// deskAddress is where customers write; noreplyAddress is the outbox's From.
const (
	deskAddress    = "help@desk.example"
	noreplyAddress = "Loopdesk <noreply@desk.example>"
)

func setup(t *testing.T) *bundle {
	t.Helper()
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	b := &bundle{ctx: ctx, db: db, store: ticketstest.NewStore(db)}
	b.team = ticketstest.Team(ctx, t, db, "Intake")
	b.sup = ticketstest.User(ctx, t, db, "supervisor")
	desk, err := New(b.store, []string{noreplyAddress, deskAddress, ""}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	b.desk = desk
	return b
}

// receive files raw and fails the test on an error.
func (b *bundle) receive(t *testing.T, raw []byte) Result {
	t.Helper()
	res, err := b.desk.Receive(b.ctx, raw)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return res
}

func (b *bundle) ticket(t *testing.T, id int64) tickets.Ticket {
	t.Helper()
	tk, err := tickets.GetTx(b.ctx, b.db, id, false)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (b *bundle) bodies(t *testing.T, id int64) []string {
	t.Helper()
	msgs, err := b.store.Messages(b.ctx, id, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

func (b *bundle) actions(t *testing.T, id int64) []string {
	t.Helper()
	events, err := b.store.History(b.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

// mailFrom is a plain-text mail from from with subject and body.
func mailFrom(from, msgID, subject, body string) []byte {
	return eml("From: "+from, "To: "+deskAddress, "Subject: "+subject, "Message-ID: <"+msgID+">",
		"Content-Type: text/plain; charset=utf-8", "", body)
}

func TestNewTicketFromMail(t *testing.T) {
	b := setup(t)
	raw := eml("From: =?UTF-8?Q?Aino_M=C3=A4kinen?= <aino@example.fi>", "To: "+deskAddress,
		"Subject: =?UTF-8?Q?Tilaus_my=C3=B6h=C3=A4ss=C3=A4?=", "Message-ID: <new1@example.fi>",
		"MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="b1"`, "",
		"--b1", "Content-Type: text/plain; charset=utf-8", "", "Tilaukseni ei ole tullut.",
		"--b1", "Content-Type: image/png", `Content-Disposition: attachment; filename="kuitti.png"`,
		"Content-Transfer-Encoding: base64", "", b64(pngBytes),
		"--b1", "Content-Type: text/html", `Content-Disposition: attachment; filename="page.html"`, "", "<p>hi</p>",
		"--b1--")
	res := b.receive(t, raw)
	if res.Outcome != string(tickets.EmailCreated) || res.TicketID == 0 {
		t.Fatalf("result = %+v, want a created ticket", res)
	}
	tk := b.ticket(t, res.TicketID)
	if tk.Channel != "email" || tk.Subject != "Tilaus myöhässä" || tk.Status != tickets.StatusNew || tk.TeamID != b.team ||
		tk.Customer.Email != "aino@example.fi" || tk.Customer.Name != "Aino Mäkinen" || tk.Customer.Locale != "fi" {
		t.Errorf("ticket = %+v", tk)
	}
	if got := b.bodies(t, tk.ID); !slices.Equal(got, []string{"Tilaukseni ei ole tullut."}) {
		t.Errorf("messages = %q", got)
	}
	files, err := b.store.Attachments(b.ctx, tk.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Filename != "kuitti.png" || files[0].ContentType != "image/png" || !files[0].UploadedByCustomer || files[0].MessageID == 0 {
		t.Errorf("attachments = %+v, want kuitti.png on the message", files)
	}
	if got := b.actions(t, tk.ID); !slices.Equal(got, []string{"ticket.created", "ticket.attachment_added", "ticket.email_attachment_skipped"}) {
		t.Errorf("events = %v", got)
	}
	// The confirmation's subject carries the tag, so the customer's reply threads.
	mails := ticketstest.Mails(b.ctx, t, b.db)
	if len(mails) != 1 || mails[0].Kind != "confirmation" || mails[0].To != "aino@example.fi" || mails[0].Locale != "fi" ||
		mails[0].Data["Number"] != float64(tk.ID) {
		t.Errorf("outbox = %+v, want one Finnish confirmation", mails)
	}
}

func TestReplyThreadsIntoTicket(t *testing.T) {
	b := setup(t)
	first := b.receive(t, mailFrom("Ben <ben@example.com>", "t1@example.com", "Broken kettle", "It leaks."))
	other := b.receive(t, mailFrom("Cai <cai@example.com>", "t2@example.com", "Lost parcel", "Where is it?"))

	// A reply to the confirmation, from another case of the same address.
	reply := b.receive(t, mailFrom("Ben <BEN@example.com>", "t3@example.com",
		fmt.Sprintf("Re: [#%d] We have received your request: Broken kettle", first.TicketID),
		"It still leaks.\n\nOn Mon, 6 Jan 2030 at 10:00, Loopdesk <help@desk.example> wrote:\n> We have received your request."))
	if reply.Outcome != string(tickets.EmailThreaded) || reply.TicketID != first.TicketID {
		t.Fatalf("reply = %+v, want threaded into #%d", reply, first.TicketID)
	}
	if got := b.bodies(t, first.TicketID); !slices.Equal(got, []string{"It leaks.", "It still leaks."}) {
		t.Errorf("thread = %q", got)
	}
	if got := b.actions(t, first.TicketID); !slices.Contains(got, "ticket.customer_replied") {
		t.Errorf("events = %v, want ticket.customer_replied", got)
	}

	// A solved ticket reopens on the customer's mail.
	ticketstest.Move(b.ctx, t, b.store, b.sup, first.TicketID, tickets.StatusSolved)
	b.receive(t, mailFrom("ben@example.com", "t4@example.com", fmt.Sprintf("[#%d] Broken kettle", first.TicketID), "Broke again."))
	if tk := b.ticket(t, first.TicketID); tk.Status != tickets.StatusOpen {
		t.Errorf("solved ticket after a mail: status %s, want open", tk.Status)
	}

	// Someone else using Ben's tag gets a ticket of their own; Ben's is untouched.
	spoof := b.receive(t, mailFrom("Mallory <mallory@example.net>", "t5@example.net",
		fmt.Sprintf("Re: [#%d] Broken kettle", first.TicketID), "Send me his address."))
	if spoof.Outcome != string(tickets.EmailCreated) || spoof.TicketID == first.TicketID {
		t.Fatalf("spoofed reply = %+v, want a new ticket", spoof)
	}
	if tk := b.ticket(t, spoof.TicketID); tk.Customer.Email != "mallory@example.net" || tk.Subject != "Broken kettle" {
		t.Errorf("spoofer's ticket = %+v", tk)
	}
	if got := b.bodies(t, first.TicketID); len(got) != 3 {
		t.Errorf("Ben's thread after the spoof = %q", got)
	}
	// Cai may not write into Ben's ticket either, nor a tag of no ticket thread.
	if res := b.receive(t, mailFrom("cai@example.com", "t6@example.com", fmt.Sprintf("[#%d] hi", first.TicketID), "x")); res.TicketID == first.TicketID {
		t.Errorf("another customer's mail threaded into #%d", first.TicketID)
	}
	if res := b.receive(t, mailFrom("cai@example.com", "t7@example.com", "[#999999] hi", "y")); res.Outcome != string(tickets.EmailCreated) {
		t.Errorf("mail tagged with no ticket = %+v, want created", res)
	}
	if got := b.bodies(t, other.TicketID); len(got) != 1 {
		t.Errorf("Cai's first ticket = %q", got)
	}

	// A closed ticket gets a linked follow-up, as a status-page reply does.
	ticketstest.Move(b.ctx, t, b.store, b.sup, first.TicketID, tickets.StatusSolved, tickets.StatusClosed)
	fu := b.receive(t, mailFrom("ben@example.com", "t8@example.com", fmt.Sprintf("[#%d] Broken kettle", first.TicketID), "New kettle leaks too."))
	if fu.Outcome != string(tickets.EmailFollowUp) || fu.TicketID == first.TicketID {
		t.Fatalf("mail to a closed ticket = %+v, want a follow-up", fu)
	}
	if tk := b.ticket(t, first.TicketID); tk.Status != tickets.StatusClosed {
		t.Errorf("closed ticket became %s", tk.Status)
	}
	var linked int
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM ticket_links WHERE ticket_id = $1 AND other_id = $2`, fu.TicketID, first.TicketID).Scan(&linked); err != nil || linked != 1 {
		t.Errorf("follow-up link: %d, %v", linked, err)
	}
}

func TestRedeliveryIsFiledOnce(t *testing.T) {
	b := setup(t)
	raw := mailFrom("ben@example.com", "dup@example.com", "Once", "Only once, please.")
	first := b.receive(t, raw)
	again := b.receive(t, raw)
	if again.Outcome != string(tickets.EmailDuplicate) || again.TicketID != first.TicketID {
		t.Errorf("redelivery = %+v, want duplicate of #%d", again, first.TicketID)
	}
	// Delivered by several servers at once: still one ticket.
	raw2 := mailFrom("cai@example.com", "race@example.com", "Race", "At once.")
	results := ticketstest.Parallel(6, func(int) error { _, err := b.desk.Receive(b.ctx, raw2); return err })
	for _, err := range results {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A reply redelivered does not add a second message either.
	reply := mailFrom("ben@example.com", "dup-reply@example.com", fmt.Sprintf("Re: [#%d] Once", first.TicketID), "More.")
	b.receive(t, reply)
	b.receive(t, reply)
	if n := ticketstest.Count(b.ctx, t, b.db, "tickets"); n != 2 {
		t.Errorf("tickets = %d, want 2", n)
	}
	if got := b.bodies(t, first.TicketID); len(got) != 2 {
		t.Errorf("thread = %q, want the first mail and one reply", got)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "outbox"); n != 2 {
		t.Errorf("outbox rows = %d, want one confirmation per ticket", n)
	}
}

func TestAutomaticMailIgnored(t *testing.T) {
	b := setup(t)
	for _, c := range []struct {
		name, reason string
		raw          []byte
	}{
		{"vacation", "auto-submitted", eml("From: ben@example.com", "Subject: Out of office", "Message-ID: <a1@x>",
			"Auto-Submitted: auto-replied", "", "Away.")},
		{"list", "precedence", eml("From: ben@example.com", "Subject: News", "Message-ID: <a2@x>", "Precedence: list", "", "News.")},
		{"junk", "precedence", eml("From: ben@example.com", "Subject: Buy", "Message-ID: <a3@x>", "Precedence: junk", "", "Buy.")},
		{"our outbox", "own-address", mailFrom("Loopdesk <NOREPLY@desk.example>", "a4@x", "[#1] We have received your request", "Hi")},
		{"our desk address", "own-address", mailFrom(deskAddress, "a5@x", "Loop", "Hi")},
		{"bounce", "bounce", mailFrom("MAILER-DAEMON@mx.example.com", "a6@x", "Undelivered Mail", "Sorry")},
	} {
		res := b.receive(t, c.raw)
		if res.Outcome != Ignored || res.Ignored != c.reason {
			t.Errorf("%s: result = %+v, want ignored (%s)", c.name, res, c.reason)
		}
	}
	// Auto-Submitted: no is a person's mail.
	if res := b.receive(t, eml("From: ben@example.com", "Subject: Hello", "Message-ID: <p1@x>", "Auto-Submitted: no", "", "Hi.")); res.Outcome != string(tickets.EmailCreated) {
		t.Errorf("Auto-Submitted: no = %+v, want created", res)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "tickets"); n != 1 {
		t.Errorf("tickets = %d, want only the person's", n)
	}
}

func TestReceiveRefusesWithoutSender(t *testing.T) {
	b := setup(t)
	_, err := b.desk.Receive(b.ctx, eml("From: not an address", "Subject: x", "", "y"))
	if !Permanent(err) {
		t.Errorf("err = %v, want permanent", err)
	}
	if n := ticketstest.Count(b.ctx, t, b.db, "tickets"); n != 0 {
		t.Errorf("tickets = %d", n)
	}
}
