-- +goose Up
-- A status-page reply remembers the key of the form post that made it (a
-- SHA-256 of the form's random key and the words sent), so the same post
-- sent twice is one reply. The /help form keeps its key in
-- tickets.idempotency_key.
ALTER TABLE messages ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX messages_idempotency_key_idx ON messages (idempotency_key) WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX messages_idempotency_key_idx;
ALTER TABLE messages DROP COLUMN idempotency_key;
