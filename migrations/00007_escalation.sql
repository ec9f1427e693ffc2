-- +goose Up
-- Tiers: a team is front line (tier 1) or seniors/specialists (tier 2) with a
-- skill (billing, delivery, technical...). Supervisors are tier 3 by role.
ALTER TABLE teams ADD COLUMN tier smallint NOT NULL DEFAULT 1 CHECK (tier IN (1, 2));
ALTER TABLE teams ADD COLUMN skill text NOT NULL DEFAULT '' CHECK (length(skill) <= 60);
-- A loop owner who is away has their loops reassigned by a supervisor.
ALTER TABLE users ADD COLUMN away boolean NOT NULL DEFAULT false;

-- Business-hours calendars: hours per ISO weekday (1 = Monday .. 7 = Sunday)
-- as "HH:MM-HH:MM" intervals, holidays as local dates.
CREATE TABLE calendars (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    time_zone  text NOT NULL,
    hours      jsonb NOT NULL DEFAULT '{}',
    holidays   date[] NOT NULL DEFAULT '{}'
);
ALTER TABLE teams ADD COLUMN calendar_id bigint REFERENCES calendars (id);

-- SLA policies per priority, optionally narrowed by category. Targets are
-- business minutes. Breach escalation: at_risk_percent of a target notifies
-- the owner; the breach notifies owner and team lead and escalates to
-- breach_team_id; supervisor_delay_minutes later it goes to supervisors.
CREATE TABLE sla_policies (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                      text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    priority                  smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
    category                  text NOT NULL DEFAULT '',
    first_response_minutes    integer NOT NULL CHECK (first_response_minutes >= 0),
    next_response_minutes     integer NOT NULL CHECK (next_response_minutes >= 0),
    resolution_minutes        integer NOT NULL CHECK (resolution_minutes >= 0),
    at_risk_percent           integer NOT NULL DEFAULT 75 CHECK (at_risk_percent BETWEEN 1 AND 99),
    breach_team_id            bigint REFERENCES teams (id),
    supervisor_delay_minutes  integer NOT NULL DEFAULT 60 CHECK (supervisor_delay_minutes >= 0),
    UNIQUE (priority, category)
);

-- The SLA clock of each ticket, recomputed on every relevant event.
-- next_due is the soonest unmet deadline: queues sort by it and the breach
-- jobs fire at it. paused_since is set while pending/on hold.
ALTER TABLE tickets
    ADD COLUMN sla_policy_id bigint REFERENCES sla_policies (id),
    ADD COLUMN first_response_due timestamptz,
    ADD COLUMN next_response_due timestamptz,
    ADD COLUMN resolution_due timestamptz,
    ADD COLUMN next_due timestamptz,
    ADD COLUMN paused_since timestamptz,
    ADD COLUMN awaiting_reply_since timestamptz,
    -- Who holds an escalated ticket now; they may see and work it.
    ADD COLUMN holder_team_id bigint REFERENCES teams (id),
    ADD COLUMN holder_user_id bigint REFERENCES users (id);
CREATE INDEX tickets_next_due_idx ON tickets (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX tickets_holder_team_idx ON tickets (holder_team_id) WHERE holder_team_id IS NOT NULL;
CREATE INDEX tickets_holder_user_idx ON tickets (holder_user_id) WHERE holder_user_id IS NOT NULL;

-- Pauses of the SLA clock (pending on the customer, on hold): [started, ended).
CREATE TABLE sla_pauses (
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    PRIMARY KEY (ticket_id, started_at)
);

-- One row per fired SLA level: the primary key makes each level fire exactly
-- once, however many instances or retried jobs try.
CREATE TABLE sla_firings (
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    target     text NOT NULL CHECK (target IN ('first_response', 'next_response', 'resolution')),
    due_at     timestamptz NOT NULL,
    level      text NOT NULL CHECK (level IN ('at_risk', 'breached', 'supervisors')),
    fired_at   timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, target, due_at, level)
);

-- An escalation: from the loop owner (or the SLA system) to a tier-2 team, a
-- named senior/specialist, or supervisors; or a transfer to another
-- department that hands the ticket back. The loop owner stays the owner.
CREATE TABLE escalations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    kind            text NOT NULL CHECK (kind IN ('escalation', 'transfer')),
    level           smallint NOT NULL CHECK (level IN (2, 3)),
    from_user_id    bigint REFERENCES users (id),
    to_team_id      bigint REFERENCES teams (id),
    to_user_id      bigint REFERENCES users (id),
    reason          text NOT NULL,
    note            text NOT NULL CHECK (length(note) BETWEEN 1 AND 4000),
    urgency         text NOT NULL CHECK (urgency IN ('normal', 'high', 'critical')),
    status          text NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'accepted', 'returned', 'escalated', 'deescalated')),
    holder_id       bigint REFERENCES users (id),
    outcome         text NOT NULL DEFAULT '',
    requested_at    timestamptz NOT NULL,
    accepted_at     timestamptz,
    returned_at     timestamptz,
    CHECK (level = 3 OR to_team_id IS NOT NULL OR to_user_id IS NOT NULL)
);
CREATE UNIQUE INDEX escalations_one_open_idx ON escalations (ticket_id) WHERE status IN ('requested', 'accepted');
CREATE INDEX escalations_open_idx ON escalations (requested_at) WHERE status IN ('requested', 'accepted');
CREATE INDEX escalations_ticket_idx ON escalations (ticket_id, id);
CREATE INDEX escalations_from_idx ON escalations (from_user_id, requested_at);

-- The closed loop: after an escalation or transfer returns, the loop owner
-- must contact the customer and record whether it is solved before closing.
CREATE TABLE follow_ups (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    owner_id        bigint NOT NULL REFERENCES users (id),
    escalation_id   bigint REFERENCES escalations (id),
    reason          text NOT NULL CHECK (reason IN ('escalation_returned', 'csat_bad', 'proactive')),
    due_at          timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    done_at         timestamptz,
    contact_method  text CHECK (contact_method IN ('phone', 'email', 'chat', 'in_person')),
    confirmed       boolean,
    note            text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX follow_ups_one_open_idx ON follow_ups (ticket_id) WHERE done_at IS NULL;
CREATE INDEX follow_ups_owner_open_idx ON follow_ups (owner_id, due_at) WHERE done_at IS NULL;
CREATE INDEX follow_ups_open_due_idx ON follow_ups (due_at) WHERE done_at IS NULL;

-- In-app notifications (the bell).
CREATE TABLE notifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ticket_id   bigint REFERENCES tickets (id),
    kind        text NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    read_at     timestamptz
);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC);

-- +goose Down
DROP TABLE notifications;
DROP TABLE follow_ups;
DROP TABLE escalations;
DROP TABLE sla_firings;
DROP TABLE sla_pauses;
ALTER TABLE tickets
    DROP COLUMN holder_user_id, DROP COLUMN holder_team_id, DROP COLUMN awaiting_reply_since,
    DROP COLUMN paused_since, DROP COLUMN next_due, DROP COLUMN resolution_due,
    DROP COLUMN next_response_due, DROP COLUMN first_response_due, DROP COLUMN sla_policy_id;
DROP TABLE sla_policies;
ALTER TABLE teams DROP COLUMN calendar_id;
DROP TABLE calendars;
ALTER TABLE users DROP COLUMN away;
ALTER TABLE teams DROP COLUMN skill;
ALTER TABLE teams DROP COLUMN tier;
