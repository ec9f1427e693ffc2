package tickets

// HighlightQuery and Excerpt highlight and cut text as search results do
// for query, for the fuzz target in the external test package.
func HighlightQuery(query, text string) []Segment { return newMarker(query).highlight(text) }

func Excerpt(query, text string, width int) string { return newMarker(query).excerpt(text, width) }
