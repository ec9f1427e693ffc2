-- +goose Up
-- Search that finds: stemming for Finnish and English beside the folded
-- words, a word list for typo correction, and trigram indexes for fragments
-- of a customer's email and phone.

-- ld_search_vector is one text's part of a ticket's search vector: its
-- folded words (simple: lower case, no diacritics) with simple_weight, then
-- the same text stemmed in its language (the customer's locale: Snowball
-- Finnish or English; none for Vietnamese and Hindi) with stem_weight.
-- Subjects are A (words) and C (stems), message bodies B and D, so a rank
-- and ts_filter can tell the subject from the thread and a word as typed
-- from a stem. The stems come from the folded text too, so "myohassa" and
-- "myöhässä" stem alike.
-- +goose StatementBegin
CREATE FUNCTION ld_search_vector(txt text, lang text, simple_weight "char", stem_weight "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
SELECT setweight(to_tsvector('simple', ld_search_text(txt)), simple_weight) ||
       setweight(CASE lang WHEN 'fi' THEN to_tsvector('finnish', ld_search_text(txt))
                           WHEN 'en' THEN to_tsvector('english', ld_search_text(txt))
                           ELSE ''::tsvector END, stem_weight)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ld_subject_vector(subject text, lang text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT ld_search_vector(subject, lang, 'A', 'C') $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ld_body_vector(body text, lang text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT ld_search_vector(body, lang, 'B', 'D') $$;
-- +goose StatementEnd

-- ld_search_agg concatenates search vectors in order, as the app appends a
-- ticket's messages: ld_search_agg(ld_body_vector(body, locale) ORDER BY id)
-- is a thread's part of the vector (rebuilds, checks).
CREATE AGGREGATE ld_search_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

-- ld_search_query reads a search box entry: every folded word must match,
-- as typed or as its Finnish or English stem (the query's language is not
-- known; a stem of the wrong language rarely matches anything). mode:
--   'exact'  words as typed (and their stems);
--   'match'  the last word is also a prefix ("nguyen van a" finds "An"),
--            unless it is the only word and shorter than 3 characters;
--   'index'  'match' for the GIN index: a last word shorter than 3
--            characters after other words is left out (a one-letter prefix
--            would read most of the index); the caller checks 'match'.
-- +goose StatementBegin
CREATE FUNCTION ld_search_query(q text, mode text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
SELECT coalesce(string_agg(x.alternatives, ' & ' ORDER BY x.first), '')::tsquery
FROM (
    SELECT w.first,
           (SELECT '(' || string_agg(DISTINCT '(' || a::text || ')', ' | ') || ')'
            FROM unnest(ARRAY[w.term::tsquery, to_tsquery('english', w.term), to_tsquery('finnish', w.term)]) AS a
            WHERE numnode(a) > 0) AS alternatives
    FROM (
        SELECT v.first,
               '''' || replace(replace(v.lexeme, '\', '\\'), '''', '''''') || '''' ||
               CASE WHEN v.last AND mode <> 'exact' AND (v.words > 1 OR length(v.lexeme) >= 3) THEN ':*' ELSE '' END AS term,
               v.last AND mode = 'index' AND v.words > 1 AND length(v.lexeme) < 3 AS omit
        FROM (
            SELECT u.lexeme, u.positions[1] AS first,
                   u.positions[cardinality(u.positions)] = max(u.positions[cardinality(u.positions)]) OVER () AS last,
                   count(*) OVER () AS words
            FROM unnest(to_tsvector('simple', ld_search_text(q))) AS u
        ) v
    ) w
    WHERE NOT w.omit
) x
WHERE x.alternatives IS NOT NULL
$$;
-- +goose StatementEnd

-- ld_search_words are the words of a text that go into the word list:
-- folded, 3 to 40 characters, no ASCII digits or punctuation (numbers,
-- order references and addresses are not corrected).
-- +goose StatementBegin
CREATE FUNCTION ld_search_words(txt text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
SELECT u.lexeme
FROM unnest(to_tsvector('simple', ld_search_text(txt))) AS u
WHERE length(u.lexeme) BETWEEN 3 AND 40 AND u.lexeme !~ '[!-@[-`{-~]'
$$;
-- +goose StatementEnd

-- search_words lists every word indexed for search, kept as tickets and
-- messages are written: a misspelt query word is corrected to its nearest
-- listed word (pg_trgm).
CREATE TABLE search_words (
    word text PRIMARY KEY
);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

INSERT INTO search_words (word)
SELECT s.word
FROM ts_stat('SELECT ts_filter(search, ''{a,b}'') FROM tickets') AS s
WHERE length(s.word) BETWEEN 3 AND 40 AND s.word !~ '[!-@[-`{-~]'
ORDER BY s.word;

-- Fragments of an email or a phone number find the customer.
CREATE INDEX customers_email_trgm_idx ON customers USING gin (lower(email::text) gin_trgm_ops);
CREATE INDEX customers_phone_trgm_idx ON customers USING gin (phone gin_trgm_ops);

-- +goose Down
DROP INDEX customers_phone_trgm_idx;
DROP INDEX customers_email_trgm_idx;
DROP TABLE search_words;
DROP FUNCTION ld_search_words(text);
DROP FUNCTION ld_search_query(text, text);
DROP AGGREGATE ld_search_agg(tsvector);
DROP FUNCTION ld_body_vector(text, text);
DROP FUNCTION ld_subject_vector(text, text);
DROP FUNCTION ld_search_vector(text, text, "char", "char");
