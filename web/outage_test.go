package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// A database outage (security issue #10, finding 20) is answered 503 with
// Retry-After and a page in the visitor's language, never a 500.

// cutDatabase makes the test's database refuse new connections and ends
// every open one, as a stopped or unreachable server would; the returned
// func lets connections in again.
func (e *env) cutDatabase() (restore func()) {
	e.t.Helper()
	ctx := context.Background()
	var name string
	if err := e.srv.db.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		e.t.Fatal(err)
	}
	// From the maintenance database, which stays reachable.
	admin, err := pgx.Connect(ctx, os.Getenv(pgtest.EnvTestDatabaseURL))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = admin.Close(context.Background()) })
	db := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+db+` ALLOW_CONNECTIONS false`); err != nil {
		e.t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		e.t.Fatal(err)
	}
	return func() {
		if _, err := admin.Exec(ctx, `ALTER DATABASE `+db+` ALLOW_CONNECTIONS true`); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestDatabaseOutageIs503(t *testing.T) {
	e := setup(t)
	rep := e.login(staff.RoleRep) // Finnish; signed in before the outage
	token := e.apiToken(staff.RoleAdmin)
	anon := e.client()
	restore := e.cutDatabase()

	fi, vi, en := e.srv.cat.Localizer("fi"), e.srv.cat.Localizer("vi"), e.srv.cat.Localizer("en")
	request := func(c *http.Client, method, path string, form url.Values, lang string) *response {
		req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(form.Encode()))
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
		return e.do(c, req)
	}
	tests := []struct {
		name   string
		c      *http.Client
		method string
		path   string
		form   url.Values
		lang   string
		want   string // the message, in the visitor's language
	}{
		{"signing in", anon, "POST", "/login", url.Values{"email": {"rep@example.com"}, "password": {testPassword}}, "fi", fi.T("error_unavailable")},
		{"the web form", anon, "POST", "/help", helpForm(), "vi", vi.T("error_unavailable")},
		{"a status page", anon, "GET", "/status/not-a-real-token-0123456789", nil, "", en.T("error_unavailable")},
		{"a signed-in queue (the session cannot load)", rep, "GET", "/queue/mine", nil, "fi-FI,fi;q=0.9", fi.T("error_unavailable")},
		{"a signed-in form", rep, "POST", "/tickets", url.Values{"subject": {"x"}}, "fi", fi.T("error_unavailable")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := request(tc.c, tc.method, tc.path, tc.form, tc.lang)
			wantCode(t, res, http.StatusServiceUnavailable)
			if ra := res.Header.Get("Retry-After"); ra != retryAfter {
				t.Errorf("Retry-After %q", ra)
			}
			wantHTML(t, res.Body, tc.want)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Body, "<h1>") {
				t.Error("not a page")
			}
		})
	}
	t.Run("the API", func(t *testing.T) {
		res := e.api(token, "GET", "/api/v1/tickets", nil, "Accept-Language", "vi")
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != retryAfter {
			t.Fatalf("status %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		var body apiErrorBody
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.Error.Code != "unavailable" || body.Error.Message != vi.T("error_unavailable") {
			t.Fatalf("body %s (%v)", res.Body, err)
		}
	})
	t.Run("readiness", func(t *testing.T) {
		wantCode(t, e.get(anon, "/readyz"), http.StatusServiceUnavailable)
	})

	// Back up: the same requests work again, with the same session.
	restore()
	wantCode(t, e.get(rep, "/queue/mine"), http.StatusOK)
	wantCode(t, e.post(e.client(), "/login", url.Values{"email": {"rep@example.com"}, "password": {testPassword}}), http.StatusSeeOther)
}
