package tickets

import (
	"fmt"

	"github.com/jackc/pgx/v5"

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
