package i18n

import (
	"fmt"
	"testing"
)

// TestFastMatchesGoI18n renders every message T answers without go-i18n
// both ways, with string and number arguments, and wants the same text.
func TestFastMatchesGoI18n(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
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
				if got, want := l.T(id, args...), l.localize(id, args); got != want {
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
		if got, want := l.T(withArg, args...), l.localize(withArg, args); got != want {
			t.Errorf("%s %v: T = %q, go-i18n %q", withArg, args, got, want)
		}
	}
	if got := l.T("no_such_key", "Name", "x"); got != "no_such_key" {
		t.Errorf("missing key renders %q", got)
	}
}

func BenchmarkT(b *testing.B) {
	c, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	l := c.Localizer("fi")
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("nav_my_queue")
		}
	})
	b.Run("plain via go-i18n", func(b *testing.B) {
		for b.Loop() {
			_ = l.localize("nav_my_queue", nil)
		}
	})
	b.Run("one argument", func(b *testing.B) {
		for b.Loop() {
			_ = l.T("live_bulk_select", "Number", int64(123456))
		}
	})
	b.Run("one argument via go-i18n", func(b *testing.B) {
		for b.Loop() {
			_ = l.localize("live_bulk_select", []any{"Number", int64(123456)})
		}
	})
}
