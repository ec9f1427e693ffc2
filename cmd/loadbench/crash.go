package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The crash test (-crash): customers send the /help form at a fixed rate
// while the server is killed with SIGKILL (-crash-kills times, every
// -crash-interval) and started again. A customer whose post got no answer
// (the connection died, or a 5xx) sends the same form again, as a person
// pressing Send again would, until it is answered. At the end every
// acknowledged post must be exactly one ticket with exactly one
// confirmation mail: nothing acknowledged is lost, nothing is made twice.
// Postgres is not killed (it is the throwaway cluster, or -database-url);
// only the server process is.

// crashOptions are the -crash-* flags.
type crashOptions struct {
	rate     float64
	kills    int
	interval time.Duration
}

// crashPost is one customer's form: its key and subject stay the same over
// every attempt.
type crashPost struct {
	n        int
	key      string
	subject  string
	attempts atomic.Int32
	acked    atomic.Bool
}

// crashStats are the figures the test prints.
type crashStats struct {
	mu         sync.Mutex
	errors     map[string]int // what failed attempts saw
	downtimes  []time.Duration
	readyTimes []time.Duration
}

func (s *crashStats) failed(what string) {
	s.mu.Lock()
	s.errors[what]++
	s.mu.Unlock()
}

func runCrash(ctx context.Context, o options, out io.Writer, log *slog.Logger) (err error) {
	started := time.Now()
	bin := o.serverBin
	if bin == "" {
		build := buildServer(ctx)
		defer build.cleanup()
		if bin, err = build.wait(ctx); err != nil {
			return err
		}
	}
	dbURL, _, _, stopCluster, err := openCluster(ctx, options{databaseURL: o.databaseURL, tune: false}, log)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopCluster()) }()
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool, quietLogger()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var before int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM tickets WHERE subject LIKE 'crash-test %'`).Scan(&before); err != nil {
		return err
	}
	if before > 0 {
		return errors.New("the database already holds crash-test tickets: use an empty database")
	}

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	// Every post comes from its own client address (X-Forwarded-For from a
	// trusted proxy), so the per-address rate limit of /help does not apply.
	env := []string{"LOOPDESK_TRUSTED_PROXIES=127.0.0.1/32"}
	srv, err := startServerAt(ctx, dbURL, bin, addr, env)
	if err != nil {
		return err
	}
	var srvMu sync.Mutex
	defer func() {
		srvMu.Lock()
		defer srvMu.Unlock()
		fmt.Fprintln(out, "\n"+srv.logSummary())
		if stopErr := srv.stop(context.WithoutCancel(ctx)); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop server: %w", stopErr))
		}
	}()
	base := "http://" + addr
	stats := &crashStats{errors: map[string]int{}}
	fmt.Fprintf(out, "Loopdesk crash test  (%s)\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(out, "Intake: /help at %.0f posts/s over HTTP; the server is killed with SIGKILL %d times, every %s, and started again\n",
		o.crash.rate, o.crash.kills, o.crash.interval)

	hc := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
	}
	// Posts start at fixed intervals until the last kill's restart plus one
	// interval; each retries until answered, or until giveUp.
	stopPosting := make(chan struct{})
	var posts []*crashPost
	var wg sync.WaitGroup
	var postsMu sync.Mutex
	giveUp, cancelAll := context.WithCancel(ctx)
	defer cancelAll()
	go func() {
		tick := time.NewTicker(time.Duration(float64(time.Second) / o.crash.rate))
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-stopPosting:
				return
			case <-giveUp.Done():
				return
			case <-tick.C:
			}
			p := &crashPost{n: n, key: crashKey(), subject: fmt.Sprintf("crash-test %06d", n)}
			postsMu.Lock()
			posts = append(posts, p)
			postsMu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				crashSend(giveUp, hc, base, p, stats)
			}()
		}
	}()

	for k := 1; k <= o.crash.kills; k++ {
		select {
		case <-time.After(o.crash.interval):
		case <-ctx.Done():
			return ctx.Err()
		}
		srvMu.Lock()
		killed := time.Now()
		if err := srv.kill(); err != nil {
			srvMu.Unlock()
			return fmt.Errorf("kill %d: %w", k, err)
		}
		log.Info("loadbench: crash: killed the server", "kill", k, "pid", srv.pid)
		next, err := startServerAt(ctx, dbURL, bin, addr, env)
		if err != nil {
			srvMu.Unlock()
			return fmt.Errorf("restart %d: %w", k, err)
		}
		srv = next
		stats.downtimes = append(stats.downtimes, time.Since(killed))
		srvMu.Unlock()
	}
	time.Sleep(o.crash.interval)
	close(stopPosting)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cancelAll() // stragglers are reported as never answered
		<-done
	}

	// Check: each acknowledged post is exactly one ticket with one confirmation.
	counts, mails, err := crashTickets(ctx, pool)
	if err != nil {
		return err
	}
	var acked, retried, attempts, lost, twice, unacked, unackedMade, mailWrong int
	for _, p := range posts {
		attempts += int(p.attempts.Load())
		if p.attempts.Load() > 1 {
			retried++
		}
		n := counts[p.subject]
		if n > 1 {
			twice++
		}
		if mails[p.subject] != n {
			mailWrong++
		}
		if !p.acked.Load() {
			unacked++
			if n > 0 {
				unackedMade++
			}
			continue
		}
		acked++
		if n == 0 {
			lost++
		}
	}
	sum := func(ds []time.Duration) (total, worst time.Duration) {
		for _, d := range ds {
			total += d
			worst = max(worst, d)
		}
		return total, worst
	}
	down, worstDown := sum(stats.downtimes)
	w := out
	fmt.Fprintf(w, "Posts: %d sent in %s (%d attempts; %d posts needed more than one)\n", len(posts), round(time.Since(started)), attempts, retried)
	fmt.Fprintf(w, "Kills: %d; server down %s in all (killed to ready again: worst %s, mean %s)\n",
		len(stats.downtimes), round(down), round(worstDown), round(down/time.Duration(max(1, len(stats.downtimes)))))
	stats.mu.Lock()
	var seen []string
	for what, n := range stats.errors {
		seen = append(seen, fmt.Sprintf("%s ×%d", what, n))
	}
	stats.mu.Unlock()
	if len(seen) > 0 {
		fmt.Fprintf(w, "Failed attempts saw: %s\n", strings.Join(seen, ", "))
	}
	fmt.Fprintf(w, "Acknowledged: %d; lost (acknowledged, no ticket): %d; made twice: %d; tickets without exactly one confirmation mail: %d\n",
		acked, lost, twice, mailWrong)
	fmt.Fprintf(w, "Never acknowledged: %d (of which made anyway: %d)\n", unacked, unackedMade)
	if lost > 0 || twice > 0 || mailWrong > 0 {
		return fmt.Errorf("crash test failed: %d lost, %d made twice, %d with a wrong number of confirmation mails", lost, twice, mailWrong)
	}
	if unacked > 0 {
		return fmt.Errorf("crash test: %d posts were never answered", unacked)
	}
	fmt.Fprintf(w, "Every acknowledged ticket exists exactly once.\n")
	return nil
}

// crashSend posts p's form until it is answered with the redirect to its
// status page, backing off a little after each failure.
func crashSend(ctx context.Context, hc *http.Client, base string, p *crashPost, stats *crashStats) {
	form := url.Values{
		"name": {"Crash Test"}, "email": {fmt.Sprintf("crash-%06d@example.com", p.n)}, "locale": {"en"},
		"subject": {p.subject}, "message": {"Posted while the server is being killed."}, "website": {""},
		"form_key": {p.key},
	}
	client := fmt.Sprintf("10.%d.%d.%d", (p.n>>16)&255, (p.n>>8)&255, p.n&255)
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		p.attempts.Add(1)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/help", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", client)
		resp, err := hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/status/") {
				p.acked.Store(true)
				return
			}
			stats.failed(fmt.Sprintf("HTTP %d", resp.StatusCode))
		} else {
			stats.failed(crashErrKind(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// crashErrKind names a transport error without its addresses.
func crashErrKind(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return "timeout"
	}
	return "other transport error"
}

// crashKey is a form key like the server's (tickets.NewFormKey).
func crashKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// crashTickets counts, per crash-test subject, the tickets and their
// confirmation mails.
func crashTickets(ctx context.Context, pool *pgxpool.Pool) (tickets, mails map[string]int, err error) {
	tickets, mails = map[string]int{}, map[string]int{}
	rows, err := pool.Query(ctx, `
SELECT t.subject, count(DISTINCT t.id),
       count(o.id) FILTER (WHERE o.kind = 'confirmation')
FROM tickets t LEFT JOIN outbox o ON o.ticket_id = t.id
WHERE t.subject LIKE 'crash-test %'
GROUP BY t.subject`)
	if err != nil {
		return nil, nil, fmt.Errorf("count crash-test tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var subject string
		var n, m int
		if err := rows.Scan(&subject, &n, &m); err != nil {
			return nil, nil, err
		}
		tickets[subject], mails[subject] = n, m
	}
	return tickets, mails, rows.Err()
}
