package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// heldMail files a mail that fails DMARC at our MX, so it is held.
func heldMail(t *testing.T, e *env, id, subject string) {
	t.Helper()
	raw := "Authentication-Results: mx.desk.example; spf=fail smtp.mailfrom=bank.example; dmarc=fail (p=reject dis=reject) header.from=bank.example\r\n" +
		"From: Bank <security@bank.example>\r\nTo: help@desk.example\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + "@bank.example>\r\n\r\nVerify now.\r\n"
	res, err := e.srv.mailDesk.Receive(context.Background(), []byte(raw))
	if err != nil || res.Outcome != mailin.HeldOutcome {
		t.Fatalf("held mail: %+v, %v", res, err)
	}
}

func TestSpamViewReleaseAndDelete(t *testing.T) {
	t.Parallel()
	e := setup(t)
	heldMail(t, e, "f1", "Verify your account")
	heldMail(t, e, "f2", "Second phish")
	rep := e.login(staff.RoleRep) // Finnish
	fi := e.srv.cat.Localizer("fi")
	page := e.get(rep, "/spam")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Verify your account") || !strings.Contains(page.Body, fi.T("spam_reason_dmarc")) ||
		!strings.Contains(page.Body, "DMARC: "+fi.T("mailauth_fail")) {
		t.Fatalf("spam page: %d\n%s", page.StatusCode, page.Body)
	}
	held, _, err := e.srv.mailDesk.Spam().Held(context.Background(), tickets.Actor{SeeAll: true}, nil, 10)
	if err != nil || len(held) != 2 {
		t.Fatal(held, err)
	}
	byID := map[string]int64{}
	for _, h := range held {
		byID[h.Subject] = h.ID
	}
	res := e.post(rep, "/spam/"+idString(byID["Verify your account"])+"/release", url.Values{})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/tickets/") {
		t.Fatalf("release: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	ticket := e.get(rep, res.Header.Get("Location"))
	if !strings.Contains(ticket.Body, "Verify now.") || !strings.Contains(ticket.Body, "DMARC: "+fi.T("mailauth_fail")) {
		t.Errorf("the released ticket does not show the mail and its failed check:\n%s", ticket.Body)
	}
	if res := e.post(rep, "/spam/"+idString(byID["Second phish"])+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if page := e.get(rep, "/spam"); !strings.Contains(page.Body, fi.T("spam_empty")) {
		t.Errorf("spam page after release and delete:\n%s", page.Body)
	}
	var n int
	if err := e.srv.db.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE subject_type = 'mail_spam' AND actor_id = $1`, e.users[staff.RoleRep].ID).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d events by the rep, %v", n, err)
	}
}

func TestBlockListAdmin(t *testing.T) {
	t.Parallel()
	e := setup(t)
	admin := e.login(staff.RoleAdmin)
	en := e.srv.cat.Localizer("en")
	res := e.post(admin, "/admin/mail-blocks", url.Values{"pattern": {"not a domain"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, en.T("spam_error_pattern")) || !strings.Contains(res.Body, `value="not a domain"`) {
		t.Fatalf("bad pattern: %d\n%s", res.StatusCode, res.Body)
	}
	if res := e.post(admin, "/admin/mail-blocks", url.Values{"pattern": {"@Junk.Example"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", res.StatusCode, res.Body)
	}
	page := e.get(admin, "/admin/mail-blocks")
	if !strings.Contains(page.Body, "<th scope=\"row\">junk.example</th>") {
		t.Fatalf("block list:\n%s", page.Body)
	}
	if res := e.post(admin, "/admin/mail-blocks", url.Values{"pattern": {"junk.example"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Body, en.T("spam_error_listed")) {
		t.Errorf("listed twice: %d", res.StatusCode)
	}
	// Mail from the domain is held now.
	res2, err := e.srv.mailDesk.Receive(context.Background(), []byte("From: x@junk.example\r\nSubject: hi\r\nMessage-ID: <j1@junk.example>\r\n\r\nbuy\r\n"))
	if err != nil || res2.Held != mailin.ReasonBlocked {
		t.Fatalf("mail from a blocked domain: %+v, %v", res2, err)
	}
	blocks, _ := e.srv.mailDesk.Spam().Blocks(context.Background())
	if res := e.post(admin, "/admin/mail-blocks/"+idString(blocks[0].ID)+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if page := e.get(admin, "/admin/mail-blocks"); !strings.Contains(page.Body, en.T("spam_blocks_empty")) {
		t.Error("the entry is still listed")
	}
	// Reps cannot reach the block list.
	if res := e.get(e.login(staff.RoleRep), "/admin/mail-blocks"); res.StatusCode != http.StatusForbidden {
		t.Errorf("rep: %d", res.StatusCode)
	}
}

// TestBrowserSpamRelease releases a held mail in Chromium, by the button's
// accessible name, and lands on its new ticket.
func TestBrowserSpamRelease(t *testing.T) {
	e := setup(t)
	heldMail(t, e, "b1", "Please verify")
	ctx := browserLogin(t, e, e.users[staff.RoleSupervisor]) // Hindi
	hi := e.srv.cat.Localizer("hi")
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/spam"),
		chromedp.WaitVisible(heading(hi.T("spam_title"))),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "mailin2-spam.png")
	label := hi.T("spam_release_label", "Subject", "Please verify", "From", "security@bank.example")
	if err := chromedp.Do(ctx, clickTo(`//button[@aria-label=`+strconvQuote(label)+`]`, "/tickets/")); err != nil {
		t.Fatal(err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "Verify now.") {
		t.Errorf("released ticket page: %s", text)
	}
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

// TestSpamViewOnlyTheRepsTeams: a rep of another team neither lists the
// intake team's held mail nor releases or deletes it (404).
func TestSpamViewOnlyTheRepsTeams(t *testing.T) {
	t.Parallel()
	e := setup(t)
	heldMail(t, e, "t1", "Payroll question")
	u, err := e.staff.Create(context.Background(), 0, staff.NewUser{Email: "legal@example.com", Name: "Legal rep", Role: staff.RoleRep,
		Team: "Legal", Locale: "en", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	if res := e.post(c, "/login", url.Values{"email": {u.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	if page := e.get(c, "/spam"); page.StatusCode != 200 || strings.Contains(page.Body, "Payroll question") {
		t.Errorf("a rep of another team lists the held mail: %d", page.StatusCode)
	}
	held, _, err := e.srv.mailDesk.Spam().Held(context.Background(), tickets.Actor{SeeAll: true}, nil, 10)
	if err != nil || len(held) != 1 {
		t.Fatal(held, err)
	}
	for _, action := range []string{"release", "delete"} {
		if res := e.post(c, "/spam/"+idString(held[0].ID)+"/"+action, url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s by a rep of another team: %d", action, res.StatusCode)
		}
	}
	if page := e.get(e.login(staff.RoleRep), "/spam"); !strings.Contains(page.Body, "Payroll question") {
		t.Error("the intake team's rep does not list it")
	}
}
