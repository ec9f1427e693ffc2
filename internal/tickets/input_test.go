package tickets_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/loopdesk/loopdesk/internal/apperr"
	"github.com/loopdesk/loopdesk/internal/tickets"
)

// TestMalformedTextRefused: text fields, queue filters, cursors, saved views
// and the search box refuse NUL, invalid UTF-8, control characters, line
// breaks in one-line fields and huge values with a field message, never a
// database error (security issue #10).
func TestMalformedTextRefused(t *testing.T) {
	b := setup(t)
	open := b.create(t, b.repA, tickets.NewTicket{})
	mkTicket := func(edit func(*tickets.NewTicket)) func() error {
		return func() error {
			n := tickets.NewTicket{CustomerName: "Chi", Subject: "Hỏng", Body: "Máy hỏng rồi.", Channel: "phone", Priority: tickets.PriorityLow}
			edit(&n)
			_, _, err := b.store.Create(b.ctx, b.repA, n)
			return err
		}
	}
	queue := func(f tickets.Filter) func() error {
		return func() error { _, err := b.store.Queue(b.ctx, b.repA, f); return err }
	}
	cursor := func(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }
	tests := []struct {
		name         string
		do           func() error
		field, msgID string
	}{
		{"subject: escape", mkTicket(func(n *tickets.NewTicket) { n.Subject = "Hỏng\x1b[31m" }), "subject", "error_text_invalid"},
		{"subject: line break", mkTicket(func(n *tickets.NewTicket) { n.Subject = "Hỏng\nrồi" }), "subject", "error_text_one_line"},
		{"subject: tab", mkTicket(func(n *tickets.NewTicket) { n.Subject = "Hỏng\trồi" }), "subject", "error_text_invalid"},
		{"customer: C1 control", mkTicket(func(n *tickets.NewTicket) { n.CustomerName = "Chi\u0085Nguyen" }), "customer_name", "error_text_invalid"},
		{"order ref: line break", mkTicket(func(n *tickets.NewTicket) { n.OrderRef = "A1\r\nB2" }), "order_ref", "error_text_one_line"},
		{"body: bell", mkTicket(func(n *tickets.NewTicket) { n.Body = "ding\a" }), "body", "error_text_invalid"},
		{"reply: NUL", func() error {
			_, err := b.store.AddReply(b.ctx, b.repA, open.ID, tickets.Reply{Kind: tickets.MessagePublic, Body: "x\x00"})
			return err
		}, "body", "error_text_invalid"},
		{"customer message: escape", func() error { _, err := b.store.AddCustomerMessage(b.ctx, open.ID, "hi\x1b]0;x\a"); return err }, "message", "error_text_invalid"},
		{"queue: NUL tag", queue(tickets.Filter{Tag: "\x00"}), "tag", "error_tag_invalid"},
		{"queue: invalid UTF-8 tag", queue(tickets.Filter{Tag: "\xff"}), "tag", "error_tag_invalid"},
		{"queue: huge tag", queue(tickets.Filter{Tag: strings.Repeat("a", 300<<10)}), "tag", "error_tag_invalid"},
		{"queue: NUL category", queue(tickets.Filter{Category: "\x00"}), "category", "error_category_invalid"},
		{"queue: unknown category", queue(tickets.Filter{Category: "weather"}), "category", "error_category_invalid"},
		{"queue: cursor past year 294000", queue(tickets.Filter{After: cursor("9223372036854775807|5|2|0")}), "after", "error_cursor_invalid"},
		{"queue: cursor before year 1", queue(tickets.Filter{Sort: "due", After: cursor("0|5|2|-9223372036854775807")}), "after", "error_cursor_invalid"},
		{"queue: cursor of NUL", queue(tickets.Filter{After: cursor("\x00|\x00|\x00|\x00")}), "after", "error_cursor_invalid"},
		{"view: escape in the name", func() error {
			return b.store.SaveView(b.ctx, 1, tickets.SavedView{Name: "mine\x1b", Scope: tickets.ScopeMine, Query: "status=open"})
		}, "view_name", "error_text_invalid"},
		{"view: NUL in the query", func() error {
			return b.store.SaveView(b.ctx, 1, tickets.SavedView{Name: "mine", Scope: tickets.ScopeMine, Query: "tag=\x00"})
		}, "view_name", "error_text_invalid"},
		{"search: NUL", func() error { _, err := b.store.Search(b.ctx, b.repA, "order\x00", 10); return err }, "q", "error_text_invalid"},
		{"search: invalid UTF-8", func() error { _, err := b.store.Search(b.ctx, b.repA, "\xc3\x28", 10); return err }, "q", "error_text_invalid"},
		{"search: escape", func() error { _, err := b.store.Search(b.ctx, b.repA, "\x1b[2J", 10); return err }, "q", "error_text_invalid"},
		{"search: 201 characters", func() error { _, err := b.store.Search(b.ctx, b.repA, strings.Repeat("ä", 201), 10); return err }, "q", "error_too_long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !apperr.Is(err, apperr.Invalid) || apperr.FieldsOf(err)[tc.field] != tc.msgID {
				t.Fatalf("err = %v, want %s on %s", err, tc.msgID, tc.field)
			}
		})
	}
	// What is allowed still works: line breaks and tabs in bodies, a search
	// over several lines, a cursor the queue itself wrote.
	if _, _, err := b.store.Create(b.ctx, b.repA, tickets.NewTicket{CustomerName: "Chi", Subject: "Hỏng", Body: "Line one\r\n\tLine two",
		Channel: "phone", Priority: tickets.PriorityLow}); err != nil {
		t.Fatalf("multi-line body: %v", err)
	}
	if _, err := b.store.Search(b.ctx, b.repA, "hỏng\nmáy", 10); err != nil {
		t.Fatalf("search over two lines: %v", err)
	}
	page, err := b.store.Queue(b.ctx, b.repA, tickets.Filter{Scope: tickets.ScopeAll, Limit: 1})
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %v (next %q)", err, page.Next)
	}
	for _, sort := range tickets.Sorts {
		if _, err := b.store.Queue(b.ctx, b.repA, tickets.Filter{Scope: tickets.ScopeAll, Sort: sort, After: page.Next}); err != nil {
			t.Fatalf("next page by %s: %v", sort, err)
		}
	}
}
