package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// holdAll parks every queued mail as the dispatcher does when no SMTP is configured.
func (e *env) holdAll() {
	e.t.Helper()
	if _, err := e.srv.db.Exec(e.t.Context(), `UPDATE outbox SET status = 'held' WHERE status = 'queued'`); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) outboxStatus(id int64) string {
	e.t.Helper()
	var st string
	if err := e.srv.db.QueryRow(e.t.Context(), `SELECT status FROM outbox WHERE id = $1`, id).Scan(&st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

func TestAdminOutboxListsHeldMailAndRetries(t *testing.T) {
	e := setup(t)
	f := helpForm()
	f.Set("locale", "fi")
	token := e.submitHelp(e.client(), f)
	tk, _ := e.tickets.TicketByToken(t.Context(), token)
	e.holdAll()
	var id int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT id FROM outbox WHERE ticket_id = $1`, tk.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}

	admin := e.login(staff.RoleAdmin) // English
	page := e.get(admin, "/admin/outbox?status=held")
	if page.StatusCode != 200 {
		t.Fatalf("outbox page: %d", page.StatusCode)
	}
	fi := e.srv.cat.Localizer("fi")
	for _, want := range []string{
		"minh.anh@example.com",
		"Held",
		fi.T("mail_confirmation_subject", "Number", tk.ID, "Subject", tk.Subject), // as the customer will get it
		e.srv.cat.Localizer("en").T("outbox_link_at_send"),                        // the link is made only when it is sent
	} {
		if !strings.Contains(page.Body, htmlEscape(want)) {
			t.Errorf("outbox page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "/status/") {
		t.Error("the outbox page shows a status link before anyone asked for one")
	}
	// To send it by hand, an admin asks for the mail with its link: a new
	// link that opens the ticket, shown once, audited; the mail stays held.
	shown := e.post(admin, fmt.Sprintf("/admin/outbox/%d/reveal", id), nil)
	link := regexp.MustCompile(`http://127\.0\.0\.1/status/([A-Za-z0-9_-]{32})`).FindStringSubmatch(shown.Body)
	if shown.StatusCode != 200 || link == nil || link[1] == token {
		t.Fatalf("reveal: %d, link %v", shown.StatusCode, link)
	}
	if got, err := e.tickets.TicketByToken(t.Context(), link[1]); err != nil || got.ID != tk.ID {
		t.Fatalf("revealed link opens %d, %v", got.ID, err)
	}
	if shown.Header.Get("Cache-Control") != "no-store" {
		t.Error("a page with a status link may be cached")
	}
	var revealed int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE subject_type = 'outbox' AND subject_id = $1 AND action = 'outbox.link_revealed'`, id).Scan(&revealed); err != nil || revealed != 1 {
		t.Fatalf("reveal events: %d, %v", revealed, err)
	}
	if again := e.get(admin, "/admin/outbox?status=held"); strings.Contains(again.Body, link[1]) || !strings.Contains(again.Body, "minh.anh@example.com") {
		t.Error("the link is shown again, or the mail left the held list")
	}
	if !strings.Contains(page.Body, fmt.Sprintf(`action="/admin/outbox/%d/retry"`, id)) {
		t.Error("no retry button for the held mail")
	}
	if sent := e.get(admin, "/admin/outbox?status=sent"); strings.Contains(sent.Body, "minh.anh@example.com") {
		t.Error("the sent filter lists a held mail")
	}
	if bad := e.get(admin, "/admin/outbox?status=bogus"); bad.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad status filter: %d", bad.StatusCode)
	}
	if bad := e.get(admin, "/admin/outbox?before=x"); bad.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d", bad.StatusCode)
	}

	// Only admins see or retry the outbox.
	for _, role := range []staff.Role{staff.RoleRep, staff.RoleSupervisor} {
		c := e.login(role)
		if res := e.get(c, "/admin/outbox"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s sees the outbox: %d", role, res.StatusCode)
		}
		if res := e.post(c, fmt.Sprintf("/admin/outbox/%d/retry", id), nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s retries a mail: %d", role, res.StatusCode)
		}
	}
	if st := e.outboxStatus(id); st != "held" {
		t.Fatalf("after refused retries: %s", st)
	}

	res := e.post(admin, fmt.Sprintf("/admin/outbox/%d/retry", id), url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/outbox" {
		t.Fatalf("retry: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st := e.outboxStatus(id); st != "queued" {
		t.Fatalf("after retry: %s, want queued", st)
	}
	if page := e.get(admin, "/admin/outbox"); !strings.Contains(page.Body, "The mail is queued again") {
		t.Error("no flash after retry")
	}
	if res := e.post(admin, fmt.Sprintf("/admin/outbox/%d/retry", id), nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("retry of a queued mail: %d, want 409", res.StatusCode)
	}
	if res := e.post(admin, "/admin/outbox/abc/retry", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("retry of a bad id: %d, want 404", res.StatusCode)
	}
}

func TestAdminOutboxPages(t *testing.T) {
	e := setup(t)
	for i := range 3 {
		f := helpForm()
		f.Set("email", fmt.Sprintf("c%d@example.com", i))
		e.submitHelp(e.client(), f)
	}
	e.holdAll()
	admin := e.login(staff.RoleAdmin)
	// The page holds 50 rows; follow the keyset cursor by hand: older than the newest.
	var newest int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT max(id) FROM outbox`).Scan(&newest); err != nil {
		t.Fatal(err)
	}
	page := e.get(admin, fmt.Sprintf("/admin/outbox?before=%d", newest))
	if strings.Contains(page.Body, "c2@example.com") || !strings.Contains(page.Body, "c1@example.com") || !strings.Contains(page.Body, "c0@example.com") {
		t.Fatal("the before cursor does not page by id")
	}
}

func TestBrowserAdminOutbox(t *testing.T) {
	e := setup(t)
	f := helpForm()
	f.Set("locale", "hi")
	e.submitHelp(e.client(), f)
	e.holdAll()
	f.Set("email", "failing@example.com")
	f.Set("locale", "en")
	e.submitHelp(e.client(), f)
	if _, err := e.srv.db.Exec(t.Context(), `UPDATE outbox SET status = 'failed', attempts = 12,
		last_error = 'smtp mail from: 451 4.3.0 Mailbox temporarily unavailable', last_attempt_at = now() WHERE status = 'queued'`); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	en := e.srv.cat.Localizer("en")
	admin := e.users[staff.RoleAdmin]
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/admin/outbox"),
		chromedp.WaitVisible(heading(en.T("login_title"))),
		chromedp.SendKeys(byLabel(en.T("login_email")), admin.Email),
		chromedp.SendKeys(byLabel(en.T("login_password")), testPassword),
		chromedp.Click(button(en.T("login_submit"))),
		chromedp.WaitVisible(heading(en.T("outbox_title"))),
		chromedp.Click(`//tr[contains(., "minh.anh@example.com")]//summary`),
	)
	if err != nil {
		t.Fatalf("admin outbox: %v", err)
	}
	screenshot(t, ctx, "admin-outbox.png")
	err = chromedp.Do(ctx,
		chromedp.Click(`//tr[contains(., "minh.anh@example.com")]//button`),
		chromedp.WaitVisible(`//*[contains(@class,"flash") and contains(., "queued again")]`),
	)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
}
