-- +goose Up
CREATE TABLE teams (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Roles are ordered by seniority: rep (tier 1) < senior (tier 2) < supervisor (tier 3) < admin.
CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          citext NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role           text NOT NULL CHECK (role IN ('rep', 'senior', 'supervisor', 'admin')),
    locale         text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'fi', 'vi', 'hi')),
    time_zone      text NOT NULL DEFAULT 'UTC',
    password_hash  text NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
    team_id  bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (user_id);

-- Sessions for scs/pgxstore: any instance can serve any request.
CREATE TABLE sessions (
    token   text PRIMARY KEY,
    data    bytea NOT NULL,
    expiry  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed logins, for throttling per account and per IP across instances.
CREATE TABLE login_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      citext NOT NULL,
    ip         text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (email, failed_at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, failed_at);

-- Audit events: every state change writes one row in the same transaction as the change.
-- Domains reuse this shape: subject_type/subject_id name what changed (user, ticket,
-- escalation...), actor_id who did it (NULL for the system or a customer), action what
-- happened, and data the details (old -> new values).
CREATE TABLE events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_type  text NOT NULL,
    subject_id    bigint NOT NULL,
    actor_id      bigint REFERENCES users (id),
    action        text NOT NULL,
    data          jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_subject_idx ON events (subject_type, subject_id, id);

-- +goose Down
DROP TABLE events;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE team_members;
DROP TABLE users;
DROP TABLE teams;
