package live_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/live"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// intake opens an unassigned ticket of team, as the help form does.
func intake(t *testing.T, d *desk, team int64, subject string) tickets.Ticket {
	t.Helper()
	tk, _, err := d.store.CreatePublic(d.ctx, tickets.NewPublicTicket{Name: "Web", Email: "web@example.com", Subject: subject, Message: "Please.", TeamID: team})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// navCounts reads a's nav counts through one batch, as a page does.
func navCounts(t *testing.T, d *desk, n *live.NavCounts, a tickets.Actor) tickets.Counts {
	t.Helper()
	var b pgx.Batch
	get := n.Batch(&b, a)
	if err := d.db.SendBatch(d.ctx, &b).Close(); err != nil {
		t.Fatal(err)
	}
	c, err := get()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantCounts(t *testing.T, what string, got tickets.Counts, mine, team int) {
	t.Helper()
	if got.Mine != mine || got.TeamUnassigned != team {
		t.Fatalf("%s: counts %+v, want mine %d, team unassigned %d", what, got, mine, team)
	}
}

// TestNavCountsKeptUntilTheyMayMove: nav counts are kept between pages;
// another's change is counted once the hub hears it (before any stream is
// told), and a member's own change at once, heard or not.
func TestNavCountsKeptUntilTheyMayMove(t *testing.T) {
	d := setup(t)
	h := newHub(t, d.db)
	n := live.NewNavCounts(h, d.store, time.Now)
	sup, _, _ := h.Subscribe(d.sup, "")

	first := intake(t, d, d.teamA, "Lost parcel")
	next(t, sup, ticketEvent(first.ID, "ticket.created"))
	wantCounts(t, "first page", navCounts(t, d, n, d.repA), 0, 1)

	// Kept: a change that makes no event (so nothing is heard) does not
	// show. (The desk never changes a ticket so; this only shows the counts
	// are kept, not counted on every page.)
	if _, err := d.db.Exec(d.ctx, `UPDATE tickets SET status = 'solved' WHERE id = $1`, first.ID); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "kept", navCounts(t, d, n, d.repA), 0, 1)
	if _, err := d.db.Exec(d.ctx, `UPDATE tickets SET status = 'open' WHERE id = $1`, first.ID); err != nil {
		t.Fatal(err)
	}
	// Other teams, other counts.
	both := d.repA
	both.TeamIDs = []int64{d.teamA, d.teamB}
	wantCounts(t, "with team B too", navCounts(t, d, n, both), 0, 1)
	wantCounts(t, "team A again", navCounts(t, d, n, d.repA), 0, 1)

	// Another's change: the counts of the ticket's team are counted again
	// once the hub has heard it.
	second := intake(t, d, d.teamA, "Broken kettle")
	next(t, sup, ticketEvent(second.ID, "ticket.created"))
	wantCounts(t, "after another's new ticket", navCounts(t, d, n, d.repA), 0, 2)
	// ... and not team B's rep's, whose count is kept.
	wantCounts(t, "team B", navCounts(t, d, n, d.repB), 0, 0)

	// The member's own change shows on their next page even when this
	// instance has not heard of it (another instance made it, or its
	// notification is on its way).
	live.Deafen(n)
	if _, err := d.store.Take(d.ctx, d.repA, first.ID, false); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "after taking a ticket", navCounts(t, d, n, d.repA), 1, 1)
	if _, err := d.store.Take(d.ctx, d.repA, second.ID, false); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "after taking another", navCounts(t, d, n, d.repA), 2, 0)
}
