package tickets_test

import (
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestLinksShowOnlyWhatTheViewerMaySee: a linked ticket's subject and status
// reach only those who may open it (Actor.CanSee); for anyone else the link
// is its number alone (security issue #10, finding 10).
func TestLinksShowOnlyWhatTheViewerMaySee(t *testing.T) {
	b := setup(t)
	hub := b.create(t, b.repA, tickets.NewTicket{Subject: "Parcel lost"})
	sameTeam := b.create(t, b.repA2, tickets.NewTicket{Subject: "Same team"})
	otherTeam := b.create(t, b.repB, tickets.NewTicket{Subject: "Secret billing dispute"})
	held := b.create(t, b.repB, tickets.NewTicket{Subject: "Escalated to team A"})
	// held is team B's, but escalated to team A: its holders may see it.
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET holder_team_id = $2 WHERE id = $1`, held.ID, b.teamA); err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct {
		id, other int64
		kind      tickets.LinkKind
	}{
		{hub.ID, sameTeam.ID, tickets.LinkRelated},
		{hub.ID, otherTeam.ID, tickets.LinkParent}, // otherTeam is hub's parent
		{held.ID, hub.ID, tickets.LinkRelated},     // seen from hub: the other direction
	} {
		if err := b.store.AddLink(b.ctx, b.sup, l.id, l.other, l.kind); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		viewer tickets.Actor
		hidden map[int64]bool
	}{
		{"rep of team A", b.repA, map[int64]bool{otherTeam.ID: true}},
		{"second rep of team A", b.repA2, map[int64]bool{otherTeam.ID: true}},
		{"rep of team B", b.repB, map[int64]bool{sameTeam.ID: true}}, // held is team B's own
		{"supervisor", b.sup, map[int64]bool{}},
		{"nobody", tickets.Actor{}, map[int64]bool{sameTeam.ID: true, otherTeam.ID: true, held.ID: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			links, err := b.store.Links(b.ctx, tc.viewer, hub.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(links) != 3 {
				t.Fatalf("%d links, want 3: %+v", len(links), links)
			}
			for _, l := range links {
				other := b.get(t, l.Other)
				// The SQL agrees with the one rule, CanSee.
				if l.Hidden != !tc.viewer.CanSee(other) || l.Hidden != tc.hidden[l.Other] {
					t.Fatalf("link to #%d: hidden %v, CanSee %v", l.Other, l.Hidden, tc.viewer.CanSee(other))
				}
				if l.Hidden && (l.Subject != "" || l.Status != "") {
					t.Fatalf("link to #%d leaks %q %q", l.Other, l.Subject, l.Status)
				}
				if !l.Hidden && (l.Subject != other.Subject || l.Status != other.Status) {
					t.Fatalf("link to #%d: %q %q, want %q %q", l.Other, l.Subject, l.Status, other.Subject, other.Status)
				}
			}
			kinds := map[int64]string{}
			for _, l := range links {
				kinds[l.Other] = l.Kind
			}
			if kinds[sameTeam.ID] != "related" || kinds[otherTeam.ID] != "parent" || kinds[held.ID] != "related" {
				t.Fatalf("kinds %v", kinds)
			}
		})
	}
}
