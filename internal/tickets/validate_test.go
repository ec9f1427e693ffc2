package tickets_test

import (
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/internal/tickets/ticketstest"
)

func TestValidation(t *testing.T) {
	b := setup(t)
	okTicket := func(edit func(*tickets.NewTicket)) tickets.NewTicket {
		n := tickets.NewTicket{CustomerName: "Chi", CustomerEmail: "chi@example.vn", CustomerPhone: "+84 90 123 4567",
			CustomerLocale: "vi", Subject: "Hỏng", Body: "Máy hỏng rồi.", Channel: "walk_in", Priority: tickets.PriorityLow, Category: "product"}
		edit(&n)
		return n
	}
	okPublic := func(edit func(*tickets.NewPublicTicket)) tickets.NewPublicTicket {
		n := tickets.NewPublicTicket{Name: "Priya", Email: "priya@example.in", Subject: "ऑर्डर", Message: "कहाँ है?", Locale: "hi"}
		edit(&n)
		return n
	}
	long301 := strings.Repeat("ä", 301) // 602 bytes: the limit counts characters
	open := b.create(t, b.repA, tickets.NewTicket{})
	mkTicket := func(edit func(*tickets.NewTicket)) func() error {
		return func() error { _, _, err := b.store.Create(b.ctx, b.repA, okTicket(edit)); return err }
	}
	mkPublic := func(edit func(*tickets.NewPublicTicket)) func() error {
		return func() error { _, _, err := b.store.CreatePublic(b.ctx, okPublic(edit)); return err }
	}
	mkReply := func(r tickets.Reply) func() error {
		return func() error { _, err := b.store.AddReply(b.ctx, b.repA, open.ID, r); return err }
	}
	mkChanges := func(c tickets.Changes) func() error {
		return func() error {
			c.Version = open.Version
			_, err := b.store.Update(b.ctx, b.repA, open.ID, c)
			return err
		}
	}
	mkCustomer := func(body string) func() error {
		return func() error { _, err := b.store.AddCustomerMessage(b.ctx, open.ID, body); return err }
	}
	tests := []struct {
		name         string
		do           func() error
		field, msgID string
	}{
		{"ticket empty subject", mkTicket(func(n *tickets.NewTicket) { n.Subject = "" }), "subject", "error_required"},
		{"ticket blank subject", mkTicket(func(n *tickets.NewTicket) { n.Subject = " \t\n" }), "subject", "error_required"},
		{"ticket long subject", mkTicket(func(n *tickets.NewTicket) { n.Subject = long301 }), "subject", "error_too_long"},
		{"ticket NUL subject", mkTicket(func(n *tickets.NewTicket) { n.Subject = "a\x00b" }), "subject", "error_text_invalid"},
		{"ticket bad UTF-8 subject", mkTicket(func(n *tickets.NewTicket) { n.Subject = "a\xffb" }), "subject", "error_text_invalid"},
		{"ticket empty body", mkTicket(func(n *tickets.NewTicket) { n.Body = "  " }), "body", "error_required"},
		{"ticket NUL body", mkTicket(func(n *tickets.NewTicket) { n.Body = "\x00" }), "body", "error_text_invalid"},
		{"ticket long body", mkTicket(func(n *tickets.NewTicket) { n.Body = strings.Repeat("x", 20001) }), "body", "error_too_long"},
		{"ticket no customer", mkTicket(func(n *tickets.NewTicket) { n.CustomerName = "" }), "customer_name", "error_required"},
		{"ticket NUL customer", mkTicket(func(n *tickets.NewTicket) { n.CustomerName = "C\x00hi" }), "customer_name", "error_text_invalid"},
		{"ticket bad email", mkTicket(func(n *tickets.NewTicket) { n.CustomerEmail = "chi-at-example" }), "customer_email", "error_email_invalid"},
		{"ticket email without dot", mkTicket(func(n *tickets.NewTicket) { n.CustomerEmail = "chi@localhost" }), "customer_email", "error_email_invalid"},
		{"ticket email with name", mkTicket(func(n *tickets.NewTicket) { n.CustomerEmail = "Chi <chi@example.vn>" }), "customer_email", "error_email_invalid"},
		{"ticket NUL email", mkTicket(func(n *tickets.NewTicket) { n.CustomerEmail = "chi@example.vn\x00" }), "customer_email", "error_email_invalid"},
		{"ticket bad phone", mkTicket(func(n *tickets.NewTicket) { n.CustomerPhone = "call me maybe" }), "customer_phone", "error_phone_invalid"},
		{"ticket short phone", mkTicket(func(n *tickets.NewTicket) { n.CustomerPhone = "1234" }), "customer_phone", "error_phone_invalid"},
		{"ticket bad locale", mkTicket(func(n *tickets.NewTicket) { n.CustomerLocale = "de" }), "customer_locale", "error_locale_invalid"},
		{"ticket unknown channel", mkTicket(func(n *tickets.NewTicket) { n.Channel = "fax" }), "channel", "error_channel_invalid"},
		{"ticket no channel", mkTicket(func(n *tickets.NewTicket) { n.Channel = "" }), "channel", "error_channel_invalid"},
		{"ticket priority 0", mkTicket(func(n *tickets.NewTicket) { n.Priority = 0 }), "priority", "error_priority_invalid"},
		{"ticket priority 5", mkTicket(func(n *tickets.NewTicket) { n.Priority = 5 }), "priority", "error_priority_invalid"},
		{"ticket unknown category", mkTicket(func(n *tickets.NewTicket) { n.Category = "weather" }), "category", "error_category_invalid"},
		{"ticket long order ref", mkTicket(func(n *tickets.NewTicket) { n.OrderRef = strings.Repeat("1", 101) }), "order_ref", "error_too_long"},
		{"ticket NUL idempotency key", mkTicket(func(n *tickets.NewTicket) { n.IdempotencyKey = "k\x00" }), "idempotency_key", "error_text_invalid"},
		{"ticket other team", mkTicket(func(n *tickets.NewTicket) { n.TeamID = b.teamB }), "team_id", "error_team_not_yours"},

		{"public empty name", mkPublic(func(n *tickets.NewPublicTicket) { n.Name = "" }), "name", "error_required"},
		{"public no email", mkPublic(func(n *tickets.NewPublicTicket) { n.Email = "" }), "email", "error_required"},
		{"public bad email", mkPublic(func(n *tickets.NewPublicTicket) { n.Email = "priya@" }), "email", "error_email_invalid"},
		{"public empty subject", mkPublic(func(n *tickets.NewPublicTicket) { n.Subject = "" }), "subject", "error_required"},
		{"public long subject", mkPublic(func(n *tickets.NewPublicTicket) { n.Subject = long301 }), "subject", "error_too_long"},
		{"public empty message", mkPublic(func(n *tickets.NewPublicTicket) { n.Message = "\n" }), "message", "error_required"},
		{"public NUL message", mkPublic(func(n *tickets.NewPublicTicket) { n.Message = "hi\x00" }), "message", "error_text_invalid"},
		{"public bad locale", mkPublic(func(n *tickets.NewPublicTicket) { n.Locale = "xx" }), "locale", "error_locale_invalid"},

		{"reply empty body", mkReply(tickets.Reply{Kind: tickets.MessagePublic, Body: " "}), "body", "error_required"},
		{"reply NUL body", mkReply(tickets.Reply{Kind: tickets.MessageInternal, Body: "a\x00"}), "body", "error_text_invalid"},
		{"reply long body", mkReply(tickets.Reply{Kind: tickets.MessagePublic, Body: strings.Repeat("é", 20001)}), "body", "error_too_long"},
		{"reply no kind", mkReply(tickets.Reply{Body: "hi"}), "kind", "error_invalid_choice"},
		{"reply system kind", mkReply(tickets.Reply{Kind: tickets.MessageSystem, Body: "hi"}), "kind", "error_invalid_choice"},
		{"reply unknown status", mkReply(tickets.Reply{Kind: tickets.MessagePublic, Body: "hi", SetStatus: "done"}), "status", "error_status_invalid"},
		{"reply illegal status", mkReply(tickets.Reply{Kind: tickets.MessagePublic, Body: "hi", SetStatus: tickets.StatusClosed}), "status", "error_transition_invalid"},

		{"changes unknown status", mkChanges(tickets.Changes{Status: ptr(tickets.Status("done"))}), "status", "error_status_invalid"},
		{"changes priority 0", mkChanges(tickets.Changes{Priority: ptr(tickets.Priority(0))}), "priority", "error_priority_invalid"},
		{"changes priority 5", mkChanges(tickets.Changes{Priority: ptr(tickets.Priority(5))}), "priority", "error_priority_invalid"},
		{"changes unknown category", mkChanges(tickets.Changes{Category: ptr("weather")}), "category", "error_category_invalid"},
		{"changes bad tag", mkChanges(tickets.Changes{Tags: &[]string{"ok", "not ok!"}}), "tags", "error_tag_invalid"},
		{"changes NUL tag", mkChanges(tickets.Changes{Tags: &[]string{"a\x00"}}), "tags", "error_tag_invalid"},
		{"changes owner as a rep", mkChanges(tickets.Changes{OwnerID: ptr(int64(999999))}), "owner_id", "error_owner_use_take"},
		{"changes unknown team", mkChanges(tickets.Changes{TeamID: ptr(int64(999999))}), "team_id", "error_invalid_choice"},

		{"customer empty message", mkCustomer(" "), "message", "error_required"},
		{"customer NUL message", mkCustomer("\x00"), "message", "error_text_invalid"},
	}
	tables := []string{"tickets", "customers", "messages", "events", "outbox"}
	before := map[string]int{}
	for _, table := range tables {
		before[table] = ticketstest.Count(b.ctx, t, b.db, table)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantField(t, tc.do(), tc.field, tc.msgID)
		})
	}
	for _, table := range tables {
		if n := ticketstest.Count(b.ctx, t, b.db, table); n != before[table] {
			t.Errorf("invalid input wrote to %s: %d rows, were %d", table, n, before[table])
		}
	}
	if got := b.get(t, open.ID); got.Version != open.Version || got.Status != open.Status {
		t.Errorf("invalid changes touched ticket %d: %+v", open.ID, got)
	}

	// The limits are inclusive: 300 characters of subject is fine.
	if _, _, err := b.store.Create(b.ctx, b.repA, okTicket(func(n *tickets.NewTicket) { n.Subject = long301[:600] })); err != nil {
		t.Errorf("300-character subject: %v", err)
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, region, want string
		ok               bool
	}{
		// Every way of typing one Finnish mobile number is one E.164 number.
		{"+358 40 123 4567", "FI", "+358401234567", true},
		{"040 123 4567", "FI", "+358401234567", true},
		{" 0401234567 ", "FI", "+358401234567", true},
		{"358401234567", "FI", "+358401234567", true},
		{"00358 40 123 4567", "FI", "+358401234567", true},
		{"+358-40-1234567", "", "+358401234567", true}, // no region: the default, FI
		{"(09) 123-45.67", "FI", "+35891234567", true},
		// The desk's country reads numbers without a country code.
		{"090 123 4567", "VN", "+84901234567", true},
		{"098765 43210", "IN", "+919876543210", true},
		{"+84 90 123 4567", "FI", "+84901234567", true},
		// A number the metadata does not know is kept as typed, cleaned.
		{"12345", "FI", "12345", true},
		{"+1234", "FI", "+1234", false},
		{"12 34", "FI", "1234", false},
		{"040-ABC", "FI", "040ABC", false},
		{"++358401234567", "FI", "++358401234567", false},
	}
	for _, tc := range tests {
		got, ok := tickets.NormalizePhone(tc.in, tc.region)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q, %v", tc.in, tc.region, got, ok, tc.want, tc.ok)
		}
	}
	for _, r := range []string{"FI", "VN", "IN", "GB"} {
		if !tickets.ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = false", r)
		}
	}
	for _, r := range []string{"", "fi", "XX", "FIN"} {
		if tickets.ValidRegion(r) {
			t.Errorf("ValidRegion(%q) = true", r)
		}
	}
}

func TestParseTags(t *testing.T) {
	got, err := tickets.ParseTags("VIP, refund  vip,,äiti")
	if err != nil || strings.Join(got, "|") != "vip|refund|äiti" {
		t.Errorf("ParseTags = %q, %v", got, err)
	}
	if got, err := tickets.ParseTags(""); err != nil || got == nil || len(got) != 0 {
		t.Errorf("ParseTags(\"\") = %#v, %v; want an empty, non-nil list", got, err)
	}
	wantField(t, func() error { _, err := tickets.ParseTags("ok, bad!"); return err }(), "tags", "error_tag_invalid")
	wantField(t, func() error { _, err := tickets.ParseTags(strings.Repeat("x", 41)); return err }(), "tags", "error_tag_invalid")
	many := make([]string, 21)
	for i := range many {
		many[i] = "t" + strings.Repeat("x", i)
	}
	wantField(t, func() error { _, err := tickets.ParseTags(strings.Join(many, ",")); return err }(), "tags", "error_too_many_tags")
}
