-- +goose Up
-- A team's mail signature (plain text, "" for none), put under every mail
-- the outbox sends on the team's tickets; internal/staff owns the writes.
ALTER TABLE teams ADD COLUMN signature text NOT NULL DEFAULT '' CHECK (length(signature) <= 1000);

-- +goose Down
ALTER TABLE teams DROP COLUMN signature;
