package escalation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Notification is one line of a staff member's in-app inbox (the bell).
type Notification struct {
	ID            int64
	TicketID      int64
	TicketSubject string
	Kind          string
	Data          map[string]any
	CreatedAt     time.Time
	Read          bool
}

// notifyTx adds one notification per user inside the caller's transaction.
func (s *Service) notifyTx(ctx context.Context, tx pgx.Tx, userIDs []int64, ticketID int64, kind string, data map[string]any) error {
	if len(userIDs) == 0 {
		return nil
	}
	if data == nil {
		data = map[string]any{}
	}
	if _, err := tx.Exec(ctx, `
INSERT INTO notifications (user_id, ticket_id, kind, data, created_at)
SELECT DISTINCT u, $2::bigint, $3, $4::jsonb, $5::timestamptz FROM unnest($1::bigint[]) AS u`,
		userIDs, postgres.NullID(ticketID), kind, data, s.now()); err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	return nil
}

// UnreadCount is the number on the bell.
func (s *Service) UnreadCount(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, sqlUnreadCount, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("unread notifications: %w", err)
	}
	return n, nil
}

// sqlUnreadCount counts a member's unread notifications (the bell).
const sqlUnreadCount = `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`

// UnreadCountBatch queues UnreadCount on b; the returned function gives the
// count once b has been sent and closed.
func (s *Service) UnreadCountBatch(b *pgx.Batch, userID int64) func() (int, error) {
	var n int
	err := postgres.ErrNotSent
	b.Queue(sqlUnreadCount, userID).QueryRow(func(row pgx.Row) error {
		if err = row.Scan(&n); err != nil {
			err = fmt.Errorf("unread notifications: %w", err)
		}
		return err
	})
	return func() (int, error) { return n, err }
}

// Notifications lists a user's newest notifications.
func (s *Service) Notifications(ctx context.Context, userID int64, limit int) ([]Notification, error) {
	rows, err := s.db.Query(ctx, `
SELECT n.id, coalesce(n.ticket_id, 0), coalesce(t.subject, ''), n.kind, n.data, n.created_at, n.read_at IS NOT NULL
FROM notifications n LEFT JOIN tickets t ON t.id = n.ticket_id
WHERE n.user_id = $1
ORDER BY n.id DESC
LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Notification, error) {
		var n Notification
		return n, r.Scan(&n.ID, &n.TicketID, &n.TicketSubject, &n.Kind, &n.Data, &n.CreatedAt, &n.Read)
	})
}

// MarkAllRead marks every notification of userID as read.
func (s *Service) MarkAllRead(ctx context.Context, userID int64) error {
	if _, err := s.db.Exec(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, s.now()); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}
