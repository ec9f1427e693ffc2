// Package csat is customer satisfaction: the one-click survey a customer gets
// when a ticket is solved, their answer, per-rep numbers and at-risk customers.
package csat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Rating is the customer's answer: good or bad.
type Rating string

// The ratings.
const (
	Good Rating = "good"
	Bad  Rating = "bad"
)

// Valid reports whether r is good or bad.
func (r Rating) Valid() bool { return r == Good || r == Bad }

// Reasons are what the customer may say mattered most (optional).
var Reasons = []string{"speed", "solution", "staff", "communication", "other"}

const (
	// ChangeWindow is how long after the first answer the customer may change it.
	ChangeWindow = 7 * 24 * time.Hour
	// OpenFor is how long after a ticket is solved the survey takes a first answer.
	OpenFor = 30 * 24 * time.Hour
	// MaxComment bounds the comment (the schema's CHECK too).
	MaxComment = 2000
)

// Response is a customer's answer about one ticket.
type Response struct {
	TicketID   int64
	Rating     Rating
	Reason     string
	Comment    string
	OwnerID    int64 // the loop owner when first answered
	OwnerName  string
	AnsweredAt time.Time
	ChangedAt  time.Time
}

// ChangeableUntil is when the answer becomes read-only.
func (r Response) ChangeableUntil() time.Time { return r.AnsweredAt.Add(ChangeWindow) }

// Changeable reports whether the customer may still change the answer at now.
func (r Response) Changeable(now time.Time) bool { return !now.After(r.ChangeableUntil()) }

// Store runs the CSAT SQL. Bad answers notify staff and open follow-ups
// through the escalation service, in the answer's transaction.
type Store struct {
	db      *pgxpool.Pool
	esc     *escalation.Service
	now     func() time.Time
	baseURL string
}

// NewStore returns a Store on db; baseURL prefixes the links in survey mail.
func NewStore(db *pgxpool.Pool, esc *escalation.Service, now func() time.Time, baseURL string) *Store {
	return &Store{db: db, esc: esc, now: now, baseURL: strings.TrimRight(baseURL, "/")}
}

// Survey is what the customer can do about a ticket's survey now.
type Survey struct {
	Open     bool      // the ticket is solved (or closed after being solved): the survey applies
	Answered bool      // Response holds the answer
	Response Response  // the answer so far
	Locked   bool      // answered, and the change window is over
	Expired  bool      // never answered, and too long since the ticket was solved
	Until    time.Time // answered: when it stops being changeable
}

// CanAnswer reports whether a new answer or a change would be accepted now.
func (s Survey) CanAnswer() bool { return s.Open && !s.Locked && !s.Expired }

// solvedAt is when t was solved, if its survey applies.
func solvedAt(t tickets.Ticket) (time.Time, bool) {
	if (t.Status != tickets.StatusSolved && t.Status != tickets.StatusClosed) || t.SolvedAt == nil {
		return time.Time{}, false
	}
	return *t.SolvedAt, true
}

// SurveyOf says what the customer of t may do with its survey now.
func (s *Store) SurveyOf(ctx context.Context, t tickets.Ticket) (Survey, error) {
	r, found, err := s.Find(ctx, t.ID)
	if err != nil {
		return Survey{}, err
	}
	return s.survey(t, r, found), nil
}

// SurveyBatch is SurveyOf on a batch.
func (s *Store) SurveyBatch(b *pgx.Batch, t tickets.Ticket) func() (Survey, error) {
	rows := postgres.QueueRows(b, fmt.Sprintf("csat response of %d", t.ID),
		func(r pgx.CollectableRow) (Response, error) { return scanResponse(r) }, sqlSelectResponse, t.ID)
	return func() (Survey, error) {
		list, err := rows()
		if err != nil {
			return Survey{}, err
		}
		if len(list) == 0 {
			return s.survey(t, Response{}, false), nil
		}
		return s.survey(t, list[0], true), nil
	}
}

// survey is what the sidebar shows about t given its answer r (found).
func (s *Store) survey(t tickets.Ticket, r Response, found bool) Survey {
	var sv Survey
	solved, ok := solvedAt(t)
	sv.Open = ok
	now := s.now()
	if found {
		sv.Open = true // an answer given stays changeable in its window
		sv.Answered, sv.Response, sv.Until = true, r, r.ChangeableUntil()
		sv.Locked = !r.Changeable(now)
	} else if ok && now.After(solved.Add(OpenFor)) {
		sv.Expired = true
	}
	return sv
}

const sqlSelectResponse = `
SELECT r.ticket_id, r.rating, r.reason, r.comment, coalesce(r.owner_id, 0), coalesce(u.name, ''),
       r.answered_at, r.changed_at
FROM csat_responses r
LEFT JOIN users u ON u.id = r.owner_id
WHERE r.ticket_id = $1`

func scanResponse(row pgx.Row) (Response, error) {
	var r Response
	err := row.Scan(&r.TicketID, &r.Rating, &r.Reason, &r.Comment, &r.OwnerID, &r.OwnerName, &r.AnsweredAt, &r.ChangedAt)
	return r, err
}

// Find returns the answer about ticketID; found is false when there is none yet.
func (s *Store) Find(ctx context.Context, ticketID int64) (r Response, found bool, err error) {
	r, err = scanResponse(s.db.QueryRow(ctx, sqlSelectResponse, ticketID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Response{}, false, nil
	}
	if err != nil {
		return Response{}, false, fmt.Errorf("csat response of %d: %w", ticketID, err)
	}
	return r, true, nil
}

// Answer is the survey form.
type Answer struct {
	Rating  string
	Reason  string
	Comment string
}

// Validate returns field -> message id failures.
func (a *Answer) Validate() error {
	var f apperr.Fields
	if !Rating(a.Rating).Valid() {
		f.Add("rating", "csat_error_rating")
	}
	if a.Reason != "" && !slices.Contains(Reasons, a.Reason) {
		f.Add("reason", "csat_error_reason")
	}
	switch textcheck.Check(a.Comment, textcheck.Lines, false, MaxComment) {
	case textcheck.OK:
	case textcheck.TooLong:
		f.Add("comment", "csat_error_comment_long")
	default:
		f.Add("comment", "csat_error_comment_invalid")
	}
	return f.Err()
}

// sqlLockResponse reads the answer so far, locked for the change.
const sqlLockResponse = `
SELECT rating, reason, comment, answered_at, bad_notified_at IS NOT NULL
FROM csat_responses WHERE ticket_id = $1 FOR UPDATE`

// sqlInsertResponse records a first answer.
const sqlInsertResponse = `
INSERT INTO csat_responses (ticket_id, rating, reason, comment, owner_id, answered_at, changed_at)
VALUES ($1, $2, $3, $4, $5, $6, $6)`

// sqlUpdateResponse changes an answer within the change window.
const sqlUpdateResponse = `
UPDATE csat_responses SET rating = $2, reason = $3, comment = $4, changed_at = $5 WHERE ticket_id = $1`

// Answer records the customer's answer about ticketID (reached through its
// status link): the first, or a change within ChangeWindow of the first.
// The first bad answer notifies the loop owner and the team's supervisors and
// opens a csat_bad follow-up for the owner, in the same transaction.
func (s *Store) Answer(ctx context.Context, ticketID int64, a Answer) (Response, error) {
	a.Comment = strings.TrimSpace(a.Comment)
	if err := a.Validate(); err != nil {
		return Response{}, err
	}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// Locking the ticket serialises two answers sent at once.
		t, err := tickets.GetTx(ctx, tx, ticketID, true)
		if err != nil {
			return err
		}
		// A first answer needs a solved ticket; an answer already given
		// stays changeable in its window even when a bad answer reopened
		// the ticket (the customer may have clicked the wrong face).
		solved, ok := solvedAt(t)
		now := s.now()
		var old Answer
		var answeredAt time.Time
		var notified bool
		err = tx.QueryRow(ctx, sqlLockResponse, ticketID).Scan(&old.Rating, &old.Reason, &old.Comment, &answeredAt, &notified)
		first := errors.Is(err, pgx.ErrNoRows)
		switch {
		case first && !ok:
			return apperr.New(apperr.Conflict, "csat_error_not_solved")
		case first && now.After(solved.Add(OpenFor)):
			return apperr.New(apperr.Conflict, "csat_error_expired")
		case first:
			if _, err := tx.Exec(ctx, sqlInsertResponse, ticketID, a.Rating, a.Reason, a.Comment, postgres.NullID(t.OwnerID), now); err != nil {
				return fmt.Errorf("insert csat response: %w", err)
			}
		case err != nil:
			return fmt.Errorf("read csat response: %w", err)
		case now.After(answeredAt.Add(ChangeWindow)):
			return apperr.New(apperr.Conflict, "csat_error_locked")
		case old == a:
			return nil // the same answer again: nothing changes
		default:
			if _, err := tx.Exec(ctx, sqlUpdateResponse, ticketID, a.Rating, a.Reason, a.Comment, now); err != nil {
				return fmt.Errorf("update csat response: %w", err)
			}
		}
		if err := tickets.RecordEventTx(ctx, tx, now, ticketID, 0, "ticket.csat_"+a.Rating,
			map[string]any{"reason": a.Reason, "changed": !first}); err != nil {
			return err
		}
		if Rating(a.Rating) == Bad && !notified {
			return s.badAnswerTx(ctx, tx, t, a, now)
		}
		return nil
	})
	if err != nil {
		return Response{}, err
	}
	r, _, err := s.Find(ctx, ticketID)
	return r, err
}

// badAnswerTx tells the loop owner and the team's supervisors about a bad
// answer and gives the owner a follow-up task to contact the customer. A
// ticket nobody owns gets no follow-up: its supervisors are told and can
// assign one from the at-risk customers page.
func (s *Store) badAnswerTx(ctx context.Context, tx pgx.Tx, t tickets.Ticket, a Answer, now time.Time) error {
	leads, err := s.esc.TeamLeadsTx(ctx, tx, t.TeamID)
	if err != nil {
		return err
	}
	to := leads
	if t.OwnerID != 0 {
		to = append([]int64{t.OwnerID}, leads...)
		if err := s.esc.CreateFollowUpTx(ctx, tx, t.ID, t.OwnerID, "csat_bad"); err != nil {
			return err
		}
	}
	if err := s.esc.NotifyTx(ctx, tx, to, t.ID, "csat_bad", map[string]any{"reason": a.Reason}); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE csat_responses SET bad_notified_at = $2 WHERE ticket_id = $1`, t.ID, now); err != nil {
		return fmt.Errorf("mark csat notified: %w", err)
	}
	return nil
}
