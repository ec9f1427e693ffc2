package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/staff"

	"github.com/loopdesk/loopdesk/internal/demo"
)

// demoDesk is a server on the demo desk (`make run`'s data: 300 tickets,
// escalations, feedback, canned replies), for figures on pages of a realistic
// size.
func demoDesk(t *testing.T) *env {
	t.Helper()
	e := setup(t)
	loadDemo(t, e)
	return e
}

// loadDemo loads the demo desk into e's database.
func loadDemo(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	db := e.srv.db
	if err := demo.Load(ctx, db, e.staff, time.Now); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadEscalation(ctx, db, e.esc, e.staff); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadFeedback(ctx, db, e.esc, e.staff, "http://127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadCanned(ctx, db); err != nil {
		t.Fatal(err)
	}
}

// roundTripBudget is how many round trips a page may take.
func roundTripBudget(path string) int64 {
	switch path {
	case "/settings", "/tickets/new":
		return 3 // session, member, nav counts and bell
	}
	if strings.HasPrefix(path, "/queue/") {
		return 4 // session, user, one batch (rows, teams, owners, views, follow-ups due, nav counts, bell), SLA clocks of the rows
	}
	if strings.HasPrefix(path, "/tickets/") {
		return 4 // was 17: session, user, the ticket (who may see it), then one batch: thread, files, history, staff, teams, escalations, follow-up, following, customer's tickets, links, SLA clock, CSAT, canned replies, nav counts and bell
	}
	return 12
}

// busiestTicket is the Delivery team's ticket with the longest thread.
func (e *env) busiestTicket() string {
	e.t.Helper()
	var id string
	err := e.srv.db.QueryRow(context.Background(), `
SELECT t.id::text FROM tickets t JOIN teams tm ON tm.id = t.team_id
WHERE tm.name = 'Delivery'
ORDER BY (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) DESC, t.id LIMIT 1`).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// loginAs signs in a demo account.
func (e *env) loginAs(email string) *http.Client {
	e.t.Helper()
	c := e.client()
	if res := e.post(c, "/login", url.Values{"email": {email}, "password": {demo.Password}}); res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login as %s: status %d", email, res.StatusCode)
	}
	return c
}

// getEncoded fetches path asking for gzip, so Body is what crossed the wire.
func (e *env) getEncoded(c *http.Client, path, encoding string) *response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
	req.Header.Set("Accept-Encoding", encoding)
	return e.do(c, req)
}

// demoPages are the staff pages of the demo desk, by who sees them.
var demoPages = []struct{ who, path string }{
	{"anna@loopdesk.test", "/"},
	{"anna@loopdesk.test", "/queue/mine"},
	{"anna@loopdesk.test", "/queue/team"},
	{"anna@loopdesk.test", "/queue/all"},
	{"anna@loopdesk.test", "/search?q=order"},
	{"anna@loopdesk.test", "/tickets/{busiest}"},
	{"anna@loopdesk.test", "/tickets/new"},
	{"anna@loopdesk.test", "/escalations"},
	{"anna@loopdesk.test", "/notifications"},
	{"anna@loopdesk.test", "/canned"},
	{"anna@loopdesk.test", "/settings"},
	{"sam@loopdesk.test", "/queue/all"},
	{"sam@loopdesk.test", "/supervisor"},
	{"sam@loopdesk.test", "/supervisor/reps"},
	{"sam@loopdesk.test", "/supervisor/dashboard"},
	{"sam@loopdesk.test", "/supervisor/customers"},
	{"sam@loopdesk.test", "/supervisor/announcements"},
	{"admin@loopdesk.test", "/admin"},
	{"admin@loopdesk.test", "/admin/staff"},
	{"admin@loopdesk.test", "/admin/teams"},
	{"admin@loopdesk.test", "/admin/sla"},
	{"admin@loopdesk.test", "/admin/outbox"},
}

// TestPageWeight: every page of the demo desk is under 50 KB on the wire
// (compressed), the hashed assets are cached for a year and come
// precompressed, and /favicon.ico is there.
func TestPageWeight(t *testing.T) {
	t.Parallel()
	e := demoDesk(t)
	clients := map[string]*http.Client{}
	busiest := e.busiestTicket()
	for _, p := range demoPages {
		p.path = strings.Replace(p.path, "{busiest}", busiest, 1)
		c := clients[p.who]
		if c == nil {
			c = e.loginAs(p.who)
			clients[p.who] = c
		}
		plain := e.getEncoded(c, p.path, "identity")
		gz := e.getEncoded(c, p.path, "gzip")
		if plain.StatusCode != http.StatusOK || gz.StatusCode != http.StatusOK {
			t.Errorf("%s as %s: status %d/%d", p.path, p.who, plain.StatusCode, gz.StatusCode)
			continue
		}
		t.Logf("%-26s %-20s %7d B plain %6d B gzip", p.path, p.who, len(plain.Body), len(gz.Body))
		if gz.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not compressed (Content-Encoding %q)", p.path, gz.Header.Get("Content-Encoding"))
		}
		if len(gz.Body) >= 50_000 {
			t.Errorf("%s: %d bytes on the wire, want < 50 KB", p.path, len(gz.Body))
		}
	}

	// The page's own assets: immutable under their hash, precompressed.
	c := clients["anna@loopdesk.test"]
	for _, name := range []string{"css/app.css", "vendor/htmx.min.js"} {
		if _, ok := e.srv.assets.files[name]; !ok {
			t.Logf("%s: not embedded here (make assets)", name)
			continue
		}
		u := e.srv.assets.url(name)
		plain := e.getEncoded(c, u, "identity")
		gz := e.getEncoded(c, u, "gzip, deflate, br, zstd")
		t.Logf("%-26s %7d B plain %6d B gzip", name, len(plain.Body), len(gz.Body))
		if cc := gz.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q, want immutable", u, cc)
		}
		if gz.Header.Get("Content-Encoding") != "gzip" || len(gz.Body) >= len(plain.Body) {
			t.Errorf("%s: Content-Encoding %q, %d bytes of %d", u, gz.Header.Get("Content-Encoding"), len(gz.Body), len(plain.Body))
		}
		req, _ := http.NewRequest(http.MethodGet, e.http.URL+u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("If-None-Match", gz.Header.Get("ETag"))
		if res := e.do(c, req); res.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: status %d, want 304", u, res.StatusCode)
		}
	}
	icon := e.get(e.client(), "/favicon.ico")
	if icon.StatusCode != http.StatusOK || icon.Header.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(icon.Body, "\x00\x00\x01\x00") {
		t.Errorf("/favicon.ico: status %d, type %q", icon.StatusCode, icon.Header.Get("Content-Type"))
	}
}

// roundTrips counts the statements and batches a pool sends: each is one
// round trip to Postgres (a batch is sent and read as one).
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if !inBatch(ctx) && ofRequest(ctx) {
		c.n.Add(1)
		if os.Getenv("LOOPDESK_TRACE_SQL") != "" {
			fmt.Fprintf(os.Stderr, "RT %.160s\n", strings.Join(strings.Fields(d.SQL), " "))
		}
	}
	return ctx
}
func (c *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	if !ofRequest(ctx) {
		return ctx
	}
	c.n.Add(1)
	if os.Getenv("LOOPDESK_TRACE_SQL") != "" {
		fmt.Fprintf(os.Stderr, "RT batch of %d\n", d.Batch.Len())
	}
	return context.WithValue(ctx, batchKey{}, true)
}
func (c *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

type batchKey struct{}

func inBatch(ctx context.Context) bool { b, _ := ctx.Value(batchKey{}).(bool); return b }

// requestKey marks the contexts of HTTP requests: work a request starts in
// the background (the live desk's lookups after a change) is not its own.
type requestKey struct{}

func ofRequest(ctx context.Context) bool { b, _ := ctx.Value(requestKey{}).(bool); return b }

// countedDesk is demoDesk whose server runs on a pool that counts round trips.
func countedDesk(t *testing.T) (*env, *roundTrips) {
	t.Helper()
	rt := &roundTrips{}
	e := setupWith(t, func(d *Deps) {
		cfg := d.DB.Config()
		cfg.ConnConfig.Tracer = rt
		db, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		log := d.Log
		// An insert-only River client (no queues: it runs no job), so that
		// the jobs a change schedules count as they do in production.
		jobs, err := river.NewClient(riverpgxv5.New(db), &river.Config{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		ts, esc := escalation.Wire(db, time.Now, "http://127.0.0.1", jobs, log, escalation.Config{})
		d.DB, d.Staff, d.Tickets, d.Esc = db, staff.NewStore(db, time.Now), ts, esc
		d.CSAT, d.News, d.Reports = csat.NewStore(db, esc, time.Now, "http://127.0.0.1"), announce.NewStore(db, time.Now), reports.NewStore(db, time.Now, log)
	})
	loadDemo(t, e)
	h := e.http.Config.Handler // no request yet: set before the first
	e.http.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, true)))
	})
	return e, rt
}

// TestRoundTripsPerPage prints how many round trips to Postgres each demo
// page costs (the second request: statement preparation not counted) and
// holds the ticket page and the rest to their budgets.
func TestRoundTripsPerPage(t *testing.T) {
	t.Parallel()
	e, rt := countedDesk(t)
	clients := map[string]*http.Client{}
	busiest := e.busiestTicket()
	for _, p := range demoPages {
		p.path = strings.Replace(p.path, "{busiest}", busiest, 1)
		c := clients[p.who]
		if c == nil {
			c = e.loginAs(p.who)
			clients[p.who] = c
		}
		e.get(c, p.path) // warm: prepared statements, caches
		if os.Getenv("LOOPDESK_TRACE_SQL") != "" {
			fmt.Fprintf(os.Stderr, "PAGE %s\n", p.path)
		}
		before := rt.n.Load()
		res := e.get(c, p.path)
		n := rt.n.Load() - before
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", p.path, res.StatusCode)
		}
		t.Logf("%-26s %-20s %3d round trips", p.path, p.who, n)
		if budget := roundTripBudget(p.path); n > budget {
			t.Errorf("%s: %d round trips, budget %d", p.path, n, budget)
		}
	}

	// Creating a ticket (the intake form's post, a known customer and a new
	// one): the second of each, as above.
	anna := clients["anna@loopdesk.test"]
	for i, who := range []string{"known customer", "new customer"} {
		var n int64
		for k := range 2 {
			form := url.Values{"customer_name": {"Aino Virtanen"}, "customer_email": {fmt.Sprintf("aino.%d.%d@example.com", i, k)},
				"subject": {"Pesukone vuotaa"}, "body": {"Uusi pesukone vuotaa vettä lattialle, tilaus ORD123456"},
				"channel": {"phone"}, "priority": {"high"}, "category": {"delivery"}, "idempotency_key": {fmt.Sprintf("rt-%d-%d", i, k)}}
			if i == 0 {
				form.Set("customer_email", "aino@example.com") // made by the first post
			}
			if os.Getenv("LOOPDESK_TRACE_SQL") != "" {
				fmt.Fprintf(os.Stderr, "POST /tickets (%s)\n", who)
			}
			before := rt.n.Load()
			res := e.post(anna, "/tickets", form)
			n = rt.n.Load() - before
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create ticket (%s): status %d", who, res.StatusCode)
			}
		}
		t.Logf("%-26s %-20s %3d round trips", "POST /tickets", who, n)
		if budget := createRoundTripBudget[who]; n > budget {
			t.Errorf("POST /tickets (%s): %d round trips, budget %d", who, n, budget)
		}
	}
}

// createRoundTripBudget is how many round trips creating a ticket may take.
var createRoundTripBudget = map[string]int64{
	"known customer": 7, // was 10: session, user, begin, lookups (key, customer, SLA config version), the one insert that returns the ticket, SLA jobs, commit
	"new customer":   7, // was 12: the insert makes the customer too
}
