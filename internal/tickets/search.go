package tickets

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/loopdesk/loopdesk/internal/apperr"
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
const sqlSearch = `
WITH q AS (SELECT plainto_tsquery('simple', ld_search_text($1)) AS q),
cand AS (
    SELECT t.id
    FROM tickets t, q
    WHERE t.search @@ q.q AND ($2 OR t.team_id = ANY($3) OR t.owner_id = $4
                                 OR t.holder_team_id = ANY($3) OR t.holder_user_id = $4)
    ORDER BY t.id DESC
    LIMIT 400
)
SELECT t.id
FROM cand JOIN tickets t USING (id), q
ORDER BY ts_rank_cd(t.search, q.q) DESC, t.id DESC
LIMIT $5`

// Search runs the one search box: a ticket number jumps to the ticket, an
// email or phone finds the customer, anything else is accent-insensitive
// full text over subjects and messages plus fuzzy customer names.
func (s *Store) Search(ctx context.Context, a Actor, query string, limit int) (SearchResult, error) {
	query = strings.TrimSpace(query)
	var res SearchResult
	if query == "" {
		return res, nil
	}
	if len([]rune(query)) > 200 {
		return res, apperr.InvalidFields(map[string]string{"q": "error_too_long"})
	}
	if !utf8.ValidString(query) || strings.ContainsRune(query, 0) {
		return res, apperr.InvalidFields(map[string]string{"q": "error_text_invalid"}) // Postgres text cannot hold it
	}
	if m := ticketNumber.FindStringSubmatch(query); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		if _, err := s.Get(ctx, a, id); err == nil {
			res.JumpTo = id
			return res, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return res, err
		}
	}
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	customers, err := s.findCustomers(ctx, query)
	if err != nil {
		return res, err
	}
	res.Customers = customers

	rows, err := s.db.Query(ctx, sqlSearch, query, a.SeeAll, a.TeamIDs, a.UserID, limit)
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
	terms := Terms(query)
	for _, id := range ids {
		t, err := s.get(ctx, id)
		if err != nil {
			return res, err
		}
		res.Hits = append(res.Hits, Hit{Ticket: t, Subject: Highlight(t.Subject, terms), Snippet: Highlight(excerpt(snippets[id], terms, 200), terms)})
	}
	return res, nil
}

// findCustomers matches an email or phone exactly, else names fuzzily.
func (s *Store) findCustomers(ctx context.Context, q string) ([]Customer, error) {
	var rows pgx.Rows
	var err error
	phone, isPhone := NormalizePhone(q)
	switch {
	case strings.Contains(q, "@"):
		rows, err = s.db.Query(ctx, `SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale FROM customers WHERE email = $1`, q)
	case isPhone:
		rows, err = s.db.Query(ctx, `SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale FROM customers WHERE phone = $1 LIMIT 10`, phone)
	default:
		rows, err = s.db.Query(ctx, `
SELECT id, name, coalesce(email::text, ''), coalesce(phone, ''), locale
FROM customers
WHERE ld_search_text(name) % ld_search_text($1)
ORDER BY similarity(ld_search_text(name), ld_search_text($1)) DESC, id DESC
LIMIT 5`, q)
	}
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) {
		var c Customer
		return c, r.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale)
	})
}

// snippetSources returns, per ticket, the first message that matches.
func (s *Store) snippetSources(ctx context.Context, ids []int64, q string) (map[int64]string, error) {
	rows, err := s.db.Query(ctx, `
SELECT DISTINCT ON (m.ticket_id) m.ticket_id, m.body
FROM messages m
WHERE m.ticket_id = ANY($1) AND m.kind <> 'system'
  AND to_tsvector('simple', ld_search_text(m.body)) @@ plainto_tsquery('simple', ld_search_text($2))
ORDER BY m.ticket_id, m.id`, ids, q)
	if err != nil {
		return nil, fmt.Errorf("snippets: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		out[id] = body
	}
	return out, rows.Err()
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
