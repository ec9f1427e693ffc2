package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/outbox"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/webhooks"
)

// newOutbox configures customer mail: SMTP from the environment, or held
// for the admin Outbox page when no SMTP server is set.
func newOutbox(getenv func(string) string, pool *pgxpool.Pool, cat *i18n.Catalog, log *slog.Logger) (*outbox.Outbox, error) {
	cfg := outbox.ConfigFromEnv(getenv)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var sender outbox.Sender // a nil interface holds mail
	if cfg.Configured() {
		s, err := outbox.NewSMTPSender(cfg)
		if err != nil {
			return nil, err
		}
		sender = s
	} else {
		log.Warn("no SMTP configured (LOOPDESK_SMTP_ADDR): customer mail is held on the admin Outbox page")
	}
	return outbox.New(pool, cat, sender, log, time.Now), nil
}

// riverQueues are the River queues of `serve` and their worker counts.
func riverQueues() map[string]river.QueueConfig {
	return map[string]river.QueueConfig{
		river.QueueDefault:        {MaxWorkers: 10},
		escalation.QueueSLAChecks: {MaxWorkers: 16},
		escalation.QueueSLA:       {MaxWorkers: 4}, // recomputes, and checks queued by versions before QueueSLAChecks
		outbox.Queue:              {MaxWorkers: 5},
		webhooks.Queue:            {MaxWorkers: 5}, // selfserve: holds no connection while a receiver answers
	}
}

// riverOverheadConns are the connections River takes besides its workers:
// the notifier's LISTEN connection, leader election and the maintenance
// services (rescuer, cleaner, periodic enqueuer), which may run at once.
const riverOverheadConns = 3

// servePoolSize sizes the pgx pool of `serve` against River's worker counts,
// so that busy jobs cannot starve the web pages of connections:
//
//	pool = web + Σ MaxWorkers + queues + riverOverheadConns
//
// web is what the pool would be without River (postgres.DefaultMaxConns:
// a few connections per core). Each running job holds at most one
// connection at a time (the outbox sends mail with none), and each queue's
// producer fetches and completes jobs on its own. With 10+16+4+5+5 workers
// in 5 queues on 2 cores that is 8+40+5+3+1 = 57, under Postgres's default
// max_connections of 100; each further instance needs as many again (two
// instances need max_connections raised above 114).
func servePoolSize() int32 {
	n := postgres.DefaultMaxConns() + riverOverheadConns + 1 // + the webhook dispatcher's LISTEN
	for _, q := range riverQueues() {
		n += int32(q.MaxWorkers) + 1
	}
	return n
}

// startJobs starts River with Loopdesk's workers: SLA checks (scheduled at
// each deadline) and the outbox sender. Missed SLA deadlines are caught up.
func startJobs(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger, esc *escalation.Service, mail *outbox.Outbox, survey *csat.Store, rep *reports.Store, hooks *webhooks.Service, spam *mailin.Spam) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	esc.AddWorkers(workers) // SLA checks and recomputes
	mail.AddWorkers(workers)
	hooks.AddWorkers(workers)
	river.AddWorker(workers, csat.NewSurveyWorker(survey))
	river.AddWorker(workers, reports.NewWorker(rep))
	river.AddWorker(workers, mailin.NewPurgeWorker(spam)) // held mail past its days
	periodic := append(outbox.PeriodicJobs(), csat.PeriodicJobs()...)
	periodic = append(periodic, reports.PeriodicJobs()...)
	periodic = append(periodic, mailin.PeriodicJobs()...)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues: riverQueues(),
		// A job still marked running this long after it started was lost
		// with its instance (killed between finishing its work and River
		// recording it): it runs again. River's default is an hour, which
		// would hold back the later levels of a deadline whose check
		// snoozes; every job here is bounded well within this (the longest,
		// the report refresh, by 1m45s).
		RescueStuckJobsAfter: 5 * time.Minute,
		PeriodicJobs:         periodic,
		Workers:              workers,
		Logger:               quieter(log, slog.LevelWarn),
	})
	if err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	esc.SetJobs(client)
	hooks.SetJobs(client)
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("start river: %w", err)
	}
	go hooks.RunDispatcher(ctx) // selfserve: ticket events -> webhook deliveries
	n, err := esc.CatchUp(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.Info("caught up SLA deadlines missed while stopped", "deadlines", n)
	}
	return client, nil
}

// quieter returns log without its records below min. River reports its
// producers' job counts at info level every few seconds; an operator wants
// to hear from it only when something is wrong.
func quieter(log *slog.Logger, min slog.Level) *slog.Logger {
	return slog.New(minLevel{Handler: log.Handler(), min: min})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}
