-- +goose Up
-- ld_search_query (00056) also reads a Finnish -us/-ys/-os noun typed in a
-- form whose stem has lost its s ("hyvitystä", "tilaustani", "hyvitykseni":
-- stems hyvity-, tilau-) as the noun: it finds "hyvitys" and "hyvityksen"
-- too, instead of nothing or a correction. Such a stem is taken for the
-- noun's when the word goes on with -st- or -ks- after it.
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
    prefix boolean;
    term text;
    stem text;
    alts text[];
    forms text[];
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
        prefix := is_last AND mode <> 'exact' AND (n > 1 OR length(lexemes[i]) >= 3);
        term := '''' || replace(replace(lexemes[i], '\', '\\'), '''', '''''') || '''' || CASE WHEN prefix THEN ':*' ELSE '' END;
        -- The word as typed or by its English or Finnish stem.
        alts := ARRAY['(' || nullif(term::tsquery::text, '') || ')', '(' || nullif(to_tsquery('english', term)::text, '') || ')'];
        stem := nullif(to_tsquery('finnish', term)::text, '');
        alts := alts || ('(' || stem || ')');
        -- A Finnish noun in -us, -ys, -os (tilaus, hyvitys, kysymys) has
        -- three Snowball stems: tilaus, tilauks- (tilauksen, tilaukset) and
        -- tilau- (tilausta, tilaukseni, hyvitystäni). Each stands for all
        -- three: "hyvitys" finds "hyvitystä" and "hyvitystä" "hyvitys". The
        -- third looks like any stem (lasku-, giao): it does so only when the
        -- word goes on with -st- or -ks- after it. A prefix (tilau:*)
        -- already reaches the longer two.
        IF NOT prefix AND stem ~ '^''[a-z]{3,}[uyo]k?s''$' THEN
            stem := regexp_replace(substr(stem, 2, length(stem) - 2), 'k?s$', '');
            alts := alts || ('(''' || stem || ''')') || ('(''' || stem || 's'')') || ('(''' || stem || 'ks'')');
        ELSIF NOT prefix AND stem ~ '^''[a-z]{3,}[uyo]''$' THEN
            stem := substr(stem, 2, length(stem) - 2);
            IF starts_with(lexemes[i], stem || 'st') OR starts_with(lexemes[i], stem || 'ks') THEN
                alts := alts || ('(''' || stem || 's'')') || ('(''' || stem || 'ks'')');
            END IF;
        END IF;
        -- Each form once, in text order (as string_agg(DISTINCT ...) puts
        -- them): an insertion sort, cheaper than a query.
        forms := '{}';
        FOREACH x IN ARRAY alts LOOP
            CONTINUE WHEN x IS NULL OR x = ANY(forms);
            j := cardinality(forms) + 1;
            forms[j] := x;
            WHILE j > 1 AND forms[j - 1] > forms[j] LOOP
                x := forms[j]; forms[j] := forms[j - 1]; forms[j - 1] := x;
                j := j - 1;
            END LOOP;
        END LOOP;
        CONTINUE WHEN cardinality(forms) = 0;
        result := result || CASE WHEN result = '' THEN '' ELSE ' & ' END || '(' || array_to_string(forms, ' | ') || ')';
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
    prefix boolean;
    term text;
    stem text;
    alts text[];
    forms text[];
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
        prefix := is_last AND mode <> 'exact' AND (n > 1 OR length(lexemes[i]) >= 3);
        term := '''' || replace(replace(lexemes[i], '\', '\\'), '''', '''''') || '''' || CASE WHEN prefix THEN ':*' ELSE '' END;
        -- The word as typed or by its English or Finnish stem.
        alts := ARRAY['(' || nullif(term::tsquery::text, '') || ')', '(' || nullif(to_tsquery('english', term)::text, '') || ')'];
        stem := nullif(to_tsquery('finnish', term)::text, '');
        alts := alts || ('(' || stem || ')');
        -- A Finnish noun in -us, -ys, -os (tilaus, hyvitys, kysymys) has
        -- three Snowball stems: tilaus, tilauks- (tilauksen, tilaukset) and
        -- tilau- (tilausta, tilaukseni). The first two, which only such
        -- nouns have, stand for all three: "hyvitys" finds "hyvitystä". The
        -- third looks like any stem (lasku-, giao): it stays itself. A
        -- prefix (tilau:*) already reaches the longer two.
        IF NOT prefix AND stem ~ '^''[a-z]{3,}[uyo]k?s''$' THEN
            stem := regexp_replace(substr(stem, 2, length(stem) - 2), 'k?s$', '');
            alts := alts || ('(''' || stem || ''')') || ('(''' || stem || 's'')') || ('(''' || stem || 'ks'')');
        END IF;
        -- Each form once, in text order (as string_agg(DISTINCT ...) puts
        -- them): an insertion sort, cheaper than a query.
        forms := '{}';
        FOREACH x IN ARRAY alts LOOP
            CONTINUE WHEN x IS NULL OR x = ANY(forms);
            j := cardinality(forms) + 1;
            forms[j] := x;
            WHILE j > 1 AND forms[j - 1] > forms[j] LOOP
                x := forms[j]; forms[j] := forms[j - 1]; forms[j - 1] := x;
                j := j - 1;
            END LOOP;
        END LOOP;
        CONTINUE WHEN cardinality(forms) = 0;
        result := result || CASE WHEN result = '' THEN '' ELSE ' & ' END || '(' || array_to_string(forms, ' | ') || ')';
    END LOOP;
    RETURN result::tsquery;
END
$$;
-- +goose StatementEnd
