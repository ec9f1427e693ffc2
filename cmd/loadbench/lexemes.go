package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The search vector of a ticket is what the app builds as it goes
// (migrations/00021_search.sql):
//
//	ld_subject_vector(subject, locale)         -- words A, stems C
//	  || ld_body_vector(body, locale)          -- words B, stems D; once per message
//
// where each part is setweight(to_tsvector('simple', ld_search_text(text)))
// || setweight(to_tsvector(<language>, ld_search_text(text))), the stems in
// the customer's language (English and Finnish; none for Vietnamese and
// Hindi). Generated text is space-separated chunks from a fixed vocabulary
// plus numbers and order references, and a space always ends a token in
// Postgres's parser. So the vector can be composed in Go from each chunk's
// lexemes, asked of Postgres once per distinct chunk and configuration:
// positions run on from chunk to chunk (every configuration counts the same
// tokens, stop words included), and tsvector || shifts the right side by
// the left's largest position.

// lexemeCache holds what each configuration makes of each vocabulary chunk.
type lexemeCache struct {
	simple map[string]chunkLexemes
	stems  map[string]map[string]chunkLexemes // "en", "fi" -> chunk -> its stems
}

// stemConfigs are the text search configurations of the stemmed languages.
var stemConfigs = map[string]string{"en": "english", "fi": "finnish"}

// chunkLexemes is what to_tsvector makes of one chunk on its own.
type chunkLexemes struct {
	lexemes []string
	rel     [][]uint16 // positions within the chunk, per lexeme
	width   uint16     // the chunk's largest position: how far it moves the count
}

// sqlChunkLexemes tokenises each chunk exactly as the app's search does,
// in configuration $2.
const sqlChunkLexemes = `
SELECT w.chunk, u.lexeme, u.positions
FROM unnest($1::text[]) AS w(chunk)
LEFT JOIN LATERAL unnest(to_tsvector($2::regconfig, ld_search_text(w.chunk))) AS u ON true`

func loadLexemes(ctx context.Context, db postgres.Querier, chunks []string) (lexemeCache, error) {
	cache := lexemeCache{stems: map[string]map[string]chunkLexemes{}}
	var err error
	if cache.simple, err = chunkLexemesIn(ctx, db, chunks, "simple"); err != nil {
		return cache, err
	}
	for lang, cfg := range stemConfigs {
		if cache.stems[lang], err = chunkLexemesIn(ctx, db, chunks, cfg); err != nil {
			return cache, err
		}
	}
	return cache, nil
}

func chunkLexemesIn(ctx context.Context, db postgres.Querier, chunks []string, cfg string) (map[string]chunkLexemes, error) {
	rows, err := db.Query(ctx, sqlChunkLexemes, chunks, cfg)
	if err != nil {
		return nil, fmt.Errorf("tokenise vocabulary (%s): %w", cfg, err)
	}
	cache := map[string]chunkLexemes{}
	for rows.Next() {
		var chunk string
		var lexeme *string
		var positions []int16
		if err := rows.Scan(&chunk, &lexeme, &positions); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tokenise vocabulary (%s): %w", cfg, err)
		}
		c := cache[chunk]
		if lexeme != nil {
			rel := make([]uint16, len(positions))
			for i, p := range positions {
				rel[i] = uint16(p)
				c.width = max(c.width, uint16(p))
			}
			c.lexemes = append(c.lexemes, *lexeme)
			c.rel = append(c.rel, rel)
		}
		cache[chunk] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tokenise vocabulary (%s): %w", cfg, err)
	}
	return cache, nil
}

// dynamicLexeme handles the chunks that are not in the vocabulary: numbers,
// "#123" and order references such as "ORD123456" (letters then digits),
// each one token whose lexeme is the lower-cased chunk without '#'.
func dynamicLexeme(chunk string) (string, bool) {
	s := strings.TrimPrefix(chunk, "#")
	i := 0
	for i < len(s) && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')) {
		i++
	}
	digits := s[i:]
	if digits == "" || len(digits) > 18 {
		return "", false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return "", false
		}
	}
	return strings.ToLower(s), true
}

// Postgres's limits on positions (MAXENTRYPOS - 1) and on positions kept per lexeme.
const (
	maxPosition  = 16383
	maxPositions = 256
)

// vectorBuilder composes a tsvector chunk by chunk. It is reused across
// tickets: reset keeps its memory.
type vectorBuilder struct {
	cache   lexemeCache
	pos     int
	index   map[string]int
	entries []pgtype.TSVectorLexeme
	out     []pgtype.TSVectorLexeme
}

func newVectorBuilder(cache lexemeCache) *vectorBuilder {
	return &vectorBuilder{cache: cache, index: map[string]int{}}
}

func (v *vectorBuilder) reset() {
	v.pos = 0
	clear(v.index)
	v.entries = v.entries[:0]
}

func (v *vectorBuilder) add(lexeme string, pos int, w pgtype.TSVectorWeight) {
	pos = min(pos, maxPosition)
	i, ok := v.index[lexeme]
	if !ok {
		i = len(v.entries)
		v.index[lexeme] = i
		if len(v.entries) < cap(v.entries) {
			v.entries = v.entries[:i+1]
			v.entries[i].Word, v.entries[i].Positions = lexeme, v.entries[i].Positions[:0]
		} else {
			v.entries = append(v.entries, pgtype.TSVectorLexeme{Word: lexeme})
		}
	}
	e := &v.entries[i]
	if n := len(e.Positions); n >= maxPositions || (n > 0 && int(e.Positions[n-1].Position) >= pos) {
		return
	}
	e.Positions = append(e.Positions, pgtype.TSVectorPosition{Position: uint16(pos), Weight: w})
}

// addText appends one text's part of the vector: its chunks' words with
// weight w, then, in a stemmed language, their stems with weight stem,
// after the words as tsvector || places them (shifted by the words' largest
// position). The vector's largest position is then the last stem's.
func (v *vectorBuilder) addText(chunks []string, lang string, w, stem pgtype.TSVectorWeight) error {
	for _, c := range chunks {
		if cl, ok := v.cache.simple[c]; ok {
			for i, lx := range cl.lexemes {
				for _, rp := range cl.rel[i] {
					v.add(lx, v.pos+int(rp), w)
				}
			}
			v.pos += int(cl.width)
			continue
		}
		lx, ok := dynamicLexeme(c)
		if !ok {
			return fmt.Errorf("loadbench: chunk %q is neither in the vocabulary nor a number", c)
		}
		v.pos++
		v.add(lx, v.pos, w)
	}
	stems, ok := v.cache.stems[lang]
	if !ok {
		return nil
	}
	base, off, last := v.pos, 0, 0
	for _, c := range chunks {
		if cl, ok := v.cache.simple[c]; ok {
			sl := stems[c]
			for i, lx := range sl.lexemes {
				for _, rp := range sl.rel[i] {
					last = base + off + int(rp)
					v.add(lx, last, stem)
				}
			}
			off += int(cl.width)
			continue
		}
		lx, _ := dynamicLexeme(c) // numbers and references: the same lexeme stemmed or not
		off++
		last = base + off
		v.add(lx, last, stem)
	}
	v.pos = max(v.pos, last)
	return nil
}

// vector returns the composed tsvector, lexemes sorted as Postgres keeps
// them. It is valid until the next reset.
func (v *vectorBuilder) vector() pgtype.TSVector {
	v.out = append(v.out[:0], v.entries...)
	slices.SortFunc(v.out, func(a, b pgtype.TSVectorLexeme) int { return strings.Compare(a.Word, b.Word) })
	return pgtype.TSVector{Lexemes: v.out, Valid: true}
}

// ticketVector is the search vector of a generated ticket.
func (v *vectorBuilder) ticketVector(t *ticketData) (pgtype.TSVector, error) {
	v.reset()
	if err := v.addText(t.chunks[:t.subjectTo], t.lang, pgtype.TSVectorWeightA, pgtype.TSVectorWeightC); err != nil {
		return pgtype.TSVector{}, err
	}
	for _, m := range t.messages {
		if err := v.addText(t.chunks[m.from:m.to], t.lang, pgtype.TSVectorWeightB, pgtype.TSVectorWeightD); err != nil {
			return pgtype.TSVector{}, err
		}
	}
	return v.vector(), nil
}

// sqlSearchVector computes, in SQL, the vector the app would have built for
// the tickets in [$1, $2] (with sqlVectorsFrom): the subject, then every
// non-system message in order, in the customer's language. It checks the
// composed vectors (-verify) and fills them in the "sql" vector mode.
const sqlSearchVector = `ld_subject_vector(t.subject, c.locale) || coalesce(m.v, '')`

// sqlThreadVectors are the vectors of the threads of tickets [$1, $2].
const sqlThreadVectors = `
(SELECT m.ticket_id, ld_search_agg(ld_body_vector(m.body, mc.locale) ORDER BY m.id) AS v
 FROM messages m
 JOIN tickets mt ON mt.id = m.ticket_id
 JOIN customers mc ON mc.id = mt.customer_id
 WHERE m.kind <> 'system' AND m.ticket_id BETWEEN $1 AND $2
 GROUP BY m.ticket_id) m`

const sqlVectorsFrom = `
FROM tickets t
JOIN customers c ON c.id = t.customer_id
LEFT JOIN ` + sqlThreadVectors + ` ON m.ticket_id = t.id
WHERE t.id BETWEEN $1 AND $2`

// sqlFillVectors sets the vectors of tickets [$1, $2] ("sql" vector mode).
const sqlFillVectors = `
UPDATE tickets t SET search = ` + sqlSearchVector + `
FROM customers c, ` + sqlThreadVectors + `
WHERE c.id = t.customer_id AND m.ticket_id = t.id AND t.id BETWEEN $1 AND $2`

// sqlListVocabulary fills the word list with the words of the vocabulary:
// every word a loaded text can hold, as the app lists them (ld_search_words).
const sqlListVocabulary = `
INSERT INTO search_words (word)
SELECT DISTINCT w.word FROM unnest($1::text[]) AS c(chunk), ld_search_words(c.chunk) AS w(word)
ORDER BY 1
ON CONFLICT DO NOTHING`

// sqlMissingWords counts the words of tickets [$1, $2] (subjects and
// messages) that the word list lacks.
const sqlMissingWords = `
SELECT count(DISTINCT w.word)
FROM (SELECT subject AS txt FROM tickets WHERE id BETWEEN $1 AND $2
      UNION ALL
      SELECT body FROM messages WHERE ticket_id BETWEEN $1 AND $2 AND kind <> 'system') x,
     ld_search_words(x.txt) AS w(word)
WHERE NOT EXISTS (SELECT FROM search_words s WHERE s.word = w.word)`

// verifyVectors counts tickets in [from, to] whose stored vector differs
// from the one SQL computes from their text.
func verifyVectors(ctx context.Context, db postgres.Querier, from, to int64) (checked, differ int64, example string, err error) {
	var first int64
	err = db.QueryRow(ctx, `
SELECT count(*), count(*) FILTER (WHERE t.search <> (`+sqlSearchVector+`)),
       coalesce(min(t.id) FILTER (WHERE t.search <> (`+sqlSearchVector+`)), 0)`+sqlVectorsFrom,
		from, to).Scan(&checked, &differ, &first)
	if err != nil {
		return 0, 0, "", fmt.Errorf("verify search vectors: %w", err)
	}
	if differ > 0 {
		var got, want string
		if err := db.QueryRow(ctx, `SELECT t.search::text, (`+sqlSearchVector+`)::text`+sqlVectorsFrom,
			first, first).Scan(&got, &want); err == nil {
			example = fmt.Sprintf("ticket %d:\n  stored: %.600s\n  SQL:    %.600s", first, got, want)
		}
	}
	return checked, differ, example, nil
}

// verifyWords counts the words of tickets [from, to] missing from the word list.
func verifyWords(ctx context.Context, db postgres.Querier, from, to int64) (int64, error) {
	var missing int64
	if err := db.QueryRow(ctx, sqlMissingWords, from, to).Scan(&missing); err != nil {
		return 0, fmt.Errorf("verify word list: %w", err)
	}
	return missing, nil
}
