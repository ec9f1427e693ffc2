package web

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestTicketPageLinksShowOnlyWhatTheViewerMaySee: a rep sees a linked ticket
// of another team only as "a ticket you cannot open" with its number, never
// its subject or status (security issue #10, finding 10).
func TestTicketPageLinksShowOnlyWhatTheViewerMaySee(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	mine, _, err := e.tickets.Create(ctx, actorOf(&rep), tickets.NewTicket{CustomerName: "Anna", Subject: "Parcel lost",
		Body: "Where is it?", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	billing, err := e.staff.EnsureTeam(ctx, "Billing")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := e.tickets.Create(ctx, actorOf(&sup), tickets.NewTicket{CustomerName: "Bert", Subject: "Secret billing dispute",
		Body: "Chargeback.", Channel: "phone", Priority: tickets.PriorityHigh, TeamID: billing.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.tickets.AddLink(ctx, actorOf(&sup), mine.ID, secret.ID, tickets.LinkParent); err != nil {
		t.Fatal(err)
	}
	if actorOf(&rep).CanSee(secret) {
		t.Fatal("the rep may see the billing ticket: the test proves nothing")
	}
	page := "/tickets/" + strconv.FormatInt(mine.ID, 10)
	number := "#" + strconv.FormatInt(secret.ID, 10)

	res := e.get(e.login(staff.RoleRep), page) // Finnish
	wantCode(t, res, 200)
	wantHTML(t, res.Body, e.srv.cat.Localizer("fi").T("link_hidden", "Number", number))
	if strings.Contains(res.Body, "Secret billing dispute") || strings.Contains(res.Body, `href="/tickets/`+strconv.FormatInt(secret.ID, 10)+`"`) {
		t.Fatal("the rep's page shows the linked ticket's subject or a link to it")
	}

	res = e.get(e.login(staff.RoleSupervisor), page)
	wantCode(t, res, 200)
	wantHTML(t, res.Body, "Secret billing dispute")
	if strings.Contains(res.Body, e.srv.cat.Localizer("hi").T("link_hidden", "Number", number)) {
		t.Fatal("the supervisor is told they cannot open a ticket they can")
	}
}
