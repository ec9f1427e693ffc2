-- +goose Up
-- SLA recompute jobs (after a calendar, a team's calendar or a policy
-- changes) walk the open tickets in id order, a few hundred per transaction:
-- this index lets each batch start where the last stopped and skip the
-- solved and closed tickets, so a whole recompute reads each open ticket once.
CREATE INDEX tickets_open_id_idx ON tickets (id) WHERE status IN ('new', 'open', 'pending', 'on_hold');

-- +goose Down
DROP INDEX tickets_open_id_idx;
