package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/loopdesk/loopdesk/internal/secretbox"
	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/webhooks"
)

// testWebhooks is the webhook service of the test server: its guard lets
// endpoints on 127.0.0.1 (httptest receivers) through, nothing else private.
func testWebhooks(t *testing.T, db *pgxpool.Pool, log *slog.Logger) *webhooks.Service {
	t.Helper()
	box, err := secretbox.New("web-test-secret-0123456789abcdef0123456789", "webhooks")
	if err != nil {
		t.Fatal(err)
	}
	guard := webhooks.NewGuard(nil).AllowForTests(netip.MustParsePrefix("127.0.0.1/32"))
	return webhooks.New(db, box, log, time.Now, "http://127.0.0.1", webhooks.Config{Guard: guard})
}

func TestAdminRegistersWebhook(t *testing.T) {
	t.Parallel()
	e := setup(t)
	admin := e.login(staff.RoleAdmin)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(rcv.Close)

	// A private address is refused beside the field, the input kept.
	res := e.post(admin, "/admin/webhooks", url.Values{"url": {"http://169.254.169.254/latest/meta-data"}, "description": {"CRM"},
		"events": {webhooks.TicketCreated}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "metadata service") ||
		!strings.Contains(res.Body, `value="http://169.254.169.254/latest/meta-data"`) || !strings.Contains(res.Body, `value="CRM"`) {
		t.Fatalf("blocked address: %d\n%s", res.StatusCode, res.Body)
	}
	// A valid endpoint: its secret is shown once.
	res = e.post(admin, "/admin/webhooks", url.Values{"url": {rcv.URL + "/hooks"}, "description": {"CRM"},
		"events": {webhooks.TicketCreated, webhooks.TicketSolved}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create: %d\n%s", res.StatusCode, res.Body)
	}
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{40,}`).FindString(res.Body)
	if secret == "" {
		t.Fatalf("the secret is not shown:\n%s", res.Body)
	}
	list, err := e.srv.webhooks.List(t.Context())
	if err != nil || len(list) != 1 || list[0].URL != rcv.URL+"/hooks" || len(list[0].Events) != 2 {
		t.Fatalf("endpoints: %+v, %v", list, err)
	}
	id := list[0].ID
	page := e.get(admin, "/admin/webhooks")
	if page.StatusCode != http.StatusOK || strings.Contains(page.Body, secret) || !strings.Contains(page.Body, rcv.URL+"/hooks") {
		t.Fatalf("list page shows the secret again or misses the endpoint: %d", page.StatusCode)
	}
	detail := e.get(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10))
	if detail.StatusCode != http.StatusOK || strings.Contains(detail.Body, secret) || !strings.Contains(detail.Body, secret[len(secret)-4:]) {
		t.Fatalf("endpoint page: %d", detail.StatusCode)
	}
	// Ping, then the log shows it; disable, enable, rotate, delete.
	if res := e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/ping", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ping: %d", res.StatusCode)
	}
	if res := e.get(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)); !strings.Contains(res.Body, ">ping<") {
		t.Fatalf("the ping is not in the log")
	}
	ds, _, _ := e.srv.webhooks.Deliveries(t.Context(), id, 0, 10)
	if len(ds) != 1 {
		t.Fatalf("deliveries %+v", ds)
	}
	if res := e.get(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/deliveries/"+strconv.FormatInt(ds[0].ID, 10)); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "&#34;type&#34;: &#34;ping&#34;") {
		t.Fatalf("delivery page: %d\n%s", res.StatusCode, res.Body)
	}
	if res := e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/deliveries/"+strconv.FormatInt(ds[0].ID, 10)+"/redeliver", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("redeliver: %d", res.StatusCode)
	}
	if res := e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/disable", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if res := e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/deliveries/"+strconv.FormatInt(ds[0].ID, 10)+"/redeliver", nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("redeliver while disabled: %d", res.StatusCode)
	}
	if res := e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/enable", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.StatusCode)
	}
	res = e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/rotate", nil)
	if rotated := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{40,}`).FindString(res.Body); res.StatusCode != http.StatusOK || rotated == "" || rotated == secret {
		t.Fatalf("rotate: %d", res.StatusCode)
	}
	res = e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10), url.Values{"url": {"http://10.0.0.1/"}, "events": {webhooks.TicketCreated}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("edit to a private address: %d", res.StatusCode)
	}
	if res := e.post(admin, "/admin/webhooks/"+strconv.FormatInt(id, 10)+"/delete", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if list, _ := e.srv.webhooks.List(t.Context()); len(list) != 0 {
		t.Fatalf("left after delete: %+v", list)
	}
}
