// Package textcheck is the one rule for text that people and programs send
// us: valid UTF-8, no NUL or other control characters (line breaks and tabs
// only in text of several lines), and a limit in characters.
//
// Postgres cannot store NUL or invalid UTF-8 (it fails the whole statement),
// and control characters in a name or subject corrupt logs, mail headers and
// CSV files; every domain package checks its text fields here, so that bad
// input is a field error (422) instead of a server error.
package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

// Kind says which characters besides printable ones a text may hold.
type Kind int

const (
	// Line is one line: a name, a subject, a title, an address. No control
	// characters at all, so no tab and no line break (nor U+2028/U+2029).
	Line Kind = iota
	// Lines is text of several lines: a message, a note, a comment. Line
	// feeds, carriage returns and tabs are allowed; other control characters
	// are not.
	Lines
)

// Problem is what is wrong with a text; OK when nothing is.
type Problem int

// The problems, in the order Check looks for them.
const (
	OK        Problem = iota
	Blank             // required, but empty or only white space
	TooLong           // more than the limit, in characters
	Invalid           // not UTF-8, or a NUL or other control character
	LineBreak         // a line break in one-line text
)

// MsgID is the catalog message of p for a form field ("" for OK).
func (p Problem) MsgID() string {
	switch p {
	case Blank:
		return "error_required"
	case TooLong:
		return "error_too_long"
	case Invalid:
		return "error_text_invalid"
	case LineBreak:
		return "error_text_one_line"
	}
	return ""
}

// Check returns the first problem of s as a text of kind k: blank when
// required, longer than max characters (max <= 0: no limit), invalid
// characters, a line break in one line.
func Check(s string, k Kind, required bool, max int) Problem {
	if required && strings.TrimSpace(s) == "" {
		return Blank
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		return TooLong
	}
	return Chars(s, k)
}

// Chars checks the characters of s alone: Invalid, LineBreak or OK.
func Chars(s string, k Kind) Problem {
	lineBreak := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			return Invalid // not UTF-8
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if k == Line {
				lineBreak = true
			}
		case r == '\t':
			if k == Line {
				return Invalid
			}
		case unicode.IsControl(r): // C0 (NUL included), DEL, C1
			return Invalid
		}
	}
	if lineBreak {
		return LineBreak
	}
	return OK
}

// Valid reports whether s has only characters a text of kind k may hold.
func Valid(s string, k Kind) bool { return Chars(s, k) == OK }

// Field checks value like Check and adds the problem's message to f under
// field. It reports whether the value passed.
func Field(f *apperr.Fields, field, value string, k Kind, required bool, max int) bool {
	p := Check(value, k, required, max)
	if p != OK {
		f.Add(field, p.MsgID())
	}
	return p == OK
}
