package outbox

import (
	"strings"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/staff"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// Every mail on a team's tickets ends with the team's signature: after the
// "-- " line in the plain part, set apart (and escaped) in the HTML part.
// A team without one sends none.
func TestMailCarriesTheTeamSignature(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	team := ticketstest.Team(ctx, t, b.db, "Laskutus")
	plain := ticketstest.Team(ctx, t, b.db, "Ilman allekirjoitusta")
	rep := ticketstest.User(ctx, t, b.db, "rep", team, plain)
	sig := "Laskutustiimi <laskutus@example.fi>\nhttps://example.fi/apua\r\n"
	if err := staff.NewStore(b.db, time.Now).SetTeamSignature(ctx, rep.UserID, team, sig); err != nil {
		t.Fatal(err)
	}
	srv := startFakeSMTP(t)
	sender, err := NewSMTPSender(SMTPConfig{Addr: srv.addr(), From: "desk@example.fi"})
	if err != nil {
		t.Fatal(err)
	}
	o := New(b.db, b.cat, sender, b.log, time.Now)
	for i, teamID := range []int64{team, plain} {
		tk := ticketstest.Create(ctx, t, b.tickets, rep, tickets.NewTicket{CustomerName: "Aino", CustomerEmail: "aino@example.fi", TeamID: teamID})
		if _, err := b.tickets.AddReply(ctx, rep, tk.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "Hyvitys on tehty.\n"}); err != nil {
			t.Fatal(err)
		}
		rows := rowsOf(t, b, tk.ID)
		sendRow(t, b, o, rows[len(rows)-1])
		p := parse(t, srv.messages()[i])
		text, html := p.Parts["text/plain"], p.Parts["text/html"]
		if teamID == plain {
			if strings.Contains(text, "\n-- \n") || strings.Contains(html, `class="signature"`) {
				t.Errorf("a team without a signature sent one:\n%s\n%s", text, html)
			}
			continue
		}
		if !strings.HasPrefix(text, "Hyvitys on tehty.") || !strings.HasSuffix(strings.TrimRight(text, "\n"), "\n\n-- \nLaskutustiimi <laskutus@example.fi>\nhttps://example.fi/apua") {
			t.Errorf("plain part lacks the signature after the separator:\n%q", text)
		}
		if !strings.Contains(html, `<div class="signature"`) || !strings.Contains(html, "Laskutustiimi &lt;laskutus@example.fi&gt;") ||
			!strings.Contains(html, `<a href="https://example.fi/apua">`) {
			t.Errorf("HTML part lacks the escaped signature:\n%s", html)
		}
	}
}
