package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// A rep copies a colleague of the customer on the ticket's replies, by the
// field's label, is told beside the field when the address is wrong (the
// typed text kept), then removes the address by its named button.
func TestBrowserRepManagesCC(t *testing.T) {
	e := setup(t)
	rep := e.users[staff.RoleRep]
	tk, _, err := e.tickets.Create(t.Context(), actorOf(&rep), tickets.NewTicket{
		CustomerName: "Aino Virtanen", CustomerEmail: "aino@example.fi", Subject: "Lasku on väärin",
		Body: "Laskussa on kaksi samaa riviä.", Channel: "email", Priority: tickets.PriorityNormal,
	})
	if err != nil {
		t.Fatal(err)
	}
	fi := loc(e, rep)
	page := e.http.URL + "/tickets/" + strconv.FormatInt(tk.ID, 10)
	ctx := browserLogin(t, e, rep)
	err = chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.SendKeys(byLabel(fi.T("mailout_cc_email")), "pomo(at)example.fi"),
		clickTo(button(fi.T("mailout_cc_add")), "/cc"),
		chromedp.WaitVisible(`//*[@id="f-cc_email-error" or contains(@class,"field-error")]`),
	)
	if err != nil {
		t.Fatalf("add a bad address: %v", err)
	}
	val, err := chromedp.Run(ctx, chromedp.Value(byLabel(fi.T("mailout_cc_email"))))
	if err != nil || val != "pomo(at)example.fi" {
		t.Fatalf("the typed address was not kept: %q %v", val, err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, e.srv.cat.Localizer("fi").T("error_email_invalid")) {
		t.Fatalf("no translated message for the bad address:\n%s", text)
	}
	err = chromedp.Do(ctx,
		chromedp.Clear(byLabel(fi.T("mailout_cc_email"))),
		chromedp.SendKeys(byLabel(fi.T("mailout_cc_email")), "pomo@example.fi"),
		clickTo(button(fi.T("mailout_cc_add")), "#cc"),
		chromedp.WaitVisible(`//button[@aria-label=`+strconv.Quote(fi.T("mailout_cc_remove_named", "Email", "pomo@example.fi"))+`]`),
	)
	if err != nil {
		t.Fatalf("add an address: %v", err)
	}
	screenshot(t, ctx, "ticket-cc-fi.png")
	list, err := e.tickets.CCs(t.Context(), tk.ID)
	if err != nil || len(list) != 1 || list[0].Email != "pomo@example.fi" || list[0].AddedBy != rep.ID {
		t.Fatalf("CC after adding: %+v %v", list, err)
	}
	err = chromedp.Do(ctx,
		clickUntil(`//button[@aria-label=`+strconv.Quote(fi.T("mailout_cc_remove_named", "Email", "pomo@example.fi"))+`]`,
			`//p[normalize-space(.)=`+strconv.Quote(fi.T("mailout_cc_none"))+`]`),
	)
	if err != nil {
		t.Fatalf("remove the address: %v", err)
	}
	if list, _ := e.tickets.CCs(t.Context(), tk.ID); len(list) != 0 {
		t.Fatalf("CC after removing: %+v", list)
	}
}

// A supervisor sets a team's mail signature by its field's label; a
// refused one comes back beside the field as typed.
func TestBrowserSupervisorSetsTeamSignature(t *testing.T) {
	e := setup(t)
	sup := e.users[staff.RoleSupervisor]
	hi := loc(e, sup)
	teams, err := e.srv.staff.TeamSignatures(t.Context())
	if err != nil || len(teams) == 0 {
		t.Fatalf("teams: %v %v", teams, err)
	}
	team := teams[0]
	field := byLabel(hi.T("mailout_signature_of", "Team", team.Name))
	save := `//button[@aria-label=` + strconv.Quote(hi.T("mailout_signature_save_of", "Team", team.Name)) + `]`
	ctx := browserLogin(t, e, sup)
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.http.URL+"/supervisor/teams"),
		chromedp.SendKeys(field, "डिलीवरी टीम\n--\nगलत"),
		clickTo(save, "/signature"),
		chromedp.WaitVisible(`//p[@class="field-error"]`),
	)
	if err != nil {
		t.Fatalf("a refused signature: %v", err)
	}
	if text := pageText(t, ctx); !strings.Contains(text, hi.T("mailout_signature_error_separator")) {
		t.Fatalf("no message beside the field:\n%s", text)
	}
	err = chromedp.Do(ctx,
		chromedp.Clear(field),
		chromedp.SendKeys(field, "डिलीवरी टीम\nhttps://example.in/help"),
		clickTo(save, "#team-"),
		chromedp.WaitVisible(field),
	)
	if err != nil {
		t.Fatalf("save a signature: %v", err)
	}
	screenshot(t, ctx, "team-signatures-hi.png")
	teams, _ = e.srv.staff.TeamSignatures(t.Context())
	if teams[0].Signature != "डिलीवरी टीम\nhttps://example.in/help" {
		t.Fatalf("stored signature %q", teams[0].Signature)
	}
}
