package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// helpForm is a valid web form; tests change what they need.
func helpForm() url.Values {
	return url.Values{
		"name": {"Nguyễn Minh Anh"}, "email": {"minh.anh@example.com"}, "locale": {"vi"},
		"subject": {"Gói hàng bị hỏng"}, "message": {"Hộp bị móp và chiếc cốc bên trong bị vỡ."}, "website": {""},
	}
}

// submitHelp posts the web form and returns the status-link token.
func (e *env) submitHelp(c *http.Client, form url.Values) string {
	e.t.Helper()
	res := e.post(c, "/help", form)
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("POST /help: status %d\n%s", res.StatusCode, res.Body)
	}
	loc := res.Header.Get("Location")
	token, ok := strings.CutPrefix(strings.TrimSuffix(loc, "?new=1"), "/status/")
	if !ok || !strings.HasSuffix(loc, "?new=1") || len(token) < 20 {
		e.t.Fatalf("POST /help redirected to %q", loc)
	}
	return token
}

// outboxRows lists (kind, to, locale) of ticket id's queued mail.
func (e *env) outboxRows(id int64) []string {
	e.t.Helper()
	rows, err := e.srv.db.Query(context.Background(), `SELECT kind || ' ' || to_address || ' ' || locale FROM outbox WHERE ticket_id = $1 ORDER BY id`, id)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (e *env) countTickets() int {
	e.t.Helper()
	var n int
	if err := e.srv.db.QueryRow(context.Background(), `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestHelpFormCreatesTicketAndConfirms(t *testing.T) {
	e := setup(t)
	c := e.client()
	form := e.get(c, "/help")
	if form.StatusCode != 200 {
		t.Fatalf("GET /help: %d", form.StatusCode)
	}
	for _, want := range []string{`<label for="f-name">`, `<label for="f-email">`, `<label for="f-locale">`, `<label for="f-subject">`, `<label for="f-message">`,
		`<div class="visually-hidden">`, `Leave this field empty`, `tabindex="-1"`} {
		if !strings.Contains(form.Body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	if strings.Contains(form.Body, "<script>") || strings.Contains(form.Body, "style=") {
		t.Error("inline script or style on the public form")
	}

	token := e.submitHelp(c, helpForm())
	tk, err := e.tickets.TicketByToken(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Channel != "web" || tk.Customer.Locale != "vi" || tk.Subject != "Gói hàng bị hỏng" || tk.Status != tickets.StatusNew {
		t.Fatalf("ticket: %+v", tk)
	}
	if got := e.outboxRows(tk.ID); len(got) != 1 || got[0] != "confirmation minh.anh@example.com vi" {
		t.Fatalf("outbox: %q", got)
	}

	page := e.get(c, "/status/"+token+"?new=1")
	vi := e.srv.cat.Localizer("vi")
	if page.StatusCode != 200 || !strings.Contains(page.Body, `<html lang="vi">`) {
		t.Fatalf("status page: %d, not in Vietnamese", page.StatusCode)
	}
	for _, want := range []string{
		vi.T("public_confirm_number", "Number", tk.ID),
		"http://127.0.0.1/status/" + token,
		"Hộp bị móp",
		vi.T("public_status_new"),
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if h := page.Header; h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("status page headers: Referrer-Policy %q, Cache-Control %q", h.Get("Referrer-Policy"), h.Get("Cache-Control"))
	}
	// Without ?new=1 there is no confirmation box.
	if again := e.get(c, "/status/"+token); strings.Contains(again.Body, vi.T("public_confirm_heading")) {
		t.Error("confirmation shown without ?new=1")
	}
}

func TestHelpFormBadInputKeepsInput(t *testing.T) {
	e := setup(t)
	en := e.srv.cat.Localizer("en")
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name   string
		change map[string]string
		status int
		field  string // the field whose error is shown
		msgID  string
	}{
		{"empty name", map[string]string{"name": "  "}, 422, "name", "error_required"},
		{"long name", map[string]string{"name": long(201)}, 422, "name", "public_error_too_long"},
		{"empty email", map[string]string{"email": ""}, 422, "email", "error_required"},
		{"bad email", map[string]string{"email": "minh.anh@"}, 422, "email", "error_email_invalid"},
		{"email too long for the table", map[string]string{"email": long(250) + "@example.com"}, 422, "email", "error_email_invalid"},
		{"email not UTF-8", map[string]string{"email": "a\xff@example.com"}, 422, "email", "error_email_invalid"},
		{"empty subject", map[string]string{"subject": ""}, 422, "subject", "error_required"},
		{"long subject", map[string]string{"subject": long(301)}, 422, "subject", "public_error_too_long"},
		{"empty message", map[string]string{"message": ""}, 422, "message", "error_required"},
		{"long message", map[string]string{"message": long(20001)}, 422, "message", "public_error_too_long"},
		{"NUL in message", map[string]string{"message": "hi\x00there"}, 422, "message", "public_error_text_invalid"},
		{"name not UTF-8", map[string]string{"name": "Anh\xff"}, 422, "name", "public_error_text_invalid"},
		{"bad language", map[string]string{"locale": "de"}, 422, "locale", "error_locale_invalid"},
		{"no language", map[string]string{"locale": ""}, 422, "locale", "error_locale_invalid"},
		{"honeypot filled", map[string]string{"website": "http://spam.example"}, 422, "website", "public_error_spam"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := helpForm()
			for k, v := range tc.change {
				form.Set(k, v)
			}
			res := e.post(e.client(), "/help", form)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			errID := fmt.Sprintf(`id="f-%s-error"`, tc.field)
			if !strings.Contains(res.Body, errID) || !strings.Contains(res.Body, `aria-describedby="`) {
				t.Fatalf("no error beside field %s", tc.field)
			}
			if msg := en.T(tc.msgID); msg == tc.msgID || !strings.Contains(res.Body, htmlEscape(msg)) {
				t.Fatalf("message %q (%s) not shown", msg, tc.msgID)
			}
			// What the customer typed is still there (other fields at least).
			if tc.field != "subject" && !strings.Contains(res.Body, `value="Gói hàng bị hỏng"`) {
				t.Fatal("the subject typed was lost")
			}
			if tc.field != "message" && !strings.Contains(res.Body, "Hộp bị móp") {
				t.Fatal("the message typed was lost")
			}
		})
	}
	if n := e.countTickets(); n != 0 {
		t.Fatalf("%d tickets created from bad forms", n)
	}
}

// htmlEscape escapes like templ does for text, for comparing with bodies.
func htmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestHelpFormRateLimited(t *testing.T) {
	e := setup(t)
	c := e.client()
	for i := range limitHelp.max {
		f := helpForm()
		f.Set("subject", fmt.Sprintf("Request %d", i))
		e.submitHelp(c, f)
	}
	f := helpForm()
	f.Set("subject", "One too many")
	res := e.post(c, "/help", f)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", res.StatusCode)
	}
	if !strings.Contains(res.Body, "several requests in a short time") || !strings.Contains(res.Body, `value="One too many"`) {
		t.Fatal("429 without its message or without the input")
	}
	if n := e.countTickets(); n != limitHelp.max {
		t.Fatalf("%d tickets, want %d", n, limitHelp.max)
	}
}

// TestHelpFormRateLimitHoldsForParallelPosts sends three times the limit at
// once from one address: the check and the count are one locked step, so
// exactly the limit of tickets is made and the rest are told to wait.
func TestHelpFormRateLimitHoldsForParallelPosts(t *testing.T) {
	e := setup(t)
	const posts = 3 * 5
	if limitHelp.max != 5 {
		t.Fatalf("the test assumes a limit of 5, not %d", limitHelp.max)
	}
	statuses := make(chan int, posts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range posts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := helpForm()
			f.Set("subject", fmt.Sprintf("Parallel request %d", i))
			req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/help", strings.NewReader(f.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			<-start
			res, err := e.client().Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for st := range statuses {
		got[st]++
	}
	if got[http.StatusSeeOther] != limitHelp.max || got[http.StatusTooManyRequests] != posts-limitHelp.max {
		t.Fatalf("answers %v: want %d redirects and %d refusals", got, limitHelp.max, posts-limitHelp.max)
	}
	if n := e.countTickets(); n != limitHelp.max {
		t.Fatalf("%d tickets from %d parallel posts, want the limit %d", n, posts, limitHelp.max)
	}
}

// formKey returns the hidden form_key of the form on page.
func formKey(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="form_key" value="([A-Za-z0-9_-]{22,64})"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the form has no form_key")
	}
	return m[1]
}

// TestHelpFormAndReplySentTwiceCountOnce posts the same /help form and the
// same status-page reply twice, as a customer pressing Send again after an
// error or a timeout would: one ticket, one reply, the same success page.
func TestHelpFormAndReplySentTwiceCountOnce(t *testing.T) {
	e := setup(t)
	c := e.client()
	f := helpForm()
	f.Set("form_key", formKey(t, e.get(c, "/help").Body))
	token1, token2 := e.submitHelp(c, f), e.submitHelp(c, f)
	if n := e.countTickets(); n != 1 {
		t.Fatalf("%d tickets from one form sent twice", n)
	}
	t1, err1 := e.tickets.TicketByToken(t.Context(), token1)
	t2, err2 := e.tickets.TicketByToken(t.Context(), token2)
	if err1 != nil || err2 != nil || t1.ID != t2.ID {
		t.Fatalf("the two answers lead to %d and %d (%v, %v)", t1.ID, t2.ID, err1, err2)
	}
	if page := e.get(c, "/status/"+token2+"?new=1"); !strings.Contains(page.Body, `id="confirm-heading"`) {
		t.Fatal("the repeat does not show the confirmation")
	}
	// A fresh form is a new request.
	g := helpForm()
	g.Set("form_key", formKey(t, e.get(c, "/help").Body))
	e.submitHelp(c, g)
	if n := e.countTickets(); n != 2 {
		t.Fatalf("%d tickets after a second form, want 2", n)
	}

	reply := url.Values{"message": {"Tôi gửi ảnh."}, "form_key": {formKey(t, e.get(c, "/status/"+token1).Body)}}
	for range 2 {
		res := e.post(c, "/status/"+token1+"/reply", reply)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/status/"+token1 {
			t.Fatalf("reply: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
	}
	var n int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM messages WHERE ticket_id = $1 AND body = 'Tôi gửi ảnh.'`, t1.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d replies from one reply sent twice (%v)", n, err)
	}
	if page := e.get(c, "/status/"+token1); !strings.Contains(page.Body, "Tôi gửi ảnh.") {
		t.Fatal("the reply is not on the status page")
	}
}

// TestExpiredStatusLinkLeadsToFind closes a ticket 100 days ago: its link
// answers 410 with a page in the customer's language that leads to "find my
// ticket", and the link that form mails works again.
func TestExpiredStatusLinkLeadsToFind(t *testing.T) {
	e := setup(t)
	c := e.client()
	f := helpForm()
	f.Set("locale", "fi")
	token := e.submitHelp(c, f)
	tk, err := e.tickets.TicketByToken(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-100 * 24 * time.Hour)
	if _, err := e.srv.db.Exec(t.Context(), `UPDATE tickets SET status = 'closed', solved_at = $2, closed_at = $2 WHERE id = $1`, tk.ID, long); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.db.Exec(t.Context(), `UPDATE ticket_tokens SET created_at = $2 WHERE ticket_id = $1`, tk.ID, long); err != nil {
		t.Fatal(err)
	}
	fi := e.srv.cat.Localizer("fi")
	for _, path := range []string{"/status/" + token, "/status/" + token + "/reply"} {
		var res *response
		if strings.HasSuffix(path, "/reply") {
			res = e.post(c, path, url.Values{"message": {"Hei?"}})
		} else {
			res = e.get(c, path)
		}
		if res.StatusCode != http.StatusGone || !strings.Contains(res.Body, htmlEscape(fi.T("public_error_link_expired"))) ||
			!strings.Contains(res.Body, `href="/find"`) || strings.Contains(res.Body, "Hộp bị móp") {
			t.Fatalf("%s: %d, want the Finnish 'expired' page leading to /find:\n%s", path, res.StatusCode, res.Body)
		}
	}
	res := e.post(c, "/find", url.Values{"number": {strconv.FormatInt(tk.ID, 10)}, "email": {"minh.anh@example.com"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("find: %d", res.StatusCode)
	}
	var m ticketstest.Mail
	if err := e.srv.db.QueryRow(t.Context(), `SELECT id, ticket_id, data FROM outbox WHERE kind = 'status_link' AND ticket_id = $1`, tk.ID).Scan(&m.ID, &m.TicketID, &m.Data); err != nil {
		t.Fatalf("find queued no mail: %v", err)
	}
	link, _ := ticketstest.SentLinks(t.Context(), t, e.srv.db, m)["Link"].(string)
	fresh, _ := strings.CutPrefix(link, "http://127.0.0.1/status/")
	if page := e.get(c, "/status/"+fresh); page.StatusCode != 200 || !strings.Contains(page.Body, "Hộp bị móp") {
		t.Fatalf("the new link: %d", page.StatusCode)
	}
}

func TestStatusTokenOpensOnlyItsOwnTicket(t *testing.T) {
	e := setup(t)
	c := e.client()
	a := helpForm()
	a.Set("subject", "Ticket A subject")
	a.Set("locale", "en")
	b := helpForm()
	b.Set("subject", "Ticket B subject")
	b.Set("email", "other@example.com")
	b.Set("locale", "en")
	tokenA, tokenB := e.submitHelp(c, a), e.submitHelp(c, b)
	ta, _ := e.tickets.TicketByToken(t.Context(), tokenA)
	admin := tickets.Actor{UserID: e.users[staff.RoleAdmin].ID, SeeAll: true}
	if _, err := e.tickets.AddReply(t.Context(), admin, ta.ID, tickets.Reply{Kind: tickets.MessageInternal, Body: "internal: customer seems upset"}); err != nil {
		t.Fatal(err)
	}

	pageA := e.get(c, "/status/"+tokenA)
	if !strings.Contains(pageA.Body, "Ticket A subject") || strings.Contains(pageA.Body, "Ticket B subject") {
		t.Fatal("token A does not show exactly ticket A")
	}
	if strings.Contains(pageA.Body, "customer seems upset") {
		t.Fatal("an internal note is shown to the customer")
	}
	if res := e.post(c, "/status/"+tokenA+"/reply", url.Values{"message": {"Reply meant for A"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/status/"+tokenA {
		t.Fatalf("reply: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if pageB := e.get(c, "/status/"+tokenB); strings.Contains(pageB.Body, "Reply meant for A") || !strings.Contains(pageB.Body, "Ticket B subject") {
		t.Fatal("ticket B shows A's reply or not B")
	}
	if !strings.Contains(e.get(c, "/status/"+tokenA).Body, "Reply meant for A") {
		t.Fatal("A's reply is not on A")
	}
	// A token one character off: the last character changed to one it is not.
	last := "x"
	if strings.HasSuffix(tokenA, "x") {
		last = "y"
	}
	for _, bad := range []string{"short", tokenA[:len(tokenA)-1] + last, strings.Repeat("A", 40)} {
		res := e.get(c, "/status/"+bad)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, "This status link is not valid") {
			t.Fatalf("bad token %q: %d", bad, res.StatusCode)
		}
		if res := e.post(c, "/status/"+bad+"/reply", url.Values{"message": {"x"}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("reply with bad token: %d", res.StatusCode)
		}
	}
}

func TestStatusReplyReopensSolvedAndValidates(t *testing.T) {
	e := setup(t)
	c := e.client()
	f := helpForm()
	f.Set("locale", "fi")
	token := e.submitHelp(c, f)
	tk, _ := e.tickets.TicketByToken(t.Context(), token)
	rep := e.users[staff.RoleRep]
	actor := tickets.Actor{UserID: rep.ID, TeamIDs: rep.TeamIDs, SeeAll: true}
	if _, err := e.tickets.AddReply(t.Context(), actor, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Lähetämme uuden kupin.", SetStatus: tickets.StatusSolved}); err != nil {
		t.Fatal(err)
	}
	fi := e.srv.cat.Localizer("fi")
	page := e.get(c, "/status/"+token)
	for _, want := range []string{"Lähetämme uuden kupin.", fi.T("public_status_solved"), fi.T("public_reply_solved_hint"), fi.T("public_thread_staff", "Name", rep.Name)} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("solved status page lacks %q", want)
		}
	}

	// Bad replies: 422 (or 429), the message and the text kept, never 500.
	for body, msgID := range map[string]string{"   ": "error_required", strings.Repeat("x", 20001): "public_error_too_long", "a\x00b": "public_error_text_invalid"} {
		res := e.post(c, "/status/"+token+"/reply", url.Values{"message": {body}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, htmlEscape(fi.T(msgID))) || !strings.Contains(res.Body, `id="f-message-error"`) {
			t.Fatalf("bad reply (%s): %d", msgID, res.StatusCode)
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatal("422 status page without no-referrer")
		}
	}
	if got, _ := e.tickets.Get(t.Context(), actor, tk.ID); got.Status != tickets.StatusSolved {
		t.Fatalf("a bad reply changed the status to %s", got.Status)
	}

	res := e.post(c, "/status/"+token+"/reply", url.Values{"message": {"Kuppi on yhä rikki."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: %d", res.StatusCode)
	}
	got, err := e.tickets.Get(t.Context(), actor, tk.ID)
	if err != nil || got.Status != tickets.StatusOpen {
		t.Fatalf("after the customer's reply: %v %s, want open", err, got.Status)
	}
	page = e.get(c, "/status/"+token)
	if !strings.Contains(page.Body, fi.T("public_flash_reply_sent")) || !strings.Contains(page.Body, "Kuppi on yhä rikki.") || !strings.Contains(page.Body, fi.T("public_status_open")) {
		t.Fatal("the reply, its flash or the open status is missing")
	}
}

func TestStatusPageLanguage(t *testing.T) {
	e := setup(t)
	token := e.submitHelp(e.client(), helpForm()) // customer locale vi
	if res := e.get(e.client(), "/status/"+token); !strings.Contains(res.Body, `<html lang="vi">`) || res.Header.Get("Content-Language") != "vi" {
		t.Fatal("status page not in the customer's language")
	}
	// A browser that prefers Hindi still sees the customer's language...
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/status/"+token, nil)
	req.Header.Set("Accept-Language", "hi")
	if res := e.do(e.client(), req); !strings.Contains(res.Body, `<html lang="vi">`) {
		t.Fatal("Accept-Language overrode the customer's language")
	}
	// ...until the visitor switches language.
	c := e.client()
	e.post(c, "/locale", url.Values{"lang": {"fi"}, "return": {"/status/" + token}})
	if res := e.get(c, "/status/"+token); !strings.Contains(res.Body, `<html lang="fi">`) {
		t.Fatal("the language switcher is not honoured on the status page")
	}
	// Staff see it in their own language (the rep's is Finnish).
	if res := e.get(e.login(staff.RoleRep), "/status/"+token); !strings.Contains(res.Body, `<html lang="fi">`) {
		t.Fatal("a signed-in rep does not get their own language")
	}
}

func TestFindMyTicketRevealsNothing(t *testing.T) {
	e := setup(t)
	token := e.submitHelp(e.client(), helpForm())
	tk, _ := e.tickets.TicketByToken(t.Context(), token)
	num := fmt.Sprint(tk.ID)

	match := e.post(e.client(), "/find", url.Values{"number": {num}, "email": {"MINH.ANH@example.com"}})
	miss := e.post(e.client(), "/find", url.Values{"number": {num}, "email": {"someone.else@example.com"}})
	none := e.post(e.client(), "/find", url.Values{"number": {"999999"}, "email": {"minh.anh@example.com"}})
	for _, res := range []*response{match, miss, none} {
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/find?sent=1" || res.Body != match.Body {
			t.Fatalf("find answers differ: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
	}
	page := e.get(e.client(), "/find?sent=1")
	if !strings.Contains(page.Body, "If the details match a ticket, we have emailed a status link") {
		t.Fatal("no neutral answer")
	}
	rows := e.outboxRows(tk.ID)
	// (The address is matched case-insensitively, as the customers table stores it.)
	if len(rows) != 2 || !strings.EqualFold(rows[1], "status_link minh.anh@example.com vi") {
		t.Fatalf("outbox after find: %q (want the confirmation and one status link)", rows)
	}
	var total int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM outbox`).Scan(&total); err != nil || total != 2 {
		t.Fatalf("%d outbox rows in all, want 2 (no mail for a non-matching pair)", total)
	}

	for _, tc := range []struct{ number, email, field, msgID string }{
		{"", "a@example.com", "number", "error_required"},
		{"12x", "a@example.com", "number", "public_error_number_invalid"},
		{"-4", "a@example.com", "number", "public_error_number_invalid"},
		{"99999999999999999999999", "a@example.com", "number", "public_error_number_invalid"},
		{"12", "", "email", "error_required"},
		{"12", "not-an-address", "email", "error_email_invalid"},
		{"12", "a\x00@example.com", "email", "error_email_invalid"},
	} {
		res := e.post(e.client(), "/find", url.Values{"number": {tc.number}, "email": {tc.email}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, fmt.Sprintf(`id="f-%s-error"`, tc.field)) ||
			!strings.Contains(res.Body, htmlEscape(e.srv.cat.Localizer("en").T(tc.msgID))) {
			t.Fatalf("find %q %q: %d", tc.number, tc.email, res.StatusCode)
		}
	}
	// "#123" is accepted as 123.
	if res := e.post(e.client(), "/find", url.Values{"number": {"#" + num}, "email": {"x@example.com"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("#number: %d", res.StatusCode)
	}
	// Four requests so far from this address; the fifth is allowed, the sixth is not.
	e.post(e.client(), "/find", url.Values{"number": {"1"}, "email": {"x@example.com"}})
	res := e.post(e.client(), "/find", url.Values{"number": {"2"}, "email": {"kept@example.com"}})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, `value="kept@example.com"`) || !strings.Contains(res.Body, "several requests") {
		t.Fatalf("find rate limit: %d", res.StatusCode)
	}
}

// TestStatusTokenNotLogged runs the customer flow through a server whose log
// is kept, and checks that the token never appears in it.
func TestStatusTokenNotLogged(t *testing.T) {
	e := setup(t)
	var logs bytes.Buffer
	srv, err := New(Deps{Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), DB: e.srv.db,
		Catalog: e.srv.cat, Staff: e.staff, Tickets: e.tickets, BaseURL: "http://127.0.0.1", Now: e.srv.now})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e.http = hs
	c := e.client()
	token := e.submitHelp(c, helpForm())
	e.get(c, "/status/"+token+"?new=1")
	e.post(c, "/status/"+token+"/reply", url.Values{"message": {"thanks"}})
	e.post(c, "/status/"+token+"/reply", url.Values{"message": {""}})
	e.get(c, "/status/"+token)
	if !strings.Contains(logs.String(), "route=/status/{token}") {
		t.Fatalf("requests not logged by pattern:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Fatalf("the status token is in the log:\n%s", logs.String())
	}
}

func TestBrowserCustomerWebForm(t *testing.T) {
	e := setup(t)
	ctx := newBrowser(t)
	en, vi := e.srv.cat.Localizer("en"), e.srv.cat.Localizer("vi")
	alert := func(text string) string {
		return fmt.Sprintf(`//*[contains(@class,"flash") and contains(normalize-space(.), %q)]`, text)
	}
	fieldErr := func(field string) string { return fmt.Sprintf(`//*[@id="f-%s-error"]`, field) }

	// The customer fills the form by its labels, with a mistyped address first.
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/help"),
		chromedp.WaitVisible(heading(en.T("public_help_title"))),
		chromedp.SendKeys(byLabel(en.T("public_field_name")), "Nguyễn Minh Anh"),
		chromedp.SendKeys(byLabel(en.T("public_field_email")), "minh.anh@"),
		chromedp.SetValue(byLabel(en.T("public_field_locale")), "vi"),
		chromedp.SendKeys(byLabel(en.T("public_field_subject")), "Gói hàng bị hỏng"),
		chromedp.SendKeys(byLabel(en.T("public_field_message")), "Hộp bị móp và chiếc cốc bên trong bị vỡ."),
		chromedp.Click(button(en.T("public_help_submit"))),
		chromedp.WaitVisible(fieldErr("email")),
	)
	if err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	subject, err := chromedp.Run(ctx, chromedp.Value(byLabel(en.T("public_field_subject"))))
	if err != nil || subject != "Gói hàng bị hỏng" {
		t.Fatalf("the subject was lost on the error page: %q %v", subject, err)
	}
	screenshot(t, ctx, "public-form-error.png")

	err = chromedp.Do(ctx,
		// (An email input has no caret position to type at: the address is set whole.)
		chromedp.SetValue(byLabel(en.T("public_field_email")), "minh.anh@example.com"),
		chromedp.Click(button(en.T("public_help_submit"))),
		// The confirmation, in the language the customer chose.
		chromedp.WaitVisible(`//h2[normalize-space(.)=`+fmt.Sprintf("%q", vi.T("public_confirm_heading"))+`]`),
	)
	if err != nil {
		html, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("submit the form: %v\n%s", err, html)
	}
	link, err := chromedp.Run(ctx, chromedp.Value(byLabel(vi.T("public_confirm_link_label"))))
	if err != nil {
		t.Fatalf("read the status link: %v", err)
	}
	token, ok := strings.CutPrefix(link, "http://127.0.0.1/status/")
	if !ok {
		t.Fatalf("status link %q", link)
	}
	tk, err := e.tickets.TicketByToken(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(fmt.Sprintf(`//strong[normalize-space(.)=%q]`, vi.T("public_confirm_number", "Number", tk.ID)))); err != nil {
		t.Fatalf("ticket number not shown: %v", err)
	}
	if lang := htmlLang(t, ctx); lang != "vi" {
		t.Fatalf("status page lang %q, want vi", lang)
	}
	screenshot(t, ctx, "public-status-new.png")

	// A rep answers and solves the ticket.
	rep := e.users[staff.RoleRep]
	actor := tickets.Actor{UserID: rep.ID, TeamIDs: rep.TeamIDs, SeeAll: true}
	if _, err := e.tickets.AddReply(t.Context(), actor, tk.ID, tickets.Reply{
		Kind: tickets.MessagePublic, Body: "Chúng tôi sẽ gửi cho bạn một chiếc cốc mới.", SetStatus: tickets.StatusSolved,
	}); err != nil {
		t.Fatal(err)
	}

	// The customer opens the status link, sees the reply, and answers.
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/status/"+token),
		chromedp.WaitVisible(`//*[contains(@class,"message-body") and contains(., "chiếc cốc mới")]`),
		chromedp.WaitVisible(fmt.Sprintf(`//span[contains(@class,"badge") and normalize-space(.)=%q]`, vi.T("public_status_solved"))),
		chromedp.SendKeys(byLabel(vi.T("public_reply_field")), "Cảm ơn, nhưng tôi cũng cần hoàn tiền phí giao hàng."),
		chromedp.Click(button(vi.T("public_reply_submit"))),
		chromedp.WaitVisible(alert(vi.T("public_flash_reply_sent"))),
		chromedp.WaitVisible(`//*[contains(@class,"message-body") and contains(., "hoàn tiền phí giao hàng")]`),
		chromedp.WaitVisible(fmt.Sprintf(`//span[contains(@class,"badge") and normalize-space(.)=%q]`, vi.T("public_status_open"))),
	)
	if err != nil {
		t.Fatalf("reply on the status page: %v", err)
	}
	screenshot(t, ctx, "public-status-reply.png")
	got, err := e.tickets.Get(t.Context(), actor, tk.ID)
	if err != nil || got.Status != tickets.StatusOpen {
		t.Fatalf("ticket after the customer's reply: %v %s, want open", err, got.Status)
	}
}

func TestStatusReplyToClosedTicketOpensFollowUp(t *testing.T) {
	e := setup(t)
	c := e.client()
	token := e.submitHelp(c, helpForm())
	tk, _ := e.tickets.TicketByToken(t.Context(), token)
	actor := tickets.Actor{UserID: e.users[staff.RoleAdmin].ID, SeeAll: true}
	for _, st := range []tickets.Status{tickets.StatusSolved, tickets.StatusClosed} {
		var err error
		if tk, err = e.tickets.Update(t.Context(), actor, tk.ID, tickets.Changes{Version: tk.Version, Status: &st}); err != nil {
			t.Fatalf("set %s: %v", st, err)
		}
	}
	vi := e.srv.cat.Localizer("vi")
	if page := e.get(c, "/status/"+token); !strings.Contains(page.Body, vi.T("public_reply_closed_hint")) {
		t.Fatal("closed ticket without the follow-up hint")
	}
	if res := e.post(c, "/status/"+token+"/reply", url.Values{"message": {"Lại bị vỡ nữa rồi."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply to a closed ticket: %d", res.StatusCode)
	}
	follow, err := e.tickets.TicketByToken(t.Context(), token)
	if err != nil || follow.ID == tk.ID || follow.Status != tickets.StatusNew {
		t.Fatalf("the link does not lead to a new follow-up: %v %+v", err, follow)
	}
	page := e.get(c, "/status/"+token)
	if !strings.Contains(page.Body, vi.T("public_flash_follow_up")) || !strings.Contains(page.Body, vi.T("public_status_heading", "Number", follow.ID, "Subject", follow.Subject)) {
		t.Fatal("the follow-up is not shown with its notice")
	}
}
