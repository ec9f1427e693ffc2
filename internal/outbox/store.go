// Package outbox sends the customer mail that the tickets package queues
// (confirmations, replies, status links): rendered in the customer's language
// from the catalogs at send time, delivered by a River job through SMTP, or
// held for the admin Outbox page when no SMTP server is configured.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Status is where an outbox row is in its life.
type Status string

// The statuses (the outbox table's CHECK constraint).
const (
	StatusQueued  Status = "queued"  // waiting for its River job
	StatusSending Status = "sending" // claimed by its job, which is talking to the SMTP server
	StatusSent    Status = "sent"
	StatusFailed  Status = "failed" // the last attempt failed; River retries until its attempts run out
	StatusHeld    Status = "held"   // no SMTP configured: an admin sends it by hand or retries later
)

// Statuses lists every status, in the order the admin page shows them.
var Statuses = []Status{StatusHeld, StatusFailed, StatusQueued, StatusSending, StatusSent}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Mail is one outbox row.
type Mail struct {
	ID            int64
	TicketID      int64
	To            string
	CC            []string // copied to (a public reply's persistent CC)
	Kind          string   // confirmation, reply, status_link
	Locale        string
	Data          []byte // jsonb template data, decoded at render time
	Status        Status
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
	LastAttemptAt *time.Time
	JobID         int64
	MessageID     string     // the Message-ID, fixed at the first claim; "" before
	PurgedAt      *time.Time // when the content was removed after delivery (purge.go)
}

// Store runs the outbox SQL.
type Store struct {
	db  *pgxpool.Pool
	now func() time.Time
}

// NewStore returns a Store on db with clock now.
func NewStore(db *pgxpool.Pool, now func() time.Time) *Store {
	return &Store{db: db, now: now}
}

const sqlSelectMail = `
SELECT id, coalesce(ticket_id, 0), to_address, cc, kind, locale, data, status, attempts, last_error,
       created_at, sent_at, last_attempt_at, coalesce(job_id, 0), coalesce(message_id, ''), purged_at
FROM outbox`

func scanMail(row pgx.Row) (Mail, error) {
	var m Mail
	err := row.Scan(&m.ID, &m.TicketID, &m.To, &m.CC, &m.Kind, &m.Locale, &m.Data, &m.Status, &m.Attempts, &m.LastError,
		&m.CreatedAt, &m.SentAt, &m.LastAttemptAt, &m.JobID, &m.MessageID, &m.PurgedAt)
	return m, err
}

// Get returns outbox row id.
func (s *Store) Get(ctx context.Context, id int64) (Mail, error) {
	return getTx(ctx, s.db, id, false)
}

func getTx(ctx context.Context, q postgres.Querier, id int64, forUpdate bool) (Mail, error) {
	sql := sqlSelectMail + ` WHERE id = $1`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	m, err := scanMail(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Mail{}, apperr.New(apperr.NotFound, "outbox_error_not_found")
	}
	if err != nil {
		return Mail{}, fmt.Errorf("get outbox mail %d: %w", id, err)
	}
	return m, nil
}

// ListFilter selects a page of the outbox, newest first.
type ListFilter struct {
	Status Status // "" for every status
	Before int64  // keyset: only rows with a smaller id; 0 from the newest
	Limit  int
}

// sqlListMail pages through the outbox newest first by id (keyset, never
// OFFSET); outbox_status_idx serves the per-status filter.
const sqlListMail = sqlSelectMail + `
WHERE ($1 = '' OR status = $1) AND ($2 = 0 OR id < $2)
ORDER BY id DESC
LIMIT $3`

// List returns one page of mail and the keyset cursor of the next page (0 when
// this is the last page).
func (s *Store) List(ctx context.Context, f ListFilter) ([]Mail, int64, error) {
	if f.Status != "" && !f.Status.Valid() {
		return nil, 0, apperr.InvalidFields(map[string]string{"status": "outbox_error_status_invalid"})
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	rows, err := s.db.Query(ctx, sqlListMail, string(f.Status), f.Before, f.Limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	mails, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Mail, error) { return scanMail(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	var next int64
	if len(mails) > f.Limit {
		mails = mails[:f.Limit]
		next = mails[len(mails)-1].ID
	}
	return mails, next, nil
}

// sqlCountByStatus feeds the admin page's status tabs.
const sqlCountByStatus = `SELECT status, count(*) FROM outbox GROUP BY status`

// Counts returns how many rows have each status.
func (s *Store) Counts(ctx context.Context) (map[Status]int, error) {
	rows, err := s.db.Query(ctx, sqlCountByStatus)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	out := map[Status]int{}
	defer rows.Close()
	for rows.Next() {
		var st Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count outbox: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// sqlRequeue puts a held or failed row back in the queue without a job, so
// the dispatcher gives it a fresh one; any older job of the row then finds
// that it is no longer the row's job and does nothing.
const sqlRequeue = `
UPDATE outbox SET status = 'queued', job_id = NULL
WHERE id = $1 AND status IN ('held', 'failed')`

// Retry requeues a held or failed mail at an admin's request, with its audit
// event. A queued or sent mail is a Conflict.
func (s *Store) Retry(ctx context.Context, actorID, id int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		m, err := getTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if m.Status != StatusHeld && m.Status != StatusFailed {
			return apperr.New(apperr.Conflict, "outbox_error_not_retryable")
		}
		if _, err := tx.Exec(ctx, sqlRequeue, id); err != nil {
			return fmt.Errorf("requeue outbox mail %d: %w", id, err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "outbox", id, actorID, "outbox.retried",
			map[string]any{"old": m.Status, "new": StatusQueued, "ticket_id": m.TicketID})
	})
}

// Reveal returns held or failed mail id with its status link minted, for an
// admin to send by hand: the link is made now (only its hash is kept, as for
// mail the outbox sends) and shown once; the reveal is audited. The row is
// not changed: an admin who sent it by hand leaves it held, or retries it
// once SMTP works.
func (s *Store) Reveal(ctx context.Context, actorID, id int64) (Mail, error) {
	var m Mail
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		if m, err = getTx(ctx, tx, id, true); err != nil {
			return err
		}
		if (m.Status != StatusHeld && m.Status != StatusFailed) || m.PurgedAt != nil {
			return apperr.New(apperr.Conflict, "outbox_error_not_revealable")
		}
		now := s.now()
		if m.Data, err = tickets.MintMailLinksTx(ctx, tx, m.TicketID, m.Data, now); err != nil {
			return err
		}
		return postgres.RecordEvent(ctx, tx, now, "outbox", id, actorID, "outbox.link_revealed",
			map[string]any{"ticket_id": m.TicketID})
	})
	if err != nil {
		return Mail{}, err
	}
	return m, nil
}
