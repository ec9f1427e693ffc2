-- +goose Up
-- Customer email taken in by internal/mailin, one row per message, keyed by its
-- Message-ID (or a SHA-256 of the raw message when it has none): a redelivered
-- mail finds its row and changes nothing. The row is inserted first in the
-- transaction that files the mail, so a concurrent second delivery of the same
-- message waits on the key and then finds it; ticket_id is NULL only inside
-- that transaction, before the ticket is known.
CREATE TABLE mail_in (
    message_id   text PRIMARY KEY CHECK (length(message_id) BETWEEN 1 AND 1000),
    ticket_id    bigint REFERENCES tickets (id),
    received_at  timestamptz NOT NULL
);
CREATE INDEX mail_in_ticket_idx ON mail_in (ticket_id);

-- +goose Down
DROP TABLE mail_in;
