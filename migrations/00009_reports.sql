-- +goose Up
-- Reporting rollups for the supervisor dashboard (internal/reports).
--
-- ticket_facts holds one row per ticket with what the reports need, already
-- worked out: business-hours first response and lead time (the team's
-- calendar, SLA pauses excluded), SLA outcome per target, escalation, reopen
-- and solve counts. A River job keeps it up to date every minute, redoing
-- only the tickets that changed since its last run. Per-ticket facts rather
-- than per-day sums (report_daily), because medians and p90s cannot be added
-- up from daily totals, and because a per-ticket row can be filtered by any
-- date range, team or owner: percentile_disc over the facts of a range stays
-- well under the 200 ms budget at a million tickets (see BenchmarkDashboard).
--
-- It is derived data: no foreign keys (a rebuild can always recreate it), and
-- a ticket's row is replaced whole on every refresh.
CREATE TABLE ticket_facts (
    ticket_id           bigint PRIMARY KEY,
    team_id             bigint,
    owner_id            bigint,
    status              text NOT NULL,
    priority            smallint NOT NULL,
    created_at          timestamptz NOT NULL,
    first_response_at   timestamptz,
    solved_at           timestamptz,
    -- Business seconds from creation, in the team calendar, pauses excluded.
    first_response_s    integer,
    lead_s              integer,
    -- SLA outcome per target: 'met', 'breached', or NULL (no SLA, or not decided yet).
    sla_first_response  text CHECK (sla_first_response IN ('met', 'breached')),
    sla_next_response   text CHECK (sla_next_response IN ('met', 'breached')),
    sla_resolution      text CHECK (sla_resolution IN ('met', 'breached')),
    -- Escalations raised on the ticket (kind 'escalation'), and the business
    -- seconds between request and return of those that came back.
    escalations         smallint NOT NULL DEFAULT 0,
    escalation_s        integer,
    -- ticket.reopened events and moves to solved (ticket.status_changed to solved).
    reopens             smallint NOT NULL DEFAULT 0,
    solves              smallint NOT NULL DEFAULT 0,
    refreshed_at        timestamptz NOT NULL
);
-- The dashboard's ranges: tickets created in a range, tickets solved in it,
-- for everyone or one team.
CREATE INDEX ticket_facts_created_idx ON ticket_facts (created_at);
CREATE INDEX ticket_facts_team_created_idx ON ticket_facts (team_id, created_at);
CREATE INDEX ticket_facts_solved_idx ON ticket_facts (solved_at) WHERE solved_at IS NOT NULL;
CREATE INDEX ticket_facts_team_solved_idx ON ticket_facts (team_id, solved_at) WHERE solved_at IS NOT NULL;
-- The backlog now: open tickets by team, status and priority (index-only).
CREATE INDEX ticket_facts_open_idx ON ticket_facts (team_id, status, priority)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');

-- The facts job's progress. watermark: every change before it is in the
-- facts (NULL: a full rebuild is due). A rebuild walks tickets by id from
-- backfill_after, committing as it goes, so it survives restarts.
CREATE TABLE report_refresh (
    name              text PRIMARY KEY,
    watermark         timestamptz,
    backfill_after    bigint NOT NULL DEFAULT 0,
    backfill_started  timestamptz,
    last_run_at       timestamptz,
    last_run_tickets  integer NOT NULL DEFAULT 0
);
INSERT INTO report_refresh (name) VALUES ('ticket_facts');

-- The facts job finds changed tickets through the audit log (every change
-- writes an event in its transaction).
CREATE INDEX events_created_idx ON events (created_at);
-- Dashboard: escalations requested in a range (top reasons, raised per rep)
-- and follow-ups due in a range (on time per rep).
CREATE INDEX escalations_requested_idx ON escalations (requested_at);
CREATE INDEX follow_ups_due_idx ON follow_ups (due_at);

-- +goose Down
DROP INDEX follow_ups_due_idx;
DROP INDEX escalations_requested_idx;
DROP INDEX events_created_idx;
DROP TABLE report_refresh;
DROP TABLE ticket_facts;
