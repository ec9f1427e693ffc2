// Package escalationtest holds helpers for tests of escalations, follow-ups and SLA clocks:
// a clock the test moves by hand, staff members as staff.User, tiers and team calendars.
package escalationtest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// Clock is a settable clock for tickets.NewStore and escalation.NewService: it stands still
// until the test moves it. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// Discard is a logger that drops everything, for services under test.
func Discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// User inserts an active staff member of role in teamIDs and returns them as the web layer
// would see them after sign-in.
func User(ctx context.Context, t testing.TB, db *pgxpool.Pool, role staff.Role, teamIDs ...int64) staff.User {
	t.Helper()
	a := ticketstest.User(ctx, t, db, string(role), teamIDs...)
	u := staff.User{ID: a.UserID, Role: role, Active: true, TeamIDs: a.TeamIDs, Locale: "en", TimeZone: "UTC"}
	if err := db.QueryRow(ctx, `SELECT email, name FROM users WHERE id = $1`, u.ID).Scan(&u.Email, &u.Name); err != nil {
		t.Fatalf("escalationtest: read user %d: %v", u.ID, err)
	}
	return u
}

// SetTier makes teamID a front-line (1) or seniors and specialists (2) team.
func SetTier(ctx context.Context, t testing.TB, db *pgxpool.Pool, teamID int64, tier int) {
	t.Helper()
	if _, err := db.Exec(ctx, `UPDATE teams SET tier = $2 WHERE id = $1`, teamID, tier); err != nil {
		t.Fatalf("escalationtest: set tier of team %d: %v", teamID, err)
	}
}

// Calendar inserts a calendar (hours per ISO weekday, 1 = Monday, as "HH:MM-HH:MM") and
// gives it to teamIDs; it returns the calendar's id.
func Calendar(ctx context.Context, t testing.TB, db *pgxpool.Pool, name, tz string, hours map[int][]string, holidays []string, teamIDs ...int64) int64 {
	t.Helper()
	raw, err := json.Marshal(hours)
	if err != nil {
		t.Fatalf("escalationtest: calendar hours: %v", err)
	}
	if holidays == nil {
		holidays = []string{}
	}
	var id int64
	if err := db.QueryRow(ctx, `INSERT INTO calendars (name, time_zone, hours, holidays) VALUES ($1, $2, $3, $4::date[]) RETURNING id`,
		name, tz, raw, holidays).Scan(&id); err != nil {
		t.Fatalf("escalationtest: insert calendar %q: %v", name, err)
	}
	for _, team := range teamIDs {
		if _, err := db.Exec(ctx, `UPDATE teams SET calendar_id = $2 WHERE id = $1`, team, id); err != nil {
			t.Fatalf("escalationtest: give calendar %d to team %d: %v", id, team, err)
		}
	}
	return id
}
