package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/demo"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// BenchmarkStaffPages serves the staff pages the bench drives hardest (a
// team's open queue, the busiest ticket, a search) on the demo desk
// through the real handler, middleware and all, as a signed-in rep, and
// prints what one costs this process: allocations, bytes allocated, and
// CPU (user+system of the whole test process per page; Postgres runs
// apart and is not in it). It asserts no timing.
//
//	go run ./cmd/pgrun -- go test ./web -run '^$' -bench StaffPages -benchtime 300x
func BenchmarkStaffPages(b *testing.B) {
	ctx := context.Background()
	db := pgtest.New(b)
	cat, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})) // as served: a line per request
	st := staff.NewStore(db, time.Now)
	ts, esc := escalation.Wire(db, time.Now, "http://127.0.0.1", nil, log, escalation.Config{})
	srv, err := New(Deps{Log: log, DB: db, Catalog: cat, Staff: st, Tickets: ts, Esc: esc, BaseURL: "http://127.0.0.1", Now: time.Now,
		CSAT: csat.NewStore(db, esc, time.Now, "http://127.0.0.1"), News: announce.NewStore(db, time.Now), Reports: reports.NewStore(db, time.Now, log)})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if err := demo.Load(ctx, db, st, time.Now); err != nil {
		b.Fatal(err)
	}
	if err := demo.LoadEscalation(ctx, db, esc, st); err != nil {
		b.Fatal(err)
	}
	// Statistics as autovacuum keeps them on a live desk: a table never
	// analyzed is planned from a guess (staff_version's one row as 2,200,
	// enough for JIT compilation on every page).
	if _, err := db.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var teamID, ticketID string
	if err := db.QueryRow(ctx, `
SELECT tm.id::text, t.id::text FROM tickets t JOIN teams tm ON tm.id = t.team_id
WHERE tm.name = 'Delivery'
ORDER BY (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id) DESC, t.id LIMIT 1`).Scan(&teamID, &ticketID); err != nil {
		b.Fatal(err)
	}

	// Sign in as a rep of the Delivery team (Finnish: the translated path).
	login := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {"anna@loopdesk.test"}, "password": {demo.Password}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	login.Header.Set("Sec-Fetch-Site", "same-origin")
	lw := httptest.NewRecorder()
	srv.ServeHTTP(lw, login)
	if lw.Code != http.StatusSeeOther || len(lw.Result().Cookies()) == 0 {
		b.Fatalf("log in: status %d", lw.Code)
	}
	cookies := lw.Result().Cookies()

	pages := []struct{ name, path string }{
		{"queue", "/queue/all?team=" + teamID + "&status=open"},
		{"ticket", "/tickets/" + ticketID},
		{"search", "/search?q=order"},
	}
	encodings := []struct{ name, accept string }{
		{"identity", ""},
		{"browser", "gzip, deflate, br, zstd"},
	}
	for _, p := range pages {
		for _, enc := range encodings {
			b.Run(p.name+"/"+enc.name, func(b *testing.B) {
				req := httptest.NewRequestWithContext(ctx, http.MethodGet, p.path, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				if enc.accept != "" {
					req.Header.Set("Accept-Encoding", enc.accept)
				}
				w := &discardWriter{h: http.Header{}}
				serve := func() {
					clear(w.h)
					w.status, w.n = 0, 0
					srv.ServeHTTP(w, req)
					if w.status != http.StatusOK {
						b.Fatalf("%s: status %d", p.path, w.status)
					}
				}
				serve() // warm: prepared statements
				b.ReportAllocs()
				cpu := processCPU()
				b.ResetTimer()
				for b.Loop() {
					serve()
				}
				b.StopTimer()
				b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
				b.ReportMetric(float64(w.n), "bytes/page")
			})
		}
	}
}

// discardWriter is a ResponseWriter that keeps the status and size only.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// processCPU is the user+system CPU this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
