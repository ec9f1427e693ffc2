-- +goose Up
-- The search vector functions are called on null input (null gives null all
-- the same): a STRICT SQL function whose body holds a CASE, or calls a
-- function that is not strict, is never inlined, so every message the
-- search snippets look at paid for up to two function calls.
ALTER FUNCTION ld_search_vector(text, text, "char", "char") CALLED ON NULL INPUT;
ALTER FUNCTION ld_subject_vector(text, text) CALLED ON NULL INPUT;
ALTER FUNCTION ld_body_vector(text, text) CALLED ON NULL INPUT;

-- +goose Down
ALTER FUNCTION ld_body_vector(text, text) STRICT;
ALTER FUNCTION ld_subject_vector(text, text) STRICT;
ALTER FUNCTION ld_search_vector(text, text, "char", "char") STRICT;
