package outbox

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

var linkToken = regexp.MustCompile(`/(?:status|csat)/([A-Za-z0-9_-]{20,64})`)

// capture is a Sender that keeps every message.
type capture struct {
	mu   sync.Mutex
	msgs []Message
}

func (c *capture) Send(_ context.Context, m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
	return nil
}

// TestNoReadableTokenInTheOutbox queues every kind of mail that carries a
// status link (confirmation, a rep's reply, find my ticket) and sends them.
// Before and after sending, no row of the outbox holds a token in readable
// form: the raw tokens, taken from the mails as they left and from the
// browser's redirect, are searched for in the table's text. Each mailed
// link opens the ticket.
func TestNoReadableTokenInTheOutbox(t *testing.T) {
	t.Parallel()
	b := setup(t)
	team := ticketstest.Team(t.Context(), t, b.db, "Intake")
	rep := ticketstest.User(t.Context(), t, b.db, "rep", team)
	tk, webToken, err := b.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{
		Name: "Minh Anh", Email: "minh.anh@example.com", Subject: "Gói hàng bị hỏng", Message: "Hộp bị móp.", Locale: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.tickets.AddReply(t.Context(), rep, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Chúng tôi gửi hàng mới."}); err != nil {
		t.Fatal(err)
	}
	if err := b.tickets.SendStatusLink(t.Context(), tk.ID, "minh.anh@example.com"); err != nil {
		t.Fatal(err)
	}
	readable := func(token string) int {
		t.Helper()
		var n int
		if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM outbox o WHERE strpos(o::text, $1) > 0`, token).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := readable(webToken); n != 0 {
		t.Fatalf("%d outbox rows hold the status token readable", n)
	}

	sent := &capture{}
	o := New(b.db, b.cat, sent, b.log, time.Now)
	n, err := o.dispatch(t.Context(), fixedJob(100))
	if err != nil || n != 3 {
		t.Fatalf("dispatched %d, %v; want the three mails", n, err)
	}
	for id := int64(1); id <= 3; id++ {
		if err := o.send(t.Context(), id, 99+id); err != nil {
			t.Fatal(err)
		}
	}
	if len(sent.msgs) != 3 {
		t.Fatalf("%d mails sent", len(sent.msgs))
	}
	tokens := []string{webToken}
	for _, m := range sent.msgs {
		found := linkToken.FindStringSubmatch(m.Body)
		if found == nil {
			t.Fatalf("mail %q has no status link:\n%s", m.Subject, m.Body)
		}
		if got, err := b.tickets.TicketByToken(t.Context(), found[1]); err != nil || got.ID != tk.ID {
			t.Errorf("mailed link opens %d (%v), want %d", got.ID, err, tk.ID)
		}
		tokens = append(tokens, found[1])
	}
	for _, tok := range tokens {
		if n := readable(tok); n != 0 {
			t.Errorf("after sending, %d outbox rows hold a token readable", n)
		}
		var n int
		if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM ticket_tokens x WHERE strpos(x::text, $1) > 0`, tok).Scan(&n); err != nil || n != 0 {
			t.Errorf("ticket_tokens holds a token readable (%d, %v)", n, err)
		}
	}
}

// TestPurgeEmptiesDeliveredMailAfterRetention: sent mail older than the
// retention loses its content; newer sent mail and mail not yet sent keep it.
func TestPurgeEmptiesDeliveredMailAfterRetention(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, old := createTicket(t, b, "fi")
	_, recent := createTicket(t, b, "fi")
	_, queued := createTicket(t, b, "fi")
	now := time.Now()
	if _, err := b.db.Exec(t.Context(), `UPDATE outbox SET status = 'sent', sent_at = $2 WHERE id = $1`, old.ID, now.Add(-8*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(t.Context(), `UPDATE outbox SET status = 'sent', sent_at = $2 WHERE id = $1`, recent.ID, now.Add(-6*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	o := New(b.db, b.cat, nil, b.log, func() time.Time { return now })
	if n, err := o.Purge(t.Context()); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want the one mail past the default 7 days", n, err)
	}
	for _, c := range []struct {
		m      Mail
		purged bool
	}{{old, true}, {recent, false}, {queued, false}} {
		got, err := b.store.Get(t.Context(), c.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if (got.PurgedAt != nil) != c.purged || (string(got.Data) == "{}") != c.purged {
			t.Errorf("mail %d: purged_at %v, data %s; want purged %v", got.ID, got.PurgedAt, got.Data, c.purged)
		}
	}
	o.SetRetention(24 * time.Hour)
	if n, err := o.Purge(t.Context()); err != nil || n != 1 {
		t.Fatalf("Purge with a one-day retention = %d, %v", n, err)
	}
}

// TestPreviewShowsWhereTheLinkGoes: the admin page shows a note, not a
// placeholder, where a mail not yet sent will have its link.
func TestPreviewShowsWhereTheLinkGoes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, m := createTicket(t, b, "hi")
	r, err := Preview(b.cat, m, "[LINK AT SEND]")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Body, "[LINK AT SEND]") || strings.Contains(r.Body, tickets.StatusTokenPlaceholder) {
		t.Fatalf("preview:\n%s", r.Body)
	}
}

// refusing is a Sender that refuses every mail with a recipient in bad (as
// a relay refusing RCPT TO aborts the whole mail) and keeps the others.
type refusing struct {
	capture
	bad map[string]bool
}

func (r *refusing) Send(ctx context.Context, m Message) error {
	for _, a := range append([]string{m.To}, m.Cc...) {
		if r.bad[a] {
			return fmt.Errorf("550 5.1.1 <%s>: recipient refused", a)
		}
	}
	return r.capture.Send(ctx, m)
}

// A rep's public reply goes to the customer alone, with the status link,
// and to each CC'd address in a mail of its own that carries no link and
// mints no token; a CC address the relay refuses fails only its own mail.
func TestCCGetsTheReplyWithoutTheStatusLink(t *testing.T) {
	t.Parallel()
	b := setup(t)
	team := ticketstest.Team(t.Context(), t, b.db, "Intake")
	rep := ticketstest.User(t.Context(), t, b.db, "rep", team)
	tk, _, err := b.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{
		Name: "Minh Anh", Email: "minh.anh@example.com", Subject: "Gói hàng", Message: "Hộp bị móp.", Locale: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sep@example.vn", "refused@example.vn"} {
		if err := b.tickets.AddCC(t.Context(), rep, tk.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.tickets.AddReply(t.Context(), rep, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Chúng tôi gửi hộp mới."}); err != nil {
		t.Fatal(err)
	}
	var withPlaceholder int
	if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE kind = $1 AND (strpos(data::text, $2) > 0 OR data ? 'Link' OR cc <> '{}')`,
		tickets.MailReplyCC, tickets.StatusTokenPlaceholder).Scan(&withPlaceholder); err != nil || withPlaceholder != 0 {
		t.Fatalf("%d CC rows carry a link or a Cc (%v)", withPlaceholder, err)
	}
	sent := &refusing{bad: map[string]bool{"refused@example.vn": true}}
	o := New(b.db, b.cat, sent, b.log, time.Now)
	n, err := o.dispatch(t.Context(), fixedJob(100))
	if err != nil || n != 4 {
		t.Fatalf("dispatched %d, %v; want confirmation, reply and two copies", n, err)
	}
	for id := int64(1); id <= 4; id++ {
		_ = o.send(t.Context(), id, 99+id)
	}
	byTo := map[string]Message{}
	for _, m := range sent.msgs {
		if len(m.Cc) != 0 {
			t.Errorf("mail to %s is copied to %q", m.To, m.Cc)
		}
		if m.Subject != "" && strings.Contains(m.Body, "Chúng tôi gửi hộp mới.") {
			byTo[m.To] = m
		}
	}
	reply, ok := byTo["minh.anh@example.com"]
	if !ok || linkToken.FindStringSubmatch(reply.Body) == nil {
		t.Fatalf("the customer's reply mail has no status link: %+v", reply)
	}
	cc, ok := byTo["sep@example.vn"]
	if !ok {
		t.Fatalf("no reply mail to the CC; sent %d mails", len(sent.msgs))
	}
	if strings.Contains(cc.Body, "/status/") || cc.Auto || !strings.Contains(cc.Subject, fmt.Sprintf("[#%d]", tk.ID)) {
		t.Fatalf("the CC's mail (auto %v) %q:\n%s", cc.Auto, cc.Subject, cc.Body)
	}
	var tokens int
	if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM ticket_tokens WHERE ticket_id = $1`, tk.ID).Scan(&tokens); err != nil || tokens != 3 {
		t.Fatalf("%d status tokens (%v), want 3: the web form's, the confirmation's and the customer's reply", tokens, err)
	}
	var status string
	if err := b.db.QueryRow(t.Context(), `SELECT string_agg(to_address || '=' || status, ',' ORDER BY id) FROM outbox WHERE ticket_id = $1`, tk.ID).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "minh.anh@example.com=sent,minh.anh@example.com=sent,sep@example.vn=sent,refused@example.vn=failed" {
		t.Fatalf("outbox: %s", status)
	}
}
