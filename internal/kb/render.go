package kb

import (
	"bytes"
	stdhtml "html"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// Markdown is rendered with goldmark (CommonMark and GitHub tables,
// strikethrough, autolinks), which leaves raw HTML out and drops dangerous
// link schemes, and the result is sanitised with bluemonday's user content
// policy, so an author cannot put markup, scripts or styles on a page.
var (
	md = goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithRendererOptions(html.WithHardWraps()), // no html.WithUnsafe: raw HTML is omitted
	)
	policy = sync.OnceValue(func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(false)
		return p
	})
)

// Render turns an article's Markdown into safe HTML.
func Render(markdown string) string {
	var b bytes.Buffer
	if err := md.Convert([]byte(markdown), &b); err != nil {
		return policy().Sanitize("<p>" + markdown + "</p>")
	}
	return policy().Sanitize(b.String())
}

// Excerpt is the first words of an article's text, without markup, for lists.
func Excerpt(markdown string, max int) string {
	text := bluemonday.StrictPolicy().Sanitize(Render(markdown))
	text = strings.Join(strings.Fields(stdhtml.UnescapeString(text)), " ")
	r := []rune(text)
	if len(r) <= max {
		return text
	}
	cut := max
	for cut > max/2 && r[cut] != ' ' {
		cut--
	}
	return string(r[:cut]) + "…"
}
