package mailbox

import (
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestEditAndPauseMailbox(t *testing.T) {
	b := setup(t)
	srv := startIMAP(t, true)
	srv.addUser(t, "help@desk.example", "pw")
	mua := srv.client(t, "help@desk.example", "pw")
	id := b.add(t, srv.tlsAddr, SecurityTLS, "help@desk.example", "wrong")
	admin := ticketstest.User(b.ctx, t, b.db, "admin")

	// Invalid edits come back per field; the stored mailbox is unchanged.
	err := b.store.Update(b.ctx, admin.UserID, id, NewMailbox{Host: "bad host", Port: "0", Security: "tls", Username: "help@desk.example", TeamID: b.team})
	if f := apperr.FieldsOf(err); f["host"] != "mailbox_error_host" || f["port"] != "mailbox_error_port" {
		t.Fatalf("bad edit: %v", err)
	}
	before := b.mailbox(t, id)

	// Paused before any reader runs: nothing is read.
	if err := b.store.SetPaused(b.ctx, admin.UserID, id, true); err != nil {
		t.Fatal(err)
	}
	deliver(t, mua, "ben@example.com", "p1@example.com", "While paused", "Hello?")
	// Another mailbox, read by the same reader: once its mail is filed the
	// reader has listed the mailboxes and passed over the paused one.
	srv.addUser(t, "other@desk.example", "pw2")
	other := srv.client(t, "other@desk.example", "pw2")
	deliver(t, other, "cai@example.com", "o1@example.com", "Other", "Hi.")
	b.add(t, srv.tlsAddr, SecurityTLS, "other@desk.example", "pw2")
	b.run(t, b.desk, srv)
	eventually(t, "the other mailbox's mail is filed", func() bool { return unseen(t, other) == 0 })
	if m := b.mailbox(t, id); !m.Paused || m.LastErrorAt != nil || m.LastSuccessAt != nil || unseen(t, mua) != 1 {
		t.Fatalf("paused mailbox was read: %+v", m)
	}

	// The admin fixes the password and resumes it: its mail is filed.
	if err := b.store.Update(b.ctx, admin.UserID, id, NewMailbox{Host: before.Host, Port: itoa(before.Port), Security: "tls",
		Username: "help@desk.example", Password: "pw", Folder: "INBOX", TeamID: b.team}); err != nil {
		t.Fatal(err)
	}
	if err := b.store.SetPaused(b.ctx, admin.UserID, id, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the resumed mailbox files its mail", func() bool { return unseen(t, mua) == 0 })
	if m := b.mailbox(t, id); m.Paused || m.LastSuccessAt == nil || m.FiledToday != 1 || m.Version != before.Version+3 {
		t.Errorf("after resume: %+v (version before %d)", m, before.Version)
	}
	// An edit without a password keeps the stored one.
	if err := b.store.Update(b.ctx, admin.UserID, id, NewMailbox{Host: before.Host, Port: itoa(before.Port), Security: "tls",
		Username: "help@desk.example", Folder: "INBOX", TeamID: b.team, FromAddress: "Help <help@desk.example>"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := b.store.load(b.ctx, id)
	if err != nil || cfg.Password != "pw" || cfg.FromAddress != "Help <help@desk.example>" {
		t.Errorf("after an edit without a password: %+v, %v", cfg.Mailbox, err)
	}
	var events []string
	rows, _ := b.db.Query(b.ctx, `SELECT action FROM events WHERE subject_type = 'mailbox' AND subject_id = $1 AND actor_id = $2 ORDER BY id`, id, admin.UserID)
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		events = append(events, a)
	}
	if want := "mailbox.paused mailbox.updated mailbox.resumed mailbox.updated"; join(events) != want {
		t.Errorf("events = %v, want %s", events, want)
	}
	if err := b.store.SetPaused(b.ctx, admin.UserID, 999999, true); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("pause of no mailbox: %v", err)
	}
}

// TestAdminsAreToldOnceWhenAMailboxKeepsFailing: after NotifyAfter
// failures in a row each admin gets one notification, not one per
// failure; after a success, new failures tell them again.
func TestAdminsAreToldOnceWhenAMailboxKeepsFailing(t *testing.T) {
	b := setup(t)
	id := b.add(t, "127.0.0.1:1", SecurityTLS, "x@desk.example", "pw")
	a1 := ticketstest.User(b.ctx, t, b.db, "admin")
	a2 := ticketstest.User(b.ctx, t, b.db, "admin")
	sup := ticketstest.User(b.ctx, t, b.db, "supervisor")
	notices := func(user int64) int {
		var n int
		if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'mailbox_failing'`, user).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	fail := func(times int) {
		for range times {
			if _, err := b.store.recordFailure(b.ctx, id, ErrConnect, "connection refused"); err != nil {
				t.Fatal(err)
			}
		}
	}
	fail(NotifyAfter - 1)
	if notices(a1.UserID) != 0 {
		t.Fatal("told before NotifyAfter failures")
	}
	fail(1)
	if notices(a1.UserID) != 1 || notices(a2.UserID) != 1 || notices(sup.UserID) != 0 {
		t.Fatalf("after %d failures: admins %d, %d, supervisor %d", NotifyAfter, notices(a1.UserID), notices(a2.UserID), notices(sup.UserID))
	}
	fail(10)
	if notices(a1.UserID) != 1 {
		t.Errorf("told again on every failure: %d", notices(a1.UserID))
	}
	if err := b.store.recordSuccess(b.ctx, id); err != nil {
		t.Fatal(err)
	}
	fail(NotifyAfter)
	if notices(a1.UserID) != 2 || notices(a2.UserID) != 2 {
		t.Errorf("after recovery and new failures: %d, %d notifications, want 2", notices(a1.UserID), notices(a2.UserID))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func join(s []string) string { return strings.Join(s, " ") }

// TestEditingTheServerNeedsThePasswordAgain: an edit that points the
// mailbox at another host, port, security or account with the password
// left empty is refused on the password field, so the stored password is
// never sent to a server it was not typed for; the same edit with the
// password is saved, and an edit of the rest keeps the password.
func TestEditingTheServerNeedsThePasswordAgain(t *testing.T) {
	b := setup(t)
	id := b.add(t, "imap.desk.example:993", SecurityTLS, "help@desk.example", "secret")
	admin := ticketstest.User(b.ctx, t, b.db, "admin")
	same := NewMailbox{Host: "imap.desk.example", Port: "993", Security: "tls", Username: "help@desk.example", Folder: "INBOX", TeamID: b.team}
	for name, change := range map[string]func(*NewMailbox){
		"host":     func(n *NewMailbox) { n.Host = "imap.attacker.example" },
		"port":     func(n *NewMailbox) { n.Port = "1993" },
		"security": func(n *NewMailbox) { n.Security = "starttls" },
		"username": func(n *NewMailbox) { n.Username = "other@desk.example" },
	} {
		n := same
		change(&n)
		if err := b.store.Update(b.ctx, admin.UserID, id, n); apperr.FieldsOf(err)["password"] != "mailbox_error_password_again" {
			t.Errorf("%s changed without the password: %v", name, err)
		}
	}
	if cfg, err := b.store.load(b.ctx, id); err != nil || cfg.Host != "imap.desk.example" || cfg.Port != 993 || cfg.Password != "secret" {
		t.Fatalf("after refused edits: %+v, %v", cfg.Mailbox, err)
	}
	// The rest (folder, From) changes without the password.
	n := same
	n.Folder, n.FromAddress = "Support", "help@desk.example"
	if err := b.store.Update(b.ctx, admin.UserID, id, n); err != nil {
		t.Fatal(err)
	}
	// A new host with the password typed again is saved.
	n.Host, n.Password = "imap2.desk.example", "secret2"
	if err := b.store.Update(b.ctx, admin.UserID, id, n); err != nil {
		t.Fatal(err)
	}
	if cfg, err := b.store.load(b.ctx, id); err != nil || cfg.Host != "imap2.desk.example" || cfg.Password != "secret2" || cfg.Folder != "Support" {
		t.Errorf("after the edit with a password: %+v, %v", cfg.Mailbox, err)
	}
}
