package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// searchDesk opens the tickets the search tests look for, as the rep (team
// Delivery), and one in another team that only supervisors may see.
type searchDesk struct {
	password, kettle, second, hidden tickets.Ticket
}

func newSearchDesk(t *testing.T, e *env) searchDesk {
	t.Helper()
	ctx := context.Background()
	rep := e.users[staff.RoleRep]
	var d searchDesk
	create := func(a tickets.Actor, n tickets.NewTicket) tickets.Ticket {
		t.Helper()
		n.Channel, n.Priority = "phone", tickets.PriorityNormal
		tk, _, err := e.tickets.Create(ctx, a, n)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	d.password = create(actorOf(&rep), tickets.NewTicket{CustomerName: "Mary Jones", CustomerLocale: "en",
		Subject: "Password reset email never came", Body: "I am locked out of my account."})
	d.kettle = create(actorOf(&rep), tickets.NewTicket{CustomerName: "John Smith", CustomerEmail: "john.smith.4711@example.com",
		CustomerPhone: "+358 40 123 4567", CustomerLocale: "en", Subject: "Kettle stopped working", Body: "The kettle broke after two days."})
	d.second = create(actorOf(&rep), tickets.NewTicket{CustomerID: d.kettle.Customer.ID, Subject: "Invoice question", Body: "Charged twice."})
	var other int64
	if err := e.srv.db.QueryRow(ctx, `INSERT INTO teams (name) VALUES ('Billing') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	admin := e.users[staff.RoleAdmin]
	d.hidden = create(tickets.Actor{UserID: admin.ID, TeamIDs: []int64{other}, SeeAll: true},
		tickets.NewTicket{CustomerID: d.kettle.Customer.ID, TeamID: other, Subject: "Kettle refund", Body: "Billing only."})
	return d
}

func TestSearchPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	d := newSearchDesk(t, e)
	rep := e.login(staff.RoleRep) // Finnish
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	fi := cat.Localizer("fi")

	// A misspelt word is corrected, and the page says so in the rep's
	// language, with a link to search the words as typed.
	res := e.get(rep, "/search?q=passwrd")
	body := html.UnescapeString(res.Body)
	if res.StatusCode != 200 || !strings.Contains(body, fi.T("search_showing_for", "Words", "password")) ||
		!strings.Contains(body, fi.T("search_instead_for", "Query", "passwrd")) || !strings.Contains(body, fmt.Sprintf("/tickets/%d", d.password.ID)) {
		t.Fatalf("corrected search: status %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(res.Body, `href="/search?as_typed=1&amp;q=passwrd"`) {
		t.Errorf("no link to the words as typed:\n%s", res.Body)
	}
	res = e.get(rep, "/search?as_typed=1&q=passwrd")
	if body := html.UnescapeString(res.Body); strings.Contains(body, fi.T("search_showing_for", "Words", "password")) ||
		!strings.Contains(body, fi.T("search_no_results")) {
		t.Errorf("as typed: %s", body)
	}

	// A customer's email lists the customer and their tickets the rep may see.
	res = e.get(rep, "/search?q="+url.QueryEscape("john.smith.4711@example.com"))
	body = html.UnescapeString(res.Body)
	if strings.Contains(body, fi.T("search_no_results")) || !strings.Contains(body, "John Smith") ||
		!strings.Contains(body, fmt.Sprintf("/tickets/%d", d.second.ID)) || !strings.Contains(body, fi.T("search_of_customer")) ||
		strings.Contains(body, fmt.Sprintf("/tickets/%d\"", d.hidden.ID)) {
		t.Errorf("customer's tickets:\n%s", body)
	}
	// A phone number in a local format, and a ticket number in words.
	if res := e.get(rep, "/search?q="+url.QueryEscape("040 123 4567")); !strings.Contains(res.Body, fmt.Sprintf("/tickets/%d", d.kettle.ID)) {
		t.Errorf("phone search:\n%s", res.Body)
	}
	if res := e.get(rep, "/search?q="+url.QueryEscape(fmt.Sprintf("tiketti %d", d.kettle.ID))); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != fmt.Sprintf("/tickets/%d", d.kettle.ID) {
		t.Errorf("ticket number: status %d to %q", res.StatusCode, res.Header.Get("Location"))
	}

	// More results a page at a time.
	repUser := e.users[staff.RoleRep]
	for i := range 22 {
		if _, _, err := e.tickets.Create(context.Background(), actorOf(&repUser), tickets.NewTicket{
			CustomerName: fmt.Sprintf("Asiakas %d", i), CustomerLocale: "fi", Subject: "Lahjakortti ei toimi", Body: "Lahjakortti hylättiin.",
			Channel: "phone", Priority: tickets.PriorityNormal}); err != nil {
			t.Fatal(err)
		}
	}
	res = e.get(rep, "/search?q=lahjakortti")
	if n := strings.Count(res.Body, `<li class="card">`); n != searchPageSize || !strings.Contains(res.Body, fi.T("search_more")) {
		t.Fatalf("first page: %d hits, more link %v", n, strings.Contains(res.Body, fi.T("search_more")))
	}
	m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no next link:\n%s", res.Body)
	}
	next := html.UnescapeString(m[1])
	res = e.get(rep, next)
	if n := strings.Count(res.Body, `<li class="card">`); res.StatusCode != 200 || n != 2 || strings.Contains(res.Body, `rel="next"`) {
		t.Errorf("second page %s: status %d, %d hits", next, res.StatusCode, n)
	}
	// A broken page link is a message, not an error page.
	res = e.get(rep, "/search?q=lahjakortti&after=broken")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(res.Body), fi.T("error_cursor_invalid")) {
		t.Errorf("broken cursor: status %d", res.StatusCode)
	}
}

func TestAPISearch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	d := newSearchDesk(t, e)
	rep, sup := e.apiToken(staff.RoleRep), e.apiToken(staff.RoleSupervisor)
	search := func(token, q string) apiSearchResult {
		t.Helper()
		res := e.api(token, "GET", "/api/v1/search?"+q, nil)
		wantStatus(t, res, http.StatusOK)
		var out apiSearchResult
		res.decode(t, &out)
		return out
	}
	ids := func(r apiSearchResult) []int64 {
		var out []int64
		for _, h := range r.Tickets {
			out = append(out, h.ID)
		}
		return out
	}

	// The page's rules: a correction, said so.
	r := search(rep, "q=passwrd")
	if !r.Corrected || r.Searched != "password" || r.Query != "passwrd" || !slices.Equal(ids(r), []int64{d.password.ID}) ||
		r.Tickets[0].Snippet != "" || r.Tickets[0].Subject != d.password.Subject {
		t.Errorf("passwrd: %+v", r)
	}
	if r := search(rep, "q=passwrd&as_typed=true"); r.Corrected || len(r.Tickets) != 0 || r.Tickets == nil || r.Customers == nil {
		t.Errorf("passwrd as typed: %+v", r)
	}
	// Stems and snippets.
	if r := search(rep, "q=kettles+broke"); !slices.Equal(ids(r), []int64{d.kettle.ID}) || r.Tickets[0].Snippet != "The kettle broke after two days." {
		t.Errorf("kettles broke: %+v", r)
	}
	// A customer by a part of their email, with the tickets the caller may see.
	r = search(rep, "q=smith.4711")
	if len(r.Customers) != 1 || r.Customers[0].Email != "john.smith.4711@example.com" ||
		!slices.Equal(ids(r), []int64{d.second.ID, d.kettle.ID}) || !r.Tickets[0].OfCustomer {
		t.Errorf("smith.4711 as rep: %+v", r)
	}
	if r := search(sup, "q=smith.4711"); !slices.Equal(ids(r), []int64{d.hidden.ID, d.second.ID, d.kettle.ID}) {
		t.Errorf("smith.4711 as supervisor: %v", ids(r))
	}
	// A ticket number: the ticket itself, when the caller may see it.
	if r := search(rep, fmt.Sprintf("q=ticket+%d", d.kettle.ID)); r.TicketID == nil || *r.TicketID != d.kettle.ID || !slices.Equal(ids(r), []int64{d.kettle.ID}) {
		t.Errorf("ticket number: %+v", r)
	}
	if r := search(rep, fmt.Sprintf("q=%%23%d", d.hidden.ID)); r.TicketID != nil {
		t.Errorf("hidden ticket number: %+v", r)
	}
	// Keyset pages, as the list endpoint.
	var seen []int64
	q := "q=" + url.QueryEscape("+358401234567") + "&limit=1"
	for pages := 0; ; pages++ {
		r := search(sup, q)
		seen = append(seen, ids(r)...)
		if r.Next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("the cursor never ends")
		}
		q = "q=" + url.QueryEscape("+358401234567") + "&limit=1&after=" + url.QueryEscape(r.Next)
	}
	if !slices.Equal(seen, []int64{d.hidden.ID, d.second.ID, d.kettle.ID}) {
		t.Errorf("pages of one: %v", seen)
	}
	// Bad requests are per-field errors in the caller's language.
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, field, msgID string }{
		{"", "q", "error_search_query_required"},
		{"q=+", "q", "error_search_query_required"},
		{"q=a&limit=51", "limit", "error_search_limit_invalid"},
		{"q=a&limit=x", "limit", "error_search_limit_invalid"},
		{"q=a&after=zzz", "after", "error_cursor_invalid"},
		{"q=a&sort=rank", "sort", "error_api_unknown_field"},
		{"q=a&q=b", "q", "error_api_repeated"},
		{"q=a%00b", "q", "error_text_invalid"},
	} {
		res := e.api(rep, "GET", "/api/v1/search?"+c.query, nil, "Accept-Language", "fi")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if got, want := res.Err.Fields[c.field], translateOr(cat.Localizer("fi"), c.msgID, ""); got != want {
			t.Errorf("%q: field %s = %q, want %q", c.query, c.field, got, want)
		}
	}
	res := e.api(rep, "GET", "/api/v1/search?q=a&as_typed=maybe", nil)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if res.Err.Fields["as_typed"] == "" {
		t.Errorf("as_typed=maybe: %+v", res.Err)
	}
	wantStatus(t, e.api("", "GET", "/api/v1/search?q=a", nil), http.StatusUnauthorized)
}

// TestSearchPageNavCounts: a search page with hits reads the nav counts on
// the search's last round trip (SearchRequest.Also); the page shows the same
// counts as a queue page, and so does a search that finds nothing (the page
// reads them itself).
func TestSearchPageNavCounts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	newSearchDesk(t, e)
	rep := e.login(staff.RoleRep)
	queue := e.get(rep, "/queue/mine")
	wantCode(t, queue, 200)
	want := [2]int{navBadge(t, queue.Body, "/queue/mine"), navBadge(t, queue.Body, "/queue/team")}
	for _, q := range []string{"kettle", "zzzqqq"} {
		res := e.get(rep, "/search?q="+q)
		wantCode(t, res, 200)
		if hits := strings.Count(res.Body, "<mark>"); (q == "kettle") != (hits > 0) {
			t.Fatalf("search %q: %d marks", q, hits)
		}
		if got := [2]int{navBadge(t, res.Body, "/queue/mine"), navBadge(t, res.Body, "/queue/team")}; got != want {
			t.Errorf("search %q: nav counts %v, want %v as on the queue page", q, got, want)
		}
	}
}
