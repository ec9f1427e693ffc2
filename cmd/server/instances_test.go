//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// The multi-instance test runs the real server binary three times on one
// database behind a small reverse proxy, and kills one with SIGKILL.

// hang bounds every wait of this test: a hang ends here; it is never a
// timing assertion.
const hang = 45 * time.Second

// process is one running cmd/server.
type process struct {
	name, addr, log string
	cmd             *exec.Cmd
	exited          chan error
}

// buildServer builds cmd/server once for the test.
func buildServer(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "loopdesk")
	out, err := exec.CommandContext(t.Context(), gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Skipf("cannot build cmd/server for the multi-instance test (%v):\n%s", err, out)
	}
	return bin
}

// startProcess runs bin serve on a free port with the shared settings env;
// the kernel stops it if the test dies (parent-death signal, from a thread
// that stays locked for the process's life).
func startProcess(t *testing.T, bin, name string, env []string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	p := &process{name: name, addr: addr, log: filepath.Join(dir, "server.log"), exited: make(chan error, 1)}
	logFile, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOOPDESK_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Env = append(p.cmd.Env, "LOOPDESK_ADDR="+addr, "LOOPDESK_DATA_DIR="+filepath.Join(dir, "data"))
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := p.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.exited <- p.cmd.Wait()
		logFile.Close()
	}()
	if err := <-started; err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState != nil {
			return
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			t.Logf("--- log of instance %s ---\n%s", name, lastLines(string(b), 30))
		}
	})
	return p
}

// waitReady waits for /readyz of p.
func (p *process) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + p.addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-p.exited:
			b, _ := os.ReadFile(p.log)
			t.Fatalf("instance %s exited before it was ready: %v\n%s", p.name, err, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("instance %s not ready", p.name)
}

// kill ends p with SIGKILL, as a crash would: no shutdown at all.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// balancer is the reverse proxy in front of the instances: each request
// goes to the next instance in rotation, or to the one the test pins with
// X-Test-Instance; the response says which served it.
type balancer struct {
	mu       sync.Mutex
	backends map[string]*url.URL
	rotation []string
	turn     int
}

func (b *balancer) add(name, addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends[name] = &url.URL{Scheme: "http", Host: addr}
	b.rotation = append(b.rotation, name)
}

// remove takes name out of rotation, as a health check would.
func (b *balancer) remove(name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rotation = slices.DeleteFunc(b.rotation, func(n string) bool { return n == name })
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get("X-Test-Instance")
	b.mu.Lock()
	if name == "" && len(b.rotation) > 0 {
		name = b.rotation[b.turn%len(b.rotation)]
		b.turn++
	}
	target := b.backends[name]
	b.mu.Unlock()
	if target == nil {
		http.Error(w, "no instance", http.StatusBadGateway)
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the instances know the proxy's address as theirs
			pr.Out.Header.Del("X-Test-Instance")
		},
		ModifyResponse: func(res *http.Response) error {
			res.Header.Set("X-Test-Instance", name)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "instance "+name+": "+err.Error(), http.StatusBadGateway)
		},
		FlushInterval: -1,
		ErrorLog:      log.New(io.Discard, "", 0), // a killed instance's streams end mid-body
	}
	rp.ServeHTTP(w, r)
}

// sseMsg is one message of an event stream.
type sseMsg struct{ id, event, data string }

// streamClient reads /events through the proxy like a browser's
// EventSource: it reconnects when the stream ends, sending the last event
// id it saw.
type streamClient struct {
	msgs  chan sseMsg
	conns chan string   // the instance of each stream, as it opens
	drops chan struct{} // a stream ended
	allow chan struct{} // closed: reconnects may go ahead
}

func openStreamClient(ctx context.Context, t *testing.T, c *http.Client, base, pin string) *streamClient {
	s := &streamClient{msgs: make(chan sseMsg, 10000), conns: make(chan string, 10), drops: make(chan struct{}, 10), allow: make(chan struct{})}
	go func() {
		var last string
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
			req.Header.Set("Accept", "text/event-stream")
			if last != "" {
				req.Header.Set("Last-Event-ID", last)
			}
			if pin != "" {
				req.Header.Set("X-Test-Instance", pin)
				pin = ""
			}
			res, err := c.Do(req)
			if err != nil || res.StatusCode != http.StatusOK {
				if err == nil {
					res.Body.Close()
				}
				select { // the proxy had nobody to send it to: try again
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			s.conns <- res.Header.Get("X-Test-Instance")
			sc := bufio.NewScanner(res.Body)
			var m sseMsg
			for sc.Scan() {
				line := sc.Text()
				switch {
				case line == "":
					if m.event != "" {
						s.msgs <- m
					}
					if m.id != "" {
						last = m.id
					}
					m = sseMsg{}
				case strings.HasPrefix(line, "id: "):
					m.id = line[4:]
				case strings.HasPrefix(line, "event: "):
					m.event = line[7:]
				case strings.HasPrefix(line, "data: "):
					m.data = line[6:]
				}
			}
			res.Body.Close()
			s.drops <- struct{}{}
			select {
			case <-s.allow:
			case <-ctx.Done():
			}
		}
	}()
	return s
}

// seen collects the tickets a stream told of; it fails on a reset (the
// browser would have to reload: events were lost).
type seen struct {
	s   *streamClient
	got map[string]bool
}

func (v *seen) waitFor(t *testing.T, ids ...int64) {
	t.Helper()
	deadline := time.After(hang)
	for {
		var missing []int64
		for _, id := range ids {
			if !v.got["ticket-"+strconv.FormatInt(id, 10)] {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return
		}
		select {
		case m := <-v.s.msgs:
			if m.event == "reset" {
				t.Fatalf("the stream was reset (after id %s): events were lost", m.id)
			}
			v.got[m.event] = true
		case <-deadline:
			t.Fatalf("the stream never told of tickets %v", missing)
		}
	}
}

// desk is a signed-in staff member's client through the proxy.
type desk struct {
	t    *testing.T
	base string
	c    *http.Client
	n    int
}

func (d *desk) do(method, path, pin string, form url.Values) *http.Response {
	d.t.Helper()
	req, _ := http.NewRequestWithContext(d.t.Context(), method, d.base+path, strings.NewReader(form.Encode()))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if pin != "" {
		req.Header.Set("X-Test-Instance", pin)
	}
	res, err := d.c.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	return res
}

// newTicket opens a ticket through instance pin and returns its number.
func (d *desk) newTicket(pin string) int64 {
	d.t.Helper()
	d.n++
	res := d.do(http.MethodPost, "/tickets", pin, url.Values{"customer_name": {"Aino"}, "subject": {fmt.Sprintf("Update %d", d.n)},
		"body": {"Hello"}, "channel": {"phone"}, "priority": {"normal"}, "idempotency_key": {fmt.Sprintf("kill-test-%d", d.n)}})
	res.Body.Close()
	id, err := strconv.ParseInt(strings.TrimPrefix(res.Header.Get("Location"), "/tickets/"), 10, 64)
	if res.StatusCode != http.StatusSeeOther || err != nil {
		d.t.Fatalf("new ticket through %s: status %d, location %q", pin, res.StatusCode, res.Header.Get("Location"))
	}
	return id
}

// TestThreeProcessesOneKilled runs three cmd/server processes on one
// database behind a reverse proxy. A change made through instance A reaches
// a stream connected to instance C. C is then killed with SIGKILL: its
// stream reconnects through the proxy to another instance with its last
// event id, and every change made before, during and after the kill arrives,
// with no reset. Meanwhile SLA checks come due and are enqueued twice (as
// every instance's start-up catch-up would), and afterwards each runs once
// more (as a check does whose instance died before River marked it done):
// each ticket's deadline is fired once, by whichever instance runs it,
// never twice.
func TestThreeProcessesOneKilled(t *testing.T) {
	ctx := t.Context()
	bin := buildServer(t)
	dbURL := pgtest.NewConnString(t)
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	const password = "kill-nine-survivors"
	st := staff.NewStore(pool, time.Now)
	var rep, sup staff.User
	for _, u := range []struct {
		into *staff.User
		role staff.Role
	}{{&rep, staff.RoleRep}, {&sup, staff.RoleSupervisor}} {
		if *u.into, err = st.Create(ctx, 0, staff.NewUser{Email: string(u.role) + "@example.com", Name: "Test " + string(u.role),
			Role: u.role, Team: "Delivery", Locale: "en", Password: password}); err != nil {
			t.Fatal(err)
		}
	}

	lb := &balancer{backends: map[string]*url.URL{}}
	proxy := httptest.NewServer(lb)
	t.Cleanup(proxy.Close)
	// Three servers' pools sized for a test, not for a production core count.
	serverURL := strings.TrimSpace(dbURL) + " pool_max_conns=30"
	if strings.Contains(dbURL, "://") {
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal("parse the test database URL")
		}
		q := u.Query()
		q.Set("pool_max_conns", "30")
		u.RawQuery = q.Encode()
		serverURL = u.String()
	}
	env := []string{"DATABASE_URL=" + serverURL, "LOOPDESK_BASE_URL=" + proxy.URL, "LOOPDESK_LOG_LEVEL=warn", "LOOPDESK_METRICS_ADDR=off",
		"LOOPDESK_SECRET=" + strings.Repeat("k", 40)}
	procs := map[string]*process{}
	for _, name := range []string{"a", "b", "c"} {
		procs[name] = startProcess(t, bin, name, env)
	}
	for _, name := range []string{"a", "b", "c"} {
		procs[name].waitReady(t)
		lb.add(name, procs[name].addr)
	}

	jar, _ := cookiejar.New(nil)
	d := &desk{t: t, base: proxy.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if res := d.do(http.MethodPost, "/login", "", url.Values{"email": {rep.Email}, "password": {password}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: status %d", res.StatusCode)
	}
	// Signed in through one instance, signed in on all; and each listens
	// (its pages name a live position) before anything is changed.
	for _, name := range []string{"a", "b", "c"} {
		deadline := time.Now().Add(hang)
		for {
			res := d.do(http.MethodGet, "/", name, nil)
			body, _ := readAll(res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("home through %s: status %d (the session is not shared?)", name, res.StatusCode)
			}
			if strings.Contains(body, `sse-connect="/events?last=`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance %s never listened for live updates", name)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// A change through A reaches the stream on C.
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	stream := openStreamClient(streamCtx, t, d.c, proxy.URL, "c")
	if on := <-stream.conns; on != "c" {
		t.Fatalf("the stream opened on %s, want c", on)
	}
	v := &seen{s: stream, got: map[string]bool{}}
	v.waitFor(t, d.newTicket("a"))

	// SLA checks: tickets whose first response deadline has just passed, and
	// their checks enqueued twice, a third before the kill, a third just
	// after, a third once the stream is back.
	checks := slaChecks(t, pool, sup, 24)
	inserter, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var jobIDs []int64
	enqueue := func(part []river.InsertManyParams) {
		for range 2 {
			res, err := inserter.InsertMany(ctx, part)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				jobIDs = append(jobIDs, r.Job.ID)
			}
		}
	}
	enqueue(checks[:8])

	var updates []int64
	for i := range 3 {
		updates = append(updates, d.newTicket([]string{"a", "b"}[i%2]))
	}
	// C dies; the proxy stops sending it requests.
	procs["c"].kill(t)
	killedAt := time.Now()
	lb.remove("c")
	enqueue(checks[8:16])
	<-stream.drops
	// While the stream is down.
	for i := range 4 {
		updates = append(updates, d.newTicket([]string{"a", "b"}[i%2]))
	}
	close(stream.allow)
	select {
	case on := <-stream.conns:
		if on == "c" {
			t.Fatal("the stream reconnected to the dead instance")
		}
		t.Logf("the stream reconnected to instance %s", on)
	case <-time.After(hang):
		t.Fatal("the stream never reconnected")
	}
	// After.
	enqueue(checks[16:])
	for i := range 4 {
		updates = append(updates, d.newTicket([]string{"b", "a"}[i%2]))
	}
	v.waitFor(t, updates...)

	assertFiredOnce(t, pool, jobIDs, killedAt)

	// Every check runs once more, as it does when an instance dies after
	// its check committed but before River heard it finished (the rescuer
	// runs it again): each deadline has still fired once.
	again, err := inserter.InsertMany(ctx, checks)
	if err != nil {
		t.Fatal(err)
	}
	jobIDs = jobIDs[:0]
	for _, r := range again {
		if r.UniqueSkippedAsDuplicate {
			t.Fatalf("check %d was not enqueued again", r.Job.ID)
		}
		jobIDs = append(jobIDs, r.Job.ID)
	}
	assertFiredOnce(t, pool, jobIDs, killedAt)
}

func readAll(res *http.Response) (string, error) {
	defer res.Body.Close()
	var b strings.Builder
	_, err := bufio.NewReader(res.Body).WriteTo(&b)
	return b.String(), err
}

// slaChecks makes n urgent tickets under an SLA policy whose first response
// deadline has just passed, and returns the check of each deadline, as
// escalation schedules it. The policy has no supervisor delay: each check
// fires every level at once and ends (it does not snooze).
func slaChecks(t *testing.T, pool *pgxpool.Pool, sup staff.User, n int) []river.InsertManyParams {
	t.Helper()
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `
INSERT INTO sla_policies (name, priority, category, first_response_minutes, next_response_minutes, resolution_minutes,
                          supervisor_delay_minutes)
VALUES ('Kill test', $1, '', 60, 60, 480, 0)`, int16(tickets.PriorityUrgent)); err != nil {
		t.Fatal(err)
	}
	store := ticketstest.NewStore(pool)
	actor := tickets.Actor{UserID: sup.ID, TeamIDs: sup.TeamIDs, SeeAll: true}
	var out []river.InsertManyParams
	for range n {
		tk := ticketstest.Create(ctx, t, store, actor, tickets.NewTicket{Priority: tickets.PriorityUrgent})
		var due time.Time
		if err := pool.QueryRow(ctx, `
UPDATE tickets SET sla_policy_id = (SELECT id FROM sla_policies WHERE name = 'Kill test'),
       first_response_due = date_trunc('milliseconds', now()) - interval '1 second',
       next_due = date_trunc('milliseconds', now()) - interval '1 second'
WHERE id = $1 RETURNING first_response_due`, tk.ID).Scan(&due); err != nil {
			t.Fatal(err)
		}
		args := escalation.SLAArgs{TicketID: tk.ID, Target: "first_response", Due: due.UTC()}
		opts := args.InsertOpts()
		out = append(out, river.InsertManyParams{Args: args, InsertOpts: &opts})
	}
	return out
}

// assertFiredOnce waits for the checks to settle and asserts that each
// ticket's breach fired exactly once. A check that was running on the
// killed instance stays "running" until River's rescuer gives it to a
// survivor (after an hour); it may have fired (committed, then killed
// before River marked it done) or not (killed mid-transaction). The test
// does the rescuer's part at once, and the rescued checks run again: once
// in all, either way.
func assertFiredOnce(t *testing.T, pool *pgxpool.Pool, jobIDs []int64, killedAt time.Time) {
	t.Helper()
	ctx := t.Context()
	type job = riverJob
	read := func() map[int64]job {
		rows, err := pool.Query(ctx, `
SELECT id, (args->>'ticket_id')::bigint, state, coalesce(attempted_at, 'epoch'), coalesce(attempted_by, '{}')
FROM river_job WHERE id = ANY($1)`, jobIDs)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]job{}
		for rows.Next() {
			var id int64
			var j job
			if err := rows.Scan(&id, &j.ticket, &j.state, &j.attempted, &j.by); err != nil {
				t.Fatal(err)
			}
			out[id] = j
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	settled := func(jobs map[int64]job) bool {
		for _, j := range jobs {
			if j.state != "completed" && (j.state != "running" || !j.attempted.Before(killedAt)) {
				return false
			}
		}
		return true
	}
	jobs := waitSettled(t, read, settled)
	var stuck []int64
	for id, j := range jobs {
		if j.state == "running" {
			stuck = append(stuck, id)
		}
	}
	if len(stuck) > 0 {
		var done int
		if err := pool.QueryRow(ctx, `
SELECT count(*) FROM river_job j
WHERE j.id = ANY($1) AND EXISTS (SELECT 1 FROM events e WHERE e.subject_type = 'ticket'
    AND e.subject_id = (j.args->>'ticket_id')::bigint AND e.action = 'ticket.sla_breached')`, stuck).Scan(&done); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d checks were running on the killed instance (%d of them had fired and committed, unknown to River); rescued now, as River's rescuer would after an hour", len(stuck), done)
		if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = ANY($1)`, stuck); err != nil {
			t.Fatal(err)
		}
		jobs = waitSettled(t, read, func(jobs map[int64]job) bool {
			for _, j := range jobs {
				if j.state != "completed" {
					return false
				}
			}
			return true
		})
	}
	fired := map[int64]int{}
	rows, err := pool.Query(ctx, `
SELECT subject_id, count(*) FROM events WHERE subject_type = 'ticket' AND action = 'ticket.sla_breached' GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		fired[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	workers := map[string]int{}
	for _, j := range jobs {
		for _, by := range j.by {
			workers[by]++
		}
	}
	tickets := map[int64]bool{}
	for _, j := range jobs {
		tickets[j.ticket] = true
	}
	for id := range tickets {
		if fired[id] != 1 {
			t.Errorf("ticket %d: its breach fired %d times, want once", id, fired[id])
		}
	}
	t.Logf("%d tickets' breach checks ran on %d River clients: %v", len(tickets), len(workers), workers)
}

// riverJob is what the test reads of a River job.
type riverJob struct {
	ticket    int64
	state     string
	attempted time.Time
	by        []string
}

// waitSettled polls read until settled holds twice in a row, half a second
// apart (a check still running on a survivor has finished by the second
// look).
func waitSettled(t *testing.T, read func() map[int64]riverJob, settled func(map[int64]riverJob) bool) map[int64]riverJob {
	t.Helper()
	deadline := time.Now().Add(hang)
	for {
		if jobs := read(); settled(jobs) {
			time.Sleep(500 * time.Millisecond)
			if again := read(); settled(again) {
				return again
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("SLA checks never finished: %+v", read())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
