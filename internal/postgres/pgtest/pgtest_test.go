package pgtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) {
	Main(m)
}

// TestIsolation runs two parallel tests that each write to their own database and must not
// see the other's row.
func TestIsolation(t *testing.T) {
	var (
		mu    sync.Mutex
		names = map[string]string{}
	)
	for _, email := range []string{"ada@example.com", "linh@example.com"} {
		t.Run(email, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := New(t)

			var dbname string
			if err := db.QueryRow(ctx, "SELECT current_database()").Scan(&dbname); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			names[email] = dbname
			mu.Unlock()

			for _, table := range []string{"users", "river_job", "goose_db_version"} {
				var exists bool
				if err := db.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
					t.Fatal(err)
				}
				if !exists {
					t.Errorf("table %s missing: the clone is not migrated", table)
				}
			}

			const insertUser = `
				INSERT INTO users (email, name, role, password_hash)
				VALUES ($1, 'Test', 'rep', 'x')`
			if _, err := db.Exec(ctx, insertUser, email); err != nil {
				t.Fatal(err)
			}
			// Give the other test time to write too, so a shared database would show two rows.
			time.Sleep(200 * time.Millisecond)
			var emails []string
			rows, _ := db.Query(ctx, "SELECT email FROM users")
			emails, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if len(emails) != 1 || emails[0] != email {
				t.Errorf("users = %v, want only %s", emails, email)
			}
		})
	}
	t.Cleanup(func() {
		if len(names) == 2 && names["ada@example.com"] == names["linh@example.com"] {
			t.Errorf("both tests got database %s", names["ada@example.com"])
		}
	})
}

func TestDatabaseDroppedAfterTest(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		if err := New(t).QueryRow(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	env, err := setup()
	if err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := env.admin.QueryRow(t.Context(), "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestNewConnStringAndEmpty(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, tc := range []struct {
		name     string
		conn     string
		migrated bool
	}{
		{"migrated", NewConnString(t), true},
		{"empty", NewEmptyConnString(t), false},
	} {
		conn, err := pgx.Connect(ctx, tc.conn)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var migrated bool
		err = conn.QueryRow(ctx, "SELECT to_regclass('users') IS NOT NULL").Scan(&migrated)
		_ = conn.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if migrated != tc.migrated {
			t.Errorf("%s: users table exists = %t, want %t", tc.name, migrated, tc.migrated)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"host=/tmp/s port=5432 user=postgres dbname=postgres sslmode=disable", "loopdesk_test_x"},
		{"postgres://u:p@localhost:5432/postgres?sslmode=disable", "loopdesk_test_x"},
		{"postgresql://localhost/postgres?dbname=other", "loopdesk_test_x"},
	}
	for _, tc := range tests {
		got, err := withDatabase(tc.in, tc.want)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := pgconn.ParseConfig(got)
		if err != nil {
			t.Fatalf("withDatabase(%q) = %q, unparsable: %v", tc.in, got, err)
		}
		if cfg.Database != tc.want {
			t.Errorf("withDatabase(%q) database = %q, want %q", tc.in, cfg.Database, tc.want)
		}
	}
}

func TestDatabaseNameFitsIdentifier(t *testing.T) {
	name := databaseName(t)
	if len(name) > 63 || !strings.HasPrefix(name, "loopdesk_test_testdatabasenamefitsidentifier"[:44]) {
		t.Errorf("databaseName = %q (%d bytes)", name, len(name))
	}
}

// BenchmarkClone times CREATE DATABASE from the template (clone-ms/op) and the DROP at
// cleanup (drop-ms/op) with each strategy, sequentially and with GOMAXPROCS clones at once
// as parallel tests make them; it is how cloneStrategy was picked (figures beside it).
func BenchmarkClone(b *testing.B) {
	env, err := setup()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, strategy := range []string{"FILE_COPY", "WAL_LOG"} {
		for _, parallel := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/parallel=%t", strategy, parallel), func(b *testing.B) {
				var cloneNanos, dropNanos, n atomic.Int64
				cloneAndDrop := func() {
					name := "loopdesk_bench_" + randomHex(6)
					start := time.Now()
					if err := env.clone(ctx, name, env.template, strategy); err != nil {
						b.Error(err)
						return
					}
					cloned := time.Now()
					if err := env.drop(ctx, name); err != nil {
						b.Error(err)
					}
					cloneNanos.Add(int64(cloned.Sub(start)))
					dropNanos.Add(int64(time.Since(cloned)))
					n.Add(1)
				}
				if parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							cloneAndDrop()
						}
					})
				} else {
					for b.Loop() {
						cloneAndDrop()
					}
				}
				if n.Load() > 0 {
					b.ReportMetric(float64(cloneNanos.Load())/float64(n.Load())/1e6, "clone-ms/op")
					b.ReportMetric(float64(dropNanos.Load())/float64(n.Load())/1e6, "drop-ms/op")
				}
			})
		}
	}
}
