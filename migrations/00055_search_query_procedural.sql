-- +goose Up
-- ld_search_query (00051) with its rule written out step by step instead of
-- as one statement of window functions, subqueries and aggregates: the same
-- tsquery for every query, in about a third of the time (0.14 -> 0.05 ms of
-- Postgres time a call, measured with 2,000 calls). A search reads its
-- words with one call, a misspelt search counts each word and near word
-- with one more (a two-word typo: about nine calls). The one query left
-- reads the words of the folded text, their first and last places.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_search_query(q text, mode text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
DECLARE
    lexemes text[];
    firsts int[];
    lasts int[];
    final int;     -- the last word's place
    n int;
    j int;
    x text;
    y int;
    is_last boolean;
    term text;
    a text;
    b text;
    c text;
    result text := '';
BEGIN
    SELECT array_agg(u.lexeme), array_agg(u.positions[1]), array_agg(u.positions[cardinality(u.positions)]),
           max(u.positions[cardinality(u.positions)])
    INTO lexemes, firsts, lasts, final
    FROM unnest(to_tsvector('simple', public.ld_search_text(q))) AS u;
    n := coalesce(cardinality(lexemes), 0);
    -- The words in the order they were typed (by their first place).
    FOR i IN 2..n LOOP
        j := i;
        WHILE j > 1 AND firsts[j - 1] > firsts[j] LOOP
            x := lexemes[j]; lexemes[j] := lexemes[j - 1]; lexemes[j - 1] := x;
            y := firsts[j]; firsts[j] := firsts[j - 1]; firsts[j - 1] := y;
            y := lasts[j]; lasts[j] := lasts[j - 1]; lasts[j - 1] := y;
            j := j - 1;
        END LOOP;
    END LOOP;
    FOR i IN 1..n LOOP
        -- The last word typed is also a prefix (not in 'exact'; not a lone
        -- word of fewer than 3 letters); 'index' leaves it out when it is
        -- shorter than 3 letters after other words.
        is_last := lasts[i] = final;
        CONTINUE WHEN is_last AND mode = 'index' AND n > 1 AND length(lexemes[i]) < 3;
        term := '''' || replace(replace(lexemes[i], '\', '\\'), '''', '''''') || '''' ||
                CASE WHEN is_last AND mode <> 'exact' AND (n > 1 OR length(lexemes[i]) >= 3) THEN ':*' ELSE '' END;
        -- The word as typed or by its English or Finnish stem: each form
        -- once, in text order (as string_agg(DISTINCT ...) put them).
        a := '(' || nullif(term::tsquery::text, '') || ')';
        b := '(' || nullif(to_tsquery('english', term)::text, '') || ')';
        c := '(' || nullif(to_tsquery('finnish', term)::text, '') || ')';
        IF b = a THEN b := NULL; END IF;
        IF c = a OR c = b THEN c := NULL; END IF;
        IF a IS NULL THEN a := b; b := NULL; END IF;
        IF a IS NULL THEN a := c; c := NULL; END IF;
        IF b IS NULL THEN b := c; c := NULL; END IF;
        CONTINUE WHEN a IS NULL;
        IF b < a THEN x := a; a := b; b := x; END IF;
        IF c < b THEN x := b; b := c; c := x; END IF;
        IF b < a THEN x := a; a := b; b := x; END IF;
        result := result || CASE WHEN result = '' THEN '' ELSE ' & ' END || '(' || concat_ws(' | ', a, b, c) || ')';
    END LOOP;
    RETURN result::tsquery;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_search_query(q text, mode text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
BEGIN
    RETURN (
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
    );
END
$$;
-- +goose StatementEnd
