package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestMain lets the test binary double as the command pgrun runs.
func TestMain(m *testing.M) {
	if os.Getenv("PGRUN_TEST_HELPER") == "1" {
		os.Exit(helper())
	}
	os.Exit(m.Run())
}

// helper connects to TEST_DATABASE_URL, records it for the test and exits with 3, so the
// test sees the exit code pass through.
func helper() int {
	url := os.Getenv(envTestDatabaseURL)
	if err := os.WriteFile(os.Getenv("PGRUN_TEST_OUT"), []byte(url), 0o600); err != nil {
		return 1
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 1
	}
	defer conn.Close(ctx)
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		return 1
	}
	return 3
}

func TestRunStartsClusterAndPassesExitCode(t *testing.T) {
	out := filepath.Join(t.TempDir(), "url")
	t.Setenv("PGRUN_TEST_HELPER", "1")
	t.Setenv("PGRUN_TEST_OUT", out)
	t.Setenv(envTestDatabaseURL, "")

	code, err := run(t.Context(), []string{"--", os.Args[0]}, os.Getenv, io.Discard)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if code != 3 {
		t.Errorf("exit code %d, want the command's 3", code)
	}
	url, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("command did not run: %v", err)
	}
	cfg, err := pgx.ParseConfig(string(url))
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL %q: %v", url, err)
	}
	if cfg.Database != "postgres" || !strings.HasPrefix(cfg.Host, "/") {
		t.Errorf("TEST_DATABASE_URL = %q, want the postgres database over a unix socket", url)
	}
	clusterDir := filepath.Dir(cfg.Host) // the socket lives in <temp dir>/pg
	if _, err := os.Stat(clusterDir); !os.IsNotExist(err) {
		t.Errorf("cluster dir %s not removed (stat: %v)", clusterDir, err)
	}
}

func TestRunKeepsExistingDatabaseURL(t *testing.T) {
	out := filepath.Join(t.TempDir(), "url")
	t.Setenv("PGRUN_TEST_OUT", out)
	t.Setenv(envTestDatabaseURL, "host=/nowhere dbname=given")

	// The command is a shell that reports the URL it got; no cluster may be started.
	code, err := run(t.Context(), []string{"sh", "-c", `printf %s "$TEST_DATABASE_URL" > "$PGRUN_TEST_OUT"; exit 5`}, os.Getenv, io.Discard)
	if err != nil || code != 5 {
		t.Fatalf("run = %d, %v; want 5, nil", code, err)
	}
	if got, _ := os.ReadFile(out); string(got) != "host=/nowhere dbname=given" {
		t.Errorf("command saw TEST_DATABASE_URL %q", got)
	}
}

func TestRunUsage(t *testing.T) {
	code, err := run(t.Context(), []string{"--"}, os.Getenv, io.Discard)
	if err == nil || code != exitUsage {
		t.Errorf("run with no command = %d, %v; want usage error", code, err)
	}
	code, err = run(t.Context(), []string{"/nonexistent/command"}, func(string) string { return "set" }, io.Discard)
	if err == nil || code != exitCannotRun {
		t.Errorf("run of a missing command = %d, %v; want %d", code, err, exitCannotRun)
	}
}
