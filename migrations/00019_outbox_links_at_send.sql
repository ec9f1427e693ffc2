-- +goose Up
-- Status-link tokens are no longer stored in queued mail: the outbox mints a
-- mail's link when it sends it (the tickets package queues the placeholder
-- {status-token}). Mail queued before keeps working: its tokens are replaced
-- by the placeholder, and it gets a fresh link when sent; for mail already
-- sent the old links, which customers hold, still work (their hashes stay in
-- ticket_tokens), only the readable copy here goes.
UPDATE outbox
SET data = regexp_replace(data::text, '/(status|csat)/[A-Za-z0-9_-]{20,64}', '/\1/{status-token}', 'g')::jsonb
WHERE data::text ~ '/(status|csat)/[A-Za-z0-9_-]{20,64}';

-- Sent mail keeps its content for a retention period (the admin Outbox
-- page), then a River job empties data and sets purged_at.
ALTER TABLE outbox ADD COLUMN purged_at timestamptz;
CREATE INDEX outbox_purge_idx ON outbox (sent_at) WHERE status = 'sent' AND purged_at IS NULL;

-- +goose Down
DROP INDEX outbox_purge_idx;
ALTER TABLE outbox DROP COLUMN purged_at;
