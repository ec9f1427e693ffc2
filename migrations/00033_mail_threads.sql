-- +goose Up
-- Outgoing mail: a ticket that came in through an IMAP mailbox is answered
-- from that mailbox's From address (read when each mail is sent, so a
-- changed address applies at once; a removed mailbox falls back to the
-- desk's). outbox_ticket_idx finds a ticket's earlier mail for the
-- References header of the next one.
ALTER TABLE tickets ADD COLUMN mailbox_id bigint REFERENCES mailboxes (id) ON DELETE SET NULL;
CREATE INDEX tickets_mailbox_idx ON tickets (mailbox_id) WHERE mailbox_id IS NOT NULL;
CREATE INDEX outbox_ticket_idx ON outbox (ticket_id, id) WHERE message_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_ticket_idx;
DROP INDEX tickets_mailbox_idx;
ALTER TABLE tickets DROP COLUMN mailbox_id;
