package tickets

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
)

// Batch variants: each queues its query on b, so a page sends its reads to
// Postgres in one round trip; the returned function gives the result once b
// has been sent and closed.

// MessagesBatch is Messages on a batch.
func (s *Store) MessagesBatch(b *pgx.Batch, id int64, withInternal bool) func() ([]Message, error) {
	return postgres.QueueRows(b, fmt.Sprintf("messages of %d", id), scanMessage, sqlSelectMessages, id, withInternal)
}

// AttachmentsBatch is Attachments on a batch.
func (s *Store) AttachmentsBatch(b *pgx.Batch, ticketID int64, withInternal bool) func() ([]Attachment, error) {
	return postgres.QueueRows(b, fmt.Sprintf("attachments of %d", ticketID),
		func(r pgx.CollectableRow) (Attachment, error) { return scanAttachment(r, false) },
		sqlSelectAttachments, ticketID, withInternal)
}

// HistoryBatch is History on a batch.
func (s *Store) HistoryBatch(b *pgx.Batch, id int64) func() ([]Event, error) {
	return postgres.QueueRows(b, fmt.Sprintf("history of %d", id), scanEvent, sqlSelectEvents, id)
}

// CustomerTicketsBatch is CustomerTickets on a batch.
func (s *Store) CustomerTicketsBatch(b *pgx.Batch, a Actor, customerID, exceptID int64, limit int) func() ([]Ticket, error) {
	all := postgres.QueueRows(b, "customer tickets", func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) },
		sqlCustomerTickets, customerID, exceptID, limit*4)
	return func() ([]Ticket, error) {
		list, err := all()
		if err != nil {
			return nil, err
		}
		return visibleTickets(a, list, limit), nil
	}
}

// LinksBatch is Links on a batch.
func (s *Store) LinksBatch(b *pgx.Batch, a Actor, id int64) func() ([]Link, error) {
	return postgres.QueueRows(b, fmt.Sprintf("links of %d", id), scanLink, sqlLinks, id, a.SeeAll, a.TeamIDs, a.UserID)
}

// CannedForTicketBatch is CannedForTicket on a batch.
func (s *Store) CannedForTicketBatch(b *pgx.Batch, a Actor, t Ticket) func() ([]CannedReply, error) {
	if !a.CanSee(t) {
		return func() ([]CannedReply, error) { return nil, apperr.New(apperr.NotFound, "error_ticket_not_found") }
	}
	f := cannedForTicket(t)
	return postgres.QueueRows(b, "canned replies", func(r pgx.CollectableRow) (CannedReply, error) { return scanCanned(r) },
		sqlListCanned, true, []int64{}, f.TeamID, f.Locale, f.Archived, f.PreferLocale, maxCannedList)
}
