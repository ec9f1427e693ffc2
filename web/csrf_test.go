package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Cross-site request forgery (security issue #10): every route that changes
// something, taken from the real router with chi.Walk, is sent as a foreign
// site's form would be (a foreign Origin; separately Sec-Fetch-Site:
// cross-site), with the victim's session cookie (or API token) and a body
// that would work. Each must be refused with 403 and leave every table of
// the database exactly as it was. The same requests sent same-origin then
// prove the bodies were real: they change the database.

// dbHash is a digest of the contents of every table.
func (e *env) dbHash() string {
	e.t.Helper()
	ctx := context.Background()
	rows, err := e.srv.db.Query(ctx, `
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		e.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			e.t.Fatal(err)
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil || len(tables) < 20 {
		e.t.Fatalf("tables: %v (%d)", err, len(tables))
	}
	var parts []string
	for _, t := range tables {
		var h string
		q := `SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM "` + t + `" r`
		if err := e.srv.db.QueryRow(ctx, q).Scan(&h); err != nil {
			e.t.Fatalf("hash %s: %v", t, err)
		}
		parts = append(parts, t+"="+h)
	}
	return strings.Join(parts, " ")
}

// diffTables names the tables whose digests differ.
func diffTables(a, b string) []string {
	before := map[string]string{}
	for _, p := range strings.Fields(a) {
		k, v, _ := strings.Cut(p, "=")
		before[k] = v
	}
	var out []string
	for _, p := range strings.Fields(b) {
		k, v, _ := strings.Cut(p, "=")
		if before[k] != v {
			out = append(out, k)
		}
	}
	return out
}

// csrfRequest is one state-changing request with a body that works.
type csrfRequest struct {
	path    string
	form    url.Values // a page form
	json    string     // an API body (with the API token)
	who     string     // "admin", "anonymous" or "api"
	changes bool       // sent same-origin, it changes the database
	last    int        // sent same-origin after the others: 1 closes or changes what others use, 2 ends the session
}

func TestCrossSiteRequestsChangeNothing(t *testing.T) {
	e := setup(t)
	d := seedA11y(t, e)
	ctx := context.Background()
	admin := e.users[staff.RoleAdmin]
	token := e.apiToken(staff.RoleAdmin)
	id := func(q string, args ...any) string {
		var n int64
		if err := e.srv.db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return strconv.FormatInt(n, 10)
	}
	// The admin's own ticket, fresh for the ticket actions; a second to merge into it.
	own, _, err := e.tickets.Create(ctx, actorOf(&admin), tickets.NewTicket{CustomerName: "Csrf Customer", Subject: "Order missing",
		Body: "Where is it?", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	dup, _, err := e.tickets.Create(ctx, actorOf(&admin), tickets.NewTicket{CustomerName: "Csrf Customer", Subject: "Order missing again",
		Body: "Still nothing.", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	tk, dupID := strconv.FormatInt(own.ID, 10), strconv.FormatInt(dup.ID, 10)
	requested := id(`SELECT id FROM escalations WHERE status = 'requested' AND to_user_id IS NOT NULL ORDER BY id LIMIT 1`)
	toSupervisors := id(`SELECT id FROM escalations WHERE status = 'requested' AND to_user_id IS NULL ORDER BY id LIMIT 1`)
	rep := strconv.FormatInt(e.users[staff.RoleRep].ID, 10)
	senior := strconv.FormatInt(e.users[staff.RoleSenior].ID, 10)
	apiTokenID := id(`SELECT id FROM api_tokens ORDER BY id LIMIT 1`)
	announcement := id(`SELECT id FROM announcements ORDER BY id LIMIT 1`)
	customer := id(`SELECT customer_id FROM tickets WHERE id = $1`, own.ID)
	loopTicket := id(`SELECT ticket_id FROM follow_ups WHERE done_at IS NULL ORDER BY id LIMIT 1`)
	outbox := id(`SELECT id FROM outbox ORDER BY id LIMIT 1`)
	if _, err := e.srv.db.Exec(ctx, `UPDATE outbox SET status = 'failed' WHERE id = $1`, outbox); err != nil {
		t.Fatal(err)
	}
	canned := strconv.FormatInt(d.canned, 10)
	requests := map[string]csrfRequest{
		"POST /login":                                  {path: "/login", form: url.Values{"email": {admin.Email}, "password": {testPassword}}, who: "anonymous", changes: true},
		"POST /locale":                                 {path: "/locale", form: url.Values{"lang": {"fi"}, "return": {"/"}}, who: "admin", changes: true},
		"POST /logout":                                 {path: "/logout", who: "admin", changes: true, last: 2},
		"POST /views":                                  {path: "/views", form: url.Values{"scope": {"all"}, "view_name": {"Urgent"}, "query": {"priority=urgent"}}, who: "admin", changes: true},
		"POST /tickets":                                {path: "/tickets", form: newTicketForm(), who: "admin", changes: true},
		"POST /tickets/{id}/replies":                   {path: "/tickets/" + tk + "/replies", form: url.Values{"kind": {"internal"}, "body": {"Called the courier."}}, who: "admin", changes: true},
		"POST /tickets/{id}/take":                      {path: "/tickets/" + tk + "/take", form: url.Values{"confirm": {"yes"}}, who: "admin"},
		"POST /tickets/{id}/properties":                {path: "/tickets/" + tk + "/properties", form: url.Values{"version": {strconv.Itoa(own.Version)}, "status": {"open"}, "priority": {"high"}, "tags": {"vip"}}, who: "admin", changes: true},
		"POST /tickets/{id}/merge":                     {path: "/tickets/" + dupID + "/merge", form: url.Values{"target": {tk}}, who: "admin", changes: true, last: 1},
		"POST /tickets/{id}/links":                     {path: "/tickets/" + tk + "/links", form: url.Values{"kind": {"related"}, "other": {strconv.FormatInt(d.ticket, 10)}}, who: "admin", changes: true},
		"POST /tickets/{id}/escalate":                  {path: "/tickets/" + tk + "/escalate", form: url.Values{"kind": {"escalation"}, "target": {"supervisors"}, "reason": {"complaint"}, "note": {"Wants a manager."}, "urgency": {"normal"}}, who: "admin", changes: true},
		"POST /tickets/{id}/follow-up":                 {path: "/tickets/" + loopTicket + "/follow-up", form: url.Values{"method": {"phone"}, "confirmed": {"yes"}, "followup_note": {"All good."}}, who: "admin", changes: true},
		"POST /tickets/{id}/canned":                    {path: "/tickets/" + strconv.FormatInt(d.ticket, 10) + "/canned", form: url.Values{"canned": {canned}, "body": {"Hi"}}, who: "admin"},
		"POST /notifications/read":                     {path: "/notifications/read", who: "admin"},
		"POST /escalations/{id}/accept":                {path: "/escalations/" + requested + "/accept", who: "admin", changes: true},
		"POST /escalations/{id}/return":                {path: "/escalations/" + requested + "/return", form: url.Values{"guidance": {"Refund it."}}, who: "admin", changes: true},
		"POST /escalations/{id}/further":               {path: "/escalations/" + requested + "/further", form: url.Values{"note": {"Needs a manager."}}, who: "admin", changes: true},
		"POST /help":                                   {path: "/help", form: helpForm(), who: "anonymous", changes: true},
		"POST /status/{token}/reply":                   {path: "/status/" + d.token + "/reply", form: url.Values{"message": {"Any news?"}}, who: "anonymous", changes: true},
		"POST /find":                                   {path: "/find", form: url.Values{"number": {"1"}, "email": {"minh@example.com"}}, who: "anonymous", changes: true},
		"POST /csat/{token}":                           {path: "/csat/" + d.solvedToken, form: url.Values{"rating": {"good"}}, who: "anonymous", changes: true},
		"POST /settings/preferences":                   {path: "/settings/preferences", form: url.Values{"locale": {"vi"}, "time_zone": {"Asia/Ho_Chi_Minh"}}, who: "admin", changes: true},
		"POST /settings/password":                      {path: "/settings/password", form: url.Values{"current_password": {testPassword}, "new_password": {testPassword + " 2"}}, who: "admin", changes: true, last: 1},
		"POST /settings/tokens":                        {path: "/settings/tokens", form: url.Values{"name": {"Zapier 2"}}, who: "admin", changes: true},
		"POST /settings/tokens/{id}/revoke":            {path: "/settings/tokens/" + apiTokenID + "/revoke", who: "admin", changes: true},
		"POST /canned":                                 {path: "/canned", form: url.Values{"locale": {"en"}, "title": {"Thanks"}, "body": {"Thank you!"}}, who: "admin", changes: true},
		"POST /canned/{id}":                            {path: "/canned/" + canned, form: url.Values{"locale": {"fi"}, "title": {"Palautus 2"}, "body": {"Hei!"}, "version": {"1"}}, who: "admin", changes: true},
		"POST /canned/{id}/archive":                    {path: "/canned/" + canned + "/archive", who: "admin", changes: true, last: 1},
		"POST /supervisor/escalations/{id}/accept":     {path: "/supervisor/escalations/" + toSupervisors + "/accept", who: "admin", changes: true},
		"POST /supervisor/escalations/{id}/return":     {path: "/supervisor/escalations/" + toSupervisors + "/return", form: url.Values{"guidance": {"Call them."}}, who: "admin", changes: true},
		"POST /supervisor/escalations/{id}/deescalate": {path: "/supervisor/escalations/" + toSupervisors + "/deescalate", form: url.Values{"note": {"Not needed."}}, who: "admin", changes: true},
		"POST /supervisor/reassign":                    {path: "/supervisor/reassign", form: url.Values{"ids": {requested}, "to_user": {senior}}, who: "admin"},
		"POST /supervisor/loops/{id}/reassign":         {path: "/supervisor/loops/" + loopTicket + "/reassign", form: url.Values{"owner_id": {senior}}, who: "admin", changes: true},
		"POST /supervisor/customers/{id}/follow-up":    {path: "/supervisor/customers/" + customer + "/follow-up", form: url.Values{"owner_id": {rep}}, who: "admin", changes: true},
		"POST /supervisor/announcements":               {path: "/supervisor/announcements", form: url.Values{"title": {"Holiday hours"}, "body": {"Closed on Monday."}}, who: "admin", changes: true},
		"POST /announcements/{id}/read":                {path: "/announcements/" + announcement + "/read", who: "admin", changes: true},
		"POST /admin/teams":                            {path: "/admin/teams", form: url.Values{"name": {"Returns"}, "tier": {"1"}}, who: "admin", changes: true},
		"POST /admin/staff":                            {path: "/admin/staff", form: url.Values{"email": {"new@example.com"}, "name": {"New Person"}, "role": {"rep"}, "locale": {"en"}, "time_zone": {"UTC"}, "password": {testPassword}}, who: "admin", changes: true},
		"POST /admin/staff/{id}/away":                  {path: "/admin/staff/" + rep + "/away", form: url.Values{"away": {"1"}}, who: "admin", changes: true},
		"POST /admin/staff/{id}":                       {path: "/admin/staff/" + rep, form: url.Values{"name": {"Renamed"}, "role": {"rep"}, "locale": {"fi"}, "time_zone": {"UTC"}, "active": {"1"}}, who: "admin", changes: true},
		"POST /admin/calendars":                        {path: "/admin/calendars", form: url.Values{"name": {"Weekend"}, "time_zone": {"UTC"}, "hours_6": {"10:00-14:00"}}, who: "admin", changes: true},
		"POST /admin/sla":                              {path: "/admin/sla", form: url.Values{"name": {"Low"}, "priority": {"low"}, "first_response_minutes": {"600"}, "next_response_minutes": {"600"}, "resolution_minutes": {"6000"}, "at_risk_percent": {"75"}, "supervisor_delay_minutes": {"60"}}, who: "admin", changes: true},
		"POST /admin/outbox/{id}/retry":                {path: "/admin/outbox/" + outbox + "/retry", who: "admin", changes: true},
		"POST /api/v1/tickets":                         {path: "/api/v1/tickets", json: `{"customer_name":"Api Customer","subject":"From a script","body":"Hello"}`, who: "api", changes: true},
		"PATCH /api/v1/tickets/{id}":                   {path: "/api/v1/tickets/" + tk, json: `{"version":` + strconv.Itoa(own.Version) + `,"priority":"urgent"}`, who: "api"},
		"POST /api/v1/tickets/{id}/messages":           {path: "/api/v1/tickets/" + tk + "/messages", json: `{"kind":"internal","body":"From a script"}`, who: "api", changes: true},
		"POST /api/v1/tickets/{id}/take":               {path: "/api/v1/tickets/" + tk + "/take", json: `{}`, who: "api"},
	}
	tablePaths := map[string]string{}
	for _, rt := range routeTable {
		tablePaths[rt.method+" "+rt.pattern] = rt.path
	}
	clients := map[string]*http.Client{"anonymous": e.client(), "admin": e.login(staff.RoleAdmin), "api": http.DefaultClient}
	send := func(method string, r csrfRequest, header map[string]string) *response {
		t.Helper()
		body, contentType := r.form.Encode(), "application/x-www-form-urlencoded"
		if r.who == "api" {
			body, contentType = r.json, "application/json"
		}
		req, _ := http.NewRequest(method, e.http.URL+r.path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if r.who == "api" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return e.do(clients[r.who], req)
	}
	attacks := []struct {
		name   string
		header map[string]string
	}{
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}},
		{"Sec-Fetch-Site: cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
	}
	type route struct{ method, pattern string }
	var routes []route
	err = chi.Walk(e.srv.handler.(chi.Routes), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		pattern = strings.ReplaceAll(pattern, "/*/", "/")
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, "CONNECT":
			return nil
		}
		routes = append(routes, route{method, pattern})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	before := e.dbHash()
	refused := 0
	for _, rt := range routes {
		key := rt.method + " " + rt.pattern
		r, ok := requests[key]
		if !ok {
			// A route added since: its table path, signed in, an empty body.
			t.Logf("%s: no working body known; sent empty", key)
			r = csrfRequest{path: tablePaths[key], who: "admin"}
			if strings.HasPrefix(rt.pattern, "/api/") {
				r.who, r.json = "api", "{}"
			}
			if r.path == "" {
				r.path = strings.NewReplacer("{id}", "1", "{token}", "not-a-real-token-0123456789", "{aid}", "1").Replace(rt.pattern)
			}
		}
		for _, a := range attacks {
			res := send(rt.method, r, a.header)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s with %s: status %d, want 403", key, a.name, res.StatusCode)
			}
			refused++
			if after := e.dbHash(); after != before {
				t.Fatalf("%s with %s changed tables %v", key, a.name, diffTables(before, after))
			}
		}
	}
	t.Logf("%d state-changing routes from chi.Walk, %d cross-site requests refused, database unchanged", len(routes), refused)
	if len(routes) < 45 {
		t.Fatalf("only %d routes walked", len(routes))
	}

	// The same requests, same-origin: the bodies were real.
	sort.SliceStable(routes, func(i, j int) bool {
		return requests[routes[i].method+" "+routes[i].pattern].last < requests[routes[j].method+" "+routes[j].pattern].last
	})
	changed := 0
	for _, rt := range routes {
		key := rt.method + " " + rt.pattern
		r, ok := requests[key]
		if !ok {
			continue
		}
		hash := e.dbHash()
		header := map[string]string{"Sec-Fetch-Site": "same-origin"}
		if r.who == "api" {
			header = nil // scripts send neither header
		}
		res := send(rt.method, r, header)
		if res.StatusCode == http.StatusForbidden || res.StatusCode >= 500 {
			t.Errorf("%s same-origin: status %d", key, res.StatusCode)
		}
		if after := e.dbHash(); after != hash {
			changed++
		} else if r.changes {
			t.Errorf("%s same-origin (status %d) changed nothing: the body the attacks used was not a working one", key, res.StatusCode)
		}
	}
	t.Logf("same-origin, %d of those requests changed the database", changed)
}
