package mailin

import (
	"strings"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// format=flowed (RFC 3676): Apple Mail and others wrap long lines and mark
// each soft break with a trailing space; the text a person typed is the
// lines joined again. enmime leaves them as they came.

// flowedBody reports whether env's text body is format=flowed, and with
// DelSp=yes (the space before a soft break is not part of the text).
func flowedBody(env *enmime.Envelope) (flowed, delsp bool) {
	var find func(p *enmime.Part) *enmime.Part
	find = func(p *enmime.Part) *enmime.Part {
		for ; p != nil; p = p.NextSibling {
			if strings.EqualFold(p.ContentType, "text/plain") && p.Disposition != "attachment" {
				return p
			}
			if c := find(p.FirstChild); c != nil {
				return c
			}
		}
		return nil
	}
	p := find(env.Root)
	if p == nil {
		return false, false
	}
	_, params, _, err := mediatype.Parse(p.Header.Get("Content-Type"))
	if err != nil {
		return false, false
	}
	return strings.EqualFold(params["format"], "flowed"), strings.EqualFold(params["delsp"], "yes")
}

// unflow joins the soft-broken lines of flowed text, quote depth by quote
// depth, and undoes space-stuffing; the signature separator "-- " stays a
// line of its own.
func unflow(text string, delsp bool) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []string
	var cur strings.Builder
	open, depth := false, 0
	emit := func() {
		prefix := ""
		if depth > 0 {
			prefix = strings.Repeat(">", depth) + " "
		}
		out = append(out, prefix+cur.String())
		cur.Reset()
		open = false
	}
	for _, l := range lines {
		d := 0
		for d < len(l) && l[d] == '>' {
			d++
		}
		body := strings.TrimPrefix(l[d:], " ")
		if open && d != depth {
			emit()
		}
		depth = d
		soft := strings.HasSuffix(body, " ") && body != "-- "
		if soft && delsp {
			body = body[:len(body)-1]
		}
		cur.WriteString(body)
		if soft {
			open = true
			continue
		}
		emit()
	}
	if open {
		emit()
	}
	return strings.Join(out, "\n")
}
