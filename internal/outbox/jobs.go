package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// How outbox rows get their jobs.
//
// The tickets package queues a row in the transaction of the change that
// caused it (a new ticket, a reply, "find my ticket") and knows nothing of
// River. Rather than make every such transaction insert a River job too, a
// River periodic job, the dispatcher, runs every DispatchInterval on the
// leader: it locks queued rows that have no job with FOR UPDATE SKIP LOCKED
// and, in the same transaction, inserts one send job per row and records its
// id on the row. So every queued row gets exactly one job, whichever instance
// queued it, rows left by a crash or restored from a backup are picked up,
// and tickets stays free of River. LISTEN/NOTIFY would cut the delay of up to
// DispatchInterval, but needs a trigger or a change in tickets, and still a
// sweep for notifications missed while no listener was connected; for
// customer mail a few seconds do not matter.
//
// How a send survives a crash: the send job claims its row in a short
// transaction (status 'sending', claimed for claimLease), talks to the SMTP
// server with no transaction open, and records the result in another short
// transaction, so a slow mail server holds neither a row lock nor a pool
// connection. When the process dies mid-send (kill -9), River would leave the
// job 'running' until its rescuer, an hour later by default; instead the
// dispatcher re-takes, on its next tick after the lease, a 'sending' row whose
// claim ran out, and a queued or failed row whose River job has been
// 'running' for longer than the lease (the process died before its claim),
// and gives it a new job. The old job, if River ever runs it again, finds the
// row is no longer its own and does nothing. Delivery is therefore at least
// once: a mail whose SMTP server accepted it just before the crash is sent
// again, with the same Message-ID (fixed at the first claim) so that
// receivers can drop the copy. The lease is far longer than a send can take
// (the job's timeout), so a live job is never overtaken.
const (
	// DispatchInterval is how often the dispatcher looks for queued rows.
	DispatchInterval = 5 * time.Second
	// Queue is the River queue of the outbox jobs, so a slow SMTP server cannot
	// hold up other work. The River client must configure it.
	Queue = "outbox"
	// MaxAttempts bounds River's retries of one send; with retryBase doubling
	// up to an hour, a mail is retried for about seven hours before it stays failed.
	MaxAttempts = 12

	dispatchBatch = 100
	sendTimeout   = 45 * time.Second
	maxErrorLen   = 500
	// jobTimeout bounds one send attempt (SendWorker.Timeout): River cancels
	// the job's context after it.
	jobTimeout = sendTimeout + 15*time.Second
	// claimLease is how long a claimed row is its job's: well past
	// jobTimeout, so only a job whose process died loses its row.
	claimLease = 2 * time.Minute
)

// Outbox dispatches and sends queued mail.
type Outbox struct {
	db        *pgxpool.Pool
	cat       *i18n.Catalog
	sender    Sender // nil: no SMTP, mail is held
	log       *slog.Logger
	now       func() time.Time
	retryBase time.Duration // first retry delay; doubles per attempt up to retryMax
	retryMax  time.Duration
	retention time.Duration // how long sent mail keeps its content (purge.go)
}

// New returns the outbox on db. sender is nil when no SMTP server is
// configured (pass a nil interface, not a nil *SMTPSender).
func New(db *pgxpool.Pool, cat *i18n.Catalog, sender Sender, log *slog.Logger, now func() time.Time) *Outbox {
	return &Outbox{db: db, cat: cat, sender: sender, log: log, now: now, retryBase: 30 * time.Second, retryMax: time.Hour,
		retention: DefaultRetention}
}

// AddWorkers registers the outbox's River workers.
func (o *Outbox) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &DispatchWorker{o: o})
	river.AddWorker(w, &SendWorker{o: o})
	river.AddWorker(w, &PurgeWorker{o: o})
}

// Workers returns a River worker set with only the outbox's workers; a
// program with other jobs calls AddWorkers on its own set instead.
func (o *Outbox) Workers() *river.Workers {
	w := river.NewWorkers()
	o.AddWorkers(w)
	return w
}

// PeriodicJobs returns the dispatcher, run every DispatchInterval, and the
// purge of delivered mail, run every PurgeInterval; both also at start.
func PeriodicJobs() []*river.PeriodicJob { return periodicJobs(DispatchInterval) }

func periodicJobs(every time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(
			river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return DispatchArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true},
		),
		river.NewPeriodicJob(
			river.PeriodicInterval(PurgeInterval),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true},
		),
	}
}

// DispatchArgs is the periodic job that gives queued rows their send jobs.
type DispatchArgs struct{}

// Kind names the job in River.
func (DispatchArgs) Kind() string { return "outbox_dispatch" }

// InsertOpts puts the job on the outbox queue; a dispatch that fails is simply
// done again by the next tick.
func (DispatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1}
}

// DispatchWorker runs DispatchArgs.
type DispatchWorker struct {
	river.WorkerDefaults[DispatchArgs]
	o *Outbox
}

// Work dispatches one batch of queued rows.
func (w *DispatchWorker) Work(ctx context.Context, job *river.Job[DispatchArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return err
	}
	_, err = w.o.dispatch(ctx, func(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) (map[int64]int64, error) {
		res, err := client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return nil, err
		}
		jobs := make(map[int64]int64, len(res))
		for _, r := range res {
			var a SendArgs
			if err := json.Unmarshal(r.Job.EncodedArgs, &a); err != nil {
				return nil, fmt.Errorf("decode inserted send job: %w", err)
			}
			jobs[a.ID] = r.Job.ID
		}
		return jobs, nil
	})
	return err
}

// sqlLockUndispatched takes queued rows that have no job yet; SKIP LOCKED
// lets two dispatchers (a leader hand-over) split rather than wait or double up.
const sqlLockUndispatched = `
SELECT id FROM outbox
WHERE status = 'queued' AND job_id IS NULL
ORDER BY id
LIMIT $1
FOR UPDATE SKIP LOCKED`

// sqlRetakeStuck puts back in the queue, without a job, the rows whose send
// job died: 'sending' rows whose claim ran out ($1 is now), and queued or
// failed rows whose River job has been running since before $2 (now minus
// the lease: the process died between River's fetch and the claim). The
// running outbox jobs are few, so the second half starts from river_job.
const sqlRetakeStuck = `
UPDATE outbox o SET status = 'queued', job_id = NULL, claimed_until = NULL
WHERE o.id IN (
    SELECT id FROM outbox WHERE status = 'sending' AND claimed_until < $1
    UNION
    SELECT x.id FROM river_job j JOIN outbox x ON x.id = (j.args->>'id')::bigint AND x.job_id = j.id
    WHERE j.state = 'running' AND j.kind = 'outbox_send' AND j.attempted_at < $2
      AND x.status IN ('queued', 'failed'))
RETURNING o.id`

// sqlHold parks rows for the admin page when there is no SMTP to send them.
const sqlHold = `UPDATE outbox SET status = 'held' WHERE id = ANY($1)`

// sqlSetJob records each row's send job.
const sqlSetJob = `
UPDATE outbox o SET job_id = j.job_id
FROM unnest($1::bigint[], $2::bigint[]) AS j(id, job_id)
WHERE o.id = j.id`

// insertJobs inserts send jobs in tx and returns outbox id -> job id.
type insertJobs func(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) (map[int64]int64, error)

// dispatch gives up to dispatchBatch queued rows their jobs (or holds them
// when there is no SMTP) and returns how many it handled.
func (o *Outbox) dispatch(ctx context.Context, insert insertJobs) (int, error) {
	var n int
	err := postgres.InTx(ctx, o.db, func(tx pgx.Tx) error {
		now := o.now()
		retaken, err := tx.Query(ctx, sqlRetakeStuck, now, now.Add(-claimLease))
		if err != nil {
			return fmt.Errorf("re-take stuck mail: %w", err)
		}
		stuck, err := pgx.CollectRows(retaken, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("re-take stuck mail: %w", err)
		}
		if len(stuck) > 0 {
			o.log.WarnContext(ctx, "outbox: re-queued mail whose send job died (it may reach the customer twice, with one Message-ID)",
				"outbox_ids", stuck)
		}
		rows, err := tx.Query(ctx, sqlLockUndispatched, dispatchBatch)
		if err != nil {
			return fmt.Errorf("lock queued mail: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("lock queued mail: %w", err)
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		if o.sender == nil {
			if _, err := tx.Exec(ctx, sqlHold, ids); err != nil {
				return fmt.Errorf("hold mail: %w", err)
			}
			o.log.InfoContext(ctx, "outbox: no SMTP configured, mail held for the admin Outbox page", "count", n)
			return nil
		}
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: SendArgs{ID: id}}
		}
		jobs, err := insert(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("insert send jobs: %w", err)
		}
		mailIDs, jobIDs := make([]int64, 0, len(jobs)), make([]int64, 0, len(jobs))
		for id, job := range jobs {
			mailIDs, jobIDs = append(mailIDs, id), append(jobIDs, job)
		}
		if _, err := tx.Exec(ctx, sqlSetJob, mailIDs, jobIDs); err != nil {
			return fmt.Errorf("record send jobs: %w", err)
		}
		return nil
	})
	return n, err
}

// SendArgs is the job that sends outbox row ID.
type SendArgs struct {
	ID int64 `json:"id"`
}

// Kind names the job in River.
func (SendArgs) Kind() string { return "outbox_send" }

// InsertOpts puts send jobs on the outbox queue with the outbox's attempts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// SendWorker runs SendArgs. A failed send returns its error, so River retries
// it with the backoff of NextRetry.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	o *Outbox
}

// Work sends the row.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	return w.o.send(ctx, job.Args.ID, job.ID)
}

// NextRetry doubles the delay per attempt from retryBase up to retryMax:
// 30 s, 1 min, 2 min... 1 h.
func (w *SendWorker) NextRetry(job *river.Job[SendArgs]) time.Time {
	d := w.o.retryBase
	for i := 1; i < job.Attempt && d < w.o.retryMax; i++ {
		d *= 2
	}
	return w.o.now().Add(min(d, w.o.retryMax))
}

// Timeout bounds one attempt a little beyond the SMTP timeout.
func (w *SendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return jobTimeout }

// sqlClaim takes row $1 for job $5 until $3: a queued or failed row of the
// job, or one whose earlier claim by this job ran out (River ran the job
// again after its process died). The attempt is counted here, so a crash
// mid-send still counts. message_id is fixed at the first claim.
const sqlClaim = `
UPDATE outbox SET status = 'sending', claimed_until = $3, attempts = attempts + 1, last_attempt_at = $2,
       message_id = coalesce(message_id, $4)
WHERE id = $1 AND job_id = $5
  AND (status IN ('queued', 'failed') OR (status = 'sending' AND claimed_until < $2))
RETURNING id`

// sqlHoldOwn parks a row of job $2 when there is no SMTP to send it.
const sqlHoldOwn = `UPDATE outbox SET status = 'held' WHERE id = $1 AND job_id = $2 AND status IN ('queued', 'failed')`

// sqlMarkSent and sqlMarkFailed record the result of job $3's claim; a row
// re-taken meanwhile is left alone.
const sqlMarkSent = `
UPDATE outbox SET status = 'sent', sent_at = $2, claimed_until = NULL, last_error = ''
WHERE id = $1 AND job_id = $3 AND status = 'sending'`

const sqlMarkFailed = `
UPDATE outbox SET status = 'failed', claimed_until = NULL, last_error = $2
WHERE id = $1 AND job_id = $3 AND status = 'sending'`

// send delivers row id for River job jobID: claim (short transaction), send
// (none), mark (short transaction). A job whose row is sent, gone or owned
// by a newer job does nothing.
func (o *Outbox) send(ctx context.Context, id, jobID int64) error {
	m, th, ok, err := o.claim(ctx, id, jobID)
	if err != nil || !ok {
		return err
	}
	r, err := Render(o.cat, m)
	if err != nil {
		// No attempt can fix the data: fail for the admin page, do not retry.
		o.mark(ctx, m, jobID, err)
		return river.JobCancel(err)
	}
	body := r.Body
	if th.Signature != "" {
		body = strings.TrimRight(body, "\n") + "\n" + sigSeparator + th.Signature
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	sendErr := o.sender.Send(sctx, Message{From: th.From, To: m.To, Cc: m.CC, Subject: r.Subject, Body: body, Lang: m.Locale,
		MessageID: m.MessageID, InReplyTo: th.InReplyTo, References: th.References, Auto: m.Kind != tickets.MailReply && m.Kind != tickets.MailReplyCC})
	if sendErr != nil {
		o.log.WarnContext(ctx, "outbox: send failed", "outbox_id", id, "ticket_id", m.TicketID,
			"kind", m.Kind, "attempt", m.Attempts, "err", sendErr)
	} else {
		o.log.InfoContext(ctx, "outbox: sent", "outbox_id", id, "ticket_id", m.TicketID, "kind", m.Kind)
	}
	if err := o.mark(ctx, m, jobID, sendErr); err != nil {
		// Sent but not recorded: River retries the job, which finds its claim
		// still running and leaves the row; the dispatcher re-takes it after
		// the lease and it goes out again with the same Message-ID.
		return errors.Join(sendErr, err)
	}
	return sendErr
}

// claim takes row id for jobID in a short transaction, with what the mail
// takes from its ticket (From address, threading headers). ok is false when the
// row is not this job's to send (sent, gone, requeued, or held now because
// there is no SMTP).
func (o *Outbox) claim(ctx context.Context, id, jobID int64) (m Mail, th thread, ok bool, err error) {
	now := o.now()
	err = postgres.InTx(ctx, o.db, func(tx pgx.Tx) error {
		if o.sender == nil {
			_, err := tx.Exec(ctx, sqlHoldOwn, id, jobID)
			return err
		}
		err := tx.QueryRow(ctx, sqlClaim, id, now, now.Add(claimLease), newMessageID(), jobID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if m, err = getTx(ctx, tx, id, false); err != nil {
			return err
		}
		// The mail's status link is made now, committed with the claim, and
		// lives only in memory until it is sent; a retry makes another.
		if m.Data, err = tickets.MintMailLinksTx(ctx, tx, m.TicketID, m.Data, now); err != nil {
			return err
		}
		if th, err = threadTx(ctx, tx, m); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return Mail{}, thread{}, false, fmt.Errorf("outbox claim %d: %w", id, err)
	}
	return m, th, ok, nil
}

// mark records the result of m's send by jobID (sendErr nil: sent) in a
// short transaction, on a context that outlives the job's: the mail has
// gone out (or not) whatever happens to the job now.
func (o *Outbox) mark(ctx context.Context, m Mail, jobID int64, sendErr error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var err error
	if sendErr == nil {
		_, err = o.db.Exec(ctx, sqlMarkSent, m.ID, o.now(), jobID)
	} else {
		_, err = o.db.Exec(ctx, sqlMarkFailed, m.ID, truncate(sendErr.Error()), jobID)
	}
	if err != nil {
		o.log.ErrorContext(ctx, "outbox: could not record a send", "outbox_id", m.ID, "sent", sendErr == nil, "err", err)
		return fmt.Errorf("outbox mark %d: %w", m.ID, err)
	}
	return nil
}

// newMessageID returns the left part of a new Message-ID: random, so two
// desks sending from one domain never clash.
func newMessageID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// truncate keeps last_error short and valid UTF-8.
func truncate(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	s = s[:maxErrorLen]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
