package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

// TestIsBadInput: what Postgres itself refuses to store is told apart from
// other failures, so that the web layer can answer 4xx for unchecked input.
func TestIsBadInput(t *testing.T) {
	db := pgtest.New(t)
	ctx := t.Context()
	if _, err := db.Exec(ctx, `CREATE TABLE probe (t text, v varchar(5), j jsonb)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `CREATE INDEX ON probe (t)`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sql  string
		args []any
		bad  bool
	}{
		{"NUL in text", `INSERT INTO probe (t) VALUES ($1)`, []any{"a\x00b"}, true},
		{"invalid UTF-8", `INSERT INTO probe (t) VALUES ($1)`, []any{"a\xffb"}, true},
		{"too long for varchar", `INSERT INTO probe (v) VALUES ($1::text::varchar(5))`, []any{"abcdefgh"}, false}, // a cast truncates
		{"too long for the column", `INSERT INTO probe (v) VALUES ($1)`, []any{"abcdefgh"}, true},
		{"NUL in jsonb", `INSERT INTO probe (j) VALUES ($1::jsonb)`, []any{`{"a":"\u0000"}`}, true},
		{"index row too large", `INSERT INTO probe (t) VALUES ($1)`, []any{randomText(300 << 10)}, true},
		{"syntax error", `INSERT INTO probe (t) VALUES (`, nil, false},
		{"division by zero", `SELECT 1/0`, nil, false},
	}
	for _, tc := range tests {
		_, err := db.Exec(ctx, tc.sql, tc.args...)
		if tc.bad && err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if got := postgres.IsBadInput(err); got != tc.bad {
			t.Errorf("%s: IsBadInput(%v) = %v, want %v", tc.name, err, got, tc.bad)
		}
	}
	if postgres.IsBadInput(nil) || postgres.IsBadInput(errors.New("plain")) {
		t.Error("IsBadInput true for a non-Postgres error")
	}
}

// randomText is n bytes that do not compress (TOAST would shrink repeated
// text below the index's limit).
func randomText(n int) string {
	var b strings.Builder
	x := uint32(2463534242)
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte('a' + byte(x%26))
	}
	return b.String()
}

// TestIsUnavailable tells a database that cannot be reached (nothing
// listening, a connection ended by the server) from errors of the request.
func TestIsUnavailable(t *testing.T) {
	ctx := t.Context()
	// Nothing listens on a port just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	_ = l.Close()
	_, err = pgx.Connect(ctx, fmt.Sprintf("postgres://x@127.0.0.1:%d/x?sslmode=disable&connect_timeout=5", addr.Port))
	if err == nil || !postgres.IsUnavailable(err) {
		t.Errorf("connection refused: IsUnavailable(%v) = false", err)
	}
	// A connection the server ends (as when it stops).
	conn, err := pgx.Connect(ctx, pgtest.NewConnString(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`)
	if err == nil {
		_, err = conn.Exec(ctx, `SELECT 1`)
	}
	if !postgres.IsUnavailable(err) {
		t.Errorf("terminated connection: IsUnavailable(%v) = false", err)
	}
	// Failures of the request itself are not outages.
	db := pgtest.New(t)
	_, syntax := db.Exec(ctx, `SELEC 1`)
	var n int
	noRows := db.QueryRow(ctx, `SELECT 1 WHERE false`).Scan(&n)
	_, badInput := db.Exec(ctx, `SELECT $1::text`, "a\x00")
	for _, err := range []error{nil, syntax, noRows, badInput, errors.New("plain"), context.Canceled} {
		if postgres.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = true", err)
		}
	}
}
