-- +goose Up
-- Sessions are found by the SHA-256 of their cookie token (base64url without padding, as scs
-- hashes it with HashTokenInStore), so whoever reads the database or a backup cannot sign in
-- with a row. Existing rows are hashed in place: nobody is signed out by the upgrade.
UPDATE sessions
SET token = translate(rtrim(encode(sha256(convert_to(token, 'UTF8')), 'base64'), '='), '+/', '-_');

-- +goose Down
DELETE FROM sessions;
