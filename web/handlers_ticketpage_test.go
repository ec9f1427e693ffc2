package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// errorSummary returns the error summary of a page ("" when it has none).
func errorSummary(body string) string {
	return regexp.MustCompile(`(?s)<div class="error-summary"[^>]*>.*?</ul>`).FindString(body)
}

// wantSummary checks that a refused form's page has a focusable, announced
// error summary at the top holding texts, each entry a link to an element
// of the page.
func wantSummary(t *testing.T, res *response, status int, texts ...string) string {
	t.Helper()
	wantCode(t, res, status)
	sum := errorSummary(res.Body)
	if sum == "" {
		t.Fatalf("no error summary on the page:\n%s", res.Body)
	}
	for _, attr := range []string{`role="alert"`, `tabindex="-1"`, ` autofocus`} {
		if !strings.Contains(sum, attr) {
			t.Errorf("error summary lacks %s: %s", attr, sum)
		}
	}
	if i := strings.Index(res.Body, `<div class="error-summary"`); i > strings.Index(res.Body, "<h1") {
		t.Error("the error summary comes after the page heading")
	}
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(sum, -1) {
		if !strings.Contains(res.Body, `id="`+m[1]+`"`) {
			t.Errorf("summary links to #%s, which is not on the page", m[1])
		}
	}
	wantHTML(t, sum, texts...)
	return sum
}

// returnedEscalation is a ticket the rep owns whose escalation a senior has
// handed back: the rep's follow-up with the customer is open.
func (e *env) returnedEscalation(subject string) tickets.Ticket {
	e.t.Helper()
	ctx := context.Background()
	senior := e.users[staff.RoleSenior]
	x := e.escalateNew(subject, userTarget(senior), "billing_adjustment")
	if err := e.esc.Accept(ctx, senior, x.escID); err != nil {
		e.t.Fatal(err)
	}
	if err := e.esc.Return(ctx, senior, x.escID, "Refund made; call the customer."); err != nil {
		e.t.Fatal(err)
	}
	return e.ticket(x.ticketID)
}

func (e *env) ticket(id int64) tickets.Ticket {
	e.t.Helper()
	sup := e.users[staff.RoleSupervisor]
	tk, err := e.tickets.Get(context.Background(), actorOf(&sup), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

// TestTicketPageErrorSummaries: every refused form of the ticket page (and
// the intake form) shows the error summary at the top, each entry a link to
// its field; the close guard's refusal names what is open and links to it.
func TestTicketPageErrorSummaries(t *testing.T) {
	e := setup(t)
	rep, senior := e.users[staff.RoleRep], e.users[staff.RoleSenior]
	fi := loc(e, rep)
	c := e.login(staff.RoleRep)

	// Send and set solved with the follow-up open: refused, the reply kept.
	tk := e.returnedEscalation("Charged twice")
	path := ticketURLOf(tk.ID)
	res := e.post(c, path+"/replies", url.Values{"kind": {"public"}, "body": {"Hyvitys on tehty."}, "set_status": {"solved"}})
	sum := wantSummary(t, res, http.StatusConflict, fi.T("ui_summary_blocked"), fi.T("ui_summary_reply_kept"), `href="#follow-up"`, rep.Name)
	if strings.Contains(sum, fi.T("error_follow_up_required")) {
		t.Error("the summary repeats the generic refusal beside the named follow-up")
	}
	wantHTML(t, res.Body, "Hyvitys on tehty.", `id="reply-status-error"`)
	if strings.Contains(res.Body, `id="f-body" name="body" rows="8" required aria-invalid="true"`) {
		t.Error("the reply text is marked invalid, but solving was refused, not the text")
	}

	// The same from the status field.
	res = e.post(c, path+"/properties", url.Values{"version": {strconv.Itoa(tk.Version)}, "status": {"solved"},
		"priority": {"normal"}, "team_id": {strconv.FormatInt(tk.TeamID, 10)}})
	wantSummary(t, res, http.StatusConflict, fi.T("ui_summary_blocked"), `href="#follow-up"`)
	wantHTML(t, res.Body, `id="f-status-error"`)

	// An open escalation: named with its target, linked to its row.
	x := e.escalateNew("Still with a senior", userTarget(senior), "billing_adjustment")
	res = e.post(c, ticketURLOf(x.ticketID)+"/replies", url.Values{"kind": {"public"}, "body": {"Odota hetki."}, "set_status": {"solved"}})
	wantSummary(t, res, http.StatusConflict, fi.T("ui_blocker_escalation", "Target", senior.Name), `href="#esc-`+strconv.FormatInt(x.escID, 10)+`"`)

	// A reply without text: the summary links to the text area.
	res = e.post(c, path+"/replies", url.Values{"kind": {"public"}, "body": {" "}})
	wantSummary(t, res, http.StatusUnprocessableEntity, fi.T("ui_summary_title"), `href="#f-body"`)

	// An escalation without a target or reason: the form's disclosure is open.
	other := e.repTicket("Parcel lost", "Aino", "aino@example.fi", "fi")
	res = e.post(c, ticketURLOf(other.ID)+"/escalate", url.Values{"kind": {"escalation"}, "note": {"Apua"}, "urgency": {"normal"}})
	wantSummary(t, res, http.StatusUnprocessableEntity, `href="#f-esc-target"`, `href="#f-esc-reason"`)
	if !regexp.MustCompile(`<details class="disclosure" id="escalate" open`).MatchString(res.Body) {
		t.Error("the escalate form stays folded away although it has errors")
	}
	if res := e.get(c, ticketURLOf(other.ID)); regexp.MustCompile(`<details class="disclosure" id="escalate" open`).MatchString(res.Body) ||
		errorSummary(res.Body) != "" {
		t.Error("a plain ticket page opens the escalate form or shows an error summary")
	}

	// Merge into a ticket that does not exist; link to nothing.
	res = e.post(c, ticketURLOf(other.ID)+"/merge", url.Values{"target": {"#999999"}})
	wantSummary(t, res, http.StatusUnprocessableEntity, `href="#f-merge-target"`)
	res = e.post(c, ticketURLOf(other.ID)+"/links", url.Values{"kind": {"related"}, "other": {"abc"}})
	wantSummary(t, res, http.StatusUnprocessableEntity, `href="#f-link-other"`)

	// The follow-up recorded without an answer.
	res = e.post(c, path+"/follow-up", url.Values{"method": {"phone"}})
	wantSummary(t, res, http.StatusUnprocessableEntity, `href="#confirmed-yes"`)

	// Take it on a ticket someone else owns: the confirmation is listed.
	sup := e.login(staff.RoleSupervisor)
	res = e.post(sup, path+"/take", nil)
	wantSummary(t, res, http.StatusConflict, `href="#take-confirm"`)

	// The intake form.
	res = e.post(c, "/tickets", url.Values{"customer_name": {"Aino"}, "channel": {"phone"}, "priority": {"normal"}})
	sum = wantSummary(t, res, http.StatusUnprocessableEntity, `href="#f-subject"`, `href="#f-body"`)
	if strings.Index(sum, "#f-subject") > strings.Index(sum, "#f-body") {
		t.Error("the summary does not follow the order of the fields")
	}
	if strings.Contains(res.Body, `autofocus aria-invalid`) || strings.Count(res.Body, "autofocus") != 1 {
		t.Error("the refused intake form focuses something besides the summary")
	}
}

// TestTicketPageOwnerByRole: reps see the owner with Take it, supervisors
// and admins choose the owner (and cannot choose nobody once a ticket has one).
func TestTicketPageOwnerByRole(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	fi, hi := loc(e, rep), loc(e, sup)
	c, s := e.login(staff.RoleRep), e.login(staff.RoleSupervisor)
	owned := e.escalateNew("Owned by the rep", "supervisors", "complaint") // the rep owns it
	web, _, err := e.tickets.CreatePublic(ctx, tickets.NewPublicTicket{Name: "Minh", Email: "minh@example.vn", Subject: "Where is it?", Message: "Order 1001?", Locale: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	// Someone else's ticket: the rep sees the owner as text and Take it.
	supTicket, _, err := e.tickets.Create(ctx, actorOf(&sup), tickets.NewTicket{CustomerName: "Priya", Subject: "Supervisor's call", Body: "Call back.", Channel: "walk_in", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	res := e.get(c, ticketURLOf(supTicket.ID))
	wantCode(t, res, http.StatusOK)
	if strings.Contains(res.Body, `name="owner_id"`) {
		t.Error("a rep is offered the owner select")
	}
	wantHTML(t, res.Body, `id="owner-row"`, sup.Name, `form="take-form"`, `<form id="take-form" method="post" action="`+ticketURLOf(supTicket.ID)+`/take">`, fi.T("ui_status_owner_title"),
		fi.T("ui_taken_walk_in", "Name", sup.Name))
	// The status card comes first in the sidebar.
	if a, p := strings.Index(res.Body, `<aside class="sidebar">`), strings.Index(res.Body, `id="props"`); p < a || strings.Count(res.Body[a:p], "<section") != 1 {
		t.Error("the Status & owner card is not the first in the sidebar")
	}
	// The rep's properties form has no owner field: saving leaves the owner.
	res = e.post(c, ticketURLOf(supTicket.ID)+"/properties", url.Values{"version": {strconv.Itoa(supTicket.Version)}, "status": {"open"},
		"priority": {"high"}, "team_id": {strconv.FormatInt(supTicket.TeamID, 10)}})
	wantCode(t, res, http.StatusSeeOther)
	if got := e.ticket(supTicket.ID); got.OwnerID != sup.ID || got.Priority != tickets.PriorityHigh {
		t.Fatalf("after the rep's save: owner %d priority %v, want %d high", got.OwnerID, got.Priority, sup.ID)
	}
	// A rep giving a ticket away by hand is refused, beside the owner.
	tk := e.ticket(owned.ticketID)
	res = e.post(c, ticketURLOf(tk.ID)+"/properties", url.Values{"version": {strconv.Itoa(tk.Version)}, "status": {string(tk.Status)},
		"priority": {"normal"}, "team_id": {strconv.FormatInt(tk.TeamID, 10)}, "owner_id": {strconv.FormatInt(sup.ID, 10)}})
	wantSummary(t, res, http.StatusUnprocessableEntity, fi.T("error_owner_use_take"), `href="#owner-row"`)

	// The supervisor chooses; "nobody" only while nobody owns the ticket.
	res = e.get(s, ticketURLOf(owned.ticketID))
	wantHTML(t, res.Body, `<select id="f-owner_id" name="owner_id"`)
	if strings.Contains(res.Body, html.EscapeString(hi.T("owner_none"))) {
		t.Error("an owned ticket offers 'nobody' as its owner")
	}
	res = e.get(s, ticketURLOf(web.ID))
	wantHTML(t, res.Body, `<select id="f-owner_id" name="owner_id"`, hi.T("owner_none"), hi.T("message_from_customer"))
	for _, k := range []string{"ui_taken_by_phone", "ui_taken_walk_in", "ui_taken_by"} {
		if strings.Contains(res.Body, html.EscapeString(hi.T(k, "Name", ""))) {
			t.Errorf("a web-form ticket's message is labelled %s", k)
		}
	}
	tk = e.ticket(owned.ticketID)
	res = e.post(s, ticketURLOf(tk.ID)+"/properties", url.Values{"version": {strconv.Itoa(tk.Version)}, "status": {string(tk.Status)},
		"priority": {"normal"}, "team_id": {strconv.FormatInt(tk.TeamID, 10)}, "owner_id": {""}})
	wantSummary(t, res, http.StatusUnprocessableEntity, hi.T("error_owner_required"), `href="#f-owner_id"`)
	// A phone ticket's first message is the rep's note of the call.
	res = e.get(s, ticketURLOf(owned.ticketID))
	wantHTML(t, res.Body, hi.T("ui_taken_by_phone", "Name", rep.Name), "message-taken")
}

// TestTakeFromQueue: Take it in a queue row takes the ticket and goes back to
// the queue page the rep was on; a ticket someone else owns asks first.
func TestTakeFromQueue(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	rep, sup := e.users[staff.RoleRep], e.users[staff.RoleSupervisor]
	fi := loc(e, rep)
	c := e.login(staff.RoleRep)
	web, _, err := e.tickets.CreatePublic(ctx, tickets.NewPublicTicket{Name: "Minh", Email: "minh@example.vn", Subject: "Where is it?", Message: "Order 1001?", Locale: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	queue := "/queue/team?priority=normal"
	res := e.get(c, queue)
	wantCode(t, res, http.StatusOK)
	wantHTML(t, res.Body, `action="`+ticketURLOf(web.ID)+`/take"`, `name="return" value="`+html.EscapeString(queue)+`"`,
		`aria-label="`+html.EscapeString(fi.T("ui_queue_take_label", "Number", web.ID))+`"`)

	res = e.post(c, ticketURLOf(web.ID)+"/take", url.Values{"return": {queue}})
	wantCode(t, res, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != queue {
		t.Fatalf("after Take it: Location %q, want %q", got, queue)
	}
	if got := e.ticket(web.ID); got.OwnerID != rep.ID {
		t.Fatalf("owner after Take it: %d, want %d", got.OwnerID, rep.ID)
	}
	if res := e.get(c, queue); !strings.Contains(res.Body, html.EscapeString(fi.T("flash_taken", "Owner", rep.Name))) {
		t.Error("the queue page does not say the ticket was taken")
	}
	// My own ticket has no Take it; taking it again changes nothing and
	// returns only to local queue pages.
	if res := e.get(c, "/queue/mine"); strings.Contains(res.Body, `action="`+ticketURLOf(web.ID)+`/take"`) {
		t.Error("my own ticket offers Take it")
	}
	for _, bad := range []string{"//evil.example/queue/team", "https://evil.example/queue/team", "/queue/../admin", "/tickets/1",
		`/\evil.example`, "/queue/team/../../admin", "/%2fevil.example", "javascript:alert(1)", "/queue/team\t"} {
		res := e.post(c, ticketURLOf(web.ID)+"/take", url.Values{"return": {bad}})
		wantCode(t, res, http.StatusSeeOther)
		if got := res.Header.Get("Location"); got != ticketURLOf(web.ID) {
			t.Errorf("return %q: Location %q, want the ticket", bad, got)
		}
	}
	// Someone else's ticket: the ticket page asks first, then goes back.
	theirs, _, err := e.tickets.Create(ctx, actorOf(&sup), tickets.NewTicket{CustomerName: "Priya", Subject: "Supervisor's call", Body: "Call back.", Channel: "phone", Priority: tickets.PriorityNormal})
	if err != nil {
		t.Fatal(err)
	}
	res = e.post(c, ticketURLOf(theirs.ID)+"/take", url.Values{"return": {"/queue/all?status=any"}})
	wantSummary(t, res, http.StatusConflict, `href="#take-confirm"`)
	wantHTML(t, res.Body, `name="return" value="/queue/all?status=any"`, `href="/queue/all?status=any"`)
	res = e.post(c, ticketURLOf(theirs.ID)+"/take", url.Values{"return": {"/queue/all?status=any"}, "confirm": {"yes"}})
	wantCode(t, res, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != "/queue/all?status=any" {
		t.Errorf("after confirming: Location %q", got)
	}
	if got := e.ticket(theirs.ID); got.OwnerID != rep.ID {
		t.Fatalf("owner after taking over: %d, want %d", got.OwnerID, rep.ID)
	}
}

func TestQueueReturn(t *testing.T) {
	for raw, want := range map[string]string{
		"":                             "",
		"/queue/mine":                  "/queue/mine",
		"/queue/team?priority=high":    "/queue/team?priority=high",
		"/queue/all?status=any&after=": "/queue/all?after=&status=any",
		"/queue/all?<script>":          "/queue/all?%3Cscript%3E=",
		"/queue/":                      "",
		"/queue/mine/":                 "",
		"/queue//mine":                 "",
		"/queue/%6dine":                "",
		"//queue/mine":                 "",
		"http:/queue/mine":             "",
		"/queue/mine\n":                "",
		"/Queue/mine":                  "",
	} {
		if got := queueReturn(raw); got != want {
			t.Errorf("queueReturn(%q) = %q, want %q", raw, got, want)
		}
	}
}
