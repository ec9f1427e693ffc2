package web

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// The field walk (security issue #10, finding 6): every form and query
// field found on every page, as every role that sees it, is sent NUL bytes,
// invalid UTF-8, control characters, line breaks and a 300 KB value. No
// answer may be a server error, no such value may reach Postgres unchecked,
// and afterwards no text column holds a control character.

// badValues are what every field is tried with.
var badValues = []struct{ name, value string }{
	{"NUL", "a\x00b"},
	{"invalid UTF-8", "a\xff\xfe\xc0b"},
	{"control characters", "a\x1b[2J\x07\x08b"},
	{"line break", "a\r\nX-Injected: 1"},
	{"300 KB", strings.Repeat("x", 300<<10)},
}

// formField is a named control of a form with the value a browser would send.
type formField struct {
	name, value string
	send        bool // false for an unchecked box: a browser leaves it out
}

// pageForm is a form as found on a page.
type pageForm struct {
	method, action string
	fields         []formField
}

// parsePage finds the forms of an HTML page and the query keys of its links
// (path -> keys), resolving relative addresses against page.
func parsePage(page, body string) ([]pageForm, map[string][]string) {
	base, _ := url.Parse(page)
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil, nil
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	var forms []pageForm
	links := map[string][]string{}
	var walk func(n *html.Node, f *pageForm)
	walk = func(n *html.Node, f *pageForm) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				method, _ := attr(n, "method")
				action, _ := attr(n, "action")
				u, err := base.Parse(action)
				if err == nil {
					forms = append(forms, pageForm{method: strings.ToUpper(orDefault(method, "GET")), action: u.RequestURI()})
					f = &forms[len(forms)-1]
				}
			case "a":
				if href, ok := attr(n, "href"); ok {
					if u, err := base.Parse(href); err == nil && u.Host == base.Host && u.RawQuery != "" {
						for k := range u.Query() {
							if !slices.Contains(links[u.Path], k) {
								links[u.Path] = append(links[u.Path], k)
							}
						}
					}
				}
			case "input", "button", "select", "textarea":
				name, ok := attr(n, "name")
				if ok && f != nil && name != "" {
					typ, _ := attr(n, "type")
					value, _ := attr(n, "value")
					_, checked := attr(n, "checked")
					field := formField{name: name, value: value, send: true}
					switch {
					case typ == "file":
						field.send = false
					case typ == "checkbox" || typ == "radio":
						field.send = checked
						if value == "" {
							field.value = "on"
						}
					case n.Data == "textarea":
						field.value = textOf(n)
					case n.Data == "select":
						field.value = selectedOption(n)
					}
					if field.value == "" && f.method == "POST" && (n.Data == "textarea" || n.Data == "input") {
						field.value = validValue(name, typ)
					}
					f.fields = append(f.fields, field)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, f)
		}
	}
	walk(doc, nil)
	return forms, links
}

// validValue is what a person would type into an empty field of a posted
// form, so that the bad value tried in another field is the one at fault.
func validValue(name, typ string) string {
	switch {
	case name == "website": // the help form's honeypot stays empty
		return ""
	case typ == "email" || strings.HasSuffix(name, "email"):
		return "walk@example.com"
	case typ == "password":
		return testPassword
	case typ == "number":
		return "5"
	case typ == "date":
		return "2025-03-04"
	case typ == "tel" || strings.HasSuffix(name, "phone"):
		return "+358401234567"
	case name == "time_zone":
		return "Europe/Helsinki"
	case strings.HasPrefix(name, "hours_"):
		return "09:00-17:00"
	case name == "holidays":
		return "2025-12-24"
	case typ == "hidden":
		return ""
	}
	return "Walk value"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// selectedOption is the value a select sends: its selected option, else its first.
func selectedOption(n *html.Node) string {
	var first, selected string
	seen := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "option" {
			v, hasValue := "", false
			_, isSelected := "", false
			for _, a := range n.Attr {
				switch a.Key {
				case "value":
					v, hasValue = a.Val, true
				case "selected":
					isSelected = true
				}
			}
			if !hasValue {
				v = textOf(n)
			}
			if !seen {
				first, seen = v, true
			}
			if isSelected {
				selected = v
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	if selected != "" {
		return selected
	}
	return first
}

// queryKeys are query parameters handlers read that no link or form on the
// seeded pages shows (pattern -> keys); the walk finds the rest itself.
var queryKeys = map[string][]string{
	"/login":                    {"return", "logged_out"},
	"/tickets/new":              {"customer_id", "customer_name", "customer_email", "customer_phone", "subject", "body", "channel", "priority", "category", "order_ref", "idempotency_key"},
	"/tickets/new/customers":    {"customer_id", "customer_name", "customer_email", "customer_phone"},
	"/tickets/{id}":             {"canned", "body", "kind"},
	"/queue/mine":               {"status", "priority", "channel", "category", "team", "tag", "from", "to", "sort", "after", "customer"},
	"/queue/team":               {"status", "priority", "channel", "category", "team", "tag", "from", "to", "sort", "after", "customer"},
	"/queue/all":                {"status", "priority", "channel", "category", "team", "owner", "tag", "from", "to", "sort", "after", "customer"},
	"/search":                   {"q", "after", "as_typed"},
	"/canned":                   {"lang", "archived", "edit"},
	"/admin/calendars":          {"edit"},
	"/admin/sla":                {"edit"},
	"/admin/outbox":             {"status", "before"},
	"/supervisor":               {"team", "reason", "min_age", "overdue", "loops"},
	"/supervisor/customers":     {"after_score", "after_id"},
	"/supervisor/dashboard":     {"from", "to", "team"},
	"/status/{token}":           {"new"},
	"/find":                     {"sent"},
	"/csat/{token}/good":        {"x"},
	"/supervisor/dashboard.csv": {"from", "to", "team", "section"},
}

// walkSkip are forms the walk leaves alone: they end the session it walks with.
var walkSkip = map[string]bool{"/logout": true}

// logCounter counts the server's log records that carry a message.
type logCounter struct {
	slog.Handler
	mu    *sync.Mutex
	count map[string]int
}

func (h logCounter) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	h.count[r.Message]++
	h.mu.Unlock()
	return h.Handler.Handle(ctx, r)
}

func (h logCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return logCounter{Handler: h.Handler.WithAttrs(as), mu: h.mu, count: h.count}
}

func (h logCounter) WithGroup(name string) slog.Handler {
	return logCounter{Handler: h.Handler.WithGroup(name), mu: h.mu, count: h.count}
}

func TestEveryFieldRefusesBadText(t *testing.T) {
	e := setup(t)
	d := seedA11y(t, e)
	ctx := context.Background()
	// Count what the server logs: unchecked input reaching Postgres is logged
	// as a warning even though the answer is then a 4xx.
	counter := logCounter{Handler: slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}), mu: &sync.Mutex{}, count: map[string]int{}}
	e.srv.log = slog.New(counter)

	roles := []string{"anonymous", string(staff.RoleRep), string(staff.RoleSenior), string(staff.RoleSupervisor), string(staff.RoleAdmin)}
	clients := map[string]*http.Client{"anonymous": e.client()}
	for _, r := range staff.Roles {
		clients[string(r)] = e.login(r)
	}
	pages := a11yPages(t, e, d)
	// Public pages are walked signed out, everything else as the least role
	// that sees it, then as admin (the admin walks last: its forms can
	// deactivate the others).
	byRole := map[string][]string{}
	for _, p := range pages {
		if !slices.Contains(byRole[p.who], p.path) {
			byRole[p.who] = append(byRole[p.who], p.path)
		}
	}
	byRole["anonymous"] = append(byRole["anonymous"], "/help", "/find", "/login")

	var requests, fields int
	fieldSet := map[string]bool{}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
	}
	// clearLimits empties the rate limit and login failure counters, so that
	// every request reaches the checks behind them.
	clearLimits := func() {
		if _, err := e.srv.db.Exec(ctx, `DELETE FROM rate_hits; DELETE FROM login_failures`); err != nil {
			t.Fatal(err)
		}
	}
	send := func(who, method, action string, values url.Values, what string) {
		t.Helper()
		clearLimits()
		var res *response
		if method == "GET" {
			sep := "?"
			if strings.Contains(action, "?") {
				sep = "&"
			}
			res = e.get(clients[who], action+sep+values.Encode())
		} else {
			res = e.post(clients[who], action, values)
		}
		requests++
		if res.StatusCode >= 500 {
			fail("%s %s as %s, %s: status %d", method, action, who, what, res.StatusCode)
		}
	}
	digits := regexp.MustCompile(`/[0-9]+`)
	tokens := regexp.MustCompile(`/(status|csat)/[A-Za-z0-9_-]{20,}`)
	pattern := func(path string) string {
		p := digits.ReplaceAllString(path, "/{id}")
		return tokens.ReplaceAllString(p, "/$1/{token}")
	}
	walked := map[string]bool{}
	for _, who := range roles {
		for _, page := range byRole[who] {
			path, rawQuery, _ := strings.Cut(page, "?")
			res := e.get(clients[who], page)
			if res.StatusCode >= 500 {
				fail("GET %s as %s: status %d", page, who, res.StatusCode)
				continue
			}
			forms, links := parsePage(e.http.URL+page, res.Body)
			// Query fields of the page itself: from the code's list and from links to it.
			keys := append(slices.Clone(queryKeys[pattern(path)]), links[path]...)
			slices.Sort(keys)
			keys = slices.Compact(keys)
			for _, k := range keys {
				id := who + " GET " + pattern(path) + " ?" + k
				if walked[id] {
					continue
				}
				walked[id] = true
				fieldSet["GET "+pattern(path)+" "+k] = true
				fields++
				for _, bad := range badValues {
					q, _ := url.ParseQuery(rawQuery)
					q.Set(k, bad.value)
					send(who, "GET", path, q, k+"="+bad.name)
				}
			}
			for _, f := range forms {
				actionPath, _, _ := strings.Cut(f.action, "?")
				if walkSkip[actionPath] {
					continue
				}
				var names []string
				base := url.Values{}
				for _, fld := range f.fields {
					if !slices.Contains(names, fld.name) {
						names = append(names, fld.name)
					}
					if fld.send {
						base.Add(fld.name, fld.value)
					}
				}
				sort.Strings(names)
				id := fmt.Sprintf("%s %s %s %v", who, f.method, pattern(actionPath), names)
				if walked[id] {
					continue
				}
				walked[id] = true
				for _, name := range names {
					fieldSet[f.method+" "+pattern(actionPath)+" "+name] = true
					fields++
					for _, bad := range badValues {
						v := url.Values{}
						for k, vs := range base {
							v[k] = slices.Clone(vs)
						}
						v.Set(name, bad.value)
						if f.method == "GET" {
							send(who, "GET", actionPath, v, name+"="+bad.name)
						} else {
							send(who, "POST", f.action, v, name+"="+bad.name)
						}
					}
				}
			}
		}
	}
	t.Logf("walked %d pages' forms and links: %d distinct fields (%d field probes by role), %d requests",
		len(pages)+3, len(fieldSet), fields, requests)
	if len(fieldSet) < 100 {
		t.Errorf("only %d distinct fields found: the walk lost its way", len(fieldSet))
	}
	counter.mu.Lock()
	unchecked := counter.count["input reached the database unchecked"]
	counter.mu.Unlock()
	if unchecked > 0 {
		t.Errorf("%d requests sent text to Postgres unchecked (answered 4xx by the fallback, but the field check is missing)", unchecked)
	}
	e.noControlCharsStored()
}

// oneLineColumns hold one-line text: no line break either.
var oneLineColumns = map[string]bool{
	"tickets.subject": true, "tickets.order_ref": true, "customers.name": true, "users.name": true, "users.email": true,
	"teams.name": true, "teams.skill": true, "api_tokens.name": true, "canned_replies.title": true, "announcements.title": true,
	"saved_views.name": true, "saved_views.query": true, "calendars.name": true, "sla_policies.name": true,
	"login_failures.email": true,
}

// noControlCharsStored checks every text column of every table (and the
// strings inside every jsonb column): no control character but tab and line
// breaks, and no line break in one-line columns.
func (e *env) noControlCharsStored() {
	e.t.Helper()
	ctx := context.Background()
	rows, err := e.srv.db.Query(ctx, `
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
WHERE c.table_schema = 'public'
  AND (c.data_type IN ('text', 'character varying', 'jsonb', 'ARRAY') OR c.udt_name = 'citext')
ORDER BY 1, 2`)
	if err != nil {
		e.t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			e.t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	const control = `[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]`
	const lineBreak = `[\n\r\t\u2028\u2029]`
	checked := 0
	for _, c := range cols {
		col := `"` + c.name + `"`
		var texts string
		switch c.typ {
		case "jsonb":
			texts = `(SELECT string_agg(v #>> '{}', ' ') FROM jsonb_path_query(` + col + `, 'strict $.** ? (@.type() == "string")') v)`
		case "ARRAY":
			texts = `array_to_string(` + col + `::text[], ' ')`
		default:
			texts = col + `::text`
		}
		pattern := control
		if oneLineColumns[c.table+"."+c.name] {
			pattern = control + "|" + lineBreak
		}
		var n int
		q := `SELECT count(*) FROM "` + c.table + `" WHERE ` + texts + ` ~ '` + pattern + `'`
		if err := e.srv.db.QueryRow(ctx, q).Scan(&n); err != nil {
			e.t.Fatalf("%s.%s: %v", c.table, c.name, err)
		}
		checked++
		if n > 0 {
			e.t.Errorf("%s.%s: %d rows hold control characters", c.table, c.name, n)
		}
	}
	e.t.Logf("checked %d text columns for control characters", checked)
}

// TestAPIRefusesBadText sends the same bad values in every string field of
// the JSON API's bodies and in every query parameter of its list: 4xx
// answers only (JSON itself turns invalid UTF-8 into U+FFFD; NUL and
// control characters arrive as \u escapes).
func TestAPIRefusesBadText(t *testing.T) {
	e := setup(t)
	counter := logCounter{Handler: slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}), mu: &sync.Mutex{}, count: map[string]int{}}
	e.srv.log = slog.New(counter)
	token := e.apiToken(staff.RoleRep)
	tk := e.createTicketAPI(token, newTicketBody("Order missing"))
	path := "/api/v1/tickets/" + fmt.Sprint(tk.ID)
	requests := 0
	check := func(method, p string, body any, what string) {
		t.Helper()
		res := e.api(token, method, p, body)
		requests++
		if res.StatusCode >= 500 {
			t.Errorf("%s %s, %s: status %d: %s", method, p, what, res.StatusCode, res.Body)
		}
	}
	patch := map[string]any{"version": tk.Version, "status": "open", "priority": "high", "category": "delivery", "tags": []string{"vip"}}
	message := map[string]any{"kind": "internal", "body": "Checked with the courier."}
	for _, bad := range badValues {
		for field := range newTicketBody("") {
			body := newTicketBody("Order missing")
			body[field] = bad.value
			check("POST", "/api/v1/tickets", body, field+"="+bad.name)
		}
		for field := range patch {
			body := maps.Clone(patch)
			body[field] = bad.value
			if field == "tags" {
				body[field] = []string{"vip", bad.value}
			}
			check("PATCH", path, body, field+"="+bad.name)
		}
		for field := range message {
			body := maps.Clone(message)
			body[field] = bad.value
			check("POST", path+"/messages", body, field+"="+bad.name)
		}
		for _, k := range apiQueryParams {
			check("GET", "/api/v1/tickets?"+url.Values{k: {bad.value}}.Encode(), nil, k+"="+bad.name)
		}
		for _, k := range []string{"q", "after", "limit", "as_typed"} {
			check("GET", "/api/v1/search?"+url.Values{"q": {"order"}, k: {bad.value}}.Encode(), nil, "search "+k+"="+bad.name)
		}
		for _, k := range apiSearchParams {
			v := url.Values{"q": {"order"}}
			v.Set(k, bad.value)
			check("GET", "/api/v1/search?"+v.Encode(), nil, "search "+k+"="+bad.name)
		}
		// Raw bytes in the JSON text itself, not escaped.
		check("POST", "/api/v1/tickets", `{"subject":"a`+bad.value+`b","body":"x","customer_name":"y"}`, "raw subject="+bad.name)
	}
	t.Logf("API: %d requests", requests)
	counter.mu.Lock()
	defer counter.mu.Unlock()
	if n := counter.count["input reached the database unchecked"]; n > 0 {
		t.Errorf("%d API requests sent text to Postgres unchecked", n)
	}
	e.noControlCharsStored()
}
