package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/escalation"
	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/mailbox"
	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
	"github.com/loopdesk/loopdesk/internal/reports"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testPassword is every test account's password.
const testPassword = "correct horse battery"

// env is one test's running server on its own database.
type env struct {
	t       *testing.T
	srv     *Server
	http    *httptest.Server
	staff   *staff.Store
	tickets *tickets.Store
	esc     *escalation.Service
	users   map[staff.Role]staff.User
}

// setup starts a server on a fresh database with one user per role.
func setup(t *testing.T) *env {
	t.Helper()
	return setupWith(t, nil)
}

// setupWith is setup with changes to the server's dependencies.
func setupWith(t *testing.T, tweak func(*Deps)) *env {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	st := staff.NewStore(db, time.Now)
	if err := st.SetSecret(strings.Repeat("test-secret-", 4)); err != nil { // two-factor secrets
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ts, esc := escalation.Wire(db, time.Now, "http://127.0.0.1", nil, log, escalation.Config{})
	deps := Deps{Log: log, DB: db, Catalog: cat, Staff: st, Tickets: ts, Esc: esc, BaseURL: "http://127.0.0.1", Now: time.Now,
		CSAT: csat.NewStore(db, esc, time.Now, "http://127.0.0.1"), News: announce.NewStore(db, time.Now), // feedback
		Reports: reports.NewStore(db, time.Now, log), // dashboard
		// The test admins sign in by password; TestAdminMustSetUpTwoFactor
		// and the other two-factor tests turn the requirement on.
		AdminTwoFactorOptional: true}
	deps.Webhooks = testWebhooks(t, db, log) // selfserve
	if deps.Mailboxes, err = mailbox.NewStore(db, "web-test-secret-0123456789abcdef0123", time.Now); err != nil {
		t.Fatal(err)
	}
	// mailin2: the mail intake with its spam checks (the Spam view, the block list).
	desk, err := mailin.New(ts, []string{"help@desk.example"}, log)
	if err != nil {
		t.Fatal(err)
	}
	deps.MailDesk = desk.UseSpam(mailin.NewSpam(db, time.Now, mailin.SpamOptions{AuthServID: "mx.desk.example", NewTicketsPerHour: 20}))
	if tweak != nil {
		tweak(&deps)
	}
	srv, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	t.Cleanup(srv.Close) // live desk: first, so that open streams end
	e := &env{t: t, srv: srv, http: hs, staff: st, tickets: ts, esc: esc, users: map[staff.Role]staff.User{}}
	locales := map[staff.Role]string{staff.RoleRep: "fi", staff.RoleSenior: "vi", staff.RoleSupervisor: "hi", staff.RoleAdmin: "en"}
	for _, role := range staff.Roles {
		u, err := st.Create(ctx, 0, staff.NewUser{
			Email: string(role) + "@example.com", Name: "Test " + string(role), Role: role,
			Team: "Delivery", Locale: locales[role], Password: testPassword,
		})
		if err != nil {
			t.Fatal(err)
		}
		e.users[role] = u
	}
	return e
}

// testLog sends the server's warnings and errors to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client returns an HTTP client with its own cookie jar that does not follow redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// login returns a client signed in as the user of role.
func (e *env) login(role staff.Role) *http.Client {
	e.t.Helper()
	c := e.client()
	res := e.post(c, "/login", url.Values{"email": {e.users[role].Email}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login as %s: status %d", role, res.StatusCode)
	}
	return c
}

// get fetches path and returns the response with its body read into Body.
func (e *env) get(c *http.Client, path string) *response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
	return e.do(c, req)
}

// post submits a form as a same-origin browser would.
func (e *env) post(c *http.Client, path string, form url.Values) *response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(c, req)
}

type response struct {
	*http.Response
	Body string
}

func (e *env) do(c *http.Client, req *http.Request) *response {
	e.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Response: res, Body: string(b)}
}
