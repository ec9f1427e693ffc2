package tickets_test

import (
	"slices"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

func TestActorCanSee(t *testing.T) {
	inA := tickets.Ticket{TeamID: 1, OwnerID: 10}
	ownedInB := tickets.Ticket{TeamID: 2, OwnerID: 11}
	noTeam := tickets.Ticket{OwnerID: 12}
	unowned := tickets.Ticket{}
	tests := []struct {
		name  string
		actor tickets.Actor
		want  []bool // inA, ownedInB, noTeam, unowned
	}{
		{"rep of team 1", tickets.Actor{UserID: 10, TeamIDs: []int64{1}}, []bool{true, false, false, false}},
		{"rep of team 1 owning a team 2 ticket", tickets.Actor{UserID: 11, TeamIDs: []int64{1}}, []bool{true, true, false, false}},
		{"rep of both teams", tickets.Actor{UserID: 13, TeamIDs: []int64{1, 2}}, []bool{true, true, false, false}},
		{"teamless owner", tickets.Actor{UserID: 12}, []bool{false, false, true, false}},
		{"nobody", tickets.Actor{}, []bool{false, false, false, false}},
		{"supervisor", tickets.Actor{UserID: 99, SeeAll: true}, []bool{true, true, true, true}},
	}
	for _, tc := range tests {
		for i, tk := range []tickets.Ticket{inA, ownedInB, noTeam, unowned} {
			if got := tc.actor.CanSee(tk); got != tc.want[i] {
				t.Errorf("%s: CanSee(team %d owner %d) = %v, want %v", tc.name, tk.TeamID, tk.OwnerID, got, tc.want[i])
			}
		}
	}
}

// TestVisibility checks that Get, Queue, Search, Update and AddReply agree with CanSee.
func TestVisibility(t *testing.T) {
	b := setup(t)
	ticket := func(actor tickets.Actor, n tickets.NewTicket) tickets.Ticket {
		n.Subject = "Zebra print sofa"
		return b.create(t, actor, n)
	}
	inA := ticket(b.repA2, tickets.NewTicket{})
	inB := ticket(b.repB, tickets.NewTicket{})
	// In team B but owned by a team A rep: the loop owner keeps seeing it.
	ownedByA := ticket(b.repB, tickets.NewTicket{})
	ownedByA, err := b.store.Update(b.ctx, b.sup, ownedByA.ID, tickets.Changes{Version: ownedByA.Version, OwnerID: &b.repA.UserID})
	if err != nil {
		t.Fatal(err)
	}
	teamless := ticket(b.sup, tickets.NewTicket{})
	// From the web form: in the intake team (A), owned by nobody.
	unowned, _, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Zoe", Email: "zoe@example.com", Subject: "Zebra print sofa", Message: "Hi."})
	if err != nil {
		t.Fatal(err)
	}
	all := []tickets.Ticket{inA, inB, ownedByA, teamless, unowned}

	visible := map[string][]int64{
		"repA":   {inA.ID, ownedByA.ID, unowned.ID},
		"repA2":  {inA.ID, unowned.ID},
		"repB":   {inB.ID, ownedByA.ID},
		"sup":    {inA.ID, inB.ID, ownedByA.ID, teamless.ID, unowned.ID},
		"nobody": nil,
	}
	actors := map[string]tickets.Actor{"repA": b.repA, "repA2": b.repA2, "repB": b.repB, "sup": b.sup, "nobody": {}}
	for name, actor := range actors {
		want := visible[name]
		for _, tk := range all {
			sees := slices.Contains(want, tk.ID)
			if actor.CanSee(tk) != sees {
				t.Errorf("%s CanSee(%d) = %v, want %v", name, tk.ID, !sees, sees)
			}
			got, err := b.store.Get(b.ctx, actor, tk.ID)
			switch {
			case sees && (err != nil || got.ID != tk.ID):
				t.Errorf("%s Get(%d): %v", name, tk.ID, err)
			case !sees:
				if !apperr.Is(err, apperr.NotFound) || apperr.MsgIDOf(err) != "error_ticket_not_found" {
					t.Errorf("%s Get(%d) of a hidden ticket: err %v, want not found", name, tk.ID, err)
				}
				cur := b.get(t, tk.ID)
				if _, err := b.store.Update(b.ctx, actor, tk.ID, tickets.Changes{Version: cur.Version, Priority: ptr(tickets.PriorityUrgent)}); !apperr.Is(err, apperr.NotFound) {
					t.Errorf("%s Update(%d) of a hidden ticket: err %v, want not found", name, tk.ID, err)
				}
				if _, err := b.store.AddReply(b.ctx, actor, tk.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "peek"}); !apperr.Is(err, apperr.NotFound) {
					t.Errorf("%s AddReply(%d) to a hidden ticket: err %v, want not found", name, tk.ID, err)
				}
			}
		}
		page, err := b.store.Queue(b.ctx, actor, tickets.Filter{Scope: tickets.ScopeAll, Status: "any"})
		if err != nil {
			t.Fatal(err)
		}
		if got := sortedIDs(page.Tickets); !slices.Equal(got, sorted(want)) {
			t.Errorf("%s Queue(all) = %v, want %v", name, got, sorted(want))
		}
		res, err := b.store.Search(b.ctx, actor, "zebra", 0)
		if err != nil {
			t.Fatal(err)
		}
		var hits []tickets.Ticket
		for _, h := range res.Hits {
			hits = append(hits, h.Ticket)
		}
		if got := sortedIDs(hits); !slices.Equal(got, sorted(want)) {
			t.Errorf("%s Search(zebra) = %v, want %v", name, got, sorted(want))
		}
	}
	// Nothing hidden was changed by the attempts above.
	for _, tk := range all {
		if now := b.get(t, tk.ID); now.Priority != tickets.PriorityNormal {
			t.Errorf("ticket %d priority %s after hidden updates", tk.ID, now.Priority)
		}
	}
}

func sortedIDs(list []tickets.Ticket) []int64 {
	ids := make([]int64, len(list))
	for i, tk := range list {
		ids[i] = tk.ID
	}
	return sorted(ids)
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
