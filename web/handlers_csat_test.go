package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/outbox"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// setStatus moves ticket id to st as the supervisor.
func (e *env) setStatus(id int64, st tickets.Status) {
	e.t.Helper()
	ctx := context.Background()
	sup := e.users[staff.RoleSupervisor]
	tk, err := e.tickets.Get(ctx, actorOf(&sup), id)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.tickets.Update(ctx, actorOf(&sup), id, tickets.Changes{Version: tk.Version, Status: &st}); err != nil {
		e.t.Fatalf("move ticket %d to %s: %v", id, st, err)
	}
}

// repTicket has the rep open a ticket for a customer with an email address.
func (e *env) repTicket(subject, customer, email, locale string) tickets.Ticket {
	e.t.Helper()
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(context.Background(), actorOf(&rep), tickets.NewTicket{
		CustomerName: customer, CustomerEmail: email, CustomerLocale: locale, Subject: subject,
		Body: "Please help.", Channel: "email", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

// surveyToken runs the survey job and returns the status-link token its mail
// for ticket id carries.
func (e *env) surveyToken(id int64) string {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.srv.csat.QueueSurveys(ctx); err != nil {
		e.t.Fatal(err)
	}
	var m ticketstest.Mail
	err := e.srv.db.QueryRow(ctx, `SELECT id, ticket_id, data FROM outbox WHERE ticket_id = $1 AND kind = 'csat_survey'`, id).Scan(&m.ID, &m.TicketID, &m.Data)
	if err != nil {
		e.t.Fatalf("survey mail of %d: %v", id, err)
	}
	link, _ := ticketstest.SentLinks(ctx, e.t, e.srv.db, m)["Good"].(string) // as the outbox sends it
	token, ok := strings.CutPrefix(strings.TrimSuffix(link, "/good"), "http://127.0.0.1/csat/")
	if !ok {
		e.t.Fatalf("survey link %q", link)
	}
	return token
}

func TestStatusPageShowsSurveyOnlyWhenSolved(t *testing.T) {
	e := setup(t)
	c := e.client()
	token := e.submitHelp(c, helpForm()) // a Vietnamese customer
	tk, err := e.tickets.TicketByToken(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	vi := e.srv.cat.Localizer("vi")
	page := e.get(c, "/status/"+token)
	wantCode(t, page, http.StatusOK)
	if strings.Contains(page.Body, `id="csat"`) || strings.Contains(page.Body, vi.T("csat_block_question")) {
		t.Fatal("survey shown on a new ticket")
	}
	// Before it is solved, the survey page says so and offers no form.
	res := e.get(c, "/csat/"+token+"/good")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, vi.T("csat_error_not_solved"))
	if strings.Contains(res.Body, `name="rating"`) {
		t.Fatal("survey form on an unsolved ticket")
	}
	wantCode(t, e.post(c, "/csat/"+token, url.Values{"rating": {"good"}}), http.StatusConflict)

	e.setStatus(tk.ID, tickets.StatusSolved)
	page = e.get(c, "/status/"+token)
	wantHTML(t, page.Body, `id="csat"`, vi.T("csat_block_question"),
		`href="/csat/`+token+`/good"`, `href="/csat/`+token+`/bad"`)

	// The one-click link opens the form with the choice made: nothing is recorded yet.
	res = e.get(c, "/csat/"+token+"/bad")
	wantCode(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `<html lang="vi">`) || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatal("survey page not in the customer's language, or leaks its link")
	}
	wantHTML(t, res.Body, `id="f-rating-bad" name="rating" value="bad" checked`, vi.T("csat_field_comment"), vi.T("csat_submit"))
	if strings.Contains(res.Body, `value="good" checked`) {
		t.Fatal("both ratings checked")
	}
	if n := e.count("csat_responses"); n != 0 {
		t.Fatalf("a GET recorded %d answers", n)
	}

	res = e.post(c, "/csat/"+token, url.Values{"rating": {"bad"}, "reason": {"speed"}, "comment": {"Quá chậm."}})
	wantCode(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/status/"+token+"#csat" {
		t.Fatalf("redirect to %q", loc)
	}
	page = e.get(c, "/status/"+token)
	wantHTML(t, page.Body, vi.T("csat_flash_thanks"), vi.T("csat_your_answer"), vi.T("csat_rate_bad"),
		vi.T("csat_reason_speed"), "Quá chậm.", vi.T("csat_change_link"))

	// A change: the form opens with the answer so far.
	res = e.get(c, "/csat/"+token+"/good")
	wantHTML(t, res.Body, `value="good" checked`, "Quá chậm.", `<option value="speed" selected>`)
	wantCode(t, e.post(c, "/csat/"+token, url.Values{"rating": {"good"}}), http.StatusSeeOther)
	if r, _, _ := e.srv.csat.Find(t.Context(), tk.ID); r.Rating != csat.Good || r.Comment != "" || e.count("csat_responses") != 1 {
		t.Fatalf("changed answer: %+v", r)
	}

	// Eight days after the first answer: read-only, with a clear message.
	if _, err := e.srv.db.Exec(t.Context(), `UPDATE csat_responses SET answered_at = now() - interval '8 days'`); err != nil {
		t.Fatal(err)
	}
	page = e.get(c, "/status/"+token)
	wantHTML(t, page.Body, vi.T("csat_rate_good"))
	if strings.Contains(page.Body, vi.T("csat_change_link")) {
		t.Fatal("change link after the window")
	}
	res = e.get(c, "/csat/"+token+"/bad")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, vi.T("csat_error_locked"))
	if strings.Contains(res.Body, `name="rating"`) {
		t.Fatal("form shown after the window")
	}
	res = e.post(c, "/csat/"+token, url.Values{"rating": {"bad"}})
	wantCode(t, res, http.StatusConflict)
	wantHTML(t, res.Body, vi.T("csat_error_locked"))
}

func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.srv.db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestCSATBadInputIs422(t *testing.T) {
	e := setup(t)
	tk := e.repTicket("Broken mug", "Aino", "aino@example.fi", "fi")
	e.setStatus(tk.ID, tickets.StatusSolved)
	token := e.surveyToken(tk.ID)
	fi := e.srv.cat.Localizer("fi")
	c := e.client()
	cases := []struct {
		name  string
		form  url.Values
		field string
		msgID string
	}{
		{"no rating", url.Values{}, "rating", "csat_error_rating"},
		{"made-up rating", url.Values{"rating": {"meh"}}, "rating", "csat_error_rating"},
		{"made-up reason", url.Values{"rating": {"good"}, "reason": {"price"}}, "reason", "csat_error_reason"},
		{"long comment", url.Values{"rating": {"good"}, "comment": {strings.Repeat("ä", 2001)}}, "comment", "csat_error_comment_long"},
		{"NUL", url.Values{"rating": {"bad"}, "comment": {"a\x00b"}}, "comment", "csat_error_comment_invalid"},
		{"not UTF-8", url.Values{"rating": {"bad"}, "comment": {"a\xffb"}}, "comment", "csat_error_comment_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.post(c, "/csat/"+token, tc.form)
			wantCode(t, res, http.StatusUnprocessableEntity)
			errID := `id="f-` + tc.field + `-error"`
			if !strings.Contains(res.Body, errID) {
				t.Fatalf("no error beside %s", tc.field)
			}
			wantHTML(t, res.Body, fi.T(tc.msgID))
			if c := tc.form.Get("comment"); c != "" && strings.ToValidUTF8(c, "") == c && !strings.ContainsRune(c, 0) &&
				!strings.Contains(res.Body, c) {
				t.Fatal("the comment typed was lost")
			}
		})
	}
	// A body that is not a form.
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/csat/"+token, strings.NewReader("rating=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	wantCode(t, e.do(c, req), http.StatusUnprocessableEntity)
	// Unknown tokens: the "link not valid" page.
	wantCode(t, e.get(c, "/csat/short/good"), http.StatusNotFound)
	wantCode(t, e.post(c, "/csat/not-a-real-token-0123456789", url.Values{"rating": {"good"}}), http.StatusNotFound)
	wantCode(t, e.get(c, "/csat/"+token+"/meh"), http.StatusNotFound)
	if n := e.count("csat_responses"); n != 0 {
		t.Fatalf("%d answers stored from bad input", n)
	}
}

func TestCSATSurveyMailAndBadRatingOnTicketPage(t *testing.T) {
	e := setup(t)
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	tk := e.repTicket("Lahja myöhässä", "Aino Äijälä", "aino@example.fi", "fi")
	e.setStatus(tk.ID, tickets.StatusSolved)
	token := e.surveyToken(tk.ID)

	// The survey mail renders in the customer's language with both links.
	var id int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT id FROM outbox WHERE kind = 'csat_survey'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	m, err := outbox.NewStore(e.srv.db, time.Now).Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	mail, err := outbox.Render(e.srv.cat, m)
	if err != nil {
		t.Fatal(err)
	}
	fi := e.srv.cat.Localizer("fi")
	// (The stored mail has the placeholder: the outbox mints the token when it sends.)
	ph := tickets.StatusTokenPlaceholder
	if !strings.Contains(mail.Subject, "Miten onnistuimme?") || !strings.Contains(mail.Body, "http://127.0.0.1/csat/"+ph+"/good") ||
		!strings.Contains(mail.Body, "http://127.0.0.1/csat/"+ph+"/bad") {
		t.Fatalf("survey mail:\n%s\n%s", mail.Subject, mail.Body)
	}

	res := e.post(e.client(), "/csat/"+token, url.Values{"rating": {"bad"}, "reason": {"solution"}, "comment": {"Lahja ei tullut ajoissa."}})
	wantCode(t, res, http.StatusSeeOther)
	var kinds []string
	rows, err := e.srv.db.Query(t.Context(), `SELECT user_id FROM notifications WHERE kind = 'csat_bad' ORDER BY user_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var uid int64
		_ = rows.Scan(&uid)
		kinds = append(kinds, map[int64]string{rep.ID: "rep", sup.ID: "supervisor"}[uid])
	}
	rows.Close()
	if strings.Join(kinds, ",") != "rep,supervisor" {
		t.Fatalf("notified %v, want the loop owner and the team's supervisor", kinds)
	}
	f, err := e.esc.OpenFollowUp(t.Context(), tk.ID)
	if err != nil || f == nil || f.Reason != "csat_bad" || f.OwnerID != rep.ID {
		t.Fatalf("follow-up: %+v, %v", f, err)
	}

	// The rep sees the answer on the ticket and the bell tells why.
	c := e.login(staff.RoleRep)
	page := e.get(c, "/tickets/"+strconv.FormatInt(tk.ID, 10))
	wantCode(t, page, http.StatusOK)
	wantHTML(t, page.Body, fi.T("csat_box_heading"), fi.T("csat_rate_bad"), fi.T("csat_reason_solution"), "Lahja ei tullut ajoissa.",
		fi.T("event_ticket_csat_bad"))
	notes := e.get(c, "/notifications")
	wantHTML(t, notes.Body, fi.T("notify_csat_bad"))
}

// TestBrowserCustomerAnswersCSAT: a customer opens the status link of a
// solved ticket, picks "bad" on the survey, adds a reason and a comment by
// their labels, sends it, and sees their answer on the status page.
func TestBrowserCustomerAnswersCSAT(t *testing.T) {
	e := setup(t)
	token := e.submitHelp(e.client(), helpForm()) // Vietnamese
	tk, err := e.tickets.TicketByToken(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	e.setStatus(tk.ID, tickets.StatusSolved)
	vi := e.srv.cat.Localizer("vi")
	ctx := newBrowser(t)
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/status/"+token),
		chromedp.WaitVisible(`//h2[normalize-space(.)="`+vi.T("csat_block_heading")+`"]`),
	)
	if err != nil {
		t.Fatalf("open the status page: %v", err)
	}
	screenshot(t, ctx, "csat-status-survey-vi.png")
	axeClean(t, ctx, "status page with the survey")
	err = chromedp.Do(ctx,
		chromedp.Click(`//section[@id="csat"]//a[normalize-space(.)="`+vi.T("csat_choice_bad")+`"]`),
		chromedp.WaitVisible(heading(vi.T("csat_heading", "Number", tk.ID))),
	)
	if err != nil {
		t.Fatalf("click bad: %v", err)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('f-rating-bad').checked`))
	if err != nil || !checked {
		t.Fatalf("bad is not preselected: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(byLabel(vi.T("csat_field_reason")), "staff"),
		chromedp.SendKeys(byLabel(vi.T("csat_field_comment")), "Nhân viên không lịch sự."),
	)
	if err != nil {
		t.Fatalf("fill in the form: %v", err)
	}
	screenshot(t, ctx, "csat-form-vi.png")
	axeClean(t, ctx, "survey form")
	if n := e.count("csat_responses"); n != 0 {
		t.Fatalf("opening the link recorded %d answers", n)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(button(vi.T("csat_submit"))),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+vi.T("csat_flash_thanks")+`")]`),
	)
	if err != nil {
		t.Fatalf("send the answer: %v", err)
	}
	text := pageText(t, ctx)
	for _, want := range []string{vi.T("csat_your_answer"), vi.T("csat_rate_bad"), vi.T("csat_reason_staff"), "Nhân viên không lịch sự.", vi.T("csat_change_link")} {
		if !strings.Contains(text, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	screenshot(t, ctx, "csat-answered-vi.png")
	axeClean(t, ctx, "status page with the answer")
	r, found, err := e.srv.csat.Find(t.Context(), tk.ID)
	if err != nil || !found || r.Rating != csat.Bad || r.Reason != "staff" || r.Comment != "Nhân viên không lịch sự." {
		t.Fatalf("answer: %+v %v %v", r, found, err)
	}
}

// axeClean runs axe-core on the page open in ctx and fails the test on
// serious or critical violations: the general accessibility test sees these
// pages empty, the feedback browser tests see them filled in.
func axeClean(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): run `make assets`", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[*struct{}](string(axe)+"\n;null")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](runAxe, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: %s (%s) %s: %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "))
		}
	}
}
