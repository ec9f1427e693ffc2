package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// sessionCookie returns the session cookie c holds for the test server.
func (e *env) sessionCookie(c *http.Client) string {
	e.t.Helper()
	u, _ := url.Parse(e.http.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == e.srv.sessions.Cookie.Name {
			return ck.Value
		}
	}
	return ""
}

// signedIn reports whether c's session still opens a staff page.
func (e *env) signedIn(c *http.Client) bool {
	e.t.Helper()
	return e.get(c, "/settings").StatusCode == http.StatusOK
}

func hashedToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// The sessions table holds only SHA-256 hashes of the cookie tokens, each
// tagged with its staff member; a hash presented as a cookie opens nothing.
func TestSessionTokensAreStoredHashed(t *testing.T) {
	e := setup(t)
	c := e.login(staff.RoleRep)
	token := e.sessionCookie(c)
	if token == "" {
		t.Fatal("no session cookie")
	}
	db := e.srv.db
	var raw, hashed int
	var userID int64
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE token = $1`, token).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(t.Context(), `SELECT count(*), max(user_id) FROM sessions WHERE token = $1`, hashedToken(token)).Scan(&hashed, &userID); err != nil {
		t.Fatal(err)
	}
	if raw != 0 || hashed != 1 || userID != e.users[staff.RoleRep].ID {
		t.Fatalf("rows by raw token %d, by hash %d (user %d): want 0, 1 (user %d)", raw, hashed, userID, e.users[staff.RoleRep].ID)
	}
	// Rows from before the upgrade were hashed by migration 14 the way scs hashes.
	var migrated string
	if err := db.QueryRow(t.Context(), `SELECT translate(rtrim(encode(sha256(convert_to($1, 'UTF8')), 'base64'), '='), '+/', '-_')`, token).Scan(&migrated); err != nil || migrated != hashedToken(token) {
		t.Fatalf("the migration hashes %q as %q, scs as %q (%v)", token, migrated, hashedToken(token), err)
	}
	// What a reader of the database has is no cookie.
	thief := e.client()
	u, _ := url.Parse(e.http.URL)
	thief.Jar.SetCookies(u, []*http.Cookie{{Name: e.srv.sessions.Cookie.Name, Value: hashedToken(token), Path: "/"}})
	if e.signedIn(thief) {
		t.Fatal("the stored hash works as a session cookie")
	}
	if !e.signedIn(c) {
		t.Fatal("the real cookie stopped working")
	}
}

// A password change ends every other session of the member (the current one
// goes on under a new token, and says so); an admin's reset ends them all.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	const newPassword = "a fresh passphrase for 2026"
	tests := []struct {
		name string
		// change changes the password of who's account and returns the
		// response and the client that made the change.
		change     func(e *env, who staff.Role, own *http.Client) (*response, *http.Client)
		who        staff.Role
		keepsOwn   bool   // the client that made the change stays signed in
		flashLang  string // the language of the flash after the change
		flashMsgID string
	}{
		{
			name: "own change in settings",
			who:  staff.RoleRep,
			change: func(e *env, who staff.Role, own *http.Client) (*response, *http.Client) {
				return e.post(own, "/settings/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}}), own
			},
			keepsOwn: true, flashLang: "fi", flashMsgID: "trust_password_changed_elsewhere_out",
		},
		{
			name: "admin resets a rep",
			who:  staff.RoleRep,
			change: func(e *env, who staff.Role, _ *http.Client) (*response, *http.Client) {
				u, adm := e.users[who], e.login(staff.RoleAdmin)
				return e.post(adm, "/admin/staff/"+strconv.FormatInt(u.ID, 10), url.Values{"name": {u.Name}, "role": {string(u.Role)},
					"locale": {u.Locale}, "time_zone": {"UTC"}, "active": {"1"}, "password": {newPassword}}), adm
			},
			keepsOwn: false, flashLang: "en", flashMsgID: "trust_staff_password_reset_signed_out",
		},
		{
			name: "admin resets their own password",
			who:  staff.RoleAdmin,
			change: func(e *env, who staff.Role, own *http.Client) (*response, *http.Client) {
				u := e.users[who]
				return e.post(own, "/admin/staff/"+strconv.FormatInt(u.ID, 10), url.Values{"name": {u.Name}, "role": {string(u.Role)},
					"locale": {u.Locale}, "time_zone": {"UTC"}, "active": {"1"}, "password": {newPassword}}), own
			},
			keepsOwn: true, flashLang: "en", flashMsgID: "trust_staff_password_reset_signed_out",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			own, other := e.login(tc.who), e.login(tc.who)
			oldToken := e.sessionCookie(own)
			res, actor := tc.change(e, tc.who, own)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("change: status %d\n%s", res.StatusCode, res.Body)
			}
			// The flash says so, in the language of whoever made the change.
			l := e.srv.cat.Localizer(tc.flashLang)
			if page := e.get(actor, res.Header.Get("Location")); !strings.Contains(page.Body, l.T(tc.flashMsgID)) {
				t.Errorf("no flash %q after the change", tc.flashMsgID)
			}
			if e.signedIn(other) {
				t.Error("the other session survived the password change")
			}
			if got := e.signedIn(own); got != tc.keepsOwn {
				t.Errorf("own session signed in = %v, want %v", got, tc.keepsOwn)
			}
			if tc.keepsOwn && e.sessionCookie(own) == oldToken {
				t.Error("the session kept its token")
			}
			var rows int
			if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE user_id = $1`, e.users[tc.who].ID).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			want := 0
			if tc.keepsOwn {
				want = 1
			}
			if rows != want {
				t.Errorf("%d session rows left for the member, want %d", rows, want)
			}
			// The new password signs in.
			if res := e.post(e.client(), "/login", url.Values{"email": {e.users[tc.who].Email}, "password": {newPassword}}); res.StatusCode != http.StatusSeeOther {
				t.Errorf("new password: status %d", res.StatusCode)
			}
		})
	}
}

// A request in flight during the password change may write its session row
// back after the delete; that session is refused all the same.
func TestEndedSessionWrittenBackIsRefused(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	stolen, own := e.login(staff.RoleRep), e.login(staff.RoleRep)
	hash := hashedToken(e.sessionCookie(stolen))
	var data []byte
	if err := e.srv.db.QueryRow(t.Context(), `SELECT data FROM sessions WHERE token = $1`, hash).Scan(&data); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.post(own, "/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"a fresh passphrase for 2026"}}), http.StatusSeeOther)
	if _, err := e.srv.db.Exec(t.Context(), `INSERT INTO sessions (token, data, expiry, user_id) VALUES ($1, $2, now() + interval '1 hour', $3)`, hash, data, rep.ID); err != nil {
		t.Fatal(err)
	}
	if e.signedIn(stolen) {
		t.Fatal("a session written back after the password change still works")
	}
	if !e.signedIn(own) {
		t.Fatal("the session that changed the password was signed out")
	}
}
