package web

import (
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestHomeShowsTheRepsDay: the start page lists the rep's follow-ups due and
// what is new in their team's queue, and listens for changes.
func TestHomeShowsTheRepsDay(t *testing.T) {
	e := setup(t)
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	fi := e.srv.cat.Localizer("fi")
	c := e.login(staff.RoleRep)
	page := e.get(c, "/")
	for _, id := range []string{"live_day_followups_none", "live_day_at_risk_none", "live_day_new_none"} {
		if !strings.Contains(page.Body, fi.T(id)) {
			t.Errorf("empty day lacks %q", fi.T(id))
		}
	}
	fresh, _, err := e.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{Name: "Aino", Email: "aino@example.fi", Subject: "Uusi asia", Message: "Apua"})
	if err != nil {
		t.Fatal(err)
	}
	mine, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{CustomerName: "Matti", Subject: "Palautus", Body: "Rahat",
		Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	escID, err := e.esc.Escalate(t.Context(), rep, mine.ID, escalation.Request{Kind: "escalation", Target: "supervisors", Reason: "needs_expertise", Note: "Apua"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.esc.Accept(t.Context(), sup, escID); err != nil {
		t.Fatal(err)
	}
	if err := e.esc.Return(t.Context(), sup, escID, "Hyvitetty."); err != nil {
		t.Fatal(err)
	}
	page = e.get(c, "/")
	day := page.Body[strings.Index(page.Body, `id="home-day"`):]
	if !strings.Contains(day, "Uusi asia") || !strings.Contains(day, "Palautus") || !strings.Contains(day, "sse:queue") {
		t.Fatalf("the rep's day lacks the new ticket %d or the follow-up on %d", fresh.ID, mine.ID)
	}
}
