package tickets_test

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// bell counts user's unread notifications of kind.
func (b *bundle) bell(t *testing.T, user int64, kind string) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(b.ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = $2 AND read_at IS NULL`, user, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFollowersHearOfNews: a follower gets one unread notice per followed
// ticket when others change it, none for their own changes, none once the
// ticket is out of their sight, and none after unfollowing.
func TestFollowersHearOfNews(t *testing.T) {
	b := setup(t)
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA2, tickets.NewTicket{})
	if err := b.store.Follow(b.ctx, b.repB, tk.ID, true); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("following another team's ticket: %v", err)
	}
	if err := b.store.Follow(b.ctx, b.repA, tk.ID, true); err != nil {
		t.Fatal(err)
	}
	if yes, _ := b.store.Following(b.ctx, tk.ID, b.repA.UserID); !yes {
		t.Fatal("not following")
	}
	note := func(a tickets.Actor, body string) {
		t.Helper()
		if _, err := b.store.AddReply(b.ctx, a, tk.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	note(b.repA, "My own note")
	if n := b.bell(t, b.repA.UserID, "followed_update"); n != 0 {
		t.Fatalf("%d notices for one's own note", n)
	}
	note(b.repA2, "News")
	note(b.repA2, "More news")
	if n := b.bell(t, b.repA.UserID, "followed_update"); n != 1 {
		t.Fatalf("%d unread notices, want one per ticket", n)
	}
	if _, err := b.db.Exec(b.ctx, `UPDATE notifications SET read_at = now() WHERE user_id = $1`, b.repA.UserID); err != nil {
		t.Fatal(err)
	}
	// The ticket moves to team B: repA no longer sees it, nor hears of it.
	team := b.teamB
	cur, _ := b.store.Get(b.ctx, b.sup, tk.ID)
	if _, err := b.store.Update(b.ctx, b.sup, tk.ID, tickets.Changes{Version: cur.Version, TeamID: &team}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(b.ctx, `UPDATE notifications SET read_at = now() WHERE user_id = $1`, b.repA.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.AddCustomerMessage(b.ctx, tk.ID, "Hello?"); err != nil {
		t.Fatal(err)
	}
	if n := b.bell(t, b.repA.UserID, "followed_update"); n != 0 {
		t.Fatalf("a follower who no longer sees the ticket got %d notices", n)
	}
	// Back in sight, then unfollowed: nothing.
	team = b.teamA
	cur, _ = b.store.Get(b.ctx, b.sup, tk.ID)
	if _, err := b.store.Update(b.ctx, b.sup, tk.ID, tickets.Changes{Version: cur.Version, TeamID: &team}); err != nil {
		t.Fatal(err)
	}
	if err := b.store.Follow(b.ctx, b.repA, tk.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(b.ctx, `UPDATE notifications SET read_at = now() WHERE user_id = $1`, b.repA.UserID); err != nil {
		t.Fatal(err)
	}
	note(b.repA2, "After unfollowing")
	if n := b.bell(t, b.repA.UserID, "followed_update"); n != 0 {
		t.Fatalf("%d notices after unfollowing", n)
	}
}

// TestMentionsInNotes: "@Name" in an internal note notifies that colleague
// (the whole name, if they may see the ticket); a public reply does not.
func TestMentionsInNotes(t *testing.T) {
	b := setup(t)
	tk := ticketstest.Create(b.ctx, t, b.store, b.repA, tickets.NewTicket{})
	var nameA2, nameB string
	if err := b.db.QueryRow(b.ctx, `SELECT (SELECT name FROM users WHERE id = $1), (SELECT name FROM users WHERE id = $2)`,
		b.repA2.UserID, b.repB.UserID).Scan(&nameA2, &nameB); err != nil {
		t.Fatal(err)
	}
	// A longer name that starts like repA2's must not count as them.
	longer := ticketstest.User(b.ctx, t, b.db, "rep", b.teamA)
	if _, err := b.db.Exec(b.ctx, `UPDATE users SET name = $2 WHERE id = $1`, longer.UserID, nameA2+"0"); err != nil {
		t.Fatal(err)
	}
	reply := func(kind tickets.MessageKind, body string) {
		t.Helper()
		if _, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: kind, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	reply(tickets.MessagePublic, "Dear customer, @"+nameA2+" will call.")
	if n := b.bell(t, b.repA2.UserID, "mention"); n != 0 {
		t.Fatalf("a public reply notified %d", n)
	}
	reply(tickets.MessageInternal, "@"+nameA2+", can you check? Also @"+nameB+".")
	if n := b.bell(t, b.repA2.UserID, "mention"); n != 1 {
		t.Fatalf("mentioned colleague has %d notices, want 1", n)
	}
	if n := b.bell(t, b.repB.UserID, "mention"); n != 0 {
		t.Fatalf("a colleague who cannot see the ticket got %d notices", n)
	}
	if n := b.bell(t, longer.UserID, "mention"); n != 0 {
		t.Fatalf("a longer name got %d notices", n)
	}
}
