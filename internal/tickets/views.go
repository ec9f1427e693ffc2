package tickets

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// SavedView is a named queue filter of one user.
type SavedView struct {
	ID    int64
	Name  string
	Scope Scope
	Query string // the queue page's query string
}

// SaveView stores (or replaces) a user's named filter.
func (s *Store) SaveView(ctx context.Context, userID int64, v SavedView) error {
	v.Name = strings.TrimSpace(v.Name)
	var f apperr.Fields
	textcheck.Field(&f, "view_name", v.Name, textcheck.Line, true, 80)
	if v.Scope != ScopeMine && v.Scope != ScopeTeamUnassigned && v.Scope != ScopeAll {
		f.Add("view_name", "error_invalid_choice")
	}
	if len(v.Query) > 2000 {
		f.Add("view_name", "error_too_long")
	} else if !textcheck.Valid(v.Query, textcheck.Line) {
		f.Add("view_name", "error_text_invalid")
	}
	if err := f.Err(); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
INSERT INTO saved_views (user_id, name, scope, query, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id, name) DO UPDATE SET scope = EXCLUDED.scope, query = EXCLUDED.query
RETURNING id`, userID, v.Name, v.Scope, v.Query, s.now()).Scan(&id)
		if err != nil {
			return fmt.Errorf("save view: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "saved_view", id, userID, "view.saved", map[string]any{"name": v.Name, "scope": v.Scope})
	})
}

// Views lists a user's saved views by name.
func (s *Store) Views(ctx context.Context, userID int64) ([]SavedView, error) {
	rows, err := s.db.Query(ctx, sqlViews, userID)
	if err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	return pgx.CollectRows(rows, scanView)
}

// ViewsBatch is Views on a batch.
func (s *Store) ViewsBatch(b *pgx.Batch, userID int64) func() ([]SavedView, error) {
	return postgres.QueueRows(b, "views", scanView, sqlViews, userID)
}

const sqlViews = `SELECT id, name, scope, query FROM saved_views WHERE user_id = $1 ORDER BY name`

func scanView(r pgx.CollectableRow) (SavedView, error) {
	var v SavedView
	return v, r.Scan(&v.ID, &v.Name, &v.Scope, &v.Query)
}

// DeleteView removes one of the user's saved views.
func (s *Store) DeleteView(ctx context.Context, userID, id int64) error {
	return postgres.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `DELETE FROM saved_views WHERE id = $1 AND user_id = $2 RETURNING name`, id, userID).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.New(apperr.NotFound, "error_not_found")
		}
		if err != nil {
			return fmt.Errorf("delete view: %w", err)
		}
		return postgres.RecordEvent(ctx, tx, s.now(), "saved_view", id, userID, "view.deleted", map[string]any{"name": name})
	})
}
