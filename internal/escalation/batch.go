package escalation

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// ForTicketBatch is ForTicket on a batch: the returned function gives the
// ticket's escalations once b has been sent and closed.
func (s *Service) ForTicketBatch(b *pgx.Batch, ticketID int64) func() ([]Escalation, error) {
	return postgres.QueueRows(b, fmt.Sprintf("escalations of %d", ticketID),
		func(r pgx.CollectableRow) (Escalation, error) { return scanEscalation(r) },
		sqlSelectEscalation+` WHERE e.ticket_id = $1 ORDER BY e.id`, ticketID)
}

// OpenFollowUpBatch is OpenFollowUp on a batch.
func (s *Service) OpenFollowUpBatch(b *pgx.Batch, ticketID int64) func() (*FollowUp, error) {
	get := postgres.QueueRows(b, "open follow-up", scanFollowUp, sqlSelectFollowUp+` WHERE f.ticket_id = $1 AND f.done_at IS NULL`, ticketID)
	return func() (*FollowUp, error) {
		list, err := get()
		if err != nil || len(list) == 0 {
			return nil, err
		}
		return &list[0], nil
	}
}
