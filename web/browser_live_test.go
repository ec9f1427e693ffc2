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
		chromedp.WaitVisible(`//*[@id="presence"]`),
		chromedp.SendKeys(byLabel(fi.T("reply_body")), "Tarkistan kuljetusliikkeeltä."),
	)
	if err != nil {
		t.Fatal(err)
	}
	streamOpen(t, e, ctxB)
	markPage(t, ctxB)
	if err := chromedp.Do(ctxA, chromedp.Navigate(e.http.URL+path), chromedp.WaitVisible(`//*[@id="presence"]`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctxA, chromedp.SendKeys(byLabel(vi.T("reply_body")), "Chúng tôi đang kiểm tra")); err != nil {
		t.Fatal(err)
	}
	replying := fi.T("live_presence_typing", "Name", a.Name)
	if err := chromedp.Do(ctxB, chromedp.WaitVisible(`//*[@id="presence"]//li[contains(., "`+replying+`")]`)); err != nil {
		t.Fatalf("B never saw %q: %v", replying, err)
	}
	// Screen readers hear it: the status region says it.
	if err := chromedp.Do(ctxB, chromedp.WaitReady(`//*[@role="status"][contains(., "`+replying+`")]`)); err != nil {
		t.Fatalf("B's status region never said %q: %v", replying, err)
	}
	screenshot(t, ctxB, "live-replying-fi.png")
	// Redrawn with nothing new, the list says nothing again.
	if _, err := chromedp.Run(ctxB, chromedp.Evaluate[bool](`(function(){
		window.__said = 0; window.__heard = 0;
		new MutationObserver(function () { window.__said++; }).observe(document.querySelector('[role=status]#live-say'),
			{childList: true, characterData: true, subtree: true});
		document.addEventListener('live:heard', function () { window.__heard++; });
		htmx.ajax('GET', location.pathname + '/presence', {target: '#presence', swap: 'outerHTML'});
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctxB, chromedp.Poll[chromedp.Void](`window.__heard > 0`)); err != nil {
		t.Fatalf("the presence list was never redrawn: %v", err)
	}
	if said, err := chromedp.Run(ctxB, chromedp.Evaluate[int](`window.__said`)); err != nil || said != 0 {
		t.Fatalf("the status region changed %d times (%v) when nothing new happened", said, err)
	}

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
	notice, _ := chromedp.Run(ctxB, chromedp.Text(chromedp.ID("live-notice")))
	if !strings.Contains(notice, fi.T("event_ticket_replied")) {
		t.Fatalf("notice %q lacks what A did", notice)
	}
	if err := chromedp.Do(ctxB, chromedp.WaitReady(`//*[@role="status"][contains(., "`+a.Name+` `+fi.T("event_ticket_replied")+`")]`)); err != nil {
		said, _ := chromedp.Run(ctxB, chromedp.Evaluate[string](`document.getElementById('live-say').textContent`))
		t.Fatalf("B's status region never said that A replied; it says %q: %v", said, err)
	}
	screenshot(t, ctxB, "live-reply-seen-fi.png")

	// B sends the reply written before A's arrived: asked to read A's first.
	if err := chromedp.Do(ctxB, chromedp.Click(button(fi.T("reply_send"))), chromedp.WaitVisible(`//*[@id="reply-guard"]`)); err != nil {
		t.Fatalf("B's reply went on top of A's: %v", err)
	}
	guard, _ := chromedp.Run(ctxB, chromedp.Text(chromedp.ID("reply-guard")))
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

// keys presses keys one after another, as a person does.
func keys(ks ...string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		var none chromedp.Void
		for _, k := range ks {
			if _, err := chromedp.KeyEvent(k)(ctx, tg); err != nil {
				return none, err
			}
		}
		return none, nil
	}
}

// keysReady waits until the page's shortcuts listen.
func keysReady() chromedp.Action[chromedp.Void] {
	return chromedp.WaitReady(`html[data-keys="ready"]`)
}

// focused reports the focused element's id (or its text) and whether
// it shows a focus outline.
func focused(t *testing.T, ctx context.Context) (string, bool) {
	t.Helper()
	type info struct {
		Name    string `json:"name"`
		Outline bool   `json:"outline"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[info](`(function(){
		var a = document.activeElement;
		if (!a || a === document.body) { return {name: "", outline: false}; }
		var s = getComputedStyle(a);
		return {name: a.id || a.textContent.trim(), outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return got.Name, got.Outline
}

// TestBrowserShortcutsByKeyboardOnly: a rep works the queue and a ticket
// with the keyboard alone: the help on "?", j/k through the rows with a
// visible focus, t takes, o opens, n writes a note, r replies, s and e reach
// the status and the escalation, g q goes back; nothing fires while typing.
func TestBrowserShortcutsByKeyboardOnly(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	fi := loc(e, rep)
	var ids []int64
	for i, subject := range []string{"Ensimmäinen paketti", "Toinen paketti"} {
		tk, _, err := e.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{Name: "Asiakas", Email: "a" + strconv.Itoa(i) + "@example.fi",
			Subject: subject, Message: "Missä pakettini on?", Locale: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	ctx := browserLogin(t, e, rep)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/queue/team"),
		chromedp.WaitVisible(heading(fi.T("queue_team_unassigned"))),
		keysReady(),
		keys("?"),
		chromedp.WaitVisible(`//dialog[@id="shortcuts"]//h2[normalize-space(.)="`+fi.T("live_keys_title")+`"]`),
	)
	if err != nil {
		t.Fatalf("help overlay: %v", err)
	}
	help, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("shortcuts")))
	for _, id := range []string{"live_key_next", "live_key_take", "live_key_note", "live_key_queue"} {
		if !strings.Contains(help, fi.T(id)) {
			t.Errorf("help lacks %q", fi.T(id))
		}
	}
	screenshot(t, ctx, "shortcuts-help-fi.png")
	if err := chromedp.Do(ctx, keys(kb.Escape), chromedp.WaitNotVisible(`//dialog[@id="shortcuts"]`)); err != nil {
		t.Fatalf("Esc did not close the help: %v", err)
	}

	// Newest first: j lands on the second ticket, j on the first, k back.
	if err := chromedp.Do(ctx, keys("j", "j", "k")); err != nil {
		t.Fatal(err)
	}
	name, outline := focused(t, ctx)
	if name != "Toinen paketti" || !outline {
		t.Fatalf("after j j k the focus is on %q (outline %v), want the second ticket, visibly", name, outline)
	}
	// x ticks it for a bulk action; a new ticket arriving live keeps the
	// tick, the current row and the focus.
	streamOpen(t, e, ctx)
	if err := chromedp.Do(ctx, keys("x")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{Name: "Uusi", Email: "u@example.fi",
		Subject: "Kolmas paketti", Message: "Ja kolmas?", Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(link("Kolmas paketti"))); err != nil {
		t.Fatalf("the new ticket never came: %v", err)
	}
	ticked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("input[data-select]:checked")).map(function(c){return c.value})`))
	if err != nil || len(ticked) != 1 || ticked[0] != strconv.FormatInt(ids[1], 10) {
		t.Fatalf("ticked after the refresh: %v (%v), want ticket %d", ticked, err, ids[1])
	}
	if name, outline := focused(t, ctx); name != "Toinen paketti" || !outline {
		t.Fatalf("after the refresh the focus is on %q (outline %v)", name, outline)
	}
	screenshot(t, ctx, "shortcuts-queue-fi.png")
	// t takes it: the queue comes back without it.
	if err := chromedp.Do(ctx, keys("t"), chromedp.WaitNotPresent(link("Toinen paketti")), chromedp.WaitVisible(heading(fi.T("queue_team_unassigned"))), keysReady()); err != nil {
		t.Fatalf("t did not take the ticket: %v", err)
	}
	if tk, _ := e.tickets.Get(t.Context(), actorOf(&rep), ids[1]); tk.OwnerID != rep.ID {
		t.Fatalf("ticket %d owner %d, want the rep", ids[1], tk.OwnerID)
	}
	if err := chromedp.Do(ctx, keys("j", "j", "o"), chromedp.WaitVisible(`//h1[contains(., "Ensimmäinen paketti")]`), keysReady()); err != nil {
		t.Fatalf("o did not open the ticket: %v", err)
	}
	// n: an internal note, typed and sent without the mouse; a "j" typed in
	// the box is text, not a shortcut.
	err = chromedp.Do(ctx,
		keys("n"),
		keys("Sisäinen huomio j"),
		keys(kb.Tab, kb.Tab, kb.Enter),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success")]`),
		keysReady(),
	)
	if err != nil {
		t.Fatalf("note by keyboard: %v", err)
	}
	msgs, err := e.tickets.Messages(t.Context(), ids[0], true)
	if err != nil || len(msgs) != 2 || msgs[1].Kind != tickets.MessageInternal || msgs[1].Body != "Sisäinen huomio j" {
		t.Fatalf("after n: %v %+v", err, msgs)
	}
	// r: the public reply box; Esc leaves it, s reaches the status, e the escalation.
	if err := chromedp.Do(ctx, keys("r")); err != nil {
		t.Fatal(err)
	}
	if name, _ := focused(t, ctx); name != "f-body" {
		t.Fatalf("r focused %q", name)
	}
	public, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("kind-public").checked`))
	if !public {
		t.Fatal("r did not choose a public reply")
	}
	for _, step := range []struct{ key, want string }{{"s", "f-status"}, {"e", "f-esc-kind"}, {"/", "header-search"}} {
		if err := chromedp.Do(ctx, keys(kb.Escape, step.key)); err != nil {
			t.Fatal(err)
		}
		if name, outline := focused(t, ctx); name != step.want || !outline {
			t.Fatalf("%s focused %q (outline %v), want %s", step.key, name, outline, step.want)
		}
	}
	if err := chromedp.Do(ctx, keys(kb.Escape, "g", "q"), chromedp.WaitVisible(heading(fi.T("queue_team_unassigned")))); err != nil {
		t.Fatalf("g q: %v", err)
	}
}
