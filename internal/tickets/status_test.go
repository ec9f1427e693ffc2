package tickets_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// allowed pins the status machine: every move a ticket may make (staying put aside).
var allowed = map[string]bool{
	"new->open": true, "new->pending": true, "new->on_hold": true, "new->solved": true,
	"open->pending": true, "open->on_hold": true, "open->solved": true,
	"pending->open": true, "pending->on_hold": true, "pending->solved": true,
	"on_hold->open": true, "on_hold->pending": true, "on_hold->solved": true,
	"solved->open": true, "solved->closed": true,
}

// pathTo reaches each status from new by legal moves.
var pathTo = map[tickets.Status][]tickets.Status{
	tickets.StatusNew:     nil,
	tickets.StatusOpen:    {tickets.StatusOpen},
	tickets.StatusPending: {tickets.StatusPending},
	tickets.StatusOnHold:  {tickets.StatusOnHold},
	tickets.StatusSolved:  {tickets.StatusSolved},
	tickets.StatusClosed:  {tickets.StatusSolved, tickets.StatusClosed},
}

func TestCanBecome(t *testing.T) {
	for _, from := range tickets.Statuses {
		for _, to := range tickets.Statuses {
			want := from == to || allowed[string(from)+"->"+string(to)]
			if got := from.CanBecome(to); got != want {
				t.Errorf("%s.CanBecome(%s) = %v, want %v", from, to, got, want)
			}
		}
	}
}

func TestStatusTransitions(t *testing.T) {
	b := setup(t)
	for _, from := range tickets.Statuses {
		for _, to := range tickets.Statuses {
			t.Run(fmt.Sprintf("%s->%s", from, to), func(t *testing.T) {
				t.Parallel()
				tk := b.create(t, b.repA, tickets.NewTicket{})
				tk = ticketstest.Move(b.ctx, t, b.store, b.repA, tk.ID, pathTo[from]...)
				before, _ := b.history(t, tk.ID)

				got, err := b.store.Update(b.ctx, b.repA, tk.ID, tickets.Changes{Version: tk.Version, Status: &to})
				after, events := b.history(t, tk.ID)
				switch {
				case from == tickets.StatusClosed:
					wantKind(t, err, apperr.Conflict, "error_ticket_closed")
				case !from.CanBecome(to):
					wantField(t, err, "status", "error_transition_invalid")
				case err != nil:
					t.Fatalf("Update %s -> %s: %v", from, to, err)
				case from == to:
					if got.Status != from || got.Version != tk.Version || len(after) != len(before) {
						t.Fatalf("no-op move changed the ticket: status %s version %d -> %d, events %v", got.Status, tk.Version, got.Version, after)
					}
				default:
					if got.Status != to || got.Version != tk.Version+1 {
						t.Fatalf("after move: status %s version %d, want %s version %d", got.Status, got.Version, to, tk.Version+1)
					}
					wantAction := "ticket.status_changed"
					if from == tickets.StatusSolved && to == tickets.StatusOpen {
						wantAction = "ticket.reopened"
					}
					if len(after) != len(before)+1 {
						t.Fatalf("events %v -> %v, want exactly one more", before, after)
					}
					e := events[len(events)-1]
					if e.Action != wantAction || e.Data["old"] != string(from) || e.Data["new"] != string(to) || e.ActorID != b.repA.UserID {
						t.Fatalf("event = %+v, want %s %s -> %s by %d", e, wantAction, from, to, b.repA.UserID)
					}
					// One clock reading per action: the event shares the change's timestamp.
					if !e.CreatedAt.Equal(got.UpdatedAt) {
						t.Errorf("event at %v, ticket updated at %v: not one transaction's time", e.CreatedAt, got.UpdatedAt)
					}
					checkStamps(t, got)
					return
				}
				if err != nil {
					// A refused move changes nothing and records nothing.
					if now := b.get(t, tk.ID); now.Status != from || now.Version != tk.Version {
						t.Errorf("refused move changed the ticket: %s v%d -> %s v%d", from, tk.Version, now.Status, now.Version)
					}
					if !slices.Equal(after, before) {
						t.Errorf("refused move recorded events: %v -> %v", before, after)
					}
				}
			})
		}
	}
}

// checkStamps checks solved_at and closed_at against the status.
func checkStamps(t *testing.T, tk tickets.Ticket) {
	t.Helper()
	switch tk.Status {
	case tickets.StatusSolved:
		if tk.SolvedAt == nil || !tk.SolvedAt.Equal(tk.UpdatedAt) || tk.ClosedAt != nil {
			t.Errorf("solved ticket: solved_at %v closed_at %v updated_at %v", tk.SolvedAt, tk.ClosedAt, tk.UpdatedAt)
		}
	case tickets.StatusClosed:
		if tk.ClosedAt == nil || !tk.ClosedAt.Equal(tk.UpdatedAt) || tk.SolvedAt == nil {
			t.Errorf("closed ticket: solved_at %v closed_at %v updated_at %v", tk.SolvedAt, tk.ClosedAt, tk.UpdatedAt)
		}
	default:
		if tk.SolvedAt != nil || tk.ClosedAt != nil {
			t.Errorf("%s ticket: solved_at %v closed_at %v, want both nil", tk.Status, tk.SolvedAt, tk.ClosedAt)
		}
	}
}

func TestStatusHistory(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	ticketstest.Move(b.ctx, t, b.store, b.repA, tk.ID,
		tickets.StatusOpen, tickets.StatusSolved, tickets.StatusOpen, tickets.StatusSolved, tickets.StatusClosed)
	_, events := b.history(t, tk.ID)
	want := []string{
		"ticket.created",
		"ticket.status_changed new->open",
		"ticket.status_changed open->solved",
		"ticket.reopened solved->open",
		"ticket.status_changed open->solved",
		"ticket.status_changed solved->closed",
	}
	var got []string
	for _, e := range events {
		s := e.Action
		if e.Data["old"] != nil {
			s += fmt.Sprintf(" %v->%v", e.Data["old"], e.Data["new"])
		}
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Errorf("history:\n got %q\nwant %q", got, want)
	}
	if final := b.get(t, tk.ID); final.Version != tk.Version+5 {
		t.Errorf("version %d after 5 moves from %d", final.Version, tk.Version)
	}
}

func TestClosedTicketRefusesChanges(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	tk = ticketstest.Move(b.ctx, t, b.store, b.repA, tk.ID, tickets.StatusSolved, tickets.StatusClosed)
	changes := map[string]tickets.Changes{
		"priority": {Priority: ptr(tickets.PriorityUrgent)},
		"category": {Category: ptr("billing")},
		"tags":     {Tags: &[]string{"vip"}},
		"owner":    {OwnerID: ptr(b.repA2.UserID)},
		"team":     {TeamID: ptr(b.teamB)},
		"reopen":   {Status: ptr(tickets.StatusOpen)},
	}
	for name, c := range changes {
		c.Version = tk.Version
		_, err := b.store.Update(b.ctx, b.repA, tk.ID, c)
		if !apperr.Is(err, apperr.Conflict) || apperr.MsgIDOf(err) != "error_ticket_closed" {
			t.Errorf("%s on a closed ticket: err = %v, want conflict error_ticket_closed", name, err)
		}
	}
	for _, kind := range []tickets.MessageKind{tickets.MessagePublic, tickets.MessageInternal} {
		_, err := b.store.AddReply(b.ctx, b.repA, tk.ID, tickets.Reply{Kind: kind, Body: "hello?"})
		if !apperr.Is(err, apperr.Conflict) || apperr.MsgIDOf(err) != "error_ticket_closed" {
			t.Errorf("%s reply on a closed ticket: err = %v, want conflict error_ticket_closed", kind, err)
		}
	}
	if got := b.get(t, tk.ID); got.Version != tk.Version || got.Priority != tk.Priority || got.TeamID != tk.TeamID {
		t.Errorf("closed ticket changed: %+v", got)
	}
}

func TestUpdateFields(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	got, err := b.store.Update(b.ctx, b.sup, tk.ID, tickets.Changes{
		Version:  tk.Version,
		Priority: ptr(tickets.PriorityUrgent),
		Category: ptr("billing"),
		Tags:     &[]string{"vip", "refund"},
		OwnerID:  ptr(b.repA2.UserID),
		TeamID:   ptr(b.teamB),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Priority != tickets.PriorityUrgent || got.Category != "billing" || !slices.Equal(got.Tags, []string{"vip", "refund"}) ||
		got.OwnerID != b.repA2.UserID || got.TeamID != b.teamB || got.Version != tk.Version+1 {
		t.Fatalf("after update: %+v", got)
	}
	_, events := b.history(t, tk.ID)
	want := map[string][2]any{
		"ticket.priority_changed": {"normal", "urgent"},
		"ticket.category_changed": {"", "billing"},
		"ticket.owner_changed":    {float64(b.repA.UserID), float64(b.repA2.UserID)},
		"ticket.team_changed":     {float64(b.teamA), float64(b.teamB)},
	}
	seen := map[string]bool{}
	for _, e := range events[1:] {
		seen[e.Action] = true
		if w, ok := want[e.Action]; ok && (e.Data["old"] != w[0] || e.Data["new"] != w[1]) {
			t.Errorf("%s: old %v new %v, want %v %v", e.Action, e.Data["old"], e.Data["new"], w[0], w[1])
		}
	}
	for action := range want {
		if !seen[action] {
			t.Errorf("no %s event in %v", action, events)
		}
	}
	if !seen["ticket.tags_changed"] || len(events) != 6 {
		t.Errorf("events = %v, want created + 5 changes", events)
	}

	// Tags are stored lower-cased and once each; nil clears them.
	got, err = b.store.Update(b.ctx, b.repA2, tk.ID, tickets.Changes{Version: got.Version, Tags: &[]string{"VIP", " vip", "Äiti"}})
	if err != nil || !slices.Equal(got.Tags, []string{"vip", "äiti"}) {
		t.Fatalf("tags = %q, err %v", got.Tags, err)
	}
	got, err = b.store.Update(b.ctx, b.repA2, tk.ID, tickets.Changes{Version: got.Version, Tags: new([]string)})
	if err != nil || got.Tags == nil || len(got.Tags) != 0 {
		t.Fatalf("cleared tags = %#v, err %v", got.Tags, err)
	}
	tk.Version += 2

	// A ticket with a loop owner keeps one: unassigning is refused, and
	// nothing of the edit is saved. An unchanged value is no change at all.
	_, err = b.store.Update(b.ctx, b.sup, tk.ID, tickets.Changes{Version: got.Version, OwnerID: ptr(int64(0)), Priority: ptr(tickets.PriorityLow)})
	wantField(t, err, "owner_id", "error_owner_required")
	if after := b.get(t, tk.ID); after.OwnerID != b.repA2.UserID || after.Priority != tickets.PriorityUrgent || after.Version != got.Version {
		t.Errorf("after refused unassign: owner %d priority %v version %d", after.OwnerID, after.Priority, after.Version)
	}
	if same, err := b.store.Update(b.ctx, b.sup, tk.ID, tickets.Changes{Version: got.Version, Priority: ptr(tickets.PriorityUrgent)}); err != nil || same.Version != got.Version {
		t.Errorf("no-op update: version %d -> %d, err %v", got.Version, same.Version, err)
	}
}

func TestOptimisticLocking(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	first, second := b.repA, b.repA2
	seenByFirst, err := b.store.Get(b.ctx, first, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	seenBySecond, err := b.store.Get(b.ctx, second, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := b.store.Update(b.ctx, first, tk.ID, tickets.Changes{Version: seenByFirst.Version, Priority: ptr(tickets.PriorityHigh)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.store.Update(b.ctx, second, tk.ID, tickets.Changes{Version: seenBySecond.Version, Category: ptr("order"), Status: ptr(tickets.StatusSolved)})
	wantKind(t, err, apperr.Conflict, "error_ticket_conflict")
	now := b.get(t, tk.ID)
	if now.Version != saved.Version || now.Category != "" || now.Status != tickets.StatusNew || now.Priority != tickets.PriorityHigh {
		t.Errorf("stale update changed the ticket: %+v", now)
	}
	if actions, _ := b.history(t, tk.ID); !slices.Equal(actions, []string{"ticket.created", "ticket.priority_changed"}) {
		t.Errorf("history = %v", actions)
	}
}

func TestOptimisticLockingConcurrent(t *testing.T) {
	b := setup(t)
	tk := b.create(t, b.repA, tickets.NewTicket{})
	prios := []tickets.Priority{tickets.PriorityLow, tickets.PriorityUrgent}
	var mu sync.Mutex
	var won []tickets.Priority
	errs := ticketstest.Parallel(2, func(i int) error {
		_, err := b.store.Update(b.ctx, []tickets.Actor{b.repA, b.repA2}[i], tk.ID, tickets.Changes{Version: tk.Version, Priority: &prios[i]})
		if err == nil {
			mu.Lock()
			won = append(won, prios[i])
			mu.Unlock()
		}
		return err
	})
	if len(won) != 1 {
		t.Fatalf("%d updates won at version %d (errors %v), want exactly 1", len(won), tk.Version, errs)
	}
	for _, err := range errs {
		if err != nil && apperr.MsgIDOf(err) != "error_ticket_conflict" {
			t.Errorf("loser err = %v, want error_ticket_conflict", err)
		}
	}
	if now := b.get(t, tk.ID); now.Priority != won[0] || now.Version != tk.Version+1 {
		t.Errorf("ticket = priority %s version %d, want %s version %d", now.Priority, now.Version, won[0], tk.Version+1)
	}
}
