// Package live tells signed-in browsers what changed, as it happens: one
// Postgres LISTEN connection per instance, fanned out to every open stream
// whose user may see the change, and the ticket page's who-else-is-here.
package live

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Channel is the Postgres channel the live triggers notify on.
const Channel = "loopdesk_live"

// The kinds of change.
const (
	KindTicket   = "ticket"   // an event of a ticket was recorded
	KindBell     = "bell"     // a notification for one staff member
	KindPresence = "presence" // someone opened, left or is typing on a ticket
)

// Event is one change as the triggers announce it: ids only.
type Event struct {
	ID       int64  `json:"i"` // one order for every kind: the stream's event id
	Kind     string `json:"k"`
	TicketID int64  `json:"s"`
	UserID   int64  `json:"u"` // the actor, the bell's recipient or the visitor
	Action   string `json:"a"` // the ticket event's action, e.g. ticket.replied
}

// CountsChange reports whether e can change the queue counts in the nav
// (mine, team unassigned): new tickets, owners, statuses and teams.
func (e Event) CountsChange() bool {
	switch e.Action {
	case "ticket.created", "ticket.assigned", "ticket.taken", "ticket.owner_changed", "ticket.status_changed",
		"ticket.reopened", "ticket.team_changed", "ticket.merged_into":
		return true
	}
	return false
}

// Delivery is an event with what its ticket looked like to visibility rules
// before and after it, resolved once per instance.
type Delivery struct {
	Event
	// Now is the ticket's visibility after the change (ticket and presence
	// kinds; zero when it could not be read), Before its last one known to
	// this instance (nil when unknown).
	Now    *tickets.Ticket
	Before *tickets.Ticket
	// Reset asks the browser to reload what it shows: events were lost.
	Reset bool
}

// Visible reports whether a may learn of d: a ticket or presence change on
// a ticket they see (or saw, so that a ticket that leaves their queue
// disappears from it), a bell of their own. Reset is for everyone.
func (d Delivery) Visible(a tickets.Actor) bool {
	switch {
	case d.Reset:
		return true
	case d.Kind == KindBell:
		return d.UserID == a.UserID && a.UserID != 0
	case d.Now != nil && a.CanSee(*d.Now):
		return true
	case d.Kind == KindTicket && d.Before != nil:
		return a.CanSee(*d.Before)
	}
	return false
}

// Sub is one open stream.
type Sub struct {
	actor tickets.Actor
	c     chan Delivery
	lost  bool // deliveries were dropped: the stream sends a reset
}

// C delivers what the subscriber may see, in order.
func (s *Sub) C() <-chan Delivery { return s.c }

// Hub listens on Channel and fans out to subscribers.
type Hub struct {
	cfg    *pgx.ConnConfig
	lookup func(ctx context.Context, id int64) (tickets.Ticket, error)
	log    *slog.Logger

	mu      sync.Mutex
	subs    map[*Sub]struct{}
	ring    []Delivery // the latest deliveries, oldest first, for Last-Event-ID
	seen    map[int64]tickets.Ticket
	up      chan struct{} // closed while listening
	started bool
	// listened is set once the hub has listened: a later connection has
	// missed what was sent in between.
	listened bool
	// listening: the hub hears changes now. epoch counts its connections,
	// nonce tells this hub from other instances' (Position), trimmed says
	// the ring lost its oldest deliveries of this epoch.
	listening bool
	epoch     int
	nonce     string
	trimmed   bool
	cancel    context.CancelFunc
	done      chan struct{}
	closed    bool
	// watch hear every delivery before the streams do (NavCounts).
	watch []func(Delivery)
}

// ringSize is how many deliveries a reconnecting stream can catch up on;
// seenSize bounds the visibility remembered per ticket.
const ringSize, seenSize = 4096, 20000

// subBuffer is how far a stream may fall behind before it is reset.
const subBuffer = 256

// NewHub returns a hub listening with db's connection settings; it reads
// tickets' visibility through db. It starts on the first Subscribe.
func NewHub(db *pgxpool.Pool, log *slog.Logger) *Hub {
	return &Hub{
		cfg: db.Config().ConnConfig,
		lookup: func(ctx context.Context, id int64) (tickets.Ticket, error) {
			return tickets.VisibilityTx(ctx, db, id)
		},
		log:   log,
		nonce: strconv.FormatInt(rand.Int64N(1<<62), 36),
		subs:  map[*Sub]struct{}{},
		seen:  map[int64]tickets.Ticket{},
		up:    make(chan struct{}),
	}
}

// Start begins listening (once); Close stops it.
func (h *Hub) Start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started || h.closed {
		return
	}
	h.started = true
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		h.run(ctx)
	}()
}

// Ready is closed once the hub listens (tests wait on it before changing
// anything they expect to hear of).
func (h *Hub) Ready() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.up
}

// Close stops listening and ends every stream; it returns when the
// listener has stopped.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	for s := range h.subs {
		close(s.c)
		delete(h.subs, s)
	}
	cancel, done := h.cancel, h.done
	h.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Position is where the stream stands now, for a page to start its stream
// from: it names the last delivery heard, or (none yet) the start of this
// hub's listening, so that a stream opened with it as its last event id
// gets every change made after the page read what it shows. Take it before
// reading. "" when the hub does not listen yet (it starts listening here).
func (h *Hub) Position() string {
	h.Start()
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case !h.listening:
		return ""
	case len(h.ring) > 0:
		return strconv.FormatInt(h.ring[len(h.ring)-1].ID, 10)
	}
	return h.startToken()
}

// startToken names the start of this hub's current listening connection.
func (h *Hub) startToken() string { return "s" + h.nonce + "." + strconv.Itoa(h.epoch) }

// Subscribe opens a stream for a. after is the last event id the browser
// saw, or a Position ("" for a new stream): what it missed since is returned
// in backlog, or reset is true when that is no longer known here (too old,
// another instance's gap), and the browser should reload what it shows.
func (h *Hub) Subscribe(a tickets.Actor, after string) (s *Sub, backlog []Delivery, reset bool) {
	h.Start()
	h.mu.Lock()
	defer h.mu.Unlock()
	s = &Sub{actor: a, c: make(chan Delivery, subBuffer)}
	if h.closed {
		close(s.c)
		return s, nil, false
	}
	h.subs[s] = struct{}{}
	if after == "" {
		return s, nil, false
	}
	i := -1 // the start of this connection's deliveries
	if !strings.HasPrefix(after, "s") {
		id, err := strconv.ParseInt(after, 10, 64)
		if i = slices.IndexFunc(h.ring, func(d Delivery) bool { return d.ID == id }); err != nil || i < 0 {
			return s, nil, true
		}
	} else if after != h.startToken() || h.trimmed || !h.listening {
		return s, nil, true
	}
	for _, d := range h.ring[i+1:] {
		if d.Visible(a) {
			backlog = append(backlog, d)
		}
	}
	return s, backlog, false
}

// Unsubscribe ends s.
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.c)
	}
}

// Lost reports (and forgets) whether s had deliveries dropped because it
// fell behind.
func (h *Hub) Lost(s *Sub) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	lost := s.lost
	s.lost = false
	return lost
}

// Streams is how many streams are open on this instance.
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *Hub) run(ctx context.Context) {
	backoff := 500 * time.Millisecond
	for {
		err := h.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("live updates: listener lost; reconnecting", "err", err, "in", backoff)
		h.mu.Lock()
		h.up = make(chan struct{})
		h.listening = false
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// listen holds one connection on Channel until it fails or ctx ends.
func (h *Hub) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, h.cfg.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	h.mu.Lock()
	// Anything sent while nobody listened is lost: streams start over,
	// and no id from before can be resumed.
	reconnect := h.listened
	h.listened, h.listening = true, true
	h.epoch++
	h.ring, h.trimmed = h.ring[:0], false
	close(h.up)
	h.mu.Unlock()
	if reconnect {
		h.fanOut(Delivery{Reset: true})
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		var e Event
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil {
			h.log.Warn("live updates: bad payload", "err", err)
			continue
		}
		h.deliver(ctx, e)
	}
}

// deliver resolves e's ticket visibility, keeps it for resuming streams and
// sends it to the streams that may see it.
func (h *Hub) deliver(ctx context.Context, e Event) {
	d := Delivery{Event: e}
	if (e.Kind == KindTicket || e.Kind == KindPresence) && e.TicketID != 0 {
		t, err := h.lookup(ctx, e.TicketID)
		switch {
		case err == nil:
			v := visibility(t)
			d.Now = &v
		case ctx.Err() != nil:
			return
		default:
			// Unknown ticket or a failed read: nobody is told but those
			// who could see it before.
			h.log.Warn("live updates: read ticket", "ticket_id", e.TicketID, "err", err)
		}
	}
	h.mu.Lock()
	if e.Kind == KindTicket && e.TicketID != 0 {
		if old, ok := h.seen[e.TicketID]; ok {
			d.Before = &old
		}
		if d.Now != nil {
			if len(h.seen) >= seenSize {
				clear(h.seen)
			}
			h.seen[e.TicketID] = *d.Now
		}
	}
	if len(h.ring) == ringSize {
		h.ring = slices.Delete(h.ring, 0, ringSize/4)
		h.trimmed = true
	}
	h.ring = append(h.ring, d)
	watch := h.watch
	h.mu.Unlock()
	for _, w := range watch {
		// Before the streams: a browser told of the change reads past
		// what was kept.
		w(d)
	}
	h.fanOut(d)
}

// connection says which connection the hub listens on (epoch) and whether
// it listens now: what was heard holds only while both stay the same.
func (h *Hub) connection() (epoch int, listening bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.epoch, h.listening
}

func (h *Hub) fanOut(d Delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if !d.Visible(s.actor) {
			continue
		}
		select {
		case s.c <- d:
		default:
			s.lost = true
		}
	}
}

// visibility keeps only what Actor.CanSee reads.
func visibility(t tickets.Ticket) tickets.Ticket {
	return tickets.Ticket{ID: t.ID, TeamID: t.TeamID, OwnerID: t.OwnerID, HolderTeamID: t.HolderTeamID, HolderUserID: t.HolderUserID}
}
