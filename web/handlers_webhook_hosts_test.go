package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// Admins allow a private webhook host on /admin/webhooks and take it off
// again; bad names come back beside the field; others may not.
func TestWebhookAllowedHostsPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.login(staff.RoleAdmin) // English
	en := e.srv.cat.Localizer("en")

	page := e.get(c, "/admin/webhooks")
	wantIn(t, page.Body, en.T("webhooks_hosts_heading"), en.T("webhooks_hosts_empty"), `action="/admin/webhooks/allowed-hosts"`)

	res := e.post(c, "/admin/webhooks/allowed-hosts", url.Values{"host": {"10.0.0.1"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an address: %d", res.StatusCode)
	}
	wantIn(t, res.Body, en.T("webhooks_error_host"), `value="10.0.0.1"`)

	res = e.post(c, "/admin/webhooks/allowed-hosts", url.Values{"host": {"Hooks.Internal"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("allow: %d", res.StatusCode)
	}
	page = e.get(c, "/admin/webhooks")
	wantIn(t, page.Body, "<code>hooks.internal</code>", en.T("webhooks_hosts_flash_added"), en.T("webhooks_hosts_remove_label", "Host", "hooks.internal"))
	if res := e.post(c, "/admin/webhooks/allowed-hosts", url.Values{"host": {"hooks.internal"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Body, en.T("webhooks_error_host_taken")) {
		t.Fatalf("twice: %d", res.StatusCode)
	}
	// Supervisors may not change the list.
	if res := e.post(e.login(staff.RoleSupervisor), "/admin/webhooks/allowed-hosts", url.Values{"host": {"other.internal"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a supervisor: %d", res.StatusCode)
	}
	var n int
	if err := e.srv.db.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE action = 'webhook.host_allowed' AND data->>'host' = 'hooks.internal'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit events: %d %v", n, err)
	}
	if res := e.post(c, "/admin/webhooks/allowed-hosts/delete", url.Values{"host": {"hooks.internal"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	page = e.get(c, "/admin/webhooks")
	if strings.Contains(page.Body, "<code>hooks.internal</code>") {
		t.Fatal("the host is still listed")
	}
	if res := e.post(c, "/admin/webhooks/allowed-hosts/delete", url.Values{"host": {"hooks.internal"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("remove twice: %d", res.StatusCode)
	}
}
