package tickets

import "context"

// HighlightQuery and Excerpt highlight and cut text as search results do
// for query, for the fuzz target in the external test package.
func HighlightQuery(query, text string) []Segment { return newMarker(query).highlight(text) }

func Excerpt(query, text string, width int) string { return newMarker(query).excerpt(text, width) }

// SetSearchWalk makes the search walk only the newest n tickets before it
// reads older matches from an index (walkNewest at a desk's scale), so that
// tests of a few tickets take every path.
func SetSearchWalk(s *Store, n int64) { s.walk = n }

// CountWords counts the tickets a sees that match each word in its mode, up
// to 50, as a correction counts them, above a newest ticket newest; a word
// whose tsquery is match has count (when count >= 0), as a search has just
// counted it.
func CountWords(ctx context.Context, s *Store, a Actor, words, modes []string, newest int64, match string, count int) ([]int, error) {
	return s.countWords(ctx, a, words, modes, newest, searched{match: match, count: count})
}

// NearWordsSQL is the statement that looks up the near words of n words.
func NearWordsSQL(n int) string { return nearWordsSQL(n) }

// EditsAwaySQL is the statement that looks up the words one edit away of n short words.
func EditsAwaySQL(n int) string { return editsAwaySQL(n) }

// OneEditAway lists the words one edit from w that a correction tries.
func OneEditAway(w string) []string { return oneEditAway(w) }

// Correct is the correction a search of query tries when it finds (almost)
// nothing, newest being the newest ticket's id; count (when >= 0) is the
// number of visible tickets the search found for tsquery match.
func Correct(ctx context.Context, s *Store, a Actor, query string, newest int64, match string, count int) (string, error) {
	return s.correct(ctx, a, query, newest, searched{match: match, count: count})
}

// EditDistance is the distance a correction may go (maxEdits).
func EditDistance(a, b string) int { return editDistance(a, b) }

// FoldUnicode is Fold without its shortcut for ASCII text.
func FoldUnicode(s string) string { return foldUnicode(s) }
