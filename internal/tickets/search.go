package tickets

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// SearchResult is what the one search box finds.
type SearchResult struct {
	JumpTo    int64      // a ticket number was typed: go straight to it
	Customers []Customer // an email, phone or name matched these customers
	Hits      []Hit      // full-text matches, best first
}

// Hit is one full-text match with a highlighted snippet.
type Hit struct {
	Ticket  Ticket
	Subject []Segment
	Snippet []Segment
}

// Segment is a piece of text; Mark pieces matched the query. Views render
// them escaped, so highlighting never injects markup.
type Segment struct {
	Text string
	Mark bool
}

var ticketNumber = regexp.MustCompile(`^#?\s*([0-9]{1,18})$`)

// sqlSearch ranks the newest matching tickets visible to the actor. Only the
// 400 newest matches are ranked, so a very common word cannot make search
// rank the whole desk.
//
// The tsquery is written inline, not in a CTE, and the statement is run with
// a custom plan (see searchMode): the planner then sees the folded query as a
// constant, estimates how many tickets it matches from the search column's
// statistics, and picks the plan per query. A common word ("refund") walks
// tickets_pkey backwards and stops at the 400th visible match; a rare one
// reads its few matches from tickets_search_idx. Behind a CTE, or with a
// generic plan, the selectivity is unknown and every match was read from the
// heap and sorted (2.8 s at a million tickets for "refund").
const sqlSearch = `
SELECT c.id
FROM (
    SELECT t.id, t.search
    FROM tickets t
    WHERE t.search @@ plainto_tsquery('simple', ld_search_text($1))
      AND ($2 OR t.team_id = ANY($3) OR t.owner_id = $4
                OR t.holder_team_id = ANY($3) OR t.holder_user_id = $4)
    ORDER BY t.id DESC
    LIMIT 400
) c
ORDER BY ts_rank_cd(c.search, plainto_tsquery('simple', ld_search_text($1))) DESC, c.id DESC
LIMIT $5`

// searchMode runs the search statements as unnamed statements, which
// Postgres plans afresh with the actual parameter values (a custom plan) on
// every execution: the tsquery is folded to a constant, so its selectivity is
// known and it is computed once rather than per row. pgx's default caches a
// named prepared statement per connection, and after five executions
// Postgres may switch it to a generic plan that knows neither. The
// alternative, SET LOCAL plan_cache_mode = force_custom_plan, needs a
// transaction around the search: three more round trips for nothing else.
// QueryExecModeExec sends the statement in one round trip, with parameter
// types taken from the Go arguments (text, bool, []int64, int).
const searchMode = pgx.QueryExecModeExec

// maxQuery is the longest search box entry, in characters.
const maxQuery = 200

// Query is a search box entry, read: what it may be and the words to match.
type Query struct {
	Text   string   // trimmed; "" searches nothing
	Number int64    // a ticket number was typed ("123", "#123"): 0 when not
	Email  bool     // it holds an @: customers by exact email
	Phone  string   // it is a phone number, normalised: customers by phone
	Terms  []string // its folded words, for highlighting
}

// ParseQuery reads a search box entry. Too long, or text Postgres cannot
// hold (NUL, invalid UTF-8) or with control characters, is a field error on
// "q"; line breaks and tabs only separate words.
func ParseQuery(raw string) (Query, error) {
	q := Query{Text: strings.TrimSpace(raw)}
	if q.Text == "" {
		return q, nil
	}
	switch textcheck.Check(q.Text, textcheck.Lines, false, maxQuery) {
	case textcheck.OK:
	case textcheck.TooLong:
		return Query{}, apperr.InvalidFields(map[string]string{"q": "error_too_long"})
	default:
		return Query{}, apperr.InvalidFields(map[string]string{"q": "error_text_invalid"}) // Postgres text cannot hold it
	}
	if m := ticketNumber.FindStringSubmatch(q.Text); m != nil {
		q.Number, _ = strconv.ParseInt(m[1], 10, 64) // at most 18 digits: always fits
	}
	q.Email = strings.Contains(q.Text, "@")
	if p, ok := NormalizePhone(q.Text); ok && !q.Email {
		q.Phone = p
	}
	q.Terms = Terms(q.Text)
	return q, nil
}

// Search runs the one search box: a ticket number jumps to the ticket, an
// email or phone finds the customer, anything else is accent-insensitive
// full text over subjects and messages plus fuzzy customer names.
func (s *Store) Search(ctx context.Context, a Actor, raw string, limit int) (SearchResult, error) {
	var res SearchResult
	q, err := ParseQuery(raw)
	if err != nil || q.Text == "" {
		return res, err
	}
	query := q.Text
	if q.Number != 0 {
		if _, err := s.Get(ctx, a, q.Number); err == nil {
			res.JumpTo = q.Number
			return res, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return res, err
		}
	}
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	customers, err := s.findCustomers(ctx, q)
	if err != nil {
		return res, err
	}
	res.Customers = customers

	rows, err := s.db.Query(ctx, sqlSearch, searchMode, query, a.SeeAll, a.TeamIDs, a.UserID, limit)
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	if len(ids) == 0 {
		return res, nil
	}
	snippets, err := s.snippetSources(ctx, ids, query)
	if err != nil {
		return res, err
	}
	hits, err := getManyTx(ctx, s.db, ids)
	if err != nil {
		return res, err
	}
	terms := q.Terms
	for _, t := range hits {
		res.Hits = append(res.Hits, Hit{Ticket: t, Subject: Highlight(t.Subject, terms), Snippet: Highlight(excerpt(snippets[t.ID], terms, 200), terms)})
	}
	return res, nil
}

// findCustomers matches an email or phone exactly, else names fuzzily.
func (s *Store) findCustomers(ctx context.Context, q Query) ([]Customer, error) {
	var rows pgx.Rows
	var err error
	switch {
	case q.Email:
		rows, err = s.db.Query(ctx, `SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale FROM customers WHERE email = $1`, q.Text)
	case q.Phone != "":
		rows, err = s.db.Query(ctx, `SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale FROM customers WHERE phone = $1 LIMIT 10`, q.Phone)
	default:
		return s.customersByName(ctx, q.Text)
	}
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) {
		var c Customer
		return c, r.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale)
	})
}

// customersByName finds customers by a fuzzy name. One word may be part of a
// name ("nguyen" for "Nguyễn Văn An"), so it matches at pg_trgm's default
// similarity, 0.3. Two or more words are a whole name, perhaps misspelt or in
// another order, and must be at least half alike: at 0.3 a two-word phrase
// such as "giao hang" drew 6,402 of 200,000 names from the trigram index,
// each rechecked and rejected (25 ms alone, 100 ms and more under load); at
// 0.5 the index hands over only near misses (3-8 ms).
func (s *Store) customersByName(ctx context.Context, q string) ([]Customer, error) {
	threshold := NameThreshold(q)
	var out []Customer
	err := pgx.BeginTxFunc(ctx, s.db, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL pg_trgm.similarity_threshold = `+threshold); err != nil {
			return err
		}
		// searchMode: with a generic plan ld_search_text($1) is not folded
		// to a constant and the plan cannot tell a rare name from a common one.
		rows, err := tx.Query(ctx, sqlCustomersByName, searchMode, q)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) {
			var c Customer
			return c, r.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find customers by name: %w", err)
	}
	return out, nil
}

// NameThreshold is the pg_trgm similarity a name must reach to match q (see
// customersByName).
func NameThreshold(q string) string {
	if len(strings.Fields(q)) > 1 {
		return "0.5"
	}
	return "0.3"
}

// sqlCustomersByName finds customers whose folded name is like the query's
// (pg_trgm similarity at the transaction's threshold), best first.
const sqlCustomersByName = `
SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale
FROM customers
WHERE ld_search_text(name) % ld_search_text($1)
ORDER BY similarity(ld_search_text(name), ld_search_text($1)) DESC, id DESC
LIMIT 5`

// SearchStatements are the search box's statements, for tools that time and
// EXPLAIN them as Search runs them (cmd/loadbench): unprepared, each planned
// for its values.
var SearchStatements = struct{ Search, CustomersByName, Snippets string }{sqlSearch, sqlCustomersByName, sqlSnippets}

// sqlSnippets finds, per hit, its first message that matches. The lateral
// subquery walks each ticket's messages in order (messages_ticket_idx) and
// stops at the first match, so a long thread is not tokenised whole; a hit
// that matched on its subject alone still reads all of its messages.
const sqlSnippets = `
SELECT h.id, m.body
FROM unnest($1::bigint[]) AS h(id)
CROSS JOIN LATERAL (
    SELECT m.body
    FROM messages m
    WHERE m.ticket_id = h.id AND m.kind <> 'system'
      AND to_tsvector('simple', ld_search_text(m.body)) @@ plainto_tsquery('simple', ld_search_text($2))
    ORDER BY m.id
    LIMIT 1
) m`

// snippetSources returns, per ticket, the first message that matches.
func (s *Store) snippetSources(ctx context.Context, ids []int64, q string) (map[int64]string, error) {
	// searchMode: the tsquery folded to a constant once, not built per message.
	rows, err := s.db.Query(ctx, sqlSnippets, searchMode, ids, q)
	if err != nil {
		return nil, fmt.Errorf("snippets: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, fmt.Errorf("snippets: %w", err)
		}
		out[id] = body
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("snippets: %w", err)
	}
	return out, nil
}

// Fold lower-cases s and removes Latin diacritics ("Nguyễn" -> "nguyen",
// "Äiti" -> "aiti"), like the database's ld_search_text. Devanagari is left
// whole: its vowel signs are letters, not accents.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 0x0300 && r <= 0x036F: // combining diacritical marks
		case r == 'đ' || r == 'Đ':
			b.WriteRune('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return norm.NFC.String(b.String())
}

// Terms splits a query into folded words.
func Terms(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(Fold(q), isSeparator) {
		out = append(out, w)
	}
	return out
}

func isSeparator(r rune) bool {
	return !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

// Highlight splits text into segments, marking words whose folded form is
// one of terms.
func Highlight(text string, terms []string) []Segment {
	var out []Segment
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			out = append(out, Segment{Text: plain.String()})
			plain.Reset()
		}
	}
	runes := []rune(text)
	for i := 0; i < len(runes); {
		if isSeparator(runes[i]) {
			plain.WriteRune(runes[i])
			i++
			continue
		}
		j := i
		for j < len(runes) && !isSeparator(runes[j]) {
			j++
		}
		word := string(runes[i:j])
		if matchesAny(Fold(word), terms) {
			flush()
			out = append(out, Segment{Text: word, Mark: true})
		} else {
			plain.WriteString(word)
		}
		i = j
	}
	flush()
	return out
}

func matchesAny(w string, terms []string) bool {
	for _, t := range terms {
		if w == t {
			return true
		}
	}
	return false
}

// excerpt cuts about width runes of text around the first matching term.
func excerpt(text string, terms []string, width int) string {
	runes := []rune(text)
	if len(runes) <= width {
		return text
	}
	folded := []rune(Fold(text))
	start := 0
	if len(folded) == len(runes) {
		for _, t := range terms {
			if i := strings.Index(string(folded), t); i >= 0 {
				start = max(0, len([]rune(string(folded)[:i]))-width/3)
				break
			}
		}
	}
	end := min(len(runes), start+width)
	s := string(runes[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(runes) {
		s += "…"
	}
	return s
}
