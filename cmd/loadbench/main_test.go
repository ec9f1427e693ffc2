package main

import (
	"bytes"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSmallRun runs the whole bench with tiny numbers: load, vector check,
// the report facts, the real server, every scenario (the dashboard views as
// a supervisor), the plans, and a small breach storm.
// LOADBENCH_SERVER_BIN names a prebuilt cmd/server to save the build.
func TestSmallRun(t *testing.T) {
	t.Parallel()
	start := time.Now()
	args := []string{
		"-database-url", pgtest.NewConnString(t),
		"-tickets", "2000", "-messages", "4", "-reps", "1", "-concurrency", "2",
		"-duration", "300ms", "-floor-duration", "80ms", "-verify", "-explain",
		"-breach", "-breach-tickets", "20", "-breach-lead", "200ms", "-breach-spread", "200ms", "-breach-timeout", "20s",
		"-idle", "100ms", "-fixed-rate", "20",
	}
	if bin := os.Getenv("LOADBENCH_SERVER_BIN"); bin != "" {
		args = append(args, "-server-bin", bin)
	}
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	err := run(t.Context(), args, &out, log)
	t.Logf("bench output (%s):\n%s", time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"copy tickets   2,000 rows",
		"Search vectors checked against SQL: 2,000 tickets, 0 differ",
		"Word list checked against the same tickets' text: 0 words missing",
		"queue page", "ticket page", "search word", "search vi, no diacritics", "search typo, corrected", "search ticket number", "ticket create",
		"corrected: true",
		"full rebuild of 2,000 tickets in 1 run: ",
		"dashboard 30 days: 2 supervisors; ", "tickets created in the first range", "CSV lines;",
		"Targets (issue #11), each page beside its target:",
		"p99 @ 20 req/s",
		"Server memory (target: idle RSS < 40 MB): RSS right after start ",
		"durability: fsync off",
		"Index Cond", // the plans were printed
		"Index Only Scan using ticket_facts_created_idx",
		"breached firings: 20 of 20",
		"ticket create: SLA clocks started: ", // and below: every created ticket's clock
		"SLA escalations:  20 of 20",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`SLA clocks started: ([\d,]+) of ([\d,]+) created tickets; SLA timers scheduled: ([\d,]+)`).FindStringSubmatch(text); m == nil || m[1] != m[2] || m[1] == "0" || m[3] == "0" {
		t.Errorf("the created tickets' SLA clocks and timers: %v", m)
	}
	if strings.Contains(text, "no summary figures") {
		t.Error("a dashboard page had no summary figures")
	}
	// Every scenario row ends with its error count and floors: all zero errors
	// (and every request was answered with the status it expects: 200 for
	// the dashboard views).
	names := []string{"queue page", "my queue", "unassigned", "all open", "all open, high priority, page 2", "my queue, pending, page 2",
		"ticket page", "search word of other teams only", "search word", "search vi, no diacritics", "search typo, corrected", "search ticket number",
		"dashboard 30 days", "dashboard 30 days, one team", "dashboard 90 days", "dashboard 365 days", "dashboard CSV 30 days",
		"ticket create"}
	row := regexp.MustCompile(`(?m)^\s+(` + strings.Join(names, "|") + `)\s+([\d,]+)\s+\d+\s.*\s(\d+)\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.?]+\s*$`)
	rows := row.FindAllStringSubmatch(text, -1)
	if len(rows) != len(names) {
		t.Fatalf("found %d scenario rows, want %d", len(rows), len(names))
	}
	for _, r := range rows {
		if r[3] != "0" || r[2] == "0" {
			t.Errorf("%s: %s requests, %s errors", r[1], r[2], r[3])
		}
	}
}

func TestDynamicLexeme(t *testing.T) {
	for chunk, want := range map[string]string{"ORD123456": "ord123456", "#42": "42", "17": "17"} {
		if got, ok := dynamicLexeme(chunk); !ok || got != want {
			t.Errorf("dynamicLexeme(%q) = %q, %v; want %q", chunk, got, ok, want)
		}
	}
	for _, chunk := range []string{"hàng", "ORD-1", "12.5", ""} {
		if _, ok := dynamicLexeme(chunk); ok {
			t.Errorf("dynamicLexeme(%q) accepted a chunk Postgres may split", chunk)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
