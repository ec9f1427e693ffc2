-- +goose Up
-- Canned replies: saved answers reps insert into a reply. team_id NULL is for
-- everyone; locale is the language the answer is written in (the ticket page
-- lists the customer's language first). Archived replies stay for the audit
-- trail (events of subject_type 'canned_reply') but are no longer offered.
-- version catches two supervisors editing one reply at once.
CREATE TABLE canned_replies (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id      bigint REFERENCES teams (id) ON DELETE CASCADE,
    locale       text NOT NULL CHECK (locale IN ('en', 'fi', 'vi', 'hi')),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    version      integer NOT NULL DEFAULT 1,
    created_by   bigint NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    archived_at  timestamptz
);
-- The ticket page's picker: the active replies of one team and of everyone.
CREATE INDEX canned_replies_active_idx ON canned_replies (team_id, locale) WHERE archived_at IS NULL;

-- +goose Down
DROP TABLE canned_replies;
