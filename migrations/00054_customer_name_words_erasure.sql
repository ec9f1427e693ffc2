-- +goose Up
-- customer_name_words (00053) after review:
--
-- Two erasures (renames) of customers who share a name word, committed at
-- the same time, each saw the other's old name in its own snapshot and
-- kept the word, though no name held it any more. The trigger now locks
-- the words it may remove, in order, before it looks for other names that
-- hold them: the second waits for the first, and its check (a new
-- statement, so a new snapshot under READ COMMITTED) sees the first one's
-- commit. A deleted customer's words go too (nothing deletes customers
-- today; a future path must not leave a name's words behind).
--
-- Adding a name's words inserts them in order, so two transactions that
-- each add one customer wait for each other instead of deadlocking; a
-- statement that inserts several customers at once (a bulk load) can still
-- deadlock with another such statement and must be retried by its caller.
-- A word a concurrent transaction adds for a new customer while an erasure
-- removes it may be lost: its customer is then still found by the word
-- itself, only not by a misspelling of it.
--
-- The functions of the index expressions call each other by their
-- qualified names, so the indexes can be rebuilt with an empty search_path
-- (pg_restore; CREATE INDEX and ANALYZE from Postgres 17). Same results:
-- the indexes stay valid. A change of what ld_unaccent, ld_search_text or
-- ld_name_words return makes customers_name_trgm_idx,
-- customers_name_words_idx, the stored search vectors and
-- customer_name_words stale: such a migration must rebuild them.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_search_text(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.ld_unaccent($1)) $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_name_words(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
BEGIN
    RETURN array_remove(regexp_split_to_array(public.ld_search_text(name), '\s+'), '');
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_customer_name_words() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    gone text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        gone := ld_name_words(OLD.name);
    ELSIF TG_OP = 'UPDATE' THEN
        gone := ARRAY(SELECT w FROM unnest(ld_name_words(OLD.name)) AS w
                      WHERE NOT w = ANY(ld_name_words(NEW.name)));
    END IF;
    IF cardinality(gone) > 0 THEN
        PERFORM 1 FROM customer_name_words w WHERE w.word = ANY(gone) ORDER BY w.word FOR UPDATE;
        DELETE FROM customer_name_words w
        WHERE w.word = ANY(gone)
          AND NOT EXISTS (SELECT 1 FROM customers c WHERE ld_name_words(c.name) @> ARRAY[w.word]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO customer_name_words (word)
        SELECT DISTINCT w FROM unnest(ld_name_words(NEW.name)) AS w ORDER BY 1
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER customers_name_words_delete AFTER DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION ld_customer_name_words();

-- +goose Down
DROP TRIGGER customers_name_words_delete ON customers;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_customer_name_words() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM customer_name_words w
        WHERE w.word = ANY(ld_name_words(OLD.name))
          AND NOT w.word = ANY(ld_name_words(NEW.name))
          AND NOT EXISTS (SELECT 1 FROM customers c WHERE ld_name_words(c.name) @> ARRAY[w.word]);
    END IF;
    INSERT INTO customer_name_words (word)
    SELECT DISTINCT w FROM unnest(ld_name_words(NEW.name)) AS w ORDER BY 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_name_words(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
BEGIN
    RETURN array_remove(regexp_split_to_array(ld_search_text(name), '\s+'), '');
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_search_text(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(ld_unaccent($1)) $$;
-- +goose StatementEnd
