package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// Form bodies too large or malformed (security issue #10, finding 21):
// answered 413 (or 422) with a translated page, never read as an empty form.

// postRaw sends body as-is with contentType, as a same-origin browser would,
// with the visitor's language in Accept-Language.
func (e *env) postRaw(c *http.Client, path, contentType, body, lang string) *response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	return e.do(c, req)
}

func TestOversizedHelpFormIs413NotBlank(t *testing.T) {
	e := setup(t)
	c := e.client()
	fi := e.srv.cat.Localizer("fi")
	tickets := e.countTickets()

	// The finding: every field filled in, the message far too long.
	form := helpForm()
	form.Set("message", strings.Repeat("Paketti on rikki. ", 20000)) // 360 KB
	res := e.postRaw(c, "/help", "application/x-www-form-urlencoded", form.Encode(), "fi")
	wantCode(t, res, http.StatusRequestEntityTooLarge)
	wantHTML(t, res.Body, fi.T("error_form_too_large"))
	if strings.Contains(res.Body, fi.T("error_required")) {
		t.Fatal("the form was read as empty: fields are reported missing")
	}
	// A file far too large: the attachment message.
	res = e.postMultipart(c, "/help", helpForm(), &upload{name: "big.png", contentType: "image/png", data: make([]byte, maxUploadBody+1)})
	wantCode(t, res, http.StatusRequestEntityTooLarge)
	wantHTML(t, res.Body, e.srv.cat.Localizer("en").T("attachment_error_body_too_large"))
	// Malformed bodies: 422 with their own message.
	for _, b := range []struct{ contentType, body string }{
		{"application/x-www-form-urlencoded", "name=%zz&email=a"},
		{"multipart/form-data; boundary=xyz", "--abc\r\nnot a part\r\n"},
		{"multipart/form-data", "no boundary"},
	} {
		res := e.postRaw(c, "/help", b.contentType, b.body, "fi")
		wantCode(t, res, http.StatusUnprocessableEntity)
		wantHTML(t, res.Body, fi.T("error_form_malformed"))
	}
	if n := e.countTickets(); n != tickets {
		t.Fatalf("tickets %d -> %d", tickets, n)
	}

	// The limit leaves room for the longest message in any script:
	// 20,000 Devanagari characters (9 bytes each encoded) or emoji (12).
	for _, ch := range []string{"क", "😀"} {
		form := helpForm()
		form.Set("message", strings.Repeat(ch, 20000))
		if _, err := e.srv.db.Exec(t.Context(), `DELETE FROM rate_hits`); err != nil {
			t.Fatal(err)
		}
		e.submitHelp(c, form)
	}
}

// TestEveryFormRouteRefusesOversizedBodies posts a 300 KB url-encoded body
// and a 12 MB multipart body to every route that takes a form.
func TestEveryFormRouteRefusesOversizedBodies(t *testing.T) {
	e := setup(t)
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	paths := map[string]string{}
	for _, rt := range routeTable {
		paths[rt.method+" "+rt.pattern] = rt.path
	}
	bigForm := "message=" + strings.Repeat("x", 300<<10)
	var bigMultipart strings.Builder
	bigMultipart.WriteString("--b\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"a.bin\"\r\n\r\n")
	bigMultipart.WriteString(strings.Repeat("x", 12<<20))
	bigMultipart.WriteString("\r\n--b--\r\n")
	routes := 0
	err := chi.Walk(e.srv.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.ReplaceAll(route, "/*/", "/")
		if method == "GET" || strings.HasPrefix(route, "/api/") || route == "/metrics" {
			return nil
		}
		path, ok := paths[method+" "+route]
		if !ok {
			t.Errorf("%s %s is not in routeTable", method, route)
			return nil
		}
		routes++
		for _, c := range []struct{ contentType, body, msgID string }{
			{"application/x-www-form-urlencoded", bigForm, "error_form_too_large"},
			{"multipart/form-data; boundary=b", bigMultipart.String(), "attachment_error_body_too_large"},
		} {
			res := e.postRaw(admin, path, c.contentType, c.body, "")
			if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.Body, en.T(c.msgID)) {
				t.Errorf("%s %s (%s): status %d", method, path, c.contentType, res.StatusCode)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d form routes refuse oversized bodies", routes)
	if routes < 40 {
		t.Fatalf("only %d routes walked", routes)
	}
	// Signed out too: /login, the status page reply and the survey.
	anon := e.client()
	for _, p := range []string{"/login", "/find", "/status/not-a-real-token-0123456789/reply", "/csat/not-a-real-token-0123456789"} {
		wantCode(t, e.postRaw(anon, p, "application/x-www-form-urlencoded", "email="+url.QueryEscape(strings.Repeat("a", 300<<10)), ""),
			http.StatusRequestEntityTooLarge)
	}
}
