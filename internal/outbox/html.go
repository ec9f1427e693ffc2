package outbox

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strings"
)

// The HTML part of a mail is the plain text laid out as paragraphs, with its
// web links made clickable and the signature set apart. It is built by
// html/template, so whatever a rep, a customer or a catalog wrote is
// escaped: text never becomes markup, and a link is only ever http(s).

// htmlTemplate is the whole document; mail programs ignore most CSS, so the
// little there is sits inline.
var htmlTemplate = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body style="font-family: -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans Devanagari', Arial, sans-serif; font-size: 15px; line-height: 1.5; color: #1a1a1a;">
{{range .Paragraphs}}<p style="margin: 0 0 1em 0;">{{range $i, $line := .}}{{if $i}}<br>
{{end}}{{range $line}}{{if .Link}}<a href="{{.Link}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}{{end}}</p>
{{end}}{{if .Signature}}<div class="signature" style="margin-top: 1.5em; color: #555555;">{{range .Signature}}<p style="margin: 0 0 0.5em 0;">{{range $i, $line := .}}{{if $i}}<br>
{{end}}{{range $line}}{{if .Link}}<a href="{{.Link}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}{{end}}</p>{{end}}</div>
{{end}}</body>
</html>
`))

// span is a run of text in a line, a link when Link is set.
type span struct {
	Text string
	Link string
}

// linkPattern finds web links in plain text.
var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// paragraphBreak is a blank line.
var paragraphBreak = regexp.MustCompile(`\n[ \t]*\n`)

// sigSeparator is the plain text's signature separator (RFC 3676's "-- ").
const sigSeparator = "\n-- \n"

// htmlDocument lays out text (with its signature after the last
// sigSeparator, if any) as an HTML document in language lang.
func htmlDocument(lang, title, text string) (string, error) {
	if lang == "" {
		lang = "en"
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	body, sig := text, ""
	if i := strings.LastIndex(text, sigSeparator); i >= 0 {
		body, sig = text[:i], text[i+len(sigSeparator):]
	}
	data := struct {
		Lang, Title           string
		Paragraphs, Signature [][][]span
	}{Lang: lang, Title: strings.Join(strings.Fields(title), " "), Paragraphs: paragraphs(body), Signature: paragraphs(sig)}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, data); err != nil {
		return "", fmt.Errorf("mail html: %w", err)
	}
	return b.String(), nil
}

// paragraphs splits text at blank lines into paragraphs of lines of spans.
func paragraphs(text string) [][][]span {
	var out [][][]span
	for _, p := range paragraphBreak.Split(strings.TrimSpace(text), -1) {
		if strings.TrimSpace(p) == "" {
			continue
		}
		var lines [][]span
		for _, l := range strings.Split(p, "\n") {
			lines = append(lines, spans(strings.TrimRight(l, " \t")))
		}
		out = append(out, lines)
	}
	return out
}

// spans cuts a line into text and links; punctuation that ends a sentence
// is not part of a link.
func spans(line string) []span {
	var out []span
	at := 0
	for _, m := range linkPattern.FindAllStringIndex(line, -1) {
		start, end := m[0], m[1]
		for end > start && strings.ContainsRune(".,;:!?)]}'", rune(line[end-1])) {
			end--
		}
		if start > at {
			out = append(out, span{Text: line[at:start]})
		}
		out = append(out, span{Text: line[start:end], Link: line[start:end]})
		at = end
	}
	if at < len(line) {
		out = append(out, span{Text: line[at:]})
	}
	return out
}
