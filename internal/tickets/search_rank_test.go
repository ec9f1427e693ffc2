package tickets_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestSubjectQueryMatchesTheSubject holds the subject's tsquery (the words'
// tsquery restricted to weights A and C) to the rule it replaced: a vector
// matches it exactly when the vector's subject part (ts_filter to A and C)
// matches the words' tsquery; for texts and queries in the desk's
// languages, stems, prefixes, and lexemes with quotes and backslashes.
func TestSubjectQueryMatchesTheSubject(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	texts := []struct{ subject, body, lang string }{
		{"Refund for order 123", "I want my money back.", "en"},
		{"Kettles leaking", "The replacement kettle leaks too. Refunds?", "en"},
		{"Pesukoneen vika", "Laskussa on virhe, haluan hyvityksen.", "fi"},
		{"Laskussa virhe", "Pesukone ei toimi.", "fi"},
		{"Giao hàng chậm", "Tôi chưa nhận được hàng.", "vi"},
		{"Đơn hàng", "Giao hàng chậm quá.", "vi"},
		{"ऑर्डर नहीं आया", "मेरा पैसा वापस करो", "hi"},
		{"It's O'Brien's \\ backslash", "it's a quote", "en"},
		{"Nothing", "refund it's o'brien's", "en"},
	}
	queries := []string{"refund", "refunds", "kettle", "kettles leak", "replace", "pesukone", "lasku virhe", "hyvitys",
		"giao hang", "giao h", "hang", "ऑर्डर", "पैसा", "it's", "o'brien's", "backslash \\", "\\", "ref", "nothing at all", "re"}
	matches := make([]string, len(queries))
	for i, q := range queries {
		if err := db.QueryRow(ctx, `SELECT ld_search_query($1, 'match')::text`, q).Scan(&matches[i]); err != nil {
			t.Fatalf("read %q: %v", q, err)
		}
	}
	checked := 0
	for _, x := range texts {
		for i, m := range matches {
			sub := tickets.SearchStatements.SubjectQuery(m)
			var filtered, weighted, anywhere bool
			err := db.QueryRow(ctx, `
SELECT ts_filter(v, '{a,c}') @@ $4::tsquery, v @@ $5::tsquery, v @@ $4::tsquery
FROM (SELECT ld_subject_vector($1, $3) || ld_body_vector($2, $3) AS v) x`,
				pgx.QueryExecModeExec, x.subject, x.body, x.lang, m, sub).Scan(&filtered, &weighted, &anywhere)
			if err != nil {
				t.Fatalf("subject query %q of %q: %v", sub, m, err)
			}
			if filtered != weighted {
				t.Errorf("%q in %+v: subject part matches %v, subject query %q matches %v", queries[i], x, filtered, sub, weighted)
			}
			if filtered && anywhere {
				checked++
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d subject matches: the test would prove little", checked)
	}
}

// TestFoldShortcut holds Fold's shortcut for ASCII text to the full rule.
func TestFoldShortcut(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"", "refund", "Refund", "REFUND", "kettle-2", "Ünïcode", "Nguyễn", "a\u0301", "ĐẶNG", "\xff"}
	for range 2000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(128))
		}
		words = append(words, string(b))
	}
	for _, w := range words {
		if got, want := tickets.Fold(w), tickets.FoldUnicode(w); got != want {
			t.Errorf("Fold(%q) = %q, want %q", w, got, want)
		}
	}
}

// TestSearchCorrectsToTheMostSimilarWords: a misspelt word with more near
// words than a correction looks at (8) is corrected from the most similar
// of them, not the last in alphabetical order.
func TestSearchCorrectsToTheMostSimilarWords(t *testing.T) {
	b := setup(t)
	for i := range 5 {
		b.create(t, b.repA, tickets.NewTicket{CustomerName: fmt.Sprintf("Kettle owner %d", i), CustomerLocale: "en",
			Subject: "Broken kettle", Body: "It leaks."})
	}
	// Eight words near "kettel", less alike than "kettle" and after it in
	// alphabetical order, each in one ticket.
	for _, w := range []string{"kettlea", "kettleb", "kettlec", "kettled", "kettlee", "kettlef", "kettleg", "kettleh"} {
		b.create(t, b.repA, tickets.NewTicket{CustomerName: "Other", CustomerLocale: "en", Subject: "Broken " + w, Body: "It leaks."})
	}
	if res := b.search(t, b.repA, "kettel"); !res.Corrected || res.Searched != "kettle" {
		t.Errorf("Search(kettel): corrected %v to %q, want kettle", res.Corrected, res.Searched)
	}
}

// TestSearchQueryFunctionKeepsItsRule holds ld_search_query, rewritten step
// by step (00055), to the statement it replaced (00051), kept here as a
// reference with the Finnish -us/-ys/-os nouns' stems (00056, 00057): the same
// tsquery for words in the desk's languages, stems,
// stop words, prefixes and short last words, repeated words, quotes and
// backslashes, punctuation, numbers and emails, in every mode, and for
// random phrases of the desk's words.
func TestSearchQueryFunctionKeepsItsRule(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	if _, err := db.Exec(ctx, `
CREATE FUNCTION pg_temp.s_stems(term text, word text) RETURNS tsquery[]
LANGUAGE sql IMMUTABLE
AS $$
SELECT CASE WHEN term LIKE '%:*' THEN '{}'
            WHEN s.stem ~ '^[a-z]{3,}[uyo]k?s$'
            THEN ARRAY[regexp_replace(s.stem, 'k?s$', '')::tsquery, regexp_replace(s.stem, 'k?s$', 's')::tsquery,
                       regexp_replace(s.stem, 'k?s$', 'ks')::tsquery]
            WHEN s.stem ~ '^[a-z]{3,}[uyo]$' AND (word LIKE s.stem || 'st%' OR word LIKE s.stem || 'ks%')
            THEN ARRAY[(s.stem || 's')::tsquery, (s.stem || 'ks')::tsquery]
            ELSE '{}' END
FROM (SELECT btrim(to_tsquery('finnish', term)::text, '''') AS stem) s
$$;
CREATE FUNCTION pg_temp.reference_query(q text, mode text) RETURNS tsquery
LANGUAGE sql IMMUTABLE
AS $$
SELECT coalesce(string_agg(x.alternatives, ' & ' ORDER BY x.first), '')::tsquery
FROM (
    SELECT w.first,
           (SELECT '(' || string_agg(DISTINCT '(' || a::text || ')', ' | ') || ')'
            FROM unnest(ARRAY[w.term::tsquery, to_tsquery('english', w.term), to_tsquery('finnish', w.term)] ||
                        pg_temp.s_stems(w.term, w.lexeme)) AS a
            WHERE numnode(a) > 0) AS alternatives
    FROM (
        SELECT v.first, v.lexeme,
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
$$`); err != nil {
		t.Fatal(err)
	}
	queries := []string{"", "   ", "refund", "Refund please", "giao hang", "giao h", "nguyen van a", "the", "the a", "a", "ab", "abc",
		"kettles leaking", "pesukone rikki", "Laskussa virhe", "hyvitystä", "ऑर्डर नहीं आया", "it's o'brien's", `back\slash \\ x`,
		"smith.4711", "john.smith.4711@example.com", "40 123 4567", "ticket 641", "#641", "refund refund refund", "a b c d e f g",
		"the and or", "running runs ran", "myöhässä paketti", "Crème Brûlée", "x-y z", "foo-bar-baz qux", "http://example.com/a b",
		"delivry", "delivery late", "an order", "order an", "hyvitys odotan", "tilauksen tila", "kysymys", "hyvitystä tuli", "tilaustani x", "hyvitykseni y", "laskusta z", "laskussa z", "status bonus", "always x", "!!!", "a & b | !c", `'"\%_`, "über straße", "tilaus tilaus",
		"giao giao hang", "hang giao hang", "v i", "i v", "123", "12 34", "12 a", "a 12", "Nguyễn Văn An", "replacement kettle"}
	words := []string{"refund", "kettle", "kettles", "the", "a", "an", "of", "giao", "hàng", "chậm", "pesukone", "laskussa", "ja",
		"ऑर्डर", "नहीं", "o'brien", `x\y`, "12", "4711", "smith.4711", "running", "replacement", "myöhässä", "tilaus", "hyvitys", "tilauksen", "hyvitystä", "vastauksia", "kysymykset", "vastausta", "tilaukseni", "hyvitystäni"}
	r := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		var b []string
		for range 1 + r.IntN(4) {
			b = append(b, words[r.IntN(len(words))])
		}
		queries = append(queries, strings.Join(b, []string{" ", ", ", "  ", "-"}[r.IntN(4)]))
	}
	var differ []string
	err := db.QueryRow(ctx, `
SELECT coalesce(array_agg(q || ' (' || m || '): ' || coalesce(ld_search_query(q, m)::text, 'NULL') || ' <> ' ||
                          coalesce(pg_temp.reference_query(q, m)::text, 'NULL')), '{}')
FROM unnest($1::text[]) AS q, unnest(ARRAY['exact', 'match', 'index']) AS m
WHERE ld_search_query(q, m)::text IS DISTINCT FROM pg_temp.reference_query(q, m)::text`, queries).Scan(&differ)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range differ {
		t.Error(d)
	}
}
