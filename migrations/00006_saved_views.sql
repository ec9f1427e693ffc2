-- +goose Up
-- A rep's saved queue filters: a name and the queue's query string.
CREATE TABLE saved_views (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    scope       text NOT NULL CHECK (scope IN ('mine', 'team_unassigned', 'all')),
    query       text NOT NULL CHECK (length(query) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);

-- +goose Down
DROP TABLE saved_views;
