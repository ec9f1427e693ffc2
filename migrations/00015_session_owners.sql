-- +goose Up
-- Whose session it is, so a password change or reset can end that member's other sessions.
ALTER TABLE sessions ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE user_id IS NOT NULL;

-- Bumped whenever a member's sessions must end (password changed or reset, deactivated). A
-- session remembers the value it signed in with; one that differs is refused, even if an
-- in-flight request wrote its row back after the delete.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN session_epoch;
DROP INDEX sessions_user_idx;
ALTER TABLE sessions DROP COLUMN user_id;
