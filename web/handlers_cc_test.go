package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// The admin Outbox page lists the CC's own copy of a reply.
func TestOutboxPageShowsTheCc(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
		CustomerName: "Minh Anh", CustomerEmail: "minh.anh@example.com", Subject: "Gói hàng", Body: "Hộp bị móp.",
		Channel: "email", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.tickets.AddCC(t.Context(), actorOf(&rep), tk.ID, "sep@example.vn"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tickets.AddReply(t.Context(), actorOf(&rep), tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Chúng tôi gửi hộp mới."}); err != nil {
		t.Fatal(err)
	}
	e.holdAll()
	page := e.get(e.login(staff.RoleAdmin), "/admin/outbox")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "sep@example.vn") ||
		!strings.Contains(page.Body, htmlEscape(e.srv.cat.Localizer("en").T("outbox_kind_reply_cc"))) {
		t.Fatalf("outbox page (%d) does not list the CC's copy of the reply", page.StatusCode)
	}
	ctx := browserLogin(t, e, e.users[staff.RoleAdmin])
	if err := chromedp.Do(ctx, chromedp.Navigate(e.http.URL+"/admin/outbox"), chromedp.WaitVisible(`//td[contains(., "sep@example.vn")]`)); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "outbox-cc-en.png")
}
