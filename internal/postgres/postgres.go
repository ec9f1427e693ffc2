// Package postgres holds Loopdesk's shared Postgres plumbing: the pool, the Querier that
// store code runs on (pool or transaction), InTx, migrations and error-code checks.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is what store code needs to run SQL. Both *pgxpool.Pool and pgx.Tx satisfy it,
// so one store method serves a standalone call and a caller's transaction alike.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, tableName pgx.Identifier, columnNames []string, rowSrc pgx.CopyFromSource) (int64, error)
}

var (
	_ Querier = (*pgxpool.Pool)(nil)
	_ Querier = (pgx.Tx)(nil)
)

// Open connects a pool to connString and pings the server. Unless connString sets
// pool_max_conns, the pool holds DefaultMaxConns() connections.
func Open(ctx context.Context, connString string) (*pgxpool.Pool, error) {
	return OpenSized(ctx, connString, DefaultMaxConns())
}

// OpenSized is Open with a pool of maxConns connections, unless connString
// sets pool_max_conns.
func OpenSized(ctx context.Context, connString string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString) // its errors redact any password
	if err != nil {
		return nil, fmt.Errorf("postgres: parse connection string: %w", err)
	}
	if !strings.Contains(connString, "pool_max_conns") {
		cfg.MaxConns = maxConns
	}
	// Every session works in UTC, whatever the server's or the environment's
	// (PGTZ) default: SQL that truncates to days or weeks names the viewer's
	// zone itself (AT TIME ZONE), and nothing depends on where Postgres runs.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// No JIT compilation: every statement of the desk reads a few rows by
	// index (reports read rollups), where compiling costs far more than it
	// saves. A plan priced high by a misestimate (a table without statistics
	// yet, guessed at thousands of rows) was JIT-compiled on every page:
	// 0.7 s each, measured.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	// A connection caches the statements it prepared (cache_statement, the
	// default); its second cache, of descriptions, serves only the
	// cache_describe mode, and its empty 512-entry map costs 30 KB per
	// connection for nothing.
	if cfg.ConnConfig.DefaultQueryExecMode == pgx.QueryExecModeCacheStatement && !strings.Contains(connString, "description_cache_capacity") {
		cfg.ConnConfig.DescriptionCacheCapacity = 0
	}
	// Connections a busy spell opened close after a minute unused (pgx's
	// default is 30): each holds about 250 KB of this process's memory
	// (statement cache, buffers; measured after a loadbench run) and a
	// Postgres backend with its own caches and plans. The pool opens them
	// again in milliseconds when work comes back, and the ones in steady
	// use (River's, the pages') do not sit idle that long.
	if !strings.Contains(connString, "pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = time.Minute
	}
	if !strings.Contains(connString, "pool_health_check_period") {
		cfg.HealthCheckPeriod = 15 * time.Second // how often the idle ones are looked at
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return pool, nil
}

// DefaultMaxConns sizes the pool from the cores: Postgres throughput peaks at a few active
// connections per core (beyond that they queue inside the server), but some connections sit
// idle in a transaction or are held by River (its LISTEN connection, its producers). pgx's
// own default, max(4, cores), is too tight for that; 8 on 2 cores, capped for big hosts.
func DefaultMaxConns() int32 {
	return int32(max(8, min(4*runtime.GOMAXPROCS(0), 32)))
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled back when it
// returns an error or panics (the panic then continues).
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Roll back even when ctx is cancelled: the connection goes back to the pool.
		rbErr := tx.Rollback(context.WithoutCancel(ctx))
		if rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) && err != nil {
			err = errors.Join(err, fmt.Errorf("postgres: rollback: %w", rbErr))
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	committed = true
	return nil
}
