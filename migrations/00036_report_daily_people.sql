-- +goose Up
-- The rest of the dashboard's range figures join the daily rollups, so that
-- a year or one team's range reads rollup rows, not every answer,
-- escalation and follow-up of the range. In report_daily the owner_id of a
-- row is the person each figure is about: CSAT answers by the owner at the
-- answer (csat_responses.owner_id, on the day answered), escalations by who
-- raised them (from_user_id, on the day requested), follow-ups by their
-- owner (on the day due: all of them, those done, and those done by their
-- due time). The team is the ticket's (its facts'). Escalations per reason
-- go to report_daily_reasons.
ALTER TABLE report_daily
    ADD COLUMN csat_good          integer NOT NULL DEFAULT 0,
    ADD COLUMN csat_bad           integer NOT NULL DEFAULT 0,
    ADD COLUMN escalations_raised integer NOT NULL DEFAULT 0,
    ADD COLUMN follow_ups_due     integer NOT NULL DEFAULT 0,
    ADD COLUMN follow_ups_done    integer NOT NULL DEFAULT 0,
    ADD COLUMN follow_ups_on_time integer NOT NULL DEFAULT 0;
CREATE TABLE report_daily_reasons (
    day     date NOT NULL,
    team_id bigint NOT NULL,
    reason  text NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (day, team_id, reason)
);
CREATE INDEX report_daily_reasons_team_idx ON report_daily_reasons (team_id, day);
-- The facts job finds the due days of a changed ticket's follow-ups.
CREATE INDEX follow_ups_ticket_idx ON follow_ups (ticket_id);
-- Rollups without the new figures: the next facts run recomputes every day.
UPDATE report_refresh SET rollup_zone = NULL;

-- +goose Down
DROP INDEX follow_ups_ticket_idx;
DROP TABLE report_daily_reasons;
ALTER TABLE report_daily
    DROP COLUMN csat_good, DROP COLUMN csat_bad, DROP COLUMN escalations_raised,
    DROP COLUMN follow_ups_due, DROP COLUMN follow_ups_done, DROP COLUMN follow_ups_on_time;
UPDATE report_refresh SET rollup_zone = NULL;
