-- +goose Up
-- Mailboxes the desk reads over IMAP (internal/mailbox). The password is
-- sealed with AES-256-GCM under a key derived from LOOPDESK_SECRET, bound to
-- the row's id; it is never stored or shown readable. The health columns are
-- written by the instance that holds the mailbox's advisory lock.
CREATE TABLE mailboxes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    host             text NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port             integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    security         text NOT NULL CHECK (security IN ('tls', 'starttls')),
    username         text NOT NULL CHECK (length(username) BETWEEN 1 AND 320),
    password_sealed  bytea NOT NULL,
    folder           text NOT NULL DEFAULT 'INBOX' CHECK (length(folder) BETWEEN 1 AND 200),
    team_id          bigint NOT NULL REFERENCES teams (id),
    from_address     text NOT NULL DEFAULT '' CHECK (length(from_address) <= 320),
    created_at       timestamptz NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    -- health
    last_success_at  timestamptz,
    last_error_at    timestamptz,
    last_error_kind  text NOT NULL DEFAULT '',
    last_error       text NOT NULL DEFAULT '',
    failures         integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mailboxes_account_idx ON mailboxes (lower(host), port, username, folder);

-- One row per mail filed from a mailbox, for "messages filed today" on the
-- admin page; rows older than 40 days are removed by the reader.
CREATE TABLE mailbox_filed (
    mailbox_id  bigint NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
    filed_at    timestamptz NOT NULL
);
CREATE INDEX mailbox_filed_idx ON mailbox_filed (mailbox_id, filed_at);

-- +goose Down
DROP TABLE mailbox_filed;
DROP TABLE mailboxes;
