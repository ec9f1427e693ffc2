-- +goose Up
-- Search finds customers by a name that may be misspelt or in another
-- order by matching each word typed against the words of names
-- (tickets.customersByNameSQL), instead of comparing the whole query with
-- every name by trigram similarity, whose cost grew with the number of
-- customers sharing its common trigrams.

-- ld_name_words is a name's words as the search matches them: folded
-- (ld_search_text), split at white space. PL/pgSQL, so that it is not
-- inlined: a statement that names it in several places (to match the
-- index) would parse and plan its body in each.
-- +goose StatementBegin
CREATE FUNCTION ld_name_words(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
BEGIN
    RETURN array_remove(regexp_split_to_array(ld_search_text(name), '\s+'), '');
END
$$;
-- +goose StatementEnd

CREATE INDEX customers_name_words_idx ON customers USING gin (ld_name_words(name));

-- customer_name_words lists every word of a customer's name, once: the
-- words a misspelt word of a name is looked up among (pg_trgm).
CREATE TABLE customer_name_words (
    word text PRIMARY KEY
);
INSERT INTO customer_name_words (word)
SELECT DISTINCT w FROM customers, unnest(ld_name_words(name)) AS w ORDER BY 1;
CREATE INDEX customer_name_words_trgm_idx ON customer_name_words USING gin (word gin_trgm_ops);

-- The list follows the names whoever writes them (tickets, the privacy
-- erasure, bulk loads): a new name's words are added, in order, so that two
-- transactions adding the same new words wait for each other instead of
-- deadlocking; a renamed (erased) customer's old words go unless another
-- customer's name has them. A word a concurrent transaction adds for a new
-- customer while an erasure removes it may be lost: its customer is then
-- still found by the word itself, only not by a misspelling of it.
-- +goose StatementBegin
CREATE FUNCTION ld_customer_name_words() RETURNS trigger
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

CREATE TRIGGER customers_name_words_insert AFTER INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION ld_customer_name_words();
CREATE TRIGGER customers_name_words_update AFTER UPDATE OF name ON customers
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION ld_customer_name_words();

-- +goose Down
DROP TRIGGER customers_name_words_update ON customers;
DROP TRIGGER customers_name_words_insert ON customers;
DROP FUNCTION ld_customer_name_words();
DROP TABLE customer_name_words;
DROP INDEX customers_name_words_idx;
DROP FUNCTION ld_name_words(text);
