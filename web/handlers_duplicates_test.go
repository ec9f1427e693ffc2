package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// The rep's New ticket form names the customer's open tickets with a like
// subject (htmx fragment, and without JavaScript after "Find customer" or
// a form sent back with errors), and creating the ticket still works.
func TestNewTicketShowsPossibleDuplicates(t *testing.T) {
	t.Parallel()
	e := setup(t)
	open := e.repTicket("Parcel has not arrived", "Aino Äijälä", "aino@example.fi", "fi")
	e.repTicket("Invoice copy", "Aino Äijälä", "aino@example.fi", "fi")
	rep := e.login(staff.RoleRep) // Finnish
	fi := e.srv.cat.Localizer("fi")
	link := `href="/tickets/` + strconv.FormatInt(open.ID, 10) + `"`

	frag := e.get(rep, "/tickets/new/duplicates?"+url.Values{"customer_email": {"Aino@Example.fi"}, "subject": {"Where is my parcel?"}}.Encode())
	if frag.StatusCode != http.StatusOK {
		t.Fatalf("fragment: %d", frag.StatusCode)
	}
	wantIn(t, frag.Body, fi.T("dup_title", "N", 1), link, "Parcel has not arrived")
	if strings.Contains(frag.Body, "Invoice copy") || strings.Contains(frag.Body, "<html") {
		t.Fatalf("fragment:\n%s", frag.Body)
	}
	for _, q := range []url.Values{
		{"customer_email": {"aino@example.fi"}, "subject": {"Change my address"}},   // unlike
		{"customer_email": {"olli@example.fi"}, "subject": {"Where is my parcel?"}}, // someone else
		{"customer_email": {"aino@example.fi\x00"}, "subject": {"parcel\xff\x01"}},  // junk: nothing, no error
		{"customer_id": {"-3"}, "subject": {"Where is my parcel?"}},                 // junk id
	} {
		res := e.get(rep, "/tickets/new/duplicates?"+q.Encode())
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, link) {
			t.Fatalf("%v: %d\n%s", q, res.StatusCode, res.Body)
		}
	}

	// Without JavaScript: "Find customer" (a GET of the form) shows them.
	form := url.Values{"customer_name": {"Aino Äijälä"}, "customer_email": {"aino@example.fi"}, "subject": {"Where is my parcel?"},
		"body": {"Asks again."}, "channel": {"phone"}, "priority": {"normal"}, "idempotency_key": {"dup-test-1"}}
	page := e.get(rep, "/tickets/new?"+form.Encode())
	wantIn(t, page.Body, fi.T("dup_title", "N", 1), link, `hx-get="/tickets/new/duplicates"`)
	// A form sent back with an error shows them too, and they do not block.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("body", "")
	res := e.post(rep, "/tickets", bad)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("form with an error: %d", res.StatusCode)
	}
	wantIn(t, res.Body, link)
	res = e.post(rep, "/tickets", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	if n := e.count("tickets"); n != 3 {
		t.Fatalf("%d tickets, want 3", n)
	}
}
