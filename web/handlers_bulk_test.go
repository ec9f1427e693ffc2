package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestBulkActionsReportEachTicket: a rep ticks tickets in a queue and takes
// them, then solves them: each ticket goes through its own rules, and the
// queue page they come back to names every ticket that refused and why
// (someone else's ticket, an open escalation). Supervisors assign.
func TestBulkActionsReportEachTicket(t *testing.T) {
	e := setup(t)
	rep, senior, sup := e.users[staff.RoleRep], e.users[staff.RoleSenior], e.users[staff.RoleSupervisor]
	var free []int64
	for i := range 2 {
		tk, _, err := e.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{Name: "C", Email: "c" + strconv.Itoa(i) + "@example.com",
			Subject: "Parcel " + strconv.Itoa(i), Message: "Where?"})
		if err != nil {
			t.Fatal(err)
		}
		free = append(free, tk.ID)
	}
	theirs, _, err := e.tickets.Create(t.Context(), actorOf(&senior), tickets.NewTicket{CustomerName: "D", Subject: "Senior's",
		Body: "Mine", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	c := e.login(staff.RoleRep)
	fi := e.srv.cat.Localizer("fi")
	ids := func(list ...int64) []string {
		var out []string
		for _, id := range list {
			out = append(out, strconv.FormatInt(id, 10))
		}
		return out
	}
	res := e.post(c, "/queue/bulk", url.Values{"action": {"take"}, "ids": ids(free[0], free[1], theirs.ID), "return": {"/queue/team"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/queue/team" {
		t.Fatalf("bulk take: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	page := e.get(c, "/queue/team")
	if !strings.Contains(page.Body, `id="bulk-report"`) ||
		!strings.Contains(page.Body, fi.T("live_bulk_done", "N", 2, "Tickets", "#"+strconv.FormatInt(free[0], 10)+", #"+strconv.FormatInt(free[1], 10))) ||
		!strings.Contains(page.Body, fi.T("error_take_confirm")) {
		t.Fatalf("queue after bulk take lacks the report")
	}
	if again := e.get(c, "/queue/team"); strings.Contains(again.Body, `id="bulk-report"`) {
		t.Fatal("the report shows twice")
	}
	for _, id := range free {
		if tk, _ := e.tickets.Get(t.Context(), actorOf(&rep), id); tk.OwnerID != rep.ID {
			t.Fatalf("ticket %d owner %d", id, tk.OwnerID)
		}
	}

	// One of them is escalated: solving it is refused by the close guard.
	if _, err := e.esc.Escalate(t.Context(), rep, free[0], escalation.Request{Kind: "escalation", Target: "supervisors",
		Reason: "needs_expertise", Note: "Help"}); err != nil {
		t.Fatal(err)
	}
	e.post(c, "/queue/bulk", url.Values{"action": {"status"}, "status": {"solved"}, "ids": ids(free...), "return": {"/queue/mine"}})
	page = e.get(c, "/queue/mine?status=any")
	if !strings.Contains(page.Body, fi.T("error_close_open_escalation")) {
		t.Fatal("the close guard's refusal is not reported")
	}
	if tk, _ := e.tickets.Get(t.Context(), actorOf(&rep), free[1]); tk.Status != tickets.StatusSolved {
		t.Fatalf("the other ticket is %s, want solved", tk.Status)
	}
	if tk, _ := e.tickets.Get(t.Context(), actorOf(&rep), free[0]); tk.Status == tickets.StatusSolved {
		t.Fatal("the escalated ticket was solved")
	}

	// Nothing ticked: said so. A rep may not assign; the form does not offer it.
	e.post(c, "/queue/bulk", url.Values{"action": {"priority"}, "priority": {"high"}, "return": {"/queue/mine"}})
	if page := e.get(c, "/queue/mine"); !strings.Contains(page.Body, fi.T("live_error_bulk_none")) || strings.Contains(page.Body, `value="assign"`) {
		t.Fatal("empty selection not reported, or assign offered to a rep")
	}
	if res := e.post(c, "/queue/bulk", url.Values{"action": {"assign"}, "owner_id": {strconv.FormatInt(rep.ID, 10)}, "ids": ids(theirs.ID)}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("rep assigns: status %d", res.StatusCode)
	}
	sc := e.login(staff.RoleSupervisor)
	if page := e.get(sc, "/queue/all"); !strings.Contains(page.Body, `value="assign"`) {
		t.Fatal("supervisor's queue lacks assign")
	}
	e.post(sc, "/queue/bulk", url.Values{"action": {"assign"}, "owner_id": {strconv.FormatInt(rep.ID, 10)}, "ids": ids(theirs.ID), "return": {"/queue/all"}})
	if tk, _ := e.tickets.Get(t.Context(), actorOf(&sup), theirs.ID); tk.OwnerID != rep.ID {
		t.Fatalf("assigned to %d, want the rep", tk.OwnerID)
	}
}
