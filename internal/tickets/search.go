package tickets

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// SearchResult is what the one search box finds.
type SearchResult struct {
	JumpTo    int64      // a ticket number was typed: go straight to it
	Customers []Customer // an email, phone or name (or part of one) matched these customers
	Hits      []Hit      // full-text matches, best first, then the found customers' other tickets
	// Searched are the words searched: the query, or the correction of its
	// misspelt words when the query found (almost) nothing and the
	// correction finds more (Corrected).
	Searched  string
	Corrected bool
	Next      string // cursor of the next page of hits; "" on the last
}

// Hit is one match with a highlighted subject and snippet.
type Hit struct {
	Ticket  Ticket
	Subject []Segment
	Snippet []Segment
	// OfCustomer is true when the ticket is listed as a ticket of a found
	// customer, not for its words.
	OfCustomer bool
}

// Segment is a piece of text; Mark pieces matched the query. Views render
// them escaped, so highlighting never injects markup.
type Segment struct {
	Text string
	Mark bool
}

// SearchRequest is one page of a search.
type SearchRequest struct {
	Query string
	Limit int    // hits per page: 1 to 50, default 20
	After string // the Next of the previous page; "" for the first
	// AsTyped searches the words as typed, never a correction ("search
	// instead for …").
	AsTyped bool
	// Also, when set, queues the caller's own reads (a page's nav counts)
	// on the search's last round trip, which reads the hits; it is not
	// called when there are none.
	Also func(*pgx.Batch)
}

// ticketNumber is a ticket number, alone ("641", "#641") or after the word
// for a ticket in one of the desk's languages, matched against the folded
// query: "ticket 641", "ticket no. 641", "tiketti 641", "tiketin nro 641",
// "phiếu 641", "phiếu số 641", "टिकट 641", "टिकट नंबर 641".
var ticketNumber = regexp.MustCompile(`^(?:(?:support\s+)?(?:tickets?|tiketti|tiketin|tiketissa|tikettia|tukipyynto|phieu(?:\s+ho\s+tro)?|टिकट)` +
	`\s*(?:(?:no|nr|nro|number|numero|so)\.?|नंबर|संख्या)?\s*[:.]?\s*)?#?\s*([0-9]{1,18})$`)

// The search's tuning.
const (
	// maxQuery is the longest search box entry, in characters.
	maxQuery = 200
	// fewHits: a first page with fewer words-matching tickets than this
	// tries a correction of its rare words.
	fewHits = 3
	// rareWord: a word matching fewer visible tickets than this may be a
	// typo worth correcting.
	rareWord = 3
	// maxCorrected is how many words of a query are looked up for correction.
	maxCorrected = 6
	// countCap is where counting a word's visible tickets stops
	// (sqlCountWords' 50).
	countCap = 50
)

// sqlReadQuery reads the words searched ($1) into the tsqueries the search
// matches them with (see ld_search_query): 'match', and 'index', which
// leaves out a short last word being typed (its prefix would read most of
// an index), read only when $2 says the query ends with one (indexMode)
// and NULL otherwise, when it is 'match' (each reading costs about 0.15 ms
// of Postgres time); and the newest ticket id, where the walk over the
// newest tickets starts. They are read once, in their own statement, so
// that the statements after it are planned with the tsqueries as
// constants.
const sqlReadQuery = `SELECT ld_search_query($1, 'match')::text, CASE WHEN $2 THEN ld_search_query($1, 'index')::text END,
       (SELECT coalesce(max(id), 0) FROM tickets)`

// indexMode reports whether ld_search_query(words, 'index') may differ from
// its 'match': the words end with one of fewer than 3 letters after
// others. Terms splits words nearly as Postgres does; where it errs, the
// search is as right, but reads its words from an index with the short
// word as a prefix, or reads the 'index' form that was not needed.
func indexMode(words string) bool {
	terms := Terms(words)
	return len(terms) > 1 && utf8.RuneCountInString(terms[len(terms)-1]) < 3
}

// How the search finds the newest tickets visible to a rep that match the
// words (wordMatches). Walking tickets_pkey from the newest ticket costs
// about a microsecond a ticket and stops at the maxWordHits'th match: ideal
// for a word common in the rep's tickets, ruinous for one common in other
// teams' tickets only, where it walks the whole desk (10 s at a million
// tickets). Reading the matches from an index costs about a microsecond a
// match: ideal for a rare word, ruinous for a common one. Postgres'
// planner cannot tell the two apart for a rep: it knows how many tickets
// hold a word, not whose they are. So the search first walks the newest
// walkNewest tickets (walkNewest microseconds at most), and when that does
// not fill the maxWordHits, the matches found there tell how dense the
// word is among the rep's tickets: a dense word goes on walking, a sparse
// one reads the older matches from tickets_visible_words_idx, which holds
// every word once per team and owner, so it reads only matches the rep
// may see (none for a word of other teams only). The first walk is short
// (1,000 tickets; it was 3,000): its matches only sample the word's
// density, and a word that turns out rare (a typo, a word of other teams
// only, and each such word a correction counts) pays for all of it; 1,000
// tickets hold enough of a rep's tickets to tell a dense word from a rare
// one (measured at 200,000 tickets: a word of other teams only 11.8 -> 8.4
// ms of CPU per search).
const (
	// maxWordHits is how many of the newest matches are ranked: a very
	// common word does not rank the whole desk.
	maxWordHits = 400
	// walkNewest is how many of the newest tickets the search walks first.
	walkNewest = 1000
)

// sqlWordsNewest lists the tickets above id $1 visible to the actor ($5
// teams, $6 user) that match tsquery $2 (and $4 when $3), newest first, at
// most $7, ranked (scoreSQL; $8 the subject's tsquery): a walk down
// tickets_pkey (wordsWalk).
var sqlWordsNewest = wordsWalk("t.id > $1")

// sqlWordsOlderWalk goes on walking down from id $1 (inclusive): for a word
// dense among the actor's tickets.
var sqlWordsOlderWalk = wordsWalk("t.id <= $1")

// scoreSQL places a word match w in the ranking (rankHits), from its search
// vector, while the statement that found the match has it at hand: reading
// the matches' vectors again to rank them cost as much as finding them. A
// ticket whose subject holds every word ($subject: the words' tsquery
// restricted to the subject's weights, A and C; subjectQuery) is in bucket
// 2, the rest of the word matches in 1; within a bucket ts_rank weighs a
// word in the subject (A) over one in the thread (B) and a word as typed
// over its stem (C, D). match and subject are the parameters of the words'
// tsquery and of its subject form.
func scoreSQL(match, subject string) string {
	return `w.id, CASE WHEN w.search @@ ` + subject + `::tsquery THEN 2 ELSE 1 END,
       ts_rank('{0.1, 0.6, 0.3, 1.0}', w.search, ` + match + `::tsquery)`
}

// wordsWalk walks tickets_pkey down over the ids that satisfy where.
// ts_match_vq is @@ written as a function call, which no index takes: the
// walk is the only plan. The CASE checks who may see a ticket (visibleSQL,
// the rule of Actor.CanSee) before its words (Postgres would check the
// cheaper-looking words first), so the walk reads the search vectors of the
// actor's tickets only. The matches are scored outside the walk's LIMIT, so
// only those returned are.
func wordsWalk(where string) string {
	return `
SELECT ` + scoreSQL("$4", "$8") + `
FROM (
    SELECT t.id, t.search
    FROM tickets t
    WHERE ` + where + `
      AND CASE WHEN ` + visibleSQL("false", "$5", "$6") + `
               THEN ts_match_vq(t.search, $2::tsquery) AND (NOT $3 OR ts_match_vq(t.search, $4::tsquery)) END
    ORDER BY t.id DESC
    LIMIT $7) w
ORDER BY w.id DESC`
}

// sqlWordsOlderIndexed reads the matches at or below id $1 from
// tickets_visible_words_idx (the actor's teams' and own tickets), and those
// of tickets held by the actor's teams or the actor (escalated to them),
// through their partial indexes: the two arms of visibleSQL's rule
// (TestSearchFindsWhatTheActorSeesWhicheverWay holds them to it). The id is compared as id + 0, which
// tickets_pkey cannot answer, so that the planner never reads the range
// from tickets_pkey and computes ld_visible_words for every ticket in it;
// and ordering the union leaves it no walk down tickets_pkey either. The
// newest $7 are then read again by id and scored ($8 the subject's
// tsquery).
var sqlWordsOlderIndexed = `
SELECT ` + scoreSQL("$4", "$8") + `
FROM tickets w
WHERE w.id = ANY(ARRAY(
    SELECT t.id
    FROM tickets t
    WHERE ld_visible_words(t.team_id, t.owner_id, t.search) @@ ld_visible_query($2::tsquery, $5, $6)
      AND t.id + 0 <= $1
      AND (NOT $3 OR ts_match_vq(t.search, $4::tsquery))
      AND (t.team_id = ANY($5) OR t.owner_id = $6)
    UNION
    SELECT t.id
    FROM tickets t
    WHERE (t.holder_team_id = ANY($5) OR t.holder_user_id = $6)
      AND t.id <= $1
      AND ts_match_vq(t.search, $2::tsquery)
      AND (NOT $3 OR ts_match_vq(t.search, $4::tsquery))
    ORDER BY 1 DESC
    LIMIT $7))
ORDER BY w.id DESC`

// sqlWordsAll lists the newest tickets that match, scored ($5 the
// subject's tsquery), for an actor who sees every ticket: the planner
// knows how many tickets hold the words from the search column's
// statistics and picks the plan (walk tickets_pkey for a common word,
// tickets_search_idx for a rare one).
var sqlWordsAll = `
SELECT ` + scoreSQL("$3", "$5") + `
FROM (
    SELECT t.id, t.search
    FROM tickets t
    WHERE t.search @@ $1::tsquery
      AND (NOT $2 OR ts_match_vq(t.search, $3::tsquery))
    ORDER BY t.id DESC
    LIMIT $4) w
ORDER BY w.id DESC`

// sqlFoundCustomersTickets lists the newest tickets of the customers found
// ($1) that the actor ($2 sees all, $3 teams, $4 user) may see: they are
// listed after the word matches (rankHits).
var sqlFoundCustomersTickets = `
SELECT t.id
FROM tickets t
WHERE t.customer_id = ANY($1)
  AND ` + visibleSQL("$2", "$3", "$4") + `
ORDER BY t.id DESC
LIMIT 400`

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

// Query is a search box entry, read: what it may be and the words to match.
type Query struct {
	Text   string   // trimmed; "" searches nothing
	Number int64    // a ticket number was typed ("123", "#123", "ticket 123"): 0 when not
	Email  bool     // it holds an @: customers by email
	Phone  []string // it is a phone number: the forms it may be stored in, E.164 first
	Terms  []string // its folded words, for highlighting
}

// ParseQuery reads a search box entry; region is the desk's default
// country for phone numbers. Too long, or text Postgres cannot hold (NUL,
// invalid UTF-8) or with control characters, is a field error on "q"; line
// breaks and tabs only separate words.
func ParseQuery(raw, region string) (Query, error) {
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
	if m := ticketNumber.FindStringSubmatch(Fold(q.Text)); m != nil {
		q.Number, _ = strconv.ParseInt(m[1], 10, 64) // at most 18 digits: always fits
	}
	q.Email = strings.Contains(q.Text, "@")
	if !q.Email {
		q.Phone = phoneCandidates(q.Text, region)
	}
	q.Terms = Terms(q.Text)
	return q, nil
}

// Search runs the first page of the one search box (see Find).
func (s *Store) Search(ctx context.Context, a Actor, raw string, limit int) (SearchResult, error) {
	return s.Find(ctx, a, SearchRequest{Query: raw, Limit: limit})
}

// Find runs the one search box: a ticket number jumps to the ticket; an
// email, a phone number in any format, or part of an email, phone or name
// finds the customers and lists their tickets; words are matched folded
// (no case or diacritics), as typed or by their Finnish or English stem,
// the last one also as a prefix, over subjects and messages. When the words
// find (almost) nothing, rare words are corrected to near, more common
// words of the desk and searched again (not with r.AsTyped). Everything
// listed is visible to a.
func (s *Store) Find(ctx context.Context, a Actor, r SearchRequest) (SearchResult, error) {
	var res SearchResult
	q, err := ParseQuery(r.Query, s.region)
	if err != nil || q.Text == "" {
		return res, err
	}
	after, err := parseSearchCursor(r.After)
	if err != nil {
		return res, err
	}
	if r.Limit <= 0 || r.Limit > 50 {
		r.Limit = 20
	}
	if q.Number != 0 && after == nil {
		if _, err := s.Get(ctx, a, q.Number); err == nil {
			res.JumpTo = q.Number
			return res, nil
		} else if !apperr.Is(err, apperr.NotFound) {
			return res, err
		}
	}
	res.Searched = q.Text
	if after != nil && after.searched != "" {
		res.Searched, res.Corrected = after.searched, true
	}
	// The words' tsqueries and, for what may be a name, the customers, in
	// one round trip; an email or a phone number finds its customers after.
	var b pgx.Batch
	read := readQueryBatch(&b, res.Searched)
	var byName func() ([]Customer, error)
	if !q.Email && q.Phone == nil {
		byName = customersByNameBatch(&b, q.Text)
	}
	if err := s.db.SendBatch(ctx, &b).Close(); err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	words, err := read()
	if err != nil {
		return res, err
	}
	if byName != nil {
		res.Customers, err = byName()
		// A name typed with a title ("mr john smith", "ông Nguyễn Văn An")
		// that finds no name as typed finds it without the title.
		if rest := nameAfterTitles(q.Text); err == nil && len(res.Customers) == 0 && rest != nil {
			res.Customers, err = s.queryCustomers(ctx, customersByNameSQL(rest), q.Text, "", "", rest)
		}
	} else {
		res.Customers, err = s.findCustomers(ctx, q)
	}
	if err != nil {
		return res, err
	}
	customerIDs := make([]int64, len(res.Customers))
	for i, c := range res.Customers {
		customerIDs[i] = c.ID
	}
	page, err := s.searchPage(ctx, a, words, customerIDs, after, r.Limit)
	if err != nil {
		return res, err
	}
	if after == nil && !r.AsTyped && page.wordHits < fewHits && q.Number == 0 && !q.Email && q.Phone == nil {
		// The page lists every word match when it is not full: their
		// number is the count of the words' tsquery, which a query of one
		// word need not count again.
		known := searched{match: words.match, count: -1}
		if page.wordHits < r.Limit {
			known.count = page.wordHits
		}
		fixed, err := s.correct(ctx, a, q.Text, words.newest, known)
		if err != nil {
			return res, err
		}
		if fixed != "" {
			fixedWords, err := s.readQuery(ctx, fixed)
			if err != nil {
				return res, err
			}
			again, err := s.searchPage(ctx, a, fixedWords, customerIDs, nil, r.Limit)
			if err != nil {
				return res, err
			}
			if again.wordHits > page.wordHits {
				page, res.Searched, res.Corrected = again, fixed, true
			}
		}
	}
	if page.next != nil {
		if res.Corrected {
			page.next.searched = res.Searched
		}
		res.Next = page.next.String()
	}
	if len(page.ids) == 0 {
		return res, nil
	}
	// The hits' snippets and tickets, and whatever the caller reads with
	// them, in one round trip.
	m := newMarker(res.Searched)
	b = pgx.Batch{}
	snippets := s.snippetSourcesBatch(&b, page.ids, m)
	getHits := postgres.QueueRowsN(&b, "get tickets", len(page.ids), func(r pgx.CollectableRow) (Ticket, error) { return scanTicket(r) },
		sqlSelectTicket+` WHERE t.id = ANY($1)`, page.ids)
	if r.Also != nil {
		r.Also(&b)
	}
	if err := s.db.SendBatch(ctx, &b).Close(); err != nil {
		return res, fmt.Errorf("search hits: %w", err)
	}
	found, err := snippets()
	if err != nil {
		return res, err
	}
	list, err := getHits()
	if err != nil {
		return res, err
	}
	byID := make(map[int64]Ticket, len(list))
	for _, t := range list {
		byID[t.ID] = t
	}
	res.Hits = make([]Hit, 0, len(page.ids))
	for _, id := range page.ids {
		t, ok := byID[id]
		if !ok {
			continue // no longer there (tickets are not deleted)
		}
		h := Hit{Ticket: t, Subject: m.highlight(t.Subject), OfCustomer: page.ofCustomer[t.ID]}
		if src, ok := found[t.ID]; ok {
			h.Snippet = m.highlight(m.excerpt(src, 200))
		}
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// searchPage is one page of the ranked hits (rankHits).
type searchPage struct {
	ids        []int64
	ofCustomer map[int64]bool // listed as a found customer's ticket only
	wordHits   int            // hits that matched the words
	next       *searchCursor  // nil on the last page
}

// readWords are the words searched, read by sqlReadQuery.
type readWords struct {
	match, index string // the tsqueries
	newest       int64  // the newest ticket's id when they were read
}

// readQueryBatch queues sqlReadQuery for words on b.
func readQueryBatch(b *pgx.Batch, words string) func() (readWords, error) {
	var w readWords
	err := postgres.ErrNotSent
	b.Queue(sqlReadQuery, words, indexMode(words)).QueryRow(func(row pgx.Row) error {
		var index *string
		if err = row.Scan(&w.match, &index, &w.newest); err != nil {
			err = fmt.Errorf("search: read query: %w", err)
			return err
		}
		w.index = w.match
		if index != nil {
			w.index = *index
		}
		return nil
	})
	return func() (readWords, error) { return w, err }
}

// readQuery runs sqlReadQuery for words.
func (s *Store) readQuery(ctx context.Context, words string) (readWords, error) {
	var b pgx.Batch
	read := readQueryBatch(&b, words)
	if err := s.db.SendBatch(ctx, &b).Close(); err != nil {
		return readWords{}, err
	}
	return read()
}

func (s *Store) searchPage(ctx context.Context, a Actor, words readWords, customerIDs []int64, after *searchCursor, limit int) (searchPage, error) {
	var p searchPage
	c := searchCursor{bucket: 3}
	if after != nil {
		c = *after
	}
	hits, err := s.wordMatches(ctx, a, words.match, words.index, words.newest)
	if err != nil {
		return p, err
	}
	var theirs []int64
	if len(customerIDs) > 0 {
		if theirs, err = s.ids(ctx, sqlFoundCustomersTickets, customerIDs, a.SeeAll, a.TeamIDs, a.UserID); err != nil {
			return p, err
		}
	}
	list := rankHits(hits, theirs, c, limit+1)
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		p.next = &last
	}
	p.ofCustomer = map[int64]bool{}
	for _, h := range list {
		p.ids = append(p.ids, h.id)
		if h.bucket == 0 {
			p.ofCustomer[h.id] = true
		} else {
			p.wordHits++
		}
	}
	return p, nil
}

// rankHits orders the word matches (scored by scoreSQL) and the found
// customers' tickets (theirs, bucket 0), a ticket in both counted as a
// word match, by bucket, rank and id, all descending, and returns the first
// n after cursor after. It keeps only the best n as it goes (a page of the
// up to 400 matches and 400 tickets of customers).
func rankHits(words []searchCursor, theirs []int64, after searchCursor, n int) []searchCursor {
	if n <= 0 {
		return nil
	}
	top := make([]searchCursor, 0, n+1)
	add := func(h searchCursor) {
		if !h.before(after) || (len(top) == n && !top[n-1].before(h)) {
			return
		}
		i := len(top)
		for i > 0 && top[i-1].before(h) {
			i--
		}
		top = slices.Insert(top, i, h)
		if len(top) > n {
			top = top[:n]
		}
	}
	for _, h := range words {
		add(h)
	}
	if len(theirs) > 0 {
		matched := make(map[int64]bool, len(words))
		for _, h := range words {
			matched[h.id] = true
		}
		for _, id := range theirs {
			if !matched[id] {
				add(searchCursor{id: id})
			}
		}
	}
	return top
}

// before reports whether hit h comes after hit c in the ranking: its
// (bucket, rank, id) is less.
func (h searchCursor) before(c searchCursor) bool {
	if h.bucket != c.bucket {
		return h.bucket < c.bucket
	}
	if h.rank != c.rank {
		return h.rank < c.rank
	}
	return h.id < c.id
}

// subjectQuery is tsquery match (its text) restricted to the subject's
// weights, A (words) and C (stems): every operand 'lexeme' or 'lexeme':*
// gets the weights AC. A tsquery's text quotes every lexeme, doubling a
// quote inside it, and prints no weights when it has none.
func subjectQuery(match string) string {
	var b strings.Builder
	b.Grow(len(match) + 8)
	for i := 0; i < len(match); i++ {
		b.WriteByte(match[i])
		if match[i] != '\'' {
			continue
		}
		// The lexeme runs to the next lone quote.
		for i++; i < len(match); i++ {
			b.WriteByte(match[i])
			if match[i] == '\'' {
				if i+1 < len(match) && match[i+1] == '\'' {
					i++
					b.WriteByte(match[i])
					continue
				}
				break
			}
		}
		if strings.HasPrefix(match[i+1:], ":*") {
			b.WriteString(":*")
			i += 2
		} else {
			b.WriteByte(':')
		}
		b.WriteString("AC")
	}
	return b.String()
}

// wordMatches lists the newest maxWordHits tickets visible to a that match
// tsqueries match and index (sqlReadQuery), newest first, each with its
// place in the ranking (scoreSQL); newest is the newest ticket's id. See
// walkNewest for how.
func (s *Store) wordMatches(ctx context.Context, a Actor, match, index string, newest int64) ([]searchCursor, error) {
	both := match != index // index leaves out a short last word: match checks it
	subject := subjectQuery(match)
	if a.SeeAll {
		return s.scored(ctx, sqlWordsAll, index, both, match, maxWordHits, subject)
	}
	floor := newest - s.walkLen()
	hits, err := s.scored(ctx, sqlWordsNewest, floor, index, both, match, a.TeamIDs, a.UserID, maxWordHits, subject)
	if err != nil || len(hits) == maxWordHits || floor <= 0 {
		return hits, err
	}
	older := sqlWordsOlderIndexed
	if walkOn(len(hits), floor, s.walkLen()) {
		older = sqlWordsOlderWalk
	}
	more, err := s.scored(ctx, older, floor, index, both, match, a.TeamIDs, a.UserID, maxWordHits-len(hits), subject)
	return append(hits, more...), err
}

// scored runs a statement that lists word matches with their scores
// (scoreSQL), with a custom plan.
func (s *Store) scored(ctx context.Context, sql string, args ...any) ([]searchCursor, error) {
	rows, err := s.db.Query(ctx, sql, append([]any{searchMode}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var out []searchCursor
	var h searchCursor
	if _, err := pgx.ForEachRow(rows, []any{&h.id, &h.bucket, &h.rank}, func() error {
		out = append(out, h)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// walkOn reports whether, after found matches among the walked newest
// tickets, walking on down from ticket floor is cheaper than reading the
// older matches from the index: walking passes about (maxWordHits - found)
// * walked / found tickets to find the rest, the index reads about found *
// floor / walked matches, if the word is as dense in older tickets as in
// the newest.
func walkOn(found int, floor, walked int64) bool {
	if found == 0 {
		return false
	}
	walk := float64(maxWordHits-found) * float64(walked) / float64(found)
	read := float64(found) * float64(floor) / float64(walked)
	return walk < read
}

// walkLen is how many of the newest tickets the search walks first.
func (s *Store) walkLen() int64 {
	if s.walk > 0 {
		return s.walk
	}
	return walkNewest
}

// ids runs a statement that lists ticket ids, with a custom plan.
func (s *Store) ids(ctx context.Context, sql string, args ...any) ([]int64, error) {
	rows, err := s.db.Query(ctx, sql, append([]any{searchMode}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return ids, nil
}

// searchCursor is where a page of hits ends: its last hit's place in
// rankHits' order, and the words searched when they were a correction
// (later pages search the same words).
type searchCursor struct {
	bucket   int
	rank     float32
	id       int64
	searched string
}

func (c searchCursor) String() string {
	s := fmt.Sprintf("s|%d|%d|%d|%s", c.bucket, math.Float32bits(c.rank), c.id, c.searched)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func parseSearchCursor(s string) (*searchCursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.InvalidFields(map[string]string{"after": "error_cursor_invalid"})
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	parts := strings.SplitN(string(raw), "|", 5)
	if len(parts) != 5 || parts[0] != "s" {
		return nil, bad
	}
	bucket, err1 := strconv.Atoi(parts[1])
	bits, err2 := strconv.ParseUint(parts[2], 10, 32)
	id, err3 := strconv.ParseInt(parts[3], 10, 64)
	rank := math.Float32frombits(uint32(bits))
	if err1 != nil || err2 != nil || err3 != nil || bucket < 0 || bucket > 2 || id <= 0 ||
		math.IsNaN(float64(rank)) || math.IsInf(float64(rank), 0) ||
		textcheck.Check(parts[4], textcheck.Line, false, maxQuery) != textcheck.OK {
		return nil, bad
	}
	return &searchCursor{bucket: bucket, rank: rank, id: id, searched: parts[4]}, nil
}

// findCustomers matches an email or phone exactly, else a part of one
// (other queries are matched as names, by customersByNameBatch).
func (s *Store) findCustomers(ctx context.Context, q Query) ([]Customer, error) {
	switch {
	case q.Email:
		found, err := s.queryCustomers(ctx, `SELECT `+customerColumns+` FROM customers WHERE email = $1`, q.Text)
		if err != nil || len(found) > 0 {
			return found, err
		}
		return s.queryCustomers(ctx, sqlCustomersByEmailPart, "%"+escapeLike(strings.ToLower(q.Text))+"%")
	case q.Phone != nil:
		found, err := s.queryCustomers(ctx, `SELECT `+customerColumns+` FROM customers WHERE phone = ANY($1) ORDER BY id DESC LIMIT 10`, q.Phone)
		if err != nil || len(found) > 0 {
			return found, err
		}
		if part := phonePart(q.Text, s.region); part != "" {
			return s.queryCustomers(ctx, sqlCustomersByPhonePart, "%"+part+"%")
		}
		return nil, nil
	}
	return nil, nil
}

// customerColumns are the columns queryCustomers scans.
const customerColumns = `id, name, coalesce(email::text, ''), coalesce(phone, ''), locale`

// sqlCustomersByEmailPart finds customers whose email holds $1, a LIKE
// pattern (customers_email_trgm_idx).
const sqlCustomersByEmailPart = `
SELECT ` + customerColumns + ` FROM customers WHERE lower(email::text) LIKE $1 ORDER BY id DESC LIMIT 5`

// sqlCustomersByPhonePart finds customers whose phone holds $1, a LIKE
// pattern (customers_phone_trgm_idx).
const sqlCustomersByPhonePart = `
SELECT ` + customerColumns + ` FROM customers WHERE phone LIKE $1 ORDER BY id DESC LIMIT 5`

func (s *Store) queryCustomers(ctx context.Context, sql string, args ...any) ([]Customer, error) {
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("find customers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) {
		var c Customer
		return c, r.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale)
	})
}

// customersByNameBatch queues the search for customers by their name,
// perhaps misspelt or in another order, by a part of their name, or by a
// part of their email (customersByNameSQL) on b.
func customersByNameBatch(b *pgx.Batch, q string) func() ([]Customer, error) {
	namePart, emailPart := CustomerParts(q)
	words := NameWords(q)
	return postgres.QueueRows(b, "find customers by name", func(r pgx.CollectableRow) (Customer, error) {
		var c Customer
		return c, r.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Locale)
	}, customersByNameSQL(words), q, namePart, emailPart, words)
}

// CustomerParts are the LIKE patterns of customersByNameSQL for q: a piece
// of a name (folded) and of an email; "" when q is too short to be one.
func CustomerParts(q string) (name, email string) {
	if f := Fold(q); utf8.RuneCountInString(f) >= 3 {
		name = "%" + escapeLike(f) + "%"
	}
	if utf8.RuneCountInString(q) >= 4 && !strings.ContainsFunc(q, unicode.IsSpace) {
		email = "%" + escapeLike(strings.ToLower(q)) + "%"
	}
	return name, email
}

// maxNameWords is the most words a query may have to be matched as a name.
const maxNameWords = 5

// NameWords are the words of q that customersByNameSQL matches as a name,
// folded as names are (Fold): the pieces between white space, without the
// punctuation around them ("aino - virtanen", "j. smith"). None when q
// cannot be a name: more than maxNameWords words, a digit, which names do
// not hold, or no word of 3 letters or more (what the index can look up).
func NameWords(q string) []string {
	if strings.ContainsFunc(q, unicode.IsDigit) {
		return nil
	}
	var words []string
	long := false
	for _, f := range strings.Fields(q) {
		w := strings.TrimFunc(Fold(f), notNameRune)
		if w == "" {
			continue
		}
		words = append(words, w)
		long = long || utf8.RuneCountInString(w) >= 3
	}
	if len(words) > maxNameWords || !long {
		return nil
	}
	return words
}

// titles are the words a name is addressed with before it, in the desk's
// languages, lower-cased with their diacritics: "Mr", "Dear", "Dr";
// Finnish "herra", "rouva", "hyvä"; Vietnamese "ông", "bà", "anh", "chị",
// "kính gửi" (with their tones, which tell "chị" from "chỉ", "bà" from
// "ba", "bạn" from "bán": folded, they are common words); Hindi "श्री",
// "श्रीमती", "प्रिय" and their Latin spellings. honorifics follow a name:
// Hindi "जी" ("Sharma ji"), "साहब".
var (
	titles = wordSet(`mr mrs ms miss mx mister dr prof sir madam dear hi hello
		herra hra rouva rva neiti nti tohtori tri professori hyvä hyva arvoisa
		ông bà anh chị cô chú bác em bạn thưa kính gửi quý
		श्री श्रीमती श्रीमान सुश्री कुमारी डॉ डॉक्टर प्रिय आदरणीय shri sri shrimati smt sushri kumari`)
	honorifics = wordSet(`जी ji jee साहब sahab sahib`)
)

func wordSet(list string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(list) {
		set[norm.NFC.String(w)] = true
	}
	return set
}

// nameAfterTitles is NameWords(q) without the titles before the name and
// the honorifics after it; nil when there are none, or when no word of 3
// letters or more is left to look a name up by. A search tries it when the
// words as typed find no name: a title is also a word of some names ("Anh
// Trần"), and those are found as typed.
func nameAfterTitles(q string) []string {
	words := NameWords(q)
	if words == nil {
		return nil
	}
	// The words as written (lower case, NFC), in NameWords' places.
	var written []string
	for _, f := range strings.Fields(q) {
		if w := strings.TrimFunc(strings.ToLower(norm.NFC.String(f)), notNameRune); w != "" {
			written = append(written, w)
		}
	}
	if len(written) != len(words) {
		return nil // not seen alike: leave the words as they are
	}
	i, j := 0, len(words)
	for i < j && titles[written[i]] {
		i++
	}
	for j > i && honorifics[written[j-1]] {
		j--
	}
	if i == 0 && j == len(words) {
		return nil
	}
	for _, w := range words[i:j] {
		if utf8.RuneCountInString(w) >= 3 {
			return words[i:j]
		}
	}
	return nil
}

// notNameRune reports whether r is not part of a name's word: the
// punctuation around it.
func notNameRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) }

// customersByNameSQL finds the customers whose name is like the words $4
// (NameWords of the query $1), or whose folded name holds the piece $2, or
// whose email holds the piece $3 (CustomerParts; "" for none), best name
// first (pg_trgm similarity of the whole query), at most 5. A name is like
// the words when each word of 3 letters or more is a word of the name or
// like one: their trigrams at least half alike (pg_trgm similarity 0.5),
// in any order ("nguyen vann an", "virtanen aino"); a shorter word (an
// initial, "j smith") begins a word of the name (a title before it is
// left out when the name is not found with it: nameAfterTitles). The words of a name
// (ld_name_words: folded, split at white space) are indexed by
// customers_name_words_idx; the words like a query word are looked up in
// customer_name_words, the list of the words of every name (a few thousand
// where there are hundreds of thousands of customers), by its trigram
// index. Comparing the whole query with every name by trigram similarity
// instead, as before, read the posting lists of the query's trigrams over
// all names: common trigrams ("ng ", " h") made that the dearest statement
// of a search at a million tickets (3.5 ms for "giao hang"). A word the
// name lacks altogether ("john smith kettle") matches no name (a title,
// "mr john smith", is left out by a second look: nameAfterTitles); the
// pieces still find "john smith" inside a name. The pieces are matched on the trigram
// indexes of names and emails; a piece that is not asked for is NULL,
// which an index scan answers at once with nothing. The statement is sent
// prepared, in a batch, and its plan is the same whatever the words but
// for their number and which are short.
func customersByNameSQL(words []string) string {
	var b strings.Builder
	b.WriteString(`
WITH q AS MATERIALIZED (SELECT $4::text[] AS w, ld_search_text($1) AS f)
SELECT ` + customerColumns + `
FROM customers
WHERE (` + strconv.FormatBool(len(words) > 0))
	for i, w := range words {
		if utf8.RuneCountInString(w) < 3 {
			fmt.Fprintf(&b, `
       AND EXISTS (SELECT FROM unnest(ld_name_words(name)) AS nw WHERE starts_with(nw, (SELECT q.w[%d] FROM q)))`, i+1)
			continue
		}
		fmt.Fprintf(&b, `
       AND ld_name_words(name) && (SELECT q.w[%d] || ARRAY(SELECT word FROM customer_name_words
                                                           WHERE word %% q.w[%d] AND similarity(word, q.w[%d]) >= 0.5) FROM q)`, i+1, i+1, i+1)
	}
	b.WriteString(`)
   OR ld_search_text(name) LIKE nullif($2, '')
   OR lower(email::text) LIKE nullif($3, '')
ORDER BY similarity(ld_search_text(name), (SELECT q.f FROM q)) DESC, id DESC
LIMIT 5`)
	return b.String()
}

// SearchStatements are the search box's statements, for tools that time and
// EXPLAIN them as Search runs them (cmd/loadbench): unprepared, each planned
// for its values. ReadQuery takes IndexMode of its words (its 'index'
// tsquery is NULL when it is the 'match' one); the word statements take
// the subject's tsquery that SubjectQuery makes of the words' tsquery.
var SearchStatements = struct {
	ReadQuery, WordsNewest, WordsOlderWalk, WordsOlderIndexed, WordsAll, FoundCustomersTickets string
	Snippets, NearWords, CountWords, CountWordAll                                              string
	IndexMode                                                                                  func(words string) bool
	SubjectQuery                                                                               func(match string) string
	CustomersByName                                                                            func(words []string) string
}{
	sqlReadQuery, sqlWordsNewest, sqlWordsOlderWalk, sqlWordsOlderIndexed, sqlWordsAll, sqlFoundCustomersTickets,
	sqlSnippets, nearWordsSQL(1), sqlCountWords, countWordsAllSQL(1), indexMode, subjectQuery, customersByNameSQL}

// SearchTuning is how the search walks the newest tickets first, for tools
// that time its statements (cmd/loadbench).
var SearchTuning = struct {
	MaxWordHits, WalkNewest int
	WalkOn                  func(found int, floor, walked int64) bool
}{maxWordHits, walkNewest, walkOn}

// sqlSnippets reads, per hit, the beginning of its first messages
// (messages_ticket_idx, in order): the snippet is the first of them that
// the marker finds a searched word in (snippetSources). Matching in Go, not
// with ld_body_vector in SQL, spares Postgres tokenising every message it
// passes: the snippets were a third of a common word's database time.
const sqlSnippets = `
SELECT h.id, m.body
FROM unnest($1::bigint[]) AS h(id)
CROSS JOIN LATERAL (
    SELECT left(m.body, $2) AS body
    FROM messages m
    WHERE m.ticket_id = h.id AND m.kind <> 'system'
    ORDER BY m.id
    LIMIT $3
) m`

// The snippets' reach: the first snippetMessages messages of a hit, each
// up to snippetChars characters. A word found only further on (in a long
// thread, or by its stem alone) leaves the hit without a snippet.
const (
	snippetMessages = 8
	snippetChars    = 4000
)

// SnippetReach is sqlSnippets' $2 and $3, for tools that time it.
func SnippetReach() (chars, messages int) { return snippetChars, snippetMessages }

// snippetSourcesBatch queues the reading of, per ticket, the first of its
// first messages in which m finds a searched word; the function returns
// them once b has been sent and closed.
func (s *Store) snippetSourcesBatch(b *pgx.Batch, ids []int64, m marker) func() (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := postgres.ErrNotSent
	b.Queue(sqlSnippets, ids, snippetChars, snippetMessages).Query(func(rows pgx.Rows) error {
		var id int64
		var body string
		_, err = pgx.ForEachRow(rows, []any{&id, &body}, func() error {
			if _, done := out[id]; !done && m.finds(body) {
				out[id] = body
			}
			return nil
		})
		if err != nil {
			err = fmt.Errorf("snippets: %w", err)
		}
		return err
	})
	return func() (map[int64]string, error) { return out, err }
}

// nearWordsSQL lists the words of the desk most like each of n words, $1
// to $n (pg_trgm similarity at least 0.3, the default threshold;
// search_words_trgm_idx), 8 at most each, in one statement: rows (i, word,
// similarity), by i from 1, each word's most similar first. Each word's
// list is planned with the word as a constant.
func nearWordsSQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT n.i, n.word, n.sim FROM (")
	for i := range n {
		if i > 0 {
			b.WriteString("\nUNION ALL\n")
		}
		fmt.Fprintf(&b, "(SELECT %d AS i, word, similarity(word, $%d) AS sim FROM search_words WHERE word %% $%d AND word <> $%d ORDER BY 3 DESC, word LIMIT 8)",
			i+1, i+1, i+1, i+1)
	}
	b.WriteString(") n ORDER BY n.i, n.sim DESC, n.word")
	return b.String()
}

// editsAwaySQL is nearWordsSQL for n short words that pg_trgm found no
// near word of: a typo in a short word leaves too few trigrams alike
// ("hnag" and "hang" share one of five). Word i ($2i-1) lists those of its
// words one edit away ($2i, oneEditAway) that the desk holds
// (search_words_pkey), the most similar 8.
func editsAwaySQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT n.i, n.word, n.sim FROM (")
	for i := range n {
		if i > 0 {
			b.WriteString("\nUNION ALL\n")
		}
		fmt.Fprintf(&b, "(SELECT %d AS i, word, similarity(word, $%d) AS sim FROM search_words WHERE word = ANY($%d::text[]) ORDER BY 3 DESC, word LIMIT 8)",
			i+1, 2*i+1, 2*i+2)
	}
	b.WriteString(") n ORDER BY n.i, n.sim DESC, n.word")
	return b.String()
}

// shortWord is the longest word (in letters) whose words one edit away are
// looked up by name as well as by their trigrams (nearWordsSQL).
const shortWord = 5

// oneEditAway lists the words one edit from w, a folded word of up to
// shortWord letters (nil for a longer one): two neighbouring letters
// swapped, one left out and, for a Latin word (folded to a to z), one
// added or changed, a to z; of 3 letters or more, as the word list holds.
// A word in another script only has its letters swapped or left out: its
// alphabet is too large to try each letter (Devanagari's 128).
func oneEditAway(w string) []string {
	r := []rune(w)
	n := len(r)
	if n > shortWord {
		return nil
	}
	seen := map[string]bool{w: true}
	var out []string
	add := func(v []rune) {
		if len(v) < 3 {
			return
		}
		if s := string(v); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for i := 0; i+1 < n; i++ {
		v := slices.Clone(r)
		v[i], v[i+1] = v[i+1], v[i]
		add(v)
	}
	for i := range n {
		add(slices.Concat(r[:i], r[i+1:]))
	}
	if isASCII(w) {
		for c := 'a'; c <= 'z'; c++ {
			for i := 0; i <= n; i++ {
				add(slices.Concat(r[:i], []rune{c}, r[i:]))
			}
			for i := range n {
				if r[i] != c {
					v := slices.Clone(r)
					v[i] = c
					add(v)
				}
			}
		}
	}
	return out
}

// sqlCountWords counts, for each word $1[i] ($2[i]: 'exact', or 'match'
// for a last word being typed), the tickets visible to the actor ($3 teams,
// $4 user) that match it, up to countCap (50): enough to tell a typo from a
// word in use. The rows are (i, count), i from 1, in order. A correction
// counts the query's words and their near words together, in one walk over
// the newest walkNewest tickets (above $5): the walk checks who may see a
// ticket (visibleSQL) before its words, then whether it matches any of the
// words (one tsquery of them all), so that a ticket matching none, as most
// do when the words are typos, has its search vector read (often from
// TOAST) once. Each word then counts its matches among the tickets the
// walk kept, up to 50; the walk goes on only as far as a word needs (a
// MATERIALIZED CTE is read lazily): when every word is common it stops at
// their 50th matches, when one is rare it walks all the newest. A word
// whose tsquery is $6, which the search has just counted ($7 matches, NULL
// when not known), is not counted again: of a misspelt word searched alone
// only its near words are counted, and common ones stop the walk early. A
// word that finds fewer than 50 in the walk reads its other matches from
// tickets_visible_words_idx and, for tickets held by the actor's teams or
// the actor but not theirs, through the holder indexes, as wordMatches
// does. The words' tsqueries are built once, at run time (q): built at
// plan time, as a constant in each place they are used, they cost more
// than the count.
var sqlCountWords = `
WITH q AS MATERIALIZED (
    SELECT y.i, y.q, CASE WHEN y.q::text = $6 THEN $7::int END AS known
    FROM (SELECT x.i, ld_search_query(x.w, x.m) AS q
          FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(w, m, i)
          OFFSET 0) y),
newest AS MATERIALIZED (
    SELECT t.search
    FROM tickets t
    WHERE t.id > $5
      AND CASE WHEN ` + visibleSQL("false", "$3", "$4") + `
               THEN ts_match_vq(t.search, (SELECT string_agg('(' || q.q::text || ')', ' | ')::tsquery
                                           FROM q WHERE numnode(q.q) > 0 AND q.known IS NULL)) END
    ORDER BY t.id DESC)
SELECT q.i, least(50, coalesce(q.known, r.n + CASE WHEN r.n < 50 AND $5 > 0 THEN
    (SELECT count(*)
     FROM (SELECT 1
           FROM tickets t
           WHERE ld_visible_words(t.team_id, t.owner_id, t.search) @@ ld_visible_query(q.q, $3, $4)
             AND t.id + 0 <= $5
           LIMIT 50 - r.n) o)
  + (SELECT count(*)
     FROM (SELECT 1
           FROM tickets t
           WHERE (t.holder_team_id = ANY($3) OR t.holder_user_id = $4)
             AND NOT coalesce(t.team_id = ANY($3) OR t.owner_id = $4, false)
             AND t.id <= $5
             AND ts_match_vq(t.search, q.q)
           LIMIT 50 - r.n) h)
  ELSE 0 END))::int
FROM q
CROSS JOIN LATERAL (SELECT count(*) AS n
                    FROM (SELECT 1 FROM newest WHERE q.known IS NULL AND ts_match_vq(newest.search, q.q) LIMIT 50) x) r
ORDER BY q.i`

// countWordsAllSQL is sqlCountWords for an actor who sees every ticket,
// for n words ($1, $3, ... with their modes $2, $4, ...): one count per
// word, each planned with its word's tsquery as a constant, so that the
// planner picks its plan from the word's statistics (walk tickets_pkey for
// a common word, tickets_search_idx for a rare one).
func countWordsAllSQL(n int) string {
	var b strings.Builder
	b.WriteString("SELECT ARRAY[")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(SELECT count(*)::int FROM (SELECT 1 FROM tickets t WHERE t.search @@ ld_search_query($%d, $%d) LIMIT 50) x)", 2*i+1, 2*i+2)
	}
	b.WriteString("]::int[]")
	return b.String()
}

// correct returns query with its rare words replaced by near words of the
// desk that match many more tickets the actor sees ("pasword reset" ->
// "password reset"); "" when no word changes. A word is rare when it
// matches fewer than rareWord visible tickets; a replacement is within
// one edit (words of up to 4 letters) or two, and matches at least one
// visible ticket and five times as many as the word: the fewest edits win,
// then the most tickets (up to countCap), then the most similar. Counting
// only visible tickets keeps words of hidden tickets from being suggested.
// Near words are the listed words pg_trgm finds like a word or, for a
// rare short word it finds none for, the listed words one edit away
// (oneEditAway). It looks up the words' near words in one statement, and
// counts the words and their near words in one more (and a rare short
// word's words one edit away in two more).
func (s *Store) correct(ctx context.Context, a Actor, query string, newest int64, known searched) (string, error) {
	words := Terms(query)
	var at []int // the words looked up: their places in words
	var look, modes []string
	for i, w := range words {
		if i >= maxCorrected {
			break
		}
		if utf8.RuneCountInString(w) < 3 || strings.ContainsFunc(w, unicode.IsDigit) {
			continue
		}
		mode := "exact"
		if i == len(words)-1 {
			mode = "match" // it may be a prefix being typed
		}
		at, look, modes = append(at, i), append(look, w), append(modes, mode)
	}
	if len(look) == 0 {
		return "", nil
	}
	// Each word's near words, looked up before the words are counted, so
	// that one count covers the words and their near words: a word found
	// common leaves its near words unused.
	type near struct {
		word  string
		sim   float32
		edits int
		count int
	}
	args := []any{searchMode}
	for _, w := range look {
		args = append(args, w)
	}
	candidates := make([][]near, len(look)) // by place in look
	lookUp := func(sql string, args []any, places []int) error {
		rows, err := s.db.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("near words: %w", err)
		}
		var place int // from 1, in places
		var c near
		_, err = pgx.ForEachRow(rows, []any{&place, &c.word, &c.sim}, func() error {
			j := places[place-1]
			if c.edits = editDistance(look[j], c.word); c.edits <= maxEdits(look[j]) {
				candidates[j] = append(candidates[j], c)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("near words: %w", err)
		}
		return nil
	}
	all := make([]int, len(look))
	for j := range all {
		all[j] = j
	}
	if err := lookUp(nearWordsSQL(len(look)), args, all); err != nil {
		return "", err
	}
	// Count the words, then every candidate once.
	counted := map[[2]string]int{} // word and mode: place in the count
	for j, w := range look {
		counted[[2]string{w, modes[j]}] = j
	}
	countWords, countModes := slices.Clone(look), slices.Clone(modes)
	addCandidates := func(places []int) (added bool) {
		for _, j := range places {
			for _, c := range candidates[j] {
				added = true
				if _, ok := counted[[2]string{c.word, "exact"}]; !ok {
					counted[[2]string{c.word, "exact"}] = len(countWords)
					countWords, countModes = append(countWords, c.word), append(countModes, "exact")
				}
			}
		}
		return added
	}
	if !addCandidates(all) && !slices.ContainsFunc(look, func(w string) bool { return oneEditAway(w) != nil }) {
		return "", nil // nothing to correct to
	}
	counts, err := s.countWords(ctx, a, countWords, countModes, newest, known)
	if err != nil {
		return "", err
	}
	// A rare short word that pg_trgm found no near word of: its words one
	// edit away, looked up and counted in two more statements. A typo in a
	// short word leaves too few trigrams alike: "hnag" and "hang" share one
	// of five, and Vietnamese words are short.
	var short []int // places in look
	args = []any{searchMode}
	for j, w := range look {
		if counts[j] >= rareWord || len(candidates[j]) > 0 {
			continue
		}
		if edits := oneEditAway(w); edits != nil {
			short, args = append(short, j), append(args, w, edits)
		}
	}
	if len(short) > 0 {
		if err := lookUp(editsAwaySQL(len(short)), args, short); err != nil {
			return "", err
		}
		before := len(countWords)
		if addCandidates(short) && len(countWords) > before {
			more, err := s.countWords(ctx, a, countWords[before:], countModes[before:], newest, searched{count: -1})
			if err != nil {
				return "", err
			}
			counts = append(counts, more...)
		}
	}
	changed := false
	for k, i := range at {
		if counts[k] >= rareWord {
			continue
		}
		var best *near
		for _, c := range candidates[k] {
			c.count = counts[counted[[2]string{c.word, "exact"}]]
			if c.count == 0 || c.count < 5*counts[k] {
				continue
			}
			// Candidates come by similarity, best first: a later one wins
			// a tie on edits and count only when it is more similar.
			if best == nil || c.edits < best.edits || (c.edits == best.edits && c.count > best.count) ||
				(c.edits == best.edits && c.count == best.count && c.sim > best.sim) {
				best = &c
			}
		}
		if best != nil {
			words[i], changed = best.word, true
		}
	}
	if !changed {
		return "", nil
	}
	return strings.Join(words, " "), nil
}

// searched is what a search has just counted: the number of visible
// tickets (count; -1 when not known) that match tsquery match.
type searched struct {
	match string
	count int
}

// countWords counts the tickets visible to a that match each of words (in
// modes[i]), up to countCap, in one statement; a word whose tsquery is
// known.match has known.count.
func (s *Store) countWords(ctx context.Context, a Actor, words, modes []string, newest int64, known searched) ([]int, error) {
	if len(words) == 0 {
		return nil, nil
	}
	if a.SeeAll {
		args := []any{searchMode}
		for i := range words {
			args = append(args, words[i], modes[i])
		}
		var counts []int
		if err := s.db.QueryRow(ctx, countWordsAllSQL(len(words)), args...).Scan(&counts); err != nil {
			return nil, fmt.Errorf("count words: %w", err)
		}
		return counts, nil
	}
	var count *int
	if known.count >= 0 {
		count = &known.count
	}
	rows, err := s.db.Query(ctx, sqlCountWords, searchMode, words, modes, a.TeamIDs, a.UserID, newest-s.walkLen(), known.match, count)
	if err != nil {
		return nil, fmt.Errorf("count words: %w", err)
	}
	counts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int, error) {
		var i int64
		var n int
		return n, r.Scan(&i, &n)
	})
	if err != nil {
		return nil, fmt.Errorf("count words: %w", err)
	}
	if len(counts) != len(words) {
		return nil, fmt.Errorf("count words: %d counts for %d words", len(counts), len(words))
	}
	return counts, nil
}

// maxEdits is how far a correction of w may be.
func maxEdits(w string) int {
	if utf8.RuneCountInString(w) <= 4 {
		return 1
	}
	return 2
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours, in runes.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}

// Fold lower-cases s and removes Latin diacritics ("Nguyễn" -> "nguyen",
// "Äiti" -> "aiti"), like the database's ld_search_text. Devanagari is left
// whole: its vowel signs are letters, not accents. ASCII text, most words
// of a snippet, only needs its capitals lowered (and nothing when it has
// none): normalising it changes nothing.
func Fold(s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return foldUnicode(s)
		}
		upper = upper || ('A' <= c && c <= 'Z')
	}
	if !upper {
		return s
	}
	return strings.ToLower(s)
}

func foldUnicode(s string) string {
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
	return strings.FieldsFunc(Fold(q), isSeparator)
}

func isSeparator(r rune) bool {
	return !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r))
}

// Highlight splits text into segments, marking words whose folded form is
// one of terms.
func Highlight(text string, terms []string) []Segment {
	return marker{terms: terms}.highlight(text)
}

// marker marks the words of a text that a search matched: a query word
// itself; a word beginning with the last query word (of 3 letters or more),
// which was searched as a prefix; and a word sharing a long beginning with
// a query word, as its stem may have matched ("pesukoneen" for "pesukone",
// "kettle" for "kettles"). Only words the database matched are listed, so
// the looser stem rule marks little that did not match. A marker made by
// newMarker remembers what it decided for each word as written (known):
// the words of a page's snippets repeat, and folding them was most of a
// search's own CPU time.
type marker struct {
	terms  []string
	prefix string // the last term when searched as a prefix
	stems  bool
	known  map[string]bool // a word as written: whether it matches; nil: none kept
	// keys are the beginnings every word m marks starts with once folded,
	// when they are all ASCII (nil otherwise): a term's first 5 letters
	// (a stem shares them), or the whole term when shorter. An ASCII text
	// (whose words fold to ASCII) that holds none of them, in any case,
	// holds no word m marks.
	keys []string
}

// maxKnownWords bounds a marker's memory of words.
const maxKnownWords = 20000

func newMarker(searched string) marker {
	m := marker{terms: Terms(searched), stems: true, known: map[string]bool{}}
	if n := len(m.terms); n > 0 && utf8.RuneCountInString(m.terms[n-1]) >= 3 {
		m.prefix = m.terms[n-1]
	}
	for _, t := range m.terms {
		if len(t) > 5 {
			t = t[:5]
		}
		if !isASCII(t) {
			continue // no ASCII word folds to it
		}
		m.keys = append(m.keys, t)
	}
	return m
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// holdsKey reports whether ASCII text holds one of m's keys, in any case.
func (m marker) holdsKey(text string) bool {
	for _, k := range m.keys {
		for i := 0; i+len(k) <= len(text); i++ {
			j := 0
			for j < len(k) {
				c := text[i+j]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				if c != k[j] {
					break
				}
				j++
			}
			if j == len(k) {
				return true
			}
		}
	}
	return false
}

// marks reports whether m marks word, as written in a text.
func (m marker) marks(word string) bool {
	if v, ok := m.known[word]; ok {
		return v
	}
	v := m.matches(Fold(word))
	if m.known != nil && len(m.known) < maxKnownWords {
		m.known[strings.Clone(word)] = v
	}
	return v
}

func (m marker) matches(w string) bool {
	for _, t := range m.terms {
		if w == t {
			return true
		}
	}
	if m.prefix != "" && strings.HasPrefix(w, m.prefix) {
		return true
	}
	if m.stems {
		for _, t := range m.terms {
			if sameStem(w, t) {
				return true
			}
		}
	}
	return false
}

// sameStem reports whether w and t share a beginning of 5 letters or more
// that leaves at most 3 letters of the shorter: an inflection's stem.
func sameStem(w, t string) bool {
	n, i, j := 0, 0, 0 // runes in common; bytes of w and t read
	for i < len(w) && j < len(t) {
		a, sa := utf8.DecodeRuneInString(w[i:])
		b, sb := utf8.DecodeRuneInString(t[j:])
		if a != b {
			break
		}
		n, i, j = n+1, i+sa, j+sb
	}
	if n < 5 {
		return false
	}
	shorter := min(n+utf8.RuneCountInString(w[i:]), n+utf8.RuneCountInString(t[j:]))
	return n >= shorter-3
}

func (m marker) highlight(text string) []Segment {
	if !utf8.ValidString(text) {
		text = string([]rune(text)) // each bad byte a replacement character
	}
	var out []Segment
	plain := 0 // where the text not yet in a segment begins
	eachWord(text, func(start, end int) bool {
		if m.marks(text[start:end]) {
			if plain < start {
				out = append(out, Segment{Text: text[plain:start]})
			}
			out = append(out, Segment{Text: text[start:end], Mark: true})
			plain = end
		}
		return true
	})
	if plain < len(text) {
		out = append(out, Segment{Text: text[plain:]})
	}
	return out
}

// finds reports whether text holds a word m marks.
func (m marker) finds(text string) bool {
	if isASCII(text) && !m.holdsKey(text) {
		return false
	}
	found := false
	eachWord(text, func(start, end int) bool {
		found = m.marks(text[start:end])
		return !found
	})
	return found
}

// eachWord calls f with the byte offsets of the words of text (runs of
// letters, numbers and marks), in order, until f returns false.
func eachWord(text string, f func(start, end int) bool) {
	start := -1
	for i, r := range text {
		if isSeparator(r) {
			if start >= 0 && !f(start, i) {
				return
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		f(start, len(text))
	}
}

// excerpt cuts about width runes of text around the first matching word.
func (m marker) excerpt(text string, width int) string {
	if utf8.RuneCountInString(text) <= width {
		return text
	}
	first := -1 // the first matching word's rune offset
	runes := 0  // runes before the word being looked at
	last := 0   // byte offset counted up to
	eachWord(text, func(start, end int) bool {
		runes += utf8.RuneCountInString(text[last:start])
		last = start
		if m.marks(text[start:end]) {
			first = runes
			return false
		}
		return true
	})
	start := 0
	if first >= 0 {
		start = max(0, first-width/3)
	}
	r := []rune(text)
	end := min(len(r), start+width)
	s := string(r[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(r) {
		s += "…"
	}
	return s
}
