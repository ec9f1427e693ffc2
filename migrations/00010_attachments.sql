-- +goose Up
-- Files attached to ticket messages by customers (web form, status page) and reps.
--
-- The bytes live in Postgres (bytea, TOASTed out of line) rather than
-- on a disk or in an object store: files are small (10 MiB at most) and few next to
-- the messages, an upload commits in the same transaction as its message and its
-- event (no orphan files, no dangling rows), backups and restores carry them with
-- the tickets they belong to, and there is no second store to secure, mount or
-- share between instances. Listing reads only the metadata columns, never data.
--
-- filename is already sanitised (no path, no control characters, at most 200
-- characters) and content_type is what the server detected from the bytes, from a
-- short allowlist; neither is taken from the client.
CREATE TABLE attachments (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id            bigint NOT NULL REFERENCES tickets (id),
    message_id           bigint REFERENCES messages (id),
    filename             text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type         text NOT NULL CHECK (content_type IN
                         ('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain')),
    size_bytes           integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256               bytea NOT NULL CHECK (length(sha256) = 32),
    data                 bytea NOT NULL,
    uploaded_by_user_id  bigint REFERENCES users (id),
    uploaded_by_customer boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (length(data) = size_bytes),
    -- Exactly one uploader: a staff member or the ticket's customer.
    CHECK (uploaded_by_customer = (uploaded_by_user_id IS NULL))
);
-- A ticket's attachments in thread order (the ticket page and the status page).
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, id);
CREATE INDEX attachments_message_idx ON attachments (message_id) WHERE message_id IS NOT NULL;

-- Merging moves a duplicate's messages to the surviving ticket (tickets.Merge); the
-- attachments of those messages follow them, so that an attachment's ticket_id,
-- which the download routes authorise by, is always its message's ticket.
-- +goose StatementBegin
CREATE FUNCTION attachments_follow_message() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE attachments SET ticket_id = NEW.ticket_id WHERE message_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER attachments_follow_message
AFTER UPDATE OF ticket_id ON messages
FOR EACH ROW WHEN (OLD.ticket_id IS DISTINCT FROM NEW.ticket_id)
EXECUTE FUNCTION attachments_follow_message();

-- +goose Down
DROP TRIGGER attachments_follow_message ON messages;
DROP FUNCTION attachments_follow_message();
DROP TABLE attachments;
