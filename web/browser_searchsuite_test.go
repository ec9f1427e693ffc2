package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestBrowserSearchCorrectionInVietnamese: a Vietnamese senior types a
// short word with two letters swapped ("don hagn"); the page lists the
// ticket for the corrected words, says so in Vietnamese as a status, and
// its link searches the words as typed, which find nothing.
func TestBrowserSearchCorrectionInVietnamese(t *testing.T) {
	e := setup(t)
	rep, senior := e.users[staff.RoleRep], e.users[staff.RoleSenior]
	if _, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
		CustomerName: "Trần Thị Mai", CustomerLocale: "vi", Subject: "Giao hàng chậm", Body: "Đơn hàng của tôi chưa tới.",
		Channel: "chat", Priority: tickets.PriorityNormal,
	}); err != nil {
		t.Fatal(err)
	}
	vi := loc(e, senior)
	ctx := browserLogin(t, e, senior)
	showing := vi.T("search_showing_for", "Words", "don hang")
	err := chromedp.Do(ctx,
		chromedp.SendKeys(byLabel(vi.T("search_label")), "don hagn"+kb.Enter),
		chromedp.WaitVisible(heading(vi.T("search_title"))),
		chromedp.WaitVisible(fmt.Sprintf(`//*[@role="status"]//p[normalize-space(.)=%q]`, showing)),
		chromedp.WaitVisible(`//mark[normalize-space(.)="Đơn"]`),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, "Giao hàng chậm") {
		t.Fatalf("the corrected search lacks the ticket:\n%s", text)
	}
	screenshot(t, ctx, "search-corrected-vi.png")
	err = chromedp.Do(ctx,
		clickTo(link(vi.T("search_instead_for", "Query", "don hagn")), "as_typed=1"),
		chromedp.WaitVisible(fmt.Sprintf(`//p[normalize-space(.)=%q]`, vi.T("search_no_results"))),
	)
	if err != nil {
		t.Fatalf("search as typed: %v", err)
	}
	if text := pageText(t, ctx); strings.Contains(text, showing) || strings.Contains(text, "Giao hàng chậm") {
		t.Errorf("the words as typed were corrected:\n%s", text)
	}
}
