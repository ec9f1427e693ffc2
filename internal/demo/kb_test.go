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
	locales := groups(ctx, t, db, `SELECT locale, count(*) FROM kb_translations WHERE status = 'published' GROUP BY 1`)
	wantAll(t, "locale", locales, "en", "fi", "vi", "hi")
	st := kb.NewStore(db, time.Now)
	for _, c := range []struct{ lang, text, want string }{
		{"en", "where is my parcel, tracking shows nothing", "Track your parcel"},
		{"fi", "Paketti tuli rikki", "Pakettini saapui vaurioituneena"},
		{"vi", "toi quen mat khau", "Đặt lại mật khẩu"},
		{"hi", "मुझे रिफ़ंड चाहिए, सामान वापसी", "सामान वापस करें और रिफ़ंड पाएँ"},
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
