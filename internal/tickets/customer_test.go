package tickets_test

import (
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

// tokenOf checks that mail m is queued with no readable token, only the
// placeholder, and returns the token its link gets when the outbox sends it.
func (b *bundle) tokenOf(t *testing.T, m ticketstest.Mail) string {
	t.Helper()
	if link, _ := m.Data["Link"].(string); link != ticketstest.BaseURL+"/status/"+tickets.StatusTokenPlaceholder {
		t.Fatalf("mail %d is queued with link %q, want the placeholder", m.ID, link)
	}
	link, _ := ticketstest.SentLinks(b.ctx, t, b.db, m)["Link"].(string)
	token, ok := strings.CutPrefix(link, ticketstest.BaseURL+"/status/")
	if !ok || len(token) < 32 {
		t.Fatalf("mail %d link %q is not a status link", m.ID, link)
	}
	return token
}

func TestCreatePublic(t *testing.T) {
	b := setup(t)
	tk, token, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{
		Name: " Aino ", Email: "aino@example.fi", Subject: "Tilaus puuttuu", Message: "Tilaukseni ei tullut.", Locale: "fi",
	})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != tickets.StatusNew || tk.Channel != "web" || tk.TeamID != b.teamA || tk.OwnerID != 0 || tk.CreatedBy != 0 ||
		tk.Customer.Name != "Aino" || tk.Customer.Locale != "fi" || tk.Priority != tickets.PriorityNormal {
		t.Errorf("public ticket = %+v", tk)
	}
	if len(token) < 32 {
		t.Errorf("token %q is too short to be unguessable", token)
	}
	mails := ticketstest.Mails(b.ctx, t, b.db)
	if len(mails) != 1 {
		t.Fatalf("outbox = %+v, want one confirmation", mails)
	}
	m := mails[0]
	if m.Kind != "confirmation" || m.To != "aino@example.fi" || m.Locale != "fi" || m.TicketID != tk.ID ||
		m.Data["Number"] != float64(tk.ID) || m.Data["Subject"] != "Tilaus puuttuu" {
		t.Errorf("confirmation = %+v", m)
	}
	// The mail gets its own link when sent; both it and the browser's open the ticket.
	for _, tok := range []string{token, b.tokenOf(t, m)} {
		if got, err := b.store.TicketByToken(b.ctx, tok); err != nil || got.ID != tk.ID {
			t.Errorf("link opens %d (%v), want %d", got.ID, err, tk.ID)
		}
	}
	_, events := b.history(t, tk.ID)
	if len(events) != 1 || events[0].Action != "ticket.created" || events[0].ActorID != 0 || events[0].Data["by"] != "customer" {
		t.Errorf("events = %+v", events)
	}

	// The default locale is English; the same email finds the same customer.
	again, _, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "A", Email: "AINO@example.fi", Subject: "Toinen", Message: "Taas."})
	if err != nil {
		t.Fatal(err)
	}
	if again.Customer.ID != tk.Customer.ID {
		t.Errorf("second public ticket customer %d, want %d", again.Customer.ID, tk.Customer.ID)
	}
	if mails := ticketstest.Mails(b.ctx, t, b.db); len(mails) != 2 || mails[1].Locale != "en" {
		t.Errorf("outbox = %+v, want a second confirmation in en", mails)
	}
}

func TestTicketByToken(t *testing.T) {
	b := setup(t)
	first, token1, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Ann", Email: "ann@example.com", Subject: "One", Message: "First."})
	if err != nil {
		t.Fatal(err)
	}
	second, token2, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Bob", Email: "bob@example.com", Subject: "Two", Message: "Second."})
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]int64{token1: first.ID, token2: second.ID} {
		if got, err := b.store.TicketByToken(b.ctx, token); err != nil || got.ID != want {
			t.Errorf("TicketByToken(%q) = %d, %v; want %d", token, got.ID, err, want)
		}
	}
	flipped := []byte(token1)
	flipped[5] ^= 1
	for _, bad := range []string{"", "short", token1[:19], token1 + "x", string(flipped), strings.Repeat("A", 32), strings.Repeat("A", 65), token1[:31] + "\x00"} {
		_, err := b.store.TicketByToken(b.ctx, bad)
		if !apperr.Is(err, apperr.NotFound) {
			t.Errorf("TicketByToken(%q) err = %v, want not found", bad, err)
		}
	}
}

func TestAddCustomerMessage(t *testing.T) {
	b := setup(t)
	tests := []struct {
		path []tickets.Status
		want tickets.Status
	}{
		{nil, tickets.StatusNew},
		{[]tickets.Status{tickets.StatusOpen}, tickets.StatusOpen},
		{[]tickets.Status{tickets.StatusPending}, tickets.StatusOpen},
		{[]tickets.Status{tickets.StatusOnHold}, tickets.StatusOpen},
		{[]tickets.Status{tickets.StatusSolved}, tickets.StatusOpen},
	}
	for _, tc := range tests {
		tk := b.create(t, b.repA, tickets.NewTicket{})
		tk = ticketstest.Move(b.ctx, t, b.store, b.repA, tk.ID, tc.path...)
		from := tk.Status
		id, err := b.store.AddCustomerMessage(b.ctx, tk.ID, "  Any news? ")
		if err != nil || id != tk.ID {
			t.Fatalf("customer message on %s: id %d err %v", from, id, err)
		}
		got := b.get(t, tk.ID)
		if got.Status != tc.want || got.Version != tk.Version+1 || got.SolvedAt != nil {
			t.Errorf("customer message on %s: status %s version %d solved_at %v, want %s version %d", from, got.Status, got.Version, got.SolvedAt, tc.want, tk.Version+1)
		}
		msgs, err := b.store.Messages(b.ctx, tk.ID, false)
		if err != nil || len(msgs) != 2 || msgs[1].Body != "Any news?" || !msgs[1].FromCustomer || msgs[1].AuthorName != tk.Customer.Name {
			t.Errorf("thread after customer message on %s: %+v, %v", from, msgs, err)
		}
		actions, events := b.history(t, tk.ID)
		wantLast := "ticket.customer_replied"
		switch from {
		case tickets.StatusSolved:
			wantLast = "ticket.reopened"
		case tickets.StatusPending, tickets.StatusOnHold:
			wantLast = "ticket.status_changed"
		}
		if last := events[len(events)-1]; last.Action != wantLast || last.ActorID != 0 {
			t.Errorf("history after customer message on %s: %v", from, actions)
		}
	}
}

func TestCustomerMessageOnClosedTicket(t *testing.T) {
	b := setup(t)
	old, token, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Cat", Email: "cat@example.com", Subject: "Lost parcel", Message: "Where is it?"})
	if err != nil {
		t.Fatal(err)
	}
	old, err = b.store.Update(b.ctx, b.sup, old.ID, tickets.Changes{Version: old.Version, OwnerID: &b.repA.UserID, Category: ptr("delivery")})
	if err != nil {
		t.Fatal(err)
	}
	old = ticketstest.Move(b.ctx, t, b.store, b.sup, old.ID, tickets.StatusSolved, tickets.StatusClosed)

	followUp, err := b.store.AddCustomerMessage(b.ctx, old.ID, "It never came after all.")
	if err != nil {
		t.Fatal(err)
	}
	if followUp == old.ID {
		t.Fatalf("a message on a closed ticket went to the closed ticket")
	}
	fu := b.get(t, followUp)
	if fu.Status != tickets.StatusNew || fu.Customer.ID != old.Customer.ID || fu.Subject != old.Subject ||
		fu.OwnerID != b.repA.UserID || fu.TeamID != old.TeamID || fu.Category != "delivery" {
		t.Errorf("follow-up = %+v", fu)
	}
	msgs, err := b.store.Messages(b.ctx, followUp, true)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "It never came after all." || !msgs[0].FromCustomer {
		t.Errorf("follow-up thread = %+v, %v", msgs, err)
	}
	if now := b.get(t, old.ID); now.Status != tickets.StatusClosed || now.Version != old.Version {
		t.Errorf("closed ticket changed: %+v", now)
	}
	if msgs, _ := b.store.Messages(b.ctx, old.ID, true); len(msgs) != 1 {
		t.Errorf("closed ticket got a message: %+v", msgs)
	}
	var kind string
	if err := b.db.QueryRow(b.ctx, `SELECT kind FROM ticket_links WHERE ticket_id = $1 AND other_id = $2`, followUp, old.ID).Scan(&kind); err != nil || kind != "related" {
		t.Errorf("link follow-up -> closed: kind %q, err %v", kind, err)
	}
	// The customer's old link now opens the follow-up.
	if got, err := b.store.TicketByToken(b.ctx, token); err != nil || got.ID != followUp {
		t.Errorf("old token opens %d (%v), want follow-up %d", got.ID, err, followUp)
	}
	if _, events := b.history(t, followUp); len(events) != 1 || events[0].Action != "ticket.created" || events[0].Data["follow_up_of"] != float64(old.ID) {
		t.Errorf("follow-up events = %+v", events)
	}

	if _, err := b.store.AddCustomerMessage(b.ctx, 999999, "hello"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("message on a missing ticket: %v, want not found", err)
	}
}

func TestSendStatusLink(t *testing.T) {
	b := setup(t)
	tk, _, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Duc", Email: "duc@example.vn", Subject: "Bảo hành", Message: "Máy hỏng.", Locale: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := b.store.CreatePublic(b.ctx, tickets.NewPublicTicket{Name: "Eve", Email: "eve@example.com", Subject: "Other", Message: "Other."})
	if err != nil {
		t.Fatal(err)
	}
	before := len(ticketstest.Mails(b.ctx, t, b.db))
	misses := []struct {
		number int64
		email  string
	}{
		{tk.ID, "eve@example.com"},
		{other.ID, "duc@example.vn"},
		{999999, "duc@example.vn"},
		{0, ""},
		{tk.ID, "duc@example.vn\x00"},
		{tk.ID, "d\xffuc@example.vn"},
	}
	for _, m := range misses {
		if err := b.store.SendStatusLink(b.ctx, m.number, m.email); err != nil {
			t.Errorf("SendStatusLink(%d, %q) = %v, want nil", m.number, m.email, err)
		}
	}
	if mails := ticketstest.Mails(b.ctx, t, b.db); len(mails) != before {
		t.Fatalf("mismatches queued mail: %+v", mails[before:])
	}
	if err := b.store.SendStatusLink(b.ctx, tk.ID, "DUC@example.vn"); err != nil {
		t.Fatal(err)
	}
	mails := ticketstest.Mails(b.ctx, t, b.db)
	if len(mails) != before+1 {
		t.Fatalf("outbox has %d new mails, want 1", len(mails)-before)
	}
	m := mails[before]
	if m.Kind != "status_link" || m.TicketID != tk.ID || m.Locale != "vi" || !strings.EqualFold(m.To, "duc@example.vn") || m.Data["Subject"] != "Bảo hành" {
		t.Errorf("status link mail = %+v", m)
	}
	if got, err := b.store.TicketByToken(b.ctx, b.tokenOf(t, m)); err != nil || got.ID != tk.ID {
		t.Errorf("mailed link opens %d (%v), want %d", got.ID, err, tk.ID)
	}
}
