package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/kb"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// kbSeed publishes an article about tracking a parcel in English and
// Vietnamese, an internal one, and returns the English and Vietnamese.
func kbSeed(t *testing.T, e *env) (en, vi kb.Translation) {
	t.Helper()
	st := kb.NewStore(e.srv.db, time.Now)
	sup := e.users[staff.RoleSupervisor].ID
	cat, err := st.CreateCategory(t.Context(), sup, "delivery", map[string]string{"en": "Delivery", "fi": "Toimitus", "vi": "Giao hàng", "hi": "डिलीवरी"})
	if err != nil {
		t.Fatal(err)
	}
	save := func(d kb.Draft) kb.Translation {
		tr, err := st.Save(t.Context(), sup, 0, d)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	en = save(kb.Draft{CategoryID: cat.ID, Locale: "en", Title: "Track your parcel", Status: kb.StatusPublished,
		Body: "Open the **tracking link** in your order confirmation to see where your parcel is.\n\n<script>alert(1)</script>"})
	vi = save(kb.Draft{ArticleID: en.ArticleID, CategoryID: cat.ID, Locale: "vi", Title: "Theo dõi bưu kiện", Status: kb.StatusPublished,
		Body: "Mở liên kết theo dõi trong email xác nhận đơn hàng để xem bưu kiện của bạn đang ở đâu."})
	save(kb.Draft{CategoryID: cat.ID, Locale: "en", Title: "Courier escalation contacts", Internal: true, Status: kb.StatusPublished,
		Body: "Call the courier desk for lost parcel claims."})
	return en, vi
}

func TestHelpCentrePages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	en, vi := kbSeed(t, e)
	c := e.client()

	home := e.get(c, "/kb")
	if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, `href="/kb/en/track-your-parcel"`) ||
		strings.Contains(home.Body, "Courier escalation") || !strings.Contains(home.Body, `rel="canonical" href="http://127.0.0.1/kb"`) {
		t.Fatalf("help centre: %d\n%s", home.StatusCode, home.Body)
	}
	art := e.get(c, en.Path())
	if art.StatusCode != http.StatusOK || !strings.Contains(art.Body, "<strong>tracking link</strong>") || strings.Contains(art.Body, "<script>alert") {
		t.Fatalf("article: %d\n%s", art.StatusCode, art.Body)
	}
	for _, want := range []string{
		`<link rel="canonical" href="http://127.0.0.1/kb/en/track-your-parcel">`,
		`<link rel="alternate" hreflang="en" href="http://127.0.0.1/kb/en/track-your-parcel">`,
		`<link rel="alternate" hreflang="vi" href="http://127.0.0.1` + vi.Path() + `">`,
		`<link rel="alternate" hreflang="x-default" href="http://127.0.0.1/kb/en/track-your-parcel">`,
		`<title>Track your parcel · Loopdesk</title>`,
		`<article class="kb-article" lang="en">`,
	} {
		if !strings.Contains(art.Body, want) {
			t.Errorf("article page misses %s", want)
		}
	}
	// Search: Vietnamese typed without diacritics finds the article, shown
	// in the visitor's language.
	if res := e.get(c, "/kb?q=buu+kien"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, en.Path()) {
		t.Fatalf("search: %d", res.StatusCode)
	}
	// Internal articles: staff only.
	if res := e.get(c, "/kb/en/courier-escalation-contacts"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("internal article for a customer: %d", res.StatusCode)
	}
	if res := e.get(e.login(staff.RoleRep), "/kb/en/courier-escalation-contacts"); res.StatusCode != http.StatusOK {
		t.Fatalf("internal article for a rep: %d", res.StatusCode)
	}
}

func TestHelpFormDeflection(t *testing.T) {
	t.Parallel()
	e := setup(t)
	en, _ := kbSeed(t, e)
	c := e.client()
	key := formKey(t, e.get(c, "/help").Body)

	// As the customer types: the suggestions fragment.
	frag := e.get(c, "/help/suggest?"+url.Values{"subject": {"Where is my parcel?"}, "message": {"The tracking shows nothing"},
		"form_key": {key}, "locale": {"en"}}.Encode())
	if frag.StatusCode != http.StatusOK || !strings.Contains(frag.Body, `name="kb_checked"`) || !strings.Contains(frag.Body, en.Path()+"?from=help") {
		t.Fatalf("suggestions: %d\n%s", frag.StatusCode, frag.Body)
	}
	// Without JavaScript the first post shows them, the message kept.
	form := url.Values{"name": {"Aino"}, "email": {"aino@example.fi"}, "locale": {"en"}, "subject": {"Where is my parcel?"},
		"message": {"The tracking shows nothing"}, "website": {""}, "form_key": {key}}
	step := e.post(c, "/help", form)
	if step.StatusCode != http.StatusOK || !strings.Contains(step.Body, en.Path()) ||
		!strings.Contains(step.Body, `name="message" value="The tracking shows nothing"`) || !strings.Contains(step.Body, `name="kb_checked" value="1"`) {
		t.Fatalf("deflection step: %d\n%s", step.StatusCode, step.Body)
	}
	var tickets int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM tickets`).Scan(&tickets); err != nil || tickets != 0 {
		t.Fatalf("tickets after the step: %d %v", tickets, err)
	}
	// The article answers it: no ticket, and it is counted.
	href := regexp.MustCompile(`href="(/kb/en/track-your-parcel\?from=help&amp;ref=[0-9a-f]+)"`).FindStringSubmatch(step.Body)
	if href == nil {
		t.Fatalf("no suggestion link:\n%s", step.Body)
	}
	link := strings.ReplaceAll(href[1], "&amp;", "&")
	page := e.get(c, link)
	ref := regexp.MustCompile(`name="ref" value="([0-9a-f]+)"`).FindStringSubmatch(page.Body)
	if page.StatusCode != http.StatusOK || ref == nil {
		t.Fatalf("article from help: %d", page.StatusCode)
	}
	res := e.post(c, en.Path()+"/answered", url.Values{"ref": {ref[1]}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != en.Path()+"?answered=1" {
		t.Fatalf("answered: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	st, err := kb.NewStore(e.srv.db, time.Now).DeflectionStats(t.Context(), 1)
	if err != nil || st.Weeks[0].Deflected != 1 || st.Weeks[0].Opened != 1 || st.Weeks[0].Forms != 1 {
		t.Fatalf("deflection counts: %+v %v", st.Weeks, err)
	}
	dash := e.get(e.login(staff.RoleSupervisor), "/supervisor/dashboard")
	if dash.StatusCode != http.StatusOK || !strings.Contains(dash.Body, `id="kb-deflection-heading"`) || !strings.Contains(dash.Body, "100 %") {
		t.Fatalf("dashboard: %d", dash.StatusCode)
	}
	// Sending anyway makes the ticket.
	form.Set("kb_checked", "1")
	if res := e.post(c, "/help", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send anyway: %d", res.StatusCode)
	}
}

func TestEditorsWriteAndPublish(t *testing.T) {
	t.Parallel()
	e := setup(t)
	sup := e.login(staff.RoleSupervisor)
	if res := e.post(sup, "/supervisor/kb/categories", url.Values{"slug": {"accounts"}, "name_en": {"Accounts"}, "name_fi": {"Tilit"},
		"name_vi": {"Tài khoản"}, "name_hi": {"खाते"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("category: %d", res.StatusCode)
	}
	bad := e.post(sup, "/supervisor/kb/translations", url.Values{"locale": {"fi"}, "title": {"Salasanan vaihto"}, "body": {""}, "status": {"draft"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="Salasanan vaihto"`) {
		t.Fatalf("empty body: %d", bad.StatusCode)
	}
	res := e.post(sup, "/supervisor/kb/translations", url.Values{"locale": {"fi"}, "title": {"Salasanan vaihto"},
		"body": {"Valitse **Unohtuiko salasana?** kirjautumissivulla."}, "status": {"published"}, "tags": {"tili, salasana"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.StatusCode, res.Body)
	}
	editPath := res.Header.Get("Location")
	edit := e.get(sup, editPath)
	if edit.StatusCode != http.StatusOK || !strings.Contains(edit.Body, `href="/kb/fi/salasanan-vaihto"`) {
		t.Fatalf("edit page: %d", edit.StatusCode)
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(edit.Body)[1]
	articleID := regexp.MustCompile(`name="article_id" value="(\d+)"`).FindStringSubmatch(edit.Body)[1]
	res = e.post(sup, editPath, url.Values{"locale": {"fi"}, "title": {"Salasanan vaihtaminen"}, "slug": {"salasanan-vaihto"},
		"body": {"Valitse **Unohtuiko salasana?**"}, "status": {"published"}, "version": {version}, "article_id": {articleID}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	// The same stale version again is refused.
	if res := e.post(sup, editPath, url.Values{"locale": {"fi"}, "title": {"x"}, "body": {"y"}, "status": {"draft"}, "version": {version}}); res.StatusCode != http.StatusConflict {
		t.Fatalf("stale edit: %d", res.StatusCode)
	}
	edit = e.get(sup, editPath)
	if !strings.Contains(edit.Body, e.srv.cat.Localizer("hi").T("kb_change_title")) || !strings.Contains(edit.Body, "Test supervisor") {
		t.Fatalf("history missing:\n%s", edit.Body)
	}
	// A translation of it.
	if res := e.get(sup, "/supervisor/kb/new?lang=en&article="+articleID); res.StatusCode != http.StatusOK {
		t.Fatalf("translate form: %d", res.StatusCode)
	}
	res = e.post(sup, "/supervisor/kb/translations", url.Values{"locale": {"en"}, "title": {"Change your password"}, "article_id": {articleID},
		"body": {"Choose **Forgot your password?** on the sign-in page."}, "status": {"published"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("translation: %d\n%s", res.StatusCode, res.Body)
	}
	page := e.get(e.client(), "/kb/fi/salasanan-vaihto")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `hreflang="en" href="http://127.0.0.1/kb/en/change-your-password"`) {
		t.Fatalf("public page: %d", page.StatusCode)
	}
	if res := e.get(sup, "/supervisor/kb"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Salasanan vaihtaminen") {
		t.Fatalf("editors' list: %d", res.StatusCode)
	}
	// Reps read; they do not write.
	if res := e.post(e.login(staff.RoleRep), "/supervisor/kb/translations", url.Values{"locale": {"en"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("rep writes: %d", res.StatusCode)
	}
}

// TestBrowserHelpDeflection: a customer types on /help, sees a suggested
// article, opens it, says it answered the question; no ticket is made and
// the supervisor dashboard counts it.
func TestBrowserHelpDeflection(t *testing.T) {
	e := setup(t)
	en, _ := kbSeed(t, e)
	ctx := newBrowser(t)
	l := e.srv.cat.Localizer("en")
	suggestion := fmt.Sprintf(`//*[@id="kb-suggest"]//a[contains(@href, %q)]`, en.Path()+"?from=help")
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/help"),
		chromedp.WaitVisible(heading(l.T("public_help_title"))),
		chromedp.SendKeys(byLabel(l.T("public_field_name")), "Aino Virtanen"),
		chromedp.SetValue(byLabel(l.T("public_field_email")), "aino@example.fi"),
		chromedp.SetValue(byLabel(l.T("public_field_locale")), "en"),
		chromedp.SendKeys(byLabel(l.T("public_field_subject")), "Where is my parcel"),
		chromedp.SendKeys(byLabel(l.T("public_field_message")), "The tracking page shows nothing."),
		chromedp.WaitVisible(suggestion),
	)
	if err != nil {
		html, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("type on /help: %v\n%s", err, html)
	}
	screenshot(t, ctx, "kb-help-suggestions.png")
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(suggestion, "href"))
	if err != nil {
		t.Fatal(err)
	}
	// The link opens a new tab; the test opens it in this one.
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+href.Value),
		chromedp.WaitVisible(heading(en.Title)),
		clickTo(button(l.T("kb_answered_yes")), "answered=1"),
		chromedp.WaitVisible(fmt.Sprintf(`//*[contains(@class,"flash") and normalize-space(.)=%q]`, l.T("kb_answered_thanks"))),
	)
	if err != nil {
		t.Fatalf("answered: %v", err)
	}
	screenshot(t, ctx, "kb-answered.png")
	var n int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM tickets`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d tickets, want none (%v)", n, err)
	}
	dash := e.get(e.login(staff.RoleSupervisor), "/supervisor/dashboard")
	if !strings.Contains(dash.Body, `id="kb-deflection-heading"`) || !strings.Contains(dash.Body, "100 %") {
		t.Fatalf("dashboard does not count it")
	}
}

func TestRepProposesAnEdit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	en, _ := kbSeed(t, e)
	rep, sup := e.login(staff.RoleRep), e.login(staff.RoleSupervisor)
	tid := strconv.FormatInt(en.ID, 10)

	// The article page offers reps a proposal, supervisors the editor.
	if res := e.get(rep, en.Path()); !strings.Contains(res.Body, `href="/kb/propose/`+tid+`"`) {
		t.Fatalf("no proposal link for a rep")
	}
	if res := e.get(sup, en.Path()); !strings.Contains(res.Body, `href="/supervisor/kb/translations/`+tid+`"`) {
		t.Fatalf("no edit link for a supervisor")
	}
	if res := e.get(rep, "/kb/propose/"+tid); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `value="Track your parcel"`) {
		t.Fatalf("proposal form: %d", res.StatusCode)
	}
	if res := e.post(rep, "/kb/propose/"+tid, url.Values{"title": {"Track your parcel"}, "body": {""}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("empty proposal: %d", res.StatusCode)
	}
	res := e.post(rep, "/kb/propose/"+tid, url.Values{"title": {"Track your parcel"}, "body": {"Open the tracking link. It updates every hour."},
		"note": {"Customers ask how often it updates."}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != en.Path() {
		t.Fatalf("propose: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// The editor sees it, loads it into the form, saves: applied.
	list := e.get(sup, "/supervisor/kb")
	m := regexp.MustCompile(`href="(/supervisor/kb/translations/` + tid + `\?proposal=(\d+))"`).FindStringSubmatch(list.Body)
	if m == nil {
		t.Fatalf("proposal not listed:\n%s", list.Body)
	}
	form := e.get(sup, strings.ReplaceAll(m[1], "&amp;", "&"))
	if form.StatusCode != http.StatusOK || !strings.Contains(form.Body, "It updates every hour.") || !strings.Contains(form.Body, `name="proposal_id" value="`+m[2]+`"`) {
		t.Fatalf("proposal in the form: %d", form.StatusCode)
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(form.Body)[1]
	res = e.post(sup, "/supervisor/kb/translations/"+tid, url.Values{"locale": {"en"}, "title": {"Track your parcel"}, "slug": {en.Slug},
		"body": {"Open the tracking link. It updates every hour."}, "status": {"published"}, "version": {version}, "proposal_id": {m[2]},
		"category_id": {strconv.FormatInt(en.CategoryID, 10)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", res.StatusCode)
	}
	if open, _ := kb.NewStore(e.srv.db, time.Now).Proposals(t.Context(), 0); len(open) != 0 {
		t.Fatalf("proposal still open after it was applied: %+v", open)
	}
	if page := e.get(e.client(), en.Path()); !strings.Contains(page.Body, "It updates every hour.") {
		t.Fatalf("applied text not published")
	}
	// Another is dismissed.
	e.post(rep, "/kb/propose/"+tid, url.Values{"title": {"Track it"}, "body": {"Nope."}})
	open, _ := kb.NewStore(e.srv.db, time.Now).Proposals(t.Context(), en.ID)
	if len(open) != 1 {
		t.Fatalf("open proposals: %+v", open)
	}
	if res := e.post(sup, "/supervisor/kb/proposals/"+strconv.FormatInt(open[0].ID, 10)+"/dismiss", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", res.StatusCode)
	}
	if res := e.post(sup, "/supervisor/kb/proposals/"+strconv.FormatInt(open[0].ID, 10)+"/dismiss", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("dismiss twice: %d", res.StatusCode)
	}
}
