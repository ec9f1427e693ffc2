package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/secretbox"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const testSecret = "0123456789abcdef0123456789abcdef-webhooks-test"

// fakeResolver answers from a fixed table, like DNS would.
type fakeResolver struct {
	mu    sync.Mutex
	names map[string][]string
}

func (r *fakeResolver) set(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names[host] = addrs
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list, ok := r.names[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range list {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func newResolver() *fakeResolver {
	return &fakeResolver{names: map[string][]string{
		"public.test":    {"93.184.216.34"},
		"loopback.test":  {"127.0.0.1"},
		"private.test":   {"10.1.2.3"},
		"metadata.test":  {"169.254.169.254"},
		"v6loop.test":    {"::1"},
		"mixed.test":     {"93.184.216.34", "192.168.1.10"},
		"v6public.test":  {"2606:2800:220:1:248:1893:25c8:1946"},
		"v6private.test": {"fd00:ec2::254"},
	}}
}

// hostSet is an allow-list of private hosts without a database.
type hostSet map[string]bool

func (h hostSet) HostAllowed(_ context.Context, host string) (bool, error) { return h[host], nil }

func TestSSRFTable(t *testing.T) {
	t.Parallel()
	res := newResolver()
	res.set("receiver.internal", "10.1.2.3")
	res.set("loop.internal", "127.0.0.1", "::1")
	res.set("meta.internal", "169.254.169.254")
	res.set("meta6.internal", "fd00:ec2::254")
	res.set("mixed.internal", "10.1.2.4", "fe80::1")
	g := NewGuard(res)
	// Admins allowed these names (exact): their private and loopback
	// addresses are let through, link-local and metadata ones never.
	g.SetHosts(hostSet{"receiver.internal": true, "loop.internal": true, "meta.internal": true, "meta6.internal": true,
		"mixed.internal": true, "10.0.0.5": true})
	cases := []struct {
		url     string
		allowed bool
		msg     string
	}{
		{"https://public.test/hooks", true, ""},
		{"https://93.184.216.34:8443/hooks", true, ""},
		{"https://v6public.test/hooks", true, ""},
		{"http://127.0.0.1/hooks", false, "webhooks_error_url_blocked"},
		{"http://127.1.2.3:8080/", false, "webhooks_error_url_blocked"},
		{"http://10.0.0.5/", false, "webhooks_error_url_blocked"},
		{"http://10.255.255.255/", false, "webhooks_error_url_blocked"},
		{"http://172.16.0.1/", false, "webhooks_error_url_blocked"},
		{"http://192.168.0.1/", false, "webhooks_error_url_blocked"},
		{"http://169.254.169.254/latest/meta-data/", false, "webhooks_error_url_blocked"},
		{"http://100.100.100.200/", false, "webhooks_error_url_blocked"}, // CGNAT (a cloud metadata address)
		{"http://0.0.0.0/", false, "webhooks_error_url_blocked"},
		{"http://[::1]/", false, "webhooks_error_url_blocked"},
		{"http://[::]/", false, "webhooks_error_url_blocked"},
		{"http://[::ffff:127.0.0.1]/", false, "webhooks_error_url_blocked"},
		{"http://[::ffff:a9fe:a9fe]/", false, "webhooks_error_url_blocked"}, // 169.254.169.254 mapped
		{"http://[fe80::1]/", false, "webhooks_error_url_blocked"},
		{"http://[fd00:ec2::254]/", false, "webhooks_error_url_blocked"},
		{"http://[64:ff9b::a00:1]/", false, "webhooks_error_url_blocked"}, // NAT64 of 10.0.0.1
		{"http://[2002:7f00:1::]/", false, "webhooks_error_url_blocked"},  // 6to4 of 127.0.0.1
		{"http://loopback.test/", false, "webhooks_error_url_blocked"},
		{"http://private.test/", false, "webhooks_error_url_blocked"},
		{"http://metadata.test/computeMetadata/v1/", false, "webhooks_error_url_blocked"},
		{"http://v6loop.test/", false, "webhooks_error_url_blocked"},
		{"http://v6private.test/", false, "webhooks_error_url_blocked"},
		{"http://mixed.test/", false, "webhooks_error_url_blocked"}, // one bad address is enough
		{"http://nowhere.test/", false, "webhooks_error_url_resolve"},
		{"ftp://public.test/", false, "webhooks_error_url"},
		{"https://user:pass@public.test/", false, "webhooks_error_url"},
		{"https://public.test/#frag", false, "webhooks_error_url"},
		{"/relative", false, "webhooks_error_url"},
		{"", false, "error_required"},
		{"https://receiver.internal/hooks", true, ""},                        // allowed host, private address
		{"http://loop.internal/", true, ""},                                  // allowed host, loopback (v4 and v6)
		{"http://meta.internal/", false, "webhooks_error_url_blocked"},       // allowed host, but cloud metadata
		{"http://meta6.internal/", false, "webhooks_error_url_blocked"},      // nor the IPv6 metadata address
		{"http://mixed.internal/", false, "webhooks_error_url_blocked"},      // one link-local address is enough
		{"http://x.receiver.internal/", false, "webhooks_error_url_resolve"}, // exact names only (and it does not resolve)
		{"http://10.0.0.5/", false, "webhooks_error_url_blocked"},            // an IP literal is never a listed name
	}
	for _, c := range cases {
		_, err := g.CheckURL(t.Context(), c.url)
		if c.allowed {
			if err != nil {
				t.Errorf("%s: refused: %v", c.url, err)
			}
			continue
		}
		if got := apperr.FieldsOf(err)["url"]; got != c.msg {
			t.Errorf("%s: field error %q, want %q (err %v)", c.url, got, c.msg, err)
		}
	}
}

func TestDialRefusesBlockedAddresses(t *testing.T) {
	t.Parallel()
	res := newResolver()
	// A name that passed registration and now points at this host (DNS rebinding).
	res.set("rebind.test", "127.0.0.1")
	g := NewGuard(res)
	for _, addr := range []string{"rebind.test:80", "loopback.test:80", "metadata.test:80", "v6loop.test:80",
		"127.0.0.1:80", "[::1]:80", "10.0.0.1:443", "169.254.169.254:80"} {
		c, err := g.DialContext(t.Context(), "tcp", addr)
		if c != nil {
			c.Close()
		}
		if !errors.Is(err, ErrAddressBlocked) {
			t.Errorf("dial %s: %v, want ErrAddressBlocked", addr, err)
		}
	}
	// The socket's own check, whoever resolved the name.
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "169.254.169.254:80", "[fe80::1%eth0]:80", "not-an-address"} {
		if err := g.control("tcp", addr, nil); !errors.Is(err, ErrAddressBlocked) {
			t.Errorf("control %s: %v, want ErrAddressBlocked", addr, err)
		}
	}
	if err := g.control("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control of a public address: %v", err)
	}
	// The test-only allow-list is explicit and narrow.
	g.AllowForTests(netip.MustParsePrefix("127.0.0.1/32"))
	if err := g.control("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("allowed for tests: %v", err)
	}
	if err := g.control("tcp", "127.0.0.2:80", nil); !errors.Is(err, ErrAddressBlocked) {
		t.Errorf("127.0.0.2 is outside the allow-list: %v", err)
	}
}

// A listed host is dialled at its private address; an unlisted name that
// rebinds to the same address is still refused, at the dial and by the socket check.
func TestDialAllowedPrivateHost(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	res := newResolver()
	res.set("receiver.internal", "127.0.0.1")
	res.set("rebind.test", "127.0.0.1")
	g := NewGuard(res)
	g.SetHosts(hostSet{"receiver.internal": true})
	c, err := g.DialContext(t.Context(), "tcp", net.JoinHostPort("receiver.internal", port))
	if err != nil {
		t.Fatalf("dial an allowed host: %v", err)
	}
	c.Close()
	if _, err := g.DialContext(t.Context(), "tcp", net.JoinHostPort("rebind.test", port)); !errors.Is(err, ErrAddressBlocked) {
		t.Fatalf("dial an unlisted name at a private address: %v", err)
	}
	if err := g.control("tcp", net.JoinHostPort("127.0.0.1", port), nil); !errors.Is(err, ErrAddressBlocked) {
		t.Fatalf("the socket check outside an allowed host's dial: %v", err)
	}
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1767225600, 0)
	body := []byte(`{"id":1}`)
	h := Sign("whsec_abc", now, body)
	if !strings.HasPrefix(h, "t=1767225600,v1=") {
		t.Fatalf("header %q", h)
	}
	if err := Verify("whsec_abc", h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := Verify("whsec_abd", h, body, now, 5*time.Minute); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := Verify("whsec_abc", h, []byte(`{"id":2}`), now, 5*time.Minute); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("changed body: %v", err)
	}
	if err := Verify("whsec_abc", strings.Replace(h, "t=1767225600", "t=1767225601", 1), body, now, 5*time.Minute); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("changed timestamp: %v", err)
	}
	if err := Verify("whsec_abc", h, body, now.Add(10*time.Minute), 5*time.Minute); !errors.Is(err, ErrSignatureExpired) {
		t.Errorf("replayed later: %v", err)
	}
	if err := Verify("whsec_abc", "", body, now, 5*time.Minute); !errors.Is(err, ErrSignatureMissing) {
		t.Errorf("no header: %v", err)
	}
}

func TestEventTypes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		action string
		data   map[string]any
		want   string
	}{
		{"ticket.created", nil, TicketCreated},
		{"ticket.status_changed", map[string]any{"new": "solved"}, TicketSolved},
		{"ticket.status_changed", map[string]any{"new": "closed"}, TicketClosed},
		{"ticket.status_changed", map[string]any{"new": "pending"}, TicketUpdated},
		{"ticket.reopened", map[string]any{"new": "open"}, TicketUpdated},
		{"ticket.priority_changed", nil, TicketUpdated},
		{"ticket.replied", nil, MessageAdded},
		{"ticket.customer_replied", nil, MessageAdded},
		{"ticket.note_added", nil, MessageAdded},
		{"ticket.escalated", nil, TicketEscalated},
		{"ticket.escalation_returned", nil, TicketReturned},
		{"ticket.escalation_deescalated", nil, TicketReturned},
		{"ticket.follow_up_recorded", nil, FollowUpDone},
		{"ticket.csat_good", nil, CSATAnswered},
		{"ticket.csat_bad", nil, CSATAnswered},
		{"ticket.sla_breached", nil, ""},
	}
	for _, c := range cases {
		got, _ := typeOf(c.action, c.data)
		if got != c.want {
			t.Errorf("%s %v: %q, want %q", c.action, c.data, got, c.want)
		}
	}
}

// ---------------------------------------------------------------------------
// Deliveries through River

type bundle struct {
	db      *pgxpool.Pool
	svc     *Service
	tickets *tickets.Store
	rep     tickets.Actor
	admin   tickets.Actor
}

func setup(t *testing.T, cfg Config) bundle {
	t.Helper()
	db := pgtest.New(t)
	box, err := secretbox.New(testSecret, "webhooks")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Guard == nil {
		// The receiver is an httptest server on 127.0.0.1: let the guard reach it.
		cfg.Guard = NewGuard(newResolver()).AllowForTests(netip.MustParsePrefix("127.0.0.1/32"))
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 50*time.Millisecond, 200*time.Millisecond
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bundle{db: db, svc: New(db, box, log, time.Now, "https://desk.example", cfg),
		tickets: tickets.NewStore(db, time.Now, "https://desk.example")}
	team := ticketstest.Team(t.Context(), t, db, "Delivery")
	b.rep = ticketstest.User(t.Context(), t, db, "rep", team)
	b.admin = ticketstest.User(t.Context(), t, db, "admin")
	return b
}

// startRiver runs River with the webhook worker and the dispatcher.
func startRiver(t *testing.T, b bundle) { startRiverWorkers(t, b, 2) }

// startRiverWorkers is startRiver with n delivery workers.
func startRiverWorkers(t *testing.T, b bundle, n int) {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(b.db), &river.Config{
		Queues:            map[string]river.QueueConfig{Queue: {MaxWorkers: n}},
		Workers:           b.svc.Workers(),
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		TestOnly:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.svc.SetJobs(client)
	ctx, cancel := context.WithCancel(context.Background())
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); b.svc.RunDispatcher(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = client.Stop(sctx)
	})
}

// receiver is a test endpoint that verifies every signature.
type receiver struct {
	srv    *httptest.Server
	secret atomic.Value // string
	fail   atomic.Int32 // answer 500 to this many more requests (-1: always)
	mu     sync.Mutex
	got    []received
}

type received struct {
	at              time.Time
	event, delivery string
	body            []byte
	sigErr          error
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.secret.Store("")
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		secret, _ := r.secret.Load().(string)
		rec := received{at: time.Now(), event: req.Header.Get("Loopdesk-Event"), delivery: req.Header.Get("Loopdesk-Delivery"), body: body,
			sigErr: Verify(secret, req.Header.Get(SignatureHeader), body, time.Now(), 5*time.Minute)}
		r.mu.Lock()
		r.got = append(r.got, rec)
		r.mu.Unlock()
		if n := r.fail.Load(); n != 0 {
			if n > 0 {
				r.fail.Add(-1)
			}
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// waitFor polls cond until it holds, failing after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func deliveries(t *testing.T, b bundle, endpointID int64) []Delivery {
	t.Helper()
	list, _, err := b.svc.Deliveries(t.Context(), endpointID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestDeliverySignedRetriedOn500(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	rcv := newReceiver(t)
	ep, secret, err := b.svc.Create(t.Context(), b.admin.UserID, Draft{URL: rcv.srv.URL + "/hook", Events: []string{TicketCreated, MessageAdded}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "whsec_") || ep.SecretHint != secret[len(secret)-4:] {
		t.Fatalf("secret %q, hint %q", secret, ep.SecretHint)
	}
	var sealed []byte
	if err := b.db.QueryRow(t.Context(), `SELECT secret_sealed FROM webhook_endpoints WHERE id = $1`, ep.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), secret) || strings.Contains(string(sealed), secret[6:]) {
		t.Fatal("the secret is stored in plain text")
	}
	rcv.secret.Store(secret)
	rcv.fail.Store(2) // two 500s, then success
	startRiver(t, b)

	tk := ticketstest.Create(t.Context(), t, b.tickets, b.rep, tickets.NewTicket{Subject: "Parcel lost", Body: "Where is it?", CustomerName: "Aino Virtanen"})
	waitFor(t, "the ticket.created delivery", func() bool {
		list := deliveries(t, b, ep.ID)
		return len(list) == 1 && list[0].Status == StatusDelivered
	})
	d := deliveries(t, b, ep.ID)[0]
	if d.Attempts != 3 || d.ResponseCode != 204 || d.EventType != TicketCreated || d.TicketID != tk.ID {
		t.Fatalf("delivery: %+v", d)
	}
	_, attempts, err := b.svc.Delivery(t.Context(), ep.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, a := range attempts {
		codes = append(codes, a.ResponseCode)
	}
	if len(codes) != 3 || codes[0] != 500 || codes[1] != 500 || codes[2] != 204 {
		t.Fatalf("attempt log codes %v, want [500 500 204]", codes)
	}
	reqs := rcv.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.sigErr != nil {
			t.Fatalf("signature: %v", r.sigErr)
		}
		if string(r.body) != string(reqs[0].body) || r.event != TicketCreated {
			t.Fatalf("retries must send the same body and event: %+v", r)
		}
	}
	var p Payload
	if err := json.Unmarshal(reqs[0].body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != TicketCreated || p.ID == 0 || p.Data.Ticket == nil || p.Data.Ticket.ID != tk.ID ||
		p.Data.Ticket.Subject != "Parcel lost" || p.Data.Ticket.Customer.Name != "Aino Virtanen" ||
		p.Data.Ticket.URL != "https://desk.example/tickets/"+itoa(tk.ID) {
		t.Fatalf("payload: %s", reqs[0].body)
	}

	// A reply is a message.added with the message; the status change that
	// comes with it is not subscribed.
	replied := time.Now()
	if _, err := b.tickets.AddReply(t.Context(), b.rep, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "We are on it.", SetStatus: tickets.StatusSolved}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message.added delivery", func() bool {
		list := deliveries(t, b, ep.ID)
		return len(list) == 2 && list[0].Status == StatusDelivered
	})
	reqs = rcv.requests()
	last := reqs[len(reqs)-1]
	t.Logf("reply to signed delivery: %v (a figure, not an assertion)", last.at.Sub(replied))
	if err := json.Unmarshal(last.body, &p); err != nil {
		t.Fatal(err)
	}
	if last.sigErr != nil || p.Type != MessageAdded || p.Data.Message == nil || p.Data.Message.Body != "We are on it." ||
		p.Data.Message.Kind != "public" || p.Data.ActorID == nil || *p.Data.ActorID != b.rep.UserID {
		t.Fatalf("message payload: %s (%v)", last.body, last.sigErr)
	}

	// Redeliver: a new delivery with the very same body.
	newID, err := b.svc.Redeliver(t.Context(), b.admin.UserID, ep.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the redelivery", func() bool {
		got, _, err := b.svc.Delivery(t.Context(), ep.ID, newID)
		return err == nil && got.Status == StatusDelivered
	})
	reqs = rcv.requests()
	if last := reqs[len(reqs)-1]; string(last.body) != string(reqs[0].body) || last.sigErr != nil || last.delivery != itoa(newID) {
		t.Fatalf("redelivery: %+v", last)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestDisableAfterRepeatedFailures(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{DisableAfter: 3, MaxAttempts: 10})
	rcv := newReceiver(t)
	rcv.fail.Store(-1)
	ep, secret, err := b.svc.Create(t.Context(), b.admin.UserID, Draft{URL: rcv.srv.URL, Events: []string{TicketCreated}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.secret.Store(secret)
	// One worker: attempts come one at a time, so exactly DisableAfter of
	// them reach the receiver before the endpoint is disabled.
	startRiverWorkers(t, b, 1)
	ticketstest.Create(t.Context(), t, b.tickets, b.rep, tickets.NewTicket{Subject: "One"})
	ticketstest.Create(t.Context(), t, b.tickets, b.rep, tickets.NewTicket{Subject: "Two"})

	waitFor(t, "the endpoint to be disabled", func() bool {
		e, err := b.svc.Get(t.Context(), ep.ID)
		return err == nil && !e.Enabled
	})
	e, _ := b.svc.Get(t.Context(), ep.ID)
	if e.FailureStreak != 3 || e.DisabledReason != "failures" || e.DisabledAt == nil {
		t.Fatalf("endpoint: %+v", e)
	}
	waitFor(t, "every delivery to stop", func() bool {
		for _, d := range deliveries(t, b, ep.ID) {
			if d.Status != StatusFailed {
				return false
			}
		}
		return true
	})
	if n := len(rcv.requests()); n != 3 {
		t.Errorf("%d requests reached the receiver, want 3 (then disabled)", n)
	}
	var notices int
	if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'webhook_disabled'`, b.admin.UserID).Scan(&notices); err != nil {
		t.Fatal(err)
	}
	if notices != 1 {
		t.Errorf("%d notices to the admin, want 1", notices)
	}
	var events int
	if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE subject_type = 'webhook' AND subject_id = $1 AND action = 'webhook.disabled'`, ep.ID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 1 {
		t.Errorf("%d webhook.disabled events, want 1", events)
	}
	// A redelivery waits until an admin enables the endpoint again.
	d := deliveries(t, b, ep.ID)[0]
	if _, err := b.svc.Redeliver(t.Context(), b.admin.UserID, ep.ID, d.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("redeliver to a disabled endpoint: %v", err)
	}
	// While disabled, new ticket events are not queued at all.
	before := rcv.requests()
	ticketstest.Create(t.Context(), t, b.tickets, b.rep, tickets.NewTicket{Subject: "Three"})
	var queued int
	if err := b.db.QueryRow(t.Context(), `SELECT count(*) FROM webhook_queue`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 0 || len(rcv.requests()) != len(before) {
		t.Fatalf("queued %d events for a disabled endpoint", queued)
	}
	// Enabled again, the failure count starts afresh and a redelivery goes out.
	rcv.fail.Store(0)
	if err := b.svc.SetEnabled(t.Context(), b.admin.UserID, ep.ID, true); err != nil {
		t.Fatal(err)
	}
	newID, err := b.svc.Redeliver(t.Context(), b.admin.UserID, ep.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the redelivery", func() bool {
		got, _, err := b.svc.Delivery(t.Context(), ep.ID, newID)
		return err == nil && got.Status == StatusDelivered
	})
	if e, _ := b.svc.Get(t.Context(), ep.ID); !e.Enabled || e.FailureStreak != 0 {
		t.Fatalf("endpoint after success: %+v", e)
	}
}

func TestDeliveryRefusedWhenTheNameRebindsToLoopback(t *testing.T) {
	t.Parallel()
	res := newResolver()
	res.set("hooks.test", "93.184.216.34")
	b := setup(t, Config{Guard: NewGuard(res), MaxAttempts: 1})
	rcv := newReceiver(t)
	port := rcv.srv.URL[strings.LastIndex(rcv.srv.URL, ":"):]
	ep, secret, err := b.svc.Create(t.Context(), b.admin.UserID, Draft{URL: "http://hooks.test" + port + "/", Events: []string{TicketCreated}})
	if err != nil {
		t.Fatalf("a public name is accepted: %v", err)
	}
	rcv.secret.Store(secret)
	res.set("hooks.test", "127.0.0.1") // the name now points at this host
	startRiver(t, b)
	ticketstest.Create(t.Context(), t, b.tickets, b.rep, tickets.NewTicket{Subject: "Rebind"})
	waitFor(t, "the refused attempt", func() bool {
		list := deliveries(t, b, ep.ID)
		return len(list) == 1 && list[0].Status == StatusFailed
	})
	d := deliveries(t, b, ep.ID)[0]
	if !strings.Contains(d.LastError, "not allowed") || d.ResponseCode != 0 {
		t.Fatalf("delivery: %+v", d)
	}
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("%d requests reached the loopback receiver", n)
	}
	// And at registration, the same name is refused now.
	if _, _, err := b.svc.Create(t.Context(), b.admin.UserID, Draft{URL: "http://hooks.test/", Events: []string{TicketCreated}}); apperr.FieldsOf(err)["url"] != "webhooks_error_url_blocked" {
		t.Fatalf("registration of a loopback name: %v", err)
	}
}

func TestEndpointValidationAndPing(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{})
	_, _, err := b.svc.Create(t.Context(), b.admin.UserID, Draft{URL: "http://10.0.0.1/", Description: "bad\x00", Events: []string{"ticket.nope"}})
	f := apperr.FieldsOf(err)
	if f["url"] != "webhooks_error_url_blocked" || f["events"] != "error_invalid_choice" || f["description"] != "error_text_invalid" {
		t.Fatalf("fields %v", f)
	}
	_, _, err = b.svc.Create(t.Context(), b.admin.UserID, Draft{URL: "https://public.test/x"})
	if apperr.FieldsOf(err)["events"] != "webhooks_error_events" {
		t.Fatalf("no events: %v", err)
	}
	rcv := newReceiver(t)
	ep, secret, err := b.svc.Create(t.Context(), b.admin.UserID, Draft{URL: rcv.srv.URL, Events: []string{CSATAnswered, TicketCreated, TicketCreated}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ep.Events) != 2 || ep.Events[0] != TicketCreated {
		t.Fatalf("events deduplicated in form order: %v", ep.Events)
	}
	rcv.secret.Store(secret)
	startRiver(t, b)
	id, err := b.svc.Ping(t.Context(), b.admin.UserID, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ping", func() bool {
		d, _, err := b.svc.Delivery(t.Context(), ep.ID, id)
		return err == nil && d.Status == StatusDelivered
	})
	if r := rcv.requests(); len(r) != 1 || r[0].event != Ping || r[0].sigErr != nil {
		t.Fatalf("ping: %+v", r)
	}
	// A rotated secret signs from then on; the old one no longer verifies.
	newSecret, err := b.svc.RotateSecret(t.Context(), b.admin.UserID, ep.ID)
	if err != nil || newSecret == secret {
		t.Fatalf("rotate: %v", err)
	}
	rcv.secret.Store(newSecret)
	id, _ = b.svc.Ping(t.Context(), b.admin.UserID, ep.ID)
	waitFor(t, "the second ping", func() bool {
		d, _, err := b.svc.Delivery(t.Context(), ep.ID, id)
		return err == nil && d.Status == StatusDelivered
	})
	if r := rcv.requests(); len(r) != 2 || r[1].sigErr != nil {
		t.Fatalf("ping after rotation: %+v", r)
	}
	if err := b.svc.Delete(t.Context(), b.admin.UserID, ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Get(t.Context(), ep.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("deleted endpoint: %v", err)
	}
}

// TestAllowedHostsListAndDelivery: an admin allows a host name whose
// address is loopback (audited); an endpoint on it is accepted and its
// deliveries arrive; taken off the list, the next delivery is refused at
// the dial, and registering it again is refused.
func TestAllowedHostsListAndDelivery(t *testing.T) {
	t.Parallel()
	res := newResolver()
	res.set("receiver.internal", "127.0.0.1")
	b := setup(t, Config{Guard: NewGuard(res), MaxAttempts: 1})
	ctx := t.Context()
	rcv := newReceiver(t)
	port := rcv.srv.URL[strings.LastIndex(rcv.srv.URL, ":"):]
	url := "http://receiver.internal" + port + "/hook"

	if _, _, err := b.svc.Create(ctx, b.admin.UserID, Draft{URL: url, Events: []string{TicketCreated}}); apperr.FieldsOf(err)["url"] != "webhooks_error_url_blocked" {
		t.Fatalf("before the host is allowed: %v", err)
	}
	for host, msg := range map[string]string{"": "error_required", "10.0.0.1": "webhooks_error_host", "*.internal": "webhooks_error_host",
		"http://receiver.internal": "webhooks_error_host", strings.Repeat("a", 64) + ".test": "webhooks_error_host"} {
		if _, err := b.svc.AllowHost(ctx, b.admin.UserID, host); apperr.FieldsOf(err)["host"] != msg {
			t.Errorf("allow %q: %v, want %s", host, err, msg)
		}
	}
	h, err := b.svc.AllowHost(ctx, b.admin.UserID, " Receiver.Internal. ")
	if err != nil || h.Host != "receiver.internal" {
		t.Fatalf("allow: %+v %v", h, err)
	}
	if _, err := b.svc.AllowHost(ctx, b.admin.UserID, "receiver.internal"); apperr.FieldsOf(err)["host"] != "webhooks_error_host_taken" {
		t.Fatalf("allow twice: %v", err)
	}
	if list, err := b.svc.AllowedHosts(ctx); err != nil || len(list) != 1 || list[0].CreatedBy == "" {
		t.Fatalf("list: %+v %v", list, err)
	}
	ep, secret, err := b.svc.Create(ctx, b.admin.UserID, Draft{URL: url, Events: []string{TicketCreated}})
	if err != nil {
		t.Fatalf("an allowed host is accepted: %v", err)
	}
	rcv.secret.Store(secret)
	startRiver(t, b)
	ticketstest.Create(ctx, t, b.tickets, b.rep, tickets.NewTicket{Subject: "Internal receiver"})
	waitFor(t, "the delivery", func() bool {
		list := deliveries(t, b, ep.ID)
		return len(list) == 1 && list[0].Status == StatusDelivered
	})
	if got := rcv.requests(); len(got) != 1 || got[0].sigErr != nil {
		t.Fatalf("received: %+v", got)
	}

	if err := b.svc.DisallowHost(ctx, b.admin.UserID, "receiver.internal"); err != nil {
		t.Fatal(err)
	}
	if err := b.svc.DisallowHost(ctx, b.admin.UserID, "receiver.internal"); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("disallow twice: %v", err)
	}
	b.svc.client.CloseIdleConnections() // a pooled connection is not a new dial
	ticketstest.Create(ctx, t, b.tickets, b.rep, tickets.NewTicket{Subject: "After the host was taken off"})
	waitFor(t, "the refused delivery", func() bool {
		list := deliveries(t, b, ep.ID)
		return len(list) == 2 && list[0].Status == StatusFailed
	})
	if d := deliveries(t, b, ep.ID)[0]; !strings.Contains(d.LastError, "not allowed") {
		t.Fatalf("refused delivery: %+v", d)
	}
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("%d requests reached the receiver, want 1", n)
	}
	// Both changes are audited.
	rows, err := b.db.Query(ctx, `SELECT action FROM events WHERE subject_type = 'webhook_allowed_host' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	actions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(actions, ",") != "webhook.host_allowed,webhook.host_disallowed" {
		t.Fatalf("events: %v %v", actions, err)
	}
}
