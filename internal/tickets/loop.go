package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The closed loop lives here, once: who owns a ticket's loop (the loop
// owner, set at the first staff action on it) and what keeps a ticket from
// being solved or closed (the close guard). Every path that changes the owner
// or solves or closes a ticket goes through these functions.

// Blocker is one open piece of work that keeps a ticket from being solved or closed.
type Blocker struct {
	Kind string // "escalation", "transfer" or "follow_up"
	ID   int64  // the escalation's or follow-up's id
}

// MsgID is the catalog message that explains the blocker to the user.
func (b Blocker) MsgID() string {
	switch b.Kind {
	case "escalation":
		return "error_close_open_escalation"
	case "transfer":
		return "error_close_open_transfer"
	}
	return "error_follow_up_required"
}

// sqlBlockers lists the open escalations, transfers and follow-ups of a ticket.
// The escalations and follow_ups tables belong to the escalation package; the
// rule that reads them belongs here, beside the status machine it guards.
const sqlBlockers = `
SELECT kind, id FROM escalations WHERE ticket_id = $1 AND status IN ('requested', 'accepted')
UNION ALL
SELECT 'follow_up', id FROM follow_ups WHERE ticket_id = $1 AND done_at IS NULL
ORDER BY 1, 2`

func blockersTx(ctx context.Context, q postgres.Querier, ticketID int64) ([]Blocker, error) {
	rows, err := q.Query(ctx, sqlBlockers, ticketID)
	if err != nil {
		return nil, fmt.Errorf("close blockers of %d: %w", ticketID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Blocker, error) {
		var b Blocker
		return b, r.Scan(&b.Kind, &b.ID)
	})
}

// Blockers lists what keeps ticket id from being solved or closed now.
func (s *Store) Blockers(ctx context.Context, id int64) ([]Blocker, error) {
	return blockersTx(ctx, s.db, id)
}

// BlockedError is the close guard's refusal: it says what is still open.
type BlockedError struct{ Blockers []Blocker }

func (e *BlockedError) Error() string { return fmt.Sprintf("ticket has open work: %v", e.Blockers) }

// Unwrap classifies the refusal as a conflict with the first blocker's message.
func (e *BlockedError) Unwrap() error { return apperr.New(apperr.Conflict, e.Blockers[0].MsgID()) }

// BlockersOf returns the open work a close-guard refusal names (nil for other errors).
func BlockersOf(err error) []Blocker {
	var b *BlockedError
	if errors.As(err, &b) {
		return b.Blockers
	}
	return nil
}

// guardTx is the close guard: a ticket may not become solved or closed while
// an escalation, a transfer or a follow-up is open on it. It returns a
// *BlockedError (an apperr.Conflict) naming what is open.
func guardTx(ctx context.Context, q postgres.Querier, ticketID int64, to Status) error {
	if to != StatusSolved && to != StatusClosed {
		return nil
	}
	bs, err := blockersTx(ctx, q, ticketID)
	if err != nil {
		return err
	}
	if len(bs) > 0 {
		return &BlockedError{Blockers: bs}
	}
	return nil
}

// claimTx makes a the loop owner of t when t has none: the first staff action
// on a ticket (a reply, a note, a status change, an escalation or a transfer)
// makes its author the owner. The system and customers (UserID 0) never own.
// t.OwnerID is updated.
func (s *Store) claimTx(ctx context.Context, tx pgx.Tx, a Actor, t *Ticket, now time.Time) error {
	if t.OwnerID != 0 || a.UserID == 0 {
		return nil
	}
	if err := s.setOwnerTx(ctx, tx, a.UserID, *t, a.UserID, "ticket.taken", now); err != nil {
		return err
	}
	t.OwnerID = a.UserID
	return nil
}

// ClaimTx makes a the loop owner of ticket id if it has none, inside the
// caller's transaction (which has locked the ticket), and returns the owner.
func (s *Store) ClaimTx(ctx context.Context, tx pgx.Tx, a Actor, id int64) (int64, error) {
	t, err := getTx(ctx, tx, id, true)
	if err != nil {
		return 0, err
	}
	if err := s.claimTx(ctx, tx, a, &t, s.now()); err != nil {
		return 0, err
	}
	return t.OwnerID, nil
}

// setOwnerTx hands t's loop to owner with event action (who, old, new) and
// lets the hooks move what follows the owner (an open follow-up).
func (s *Store) setOwnerTx(ctx context.Context, tx pgx.Tx, actorID int64, t Ticket, owner int64, action string, now time.Time) error {
	if owner == t.OwnerID {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE tickets SET owner_id = $2 WHERE id = $1`, t.ID, postgres.NullID(owner)); err != nil {
		if _, ok := postgres.IsForeignKeyViolation(err); ok {
			return apperr.InvalidFields(map[string]string{"owner_id": "error_invalid_choice"})
		}
		return fmt.Errorf("set owner of %d: %w", t.ID, err)
	}
	// The names go into the event, so the history says who owns the loop
	// even after someone is renamed or leaves.
	var oldName, newName string
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT name FROM users WHERE id = $1), ''), coalesce((SELECT name FROM users WHERE id = $2), '')`,
		t.OwnerID, owner).Scan(&oldName, &newName); err != nil {
		return fmt.Errorf("owner names: %w", err)
	}
	data := map[string]any{"old": t.OwnerID, "new": owner, "old_name": oldName, "new_name": newName}
	if err := RecordEventTx(ctx, tx, now, t.ID, actorID, action, data); err != nil {
		return err
	}
	if s.hooks.OwnerChanged != nil {
		return s.hooks.OwnerChanged(ctx, tx, t.ID, t.OwnerID, owner)
	}
	return nil
}

// lockWorkableTx locks ticket id for a change by a: not found when a may not
// see it (its existence stays hidden), a conflict when it is closed.
func lockWorkableTx(ctx context.Context, tx pgx.Tx, a Actor, id int64) (Ticket, error) {
	t, err := getTx(ctx, tx, id, true)
	if err != nil {
		return Ticket{}, err
	}
	if !a.CanSee(t) {
		return Ticket{}, apperr.New(apperr.NotFound, "error_ticket_not_found")
	}
	if t.Status == StatusClosed {
		return Ticket{}, apperr.New(apperr.Conflict, "error_ticket_closed")
	}
	return t, nil
}

// checkOwnerTx refuses an owner who is not an active staff member.
func checkOwnerTx(ctx context.Context, tx pgx.Tx, owner int64) error {
	var active bool
	err := tx.QueryRow(ctx, `SELECT active FROM users WHERE id = $1`, owner).Scan(&active)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !active) {
		return apperr.InvalidFields(map[string]string{"owner_id": "error_owner_inactive"})
	}
	if err != nil {
		return fmt.Errorf("check owner %d: %w", owner, err)
	}
	return nil
}

// ownerRuleTx decides whether a may make owner the loop owner of t:
// supervisors and admins may set any active staff member; anyone may take an
// unowned ticket for themselves (taking one someone else owns is Take with
// confirmation). Nobody may leave a ticket without an owner once it has one.
func ownerRuleTx(ctx context.Context, tx pgx.Tx, a Actor, t Ticket, owner int64) error {
	if owner == t.OwnerID {
		return nil
	}
	if owner == 0 {
		return apperr.InvalidFields(map[string]string{"owner_id": "error_owner_required"})
	}
	if !a.SeeAll && !(owner == a.UserID && t.OwnerID == 0) {
		return apperr.InvalidFields(map[string]string{"owner_id": "error_owner_use_take"})
	}
	return checkOwnerTx(ctx, tx, owner)
}

// Take makes a the loop owner of ticket id ("Take it"). Taking a ticket that
// someone else owns needs confirm (the UI asks first); without it Take
// returns a Conflict "error_take_confirm" and changes nothing. Either way the
// history records who took it from whom.
func (s *Store) Take(ctx context.Context, a Actor, id int64, confirm bool) (Ticket, error) {
	if a.UserID == 0 {
		return Ticket{}, apperr.New(apperr.Forbidden, "error_forbidden")
	}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := lockWorkableTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if t.OwnerID == a.UserID {
			return nil
		}
		if t.OwnerID != 0 && !confirm {
			return apperr.New(apperr.Conflict, "error_take_confirm")
		}
		now := s.now()
		if err := s.setOwnerTx(ctx, tx, a.UserID, t, a.UserID, "ticket.taken", now); err != nil {
			return err
		}
		return s.touchTx(ctx, tx, id, now)
	})
	if err != nil {
		return Ticket{}, err
	}
	return s.get(ctx, id)
}

// reopenForFollowUpTx makes ticket t able to carry a new follow-up task: a
// solved ticket reopens; a closed one (read-only) gets a follow-up ticket
// that links back to it and takes over the customer's status link. It returns
// the ticket the follow-up belongs on.
func (s *Store) reopenForFollowUpTx(ctx context.Context, tx pgx.Tx, t Ticket, now time.Time) (int64, error) {
	switch t.Status {
	case StatusSolved:
		if err := s.setStatusTx(ctx, tx, Actor{}, t, StatusOpen, now); err != nil {
			return 0, err
		}
		return t.ID, s.touchTx(ctx, tx, t.ID, now)
	case StatusClosed:
		target, err := s.openFollowUpTicketTx(ctx, tx, t, "", now)
		if err != nil {
			return 0, err
		}
		return target, s.afterChangeTx(ctx, tx, target)
	}
	return t.ID, nil
}

// PrepareFollowUpTx readies ticket id for a new follow-up task inside the
// caller's transaction (see reopenForFollowUpTx) and returns the ticket the
// follow-up belongs on, with its loop owner.
func (s *Store) PrepareFollowUpTx(ctx context.Context, tx pgx.Tx, id int64) (Ticket, error) {
	t, err := getTx(ctx, tx, id, true)
	if err != nil {
		return Ticket{}, err
	}
	target, err := s.reopenForFollowUpTx(ctx, tx, t, s.now())
	if err != nil {
		return Ticket{}, err
	}
	return getTx(ctx, tx, target, true)
}

// openFollowUpTicketTx opens a follow-up ticket of closed ticket t: same
// subject, customer, team and loop owner, linked back, and the customer's
// status links move to it. body indexes the new ticket for search.
func (s *Store) openFollowUpTicketTx(ctx context.Context, tx pgx.Tx, t Ticket, body string, now time.Time) (int64, error) {
	var target int64
	err := tx.QueryRow(ctx, sqlInsertTicket, t.Subject, t.Priority, t.Category, t.Channel, t.Customer.ID,
		postgres.NullID(t.TeamID), postgres.NullID(t.OwnerID), nil, t.OrderRef, nil, body, now).Scan(&target)
	if err != nil {
		return 0, fmt.Errorf("follow-up ticket: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ticket_links (ticket_id, other_id, kind, created_at) VALUES ($1, $2, 'related', $3)`, target, t.ID, now); err != nil {
		return 0, fmt.Errorf("link follow-up: %w", err)
	}
	// The customer's status link now shows the follow-up, which links back.
	if _, err := tx.Exec(ctx, `UPDATE ticket_tokens SET ticket_id = $2 WHERE ticket_id = $1`, t.ID, target); err != nil {
		return 0, fmt.Errorf("move tokens: %w", err)
	}
	if err := RecordEventTx(ctx, tx, now, target, 0, "ticket.created", map[string]any{"follow_up_of": t.ID, "by": "customer"}); err != nil {
		return 0, err
	}
	return target, nil
}
