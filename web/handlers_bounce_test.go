package web

import (
	"context"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestBounceShownOnTicketAndBell: a delivery report for the desk's mail
// shows on the customer card and in the history, and the owner's bell has it.
func TestBounceShownOnTicketAndBell(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	id := fileMail(t, e, []byte("From: Gone <gone@example.net>\r\nTo: help@desk.example\r\nSubject: Kettle\r\nMessage-ID: <g1@example.net>\r\n\r\nIt leaks.\r\n"))
	admin := e.users[staff.RoleAdmin]
	if _, err := e.tickets.Take(ctx, actorOf(&admin), id, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.db.Exec(ctx, `UPDATE outbox SET message_id = 'abcdefabcdefabcdefabcdef' WHERE ticket_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	r, err := e.tickets.RecordBounce(ctx, tickets.Bounce{ReportID: "dsn:0:web1@mx", OriginalID: "abcdefabcdefabcdefabcdef@desk.example",
		Status: "5.1.1", Diagnostic: "550 5.1.1 user unknown"})
	if err != nil || r.Outcome != tickets.BounceRecorded || r.Address != "gone@example.net" {
		t.Fatalf("bounce: %+v, %v", r, err)
	}
	c := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	page := e.get(c, ticketURLOf(id))
	for _, want := range []string{en.T("bounce_address_bounces"), "5.1.1", "550 5.1.1 user unknown",
		en.T("event_ticket_mail_bounced", "New", "gone@example.net", "Old", "5.1.1 550 5.1.1 user unknown")} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("ticket page lacks %q", want)
		}
	}
	if bell := e.get(c, "/notifications"); !strings.Contains(bell.Body, en.T("notify_mail_bounced")) {
		t.Errorf("the owner's notifications lack the bounce")
	}
}
