package web

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/mailbox"
	"github.com/loopdesk/loopdesk/internal/staff"
)

// TestAdminEditsPausesAndResumesMailbox: the edit form comes back filled
// with its errors; an edit without a password keeps it; pause and resume
// show on the page (in Chromium, by the buttons' accessible names).
func TestAdminEditsPausesAndResumesMailbox(t *testing.T) {
	e := setup(t)
	var team int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT min(id) FROM teams`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	admin := e.users[staff.RoleAdmin]
	id, err := e.srv.mailboxes.Create(t.Context(), admin.ID, mailbox.NewMailbox{Host: "imap.example.com", Port: "993", Security: "tls",
		Username: "help@example.com", Password: "S3cret-app-pass", TeamID: team})
	if err != nil {
		t.Fatal(err)
	}
	c := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	path := "/admin/mailboxes/" + strconv.FormatInt(id, 10)
	form := e.get(c, path)
	if form.StatusCode != 200 || !strings.Contains(form.Body, `value="imap.example.com"`) || strings.Contains(form.Body, "S3cret-app-pass") {
		t.Fatalf("edit form: %d", form.StatusCode)
	}
	bad := url.Values{"host": {"imap.example.org"}, "port": {"99999"}, "security": {"tls"}, "username": {"help@example.com"}, "team_id": {strconv.FormatInt(team, 10)}}
	if res := e.post(c, path, bad); res.StatusCode != 422 || !strings.Contains(res.Body, en.T("mailbox_error_port")) || !strings.Contains(res.Body, `value="imap.example.org"`) {
		t.Fatalf("bad edit: %d", res.StatusCode)
	}
	bad.Set("port", "143")
	bad.Set("security", "starttls")
	// A new server without the password typed again: refused next to the
	// password field, the form filled (the saved password is never sent to
	// a server it was not typed for).
	if res := e.post(c, path, bad); res.StatusCode != 422 || !strings.Contains(res.Body, en.T("mailbox_error_password_again")) ||
		!strings.Contains(res.Body, `value="imap.example.org"`) || !strings.Contains(res.Body, `value="143"`) {
		t.Fatalf("new server without the password: %d", res.StatusCode)
	}
	bad.Set("password", "N3w-app-pass")
	if res := e.post(c, path, bad); res.StatusCode != 303 {
		t.Fatalf("edit: %d %s", res.StatusCode, res.Body)
	}
	m, err := e.srv.mailboxes.Get(t.Context(), id)
	if err != nil || m.Host != "imap.example.org" || m.Port != 143 || m.Security != mailbox.SecurityStartTLS {
		t.Fatalf("after the edit: %+v, %v", m, err)
	}

	ctx := browserLogin(t, e, admin)
	name := "help@example.com — imap.example.org:143 (INBOX)"
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/admin/mailboxes"),
		clickTo(`//button[@aria-label=`+strconvQuote(en.T("mailbox_pause_label", "Mailbox", name))+`]`, "/admin/mailboxes"),
		chromedp.WaitVisible(`//button[@aria-label=`+strconvQuote(en.T("mailbox_resume_label", "Mailbox", name))+`]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, en.T("mailbox_paused")) {
		t.Errorf("the page does not say the mailbox is paused:\n%s", text)
	}
	screenshot(t, ctx, "mailin2-mailboxes-paused.png")
	if m, _ := e.srv.mailboxes.Get(t.Context(), id); !m.Paused {
		t.Fatal("not paused")
	}
	err = chromedp.Do(ctx,
		clickTo(`//button[@aria-label=`+strconvQuote(en.T("mailbox_resume_label", "Mailbox", name))+`]`, "/admin/mailboxes"),
		chromedp.WaitVisible(`//button[@aria-label=`+strconvQuote(en.T("mailbox_pause_label", "Mailbox", name))+`]`),
		chromedp.Navigate(e.http.URL+path),
		chromedp.WaitVisible(byLabel(en.T("mailbox_host"))),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "mailin2-mailbox-edit.png")
	if m, _ := e.srv.mailboxes.Get(t.Context(), id); m.Paused {
		t.Fatal("not resumed")
	}
}

// a11yMailin2 adds a paused mailbox, a mail held in Spam and a ticket from
// an HTML mail, and names the pages that show them for the accessibility
// check: the mailbox's edit form, the Spam view, the ticket page.
func a11yMailin2(t *testing.T, e *env) []a11yPage {
	t.Helper()
	var team int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT min(id) FROM teams`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	admin := e.users[staff.RoleAdmin]
	id, err := e.srv.mailboxes.Create(t.Context(), admin.ID, mailbox.NewMailbox{Host: "imap.example.com", Port: "993", Security: "tls",
		Username: "a11y@example.com", Password: "app-password", TeamID: team})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.mailboxes.SetPaused(t.Context(), admin.ID, id, true); err != nil {
		t.Fatal(err)
	}
	heldMail(t, e, "a11y-held", "Verify your account")
	ticket := fileMail(t, e, hostileMail(t, "https://images.example"))
	return []a11yPage{
		{"/admin/mailboxes/" + strconv.FormatInt(id, 10), string(staff.RoleAdmin), 200},
		{"/spam", string(staff.RoleRep), 200},
		{ticketURLOf(ticket), string(staff.RoleAdmin), 200},
	}
}

// TestMailboxFailingNotificationLinksToMailboxes: the admins' bell names
// the failing mailbox notice and links to the Mailboxes page.
func TestMailboxFailingNotificationLinksToMailboxes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	admin := e.users[staff.RoleAdmin]
	if _, err := e.srv.db.Exec(t.Context(), `INSERT INTO notifications (user_id, kind, data, created_at) VALUES ($1, 'mailbox_failing', '{}', now())`, admin.ID); err != nil {
		t.Fatal(err)
	}
	en := e.srv.cat.Localizer("en")
	page := e.get(e.login(staff.RoleAdmin), "/notifications")
	if !strings.Contains(page.Body, en.T("notify_mailbox_failing")) || !strings.Contains(page.Body, `<a href="/admin/mailboxes">`+en.T("mailbox_title")+`</a>`) {
		t.Errorf("notifications page:\n%s", page.Body)
	}
}
