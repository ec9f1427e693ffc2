package postgres_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/migrations"
)

func TestMain(m *testing.M) {
	pgtest.Main(m)
}

// TestMigrateConcurrently starts two "instances" on one fresh database at once: both must
// succeed, and each migration must be applied exactly once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	connString := pgtest.NewEmptyConnString(t)

	check := open(t, connString)
	if err := postgres.MigrationsDone(ctx, check); err == nil {
		t.Fatal("MigrationsDone = nil on an empty database")
	}

	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		pool := open(t, connString)
		wg.Go(func() { errs[i] = postgres.Migrate(ctx, pool, log) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i, err)
		}
	}

	if err := postgres.MigrationsDone(ctx, check); err != nil {
		t.Errorf("MigrationsDone after Migrate: %v", err)
	}
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(logs.String(), `msg="postgres: applied migration"`); got != len(files) {
		t.Errorf("%d goose migrations logged as applied, want each of the %d exactly once:\n%s", got, len(files), logs.String())
	}
	for _, table := range []string{"users", "river_job"} {
		var exists bool
		if err := check.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s missing after Migrate (err %v)", table, err)
		}
	}

	// The lock must have been released: a third run gets it at once and has nothing to do.
	if err := postgres.Migrate(ctx, check, slog.New(slog.DiscardHandler)); err != nil {
		t.Errorf("Migrate on a migrated database: %v", err)
	}
}

func TestMigrationsDoneNoticesMissingVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	if err := postgres.MigrationsDone(ctx, db); err != nil {
		t.Fatalf("MigrationsDone on a migrated clone: %v", err)
	}
	if _, err := db.Exec(ctx, "DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)"); err != nil {
		t.Fatal(err)
	}
	err := postgres.MigrationsDone(ctx, db)
	if err == nil || !strings.Contains(err.Error(), "pending") {
		t.Errorf("MigrationsDone with the latest version missing = %v, want a pending error", err)
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	if _, err := db.Exec(ctx, "CREATE TABLE notes (body text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	insert := func(body string) func(pgx.Tx) error {
		return func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO notes (body) VALUES ($1)", body)
			return err
		}
	}

	if err := postgres.InTx(ctx, db, insert("committed")); err != nil {
		t.Fatalf("InTx: %v", err)
	}
	errBoom := errors.New("boom")
	err := postgres.InTx(ctx, db, func(tx pgx.Tx) error {
		if err := insert("rolled back")(tx); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Errorf("InTx error = %v, want fn's error", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("InTx swallowed a panic")
			}
		}()
		_ = postgres.InTx(ctx, db, func(tx pgx.Tx) error {
			_ = insert("panicked")(tx)
			panic("boom")
		})
	}()

	rows, _ := db.Query(ctx, "SELECT body FROM notes")
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(bodies) != "[committed]" {
		t.Errorf("notes = %v, want only the committed one", bodies)
	}
	// Every connection must be back in the pool, none left in an open transaction.
	if stat := db.Stat(); stat.AcquiredConns() != 0 {
		t.Errorf("%d connections still acquired", stat.AcquiredConns())
	}
}

func TestViolationHelpers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	const schema = `
		CREATE TABLE parents (id int PRIMARY KEY, code text CONSTRAINT parents_code_key UNIQUE);
		CREATE TABLE children (
			parent_id int CONSTRAINT children_parent_fk REFERENCES parents (id),
			age int CONSTRAINT children_age_check CHECK (age >= 0)
		);
		INSERT INTO parents VALUES (1, 'a');`
	if _, err := db.Exec(ctx, schema); err != nil {
		t.Fatal(err)
	}
	_, uniqueErr := db.Exec(ctx, "INSERT INTO parents VALUES (2, 'a')")
	_, fkErr := db.Exec(ctx, "INSERT INTO children VALUES (99, 1)")
	_, checkErr := db.Exec(ctx, "INSERT INTO children VALUES (1, -1)")

	helpers := map[string]func(error) (string, bool){
		"unique":      postgres.IsUniqueViolation,
		"foreign key": postgres.IsForeignKeyViolation,
		"check":       postgres.IsCheckViolation,
	}
	cases := map[string]struct {
		err        error
		constraint string
	}{
		"unique":      {uniqueErr, "parents_code_key"},
		"foreign key": {fkErr, "children_parent_fk"},
		"check":       {checkErr, "children_age_check"},
	}
	for helperName, helper := range helpers {
		for caseName, c := range cases {
			wrapped := fmt.Errorf("store: %w", c.err)
			constraint, ok := helper(wrapped)
			if want := helperName == caseName; ok != want || (ok && constraint != c.constraint) {
				t.Errorf("%s helper on a %s violation = (%q, %t), want ok=%t constraint %q",
					helperName, caseName, constraint, ok, want, c.constraint)
			}
		}
		if _, ok := helper(errors.New("other")); ok {
			t.Errorf("%s helper matched a plain error", helperName)
		}
		if _, ok := helper(nil); ok {
			t.Errorf("%s helper matched nil", helperName)
		}
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	connString := pgtest.NewConnString(t)

	pool := open(t, connString)
	if got := pool.Config().MaxConns; got < 8 {
		t.Errorf("default MaxConns = %d, want at least 8", got)
	}
	pool = open(t, connString+" pool_max_conns=3")
	if got := pool.Config().MaxConns; got != 3 {
		t.Errorf("MaxConns with pool_max_conns=3 = %d", got)
	}

	// Sessions run in UTC even when the connection string (or PGTZ, or the
	// server's configuration) names another zone.
	for _, cs := range []string{connString, connString + " timezone=Asia/Kolkata"} {
		var tz string
		if err := open(t, cs).QueryRow(ctx, `SHOW timezone`).Scan(&tz); err != nil || tz != "UTC" {
			t.Errorf("session time zone = %q (%v), want UTC", tz, err)
		}
	}

	// No JIT unless the connection string asks for it.
	for cs, want := range map[string]string{connString: "off", connString + " jit=on": "on"} {
		var jit string
		if err := open(t, cs).QueryRow(ctx, `SHOW jit`).Scan(&jit); err != nil || jit != want {
			t.Errorf("jit = %q (%v), want %s", jit, err, want)
		}
	}

	// Idle connections close after a minute unless the connection string
	// says otherwise.
	if got := open(t, connString).Config().MaxConnIdleTime; got != time.Minute {
		t.Errorf("MaxConnIdleTime = %s, want 1m", got)
	}
	if got := open(t, connString+" pool_max_conn_idle_time=10m").Config().MaxConnIdleTime; got != 10*time.Minute {
		t.Errorf("MaxConnIdleTime with pool_max_conn_idle_time=10m = %s", got)
	}

	// No description cache where nothing uses it; a connection string that
	// picks the mode that does keeps it, and its queries work.
	if got := open(t, connString).Config().ConnConfig.DescriptionCacheCapacity; got != 0 {
		t.Errorf("description cache of %d statements in cache_statement mode", got)
	}
	describe := open(t, connString+" default_query_exec_mode=cache_describe")
	if got := describe.Config().ConnConfig.DescriptionCacheCapacity; got == 0 {
		t.Error("no description cache in cache_describe mode")
	}
	var one int
	if err := describe.QueryRow(ctx, `SELECT $1::int`, 1).Scan(&one); err != nil || one != 1 {
		t.Errorf("cache_describe query = %d, %v", one, err)
	}

	if _, err := postgres.Open(ctx, "host=/nonexistent-socket-dir user=postgres dbname=x connect_timeout=2"); err == nil {
		t.Error("Open succeeded with no server")
	}
}

func open(t *testing.T, connString string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Open(t.Context(), connString)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// syncBuffer is a bytes.Buffer safe for the two migrating goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
