-- +goose Up
-- Persistent CC: addresses a ticket's public replies are copied to, added
-- by reps or from a customer mail's Cc (added_by NULL). internal/tickets
-- owns the writes. outbox.cc is the Cc of one queued mail, copied from
-- ticket_cc when a public reply is queued (never for internal notes).
CREATE TABLE ticket_cc (
    ticket_id  bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    email      citext NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    added_at   timestamptz NOT NULL,
    added_by   bigint REFERENCES users (id),
    PRIMARY KEY (ticket_id, email)
);
CREATE INDEX ticket_cc_email_idx ON ticket_cc (email);
ALTER TABLE outbox ADD COLUMN cc text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE outbox DROP COLUMN cc;
DROP TABLE ticket_cc;
