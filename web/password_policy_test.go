package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// Every form that sets a password refuses a common or patterned one with a
// message in the user's language beside the field, and never echoes it.
func TestPasswordPolicyInForms(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	forms := []struct {
		name string
		role staff.Role // who fills it in; their language shows the message
		path string
		form func(pw string) url.Values
	}{
		{"admin creates staff", staff.RoleAdmin, "/admin/staff", func(pw string) url.Values {
			return url.Values{"email": {"new@example.com"}, "name": {"New Member"}, "role": {"rep"}, "locale": {"en"}, "time_zone": {"UTC"}, "password": {pw}}
		}},
		{"admin resets a password", staff.RoleAdmin, "/admin/staff/" + strconv.FormatInt(rep.ID, 10), func(pw string) url.Values {
			return url.Values{"name": {rep.Name}, "role": {"rep"}, "locale": {"fi"}, "time_zone": {"UTC"}, "active": {"1"}, "password": {pw}}
		}},
		{"rep changes their own", staff.RoleRep, "/settings/password", func(pw string) url.Values {
			return url.Values{"current_password": {testPassword}, "new_password": {pw}}
		}},
	}
	passwords := map[string]string{
		"qwerty123456":           "trust_error_password_common",
		"1234567890123":          "trust_error_password_pattern",
		"tentenchar":             "error_password_short",
		strings.Repeat("x", 129): "trust_error_password_long",
	}
	for _, f := range forms {
		c := e.login(f.role)
		l := e.srv.cat.Localizer(e.users[f.role].Locale)
		for pw, msgID := range passwords {
			t.Run(f.name+" "+msgID, func(t *testing.T) {
				res := e.post(c, f.path, f.form(pw))
				wantCode(t, res, http.StatusUnprocessableEntity)
				if !strings.Contains(res.Body, l.T(msgID)) {
					t.Errorf("no %s message in %s", msgID, l.Lang)
				}
				if strings.Contains(res.Body, pw) {
					t.Error("the password came back in the page")
				}
			})
		}
	}
}
