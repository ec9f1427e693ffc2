package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestClientAddr(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.5, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies: the header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"untrusted peer: the header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, proxies, "203.0.113.9"},
		{"trusted peer, one hop", "10.1.2.3:443", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"client-made hops left of the real one are ignored", "10.1.2.3:443", []string{"1.1.1.1, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"chained trusted proxies are skipped", "10.1.2.3:443", []string{"198.51.100.1, 192.168.1.5, 10.9.9.9"}, proxies, "198.51.100.1"},
		{"several header lines are one list", "10.1.2.3:443", []string{"6.6.6.6", "198.51.100.1, 10.9.9.9"}, proxies, "198.51.100.1"},
		{"no header: the proxy itself", "10.1.2.3:443", nil, proxies, "10.1.2.3"},
		{"only trusted hops: the left-most", "10.1.2.3:443", []string{"10.4.4.4, 10.5.5.5"}, proxies, "10.4.4.4"},
		{"garbage stops at the last trusted hop", "10.1.2.3:443", []string{"198.51.100.1, not-an-ip, 10.9.9.9"}, proxies, "10.9.9.9"},
		{"IPv6 client", "[fd00::1]:443", []string{"2001:db8::7"}, proxies, "2001:db8::7"},
		{"IPv4-mapped peer counts as IPv4", "[::ffff:10.1.2.3]:443", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"a /32 proxy is exactly that one", "192.168.1.6:443", []string{"198.51.100.1"}, proxies, "192.168.1.6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := clientAddr(tc.remote, tc.xff, tc.trusted); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/8/2"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q): no error", bad)
		}
	}
}

// Behind a trusted proxy, the per-address login limit counts the client in
// X-Forwarded-For; without one the header changes nothing.
func TestRateLimitsUseTheClientBehindTrustedProxies(t *testing.T) {
	loginFrom := func(e *env, xff, email string) *response {
		req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/login", strings.NewReader(url.Values{"email": {email}, "password": {"wrong password!"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", xff)
		return e.do(e.client(), req)
	}
	tests := []struct {
		name          string
		trusted       string
		otherThrottle bool // whether another X-Forwarded-For address is throttled too
	}{
		{"behind a trusted proxy", "127.0.0.1/32", false},
		{"no trusted proxy", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trusted, err := ParseTrustedProxies(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			e := setupWith(t, func(d *Deps) { d.TrustedProxies = trusted })
			// Enough failures from one address, each on another account.
			for i := 0; i < staff.MaxAddressFailures; i++ {
				loginFrom(e, "198.51.100.1", "nobody"+strings.Repeat("x", i)+"@example.com")
			}
			if res := loginFrom(e, "198.51.100.1", "fresh@example.com"); res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("the failing address: status %d, want 429", res.StatusCode)
			}
			res := loginFrom(e, "198.51.100.2", "fresh@example.com")
			if got := res.StatusCode == http.StatusTooManyRequests; got != tc.otherThrottle {
				t.Fatalf("another address: status %d, throttled = %v, want %v", res.StatusCode, got, tc.otherThrottle)
			}
		})
	}
}

// With an https base URL the session cookie is a __Host- cookie and HSTS is
// sent, though TLS ends at a proxy in front; with http neither.
func TestHTTPSBaseURLSecuresCookieAndHSTS(t *testing.T) {
	tests := []struct {
		base       string
		cookieName string
		secure     bool
		hsts       bool
	}{
		{"https://desk.example", "__Host-loopdesk_session", true, true},
		{"http://127.0.0.1", "loopdesk_session", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.base, func(t *testing.T) {
			e := setupWith(t, func(d *Deps) { d.BaseURL = tc.base })
			res := e.post(e.client(), "/login", url.Values{"email": {"rep@example.com"}, "password": {testPassword}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: status %d", res.StatusCode)
			}
			if got := res.Header.Get("Strict-Transport-Security") != ""; got != tc.hsts {
				t.Errorf("HSTS sent = %v, want %v", got, tc.hsts)
			}
			var session *http.Cookie
			for _, c := range res.Cookies() {
				if strings.HasSuffix(c.Name, "loopdesk_session") {
					session = c
				}
			}
			if session == nil || session.Name != tc.cookieName || session.Secure != tc.secure || session.Path != "/" || session.Domain != "" || !session.HttpOnly {
				t.Fatalf("session cookie %+v, want %s secure=%v path=/ no domain, HttpOnly", session, tc.cookieName, tc.secure)
			}
		})
	}
}
