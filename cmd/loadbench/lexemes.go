package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loopdesk/loopdesk/internal/postgres"
)

// The search vector of a ticket is what the app builds as it goes:
//
//	setweight(to_tsvector('simple', ld_search_text(subject)), 'A')
//	  || setweight(to_tsvector('simple', ld_search_text(body)), 'B')   -- once per message
//
// Generated text is space-separated chunks from a fixed vocabulary plus
// numbers and order references, and a space always ends a token in
// Postgres's parser. So the vector can be composed in Go from each chunk's
// lexemes, asked of Postgres once per distinct chunk: positions run on from
// chunk to chunk, and tsvector || shifts the right side by the left's
// largest position, which is where the running count stands.

// chunkLexemes is what to_tsvector makes of one chunk on its own.
type chunkLexemes struct {
	lexemes []string
	rel     [][]uint16 // positions within the chunk, per lexeme
	width   uint16     // the chunk's largest position: how far it moves the count
}

type lexemeCache map[string]chunkLexemes

// sqlChunkLexemes tokenises each chunk exactly as the app's search does.
const sqlChunkLexemes = `
SELECT w.chunk, u.lexeme, u.positions
FROM unnest($1::text[]) AS w(chunk)
LEFT JOIN LATERAL unnest(to_tsvector('simple', ld_search_text(w.chunk))) AS u ON true`

func loadLexemes(ctx context.Context, db postgres.Querier, chunks []string) (lexemeCache, error) {
	rows, err := db.Query(ctx, sqlChunkLexemes, chunks)
	if err != nil {
		return nil, fmt.Errorf("tokenise vocabulary: %w", err)
	}
	cache := lexemeCache{}
	for rows.Next() {
		var chunk string
		var lexeme *string
		var positions []int16
		if err := rows.Scan(&chunk, &lexeme, &positions); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tokenise vocabulary: %w", err)
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
		return nil, fmt.Errorf("tokenise vocabulary: %w", err)
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

// addChunks appends the words of chunks with weight w.
func (v *vectorBuilder) addChunks(chunks []string, w pgtype.TSVectorWeight) error {
	for _, c := range chunks {
		if cl, ok := v.cache[c]; ok {
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
	if err := v.addChunks(t.chunks[:t.subjectTo], pgtype.TSVectorWeightA); err != nil {
		return pgtype.TSVector{}, err
	}
	for _, m := range t.messages {
		if err := v.addChunks(t.chunks[m.from:m.to], pgtype.TSVectorWeightB); err != nil {
			return pgtype.TSVector{}, err
		}
	}
	return v.vector(), nil
}

// sqlSearchVector computes, in SQL, the vector the app would have built for
// the tickets in [$1, $2]: the subject, then every non-system message in
// order. It checks the composed vectors (-verify) and fills them in the
// "sql" vector mode.
const sqlSearchVector = `
setweight(to_tsvector('simple', ld_search_text(t.subject)), 'A') ||
setweight(to_tsvector('simple', ld_search_text(coalesce(m.bodies, ''))), 'B')`

const sqlVectorsFrom = `
FROM tickets t
LEFT JOIN (SELECT ticket_id, string_agg(body, ' ' ORDER BY id) AS bodies
           FROM messages WHERE kind <> 'system' AND ticket_id BETWEEN $1 AND $2
           GROUP BY ticket_id) m ON m.ticket_id = t.id
WHERE t.id BETWEEN $1 AND $2`

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
