-- +goose Up
-- Webhooks (internal/webhooks): host names an admin allows to have private
-- or loopback addresses (an internal receiver). Exact, lower-case names;
-- the guard checks the list when an endpoint is saved and on every
-- connection. One list for the desk: a connection is made (and pooled) per
-- host, whichever endpoint asked for it.
CREATE TABLE webhook_allowed_hosts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    host        text NOT NULL UNIQUE CHECK (host = lower(host) AND length(host) BETWEEN 1 AND 253),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE webhook_allowed_hosts;
