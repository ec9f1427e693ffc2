package web

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// liveStreams is how many browser tabs the benchmark keeps open.
const liveStreams = 200

// BenchmarkLiveStreams prints the live desk's figures with 200 streams
// open on one instance: the latency from a change's COMMIT to its event
// arriving on every stream (p50, p99), the memory one open stream costs
// (server and client share this process: both sides are counted), and the
// queue page's time while the streams are open.
//
//	go run ./cmd/pgrun -- go test ./web -run '^$' -bench LiveStreams -benchtime 50x
func BenchmarkLiveStreams(b *testing.B) {
	ctx := context.Background()
	db := pgtest.New(b)
	cat, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := staff.NewStore(db, time.Now)
	ts, esc := escalation.Wire(db, time.Now, "http://127.0.0.1", nil, log, escalation.Config{})
	srv, err := New(Deps{Log: log, DB: db, Catalog: cat, Staff: st, Tickets: ts, Esc: esc, BaseURL: "http://127.0.0.1", Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	rep, err := st.Create(ctx, 0, staff.NewUser{Email: "bench@example.com", Name: "Bench Rep", Role: staff.RoleRep, Team: "Delivery", Password: testPassword})
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/login", strings.NewReader(url.Values{"email": {rep.Email}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("log in: %v", err)
	}
	tk, _, err := ts.Create(ctx, actorOf(&rep), tickets.NewTicket{CustomerName: "C", Subject: "Bench", Body: "B", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		b.Fatal(err)
	}
	event := "event: ticket-" + strconv.FormatInt(tk.ID, 10)
	for range 30 { // a queue worth showing
		if _, _, err := ts.Create(ctx, actorOf(&rep), tickets.NewTicket{CustomerName: "C", Subject: "Queue", Body: "B", Channel: "phone", Priority: tickets.PriorityNormal}); err != nil {
			b.Fatal(err)
		}
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := make(chan time.Time, liveStreams*4)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	transport := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: liveStreams}
	streams := &http.Client{Jar: jar, Transport: transport}
	for range liveStreams {
		req, _ := http.NewRequestWithContext(sctx, http.MethodGet, hs.URL+"/events", nil)
		req.Header.Set("Accept", "text/event-stream")
		res, err := streams.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("open stream: %v", err)
		}
		go func() {
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				if sc.Text() == event {
					got <- time.Now()
				}
			}
		}()
	}
	<-srv.live.Ready()
	for srv.live.Streams() < liveStreams {
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perStream := (float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)) / liveStreams

	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		tx, err := db.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO events (subject_type, subject_id, action) VALUES ('ticket', $1, 'ticket.note_added')`, tk.ID); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		for range liveStreams {
			select {
			case at := <-got:
				lat = append(lat, at.Sub(start))
			case <-time.After(time.Minute):
				b.Fatal("an event never arrived")
			}
		}
	}
	b.StopTimer()

	var page []time.Duration
	for range 30 {
		start := time.Now()
		res, err := client.Get(hs.URL + "/queue/mine")
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("queue page: %v", err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		page = append(page, time.Since(start))
	}
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[int(float64(len(d)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 0.50), "commit-to-stream-p50-ms")
	b.ReportMetric(pct(lat, 0.99), "commit-to-stream-p99-ms")
	b.ReportMetric(perStream/1024, "KiB/stream")
	b.ReportMetric(pct(page, 0.50), "queue-page-p50-ms")
	b.ReportMetric(pct(page, 0.99), "queue-page-p99-ms")
	b.Logf("%d streams, %d deliveries; memory per stream %.1f KiB (server and client in one process)", liveStreams, len(lat), perStream/1024)
}
