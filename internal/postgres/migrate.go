package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/loopdesk/loopdesk/migrations"
)

// migrationLockKey is the session advisory lock that serialises Migrate across instances
// starting at once ("loopdesk" in ASCII). Other advisory locks must use other keys.
const migrationLockKey int64 = 0x6c6f6f706465736b

// unlockTimeout bounds releasing the lock after a cancelled migration.
const unlockTimeout = 10 * time.Second

// Migrate brings the database up to date: Loopdesk's goose migrations from migrations.FS,
// then River's own. It holds a session advisory lock for the whole run, so several instances
// may call it at once: the first migrates, the others wait and then find nothing to do.
// The pool needs at least two connections: one holds the lock while another migrates.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (err error) {
	if log == nil {
		log = slog.Default()
	}
	if pool.Config().MaxConns < 2 {
		return errors.New("postgres: migrate needs a pool of at least 2 connections (one holds the lock)")
	}
	lockConn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: acquire lock connection: %w", err)
	}
	start := time.Now()
	if _, err := lockConn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		lockConn.Release()
		return fmt.Errorf("postgres: migrate: take migration lock: %w", err)
	}
	if waited := time.Since(start); waited > time.Second {
		log.Info("postgres: waited for another instance's migrations", "waited", waited.Round(time.Millisecond))
	}
	defer func() {
		// A fresh context: a cancelled migration must still release the lock.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		if _, unlockErr := lockConn.Exec(ctx, "SELECT pg_advisory_unlock($1)", migrationLockKey); unlockErr != nil {
			// The lock may still be held: close the connection, which drops it, rather than
			// hand a locked session back to the pool.
			_ = lockConn.Conn().Close(ctx)
			err = errors.Join(err, fmt.Errorf("postgres: migrate: release migration lock: %w", unlockErr))
		}
		lockConn.Release()
	}()

	if err := migrateGoose(ctx, pool, log); err != nil {
		return err
	}
	return migrateRiver(ctx, pool, log)
}

func migrateGoose(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close() // leaves the pool open
	// No goose locker: Migrate already holds the advisory lock.
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithDisableGlobalRegistry(true),
		goose.WithLogger(goose.NopLogger()), // we log each applied version ourselves
	)
	if err != nil {
		return fmt.Errorf("postgres: migrate: load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if partial, ok := errors.AsType[*goose.PartialError](err); ok {
		results = partial.Applied
	}
	for _, r := range results {
		log.Info("postgres: applied migration", "version", r.Source.Version,
			"file", path.Base(r.Source.Path), "duration", r.Duration.Round(time.Microsecond))
	}
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

func migrateRiver(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("postgres: migrate river: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("postgres: migrate river: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("postgres: applied River migration", "version", v.Version, "name", v.Name,
			"duration", v.Duration.Round(time.Microsecond))
	}
	return nil
}

// MigrationsDone returns nil when every embedded goose migration and every River migration
// has been applied, and an error naming what is missing otherwise. It only reads, so a
// readiness probe may call it while another instance migrates.
func MigrationsDone(ctx context.Context, pool *pgxpool.Pool) error {
	want, err := embeddedVersions()
	if err != nil {
		return err
	}
	// Query the version table directly: goose's own status calls create it when missing.
	const appliedVersions = `
		SELECT version_id FROM goose_db_version WHERE is_applied AND version_id > 0`
	var hasTable bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('goose_db_version') IS NOT NULL").Scan(&hasTable); err != nil {
		return fmt.Errorf("postgres: check migrations: %w", err)
	}
	var applied []int64
	if hasTable {
		rows, err := pool.Query(ctx, appliedVersions)
		if err != nil {
			return fmt.Errorf("postgres: check migrations: %w", err)
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("postgres: check migrations: %w", err)
			}
			applied = append(applied, v)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: check migrations: %w", err)
		}
	}
	var missing []int64
	for _, v := range want {
		if !slices.Contains(applied, v) {
			missing = append(missing, v)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("postgres: database is not migrated: %d of %d migrations pending (first %d, latest embedded %d)",
			len(missing), len(want), missing[0], want[len(want)-1])
	}

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("postgres: check River migrations: %w", err)
	}
	existing, err := migrator.ExistingVersions(ctx)
	if err != nil {
		return fmt.Errorf("postgres: check River migrations: %w", err)
	}
	all := migrator.AllVersions()
	if len(existing) < len(all) {
		return fmt.Errorf("postgres: River is not migrated: %d of %d migrations applied", len(existing), len(all))
	}
	return nil
}

// embeddedVersions lists the goose versions in migrations.FS, ascending.
func embeddedVersions() ([]int64, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: list migrations: %w", err)
	}
	versions := make([]int64, 0, len(names))
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: %w", name, err)
		}
		versions = append(versions, v)
	}
	if len(versions) == 0 {
		return nil, errors.New("postgres: no migrations embedded")
	}
	slices.Sort(versions)
	return versions, nil
}
