package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// atRiskData is a small desk: Anna contacted us three times, rated one
// ticket bad and had an SLA breach (2*2 + 5 + 3 = 12); Bao twice (2).
type atRiskData struct {
	anna, bao         int64 // customer ids
	annaLatest, baoT2 int64 // their newest tickets
	annaBad           int64 // Anna's ticket rated bad
}

func seedAtRisk(t *testing.T, e *env) atRiskData {
	t.Helper()
	ctx := context.Background()
	a1 := e.repTicket("Kettle arrived broken", "Anna Virtanen", "anna@example.fi", "fi")
	e.setStatus(a1.ID, tickets.StatusSolved)
	if _, err := e.srv.csat.Answer(ctx, a1.ID, csat.Answer{Rating: "bad", Comment: "Still no refund."}); err != nil {
		t.Fatal(err)
	}
	a2 := e.repTicket("Refund missing", "Anna Virtanen", "anna@example.fi", "fi")
	if _, err := e.srv.db.Exec(ctx, `INSERT INTO sla_firings (ticket_id, target, due_at, level, fired_at) VALUES ($1, 'first_response', now(), 'breached', now())`, a2.ID); err != nil {
		t.Fatal(err)
	}
	a3 := e.repTicket("Third call about the refund", "Anna Virtanen", "anna@example.fi", "fi")
	e.repTicket("Invoice address", "Bao Nguyen", "bao@example.vn", "vi")
	b2 := e.repTicket("Invoice address again", "Bao Nguyen", "bao@example.vn", "vi")
	return atRiskData{anna: a3.Customer.ID, bao: b2.Customer.ID, annaLatest: a3.ID, baoT2: b2.ID, annaBad: a1.ID}
}

func TestAtRiskListAndProactiveFollowUp(t *testing.T) {
	e := setup(t)
	d := seedAtRisk(t, e)
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	hi := loc(e, sup)
	c := e.login(staff.RoleSupervisor)

	res := e.get(c, "/supervisor/customers")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, hi.T("atrisk_title"), "Anna Virtanen", "Bao Nguyen",
		hi.T("atrisk_reason_repeat_contacts", "N", 2), hi.T("atrisk_reason_bad_csat", "N", 1), hi.T("atrisk_reason_sla_breaches", "N", 1),
		hi.T("atrisk_reason_repeat_contacts", "N", 1), "<strong>14</strong>", "<strong>2</strong>", "+4", "+5", "+3",
		`href="/queue/all?status=any&amp;customer=`+strconv.FormatInt(d.anna, 10)+`"`,
		`href="/tickets/`+strconv.FormatInt(d.annaLatest, 10)+`"`)
	if strings.Index(res.Body, "Anna Virtanen") > strings.Index(res.Body, "Bao Nguyen") {
		t.Error("Anna (12) is not ranked above Bao (2)")
	}

	// Bad input: 422 with the message, never 500; the form keeps its row.
	path := "/supervisor/customers/" + strconv.FormatInt(d.anna, 10) + "/follow-up"
	admin := e.users[staff.RoleAdmin]
	for _, owner := range []string{"", "abc", "-1", "999999", strconv.FormatInt(admin.ID, 10)} {
		res = e.post(c, path, url.Values{"owner_id": {owner}})
		wantCode(t, res, http.StatusUnprocessableEntity)
		wantHTML(t, res.Body, hi.T("atrisk_error_owner"), `id="owner-`+strconv.FormatInt(d.anna, 10)+`-error"`)
	}
	for _, q := range []string{"?after_score=x&after_id=1", "?after_score=3", "?after_score=-1&after_id=2", "?after_id=0&after_score=1"} {
		res = e.get(c, "/supervisor/customers"+q)
		wantCode(t, res, http.StatusUnprocessableEntity)
		wantHTML(t, res.Body, hi.T("atrisk_error_cursor"), "Anna Virtanen")
	}
	wantCode(t, e.post(c, "/supervisor/customers/abc/follow-up", url.Values{"owner_id": {"1"}}), http.StatusNotFound)
	wantCode(t, e.post(c, "/supervisor/customers/999999/follow-up", url.Values{"owner_id": {strconv.FormatInt(rep.ID, 10)}}), http.StatusNotFound)

	// Assign: a proactive follow-up for the rep on Anna's latest ticket.
	res = e.post(c, path, url.Values{"owner_id": {strconv.FormatInt(rep.ID, 10)}})
	wantCode(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/supervisor/customers#cust-"+strconv.FormatInt(d.anna, 10) {
		t.Fatalf("redirect to %q", loc)
	}
	f, err := e.esc.OpenFollowUp(t.Context(), d.annaLatest)
	if err != nil || f == nil || f.Reason != "proactive" || f.OwnerID != rep.ID {
		t.Fatalf("follow-up: %+v, %v", f, err)
	}
	wantHTML(t, e.get(c, "/supervisor/customers").Body, hi.T("atrisk_flash_assigned"))
	// Again: the ticket already has an open loop.
	res = e.post(c, path, url.Values{"owner_id": {strconv.FormatInt(rep.ID, 10)}})
	wantCode(t, res, http.StatusConflict)
	wantHTML(t, res.Body, hi.T("atrisk_error_open_follow_up"))

	// The rep's bell says a follow-up was assigned.
	wantHTML(t, e.get(e.login(staff.RoleRep), "/notifications").Body, loc(e, rep).T("notify_follow_up_assigned"))
}

func TestAtRiskPagesByKeyset(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	// 101 customers with two tickets each (2 points): the first page holds 100.
	_, err := e.srv.db.Exec(ctx, `
WITH c AS (INSERT INTO customers (name) SELECT 'Customer ' || g FROM generate_series(1, 101) g RETURNING id)
INSERT INTO tickets (subject, channel, customer_id) SELECT 'Again', 'phone', c.id FROM c, generate_series(1, 2)`)
	if err != nil {
		t.Fatal(err)
	}
	c := e.login(staff.RoleSupervisor)
	res := e.get(c, "/supervisor/customers")
	wantCode(t, res, http.StatusOK)
	if n := strings.Count(res.Body, `<tr id="cust-`); n != csat.MaxRiskPage {
		t.Fatalf("%d rows on the first page", n)
	}
	m := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatal("no next page link")
	}
	next := html.UnescapeString(m[1])
	if !strings.HasPrefix(next, "/supervisor/customers?after_id=") {
		t.Fatalf("next link %q", next)
	}
	res = e.get(c, next)
	wantCode(t, res, http.StatusOK)
	if n := strings.Count(res.Body, `<tr id="cust-`); n != 1 || strings.Contains(res.Body, `rel="next"`) {
		t.Fatalf("second page: %d rows", n)
	}
}

// TestBrowserSupervisorAssignsProactiveFollowUp: a supervisor opens the
// at-risk list, reads why a customer is on it and gives a rep a follow-up.
func TestBrowserSupervisorAssignsProactiveFollowUp(t *testing.T) {
	e := setup(t)
	d := seedAtRisk(t, e)
	sup, rep := e.users[staff.RoleSupervisor], e.users[staff.RoleRep]
	// The screenshot is in English.
	if err := e.staff.SetLocale(t.Context(), sup.ID, "en"); err != nil {
		t.Fatal(err)
	}
	en := e.srv.cat.Localizer("en")
	ctx := browserLogin(t, e, sup)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/supervisor/customers"),
		chromedp.WaitVisible(heading(en.T("atrisk_title"))),
	)
	if err != nil {
		t.Fatalf("open the list: %v", err)
	}
	text := pageText(t, ctx)
	for _, want := range []string{"Anna Virtanen", en.T("atrisk_reason_bad_csat", "N", 1), en.T("atrisk_reason_sla_breaches", "N", 1)} {
		if !strings.Contains(text, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	screenshot(t, ctx, "atrisk-list-en.png")
	axeClean(t, ctx, "at-risk list")
	err = chromedp.Do(ctx,
		chromedp.SetValue(byLabel(en.T("atrisk_owner", "Name", "Anna Virtanen")), strconv.FormatInt(rep.ID, 10)),
		chromedp.Click(`//button[@aria-label="`+en.T("atrisk_assign_label", "Name", "Anna Virtanen")+`"]`),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+en.T("atrisk_flash_assigned")+`")]`),
	)
	if err != nil {
		t.Fatalf("assign a follow-up: %v", err)
	}
	if f, err := e.esc.OpenFollowUp(t.Context(), d.annaLatest); err != nil || f == nil || f.OwnerID != rep.ID || f.Reason != "proactive" {
		t.Fatalf("follow-up: %+v, %v", f, err)
	}
	// The history link opens the customer's tickets.
	err = chromedp.Do(ctx,
		clickTo(`//a[@aria-label="`+en.T("atrisk_history_label", "Name", "Anna Virtanen")+`"]`, "customer="+strconv.FormatInt(d.anna, 10)),
		chromedp.WaitVisible(`//a[contains(., "Refund missing")]`),
	)
	if err != nil {
		t.Fatalf("open the history: %v", err)
	}
	// The bad answer on the ticket page's sidebar.
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/tickets/"+strconv.FormatInt(d.annaBad, 10)),
		chromedp.WaitVisible(`//h2[normalize-space(.)="`+en.T("csat_box_heading")+`"]`),
	)
	if err != nil {
		t.Fatalf("open the rated ticket: %v", err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "Still no refund.") {
		t.Error("the ticket page lacks the customer's comment")
	}
	screenshot(t, ctx, "csat-ticket-sidebar-en.png")
	axeClean(t, ctx, "ticket page with a CSAT answer")
	// The announcements page, with one posted.
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/supervisor/announcements"),
		chromedp.SendKeys(byLabel(en.T("announce_field_title")), "New returns policy"),
		chromedp.SendKeys(byLabel(en.T("announce_field_body")), "Returns are accepted for 60 days from today."),
		chromedp.Click(button(en.T("announce_submit"))),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+en.T("announce_flash_posted")+`")]`),
	)
	if err != nil {
		t.Fatalf("post an announcement: %v", err)
	}
	screenshot(t, ctx, "announcements-en.png")
	axeClean(t, ctx, "announcements page")
}
