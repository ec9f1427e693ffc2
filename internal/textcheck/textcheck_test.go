package textcheck_test

import (
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/textcheck"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var cases = []struct {
	name     string
	in       string
	kind     textcheck.Kind
	required bool
	max      int
	want     textcheck.Problem
}{
	{"plain", "Order 1234 missing", textcheck.Line, true, 300, textcheck.OK},
	{"Vietnamese", "Nguyễn Văn An", textcheck.Line, true, 200, textcheck.OK},
	{"Hindi with joiners", "क्‍ष प्रिया", textcheck.Line, true, 200, textcheck.OK},
	{"emoji with ZWJ", "👩‍💻 team", textcheck.Line, true, 200, textcheck.OK},
	{"replacement char itself", "a\uFFFDb", textcheck.Line, true, 10, textcheck.OK},
	{"empty optional", "", textcheck.Line, false, 10, textcheck.OK},
	{"empty required", "", textcheck.Line, true, 10, textcheck.Blank},
	{"blank required", " \t\n", textcheck.Lines, true, 10, textcheck.Blank},
	{"blank one line required", " \r\n ", textcheck.Line, true, 10, textcheck.Blank},
	{"limit counts characters", strings.Repeat("ä", 10), textcheck.Line, true, 10, textcheck.OK},
	{"one past the limit", strings.Repeat("ä", 11), textcheck.Line, true, 10, textcheck.TooLong},
	{"no limit", strings.Repeat("x", 100000), textcheck.Lines, true, 0, textcheck.OK},
	{"300 KB", strings.Repeat("a", 300<<10), textcheck.Line, true, 254, textcheck.TooLong},
	{"NUL", "a\x00b", textcheck.Lines, true, 10, textcheck.Invalid},
	{"NUL alone", "\x00", textcheck.Line, false, 10, textcheck.Invalid},
	{"invalid UTF-8", "a\xffb", textcheck.Lines, true, 10, textcheck.Invalid},
	{"truncated UTF-8", "\xe0\xa4", textcheck.Line, true, 10, textcheck.Invalid},
	{"surrogate half", "\xed\xa0\x80", textcheck.Line, true, 10, textcheck.Invalid},
	{"overlong slash", "\xc0\xaf", textcheck.Line, true, 10, textcheck.Invalid},
	{"escape", "\x1b[31mred", textcheck.Lines, true, 20, textcheck.Invalid},
	{"bell", "ding\a", textcheck.Line, true, 20, textcheck.Invalid},
	{"DEL", "a\x7fb", textcheck.Lines, true, 20, textcheck.Invalid},
	{"C1 NEL", "a\u0085b", textcheck.Lines, true, 20, textcheck.Invalid},
	{"vertical tab", "a\vb", textcheck.Lines, true, 20, textcheck.Invalid},
	{"lines: newline", "Hello,\r\nthanks\n", textcheck.Lines, true, 20, textcheck.OK},
	{"lines: tab", "a\tb", textcheck.Lines, true, 20, textcheck.OK},
	{"line: LF", "a\nb", textcheck.Line, true, 20, textcheck.LineBreak},
	{"line: CR", "a\rb", textcheck.Line, true, 20, textcheck.LineBreak},
	{"line: U+2028", "a\u2028b", textcheck.Line, true, 20, textcheck.LineBreak},
	{"line: tab", "a\tb", textcheck.Line, true, 20, textcheck.Invalid},
	{"line: NUL beats line break", "a\nb\x00", textcheck.Line, true, 20, textcheck.Invalid},
	{"too long beats invalid", strings.Repeat("\x00", 11), textcheck.Line, true, 10, textcheck.TooLong},
}

func TestCheck(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := textcheck.Check(c.in, c.kind, c.required, c.max); got != c.want {
				t.Fatalf("Check = %d, want %d", got, c.want)
			}
			var f apperr.Fields
			ok := textcheck.Field(&f, "x", c.in, c.kind, c.required, c.max)
			if ok != (c.want == textcheck.OK) || f["x"] != c.want.MsgID() {
				t.Fatalf("Field = %v %v, want message %q", ok, f, c.want.MsgID())
			}
		})
	}
}

// TestWhatPassesPostgresStores: every text Check lets through is stored and
// read back unchanged by Postgres; NUL and invalid UTF-8, which Check
// refuses, are what Postgres itself refuses.
func TestWhatPassesPostgresStores(t *testing.T) {
	db := pgtest.New(t)
	ctx := t.Context()
	for _, c := range cases {
		var back string
		err := db.QueryRow(ctx, `SELECT $1::text`, c.in).Scan(&back)
		switch {
		case c.want == textcheck.OK && (err != nil || back != c.in):
			t.Errorf("%s: passes the check but Postgres answered %q, %v", c.name, back, err)
		case strings.ContainsRune(c.in, 0) && err == nil:
			t.Errorf("%s: Postgres stored a NUL", c.name)
		}
	}
}
