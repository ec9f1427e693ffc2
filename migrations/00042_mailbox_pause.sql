-- +goose Up
-- Admins pause a mailbox (it is not read until resumed) and are told once on
-- the bell when one keeps failing: failure_notified is set when the admins
-- were told, and cleared by the next successful fetch.
ALTER TABLE mailboxes
    ADD COLUMN paused boolean NOT NULL DEFAULT false,
    ADD COLUMN failure_notified boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE mailboxes DROP COLUMN paused, DROP COLUMN failure_notified;
