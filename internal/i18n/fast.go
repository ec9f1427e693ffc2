package i18n

import (
	"strconv"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// fastMessage is a catalog message compiled for T: literal text with
// {{.Name}} placeholders between, and no plural forms. Producing it with
// go-i18n costs a language match, a map of the arguments and a
// text/template execution per string; a queue page has hundreds of strings.
//
// parts alternates literal text and placeholder names: text, name, text,
// ..., text (always an odd count).
type fastMessage struct {
	src   string // the message as written, for render
	parts []string
	size  int // bytes of literal text
}

// compileFast compiles m when T may produce it without go-i18n: only an
// "other" form, the default delimiters, and no template action other than
// {{.Name}}. Anything else stays with go-i18n.
func compileFast(m *goi18n.Message) (fastMessage, bool) {
	if m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != "" || m.Other == "" ||
		m.LeftDelim != "" || m.RightDelim != "" {
		return fastMessage{}, false
	}
	return compileText(m.Other, nil)
}

// compileText compiles a message's text: literal text with {{.Name}}
// placeholders between. Its parts are appended to *all when all is not nil
// (compact packs many messages' parts into one array).
func compileText(text string, all *[]string) (fastMessage, bool) {
	var parts []string
	if all != nil {
		parts = (*all)[len(*all):]
	}
	src := text
	size := 0
	for {
		i := strings.Index(src, "{{")
		if i < 0 {
			parts = append(parts, src)
			size += len(src)
			break
		}
		j := strings.Index(src[i:], "}}")
		if j < 0 {
			return fastMessage{}, false
		}
		name, ok := placeholder(src[i+2 : i+j])
		if !ok {
			return fastMessage{}, false
		}
		parts = append(parts, src[:i], name)
		size += i
		src = src[i+j+2:]
	}
	parts = parts[:len(parts):len(parts)]
	if all != nil {
		*all = (*all)[:len(*all)+len(parts)]
	}
	return fastMessage{src: text, parts: parts, size: size}, true
}

// compact moves a language's compiled messages into one block of text, one
// array of parts and a map sized once. Parsing left them as some 20,000
// small objects scattered among its garbage, each keeping a piece of the
// heap in use after the garbage is gone.
func (l *Localizer) compact() {
	ids := make([]string, 0, len(l.fast))
	size, nparts := 0, 0
	for id, m := range l.fast {
		ids = append(ids, id)
		size += len(id) + len(m.src)
		nparts += len(m.parts)
	}
	var b strings.Builder
	b.Grow(size)
	for _, id := range ids {
		b.WriteString(id)
		b.WriteString(l.fast[id].src)
	}
	text := b.String() // the builder's one buffer: the slices below share it
	all := make([]string, 0, nparts)
	fast := make(map[string]fastMessage, len(ids))
	at := 0
	for _, id := range ids {
		n, m := len(id), len(l.fast[id].src)
		fm, _ := compileText(text[at+n:at+n+m], &all)
		fast[text[at:at+n]] = fm
		at += n + m
	}
	l.fast = fast
}

// placeholder returns Name of an action ".Name" (spaces around allowed).
func placeholder(action string) (string, bool) {
	a := strings.TrimSpace(action)
	if len(a) < 2 || a[0] != '.' || strings.ContainsAny(action, "\t\n\r") {
		return "", false
	}
	for k, r := range a[1:] {
		letter := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (k == 0 || r < '0' || r > '9') {
			return "", false
		}
	}
	return a[1:], true
}

// format fills m with args (key, value pairs as T takes them). It reports
// false when go-i18n must do it: a "Count" (plural rules), a placeholder
// without its argument, or a value whose printing it does not reproduce
// exactly as text/template would.
func (m fastMessage) format(args []any) (string, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); !ok || k == "Count" {
			return "", false
		}
	}
	if len(m.parts) == 1 {
		return m.parts[0], true
	}
	var vals [8]string
	names := (len(m.parts) - 1) / 2
	if names > len(vals) {
		return "", false
	}
	size := m.size
	for n := range names {
		v, ok := arg(args, m.parts[2*n+1])
		if !ok {
			return "", false
		}
		vals[n] = v
		size += len(v)
	}
	var b strings.Builder
	b.Grow(size)
	for n := range names {
		b.WriteString(m.parts[2*n])
		b.WriteString(vals[n])
	}
	b.WriteString(m.parts[len(m.parts)-1])
	return b.String(), b.Len() > 0 // T answers the id for an empty message
}

// arg returns the value of name in args (the last, as go-i18n's map keeps
// it) as text/template prints it, for the kinds of values it formats itself.
func arg(args []any, name string) (string, bool) {
	for i := len(args)&^1 - 2; i >= 0; i -= 2 {
		if args[i] != name { // an interface holding a string compares by value
			continue
		}
		switch v := args[i+1].(type) {
		case string:
			return v, true
		case int:
			return strconv.Itoa(v), true
		case int64:
			return strconv.FormatInt(v, 10), true
		case int32:
			return strconv.FormatInt(int64(v), 10), true
		case uint:
			return strconv.FormatUint(uint64(v), 10), true
		case uint64:
			return strconv.FormatUint(v, 10), true
		case uint32:
			return strconv.FormatUint(uint64(v), 10), true
		case bool:
			return strconv.FormatBool(v), true
		}
		return "", false
	}
	return "", false
}
