package i18n

import (
	"context"
	"strings"
	"testing"
)

// TestCatalogsComplete fails when any key of the English catalog is missing or
// empty in another language, or a catalog has a key English lacks.
func TestCatalogsComplete(t *testing.T) {
	en, err := Keys("en")
	if err != nil {
		t.Fatal(err)
	}
	if len(en) < 20 {
		t.Fatalf("English catalog has only %d keys", len(en))
	}
	for _, lang := range Locales {
		m, err := Keys(lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for k := range en {
			v, ok := m[k]
			if !ok {
				t.Errorf("%s: missing key %q", lang, k)
				continue
			}
			if strings.TrimSpace(v) == "" || strings.HasSuffix(v, "=") || strings.Contains(v, "=;") {
				t.Errorf("%s: empty message for %q", lang, k)
			}
		}
		for k := range m {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: key %q is not in the English catalog", lang, k)
			}
		}
	}
}

// TestTranslationsDiffer catches English copied into another catalog: most
// messages of each language must differ from English.
func TestTranslationsDiffer(t *testing.T) {
	en, _ := Keys("en")
	for _, lang := range Locales[1:] {
		m, _ := Keys(lang)
		same := 0
		for k, v := range en {
			if m[k] == v {
				same++
			}
		}
		if same*5 > len(en) {
			t.Errorf("%s: %d of %d messages are identical to English", lang, same, len(en))
		}
	}
}

func TestNegotiate(t *testing.T) {
	cases := []struct{ user, cookie, accept, want string }{
		{"fi", "vi", "hi", "fi"},
		{"", "vi", "hi", "vi"},
		{"", "", "hi-IN,hi;q=0.9,en;q=0.5", "hi"},
		{"", "", "vi-VN", "vi"},
		{"", "", "de-DE", "en"},
		{"", "xx", "", "en"},
		{"", "", "fi-FI;q=0.8,sv;q=0.9", "fi"},
	}
	for _, c := range cases {
		if got := Negotiate(c.user, c.cookie, c.accept); got != c.want {
			t.Errorf("Negotiate(%q,%q,%q) = %q, want %q", c.user, c.cookie, c.accept, got, c.want)
		}
	}
}

func TestLocalize(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := WithLocalizer(context.Background(), c.Localizer("fi"))
	if got, en := T(ctx, "nav_my_queue"), c.Localizer("en").T("nav_my_queue"); got == en || got == "nav_my_queue" {
		t.Errorf("fi nav_my_queue = %q (en %q)", got, en)
	}
	if got := c.Localizer("en").T("no_such_key"); got != "no_such_key" {
		t.Errorf("missing key renders %q", got)
	}
}
