-- +goose Up
-- A rep's search for a word that is common in other teams' tickets but
-- absent from the rep's own walked every ticket of the desk (10 s at a
-- million tickets): the search index knows which tickets hold the word, not
-- whose they are, and the planner cannot know the two are correlated. This
-- index holds each ticket's words once per party that sees it by team or by
-- ownership: 't<team id>|word' and 'o<owner id>|word'. A query for the
-- words of the rep's teams and the rep ('t1|refund' | 'o2|refund') then
-- reads only matches the rep may see; for a word of other teams only it
-- reads nothing. The search uses it for words that are rare among the
-- newest tickets (tickets.Store.Find); a word common there is found faster
-- by walking the newest tickets.

-- ld_visible_words is a ticket's search words, stripped of positions, once
-- per team and per owner: the expression of tickets_visible_words_idx. It
-- costs tens of microseconds a ticket, and its COST says so, so that the
-- planner reads it from the index rather than compute it for every ticket
-- of a scan. PARALLEL RESTRICTED: with that cost the planner would start
-- parallel workers for a search of a few matches (measured: 17 ms to start
-- them, 100 ms in all, for none found).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_visible_words(team bigint, owner bigint, v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL RESTRICTED COST 10000
AS $$
SELECT array_to_tsvector(ARRAY(
    SELECT p || l
    FROM unnest(tsvector_to_array(v)) AS l,
         unnest(ARRAY['t' || team || '|', 'o' || owner || '|']) AS p
    WHERE p IS NOT NULL))
$$;
-- +goose StatementEnd

-- ld_visible_query turns the search's tsquery q into one that matches
-- ld_visible_words of the tickets of teams or of owner: every lexeme of q
-- once per team and for the owner, the copies joined by OR. Lexemes are
-- quoted in a tsquery's text ('it''s'), so the prefix goes after the
-- opening quote.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ld_visible_query(q tsquery, teams bigint[], owner bigint) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN numnode(q) = 0 THEN q ELSE (
    SELECT coalesce(string_agg('(' || regexp_replace(q::text, '''((?:[^'']|'''')*)''', '''' || p || '\1''', 'g') || ')', ' | '), '')::tsquery
    FROM unnest(ARRAY(SELECT 't' || x || '|' FROM unnest(teams) AS x) || ('o' || owner || '|')) AS p
    WHERE p IS NOT NULL) END
$$;
-- +goose StatementEnd

-- The build takes minutes on a desk of a million tickets (5 min measured on
-- 2 cores), and ticket writes wait for it. It cannot be built CONCURRENTLY
-- here: that waits for every open transaction, including another instance
-- waiting for the migration lock, which waits for this one. On a big desk,
-- build it by hand first, without stopping the desk (README, "Upgrading"):
--   CREATE INDEX CONCURRENTLY tickets_visible_words_idx ON tickets
--       USING gin (ld_visible_words(team_id, owner_id, search));
-- after creating the two functions above; this migration then keeps it.
CREATE INDEX IF NOT EXISTS tickets_visible_words_idx ON tickets USING gin (ld_visible_words(team_id, owner_id, search));

-- +goose Down
DROP INDEX IF EXISTS tickets_visible_words_idx;
DROP FUNCTION ld_visible_query(tsquery, bigint[], bigint);
DROP FUNCTION ld_visible_words(bigint, bigint, tsvector);
