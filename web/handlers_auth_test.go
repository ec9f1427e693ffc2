package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestLoginLogout(t *testing.T) {
	e := setup(t)
	c := e.login(staff.RoleRep)
	home := e.get(c, "/")
	if home.StatusCode != 200 {
		t.Fatalf("home: %d", home.StatusCode)
	}
	// The rep's locale is Finnish: the page says so and greets in Finnish.
	if !strings.Contains(home.Body, `<html lang="fi">`) || !strings.Contains(home.Body, "Test rep") {
		t.Fatalf("home page not in Finnish for the rep:\n%s", home.Body[:min(600, len(home.Body))])
	}
	out := e.post(c, "/logout", nil)
	if out.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", out.StatusCode)
	}
	if res := e.get(c, "/"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout home gives %d, want a redirect to login", res.StatusCode)
	}
}

func TestLoginErrorsKeepInputAndDoNotEnumerate(t *testing.T) {
	e := setup(t)
	c := e.client()
	wrong := e.post(c, "/login", url.Values{"email": {"rep@example.com"}, "password": {"nope nope nope"}})
	unknown := e.post(c, "/login", url.Values{"email": {"ghost@example.com"}, "password": {"nope nope nope"}})
	for _, res := range []*response{wrong, unknown} {
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad login: status %d", res.StatusCode)
		}
		if !strings.Contains(res.Body, "The email or password is incorrect.") {
			t.Fatalf("bad login: no message")
		}
	}
	if !strings.Contains(wrong.Body, `value="rep@example.com"`) {
		t.Fatal("the email typed was lost")
	}
	empty := e.post(c, "/login", url.Values{"email": {"rep@example.com"}})
	if empty.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(empty.Body, `id="f-password-error"`) {
		t.Fatalf("missing password: status %d, no field error", empty.StatusCode)
	}
}

func TestLoginThrottled(t *testing.T) {
	e := setup(t)
	c := e.client()
	for i := 0; i < 5; i++ {
		e.post(c, "/login", url.Values{"email": {"rep@example.com"}, "password": {"wrong password"}})
	}
	// Even the right password is refused from this address while it waits
	// out its delay on the account.
	res := e.post(c, "/login", url.Values{"email": {"rep@example.com"}, "password": {testPassword}})
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, "Too many failed attempts") {
		t.Fatalf("throttle: status %d", res.StatusCode)
	}
	// An unknown account is throttled the same way, so throttling reveals nothing.
	for i := 0; i < 5; i++ {
		e.post(c, "/login", url.Values{"email": {"ghost@example.com"}, "password": {"wrong password"}})
	}
	if res := e.post(c, "/login", url.Values{"email": {"ghost@example.com"}, "password": {"x"}}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("unknown account throttle: %d", res.StatusCode)
	}
}

// hostileReturns are "return to" values that must never leave the site,
// each with what a browser would make of it.
var hostileReturns = []string{
	"//evil.example",        // scheme-relative
	"https://evil.example",  // absolute
	"/\\evil.example",       // backslash reads as a slash
	"\\\\evil.example",      // two backslashes
	"/\t/evil.example",      // TAB dropped by the browser: //evil.example
	"/\n/evil.example",      // newline dropped too
	"/\r\n/evil.example",    // and CR LF (header injection besides)
	"\t//evil.example",      // leading control characters are stripped
	" //evil.example",       // so are leading spaces
	"/%2F/evil.example",     // an encoded slash makes "//" once decoded
	"/%5C/evil.example",     // an encoded backslash
	"/%09/evil.example",     // an encoded TAB (sent encoded twice)
	"/\x00/evil.example",    // NUL
	"/\u0085/evil.example",  // C1 next line
	"javascript:alert(1)",   // a scheme
	"http:/evil.example",    // a scheme without slashes
	"evil.example",          // not path-absolute
	"//user@evil.example/x", // userinfo
	"",                      // nothing
}

// The "return to" address of the login page, the login form and the language
// form is always a local path: hostile ones go to "/", local ones are kept.
// Failed guesses from one address do not lock the account for everyone:
// the rep signs in from another address at once (finding 8 of issue #10).
func TestLoginThrottleDoesNotLockOthersOut(t *testing.T) {
	trusted, _ := ParseTrustedProxies("127.0.0.1")
	e := setupWith(t, func(d *Deps) { d.TrustedProxies = trusted })
	from := func(addr, password string) int {
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/login", strings.NewReader(url.Values{"email": {"rep@example.com"}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", addr)
		return e.do(e.client(), req).StatusCode
	}
	for range 10 {
		from("203.0.113.66", "not the password")
	}
	if got := from("203.0.113.66", testPassword); got != http.StatusTooManyRequests {
		t.Fatalf("the guessing address: status %d, want 429", got)
	}
	if got := from("198.51.100.7", testPassword); got != http.StatusSeeOther {
		t.Fatalf("the rep from their own address: status %d, want 303", got)
	}
}

func TestReturnAddressesStayLocal(t *testing.T) {
	e := setup(t)
	signedIn := e.login(staff.RoleRep)
	type sender struct {
		name string
		send func(ret string) *response
	}
	senders := []sender{
		{"GET /login signed in", func(ret string) *response { return e.get(signedIn, "/login?return="+url.QueryEscape(ret)) }},
		{"POST /login", func(ret string) *response {
			return e.post(e.client(), "/login", url.Values{"email": {"rep@example.com"}, "password": {testPassword}, "return": {ret}})
		}},
		{"POST /locale", func(ret string) *response {
			return e.post(e.client(), "/locale", url.Values{"lang": {"fi"}, "return": {ret}})
		}},
	}
	cases := map[string]string{
		"/queue/team":                  "/queue/team",
		"/tickets/1?tab=thread":        "/tickets/1?tab=thread",
		"/search?q=order+42&scope=all": "/search?q=order+42&scope=all",
		"/status/abc-DEF_123":          "/status/abc-DEF_123",
		"/@evil.example":               "/@evil.example",
	}
	for _, h := range hostileReturns {
		if _, ok := cases[h]; !ok {
			cases[h] = "/"
		}
	}
	for _, sd := range senders {
		for ret, want := range cases {
			t.Run(sd.name+" "+strconv.Quote(ret), func(t *testing.T) {
				res := sd.send(ret)
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("status %d, want 303", res.StatusCode)
				}
				if got := res.Header.Get("Location"); got != want {
					t.Errorf("redirected to %q, want %q", got, want)
				}
			})
		}
	}
	// The login page never puts a hostile value into its form either.
	res := e.get(e.client(), "/login?return="+url.QueryEscape("/\t/evil.example"))
	if !strings.Contains(res.Body, `<input type="hidden" name="return" value="/">`) {
		t.Error("the login form carries the hostile return address")
	}
}

func TestSecurityHeadersAndCookie(t *testing.T) {
	e := setup(t)
	res := e.post(e.client(), "/login", url.Values{"email": {"rep@example.com"}, "password": {testPassword}})
	h := res.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows unsafe scripts: %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Errorf("missing nosniff or Referrer-Policy: %v", h)
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "loopdesk_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie not HttpOnly/SameSite=Lax: %+v", session)
	}
}

func TestCrossSitePostRejected(t *testing.T) {
	e := setup(t)
	c := e.login(staff.RoleRep)
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := e.do(c, req); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: status %d, want 403", res.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodPost, e.http.URL+"/locale", strings.NewReader("lang=vi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if res := e.do(c, req); res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign-origin POST: status %d, want 403", res.StatusCode)
	}
	// Still signed in: the rejected logout did nothing.
	if res := e.get(c, "/"); res.StatusCode != 200 {
		t.Fatalf("after rejected logout: %d", res.StatusCode)
	}
}

func TestLocaleSwitch(t *testing.T) {
	e := setup(t)
	anon := e.client()
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/login", nil)
	req.Header.Set("Accept-Language", "vi-VN,vi;q=0.9")
	if res := e.do(anon, req); !strings.Contains(res.Body, `<html lang="vi">`) {
		t.Fatal("Accept-Language vi not honoured on the login page")
	}
	res := e.post(anon, "/locale", url.Values{"lang": {"hi"}, "return": {"/login"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := e.get(anon, "/login"); !strings.Contains(res.Body, `<html lang="hi">`) {
		t.Fatal("cookie language not used")
	}
	// A signed-in user's choice is saved on the account.
	c := e.login(staff.RoleAdmin)
	e.post(c, "/locale", url.Values{"lang": {"fi"}, "return": {"/"}})
	u, err := e.staff.Get(t.Context(), e.users[staff.RoleAdmin].ID)
	if err != nil || u.Locale != "fi" {
		t.Fatalf("locale not saved: %v %q", err, u.Locale)
	}
	if res := e.post(c, "/locale", url.Values{"lang": {"xx"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad language: %d", res.StatusCode)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	e := setup(t)
	c := e.client()
	if res := e.get(c, "/readyz"); res.StatusCode != 200 || !strings.Contains(res.Body, "ready") {
		t.Fatalf("readyz: %d %q", res.StatusCode, res.Body)
	}
	e.get(c, "/login")
	m := httptest.NewRecorder()
	e.srv.MetricsHandler().ServeHTTP(m, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`loopdesk_http_requests_total{method="GET",route="/login",status="200"}`, "loopdesk_pgx_pool_total_conns"} {
		if !strings.Contains(m.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	css := e.srv.assets.url("css/app.css")
	res := e.get(c, css)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("ETag") == "" {
		t.Fatalf("static %s: %d %v", css, res.StatusCode, res.Header)
	}
}
