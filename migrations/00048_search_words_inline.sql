-- +goose Up
-- ld_search_words is called on null input (null gives no words all the
-- same): Postgres never inlines a STRICT set-returning SQL function, so each
-- call planned its body afresh, about 0.1 ms of CPU on every ticket create,
-- message and word-list upkeep. Inlined, the caller's prepared plan holds it.
ALTER FUNCTION ld_search_words(text) CALLED ON NULL INPUT;

-- +goose Down
ALTER FUNCTION ld_search_words(text) STRICT;
