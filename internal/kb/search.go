package kb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/textcheck"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// sqlShowMatched shows each matched article (CTE m: article_id, matched,
// rank, in_lang) once: in the visitor's language $2
// when it is published in it, else in English, else its first translation.
const sqlShowMatched = `
SELECT id, article_id, category_id, internal, locale, slug, title, body, tags, status, version, published_at, updated_at, updated_by
FROM (
    SELECT DISTINCT ON (t.article_id) t.id, t.article_id, coalesce(a.category_id, 0) AS category_id, a.internal, t.locale, t.slug,
           t.title, t.body, t.tags, t.status, t.version, t.published_at, t.updated_at, ''::text AS updated_by, m.matched, m.rank, m.in_lang
    FROM m JOIN kb_translations t ON t.article_id = m.article_id AND t.status = 'published'
    JOIN kb_articles a ON a.id = t.article_id
    ORDER BY t.article_id, t.locale = $2 DESC, t.locale = 'en' DESC, t.id
) x`

// Search finds published articles with the ticket search's full text
// (ld_search_query: every word, as typed or as its Finnish or English stem,
// accents aside, the last word also as a prefix). Articles in lang come
// first; an article appears once, in lang when it has that translation.
func (s *Store) Search(ctx context.Context, q, lang string, staff bool, limit int) ([]Translation, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if p := textcheck.Check(q, textcheck.Lines, false, 200); p != textcheck.OK {
		return nil, apperr.InvalidFields(map[string]string{"q": p.MsgID()})
	}
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	return collect(s.db.Query(ctx, `
WITH m AS (
    SELECT t.article_id, 0 AS matched, max(ts_rank_cd(t.search, q.q)) AS rank, bool_or(t.locale = $2) AS in_lang
    FROM kb_translations t
    JOIN kb_articles a ON a.id = t.article_id
    CROSS JOIN (SELECT ld_search_query($1, 'match') AS q) q
    WHERE t.status = 'published' AND (NOT a.internal OR $3) AND numnode(q.q) > 0 AND t.search @@ q.q
    GROUP BY t.article_id
)`+sqlShowMatched+`
ORDER BY in_lang DESC, rank DESC, id
LIMIT $4`, q, lang, staff, limit))
}

// stopWords are words too common to suggest an article by, folded as
// tickets.Fold folds them (no diacritics). English and Finnish ones also
// drop out of their stems; Vietnamese and Hindi have no stemmer.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
a an and are as at be been but by can could did do does for from had has have hello hi how i if in into is it its
me my no not of on or our please so than that the their them then there they this to too was we were what when where
which who why will with would you your yet help thanks thank
ja ei en et on ole olen oli ovat se ne ja tai kun jos etta mutta mina sina han me te he minun sinun mika miten miksi
kiitos hei voi voisitko voitteko pitaa ollut viela nyt jo myos kanssa niin kuin
toi ban cua la va co khong bi da duoc cho voi mot nhung nay do thi de tai o khi nao gi sao xin chao cam on em anh chi minh roi chua van rat
मेरा मेरी मेरे मैं है हैं था थी थे का की के को में से पर और या नहीं भी यह वह क्या कैसे कृपया हो गया गई ने एक तो जी नमस्ते धन्यवाद`) {
		stopWords[w] = true
		stopWordList = append(stopWordList, w)
	}
}

// stopWordList is stopWords as a list, for SQL.
var stopWordList []string

// suggestWords are the words of a customer's text worth matching: folded,
// no stop words, at most 12, in order.
func suggestWords(text string) []string {
	var out []string
	for _, w := range tickets.Terms(text) {
		if stopWords[w] || len([]rune(w)) < 2 || slices.Contains(out, w) {
			continue
		}
		out = append(out, w)
		if len(out) == 12 {
			break
		}
	}
	return out
}

// Suggest finds up to limit published, public articles for what a
// customer is typing on /help. Unlike Search, a word need not be in the
// article: any word may match (as typed, stemmed, or as a prefix when it is
// the last one), and articles are ranked by how many of the words they
// have, then by rank. With two words or more, an article must have two.
func (s *Store) Suggest(ctx context.Context, text, lang string, limit int) ([]Translation, error) {
	words := suggestWords(text)
	if len(words) == 0 {
		return nil, nil
	}
	if limit <= 0 || limit > 10 {
		limit = 5
	}
	need := min(2, len(words))
	return collect(s.db.Query(ctx, `
WITH w0 AS (
    SELECT x.word, x.n FROM unnest($1::text[]) WITH ORDINALITY AS x(word, n)
)`+sqlSuggestFrom("$3", "$4"), words, lang, need, limit))
}

// sqlSuggestFrom ranks the published, public articles for the words of CTE
// w0 (word, n: its place; the last one is also a prefix), shown once each
// in the language $2: an article needs need of the words (a placeholder or
// a subquery) and at most limit come back.
func sqlSuggestFrom(need, limit string) string {
	return `, w AS (
    SELECT ld_search_query(w0.word, CASE WHEN w0.n = (SELECT max(n) FROM w0) THEN 'match' ELSE 'exact' END) AS q
    FROM w0
), tm AS (
    SELECT t.id, t.article_id, t.locale, count(*) AS matched, sum(ts_rank_cd(t.search, w.q)) AS rank
    FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id
    JOIN w ON numnode(w.q) > 0 AND t.search @@ w.q
    WHERE t.status = 'published' AND NOT a.internal
    GROUP BY t.id
    HAVING count(*) >= ` + need + `
), m AS (
    SELECT article_id, max(matched) AS matched, max(rank) AS rank, bool_or(locale = $2) AS in_lang
    FROM tm GROUP BY article_id
)` + sqlShowMatched + `
ORDER BY in_lang DESC, matched DESC, rank DESC, id
LIMIT ` + limit
}

// sqlSuggestForTicket is Suggest for ticket $1 in SQL, so that it can go
// into the ticket page's batch: the words of its subject $3 and first
// customer message (a phone ticket's is the rep's note of the call), folded as ld_search_query folds them, without the stop words
// $4, at most 12 in order of appearance. The messages are the tickets
// package's table, read here only.
const sqlSuggestForTicket = `
WITH src AS (
    SELECT $3::text || ' ' || coalesce((
        SELECT left(m.body, 2000) FROM messages m
        WHERE m.ticket_id = $1 AND m.kind = 'public' AND m.author_customer_id IS NOT NULL
        ORDER BY m.id LIMIT 1), '') AS txt
), w0 AS (
    SELECT u.lexeme AS word, row_number() OVER (ORDER BY u.positions[1]) AS n
    FROM src, unnest(to_tsvector('simple', ld_search_text(src.txt))) AS u
    WHERE char_length(u.lexeme) >= 2 AND u.lexeme <> ALL ($4::text[])
    ORDER BY u.positions[1]
    LIMIT 12
)`

// SuggestForTicketBatch queues the articles to suggest to a rep answering
// ticketID (subject is its subject): up to limit published, public articles
// (never internal ones: the link goes to the customer) for the ticket's
// subject and first customer message, by the rules of Suggest, each in the
// customer's language lang when it has that translation. The result is
// there once b has been sent (the ticket page's one round trip).
func (s *Store) SuggestForTicketBatch(b *pgx.Batch, ticketID int64, subject, lang string, limit int) func() ([]Translation, error) {
	if limit <= 0 || limit > 10 {
		limit = 5
	}
	return postgres.QueueRows(b, "kb suggestions for a ticket", func(r pgx.CollectableRow) (Translation, error) { return scanTranslation(r) },
		sqlSuggestForTicket+sqlSuggestFrom("(SELECT least(2, count(*)) FROM w0)", "$5"),
		ticketID, lang, subject, stopWordList, limit)
}

// Deflection kinds.
const (
	Suggested = "suggested"
	Opened    = "opened"
	Deflected = "deflected"
)

// Record counts one suggestion shown, article opened or question answered
// for the help form ref (a hash of its key); the same one again for the
// same form counts once.
func (s *Store) Record(ctx context.Context, kind string, translationIDs []int64, ref string) error {
	if len(translationIDs) == 0 || ref == "" {
		return nil
	}
	if _, err := s.db.Exec(ctx, `
INSERT INTO kb_deflections (kind, translation_id, ref, created_at)
SELECT $1, id, $3, $4 FROM unnest($2::bigint[]) AS id
ON CONFLICT DO NOTHING`, kind, translationIDs, ref, s.now()); err != nil {
		return fmt.Errorf("kb deflection: %w", err)
	}
	return nil
}

// Week is one week of deflection.
type Week struct {
	Start     time.Time // Monday, UTC
	Forms     int       // help forms that were shown suggestions
	Shown     int       // suggestions shown
	Opened    int       // articles opened from a suggestion
	Deflected int       // questions answered: tickets avoided
}

// Rate is the share of help forms shown suggestions that ended without a
// ticket, in percent; 0 when none were shown.
func (w Week) Rate() int {
	if w.Forms == 0 {
		return 0
	}
	return (w.Deflected*100 + w.Forms/2) / w.Forms
}

// ArticleStat is one article's deflection over a period.
type ArticleStat struct {
	Translation Translation
	Shown       int
	Opened      int
	Deflected   int
}

// Rate is the share of suggestions of the article that answered the question, in percent.
func (a ArticleStat) Rate() int {
	if a.Shown == 0 {
		return 0
	}
	return (a.Deflected*100 + a.Shown/2) / a.Shown
}

// Stats is the deflection report of the supervisor dashboard.
type Stats struct {
	Weeks    []Week        // newest first
	Articles []ArticleStat // every article suggested or opened in the range, deflecting most first (at most 500)
	Most     []ArticleStat // deflecting most
	Least    []ArticleStat // shown often, deflecting least
	Team     bool          // the range's figures are for the team filtered on (the intake team, or all)
}

// DeflectionFilter is the dashboard's filter: the instants [Start, End),
// the reporting zone whose Mondays start the weeks (an IANA name), and a
// team (0: all).
type DeflectionFilter struct {
	Start, End time.Time
	Zone       string
	TeamID     int64
}

// sqlIntakeTeam is the team /help tickets go to (tickets.CreatePublic:
// the first team). A question answered on /help is a ticket that team was
// spared, so deflection counts for it, and for no other team.
const sqlIntakeTeam = `(SELECT min(id) FROM teams)`

// sqlDeflectionWeeks counts per week (Monday in zone $3) of [$1, $2) for
// team $4 (0: all).
const sqlDeflectionWeeks = `
SELECT date_trunc('week', d.created_at AT TIME ZONE $3)::date,
       count(DISTINCT d.ref) FILTER (WHERE d.kind = 'suggested'),
       count(*) FILTER (WHERE d.kind = 'suggested'),
       count(*) FILTER (WHERE d.kind = 'opened'),
       count(DISTINCT d.ref) FILTER (WHERE d.kind = 'deflected')
FROM kb_deflections d
WHERE d.created_at >= $1 AND d.created_at < $2 AND ($4 = 0 OR $4 = ` + sqlIntakeTeam + `)
GROUP BY 1`

// sqlDeflectionArticles counts per article translation over the same range.
const sqlDeflectionArticles = `
WITH c AS (
    SELECT translation_id,
           count(*) FILTER (WHERE kind = 'suggested') AS shown,
           count(*) FILTER (WHERE kind = 'opened') AS opened,
           count(*) FILTER (WHERE kind = 'deflected') AS deflected
    FROM kb_deflections
    WHERE created_at >= $1 AND created_at < $2 AND ($3 = 0 OR $3 = ` + sqlIntakeTeam + `)
    GROUP BY translation_id
)
SELECT t.id, t.article_id, coalesce(a.category_id, 0), a.internal, t.locale, t.slug, t.title, '', t.tags, t.status,
       t.version, t.published_at, t.updated_at, '', c.shown, c.opened, c.deflected
FROM c JOIN kb_translations t ON t.id = c.translation_id JOIN kb_articles a ON a.id = t.article_id
ORDER BY c.deflected DESC, c.shown DESC, t.id
LIMIT 500`

// Deflection reports the weeks of f (newest first; the first and last may
// be partial) and the articles over it.
func (s *Store) Deflection(ctx context.Context, f DeflectionFilter) (Stats, error) {
	var st Stats
	if f.Zone == "" || f.Zone == "Local" {
		f.Zone = "UTC"
	}
	loc, err := time.LoadLocation(f.Zone)
	if err != nil {
		return st, fmt.Errorf("kb deflection zone: %w", err)
	}
	var intake int64
	if err := s.db.QueryRow(ctx, `SELECT coalesce(`+sqlIntakeTeam+`, 0)`).Scan(&intake); err != nil {
		return st, fmt.Errorf("kb deflection: %w", err)
	}
	st.Team = f.TeamID == 0 || f.TeamID == intake
	byWeek := map[time.Time]Week{}
	rows, err := s.db.Query(ctx, sqlDeflectionWeeks, f.Start, f.End, f.Zone, f.TeamID)
	if err != nil {
		return st, fmt.Errorf("kb deflection weeks: %w", err)
	}
	var w Week
	if _, err := pgx.ForEachRow(rows, []any{&w.Start, &w.Forms, &w.Shown, &w.Opened, &w.Deflected}, func() error {
		w.Start = time.Date(w.Start.Year(), w.Start.Month(), w.Start.Day(), 0, 0, 0, 0, time.UTC)
		byWeek[w.Start] = w
		return nil
	}); err != nil {
		return st, fmt.Errorf("kb deflection weeks: %w", err)
	}
	// Every week of the range, the empty ones too: Mondays (in the zone)
	// from the one on or before Start to the last before End.
	first := f.Start.In(loc)
	first = time.Date(first.Year(), first.Month(), first.Day()-(int(first.Weekday())+6)%7, 0, 0, 0, 0, time.UTC)
	last := f.End.Add(-time.Nanosecond).In(loc)
	last = time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, time.UTC)
	for d := first; !d.After(last) && len(st.Weeks) < 60; d = d.AddDate(0, 0, 7) {
		w := byWeek[d]
		w.Start = d
		st.Weeks = append([]Week{w}, st.Weeks...)
	}
	rows, err = s.db.Query(ctx, sqlDeflectionArticles, f.Start, f.End, f.TeamID)
	if err != nil {
		return st, fmt.Errorf("kb deflection per article: %w", err)
	}
	st.Articles, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ArticleStat, error) {
		var a ArticleStat
		t := &a.Translation
		err := r.Scan(&t.ID, &t.ArticleID, &t.CategoryID, &t.Internal, &t.Locale, &t.Slug, &t.Title, &t.Body, &t.Tags, &t.Status,
			&t.Version, &t.PublishedAt, &t.UpdatedAt, &t.UpdatedBy, &a.Shown, &a.Opened, &a.Deflected)
		return a, err
	})
	if err != nil {
		return st, fmt.Errorf("kb deflection per article: %w", err)
	}
	var shown []ArticleStat
	for _, a := range st.Articles {
		if a.Shown > 0 {
			shown = append(shown, a)
		}
	}
	// Most: most questions answered, then the better share.
	most := slices.Clone(shown)
	slices.SortStableFunc(most, func(a, b ArticleStat) int {
		if a.Deflected != b.Deflected {
			return b.Deflected - a.Deflected
		}
		return cmpShare(b, a)
	})
	st.Most = most[:min(5, len(most))]
	// Least: shown at least 3 times (fewer says nothing) first, lowest share first, then the most shown.
	least := slices.Clone(shown)
	slices.SortStableFunc(least, func(a, b ArticleStat) int {
		if (a.Shown < 3) != (b.Shown < 3) {
			if a.Shown < 3 {
				return 1
			}
			return -1
		}
		if c := cmpShare(a, b); c != 0 {
			return c
		}
		return b.Shown - a.Shown
	})
	st.Least = least[:min(5, len(least))]
	return st, nil
}

// cmpShare compares the deflected share of two articles shown at least once.
func cmpShare(a, b ArticleStat) int {
	x, y := a.Deflected*b.Shown, b.Deflected*a.Shown
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// DeflectionStats reports the last weeks (at most 52) up to now, in UTC, for every team.
func (s *Store) DeflectionStats(ctx context.Context, weeks int) (Stats, error) {
	if weeks <= 0 || weeks > 52 {
		weeks = 8
	}
	now := s.now().UTC()
	start := now.AddDate(0, 0, -7*(weeks-1)-(int(now.Weekday())+6)%7).Truncate(24 * time.Hour)
	return s.Deflection(ctx, DeflectionFilter{Start: start, End: now.Add(time.Second), Zone: "UTC"})
}
