package live

import (
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// NavCounts keeps each signed-in member's nav counts (their open tickets,
// their teams' unassigned ones) between pages. Counting walks every open
// ticket of the member and of their teams, on every page; the counts change
// far less often than pages are read.
//
// When kept counts are counted again:
//   - another's change: the hub hears every ticket event (the NOTIFY of
//     migration 00025) and forgets the counts of the ticket's owner and
//     team, before and after, before any stream is told of the change;
//     when it cannot tell who (the ticket's earlier owner is unknown, it
//     could not be read), it forgets everyone's. Another instance's change
//     shows once this instance hears it, milliseconds later; the live
//     header a stream's "counts" event fetches counts afresh (Fresh).
//   - the member's own change: the page's batch reads the newest ticket
//     event the member made (one index entry) in the same statement as the
//     counts, and counts again when it moved. So their own change shows on
//     their next page at once, whichever instance made it and whether or
//     not its notification has arrived.
//   - the hub not listening, or listening on a new connection (what was
//     sent meanwhile was not heard): nothing kept is used.
//   - a member's teams changed: the counts are for other teams.
//   - after keepFor, whatever happened: a bound for what the rules above
//     cannot see (a ticket passed through an owner between two of its
//     events, a change made without an event).
type NavCounts struct {
	hub     *Hub
	tickets *tickets.Store
	now     func() time.Time

	mu sync.Mutex
	// seq numbers the changes heard; all, owners and teams say at which
	// one each count last may have moved.
	seq     uint64
	all     uint64
	owners  map[int64]uint64
	teams   map[int64]uint64
	entries map[int64]navEntry // by member
}

// keepFor bounds how long counts are kept without being counted.
const keepFor = 30 * time.Second

type navEntry struct {
	counts tickets.Counts
	teams  []int64 // the member's teams they were counted for
	mark   int64   // the member's newest ticket event then
	seq    uint64  // the last change heard before they were counted
	epoch  int     // the hub's connection then
	at     time.Time
}

// NewNavCounts keeps nav counts that h's deliveries invalidate; ts counts.
func NewNavCounts(h *Hub, ts *tickets.Store, now func() time.Time) *NavCounts {
	n := &NavCounts{hub: h, tickets: ts, now: now, owners: map[int64]uint64{}, teams: map[int64]uint64{}, entries: map[int64]navEntry{}}
	h.mu.Lock()
	h.watch = append(slices.Clip(h.watch), n.heard)
	h.mu.Unlock()
	return n
}

// Batch queues a's nav counts on b: the kept ones when nothing that can
// move them has happened since (one index entry read), else counted.
func (n *NavCounts) Batch(b *pgx.Batch, a tickets.Actor) func() (tickets.Counts, error) {
	epoch, listening := n.hub.connection()
	now := n.now()
	n.mu.Lock()
	seq := n.seq
	kept, ok := n.entries[a.UserID]
	held := int64(-1) // count
	if ok && listening && kept.epoch == epoch && now.Sub(kept.at) < keepFor && slices.Equal(kept.teams, a.TeamIDs) && !n.movedSince(kept.seq, a) {
		held = kept.mark
	}
	n.mu.Unlock()
	get := n.tickets.QueueCountsSinceBatch(b, a, held)
	return func() (tickets.Counts, error) {
		c, err := get()
		if err != nil {
			return tickets.Counts{}, err
		}
		if !c.Counted {
			return kept.counts, nil
		}
		if listening {
			n.keep(a.UserID, navEntry{counts: c.Counts, teams: slices.Clone(a.TeamIDs), mark: c.Mark, seq: seq, epoch: epoch, at: now})
		}
		return c.Counts, nil
	}
}

// Fresh queues a's nav counts on b, counted whatever is kept (the live
// header: a stream said they changed, perhaps before this instance heard).
func (n *NavCounts) Fresh(b *pgx.Batch, a tickets.Actor) func() (tickets.Counts, error) {
	get := n.tickets.QueueCountsSinceBatch(b, a, -1)
	return func() (tickets.Counts, error) {
		c, err := get()
		return c.Counts, err
	}
}

// movedSince reports whether a change heard after seq may have moved a's
// counts. n.mu is held.
func (n *NavCounts) movedSince(seq uint64, a tickets.Actor) bool {
	if n.all > seq || n.owners[a.UserID] > seq {
		return true
	}
	for _, t := range a.TeamIDs {
		if n.teams[t] > seq {
			return true
		}
	}
	return false
}

// keep stores e unless a later count of the member is kept already.
func (n *NavCounts) keep(userID int64, e navEntry) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.entries[userID]; ok && old.seq > e.seq {
		return
	}
	n.entries[userID] = e
}

// heard marks the counts d may move: every ticket event counts (a status,
// an owner or a team can change with many actions).
func (n *NavCounts) heard(d Delivery) {
	if d.Kind != KindTicket {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seq++
	if d.Now == nil || (d.Before == nil && !keepsPlace(d.Action)) {
		n.all = n.seq
		return
	}
	for _, t := range []*tickets.Ticket{d.Now, d.Before} {
		if t != nil {
			n.owners[t.OwnerID] = n.seq
			n.teams[t.TeamID] = n.seq
		}
	}
}

// keepsPlace reports whether a ticket event of action is known to leave the
// ticket's owner and team where they were (or, created, to have no earlier
// place): then the ticket's place now is all a count can have moved by.
// Any other action, one added later included, may have moved the ticket
// from a place this instance does not know.
func keepsPlace(action string) bool {
	switch action {
	case "ticket.created", "ticket.status_changed", "ticket.reopened", "ticket.replied", "ticket.customer_replied",
		"ticket.note_added", "ticket.priority_changed", "ticket.tags_changed", "ticket.category_changed",
		"ticket.email_cc", "ticket.cc_added", "ticket.cc_removed", "ticket.attachment_added",
		"ticket.email_attachment_skipped", "ticket.linked", "ticket.followed", "ticket.unfollowed",
		"ticket.follow_up_created", "ticket.follow_up_recorded", "ticket.sla_breached", "ticket.sla_at_risk",
		"ticket.csat_good", "ticket.csat_bad", "ticket.mail_bounced":
		return true
	}
	return false
}
