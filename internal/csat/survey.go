package csat

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// How survey mail gets queued.
//
// The survey goes out when a ticket is solved. The tickets store has one
// AfterChange hook, which the escalation service installs wholesale, and
// setStatusTx has no "on solved" hook; adding one would mean chaining hooks
// across packages at wiring time, which is easy to get wrong silently.
// Instead a River periodic job, on the leader, runs every SurveyInterval: it
// claims tickets solved within surveyLookback that have no csat_surveys row
// by inserting that row (its primary key makes "once per ticket" hold for
// retries, restarts and several instances, and a ticket solved, reopened and
// solved again is not surveyed twice), and in the same transaction queues
// the survey mail in the outbox (its status link is minted when it is sent). Like the outbox
// dispatcher it keeps the tickets package free of River; a customer waiting
// up to half a minute for a survey does not matter. The lookback bounds the
// scan (tickets_solved_at_idx) and keeps tickets solved before this feature
// existed, or long ago, from all being surveyed at once.
const (
	// SurveyInterval is how often the job looks for newly solved tickets.
	SurveyInterval = 30 * time.Second
	// MailKind is the outbox mail kind of the survey, rendered from the
	// catalogs' mail_csat_survey_subject and mail_csat_survey_body.
	MailKind = "csat_survey"

	surveyLookback = 24 * time.Hour
	surveyBatch    = 200
)

// sqlClaimSurveys claims up to $3 tickets solved since $1 that have no survey
// yet, oldest solved first. Merged tickets are left out: their customer is
// surveyed on the ticket they were merged into.
const sqlClaimSurveys = `
INSERT INTO csat_surveys (ticket_id, queued_at)
SELECT t.id, $2
FROM tickets t
WHERE t.solved_at > $1 AND t.status IN ('solved', 'closed') AND t.merged_into IS NULL
  AND NOT EXISTS (SELECT 1 FROM csat_surveys s WHERE s.ticket_id = t.id)
ORDER BY t.solved_at
LIMIT $3
ON CONFLICT (ticket_id) DO NOTHING
RETURNING ticket_id`

// sqlQueueSurveyMail puts the survey mail into the outbox, sent by the
// outbox's own jobs in the customer's language.
const sqlQueueSurveyMail = `
INSERT INTO outbox (ticket_id, to_address, kind, locale, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id`

// QueueSurveys queues the survey of each newly solved ticket, once per
// ticket, and returns how many tickets it claimed. A customer without an
// email address gets no mail; their status page still shows the survey.
func (s *Store) QueueSurveys(ctx context.Context) (int, error) {
	n := 0
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		now := s.now()
		rows, err := tx.Query(ctx, sqlClaimSurveys, now.Add(-surveyLookback), now, surveyBatch)
		if err != nil {
			return fmt.Errorf("claim csat surveys: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("claim csat surveys: %w", err)
		}
		n = len(ids)
		for _, id := range ids {
			if err := s.queueMailTx(ctx, tx, id, now); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

func (s *Store) queueMailTx(ctx context.Context, tx pgx.Tx, ticketID int64, now time.Time) error {
	t, err := tickets.GetTx(ctx, tx, ticketID, false)
	if err != nil {
		return err
	}
	if t.Customer.Email == "" {
		return nil
	}
	// The links share one status-link token, minted by the outbox when it
	// sends the mail: none is stored readable.
	token := tickets.StatusTokenPlaceholder
	base := s.baseURL + "/csat/" + token + "/"
	data := map[string]any{
		"Number": t.ID, "Subject": t.Subject, "Link": s.baseURL + "/status/" + token,
		"Good": base + string(Good), "Bad": base + string(Bad),
	}
	locale := t.Customer.Locale
	if locale == "" {
		locale = "en"
	}
	var outboxID int64
	if err := tx.QueryRow(ctx, sqlQueueSurveyMail, ticketID, t.Customer.Email, MailKind, locale, data, now).Scan(&outboxID); err != nil {
		return fmt.Errorf("queue csat survey mail: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE csat_surveys SET outbox_id = $2 WHERE ticket_id = $1`, ticketID, outboxID); err != nil {
		return fmt.Errorf("record csat survey mail: %w", err)
	}
	return nil
}

// SurveyArgs is the periodic job that queues survey mail.
type SurveyArgs struct{}

// Kind names the job in River.
func (SurveyArgs) Kind() string { return "csat_queue_surveys" }

// InsertOpts: a run that fails is simply done again by the next tick.
func (SurveyArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// SurveyWorker runs SurveyArgs.
type SurveyWorker struct {
	river.WorkerDefaults[SurveyArgs]
	s *Store
}

// NewSurveyWorker returns the worker for s.
func NewSurveyWorker(s *Store) *SurveyWorker { return &SurveyWorker{s: s} }

// Work queues the surveys of newly solved tickets.
func (w *SurveyWorker) Work(ctx context.Context, _ *river.Job[SurveyArgs]) error {
	_, err := w.s.QueueSurveys(ctx)
	return err
}

// PeriodicJobs returns the survey job, run every SurveyInterval and at start.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(SurveyInterval),
		func() (river.JobArgs, *river.InsertOpts) { return SurveyArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
}
