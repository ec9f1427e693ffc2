package returnto

import (
	"net/url"
	"testing"
)

// FuzzReturnPath checks that Path's answer is always a safe local
// path, whatever it is given: a browser resolving it against the desk's
// address stays on the desk. Seeds are in testdata/fuzz/FuzzReturnPath;
// run with: go test ./internal/returnto -run '^$' -fuzz FuzzReturnPath -fuzztime 60s
func FuzzReturnPath(f *testing.F) {
	base, _ := url.Parse("https://desk.example/queue/mine")
	f.Fuzz(func(t *testing.T, in string) {
		out := Path(in)
		if !localPath(out) {
			t.Fatalf("Path(%q) = %q: not a plain local path", in, out)
		}
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("Path(%q) = %q does not parse: %v", in, out, err)
		}
		if u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
			t.Fatalf("Path(%q) = %q names a scheme, host or user", in, out)
		}
		if got := base.ResolveReference(u); got.Host != base.Host || got.Scheme != base.Scheme {
			t.Fatalf("Path(%q) = %q leads to %s", in, out, got)
		}
		// What comes out goes through unchanged: it is its own canonical form.
		if again := Path(out); again != out {
			t.Fatalf("Path(%.80q) = %.80q, but again gives %q", in, out, again)
		}
	})
}

// hostile are "return to" values that must never leave the site. The
// web package's handler tests send them through the real forms.
var hostile = []string{
	"//evil.example",        // scheme-relative
	"https://evil.example",  // absolute
	"/\\evil.example",       // backslash reads as a slash
	"\\\\evil.example",      // two backslashes
	"/\t/evil.example",      // TAB dropped by the browser: //evil.example
	"/\n/evil.example",      // newline dropped too
	"/\r\n/evil.example",    // and CR LF (header injection besides)
	"\t//evil.example",      // leading control characters are stripped
	" //evil.example",       // so are leading spaces
	"/%2F/evil.example",     // an encoded slash makes "//" once decoded
	"/%5C/evil.example",     // an encoded backslash
	"/%09/evil.example",     // an encoded TAB (sent encoded twice)
	"/\x00/evil.example",    // NUL
	"/\u0085/evil.example",  // C1 next line
	"/\u2028/evil.example",  // line separator
	"javascript:alert(1)",   // a scheme
	"http:/evil.example",    // a scheme without slashes
	"evil.example",          // not path-absolute
	"//user@evil.example/x", // userinfo
	"",                      // nothing
}

func TestPath(t *testing.T) {
	for _, in := range hostile {
		if got := Path(in); got != "/" {
			t.Errorf("Path(%q) = %q, want /", in, got)
		}
	}
	for in, want := range map[string]string{
		"/queue/team":          "/queue/team",
		"/tickets/1?tab=x#top": "/tickets/1?tab=x",
		"/search?q=a%20b":      "/search?q=a+b",
		"/caf\u00e9":           "/caf%C3%A9",
		"/a/../b":              "/a/../b",
		"/@evil.example":       "/@evil.example",
	} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}
