package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/i18n"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// TestSearchCorrectionSaidInEveryLanguage: a corrected search says
// "Showing results for …" and offers the words as typed in the signed-in
// user's language, for each of the four (the test users are a Finnish
// rep, a Vietnamese senior, a Hindi supervisor and an English admin).
func TestSearchCorrectionSaidInEveryLanguage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	d := newSearchDesk(t, e)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for role, lang := range map[staff.Role]string{staff.RoleRep: "fi", staff.RoleSenior: "vi", staff.RoleSupervisor: "hi", staff.RoleAdmin: "en"} {
		if e.users[role].Locale != lang {
			t.Fatalf("%s signs in in %q, want %q", role, e.users[role].Locale, lang)
		}
		l := cat.Localizer(lang)
		showing, instead := l.T("search_showing_for", "Words", "password"), l.T("search_instead_for", "Query", "passwrd")
		if showing == "search_showing_for" || strings.Contains(showing, "{{") || !strings.Contains(showing, "password") || langs[showing] {
			t.Fatalf("%s: %q is not a translation of its own", lang, showing)
		}
		langs[showing] = true
		res := e.get(e.login(role), "/search?q=passwrd")
		body := html.UnescapeString(res.Body)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, showing) || !strings.Contains(body, instead) ||
			!strings.Contains(body, fmt.Sprintf(`<html lang="%s"`, lang)) || !slices.Equal(pageHits(t, res.Body), []int64{d.password.ID}) {
			t.Errorf("%s (%s): status %d, hits %v; want %q and %q:\n%s", role, lang, res.StatusCode, pageHits(t, res.Body), showing, instead, body)
		}
	}
}

// pageHitLink is a hit's link on the search page.
var pageHitLink = regexp.MustCompile(`<li class="card"><h3><a href="/tickets/([0-9]+)">`)

// pageHits are the tickets a search page lists, in order.
func pageHits(t *testing.T, body string) []int64 {
	t.Helper()
	var ids []int64
	for _, m := range pageHitLink.FindAllStringSubmatch(body, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestSearchPageAndAPIAgree: the search page and GET /api/v1/search give
// each member the same tickets, in the same order, the same correction
// and the same jump to a ticket number, by the member's visibility: a rep
// or senior (team Delivery) never sees the Billing team's ticket, through
// its words, its customer's email, phone or name, its number, or a
// correction to a word only it holds; a supervisor does.
func TestSearchPageAndAPIAgree(t *testing.T) {
	t.Parallel()
	e := setup(t)
	d := newSearchDesk(t, e)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"refund", "kettle", "kettle refund", "billing only", "refnd", "kettel", "passwrd", "smith.4711",
		"john.smith.4711@example.com", "040 123 4567", "+358401234567", "john smith", "smith", "invoice",
		fmt.Sprintf("ticket %d", d.hidden.ID), fmt.Sprintf("#%d", d.hidden.ID), fmt.Sprintf("tiketti %d", d.kettle.ID)}
	for _, role := range []staff.Role{staff.RoleRep, staff.RoleSenior, staff.RoleSupervisor} {
		seesAll := role == staff.RoleSupervisor
		page, token := e.login(role), e.apiToken(role)
		l := cat.Localizer(e.users[role].Locale)
		sawHidden := false
		for _, q := range queries {
			name := fmt.Sprintf("%s %q", role, q)
			p := e.get(page, "/search?q="+url.QueryEscape(q))
			a := e.api(token, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil)
			wantStatus(t, a, http.StatusOK)
			var r apiSearchResult
			a.decode(t, &r)
			// A ticket number: the page goes to the ticket, the API names it.
			if p.StatusCode == http.StatusSeeOther {
				loc := p.Header.Get("Location")
				if r.TicketID == nil || loc != fmt.Sprintf("/tickets/%d", *r.TicketID) {
					t.Errorf("%s: page goes to %q, API ticket_id %v", name, loc, r.TicketID)
				}
				if !seesAll && loc == fmt.Sprintf("/tickets/%d", d.hidden.ID) {
					t.Errorf("%s: the page goes to another team's ticket", name)
				}
				continue
			}
			if p.StatusCode != http.StatusOK || r.TicketID != nil {
				t.Errorf("%s: page status %d, API ticket_id %v", name, p.StatusCode, r.TicketID)
				continue
			}
			var apiIDs []int64
			for _, h := range r.Tickets {
				apiIDs = append(apiIDs, h.ID)
			}
			pageIDs := pageHits(t, p.Body)
			if !slices.Equal(pageIDs, apiIDs) {
				t.Errorf("%s: page lists %v, API %v", name, pageIDs, apiIDs)
			}
			if slices.Contains(pageIDs, d.hidden.ID) || slices.Contains(apiIDs, d.hidden.ID) ||
				strings.Contains(p.Body, fmt.Sprintf("/tickets/%d\"", d.hidden.ID)) {
				if !seesAll {
					t.Errorf("%s: lists ticket %d of another team (page %v, API %v)", name, d.hidden.ID, pageIDs, apiIDs)
				}
				sawHidden = true
			}
			saysCorrected := strings.Contains(html.UnescapeString(p.Body), l.T("search_showing_for", "Words", r.Searched))
			if saysCorrected != r.Corrected {
				t.Errorf("%s: the page says corrected %v, the API %v (searched %q)", name, saysCorrected, r.Corrected, r.Searched)
			}
			// "refund" is a word of the Billing team's ticket only.
			if q == "refnd" && r.Corrected != seesAll {
				t.Errorf("%s: corrected %v to %q", name, r.Corrected, r.Searched)
			}
		}
		if seesAll && !sawHidden {
			t.Errorf("%s never found the Billing team's ticket", role)
		}
	}
}
