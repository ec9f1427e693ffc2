package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// Pages that change nothing in the session do not rewrite its row; a row
// whose idle deadline lags by more than a minute is moved on; signing out
// still deletes it.
func TestSessionRowTouchedOnlyWhenDeadlineMoves(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.login(staff.RoleRep)
	token := hashedToken(e.sessionCookie(c))
	row := func() (xmin string, expiry time.Time) {
		t.Helper()
		if err := e.srv.db.QueryRow(t.Context(), `SELECT xmin::text, expiry FROM sessions WHERE token = $1`, token).Scan(&xmin, &expiry); err != nil {
			t.Fatal(err)
		}
		return xmin, expiry
	}
	x0, exp0 := row()
	for range 5 {
		if res := e.get(c, "/settings"); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /settings: %d", res.StatusCode)
		}
	}
	if x1, exp1 := row(); x1 != x0 || !exp1.Equal(exp0) {
		t.Fatalf("five quiet pages rewrote the session row (xmin %s -> %s, expiry %v -> %v)", x0, x1, exp0, exp1)
	}

	// The deadline lags by two minutes: the next page moves it on.
	if _, err := e.srv.db.Exec(t.Context(), `UPDATE sessions SET expiry = expiry - interval '2 minutes' WHERE token = $1`, token); err != nil {
		t.Fatal(err)
	}
	x2, exp2 := row()
	e.get(c, "/settings")
	if x3, exp3 := row(); x3 == x2 || !exp3.After(exp2.Add(time.Minute)) {
		t.Fatalf("a lagging deadline was not moved on (xmin %s -> %s, expiry %v -> %v)", x2, x3, exp2, exp3)
	}

	e.post(c, "/logout", nil)
	var n int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE token = $1`, token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after sign-out %d rows (%v)", n, err)
	}
	if e.signedIn(c) {
		t.Fatal("still signed in after sign-out")
	}
}
