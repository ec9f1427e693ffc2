package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// A customer mail's Cc is not copied on the ticket; the history names each
// address with a button that adds it to the CC in one click.
func TestBrowserRepAddsAMailsCcInOneClick(t *testing.T) {
	e := setup(t)
	sup := e.users[staff.RoleSupervisor]
	r, err := e.tickets.ReceiveEmail(t.Context(), tickets.InboundEmail{MessageID: "cc1@mail.example", FromEmail: "aino@example.fi",
		FromName: "Aino", Subject: "Lasku on väärin", Body: "Laskussa on kaksi samaa riviä.", Cc: []string{"Pomo <pomo@example.fi>"}})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := e.tickets.CCs(t.Context(), r.TicketID); len(list) != 0 {
		t.Fatalf("the mail's Cc was copied: %+v", list)
	}
	l := loc(e, sup)
	ctx := browserLogin(t, e, sup)
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/tickets/"+strconv.FormatInt(r.TicketID, 10)),
		chromedp.WaitVisible(button(l.T("ccfix_cc_add_named", "Email", "pomo@example.fi"))),
	)
	if err != nil {
		t.Fatalf("no one-click button in the history: %v", err)
	}
	screenshot(t, ctx, "ticket-mail-cc-before.png")
	err = chromedp.Do(ctx,
		clickTo(button(l.T("ccfix_cc_add_named", "Email", "pomo@example.fi")), "#cc"),
		chromedp.WaitVisible(`//button[@aria-label=`+strconv.Quote(l.T("mailout_cc_remove_named", "Email", "pomo@example.fi"))+`]`),
	)
	if err != nil {
		t.Fatalf("add the mail's Cc: %v", err)
	}
	screenshot(t, ctx, "ticket-mail-cc-added.png")
	list, err := e.tickets.CCs(t.Context(), r.TicketID)
	if err != nil || len(list) != 1 || list[0].Email != "pomo@example.fi" || list[0].AddedBy != sup.ID {
		t.Fatalf("CC after the click: %+v %v", list, err)
	}
	page := e.get(e.login(staff.RoleSupervisor), "/tickets/"+strconv.FormatInt(r.TicketID, 10))
	if page.StatusCode != 200 || strings.Contains(page.Body, htmlEscape(l.T("ccfix_cc_add_named", "Email", "pomo@example.fi"))) {
		t.Fatalf("ticket page (%d) still offers to add an address on the CC", page.StatusCode)
	}
}
