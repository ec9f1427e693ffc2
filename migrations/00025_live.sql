-- +goose Up
-- Live updates: every ticket event and every new notification is announced on
-- the loopdesk_live channel when its transaction commits. Each Loopdesk
-- instance LISTENs on one connection and fans the ids out to the browsers
-- that may see them. Payloads carry ids only, never ticket content:
--   i: position in live_event_seq (the SSE event id; one order for every kind)
--   k: kind (ticket, bell, presence)
--   s: the ticket
--   u: the actor (ticket), the recipient (bell), the visitor (presence)
--   a: the event's action name (ticket)
CREATE SEQUENCE live_event_seq;

-- +goose StatementBegin
CREATE FUNCTION ld_live_ticket_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('loopdesk_live', json_build_object(
        'i', nextval('live_event_seq'), 'k', 'ticket', 's', NEW.subject_id,
        'u', coalesce(NEW.actor_id, 0), 'a', NEW.action)::text);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER events_live AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.subject_type = 'ticket') EXECUTE FUNCTION ld_live_ticket_event();

-- +goose StatementBegin
CREATE FUNCTION ld_live_bell() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('loopdesk_live', json_build_object(
        'i', nextval('live_event_seq'), 'k', 'bell', 's', coalesce(NEW.ticket_id, 0), 'u', NEW.user_id)::text);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER notifications_live AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION ld_live_bell();

-- Who has a ticket open, and who is typing a reply on it: heartbeats from
-- the ticket page that expire (the page beats every 20 s). Shared by every
-- instance; losing it in a crash loses nothing worth keeping.
CREATE UNLOGGED TABLE ticket_presence (
    ticket_id  bigint NOT NULL,
    user_id    bigint NOT NULL,
    seen_at    timestamptz NOT NULL,
    typing_at  timestamptz,
    PRIMARY KEY (ticket_id, user_id)
);

-- +goose Down
DROP TABLE ticket_presence;
DROP TRIGGER notifications_live ON notifications;
DROP FUNCTION ld_live_bell();
DROP TRIGGER events_live ON events;
DROP FUNCTION ld_live_ticket_event();
DROP SEQUENCE live_event_seq;
