-- +goose Up
-- Automatic assignment of new tickets, per team: manual (nobody is picked),
-- round_robin (members in turn) or least_loaded (fewest open tickets first).
-- capacity caps how many open tickets a member may own before they get no
-- more (0: no cap). The row is also the team's assignment lock: an automatic
-- pick locks it FOR UPDATE, so picks of one team are serialised and never
-- overfill anyone. last_user_id is the round-robin cursor.
CREATE TABLE team_assignment (
    team_id       bigint PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    mode          text NOT NULL DEFAULT 'manual' CHECK (mode IN ('manual', 'round_robin', 'least_loaded')),
    capacity      integer NOT NULL DEFAULT 0 CHECK (capacity BETWEEN 0 AND 1000),
    last_user_id  bigint REFERENCES users (id) ON DELETE SET NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A staff member's skills: the languages they serve customers in (empty: their
-- own interface language) and the categories they handle (empty: any).
ALTER TABLE users
    ADD COLUMN languages text[] NOT NULL DEFAULT '{}'
        CHECK (languages <@ ARRAY['en', 'fi', 'vi', 'hi']),
    ADD COLUMN categories text[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(categories) <= 20);

-- +goose Down
ALTER TABLE users DROP COLUMN categories, DROP COLUMN languages;
DROP TABLE team_assignment;
