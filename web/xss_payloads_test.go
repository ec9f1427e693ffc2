package web

import (
	"slices"
	"strings"
)

// XSS payloads (security issue #10). Each one, were it ever rendered as
// markup rather than text, would either run script that the browser check
// sees (window.__xss set, document.title set to XSS, an alert) or leave an
// element or attribute marked data-xss in the DOM. They are generated:
// context breakers (end an attribute, a textarea, a title, a comment...)
// times element vectors, then attribute breakers, javascript: and data:
// URLs, template syntax of several engines, and Unicode tricks.

// xssBreakers end the context a value might be written into.
var xssBreakers = []string{
	"", `">`, `'>`, `"/>`, `</textarea>`, `</title>`, `</script>`, `</style>`, `-->`, `</select>`, `</noscript>`, `</template>`,
}

// xssVectors are the elements; each carries data-xss and runs __xss=1 (or
// an alert) when it can.
var xssVectors = []string{
	`<script data-xss>__xss=1</script>`,
	`<img data-xss src=x onerror=__xss=1>`,
	`<img data-xss src=x onerror="alert(1)">`,
	`<svg data-xss onload=__xss=1>`,
	`<svg><script data-xss>__xss=1</script></svg>`,
	`<body data-xss onload=__xss=1>`,
	`<iframe data-xss src="javascript:top.__xss=1"></iframe>`,
	`<iframe data-xss srcdoc="<script>top.__xss=1</script>"></iframe>`,
	`<input data-xss autofocus onfocus=__xss=1>`,
	`<details data-xss open ontoggle=__xss=1>`,
	`<video data-xss><source onerror=__xss=1></video>`,
	`<audio data-xss src=x onerror=__xss=1>`,
	`<object data-xss data="javascript:__xss=1"></object>`,
	`<embed data-xss src="javascript:__xss=1">`,
	`<a data-xss href="javascript:__xss=1">x</a>`,
	`<form data-xss action="javascript:__xss=1"><button>x</button></form>`,
	`<math data-xss><mtext><table><mglyph><style><img src=x onerror=__xss=1>`,
	`<div data-xss hx-get="/" hx-trigger="load" hx-on::load="__xss=1">`,
	`<meta data-xss http-equiv="refresh" content="0;url=javascript:__xss=1">`,
	`<marquee data-xss onstart=__xss=1>x</marquee>`,
	`<select data-xss autofocus onfocus=__xss=1></select>`,
	`<textarea data-xss autofocus onfocus=__xss=1></textarea>`,
	`<xss-mark data-xss></xss-mark>`,
	`<base data-xss href="javascript:__xss=1//">`,
	`<style data-xss>@import "javascript:__xss=1";</style>`,
}

// xssExtras are payloads of their own: attribute breakers, URLs, template
// syntax and Unicode tricks.
var xssExtras = []string{
	// Attribute breakers: if one escapes its quotes, the element gets data-xss.
	`" data-xss="1`, `' data-xss='1`, `" data-xss onmouseover="__xss=1`, `' data-xss autofocus onfocus='__xss=1`,
	`" autofocus onfocus="__xss=1" data-xss="`, `x data-xss onerror=__xss=1`, "` data-xss onfocus=`__xss=1",
	`"><x data-xss>`, `" style="background:url(javascript:__xss=1)" data-xss="`, `" href="javascript:__xss=1" data-xss="`,
	// URLs that would run if they ever became a link or a source.
	`javascript:__xss=1`, `JaVaScRiPt:__xss=1`, `javascript:alert(1)//`, ` javascript:__xss=1`, `java&#x09;script:__xss=1`,
	`&#106;avascript:__xss=1`, `vbscript:msgbox(1)`, `data:text/html,<script data-xss>__xss=1</script>`,
	`data:text/html;base64,PHNjcmlwdD5fX3hzcz0xPC9zY3JpcHQ+`, `//evil.example/x.js`,
	// Template syntax: Go templates, Angular, Vue, JSP, Ruby, Thymeleaf, htmx-ish.
	`{{.}}`, `{{template "x"}}`, `{{constructor.constructor('__xss=1')()}}`, `{{7*7}}<x data-xss>`, `${__xss=1}`,
	`<%= __xss=1 %>`, `#{__xss=1}`, `[[${__xss=1}]]`, `{{$on.constructor('__xss=1')()}}`, `{{define "T"}}<x data-xss>{{end}}`,
	`hx-on:click="__xss=1"`, `@{__xss=1}`,
	// Unicode tricks: full-width brackets, invisible characters, right-to-left
	// overrides, entities and escapes that a second decoding would turn into markup.
	"＜script data-xss＞__xss=1＜/script＞", "<scr\u200bipt data-xss>__xss=1</scr\u200bipt>", "\u202e<img data-xss src=x onerror=__xss=1>",
	"<img\u00a0data-xss src=x onerror=__xss=1>", "\ufeff<svg data-xss onload=__xss=1>", "<\u0131mg data-xss src=x onerror=__xss=1>",
	`&lt;img data-xss src=x onerror=__xss=1&gt;`, `&#60;img data-xss src=x onerror=__xss=1&#62;`,
	`%3Cimg%20data-xss%20src%3Dx%20onerror%3D__xss%3D1%3E`, `\u003cimg data-xss src=x onerror=__xss=1\u003e`,
	`\x3cimg data-xss src=x onerror=__xss=1\x3e`, "<img data-xss src=x onerror=\u0061lert(1)>", "＂ data-xss＝＂1",
	"<ſvg data-xss onload=__xss=1>", "<x data-xss>\u0338", `<!--<img data-xss src="--><img data-xss src=x onerror=__xss=1//">`,
	`<![CDATA[<img data-xss src=x onerror=__xss=1>]]>`, `<?xml version="1.0"?><x data-xss>`,
}

// xssPayloads returns every payload, each once.
func xssPayloads() []string {
	var out []string
	for _, b := range xssBreakers {
		for _, v := range xssVectors {
			out = append(out, b+v)
		}
	}
	out = append(out, xssExtras...)
	slices.Sort(out)
	return slices.Compact(out)
}

// xssChunks packs payloads into values of at most max characters, joined
// by sep, in order; a payload longer than max is left out (the rejected
// form shows it instead).
func xssChunks(payloads []string, max int, sep string) []string {
	var out []string
	var cur strings.Builder
	n := 0
	for _, p := range payloads {
		l := len([]rune(p))
		if l > max {
			continue
		}
		if n > 0 && n+len(sep)+l > max {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteString(sep)
			n += len(sep)
		}
		cur.WriteString(p)
		n += l
	}
	if n > 0 {
		out = append(out, cur.String())
	}
	return out
}
