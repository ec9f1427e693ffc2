package mailin

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// ourMX is the authserv-id the tests' desk trusts.
const ourMX = "mx.desk.example"

// withSpam turns the spam checks on for b's desk.
func (b *bundle) withSpam(perHour int) *Spam {
	s := NewSpam(b.db, time.Now, SpamOptions{AuthServID: ourMX, NewTicketsPerHour: perHour})
	b.desk.UseSpam(s)
	return s
}

func (b *bundle) countSQL(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(b.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAuthResultsTrustsOnlyOurTopmostHeader(t *testing.T) {
	for _, c := range []struct {
		name    string
		headers []string
		want    tickets.MailAuth
	}{
		{"ours", []string{"mx.desk.example; spf=pass smtp.mailfrom=shop.example; dkim=pass header.d=shop.example; dmarc=pass (p=reject) header.from=shop.example"},
			tickets.MailAuth{SPF: "pass", DKIM: "pass", DMARC: "pass"}},
		{"ours with a version and comments", []string{"MX.Desk.Example 1; spf=softfail (sender IP is 192.0.2.1) smtp.mailfrom=x.example; dkim=fail (bad sig) header.d=x.example; dkim=pass header.d=other.example; dmarc=fail header.from=x.example"},
			tickets.MailAuth{SPF: "softfail", DKIM: "pass", DMARC: "fail"}},
		{"a forged pass below ours", []string{"mx.desk.example; dmarc=fail header.from=bank.example", "mx.desk.example; dmarc=pass header.from=bank.example"},
			tickets.MailAuth{DMARC: "fail"}},
		{"the topmost is another server's", []string{"mx.elsewhere.example; dmarc=pass", "mx.desk.example; dmarc=pass"}, tickets.MailAuth{}},
		{"an id that only starts like ours", []string{"mx.desk.example.evil; dmarc=pass"}, tickets.MailAuth{}},
		{"none", nil, tickets.MailAuth{}},
		{"garbage", []string{"mx.desk.example; dmarc=maybe; =pass; spf"}, tickets.MailAuth{}},
	} {
		if got := AuthResults(c.headers, ourMX); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := AuthResults([]string{"mx.desk.example; dmarc=fail"}, ""); got.Known() {
		t.Errorf("no configured authserv-id believed a header: %+v", got)
	}
}

func TestBlockedSendersGoToSpam(t *testing.T) {
	b := setup(t)
	s := b.withSpam(0)
	if _, err := s.AddBlock(b.ctx, 0, "Spammer@Junk.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddBlock(b.ctx, 0, "@bulk.example"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "x", "not a domain", "a@b", "@", "foo@@bar.example", "http://x.example/"} {
		if _, err := s.AddBlock(b.ctx, 0, bad); apperr.FieldsOf(err)["pattern"] != "spam_error_pattern" {
			t.Errorf("AddBlock(%q) = %v", bad, err)
		}
	}
	if _, err := s.AddBlock(b.ctx, 0, "BULK.example"); apperr.FieldsOf(err)["pattern"] != "spam_error_listed" {
		t.Errorf("listed twice: %v", err)
	}
	for i, from := range []string{"spammer@junk.example", "anyone@bulk.example", "x@news.bulk.example"} {
		res := b.receive(t, mailFrom(from, "blocked"+string(rune('a'+i))+"@x", "Buy now", "cheap"))
		if res.Outcome != HeldOutcome || res.Held != ReasonBlocked {
			t.Errorf("%s: %+v", from, res)
		}
	}
	// Another address at the blocked address's domain, or a domain that
	// merely ends like a blocked one, is not blocked.
	for _, from := range []string{"friend@junk.example", "x@notbulk.example"} {
		if res := b.receive(t, mailFrom(from, from+"-id", "Hello", "a real question")); res.Outcome != string(tickets.EmailCreated) {
			t.Errorf("%s: %+v", from, res)
		}
	}
	if n := b.countSQL(t, `SELECT count(*) FROM tickets`); n != 2 {
		t.Errorf("%d tickets, want 2", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM outbox`); n != 2 {
		t.Errorf("%d mails queued, want 2 confirmations (none for held mail)", n)
	}
	held, next, err := s.Held(b.ctx, b.sup, nil, 2)
	if err != nil || len(held) != 2 || next == nil {
		t.Fatalf("held = %+v, next %v, %v", held, next, err)
	}
	rest, next, err := s.Held(b.ctx, b.sup, next, 2)
	if err != nil || len(rest) != 1 || next != nil || rest[0].ID == held[0].ID || rest[0].ID == held[1].ID {
		t.Fatalf("second page = %+v, next %v, %v", rest, next, err)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM events WHERE subject_type = 'mail_spam' AND action = 'mail.held'`); n != 3 {
		t.Errorf("%d mail.held events", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM events WHERE subject_type = 'mail_block' AND action = 'mail_block.added'`); n != 2 {
		t.Errorf("%d mail_block.added events", n)
	}
	// A redelivery of held mail is held once.
	b.receive(t, mailFrom("spammer@junk.example", "blockeda@x", "Buy now", "cheap"))
	if n := b.countSQL(t, `SELECT count(*) FROM mail_spam`); n != 3 {
		t.Errorf("%d held after a redelivery", n)
	}
}

func TestFailedDMARCGoesToSpamAndReleaseFilesIt(t *testing.T) {
	b := setup(t)
	s := b.withSpam(0)
	forged := eml("Authentication-Results: mx.desk.example; spf=fail smtp.mailfrom=bank.example; dkim=none; dmarc=fail (p=reject) header.from=bank.example",
		"Authentication-Results: mx.desk.example; dmarc=pass header.from=bank.example",
		"From: Bank <security@bank.example>", "To: "+deskAddress, "Subject: Verify your account", "Message-ID: <forged1@bank.example>",
		"Content-Type: text/plain; charset=utf-8", "", "Click here.")
	res := b.receive(t, forged)
	if res.Outcome != HeldOutcome || res.Held != ReasonDMARC {
		t.Fatalf("forged mail: %+v", res)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM tickets`); n != 0 {
		t.Fatalf("%d tickets from a failed DMARC", n)
	}
	held, _, err := s.Held(b.ctx, b.sup, nil, 10)
	if err != nil || len(held) != 1 || held[0].Auth != (tickets.MailAuth{SPF: "fail", DKIM: "none", DMARC: "fail"}) ||
		held[0].Subject != "Verify your account" || held[0].Preview != "Click here." {
		t.Fatalf("held = %+v, %v", held, err)
	}
	// Passing mail is filed with its results on the message.
	good := eml("Authentication-Results: mx.desk.example; spf=pass smtp.mailfrom=shop.example; dkim=pass header.d=shop.example; dmarc=pass header.from=shop.example",
		"From: Shop <orders@shop.example>", "To: "+deskAddress, "Subject: Order", "Message-ID: <good1@shop.example>",
		"Content-Type: text/plain; charset=utf-8", "", "Where is it?")
	res = b.receive(t, good)
	if res.Outcome != string(tickets.EmailCreated) {
		t.Fatalf("good mail: %+v", res)
	}
	msgs, err := b.store.Messages(b.ctx, res.TicketID, true)
	if err != nil || msgs[0].Auth != (tickets.MailAuth{SPF: "pass", DKIM: "pass", DMARC: "pass"}) {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}

	// A rep releases the forged mail: it is filed as normal (ticket and
	// confirmation), its results stay on the message, the Spam view is empty.
	rel, err := b.desk.Release(b.ctx, b.sup, held[0].ID)
	if err != nil || rel.Outcome != string(tickets.EmailCreated) {
		t.Fatalf("release: %+v, %v", rel, err)
	}
	msgs, _ = b.store.Messages(b.ctx, rel.TicketID, true)
	if msgs[0].Auth.DMARC != "fail" {
		t.Errorf("released message lost its failed DMARC: %+v", msgs[0].Auth)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM mail_spam`); n != 0 {
		t.Errorf("%d still held", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM outbox WHERE ticket_id = $1`, rel.TicketID); n != 1 {
		t.Errorf("released mail: %d confirmations", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM events WHERE subject_type = 'mail_spam' AND action = 'mail.released' AND actor_id = $1`, b.sup.UserID); n != 1 {
		t.Errorf("%d mail.released events", n)
	}
	if _, err := b.desk.Release(b.ctx, b.sup, held[0].ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("released twice: %v", err)
	}
	// Delete: gone, with its event.
	b.receive(t, forged2())
	held, _, _ = s.Held(b.ctx, b.sup, nil, 10)
	if len(held) != 1 {
		t.Fatalf("held = %+v", held)
	}
	if err := s.Delete(b.ctx, b.sup, held[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM mail_spam`) + b.countSQL(t, `SELECT count(*) FROM tickets WHERE subject LIKE 'Second%'`); n != 0 {
		t.Errorf("deleted mail is still somewhere (%d)", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM events WHERE action = 'mail.deleted'`); n != 1 {
		t.Errorf("%d mail.deleted events", n)
	}
}

func forged2() []byte {
	return eml("Authentication-Results: mx.desk.example; dmarc=fail (p=quarantine dis=quarantine) header.from=bank.example",
		"From: security@bank.example", "Subject: Second try", "Message-ID: <forged2@bank.example>", "", "Click.")
}

func TestNewTicketRateLimitPerSender(t *testing.T) {
	b := setup(t)
	b.withSpam(2)
	var first int64
	for i := range 2 {
		res := b.receive(t, mailFrom("busy@example.com", "new"+string(rune('0'+i))+"@example.com", "Question "+string(rune('A'+i)), "help"))
		if res.Outcome != string(tickets.EmailCreated) {
			t.Fatalf("mail %d: %+v", i, res)
		}
		first = max(first, res.TicketID)
	}
	res := b.receive(t, mailFrom("busy@example.com", "new2@example.com", "Question C", "help"))
	if res.Outcome != HeldOutcome || res.Held != ReasonRate {
		t.Fatalf("third new ticket: %+v", res)
	}
	// A reply into one of their tickets still threads.
	reply := eml("From: busy@example.com", "To: "+deskAddress, "Subject: Re: Question B", "Message-ID: <reply1@example.com>",
		"In-Reply-To: <new1@example.com>", "", "more details")
	if res := b.receive(t, reply); res.Outcome != string(tickets.EmailThreaded) || res.TicketID != first {
		t.Fatalf("reply: %+v", res)
	}
	// Another sender is not limited by this one.
	if res := b.receive(t, mailFrom("calm@example.com", "calm1@example.com", "Hi", "one question")); res.Outcome != string(tickets.EmailCreated) {
		t.Errorf("another sender: %+v", res)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM tickets`); n != 3 {
		t.Errorf("%d tickets", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM mail_in WHERE message_id = 'new2@example.com'`); n != 0 {
		t.Error("the held mail was marked filed")
	}
}

func TestLoopsAndAutoRepliesNeverOpenTickets(t *testing.T) {
	b := setup(t)
	b.withSpam(0)
	// One real ticket, so that the desk has sent a mail (its confirmation).
	res := b.receive(t, mailFrom("ann@example.com", "real1@example.com", "Kettle", "It leaks"))
	var ours string
	if err := b.db.QueryRow(b.ctx, `UPDATE outbox SET message_id = 'aabbccddeeff001122334455' WHERE ticket_id = $1 RETURNING message_id`, res.TicketID).Scan(&ours); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, header, reason string
	}{
		{"auto-submitted", "Auto-Submitted: auto-replied", "auto-submitted"},
		{"precedence bulk", "Precedence: bulk", "precedence"},
		{"precedence auto_reply", "Precedence: auto_reply", "precedence"},
		{"x-autoreply", "X-Autoreply: yes", "auto-reply"},
		{"our own message id", "Message-ID: <" + ours + "@desk.example>", "own-message-id"},
	} {
		lines := []string{"From: someone@elsewhere.example", "To: " + deskAddress, "Subject: Out of office"}
		if !strings.HasPrefix(c.header, "Message-ID") {
			lines = append(lines, "Message-ID: <"+strings.ReplaceAll(c.name, " ", "-")+"@elsewhere.example>")
		}
		lines = append(lines, c.header, "", "I am away.")
		got := b.receive(t, eml(lines...))
		if got.Outcome != Ignored || got.Ignored != c.reason {
			t.Errorf("%s: %+v, want ignored for %s", c.name, got, c.reason)
		}
	}
	if n := b.countSQL(t, `SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("%d tickets", n)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("%d mails queued: an automatic mail was acknowledged", n)
	}
}

// TestSpamViewKeepsToTheRepsTeams: held mail belongs to the team its
// mailbox files into (the intake team without one); only staff who see
// that team's tickets list, release or delete it.
func TestSpamViewKeepsToTheRepsTeams(t *testing.T) {
	b := setup(t) // b.team, the first, is the intake team
	s := b.withSpam(0)
	hr := ticketstest.Team(b.ctx, t, b.db, "HR")
	intakeRep := ticketstest.User(b.ctx, t, b.db, "rep", b.team)
	hrRep := ticketstest.User(b.ctx, t, b.db, "rep", hr)
	if _, err := s.AddBlock(b.ctx, 0, "junk.example"); err != nil {
		t.Fatal(err)
	}
	if res, err := b.desk.ReceiveVia(b.ctx, mailFrom("a@junk.example", "hr1@x", "Salary review", "confidential"), Route{TeamID: hr}); err != nil || res.Held != ReasonBlocked {
		t.Fatalf("hr mail: %+v, %v", res, err)
	}
	b.receive(t, mailFrom("b@junk.example", "in1@x", "Intake mail", "hello"))
	subjects := func(a tickets.Actor) []string {
		held, _, err := s.Held(b.ctx, a, nil, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range held {
			out = append(out, h.Subject)
		}
		n, err := s.HeldCount(b.ctx, a)
		if err != nil || n != len(out) {
			t.Errorf("count %d, %v; listed %d", n, err, len(out))
		}
		return out
	}
	if got := subjects(intakeRep); len(got) != 1 || got[0] != "Intake mail" {
		t.Errorf("intake rep sees %q", got)
	}
	if got := subjects(hrRep); len(got) != 1 || got[0] != "Salary review" {
		t.Errorf("hr rep sees %q", got)
	}
	if got := subjects(tickets.Actor{UserID: intakeRep.UserID}); len(got) != 0 {
		t.Errorf("a rep of no team sees %q", got)
	}
	if got := subjects(b.sup); len(got) != 2 {
		t.Errorf("supervisor sees %q", got)
	}
	var hrID int64
	if err := b.db.QueryRow(b.ctx, `SELECT id FROM mail_spam WHERE team_id = $1`, hr).Scan(&hrID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.desk.Release(b.ctx, intakeRep, hrID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("intake rep released HR mail: %v", err)
	}
	if err := s.Delete(b.ctx, intakeRep, hrID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("intake rep deleted HR mail: %v", err)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM mail_spam`) + b.countSQL(t, `SELECT count(*) FROM tickets`); n != 2 {
		t.Errorf("held %d + tickets: the refused release or delete did something", n)
	}
	if res, err := b.desk.Release(b.ctx, hrRep, hrID); err != nil || res.Outcome != string(tickets.EmailCreated) || b.ticket(t, res.TicketID).TeamID != hr {
		t.Errorf("hr rep release: %+v, %v", res, err)
	}
}

// TestDMARCFailIsHeldOnlyUnderRejectOrQuarantine: a domain with p=none
// only monitors; its failing mail is filed and shows the failed result.
func TestDMARCFailIsHeldOnlyUnderRejectOrQuarantine(t *testing.T) {
	b := setup(t)
	b.withSpam(0)
	for i, c := range []struct {
		result string
		held   bool
	}{
		{"dmarc=fail (p=none dis=none) header.from=news.example", false},
		{"dmarc=fail header.from=news.example", false},
		{"dmarc=fail policy.dmarc=none header.from=news.example", false},
		{"dmarc=fail (p=reject dis=reject) header.from=news.example", true},
		{"dmarc=fail (p=QUARANTINE) header.from=news.example", true},
		{"dmarc=fail policy.dmarc=reject header.from=news.example", true},
		{"dmarc=pass (p=reject) header.from=news.example", false},
	} {
		id := "dm" + string(rune('a'+i)) + "@news.example"
		res := b.receive(t, eml("Authentication-Results: mx.desk.example; spf=pass smtp.mailfrom=news.example; "+c.result,
			"From: news@news.example", "To: "+deskAddress, "Subject: News "+id, "Message-ID: <"+id+">", "", "Hello."))
		if got := res.Held == ReasonDMARC; got != c.held {
			t.Errorf("%s: %+v, want held %v", c.result, res, c.held)
			continue
		}
		if !c.held && strings.HasPrefix(c.result, "dmarc=fail") {
			msgs, err := b.store.Messages(b.ctx, res.TicketID, true)
			if err != nil || len(msgs) == 0 || msgs[0].Auth.DMARC != "fail" {
				t.Errorf("%s: filed without its failed result: %+v, %v", c.result, msgs, err)
			}
		}
	}
}

// TestHeldMailIsPurgedAndCappedPerSender: held mail older than KeepDays
// goes at the purge; one sender keeps at most MaxHeldPerSender held.
func TestHeldMailIsPurgedAndCappedPerSender(t *testing.T) {
	b := setup(t)
	s := b.withSpam(0)
	if _, err := s.AddBlock(b.ctx, 0, "junk.example"); err != nil {
		t.Fatal(err)
	}
	for i := range MaxHeldPerSender + 5 {
		b.receive(t, mailFrom("flood@junk.example", "flood"+strconv.Itoa(i)+"@junk.example", "Spam "+strconv.Itoa(i), "buy"))
	}
	b.receive(t, mailFrom("other@junk.example", "other1@junk.example", "Other", "buy"))
	if n := b.countSQL(t, `SELECT count(*) FROM mail_spam WHERE from_email = 'flood@junk.example'`); n != MaxHeldPerSender {
		t.Errorf("%d held of one sender, want %d", n, MaxHeldPerSender)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM mail_spam WHERE message_id = 'flood0@junk.example'`); n != 0 {
		t.Error("the oldest was kept, not the newest")
	}
	// 31 days later the purge (default 30 days) removes them all.
	if _, err := b.db.Exec(b.ctx, `UPDATE mail_spam SET received_at = received_at - interval '31 days' WHERE from_email = 'flood@junk.example'`); err != nil {
		t.Fatal(err)
	}
	n, err := s.Purge(b.ctx)
	if err != nil || n != MaxHeldPerSender {
		t.Fatalf("purged %d, %v", n, err)
	}
	if n := b.countSQL(t, `SELECT count(*) FROM mail_spam`); n != 1 {
		t.Errorf("%d held after the purge, want the recent one", n)
	}
}

// TestForgedMailCannotUseUpACustomersRateLimit: mail forged "from" a
// customer (failing DMARC under p=none, so it is filed) opens tickets up
// to the limit, yet the customer's own mail, passing DMARC, still opens a
// ticket; unauthenticated mail stays limited.
func TestForgedMailCannotUseUpACustomersRateLimit(t *testing.T) {
	b := setup(t)
	b.withSpam(2)
	mailAuth := func(id, dmarc string) []byte {
		return eml("Authentication-Results: mx.desk.example; "+dmarc+" header.from=victim.example",
			"From: ceo@victim.example", "To: "+deskAddress, "Subject: Mail "+id, "Message-ID: <"+id+"@victim.example>", "", "Hello.")
	}
	for i := range 2 {
		if res := b.receive(t, mailAuth("forged"+strconv.Itoa(i), "dmarc=fail (p=none dis=none)")); res.Outcome != string(tickets.EmailCreated) {
			t.Fatalf("forged %d: %+v", i, res)
		}
	}
	if res := b.receive(t, mailAuth("forged2", "dmarc=fail (p=none dis=none)")); res.Held != ReasonRate {
		t.Errorf("third unauthenticated mail: %+v, want held for the rate", res)
	}
	if res := b.receive(t, mailAuth("real1", "dmarc=pass")); res.Outcome != string(tickets.EmailCreated) {
		t.Errorf("the customer's real mail: %+v, want a new ticket", res)
	}
}
