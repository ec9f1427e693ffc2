package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// How events become deliveries.
//
// A trigger on events queues every ticket event in webhook_queue, in the
// transaction that records it, while any endpoint is enabled (the
// webhooks migration). The dispatcher takes committed queue rows with FOR UPDATE SKIP
// LOCKED, turns each into one delivery per subscribed endpoint, and, in the
// same transaction, gives every undispatched delivery (new ones, an admin's
// redeliveries and pings) its River job. No ticket transaction waits for a
// receiver; a crash between the steps leaves rows the next run picks up.
//
// RunDispatcher runs it whenever the trigger's NOTIFY arrives (at commit)
// and every SweepInterval in case a notification was missed.

const (
	// Queue is the River queue of deliveries, so slow receivers cannot hold
	// up other work. The River client must configure it.
	Queue = "webhooks"
	// SweepInterval is how often the dispatcher looks without a notification.
	SweepInterval = 5 * time.Second
	channel       = "loopdesk_webhooks"
	dispatchBatch = 200
)

// sqlLockQueue takes queued events, oldest first.
const sqlLockQueue = `
SELECT q.event_id, e.subject_id, coalesce(e.actor_id, 0), e.action, e.data, e.created_at
FROM webhook_queue q JOIN events e ON e.id = q.event_id
ORDER BY q.event_id
LIMIT $1
FOR UPDATE OF q SKIP LOCKED`

const sqlLockUndispatched = `
SELECT id FROM webhook_deliveries
WHERE status = 'pending' AND job_id IS NULL
ORDER BY id
LIMIT $1
FOR UPDATE SKIP LOCKED`

const sqlSetJob = `
UPDATE webhook_deliveries d SET job_id = j.job_id
FROM unnest($1::bigint[], $2::bigint[]) AS j(id, job_id)
WHERE d.id = j.id`

// Dispatch turns queued events into deliveries and gives pending deliveries
// their jobs, one batch of each; it reports how many rows it handled, so a
// caller can run it again while there is more.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	if s.jobs == nil {
		return 0, errors.New("webhooks: no River client (SetJobs)")
	}
	var n int
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		made, err := s.eventsToDeliveriesTx(ctx, tx)
		if err != nil {
			return err
		}
		jobs, err := s.insertJobsTx(ctx, tx)
		n = made + jobs
		return err
	})
	return n, err
}

func (s *Service) eventsToDeliveriesTx(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := tx.Query(ctx, sqlLockQueue, dispatchBatch)
	if err != nil {
		return 0, fmt.Errorf("lock webhook queue: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (event, error) {
		var e event
		return e, r.Scan(&e.ID, &e.TicketID, &e.ActorID, &e.Action, &e.Data, &e.CreatedAt)
	})
	if err != nil {
		return 0, fmt.Errorf("lock webhook queue: %w", err)
	}
	if len(events) == 0 {
		return 0, nil
	}
	rows, err = tx.Query(ctx, sqlSelectEndpoint+` WHERE enabled ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("enabled webhook endpoints: %w", err)
	}
	endpoints, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) { return scanEndpoint(r) })
	if err != nil {
		return 0, fmt.Errorf("enabled webhook endpoints: %w", err)
	}
	now := s.now()
	ids := make([]int64, 0, len(events))
	for _, e := range events {
		ids = append(ids, e.ID)
		typ, ok := typeOf(e.Action, e.Data)
		if !ok {
			continue
		}
		var body []byte
		for _, ep := range endpoints {
			// An endpoint hears of events from its creation on.
			if !slices.Contains(ep.Events, typ) || ep.CreatedAt.After(e.CreatedAt) {
				continue
			}
			if body == nil {
				var found bool
				body, found, err = s.buildPayload(ctx, tx, e, typ)
				if err != nil {
					return 0, err
				}
				if !found {
					break
				}
			}
			if _, err := tx.Exec(ctx, sqlInsertDelivery, ep.ID, e.ID, e.TicketID, typ, string(body), nil, now); err != nil {
				return 0, fmt.Errorf("insert webhook delivery: %w", err)
			}
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM webhook_queue WHERE event_id = ANY($1)`, ids); err != nil {
		return 0, fmt.Errorf("clear webhook queue: %w", err)
	}
	return len(events), nil
}

func (s *Service) insertJobsTx(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := tx.Query(ctx, sqlLockUndispatched, dispatchBatch)
	if err != nil {
		return 0, fmt.Errorf("lock webhook deliveries: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("lock webhook deliveries: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: DeliverArgs{ID: id}, InsertOpts: &river.InsertOpts{Queue: Queue, MaxAttempts: s.cfg.MaxAttempts}}
	}
	res, err := s.jobs.InsertManyTx(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("insert webhook jobs: %w", err)
	}
	deliveryIDs, jobIDs := make([]int64, 0, len(res)), make([]int64, 0, len(res))
	for _, r := range res {
		var a DeliverArgs
		if err := json.Unmarshal(r.Job.EncodedArgs, &a); err != nil {
			return 0, fmt.Errorf("decode inserted webhook job: %w", err)
		}
		deliveryIDs, jobIDs = append(deliveryIDs, a.ID), append(jobIDs, r.Job.ID)
	}
	if _, err := tx.Exec(ctx, sqlSetJob, deliveryIDs, jobIDs); err != nil {
		return 0, fmt.Errorf("record webhook jobs: %w", err)
	}
	return len(ids), nil
}

// RunDispatcher dispatches until ctx ends: at once, on every notification
// from the queue trigger (a ticket change, a redelivery), and every
// SweepInterval. It holds one pool connection for LISTEN. Old deliveries
// (Config.Keep) are pruned once an hour.
func (s *Service) RunDispatcher(ctx context.Context) {
	var lastPrune time.Time
	for ctx.Err() == nil {
		err := s.listen(ctx, func() {
			for {
				n, err := s.Dispatch(ctx)
				if err != nil {
					if ctx.Err() == nil {
						s.log.WarnContext(ctx, "webhooks: dispatch", "err", err)
					}
					return
				}
				if n < dispatchBatch {
					break
				}
			}
			if now := s.now(); now.Sub(lastPrune) > time.Hour {
				lastPrune = now
				if n, err := s.Prune(ctx); err != nil {
					s.log.WarnContext(ctx, "webhooks: prune the delivery log", "err", err)
				} else if n > 0 {
					s.log.InfoContext(ctx, "webhooks: pruned old deliveries", "count", n)
				}
			}
		})
		if ctx.Err() != nil {
			return
		}
		s.log.WarnContext(ctx, "webhooks: dispatcher lost its connection; retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// listen runs work now, after every notification and every SweepInterval,
// until ctx ends or the connection fails.
func (s *Service) listen(ctx context.Context, work func()) error {
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// The connection may still be listening: close it rather than
		// return it to the pool.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	for {
		work()
		wctx, cancel := context.WithTimeout(ctx, SweepInterval)
		_, err := conn.Conn().WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			return err
		}
	}
}

// Prune deletes deliveries older than Config.Keep.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM webhook_deliveries WHERE created_at < $1 AND status <> 'pending'`, s.now().Add(-s.cfg.Keep))
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}
