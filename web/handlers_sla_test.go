package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Helsinki must not depend on the machine's zoneinfo

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/escalation/escalationtest"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// slaDesk is a server whose tickets, escalation service and pages share a clock the test
// sets, with the Delivery team on a Helsinki office calendar (Monday to Friday
// 08:00-16:00), a team on a calendar without business hours, a team on a stored calendar
// that is no longer valid, and a policy for high-priority tickets (first response in 2
// business hours).
type slaDesk struct {
	*env
	clock                    *escalationtest.Clock
	delivery, closed, broken int64 // team ids
}

func newSLADesk(t *testing.T) *slaDesk {
	t.Helper()
	e := setup(t)
	ctx := context.Background()
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	// Thursday 5 March 2026 15:00 in Helsinki: an hour before closing.
	d := &slaDesk{env: e, clock: escalationtest.NewClock(time.Date(2026, 3, 5, 15, 0, 0, 0, helsinki))}
	e.tickets, e.esc = escalation.Wire(e.srv.db, d.clock.Now, "http://127.0.0.1", nil, e.srv.log, escalation.Config{})
	e.srv.tickets, e.srv.esc, e.srv.now = e.tickets, e.esc, d.clock.Now

	office, err := e.esc.SaveCalendar(ctx, 0, escalation.CalendarDef{Name: "Helsinki office", TimeZone: "Europe/Helsinki",
		Hours: map[int][]string{1: {"08:00-16:00"}, 2: {"08:00-16:00"}, 3: {"08:00-16:00"}, 4: {"08:00-16:00"}, 5: {"08:00-16:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	none, err := e.esc.SaveCalendar(ctx, 0, escalation.CalendarDef{Name: "Never open", TimeZone: "Europe/Helsinki"})
	if err != nil {
		t.Fatal(err)
	}
	var broken int64
	if err := e.srv.db.QueryRow(ctx, `INSERT INTO calendars (name, time_zone, hours) VALUES ('Broken', 'Mars/Olympus', '{"1": ["08:00-16:00"]}')
RETURNING id`).Scan(&broken); err != nil {
		t.Fatal(err)
	}
	teams, err := e.staff.Teams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d.delivery = teams[0].ID
	if err := e.esc.SetTeamProfile(ctx, 0, d.delivery, 1, "", office); err != nil {
		t.Fatal(err)
	}
	if d.closed, err = e.esc.CreateTeam(ctx, 0, "Night shift", 1, "", none); err != nil {
		t.Fatal(err)
	}
	if d.broken, err = e.esc.CreateTeam(ctx, 0, "Mars office", 1, "", broken); err != nil {
		t.Fatal(err)
	}
	// The rep works in all three teams.
	rep := e.users[staff.RoleRep]
	for _, team := range []int64{d.closed, d.broken} {
		if _, err := e.srv.db.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, team, rep.ID); err != nil {
			t.Fatal(err)
		}
		rep.TeamIDs = append(rep.TeamIDs, team)
	}
	e.users[staff.RoleRep] = rep
	if err := e.esc.SavePolicy(ctx, 0, escalation.Policy{Name: "High", Priority: tickets.PriorityHigh, FirstResponse: 2 * time.Hour,
		NextResponse: 4 * time.Hour, Resolution: 16 * time.Hour, AtRiskPercent: 75, SupervisorDelay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	return d
}

// escalatedTicket opens a high-priority ticket in team as the rep and escalates it to
// supervisors, so that it is on the review page too.
func (d *slaDesk) escalatedTicket(t *testing.T, team int64, subject string) int64 {
	t.Helper()
	rep := d.users[staff.RoleRep]
	tk, _, err := d.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{CustomerName: "Aino Virtanen",
		CustomerEmail: "aino@example.fi", Subject: subject, Body: "The parcel has not arrived.", Channel: "phone",
		Priority: tickets.PriorityHigh, TeamID: team})
	if err != nil {
		t.Fatalf("create ticket in team %d: %v", team, err)
	}
	if _, err := d.esc.Escalate(t.Context(), rep, tk.ID, escalation.Request{Target: "supervisors", Reason: "complaint",
		Note: "The customer wants a supervisor.", Urgency: "normal"}); err != nil {
		t.Fatalf("escalate ticket %d: %v", tk.ID, err)
	}
	return tk.ID
}

// slaBadgeRE finds the SLA badges of a page: their state class and text.
var slaBadgeRE = regexp.MustCompile(`<span class="badge sla sla-([a-z_]+)"[^>]*>([^<]*)</span>`)

// badgeIn returns the SLA badge in the page's row or header of ticket id: the first badge
// after the ticket's link (lists) or the page's first badge (the ticket page).
func badgeIn(t *testing.T, page, body string, id int64) (state, text string) {
	t.Helper()
	from := 0
	if page != "ticket" {
		m := regexp.MustCompile(`href="/tickets/` + strconv.FormatInt(id, 10) + `"`).FindStringIndex(body)
		if m == nil {
			t.Fatalf("%s: no row for ticket %d", page, id)
		}
		from = m[1]
	}
	b := slaBadgeRE.FindStringSubmatch(body[from:])
	if b == nil {
		t.Fatalf("%s: no SLA badge for ticket %d", page, id)
	}
	return b[1], html.UnescapeString(b[2])
}

// TestSLABadgesAgree: the supervisor review page, the all-open queue and the ticket page
// show the same badge for a ticket, in business time: 45 minutes after a ticket opens an
// hour before closing, 1 h 15 min of its 2-hour first response is left (not the 17 h 15
// min of wall-clock time to tomorrow's deadline). A team calendar without business hours
// and an invalid stored calendar both show "no deadline" on every page, never an error.
func TestSLABadgesAgree(t *testing.T) {
	d := newSLADesk(t)
	office := d.escalatedTicket(t, d.delivery, "Parcel late")
	closed := d.escalatedTicket(t, d.closed, "Parcel late at night")
	broken := d.escalatedTicket(t, d.broken, "Parcel late on Mars")
	d.clock.Advance(45 * time.Minute)

	sup := d.login(staff.RoleSupervisor)
	hi := d.srv.cat.Localizer(d.users[staff.RoleSupervisor].Locale)
	pages := map[string]string{}
	for name, path := range map[string]string{"review": "/supervisor", "queue": "/queue/all"} {
		res := d.get(sup, path)
		wantCode(t, res, http.StatusOK)
		pages[name] = res.Body
	}
	for _, c := range []struct {
		id          int64
		state, text string
	}{
		{office, "ok", hi.T("sla_ok", "Left", hi.FormatDuration(75*time.Minute))},
		{closed, "no_deadline", hi.T("sla_no_deadline")},
		{broken, "no_deadline", hi.T("sla_no_deadline")},
	} {
		res := d.get(sup, "/tickets/"+strconv.FormatInt(c.id, 10))
		wantCode(t, res, http.StatusOK)
		for page, body := range map[string]string{"review": pages["review"], "queue": pages["queue"], "ticket": res.Body} {
			if state, text := badgeIn(t, page, body, c.id); state != c.state || text != c.text {
				t.Errorf("ticket %d on the %s page: badge %s %q, want %s %q", c.id, page, state, text, c.state, c.text)
			}
		}
	}

	// At Friday 08:30 the at-risk share (75%) is used: every page turns at once.
	d.clock.Set(time.Date(2026, 3, 6, 6, 30, 0, 0, time.UTC))
	want := hi.T("sla_at_risk", "Left", hi.FormatDuration(30*time.Minute))
	for _, p := range []struct{ page, path string }{{"review", "/supervisor"}, {"queue", "/queue/all"},
		{"ticket", "/tickets/" + strconv.FormatInt(office, 10)}} {
		res := d.get(sup, p.path)
		if state, text := badgeIn(t, p.page, res.Body, office); state != "at_risk" || text != want {
			t.Errorf("%s page at 08:30: badge %s %q, want at_risk %q", p.page, state, text, want)
		}
	}
}

// TestAdminSLARefusesZeroTarget: a 0-minute target is refused beside its field, in the
// admin's language, the form kept; nothing is stored.
func TestAdminSLARefusesZeroTarget(t *testing.T) {
	e := setup(t)
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	form := url.Values{"name": {"Urgent"}, "priority": {"urgent"}, "first_response_minutes": {"0"}, "next_response_minutes": {"60"},
		"resolution_minutes": {"480"}, "at_risk_percent": {"80"}, "supervisor_delay_minutes": {"0"}}
	res := e.post(admin, "/admin/sla", form)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("sla_error_target_min"), `id="f-first_response_minutes-error"`, `value="480"`, `value="Urgent"`)
	if list, err := e.esc.Policies(t.Context()); err != nil || len(list) != 0 {
		t.Fatalf("policies after a refused save: %+v %v", list, err)
	}
	// A negative target gets the same message; a negative delay its own.
	form.Set("first_response_minutes", "-5")
	form.Set("supervisor_delay_minutes", "-1")
	res = e.post(admin, "/admin/sla", form)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("sla_error_target_min"), en.T("error_minutes_invalid"))
	form.Set("first_response_minutes", "30")
	form.Set("supervisor_delay_minutes", "0")
	wantCode(t, e.post(admin, "/admin/sla", form), http.StatusSeeOther)
}

// TestAdminCalendarWithoutHours: a calendar with no hours saves, and the list says its
// teams' tickets have no deadline.
func TestAdminCalendarWithoutHours(t *testing.T) {
	e := setup(t)
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	wantCode(t, e.post(admin, "/admin/calendars", url.Values{"name": {"Never open"}, "time_zone": {"Europe/Helsinki"}}), http.StatusSeeOther)
	res := e.get(admin, "/admin/calendars")
	wantHTML(t, res.Body, "Never open", en.T("sla_calendar_no_hours"))
}

// TestBrowserSLABadges renders the review page and ticket pages with their badges (breached,
// at risk, no deadline), in English and Hindi, for a look.
func TestBrowserSLABadges(t *testing.T) {
	d := newSLADesk(t)
	d.escalatedTicket(t, d.delivery, "Parcel late")
	closed := d.escalatedTicket(t, d.closed, "Parcel late at night")
	d.clock.Set(time.Date(2026, 3, 6, 6, 30, 0, 0, time.UTC)) // Friday 08:30 in Helsinki
	atRisk := d.escalatedTicket(t, d.delivery, "Parcel lost")
	d.clock.Set(time.Date(2026, 3, 6, 8, 5, 0, 0, time.UTC)) // 10:05: the first breached, the last at risk
	for _, u := range []staff.User{d.users[staff.RoleAdmin], d.users[staff.RoleSupervisor]} {
		l := loc(d.env, u)
		ctx := browserLogin(t, d.env, u)
		err := chromedp.Do(ctx,
			chromedp.Navigate(d.http.URL+"/supervisor"),
			chromedp.WaitVisible(heading(l.T("sup_title"))),
		)
		if err != nil {
			t.Fatalf("open /supervisor: %v", err)
		}
		screenshot(t, ctx, "sla-review-"+u.Locale+".png")
		for name, id := range map[string]int64{"at-risk": atRisk, "no-deadline": closed} {
			err = chromedp.Do(ctx,
				chromedp.Navigate(d.http.URL+"/tickets/"+strconv.FormatInt(id, 10)),
				chromedp.WaitVisible(chromedp.CSS("span.sla")),
			)
			if err != nil {
				t.Fatalf("open ticket %d: %v", id, err)
			}
			screenshot(t, ctx, "sla-ticket-"+name+"-"+u.Locale+".png")
		}
	}
}
