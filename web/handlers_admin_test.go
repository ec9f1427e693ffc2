package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

func TestAdminOverview(t *testing.T) {
	e := setup(t)
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	res := e.get(admin, "/admin")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, en.T("admin_title"), en.T("admin_count_staff", "N", 4))
	for _, href := range []string{"/admin/teams", "/admin/staff", "/admin/calendars", "/admin/sla", "/admin/outbox"} {
		if !strings.Contains(res.Body, `href="`+href+`"`) {
			t.Errorf("overview lacks a link to %s", href)
		}
	}
}

func TestAdminTeamProfile(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	calID, err := e.esc.SaveCalendar(ctx, 0, escalation.CalendarDef{Name: "Office hours", TimeZone: "Europe/Helsinki",
		Hours: map[int][]string{1: {"08:00-16:00"}}, Holidays: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	teams, _ := e.staff.Teams(ctx)
	id := strconv.FormatInt(teams[0].ID, 10)

	res := e.get(admin, "/admin/teams")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, "Delivery", en.T("admin_tier_1"), "Office hours")

	res = e.post(admin, "/admin/teams", url.Values{"team_id": {id}, "tier": {"2"}, "skill": {"delivery"}, "calendar_id": {strconv.FormatInt(calID, 10)}})
	wantCode(t, res, http.StatusSeeOther)
	list, err := e.esc.TeamProfiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := list[0]; p.Tier != 2 || p.Skill != "delivery" || p.CalendarID != calID {
		t.Fatalf("profile after save: %+v", p)
	}

	// Bad tier and an over-long skill: 422, messages beside the fields, input kept.
	long := strings.Repeat("k", 61)
	res = e.post(admin, "/admin/teams", url.Values{"team_id": {id}, "tier": {"3"}, "skill": {long}, "calendar_id": {""}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("error_tier_invalid"), en.T("error_skill_too_long"), `value="`+long+`"`)
	if !strings.Contains(res.Body, `id="skill-`+id+`-error"`) {
		t.Error("the skill error is not beside the team's skill field")
	}
	list, _ = e.esc.TeamProfiles(ctx)
	if list[0].Tier != 2 {
		t.Fatal("a refused save changed the team")
	}

	// A new team.
	res = e.post(admin, "/admin/teams", url.Values{"name": {"Specialists"}, "tier": {"2"}, "skill": {"technical"}})
	wantCode(t, res, http.StatusSeeOther)
	res = e.post(admin, "/admin/teams", url.Values{"name": {"Specialists"}, "tier": {"1"}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("error_name_taken"), `value="Specialists"`)
	// A team that does not exist.
	res = e.post(admin, "/admin/teams", url.Values{"team_id": {"99999"}, "tier": {"1"}})
	wantCode(t, res, http.StatusNotFound)
}

func TestAdminCalendars(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")

	form := url.Values{"name": {"Helsinki desk"}, "time_zone": {"Europe/Helsinki"}, "hours_1": {"08:00-12:00, 13:00-17:00"},
		"hours_2": {"09:00-25:00"}, "holidays": {"2026-12-24, 2026-12-25"}}
	res := e.post(admin, "/admin/calendars", form)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("admin_error_interval"), `value="09:00-25:00"`, `value="08:00-12:00, 13:00-17:00"`, `value="Helsinki desk"`)
	if !strings.Contains(res.Body, `id="f-hours_2-error"`) {
		t.Error("the interval error is not beside Tuesday")
	}
	form.Set("hours_2", "09:00-12:00, 11:00-15:00")
	res = e.post(admin, "/admin/calendars", form)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("admin_error_overlap"))
	form.Set("hours_2", "")
	form.Set("holidays", "24.12.2026")
	res = e.post(admin, "/admin/calendars", form)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("admin_error_holiday"))
	form.Set("holidays", "2026-12-25, 2026-12-24")
	form.Set("time_zone", "Mars/Olympus")
	res = e.post(admin, "/admin/calendars", form)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("error_time_zone_invalid"))

	form.Set("time_zone", "Europe/Helsinki")
	res = e.post(admin, "/admin/calendars", form)
	wantCode(t, res, http.StatusSeeOther)
	cals, err := e.esc.Calendars(ctx)
	if err != nil || len(cals) != 1 {
		t.Fatalf("calendars: %+v %v", cals, err)
	}
	c := cals[0]
	if !slices.Equal(c.Hours[1], []string{"08:00-12:00", "13:00-17:00"}) || len(c.Hours[2]) != 0 ||
		!slices.Equal(c.Holidays, []string{"2026-12-24", "2026-12-25"}) {
		t.Fatalf("saved calendar: %+v", c)
	}
	res = e.get(admin, "/admin/calendars")
	wantHTML(t, res.Body, "Helsinki desk", en.T("admin_weekday_1"), "08:00-12:00, 13:00-17:00")

	// Edit: the form comes filled in, and saving changes the same calendar.
	id := strconv.FormatInt(c.ID, 10)
	res = e.get(admin, "/admin/calendars?edit="+id)
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, en.T("admin_calendar_edit", "Name", "Helsinki desk"), `value="2026-12-24, 2026-12-25"`)
	res = e.post(admin, "/admin/calendars", url.Values{"id": {id}, "name": {"Helsinki desk"}, "time_zone": {"Europe/Helsinki"},
		"hours_6": {"10:00-14:00"}})
	wantCode(t, res, http.StatusSeeOther)
	cals, _ = e.esc.Calendars(ctx)
	if len(cals) != 1 || !slices.Equal(cals[0].Hours[6], []string{"10:00-14:00"}) || len(cals[0].Hours[1]) != 0 {
		t.Fatalf("after edit: %+v", cals)
	}
	wantCode(t, e.get(admin, "/admin/calendars?edit=999"), http.StatusNotFound)
	wantCode(t, e.post(admin, "/admin/calendars", url.Values{"id": {"999"}, "name": {"X"}, "time_zone": {"UTC"}}), http.StatusNotFound)
}

func TestAdminSLAPolicies(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	teams, _ := e.staff.Teams(ctx)
	form := url.Values{"name": {"Urgent billing"}, "priority": {"urgent"}, "category": {"billing"},
		"first_response_minutes": {"30"}, "next_response_minutes": {"60"}, "resolution_minutes": {"480"},
		"at_risk_percent": {"80"}, "breach_team_id": {strconv.FormatInt(teams[0].ID, 10)}, "supervisor_delay_minutes": {"45"}}

	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("resolution_minutes", "eight hours")
	bad.Set("at_risk_percent", "120")
	res := e.post(admin, "/admin/sla", bad)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("admin_error_minutes"), `value="eight hours"`, `value="Urgent billing"`)

	res = e.post(admin, "/admin/sla", form)
	wantCode(t, res, http.StatusSeeOther)
	res = e.get(admin, "/admin/sla")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, en.T("admin_flash_policy_saved"), "Urgent billing", en.T("priority_urgent"), en.T("category_billing"),
		en.FormatDuration(8*time.Hour), "Delivery")
	pols, err := e.esc.Policies(ctx)
	if err != nil || len(pols) != 1 {
		t.Fatalf("policies: %+v %v", pols, err)
	}
	p := pols[0]
	if p.Priority != tickets.PriorityUrgent || p.Category != "billing" || p.FirstResponse != 30*time.Minute ||
		p.Resolution != 8*time.Hour || p.AtRiskPercent != 80 || p.BreachTeamID != teams[0].ID || p.SupervisorDelay != 45*time.Minute {
		t.Fatalf("saved policy: %+v", p)
	}
	res = e.get(admin, "/admin/sla?edit="+strconv.FormatInt(p.ID, 10))
	wantHTML(t, res.Body, `value="480"`)

	// At-risk percent out of range comes back from the service beside its field.
	bad = url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("at_risk_percent", "100")
	res = e.post(admin, "/admin/sla", bad)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("error_percent_invalid"))
}

func TestAdminStaff(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	rep := e.users[staff.RoleRep]

	res := e.get(admin, "/admin/staff")
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, rep.Name, rep.Email, en.T("role_rep"), "Delivery")

	form := url.Values{"name": {"Ngọc Trần"}, "email": {rep.Email}, "role": {"senior"}, "team": {"Billing"},
		"locale": {"vi"}, "time_zone": {"Asia/Ho_Chi_Minh"}, "password": {"a long enough secret"}}
	res = e.post(admin, "/admin/staff", form)
	wantCode(t, res, http.StatusUnprocessableEntity)
	wantHTML(t, res.Body, en.T("error_email_taken"), `value="Ngọc Trần"`, `value="`+rep.Email+`"`, `value="Billing"`, `value="Asia/Ho_Chi_Minh"`)
	if !regexp.MustCompile(`<option value="senior" selected`).MatchString(res.Body) || !regexp.MustCompile(`<option value="vi" selected`).MatchString(res.Body) {
		t.Error("role or language choice not kept")
	}
	if strings.Contains(res.Body, "a long enough secret") {
		t.Error("the password was sent back")
	}

	form.Set("email", "ngoc@example.com")
	res = e.post(admin, "/admin/staff", form)
	wantCode(t, res, http.StatusSeeOther)
	users, _ := e.staff.List(ctx)
	i := slices.IndexFunc(users, func(u staff.User) bool { return u.Email == "ngoc@example.com" })
	if i < 0 || users[i].Role != staff.RoleSenior || users[i].Locale != "vi" || len(users[i].TeamIDs) != 1 {
		t.Fatalf("new user: %+v", users)
	}

	// Away and back.
	path := "/admin/staff/" + strconv.FormatInt(rep.ID, 10) + "/away"
	wantCode(t, e.post(admin, path, url.Values{"away": {"1"}}), http.StatusSeeOther)
	away, err := e.staff.AwayUsers(ctx)
	if err != nil || !slices.Equal(away, []int64{rep.ID}) {
		t.Fatalf("away users: %v %v", away, err)
	}
	res = e.get(admin, "/admin/staff")
	wantHTML(t, res.Body, en.T("admin_mark_back_label", "Name", rep.Name))
	wantCode(t, e.post(admin, path, url.Values{"away": {"0"}}), http.StatusSeeOther)
	if away, _ = e.staff.AwayUsers(ctx); len(away) != 0 {
		t.Fatalf("still away: %v", away)
	}
	wantCode(t, e.post(admin, "/admin/staff/99999/away", url.Values{"away": {"1"}}), http.StatusNotFound)
}

// TestBrowserAdminSLAScreenshot renders the SLA page with two policies at
// 1280 wide, for a look.
func TestBrowserAdminSLAScreenshot(t *testing.T) {
	e := setup(t)
	ctx0 := context.Background()
	teams, _ := e.staff.Teams(ctx0)
	for _, p := range []escalation.Policy{
		{Name: "Urgent", Priority: tickets.PriorityUrgent, FirstResponse: 30 * time.Minute, NextResponse: time.Hour,
			Resolution: 8 * time.Hour, AtRiskPercent: 75, BreachTeamID: teams[0].ID, SupervisorDelay: time.Hour},
		{Name: "Normal billing", Priority: tickets.PriorityNormal, Category: "billing", FirstResponse: 4 * time.Hour,
			NextResponse: 8 * time.Hour, Resolution: 72 * time.Hour, AtRiskPercent: 80, SupervisorDelay: 120 * time.Minute},
	} {
		if err := e.esc.SavePolicy(ctx0, 0, p); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.users[staff.RoleAdmin]
	en := e.srv.cat.Localizer("en")
	ctx := browserLogin(t, e, admin)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/admin/sla"),
		chromedp.WaitVisible(heading(en.T("admin_sla_title"))),
	)
	if err != nil {
		t.Fatalf("open /admin/sla: %v", err)
	}
	screenshot(t, ctx, "admin-sla.png")
	for _, page := range []struct{ path, title, file string }{
		{"/admin/teams", "admin_teams_title", "admin-teams.png"},
		{"/admin/staff", "admin_staff_title", "admin-staff.png"},
		{"/admin/calendars", "admin_calendars_title", "admin-calendars.png"},
	} {
		err := chromedp.Do(ctx, chromedp.Navigate(e.http.URL+page.path), chromedp.WaitVisible(heading(en.T(page.title))))
		if err != nil {
			t.Fatalf("open %s: %v", page.path, err)
		}
		screenshot(t, ctx, page.file)
	}
}
