-- +goose Up
-- A customer erased on request (internal/privacy): their personal data is
-- removed or anonymised everywhere, the row stays so that the tickets'
-- numbers, timing and statistics stay. erased_at says when; an erased
-- customer cannot be exported or erased again.
ALTER TABLE customers ADD COLUMN erased_at timestamptz;

-- +goose Down
ALTER TABLE customers DROP COLUMN erased_at;
