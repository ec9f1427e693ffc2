package tickets_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/textcheck"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// FuzzSearchQuery feeds the search box's parser and highlighter any text
// (seeds in testdata/fuzz/FuzzSearchQuery). ParseQuery either refuses a
// query on "q" or returns one Postgres can take; highlighting and excerpts
// never lose, add or reorder text.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []struct{ query, text string }{
		{"#123", "Ticket 123"},
		{"anna@example.com", "Mail from anna@example.com"},
		{"+358 40 123 4567", "Call +358 40 123 4567"},
		{"Nguyễn giao hàng", "Nguyen Van An: giao hang cham"},
		{"order\x00", "x"},
		{"\xff\xfe", "\xff broken"},
		{"line\nbreak\tword", "line break word"},
	} {
		f.Add(s.query, s.text)
	}
	f.Fuzz(func(t *testing.T, raw, text string) {
		q, err := tickets.ParseQuery(raw, "FI")
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)["q"] == "" {
				t.Fatalf("ParseQuery(%q): %v, want a field error on q", raw, err)
			}
			if textcheck.Check(strings.TrimSpace(raw), textcheck.Lines, false, 200) == textcheck.OK {
				t.Fatalf("ParseQuery(%q) refused a query the text rule allows", raw)
			}
		} else {
			if q.Text != strings.TrimSpace(raw) {
				t.Fatalf("Text %q, want %q", q.Text, strings.TrimSpace(raw))
			}
			if q.Text != "" && (!utf8.ValidString(q.Text) || strings.ContainsRune(q.Text, 0) || utf8.RuneCountInString(q.Text) > 200) {
				t.Fatalf("ParseQuery(%q) let through text Postgres cannot take", raw)
			}
			// A ticket number was typed: its digits are in the query.
			if q.Number < 0 || (q.Number > 0 && !strings.Contains(tickets.Fold(q.Text), strconv.FormatInt(q.Number, 10))) {
				t.Fatalf("ParseQuery(%q): number %d", raw, q.Number)
			}
			for _, p := range q.Phone {
				if q.Email || p == "" || strings.Trim(strings.TrimPrefix(p, "+"), "0123456789") != "" {
					t.Fatalf("ParseQuery(%q): phone %q", raw, p)
				}
			}
			for _, term := range q.Terms {
				for _, r := range term {
					if !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)) {
						t.Fatalf("ParseQuery(%q): term %q holds %q", raw, term, r)
					}
				}
				if term == "" {
					t.Fatalf("ParseQuery(%q): an empty term", raw)
				}
			}
		}
		terms := tickets.Terms(raw)
		// Highlighting splits the text, in order, into segments: nothing lost or added.
		for _, segs := range [][]tickets.Segment{tickets.Highlight(text, terms), tickets.HighlightQuery(raw, text)} {
			var b strings.Builder
			for i, s := range segs {
				b.WriteString(s.Text)
				if s.Text == "" {
					t.Fatalf("Highlight: an empty segment")
				}
				if !s.Mark && i > 0 && !segs[i-1].Mark {
					t.Fatalf("Highlight: two plain segments in a row")
				}
			}
			if want := string([]rune(text)); b.String() != want {
				t.Fatalf("Highlight(%q) = %q", text, b.String())
			}
		}
		for _, s := range tickets.Highlight(text, terms) {
			if s.Mark && !contains(terms, tickets.Fold(s.Text)) {
				t.Fatalf("Highlight marked %q, not a term of %q", s.Text, terms)
			}
		}
		// An excerpt is a piece of the text, at most 200 characters and its ellipses.
		ex := tickets.Excerpt(raw, text, 200)
		if utf8.RuneCountInString(text) <= 200 && ex != text {
			t.Fatalf("Excerpt of a short text changed it: %q", ex)
		}
		core := strings.TrimSuffix(strings.TrimPrefix(ex, "…"), "…")
		if utf8.RuneCountInString(core) > 200 || !strings.Contains(string([]rune(text)), string([]rune(core))) {
			t.Fatalf("Excerpt(%q) = %q", text, ex)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
