-- +goose Up
-- A rep's search falls back to reading a word's matches from the search
-- index when the rep's newest tickets hold too few of them; these let it
-- AND those matches with the rep's visibility (team, owner, holder team,
-- holder user; the holders' indexes exist) instead of walking every ticket.
CREATE INDEX tickets_team_idx ON tickets (team_id);
CREATE INDEX tickets_owner_idx ON tickets (owner_id) WHERE owner_id IS NOT NULL;

-- +goose Down
DROP INDEX tickets_owner_idx;
DROP INDEX tickets_team_idx;
