package tickets

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

// Field limits, mirrored by the schema's CHECK constraints.
const (
	maxSubject = 300
	maxBody    = 20000
	maxName    = 200
	maxOrder   = 100
	maxTag     = 40
	maxTags    = 20

	maxIdempotencyKey = 200
)

var (
	phoneJunk  = regexp.MustCompile(`[\s\-().]`)
	phoneValid = regexp.MustCompile(`^\+?[0-9]{5,20}$`)
	tagValid   = regexp.MustCompile(`^[\p{L}\p{N}_\-]+$`)
)

// validEmail reports whether s is a bare address like name@example.com.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, ".")
}

// multiLineFields are the text fields that hold several lines (a message, a
// canned reply's text); every other text field is one line.
var multiLineFields = map[string]bool{"body": true, "message": true}

// checkText checks a text field with the one text rule (internal/textcheck):
// required, at most max characters, no NUL, invalid UTF-8 or control
// characters, and no line breaks outside bodies and messages.
func checkText(f *apperr.Fields, field, value string, required bool, max int) {
	kind := textcheck.Line
	if multiLineFields[field] {
		kind = textcheck.Lines
	}
	textcheck.Field(f, field, value, kind, required, max)
}

// ParseTags splits a comma- or space-separated tag list, lower-cased and
// de-duplicated; bad tags are reported on field "tags".
func ParseTags(s string) ([]string, error) {
	return cleanTags(strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }))
}

// cleanTags lower-cases, trims and de-duplicates tags; bad tags are reported on
// field "tags". The result is never nil (the column is NOT NULL).
func cleanTags(tags []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		if utf8.RuneCountInString(t) > maxTag || !tagValid.MatchString(t) {
			return nil, apperr.InvalidFields(map[string]string{"tags": "error_tag_invalid"})
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, apperr.InvalidFields(map[string]string{"tags": "error_too_many_tags"})
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}
