package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// An admin edits a rep: a bad form comes back filled with translated errors;
// a good one saves; deactivating ends the rep's signed-in session at once.
func TestAdminEditsStaff(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	repClient := e.login(staff.RoleRep)
	wantCode(t, e.get(repClient, "/queue/mine"), http.StatusOK)
	adm := e.login(staff.RoleAdmin)
	path := "/admin/staff/" + strconv.FormatInt(rep.ID, 10)
	en := e.srv.cat.Localizer("en") // the admin's language

	res := e.get(adm, path)
	wantCode(t, res, http.StatusOK)
	for _, want := range []string{`value="Test rep"`, `name="team_id"`, `id="f-active"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("edit page lacks %s", want)
		}
	}

	// No such member: a translated "not found" page, not a generic error.
	res = e.get(adm, "/admin/staff/999999")
	wantCode(t, res, http.StatusNotFound)
	if !strings.Contains(res.Body, "<h1>"+en.T("error_title_not_found")+"</h1>") || !strings.Contains(res.Body, en.T("error_user_not_found")) {
		t.Error("the not-found page lacks its heading or message")
	}

	res = e.post(adm, path, url.Values{"name": {"Renamed Rep"}, "role": {"senior"}, "locale": {"fi"},
		"time_zone": {"Moon/Crater"}, "active": {"1"}, "team_id": {"abc"}, "password": {"short"}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	for _, want := range []string{`value="Renamed Rep"`, `value="Moon/Crater"`, en.T("error_time_zone_invalid"), en.T("error_invalid_choice")} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("bad form lacks %q", want)
		}
	}
	if strings.Contains(res.Body, `value="short"`) {
		t.Error("the password came back in the form")
	}

	// The admin's own account cannot be deactivated from here.
	adminPath := "/admin/staff/" + strconv.FormatInt(e.users[staff.RoleAdmin].ID, 10)
	res = e.post(adm, adminPath, url.Values{"name": {"Test admin"}, "role": {"admin"}, "locale": {"en"}, "time_zone": {"UTC"}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, en.T("error_cannot_lock_self")) {
		t.Error("self-deactivation is not explained")
	}

	// Deactivate the rep (the checkbox left unticked).
	res = e.post(adm, path, url.Values{"name": {"Test rep"}, "role": {"rep"}, "locale": {"fi"}, "time_zone": {"UTC"}})
	wantCode(t, res, http.StatusSeeOther)
	u, err := e.staff.Get(t.Context(), rep.ID)
	if err != nil || u.Active || len(u.TeamIDs) != 0 {
		t.Fatalf("after deactivation: %+v %v", u, err)
	}
	res = e.get(repClient, "/queue/mine")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("deactivated rep's session: status %d location %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = e.post(e.client(), "/login", url.Values{"email": {rep.Email}, "password": {testPassword}})
	if res.StatusCode == http.StatusSeeOther {
		t.Error("a deactivated rep signed in")
	}
}

// A rep changes their own language, time zone and password.
func TestSettings(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	c := e.login(staff.RoleRep)
	fi := e.srv.cat.Localizer("fi") // the rep's language

	res := e.post(c, "/settings/preferences", url.Values{"locale": {"vi"}, "time_zone": {"Not/AZone"}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `value="Not/AZone"`) || !strings.Contains(res.Body, fi.T("error_time_zone_invalid")) {
		t.Error("bad time zone: form not kept or error missing")
	}
	wantCode(t, e.post(c, "/settings/preferences", url.Values{"locale": {"vi"}, "time_zone": {"Asia/Ho_Chi_Minh"}}), http.StatusSeeOther)
	if u, _ := e.staff.Get(t.Context(), rep.ID); u.Locale != "vi" || u.TimeZone != "Asia/Ho_Chi_Minh" {
		t.Errorf("preferences not saved: %s %s", u.Locale, u.TimeZone)
	}
	res = e.get(c, "/settings")
	if !strings.Contains(res.Body, `lang="vi"`) {
		t.Error("the settings page is not in the new language")
	}

	vi := e.srv.cat.Localizer("vi")
	res = e.post(c, "/settings/password", url.Values{"current_password": {"nope"}, "new_password": {"another long password"}})
	wantCode(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, vi.T("error_password_wrong")) {
		t.Error("wrong current password not explained")
	}
	wantCode(t, e.post(c, "/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"another long password"}}), http.StatusSeeOther)
	wantCode(t, e.get(c, "/settings"), http.StatusOK) // still signed in with the renewed session
	res = e.post(e.client(), "/login", url.Values{"email": {rep.Email}, "password": {"another long password"}})
	wantCode(t, res, http.StatusSeeOther)
}
