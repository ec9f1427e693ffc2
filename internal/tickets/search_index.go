package tickets

// How tickets are indexed for search, as they are written. A ticket's search
// vector is its subject's part then each message's, in order (see
// migrations/00021_search.sql): every text is indexed by its folded words
// and, for Finnish and English customers, by their stems; and every word
// goes into the word list (search_words) that misspelt queries are
// corrected from.

// sqlListWords begins an INSERT of a text's words into the word list; the
// caller appends the text and its conditions. Words are inserted in order
// so that two transactions adding the same new words wait for each other
// instead of deadlocking; a word already listed costs an index probe.
const sqlListWords = `
    INSERT INTO search_words (word)
    SELECT DISTINCT x.word FROM ld_search_words`

// sqlIndexMessage appends message $2 to ticket $1's search vector, in the
// language of the ticket's customer, and lists its words.
const sqlIndexMessage = `
WITH w AS (` + sqlListWords + `($2) AS x(word) ORDER BY 1 ON CONFLICT DO NOTHING
)
UPDATE tickets t SET search = t.search || ld_body_vector($2, c.locale)
FROM customers c
WHERE t.id = $1 AND c.id = t.customer_id`
