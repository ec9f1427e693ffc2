package postgres

import (
	"context"
	"fmt"
	"time"
)

// RecordEvent writes one audit event — who (actorID, 0 for the system or a
// customer), when, what (action and its old -> new data) — through q, which
// should be the transaction that made the change.
func RecordEvent(ctx context.Context, q Querier, at time.Time, subjectType string, subjectID, actorID int64, action string, data map[string]any) error {
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	if data == nil {
		data = map[string]any{}
	}
	_, err := q.Exec(ctx, `
INSERT INTO events (subject_type, subject_id, actor_id, action, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`, subjectType, subjectID, actor, action, data, at)
	if err != nil {
		return fmt.Errorf("record event %s: %w", action, err)
	}
	return nil
}
