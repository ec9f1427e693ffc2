-- +goose Up
-- Reps propose edits of knowledge base articles; a supervisor or admin
-- loads one into the article form and saves it (applied), or dismisses it.
CREATE TABLE kb_proposals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    translation_id  bigint NOT NULL REFERENCES kb_translations (id) ON DELETE CASCADE,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 50000),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    proposed_by     bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    closed_at       timestamptz,
    outcome         text CHECK (outcome IN ('applied', 'dismissed')),
    closed_by       bigint REFERENCES users (id)
);
CREATE INDEX kb_proposals_open_idx ON kb_proposals (translation_id, id) WHERE closed_at IS NULL;

-- +goose Down
DROP TABLE kb_proposals;
