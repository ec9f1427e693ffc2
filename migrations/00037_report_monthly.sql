-- +goose Up
-- Monthly sums of report_daily (the same columns, histograms merged), so
-- that a long range reads a row per month, team and owner for its whole
-- months and daily rows only for the days around them. Written only by
-- internal/reports, recomputed from report_daily for the months whose days
-- a facts run recomputed.
CREATE TABLE report_monthly (LIKE report_daily INCLUDING DEFAULTS);
ALTER TABLE report_monthly RENAME COLUMN day TO month;
ALTER TABLE report_monthly ADD PRIMARY KEY (month, team_id, owner_id);
CREATE INDEX report_monthly_team_idx ON report_monthly (team_id, month);
-- The dashboard's chart: tickets created and solved per day and team (a
-- year of every team is 365 x teams rows, not 365 x teams x owners).
CREATE TABLE report_daily_teams (
    day     date NOT NULL,
    team_id bigint NOT NULL,
    created integer NOT NULL,
    solved  integer NOT NULL,
    PRIMARY KEY (day, team_id)
);
CREATE INDEX report_daily_teams_team_idx ON report_daily_teams (team_id, day);
-- Build the months and days on the next facts run.
UPDATE report_refresh SET rollup_zone = NULL;

-- +goose Down
DROP TABLE report_daily_teams;
DROP TABLE report_monthly;
