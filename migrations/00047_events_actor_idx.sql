-- +goose Up
-- The newest ticket event each staff member made: a page's nav counts kept
-- in memory (internal/live NavCounts) are counted again when it moved, so
-- a member's own change shows in their counts at once, on any instance,
-- before the change's notification has reached that instance. One entry
-- read backwards per page.
CREATE INDEX events_ticket_actor_idx ON events (actor_id, id)
    WHERE subject_type = 'ticket' AND actor_id IS NOT NULL;

-- +goose Down
DROP INDEX events_ticket_actor_idx;
