package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// The help centre's front page and category pages exist per language, with
// canonical URLs and hreflang links between the languages that have
// articles (seeded: English and Vietnamese); /kb is the x-default.
func TestHelpCentreIndexAndCategoryHreflang(t *testing.T) {
	t.Parallel()
	e := setup(t)
	en, vi := kbSeed(t, e) // category "delivery"; an internal English article too
	c := e.client()
	const base = "http://127.0.0.1"

	for _, tc := range []struct {
		path, lang, canonical string
		want                  []string
	}{
		{"/kb", "en", "/kb", []string{`href="/kb/vi"`}},
		{"/kb/vi", "vi", "/kb/vi", []string{`action="/kb/vi"`, `href="/kb/vi/category/delivery"`, vi.Title, `href="/kb/en"`}},
		{"/kb/en/category/delivery", "en", "/kb/en/category/delivery", []string{en.Title, `href="/kb/en"`, `href="/kb/vi/category/delivery"`}},
		{"/kb/vi/category/delivery", "vi", "/kb/vi/category/delivery", []string{vi.Title, `<title>Giao hàng · Loopdesk</title>`}},
	} {
		res := e.get(c, tc.path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.path, res.StatusCode)
		}
		wants := append([]string{
			`<html lang="` + tc.lang + `"`,
			`<link rel="canonical" href="` + base + tc.canonical + `">`,
		}, tc.want...)
		if !strings.Contains(tc.path, "/category/") {
			wants = append(wants,
				`<link rel="alternate" hreflang="en" href="`+base+`/kb/en">`,
				`<link rel="alternate" hreflang="vi" href="`+base+`/kb/vi">`,
				`<link rel="alternate" hreflang="x-default" href="`+base+`/kb">`)
		} else {
			wants = append(wants,
				`<link rel="alternate" hreflang="en" href="`+base+`/kb/en/category/delivery">`,
				`<link rel="alternate" hreflang="vi" href="`+base+`/kb/vi/category/delivery">`,
				`<link rel="alternate" hreflang="x-default" href="`+base+`/kb/en/category/delivery">`)
		}
		for _, w := range wants {
			if !strings.Contains(res.Body, w) {
				t.Errorf("%s lacks %s", tc.path, w)
			}
		}
		// No language without articles is an alternate.
		for _, l := range []string{"fi", "hi"} {
			if strings.Contains(res.Body, `hreflang="`+l+`"`) {
				t.Errorf("%s names %s, which has no articles", tc.path, l)
			}
		}
		if strings.Contains(res.Body, "Courier escalation") {
			t.Errorf("%s shows the internal article to a visitor", tc.path)
		}
	}
	// The article links its category's page and its language's front page.
	art := e.get(c, vi.Path())
	wantIn(t, art.Body, `href="/kb/vi/category/delivery"`, `href="/kb/vi"`)
	// A search result is not canonical, nor has alternates.
	res := e.get(c, "/kb/vi?q=buu+kien")
	if res.StatusCode != http.StatusOK || strings.Contains(res.Body, `rel="canonical"`) || strings.Contains(res.Body, `hreflang="en" href="`+base) {
		t.Fatalf("search: %d", res.StatusCode)
	}
	// A language without articles in the category, an unknown category or language: 404.
	for _, p := range []string{"/kb/fi/category/delivery", "/kb/en/category/nope", "/kb/de", "/kb/de/category/delivery"} {
		if res := e.get(c, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
	// Staff see the internal article on the category page.
	if res := e.get(e.login(staff.RoleRep), "/kb/en/category/delivery"); !strings.Contains(res.Body, "Courier escalation") {
		t.Error("a rep does not see the internal article in its category")
	}
}

func TestKBPathIn(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/kb/vi":                   "/kb/fi",
		"/kb/vi/category/delivery": "/kb/fi/category/delivery",
		"/kb/vi/theo-doi-buu-kien": "/kb/vi/theo-doi-buu-kien", // an article's slug is its language's
		"/kb/vi?q=buu":             "/kb/vi?q=buu",
		"/kb":                      "/kb",
		"/kb/propose/3":            "/kb/propose/3",
		"/tickets/4":               "/tickets/4",
	} {
		if got := kbPathIn(in, "fi"); got != want {
			t.Errorf("kbPathIn(%q) = %q, want %q", in, got, want)
		}
	}
}
