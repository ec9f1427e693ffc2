package live_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/live"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// wait is how long a test waits for a delivery before it fails: generous,
// a hang ends here, never a timing assertion.
const wait = 30 * time.Second

type desk struct {
	ctx          context.Context
	db           *pgxpool.Pool
	store        *tickets.Store
	teamA, teamB int64
	repA, repB   tickets.Actor
	sup          tickets.Actor
}

func setup(t *testing.T) *desk {
	t.Helper()
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	d := &desk{ctx: ctx, db: db, store: ticketstest.NewStore(db)}
	d.teamA = ticketstest.Team(ctx, t, db, "Front")
	d.teamB = ticketstest.Team(ctx, t, db, "Warehouse")
	d.repA = ticketstest.User(ctx, t, db, "rep", d.teamA)
	d.repB = ticketstest.User(ctx, t, db, "rep", d.teamB)
	d.sup = ticketstest.User(ctx, t, db, "supervisor")
	return d
}

func newHub(t *testing.T, db *pgxpool.Pool) *live.Hub {
	t.Helper()
	h := live.NewHub(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Start()
	t.Cleanup(h.Close)
	select {
	case <-h.Ready():
	case <-time.After(wait):
		t.Fatal("hub never listened")
	}
	return h
}

// next waits for s's next delivery matching keep.
func next(t *testing.T, s *live.Sub, keep func(live.Delivery) bool) live.Delivery {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case d, ok := <-s.C():
			if !ok {
				t.Fatal("stream closed")
			}
			if keep(d) {
				return d
			}
		case <-deadline:
			t.Fatal("no delivery")
		}
	}
}

func ticketEvent(id int64, action string) func(live.Delivery) bool {
	return func(d live.Delivery) bool { return d.Kind == live.KindTicket && d.TicketID == id && d.Action == action }
}

// none fails if s holds any delivery about ticket id once a later marker
// delivery (which s does see) has arrived: deliveries come in order.
func noneBefore(t *testing.T, s *live.Sub, id int64, marker func(live.Delivery) bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case d := <-s.C():
			if d.TicketID == id && d.Kind != live.KindBell {
				t.Fatalf("delivered %+v to a stream that may not see ticket %d", d.Event, id)
			}
			if marker(d) {
				return
			}
		case <-deadline:
			t.Fatal("no marker delivery")
		}
	}
}

// TestHubDeliversOnlyWhatEachMaySee: a ticket of team A reaches team A's rep
// and the supervisor, not team B's rep; when it moves to team B, team A's
// rep hears once more (it leaves their queue) and team B's rep from then on.
func TestHubDeliversOnlyWhatEachMaySee(t *testing.T) {
	d := setup(t)
	h := newHub(t, d.db)
	a, _, _ := h.Subscribe(d.repA, "")
	b, _, _ := h.Subscribe(d.repB, "")
	sup, _, _ := h.Subscribe(d.sup, "")

	tk := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{Subject: "Secret plans"})
	got := next(t, a, ticketEvent(tk.ID, "ticket.created"))
	if !got.CountsChange() || got.UserID != d.repA.UserID {
		t.Fatalf("created: %+v", got.Event)
	}
	next(t, sup, ticketEvent(tk.ID, "ticket.created"))
	// Team B's rep hears of their own ticket, not of team A's before it.
	other := ticketstest.Create(d.ctx, t, d.store, d.repB, tickets.NewTicket{})
	noneBefore(t, b, tk.ID, ticketEvent(other.ID, "ticket.created"))

	team := d.teamB
	if _, err := d.store.Update(d.ctx, d.sup, tk.ID, tickets.Changes{Version: tk.Version, TeamID: &team}); err != nil {
		t.Fatal(err)
	}
	next(t, a, ticketEvent(tk.ID, "ticket.team_changed"))
	next(t, b, ticketEvent(tk.ID, "ticket.team_changed"))
	// It is now team B's and team A's rep's own: a note goes to both.
	if _, err := d.store.AddReply(d.ctx, d.repB, tk.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Mine now"}); err != nil {
		t.Fatal(err)
	}
	next(t, b, ticketEvent(tk.ID, "ticket.note_added"))
}

// TestHubResumesFromLastEventID: a stream that reconnects with the id it saw
// last gets what it missed, in order and only what it may see; an id this
// instance does not know asks for a reset.
func TestHubResumesFromLastEventID(t *testing.T) {
	d := setup(t)
	h := newHub(t, d.db)
	a, _, _ := h.Subscribe(d.repA, "")
	first := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})
	seen := next(t, a, ticketEvent(first.ID, "ticket.created"))
	h.Unsubscribe(a)

	// A witness stream, open before the changes, knows when both have been
	// heard (subscribing after them would put them in its backlog instead).
	w, _, _ := h.Subscribe(d.sup, "")
	// While away: one ticket of their team, one of the other.
	mine := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})
	theirs := ticketstest.Create(d.ctx, t, d.store, d.repB, tickets.NewTicket{})
	next(t, w, ticketEvent(theirs.ID, "ticket.created"))

	_, backlog, reset := h.Subscribe(d.repA, strconv.FormatInt(seen.ID, 10))
	if reset {
		t.Fatal("reset, want a backlog")
	}
	var ids []int64
	for _, b := range backlog {
		ids = append(ids, b.TicketID)
		if b.ID <= seen.ID {
			t.Fatalf("backlog has event %d, not after %d", b.ID, seen.ID)
		}
	}
	if !slices.Contains(ids, mine.ID) || slices.Contains(ids, theirs.ID) {
		t.Fatalf("backlog tickets %v: want %d and not %d", ids, mine.ID, theirs.ID)
	}
	if _, backlog, reset := h.Subscribe(d.repA, "99999999"); !reset || len(backlog) != 0 {
		t.Fatalf("unknown id: reset %v, backlog %d; want a reset", reset, len(backlog))
	}
}

// TestHubBellAndPresence: a notification reaches its recipient only; a
// visitor arriving, typing, stopping and leaving is told to those who see
// the ticket, and a plain beat that changes nothing is not.
func TestHubBellAndPresence(t *testing.T) {
	d := setup(t)
	h := newHub(t, d.db)
	a, _, _ := h.Subscribe(d.repA, "")
	b, _, _ := h.Subscribe(d.repB, "")
	tk := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})

	if _, err := d.db.Exec(d.ctx, `INSERT INTO notifications (user_id, ticket_id, kind, created_at) VALUES ($1, $2, 'test', now())`, d.repB.UserID, tk.ID); err != nil {
		t.Fatal(err)
	}
	got := next(t, b, func(x live.Delivery) bool { return x.Kind == live.KindBell })
	if got.UserID != d.repB.UserID {
		t.Fatalf("bell %+v", got.Event)
	}

	clock := time.Now()
	p := live.NewPresence(d.db, func() time.Time { return clock })
	other := ticketstest.User(d.ctx, t, d.db, "rep", d.teamA)
	presence := func(x live.Delivery) bool { return x.Kind == live.KindPresence && x.TicketID == tk.ID }
	for _, step := range []struct {
		state  string
		typing bool
		told   bool
	}{
		{live.StateViewing, false, true}, // arrives
		{live.StateViewing, false, false},
		{live.StateTyping, true, true}, // starts typing
		{live.StateTyping, true, false},
		{live.StateViewing, false, true}, // stops
		{live.StateLeft, false, true},    // leaves
	} {
		clock = clock.Add(time.Second)
		if err := p.Beat(d.ctx, tk.ID, other.UserID, step.state); err != nil {
			t.Fatal(err)
		}
		if step.told {
			next(t, a, presence)
		}
		vs, err := p.Others(d.ctx, tk.ID, d.repA.UserID)
		if err != nil {
			t.Fatal(err)
		}
		here := step.state != live.StateLeft
		if len(vs) != btoi(here) || (here && vs[0].Typing != step.typing) {
			t.Fatalf("after %s: others %+v", step.state, vs)
		}
	}
	// Only the beats that changed something were told: the next delivery
	// after the leave is a marker, not a stale presence.
	if _, err := d.store.AddReply(d.ctx, d.repA, tk.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "marker"}); err != nil {
		t.Fatal(err)
	}
	if x := next(t, a, func(live.Delivery) bool { return true }); x.Kind != live.KindTicket {
		t.Fatalf("after the leave: %+v, want the marker ticket event", x.Event)
	}
	// Team B's rep never heard of the visitor.
	marker := ticketstest.Create(d.ctx, t, d.store, d.repB, tickets.NewTicket{})
	noneBefore(t, b, tk.ID, ticketEvent(marker.ID, "ticket.created"))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestHubTypingExpires: a typing beat counts for a few seconds only, and a
// page that stopped beating is gone after SeenFor.
func TestHubTypingExpires(t *testing.T) {
	d := setup(t)
	tk := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})
	clock := time.Now()
	p := live.NewPresence(d.db, func() time.Time { return clock })
	if err := p.Beat(d.ctx, tk.ID, d.repA.UserID, live.StateTyping); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(live.TypingFor + time.Second)
	vs, err := p.Others(d.ctx, tk.ID, d.sup.UserID)
	if err != nil || len(vs) != 1 || vs[0].Typing {
		t.Fatalf("after the typing window: %+v %v, want there, not typing", vs, err)
	}
	clock = clock.Add(live.SeenFor)
	if vs, err = p.Others(d.ctx, tk.ID, d.sup.UserID); err != nil || len(vs) != 0 {
		t.Fatalf("after the beat window: %+v %v, want nobody", vs, err)
	}
}

// TestNotifyPayloadsCarryIDsOnly: what goes over Postgres NOTIFY names
// tickets and people by id, never a subject, a body or a name.
func TestNotifyPayloadsCarryIDsOnly(t *testing.T) {
	d := setup(t)
	conn, err := pgx.ConnectConfig(d.ctx, d.db.Config().ConnConfig.Copy())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(d.ctx, "LISTEN "+live.Channel); err != nil {
		t.Fatal(err)
	}
	tk := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{Subject: "Very secret subject", Body: "Card 4111 1111"})
	if _, err := d.store.AddReply(d.ctx, d.repA, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Hello Mrs Secret"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(d.ctx, wait)
	defer cancel()
	for n := 0; n < 3; n++ {
		msg, err := conn.WaitForNotification(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(msg.Payload), &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if !slices.Contains([]string{"i", "k", "s", "u", "a"}, k) {
				t.Fatalf("payload %s has key %q", msg.Payload, k)
			}
			if s, ok := v.(string); ok && k != "k" && k != "a" {
				t.Fatalf("payload %s carries text %q", msg.Payload, s)
			}
		}
	}
}

// TestTwoInstancesHearTheSameChange: two hubs on one database (two
// instances) both deliver a change made through neither.
func TestTwoInstancesHearTheSameChange(t *testing.T) {
	d := setup(t)
	h1, h2 := newHub(t, d.db), newHub(t, d.db)
	s1, _, _ := h1.Subscribe(d.sup, "")
	s2, _, _ := h2.Subscribe(d.sup, "")
	tk := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})
	e1 := next(t, s1, ticketEvent(tk.ID, "ticket.created"))
	e2 := next(t, s2, ticketEvent(tk.ID, "ticket.created"))
	if e1.ID != e2.ID {
		t.Fatalf("event ids differ across instances: %d and %d", e1.ID, e2.ID)
	}
	// A stream that moves from one instance to the other resumes there.
	_, _, reset := h2.Subscribe(d.sup, strconv.FormatInt(e1.ID, 10))
	if reset {
		t.Fatal("the other instance did not know the event id")
	}
}

// TestHubListenerLostResets: when the listening connection dies, the hub
// listens again and tells every stream to reload what it shows (what was
// sent meanwhile is lost); a stream's first connection gets no reset.
func TestHubListenerLostResets(t *testing.T) {
	d := setup(t)
	h := newHub(t, d.db)
	s, _, _ := h.Subscribe(d.repA, "")
	tk := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})
	if first := next(t, s, func(live.Delivery) bool { return true }); first.Reset || first.TicketID != tk.ID {
		t.Fatalf("first delivery %+v, want the ticket and no reset", first)
	}
	if _, err := d.db.Exec(d.ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN `+live.Channel+`'`); err != nil {
		t.Fatal(err)
	}
	next(t, s, func(x live.Delivery) bool { return x.Reset })
	// Listening again: changes arrive as before.
	other := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})
	next(t, s, ticketEvent(other.ID, "ticket.created"))
}

// TestHubPositionReplaysFromThere: a position taken before anything was
// heard, and one taken after, both replay what came after them; another
// instance's start of listening is not this one's, and asks for a reset.
func TestHubPositionReplaysFromThere(t *testing.T) {
	d := setup(t)
	h := newHub(t, d.db)
	other := newHub(t, d.db)
	w, _, _ := h.Subscribe(d.sup, "")
	var first string
	for i := range 2 {
		pos := h.Position()
		if i == 0 {
			first = pos
		}
		if pos == "" {
			t.Fatal("a listening hub has no position")
		}
		tk := ticketstest.Create(d.ctx, t, d.store, d.repA, tickets.NewTicket{})
		next(t, w, ticketEvent(tk.ID, "ticket.created"))
		_, backlog, reset := h.Subscribe(d.repA, pos)
		if reset || !slices.ContainsFunc(backlog, ticketEvent(tk.ID, "ticket.created")) {
			t.Fatalf("from %s: reset %v, backlog %d; want the new ticket %d", pos, reset, len(backlog), tk.ID)
		}
	}
	if _, _, reset := other.Subscribe(d.repA, first); !reset {
		t.Fatalf("another instance's start position %s: no reset", first)
	}
}
