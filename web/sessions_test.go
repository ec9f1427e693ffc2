package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
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

// The sessions table holds only SHA-256 hashes of the cookie tokens; a hash presented as a cookie opens nothing.
func TestSessionTokensAreStoredHashed(t *testing.T) {
	e := setup(t)
	c := e.login(staff.RoleRep)
	token := e.sessionCookie(c)
	if token == "" {
		t.Fatal("no session cookie")
	}
	db := e.srv.db
	var raw, hashed int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE token = $1`, token).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE token = $1`, hashedToken(token)).Scan(&hashed); err != nil {
		t.Fatal(err)
	}
	if raw != 0 || hashed != 1 {
		t.Fatalf("rows by raw token %d, by hash %d: want 0, 1", raw, hashed)
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
