package staff

import (
	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// ListBatch is List on a batch: the returned function gives the staff once b
// has been sent and closed.
func (s *Store) ListBatch(b *pgx.Batch) func() ([]User, error) {
	return postgres.QueueRows(b, "list users", scanListedUser, sqlListUsers)
}

// TeamsBatch is Teams on a batch.
func (s *Store) TeamsBatch(b *pgx.Batch) func() ([]Team, error) {
	return postgres.QueueRows(b, "list teams", scanTeam, sqlListTeams)
}
