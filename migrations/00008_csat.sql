-- +goose Up
-- Customer satisfaction (CSAT). When a ticket is solved, a periodic job
-- queues one survey mail per ticket: the primary key of csat_surveys makes
-- "once per ticket" hold whichever instance or retry gets there first.
-- outbox_id is the survey mail (NULL: the customer has no email address; the
-- status page still shows the survey).
CREATE TABLE csat_surveys (
    ticket_id  bigint PRIMARY KEY REFERENCES tickets (id),
    queued_at  timestamptz NOT NULL,
    outbox_id  bigint REFERENCES outbox (id)
);

-- One answer per ticket, reached through the ticket's status link (the
-- customer's key); it may be changed for a while after answered_at.
-- owner_id is the loop owner when the customer first answered, so per-rep
-- numbers do not move when a ticket changes hands later.
-- bad_notified_at is set once the owner and supervisors were told about a
-- bad answer: flipping good/bad again does not notify twice.
CREATE TABLE csat_responses (
    ticket_id        bigint PRIMARY KEY REFERENCES tickets (id),
    rating           text NOT NULL CHECK (rating IN ('good', 'bad')),
    reason           text NOT NULL DEFAULT '' CHECK (length(reason) <= 40),
    comment          text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    owner_id         bigint REFERENCES users (id),
    answered_at      timestamptz NOT NULL,
    changed_at       timestamptz NOT NULL,
    bad_notified_at  timestamptz
);
-- Per-rep CSAT for a date range, and bad answers for at-risk customers.
CREATE INDEX csat_responses_answered_idx ON csat_responses (answered_at);
CREATE INDEX csat_responses_bad_idx ON csat_responses (changed_at) WHERE rating = 'bad';

-- The survey job's scan: tickets solved recently.
CREATE INDEX tickets_solved_at_idx ON tickets (solved_at) WHERE solved_at IS NOT NULL;
-- At-risk customers look back over a window: tickets created in it, SLA
-- breaches fired in it, reopenings in it.
CREATE INDEX tickets_created_at_idx ON tickets (created_at);
CREATE INDEX sla_firings_breached_idx ON sla_firings (fired_at) WHERE level = 'breached';
CREATE INDEX events_ticket_reopened_idx ON events (created_at) WHERE action = 'ticket.reopened';

-- Team announcements: short product or policy updates from supervisors.
-- team_id NULL is for everyone.
CREATE TABLE announcements (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id     bigint REFERENCES teams (id) ON DELETE CASCADE,
    author_id   bigint NOT NULL REFERENCES users (id),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL
);
CREATE INDEX announcements_created_idx ON announcements (created_at DESC, id DESC);

-- Who has read which announcement: unread ones show on the home page.
CREATE TABLE announcement_reads (
    announcement_id  bigint NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    user_id          bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_at          timestamptz NOT NULL,
    PRIMARY KEY (announcement_id, user_id)
);
CREATE INDEX announcement_reads_user_idx ON announcement_reads (user_id);

-- +goose Down
DROP TABLE announcement_reads;
DROP TABLE announcements;
DROP INDEX events_ticket_reopened_idx;
DROP INDEX sla_firings_breached_idx;
DROP INDEX tickets_created_at_idx;
DROP INDEX tickets_solved_at_idx;
DROP TABLE csat_responses;
DROP TABLE csat_surveys;
