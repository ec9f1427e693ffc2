package escalation

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Exported parts for other domains (CSAT) that must notify staff and open a
// follow-up inside their own transaction, so that an answer, its
// notifications and its follow-up commit together or not at all.

// NotifyTx adds one notification of kind per user, inside the caller's transaction.
func (s *Service) NotifyTx(ctx context.Context, tx pgx.Tx, userIDs []int64, ticketID int64, kind string, data map[string]any) error {
	return s.notifyTx(ctx, tx, userIDs, ticketID, kind, data)
}

// TeamLeadsTx lists the active supervisors of a team (all supervisors when
// the team has none of its own).
func (s *Service) TeamLeadsTx(ctx context.Context, tx pgx.Tx, teamID int64) ([]int64, error) {
	return s.teamLeadsTx(ctx, tx, teamID)
}

// CreateFollowUpTx opens a follow-up for ownerID (0: the loop owner), who
// becomes the loop owner, due in the team's business hours, inside the
// caller's transaction; a ticket's open follow-up stays as it is. A solved
// ticket reopens, a closed one gets a follow-up ticket. reason is "csat_bad"
// or "proactive". Unlike CreateFollowUp it sends
// no notification: the caller says why in its own.
func (s *Service) CreateFollowUpTx(ctx context.Context, tx pgx.Tx, ticketID, ownerID int64, reason string) error {
	_, err := s.createFollowUpTx(ctx, tx, ticketID, ownerID, 0, reason, s.now())
	return err
}
