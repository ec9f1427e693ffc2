package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// Malformed text at the edge (security issue #10, finding 6): NUL bytes,
// invalid UTF-8, control characters, line breaks in one-line fields and huge
// values are refused with the field's message (422) and the form comes back
// filled in, never a server error, and nothing is stored.

// newTicketForm is a valid rep intake form.
func newTicketForm() url.Values {
	return url.Values{"customer_name": {"Chi Nguyen"}, "customer_email": {"chi@example.vn"}, "subject": {"Order missing"},
		"body": {"Where is my order?"}, "channel": {"phone"}, "priority": {"normal"}, "idempotency_key": {"intake-1"}}
}

// with returns a copy of form with key set to value.
func with(form url.Values, key, value string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = append([]string(nil), v...)
	}
	out.Set(key, value)
	return out
}

func TestMalformedTextRefusedAtTheEdge(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(ctx, actorOf(&rep), tickets.NewTicket{
		CustomerName: "Route Table", Subject: "Order missing", Body: "Where is my order?", Channel: "phone", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := e.tickets.CreatePublic(ctx, tickets.NewPublicTicket{Name: "Minh Anh", Email: "minh@example.com",
		Subject: "Where is my order?", Message: "Order 1001 has not arrived.", Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(tk.ID, 10)
	clients := map[string]*http.Client{"anonymous": e.client()}
	for _, r := range staff.Roles {
		clients[string(r)] = e.login(r)
	}
	// The language each visitor sees messages in.
	lang := map[string]string{"anonymous": "en", "rep": "fi", "senior": "vi", "supervisor": "hi", "admin": "en"}
	staffForm := url.Values{"email": {"new@example.com"}, "name": {"New Person"}, "role": {"rep"}, "locale": {"en"},
		"time_zone": {"UTC"}, "password": {testPassword}}
	editForm := url.Values{"name": {"Test rep"}, "role": {"rep"}, "locale": {"fi"}, "time_zone": {"UTC"}, "active": {"1"}}
	huge := strings.Repeat("a", 100<<10) // within the form size limit, far beyond any field's
	tests := []struct {
		name, who, method, path string
		form                    url.Values
		status                  int
		field, msgID            string // the message beside the field
		keep                    string // input shown again (escaped); "" for none
	}{
		{"login: NUL in the email", "anonymous", "POST", "/login", url.Values{"email": {"rep@example.com\x00x"}, "password": {"x"}},
			422, "email", "error_text_invalid", "rep@example.com"},
		{"login: invalid UTF-8 in the email", "anonymous", "POST", "/login", url.Values{"email": {"rep\xff@example.com"}, "password": {"x"}},
			422, "email", "error_text_invalid", "@example.com"},
		{"login: a 100 KB email", "anonymous", "POST", "/login", url.Values{"email": {huge}, "password": {"x"}},
			422, "email", "error_too_long", huge[:1000]},
		{"login: a line break in the email", "anonymous", "POST", "/login", url.Values{"email": {"rep@example.com\r\nBcc: x@example.com"}, "password": {"x"}},
			422, "email", "error_text_one_line", "Bcc: x@example.com"},
		{"queue: NUL tag", "rep", "GET", "/queue/all?tag=%00&status=any", nil, 422, "tag", "error_tag_invalid", ""},
		{"queue: tag of invalid UTF-8", "rep", "GET", "/queue/mine?tag=%FF%FE&priority=high", nil, 422, "tag", "error_tag_invalid", ""},
		{"queue: NUL category", "rep", "GET", "/queue/team?category=%00", nil, 422, "category", "error_category_invalid", ""},
		{"queue: crafted cursor", "rep", "GET", "/queue/all?after=" + cursorOf("9223372036854775807|1|2|3"), nil, 422, "", "", ""}, // the existing bad-cursor answer
		{"search: NUL", "rep", "GET", "/search?q=order%00", nil, 422, "q", "error_text_invalid", "order"},
		{"search: escape sequence", "rep", "GET", "/search?q=%1B%5B2J", nil, 422, "q", "error_text_invalid", ""},
		{"new ticket: control characters in the subject", "rep", "POST", "/tickets", with(newTicketForm(), "subject", "Order\x1b[31m missing"),
			422, "subject", "error_text_invalid", "Chi Nguyen"},
		{"new ticket: line break in the customer's name", "rep", "POST", "/tickets", with(newTicketForm(), "customer_name", "Chi\r\nNguyen"),
			422, "customer_name", "error_text_one_line", "Where is my order?"},
		{"new ticket: NUL in the order reference", "rep", "POST", "/tickets", with(newTicketForm(), "order_ref", "A\x00B"),
			422, "order_ref", "error_text_invalid", "Order missing"},
		{"new ticket: bell in the body", "rep", "POST", "/tickets", with(newTicketForm(), "body", "ding\a"),
			422, "body", "error_text_invalid", "Order missing"},
		{"reply: NUL in the body", "rep", "POST", "/tickets/" + id + "/replies", url.Values{"kind": {"public"}, "body": {"Hello\x00"}},
			422, "body", "error_text_invalid", "Hello"},
		{"status page reply: control characters", "anonymous", "POST", "/status/" + token + "/reply", url.Values{"message": {"Hi\x1b]0;pwned\a"}},
			422, "message", "public_error_text_invalid", "Hi"},
		{"token name: control characters", "rep", "POST", "/settings/tokens", url.Values{"name": {"ci\x1b[2J"}},
			422, "name", "error_token_name_invalid", "ci"},
		{"token name: line break", "rep", "POST", "/settings/tokens", url.Values{"name": {"ci\nbot"}},
			422, "name", "error_token_name_invalid", "bot"},
		{"new staff: NUL in the name", "admin", "POST", "/admin/staff", with(staffForm, "name", "Ann\x00a"),
			422, "name", "error_text_invalid", "new@example.com"},
		{"new staff: invalid UTF-8 in the team", "admin", "POST", "/admin/staff", with(staffForm, "team", "Team\xc0"),
			422, "team", "error_text_invalid", "New Person"},
		{"staff edit: NUL in the name", "admin", "POST", "/admin/staff/" + strconv.FormatInt(rep.ID, 10), with(editForm, "name", "Test\x00rep"),
			422, "name", "error_text_invalid", "Test"},
		{"escalation: NUL in the note", "rep", "POST", "/tickets/" + id + "/escalate",
			url.Values{"kind": {"escalation"}, "target": {"supervisors"}, "reason": {"complaint"}, "note": {"Tried\x00"}, "urgency": {"normal"}},
			422, "note", "error_text_invalid", "Tried"},
		{"team: control characters in the name", "admin", "POST", "/admin/teams", url.Values{"name": {"Returns\x7f"}, "tier": {"1"}},
			422, "name", "error_text_invalid", "Returns"},
		{"announcement: line break in the title", "supervisor", "POST", "/supervisor/announcements", url.Values{"title": {"New\npolicy"}, "body": {"Text"}},
			422, "title", "error_text_one_line", "policy"},
		{"canned reply: NUL in the title", "supervisor", "POST", "/canned", url.Values{"locale": {"en"}, "title": {"Hi\x00"}, "body": {"Hello"}},
			422, "title", "error_text_invalid", "Hello"},
		{"saved view: control characters in the name", "rep", "POST", "/views", url.Values{"scope": {"mine"}, "view_name": {"mine\x1b"}, "query": {"status=open"}},
			303, "", "", ""}, // a flash message on the queue page
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.rowCounts()
			var res *response
			if tc.method == "GET" {
				res = e.get(clients[tc.who], tc.path)
			} else {
				res = e.post(clients[tc.who], tc.path, tc.form)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body:\n%.2000s", res.StatusCode, tc.status, res.Body)
			}
			if tc.msgID != "" {
				wantHTML(t, res.Body, e.srv.cat.Localizer(lang[tc.who]).T(tc.msgID))
				if !strings.Contains(res.Body, `id="f-`) || !strings.Contains(res.Body, `aria-invalid="true"`) {
					t.Error("no field marked invalid")
				}
			}
			if tc.keep != "" {
				wantHTML(t, res.Body, tc.keep)
			}
			if after := e.rowCounts(); after != before {
				t.Errorf("rows changed: %s -> %s", before, after)
			}
		})
	}
}

// cursorOf encodes a raw queue cursor as the queue pages do.
func cursorOf(raw string) string {
	return url.QueryEscape(base64.RawURLEncoding.EncodeToString([]byte(raw)))
}

// rowCounts counts the rows of the tables a refused form must not touch.
func (e *env) rowCounts() string {
	e.t.Helper()
	var s string
	err := e.srv.db.QueryRow(context.Background(), `
SELECT concat_ws(' ', (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages), (SELECT count(*) FROM customers),
       (SELECT count(*) FROM users), (SELECT count(*) FROM teams), (SELECT count(*) FROM api_tokens),
       (SELECT count(*) FROM escalations), (SELECT count(*) FROM announcements), (SELECT count(*) FROM canned_replies),
       (SELECT count(*) FROM saved_views), (SELECT count(*) FROM login_failures),
       (SELECT count(*) FROM events))`).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}
