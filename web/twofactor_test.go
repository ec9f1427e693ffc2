package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/loopdesk/loopdesk/internal/staff"
)

var (
	secretInPage   = regexp.MustCompile(`<code id="tfa-secret">([A-Z2-7 ]+)</code>`)
	recoveryInPage = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// enrollTwoFactor turns on two-factor sign-in for the member signed in on c,
// through the settings page, and returns the secret and recovery codes.
func (e *env) enrollTwoFactor(c *http.Client) (string, []string) {
	e.t.Helper()
	page := e.get(c, "/settings/2fa")
	m := secretInPage.FindStringSubmatch(page.Body)
	if page.StatusCode != http.StatusOK || m == nil {
		e.t.Fatalf("setup page: status %d, no secret", page.StatusCode)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	res := e.post(c, "/settings/2fa", url.Values{"code": {e.totpCode(secret)}})
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("enable: status %d\n%s", res.StatusCode, res.Body)
	}
	var codes []string
	for _, m := range recoveryInPage.FindAllStringSubmatch(res.Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		e.t.Fatalf("%d recovery codes shown", len(codes))
	}
	return secret, codes
}

func (e *env) totpCode(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// nextStep lets a member's app code be used again, as if its next 30-second
// step had come (no code is accepted twice).
func (e *env) nextStep(id int64) {
	e.t.Helper()
	if _, err := e.srv.db.Exec(e.t.Context(), `UPDATE users SET totp_last_step = totp_last_step - 3 WHERE id = $1`, id); err != nil {
		e.t.Fatal(err)
	}
}

// A member with two-factor on is signed in only after the second step;
// codes, recovery codes, wrong codes and the return address all behave.
func TestTwoFactorSignIn(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	en := e.srv.cat.Localizer("en") // not signed in yet: the browser's language
	first := e.login(staff.RoleRep)
	secret, recovery := e.enrollTwoFactor(first)
	if !e.signedIn(first) {
		t.Fatal("the session that turned it on was signed out")
	}
	password := func(c *http.Client, ret string) *response {
		return e.post(c, "/login", url.Values{"email": {rep.Email}, "password": {testPassword}, "return": {ret}})
	}
	tests := []struct {
		name   string
		code   func() string
		status int
		want   string // message id on the page, or the redirect target
	}{
		{"the app's code", func() string { e.nextStep(rep.ID); return e.totpCode(secret) }, http.StatusSeeOther, "/queue/team"},
		{"a recovery code", func() string { return recovery[0] }, http.StatusSeeOther, "/queue/team"},
		{"the same recovery code again", func() string { return recovery[0] }, http.StatusUnprocessableEntity, "trust_error_2fa_code"},
		{"a wrong code", func() string { return "000000" }, http.StatusUnprocessableEntity, "trust_error_2fa_code"},
		{"no code", func() string { return "" }, http.StatusUnprocessableEntity, "error_required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			res := password(c, "/queue/team")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/2fa" {
				t.Fatalf("password step: %d to %q", res.StatusCode, res.Header.Get("Location"))
			}
			if e.signedIn(c) {
				t.Fatal("signed in by the password alone")
			}
			if page := e.get(c, "/login/2fa"); page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `autocomplete="one-time-code"`) {
				t.Fatalf("code page: %d", page.StatusCode)
			}
			res = e.post(c, "/login/2fa", url.Values{"code": {tc.code()}})
			if res.StatusCode != tc.status {
				t.Fatalf("code step: status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.status == http.StatusSeeOther {
				if res.Header.Get("Location") != tc.want || !e.signedIn(c) {
					t.Fatalf("to %q, signed in %v", res.Header.Get("Location"), e.signedIn(c))
				}
				return
			}
			if !strings.Contains(res.Body, en.T(tc.want)) {
				t.Errorf("no %s message", tc.want)
			}
			if e.signedIn(c) {
				t.Error("signed in after a refused code")
			}
		})
	}
	// Wrong codes are limited per member: then even the right one waits.
	c := e.client()
	password(c, "/")
	for range staff.MaxCodeFailures {
		e.post(c, "/login/2fa", url.Values{"code": {"111111"}})
	}
	e.nextStep(rep.ID)
	res := e.post(c, "/login/2fa", url.Values{"code": {e.totpCode(secret)}})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, en.T("trust_error_2fa_throttled")) {
		t.Fatalf("after %d wrong codes: status %d", staff.MaxCodeFailures, res.StatusCode)
	}
}

// Without a password step first, or too long after it, the code page sends
// the visitor back to sign in.
func TestTwoFactorStepExpires(t *testing.T) {
	now := time.Now()
	e := setupWith(t, func(d *Deps) { d.Now = func() time.Time { return now } })
	rep := e.users[staff.RoleRep]
	secret, _ := e.enrollTwoFactor(e.login(staff.RoleRep))
	c := e.client()
	if res := e.post(c, "/login/2fa", url.Values{"code": {"123456"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("no password step: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	e.post(c, "/login", url.Values{"email": {rep.Email}, "password": {testPassword}})
	now = now.Add(pendingTwoFactorTTL + time.Second)
	e.nextStep(rep.ID)
	res := e.post(c, "/login/2fa", url.Values{"code": {e.totpCode(secret)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" || e.signedIn(c) {
		t.Fatalf("late code: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// An admin without two-factor sign-in is sent to set it up before anything
// else; once it is on, the desk opens. Other roles may choose.
func TestAdminMustSetUpTwoFactor(t *testing.T) {
	e := setupWith(t, func(d *Deps) { d.AdminTwoFactorOptional = false })
	en := e.srv.cat.Localizer("en")
	adm := e.login(staff.RoleAdmin)
	for _, path := range []string{"/", "/admin", "/admin/staff", "/settings"} {
		res := e.get(adm, path)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings/2fa" {
			t.Fatalf("%s: %d to %q, want the two-factor setup", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	page := e.get(adm, "/settings/2fa")
	if !strings.Contains(page.Body, en.T("trust_2fa_required_admin")) {
		t.Error("the setup page does not say why")
	}
	wantCode(t, e.get(e.login(staff.RoleRep), "/"), http.StatusOK)
	e.enrollTwoFactor(adm)
	wantCode(t, e.get(adm, "/admin"), http.StatusOK)
	// An admin cannot turn it off again.
	if res := e.post(adm, "/settings/2fa/disable", url.Values{"code": {"123456"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("admin disables: status %d", res.StatusCode)
	}
}

// Turning two-factor on ends the member's other sessions; an admin's reset
// (a lost phone) ends them all and the member signs in by password again.
func TestTwoFactorEndsSessionsAndAdminReset(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	own, other := e.login(staff.RoleRep), e.login(staff.RoleRep)
	e.enrollTwoFactor(own)
	if e.signedIn(other) {
		t.Fatal("another session survived turning two-factor on")
	}
	adm := e.login(staff.RoleAdmin)
	staffPage := "/admin/staff/" + strconv.FormatInt(rep.ID, 10)
	en := e.srv.cat.Localizer("en")
	if !strings.Contains(e.get(adm, staffPage).Body, en.T("trust_staff_2fa_reset")) {
		t.Fatal("no reset button on the staff page")
	}
	res := e.post(adm, staffPage+"/2fa/reset", nil)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(e.get(adm, res.Header.Get("Location")).Body, en.T("trust_staff_2fa_reset_done")) {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	if e.signedIn(own) {
		t.Fatal("the member's session survived the reset")
	}
	res = e.post(e.client(), "/login", url.Values{"email": {rep.Email}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("sign-in after the reset: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
