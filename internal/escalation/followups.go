package escalation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// FollowUp is the loop owner's task to contact the customer and confirm the
// issue is solved; while it is open, the ticket cannot close.
type FollowUp struct {
	ID            int64
	TicketID      int64
	TicketSubject string
	OwnerID       int64
	OwnerName     string
	EscalationID  int64
	Reason        string
	DueAt         time.Time
	CreatedAt     time.Time
	DoneAt        *time.Time
	ContactMethod string
	Confirmed     *bool
	Note          string
}

// Overdue reports whether the follow-up is open past its due time at now.
func (f FollowUp) Overdue(now time.Time) bool { return f.DoneAt == nil && now.After(f.DueAt) }

// ContactMethods are how the loop owner may reach the customer.
var ContactMethods = []string{"phone", "email", "chat", "in_person"}

// createFollowUpTx opens a follow-up for the loop owner, due in the
// configured business hours of the ticket team's calendar. ownerID 0 means
// the ticket's loop owner; another owner becomes the loop owner first (the
// follow-up is always the owner's). A solved ticket reopens and a closed one
// gets a follow-up ticket first (tickets.PrepareFollowUpTx), so that no
// solved or closed ticket carries open work. It returns the follow-up's
// owner: 0 when the ticket has nobody to follow up, or when an open
// follow-up already exists (nothing new was created).
func (s *Service) createFollowUpTx(ctx context.Context, tx pgx.Tx, ticketID, ownerID, escalationID int64, reason string, now time.Time) (owner int64, err error) {
	var open bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follow_ups WHERE ticket_id = $1 AND done_at IS NULL)`, ticketID).Scan(&open); err != nil {
		return 0, fmt.Errorf("check open follow-up: %w", err)
	}
	if open {
		return 0, nil // one open loop per ticket: it stays with its owner
	}
	t, err := s.tickets.PrepareFollowUpTx(ctx, tx, ticketID)
	if err != nil {
		return 0, err
	}
	if ownerID == 0 {
		ownerID = t.OwnerID
	}
	if ownerID == 0 {
		return 0, nil
	}
	if ownerID != t.OwnerID {
		if err := s.tickets.SetOwnerTx(ctx, tx, 0, t.ID, ownerID); err != nil {
			return 0, err
		}
	}
	cal, err := s.ticketCalendarTx(ctx, tx, t.ID)
	if err != nil {
		return 0, err
	}
	due, err := cal.Deadline(now, s.followUpHours, nil)
	if err != nil {
		due = now.Add(s.followUpHours) // a calendar without hours: plain hours
	}
	var esc *int64
	if escalationID != 0 {
		esc = &escalationID
	}
	// A follow-up already open stays: one open loop per ticket.
	tag, err := tx.Exec(ctx, `
INSERT INTO follow_ups (ticket_id, owner_id, escalation_id, reason, due_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (ticket_id) WHERE done_at IS NULL DO NOTHING`, t.ID, ownerID, esc, reason, due, now)
	if err != nil {
		return 0, fmt.Errorf("create follow-up: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return 0, nil // nothing was created: the history must not say otherwise
	}
	return ownerID, tickets.RecordEventTx(ctx, tx, now, t.ID, 0, "ticket.follow_up_created", map[string]any{"owner_id": ownerID, "due_at": due, "reason": reason})
}

// followUpOwnerTx moves a ticket's open follow-up to its new loop owner (the
// tickets store calls it whenever the owner changes).
func (s *Service) followUpOwnerTx(ctx context.Context, tx pgx.Tx, ticketID, _, newOwner int64) error {
	if newOwner == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE follow_ups SET owner_id = $2 WHERE ticket_id = $1 AND done_at IS NULL`, ticketID, newOwner); err != nil {
		return fmt.Errorf("move follow-up of %d: %w", ticketID, err)
	}
	return nil
}

// CreateFollowUp opens a follow-up task outside an escalation (a bad CSAT
// answer, a supervisor's proactive follow-up for an at-risk customer).
func (s *Service) CreateFollowUp(ctx context.Context, actorID, ticketID, ownerID int64, reason string) error {
	if reason != "csat_bad" && reason != "proactive" {
		return apperr.InvalidFields(map[string]string{"reason": "error_invalid_choice"})
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		owner, err := s.createFollowUpTx(ctx, tx, ticketID, ownerID, 0, reason, s.now())
		if err != nil || owner == 0 {
			return err // an open follow-up stays with its owner: nobody new to tell
		}
		return s.notifyTx(ctx, tx, []int64{ownerID}, ticketID, "follow_up_assigned", map[string]any{"by": actorID})
	})
}

// FollowUpResult is what the loop owner records after contacting the customer.
type FollowUpResult struct {
	Method    string
	Confirmed string // "yes" or "no"
	Note      string
}

// RecordFollowUp closes the open follow-up of ticketID. "Not solved" reopens
// the ticket, so the loop goes round again.
func (s *Service) RecordFollowUp(ctx context.Context, u staff.User, ticketID int64, r FollowUpResult) error {
	var f apperr.Fields
	if !slices.Contains(ContactMethods, r.Method) {
		f.Add("method", "error_contact_method")
	}
	if r.Confirmed != "yes" && r.Confirmed != "no" {
		f.Add("confirmed", "error_confirmed_required")
	}
	r.Note = strings.TrimSpace(r.Note)
	checkNote(&f, "followup_note", r.Note, false)
	if err := f.Err(); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var id, ownerID int64
		err := tx.QueryRow(ctx, `SELECT id, owner_id FROM follow_ups WHERE ticket_id = $1 AND done_at IS NULL FOR UPDATE`, ticketID).Scan(&id, &ownerID)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.Conflict, "error_no_open_follow_up")
		}
		if err != nil {
			return fmt.Errorf("find follow-up: %w", err)
		}
		if ownerID != u.ID && !u.Role.AtLeast(staff.RoleSupervisor) {
			return apperr.New(apperr.Forbidden, "error_follow_up_not_yours")
		}
		now := s.now()
		confirmed := r.Confirmed == "yes"
		if _, err := tx.Exec(ctx, `
UPDATE follow_ups SET done_at = $2, contact_method = $3, confirmed = $4, note = $5 WHERE id = $1`,
			id, now, r.Method, confirmed, r.Note); err != nil {
			return fmt.Errorf("record follow-up: %w", err)
		}
		if err := tickets.RecordEventTx(ctx, tx, now, ticketID, u.ID, "ticket.follow_up_recorded",
			map[string]any{"method": r.Method, "confirmed": confirmed}); err != nil {
			return err
		}
		if r.Note != "" {
			if err := s.tickets.AddNoteTx(ctx, tx, ticketID, u.ID, r.Note); err != nil {
				return err
			}
		}
		if !confirmed {
			t, err := tickets.GetTx(ctx, tx, ticketID, true)
			if err != nil {
				return err
			}
			if t.Status != tickets.StatusOpen && t.Status != tickets.StatusNew {
				return s.tickets.SetStatusTx(ctx, tx, ActorOf(u), ticketID, tickets.StatusOpen)
			}
		}
		return nil
	})
}

const sqlSelectFollowUp = `
SELECT f.id, f.ticket_id, t.subject, f.owner_id, u.name, coalesce(f.escalation_id, 0), f.reason, f.due_at, f.created_at,
       f.done_at, coalesce(f.contact_method, ''), f.confirmed, f.note
FROM follow_ups f
JOIN tickets t ON t.id = f.ticket_id
JOIN users u ON u.id = f.owner_id`

func scanFollowUp(r pgx.CollectableRow) (FollowUp, error) {
	var f FollowUp
	return f, r.Scan(&f.ID, &f.TicketID, &f.TicketSubject, &f.OwnerID, &f.OwnerName, &f.EscalationID, &f.Reason,
		&f.DueAt, &f.CreatedAt, &f.DoneAt, &f.ContactMethod, &f.Confirmed, &f.Note)
}

// OpenFollowUp returns the open follow-up of a ticket, or nil.
func (s *Service) OpenFollowUp(ctx context.Context, ticketID int64) (*FollowUp, error) {
	rows, err := s.db.Query(ctx, sqlSelectFollowUp+` WHERE f.ticket_id = $1 AND f.done_at IS NULL`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("open follow-up: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanFollowUp)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// FollowUps lists a ticket's follow-ups, newest first.
func (s *Service) FollowUps(ctx context.Context, ticketID int64) ([]FollowUp, error) {
	rows, err := s.db.Query(ctx, sqlSelectFollowUp+` WHERE f.ticket_id = $1 ORDER BY f.id DESC`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("follow-ups: %w", err)
	}
	return pgx.CollectRows(rows, scanFollowUp)
}

// DueFollowUps lists the open follow-ups of owner (0: everyone's), soonest
// due first: the owner's queue shows them before anything else.
func (s *Service) DueFollowUps(ctx context.Context, ownerID int64, limit int) ([]FollowUp, error) {
	rows, err := s.db.Query(ctx, sqlDueFollowUps, ownerID, limit)
	if err != nil {
		return nil, fmt.Errorf("due follow-ups: %w", err)
	}
	return pgx.CollectRows(rows, scanFollowUp)
}

// DueFollowUpsBatch is DueFollowUps on a batch.
func (s *Service) DueFollowUpsBatch(b *pgx.Batch, ownerID int64, limit int) func() ([]FollowUp, error) {
	return postgres.QueueRows(b, "due follow-ups", scanFollowUp, sqlDueFollowUps, ownerID, limit)
}

const sqlDueFollowUps = sqlSelectFollowUp + `
WHERE f.done_at IS NULL AND ($1 = 0 OR f.owner_id = $1)
ORDER BY f.due_at, f.id
LIMIT $2`

// ReassignLoop hands the loop of a ticket (its ownership and open
// follow-up) to another rep, when the owner left or is away. Supervisors only.
func (s *Service) ReassignLoop(ctx context.Context, u staff.User, ticketID, newOwner int64) error {
	if !u.Role.AtLeast(staff.RoleSupervisor) {
		return apperr.New(apperr.Forbidden, "error_forbidden")
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		// The open follow-up moves with the owner (TicketHooks).
		if err := s.tickets.SetOwnerTx(ctx, tx, u.ID, ticketID, newOwner); err != nil {
			return err
		}
		return s.notifyTx(ctx, tx, []int64{newOwner}, ticketID, "loop_reassigned", map[string]any{"by": u.ID})
	})
}
