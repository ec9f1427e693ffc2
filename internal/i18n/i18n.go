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

// Catalog is the loaded set of message files.
type Catalog struct {
	bundle *goi18n.Bundle
	locs   map[string]*Localizer
}

// Load parses the embedded catalogs.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(catalogFS, "catalogs/*.toml")
	if err != nil {
		return nil, err
	}
	var loaded []*goi18n.MessageFile
	for _, f := range files {
		mf, err := b.LoadMessageFileFS(catalogFS, f)
		if err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", f, err)
		}
		loaded = append(loaded, mf)
	}
	c := &Catalog{bundle: b, locs: map[string]*Localizer{}}
	for _, l := range Locales {
		c.locs[l] = &Localizer{Lang: l, l: goi18n.NewLocalizer(b, l), fast: map[string]fastMessage{}}
	}
	// Each message that needs no plural rule and no template logic is
	// compiled once, so that T does not go through go-i18n per string.
	for _, mf := range loaded {
		loc, ok := c.locs[mf.Tag.String()]
		if !ok {
			continue
		}
		for _, m := range mf.Messages {
			if fm, ok := compileFast(m); ok {
				loc.fast[m.ID] = fm
			}
		}
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
	// go-i18n (see compileFast); the rest, and every call with a "Count",
	// go through go-i18n.
	fast map[string]fastMessage
}

// T translates id. args are key, value pairs for the template data; a "Count"
// key also selects the plural form. A missing id returns the id itself, so a
// gap is visible rather than blank (the catalog test keeps them from shipping).
func (l *Localizer) T(id string, args ...any) string {
	if m, ok := l.fast[id]; ok {
		if s, ok := m.format(args); ok {
			return s
		}
	}
	return l.localize(id, args)
}

// localize is T through go-i18n: plural forms, template logic, and any
// value fastMessage does not format itself.
func (l *Localizer) localize(id string, args []any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k := fmt.Sprint(args[i])
			data[k] = args[i+1]
			if k == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := l.l.Localize(cfg)
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
