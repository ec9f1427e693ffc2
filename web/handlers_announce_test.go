package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestAnnouncementsPostShowMarkRead(t *testing.T) {
	e := setup(t)
	sup, rep := e.users[staff.RoleSupervisor], e.users[staff.RoleRep]
	hi, fi := loc(e, sup), loc(e, rep)
	teams, err := e.staff.Teams(t.Context())
	if err != nil || len(teams) != 1 {
		t.Fatalf("teams: %v %v", teams, err)
	}
	delivery := teams[0].ID
	billing, err := e.staff.EnsureTeam(t.Context(), "Billing")
	if err != nil {
		t.Fatal(err)
	}
	sc := e.login(staff.RoleSupervisor)
	wantCode(t, e.get(sc, "/supervisor/announcements"), http.StatusOK)

	post := func(team int64, title string) {
		t.Helper()
		res := e.post(sc, "/supervisor/announcements", url.Values{"team_id": {strconv.FormatInt(team, 10)}, "title": {title}, "body": {"Details: " + title}})
		wantCode(t, res, http.StatusSeeOther)
	}
	post(delivery, "Courier strike on Friday")
	post(billing.ID, "New refund limits")
	res := e.post(sc, "/supervisor/announcements", url.Values{"team_id": {""}, "title": {"Office closed on Monday"}, "body": {"Public holiday."}})
	wantCode(t, res, http.StatusSeeOther)
	page := e.get(sc, "/supervisor/announcements")
	wantHTML(t, page.Body, hi.T("announce_flash_posted"), "Courier strike on Friday", "New refund limits", "Office closed on Monday",
		hi.T("announce_reads", "Reads", 1, "Audience", 4), hi.T("announce_team_all"))

	rc := e.login(staff.RoleRep)
	home := e.get(rc, "/")
	wantHTML(t, home.Body, fi.T("announce_home_heading", "N", 2), "Courier strike on Friday", "Office closed on Monday", fi.T("announce_mark_read"))
	if strings.Contains(home.Body, "New refund limits") {
		t.Fatal("the rep sees another team's announcement")
	}
	ids := map[string]int64{}
	rows, err := e.srv.db.Query(t.Context(), `SELECT title, id FROM announcements`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var title string
		var id int64
		_ = rows.Scan(&title, &id)
		ids[title] = id
	}
	rows.Close()

	res = e.post(rc, "/announcements/"+strconv.FormatInt(ids["Courier strike on Friday"], 10)+"/read", nil)
	wantCode(t, res, http.StatusSeeOther)
	home = e.get(rc, "/")
	wantHTML(t, home.Body, fi.T("announce_flash_read"), "Office closed on Monday", fi.T("announce_home_heading", "N", 1))
	if strings.Contains(home.Body, "Courier strike on Friday") {
		t.Fatal("a read announcement still shows")
	}
	// Another team's, a missing one, a bad id: not found.
	for _, id := range []string{strconv.FormatInt(ids["New refund limits"], 10), "999999", "abc", "-3"} {
		wantCode(t, e.post(rc, "/announcements/"+id+"/read", nil), http.StatusNotFound)
	}
	// All read: no announcements box at all.
	wantCode(t, e.post(rc, "/announcements/"+strconv.FormatInt(ids["Office closed on Monday"], 10)+"/read", nil), http.StatusSeeOther)
	if home = e.get(rc, "/"); strings.Contains(home.Body, `id="announcements"`) {
		t.Fatal("the box shows with nothing unread")
	}
	page = e.get(sc, "/supervisor/announcements")
	wantHTML(t, page.Body, hi.T("announce_reads", "Reads", 2, "Audience", 4))
}

func TestAnnouncementBadInputIs422(t *testing.T) {
	e := setup(t)
	hi := loc(e, e.users[staff.RoleSupervisor])
	sc := e.login(staff.RoleSupervisor)
	cases := []struct {
		name  string
		form  url.Values
		field string
		msgID string
	}{
		{"no title", url.Values{"title": {" "}, "body": {"Text"}}, "title", "error_required"},
		{"no body", url.Values{"title": {"Title"}, "body": {""}}, "body", "error_required"},
		{"long title", url.Values{"title": {strings.Repeat("x", 121)}, "body": {"Text"}}, "title", "announce_error_title_long"},
		{"long body", url.Values{"title": {"Title"}, "body": {strings.Repeat("x", 2001)}}, "body", "announce_error_body_long"},
		{"NUL", url.Values{"title": {"a\x00b"}, "body": {"Text"}}, "title", "announce_error_text_invalid"},
		{"not UTF-8", url.Values{"title": {"Title"}, "body": {"\xff"}}, "body", "announce_error_text_invalid"},
		{"team not a number", url.Values{"team_id": {"abc"}, "title": {"Title"}, "body": {"Text"}}, "team_id", "error_invalid_choice"},
		{"no such team", url.Values{"team_id": {"999999"}, "title": {"Title"}, "body": {"Text"}}, "team_id", "error_invalid_choice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.post(sc, "/supervisor/announcements", tc.form)
			wantCode(t, res, http.StatusUnprocessableEntity)
			if !strings.Contains(res.Body, `id="f-`+tc.field+`-error"`) {
				t.Fatalf("no error beside %s", tc.field)
			}
			wantHTML(t, res.Body, hi.T(tc.msgID))
			if tc.field != "body" && !strings.Contains(res.Body, ">Text</textarea>") {
				t.Fatal("the message typed was lost")
			}
		})
	}
	if n := e.count("announcements"); n != 0 {
		t.Fatalf("%d announcements from bad forms", n)
	}
}

// TestBrowserRepReadsAnnouncement: a supervisor's announcement shows on the
// rep's home page until the rep marks it read.
func TestBrowserRepReadsAnnouncement(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	sc := e.login(staff.RoleSupervisor)
	wantCode(t, e.post(sc, "/supervisor/announcements", url.Values{"title": {"Uusi palautuskäytäntö"},
		"body": {"Palautukset hyväksytään nyt 60 päivän ajan."}}), http.StatusSeeOther)
	fi := loc(e, rep)
	ctx := browserLogin(t, e, rep)
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(`//h3[normalize-space(.)="Uusi palautuskäytäntö"]`),
	)
	if err != nil {
		t.Fatalf("home page: %v", err)
	}
	screenshot(t, ctx, "announcement-home-fi.png")
	axeClean(t, ctx, "home with an announcement")
	err = chromedp.Do(ctx,
		chromedp.Click(`//button[@aria-label="`+fi.T("announce_mark_read_label", "Title", "Uusi palautuskäytäntö")+`"]`),
		chromedp.WaitVisible(`//*[contains(@class,"flash-success") and contains(., "`+fi.T("announce_flash_read")+`")]`),
	)
	if err != nil {
		t.Fatalf("mark read: %v", err)
	}
	if strings.Contains(pageText(t, ctx), "Uusi palautuskäytäntö") {
		t.Fatal("the announcement still shows")
	}
}
