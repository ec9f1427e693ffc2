-- +goose Up
-- A send job claims its row in a short transaction (status 'sending' until
-- claimed_until), sends with no transaction open, and marks the result in
-- another short one: a slow mail server no longer holds a row lock and a
-- pool connection. A 'sending' row whose claim ran out belongs to a job
-- that died (kill -9); the dispatcher gives it a new job. message_id is
-- fixed at the first claim, so a mail sent twice after such a crash carries
-- the same Message-ID and receivers can drop the copy.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'held'));
ALTER TABLE outbox ADD COLUMN claimed_until timestamptz;
ALTER TABLE outbox ADD COLUMN message_id text;

-- +goose Down
ALTER TABLE outbox DROP COLUMN message_id;
ALTER TABLE outbox DROP COLUMN claimed_until;
UPDATE outbox SET status = 'queued', job_id = NULL WHERE status = 'sending';
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('queued', 'sent', 'failed', 'held'));
