-- +goose Up
-- The backlog now, kept by the facts job: open tickets per team (0: none),
-- status and priority. A busy desk has 15 % of its tickets open (150,000 at
-- a million), too many to count on every dashboard. Written only by
-- internal/reports, recomputed for the teams whose open tickets a facts
-- run changed.
CREATE TABLE report_backlog (
    team_id  bigint NOT NULL,
    status   text NOT NULL,
    priority smallint NOT NULL,
    n        integer NOT NULL,
    PRIMARY KEY (team_id, status, priority)
);
-- Build it on the next facts run.
UPDATE report_refresh SET rollup_zone = NULL;

-- +goose Down
DROP TABLE report_backlog;
