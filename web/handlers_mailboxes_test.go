package web

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

func TestAdminAddsAndRemovesMailbox(t *testing.T) {
	e := setup(t)
	admin := e.login(staff.RoleAdmin) // English
	var team int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT min(id) FROM teams`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	page := e.get(admin, "/admin/mailboxes")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "No mailboxes yet") {
		t.Fatalf("empty page: %d", page.StatusCode)
	}

	// A bad form: 422, input kept beside the errors, the password not echoed.
	bad := url.Values{"host": {"imap.example.com:993"}, "port": {"0"}, "security": {"tls"}, "username": {"help@example.com"},
		"password": {"S3cret-app-pass"}, "team_id": {strconv.FormatInt(team, 10)}}
	res := e.post(admin, "/admin/mailboxes", bad)
	if res.StatusCode != 422 {
		t.Fatalf("bad form: %d", res.StatusCode)
	}
	en := e.srv.cat.Localizer("en")
	for _, want := range []string{en.T("mailbox_error_host"), en.T("mailbox_error_port"), `value="help@example.com"`} {
		if !strings.Contains(res.Body, htmlEscape(want)) && !strings.Contains(res.Body, want) {
			t.Errorf("bad form page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "S3cret-app-pass") {
		t.Error("the password was sent back")
	}

	good := url.Values{"host": {"imap.example.com"}, "port": {"993"}, "security": {"tls"}, "username": {"help@example.com"},
		"password": {"S3cret-app-pass"}, "team_id": {strconv.FormatInt(team, 10)}, "folder": {"INBOX"}, "from_address": {"Help <help@example.com>"}}
	if res := e.post(admin, "/admin/mailboxes", good); res.StatusCode != 303 {
		t.Fatalf("add: %d", res.StatusCode)
	}
	page = e.get(admin, "/admin/mailboxes")
	if !strings.Contains(page.Body, "help@example.com — imap.example.com:993 (INBOX)") || !strings.Contains(page.Body, en.T("mailbox_never")) {
		t.Errorf("the mailbox is not listed with its health")
	}
	if strings.Contains(page.Body, "S3cret-app-pass") {
		t.Error("the page shows the password")
	}
	var sealed []byte
	var id int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT id, password_sealed FROM mailboxes`).Scan(&id, &sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "S3cret-app-pass") {
		t.Error("the password is stored readable")
	}
	// Health in plain words once the reader has failed.
	if _, err := e.srv.db.Exec(t.Context(), `UPDATE mailboxes SET failures = 3, last_error_kind = 'auth', last_error = 'imap: NO [AUTHENTICATIONFAILED]', last_error_at = now()`); err != nil {
		t.Fatal(err)
	}
	page = e.get(admin, "/admin/mailboxes")
	for _, want := range []string{en.T("mailbox_health_auth"), en.T("mailbox_warning_failing", "N", 1)} {
		if !strings.Contains(page.Body, htmlEscape(want)) {
			t.Errorf("failing mailbox page lacks %q", want)
		}
	}

	if res := e.post(admin, "/admin/mailboxes/"+strconv.FormatInt(id, 10)+"/delete", nil); res.StatusCode != 303 {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if n := e.count("mailboxes"); n != 0 {
		t.Errorf("mailboxes after removal: %d", n)
	}
	var events int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE action IN ('mailbox.created', 'mailbox.deleted')`).Scan(&events); err != nil || events != 2 {
		t.Errorf("audit events = %d, %v", events, err)
	}
}
