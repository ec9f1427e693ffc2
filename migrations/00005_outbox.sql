-- +goose Up
-- job_id is the River job that sends an outbox row. The dispatcher sets it in
-- the same transaction as it inserts the job, so each queued row gets exactly
-- one job; a job whose id is no longer the row's (an admin retried the row)
-- does nothing. last_attempt_at is shown on the admin Outbox page.
ALTER TABLE outbox ADD COLUMN job_id bigint;
ALTER TABLE outbox ADD COLUMN last_attempt_at timestamptz;
-- The dispatcher's scan: queued rows that have no job yet, oldest first.
CREATE INDEX outbox_undispatched_idx ON outbox (id) WHERE status = 'queued' AND job_id IS NULL;

-- Rate limits of the public (no login) forms, shared by every instance.
-- key_hash is a SHA-256 of the client address: the address itself is not kept.
CREATE TABLE rate_hits (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bucket    text NOT NULL,
    key_hash  bytea NOT NULL,
    at        timestamptz NOT NULL
);
CREATE INDEX rate_hits_key_idx ON rate_hits (bucket, key_hash, at);
CREATE INDEX rate_hits_at_idx ON rate_hits (at);

-- +goose Down
DROP TABLE rate_hits;
DROP INDEX outbox_undispatched_idx;
ALTER TABLE outbox DROP COLUMN last_attempt_at;
ALTER TABLE outbox DROP COLUMN job_id;
