package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestBrowserCannedReply: a supervisor (Hindi) saves a Finnish canned reply
// on /canned; a rep (Finnish) types a greeting on a ticket, picks the canned
// reply, inserts it after what they typed (htmx) and sends it.
func TestBrowserCannedReply(t *testing.T) {
	e := setup(t)
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	fi, hi := loc(e, rep), loc(e, sup)
	tk := e.repTicket("Paketti myöhässä", "Aino Äijälä", "aino@example.fi", "fi")
	e.addCanned(0, "en", "Delivery times", "Deliveries take 2–4 days.")

	sctx := browserLogin(t, e, sup)
	err := chromedp.Do(sctx,
		chromedp.Navigate(e.http.URL+"/canned"),
		chromedp.WaitVisible(heading(hi.T("canned_title"))),
		chromedp.SetValue(byLabel(hi.T("canned_field_locale")), "fi"),
		chromedp.SendKeys(byLabel(hi.T("canned_field_title")), "Toimitusaika"),
		chromedp.SendKeys(byLabel(hi.T("canned_field_body")), "Paketti {{ticket_number}} on matkalla, {{customer_name}}. Terveisin {{agent_name}}"),
		chromedp.Click(button(hi.T("canned_create"))),
		chromedp.WaitVisible(`//*[contains(@class, "flash") and contains(., "`+hi.T("canned_flash_created")+`")]`),
		chromedp.WaitVisible(`//h3[normalize-space(.)="Toimitusaika"]`),
	)
	if err != nil {
		t.Fatalf("supervisor saves a canned reply: %v", err)
	}
	screenshot(t, sctx, "canned-page-hi.png")

	ctx := browserLogin(t, e, rep)
	want := "Hei,\n\nPaketti #" + strconv.FormatInt(tk.ID, 10) + " on matkalla, Aino Äijälä. Terveisin " + rep.Name
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+ticketURLOf(tk.ID)),
		chromedp.WaitVisible(`//h1[contains(., "Paketti myöhässä")]`),
		chromedp.SendKeys(byLabel(fi.T("reply_body")), "Hei,"),
		chromedp.SendKeys(byLabel(fi.T("canned_picker_label")), "Toimitusaika"),
		chromedp.Click(button(fi.T("canned_insert"))),
		// htmx swaps in the text area, holding the greeting and the reply.
		chromedp.WaitVisible(`//textarea[@id="f-body" and contains(., "on matkalla, Aino Äijälä")]`),
	)
	if err != nil {
		t.Fatalf("insert a canned reply: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Value(byLabel(fi.T("reply_body"))))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("reply box holds %q, want %q", got, want)
	}
	screenshot(t, ctx, "canned-ticket-fi.png")
	err = chromedp.Do(ctx,
		chromedp.Click(button(fi.T("reply_send"))),
		chromedp.WaitVisible(`//*[contains(@class, "flash") and contains(., "`+fi.T("flash_reply_sent")+`")]`),
	)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs, err := e.tickets.Messages(t.Context(), tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Kind != tickets.MessagePublic || strings.ReplaceAll(last.Body, "\r\n", "\n") != want {
		t.Fatalf("sent %s %q, want %q", last.Kind, last.Body, want)
	}
}
