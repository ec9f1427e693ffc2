-- +goose Up
-- Webhooks (internal/webhooks): admins register endpoints that receive the
-- desk's ticket events as signed JSON.
--
-- secret_sealed is the endpoint's signing secret, AES-256-GCM under a key
-- derived from LOOPDESK_SECRET (internal/secretbox); the plaintext is shown
-- to the admin once, when the endpoint is made. secret_hint is its last four
-- characters, so an admin can tell which secret a receiver holds.
-- failure_streak counts failed attempts since the last success; at the
-- configured limit the endpoint is disabled (disabled_reason 'failures').
CREATE TABLE webhook_endpoints (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url              text NOT NULL CHECK (length(url) BETWEEN 10 AND 2000),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    events           text[] NOT NULL CHECK (cardinality(events) > 0),
    secret_sealed    bytea NOT NULL,
    secret_hint      text NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    failure_streak   integer NOT NULL DEFAULT 0,
    disabled_at      timestamptz,
    disabled_reason  text NOT NULL DEFAULT '' CHECK (disabled_reason IN ('', 'admin', 'failures')),
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- Ticket events waiting to become deliveries. A trigger queues each new
-- ticket event, in the transaction that records it, while any endpoint is
-- enabled; the dispatcher (webhooks.Service.Dispatch) takes rows with FOR
-- UPDATE SKIP LOCKED once they are committed, so an event whose transaction
-- commits late is never skipped (an id cursor over events would skip it)
-- and no ticket transaction does network I/O. pg_notify wakes the
-- dispatcher at commit; it also sweeps every few seconds.
CREATE TABLE webhook_queue (
    event_id  bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE
);

-- +goose StatementBegin
CREATE FUNCTION webhook_queue_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) THEN
        INSERT INTO webhook_queue (event_id) VALUES (NEW.id);
        PERFORM pg_notify('loopdesk_webhooks', '');
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER webhook_queue_event
AFTER INSERT ON events
FOR EACH ROW WHEN (NEW.subject_type = 'ticket')
EXECUTE FUNCTION webhook_queue_event();

-- One event (or an admin's redelivery, or a test ping) for one endpoint.
-- body is the exact JSON sent, so a redelivery is byte for byte the same;
-- ticket_id lets a customer's erasure scrub the bodies about their tickets.
-- job_id is the River job that delivers it: the dispatcher sets it in the
-- transaction that inserts the job; a job whose id is no longer the row's
-- does nothing. status: pending (waiting or being retried), delivered,
-- failed (attempts used up, or the endpoint was disabled).
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         bigint,
    ticket_id        bigint,
    event_type       text NOT NULL,
    body             text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    response_code    integer,
    last_error       text NOT NULL DEFAULT '',
    job_id           bigint,
    redelivery_of    bigint REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_ticket_idx ON webhook_deliveries (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX webhook_deliveries_undispatched_idx ON webhook_deliveries (id) WHERE status = 'pending' AND job_id IS NULL;
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);

-- The delivery log: every attempt with the receiver's status code (NULL when
-- no response came: refused address, timeout, connection error).
CREATE TABLE webhook_attempts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id    bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at   timestamptz NOT NULL,
    response_code  integer,
    error          text NOT NULL DEFAULT '',
    duration_ms    integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TRIGGER webhook_queue_event ON events;
DROP FUNCTION webhook_queue_event();
DROP TABLE webhook_queue;
DROP TABLE webhook_endpoints;
