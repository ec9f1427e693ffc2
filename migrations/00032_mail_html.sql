-- +goose Up
-- What a customer's mail brings beyond its text, one row per message filed
-- from a mail (written by internal/tickets when it files the mail): its HTML
-- part, sanitised by internal/mailin (bluemonday) and shown to reps in a
-- sandboxed frame; cids maps the Content-IDs of its inline images to the
-- attachments they were stored as; remote_images says whether it shows
-- images from the internet (blocked until a rep asks); spf, dkim and dmarc
-- are the sender-authentication results our MX wrote (Authentication-Results).
CREATE TABLE message_email (
    message_id     bigint PRIMARY KEY REFERENCES messages (id),
    html           text NOT NULL DEFAULT '' CHECK (length(html) <= 1048576),
    cids           jsonb NOT NULL DEFAULT '{}',
    remote_images  boolean NOT NULL DEFAULT false,
    spf            text NOT NULL DEFAULT '' CHECK (length(spf) <= 30),
    dkim           text NOT NULL DEFAULT '' CHECK (length(dkim) <= 30),
    dmarc          text NOT NULL DEFAULT '' CHECK (length(dmarc) <= 30)
);

-- +goose Down
DROP TABLE message_email;
