package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// addCanned saves a canned reply as the test supervisor.
func (e *env) addCanned(teamID int64, locale, title, body string) tickets.CannedReply {
	e.t.Helper()
	sup := e.users[staff.RoleSupervisor]
	c, err := e.tickets.CreateCanned(context.Background(), actorOf(&sup), tickets.CannedDraft{TeamID: teamID, Locale: locale, Title: title, Body: body})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// htmx posts a form as htmx does from the page.
func (e *env) htmx(c *http.Client, path string, form url.Values) *response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	return e.do(c, req)
}

// textarea returns the reply box's text as the browser would show it.
func textarea(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `<textarea id="f-body"`)
	if !ok {
		t.Fatalf("no reply text area in:\n%s", body)
	}
	_, rest, _ = strings.Cut(rest, ">")
	text, _, _ := strings.Cut(rest, "</textarea>")
	return html.UnescapeString(text)
}

func wantIn(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) && !strings.Contains(body, html.EscapeString(w)) {
			t.Errorf("response lacks %q", w)
		}
	}
}

func TestCannedFormErrorsKeepInputAndRepsCannotWrite(t *testing.T) {
	e := setup(t)
	sup := e.login(staff.RoleSupervisor) // Hindi
	hi := e.srv.cat.Localizer("hi")

	long := strings.Repeat("लंबा ", 1001) // 5005 characters
	res := e.post(sup, "/canned", url.Values{"team_id": {""}, "locale": {"hi"}, "title": {"रिफ़ंड <समय>"}, "body": {long}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("long body: status %d", res.StatusCode)
	}
	wantIn(t, res.Body, "रिफ़ंड <समय>", hi.T("canned_error_body_long"), hi.T("error_invalid_form"), `aria-invalid="true"`)
	if !strings.Contains(res.Body, html.EscapeString(long)) {
		t.Error("the long body was not kept")
	}
	res = e.post(sup, "/canned", url.Values{"team_id": {"abc"}, "locale": {"de"}, "title": {""}, "body": {"Kept text"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad team, locale, title: status %d", res.StatusCode)
	}
	wantIn(t, res.Body, "Kept text", hi.T("error_required"), hi.T("error_locale_invalid"), hi.T("error_invalid_choice"))
	if n := e.count("canned_replies"); n != 0 {
		t.Fatalf("%d canned replies saved from bad forms", n)
	}

	// Reps read the list but cannot write, edit or archive.
	good := url.Values{"locale": {"fi"}, "title": {"Toimitusajat"}, "body": {"Toimitus kestää 2–4 päivää."}}
	rep := e.login(staff.RoleRep)
	if res := e.post(rep, "/canned", good); res.StatusCode != http.StatusForbidden {
		t.Fatalf("rep creates: status %d", res.StatusCode)
	}
	res = e.post(sup, "/canned", good)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/canned" {
		t.Fatalf("create: status %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	list, err := e.tickets.ListCanned(t.Context(), tickets.Actor{SeeAll: true, UserID: e.users[staff.RoleSupervisor].ID}, tickets.CannedFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("after create: %v %+v", err, list)
	}
	id := strconv.FormatInt(list[0].ID, 10)
	fi := e.srv.cat.Localizer("fi")
	page := e.get(rep, "/canned")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("rep list: status %d", page.StatusCode)
	}
	wantIn(t, page.Body, "Toimitusajat", "Toimitus kestää 2–4 päivää.")
	if strings.Contains(page.Body, fi.T("canned_new_heading")) || strings.Contains(page.Body, "/canned/"+id+"/archive") {
		t.Error("a rep is offered the form or the archive button")
	}
	if res := e.post(rep, "/canned/"+id, url.Values{"locale": {"fi"}, "title": {"x"}, "body": {"y"}, "version": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("rep edits: status %d", res.StatusCode)
	}
	if res := e.post(rep, "/canned/"+id+"/archive", nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("rep archives: status %d", res.StatusCode)
	}

	// Edit: the form comes filled in; a stale version is refused with the
	// input kept, the current one goes through.
	edit := e.get(sup, "/canned?edit="+id)
	wantIn(t, edit.Body, hi.T("canned_edit_heading"), `action="/canned/`+id+`"`, "Toimitus kestää 2–4 päivää.")
	res = e.post(sup, "/canned/"+id, url.Values{"locale": {"fi"}, "title": {"Toimitusajat"}, "body": {"Uusi teksti"}, "version": {"7"}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale edit: status %d", res.StatusCode)
	}
	wantIn(t, res.Body, "Uusi teksti", hi.T("canned_error_conflict"), `name="version" value="1"`)
	res = e.post(sup, "/canned/"+id, url.Values{"locale": {"fi"}, "title": {"Toimitusajat"}, "body": {"Uusi teksti"}, "version": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: status %d\n%s", res.StatusCode, res.Body)
	}
	if res := e.post(sup, "/canned/"+id+"/archive", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("archive: status %d", res.StatusCode)
	}
	if page := e.get(rep, "/canned"); strings.Contains(page.Body, "Uusi teksti") {
		t.Error("an archived reply is still listed")
	}
	if page := e.get(sup, "/canned?archived=1"); !strings.Contains(page.Body, "Uusi teksti") {
		t.Error("the archived reply is not listed among the archived")
	}
	var events int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE subject_type = 'canned_reply'`).Scan(&events); err != nil || events != 3 {
		t.Fatalf("%d canned reply events (%v), want created, edited, archived", events, err)
	}
}

func TestCannedTicketPrefillWithoutJavaScript(t *testing.T) {
	e := setup(t)
	tk := e.repTicket("Missä paketti?", "Aino Äijälä", "aino@example.fi", "fi")
	delivery := tk.TeamID
	fiReply := e.addCanned(0, "fi", "Toimitusaika", "Hei {{customer_name}}, tikettinne {{ticket_number}} on työn alla. T. {{agent_name}}")
	enReply := e.addCanned(delivery, "en", "Delivery times", "Deliveries take 2–4 days.")
	// A reply of another team is not offered on this ticket.
	var otherTeam int64
	if err := e.srv.db.QueryRow(t.Context(), `INSERT INTO teams (name) VALUES ('Billing') RETURNING id`).Scan(&otherTeam); err != nil {
		t.Fatal(err)
	}
	billingReply := e.addCanned(otherTeam, "fi", "Laskun kopio", "Laskun kopio")

	rep := e.login(staff.RoleRep)
	fi := e.srv.cat.Localizer("fi")
	path := "/tickets/" + strconv.FormatInt(tk.ID, 10)
	page := e.get(rep, path)
	wantIn(t, page.Body, fi.T("canned_picker_label"), "Toimitusaika", "Delivery times", `formmethod="get"`)
	if strings.Contains(page.Body, "Laskun kopio") {
		t.Error("another team's canned reply is offered")
	}
	// The customer's language (Finnish) comes first.
	if strings.Index(page.Body, "Toimitusaika") > strings.Index(page.Body, "Delivery times") {
		t.Error("the Finnish reply is not listed first for a Finnish customer")
	}

	// Insert into an empty box: the reply alone, placeholders filled.
	q := url.Values{"kind": {"public"}, "canned": {strconv.FormatInt(fiReply.ID, 10)}, "body": {""}}
	res := e.get(rep, path+"?"+q.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("prefill: status %d", res.StatusCode)
	}
	want := "Hei Aino Äijälä, tikettinne #" + strconv.FormatInt(tk.ID, 10) + " on työn alla. T. " + e.users[staff.RoleRep].Name
	if got := textarea(t, res.Body); got != want {
		t.Fatalf("prefilled %q, want %q", got, want)
	}
	// With text typed: kept, the reply after a blank line; the kind kept.
	q.Set("body", "Hei,\r\nkiitos <viestistä>")
	q.Set("kind", "internal")
	q.Set("canned", strconv.FormatInt(enReply.ID, 10))
	res = e.get(rep, path+"?"+q.Encode())
	if got := textarea(t, res.Body); got != "Hei,\r\nkiitos <viestistä>\n\nDeliveries take 2–4 days." {
		t.Fatalf("appended %q", got)
	}
	if !strings.Contains(res.Body, `id="kind-internal" name="kind" value="internal" checked`) {
		t.Error("the internal-note choice was not kept")
	}
	// A reply not offered here, a bad id or no choice: 422, text kept, message beside the picker.
	for raw, msg := range map[string]string{
		strconv.FormatInt(billingReply.ID, 10): "canned_error_not_found",
		"999999":                               "canned_error_not_found",
		"abc":                                  "canned_error_not_found",
		"":                                     "canned_error_choose",
	} {
		q.Set("canned", raw)
		res = e.get(rep, path+"?"+q.Encode())
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("canned=%q: status %d", raw, res.StatusCode)
		}
		wantIn(t, res.Body, fi.T(msg))
		if got := textarea(t, res.Body); got != "Hei,\r\nkiitos <viestistä>" {
			t.Fatalf("canned=%q: text %q", raw, got)
		}
	}
	// The prefilled reply sends like any other.
	res = e.post(rep, path+"/replies", url.Values{"kind": {"public"}, "body": {want}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: status %d", res.StatusCode)
	}
	msgs, err := e.tickets.Messages(t.Context(), tk.ID, true)
	if err != nil || msgs[len(msgs)-1].Body != want {
		t.Fatalf("sent: %v %+v", err, msgs)
	}
}

func TestCannedInsertHTMXFragment(t *testing.T) {
	e := setup(t)
	tk := e.repTicket("Refund", "Trần Thị Mai", "mai@example.vn", "vi")
	c := e.addCanned(0, "vi", "Hoàn tiền", "Chào {{customer_name}}, tiền sẽ được hoàn trong 5 ngày.")
	rep := e.login(staff.RoleRep)
	path := "/tickets/" + strconv.FormatInt(tk.ID, 10) + "/canned"
	id := strconv.FormatInt(c.ID, 10)

	res := e.htmx(rep, path, url.Values{"canned": {id}, "body": {""}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if strings.Contains(res.Body, "<html") || !strings.HasPrefix(res.Body, `<textarea id="f-body" name="body"`) {
		t.Fatalf("not the text area fragment:\n%s", res.Body)
	}
	if got := textarea(t, res.Body); got != "Chào Trần Thị Mai, tiền sẽ được hoàn trong 5 ngày." {
		t.Fatalf("filled %q", got)
	}
	if !strings.Contains(res.Body, `id="canned-status"`) || !strings.Contains(res.Body, `hx-swap-oob="true"`) {
		t.Error("the picker's status is not updated out of band")
	}
	// What the rep typed is never lost.
	res = e.htmx(rep, path, url.Values{"canned": {id}, "body": {"Dear Mai,\n\n"}})
	if got := textarea(t, res.Body); got != "Dear Mai,\n\nChào Trần Thị Mai, tiền sẽ được hoàn trong 5 ngày." {
		t.Fatalf("appended %q", got)
	}
	fi := e.srv.cat.Localizer("fi")
	res = e.htmx(rep, path, url.Values{"canned": {""}, "body": {"Typed"}})
	if res.StatusCode != http.StatusUnprocessableEntity || textarea(t, res.Body) != "Typed" {
		t.Fatalf("no choice: status %d, text %q", res.StatusCode, textarea(t, res.Body))
	}
	wantIn(t, res.Body, fi.T("canned_error_choose"))
	// A plain post (no htmx) gets the whole page, filled in.
	res = e.post(rep, path, url.Values{"canned": {id}, "body": {""}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "<html") {
		t.Fatalf("plain post: status %d", res.StatusCode)
	}
	// Someone who cannot see the ticket gets nothing.
	other, err := e.staff.Create(t.Context(), 0, staff.NewUser{Email: "billing@example.com", Name: "Billing Rep", Role: staff.RoleRep,
		Team: "Billing", Locale: "en", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	oc := e.client()
	if res := e.post(oc, "/login", url.Values{"email": {other.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	if res := e.htmx(oc, path, url.Values{"canned": {id}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another team's rep: status %d", res.StatusCode)
	}
}
