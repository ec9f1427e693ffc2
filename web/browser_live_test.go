package web

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// twoBrowsers signs a and b in, each in their own browser context (own
// cookies) of one Chromium: two people at two desks.
func twoBrowsers(t *testing.T, e *env, a, b staff.User) (context.Context, context.Context) {
	t.Helper()
	ctxA := newBrowser(t)
	ctxB, cancel := chromedp.NewContext(ctxA, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	en := e.srv.cat.Localizer("en")
	for _, p := range []struct {
		ctx context.Context
		u   staff.User
	}{{ctxA, a}, {ctxB, b}} {
		err := chromedp.Do(p.ctx,
			chromedp.Navigate(e.http.URL+"/login"),
			chromedp.SendKeys(byLabel(en.T("login_email")), p.u.Email),
			chromedp.SendKeys(byLabel(en.T("login_password")), testPassword+kb.Enter),
			chromedp.WaitVisible(chromedp.CSS("nav.main-nav")),
		)
		if err != nil {
			t.Fatalf("log in as %s: %v", p.u.Email, err)
		}
	}
	return ctxA, ctxB
}

// streamOpen waits until the page's event stream is open and the hub listens.
func streamOpen(t *testing.T, e *env, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(function(){
		var s = window.htmx && htmx.createEventSource && document.body && document.body['htmx-internal-data'];
		return !!(s && s.sseEventSource && s.sseEventSource.readyState === 1);
	})()`))
	if err != nil {
		t.Fatalf("event stream never opened: %v", err)
	}
	<-e.srv.live.Ready()
}

// markPage sets a marker a reload would clear.
func markPage(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameDocument = true`)); err != nil {
		t.Fatal(err)
	}
}

func samePage(t *testing.T, ctx context.Context) bool {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__sameDocument === true`))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func activeID(t *testing.T, ctx context.Context) string {
	t.Helper()
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBrowserLiveDesk: two reps at once. B's queue shows A's new ticket
// without a reload and keeps B's place; on the ticket, B sees "A is
// replying" and then A's reply; B's own reply, written before A's arrived,
// asks B to read A's first and goes on the second send.
func TestBrowserLiveDesk(t *testing.T) {
	e := setup(t)
	a, b := e.users[staff.RoleSenior], e.users[staff.RoleRep] // A writes in Vietnamese, B in Finnish
	vi, fi := loc(e, a), loc(e, b)
	ctxA, ctxB := twoBrowsers(t, e, a, b)

	// B watches the open queue, typing a tag filter (the focus must stay).
	err := chromedp.Do(ctxB,
		chromedp.Navigate(e.http.URL+"/queue/all"),
		chromedp.WaitVisible(heading(fi.T("queue_all"))),
		chromedp.SendKeys(byLabel(fi.T("ticket_tag")), "vip"),
	)
	if err != nil {
		t.Fatal(err)
	}
	streamOpen(t, e, ctxB)
	markPage(t, ctxB)

	subject := "Giao hàng trễ " + strconv.Itoa(int(a.ID))
	err = chromedp.Do(ctxA,
		chromedp.Navigate(e.http.URL+"/tickets/new"),
		chromedp.SendKeys(byLabel(vi.T("customer_name")), "Nguyễn Thị Mai"),
		chromedp.SendKeys(byLabel(vi.T("ticket_subject")), subject),
		chromedp.SendKeys(byLabel(vi.T("ticket_description")), "Đơn hàng chưa tới."+kb.Enter),
		chromedp.SendKeys(byLabel(vi.T("ticket_order_ref")), "ORD-77"+kb.Enter),
		chromedp.WaitVisible(`//h1[contains(., "`+subject+`")]`),
	)
	if err != nil {
		t.Fatalf("A creates a ticket: %v", err)
	}
	if err := chromedp.Do(ctxB, chromedp.WaitVisible(link(subject))); err != nil {
		t.Fatalf("B's queue never showed A's ticket: %v", err)
	}
	if !samePage(t, ctxB) {
		t.Fatal("B's queue page was reloaded")
	}
	if id := activeID(t, ctxB); id != "f-tag" {
		t.Fatalf("focus moved to %q, want the tag filter B is typing in", id)
	}
	screenshot(t, ctxB, "live-queue-fi.png")

	page, err := e.tickets.Queue(t.Context(), actorOf(&a), tickets.Filter{Scope: tickets.ScopeMine})
	if err != nil || len(page.Tickets) != 1 {
		t.Fatalf("A's ticket: %v %d", err, len(page.Tickets))
	}
	path := "/tickets/" + strconv.FormatInt(page.Tickets[0].ID, 10)

	// Both open it; B starts a reply, A starts typing too.
	err = chromedp.Do(ctxB,
		chromedp.Navigate(e.http.URL+path),
		chromedp.WaitVisible(`#presence`),
		chromedp.SendKeys(byLabel(fi.T("reply_body")), "Tarkistan kuljetusliikkeeltä."),
	)
	if err != nil {
		t.Fatal(err)
	}
	streamOpen(t, e, ctxB)
	markPage(t, ctxB)
	if err := chromedp.Do(ctxA, chromedp.Navigate(e.http.URL+path), chromedp.WaitVisible(`#presence`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctxA, chromedp.SendKeys(byLabel(vi.T("reply_body")), "Chúng tôi đang kiểm tra")); err != nil {
		t.Fatal(err)
	}
	replying := fi.T("live_presence_typing", "Name", a.Name)
	if err := chromedp.Do(ctxB, chromedp.WaitVisible(`//*[@id="presence"]//li[contains(., "`+replying+`")]`)); err != nil {
		t.Fatalf("B never saw %q: %v", replying, err)
	}
	screenshot(t, ctxB, "live-replying-fi.png")

	// A sends; B's thread shows it at once, B's typing is untouched.
	if err := chromedp.Do(ctxA, clickTo(button(vi.T("reply_send")), path)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctxB,
		chromedp.WaitVisible(`//ol[@id="thread-list"]//div[contains(@class,"message-body")][contains(., "Chúng tôi đang kiểm tra")]`),
		chromedp.WaitVisible(`//*[@id="live-notice"]//li[contains(., "`+a.Name+`")]`),
	)
	if err != nil {
		t.Fatalf("B never saw A's reply: %v", err)
	}
	body, err := chromedp.Run(ctxB, chromedp.Value(byLabel(fi.T("reply_body"))))
	if err != nil || body != "Tarkistan kuljetusliikkeeltä." || !samePage(t, ctxB) {
		t.Fatalf("B's reply box after the update: %q (%v), same page %v", body, err, samePage(t, ctxB))
	}
	notice, _ := chromedp.Run(ctxB, chromedp.Text(`#live-notice`))
	if !strings.Contains(notice, fi.T("event_ticket_replied")) {
		t.Fatalf("notice %q lacks what A did", notice)
	}
	screenshot(t, ctxB, "live-reply-seen-fi.png")

	// B sends the reply written before A's arrived: asked to read A's first.
	if err := chromedp.Do(ctxB, chromedp.Click(button(fi.T("reply_send"))), chromedp.WaitVisible(`#reply-guard`)); err != nil {
		t.Fatalf("B's reply went on top of A's: %v", err)
	}
	guard, _ := chromedp.Run(ctxB, chromedp.Text(`#reply-guard`))
	if !strings.Contains(guard, "Chúng tôi đang kiểm tra") || !strings.Contains(guard, fi.T("live_replied_since", "Name", a.Name)) {
		t.Fatalf("the guard does not show A's message first: %q", guard)
	}
	screenshot(t, ctxB, "live-reply-guard-fi.png")
	kept, _ := chromedp.Run(ctxB, chromedp.Value(byLabel(fi.T("reply_body"))))
	if kept != "Tarkistan kuljetusliikkeeltä." {
		t.Fatalf("B's reply was not kept: %q", kept)
	}
	if err := chromedp.Do(ctxB, clickTo(button(fi.T("reply_send")), path), chromedp.WaitVisible(`//*[contains(@class,"flash-success")]`)); err != nil {
		t.Fatalf("second send: %v", err)
	}
	msgs, err := e.tickets.Messages(t.Context(), page.Tickets[0].ID, true)
	if err != nil || len(msgs) != 3 || msgs[2].Body != "Tarkistan kuljetusliikkeeltä." {
		t.Fatalf("thread after both replies: %v %+v", err, msgs)
	}
}
