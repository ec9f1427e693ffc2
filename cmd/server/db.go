package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/devpg"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

const embeddedDB = "loopdesk"

// openDB connects to DATABASE_URL, or starts the private cluster in the data
// dir and connects to its loopdesk database. It migrates before returning.
// closeFn closes the pool and stops the private cluster.
func openDB(ctx context.Context, cfg *config, log *slog.Logger) (pool *pgxpool.Pool, closeFn func(), err error) {
	url := cfg.DatabaseURL
	stopCluster := func() {}
	if url == "" {
		if _, err := devpg.FindBinDir(); err != nil {
			return nil, nil, err
		}
		log.Info("DATABASE_URL is not set: starting the private Postgres cluster", "data_dir", cfg.DataDir)
		cluster, err := devpg.Start(ctx, devpg.Options{DataDir: cfg.DataDir, Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("start private postgres: %w", err)
		}
		stopCluster = func() {
			if err := cluster.Stop(context.Background()); err != nil {
				log.Error("stop private postgres", "err", err)
			}
		}
		if err := ensureDatabase(ctx, cluster.ConnString("postgres"), embeddedDB); err != nil {
			stopCluster()
			return nil, nil, err
		}
		if cfg.onDBLost != nil {
			// A postmaster that dies is started again (logged); the pool's broken
			// connections are replaced on their next use.
			cluster.Supervise(cfg.onDBLost)
		}
		url = cluster.ConnString(embeddedDB)
	}
	size := cfg.poolSize
	if size == 0 {
		size = postgres.DefaultMaxConns()
	}
	pool, err = postgres.OpenSized(ctx, url, size)
	if err != nil {
		stopCluster()
		return nil, nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := postgres.Migrate(ctx, pool, log); err != nil {
		pool.Close()
		stopCluster()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return pool, func() { pool.Close(); stopCluster() }, nil
}

func ensureDatabase(ctx context.Context, maintenanceURL, name string) error {
	conn, err := pgx.Connect(ctx, maintenanceURL)
	if err != nil {
		return fmt.Errorf("connect to private postgres: %w", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	if _, dup := postgres.IsUniqueViolation(err); dup {
		return nil
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return err
}
