package mailin

import (
	"bytes"
	"io"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// A customer's HTML mail is shown to reps as HTML, safely, in three layers:
//
//  1. SanitizeHTML (bluemonday, a user-content policy widened for mail:
//     tables, lists, links, images, a few harmless inline styles) runs when
//     the mail is filed and again on every display: no script, event
//     handler, style sheet, form, frame, meta refresh, javascript: link or
//     CSS url() survives it.
//  2. RenderHTML rewrites image sources for display: cid: images become
//     links to the ticket's own attachments; remote images are removed
//     until the rep asks for them (no tracking pixel, no request to anyone
//     before that click).
//  3. The web layer serves the result on a route of its own inside a
//     sandboxed frame (no scripts), with a Content-Security-Policy that
//     allows images only from the desk itself (and data:) until then.

// MaxHTMLBytes bounds the sanitised HTML kept of one mail; a larger HTML
// part is not kept (its text still is).
const MaxHTMLBytes = 1 << 20

// htmlPolicy is the mail policy: bluemonday's user content policy plus
// what mail layouts use.
var htmlPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(false) // nothing in a mail may point into the desk
	p.AllowURLSchemes("mailto", "http", "https", "cid")
	p.AllowDataURIImages()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).
		OnElements("p", "div", "table", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "img")
	p.AllowAttrs("valign").Matching(regexp.MustCompile(`(?i)^(top|middle|bottom|baseline)$`)).OnElements("td", "th", "tr")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}%?$`)).OnElements("table", "td", "th", "img", "col")
	p.AllowAttrs("bgcolor", "color").Matching(regexp.MustCompile(`^#?[0-9a-zA-Z]{1,20}$`)).OnElements("table", "td", "th", "tr", "font")
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(regexp.MustCompile(`^[0-9]{1,2}$`)).OnElements("table")
	p.AllowElements("font", "center", "span", "div")
	// Only properties whose values bluemonday checks itself (no url()).
	p.AllowStyles("color", "background-color", "text-align", "font-weight", "font-style", "font-size",
		"text-decoration", "vertical-align", "padding", "margin", "width", "height", "border-collapse",
		"line-height", "white-space").Globally()
	return p
})

// SanitizeHTML is the first layer: the HTML of a mail with everything that
// could run, style the page or fetch something other than an image removed.
func SanitizeHTML(s string) string {
	return strings.TrimSpace(htmlPolicy().Sanitize(s))
}

// RemoteImages reports whether sanitised HTML shows images from the
// internet (the "Show images" link is offered for them).
func RemoteImages(sanitised string) bool {
	_, remote := RenderHTML(sanitised, nil, false)
	return remote
}

// RenderHTML is the second layer, for display: it sanitises stored HTML
// again, points cid: images at the URLs in cid (by Content-ID, without
// angle brackets; unknown ones are removed) and removes remote images
// unless showRemote. It reports whether the mail has remote images.
func RenderHTML(stored string, cid map[string]string, showRemote bool) (string, bool) {
	clean := SanitizeHTML(stored)
	var out bytes.Buffer
	z := html.NewTokenizer(strings.NewReader(clean))
	remote := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				return "", remote
			}
			break
		}
		tok := z.Token()
		if (tt == html.StartTagToken || tt == html.SelfClosingTagToken) && tok.Data == "img" {
			attrs := tok.Attr[:0]
			for _, a := range tok.Attr {
				if a.Key == "src" || a.Key == "srcset" {
					src, isRemote := imageSource(a.Val, cid, showRemote)
					remote = remote || isRemote
					if src == "" {
						continue
					}
					a.Val = src
				}
				attrs = append(attrs, a)
			}
			tok.Attr = attrs
		}
		out.WriteString(tok.String())
	}
	return out.String(), remote
}

// imageSource is what an image's src becomes: "" to drop it.
func imageSource(src string, cid map[string]string, showRemote bool) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(src))
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "cid":
		id, err := url.PathUnescape(u.Opaque)
		if err != nil {
			return "", false
		}
		return cid[strings.Trim(id, "<>")], false
	case "data":
		return src, false
	case "http", "https":
		if showRemote {
			return u.String(), true
		}
		return "", true
	}
	return "", false
}
