package demo

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// counts are the sizes of the tables Load fills.
type counts struct {
	Users, Teams, Customers, Tickets, Messages, Events, Outbox, Queued int
}

func countAll(ctx context.Context, t *testing.T, db *pgxpool.Pool) counts {
	t.Helper()
	var c counts
	err := db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM teams), (SELECT count(*) FROM customers),
       (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages), (SELECT count(*) FROM events),
       (SELECT count(*) FROM outbox), (SELECT count(*) FROM outbox WHERE status = 'queued')`).
		Scan(&c.Users, &c.Teams, &c.Customers, &c.Tickets, &c.Messages, &c.Events, &c.Outbox, &c.Queued)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return c
}

// groups returns key -> count for a "SELECT key, count" query.
func groups(ctx context.Context, t *testing.T, db *pgxpool.Pool, sql string) map[string]int {
	t.Helper()
	rows, err := db.Query(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out := map[string]int{}
	var k string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil }); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func wantAll(t *testing.T, what string, got map[string]int, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if got[k] == 0 {
			t.Errorf("no demo tickets with %s %q (got %v)", what, k, got)
		}
	}
}

func TestLoadIsIdempotentAndRealistic(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	st := staff.NewStore(db, time.Now)
	now := time.Now().UTC().Truncate(time.Microsecond)

	start := time.Now()
	if err := Load(ctx, db, st, func() time.Time { return now }); err != nil {
		t.Fatalf("first load: %v", err)
	}
	took := time.Since(start)
	first := countAll(ctx, t, db)
	t.Logf("first load %v: %+v", took, first)

	start = time.Now()
	if err := Load(ctx, db, st, func() time.Time { return now.Add(time.Hour) }); err != nil {
		t.Fatalf("second load: %v", err)
	}
	t.Logf("second load %v", time.Since(start))
	if second := countAll(ctx, t, db); second != first {
		t.Fatalf("second load changed the counts:\n first %+v\nsecond %+v", first, second)
	}

	if first.Tickets != TicketCount {
		t.Errorf("tickets = %d, want %d", first.Tickets, TicketCount)
	}
	if first.Users != len(Staff) {
		t.Errorf("users = %d, want %d", first.Users, len(Staff))
	}
	if first.Queued != 0 {
		t.Errorf("%d demo mails left queued, want all marked sent", first.Queued)
	}
	for _, email := range []string{"anna@loopdesk.test", "minh@loopdesk.test", "priya@loopdesk.test", "sam@loopdesk.test", "admin@loopdesk.test"} {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = $1`, email).Scan(&n); err != nil || n != 1 {
			t.Errorf("demo account %s: %d rows, err %v", email, n, err)
		}
	}

	statuses := groups(ctx, t, db, `SELECT status, count(*) FROM tickets GROUP BY 1`)
	t.Logf("statuses %v", statuses)
	wantAll(t, "status", statuses, "new", "open", "pending", "on_hold", "solved", "closed")
	locales := groups(ctx, t, db, `SELECT c.locale, count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id GROUP BY 1`)
	t.Logf("ticket languages %v", locales)
	wantAll(t, "customer locale", locales, "en", "fi", "vi", "hi")
	for l, n := range locales {
		if n < TicketCount/8 {
			t.Errorf("only %d tickets in %s", n, l)
		}
	}
	wantAll(t, "customers of locale", groups(ctx, t, db, `SELECT locale, count(*) FROM customers GROUP BY 1`), "en", "fi", "vi", "hi")
	wantAll(t, "channel", groups(ctx, t, db, `SELECT channel, count(*) FROM tickets GROUP BY 1`), "phone", "walk_in", "chat", "web", "email")
	wantAll(t, "priority", groups(ctx, t, db, `SELECT priority::text, count(*) FROM tickets GROUP BY 1`), "1", "2", "3", "4")
	wantAll(t, "category", groups(ctx, t, db, `SELECT category, count(*) FROM tickets GROUP BY 1`),
		"order", "delivery", "billing", "product", "technical", "complaint", "other")
	wantAll(t, "team", groups(ctx, t, db, `SELECT tm.name, count(*) FROM tickets t JOIN teams tm ON tm.id = t.team_id GROUP BY 1`),
		"Delivery", "Billing", "Technical")
	wantAll(t, "event", groups(ctx, t, db, `SELECT action, count(*) FROM events WHERE subject_type = 'ticket' GROUP BY 1`),
		"ticket.created", "ticket.replied", "ticket.note_added", "ticket.status_changed", "ticket.customer_replied",
		"ticket.team_changed", "ticket.tags_changed", "ticket.priority_changed")

	// Every date lies in the Window before now, in the order of the story.
	var bad int
	err := db.QueryRow(ctx, `
SELECT count(*) FROM tickets
WHERE created_at < $1 OR created_at > $2 OR updated_at < created_at OR updated_at > $2
   OR first_response_at < created_at OR first_response_at > $2
   OR solved_at < created_at OR solved_at > $2 OR closed_at < solved_at OR closed_at > $2
   OR (status = 'new') <> (first_response_at IS NULL)
   OR (status IN ('solved', 'closed')) <> (solved_at IS NOT NULL)
   OR (status = 'closed') <> (closed_at IS NOT NULL)`, now.Add(-Window), now).Scan(&bad)
	if err != nil || bad != 0 {
		t.Errorf("%d tickets with dates outside the window or out of order (err %v)", bad, err)
	}
	err = db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id
        WHERE m.created_at < t.created_at OR m.created_at > $1)
     + (SELECT count(*) FROM events e WHERE e.subject_type = 'ticket' AND (e.created_at < $2 OR e.created_at > $1))`,
		now, now.Add(-Window)).Scan(&bad)
	if err != nil || bad != 0 {
		t.Errorf("%d messages or events outside the window (err %v)", bad, err)
	}
	var oldest, newest time.Time
	if err := db.QueryRow(ctx, `SELECT min(created_at), max(created_at) FROM tickets`).Scan(&oldest, &newest); err != nil {
		t.Fatal(err)
	}
	if now.Sub(oldest) < 45*24*time.Hour || now.Sub(newest) > 3*24*time.Hour {
		t.Errorf("tickets span %v .. %v before now, want most of the window up to recent", now.Sub(oldest), now.Sub(newest))
	}

	// Every ticket has a thread that starts with the customer, and its creation event.
	err = db.QueryRow(ctx, `
SELECT count(*) FROM tickets t
WHERE (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) NOT BETWEEN 1 AND 6
   OR NOT EXISTS (SELECT 1 FROM events e WHERE e.subject_type = 'ticket' AND e.subject_id = t.id AND e.action = 'ticket.created')
   OR (SELECT m.author_customer_id FROM messages m WHERE m.ticket_id = t.id ORDER BY m.id LIMIT 1) IS DISTINCT FROM t.customer_id`).Scan(&bad)
	if err != nil || bad != 0 {
		t.Errorf("%d tickets without a 1-6 message thread opened by the customer or a ticket.created event (err %v)", bad, err)
	}
	err = db.QueryRow(ctx, `
SELECT (SELECT count(*) FROM tickets WHERE subject ~ '[{}]')
     + (SELECT count(*) FROM messages WHERE body ~ '[{}]')`).Scan(&bad)
	if err != nil || bad != 0 {
		t.Errorf("%d subjects or messages with unfilled placeholders (err %v)", bad, err)
	}
	threads := groups(ctx, t, db, `
SELECT kind || CASE WHEN author_customer_id IS NULL THEN '/staff' ELSE '/customer' END, count(*) FROM messages GROUP BY 1`)
	t.Logf("messages %v", threads)
	wantAll(t, "message", threads, "public/customer", "public/staff", "internal/staff")

	for _, c := range []struct{ locale, like string }{
		{"vi", "%Nguyễn Văn An%"},
		{"fi", "%Tilaus myöhässä%"},
		{"hi", "%ऑर्डर%"},
	} {
		var n int
		err := db.QueryRow(ctx, `
SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id
WHERE c.locale = $1 AND t.subject LIKE $2`, c.locale, c.like).Scan(&n)
		if err != nil || n == 0 {
			t.Errorf("no %s ticket with subject like %q (err %v)", c.locale, c.like, err)
		}
	}
	var names []string
	rows, _ := db.Query(ctx, `SELECT name FROM customers WHERE name ~ '[äöÄÖ]' OR name ~ '[ễặđạươ]' OR name ~ '[अ-ह]' LIMIT 50`)
	names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(names, ", ")
	for _, want := range []string{"Äijälä", "Nguyễn Văn An", "अमित कुमार"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no customer named like %q among %s", want, joined)
		}
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := plan(), plan()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two plans differ: the demo must be the same on every run")
	}
	if len(a) != TicketCount {
		t.Fatalf("plan has %d tickets, want %d", len(a), TicketCount)
	}
	seen := map[string]bool{}
	for _, p := range a {
		if seen[p.ticket.IdempotencyKey] {
			t.Fatalf("duplicate key %s", p.ticket.IdempotencyKey)
		}
		seen[p.ticket.IdempotencyKey] = true
		if p.age <= 0 || p.age >= Window {
			t.Errorf("%s opens %v before now, outside the window", p.ticket.IdempotencyKey, p.age)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"product": "älykello", "anh": "chị"}
	for _, c := range []struct {
		in   string
		male bool
		want string
	}{
		{"{Product} ei käynnisty", false, "Älykello ei käynnisty"},
		{"Chào {anh}, {Anh} ơi", false, "Chào chị, Chị ơi"},
		{"मैं इंतज़ार कर {g:रहा|रही} हूँ", true, "मैं इंतज़ार कर रहा हूँ"},
		{"मैं इंतज़ार कर {g:रहा|रही} हूँ", false, "मैं इंतज़ार कर रही हूँ"},
		{"{unknown} stays", false, "{unknown} stays"},
	} {
		if got := render(c.in, vars, c.male); got != c.want {
			t.Errorf("render(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for in, want := range map[string]string{"Äijälä": "aijala", "Nguyễn": "nguyen", "Đặng": "dang", "Hương": "huong", "Söderholm": "soderholm"} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}
