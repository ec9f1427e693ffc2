package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web/views"
)

// TestAdminSetsAssignment: the admin picks round robin with a cap and the
// Finnish rep's languages on the team's page; a Finnish customer's web
// ticket then goes to the rep, and the ticket's history says so.
func TestAdminSetsAssignment(t *testing.T) {
	e := setup(t)
	admin := e.login(staff.RoleAdmin)
	rep, senior := e.users[staff.RoleRep], e.users[staff.RoleSenior]
	team := rep.TeamIDs[0]
	path := views.AssignmentURL(team)

	teams := e.get(admin, "/admin/teams")
	if !strings.Contains(teams.Body, `href="`+path+`"`) {
		t.Fatalf("teams page lacks the link to %s", path)
	}
	page := e.get(admin, path)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, rep.Name) || !strings.Contains(page.Body, `value="manual" checked`) {
		t.Fatalf("assignment page: %d, want the members and manual checked", page.StatusCode)
	}

	// A bad cap comes back with the input kept.
	bad := url.Values{"mode": {"round_robin"}, "capacity": {"lots"}, "member": {itoa(rep.ID)}, "lang_" + itoa(rep.ID): {"fi"}}
	res := e.post(admin, path, bad)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `value="lots"`) ||
		!strings.Contains(res.Body, `id="lang-`+itoa(rep.ID)+`-fi" name="lang_`+itoa(rep.ID)+`" value="fi" checked`) {
		t.Fatalf("bad cap: status %d, want 422 with the input kept", res.StatusCode)
	}
	// A member of another team cannot be edited through this page.
	other, err := e.staff.Create(t.Context(), 0, staff.NewUser{Email: "other@example.com", Name: "Other Team", Role: staff.RoleRep,
		Team: "Billing", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	res = e.post(admin, path, url.Values{"mode": {"manual"}, "member": {itoa(other.ID)}, "lang_" + itoa(other.ID): {"vi"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("editing another team's member: status %d, want 422", res.StatusCode)
	}

	// The rep speaks Finnish; the senior English only.
	good := url.Values{"mode": {"round_robin"}, "capacity": {"5"},
		"member": {itoa(rep.ID), itoa(senior.ID)}, "lang_" + itoa(rep.ID): {"fi", "en"}, "lang_" + itoa(senior.ID): {"en"},
		"cat_" + itoa(senior.ID): {"billing"}}
	res = e.post(admin, path, good)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
		t.Fatalf("save: status %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	a, err := e.staff.TeamAssignment(t.Context(), team)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode != tickets.AssignRoundRobin || a.Capacity != 5 {
		t.Fatalf("saved %s cap %d", a.Mode, a.Capacity)
	}
	for _, m := range a.Members {
		if m.UserID == rep.ID && strings.Join(m.Languages, ",") != "en,fi" {
			t.Fatalf("rep's languages %v", m.Languages)
		}
	}

	for i := range 2 {
		tk, _, err := e.tickets.CreatePublic(t.Context(), tickets.NewPublicTicket{Name: "Aino", Email: "aino" + strconv.Itoa(i) + "@example.fi",
			Subject: "Paketti", Message: "Missä pakettini on?", Locale: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.OwnerID != rep.ID {
			t.Fatalf("Finnish ticket went to %d (%s), want the Finnish-speaking rep", tk.OwnerID, tk.OwnerName)
		}
	}
	hist := e.get(e.login(staff.RoleRep), "/tickets/1")
	fi := e.srv.cat.Localizer("fi")
	if want := fi.T("event_ticket_assigned", "New", rep.Name); !strings.Contains(hist.Body, want) {
		t.Fatalf("ticket history lacks %q", want)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
