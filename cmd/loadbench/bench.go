package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// client talks to the server over loopback: no redirects followed (a 303 is
// the answer we time), keep-alive connections, no cookie jar (each worker
// carries its own session cookie).
type client struct {
	http *http.Client
	base string
	// acceptEncoding is sent with every page request (-accept-encoding):
	// "" asks for plain pages; a browser's value makes the server compress.
	acceptEncoding string
}

const sessionCookie = "loopdesk_session"

func newClient(base string, conns int) *client {
	tr := &http.Transport{
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{base: base, http: &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// login signs in over HTTP and returns the session cookie's value.
func (c *client) login(ctx context.Context, email string) (string, error) {
	form := url.Values{"email": {email}, "password": {benchPassword}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin") // the server rejects cross-site form posts
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("log in %s: %w", email, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("log in %s: status %d", email, resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("log in %s: no session cookie", email)
}

// worker is one closed-loop client: a signed-in rep with the ticket ids
// their teams may see.
type worker struct {
	n      int
	user   benchUser
	lang   int // phrase book of the rep's team
	cookie string
	rng    *rand.Rand
	ids    []int64
	custs  []sampleCustomer
	c      *client
	g      *generator
	td     ticketData // scratch for generated form text
	// cursors are the second queue pages' keyset cursors, by scenario.
	cursors map[string]string
	// navMark is the newest ticket event the member made (tickets.QueueStatements.NavCounts).
	navMark int64
}

type sampleCustomer struct{ name, email string }

func (w *worker) get(ctx context.Context, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: w.cookie})
	if w.c.acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", w.c.acceptEncoding)
	}
	return req, nil
}

func (w *worker) post(ctx context.Context, path string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: w.cookie})
	if w.c.acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", w.c.acceptEncoding)
	}
	return req, nil
}

func (w *worker) ticketID() int64 { return w.ids[w.rng.IntN(len(w.ids))] }

// newTicketForm is a rep's intake form with generated text and a fresh
// idempotency key; most customers exist already (found by email).
func (w *worker) newTicketForm() url.Values {
	b := w.g.books[w.lang]
	t := &w.td
	t.chunks, t.orderRef = t.chunks[:0], ""
	w.g.sentence(w.rng, t, b, b.subjT[w.rng.IntN(len(b.subjT))])
	subject := strings.Join(t.chunks, " ")
	t.chunks = t.chunks[:0]
	w.g.sentences(w.rng, t, b, b.custT, 2+w.rng.IntN(3))
	body := strings.Join(t.chunks, " ")
	var name, email string
	if len(w.custs) > 0 && w.rng.IntN(10) < 7 {
		c := w.custs[w.rng.IntN(len(w.custs))]
		name, email = c.name, c.email
	} else {
		name = b.firstName[w.rng.IntN(len(b.firstName))] + " " + b.lastName[w.rng.IntN(len(b.lastName))]
		email = "new-" + randomHex(8) + "@example." + b.emailTLD
	}
	return url.Values{
		"customer_name": {name}, "customer_email": {email}, "subject": {subject}, "body": {body},
		"channel":         {channels[pickWeighted(w.rng, channelWeights)]},
		"priority":        {tickets.Priorities[pickWeighted(w.rng, priorityWeights)].String()},
		"category":        {tickets.Categories[w.rng.IntN(len(tickets.Categories))]},
		"order_ref":       {"ORD" + strconv.Itoa(100000+w.rng.IntN(900000))},
		"idempotency_key": {randomHex(16)},
	}
}

// newTicket is the same intake for the store (the create floor).
func (w *worker) newTicket() tickets.NewTicket {
	f := w.newTicketForm()
	prio, _ := tickets.ParsePriority(f.Get("priority"))
	return tickets.NewTicket{CustomerName: f.Get("customer_name"), CustomerEmail: f.Get("customer_email"),
		Subject: f.Get("subject"), Body: f.Get("body"), Channel: tickets.Channel(f.Get("channel")), Priority: prio,
		Category: f.Get("category"), OrderRef: f.Get("order_ref"), IdempotencyKey: f.Get("idempotency_key")}
}

// crews are the bench's closed-loop clients: the mixed crew is spread over
// every front-line team; searches in a language are typed by the reps of
// that language's team (an English rep sees no Vietnamese tickets); the
// dashboard crew are supervisors (see dashboard.go).
type crews struct {
	mixed, en, vi, dash []*worker
	plan                dashPlan // the dashboard crew's sessions and ranges
}

func (c crews) of(name string) []*worker {
	switch name {
	case "en":
		return c.en
	case "vi":
		return c.vi
	case "dashboard":
		return c.dash
	}
	return c.mixed
}

// prepareCrews samples the tickets (by team) and customers the workers
// use, then logs the crews in: n workers a crew, dashClients supervisors.
func prepareCrews(ctx context.Context, pool *pgxpool.Pool, c *client, g *generator, desk benchDesk, n, dashClients int, maxTicket int64, seed uint64) (crews, error) {
	// Sample ids across the loaded tickets and bucket them by team.
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	probe := make([]int64, 0, 40000)
	for range cap(probe) {
		probe = append(probe, 1+r.Int64N(maxTicket))
	}
	rows, err := pool.Query(ctx, `SELECT id, team_id FROM tickets WHERE id = ANY($1) AND team_id IS NOT NULL`, probe)
	if err != nil {
		return crews{}, fmt.Errorf("sample tickets: %w", err)
	}
	byTeam := map[int64][]int64{}
	var id, team int64
	_, err = pgx.ForEachRow(rows, []any{&id, &team}, func() error {
		byTeam[team] = append(byTeam[team], id)
		return nil
	})
	if err != nil {
		return crews{}, fmt.Errorf("sample tickets: %w", err)
	}
	rows, err = pool.Query(ctx, `SELECT name, email::text FROM customers WHERE id = ANY($1) AND email IS NOT NULL`, probe[:5000])
	if err != nil {
		return crews{}, fmt.Errorf("sample customers: %w", err)
	}
	var custs []sampleCustomer
	var name, email string
	if _, err := pgx.ForEachRow(rows, []any{&name, &email}, func() error {
		custs = append(custs, sampleCustomer{name, email})
		return nil
	}); err != nil {
		return crews{}, fmt.Errorf("sample customers: %w", err)
	}

	login := func(users []benchUser, lang string) ([]*worker, error) {
		workers := make([]*worker, n)
		for i := range workers {
			u := users[i%len(users)]
			w := &worker{n: i, user: u, c: c, g: g, custs: custs, rng: rand.New(rand.NewPCG(seed, uint64(i)))}
			for _, t := range u.teamIDs {
				w.ids = append(w.ids, byTeam[t]...)
			}
			if len(w.ids) == 0 {
				return nil, fmt.Errorf("no sampled tickets for %s's teams", u.email)
			}
			for bi, b := range g.books {
				if b.lang == lang {
					w.lang = bi
				}
			}
			if w.cookie, err = c.login(ctx, u.email); err != nil {
				return nil, err
			}
			// The newest ticket event the member made: what their pages'
			// kept nav counts stand on (tickets.QueueStatements.NavCounts).
			if err := pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events WHERE actor_id = $1 AND subject_type = 'ticket'`,
				u.id).Scan(&w.navMark); err != nil {
				return nil, fmt.Errorf("nav mark of %s: %w", u.email, err)
			}
			workers[i] = w
		}
		return workers, nil
	}
	var out crews
	// The mixed crew: over teams first, then over each team's reps.
	var order []benchUser
	var langs []string
	for k := 0; len(order) < len(desk.reps); k++ {
		for _, t := range desk.teams {
			if t.tier == 1 && k < len(t.users) {
				order = append(order, t.users[k])
				langs = append(langs, t.lang)
			}
		}
	}
	if out.mixed, err = login(order, ""); err != nil {
		return out, err
	}
	for i, w := range out.mixed {
		for bi, b := range g.books {
			if b.lang == langs[i%len(langs)] {
				w.lang = bi
			}
		}
	}
	for _, t := range desk.teams {
		switch t.name {
		case "Support EN":
			out.en, err = login(t.users, "en")
		case "Support VI":
			out.vi, err = login(t.users, "vi")
		}
		if err != nil {
			return out, err
		}
	}
	// The dashboard's supervisors, every one signed in: a request picks
	// the session of the zone its filter needs.
	out.plan = dashPlan{today: time.Date(g.now.Year(), g.now.Month(), g.now.Day(), 0, 0, 0, 0, time.UTC),
		teamID: desk.teams[0].id, team: desk.teams[0].name}
	for k, u := range desk.supervisors {
		loc, err := time.LoadLocation(dashboardZones[k])
		if err != nil {
			return out, err
		}
		cookie, err := c.login(ctx, u.email)
		if err != nil {
			return out, err
		}
		out.plan.zones = append(out.plan.zones, loc)
		out.plan.cookies = append(out.plan.cookies, cookie)
	}
	for i := range dashClients {
		k := i % len(desk.supervisors)
		out.dash = append(out.dash, &worker{n: i, user: desk.supervisors[k], cookie: out.plan.cookies[k], c: c, g: g,
			rng: rand.New(rand.NewPCG(seed, uint64(1000+i)))})
	}
	return out, nil
}

// scenario is one page the bench drives, with the SQL it runs.
type scenario struct {
	name    string
	crew    string // whose workers: "" (mixed), "en" or "vi"
	expect  int    // the status that counts as success
	request func(ctx context.Context, w *worker) (*http.Request, error)
	check   func(body []byte) string // optional: a note from the first response
	floor   floorSpec
	// explain, when set, prints the plans with -explain instead of the
	// floor's hot statements.
	explain func(ctx context.Context, pool *pgxpool.Pool, out io.Writer, w *worker) error
}

// result is what one scenario measured.
type result struct {
	name       string
	requests   int
	errors     int
	firstErr   string
	note       string
	load       string     // the machine's load average when it ended
	cpu        cpuSample  // CPU used while it ran, by server, database and bench
	statements []stmtCost // where the database's time went (pg_stat_statements)
	elapsed    time.Duration
	lat        stats
	paced      stats // the same page at -fixed-rate
	floor      floorResult
}

type stats struct {
	n                  int
	p50, p95, p99, max time.Duration
}

func summarize(lat []time.Duration) stats {
	if len(lat) == 0 {
		return stats{}
	}
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1)+0.5)] }
	return stats{n: len(lat), p50: at(0.50), p95: at(0.95), p99: at(0.99), max: lat[len(lat)-1]}
}

// drive runs sc with every worker for d (after an unrecorded warm-up),
// stopping early at maxRequests; see loop for rate.
func drive(ctx context.Context, sc scenario, workers []*worker, d time.Duration, maxRequests int, rate float64, meter *cpuMeter, pgss *pgStatements) result {
	warm := min(d/5, time.Second)
	loop(ctx, nil, sc, workers, warm, max(maxRequests/10, 1), rate, nil)
	res := result{name: sc.name}
	lat := make([][]time.Duration, len(workers))
	pgss.reset(ctx)
	before := meter.sample()
	res.elapsed, res.errors, res.firstErr, res.note = loop(ctx, nil, sc, workers, d, maxRequests, rate, lat)
	res.cpu = meter.sample().sub(before)
	res.statements = pgss.top(ctx, 8)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	res.requests = len(all) + res.errors
	res.lat = summarize(all)
	return res
}

// loop runs the workers for d. With rate 0 each worker sends its next
// request as soon as the last one is answered (closed loop: the server runs
// flat out). With a rate, requests are due at fixed intervals and each
// latency counts from when its request was due, so time spent waiting for a
// free worker is included (no coordinated omission).
//
// A closed stop ends the loop early; requests under way still finish. When
// time runs out, paced requests still waiting for a worker are dropped and
// counted in the note.
func loop(ctx context.Context, stop <-chan struct{}, sc scenario, workers []*worker, d time.Duration, maxRequests int, rate float64, lat [][]time.Duration) (time.Duration, int, string, string) {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return ctx.Err() != nil
		}
	}
	var dropped atomic.Int64
	var sent atomic.Int64
	var errs atomic.Int64
	var mu sync.Mutex
	var firstErr, note string
	var checked atomic.Bool
	start := time.Now()
	deadline := start.Add(d)
	var due chan time.Time
	if rate > 0 {
		n := min(int(rate*d.Seconds())+1, maxRequests)
		due = make(chan time.Time, n)
		go func() {
			defer close(due)
			interval := time.Duration(float64(time.Second) / rate)
			for k := range n {
				at := start.Add(time.Duration(k) * interval)
				if !at.Before(deadline) {
					return
				}
				select {
				case <-time.After(time.Until(at)):
					due <- at
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	next := func() (time.Time, bool) {
		if due != nil {
			at, ok := <-due
			if ok && time.Now().After(deadline.Add(time.Second)) {
				n := int64(1)
				for range due { // the time is up: drop what still waits
					n++
				}
				dropped.Add(n)
				return at, false
			}
			return at, ok && !stopped()
		}
		ok := time.Now().Before(deadline) && !stopped() && sent.Add(1) <= int64(maxRequests)
		return time.Now(), ok
	}
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			for {
				t, ok := next()
				if !ok {
					return
				}
				req, err := sc.request(ctx, w)
				var status int
				var body []byte
				if err == nil {
					var resp *http.Response
					if resp, err = w.c.http.Do(req); err == nil {
						if sc.check != nil && !checked.Load() {
							body, err = readDecoded(resp)
						} else {
							_, err = io.Copy(io.Discard, resp.Body)
						}
						resp.Body.Close()
						status = resp.StatusCode
					}
				}
				took := time.Since(t)
				if err == nil && status != sc.expect {
					err = fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.RequestURI(), status, sc.expect)
				}
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
						return
					}
					errs.Add(1)
					mu.Lock()
					if firstErr == "" {
						firstErr = err.Error()
					}
					mu.Unlock()
					continue
				}
				if body != nil && checked.CompareAndSwap(false, true) {
					n := sc.check(body)
					mu.Lock()
					note = n
					mu.Unlock()
				}
				if lat != nil {
					lat[i] = append(lat[i], took)
				}
			}
		})
	}
	wg.Wait()
	if n := dropped.Load(); n > 0 {
		note = strings.TrimPrefix(note+fmt.Sprintf("; %d paced requests still waiting for a worker when the time was up (not sent, not in the figures)", n), "; ")
	}
	return time.Since(start), int(errs.Load()), firstErr, note
}

// queueRows counts the ticket rows of a queue page.
func queueRows(body []byte) string {
	return fmt.Sprintf("%d rows on the first page", strings.Count(string(body), `<td class="num"><a href="/tickets/`))
}

// scenarios are the pages the issues ask about, each with the SQL it runs;
// the dashboard views come before ticket create, whose new tickets the facts
// job would refresh while they ran.
func scenarios(st *floorStores, plan dashPlan) []scenario {
	frame := frameStatements()
	list := []scenario{
		{
			name: "queue page", expect: http.StatusOK, check: queueRows,
			request: func(ctx context.Context, w *worker) (*http.Request, error) {
				return w.get(ctx, "/queue/all?team="+strconv.FormatInt(w.user.teamID, 10)+"&status=open")
			},
			floor: floorSpec{stmts: append([]floorStmt{{
				name: "queue (team, open, 50 rows)", sql: sqlQueueTeamOpen, hot: true,
				args: func(w *worker, _ *iterState) []any { return []any{w.user.teamID, w.user.teamIDs, w.user.id} },
			}, {
				name: "teams", sql: sqlTeams, args: func(*worker, *iterState) []any { return nil },
			}, {
				name: "saved views", sql: sqlViews, args: func(w *worker, _ *iterState) []any { return []any{w.user.id} },
			}}, frame...)},
		},
		queueScenario(st, "my queue", "/queue/mine", tickets.Filter{Scope: tickets.ScopeMine}, false, frame),
		queueScenario(st, "unassigned", "/queue/team", tickets.Filter{Scope: tickets.ScopeTeamUnassigned}, false, frame),
		queueScenario(st, "all open", "/queue/all", tickets.Filter{Scope: tickets.ScopeAll}, false, frame),
		queueScenario(st, "all open, high priority, page 2", "/queue/all?priority=high",
			tickets.Filter{Scope: tickets.ScopeAll, Priority: tickets.PriorityHigh}, true, frame),
		queueScenario(st, "my queue, pending, page 2", "/queue/mine?status=pending",
			tickets.Filter{Scope: tickets.ScopeMine, Status: string(tickets.StatusPending)}, true, frame),
		{
			name: "ticket page", expect: http.StatusOK,
			request: func(ctx context.Context, w *worker) (*http.Request, error) {
				return w.get(ctx, "/tickets/"+strconv.FormatInt(w.ticketID(), 10))
			},
			floor: floorSpec{
				prepare: func(w *worker, s *iterState) { s.id = w.ticketID() },
				stmts: append([]floorStmt{{
					name: "ticket by id", sql: sqlSelectTicket + ` WHERE t.id = $1`, hot: true,
					args:    func(_ *worker, s *iterState) []any { return []any{s.id} },
					collect: func(v []any, s *iterState) { s.customerID, _ = v[6].(int64) },
				}, {
					name: "messages", sql: sqlSelectMessages, hot: true,
					args: func(_ *worker, s *iterState) []any { return []any{s.id, true} },
				}, {
					name: "events", sql: sqlSelectEvents,
					args: func(_ *worker, s *iterState) []any { return []any{s.id} },
				}, {
					name: "customer's other tickets", sql: sqlCustomerTickets,
					args: func(_ *worker, s *iterState) []any { return []any{s.customerID, s.id, 40} },
				}}, frame...),
			},
		},
		searchScenario("search word", "en", searchWord, frame),
		searchScenario("search vi, no diacritics", "vi", searchVietnamese, frame),
		typoScenario("search typo, corrected", "en", searchTypo, searchTypoFixed, frame),
		// Common in the Vietnamese team's tickets, absent from the English
		// team's: the search must not walk every match to find none visible.
		searchScenario("search word of other teams only", "en", searchVietnamese, frame),
		{
			name: "search ticket number", expect: http.StatusSeeOther,
			request: func(ctx context.Context, w *worker) (*http.Request, error) {
				return w.get(ctx, "/search?q="+url.QueryEscape("#"+strconv.FormatInt(w.ticketID(), 10)))
			},
			floor: floorSpec{
				prepare: func(w *worker, s *iterState) { s.id = w.ticketID() },
				stmts: append([]floorStmt{{
					name: "ticket by id", sql: sqlSelectTicket + ` WHERE t.id = $1`,
					args: func(_ *worker, s *iterState) []any { return []any{s.id} },
				}}, frame[:2]...),
			},
		},
	}
	list = append(list, dashboardScenarios(plan, st.reports, frame)...)
	return append(list, scenario{
		name: "ticket create", expect: http.StatusSeeOther,
		request: func(ctx context.Context, w *worker) (*http.Request, error) {
			return w.post(ctx, "/tickets", w.newTicketForm())
		},
		floor: floorSpec{custom: &floorStmt{name: "tickets.Store.Create (one transaction)",
			run: func(ctx context.Context, w *worker) error {
				_, _, err := st.tickets.Create(ctx, w.user.actor(), w.newTicket())
				return err
			}}},
	})
}

// queueScenario is a queue page (path, f: the same filter in the store's
// terms); with second, the page after the first, by its keyset cursor (each
// worker reads its own once, during the warm-up). Its floor is the store's
// Queue call alone, with the nav counts and the rest of the frame.
func queueScenario(st *floorStores, name, path string, f tickets.Filter, second bool, frame []floorStmt) scenario {
	cursor := func(ctx context.Context, w *worker) (string, error) {
		if !second {
			return "", nil
		}
		if c, ok := w.cursors[name]; ok {
			return c, nil
		}
		p, err := st.tickets.Queue(ctx, w.user.actor(), f)
		if err != nil {
			return "", err
		}
		if w.cursors == nil {
			w.cursors = map[string]string{}
		}
		w.cursors[name] = p.Next // "": one page only, the first is asked again
		return p.Next, nil
	}
	return scenario{
		name: name, expect: http.StatusOK, check: queueRows,
		request: func(ctx context.Context, w *worker) (*http.Request, error) {
			c, err := cursor(ctx, w)
			if err != nil {
				return nil, err
			}
			to := path
			if c != "" {
				sep := "?"
				if strings.Contains(to, "?") {
					sep = "&"
				}
				to += sep + "after=" + url.QueryEscape(c)
			}
			return w.get(ctx, to)
		},
		floor: floorSpec{stmts: append([]floorStmt{{
			name: "tickets.Store.Queue (" + name + ")",
			run: func(ctx context.Context, w *worker) error {
				c, err := cursor(ctx, w)
				if err != nil {
					return err
				}
				g := f
				g.After = c
				_, err = st.tickets.Queue(ctx, w.user.actor(), g)
				return err
			},
		}}, frame...)},
	}
}

func searchScenario(name, crew, q string, frame []floorStmt) scenario {
	return scenario{
		name: name, crew: crew, expect: http.StatusOK,
		request: func(ctx context.Context, w *worker) (*http.Request, error) {
			return w.get(ctx, "/search?q="+url.QueryEscape(q))
		},
		check: func(body []byte) string {
			return fmt.Sprintf("%d hits on the page", strings.Count(string(body), `<mark>`))
		},
		floor: floorSpec{
			prepare: func(_ *worker, s *iterState) { s.ids = s.ids[:0] },
			stmts: append(append(append(searchStmts("word matches, ranked (400 newest)", q), customerNamesStmt(q)),
				hitStmts()...), frame...),
		},
	}
}

// typoScenario searches a misspelt word that finds nothing as typed: the
// page looks up the word's near words, counts the word and them in one
// statement and searches the correction.
func typoScenario(name, crew, typo, fixed string, frame []floorStmt) scenario {
	return scenario{
		name: name, crew: crew, expect: http.StatusOK,
		request: func(ctx context.Context, w *worker) (*http.Request, error) {
			return w.get(ctx, "/search?q="+url.QueryEscape(typo))
		},
		check: func(body []byte) string {
			return fmt.Sprintf("%d hits on the page, corrected: %v", strings.Count(string(body), `<mark>`),
				strings.Contains(string(body), "as_typed=1"))
		},
		floor: floorSpec{
			prepare: func(_ *worker, s *iterState) { s.ids = s.ids[:0] },
			stmts: slices.Concat(
				searchStmts("word matches as typed", typo),
				[]floorStmt{
					customerNamesStmt(typo),
					{name: "near words (trigram)", sql: tickets.SearchStatements.NearWords, hot: true, custom: true,
						args: func(*worker, *iterState) []any { return []any{typo} }},
					countWordsStmt("count the near word (the typed word's count known)", []string{typo, fixed}, []string{"match", "exact"}),
				},
				searchStmts("word matches of the correction", fixed),
				hitStmts(), frame),
		},
	}
}

// searchStmts read words into their tsqueries and find the word matches,
// ranked, as the rep's search does (the newest tickets walked, then the
// older ones walked on or read from the index of visible words, as
// tickets.SearchTuning decides), collecting the first page's hits (the
// matches come newest first; the page is the best ranked, as many).
// name says which search it is.
func searchStmts(name, words string) []floorStmt {
	tune := tickets.SearchTuning
	floor := func(s *iterState) int64 { return s.newest - int64(tune.WalkNewest) }
	older := func(s *iterState) bool { return len(s.words) < tune.MaxWordHits && floor(s) > 0 }
	wordArgs := func(limit func(s *iterState) int) func(w *worker, s *iterState) []any {
		return func(w *worker, s *iterState) []any {
			a := w.user.actor()
			return []any{floor(s), s.index, s.match != s.index, s.match, a.TeamIDs, a.UserID, limit(s),
				tickets.SearchStatements.SubjectQuery(s.match)}
		}
	}
	collectWord := func(v []any, s *iterState) {
		if id, ok := v[0].(int64); ok {
			s.words = append(s.words, id)
			if len(s.ids) < 20 {
				s.ids = append(s.ids, id)
			}
		}
	}
	rest := func(s *iterState) int { return tune.MaxWordHits - len(s.words) }
	return []floorStmt{{
		name: "read the words (" + words + ")", sql: tickets.SearchStatements.ReadQuery,
		args: func(*worker, *iterState) []any { return []any{words, tickets.SearchStatements.IndexMode(words)} },
		collect: func(v []any, s *iterState) {
			s.match, _ = v[0].(string)
			s.index = s.match
			if index, ok := v[1].(string); ok {
				s.index = index
			}
			s.newest, _ = v[2].(int64)
			s.words, s.ids = s.words[:0], s.ids[:0]
		},
	}, {
		name: name + ": walk the newest tickets", sql: tickets.SearchStatements.WordsNewest, hot: true, custom: true,
		args:    wordArgs(func(*iterState) int { return tune.MaxWordHits }),
		collect: collectWord,
	}, {
		name: name + ": walk on", sql: tickets.SearchStatements.WordsOlderWalk, hot: true, custom: true,
		when: func(s *iterState) bool {
			return older(s) && tune.WalkOn(len(s.words), floor(s), int64(tune.WalkNewest))
		},
		args:    wordArgs(rest),
		collect: collectWord,
	}, {
		name: name + ": older from the index of visible words", sql: tickets.SearchStatements.WordsOlderIndexed, hot: true, custom: true,
		when: func(s *iterState) bool {
			return older(s) && !tune.WalkOn(len(s.words), floor(s), int64(tune.WalkNewest))
		},
		args:    wordArgs(rest),
		collect: collectWord,
	}}
}

func customerNamesStmt(q string) floorStmt {
	name, email := tickets.CustomerParts(q)
	words := tickets.NameWords(q)
	return floorStmt{
		name: "customers by name or part of one (name words)", sql: tickets.SearchStatements.CustomersByName(words),
		hot:  true, // prepared, in a batch, as the search sends it
		args: func(*worker, *iterState) []any { return []any{q, name, email, words} },
	}
}

// countWordsStmt counts words as a correction does: all in one statement,
// with the count of the words just searched (s.match) known when the page
// of 20 listed them all.
func countWordsStmt(name string, words, modes []string) floorStmt {
	return floorStmt{
		name: name, sql: tickets.SearchStatements.CountWords, hot: true, custom: true,
		args: func(w *worker, s *iterState) []any {
			a := w.user.actor()
			var known *int
			if n := len(s.ids); n < 20 {
				known = &n
			}
			return []any{words, modes, a.TeamIDs, a.UserID, s.newest - int64(tickets.SearchTuning.WalkNewest), s.match, known}
		},
	}
}

// hitStmts read the hits of the last search: their snippets and tickets.
func hitStmts() []floorStmt {
	return []floorStmt{{
		name: "snippets", sql: tickets.SearchStatements.Snippets, hot: true, custom: true,
		args: func(_ *worker, s *iterState) []any {
			chars, messages := tickets.SnippetReach()
			return []any{s.ids, chars, messages}
		},
	}, {
		name: "hits by id (one query)", sql: sqlSelectTicket + ` WHERE t.id = ANY($1)`,
		args: func(_ *worker, s *iterState) []any { return []any{s.ids} },
	}}
}

// frameStatements is the SQL of every signed-in page: the session with its
// member (one statement), the nav badges and the bell.
func frameStatements() []floorStmt {
	return []floorStmt{{
		name: "session and member", sql: staff.FindSessionSQL,
		// The store holds the cookie's SHA-256, as scs hashes it.
		args: func(w *worker, _ *iterState) []any { return []any{hashedToken(w.cookie)} },
	}, {
		name: "queue counts (nav, kept)", sql: tickets.QueueStatements.NavCounts, hot: true,
		// The counts a page keeps: its member's newest ticket event still
		// the one they were read at (the bench's pages make none).
		args: func(w *worker, _ *iterState) []any { return []any{w.user.id, w.user.teamIDs, w.navMark} },
	}, {
		name: "unread notifications", sql: sqlUnreadCount,
		args: func(w *worker, _ *iterState) []any { return []any{w.user.id} },
	}}
}

// readDecoded reads a response's body, decompressed when the server
// compressed it (-accept-encoding).
func readDecoded(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch resp.Header.Get("Content-Encoding") {
	case "":
	case "gzip":
		gz, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, err
		}
		r = gz
	case "zstd":
		zr, err := zstd.NewReader(resp.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("response in %q: not one this bench reads", resp.Header.Get("Content-Encoding"))
	}
	return io.ReadAll(r)
}

// hashedToken is the session token as the sessions table holds it: scs's
// HashTokenInStore, SHA-256 in unpadded base64url.
func hashedToken(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
