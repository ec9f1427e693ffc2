package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// /help/suggest is limited per client address: over the limit, 429 with an
// empty fragment (no error page); another address still gets suggestions.
func TestHelpSuggestRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	trusted, _ := ParseTrustedProxies("127.0.0.1")
	e := setupWith(t, func(d *Deps) { d.TrustedProxies = trusted })
	en, _ := kbSeed(t, e)
	c := e.client()
	path := "/help/suggest?" + url.Values{"subject": {"Where is my parcel?"}, "message": {"tracking"}, "locale": {"en"}}.Encode()
	from := func(addr string) *response {
		req, _ := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-Forwarded-For", addr)
		return e.do(c, req)
	}
	for i := range limitSuggest.max {
		if res := from("203.0.113.9"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, en.Title) {
			t.Fatalf("request %d: %d", i+1, res.StatusCode)
		}
	}
	res := from("203.0.113.9")
	if res.StatusCode != http.StatusTooManyRequests || strings.TrimSpace(res.Body) != "" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %q", res.StatusCode, res.Body)
	}
	if res := from("198.51.100.4"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, en.Title) {
		t.Fatalf("another address: %d", res.StatusCode)
	}
}
