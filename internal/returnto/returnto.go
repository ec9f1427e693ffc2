// Package returnto validates "return to" addresses: after login or a
// language switch a user goes back only to a local path of the desk.
package returnto

import (
	"net/url"
	"strings"
)

// Path is the one validator of every "return to" address (?return= on
// the login page, the login and language forms): it answers a path-absolute
// local URL, or "/" for anything else. It parses instead of pattern-matching,
// because browsers do not read a Location the way a prefix check does: they
// drop TAB and newlines anywhere, strip leading control characters and
// spaces, and read a backslash as a slash, so "/\t/evil.example" and
// "/\\evil.example" both lead to evil.example.
//
// Accepted: no control characters, spaces or backslashes anywhere (raw or
// once decoded), no scheme, host or user, a path that starts with one "/"
// and never holds "//" once decoded. The answer is re-encoded from the
// parsed URL (path and query only, plain ASCII), never echoed.
func Path(raw string) string {
	const fallback = "/"
	if raw == "" || len(raw) > 2048 || !cleanChars(raw) {
		return fallback
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Opaque != "" || u.User != nil || u.Host != "" {
		return fallback
	}
	if !strings.HasPrefix(u.Path, "/") || strings.Contains(u.Path, "//") || !cleanChars(u.Path) {
		return fallback
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return fallback
		}
		if enc := q.Encode(); enc != "" {
			out += "?" + enc
		}
	}
	if len(out) > 2048 || !localPath(out) {
		return fallback
	}
	return out
}

// cleanChars reports whether s has no control characters (C0, DEL, C1), no
// spaces and no backslashes: everything a browser may drop or re-read.
func cleanChars(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\\' || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return false
		}
	}
	return true
}

// localPath is the final check of Path's answer: printable ASCII, one
// leading slash, and no second slash or backslash that could start a host.
func localPath(s string) bool {
	if len(s) == 0 || s[0] != '/' || (len(s) > 1 && (s[1] == '/' || s[1] == '\\')) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '\\' {
			return false
		}
	}
	return true
}
