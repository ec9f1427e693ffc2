package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/migrations"
)

// cloneStrategy is how test databases are copied from the template. BenchmarkClone on the
// Fast devpg cluster (2 cores, Postgres 15, data on tmpfs) measured per clone: FILE_COPY
// 19-21 ms, WAL_LOG 25-28 ms; with two clones at once 23-34 ms against 32-52 ms. FILE_COPY's
// checkpoints are cheap with fsync off, while WAL_LOG pushes every page through the WAL.
const cloneStrategy = "FILE_COPY"

// templateLockKey serialises template creation across test binaries that share a server
// ("ldtmpl" in ASCII); it is taken in the maintenance database.
const templateLockKey int64 = 0x6c64746d706c

// environment is what every test database is made from: one per test binary.
type environment struct {
	base          string        // connection string of the maintenance database
	admin         *pgxpool.Pool // on the maintenance database: CREATE and DROP DATABASE
	template      string        // the migrated template database
	strategy      string
	serverVersion int
}

// The environment is built by the first database test and shared by the rest of the test
// binary; a failure is remembered so every database test reports it quickly.
var (
	envMu  sync.Mutex
	env    *environment
	envErr error
)

func setup() (*environment, error) {
	envMu.Lock()
	defer envMu.Unlock()
	if env != nil || envErr != nil {
		return env, envErr
	}
	env, envErr = newEnvironment()
	return env, envErr
}

// closeAdmin closes the shared pool before Main stops the cluster under it.
func closeAdmin() {
	envMu.Lock()
	defer envMu.Unlock()
	if env != nil {
		env.admin.Close()
	}
}

func newEnvironment() (*environment, error) {
	if mainErr != nil {
		return nil, mainErr
	}
	base := baseConnString()
	if base == "" {
		return nil, fmt.Errorf("pgtest: no Postgres server for this database test: call pgtest.Main(m) from TestMain "+
			"to start a throwaway one, or set %s (e.g. go run ./cmd/pgrun -- go test ./...)", EnvTestDatabaseURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	cfg, err := pgxpool.ParseConfig(base)
	if err != nil {
		return nil, fmt.Errorf("pgtest: parse %s: %w", EnvTestDatabaseURL, err)
	}
	cfg.MaxConns = 4 // CREATE/DROP DATABASE only; the server serialises them anyway
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgtest: connect to the test server: %w", err)
	}
	e := &environment{base: base, admin: admin, strategy: cloneStrategy}
	if err := e.init(ctx); err != nil {
		admin.Close()
		return nil, err
	}
	return e, nil
}

func (e *environment) init(ctx context.Context) error {
	if err := e.admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&e.serverVersion); err != nil {
		return fmt.Errorf("pgtest: no reachable Postgres server at %s/%s (is it running?): %w", EnvTestDatabaseURL, EnvDatabaseURL, err)
	}
	name, err := templateName()
	if err != nil {
		return err
	}
	if err := e.ensureTemplate(ctx, name); err != nil {
		return fmt.Errorf("pgtest: prepare template database %s: %w", name, err)
	}
	e.template = name
	return nil
}

// ensureTemplate creates and migrates the template unless an earlier test binary did. Its
// name hashes the migrations, so a changed migration gets a fresh template while unchanged
// ones are reused across test binaries and runs on the same server.
func (e *environment) ensureTemplate(ctx context.Context, name string) (err error) {
	conn, err := e.admin.Acquire(ctx) // the session lock lives on this one connection
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		conn.Release()
		return fmt.Errorf("take template lock: %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dropTimeout)
		defer cancel()
		if _, unlockErr := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLockKey); unlockErr != nil {
			_ = conn.Conn().Close(ctx) // closing the session drops the lock
			err = errors.Join(err, fmt.Errorf("release template lock: %w", unlockErr))
		}
		conn.Release()
	}()

	ident := pgx.Identifier{name}.Sanitize()
	var ready bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&ready)
	switch {
	case err == nil && ready:
		return nil
	case err == nil:
		// Marked a template only once fully migrated: this one is left from a binary that
		// died half-way.
		if _, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop unfinished template: %w", err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}

	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		return err
	}
	connString, err := withDatabase(e.base, name)
	if err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, connString)
	if err != nil {
		return err
	}
	err = postgres.Migrate(ctx, pool, slog.New(slog.DiscardHandler))
	// Every connection to the template must be gone before it can be cloned.
	pool.Close()
	if err != nil {
		return err
	}
	// No connections from now on: a stray one would make CREATE DATABASE ... TEMPLATE fail.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("mark as template: %w", err)
	}
	return nil
}

// templateName hashes Loopdesk's and River's migrations into loopdesk_tmpl_<12 hex>.
func templateName() (string, error) {
	h := sha256.New()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", fmt.Errorf("pgtest: list migrations: %w", err)
	}
	slices.Sort(names)
	for _, name := range names {
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return "", fmt.Errorf("pgtest: read migration: %w", err)
		}
		writeField(h, []byte(name))
		writeField(h, b)
	}
	// River's migrations ship with its module: upgrading River must not reuse an old template.
	migrator, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return "", fmt.Errorf("pgtest: list River migrations: %w", err)
	}
	for _, m := range migrator.AllVersions() {
		writeField(h, []byte(m.Name))
		writeField(h, []byte(m.SQLUp))
	}
	return "loopdesk_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// writeField writes a length-prefixed field, so that no two file lists hash alike.
func writeField(h io.Writer, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	_, _ = h.Write(n[:])
	_, _ = h.Write(b)
}
