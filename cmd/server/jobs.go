package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/escalation"
)

// startJobs starts River with Loopdesk's workers: SLA checks (scheduled at
// each deadline) and the outbox sender. Missed SLA deadlines are caught up.
func startJobs(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, esc *escalation.Service) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, escalation.NewSLAWorker(esc))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			river.QueueDefault:   {MaxWorkers: 10},
			escalation.QueueSLA: {MaxWorkers: 20},
		},
		Workers: workers,
		Logger:  log,
	})
	if err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	esc.SetJobs(client)
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("start river: %w", err)
	}
	n, err := esc.CatchUp(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.Info("caught up SLA deadlines missed while stopped", "deadlines", n)
	}
	return client, nil
}
