package tickets_test

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// queueDesk fills b with eight tickets, t1..t8, in that order:
//
//	t1 repA  team A  phone  normal  order     new
//	t2 repA  team A  email  urgent  billing   pending  tag vip
//	t3 repA2 team A  chat   low               solved
//	t4 -     team A  web    high              new
//	t5 repB  team B  phone  high              new
//	t6 -     team B  phone  normal            open
//	t7 repA  team B  phone  normal            new
//	t8 repA  team A  phone  normal            closed   (t1's customer)
func queueDesk(t *testing.T, b *bundle) map[string]tickets.Ticket {
	t.Helper()
	desk := map[string]tickets.Ticket{}
	add := func(name string, actor tickets.Actor, n tickets.NewTicket, c tickets.Changes, path ...tickets.Status) {
		tk := b.create(t, actor, n)
		c.Version = tk.Version
		unowned := c.OwnerID != nil && *c.OwnerID == 0
		if unowned {
			c.OwnerID = nil // an owned ticket keeps an owner: unowned ones are made below
		}
		tk, err := b.store.Update(b.ctx, b.sup, tk.ID, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tk = ticketstest.Move(b.ctx, t, b.store, b.sup, tk.ID, path...)
		if unowned {
			// As a web-form ticket nobody has touched would be.
			if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET owner_id = NULL WHERE id = $1`, tk.ID); err != nil {
				t.Fatal(err)
			}
			tk = b.get(t, tk.ID)
		}
		desk[name] = tk
	}
	none := ptr(int64(0))
	add("t1", b.repA, tickets.NewTicket{Category: "order"}, tickets.Changes{})
	add("t2", b.repA, tickets.NewTicket{Channel: "email", Priority: tickets.PriorityUrgent, Category: "billing"},
		tickets.Changes{Tags: &[]string{"vip"}}, tickets.StatusPending)
	add("t3", b.repA2, tickets.NewTicket{Channel: "chat", Priority: tickets.PriorityLow}, tickets.Changes{}, tickets.StatusSolved)
	add("t4", b.repA, tickets.NewTicket{Channel: "web", Priority: tickets.PriorityHigh}, tickets.Changes{OwnerID: none})
	add("t5", b.repB, tickets.NewTicket{Priority: tickets.PriorityHigh}, tickets.Changes{})
	add("t6", b.repB, tickets.NewTicket{}, tickets.Changes{OwnerID: none}, tickets.StatusOpen)
	add("t7", b.repB, tickets.NewTicket{}, tickets.Changes{OwnerID: &b.repA.UserID})
	add("t8", b.repA, tickets.NewTicket{CustomerID: desk["t1"].Customer.ID}, tickets.Changes{}, tickets.StatusSolved, tickets.StatusClosed)
	return desk
}

// names maps tickets back to their names in desk, sorted.
func names(desk map[string]tickets.Ticket, list []tickets.Ticket) []string {
	var out []string
	for _, tk := range list {
		for name, d := range desk {
			if d.ID == tk.ID {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestQueueFilters(t *testing.T) {
	b := setup(t)
	desk := queueDesk(t, b)
	tests := []struct {
		name  string
		actor tickets.Actor
		f     tickets.Filter
		want  []string
	}{
		{"mine", b.repA, tickets.Filter{Scope: tickets.ScopeMine}, []string{"t1", "t2", "t7"}},
		{"mine any status", b.repA, tickets.Filter{Scope: tickets.ScopeMine, Status: "any"}, []string{"t1", "t2", "t7", "t8"}},
		{"mine other rep", b.repA2, tickets.Filter{Scope: tickets.ScopeMine, Status: "any"}, []string{"t3"}},
		{"team unassigned A", b.repA, tickets.Filter{Scope: tickets.ScopeTeamUnassigned}, []string{"t4"}},
		{"team unassigned B", b.repB, tickets.Filter{Scope: tickets.ScopeTeamUnassigned}, []string{"t6"}},
		{"team unassigned teamless", b.sup, tickets.Filter{Scope: tickets.ScopeTeamUnassigned}, nil},
		{"all rep", b.repA, tickets.Filter{Scope: tickets.ScopeAll}, []string{"t1", "t2", "t4", "t7"}},
		{"all rep default scope", b.repA, tickets.Filter{}, []string{"t1", "t2", "t4", "t7"}},
		{"all rep any status", b.repA, tickets.Filter{Status: "any"}, []string{"t1", "t2", "t3", "t4", "t7", "t8"}},
		{"all rep B", b.repB, tickets.Filter{Status: "any"}, []string{"t5", "t6", "t7"}},
		{"all supervisor", b.sup, tickets.Filter{}, []string{"t1", "t2", "t4", "t5", "t6", "t7"}},
		{"status new", b.sup, tickets.Filter{Status: "new"}, []string{"t1", "t4", "t5", "t7"}},
		{"status open", b.sup, tickets.Filter{Status: "open"}, []string{"t6"}},
		{"status pending", b.sup, tickets.Filter{Status: "pending"}, []string{"t2"}},
		{"status on hold", b.sup, tickets.Filter{Status: "on_hold"}, nil},
		{"status solved", b.sup, tickets.Filter{Status: "solved"}, []string{"t3"}},
		{"status closed", b.sup, tickets.Filter{Status: "closed"}, []string{"t8"}},
		{"priority urgent", b.sup, tickets.Filter{Status: "any", Priority: tickets.PriorityUrgent}, []string{"t2"}},
		{"priority high", b.sup, tickets.Filter{Status: "any", Priority: tickets.PriorityHigh}, []string{"t4", "t5"}},
		{"team B", b.sup, tickets.Filter{Status: "any", TeamID: b.teamB}, []string{"t5", "t6", "t7"}},
		{"team B as rep A", b.repA, tickets.Filter{Status: "any", TeamID: b.teamB}, []string{"t7"}},
		{"owner", b.sup, tickets.Filter{Status: "any", OwnerID: b.repA.UserID}, []string{"t1", "t2", "t7", "t8"}},
		{"channel", b.sup, tickets.Filter{Status: "any", Channel: "email"}, []string{"t2"}},
		{"tag", b.sup, tickets.Filter{Status: "any", Tag: "VIP"}, []string{"t2"}},
		{"category", b.sup, tickets.Filter{Status: "any", Category: "billing"}, []string{"t2"}},
		{"customer", b.sup, tickets.Filter{Status: "any", CustomerID: desk["t1"].Customer.ID}, []string{"t1", "t8"}},
		{"created range", b.sup, tickets.Filter{Status: "any", CreatedFrom: desk["t3"].CreatedAt, CreatedTo: desk["t5"].CreatedAt}, []string{"t3", "t4"}},
		{"created from", b.sup, tickets.Filter{Status: "any", CreatedFrom: desk["t7"].CreatedAt}, []string{"t7", "t8"}},
		{"combined", b.sup, tickets.Filter{Scope: tickets.ScopeAll, Status: "new", Priority: tickets.PriorityHigh, TeamID: b.teamA}, []string{"t4"}},
	}
	for _, tc := range tests {
		page, err := b.store.Queue(b.ctx, tc.actor, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := names(desk, page.Tickets); !slices.Equal(got, tc.want) || page.Next != "" {
			t.Errorf("%s: %v (next %q), want %v", tc.name, got, page.Next, tc.want)
		}
	}
}

func TestQueueCounts(t *testing.T) {
	b := setup(t)
	queueDesk(t, b)
	want := map[string]tickets.Counts{"repA": {Mine: 3, TeamUnassigned: 1}, "repA2": {Mine: 0, TeamUnassigned: 1}, "repB": {Mine: 1, TeamUnassigned: 1}, "sup": {}}
	for name, actor := range map[string]tickets.Actor{"repA": b.repA, "repA2": b.repA2, "repB": b.repB, "sup": b.sup} {
		got, err := b.store.QueueCounts(b.ctx, actor)
		if err != nil {
			t.Fatal(err)
		}
		mine, err1 := b.store.Queue(b.ctx, actor, tickets.Filter{Scope: tickets.ScopeMine})
		unassigned, err2 := b.store.Queue(b.ctx, actor, tickets.Filter{Scope: tickets.ScopeTeamUnassigned})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if got != want[name] || got.Mine != len(mine.Tickets) || got.TeamUnassigned != len(unassigned.Tickets) {
			t.Errorf("%s: counts %+v, want %+v; queues list %d mine, %d unassigned", name, got, want[name], len(mine.Tickets), len(unassigned.Tickets))
		}
	}
}

// orders are the queue sorts as comparisons: negative when a comes first.
var orders = map[string]func(a, b tickets.Ticket) int{
	"updated": func(a, b tickets.Ticket) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(b.ID, a.ID))
	},
	"created": func(a, b tickets.Ticket) int { return cmp.Compare(b.ID, a.ID) },
	"priority": func(a, b tickets.Ticket) int {
		return cmp.Or(cmp.Compare(b.Priority, a.Priority), b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(b.ID, a.ID))
	},
	"due": func(a, b tickets.Ticket) int {
		due := func(t tickets.Ticket) time.Time {
			if t.NextDue == nil {
				return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
			}
			return *t.NextDue
		}
		return cmp.Or(due(a).Compare(due(b)), cmp.Compare(a.ID, b.ID))
	},
}

func TestQueuePagination(t *testing.T) {
	b := setup(t)
	desk := queueDesk(t, b)
	for range 3 {
		b.create(t, b.repA2, tickets.NewTicket{Priority: tickets.PriorityHigh})
	}
	// Ties on the sort keys must neither repeat nor skip a ticket across pages.
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET updated_at = $1 WHERE id % 3 = 0`, desk["t1"].UpdatedAt); err != nil {
		t.Fatal(err)
	}
	// Due times with ties, and some tickets with no clock at all (sorted last).
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET next_due = $1::timestamptz + (id % 3) * interval '1 hour' WHERE id % 4 <> 0`, desk["t1"].UpdatedAt); err != nil {
		t.Fatal(err)
	}
	total := ticketstest.Count(b.ctx, t, b.db, "tickets")
	for _, sort := range tickets.Sorts {
		order, ok := orders[sort]
		if !ok {
			t.Errorf("sort %s has no expected order in this test", sort)
			continue
		}
		f := tickets.Filter{Status: "any", Sort: sort}
		whole, err := b.store.Queue(b.ctx, b.sup, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(whole.Tickets) != total || whole.Next != "" {
			t.Fatalf("sort %s: one page of %d tickets (next %q), want all %d", sort, len(whole.Tickets), whole.Next, total)
		}
		if !slices.IsSortedFunc(whole.Tickets, order) {
			t.Errorf("sort %s: out of order: %v", sort, ids(whole.Tickets))
		}
		f.Limit = 2
		walked := walkQueue(t, b, b.sup, f, total, "sort "+string(sort))
		if !slices.Equal(ids(walked), ids(whole.Tickets)) {
			t.Errorf("sort %s: pages %v, want %v", sort, ids(walked), ids(whole.Tickets))
		}
	}

	// Limit 0 means the default page size, and an oversize limit is capped, not trusted.
	if page, err := b.store.Queue(b.ctx, b.sup, tickets.Filter{Status: "any"}); err != nil || len(page.Tickets) != total {
		t.Errorf("default limit: %d tickets, %v", len(page.Tickets), err)
	}
	if page, err := b.store.Queue(b.ctx, b.sup, tickets.Filter{Status: "any", Limit: 10000}); err != nil || len(page.Tickets) != total || page.Next != "" {
		t.Errorf("oversize limit: %d tickets next %q, %v", len(page.Tickets), page.Next, err)
	}
}

func TestQueueInvalid(t *testing.T) {
	b := setup(t)
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		f            tickets.Filter
		field, msgID string
	}{
		{tickets.Filter{After: "!!not base64!!"}, "after", "error_cursor_invalid"},
		{tickets.Filter{After: b64([]byte("1|2"))}, "after", "error_cursor_invalid"},
		{tickets.Filter{After: b64([]byte("1|2|3|4|5"))}, "after", "error_cursor_invalid"},
		{tickets.Filter{After: b64([]byte("a|b|c"))}, "after", "error_cursor_invalid"},
		{tickets.Filter{After: b64([]byte("1|2|99999|0"))}, "after", "error_cursor_invalid"},
		{tickets.Filter{Sort: "subject"}, "sort", "error_invalid_choice"},
		{tickets.Filter{Scope: "everything"}, "scope", "error_invalid_choice"},
		{tickets.Filter{Status: "done"}, "status", "error_status_invalid"},
		{tickets.Filter{Status: "new'; DROP TABLE tickets; --"}, "status", "error_status_invalid"},
		{tickets.Filter{Priority: 9}, "priority", "error_priority_invalid"},
		{tickets.Filter{Channel: "fax"}, "channel", "error_channel_invalid"},
	}
	for _, tc := range tests {
		_, err := b.store.Queue(b.ctx, b.sup, tc.f)
		wantField(t, err, tc.field, tc.msgID)
	}
}

func ids(list []tickets.Ticket) []int64 {
	out := make([]int64, len(list))
	for i, tk := range list {
		out[i] = tk.ID
	}
	return out
}

// TestQueueUnassignedAcrossTeams: a member of two teams sees both teams'
// unassigned open tickets (each team is read on its own), in every sort,
// page after page, ties included, and nothing else.
func TestQueueUnassignedAcrossTeams(t *testing.T) {
	b := setup(t)
	queueDesk(t, b)
	for i := range 6 {
		team := []int64{b.teamA, b.teamB}[i%2]
		tk := b.create(t, b.sup, tickets.NewTicket{TeamID: team, Priority: tickets.Priority(1 + i%3)})
		if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET owner_id = NULL WHERE id = $1`, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Ties across the teams on every sort key.
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET updated_at = '2025-01-02 03:04:05+00', next_due = CASE WHEN id % 2 = 0 THEN '2025-02-01 00:00:00+00'::timestamptz END WHERE id % 3 <> 1`); err != nil {
		t.Fatal(err)
	}
	both := tickets.Actor{UserID: b.repA.UserID, TeamIDs: []int64{b.teamA, b.teamB}}
	all, err := b.store.Queue(b.ctx, b.sup, tickets.Filter{Status: "any", Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, sort := range tickets.Sorts {
		var want []tickets.Ticket
		for _, tk := range all.Tickets {
			if tk.OwnerID == 0 && tk.Status.IsOpen() && (tk.TeamID == b.teamA || tk.TeamID == b.teamB) {
				want = append(want, tk)
			}
		}
		slices.SortFunc(want, orders[sort])
		if len(want) < 7 {
			t.Fatalf("only %d unassigned tickets to page through", len(want))
		}
		f := tickets.Filter{Scope: tickets.ScopeTeamUnassigned, Sort: sort, Limit: 2}
		walked := walkQueue(t, b, both, f, len(want), "sort "+string(sort))
		if !slices.Equal(ids(walked), ids(want)) {
			t.Errorf("sort %s: pages %v, want %v", sort, ids(walked), ids(want))
		}
	}
}

// TestQueueAllOpenForRep: a rep's "all open" (read one way of seeing at a
// time: their teams, what they own) lists what they may see that is open,
// newest activity first, page after page, each ticket once even when they
// see it two ways, with and without a filter.
func TestQueueAllOpenForRep(t *testing.T) {
	b := setup(t)
	queueDesk(t, b)
	for i := range 5 {
		b.create(t, b.repA, tickets.NewTicket{Priority: tickets.Priority(1 + i%3)}) // theirs, in team A: seen twice
		b.create(t, b.repB, tickets.NewTicket{})                                    // team B's: not seen
	}
	if _, err := b.db.Exec(b.ctx, `UPDATE tickets SET updated_at = '2025-01-02 03:04:05+00' WHERE id % 3 = 0`); err != nil {
		t.Fatal(err)
	}
	all, err := b.store.Queue(b.ctx, b.sup, tickets.Filter{Status: "any", Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []tickets.Filter{{}, {Priority: tickets.PriorityNormal}, {Status: "new"}} {
		var want []tickets.Ticket
		for _, tk := range all.Tickets {
			if b.repA.CanSee(tk) && tk.Status.IsOpen() && (f.Priority == 0 || tk.Priority == f.Priority) && (f.Status == "" || string(tk.Status) == f.Status) {
				want = append(want, tk)
			}
		}
		slices.SortFunc(want, orders["updated"])
		if len(want) < 4 {
			t.Fatalf("%+v: only %d tickets to page through", f, len(want))
		}
		f.Scope, f.Limit = tickets.ScopeAll, 2
		walked := walkQueue(t, b, b.repA, f, len(want), fmt.Sprintf("%+v", f))
		if !slices.Equal(ids(walked), ids(want)) {
			t.Errorf("%+v: pages %v, want %v", f, ids(walked), ids(want))
		}
	}
}

// walkQueue reads f's queue as a page after page (f.Limit each) until it
// ends, and returns every ticket in order. It fails the test when a page
// holds more than f.Limit, when a page that is not the last holds fewer, or
// when the pages do not end within total+1 (total: the tickets expected).
func walkQueue(t *testing.T, b *bundle, a tickets.Actor, f tickets.Filter, total int, what string) []tickets.Ticket {
	t.Helper()
	var walked []tickets.Ticket
	for pages := 0; ; pages++ {
		if pages > total {
			t.Fatalf("%s: pagination does not end", what)
		}
		page, err := b.store.Queue(b.ctx, a, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Tickets) > f.Limit || (page.Next != "" && len(page.Tickets) != f.Limit) {
			t.Fatalf("%s: page of %d tickets, next %q", what, len(page.Tickets), page.Next)
		}
		walked = append(walked, page.Tickets...)
		if page.Next == "" {
			return walked
		}
		f.After = page.Next
	}
}
