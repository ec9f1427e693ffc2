package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// The ticket page suggests help centre articles for the ticket's text, in
// the customer's language when there is a translation, never internal
// ones; Insert link works without JavaScript.
func TestTicketPageSuggestsArticles(t *testing.T) {
	t.Parallel()
	e := setup(t)
	en, vi := kbSeed(t, e)        // "Track your parcel" (en, vi) and an internal article about parcels
	rep := e.login(staff.RoleRep) // Finnish
	fi := e.srv.cat.Localizer("fi")

	viTicket := e.repTicket("Where is my parcel?", "Lan Nguyễn", "lan@example.vn", "vi")
	path := "/tickets/" + strconv.FormatInt(viTicket.ID, 10)
	// The page does not wait for the suggestions: htmx asks for them once
	// it has loaded, and a link shows them without JavaScript.
	page := e.get(rep, path)
	wantIn(t, page.Body, `hx-get="`+path+`/kb-suggest"`, `href="`+path+`?kb=1#kb-reply-suggest"`, fi.T("perf_kb_suggest_show"), "js/kbinsert.js")
	if strings.Contains(page.Body, vi.Title) {
		t.Error("the page looked the suggestions up itself")
	}
	viURL := "http://127.0.0.1" + vi.Path()
	for _, p := range []string{path + "/kb-suggest", path + "?kb=1"} {
		page = e.get(rep, p)
		wantIn(t, page.Body, fi.T("kb_reply_suggest_title"), vi.Title, `href="`+viURL+`"`, `name="kb_link" value="`+strconv.FormatInt(vi.ID, 10)+`"`,
			fi.T("kb_reply_insert_label", "Title", vi.Title), `formmethod="get"`)
	}
	if strings.Contains(page.Body, "Courier escalation") {
		t.Fatal("an internal article is offered for a customer reply")
	}
	if strings.Contains(page.Body, `href="http://127.0.0.1`+en.Path()+`"`) {
		t.Error("the English translation is offered to a Vietnamese customer")
	}

	// Insert link without JavaScript: the text typed is kept, the link after a blank line.
	q := url.Values{"kind": {"public"}, "kb_link": {strconv.FormatInt(vi.ID, 10)}, "body": {"Chào chị,"}}
	res := e.get(rep, path+"?"+q.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("insert: status %d", res.StatusCode)
	}
	if got, want := textarea(t, res.Body), "Chào chị,\n\n"+vi.Title+": "+viURL; got != want {
		t.Fatalf("reply %q, want %q", got, want)
	}
	// Not a suggestion of this ticket (the English translation, the
	// internal article, nonsense): 422, the text kept, the message beside the list.
	var internalID int64
	if err := e.srv.db.QueryRow(t.Context(), `SELECT id FROM kb_translations WHERE slug = 'courier-escalation-contacts'`).Scan(&internalID); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{strconv.FormatInt(en.ID, 10), strconv.FormatInt(internalID, 10), "abc", ""} {
		q.Set("kb_link", raw)
		res := e.get(rep, path+"?"+q.Encode())
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("kb_link=%q: status %d", raw, res.StatusCode)
		}
		wantIn(t, res.Body, fi.T("kb_reply_error_gone"))
		if got := textarea(t, res.Body); got != "Chào chị," || strings.Contains(res.Body, "Courier escalation") {
			t.Fatalf("kb_link=%q: text %q", raw, got)
		}
	}

	// A Finnish customer: no Finnish translation, so the English one, marked with its language.
	fiTicket := e.repTicket("Paketti parcel tracking", "Aino", "aino@example.fi", "fi")
	page = e.get(rep, "/tickets/"+strconv.FormatInt(fiTicket.ID, 10)+"/kb-suggest")
	wantIn(t, page.Body, `href="http://127.0.0.1`+en.Path()+`"`, "(English)")

	// Nothing to suggest: no list; htmx gets nothing, the link says so.
	quiet := e.repTicket("Invoice copy", "Olli", "olli@example.fi", "fi")
	quietPath := "/tickets/" + strconv.FormatInt(quiet.ID, 10)
	page = e.get(rep, quietPath+"/kb-suggest")
	if page.StatusCode != http.StatusOK || strings.TrimSpace(page.Body) != "" {
		t.Errorf("nothing to suggest: status %d, body %q", page.StatusCode, page.Body)
	}
	page = e.get(rep, quietPath+"?kb=1")
	wantIn(t, page.Body, fi.T("perf_kb_suggest_none"))
	if strings.Contains(page.Body, fi.T("kb_reply_suggest_title")) {
		t.Error("an empty suggestion list is shown")
	}
}
