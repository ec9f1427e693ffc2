// Package pgtest gives every database test its own migrated Postgres database, cloned from
// a template in milliseconds so that tests can run in parallel without seeing each other.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/devpg"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The server tests use, as a connection string whose database is the maintenance database
// (where template and test databases are created and dropped). TEST_DATABASE_URL wins.
const (
	EnvTestDatabaseURL = "TEST_DATABASE_URL"
	EnvDatabaseURL     = "DATABASE_URL"
)

const (
	stopTimeout  = time.Minute
	dropTimeout  = 30 * time.Second
	setupTimeout = 2 * time.Minute // the first test of a binary may migrate the template
)

// mainErr records why Main could not provide a server. Database tests then fail with it
// rather than skip, while the package's other tests still run.
var mainErr error

// Main runs a package's tests (call it from TestMain). Unless TEST_DATABASE_URL or
// DATABASE_URL names a server, it starts a throwaway devpg cluster for this test binary,
// points TEST_DATABASE_URL at it, and stops and removes it once the tests are done.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if baseConnString() != "" {
		return m.Run()
	}
	ctx := context.Background()
	// Warnings only: a passing run stays quiet, and go test shows the output of a failing one.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir, err := devpg.TempDataDir("loopdesk-pgtest-")
	if err != nil {
		mainErr = fmt.Errorf("pgtest: create a directory for the throwaway cluster: %w", err)
		return m.Run()
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			log.Warn("pgtest: remove throwaway cluster", "dir", dir, "err", err)
		}
	}()
	cluster, err := devpg.Start(ctx, devpg.Options{DataDir: dir, Logger: log, Fast: true})
	if err != nil {
		mainErr = fmt.Errorf("pgtest: start a throwaway Postgres for this test binary: %w", err)
		return m.Run()
	}
	defer func() {
		ctx, cancel := context.WithTimeout(ctx, stopTimeout)
		defer cancel()
		if err := cluster.Stop(ctx); err != nil {
			log.Warn("pgtest: stop throwaway cluster", "err", err)
		}
	}()
	if err := os.Setenv(EnvTestDatabaseURL, cluster.ConnString("postgres")); err != nil {
		mainErr = fmt.Errorf("pgtest: export %s: %w", EnvTestDatabaseURL, err)
		return m.Run()
	}
	defer closeAdmin()
	return m.Run()
}

// New returns a pool on a new database cloned from the migrated template. The pool is
// closed and the database dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	connString := NewConnString(t)
	pool, err := postgres.Open(t.Context(), connString)
	if err != nil {
		t.Fatalf("pgtest: open test database: %v", err)
	}
	t.Cleanup(pool.Close) // registered after the drop, so it runs before it
	return pool
}

// NewConnString is New for tests that open their own connections, such as a test that
// starts the whole server: it returns the new database's connection string.
func NewConnString(t testing.TB) string {
	t.Helper()
	env, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	return env.create(t, env.template, env.strategy)
}

// NewEmptyConnString returns the connection string of a new database with no migrations
// applied, dropped when the test ends: for testing the migrations themselves.
func NewEmptyConnString(t testing.TB) string {
	t.Helper()
	env, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	return env.create(t, "template0", "")
}

// create clones template into a database named after the test and drops it at cleanup.
func (env *environment) create(t testing.TB, template, strategy string) string {
	t.Helper()
	name := databaseName(t)
	if err := env.clone(t.Context(), name, template, strategy); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dropTimeout)
		defer cancel()
		if err := env.drop(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	connString, err := withDatabase(env.base, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return connString
}

func (env *environment) clone(ctx context.Context, name, template, strategy string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	if strategy != "" && env.serverVersion >= 150000 { // STRATEGY is new in Postgres 15
		sql += " STRATEGY " + strategy
	}
	if _, err := env.admin.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create test database %s from %s: %w", name, template, err)
	}
	return nil
}

func (env *environment) drop(ctx context.Context, name string) error {
	// FORCE: a test may leave a connection open (a leaked rows, a server still shutting down).
	if _, err := env.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop test database %s: %w", name, err)
	}
	return nil
}

// baseConnString is the server tests use, or "" when none is configured.
func baseConnString() string {
	if s := os.Getenv(EnvTestDatabaseURL); s != "" {
		return s
	}
	return os.Getenv(EnvDatabaseURL)
}

// databaseName names a test database after its test, for whoever inspects a leftover one,
// with a random suffix; Postgres truncates names beyond 63 bytes.
func databaseName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case b.Len() >= 30:
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return "loopdesk_test_" + b.String() + "_" + randomHex(4)
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails
	return hex.EncodeToString(buf)
}

// withDatabase returns connString with its database replaced by dbname. It accepts both
// the URL and the keyword/value forms.
func withDatabase(connString, dbname string) (string, error) {
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		u, err := url.Parse(connString)
		if err != nil {
			return "", errors.New("parse database URL: malformed") // the URL may hold a password
		}
		u.Path, u.RawPath = "/"+dbname, ""
		q := u.Query()
		q.Del("dbname") // it would override the path
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	// In the keyword/value form a later keyword overrides an earlier one.
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(dbname) + "'"
	return strings.TrimSpace(connString) + " dbname=" + quoted, nil
}
