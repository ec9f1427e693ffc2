-- +goose Up
-- Staff who follow a ticket get its news on the bell: a reply, a note, the
-- customer's message, a status or owner change, an escalation and its
-- outcome. One unread notice per followed ticket at a time, never for one's
-- own change, and only while the follower may see the ticket (the rule of
-- tickets.Actor.CanSee). A trigger on the ticket events covers every path
-- that changes a ticket, as each records an event.
CREATE TABLE ticket_followers (
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_followers_user_idx ON ticket_followers (user_id);

-- +goose StatementBegin
CREATE FUNCTION ld_notify_followers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notifications (user_id, ticket_id, kind, data, created_at)
    SELECT f.user_id, t.id, 'followed_update', jsonb_build_object('action', NEW.action), NEW.created_at
    FROM ticket_followers f
    JOIN tickets t ON t.id = f.ticket_id
    JOIN users u ON u.id = f.user_id
    WHERE f.ticket_id = NEW.subject_id
      AND f.user_id IS DISTINCT FROM NEW.actor_id
      AND u.active
      AND (u.role IN ('supervisor', 'admin') OR u.id = t.owner_id OR u.id = t.holder_user_id
           OR EXISTS (SELECT 1 FROM team_members m WHERE m.user_id = u.id AND m.team_id IN (t.team_id, t.holder_team_id)))
      AND NOT EXISTS (SELECT 1 FROM notifications n
                      WHERE n.user_id = f.user_id AND n.ticket_id = t.id AND n.kind = 'followed_update' AND n.read_at IS NULL);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER events_followers AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.subject_type = 'ticket' AND (NEW.action IN (
        'ticket.replied', 'ticket.note_added', 'ticket.customer_replied', 'ticket.status_changed', 'ticket.reopened',
        'ticket.owner_changed', 'ticket.taken', 'ticket.assigned', 'ticket.escalated', 'ticket.merged_into')
        OR NEW.action LIKE 'ticket.escalation\_%'))
    EXECUTE FUNCTION ld_notify_followers();

-- +goose Down
DROP TRIGGER events_followers ON events;
DROP FUNCTION ld_notify_followers();
DROP TABLE ticket_followers;
