-- +goose Up
-- Personal API tokens: a staff member's key to the JSON API, acting as that
-- member. Only the SHA-256 of a token is kept; the token itself is shown once,
-- when made. prefix (its first characters) tells tokens apart in lists.
-- A revoked token keeps its row (revoked_at set) for the audit trail.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    prefix        text NOT NULL CHECK (length(prefix) BETWEEN 1 AND 20),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
-- A member's token list, newest first.
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, id DESC);

-- +goose Down
DROP TABLE api_tokens;
