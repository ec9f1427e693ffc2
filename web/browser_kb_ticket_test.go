package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
)

// TestBrowserTicketSuggestsArticle: a rep (Finnish) answering a Vietnamese
// customer sees the suggested article in Vietnamese, puts the cursor after
// the greeting, inserts the link there (JavaScript) and sends the reply.
func TestBrowserTicketSuggestsArticle(t *testing.T) {
	e := setup(t)
	_, vi := kbSeed(t, e)
	rep := e.users[staff.RoleRep]
	fi := loc(e, rep)
	tk := e.repTicket("Where is my parcel?", "Lan Nguyễn", "lan@example.vn", "vi")
	link := vi.Title + ": " + e.srv.baseURL.String() + vi.Path()
	want := "Chào chị, " + link + " Cảm ơn."

	ctx := browserLogin(t, e, rep)
	steps := []struct {
		name string
		a    chromedp.Action[chromedp.Void]
	}{
		{"open", chromedp.Navigate(e.http.URL + ticketURLOf(tk.ID))},
		{"see the suggestion", chromedp.WaitVisible(`//fieldset[legend[normalize-space(.)="` + fi.T("kb_reply_suggest_title") + `"]]//a[contains(., "` + vi.Title + `")]`)},
		{"type", chromedp.SendKeys(byLabel(fi.T("reply_body")), "Chào chị, Cảm ơn.")},
		{"place the cursor", chromedp.Evaluate[chromedp.Void](`document.getElementById("f-body").setSelectionRange(9, 9); null`)}, // after "Chào chị,"
		{"insert", chromedp.Click(button(fi.T("kb_reply_insert") + ": " + fi.T("kb_reply_insert_label", "Title", vi.Title)))},
		{"inserted", chromedp.WaitReady(`//*[@id="kb-reply-status" and normalize-space(.)="` + fi.T("kb_reply_inserted") + `"]`)},
	}
	for _, st := range steps {
		if err := chromedp.Do(ctx, st.a); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	got, err := chromedp.Run(ctx, chromedp.Value(byLabel(fi.T("reply_body"))))
	if err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if got != want || strings.Contains(url, "kb_link") {
		t.Fatalf("reply box holds %q at %s, want %q in place", got, url, want)
	}
	screenshot(t, ctx, "kb-ticket-suggest-fi.png")
	err = chromedp.Do(ctx,
		chromedp.Click(button(fi.T("reply_send"))),
		chromedp.WaitVisible(`//*[contains(@class, "flash") and contains(., "`+fi.T("flash_reply_sent")+`")]`),
	)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs, err := e.tickets.Messages(t.Context(), tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if last := msgs[len(msgs)-1]; strings.ReplaceAll(last.Body, "\r\n", "\n") != want {
		t.Fatalf("sent %q, want %q", last.Body, want)
	}
}
