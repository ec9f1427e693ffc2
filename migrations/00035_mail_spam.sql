-- +goose Up
-- Mail kept out of the queues (internal/mailin): the admins' block list of
-- sender addresses and domains, and the Spam view's held mail (blocked
-- senders, senders over the new-ticket rate limit, failed DMARC), each kept
-- whole until a rep releases it (filed as normal) or deletes it.
CREATE TABLE mail_blocks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pattern     text NOT NULL UNIQUE CHECK (length(pattern) BETWEEN 3 AND 320 AND pattern = lower(pattern)),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE mail_spam (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   text NOT NULL UNIQUE CHECK (length(message_id) BETWEEN 1 AND 1000),
    reason       text NOT NULL CHECK (reason IN ('blocked', 'rate', 'dmarc')),
    from_name    text NOT NULL DEFAULT '',
    from_email   text NOT NULL,
    subject      text NOT NULL DEFAULT '',
    preview      text NOT NULL DEFAULT '',
    spf          text NOT NULL DEFAULT '',
    dkim         text NOT NULL DEFAULT '',
    dmarc        text NOT NULL DEFAULT '',
    team_id      bigint REFERENCES teams (id) ON DELETE SET NULL,
    mailbox_id   bigint REFERENCES mailboxes (id) ON DELETE SET NULL,
    own          text[] NOT NULL DEFAULT '{}',
    raw          bytea NOT NULL,
    received_at  timestamptz NOT NULL
);
CREATE INDEX mail_spam_received_idx ON mail_spam (received_at DESC, id DESC);
CREATE INDEX mail_spam_from_idx ON mail_spam (lower(from_email));

-- +goose Down
DROP TABLE mail_spam;
DROP TABLE mail_blocks;
