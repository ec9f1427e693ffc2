package staff

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// sqlSetAway marks a staff member away or back, returning the old value.
const sqlSetAway = `
UPDATE users SET away = $2, updated_at = $3
WHERE id = $1
RETURNING (SELECT away FROM users WHERE id = $1)`

// SetAway marks a staff member away (on leave, off sick) or back. A
// supervisor reassigns the loops of someone away; the flag itself moves
// nothing.
func (s *Store) SetAway(ctx context.Context, actorID, userID int64, away bool) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var old bool
		err := tx.QueryRow(ctx, sqlSetAway, userID, away, s.now()).Scan(&old)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_user_not_found")
		}
		if err != nil {
			return fmt.Errorf("set away: %w", err)
		}
		if old == away {
			return nil
		}
		return recordEventTx(ctx, tx, s.now(), "user", userID, actorID, "user.away_changed", map[string]any{"old": old, "new": away})
	})
}

// AwayUsers lists the ids of the staff members marked away.
func (s *Store) AwayUsers(ctx context.Context) ([]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM users WHERE away ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("away users: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}
