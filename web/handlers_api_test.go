package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// send makes a request with any method, as a same-origin browser would.
func (e *env) send(c *http.Client, method, path, contentType string, body io.Reader) *response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(c, req)
}

// apiToken makes a personal API token for the test user of role.
func (e *env) apiToken(role staff.Role) string {
	e.t.Helper()
	plain, _, err := e.staff.CreateToken(context.Background(), e.users[role].ID, "test "+string(role))
	if err != nil {
		e.t.Fatal(err)
	}
	return plain
}

// apiResponse is an API answer with its JSON error (when there is one).
type apiResponse struct {
	*response
	Err apiErrorDetail
}

// api calls the JSON API as a script would: no cookies, no browser headers.
// body is sent as-is when it is a string, else as its JSON. headers are
// name, value pairs.
func (e *env) api(token, method, path string, body any, headers ...string) *apiResponse {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = strings.NewReader(string(raw))
	}
	req, _ := http.NewRequest(method, e.http.URL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res := &apiResponse{response: e.do(http.DefaultClient, req)}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		e.t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, res.Body)
	}
	if res.StatusCode >= 400 {
		var eb apiErrorBody
		if err := json.Unmarshal([]byte(res.Body), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
			e.t.Fatalf("%s %s: status %d with a malformed error %s (%v)", method, path, res.StatusCode, res.Body, err)
		}
		res.Err = eb.Error
	}
	return res
}

// decode reads the JSON body into v.
func (r *apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r *apiResponse) ticket(t *testing.T) apiTicketDetail {
	t.Helper()
	var d apiTicketDetail
	r.decode(t, &d)
	return d
}

func wantStatus(t *testing.T, r *apiResponse, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r.Body)
	}
}

// createTicketAPI opens a ticket through the API and returns it.
func (e *env) createTicketAPI(token string, body map[string]any, headers ...string) apiTicketDetail {
	e.t.Helper()
	res := e.api(token, "POST", "/api/v1/tickets", body, headers...)
	wantStatus(e.t, res, http.StatusCreated)
	return res.ticket(e.t)
}

func newTicketBody(subject string) map[string]any {
	return map[string]any{
		"customer_name": "Anna Virtanen", "customer_email": "anna@example.com",
		"subject": subject, "body": "My order has not arrived.", "priority": "high", "channel": "email",
		"category": "delivery", "order_ref": "ORD-1",
	}
}

var tokenInPage = regexp.MustCompile(`ldk_[A-Za-z0-9_-]{43}`)

func TestAPIRouteTableWithTokens(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rep := e.users[staff.RoleRep]
	if _, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
		CustomerName: "Route Table", Subject: "Order missing", Body: "Where is my order?",
		Channel: "phone", Priority: tickets.PriorityNormal,
	}); err != nil {
		t.Fatal(err)
	}
	for _, role := range staff.Roles {
		token := e.apiToken(role)
		for _, rt := range routeTable {
			if rt.who != api {
				continue
			}
			t.Run(rt.method+" "+rt.path+" as "+string(role), func(t *testing.T) {
				res := e.api(token, rt.method, rt.path, nil)
				want := rt.ok
				if rt.path == "/api/v1/tickets/1/take" && role == staff.RoleRep {
					want = http.StatusOK // the rep made ticket 1: taking it changes nothing
				}
				if min, ok := apiMinRole[rt.pattern]; ok && !role.AtLeast(min) {
					want = http.StatusForbidden
				}
				wantStatus(t, res, want)
			})
		}
	}
}

func TestTokenPagesCreateUseRevoke(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.login(staff.RoleAdmin) // English

	page := e.get(c, "/settings/tokens")
	if page.StatusCode != 200 || !strings.Contains(page.Body, `<label for="f-name">`) || !strings.Contains(page.Body, "You have no API tokens yet.") {
		t.Fatalf("tokens page: %d\n%s", page.StatusCode, page.Body)
	}

	// A bad name re-renders the form with the input and the error beside it.
	long := strings.Repeat("x", 101)
	bad := e.post(c, "/settings/tokens", url.Values{"name": {long}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="f-name-error"`) ||
		!strings.Contains(bad.Body, `value="`+long+`"`) || !strings.Contains(bad.Body, "at most 100 characters") {
		t.Fatalf("bad name: %d\n%s", bad.StatusCode, bad.Body)
	}

	made := e.post(c, "/settings/tokens", url.Values{"name": {"CRM sync"}})
	if made.StatusCode != 200 || !strings.Contains(made.Body, "it will not be shown again") {
		t.Fatalf("create: %d\n%s", made.StatusCode, made.Body)
	}
	plain := tokenInPage.FindString(made.Body)
	if plain == "" {
		t.Fatal("the new token is not on the page")
	}
	if made.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("the page showing a secret may be cached")
	}

	// The token works, as its owner.
	res := e.api(plain, "GET", "/api/v1/tickets", nil)
	wantStatus(t, res, 200)

	// Later the list shows the name, prefix and last use, never the token.
	page = e.get(c, "/settings/tokens")
	if strings.Contains(page.Body, plain) || !strings.Contains(page.Body, "CRM sync") || !strings.Contains(page.Body, plain[:12]+"…") {
		t.Fatalf("token list:\n%s", page.Body)
	}
	list, _ := e.staff.ListTokens(t.Context(), e.users[staff.RoleAdmin].ID)
	if len(list) != 1 || list[0].LastUsedAt == nil {
		t.Fatalf("tokens: %+v", list)
	}

	// Someone else cannot revoke it (a rep is not its owner and not an admin).
	other := e.login(staff.RoleRep)
	revokeURL := fmt.Sprintf("/settings/tokens/%d/revoke", list[0].ID)
	if res := e.post(other, revokeURL, nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("rep revoking the admin's token: %d", res.StatusCode)
	}
	if res := e.post(c, "/settings/tokens/abc/revoke", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("non-numeric token id: %d", res.StatusCode)
	}

	rev := e.post(c, revokeURL, nil)
	if rev.StatusCode != http.StatusSeeOther || rev.Header.Get("Location") != "/settings/tokens" {
		t.Fatalf("revoke: %d %s", rev.StatusCode, rev.Header.Get("Location"))
	}
	page = e.get(c, "/settings/tokens")
	if !strings.Contains(page.Body, "The token was revoked.") || !strings.Contains(page.Body, "Revoked ") {
		t.Fatalf("after revoke:\n%s", page.Body)
	}
	res = e.api(plain, "GET", "/api/v1/tickets", nil)
	wantStatus(t, res, http.StatusUnauthorized)
	if res.Err.Code != "unauthorized" || res.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("revoked token: %+v", res.Err)
	}
}

// TestBrowserTokenCreateAndUse makes a token as a person would, by label,
// and uses it on the API.
func TestBrowserTokenCreateAndUse(t *testing.T) {
	e := setup(t)
	ctx := newBrowser(t)
	cat, _ := i18n.Load()
	en := cat.Localizer("en")
	admin := e.users[staff.RoleAdmin] // English
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/settings/tokens"),
		chromedp.WaitVisible(heading(en.T("login_title"))),
		chromedp.SendKeys(byLabel(en.T("login_email")), admin.Email),
		chromedp.SendKeys(byLabel(en.T("login_password")), testPassword),
		chromedp.Click(button(en.T("login_submit"))),
		chromedp.WaitVisible(heading(en.T("tokens_title"))),
		// An empty name is refused beside the field.
		chromedp.Click(button(en.T("tokens_create"))),
		chromedp.WaitVisible(`#f-name-error`),
		chromedp.SendKeys(byLabel(en.T("tokens_name")), "CRM sync"),
		chromedp.Click(button(en.T("tokens_create"))),
		chromedp.WaitVisible(byLabel(en.T("tokens_new_label"))),
	)
	if err != nil {
		t.Fatalf("create a token: %v", err)
	}
	plain, err := chromedp.Run(ctx, chromedp.Value(byLabel(en.T("tokens_new_label"))))
	if err != nil || !tokenInPage.MatchString(plain) {
		t.Fatalf("read the new token %q: %v", plain, err)
	}
	screenshot(t, ctx, "tokens-created.png")
	wantStatus(t, e.api(plain, "GET", "/api/v1/tickets", nil), http.StatusOK)

	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/settings/tokens"),
		chromedp.Click(fmt.Sprintf(`//button[@aria-label=%q]`, en.T("tokens_revoke_label", "Name", "CRM sync"))),
		chromedp.WaitVisible(`//div[contains(@class, "flash-success")]`),
	)
	if err != nil {
		t.Fatalf("revoke the token: %v", err)
	}
	wantStatus(t, e.api(plain, "GET", "/api/v1/tickets", nil), http.StatusUnauthorized)
}

func TestTokenPageTranslated(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.login(staff.RoleRep) // Finnish
	page := e.get(c, "/settings/tokens")
	if !strings.Contains(page.Body, "<h1>API-tunnisteet</h1>") || !strings.Contains(page.Body, "Luo tunniste") {
		t.Fatalf("tokens page not in Finnish:\n%s", page.Body)
	}
}

func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token := e.apiToken(staff.RoleAdmin)
	cases := map[string]string{
		"no header":     "",
		"basic":         "Basic " + token,
		"empty bearer":  "Bearer ",
		"unknown token": "Bearer ldk_" + strings.Repeat("A", 43),
		"garbage":       "Bearer not-a-token",
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			res := e.api("", "GET", "/api/v1/tickets", nil, "Authorization", h)
			wantStatus(t, res, http.StatusUnauthorized)
			if res.Err.Code != "unauthorized" || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("error %+v", res.Err)
			}
		})
	}
	// The scheme is case-insensitive.
	wantStatus(t, e.api("", "GET", "/api/v1/tickets", nil, "Authorization", "bearer "+token), 200)

	// A signed-in browser session is no API credential.
	c := e.login(staff.RoleAdmin)
	if res := e.get(c, "/api/v1/tickets"); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session cookie on the API: %d", res.StatusCode)
	}

	// Messages follow Accept-Language, else the token owner's language.
	fi := e.api("", "GET", "/api/v1/tickets", nil, "Accept-Language", "fi-FI")
	if !strings.Contains(fi.Err.Message, "Authorization: Bearer") || !strings.Contains(fi.Err.Message, "Lähetä") {
		t.Fatalf("Finnish 401: %q", fi.Err.Message)
	}
	repToken := e.apiToken(staff.RoleRep) // rep's language is Finnish
	notFound := e.api(repToken, "GET", "/api/v1/tickets/999999", nil)
	wantStatus(t, notFound, http.StatusNotFound)
	if notFound.Header.Get("Content-Language") != "fi" || strings.HasPrefix(notFound.Err.Message, "error_") {
		t.Fatalf("rep's 404: %s %q", notFound.Header.Get("Content-Language"), notFound.Err.Message)
	}
	vi := e.api(repToken, "GET", "/api/v1/tickets/999999", nil, "Accept-Language", "vi")
	if vi.Header.Get("Content-Language") != "vi" || vi.Err.Message == notFound.Err.Message {
		t.Fatalf("Accept-Language vi ignored: %q", vi.Err.Message)
	}
}

func TestAPIHappyPaths(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token := e.apiToken(staff.RoleRep)
	rep := e.users[staff.RoleRep]
	senior := e.users[staff.RoleSenior]

	// Create.
	res := e.api(token, "POST", "/api/v1/tickets", newTicketBody("Parcel lost"))
	wantStatus(t, res, http.StatusCreated)
	tk := res.ticket(t)
	if res.Header.Get("Location") != fmt.Sprintf("/api/v1/tickets/%d", tk.ID) || tk.URL != res.Header.Get("Location") {
		t.Fatalf("location %q, url %q", res.Header.Get("Location"), tk.URL)
	}
	if tk.Subject != "Parcel lost" || tk.Status != "new" || tk.Priority != "high" || tk.Channel != "email" ||
		tk.Category != "delivery" || tk.Customer.Name != "Anna Virtanen" || tk.Version != 1 ||
		tk.OwnerID == nil || *tk.OwnerID != rep.ID || tk.CreatedBy == nil || *tk.CreatedBy != rep.ID ||
		tk.TeamID == nil || tk.TeamName != "Delivery" || len(tk.Messages) != 1 || !tk.Messages[0].FromCustomer {
		t.Fatalf("created ticket: %+v", tk)
	}
	// Timestamps are RFC 3339.
	var raw map[string]any
	res.decode(t, &raw)
	if _, err := time.Parse(time.RFC3339, raw["created_at"].(string)); err != nil || raw["solved_at"] != nil {
		t.Fatalf("created_at %v solved_at %v: %v", raw["created_at"], raw["solved_at"], err)
	}
	// Defaults: channel api, priority normal.
	min := e.createTicketAPI(token, map[string]any{"customer_name": "Bo", "subject": "Hi", "body": "Hello"})
	if min.Channel != "api" || min.Priority != "normal" {
		t.Fatalf("defaults: %s %s", min.Channel, min.Priority)
	}

	// Reply, note, and a reply that sets a status.
	path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
	res = e.api(token, "POST", path+"/messages", map[string]any{"kind": "public", "body": "We are on it."})
	wantStatus(t, res, http.StatusCreated)
	if d := res.ticket(t); d.Status != "open" || d.FirstResponseAt == nil || len(d.Messages) != 2 || d.Version != 2 {
		t.Fatalf("after reply: %+v", d)
	}
	res = e.api(token, "POST", path+"/messages", map[string]any{"kind": "internal", "body": "Courier says lost."})
	wantStatus(t, res, http.StatusCreated)
	res = e.api(token, "POST", path+"/messages", map[string]any{"kind": "public", "body": "Can you confirm the address?", "set_status": "pending"})
	wantStatus(t, res, http.StatusCreated)

	// Get: the whole thread, internal note included.
	res = e.api(token, "GET", path, nil)
	wantStatus(t, res, 200)
	d := res.ticket(t)
	kinds := ""
	for _, m := range d.Messages {
		kinds += string(m.Kind) + " "
	}
	if d.Status != "pending" || kinds != "public public internal public " || d.Messages[2].AuthorID == nil || *d.Messages[2].AuthorID != rep.ID {
		t.Fatalf("thread: %s %q", d.Status, kinds)
	}

	// A rep cannot give the ticket to someone else (supervisors can), and
	// nobody can leave it without an owner.
	res = e.api(token, "PATCH", path, map[string]any{"version": d.Version, "owner_id": senior.ID})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Err.Fields["owner_id"] == "" {
		t.Fatalf("owner refusal without the field: %+v", res.Err)
	}
	supToken := e.apiToken(staff.RoleSupervisor)
	res = e.api(supToken, "PATCH", path, map[string]any{"version": d.Version, "owner_id": nil})
	wantStatus(t, res, http.StatusUnprocessableEntity)

	// Patch: priority, status, owner, tags, category; the version moves on.
	res = e.api(supToken, "PATCH", path, map[string]any{
		"version": d.Version, "priority": "urgent", "status": "open", "owner_id": senior.ID,
		"tags": []string{"VIP", "courier"}, "category": "complaint",
	})
	wantStatus(t, res, 200)
	p := res.ticket(t)
	if p.Priority != "urgent" || p.Status != "open" || *p.OwnerID != senior.ID || strings.Join(p.Tags, ",") != "vip,courier" ||
		p.Category != "complaint" || p.Version <= d.Version {
		t.Fatalf("patched: %+v", p.apiTicket)
	}
	// Take it back: the senior owns it now, so the rep must confirm.
	res = e.api(token, "POST", path+"/take", nil)
	wantStatus(t, res, http.StatusConflict)
	res = e.api(token, "POST", path+"/take", map[string]any{"confirm": true})
	wantStatus(t, res, 200)
	if q := res.ticket(t); q.OwnerID == nil || *q.OwnerID != rep.ID {
		t.Fatalf("take: %+v", q.apiTicket)
	}
	// Solve, then close.
	res = e.api(token, "PATCH", path, map[string]any{"version": res.ticket(t).Version, "status": "solved"})
	wantStatus(t, res, 200)
	res = e.api(token, "PATCH", path, map[string]any{"version": res.ticket(t).Version, "status": "closed"})
	wantStatus(t, res, 200)
	if c := res.ticket(t); c.Status != "closed" || c.ClosedAt == nil || c.SolvedAt == nil {
		t.Fatalf("closed: %+v", c.apiTicket)
	}
}

func TestAPIListFiltersAndCursor(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token := e.apiToken(staff.RoleRep)
	var ids []int64
	for i := range 5 {
		b := newTicketBody(fmt.Sprintf("Ticket %d", i))
		if i%2 == 1 {
			b["priority"] = "low"
		}
		ids = append(ids, e.createTicketAPI(token, b).ID)
	}
	list := func(q string) apiTicketList {
		t.Helper()
		res := e.api(token, "GET", "/api/v1/tickets"+q, nil)
		wantStatus(t, res, 200)
		var l apiTicketList
		res.decode(t, &l)
		return l
	}
	// Keyset pages of two, newest first, until next is empty.
	var seen []int64
	q := "?sort=created&limit=2"
	for pages := 0; ; pages++ {
		l := list(q)
		for _, tk := range l.Tickets {
			seen = append(seen, tk.ID)
		}
		if l.Next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("the cursor never ends")
		}
		q = "?sort=created&limit=2&after=" + url.QueryEscape(l.Next)
	}
	if fmt.Sprint(seen) != fmt.Sprint([]int64{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
		t.Fatalf("pages gave %v, want %v reversed", seen, ids)
	}
	if l := list("?priority=low&scope=mine&status=new&channel=email&category=delivery"); len(l.Tickets) != 2 || l.Next != "" {
		t.Fatalf("filtered: %d tickets", len(l.Tickets))
	}
	if l := list("?scope=team_unassigned"); len(l.Tickets) != 0 {
		t.Fatalf("unassigned: %d tickets", len(l.Tickets))
	}
	team := e.users[staff.RoleRep].TeamIDs[0]
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if l := list(fmt.Sprintf("?team=%d&owner=%d&created_from=%s&created_to=%s&sort=priority",
		team, e.users[staff.RoleRep].ID, from, time.Now().UTC().Format(time.DateOnly))); len(l.Tickets) != 5 || l.Tickets[0].Priority != "high" {
		t.Fatalf("team/owner/date filter: %d tickets", len(l.Tickets))
	}
	if l := list("?status=closed"); len(l.Tickets) != 0 || l.Tickets == nil {
		t.Fatalf("empty list must be [], got %v", l.Tickets)
	}
}

func TestAPIIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token := e.apiToken(staff.RoleRep)
	first := e.api(token, "POST", "/api/v1/tickets", newTicketBody("Retry me"), "Idempotency-Key", "order-123-attempt")
	wantStatus(t, first, http.StatusCreated)
	again := e.api(token, "POST", "/api/v1/tickets", newTicketBody("Retry me"), "Idempotency-Key", "order-123-attempt")
	wantStatus(t, again, http.StatusOK)
	a, b := first.ticket(t), again.ticket(t)
	if a.ID != b.ID || again.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("replay made ticket %d, first was %d", b.ID, a.ID)
	}
	// Another member's identical key is their own.
	other := e.api(e.apiToken(staff.RoleSenior), "POST", "/api/v1/tickets", newTicketBody("Retry me"), "Idempotency-Key", "order-123-attempt")
	wantStatus(t, other, http.StatusCreated)
	if other.ticket(t).ID == a.ID {
		t.Fatal("another user's key returned the rep's ticket")
	}
	var n int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM tickets WHERE subject = 'Retry me'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("tickets made: %d %v", n, err)
	}
}

// TestAPIActsOnlyAsItsUser: a token carries exactly its owner's access.
func TestAPIActsOnlyAsItsUser(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	billing, err := e.staff.Create(ctx, 0, staff.NewUser{Email: "billing@example.com", Name: "Bill Rep", Role: staff.RoleRep,
		Team: "Billing", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	theirs, _, err := e.tickets.Create(ctx, actorOf(&billing), tickets.NewTicket{
		CustomerName: "Cara", Subject: "Invoice wrong", Body: "Please fix", Channel: "phone", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		t.Fatal(err)
	}
	repToken := e.apiToken(staff.RoleRep) // team Delivery
	path := fmt.Sprintf("/api/v1/tickets/%d", theirs.ID)

	res := e.api(repToken, "GET", path, nil)
	wantStatus(t, res, http.StatusNotFound)
	if res.Err.Code != "not_found" {
		t.Fatalf("code %q", res.Err.Code)
	}
	wantStatus(t, e.api(repToken, "PATCH", path, map[string]any{"version": 1, "priority": "urgent"}), http.StatusNotFound)
	wantStatus(t, e.api(repToken, "POST", path+"/messages", map[string]any{"kind": "internal", "body": "peek"}), http.StatusNotFound)
	var l apiTicketList
	all := e.api(repToken, "GET", "/api/v1/tickets?scope=all&status=any", nil)
	all.decode(t, &l)
	for _, tk := range l.Tickets {
		if tk.ID == theirs.ID {
			t.Fatal("the rep's list shows another team's ticket")
		}
	}
	// Nothing changed.
	if got, _ := e.tickets.Get(ctx, actorOf(&billing), theirs.ID); got.Priority != tickets.PriorityNormal || got.Version != 1 {
		t.Fatalf("ticket changed through a foreign token: %+v", got)
	}
	// A rep cannot file a ticket into another team either.
	res = e.api(repToken, "POST", "/api/v1/tickets", map[string]any{"customer_name": "X", "subject": "S", "body": "B", "team_id": billing.TeamIDs[0]})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Err.Fields["team_id"] == "" {
		t.Fatalf("fields %v", res.Err.Fields)
	}
	// A supervisor's token sees every ticket.
	wantStatus(t, e.api(e.apiToken(staff.RoleSupervisor), "GET", path, nil), http.StatusOK)
}

// TestAPIBadInputs: every bad input gets a JSON error with the right status
// and, where a field is at fault, a translated message for that field.
func TestAPIBadInputs(t *testing.T) {
	t.Parallel()
	e := setup(t)
	token := e.apiToken(staff.RoleAdmin)
	open := e.createTicketAPI(token, newTicketBody("Open one"))
	closed := e.createTicketAPI(token, newTicketBody("Closed one"))
	cp := fmt.Sprintf("/api/v1/tickets/%d", closed.ID)
	v := e.api(token, "PATCH", cp, map[string]any{"version": 1, "status": "solved"}).ticket(t).Version
	wantStatus(t, e.api(token, "PATCH", cp, map[string]any{"version": v, "status": "closed"}), 200)
	op := fmt.Sprintf("/api/v1/tickets/%d", open.ID)

	long := func(n int) string { return strings.Repeat("a", n) }
	with := func(k string, val any) map[string]any {
		b := newTicketBody("Bad input")
		if val == nil {
			delete(b, k)
		} else {
			b[k] = val
		}
		return b
	}
	type tc struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		code               string
		fields             []string // fields that must have a message
	}
	cases := []tc{
		// Create.
		{"create: no body", "POST", "/api/v1/tickets", nil, nil, 400, "bad_request", nil},
		{"create: empty body", "POST", "/api/v1/tickets", "", nil, 400, "bad_request", nil},
		{"create: broken json", "POST", "/api/v1/tickets", `{"subject": "x",`, nil, 400, "bad_request", nil},
		{"create: bad json", "POST", "/api/v1/tickets", `{subject: 1}`, nil, 400, "bad_request", nil},
		{"create: array", "POST", "/api/v1/tickets", `[1, 2]`, nil, 400, "bad_request", nil},
		{"create: string", "POST", "/api/v1/tickets", `"ticket"`, nil, 400, "bad_request", nil},
		{"create: two objects", "POST", "/api/v1/tickets", `{} {}`, nil, 400, "bad_request", nil},
		{"create: trailing garbage", "POST", "/api/v1/tickets", `{}x`, nil, 400, "bad_request", nil},
		{"create: not json", "POST", "/api/v1/tickets", "subject=x", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", nil},
		{"create: too large", "POST", "/api/v1/tickets", `{"body":"` + long(apiMaxBody) + `"}`, nil, 413, "too_large", nil},
		{"create: empty object", "POST", "/api/v1/tickets", `{}`, nil, 422, "invalid", []string{"customer_name", "subject", "body"}},
		{"create: null", "POST", "/api/v1/tickets", `null`, nil, 422, "invalid", []string{"customer_name", "subject", "body"}},
		{"create: missing subject", "POST", "/api/v1/tickets", with("subject", nil), nil, 422, "invalid", []string{"subject"}},
		{"create: blank subject", "POST", "/api/v1/tickets", with("subject", "   "), nil, 422, "invalid", []string{"subject"}},
		{"create: long subject", "POST", "/api/v1/tickets", with("subject", long(301)), nil, 422, "invalid", []string{"subject"}},
		{"create: long body", "POST", "/api/v1/tickets", with("body", long(20001)), nil, 422, "invalid", []string{"body"}},
		{"create: long name", "POST", "/api/v1/tickets", with("customer_name", long(201)), nil, 422, "invalid", []string{"customer_name"}},
		{"create: long order", "POST", "/api/v1/tickets", with("order_ref", long(101)), nil, 422, "invalid", []string{"order_ref"}},
		{"create: unknown field", "POST", "/api/v1/tickets", with("subjekt", "x"), nil, 422, "invalid", []string{"subjekt"}},
		{"create: subject number", "POST", "/api/v1/tickets", with("subject", 5), nil, 422, "invalid", []string{"subject"}},
		{"create: subject object", "POST", "/api/v1/tickets", with("subject", map[string]any{"a": 1}), nil, 422, "invalid", []string{"subject"}},
		{"create: team string", "POST", "/api/v1/tickets", with("team_id", "one"), nil, 422, "invalid", []string{"team_id"}},
		{"create: customer fraction", "POST", "/api/v1/tickets", with("customer_id", 1.5), nil, 422, "invalid", []string{"customer_id"}},
		{"create: priority number", "POST", "/api/v1/tickets", with("priority", 3), nil, 422, "invalid", []string{"priority"}},
		{"create: bad priority", "POST", "/api/v1/tickets", with("priority", "extreme"), nil, 422, "invalid", []string{"priority"}},
		{"create: bad channel", "POST", "/api/v1/tickets", with("channel", "fax"), nil, 422, "invalid", []string{"channel"}},
		{"create: bad category", "POST", "/api/v1/tickets", with("category", "misc"), nil, 422, "invalid", []string{"category"}},
		{"create: bad email", "POST", "/api/v1/tickets", with("customer_email", "anna@"), nil, 422, "invalid", []string{"customer_email"}},
		{"create: bad phone", "POST", "/api/v1/tickets", with("customer_phone", "call me"), nil, 422, "invalid", []string{"customer_phone"}},
		{"create: bad locale", "POST", "/api/v1/tickets", with("customer_locale", "de"), nil, 422, "invalid", []string{"customer_locale"}},
		{"create: unknown customer", "POST", "/api/v1/tickets", with("customer_id", 999999), nil, 422, "invalid", []string{"customer_id"}},
		{"create: unknown team", "POST", "/api/v1/tickets", with("team_id", 999999), nil, 422, "invalid", []string{"team_id"}},
		{"create: bad idempotency key", "POST", "/api/v1/tickets", newTicketBody("x"), []string{"Idempotency-Key", long(201)}, 422, "invalid", []string{"idempotency_key"}},
		{"create: idempotency key with space", "POST", "/api/v1/tickets", newTicketBody("x"), []string{"Idempotency-Key", "a b"}, 422, "invalid", []string{"idempotency_key"}},
		{"create: several at once", "POST", "/api/v1/tickets", `{"subject":"","priority":"x","channel":"y"}`, nil, 422, "invalid", []string{"subject", "body", "priority", "channel", "customer_name"}},

		// List.
		{"list: bad scope", "GET", "/api/v1/tickets?scope=everything", nil, nil, 422, "invalid", []string{"scope"}},
		{"list: bad status", "GET", "/api/v1/tickets?status=done", nil, nil, 422, "invalid", []string{"status"}},
		{"list: bad priority", "GET", "/api/v1/tickets?priority=3", nil, nil, 422, "invalid", []string{"priority"}},
		{"list: bad channel", "GET", "/api/v1/tickets?channel=fax", nil, nil, 422, "invalid", []string{"channel"}},
		{"list: bad category", "GET", "/api/v1/tickets?category=misc", nil, nil, 422, "invalid", []string{"category"}},
		{"list: bad sort", "GET", "/api/v1/tickets?sort=subject", nil, nil, 422, "invalid", []string{"sort"}},
		{"list: bad team", "GET", "/api/v1/tickets?team=abc", nil, nil, 422, "invalid", []string{"team"}},
		{"list: bad owner", "GET", "/api/v1/tickets?owner=-1", nil, nil, 422, "invalid", []string{"owner"}},
		{"list: bad from", "GET", "/api/v1/tickets?created_from=yesterday", nil, nil, 422, "invalid", []string{"created_from"}},
		{"list: bad to", "GET", "/api/v1/tickets?created_to=2025-13-01", nil, nil, 422, "invalid", []string{"created_to"}},
		{"list: zero limit", "GET", "/api/v1/tickets?limit=0", nil, nil, 422, "invalid", []string{"limit"}},
		{"list: big limit", "GET", "/api/v1/tickets?limit=500", nil, nil, 422, "invalid", []string{"limit"}},
		{"list: text limit", "GET", "/api/v1/tickets?limit=ten", nil, nil, 422, "invalid", []string{"limit"}},
		{"list: garbage cursor", "GET", "/api/v1/tickets?after=!!!", nil, nil, 422, "invalid", []string{"after"}},
		{"list: forged cursor", "GET", "/api/v1/tickets?after=bm90LWEtY3Vyc29y", nil, nil, 422, "invalid", []string{"after"}},
		{"list: unknown param", "GET", "/api/v1/tickets?stauts=open", nil, nil, 422, "invalid", []string{"stauts"}},
		{"list: repeated param", "GET", "/api/v1/tickets?status=open&status=new", nil, nil, 422, "invalid", []string{"status"}},
		{"list: several", "GET", "/api/v1/tickets?limit=0&sort=x&scope=y", nil, nil, 422, "invalid", []string{"limit", "sort", "scope"}},

		// Get.
		{"get: text id", "GET", "/api/v1/tickets/abc", nil, nil, 400, "bad_request", []string{"id"}},
		{"get: zero id", "GET", "/api/v1/tickets/0", nil, nil, 400, "bad_request", []string{"id"}},
		{"get: negative id", "GET", "/api/v1/tickets/-1", nil, nil, 400, "bad_request", []string{"id"}},
		{"get: fraction id", "GET", "/api/v1/tickets/1.5", nil, nil, 400, "bad_request", []string{"id"}},
		{"get: huge id", "GET", "/api/v1/tickets/99999999999999999999", nil, nil, 400, "bad_request", []string{"id"}},
		{"get: missing", "GET", "/api/v1/tickets/999999", nil, nil, 404, "not_found", nil},
		{"unknown endpoint", "GET", "/api/v1/no-such-thing", nil, nil, 404, "not_found", nil},
		{"wrong method", "DELETE", op, nil, nil, 405, "method_not_allowed", nil},

		// Messages.
		{"message: text id", "POST", "/api/v1/tickets/abc/messages", map[string]any{"kind": "public", "body": "x"}, nil, 400, "bad_request", []string{"id"}},
		{"message: missing ticket", "POST", "/api/v1/tickets/999999/messages", map[string]any{"kind": "public", "body": "x"}, nil, 404, "not_found", nil},
		{"message: no body", "POST", op + "/messages", nil, nil, 400, "bad_request", nil},
		{"message: bad json", "POST", op + "/messages", `{"kind":`, nil, 400, "bad_request", nil},
		{"message: empty", "POST", op + "/messages", `{}`, nil, 422, "invalid", []string{"kind", "body"}},
		{"message: blank body", "POST", op + "/messages", map[string]any{"kind": "public", "body": "  \n "}, nil, 422, "invalid", []string{"body"}},
		{"message: long body", "POST", op + "/messages", map[string]any{"kind": "public", "body": long(20001)}, nil, 422, "invalid", []string{"body"}},
		{"message: bad kind", "POST", op + "/messages", map[string]any{"kind": "system", "body": "x"}, nil, 422, "invalid", []string{"kind"}},
		{"message: kind number", "POST", op + "/messages", map[string]any{"kind": 1, "body": "x"}, nil, 422, "invalid", []string{"kind"}},
		{"message: body array", "POST", op + "/messages", map[string]any{"kind": "public", "body": []string{"x"}}, nil, 422, "invalid", []string{"body"}},
		{"message: bad status", "POST", op + "/messages", map[string]any{"kind": "public", "body": "x", "set_status": "done"}, nil, 422, "invalid", []string{"set_status"}},
		{"message: unknown field", "POST", op + "/messages", map[string]any{"kind": "public", "body": "x", "internal": true}, nil, 422, "invalid", []string{"internal"}},
		{"message: bad transition", "POST", op + "/messages", map[string]any{"kind": "public", "body": "x", "set_status": "closed"}, nil, 422, "invalid", []string{"set_status"}},
		{"message: closed ticket", "POST", cp + "/messages", map[string]any{"kind": "public", "body": "x"}, nil, 409, "conflict", nil},

		// Patch.
		{"patch: text id", "PATCH", "/api/v1/tickets/abc", map[string]any{"version": 1}, nil, 400, "bad_request", []string{"id"}},
		{"patch: missing ticket", "PATCH", "/api/v1/tickets/999999", map[string]any{"version": 1}, nil, 404, "not_found", nil},
		{"patch: bad json", "PATCH", op, `{"version":1`, nil, 400, "bad_request", nil},
		{"patch: no version", "PATCH", op, map[string]any{"priority": "high"}, nil, 422, "invalid", []string{"version"}},
		{"patch: version string", "PATCH", op, map[string]any{"version": "1"}, nil, 422, "invalid", []string{"version"}},
		{"patch: stale version", "PATCH", op, map[string]any{"version": 0, "priority": "low"}, nil, 409, "conflict", nil},
		{"patch: bad status", "PATCH", op, map[string]any{"version": 1, "status": "done"}, nil, 422, "invalid", []string{"status"}},
		{"patch: bad transition", "PATCH", op, map[string]any{"version": 1, "status": "closed"}, nil, 422, "invalid", []string{"status"}},
		{"patch: bad priority", "PATCH", op, map[string]any{"version": 1, "priority": "extreme"}, nil, 422, "invalid", []string{"priority"}},
		{"patch: priority number", "PATCH", op, map[string]any{"version": 1, "priority": 4}, nil, 422, "invalid", []string{"priority"}},
		{"patch: bad category", "PATCH", op, map[string]any{"version": 1, "category": "misc"}, nil, 422, "invalid", []string{"category"}},
		{"patch: bad tags", "PATCH", op, map[string]any{"version": 1, "tags": []string{"not/ok"}}, nil, 422, "invalid", []string{"tags"}},
		{"patch: two tags in one", "PATCH", op, map[string]any{"version": 1, "tags": []string{"vip customer"}}, nil, 422, "invalid", []string{"tags"}},
		{"patch: tags string", "PATCH", op, map[string]any{"version": 1, "tags": "vip"}, nil, 422, "invalid", []string{"tags"}},
		{"patch: unknown owner", "PATCH", op, map[string]any{"version": 1, "owner_id": 999999}, nil, 422, "invalid", []string{"owner_id"}},
		{"patch: owner string", "PATCH", op, map[string]any{"version": 1, "owner_id": "me"}, nil, 422, "invalid", []string{"owner_id"}},
		{"patch: unknown team", "PATCH", op, map[string]any{"version": 1, "team_id": 999999}, nil, 422, "invalid", []string{"team_id"}},
		{"patch: unknown field", "PATCH", op, map[string]any{"version": 1, "subject": "new"}, nil, 422, "invalid", []string{"subject"}},
		{"patch: closed ticket", "PATCH", cp, map[string]any{"version": v + 1, "priority": "low"}, nil, 409, "conflict", nil},
	}
	cat, _ := i18n.Load()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.api(token, c.method, c.path, c.body, c.headers...)
			wantStatus(t, res, c.status)
			if res.Err.Code != c.code {
				t.Fatalf("code %q, want %q", res.Err.Code, c.code)
			}
			if strings.HasPrefix(res.Err.Message, "error_") {
				t.Fatalf("untranslated message %q", res.Err.Message)
			}
			for _, f := range c.fields {
				msg := res.Err.Fields[f]
				if msg == "" || strings.HasPrefix(msg, "error_") {
					t.Fatalf("field %s: message %q in %v", f, msg, res.Err.Fields)
				}
			}
			if len(c.fields) == 0 && len(res.Err.Fields) > 0 {
				t.Fatalf("unexpected field errors %v", res.Err.Fields)
			}
		})
	}
	// Field messages are in the caller's language, naming the choices.
	res := e.api(token, "POST", "/api/v1/tickets", with("priority", "extreme"), "Accept-Language", "hi")
	want := cat.Localizer("hi").T("error_api_choice", "Choices", "low, normal, high, urgent")
	if res.Err.Fields["priority"] != want || res.Err.Message != cat.Localizer("hi").T("error_api_invalid") {
		t.Fatalf("Hindi errors: %+v, want priority %q", res.Err, want)
	}
	res = e.api(token, "POST", "/api/v1/tickets", `{}`, "Accept-Language", "fi")
	if res.Err.Fields["subject"] != cat.Localizer("fi").T("error_required") {
		t.Fatalf("Finnish required: %+v", res.Err)
	}
	// Domain messages written for web forms get the API's wording.
	res = e.api(token, "PATCH", op, map[string]any{"version": 0, "priority": "low"})
	if res.Err.Message != cat.Localizer("en").T("api_error_ticket_conflict") {
		t.Fatalf("stale version message %q", res.Err.Message)
	}
	res = e.api(token, "GET", "/api/v1/tickets?after=zzz", nil)
	if res.Err.Fields["after"] != cat.Localizer("en").T("api_error_cursor_invalid") {
		t.Fatalf("cursor message %q", res.Err.Fields["after"])
	}
	// Nothing above changed the open ticket.
	if got := e.api(token, "GET", op, nil).ticket(t); got.Version != 1 || len(got.Messages) != 1 || got.Priority != "high" {
		t.Fatalf("the open ticket changed: %+v", got.apiTicket)
	}
}
