-- +goose Up
-- ld_unaccent is unaccent() declared IMMUTABLE (with its dictionary named), so
-- it can be used in indexes: "Nguyễn" -> "Nguyen", "äiti" -> "aiti".
-- +goose StatementBegin
CREATE FUNCTION ld_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
-- +goose StatementEnd

-- ld_search_text folds text for search: lower case, no diacritics.
-- +goose StatementBegin
CREATE FUNCTION ld_search_text(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(ld_unaccent($1)) $$;
-- +goose StatementEnd

CREATE TABLE customers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email       citext UNIQUE CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
    phone       text CHECK (phone IS NULL OR phone ~ '^\+?[0-9]{5,20}$'),
    locale      text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'fi', 'vi', 'hi')),
    notes       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_phone_idx ON customers (phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_name_trgm_idx ON customers USING gin (ld_search_text(name) gin_trgm_ops);

-- A ticket's number is its id. owner_id is the loop owner: the rep who took the
-- customer's issue and owns it to the end.
CREATE TABLE tickets (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject            text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    status             text NOT NULL DEFAULT 'new'
                       CHECK (status IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')),
    priority           smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4),
    category           text NOT NULL DEFAULT '',
    channel            text NOT NULL
                       CHECK (channel IN ('phone', 'walk_in', 'chat', 'web', 'email', 'api')),
    customer_id        bigint NOT NULL REFERENCES customers (id),
    team_id            bigint REFERENCES teams (id),
    owner_id           bigint REFERENCES users (id),
    created_by         bigint REFERENCES users (id),
    order_ref          text NOT NULL DEFAULT '',
    tags               text[] NOT NULL DEFAULT '{}',
    custom_fields      jsonb NOT NULL DEFAULT '{}',
    merged_into        bigint REFERENCES tickets (id),
    idempotency_key    text UNIQUE,
    version            integer NOT NULL DEFAULT 1,
    search             tsvector NOT NULL DEFAULT ''::tsvector,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    first_response_at  timestamptz,
    solved_at          timestamptz,
    closed_at          timestamptz
);
-- Queues: open work by team, by owner, and everything, newest activity first.
CREATE INDEX tickets_team_open_idx ON tickets (team_id, updated_at DESC, id DESC)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_owner_open_idx ON tickets (owner_id, updated_at DESC, id DESC)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_team_unassigned_idx ON tickets (team_id, updated_at DESC, id DESC)
    WHERE owner_id IS NULL AND status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC);
CREATE INDEX tickets_customer_idx ON tickets (customer_id, id DESC);
CREATE INDEX tickets_search_idx ON tickets USING gin (search);

CREATE TABLE messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id           bigint NOT NULL REFERENCES tickets (id),
    kind                text NOT NULL CHECK (kind IN ('public', 'internal', 'system')),
    author_user_id      bigint REFERENCES users (id),
    author_customer_id  bigint REFERENCES customers (id),
    body                text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_ticket_idx ON messages (ticket_id, id);

-- Private status links: only a hash of each token is kept.
CREATE TABLE ticket_tokens (
    token_hash  bytea PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_tokens_ticket_idx ON ticket_tokens (ticket_id);

CREATE TABLE ticket_links (
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    other_id   bigint NOT NULL REFERENCES tickets (id),
    kind       text NOT NULL CHECK (kind IN ('parent', 'related')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, other_id),
    CHECK (ticket_id <> other_id)
);
CREATE INDEX ticket_links_other_idx ON ticket_links (other_id);

-- Outgoing customer mail, sent by a River job; nothing is lost when sending fails.
CREATE TABLE outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint REFERENCES tickets (id),
    to_address  text NOT NULL,
    kind        text NOT NULL,             -- which mail: confirmation, reply, status_link...
    locale      text NOT NULL DEFAULT 'en',
    data        jsonb NOT NULL DEFAULT '{}', -- rendered with the catalogs at send time
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'held')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX outbox_status_idx ON outbox (status, id);

-- +goose Down
DROP TABLE outbox;
DROP TABLE ticket_links;
DROP TABLE ticket_tokens;
DROP TABLE messages;
DROP TABLE tickets;
DROP TABLE customers;
DROP FUNCTION ld_search_text(text);
DROP FUNCTION ld_unaccent(text);
