// Package ticketstest holds small factories for tests of the desk: teams, staff, customers
// and tickets inserted into a pgtest database, plus readers for what tests assert on.
package ticketstest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Epoch is when Clock starts: a fixed instant keeps failures reproducible.
var Epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// Clock returns a clock for tickets.NewStore that starts at Epoch and moves one second on
// each call, so every change gets its own, ordered timestamp. It is safe for concurrent use.
func Clock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return Epoch.Add(time.Duration(n.Add(1)) * time.Second) }
}

// BaseURL is the base of the status links a NewStore store mails.
const BaseURL = "https://desk.example"

// NewStore returns a tickets store on db with a Clock.
func NewStore(db *pgxpool.Pool) *tickets.Store {
	return tickets.NewStore(db, Clock(), BaseURL)
}

// seq makes names and emails unique within a test binary.
var seq atomic.Int64

// Team inserts a team and returns its id.
func Team(ctx context.Context, t testing.TB, db *pgxpool.Pool, name string) int64 {
	t.Helper()
	var id int64
	if err := db.QueryRow(ctx, `INSERT INTO teams (name) VALUES ($1) RETURNING id`, name).Scan(&id); err != nil {
		t.Fatalf("ticketstest: insert team %q: %v", name, err)
	}
	return id
}

// User inserts an active staff member of role ("rep", "senior", "supervisor" or "admin") in
// teamIDs and returns them as a tickets.Actor; supervisors and admins see every ticket.
func User(ctx context.Context, t testing.TB, db *pgxpool.Pool, role string, teamIDs ...int64) tickets.Actor {
	t.Helper()
	n := seq.Add(1)
	var id int64
	err := db.QueryRow(ctx, `
INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, 'not-a-real-hash')
RETURNING id`, fmt.Sprintf("%s%d@staff.example", role, n), fmt.Sprintf("Test %s %d", role, n), role).Scan(&id)
	if err != nil {
		t.Fatalf("ticketstest: insert %s: %v", role, err)
	}
	for _, team := range teamIDs {
		if _, err := db.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, team, id); err != nil {
			t.Fatalf("ticketstest: add user %d to team %d: %v", id, team, err)
		}
	}
	return tickets.Actor{UserID: id, TeamIDs: teamIDs, SeeAll: role == "supervisor" || role == "admin"}
}

// Customer inserts c (Name is required; Locale defaults to en) and returns it with its id.
func Customer(ctx context.Context, t testing.TB, db *pgxpool.Pool, c tickets.Customer) tickets.Customer {
	t.Helper()
	if c.Locale == "" {
		c.Locale = "en"
	}
	err := db.QueryRow(ctx, `
INSERT INTO customers (name, email, phone, locale) VALUES ($1, nullif($2, ''), nullif($3, ''), $4)
RETURNING id, created_at`, c.Name, c.Email, c.Phone, c.Locale).Scan(&c.ID, &c.CreatedAt)
	if err != nil {
		t.Fatalf("ticketstest: insert customer %q: %v", c.Name, err)
	}
	return c
}

// Create opens a ticket through the store as actor. Zero fields of n get working
// defaults: a subject, a body, the phone channel, normal priority and, unless n names a
// customer, a new customer without email.
func Create(ctx context.Context, t testing.TB, store *tickets.Store, actor tickets.Actor, n tickets.NewTicket) tickets.Ticket {
	t.Helper()
	if n.Subject == "" {
		n.Subject = "Test ticket"
	}
	if n.Body == "" {
		n.Body = "Something went wrong."
	}
	if n.Channel == "" {
		n.Channel = "phone"
	}
	if n.Priority == 0 {
		n.Priority = tickets.PriorityNormal
	}
	if n.CustomerID == 0 && n.CustomerName == "" {
		n.CustomerName = fmt.Sprintf("Customer %d", seq.Add(1))
	}
	tk, created, err := store.Create(ctx, actor, n)
	if err != nil {
		t.Fatalf("ticketstest: create ticket %q: %v", n.Subject, err)
	}
	if !created && n.IdempotencyKey == "" {
		t.Fatalf("ticketstest: create ticket %q: created = false without an idempotency key", n.Subject)
	}
	return tk
}

// Move walks ticket id through statuses as actor, each step an Update at the current
// version, and returns the ticket as it ends.
func Move(ctx context.Context, t testing.TB, store *tickets.Store, actor tickets.Actor, id int64, statuses ...tickets.Status) tickets.Ticket {
	t.Helper()
	tk, err := store.Get(ctx, actor, id)
	if err != nil {
		t.Fatalf("ticketstest: get ticket %d: %v", id, err)
	}
	for _, st := range statuses {
		if tk, err = store.Update(ctx, actor, id, tickets.Changes{Version: tk.Version, Status: &st}); err != nil {
			t.Fatalf("ticketstest: move ticket %d to %s: %v", id, st, err)
		}
	}
	return tk
}

// Mail is one row of the outbox.
type Mail struct {
	ID       int64
	TicketID int64
	To       string
	Kind     string
	Locale   string
	Data     map[string]any
}

// Mails returns the outbox, oldest first.
func Mails(ctx context.Context, t testing.TB, db *pgxpool.Pool) []Mail {
	t.Helper()
	rows, err := db.Query(ctx, `
SELECT id, coalesce(ticket_id, 0), to_address, kind, locale, data FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatalf("ticketstest: read outbox: %v", err)
	}
	mails, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Mail, error) {
		var m Mail
		return m, r.Scan(&m.ID, &m.TicketID, &m.To, &m.Kind, &m.Locale, &m.Data)
	})
	if err != nil {
		t.Fatalf("ticketstest: read outbox: %v", err)
	}
	return mails
}

// SentLinks returns m's data as the outbox sends it: its status-link
// placeholders replaced by a newly minted token (tickets.MintMailLinksTx).
// The token itself is never in the outbox table.
func SentLinks(ctx context.Context, t testing.TB, db *pgxpool.Pool, m Mail) map[string]any {
	t.Helper()
	return SentLinksAt(ctx, t, db, m, time.Now())
}

// SentLinksAt is SentLinks for a mail sent at now.
func SentLinksAt(ctx context.Context, t testing.TB, db *pgxpool.Pool, m Mail, now time.Time) map[string]any {
	t.Helper()
	raw, err := json.Marshal(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		raw, err = tickets.MintMailLinksTx(ctx, tx, m.TicketID, raw, now)
		return err
	})
	if err != nil {
		t.Fatalf("ticketstest: mint the links of mail %d: %v", m.ID, err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	return data
}

// Count returns the number of rows of table (a constant name chosen by the test).
func Count(ctx context.Context, t testing.TB, db *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		t.Fatalf("ticketstest: count %s: %v", table, err)
	}
	return n
}

// Parallel runs fn n times at once, released together, and returns their results in
// call order: for races such as a double submit.
func Parallel[T any](n int, fn func(i int) T) []T {
	out := make([]T, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}
