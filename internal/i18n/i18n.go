// Package i18n holds Loopdesk's message catalogs (en, fi, vi, hi) and the
// per-request Localizer that pages and emails use for every user-visible string.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed catalogs/*.toml
var catalogFS embed.FS

// Locales lists the supported languages; the first is the fallback.
var Locales = []string{"en", "fi", "vi", "hi"}

var tags = []language.Tag{language.English, language.Finnish, language.Vietnamese, language.Hindi}

var matcher = language.NewMatcher(tags)

// Catalog is the loaded set of message files. It is read-only once loaded.
type Catalog struct {
	bundle *goi18n.Bundle
	locs   map[string]*Localizer
}

// Load returns the embedded catalogs. They are parsed once per process and
// shared (a Catalog never changes): the fallback localizer and the server's
// catalog used to be two copies of some 6,000 messages, 4 MB each.
func Load() (*Catalog, error) { return loadOnce() }

var loadOnce = sync.OnceValues(parse)

// parse reads the embedded catalogs. Each message that needs no plural rule
// and no template logic is compiled for T (compileFast) and only kept so;
// go-i18n gets the rest. Its copy of a message costs about 700 bytes
// (message, template, a map of plural forms), and T never asks it for a
// compiled one: for those it does what go-i18n would (render).
func parse() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	unmarshal := map[string]goi18n.UnmarshalFunc{"toml": toml.Unmarshal}
	files, err := fs.Glob(catalogFS, "catalogs/*.toml")
	if err != nil {
		return nil, err
	}
	c := &Catalog{bundle: b, locs: map[string]*Localizer{}}
	for _, l := range Locales {
		c.locs[l] = &Localizer{Lang: l, fast: map[string]fastMessage{}}
	}
	for _, f := range files {
		raw, err := catalogFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		mf, err := goi18n.ParseMessageFileBytes(raw, f, unmarshal)
		if err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", f, err)
		}
		loc := c.locs[mf.Tag.String()]
		var rest []*goi18n.Message
		for _, m := range mf.Messages {
			if fm, ok := compileFast(m); ok && loc != nil {
				loc.fast[m.ID] = fm
				continue
			}
			rest = append(rest, m)
		}
		// Also with no message left, so that the bundle knows the language.
		if err := b.AddMessages(mf.Tag, rest...); err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", f, err)
		}
	}
	for _, loc := range c.locs {
		loc.l = goi18n.NewLocalizer(b, loc.Lang)
		loc.compact()
	}
	return c, nil
}

// Supported reports whether lang is one of Locales.
func Supported(lang string) bool {
	for _, l := range Locales {
		if l == lang {
			return true
		}
	}
	return false
}

// Localizer returns the localizer for lang (en when unsupported).
func (c *Catalog) Localizer(lang string) *Localizer {
	if l, ok := c.locs[lang]; ok {
		return l
	}
	return c.locs["en"]
}

// Negotiate picks the request locale: the user's setting, else the switcher
// cookie, else Accept-Language, else en.
func Negotiate(userLocale, cookie, acceptLanguage string) string {
	if Supported(userLocale) {
		return userLocale
	}
	if Supported(cookie) {
		return cookie
	}
	if acceptLanguage != "" {
		prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(prefs) > 0 {
			_, idx, conf := matcher.Match(prefs...)
			if conf != language.No {
				return Locales[idx]
			}
		}
	}
	return "en"
}

// Localizer translates message ids for one language.
type Localizer struct {
	Lang string
	l    *goi18n.Localizer
	// fast holds this language's messages that T can produce without
	// go-i18n (see compileFast), go-i18n only the rest. A call that
	// fastMessage.format cannot serve (a "Count", a value it does not
	// print) renders the message with text/template, as go-i18n would.
	fast map[string]fastMessage
	// parsed caches those templates: message id -> *template.Template.
	parsed sync.Map
}

// T translates id. args are key, value pairs for the template data; a "Count"
// key also selects the plural form. A missing id returns the id itself, so a
// gap is visible rather than blank (the catalog test keeps them from shipping).
func (l *Localizer) T(id string, args ...any) string {
	if m, ok := l.fast[id]; ok {
		if s, ok := m.format(args); ok {
			return s
		}
		return l.render(id, m, args)
	}
	return l.localize(id, args)
}

// templateData is the map go-i18n gives a message's template: the key,
// value pairs of args (keys printed with fmt), nil when there are none.
func templateData(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	data := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	return data
}

// render produces a compiled message the way go-i18n produces a message
// with only an "other" form: its text through text/template (parsed once)
// with the arguments as a map, the id when that fails or yields nothing.
// A "Count" selects no form here (there is only one), where go-i18n would
// answer the id for a count whose form the message lacks.
func (l *Localizer) render(id string, m fastMessage, args []any) string {
	if !strings.Contains(m.src, "{{") {
		return m.src
	}
	var tmpl *template.Template
	if t, ok := l.parsed.Load(id); ok {
		tmpl = t.(*template.Template)
	} else {
		t, err := template.New("").Option("missingkey=default").Parse(m.src)
		if err != nil {
			return id
		}
		l.parsed.Store(id, t)
		tmpl = t
	}
	var data any // an untyped nil without arguments, as go-i18n passes it
	if d := templateData(args); d != nil {
		data = d
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil || b.Len() == 0 {
		return id
	}
	return b.String()
}

// localize is T through go-i18n: plural forms, template logic, and any
// value fastMessage does not format itself.
func (l *Localizer) localize(id string, args []any) string { return localizeWith(l.l, id, args) }

func localizeWith(gl *goi18n.Localizer, id string, args []any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if data := templateData(args); data != nil {
		cfg.TemplateData = data
		if n, ok := data["Count"]; ok {
			cfg.PluralCount = n
		}
	}
	s, err := gl.Localize(cfg)
	if err != nil || s == "" {
		return id
	}
	return s
}

// dateLayouts are per-locale display layouts for instants.
var dateLayouts = map[string]string{
	"en": "Jan 2, 2006 15:04",
	"fi": "2.1.2006 klo 15.04",
	"vi": "15:04 02/01/2006",
	"hi": "02-01-2006 15:04",
}

// FormatTime formats t in loc for this language.
func (l *Localizer) FormatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t.Format(dateLayouts[l.Lang])
}

// FormatDuration renders a duration as hours and minutes, e.g. "2 h 05 min".
func (l *Localizer) FormatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	var s string
	switch {
	case h >= 48:
		s = l.T("duration_days_hours", "Days", h/24, "Hours", h%24)
	case h > 0:
		s = l.T("duration_hours_minutes", "Hours", h, "Minutes", m)
	default:
		s = l.T("duration_minutes", "Minutes", m)
	}
	if neg {
		return "-" + s
	}
	return s
}

type ctxKey struct{}

// WithLocalizer stores l in ctx for views.
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext returns the request localizer; English when none was set.
func FromContext(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok {
		return l
	}
	return fallback
}

var fallback = func() *Localizer {
	c, err := Load()
	if err != nil {
		panic(err) // embedded catalogs are checked by tests; a broken one cannot ship
	}
	return c.Localizer("en")
}()

// T translates id with the request localizer in ctx.
func T(ctx context.Context, id string, args ...any) string { return FromContext(ctx).T(id, args...) }

// LanguageName is the endonym of a supported locale, for the switcher.
func LanguageName(lang string) string {
	switch lang {
	case "fi":
		return "Suomi"
	case "vi":
		return "Tiếng Việt"
	case "hi":
		return "हिन्दी"
	default:
		return "English"
	}
}

// Keys lists the message ids of a language over all its catalog files:
// catalogs/<lang>.toml and catalogs/<area>.<lang>.toml (for tests and tools).
// A key defined in two files of one language is an error.
func Keys(lang string) (map[string]string, error) {
	files, err := fs.Glob(catalogFS, "catalogs/*.toml")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		parts := strings.Split(strings.TrimSuffix(path.Base(f), ".toml"), ".")
		if parts[len(parts)-1] != lang {
			continue
		}
		if err := readKeys(f, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func readKeys(file string, out map[string]string) error {
	raw, err := catalogFS.ReadFile(file)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := toml.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for k, v := range m {
		if _, dup := out[k]; dup {
			return fmt.Errorf("%s: key %q is defined twice", file, k)
		}
		switch v := v.(type) {
		case string:
			out[k] = v
		case map[string]any:
			var parts []string
			for form, s := range v {
				parts = append(parts, fmt.Sprintf("%s=%v", form, s))
			}
			out[k] = strings.Join(parts, ";")
		}
	}
	return nil
}
