package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Changes is an edit of a ticket's properties. Nil fields stay as they are.
// Version is the version the editor saw: a newer one in the database means
// someone else saved first, and the edit is refused as a conflict.
type Changes struct {
	Version  int
	Status   *Status
	Priority *Priority
	Category *string
	Tags     *[]string
	OwnerID  *int64
	TeamID   *int64
}

// Hooks let the escalation package take part in ticket changes without
// tickets importing it: both run inside the change's transaction. The close
// guard is not a hook: it is tickets' own rule (loop.go) and always runs.
type Hooks struct {
	// AfterChange runs after every change of a ticket (SLA clock upkeep).
	AfterChange func(ctx context.Context, tx pgx.Tx, ticketID int64) error
	// OwnerChanged runs when a ticket's loop owner changes (its open
	// follow-up moves to the new owner).
	OwnerChanged func(ctx context.Context, tx pgx.Tx, ticketID, oldOwner, newOwner int64) error
	// NewClock gives a new ticket its SLA clock before Create inserts it,
	// so that the insert writes the clock instead of AfterChange reading
	// the new ticket back: it queues what it reads into the create's first
	// batch and returns what computes the clock once that batch has run.
	// Without it, Create runs AfterChange.
	NewClock func(b *pgx.Batch, start ClockStart) func(ctx context.Context, tx pgx.Tx) (Clock, error)
}

// ClockStart is what a new ticket's SLA clock starts from.
type ClockStart struct {
	Priority  Priority
	Category  string
	TeamID    int64
	CreatedAt time.Time
}

// Clock is a new ticket's SLA clock as its insert writes it (nil times: no
// deadline), and what schedules its checks once the ticket has an id.
type Clock struct {
	PolicyID         int64 // 0: no policy applies
	FirstResponseDue *time.Time
	ResolutionDue    *time.Time
	NextDue          *time.Time
	// Start schedules the clock's checks in the creating transaction (nil: none).
	Start func(ctx context.Context, tx pgx.Tx, ticketID int64) error
}

// SetHooks installs the hooks; cmd/server calls it once while wiring the
// stores, before serving.
func (s *Store) SetHooks(h Hooks) { s.hooks = h }

// afterChangeTx runs the AfterChange hook, if any.
func (s *Store) afterChangeTx(ctx context.Context, tx pgx.Tx, id int64) error {
	if s.hooks.AfterChange == nil {
		return nil
	}
	return s.hooks.AfterChange(ctx, tx, id)
}

// Update applies c to ticket id, one event per changed field.
func (s *Store) Update(ctx context.Context, a Actor, id int64, c Changes) (Ticket, error) {
	var f apperr.Fields
	if c.Status != nil && !c.Status.Valid() {
		f.Add("status", "error_status_invalid")
	}
	if c.Priority != nil && !c.Priority.Valid() {
		f.Add("priority", "error_priority_invalid")
	}
	if c.Category != nil && *c.Category != "" && !slices.Contains(Categories, *c.Category) {
		f.Add("category", "error_category_invalid")
	}
	if c.Tags != nil {
		tags, err := cleanTags(*c.Tags)
		if err != nil {
			f.Add("tags", apperr.FieldsOf(err)["tags"])
		}
		c.Tags = &tags
	}
	if err := f.Err(); err != nil {
		return Ticket{}, err
	}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := getTx(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if !a.CanSee(t) {
			return apperr.New(apperr.NotFound, "error_ticket_not_found")
		}
		if t.Version != c.Version {
			return apperr.New(apperr.Conflict, "error_ticket_conflict")
		}
		if t.Status == StatusClosed {
			return apperr.New(apperr.Conflict, "error_ticket_closed")
		}
		now := s.now()
		changed := false
		// The owner the editor saw: an owner field equal to it asks for no
		// change, even when this edit's status change makes the editor the
		// owner of an unowned ticket.
		seenOwner := t.OwnerID
		if c.Status != nil && *c.Status != t.Status {
			if err := s.claimTx(ctx, tx, a, &t, now); err != nil {
				return err
			}
			if err := s.setStatusTx(ctx, tx, a, t, *c.Status, now); err != nil {
				return err
			}
			changed = true
		}
		// set stores value in col and records old -> new (the event may spell them
		// differently, e.g. priority keys rather than numbers).
		set := func(col, action string, value, old, new any) error {
			if _, err := tx.Exec(ctx, `UPDATE tickets SET `+col+` = $2 WHERE id = $1`, id, value); err != nil {
				if _, ok := postgres.IsForeignKeyViolation(err); ok {
					return apperr.InvalidFields(map[string]string{col: "error_invalid_choice"})
				}
				return fmt.Errorf("update %s: %w", col, err)
			}
			changed = true
			return RecordEventTx(ctx, tx, now, id, a.UserID, action, map[string]any{"old": old, "new": new})
		}
		if c.Priority != nil && *c.Priority != t.Priority {
			if err := set("priority", "ticket.priority_changed", *c.Priority, t.Priority.String(), c.Priority.String()); err != nil {
				return err
			}
		}
		if c.Category != nil && *c.Category != t.Category {
			if err := set("category", "ticket.category_changed", *c.Category, t.Category, *c.Category); err != nil {
				return err
			}
		}
		if c.Tags != nil && !slices.Equal(*c.Tags, t.Tags) {
			if err := set("tags", "ticket.tags_changed", *c.Tags, t.Tags, *c.Tags); err != nil {
				return err
			}
		}
		if c.OwnerID != nil && *c.OwnerID != seenOwner && *c.OwnerID != t.OwnerID {
			if err := ownerRuleTx(ctx, tx, a, t, *c.OwnerID); err != nil {
				return err
			}
			if err := s.setOwnerTx(ctx, tx, a.UserID, t, *c.OwnerID, "ticket.owner_changed", now); err != nil {
				return err
			}
			changed = true
		}
		if c.TeamID != nil && *c.TeamID != t.TeamID {
			if err := set("team_id", "ticket.team_changed", postgres.NullID(*c.TeamID), t.TeamID, postgres.NullID(*c.TeamID)); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		return s.touchTx(ctx, tx, id, now)
	})
	if err != nil {
		return Ticket{}, err
	}
	return s.get(ctx, id)
}

// touchTx bumps the version and activity time after a change, then lets the
// AfterChange hook see the changed ticket.
func (s *Store) touchTx(ctx context.Context, tx pgx.Tx, id int64, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE tickets SET version = version + 1, updated_at = $2 WHERE id = $1`, id, now); err != nil {
		return fmt.Errorf("touch ticket %d: %w", id, err)
	}
	return s.afterChangeTx(ctx, tx, id)
}

// SetStatusTx moves ticket id to status to inside the caller's transaction,
// with the status machine's rules, the close guard and an event by a.
func (s *Store) SetStatusTx(ctx context.Context, tx pgx.Tx, a Actor, id int64, to Status) error {
	t, err := getTx(ctx, tx, id, true)
	if err != nil {
		return err
	}
	if t.Status == to {
		return nil
	}
	now := s.now()
	if err := s.claimTx(ctx, tx, a, &t, now); err != nil {
		return err
	}
	if err := s.setStatusTx(ctx, tx, a, t, to, now); err != nil {
		return err
	}
	return s.touchTx(ctx, tx, id, now)
}

// SetHolderTx records who holds an escalated ticket (0, 0 when it returns).
func (s *Store) SetHolderTx(ctx context.Context, tx pgx.Tx, id, teamID, userID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE tickets SET holder_team_id = $2, holder_user_id = $3 WHERE id = $1`,
		id, postgres.NullID(teamID), postgres.NullID(userID)); err != nil {
		return fmt.Errorf("set holder of %d: %w", id, err)
	}
	return nil
}

// SetOwnerTx hands the loop of ticket id to another owner (an active staff
// member), with an event; an open follow-up moves with it (OwnerChanged hook).
func (s *Store) SetOwnerTx(ctx context.Context, tx pgx.Tx, actorID, id, ownerID int64) error {
	t, err := getTx(ctx, tx, id, true)
	if err != nil {
		return err
	}
	if t.OwnerID == ownerID {
		return nil
	}
	if err := checkOwnerTx(ctx, tx, ownerID); err != nil {
		return err
	}
	now := s.now()
	if err := s.setOwnerTx(ctx, tx, actorID, t, ownerID, "ticket.owner_changed", now); err != nil {
		return err
	}
	return s.touchTx(ctx, tx, id, now)
}

// setStatusTx moves t to status to if the status machine allows it.
func (s *Store) setStatusTx(ctx context.Context, tx pgx.Tx, a Actor, t Ticket, to Status, now time.Time) error {
	if !t.Status.CanBecome(to) {
		return apperr.InvalidFields(map[string]string{"status": "error_transition_invalid"})
	}
	if err := guardTx(ctx, tx, t.ID, to); err != nil {
		return err
	}
	var extra string
	switch to {
	case StatusSolved:
		extra = `, solved_at = $3`
	case StatusClosed:
		extra = `, closed_at = $3`
	case StatusOpen:
		extra = `, solved_at = NULL, closed_at = NULL, updated_at = $3`
	default:
		extra = `, updated_at = $3`
	}
	if _, err := tx.Exec(ctx, `UPDATE tickets SET status = $2`+extra+` WHERE id = $1`, t.ID, to, now); err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	action := "ticket.status_changed"
	if t.Status == StatusSolved && to == StatusOpen {
		action = "ticket.reopened"
	}
	return RecordEventTx(ctx, tx, now, t.ID, a.UserID, action, map[string]any{"old": t.Status, "new": to})
}

// Reply is a rep's message on a ticket, optionally setting a status
// ("send and set pending/solved").
type Reply struct {
	Kind      MessageKind // public or internal
	Body      string
	SetStatus Status // "" keeps the status (a first public reply opens a new ticket)

	Attachment *NewAttachment // optional: one file on the message

	// SeenThrough is the last message the author saw when writing (0: do
	// not check). A newer message by someone else refuses the reply with
	// a Conflict "live_error_replied_since", so nobody answers on top of a
	// colleague or a customer without reading them first.
	SeenThrough int64
}

// sqlNewerMessages reports a message of ticket $1 after $2 not by user $3.
const sqlNewerMessages = `
SELECT EXISTS (SELECT 1 FROM messages
               WHERE ticket_id = $1 AND id > $2 AND kind <> 'system' AND author_user_id IS DISTINCT FROM $3)`

// AddReply adds a rep's public reply or internal note. A public reply is the
// first response when there was none, and is queued to the customer by mail.
func (s *Store) AddReply(ctx context.Context, a Actor, id int64, r Reply) (Ticket, error) {
	r.Body = strings.TrimSpace(r.Body)
	var f apperr.Fields
	checkText(&f, "body", r.Body, true, maxBody)
	if r.Kind != MessagePublic && r.Kind != MessageInternal {
		f.Add("kind", "error_invalid_choice")
	}
	if r.SetStatus != "" && !r.SetStatus.Valid() {
		f.Add("status", "error_status_invalid")
	}
	checkAttachment(&f, r.Attachment)
	if err := f.Err(); err != nil {
		return Ticket{}, err
	}
	err := postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := lockWorkableTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if r.SeenThrough > 0 {
			var newer bool
			if err := tx.QueryRow(ctx, sqlNewerMessages, id, r.SeenThrough, a.UserID).Scan(&newer); err != nil {
				return fmt.Errorf("newer messages: %w", err)
			}
			if newer {
				return apperr.New(apperr.Conflict, "live_error_replied_since")
			}
		}
		now := s.now()
		if err := s.claimTx(ctx, tx, a, &t, now); err != nil {
			return err
		}
		msgID, err := insertMessageIDTx(ctx, tx, id, r.Kind, a.UserID, 0, r.Body, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlIndexMessage, id, r.Body); err != nil {
			return fmt.Errorf("index reply: %w", err)
		}
		action := "ticket.note_added"
		if r.Kind == MessagePublic {
			action = "ticket.replied"
			if t.FirstResponseAt == nil {
				if _, err := tx.Exec(ctx, `UPDATE tickets SET first_response_at = $2 WHERE id = $1`, id, now); err != nil {
					return fmt.Errorf("first response: %w", err)
				}
			}
			if t.Customer.Email != "" {
				if err := s.queueReplyMailTx(ctx, tx, t, r.Body, now); err != nil {
					return err
				}
			}
		}
		var data map[string]any
		if r.Kind == MessageInternal {
			// @Name in a note notifies that colleague (follow.go).
			mentioned, err := notifyMentionedTx(ctx, tx, id, a.UserID, r.Body, now)
			if err != nil {
				return err
			}
			if len(mentioned) > 0 {
				data = map[string]any{"mentioned": mentioned}
			}
		}
		if err := RecordEventTx(ctx, tx, now, id, a.UserID, action, data); err != nil {
			return err
		}
		if err := s.addAttachmentTx(ctx, tx, id, msgID, a.UserID, r.Attachment); err != nil {
			return err
		}
		to := r.SetStatus
		if to == "" && r.Kind == MessagePublic && t.Status == StatusNew {
			to = StatusOpen
		}
		if to != "" && to != t.Status {
			if err := s.setStatusTx(ctx, tx, a, t, to, now); err != nil {
				return err
			}
		}
		return s.touchTx(ctx, tx, id, now)
	})
	if err != nil {
		return Ticket{}, err
	}
	return s.get(ctx, id)
}

// AddNoteTx adds an internal note by authorID inside the caller's
// transaction (escalation guidance, supervisor coaching).
// Like any note it makes its author the loop owner of an unowned ticket.
func (s *Store) AddNoteTx(ctx context.Context, tx pgx.Tx, id, authorID int64, body string) error {
	now := s.now()
	if _, err := s.ClaimTx(ctx, tx, Actor{UserID: authorID}, id); err != nil {
		return err
	}
	if err := insertMessageTx(ctx, tx, id, MessageInternal, authorID, 0, body, now); err != nil {
		return err
	}
	return RecordEventTx(ctx, tx, now, id, authorID, "ticket.note_added", nil)
}
