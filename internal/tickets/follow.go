package tickets

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Followers and @mentions: ways for staff to hear of a ticket that is not
// theirs. A follower gets a bell notice when the ticket has news (the
// events trigger of migration 31 writes it, on every path); a colleague
// named "@Name" in an internal note gets one for that note.

const sqlFollow = `
INSERT INTO ticket_followers (ticket_id, user_id, created_at) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING`

const sqlUnfollow = `DELETE FROM ticket_followers WHERE ticket_id = $1 AND user_id = $2`

// Follow makes a follow ticket id (follow true) or stop (false), with a
// ticket.followed or ticket.unfollowed event when that changes anything.
func (s *Store) Follow(ctx context.Context, a Actor, id int64, follow bool) error {
	if a.UserID == 0 {
		return apperr.New(apperr.Forbidden, "error_forbidden")
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		t, err := getTx(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if !a.CanSee(t) {
			return apperr.New(apperr.NotFound, "error_ticket_not_found")
		}
		sql, action := sqlFollow, "ticket.followed"
		if !follow {
			sql, action = sqlUnfollow, "ticket.unfollowed"
		}
		args := []any{id, a.UserID}
		if follow {
			args = append(args, s.now())
		}
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("follow %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return RecordEventTx(ctx, tx, s.now(), id, a.UserID, action, nil)
	})
}

const sqlFollowing = `SELECT EXISTS (SELECT 1 FROM ticket_followers WHERE ticket_id = $1 AND user_id = $2)`

// Following reports whether userID follows ticket id.
func (s *Store) Following(ctx context.Context, id, userID int64) (bool, error) {
	var yes bool
	if err := s.db.QueryRow(ctx, sqlFollowing, id, userID).Scan(&yes); err != nil {
		return false, fmt.Errorf("following %d: %w", id, err)
	}
	return yes, nil
}

// FollowingBatch is Following on a batch (the ticket page's one round trip).
func (s *Store) FollowingBatch(b *pgx.Batch, id, userID int64) func() (bool, error) {
	get := postgres.QueueRows(b, fmt.Sprintf("following %d", id), pgx.RowTo[bool], sqlFollowing, id, userID)
	return func() (bool, error) {
		list, err := get()
		return len(list) == 1 && list[0], err
	}
}

// sqlNotifyMentioned gives a bell notice to the active staff named "@Name"
// (the whole name: "@Ann" is not "@Anna") in note $3 of ticket $1 (by $2, never to themselves) who may see the
// ticket, by the rule of Actor.CanSee; it returns whom.
const sqlNotifyMentioned = `
INSERT INTO notifications (user_id, ticket_id, kind, data, created_at)
SELECT u.id, t.id, 'mention', jsonb_build_object('by', $2::bigint), $4
FROM users u, tickets t
WHERE t.id = $1 AND u.active AND u.id <> $2
  AND lower($3) ~ ('@' || regexp_replace(lower(u.name), '([.^$*+?()[\]{}|\\-])', '\\\1', 'g') || '($|[^[:alnum:]])')
  AND (u.role IN ('supervisor', 'admin') OR u.id = t.owner_id OR u.id = t.holder_user_id
       OR EXISTS (SELECT 1 FROM team_members m WHERE m.user_id = u.id AND m.team_id IN (t.team_id, t.holder_team_id)))
RETURNING user_id`

// notifyMentionedTx notifies the colleagues an internal note names.
func notifyMentionedTx(ctx context.Context, tx pgx.Tx, ticketID, authorID int64, body string, now time.Time) ([]int64, error) {
	rows, err := tx.Query(ctx, sqlNotifyMentioned, ticketID, authorID, body, now)
	if err != nil {
		return nil, fmt.Errorf("mentions: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("mentions: %w", err)
	}
	return ids, nil
}
