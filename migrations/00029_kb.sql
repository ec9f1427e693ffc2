-- +goose Up
-- The knowledge base (internal/kb): articles in categories, one translation
-- per language, each with its own slug, status and revision history, and
-- the counts of the deflection on /help.
--
-- Category names are per language ({"en": ..., "fi": ...}). An article is
-- one topic; internal articles are for staff only. A translation's body is
-- Markdown, rendered and sanitised when shown; its search vector is built
-- with the ticket search's functions (folded words, Finnish and English
-- stems): title and tags A/C, body B/D.
CREATE TABLE kb_categories (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    names       jsonb NOT NULL,
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL
);

CREATE TABLE kb_articles (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_id  bigint REFERENCES kb_categories (id),
    internal     boolean NOT NULL DEFAULT false,
    created_by   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL
);

CREATE TABLE kb_translations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id    bigint NOT NULL REFERENCES kb_articles (id),
    locale        text NOT NULL CHECK (locale IN ('en', 'fi', 'vi', 'hi')),
    slug          text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
    tags          text[] NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    search        tsvector NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    published_at  timestamptz,
    updated_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (article_id, locale),
    UNIQUE (locale, slug)
);
CREATE INDEX kb_translations_search_idx ON kb_translations USING gin (search) WHERE status = 'published';
CREATE INDEX kb_translations_article_idx ON kb_translations (article_id);

-- Every save of a translation, with who made it and which fields changed.
CREATE TABLE kb_revisions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    translation_id  bigint NOT NULL REFERENCES kb_translations (id) ON DELETE CASCADE,
    version         integer NOT NULL,
    title           text NOT NULL,
    body            text NOT NULL,
    tags            text[] NOT NULL,
    status          text NOT NULL,
    changes         text[] NOT NULL,
    edited_by       bigint REFERENCES users (id),
    edited_at       timestamptz NOT NULL
);
CREATE INDEX kb_revisions_translation_idx ON kb_revisions (translation_id, id DESC);

-- Deflection on /help: articles suggested to a customer, opened, and the
-- "this answered my question" that ends without a ticket. ref is a hash of
-- the help form's key (one form, one visit): the same suggestion shown as
-- the customer goes on typing counts once. No personal data is kept.
CREATE TABLE kb_deflections (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('suggested', 'opened', 'deflected')),
    translation_id  bigint NOT NULL REFERENCES kb_translations (id) ON DELETE CASCADE,
    ref             text NOT NULL CHECK (length(ref) BETWEEN 1 AND 64),
    created_at      timestamptz NOT NULL,
    UNIQUE (kind, translation_id, ref)
);
CREATE INDEX kb_deflections_created_idx ON kb_deflections (created_at);

-- +goose Down
DROP TABLE kb_deflections;
DROP TABLE kb_revisions;
DROP TABLE kb_translations;
DROP TABLE kb_articles;
DROP TABLE kb_categories;
