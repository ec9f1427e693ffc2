-- +goose Up
-- Two-factor sign-in with an authenticator app (TOTP, RFC 6238). The secret is sealed with
-- AES-256-GCM under a key derived from LOOPDESK_SECRET (bound to the user id), so a database or
-- backup reader cannot compute codes. totp_enabled_at is NULL while a secret is only being set
-- up. totp_last_step is the last time step a code was accepted for: no code works twice.
ALTER TABLE users
    ADD COLUMN totp_secret     bytea,
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step  bigint;

-- Recovery codes: shown once, stored as SHA-256 hashes, each good for one sign-in.
CREATE TABLE recovery_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, code_hash)
);

-- Code attempts, for limiting guesses per member (a guesser already has the password).
CREATE TABLE second_factor_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    failed_at  timestamptz NOT NULL
);
CREATE INDEX second_factor_failures_user_idx ON second_factor_failures (user_id, failed_at);

-- +goose Down
DROP TABLE second_factor_failures;
DROP TABLE recovery_codes;
ALTER TABLE users DROP COLUMN totp_last_step, DROP COLUMN totp_enabled_at, DROP COLUMN totp_secret;
