package kb_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/kb"
	"github.com/loopdesk/loopdesk/internal/postgres"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestRenderIsSafe(t *testing.T) {
	t.Parallel()
	out := kb.Render("# Returns\n\nSend it **back** within [30 days](https://example.com/returns).\n\n" +
		"<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n| a | b |\n|---|---|\n| 1 | 2 |")
	for _, bad := range []string{"<script", "onerror", "javascript:", "<img"} {
		if strings.Contains(out, bad) {
			t.Errorf("rendered HTML holds %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"<h1>Returns</h1>", "<strong>back</strong>", `href="https://example.com/returns"`, `rel="nofollow"`, "<table>"} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered HTML misses %q:\n%s", want, out)
		}
	}
	if got := kb.Excerpt("**Bold** & <b>raw</b> text that goes on and on and on", 20); strings.ContainsAny(got, "<>*") || !strings.HasPrefix(got, "Bold & ") {
		t.Errorf("excerpt %q", got)
	}
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"How to return an item":           "how-to-return-an-item",
		"Näin palautat tuotteen":          "nain-palautat-tuotteen",
		"Cách đổi địa chỉ giao hàng":      "cach-doi-dia-chi-giao-hang",
		"पासवर्ड रीसेट करें":              "",
		"  Order #123 -- where is it?!  ": "order-123-where-is-it",
	} {
		if got := kb.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

type bundle struct {
	store *kb.Store
	sup   int64
}

func setup(t *testing.T) bundle {
	t.Helper()
	db := pgtest.New(t)
	sup := ticketstest.User(t.Context(), t, db, "supervisor")
	return bundle{store: kb.NewStore(db, time.Now), sup: sup.UserID}
}

func (b bundle) save(t *testing.T, id int64, d kb.Draft) kb.Translation {
	t.Helper()
	tr, err := b.store.Save(t.Context(), b.sup, id, d)
	if err != nil {
		t.Fatalf("save %q: %v", d.Title, err)
	}
	return tr
}

func TestArticlesTranslationsRevisions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cat, err := b.store.CreateCategory(t.Context(), b.sup, "orders", map[string]string{"en": "Orders", "fi": "Tilaukset", "vi": "Đơn hàng", "hi": "ऑर्डर"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.CreateCategory(t.Context(), b.sup, "orders", map[string]string{"en": "x", "fi": "x", "vi": "x", "hi": "x"}); apperr.FieldsOf(err)["slug"] != "kb_error_slug_taken" {
		t.Fatalf("duplicate category slug: %v", err)
	}
	en := b.save(t, 0, kb.Draft{CategoryID: cat.ID, Locale: "en", Title: "Return an item", Body: "Send it back within 30 days.", Tags: "returns, Refund", Status: kb.StatusDraft})
	if en.Slug != "return-an-item" || en.Version != 1 || len(en.Tags) != 2 || en.Tags[1] != "refund" {
		t.Fatalf("new translation: %+v", en)
	}
	// A draft is not public.
	if _, _, err := b.store.Published(t.Context(), "en", en.Slug, false); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("draft visible: %v", err)
	}
	en = b.save(t, en.ID, kb.Draft{CategoryID: cat.ID, Locale: "en", Title: "Return an item", Slug: en.Slug, Body: "Send it back within 30 days, unused.",
		Tags: "returns, refund", Status: kb.StatusPublished, Version: 1})
	if en.Version != 2 || en.PublishedAt == nil {
		t.Fatalf("published: %+v", en)
	}
	// Editing an old version is a conflict.
	if _, err := b.store.Save(t.Context(), b.sup, en.ID, kb.Draft{Locale: "en", Title: "x", Body: "y", Status: kb.StatusDraft, Version: 1}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale save: %v", err)
	}
	hi := b.save(t, 0, kb.Draft{ArticleID: en.ArticleID, CategoryID: cat.ID, Locale: "hi", Title: "सामान वापस करें", Body: "30 दिनों के भीतर वापस भेजें।", Status: kb.StatusPublished})
	if hi.Slug != en.Slug || hi.ArticleID != en.ArticleID {
		t.Fatalf("Hindi translation takes the article's slug: %+v", hi)
	}
	if _, err := b.store.Save(t.Context(), b.sup, 0, kb.Draft{ArticleID: en.ArticleID, Locale: "hi", Title: "again", Body: "x", Status: kb.StatusDraft}); apperr.FieldsOf(err)["locale"] != "kb_error_locale_taken" {
		t.Fatalf("second Hindi translation: %v", err)
	}
	got, sib, err := b.store.Published(t.Context(), "hi", hi.Slug, false)
	if err != nil || got.ID != hi.ID || len(sib) != 2 {
		t.Fatalf("published with translations: %+v %d %v", got, len(sib), err)
	}
	revs, err := b.store.Revisions(t.Context(), en.ID)
	if err != nil || len(revs) != 2 || revs[0].Version != 2 || strings.Join(revs[0].Changes, ",") != "body,status" || revs[0].EditedBy == "" {
		t.Fatalf("revisions: %+v %v", revs, err)
	}
	// Internal articles are for staff only, and never suggested.
	in := b.save(t, 0, kb.Draft{Locale: "en", Title: "Refund approval limits", Body: "Refunds over 500 EUR need a supervisor.", Internal: true, Status: kb.StatusPublished})
	if _, _, err := b.store.Published(t.Context(), "en", in.Slug, false); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("internal article public: %v", err)
	}
	if _, _, err := b.store.Published(t.Context(), "en", in.Slug, true); err != nil {
		t.Fatalf("internal article for staff: %v", err)
	}
	bad := kb.Draft{Locale: "xx", Title: "", Body: strings.Repeat("x", 50001), Status: "gone", Slug: "Not a slug"}
	f := apperr.FieldsOf(func() error { _, err := b.store.Save(t.Context(), b.sup, 0, bad); return err }())
	for _, k := range []string{"locale", "title", "body", "status", "slug"} {
		if f[k] == "" {
			t.Errorf("no error on %s: %v", k, f)
		}
	}
}

func TestMultilingualSearchAndSuggestions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	pub := func(locale, title, body string, articleID int64) kb.Translation {
		return b.save(t, 0, kb.Draft{ArticleID: articleID, Locale: locale, Title: title, Body: body, Status: kb.StatusPublished})
	}
	track := pub("en", "Track your parcel", "Open the tracking link in your order confirmation to see where the parcel is.", 0)
	pub("fi", "Seuraa pakettiasi", "Avaa tilausvahvistuksen seurantalinkki nähdäksesi, missä paketti on.", track.ArticleID)
	pub("vi", "Theo dõi bưu kiện", "Mở liên kết theo dõi trong email xác nhận đơn hàng để xem bưu kiện đang ở đâu.", track.ArticleID)
	pub("hi", "अपने पार्सल को ट्रैक करें", "अपने ऑर्डर की पुष्टि में दिए गए ट्रैकिंग लिंक को खोलें।", track.ArticleID)
	ret := pub("en", "Return an item", "Returns are free within 30 days. Print the return label.", 0)
	pub("fi", "Palauta tuote", "Palautus on maksuton 30 päivän ajan. Tulosta palautuslappu.", ret.ArticleID)

	cases := []struct {
		q, lang    string
		wantLocale string
		wantTitle  string
	}{
		{"parcels", "en", "en", "Track your parcel"},        // English stem
		{"pakettia", "fi", "fi", "Seuraa pakettiasi"},       // Finnish stem
		{"buu kien", "vi", "vi", "Theo dõi bưu kiện"},       // Vietnamese without diacritics
		{"bưu kiện", "vi", "vi", "Theo dõi bưu kiện"},       // and with
		{"पार्सल", "hi", "hi", "अपने पार्सल को ट्रैक करें"}, // Devanagari
		{"palautuslappu", "en", "en", "Return an item"},     // matched in Finnish, shown in the visitor's language
		{"retur", "en", "en", "Return an item"},             // prefix of the last word
		{"tracking", "fi", "fi", "Seuraa pakettiasi"},       // the article in the visitor's language first
	}
	for _, c := range cases {
		res, err := b.store.Search(t.Context(), c.q, c.lang, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 0 || res[0].Locale != c.wantLocale || res[0].Title != c.wantTitle {
			var got []string
			for _, r := range res {
				got = append(got, r.Locale+":"+r.Title)
			}
			t.Errorf("search %q in %s: %v, want %s:%s first", c.q, c.lang, got, c.wantLocale, c.wantTitle)
		}
	}
	// Suggestions: any two words of what the customer types, stop words aside.
	for _, c := range []struct{ text, lang, want string }{
		{"Hello, where is my parcel? The tracking does not work", "en", "Track your parcel"},
		{"Missä pakettini on? Seurantalinkki ei toimi", "fi", "Seuraa pakettiasi"},
		{"Tôi muốn trả lại hàng, returns label", "en", "Return an item"},
		{"bưu kiện của tôi ở đâu", "vi", "Theo dõi bưu kiện"},
	} {
		res, err := b.store.Suggest(t.Context(), c.text, c.lang, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 0 || res[0].Title != c.want {
			t.Errorf("suggest %q: %v, want %q first", c.text, res, c.want)
		}
	}
	if res, _ := b.store.Suggest(t.Context(), "hello thanks please help", "en", 5); len(res) != 0 {
		t.Errorf("stop words alone suggested %d articles", len(res))
	}

	// Deflection counts: once per form and article.
	for range 3 {
		if err := b.store.Record(t.Context(), kb.Suggested, []int64{track.ID, ret.ID}, "form-1"); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.store.Record(t.Context(), kb.Suggested, []int64{track.ID}, "form-2")
	_ = b.store.Record(t.Context(), kb.Opened, []int64{track.ID}, "form-1")
	_ = b.store.Record(t.Context(), kb.Deflected, []int64{track.ID}, "form-1")
	st, err := b.store.DeflectionStats(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	w := st.Weeks[0]
	if len(st.Weeks) != 4 || w.Forms != 2 || w.Shown != 3 || w.Opened != 1 || w.Deflected != 1 || w.Rate() != 50 {
		t.Fatalf("this week: %+v (weeks %d)", w, len(st.Weeks))
	}
	if len(st.Most) == 0 || st.Most[0].Translation.ID != track.ID || st.Most[0].Deflected != 1 {
		t.Fatalf("most: %+v", st.Most)
	}
	if len(st.Least) == 0 || st.Least[0].Translation.ID != ret.ID {
		t.Fatalf("least: %+v", st.Least)
	}
}

func TestSuggestForTicket(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	sup := ticketstest.User(t.Context(), t, db, "supervisor")
	store := kb.NewStore(db, time.Now)
	pub := func(locale, title, body string, articleID int64, internal bool) kb.Translation {
		tr, err := store.Save(t.Context(), sup.UserID, 0, kb.Draft{ArticleID: articleID, Locale: locale, Title: title, Body: body,
			Status: kb.StatusPublished, Internal: internal})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	track := pub("en", "Track your parcel", "Open the tracking link in your order confirmation to see where the parcel is.", 0, false)
	trackFi := pub("fi", "Seuraa pakettiasi", "Avaa tilausvahvistuksen seurantalinkki nähdäksesi, missä paketti on.", track.ArticleID, false)
	ret := pub("fi", "Palauta tuote", "Palautus on maksuton 30 päivän ajan. Tulosta palautuslappu paketin päälle.", 0, false)
	retEn := pub("en", "Return an item", "Returns are free within 30 days. Print the return label for the parcel.", ret.ArticleID, false)
	pub("en", "Courier escalation for a lost parcel", "Internal: call the courier about the tracking of a lost parcel.", 0, true)

	ts := ticketstest.NewStore(db)
	suggest := func(tk tickets.Ticket, lang string) []kb.Translation {
		t.Helper()
		var b pgx.Batch
		get := store.SuggestForTicketBatch(&b, tk.ID, tk.Subject, lang, 5)
		if _, err := get(); !errors.Is(err, postgres.ErrNotSent) {
			t.Fatalf("before the batch is sent: %v", err)
		}
		if err := db.SendBatch(t.Context(), &b).Close(); err != nil {
			t.Fatal(err)
		}
		list, err := get()
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	titles := func(list []kb.Translation) []string {
		var out []string
		for _, tr := range list {
			out = append(out, tr.Locale+":"+tr.Title)
		}
		return out
	}

	// The customer's first message counts with the subject; later ones do not.
	tk := ticketstest.Create(t.Context(), t, ts, sup, tickets.NewTicket{Subject: "Question", Body: "Where is my parcel? The tracking link shows nothing."})
	if _, err := ts.AddCustomerMessage(t.Context(), tk.ID, "Also: how do I print a return label for the returns?"); err != nil {
		t.Fatal(err)
	}
	got := suggest(tk, "fi")
	if len(got) == 0 || got[0].ID != trackFi.ID {
		t.Fatalf("suggestions in Finnish: %v, want %q first", titles(got), trackFi.Title)
	}
	for _, tr := range got {
		if tr.Internal || strings.Contains(tr.Title, "Courier") {
			t.Fatalf("an internal article was suggested: %v", titles(got))
		}
	}
	// A language the article lacks: its English translation.
	if got := suggest(tk, "vi"); len(got) == 0 || got[0].ID != track.ID {
		t.Fatalf("suggestions in Vietnamese: %v, want %q first", titles(got), track.Title)
	}
	for _, tr := range got {
		if tr.ArticleID == ret.ArticleID {
			t.Fatalf("a later message's words were used: %v", titles(got))
		}
	}
	// The subject alone can do it.
	label := ticketstest.Create(t.Context(), t, ts, sup, tickets.NewTicket{Subject: "Return label missing", Body: "Hi, see subject."})
	if got := suggest(label, "hi"); len(got) == 0 || got[0].ID != retEn.ID {
		t.Fatalf("subject: %v, want %q first", titles(got), retEn.Title)
	}
	// Nothing but stop words: nothing.
	quiet := ticketstest.Create(t.Context(), t, ts, sup, tickets.NewTicket{Subject: "Hello", Body: "Thanks, please help"})
	if got := suggest(quiet, "en"); len(got) != 0 {
		t.Fatalf("stop words suggested %v", titles(got))
	}
}

// TestDeflectionRangeAndTeam: the report counts what happened in the
// range, by the weeks of the zone, for every team or the intake team
// (the first), and nothing for another team.
func TestDeflectionRangeAndTeam(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	sup := ticketstest.User(t.Context(), t, db, "supervisor")
	intake := ticketstest.Team(t.Context(), t, db, "Intake")
	other := ticketstest.Team(t.Context(), t, db, "Billing")
	tr, err := kb.NewStore(db, time.Now).Save(t.Context(), sup.UserID, 0, kb.Draft{Locale: "en", Title: "Track your parcel", Body: "Tracking.", Status: kb.StatusPublished})
	if err != nil {
		t.Fatal(err)
	}
	record := func(ts, kind, ref string) {
		when, _ := time.Parse(time.RFC3339, ts)
		if err := kb.NewStore(db, func() time.Time { return when }).Record(t.Context(), kind, []int64{tr.ID}, ref); err != nil {
			t.Fatal(err)
		}
	}
	// Sunday 23:30 UTC is Monday 01:30 in Helsinki: the next week there.
	record("2030-03-10T23:30:00Z", kb.Suggested, "a")
	record("2030-03-10T23:31:00Z", kb.Deflected, "a")
	record("2030-03-12T08:00:00Z", kb.Suggested, "b")
	record("2030-04-30T08:00:00Z", kb.Suggested, "late")
	hel, _ := time.LoadLocation("Europe/Helsinki")
	f := kb.DeflectionFilter{Start: time.Date(2030, 3, 4, 0, 0, 0, 0, hel), End: time.Date(2030, 3, 18, 0, 0, 0, 0, hel), Zone: "Europe/Helsinki"}
	st, err := kb.NewStore(db, time.Now).Deflection(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Weeks) != 2 || !st.Team || st.Weeks[0].Start.Format(time.DateOnly) != "2030-03-11" ||
		st.Weeks[0].Forms != 2 || st.Weeks[0].Deflected != 1 || st.Weeks[1].Forms != 0 {
		t.Fatalf("weeks: %+v", st.Weeks)
	}
	if len(st.Articles) != 1 || st.Articles[0].Shown != 2 || len(st.Most) != 1 {
		t.Fatalf("articles: %+v", st.Articles)
	}
	f.TeamID = intake
	if st, _ := kb.NewStore(db, time.Now).Deflection(t.Context(), f); !st.Team || st.Weeks[0].Forms != 2 {
		t.Fatalf("intake team: %+v", st.Weeks)
	}
	f.TeamID = other
	if st, _ := kb.NewStore(db, time.Now).Deflection(t.Context(), f); st.Team || st.Weeks[0].Forms != 0 || len(st.Articles) != 0 {
		t.Fatalf("another team: %+v %+v", st.Weeks, st.Articles)
	}
}
