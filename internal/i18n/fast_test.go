package i18n

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// goI18n localizes with go-i18n alone, every message of the catalogs in
// its bundle (as Load did before compiled messages left it): what T must
// match.
func goI18n(t testing.TB) func(lang, id string, args []any) string {
	t.Helper()
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(catalogFS, "catalogs/*.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(catalogFS, f); err != nil {
			t.Fatal(err)
		}
	}
	locs := map[string]*goi18n.Localizer{}
	for _, l := range Locales {
		locs[l] = goi18n.NewLocalizer(b, l)
	}
	return func(lang, id string, args []any) string { return localizeWith(locs[lang], id, args) }
}

// TestFastMatchesGoI18n renders every message T answers without go-i18n
// both ways, with string and number arguments, and wants the same text.
func TestFastMatchesGoI18n(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ref := goI18n(t)
	for _, lang := range Locales {
		l := c.Localizer(lang)
		keys, err := Keys(lang)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.fast) < len(keys)/2 {
			t.Errorf("%s: only %d of %d messages are compiled", lang, len(l.fast), len(keys))
		}
		for id, m := range l.fast {
			var strs, nums []any
			for n := 1; n < len(m.parts); n += 2 {
				strs = append(strs, m.parts[n], "<b>"+m.parts[n]+"</b> & ü")
				nums = append(nums, m.parts[n], int64(-42+n))
			}
			for _, args := range [][]any{nil, strs, nums, append([]any{"Unused", 7}, strs...)} {
				if got, want := l.T(id, args...), ref(lang, id, args); got != want {
					t.Errorf("%s %s %v: T = %q, go-i18n %q", lang, id, args, got, want)
				}
			}
		}
	}
}

// TestFastFallsBack: what fastMessage does not do itself still comes out
// as go-i18n makes it.
func TestFastFallsBack(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ref := goI18n(t)
	l := c.Localizer("en")
	var withArg string
	for id, m := range l.fast {
		if len(m.parts) == 3 {
			withArg = id
			break
		}
	}
	if withArg == "" {
		t.Fatal("no compiled message with one placeholder")
	}
	name := l.fast[withArg].parts[1]
	type named string
	for _, args := range [][]any{
		{name, 3.5},                 // a float: go-i18n prints it
		{name, named("x")},          // a named type
		{name, new(int)},            // a pointer: text/template prints what it points to
		{name, "a", "Count", 2},     // plural rules
		{fmt.Stringer(nil), 1},      // a key that is not a string
		{"Other", "value of other"}, // the placeholder's argument is missing
	} {
		if got, want := l.T(withArg, args...), ref("en", withArg, args); got != want {
			t.Errorf("%s %v: T = %q, go-i18n %q", withArg, args, got, want)
		}
	}
	if got := l.T("no_such_key", "Name", "x"); got != "no_such_key" {
		t.Errorf("missing key renders %q", got)
	}
	// A count whose plural form the message lacks ("one" in English): the
	// message has one form, and T renders it; go-i18n answered the id.
	if got := l.T(withArg, name, "a", "Count", 1); got == withArg || !strings.Contains(got, "a") {
		t.Errorf("%s with Count 1 = %q", withArg, got)
	}
}

// TestLoadOnce: the catalogs are parsed once per process, and the
// localizer of a context without one is the shared catalog's English.
func TestLoadOnce(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Load()
	if a != b {
		t.Error("Load parsed the catalogs again")
	}
	if FromContext(context.Background()) != a.Localizer("en") {
		t.Error("the fallback localizer is a catalog of its own")
	}
}

func BenchmarkT(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	l := c.Localizer("fi")
	ref := goI18n(b)
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("nav_my_queue")
		}
	})
	b.Run("plain via go-i18n", func(b *testing.B) {
		for b.Loop() {
			_ = ref("fi", "nav_my_queue", nil)
		}
	})
	b.Run("one argument", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("live_bulk_select", "Number", int64(123456))
		}
	})
	b.Run("one argument via go-i18n", func(b *testing.B) {
		for b.Loop() {
			_ = ref("fi", "live_bulk_select", []any{"Number", int64(123456)})
		}
	})
}
