package demo

import (
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/kb"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestLoadKB(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	if err := loadStaff(ctx, staff.NewStore(db, time.Now)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := LoadKB(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	// Ten published public articles in every language, each article in all
	// four (linked as translations), and loading again adds nothing.
	locales := groups(ctx, t, db, `
SELECT t.locale, count(*) FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id
WHERE t.status = 'published' AND NOT a.internal GROUP BY 1`)
	for _, l := range []string{"en", "fi", "vi", "hi"} {
		if locales[l] != 10 {
			t.Errorf("%d published articles in %s, want 10 (%v)", locales[l], l, locales)
		}
	}
	linked := groups(ctx, t, db, `
SELECT n::text, count(*) FROM (SELECT count(*) AS n FROM kb_translations t JOIN kb_articles a ON a.id = t.article_id
WHERE NOT a.internal GROUP BY t.article_id) x GROUP BY 1`)
	if len(linked) != 1 || linked["4"] != 10 {
		t.Errorf("public articles by their number of translations: %v, want 10 with 4", linked)
	}
	// A desk loaded by the older demo (five articles) gets the other five.
	if _, err := db.Exec(ctx, `DELETE FROM kb_revisions; DELETE FROM kb_translations WHERE article_id IN (SELECT article_id FROM kb_translations
WHERE locale = 'en' AND title IN ('Cancel an order', 'Payment methods we accept'))`); err != nil {
		t.Fatal(err)
	}
	if err := LoadKB(ctx, db); err != nil {
		t.Fatal(err)
	}
	if n := groups(ctx, t, db, `SELECT 'all', count(*) FROM kb_translations WHERE status = 'published'`)["all"]; n != 41 {
		t.Errorf("%d published translations after loading again, want 41", n)
	}
	st := kb.NewStore(db, time.Now)
	for _, c := range []struct{ lang, text, want string }{
		{"en", "where is my parcel, tracking shows nothing", "Track your parcel"},
		{"fi", "Paketti tuli rikki", "Pakettini saapui vaurioituneena"},
		{"vi", "toi quen mat khau", "Đặt lại mật khẩu"},
		{"hi", "मुझे रिफ़ंड चाहिए, सामान वापसी", "सामान वापस करें और रिफ़ंड पाएँ"},
		{"en", "I need a copy of my invoice with VAT", "Get a copy of your invoice"},
		{"fi", "Haluan perua tilauksen", "Tilauksen peruminen"},
		{"vi", "phí giao hàng bao nhiêu", "Thời gian và phí giao hàng"},
		{"hi", "मुझे दूसरा साइज़ चाहिए", "सामान को दूसरे साइज़ से बदलें"},
	} {
		got, err := st.Suggest(ctx, c.text, c.lang, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].Title != c.want {
			var titles []string
			for _, g := range got {
				titles = append(titles, g.Title)
			}
			t.Errorf("suggest %q (%s): %v, want %q first", c.text, c.lang, titles, c.want)
		}
		for _, g := range got {
			if g.Internal {
				t.Errorf("internal article suggested to a customer: %q", g.Title)
			}
		}
	}
}
