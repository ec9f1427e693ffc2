package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loopdesk/loopdesk/internal/announce"
	"github.com/loopdesk/loopdesk/internal/csat"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// axePath is axe-core as npm installs it (`make assets`). It is test-only and
// never served: the test evaluates it through DevTools, which the page's CSP
// does not govern.
var axePath = filepath.Join("node_modules", "axe-core", "axe.min.js")

// a11yLanguages are the languages every page is checked in; the first is
// checked once more in the dark theme (prefers-color-scheme: dark).
var a11yLanguages = []string{"en", "fi", "vi", "hi"}

// a11yPass is one round over every page: a language, light or dark.
type a11yPass struct {
	lang string
	dark bool
	// axeShare: axe-core runs on every page when 0, else on the pages
	// whose index leaves axeSlot when divided by axeShare. Every page is
	// loaded in every pass (status and html lang are checked), but axe-core
	// costs about half a second a page: the first language and the dark
	// theme run it on every page, the other languages share the pages, so
	// each page is checked by axe-core in one of them too.
	axeShare, axeSlot int
}

// axeOn reports whether the pass runs axe-core on the i-th page.
func (p a11yPass) axeOn(i int) bool { return p.axeShare == 0 || i%p.axeShare == p.axeSlot }

func (p a11yPass) String() string {
	if p.dark {
		return p.lang + ", dark"
	}
	return p.lang
}

// a11yPasses are the rounds: every language, then the first one dark (see
// a11yPass.axeShare for which pages axe-core checks in each).
func a11yPasses() []a11yPass {
	out := []a11yPass{{lang: a11yLanguages[0]}}
	others := a11yLanguages[1:]
	for i, l := range others {
		out = append(out, a11yPass{lang: l, axeShare: len(others), axeSlot: i})
	}
	return append(out, a11yPass{lang: a11yLanguages[0], dark: true})
}

// emulateScheme makes a tab's pages see prefers-color-scheme: scheme.
func emulateScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	})
}

// a11yPage is one page to check and who looks at it: "anonymous" or a role.
type a11yPage struct {
	path, who string
	status    int
}

// axeViolation is what the test keeps of one axe-core violation.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// runAxe runs axe-core on the whole document and returns its violations.
const runAxe = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help,
	targets: v.nodes.map(n => n.target.join(' '))
})))`

// a11yData is what the seeded database holds for the pages to show.
type a11yData struct {
	ticket, escalated int64  // a ticket with a thread and a returned escalation; one awaiting a senior
	token             string // the status link of an open web-form ticket
	solvedToken       string // the status link (and survey) of a solved one
	canned            int64  // a canned reply offered on ticket
	kbTicket          int64  // selfserve: a ticket the help centre has articles for
}

// seedA11y fills the database so that queue, ticket, escalation, supervisor,
// feedback and admin pages have content.
func seedA11y(t *testing.T, e *env) a11yData {
	t.Helper()
	ctx := context.Background()
	rep, senior, sup := e.users[staff.RoleRep], e.users[staff.RoleSenior], e.users[staff.RoleSupervisor]
	// A returned escalation: a follow-up loop for the rep, notifications.
	x := e.escalateNew("Order missing after the move", userTarget(senior), "delivery_problem")
	if _, err := e.tickets.AddReply(ctx, actorOf(&rep), x.ticketID, tickets.Reply{Kind: tickets.MessagePublic, Body: "We are looking into your order."}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tickets.AddReply(ctx, actorOf(&rep), x.ticketID, tickets.Reply{Kind: tickets.MessageInternal, Body: "Courier says it was delivered."}); err != nil {
		t.Fatal(err)
	}
	if err := e.esc.Accept(ctx, senior, x.escID); err != nil {
		t.Fatal(err)
	}
	if err := e.esc.Return(ctx, senior, x.escID, "Refund the order, then call the customer."); err != nil {
		t.Fatal(err)
	}
	// Escalations waiting for a senior and for the supervisors.
	y := e.escalateNew("Order charged twice", userTarget(senior), "billing_adjustment")
	e.escalateNew("Angry customer wants a manager", "supervisors", "complaint")
	// Tickets from the customer web form, with status links and mail: one
	// open, one solved (its survey unanswered), one solved with a bad rating.
	public := func(name, email, subject string) (tickets.Ticket, string) {
		tk, token, err := e.tickets.CreatePublic(ctx, tickets.NewPublicTicket{
			Name: name, Email: email, Subject: subject, Message: "Order 1001 has not arrived.", Locale: "vi",
		})
		if err != nil {
			t.Fatal(err)
		}
		return tk, token
	}
	solve := func(id int64) {
		tk, err := e.tickets.Get(ctx, actorOf(&sup), id)
		if err != nil {
			t.Fatal(err)
		}
		st := tickets.StatusSolved
		if _, err := e.tickets.Update(ctx, actorOf(&sup), id, tickets.Changes{Version: tk.Version, Status: &st}); err != nil {
			t.Fatalf("solve ticket %d: %v", id, err)
		}
	}
	_, token := public("Minh Anh", "minh@example.com", "Where is my order?")
	solved, solvedToken := public("Priya Sharma", "priya@example.com", "Wrong size delivered")
	solve(solved.ID)
	bad, _ := public("Matti Meikäläinen", "matti@example.com", "Refund never came")
	solve(bad.ID)
	if _, err := e.srv.csat.Answer(ctx, bad.ID, csat.Answer{Rating: string(csat.Bad), Reason: "speed", Comment: "Took weeks."}); err != nil {
		t.Fatal(err)
	}
	// A team announcement, a personal API token, a member of staff away.
	if _, err := e.srv.announce.Post(ctx, sup, announce.Draft{Title: "New returns policy", Body: "Returns are free until the end of the month."}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.staff.CreateToken(ctx, rep.ID, "Zapier"); err != nil {
		t.Fatal(err)
	}
	if err := e.staff.SetAway(ctx, 0, e.addSenior("Away Senior").ID, true); err != nil {
		t.Fatal(err)
	}
	// Canned replies in two languages, one for the ticket's team.
	tk, err := e.tickets.Get(ctx, actorOf(&sup), x.ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var canned int64
	for _, d := range []tickets.CannedDraft{
		{Locale: "en", Title: "Delivery times", Body: "Hello {{customer_name}}, deliveries take 2–4 days. {{agent_name}}"},
		{TeamID: tk.TeamID, Locale: "fi", Title: "Palautus", Body: "Hei {{customer_name}}, palautus on ilmainen."},
	} {
		c, err := e.tickets.CreateCanned(ctx, actorOf(&sup), d)
		if err != nil {
			t.Fatal(err)
		}
		canned = c.ID
	}
	// selfserve: help centre articles, and a ticket they are suggested for.
	kbSeed(t, e)
	kbTicket := e.repTicket("Where is my parcel?", "Lan Nguyễn", "lan@example.vn", "vi")
	return a11yData{ticket: x.ticketID, escalated: y.ticketID, token: token, solvedToken: solvedToken, canned: canned, kbTicket: kbTicket.ID}
}

// a11yDownloads are GET routes that serve files, not pages.
var a11yDownloads = map[string]bool{
	"/tickets/{id}/attachments/{aid}":   true,
	"/status/{token}/attachments/{aid}": true,
}

// a11yPages lists the pages to check, from the role x route table: every GET
// route that answers with an HTML page, looked at by the least role that may
// use it, with its parameters filled in (a route with other parameters is
// checked at the table's own example path). Extras cover what differs by role.
func a11yPages(t *testing.T, e *env, d a11yData) []a11yPage {
	t.Helper()
	who := map[access]string{public: "anonymous", rep: string(staff.RoleRep), senior: string(staff.RoleSenior),
		supervisor: string(staff.RoleSupervisor), admin: string(staff.RoleAdmin)}
	clients := map[string]*http.Client{"anonymous": e.client()}
	for _, r := range staff.Roles {
		clients[string(r)] = e.login(r)
	}
	var pages []a11yPage
	for _, rt := range routeTable {
		if rt.method != "GET" || rt.who == api || strings.Contains(rt.pattern, "*") || a11yDownloads[rt.pattern] {
			continue
		}
		token := d.token
		if strings.HasPrefix(rt.pattern, "/csat/") {
			token = d.solvedToken // the survey of a solved ticket
		}
		path := strings.NewReplacer("{id}", strconv.FormatInt(d.ticket, 10), "{token}", token).Replace(rt.pattern)
		if strings.Contains(path, "{") {
			path = rt.path
		} else if _, q, ok := strings.Cut(rt.path, "?"); ok {
			path += "?" + q
		}
		w := who[rt.who]
		// Only whole pages: not health checks, metrics or htmx fragments.
		res := e.get(clients[w], path)
		if res.StatusCode != http.StatusOK && path != rt.path {
			t.Fatalf("a11y: GET %s as %s: status %d", path, w, res.StatusCode)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Body, "<html") {
			continue
		}
		pages = append(pages, a11yPage{path: path, who: w, status: res.StatusCode})
	}
	tk := strconv.FormatInt(d.ticket, 10)
	pages = append(pages,
		// The start page, ticket page and navigation differ by role.
		a11yPage{"/", string(staff.RoleSenior), 200},
		a11yPage{"/", string(staff.RoleSupervisor), 200},
		a11yPage{"/", string(staff.RoleAdmin), 200},
		a11yPage{"/tickets/" + strconv.FormatInt(d.escalated, 10), string(staff.RoleSenior), 200},
		a11yPage{"/tickets/" + tk, string(staff.RoleSupervisor), 200},
		a11yPage{"/notifications", string(staff.RoleSenior), 200},
		// Canned replies: the supervisors' form, a reply inserted without JavaScript.
		a11yPage{"/canned", string(staff.RoleSupervisor), 200},
		a11yPage{"/tickets/" + tk + "?canned=" + strconv.FormatInt(d.canned, 10), string(staff.RoleRep), 200},
		// A solved ticket's status page, with its survey.
		a11yPage{"/status/" + d.solvedToken, "anonymous", 200},
		// The error page (one template for every error), signed out and in.
		a11yPage{"/no-such-page", "anonymous", 404},
		a11yPage{"/no-such-page", string(staff.RoleRep), 404},
	)
	pages = append(pages, a11yMailin2(t, e)...) // mailin2: a mailbox's edit form, held mail, an HTML mail
	// selfserve: a category page, suggested articles, possible duplicates
	pages = append(pages,
		a11yPage{"/kb/en/category/delivery", "anonymous", 200},
		a11yPage{"/tickets/" + strconv.FormatInt(d.kbTicket, 10), string(staff.RoleRep), 200},
		a11yPage{"/tickets/new?customer_email=minh%40example.com&subject=Where+is+my+order", string(staff.RoleRep), 200})
	for _, p := range pages {
		t.Logf("a11y: %s as %s", p.path, p.who)
	}
	return pages
}

// a11yTabs is how many tabs look at pages at once for each visitor, and
// a11yParallel how many pages are checked at once in all.
const a11yTabs, a11yParallel = 2, 3

// a11yTimeout bounds the whole check, which takes one to two minutes.
const a11yTimeout = 8 * time.Minute

// TestAccessibility runs axe-core on every page in every language, and in
// the dark theme in the first, and fails on serious and critical violations.
// kbLangPath is a help centre index or category page of one language
// (/kb/fi, /kb/fi/category/x); an article page in an unknown language or
// slug is a not-found page in the reader's language.
var kbLangPath = regexp.MustCompile(`^/kb/(en|fi|vi|hi)(?:/category/[^/]*)?$`)

func TestAccessibility(t *testing.T) {
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): run `make assets` (npm ci --prefix web)", err)
	}
	start := time.Now()
	e := setup(t)
	d := seedA11y(t, e)
	pages := a11yPages(t, e, d)

	// One browser; per visitor a browser context (own cookies) with a few tabs.
	// The test has its own deadline rather than the one of newBrowser, as it
	// loads many pages.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(newBrowser(t)), a11yTimeout)
	t.Cleanup(cancel)
	tabs := map[string]chan context.Context{}
	en := e.srv.cat.Localizer("en")
	for _, who := range append([]string{"anonymous"}, rolesOf(staff.Roles)...) {
		first, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if who == "anonymous" {
			err = chromedp.Do(first, chromedp.Navigate(e.http.URL+"/healthz"))
		} else {
			u := e.users[staff.Role(who)]
			err = chromedp.Do(first,
				chromedp.Navigate(e.http.URL+"/login"),
				chromedp.SendKeys(byLabel(en.T("login_email")), u.Email),
				chromedp.SendKeys(byLabel(en.T("login_password")), testPassword+kb.Enter),
				chromedp.WaitVisible(chromedp.CSS("nav.main-nav")),
			)
		}
		if err != nil {
			t.Fatalf("open a tab as %s: %v", who, err)
		}
		tabs[who] = make(chan context.Context, a11yTabs)
		tabs[who] <- first
		for range a11yTabs - 1 {
			tab, cancel := chromedp.NewContext(first) // same browser context: same cookies
			t.Cleanup(cancel)
			if err := chromedp.Do(tab, chromedp.Navigate(e.http.URL+"/healthz")); err != nil {
				t.Fatalf("open a tab as %s: %v", who, err)
			}
			tabs[who] <- tab
		}
	}

	var (
		mu       sync.Mutex
		checked  int
		failures []string
		minor    = map[string]map[string]bool{} // rule (impact) -> pages
	)
	loads := 0
	check := func(ctx context.Context, p a11yPage, pass a11yPass, withAxe bool) error {
		lang := pass.lang
		if m := kbLangPath.FindStringSubmatch(p.path); m != nil {
			lang = m[1] // the help centre's pages per language are in that language, whoever reads them
		}
		res, err := chromedp.Run(ctx, chromedp.NavigateResponse(e.http.URL+p.path))
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if int(res.Status) != p.status {
			return fmt.Errorf("status %d, want %d", res.Status, p.status)
		}
		attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if err != nil {
			return fmt.Errorf("read html lang: %w", err)
		}
		if attr.Value != lang {
			return fmt.Errorf("html lang %q, want %q", attr.Value, lang)
		}
		if !withAxe {
			mu.Lock()
			loads++
			mu.Unlock()
			return nil
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[*struct{}](string(axe)+"\n;null")); err != nil {
			return fmt.Errorf("inject axe-core: %w", err)
		}
		vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](runAxe, chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("run axe-core: %w", err)
		}
		mu.Lock()
		defer mu.Unlock()
		checked++
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				failures = append(failures, fmt.Sprintf("%s as %s [%s]: %s (%s) %s: %s",
					p.path, p.who, pass, v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | ")))
				continue
			}
			key := v.ID + " (" + v.Impact + ")"
			if minor[key] == nil {
				minor[key] = map[string]bool{}
			}
			minor[key][p.path+" as "+p.who] = true
		}
		return nil
	}

	for _, pass := range a11yPasses() {
		lang := pass.lang
		if pass.dark {
			for who, ch := range tabs {
				for range a11yTabs {
					tab := <-ch
					err := chromedp.Do(tab, emulateScheme("dark"))
					ch <- tab
					if err != nil {
						t.Fatalf("dark theme for %s: %v", who, err)
					}
				}
			}
		}
		for _, u := range e.users {
			if err := e.staff.SetLocale(context.Background(), u.ID, lang); err != nil {
				t.Fatal(err)
			}
		}
		// Visitors choose with the switcher, which sets this cookie; the tabs
		// of a browser context share it.
		tab := <-tabs["anonymous"]
		_, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.cookie = "`+langCookie+`=`+lang+`; path=/"`))
		tabs["anonymous"] <- tab
		if err != nil {
			t.Fatalf("set the language cookie: %v", err)
		}
		var wg sync.WaitGroup
		sem := make(chan struct{}, a11yParallel)
		for i, p := range pages {
			wg.Go(func() {
				tab := <-tabs[p.who]
				sem <- struct{}{}
				defer func() { tabs[p.who] <- tab; <-sem }()
				if err := check(tab, p, pass, pass.axeOn(i)); err != nil {
					t.Errorf("%s as %s [%s]: %v", p.path, p.who, pass, err)
				}
			})
		}
		wg.Wait()
	}
	for _, key := range slices.Sorted(maps.Keys(minor)) {
		t.Logf("moderate/minor: %s on %s", key, strings.Join(slices.Sorted(maps.Keys(minor[key])), ", "))
	}
	t.Logf("%d pages loaded in %d languages and the first in the dark theme: axe-core checked %d page loads (every page in %s, light and dark, and in one of %v), %d more were loaded only, in %s",
		len(pages), len(a11yLanguages), checked, a11yLanguages[0], a11yLanguages[1:], loads, time.Since(start).Round(time.Millisecond))
	if want := len(pages) * 3; checked != want {
		t.Errorf("axe-core checked %d page loads, want %d (every page three times)", checked, want)
	}
	if len(failures) > 0 {
		slices.Sort(failures)
		t.Fatalf("%d serious or critical accessibility violations:\n%s", len(failures), strings.Join(failures, "\n"))
	}
}

func rolesOf(rs []staff.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
