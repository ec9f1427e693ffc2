package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// browserLogin signs u in through the login page, whose labels are English
// for a fresh browser.
func browserLogin(t *testing.T, e *env, u staff.User) context.Context {
	t.Helper()
	ctx := newBrowser(t)
	en := e.srv.cat.Localizer("en")
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/login"),
		chromedp.SendKeys(byLabel(en.T("login_email")), u.Email),
		chromedp.SendKeys(byLabel(en.T("login_password")), testPassword+kb.Enter),
		// The signed-in layout has the main navigation; the login page has not.
		chromedp.WaitVisible(chromedp.CSS("nav.main-nav")),
	)
	if err != nil {
		t.Fatalf("log in as %s: %v", u.Email, err)
	}
	return ctx
}

// pageText is the visible text of <main>.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("read page: %v", err)
	}
	return s
}

// link selects a link by its visible text (contains).
func link(text string) string {
	return fmt.Sprintf(`//a[contains(normalize-space(.), %q)]`, text)
}

func loc(e *env, u staff.User) *i18n.Localizer { return e.srv.cat.Localizer(u.Locale) }

func TestBrowserRepCreatesTicketByKeyboard(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	fi := loc(e, rep)
	ctx := browserLogin(t, e, rep)
	subject := "Tilaus myöhässä, äiti odottaa lahjaa"
	// The rep on the phone types everything and submits with Enter.
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/tickets/new"),
		chromedp.WaitVisible(heading(fi.T("ticket_new_title"))),
		chromedp.SendKeys(byLabel(fi.T("customer_name")), "Aino Äijälä"),
		chromedp.SendKeys(byLabel(fi.T("customer_email")), "aino@example.fi"),
		chromedp.SendKeys(byLabel(fi.T("customer_phone")), "+358 40 123 4567"),
		chromedp.SendKeys(byLabel(fi.T("ticket_subject")), subject),
		chromedp.SendKeys(byLabel(fi.T("ticket_description")), "Tilaus 1001 ei ole saapunut."),
		chromedp.SendKeys(byLabel(fi.T("ticket_priority")), fi.T("priority_high")),
		chromedp.SendKeys(byLabel(fi.T("ticket_order_ref")), "ORD-1001"+kb.Enter),
		chromedp.WaitVisible(`//h1[contains(., "`+subject+`")]`),
	)
	if err != nil {
		t.Fatalf("create by keyboard: %v", err)
	}
	text := pageText(t, ctx)
	for _, want := range []string{fi.T("flash_ticket_created"), "Aino Äijälä", "ORD-1001", fi.T("priority_high")} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	screenshot(t, ctx, "ticket-created-fi.png")
	page, err := e.tickets.Queue(t.Context(), actorOf(&rep), tickets.Filter{Scope: tickets.ScopeMine})
	if err != nil || len(page.Tickets) != 1 || page.Tickets[0].OwnerID != rep.ID || page.Tickets[0].Channel != "phone" {
		t.Fatalf("the rep should own exactly one phone ticket: %v %+v", err, page.Tickets)
	}
}

func TestBrowserSearchVietnameseWithoutDiacritics(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
		CustomerName: "Nguyễn Văn An", CustomerEmail: "an@example.vn", Subject: "Đơn hàng bị giao chậm",
		Body: "Tôi chưa nhận được đơn hàng của mình.", Channel: "chat", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		t.Fatal(err)
	}
	fi := loc(e, rep)
	ctx := browserLogin(t, e, rep)
	err = chromedp.Do(ctx,
		chromedp.SendKeys(byLabel(fi.T("search_label")), "don hang giao cham"+kb.Enter),
		chromedp.WaitVisible(heading(fi.T("search_title"))),
		chromedp.WaitVisible(`//mark[normalize-space(.)="giao"]`),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "Đơn hàng bị giao chậm") || !strings.Contains(text, "#"+strconv.FormatInt(tk.ID, 10)) {
		t.Fatalf("search results lack the Vietnamese ticket:\n%s", text)
	}
	screenshot(t, ctx, "search-vi.png")
	// The customer's name typed without diacritics finds the customer too.
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/search?q=nguyen+van+an"),
		chromedp.WaitVisible(link("Nguyễn Văn An")),
	)
	if err != nil {
		t.Fatalf("search by name: %v", err)
	}
}

func TestBrowserMergeTickets(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	mk := func(subject, body string) tickets.Ticket {
		tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
			CustomerName: "Priya Nair", CustomerEmail: "priya@example.in", Subject: subject, Body: body,
			Channel: "email", Priority: tickets.PriorityNormal,
		})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	dup := mk("मेरा ऑर्डर नहीं आया", "ऑर्डर 77 अभी तक नहीं आया।")
	keep := mk("Order 77 missing", "My order 77 has not arrived.")
	fi := loc(e, rep)
	ctx := browserLogin(t, e, rep)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+ticketURLOf(dup.ID)),
		chromedp.SendKeys(byLabel(fi.T("merge_target")), strconv.FormatInt(keep.ID, 10)),
		chromedp.Click(button(fi.T("merge_submit"))),
		chromedp.WaitVisible(`//h1[contains(., "Order 77 missing")]`),
	)
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "ऑर्डर 77 अभी तक नहीं आया।") {
		t.Fatalf("the survivor lacks the duplicate's message:\n%s", text)
	}
	got, err := e.tickets.Get(t.Context(), actorOf(&rep), dup.ID)
	if err != nil || got.MergedInto != keep.ID || got.Status != tickets.StatusClosed {
		t.Fatalf("duplicate not merged: %v %+v", err, got)
	}
}

// TestBrowserClosedLoop walks the whole loop by role and label: a rep answers
// an unowned web-form ticket (and so owns its loop) and escalates it to a
// senior; the senior accepts and hands it back with guidance, landing on the
// escalations queue; the rep cannot solve it before recording the follow-up
// (the error summary takes the focus and names it), records it, solves and
// closes; the supervisor sees the loop closed in the history.
func TestBrowserClosedLoop(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rep, senior, sup := e.users[staff.RoleRep], e.users[staff.RoleSenior], e.users[staff.RoleSupervisor]
	fi, vi, hi := loc(e, rep), loc(e, senior), loc(e, sup)
	web, _, err := e.tickets.CreatePublic(ctx, tickets.NewPublicTicket{
		Name: "Matti Meikäläinen", Email: "matti@example.fi", Subject: "Lasku veloitettu kahdesti",
		Message: "Sain kaksi veloitusta samasta tilauksesta ORD-2002.", Locale: "fi",
	})
	if err != nil {
		t.Fatal(err)
	}
	// Company for the queue: a ticket the supervisor took, one the rep owns.
	for _, n := range []struct {
		who     staff.User
		subject string
	}{{sup, "Palautus ei näy tilillä"}, {rep, "Toimitusosoite muuttui"}} {
		if _, _, err := e.tickets.Create(ctx, actorOf(&n.who), tickets.NewTicket{CustomerName: "Aino Äijälä", CustomerPhone: "+358 40 123 4567",
			Subject: n.subject, Body: "Asiakas soitti.", Channel: "phone", Priority: tickets.PriorityHigh}); err != nil {
			t.Fatal(err)
		}
	}
	ticketURL := e.http.URL + ticketURLOf(web.ID)

	repCtx := browserLogin(t, e, rep)
	err = chromedp.Do(repCtx,
		chromedp.Navigate(e.http.URL+"/queue/all"),
		chromedp.WaitVisible(`//button[@aria-label="`+fi.T("ui_queue_take_label", "Number", web.ID)+`"]`),
	)
	if err != nil {
		t.Fatalf("rep opens the queue: %v", err)
	}
	screenshot(t, repCtx, "queue-all-fi.png")
	err = chromedp.Do(repCtx,
		clickTo(link("Lasku veloitettu kahdesti"), ticketURLOf(web.ID)),
		// Answer: the first reply makes the rep the loop owner.
		chromedp.SendKeys(byLabel(fi.T("reply_body")), "Selvitämme asiaa laskutuksen kanssa."),
		chromedp.Click(button(fi.T("reply_send"))),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+fi.T("flash_reply_sent")+`")]`),
		chromedp.WaitVisible(`//*[@id="owner-row" and contains(., "`+rep.Name+`")]`),
		// Escalate to a named senior with a reason, behind one button.
		chromedp.Click(`//summary[normalize-space(.)="`+fi.T("ui_escalate_open")+`"]`),
		chromedp.SetValue(byLabel(fi.T("escalation_target")), "user:"+strconv.FormatInt(senior.ID, 10)),
		chromedp.SetValue(byLabel(fi.T("escalation_reason")), "billing_adjustment"),
		chromedp.SendKeys(byLabel(fi.T("escalation_note")), "Hyvitys vaatii laskutuksen oikeudet."),
		chromedp.Click(button(fi.T("escalation_submit"))),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+fi.T("flash_escalated_owner", "Owner", rep.Name)+`")]`),
	)
	if err != nil {
		t.Fatalf("rep answers and escalates: %v", err)
	}

	senCtx := browserLogin(t, e, senior)
	err = chromedp.Do(senCtx,
		chromedp.Navigate(e.http.URL+"/escalations"),
		chromedp.WaitVisible(heading(vi.T("escalations_title"))),
		chromedp.Click(button(vi.T("escalation_accept"))),
		chromedp.WaitVisible(`//h1[contains(., "Lasku veloitettu kahdesti")]`),
		chromedp.SendKeys(byLabel(vi.T("escalation_guidance_label")), "Hyvitys tehty, 49,90 € palautettu kortille."),
		// The hand-back ends the senior's part: back to the escalations queue.
		clickTo(button(vi.T("escalation_return")), "/escalations"),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+vi.T("flash_escalation_returned")+`")]`),
		chromedp.WaitVisible(heading(vi.T("escalations_title"))),
	)
	if err != nil {
		t.Fatalf("senior accepts and hands back: %v", err)
	}

	supCtx := browserLogin(t, e, sup)
	err = chromedp.Do(supCtx,
		chromedp.Navigate(ticketURL),
		chromedp.WaitVisible(`//h2[normalize-space(.)="`+hi.T("follow_up_title")+`"]`),
		chromedp.WaitVisible(byLabel(hi.T("ticket_owner"))), // supervisors choose the owner
	)
	if err != nil {
		t.Fatalf("supervisor opens the ticket: %v", err)
	}
	screenshot(t, supCtx, "ticket-supervisor-hi.png")

	// Send and set solved before the follow-up: refused. The error summary
	// has the focus and names the open follow-up; the reply is kept.
	err = chromedp.Do(repCtx,
		chromedp.Navigate(ticketURL),
		chromedp.WaitVisible(`//h2[normalize-space(.)="`+fi.T("follow_up_title")+`"]`),
		chromedp.SendKeys(byLabel(fi.T("reply_body")), "Hyvitys on tehty."),
		clickTo(button(fi.T("reply_send_solved")), "/replies"),
		chromedp.WaitVisible(`#error-summary`),
	)
	if err != nil {
		t.Fatalf("rep tries to solve before the follow-up: %v", err)
	}
	focused := func() string {
		// Autofocus applies at the page's next rendering: wait for it.
		_ = chromedp.Do(repCtx, chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === "error-summary"`,
			chromedp.WithPollingTimeout(10*time.Second)))
		id, err := chromedp.Run(repCtx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if id := focused(); id != "error-summary" {
		t.Errorf("after the refusal the focus is on %q, want the error summary", id)
	}
	summary, err := chromedp.Run(repCtx, chromedp.Text(`#error-summary`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fi.T("ui_summary_blocked"), fi.T("ui_summary_reply_kept"), rep.Name} {
		if !strings.Contains(summary, want) {
			t.Errorf("the error summary lacks %q:\n%s", want, summary)
		}
	}
	if href, err := chromedp.Run(repCtx, chromedp.AttributeValue(`#error-summary a`, "href")); err != nil || !strings.HasSuffix(href.Value, "#follow-up") {
		t.Errorf("the summary's entry links to %q (%v), want the follow-up box", href.Value, err)
	}
	if body, _ := chromedp.Run(repCtx, chromedp.Value(byLabel(fi.T("reply_body")))); body != "Hyvitys on tehty." {
		t.Errorf("the reply box holds %q after the refusal", body)
	}
	axeCheck(t, repCtx)
	screenshot(t, repCtx, "ticket-rep-error-summary-fi.png")

	// The summary's link leads to the follow-up; record it, solve, close.
	err = chromedp.Do(repCtx,
		chromedp.Click(`#error-summary a`),
		chromedp.SetValue(byLabel(fi.T("follow_up_method")), "phone"),
		chromedp.Click(`#confirmed-yes`),
		chromedp.SendKeys(byLabel(fi.T("follow_up_note")), "Asiakas vahvisti hyvityksen."),
		chromedp.Click(button(fi.T("follow_up_record"))),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+fi.T("flash_follow_up_confirmed")+`")]`),
		chromedp.SendKeys(byLabel(fi.T("reply_body")), "Hyvitys on tehty. Kiitos kärsivällisyydestä!"),
		chromedp.Click(button(fi.T("reply_send_solved"))),
		chromedp.WaitVisible(`//*[contains(@class,"badge") and normalize-space(.)="`+fi.T("status_solved")+`"]`),
		chromedp.SetValue(byLabel(fi.T("ticket_status")), "closed"),
		chromedp.Click(button(fi.T("save"))),
		chromedp.WaitVisible(`//*[contains(@class,"badge") and normalize-space(.)="`+fi.T("status_closed")+`"]`),
	)
	if err != nil {
		t.Fatalf("rep records the follow-up, solves and closes: %v", err)
	}

	err = chromedp.Do(supCtx,
		chromedp.Navigate(ticketURL),
		chromedp.WaitVisible(`//h2[normalize-space(.)="`+hi.T("ticket_history")+`"]`),
	)
	if err != nil {
		t.Fatalf("supervisor opens the closed ticket: %v", err)
	}
	text := pageText(t, supCtx)
	for _, want := range []string{hi.T("event_ticket_escalated"), hi.T("event_ticket_escalation_returned"),
		hi.T("event_ticket_follow_up_recorded"), hi.T("escalation_status_returned"), hi.T("status_closed")} {
		if !strings.Contains(text, want) {
			t.Errorf("supervisor's view lacks %q", want)
		}
	}
	if strings.Contains(text, hi.T("follow_up_title")) {
		t.Error("the loop still shows as open")
	}
	screenshot(t, supCtx, "loop-closed-hi.png")
}
