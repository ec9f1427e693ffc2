package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// When every password-hashing slot is taken, sign-in and password change
// answer 503 with Retry-After and a message in the user's language, and a
// refused sign-in costs the user no throttling.
func TestBusyHashingAnswers503(t *testing.T) {
	e := setup(t)
	rep := e.login(staff.RoleRep) // signed in before the slots run out
	e.staff.LimitHashing(0, 0)
	en, fi := e.srv.cat.Localizer("en"), e.srv.cat.Localizer("fi")
	cases := []struct {
		name string
		do   func() *response
		l    interface{ T(string, ...any) string }
	}{
		{"sign-in", func() *response {
			return e.post(e.client(), "/login", url.Values{"email": {"admin@example.com"}, "password": {testPassword}})
		}, en},
		{"password change", func() *response {
			return e.post(rep, "/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"a fresh passphrase for 2026"}})
		}, fi},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := c.do()
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
			}
			if !strings.Contains(res.Body, c.l.T("trust_error_busy")) {
				t.Error("no translated busy message")
			}
		})
	}
	for range 5 { // more than the free failures, were they counted
		e.post(e.client(), "/login", url.Values{"email": {"admin@example.com"}, "password": {"not the password"}})
	}
	e.staff.LimitHashing(2, 0)
	if res := e.post(e.client(), "/login", url.Values{"email": {"admin@example.com"}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the load: sign-in status %d", res.StatusCode)
	}
}
