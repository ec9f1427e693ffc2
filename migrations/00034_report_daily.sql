-- +goose Up
-- Daily rollups of the report facts, so that the dashboard reads a row per
-- day, team and owner instead of every ticket of its range. One row per
-- (day in the desk's reporting time zone, team, loop owner); team_id and
-- owner_id are 0 for none. "Created" columns are about the tickets created
-- that day, "solved" columns about those solved that day: the same cohorts
-- as the dashboard's. The histograms are counts per fixed log-spaced bucket
-- of business seconds (internal/reports/hist.go), stored sparse as
-- (bucket byte, varint count) pairs, so that string_agg of histograms is
-- their sum's; NULL when empty. Written only by
-- internal/reports (the facts job), recomputed from ticket_facts for the
-- days a refresh touched.
CREATE TABLE report_daily (
    day                 date NOT NULL,
    team_id             bigint NOT NULL,
    owner_id            bigint NOT NULL,
    created             integer NOT NULL DEFAULT 0,
    first_responses     integer NOT NULL DEFAULT 0,
    first_response_sum  bigint NOT NULL DEFAULT 0,
    first_response_hist bytea,
    escalated           integer NOT NULL DEFAULT 0,
    escalation_returns  integer NOT NULL DEFAULT 0,
    escalation_sum      bigint NOT NULL DEFAULT 0,
    escalation_hist     bytea,
    reopens             integer NOT NULL DEFAULT 0,
    solves              integer NOT NULL DEFAULT 0,
    sla_first_met       integer NOT NULL DEFAULT 0,
    sla_first_breached  integer NOT NULL DEFAULT 0,
    sla_next_met        integer NOT NULL DEFAULT 0,
    sla_next_breached   integer NOT NULL DEFAULT 0,
    sla_resolution_met  integer NOT NULL DEFAULT 0,
    sla_resolution_breached integer NOT NULL DEFAULT 0,
    solved              integer NOT NULL DEFAULT 0,
    leads               integer NOT NULL DEFAULT 0,
    lead_sum            bigint NOT NULL DEFAULT 0,
    lead_hist           bytea,
    PRIMARY KEY (day, team_id, owner_id)
);
-- One team's range.
CREATE INDEX report_daily_team_idx ON report_daily (team_id, day);
-- The zone report_daily's days are in; NULL: not built yet (the dashboard
-- then aggregates the facts, and the next facts run builds the rollups).
ALTER TABLE report_refresh ADD COLUMN rollup_zone text;

-- +goose Down
ALTER TABLE report_refresh DROP COLUMN rollup_zone;
DROP TABLE report_daily;
