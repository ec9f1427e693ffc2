package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// access says who may use a route.
type access int

const (
	public access = iota // anyone, signed in or not
	rep
	senior
	supervisor
	admin
	api // the JSON API: a personal API token of any role; without one (anonymous or a session) 401
)

// apiMinRole names the API routes (by pattern) that need more than a token
// of any role; tokens of lesser roles get 403 there.
var apiMinRole = map[string]staff.Role{
	"/api/v1/customers": staff.RoleSupervisor, "/api/v1/customers/{id}/export": staff.RoleSupervisor, // selfserve
	"/api/v1/customers/{id}/erase": staff.RoleSupervisor,
}

var minRole = map[access]staff.Role{rep: staff.RoleRep, senior: staff.RoleSenior, supervisor: staff.RoleSupervisor, admin: staff.RoleAdmin}

// routeTable is the role x route table: every route in routes.go must be here.
// ok is the status an allowed caller gets (a request with no form posts as-is).
var routeTable = []struct {
	method, pattern, path string
	who                   access
	ok                    int
	okSignedIn            int // when non-zero: what signed-in staff get instead of ok
}{
	{"GET", "/healthz", "/healthz", public, 200, 0},
	{"GET", "/readyz", "/readyz", public, 200, 0},
	{"GET", "/metrics", "/metrics", public, 404, 0}, // only with LOOPDESK_METRICS_TOKEN (TestMetricsAccess)
	{"GET", "/static/{hash}/*", "/static/x/css/app.css", public, 200, 0},
	{"GET", "/favicon.ico", "/favicon.ico", public, 200, 0},
	{"GET", "/login", "/login", public, 200, 303}, // signed in: sent on to the start page
	{"POST", "/login", "/login", public, 422, 0},
	{"GET", "/login/2fa", "/login/2fa", public, 303, 0},  // no sign-in waiting for its code: back to /login (signed in: to /)
	{"POST", "/login/2fa", "/login/2fa", public, 303, 0}, // the same
	{"POST", "/locale", "/locale", public, 422, 0},
	{"GET", "/", "/", rep, 200, 0},
	{"GET", "/queue/mine", "/queue/mine", rep, 200, 0},
	{"GET", "/queue/team", "/queue/team", rep, 200, 0},
	{"GET", "/queue/all", "/queue/all", rep, 200, 0},
	{"POST", "/views", "/views", rep, 303, 0},
	{"GET", "/search", "/search?q=order", rep, 200, 0},
	{"GET", "/tickets/new", "/tickets/new", rep, 200, 0},
	{"GET", "/tickets/new/customers", "/tickets/new/customers?customer_name=an", rep, 200, 0},
	{"GET", "/tickets/new/duplicates", "/tickets/new/duplicates?customer_email=a@example.com&subject=parcel", rep, 200, 0},
	{"POST", "/tickets", "/tickets", rep, 422, 0},
	// Ticket 1 is made by TestRoleRouteTable in the team every test user is in.
	{"GET", "/tickets/{id}", "/tickets/1", rep, 200, 0},
	{"POST", "/tickets/{id}/replies", "/tickets/1/replies", rep, 422, 0},
	{"POST", "/tickets/{id}/take", "/tickets/1/take", rep, 409, 0}, // owned by its creator: asks to confirm
	{"POST", "/tickets/{id}/properties", "/tickets/1/properties", rep, 422, 0},
	{"POST", "/tickets/{id}/merge", "/tickets/1/merge", rep, 422, 0},
	{"POST", "/tickets/{id}/links", "/tickets/1/links", rep, 422, 0},
	{"POST", "/tickets/{id}/escalate", "/tickets/1/escalate", rep, 422, 0},
	{"POST", "/tickets/{id}/follow-up", "/tickets/1/follow-up", rep, 422, 0},
	{"GET", "/notifications", "/notifications", rep, 200, 0},
	{"POST", "/notifications/read", "/notifications/read", rep, 303, 0},
	// Escalation 999 does not exist: seniors and up get 404, reps are refused first.
	{"POST", "/escalations/{id}/accept", "/escalations/999/accept", rep, 404, 0},
	{"POST", "/escalations/{id}/return", "/escalations/999/return", rep, 404, 0},
	{"POST", "/escalations/{id}/further", "/escalations/999/further", rep, 404, 0},
	{"GET", "/escalations", "/escalations", rep, 200, 0},
	{"GET", "/supervisor", "/supervisor", supervisor, 200, 0},
	{"GET", "/admin", "/admin", admin, 200, 0},
	// --- api routes ---
	// ok is what a valid token of any role gets (TestAPIRouteTableWithTokens).
	{"POST", "/api/v1/tickets", "/api/v1/tickets", api, 400, 0}, // empty body
	{"GET", "/api/v1/tickets", "/api/v1/tickets", api, 200, 0},
	{"GET", "/api/v1/tickets/{id}", "/api/v1/tickets/1", api, 200, 0},
	{"GET", "/api/v1/tickets/{id}/attachments/{aid}", "/api/v1/tickets/1/attachments/999", api, 404, 0}, // no such file
	{"PATCH", "/api/v1/tickets/{id}", "/api/v1/tickets/1", api, 400, 0},                                 // empty body
	{"POST", "/api/v1/tickets/{id}/messages", "/api/v1/tickets/1/messages", api, 400, 0},                // empty body
	{"POST", "/api/v1/tickets/{id}/take", "/api/v1/tickets/1/take", api, 409, 0},                        // owned by its creator
	{"GET", "/api/v1/search", "/api/v1/search?q=order", api, 200, 0},
	// selfserve: customer data; reps and seniors get 403 (apiMinRole). Empty bodies are 400.
	{"GET", "/api/v1/customers", "/api/v1/customers?q=nobody@example.com", api, 200, 0},
	{"POST", "/api/v1/customers/{id}/export", "/api/v1/customers/999999/export", api, 400, 0},
	{"POST", "/api/v1/customers/{id}/erase", "/api/v1/customers/999999/erase", api, 400, 0},
	// --- end api routes ---
	// --- public routes ---
	{"GET", "/help", "/help", public, 200, 0},
	{"POST", "/help", "/help", public, 422, 0},                                        // empty form
	{"GET", "/status/{token}", "/status/not-a-real-token-0123456789", public, 404, 0}, // unknown token
	{"POST", "/status/{token}/reply", "/status/not-a-real-token-0123456789/reply", public, 404, 0},
	{"GET", "/find", "/find", public, 200, 0},
	{"POST", "/find", "/find", public, 422, 0}, // empty form
	// feedback: the CSAT survey (unknown token)
	{"GET", "/csat/{token}/good", "/csat/not-a-real-token-0123456789/good", public, 404, 0},
	{"GET", "/csat/{token}/bad", "/csat/not-a-real-token-0123456789/bad", public, 404, 0},
	{"POST", "/csat/{token}", "/csat/not-a-real-token-0123456789", public, 404, 0},
	{"GET", "/status/{token}/attachments/{aid}", "/status/not-a-real-token-0123456789/attachments/1", public, 404, 0},
	// --- end public routes ---
	// --- rep ticket routes ---
	{"GET", "/settings", "/settings", rep, 200, 0},
	{"POST", "/settings/preferences", "/settings/preferences", rep, 422, 0}, // empty form
	{"POST", "/settings/password", "/settings/password", rep, 422, 0},       // empty form
	{"GET", "/settings/2fa", "/settings/2fa", rep, 200, 0},
	{"POST", "/settings/2fa", "/settings/2fa", rep, 422, 0},                 // no code
	{"POST", "/settings/2fa/disable", "/settings/2fa/disable", rep, 422, 0}, // no code
	{"GET", "/settings/tokens", "/settings/tokens", rep, 200, 0},
	{"POST", "/settings/tokens", "/settings/tokens", rep, 422, 0},                           // empty name
	{"POST", "/settings/tokens/{id}/revoke", "/settings/tokens/999999/revoke", rep, 404, 0}, // no such token
	// attachments: no such attachment (the download of a real one is in handlers_attachments_test.go)
	{"GET", "/tickets/{id}/attachments/{aid}", "/tickets/1/attachments/999999", rep, 404, 0},
	// mailin2: the frame of a customer's HTML mail; no such message (a real one in handlers_mailhtml_test.go)
	{"GET", "/tickets/{id}/messages/{mid}/html", "/tickets/1/messages/999999/html", rep, 404, 0},
	{"GET", "/tickets/{id}/kb-suggest", "/tickets/999999/kb-suggest", rep, 404, 0},
	// mailin2: the Spam view; no such held mail (release and delete of real ones in handlers_spam_test.go)
	{"GET", "/spam", "/spam", rep, 200, 0},
	{"POST", "/spam/{id}/release", "/spam/999999/release", rep, 404, 0},
	{"POST", "/spam/{id}/delete", "/spam/999999/delete", rep, 404, 0},
	{"GET", "/admin/mail-blocks", "/admin/mail-blocks", admin, 200, 0},
	{"GET", "/admin/mailboxes/{mbid}", "/admin/mailboxes/999999", admin, 404, 0},  // a real one: a11yMailboxEdit, handlers_mailbox_edit_test.go
	{"POST", "/admin/mailboxes/{mbid}", "/admin/mailboxes/999999", admin, 422, 0}, // empty form: checked before the mailbox is looked up
	{"POST", "/admin/mailboxes/{mbid}/pause", "/admin/mailboxes/999999/pause", admin, 404, 0},
	{"POST", "/admin/mailboxes/{mbid}/resume", "/admin/mailboxes/999999/resume", admin, 404, 0},
	{"POST", "/admin/mail-blocks", "/admin/mail-blocks", admin, 422, 0}, // empty form
	{"POST", "/admin/mail-blocks/{id}/delete", "/admin/mail-blocks/999999/delete", admin, 404, 0},
	// --- end rep ticket routes ---
	// --- canned replies ---
	// Reps read the list and insert into a reply (an empty choice is 422);
	// supervisors and admins write (an empty form is 422; 999999 does not exist).
	{"GET", "/canned", "/canned", rep, 200, 0},
	{"POST", "/tickets/{id}/canned", "/tickets/1/canned", rep, 422, 0},
	{"POST", "/canned", "/canned", supervisor, 422, 0},
	{"POST", "/canned/{id}", "/canned/999999", supervisor, 422, 0},
	{"POST", "/canned/{id}/archive", "/canned/999999/archive", supervisor, 404, 0},
	// --- end canned replies ---
	// Supervisor and admin pages. Escalation 999 does not exist; ticket 1 and
	// user 1 do. Empty forms are 422 for those allowed.
	{"POST", "/supervisor/escalations/{id}/accept", "/supervisor/escalations/999/accept", supervisor, 404, 0},
	{"POST", "/supervisor/escalations/{id}/return", "/supervisor/escalations/999/return", supervisor, 404, 0},
	{"POST", "/supervisor/escalations/{id}/deescalate", "/supervisor/escalations/999/deescalate", supervisor, 404, 0},
	{"POST", "/supervisor/reassign", "/supervisor/reassign", supervisor, 422, 0},
	{"POST", "/supervisor/loops/{id}/reassign", "/supervisor/loops/1/reassign", supervisor, 422, 0},
	{"GET", "/supervisor/reps", "/supervisor/reps", supervisor, 200, 0},
	{"GET", "/admin/teams", "/admin/teams", admin, 200, 0},
	{"POST", "/admin/teams", "/admin/teams", admin, 422, 0},
	{"GET", "/admin/staff", "/admin/staff", admin, 200, 0},
	{"POST", "/admin/staff", "/admin/staff", admin, 422, 0},
	{"POST", "/admin/staff/{id}/away", "/admin/staff/1/away", admin, 422, 0},
	{"GET", "/admin/staff/{id}", "/admin/staff/1", admin, 200, 0},
	{"POST", "/admin/staff/{id}", "/admin/staff/1", admin, 422, 0},                     // empty form
	{"POST", "/admin/staff/{id}/2fa/reset", "/admin/staff/1/2fa/reset", admin, 303, 0}, // user 1 has none: nothing ends
	{"GET", "/admin/calendars", "/admin/calendars", admin, 200, 0},
	{"POST", "/admin/calendars", "/admin/calendars", admin, 422, 0},
	{"GET", "/admin/sla", "/admin/sla", admin, 200, 0},
	{"POST", "/admin/sla", "/admin/sla", admin, 422, 0},
	// feedback: at-risk customers (customer 1 has ticket 1; an empty form is 422),
	// announcements (999999 does not exist).
	{"GET", "/supervisor/customers", "/supervisor/customers", supervisor, 200, 0},
	{"POST", "/supervisor/customers/{id}/follow-up", "/supervisor/customers/1/follow-up", supervisor, 422, 0},
	{"GET", "/supervisor/announcements", "/supervisor/announcements", supervisor, 200, 0},
	{"POST", "/supervisor/announcements", "/supervisor/announcements", supervisor, 422, 0},
	{"POST", "/announcements/{id}/read", "/announcements/999999/read", rep, 404, 0},
	{"GET", "/supervisor/dashboard", "/supervisor/dashboard", supervisor, 200, 0},         // dashboard
	{"GET", "/supervisor/dashboard.csv", "/supervisor/dashboard.csv", supervisor, 200, 0}, // dashboard: summary
	// --- live desk ---
	// A plain GET of the stream is refused (406): only EventSource gets one
	// (handlers_live_test.go reads a real stream).
	{"GET", "/events", "/events", rep, 406, 0},
	{"GET", "/live/header", "/live/header", rep, 200, 0},
	{"GET", "/tickets/{id}/presence", "/tickets/1/presence", rep, 200, 0},
	{"POST", "/tickets/{id}/presence", "/tickets/1/presence", rep, 422, 0}, // no state
	{"POST", "/tickets/{id}/follow", "/tickets/1/follow", rep, 303, 0},     // no value: unfollow, which changes nothing
	{"POST", "/queue/bulk", "/queue/bulk", rep, 303, 0},                    // nothing ticked: back to the queue, which says so
	// Team 1 is the test users' team; an empty form has no mode (422).
	{"GET", "/admin/teams/{id}/assignment", "/admin/teams/1/assignment", admin, 200, 0},
	{"POST", "/admin/teams/{id}/assignment", "/admin/teams/1/assignment", admin, 422, 0},
	// --- end live desk ---
	// --- mailout: persistent CC (an empty address is 422; removing one not there is 404) ---
	{"POST", "/tickets/{id}/cc", "/tickets/1/cc", rep, 422, 0},
	{"POST", "/tickets/{id}/cc/remove", "/tickets/1/cc/remove", rep, 404, 0},
	{"GET", "/supervisor/teams", "/supervisor/teams", supervisor, 200, 0},
	{"POST", "/supervisor/teams/{id}/signature", "/supervisor/teams/999999/signature", supervisor, 404, 0}, // no such team
	// --- end mailout ---
	// --- admin routes ---
	{"GET", "/admin/outbox", "/admin/outbox", admin, 200, 0},
	{"POST", "/admin/outbox/{id}/retry", "/admin/outbox/999999/retry", admin, 404, 0},   // no such mail
	{"POST", "/admin/outbox/{id}/reveal", "/admin/outbox/999999/reveal", admin, 404, 0}, // no such mail
	{"GET", "/admin/mailboxes", "/admin/mailboxes", admin, 200, 0},
	{"POST", "/admin/mailboxes", "/admin/mailboxes", admin, 422, 0},
	{"POST", "/admin/mailboxes/{id}/delete", "/admin/mailboxes/999999/delete", admin, 404, 0}, // no such mailbox
	// --- end admin routes ---
	// --- selfserve: webhooks (endpoint 999999 does not exist: 404; an empty new endpoint is 422; {wid}, not {id}: the a11y walk fills {id} with a ticket) ---
	{"GET", "/admin/webhooks", "/admin/webhooks", admin, 200, 0},
	{"POST", "/admin/webhooks", "/admin/webhooks", admin, 422, 0},
	{"POST", "/admin/webhooks/allowed-hosts", "/admin/webhooks/allowed-hosts", admin, 422, 0},
	{"POST", "/admin/webhooks/allowed-hosts/delete", "/admin/webhooks/allowed-hosts/delete", admin, 404, 0},
	{"GET", "/admin/webhooks/{wid}", "/admin/webhooks/999999", admin, 404, 0},
	{"POST", "/admin/webhooks/{wid}", "/admin/webhooks/999999", admin, 404, 0},
	{"POST", "/admin/webhooks/{wid}/enable", "/admin/webhooks/999999/enable", admin, 404, 0},
	{"POST", "/admin/webhooks/{wid}/disable", "/admin/webhooks/999999/disable", admin, 404, 0},
	{"POST", "/admin/webhooks/{wid}/ping", "/admin/webhooks/999999/ping", admin, 404, 0},
	{"POST", "/admin/webhooks/{wid}/rotate", "/admin/webhooks/999999/rotate", admin, 404, 0},
	{"POST", "/admin/webhooks/{wid}/delete", "/admin/webhooks/999999/delete", admin, 404, 0},
	{"GET", "/admin/webhooks/{wid}/deliveries/{did}", "/admin/webhooks/999999/deliveries/1", admin, 404, 0},
	{"POST", "/admin/webhooks/{wid}/deliveries/{did}/redeliver", "/admin/webhooks/999999/deliveries/1/redeliver", admin, 404, 0},
	// --- end selfserve: webhooks ---
	// --- selfserve: customer data (customer 999999 does not exist; {cid}: the a11y walk fills {id} with a ticket) ---
	{"GET", "/supervisor/privacy", "/supervisor/privacy?q=nobody@example.com", supervisor, 200, 0},
	{"GET", "/supervisor/privacy/{cid}", "/supervisor/privacy/999999", supervisor, 404, 0},
	{"POST", "/supervisor/privacy/{cid}/export", "/supervisor/privacy/999999/export", supervisor, 404, 0},
	{"POST", "/supervisor/privacy/{cid}/erase", "/supervisor/privacy/999999/erase", supervisor, 404, 0},
	// --- end selfserve: customer data ---
	// --- selfserve: knowledge base (no articles in the table's database: article pages are 404) ---
	{"GET", "/kb", "/kb", public, 200, 0},
	{"GET", "/kb/{lang}", "/kb/fi", public, 200, 0},
	{"GET", "/kb/{lang}/category/{cat}", "/kb/fi/category/no-such-category", public, 404, 0},
	{"GET", "/kb/{lang}/{slug}", "/kb/en/no-such-article", public, 404, 0},
	{"POST", "/kb/{lang}/{slug}/answered", "/kb/en/no-such-article/answered", public, 404, 0},
	{"GET", "/help/suggest", "/help/suggest?subject=parcel", public, 200, 0},
	{"GET", "/supervisor/kb", "/supervisor/kb", supervisor, 200, 0},
	{"POST", "/supervisor/kb/categories", "/supervisor/kb/categories", supervisor, 422, 0},
	{"GET", "/supervisor/kb/new", "/supervisor/kb/new?lang=fi", supervisor, 200, 0},
	{"POST", "/supervisor/kb/translations", "/supervisor/kb/translations", supervisor, 422, 0},
	{"GET", "/supervisor/kb/translations/{tid}", "/supervisor/kb/translations/999999", supervisor, 404, 0},
	{"POST", "/supervisor/kb/translations/{tid}", "/supervisor/kb/translations/999999", supervisor, 422, 0},
	{"POST", "/supervisor/kb/proposals/{pid}/dismiss", "/supervisor/kb/proposals/999999/dismiss", supervisor, 404, 0},
	{"GET", "/kb/propose/{tid}", "/kb/propose/999999", rep, 404, 0},
	{"POST", "/kb/propose/{tid}", "/kb/propose/999999", rep, 404, 0},
	// --- end selfserve: knowledge base ---
	// Last: it ends each client's session.
	{"POST", "/logout", "/logout", public, 303, 0},
}

func TestRouteTableCoversEveryRoute(t *testing.T) {
	e := setup(t)
	inTable := map[string]bool{}
	for _, rt := range routeTable {
		inTable[rt.method+" "+rt.pattern] = true
	}
	err := chi.Walk(e.srv.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.ReplaceAll(route, "/*/", "/")
		if method == "" || !inTable[method+" "+route] {
			if !(route == "/metrics" && method != "GET") {
				return fmt.Errorf("route %s %s is not in routeTable", method, route)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoleRouteTable(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
		CustomerName: "Route Table", Subject: "Order missing", Body: "Where is my order?",
		Channel: "phone", Priority: tickets.PriorityNormal,
	})
	if err != nil || tk.ID != 1 {
		t.Fatalf("create ticket 1: %v (id %d)", err, tk.ID)
	}
	clients := map[string]*http.Client{"anonymous": e.client()}
	for _, r := range staff.Roles {
		clients[string(r)] = e.login(r)
	}
	for _, rt := range routeTable {
		for who, c := range clients {
			t.Run(rt.method+" "+rt.path+" as "+who, func(t *testing.T) {
				var res *response
				switch rt.method {
				case "GET":
					res = e.get(c, rt.path)
				case "POST":
					res = e.post(c, rt.path, nil)
				default:
					res = e.send(c, rt.method, rt.path, "", nil)
				}
				want := rt.ok
				switch {
				case rt.who == api:
					want = http.StatusUnauthorized
				case rt.who == public && who != "anonymous" && rt.okSignedIn != 0:
					want = rt.okSignedIn
				case rt.who == public:
				case who == "anonymous":
					want = http.StatusSeeOther
				case !staff.Role(who).AtLeast(minRole[rt.who]):
					want = http.StatusForbidden
				}
				if rt.path == "/logout" || (rt.path == "/tickets/1/take" && who == string(staff.RoleRep)) {
					want = http.StatusSeeOther // the rep made ticket 1: taking it changes nothing
				}
				if res.StatusCode != want {
					t.Fatalf("status %d, want %d", res.StatusCode, want)
				}
				if want == http.StatusSeeOther && who == "anonymous" && rt.who != public {
					if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
						t.Fatalf("redirect to %q, want the login page", loc)
					}
				}
			})
		}
	}
}
